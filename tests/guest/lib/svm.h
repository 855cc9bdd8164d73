/* SPDX-License-Identifier: MIT */
#ifndef MHV_GUEST_SVM_H
#define MHV_GUEST_SVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest.h"
#include "svm/svm_exit_codes.h"
#include "svm/vmcb.h"

/*
 * A guest as an SVM hypervisor ("L1") running an "L2" in its own address
 * space: no nested paging, L1's control registers, EFER, GDT and
 * selectors; L2 has its own stack and an IDT of its own whose exception
 * handlers record the exception in svm_l2_exc and stop in HLT. L2 runs C
 * functions fn(arg) from svm_l2_entry, which calls fn and then executes
 * HLT (svm_l2_entry_hlt). The storage (VMCB, permission maps, L2's stack,
 * the VM_HSAVE page) is the caller's.
 *
 *	static struct vmcb vmcb __aligned(4096);
 *	static uint8_t hsave[4096] __aligned(4096), stack[8192];
 *	struct svm_l2 l2 = {.vmcb = &vmcb, .stack = stack,
 *			    .stack_size = sizeof(stack)};
 *
 *	if (!svm_available() || !svm_enable(hsave)) ...
 *	svm_vmcb_init(&vmcb, SVM_INTERCEPT1_CPUID, 0, NULL, NULL);
 *	svm_l2_start(&l2, fn, arg);
 *	while (svm_l2_run(&l2) == SVM_EXIT_CPUID)
 *		svm_l2_skip(&l2, 2);
 */

#define MSR_EFER 0xc0000080u
#define MSR_VM_HSAVE_PA 0xc0010117u
#define MSR_PAT 0x277u
#define EFER_SVME (1ull << 12)

#define CPUID_EXT_ECX_SVM (1u << 2)   /* 0x80000001 ECX */
#define CPUID_SVM_EDX_NRIPS (1u << 3) /* 0x8000000a EDX */

/* L2's general registers besides RAX and RSP (those are in the VMCB). */
struct svm_gprs {
	uint64_t rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/*
 * svm_vmrun(vmcb_pa, gprs): load L2's general registers from gprs, CLGI,
 * VMRUN, STGI, store L2's general registers back into gprs.
 */
void svm_vmrun(uint64_t vmcb_pa, struct svm_gprs *gprs);

/* An exception L2 took through its IDT (written by L2, read by L1). */
struct svm_l2_exception {
	uint64_t count, vector, error_code, rip;
};

extern volatile struct svm_l2_exception svm_l2_exc;
DECLARE_INSN_LABEL(svm_l2_entry);
DECLARE_INSN_LABEL(svm_l2_entry_hlt); /* after fn returns */
DECLARE_INSN_LABEL(svm_l2_exc_hlt);   /* after an exception in L2 */

struct svm_l2 {
	struct vmcb *vmcb;
	struct svm_gprs gprs;
	void *stack;
	size_t stack_size;
};

/* CPUID says SVM (on an AMD CPU). */
bool svm_available(void);

/* CPUID 0x8000000a EDX: NRIP save (next_rip written on #VMEXIT). */
bool svm_has_nrips(void);

/* EFER.SVME and VM_HSAVE_PA = hsave (a page): false if either faults. */
bool svm_enable(void *hsave);

/*
 * Clear *vmcb and set it up for an L2 in L1's address space: ASID 1,
 * intercepts VMRUN (the APM's consistency check), HLT and SHUTDOWN plus
 * misc1 and misc2, the permission maps iopm and msrpm (used only with the
 * IOIO and MSR intercepts; NULL for none).
 */
void svm_vmcb_init(struct vmcb *vmcb, uint32_t misc1, uint32_t misc2,
		   void *iopm, void *msrpm);

/*
 * Make l2 start fn(arg) at its next run, on a fresh stack, with zeroed
 * general registers; svm_l2_exc cleared.
 */
void svm_l2_start(struct svm_l2 *l2, void (*fn)(void *), void *arg);

/* Run L2 until its next #VMEXIT; the exit code. */
uint64_t svm_l2_run(struct svm_l2 *l2);

/* Step L2 over the exiting instruction: next_rip if saved, else len. */
static inline void svm_l2_skip(struct svm_l2 *l2, unsigned int len)
{
	struct vmcb *v = l2->vmcb;

	v->save.rip =
		v->control.next_rip ? v->control.next_rip : v->save.rip + len;
}

#endif
