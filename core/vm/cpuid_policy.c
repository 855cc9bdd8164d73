// SPDX-License-Identifier: MIT
/*
 * The CPUID exit: the VM's CPU model answers (core/vm/cpu_model.c); only
 * the bits that follow the guest's own state are filled in here.
 */
#include "core/exit/exits.h"
#include "core/vm/cpu_model.h"
#include "lib/bitops.h"

#define CPUID1_ECX_OSXSAVE BIT(27)
#define CR4_OSXSAVE BIT(18)

/*
 * Leaf 1: OSXSAVE mirrors the guest's CR4 (SDM vol. 2, CPUID). Out of
 * line: the backend call would otherwise cost every CPUID exit a frame.
 */
__attribute__((noinline)) static void leaf1_dynamic(struct vcpu *v,
						    struct cpuid_regs *r)
{
	if (vm_backend->get_control(v, VCPU_CR4) & CR4_OSXSAVE)
		r->ecx |= CPUID1_ECX_OSXSAVE;
}

void exit_cpuid(struct vcpu *v)
{
	const struct cpu_model *m = &v->vm->cpu;
	uint32_t leaf = (uint32_t)v->gpr[GPR_RAX];
	uint32_t subleaf = (uint32_t)v->gpr[GPR_RCX];
	struct cpuid_regs r;

	if (!cpu_model_lookup(m, leaf, subleaf, &r))
		r = cpu_model_ask_cpu(m, leaf, subleaf);
	if (leaf == 1)
		leaf1_dynamic(v, &r);
	v->gpr[GPR_RAX] = r.eax;
	v->gpr[GPR_RBX] = r.ebx;
	v->gpr[GPR_RCX] = r.ecx;
	v->gpr[GPR_RDX] = r.edx;
}
