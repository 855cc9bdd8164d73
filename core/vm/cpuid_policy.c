// SPDX-License-Identifier: MIT
/*
 * CPUID as a guest sees it: the host's answers, minus what mhv does not
 * virtualize, plus the hypervisor bit and mhv's own leaves.
 */
#include "core/host/cpu.h"
#include "core/exit/exits.h"
#include "core/vm/hypercall_abi.h"
#include "core/x86.h"
#include "lib/bitops.h"
#include "lib/string.h"

/* Four signature characters as the register holds them (little-endian). */
static inline uint32_t sig_word(const char *s)
{
	return (uint32_t)(uint8_t)s[0] | (uint32_t)(uint8_t)s[1] << 8 |
	       (uint32_t)(uint8_t)s[2] << 16 | (uint32_t)(uint8_t)s[3] << 24;
}

static struct cpuid_regs mhv_leaf(uint32_t leaf)
{
	if (leaf != MHV_CPUID_BASE)
		return (struct cpuid_regs){0};
	return (struct cpuid_regs){
		.eax = MHV_CPUID_BASE + 1,
		.ebx = sig_word(MHV_CPUID_SIGNATURE + 0),
		.ecx = sig_word(MHV_CPUID_SIGNATURE + 4),
		.edx = sig_word(MHV_CPUID_SIGNATURE + 8),
	};
}

/*
 * OSXSAVE mirrors the guest's CR4, not the host's. Out of line: the guest
 * state it reads would otherwise cost every CPUID exit a stack frame.
 */
__attribute__((noinline)) static uint32_t guest_osxsave(struct vcpu *v)
{
	struct vcpu_state s;

	vm_backend->get_state(v, &s);
	return s.cr4 & CR4_OSXSAVE ? CPUID1_ECX_OSXSAVE : 0;
}

/* Inlined into both callers: exit_cpuid() is on the exit path. */
static inline __attribute__((always_inline)) struct cpuid_regs
policy(struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	if ((leaf & 0xffffff00u) == MHV_CPUID_BASE) {
		r = mhv_leaf(leaf);
	} else {
		r = cpuid_count(leaf, subleaf);
		switch (leaf) {
		case 1:
			/* No virtualization, no MONITOR/MWAIT, no TSC deadline. */
			r.ecx &=
				~(CPUID1_ECX_VMX | CPUID1_ECX_SMX |
				  CPUID1_ECX_MONITOR | CPUID1_ECX_PDCM |
				  CPUID1_ECX_TSC_DEADLINE | CPUID1_ECX_OSXSAVE);
			/* mhv emulates the x2APIC MSRs (core/dev/dev_xapic.c). */
			r.ecx |= CPUID1_ECX_HYPERVISOR | CPUID1_ECX_X2APIC;
			if (v)
				r.ecx |= guest_osxsave(v);
			/* One logical CPU, APIC ID 0. */
			r.ebx = (r.ebx & 0x0000ffffu) | (1u << 16);
			break;
		case 7:
			if (subleaf == 0) {
				/*
				 * Features whose MSRs mhv does not emulate stay
				 * hidden, so CPUID and the MSRs agree: PKS,
				 * WAITPKG, CET, arch LBR, TSX force-abort.
				 */
				r.ecx &= ~(uint32_t)(BIT(5) | BIT(7) | BIT(31));
				r.edx &= ~(uint32_t)(BIT(13) | BIT(19) |
						     BIT(20));
			}
			break;
		case 0xd:
			/* XSAVES and its IA32_XSS MSR are not offered. */
			if (subleaf == 1)
				r.eax &= ~(uint32_t)BIT(3);
			break;
		case 0xa: /* no PMU is virtualized */
			r = (struct cpuid_regs){0};
			break;
		case 0xb:
		case 0x1f: /* topology: x2APIC ID 0 */
			r.edx = 0;
			break;
		case 0x80000001:
			r.ecx &= ~(uint32_t)CPUID80000001_ECX_SVM;
			break;
		case 0x8000000a: /* SVM features */
			r = (struct cpuid_regs){0};
			break;
		default:
			break;
		}
	}
	return r;
}

struct cpuid_regs cpuid_policy(struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
	return policy(v, leaf, subleaf);
}

void exit_cpuid(struct vcpu *v)
{
	struct cpuid_regs r =
		policy(v, (uint32_t)v->gpr[GPR_RAX], (uint32_t)v->gpr[GPR_RCX]);

	v->gpr[GPR_RAX] = r.eax;
	v->gpr[GPR_RBX] = r.ebx;
	v->gpr[GPR_RCX] = r.ecx;
	v->gpr[GPR_RDX] = r.edx;
}
