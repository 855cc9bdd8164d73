// SPDX-License-Identifier: MIT
/*
 * The architectural checks of MOV to CR0 and CR4, for the backends that
 * complete such a write themselves: VMX for the bits it owns or shadows,
 * SVM for CR4 (intercepted so that features hidden from the guest's CPUID
 * cannot be switched on). Sources: SDM vol. 3, 2.5 "Control Registers"
 * and vol. 2, "MOV - Move to/from Control Registers"; APM vol. 2, 3.1.
 */
#include "core/exit/exits.h"
#include "core/x86.h"
#include "lib/bitops.h"

/* One CR4 bit and the CPUID bit that says it exists. */
struct cr4_feature {
	uint8_t cr4_bit;
	uint32_t leaf, subleaf;
	uint8_t reg; /* 0 EAX, 1 EBX, 2 ECX, 3 EDX */
	uint8_t bit;
};

static const struct cr4_feature cr4_features[] = {
	{0, 1, 0, 3, 1},   /* VME: VME */
	{1, 1, 0, 3, 1},   /* PVI: VME */
	{2, 1, 0, 3, 4},   /* TSD: TSC */
	{3, 1, 0, 3, 2},   /* DE */
	{4, 1, 0, 3, 3},   /* PSE */
	{5, 1, 0, 3, 6},   /* PAE */
	{6, 1, 0, 3, 7},   /* MCE */
	{7, 1, 0, 3, 13},  /* PGE */
	{9, 1, 0, 3, 24},  /* OSFXSR: FXSR */
	{10, 1, 0, 3, 25}, /* OSXMMEXCPT: SSE */
	{11, 7, 0, 2, 2},  /* UMIP */
	{12, 7, 0, 2, 16}, /* LA57 */
	{13, 1, 0, 2, 5},  /* VMXE: VMX (hidden: mhv offers none) */
	{14, 1, 0, 2, 6},  /* SMXE: SMX (hidden) */
	{16, 7, 0, 1, 0},  /* FSGSBASE */
	{17, 1, 0, 2, 17}, /* PCIDE: PCID */
	{18, 1, 0, 2, 26}, /* OSXSAVE: XSAVE */
	{19, 7, 0, 2, 23}, /* KL */
	{20, 7, 0, 1, 7},  /* SMEP */
	{21, 7, 0, 1, 20}, /* SMAP */
	{22, 7, 0, 2, 3},  /* PKE: PKU */
	{23, 7, 0, 2, 7},  /* CET: CET_SS (hidden) */
	{24, 7, 0, 2, 31}, /* PKS (hidden) */
	{25, 7, 0, 3, 5},  /* UINTR */
	{28, 7, 1, 0, 26}, /* LAM_SUP: LAM */
};

uint64_t cr4_guest_reserved(struct vcpu *v)
{
	uint32_t max = cpuid_policy(v, 0, 0).eax;
	uint64_t allowed = CR4_PCE; /* has no CPUID bit */

	for (unsigned int i = 0; i < ARRAY_SIZE(cr4_features); i++) {
		const struct cr4_feature *f = &cr4_features[i];
		struct cpuid_regs r;
		uint32_t regs[4];

		if (f->leaf > max ||
		    (f->subleaf &&
		     cpuid_policy(v, f->leaf, 0).eax < f->subleaf))
			continue;
		r = cpuid_policy(v, f->leaf, f->subleaf);
		regs[0] = r.eax;
		regs[1] = r.ebx;
		regs[2] = r.ecx;
		regs[3] = r.edx;
		if (regs[f->reg] & BIT(f->bit))
			allowed |= BIT(f->cr4_bit);
	}
	return ~allowed;
}

bool cr0_write_faults(const struct vcpu_state *s, uint64_t val)
{
	bool long_mode = s->efer & EFER_LMA;

	if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) ||
	    ((val & CR0_NW) && !(val & CR0_CD)))
		return true;
	if ((val & CR0_PG) && !(s->cr0 & CR0_PG) && (s->efer & EFER_LME) &&
	    !(s->cr4 & CR4_PAE))
		return true;
	if (!(val & CR0_PG) && (s->cr0 & CR0_PG) &&
	    ((s->cr4 & CR4_PCIDE) || (long_mode && s->cs_long)))
		return true; /* paging stays on in 64-bit mode and with PCIDs */
	return !(val & CR0_WP) && (s->cr4 & CR4_CET);
}

bool cr4_write_faults(struct vcpu *v, const struct vcpu_state *s, uint64_t val)
{
	bool long_mode = s->efer & EFER_LMA;

	if (val & cr4_guest_reserved(v))
		return true;
	if (long_mode && (!(val & CR4_PAE) || ((val ^ s->cr4) & CR4_LA57)))
		return true;
	if ((val & CR4_PCIDE) && !(s->cr4 & CR4_PCIDE) &&
	    (!long_mode || (s->cr3 & 0xfff)))
		return true;
	return (val & CR4_CET) && !(s->cr0 & CR0_WP);
}
