// SPDX-License-Identifier: MIT
/* VMRUN's consistency checks, for the SVM fuzz harnesses. */
#include <stdbool.h>
#include <stdint.h>

#include "core/x86.h"
#include "tests/fuzz/svm_vmrun_check.h"

#define CS_L (1u << 9)
#define CS_D (1u << 10)

/* The CR4 bits an AMD CPU defines (APM vol. 2, 3.1.3); the rest are MBZ. */
#define AMD_DEFINED_CR4                                              \
	(0x7ffULL | CR4_UMIP | CR4_LA57 | CR4_FSGSBASE | CR4_PCIDE | \
	 CR4_OSXSAVE | CR4_SMEP | CR4_SMAP | CR4_PKE | (1ULL << 23))
/* EFER: SCE, LME, LMA, NXE, SVME, LMSLE, FFXSR, TCE. */
#define AMD_DEFINED_EFER 0xfd01ULL

const char *svm_vmrun_refuses(const struct vmcb *vmcb, bool controls)
{
	const struct vmcb_save *g = &vmcb->save;
	const struct vmcb_control *c = &vmcb->control;
	bool long_paging = (g->efer & EFER_LME) && (g->cr0 & CR0_PG);
	uint64_t ev = c->event_inj;
	unsigned int type = (ev >> 8) & 7, vec = ev & 0xff;

	if (!(g->efer & EFER_SVME))
		return "EFER.SVME clear";
	if ((g->cr0 & CR0_NW) && !(g->cr0 & CR0_CD))
		return "CR0.NW without CR0.CD";
	if (g->cr0 >> 32 || g->cr4 >> 32 || g->dr6 >> 32 || g->dr7 >> 32)
		return "CR0, CR4, DR6 or DR7 with bits 63:32 set";
	if (g->cr4 & ~AMD_DEFINED_CR4)
		return "CR4 reserved bits";
	if (long_paging && g->cr3 >> 52)
		return "CR3 reserved bits in long mode";
	if (g->efer & ~AMD_DEFINED_EFER)
		return "EFER reserved bits";
	if (long_paging && !(g->cr4 & CR4_PAE))
		return "long mode paging without CR4.PAE";
	if (long_paging && !(g->cr0 & CR0_PE))
		return "long mode paging without CR0.PE";
	if (long_paging && (g->cs.attrib & CS_L) && (g->cs.attrib & CS_D))
		return "CS.L and CS.D both set in long mode";
	if (!controls)
		return NULL;
	if (!(c->intercept_misc2 & SVM_INTERCEPT2_VMRUN))
		return "no VMRUN intercept";
	if (!c->guest_asid)
		return "ASID 0";
	if ((ev & SVM_EVENT_VALID) && (type == 1 || type > 4))
		return "EVENTINJ of a reserved type";
	if ((ev & SVM_EVENT_VALID) && type == 3 && (vec == VEC_NMI || vec > 31))
		return "EVENTINJ exception with vector 2 or above 31";
	return NULL;
}
