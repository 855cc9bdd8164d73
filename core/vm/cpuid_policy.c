// SPDX-License-Identifier: MIT
/*
 * The CPUID exit: the VM's CPU model answers (core/vm/cpu_model.c); only
 * the bits that follow the guest's own state are filled in here.
 */
#include "core/exit/exits.h"
#include "core/vm/cpu_model.h"
#include "core/x86.h"
#include "lib/bitops.h"

static void set_regs(struct vcpu *v, const struct cpuid_regs *r)
{
	v->gpr[GPR_RAX] = r->eax;
	v->gpr[GPR_RBX] = r->ebx;
	v->gpr[GPR_RCX] = r->ecx;
	v->gpr[GPR_RDX] = r->edx;
}

/* Leaves the table does not hold: rare, out of the fast path. */
__attribute__((noinline)) static void
answer_from_cpu(struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r = cpu_model_ask_cpu(&v->vm->cpu, leaf, subleaf);

	if (leaf == 0xb || leaf == 0x1f)
		r.edx = v->apic.id; /* the asking vCPU's x2APIC ID */
	set_regs(v, &r);
}

/*
 * Leaf 1: OSXSAVE mirrors the guest's CR4, EDX.APIC its IA32_APIC_BASE.EN,
 * EBX[31:24] its APIC ID (SDM vol. 2, CPUID; vol. 3, 11.4.3). Out of
 * line: the backend call would otherwise cost every CPUID exit a frame.
 */
__attribute__((noinline)) static void leaf1_dynamic(struct vcpu *v)
{
	if (vm_backend->get_control(v, VCPU_CR4) & CR4_OSXSAVE)
		v->gpr[GPR_RCX] |= CPUID1_ECX_OSXSAVE;
	if (!(v->apic.base_msr & APIC_BASE_EN))
		v->gpr[GPR_RDX] &= ~(uint64_t)CPUID1_EDX_APIC;
	v->gpr[GPR_RBX] = (v->gpr[GPR_RBX] & 0x00ffffffu) | (v->apic.id & 0xff)
								    << 24;
}

/* The table's answer, then the bits that follow the guest's state. */
void exit_cpuid(struct vcpu *v)
{
	uint32_t leaf = (uint32_t)v->gpr[GPR_RAX];
	uint32_t subleaf = (uint32_t)v->gpr[GPR_RCX];
	const struct cpuid_regs *r =
		cpu_model_entry(&v->vm->cpu, leaf, subleaf);

	if (!r) {
		answer_from_cpu(v, leaf, subleaf);
		return;
	}
	set_regs(v, r);
	if (leaf == 1)
		leaf1_dynamic(v);
}
