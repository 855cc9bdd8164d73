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
