/* SPDX-License-Identifier: MIT */
#ifndef MHV_TDX_SEAMCALL_H
#define MHV_TDX_SEAMCALL_H

#include <stdint.h>

/*
 * SEAMCALL. RAX = leaf; the other registers in and out through this block
 * (Linux's order). The stubs never fault: #UD and #GP become
 * TDX_SEAMCALL_UD/TDX_SEAMCALL_GP through the exception-fixup table, and
 * CF=1 (VMfailInvalid) becomes TDX_SEAMCALL_VMFAILINVALID.
 *
 * In the hypervisor they are tdx/seamcall.asm. Hosted tests link a model
 * of the SEAM hardware in their place (tests/unit/seam_model.c): the
 * instruction is the only thing replaced.
 */
struct seam_args {
	uint64_t rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi;
};

/* Inputs RCX, RDX, R8-R11; no outputs besides the status. */
uint64_t seamcall(uint64_t leaf, struct seam_args *args);
/* Inputs and outputs RCX, RDX, R8-R11. */
uint64_t seamcall_ret(uint64_t leaf, struct seam_args *args);
/* Every register of the block in and out (R12-R15, RBX, RDI, RSI too). */
uint64_t seamcall_saved_ret(uint64_t leaf, struct seam_args *args);

/*
 * The other CPU operations the SEAM layer needs, kept here so the hosted
 * model can stand in for the CPU: the current-VMCS pointer (all ones when
 * there is none) and the interrupt flag.
 */
uint64_t seam_vmptrst(void);
int seam_vmptrld(uint64_t pa); /* 0, or nonzero when VMPTRLD failed */
uint64_t seam_irq_save(void);  /* returns RFLAGS.IF, then clears it */
void seam_irq_restore(uint64_t flags);
/*
 * Tell the VMX backend that the VMCS at `pa` is in the clear launch state
 * now (SEAMRET from the P-SEAMLDR did it, not the backend): the next VM
 * entry on it must be VMLAUNCH. The only way tdx/ reaches vmx/'s state.
 */
void seam_vmcs_launch_cleared(uint64_t pa);

#endif
