/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_VM_HYPERCALL_ABI_H
#define MHV_CORE_VM_HYPERCALL_ABI_H

/*
 * The mhv hypercall ABI, shared by the hypervisor and guest payloads (see
 * docs/hypercalls.md). VMCALL on Intel, VMMCALL on AMD, from CPL 0:
 *   RAX = number, RBX/RCX/RDX/RSI = arguments; result in RAX; RIP advances.
 * Available only when the VM's policy grants hypercalls; otherwise the
 * instruction raises #UD at its own RIP, as unintercepted hardware would.
 */
#define MHV_HC_PING 0	    /* returns MHV_HC_PING_REPLY */
#define MHV_HC_VERSION 1    /* returns MHV_HC_ABI_VERSION */
#define MHV_HC_EXIT_COUNT 2 /* RBX = vendor exit code -> times seen */
/*
 * RBX = a 2 MiB-aligned guest-physical address of RAM (not the first
 * 2 MiB): the guest gives those 2 MiB back; they read as zero afterwards,
 * on every vCPU. 0, or MHV_HC_EINVAL.
 */
#define MHV_HC_DISCARD 3
/*
 * KVM's number and ABI, for guests written for KVM (kvm-unit-tests):
 * RBX, RCX = APIC ID bitmap, RDX = its first APIC ID, RSI = ICR low ->
 * vCPUs reached.
 */
#define MHV_HC_KVM_SEND_IPI 10

#define MHV_HC_PING_REPLY 0x6d6876ULL /* "mhv" */
#define MHV_HC_ABI_VERSION 1ULL
#define MHV_HC_ENOSYS ((unsigned long long)-1000) /* like KVM's -KVM_ENOSYS */
#define MHV_HC_EINVAL ((unsigned long long)-22)

/* CPUID leaf 0x40000000: max leaf in EAX, "mhvmhvmhvmhv" in EBX, ECX, EDX. */
#define MHV_CPUID_BASE 0x40000000u
#define MHV_CPUID_SIGNATURE "mhvmhvmhvmhv"

#endif
