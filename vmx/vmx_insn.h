/* SPDX-License-Identifier: MIT */
#ifndef MHV_VMX_VMX_INSN_H
#define MHV_VMX_VMX_INSN_H

#include <stdint.h>

#include "core/x86.h"
#include "vmx/vmcs.h"

/* Internal to vmx/: completing an instruction the guest exited on. */

/* Outside 64-bit mode EIP wraps at 4 GiB (VM entry refuses more). */
__attribute__((cold, noinline)) uint64_t vmx_wrap_rip(uint64_t next);
/*
 * RFLAGS.RF or TF was set: RF ends with the instruction, TF leaves a
 * single-step trap pending (DR6.BS).
 */
__attribute__((cold, noinline)) void vmx_complete_flags(uint64_t rflags);

/*
 * Every instruction mhv completes ends here: RIP moves on, an STI/MOV SS
 * shadow ends with it, so does RFLAGS.RF (SDM vol. 3, 18.3.1.1: cleared
 * once an instruction completes), and with RFLAGS.TF set the guest gets the
 * single-step #DB the CPU would have raised (SDM vol. 3, 18.3.1.4). It is
 * left to the CPU through the pending debug exceptions field (BS), which
 * VM entry delivers as a #DB with DR6.BS once the guest may take it (SDM
 * vol. 3, 27.7.3): DR6 is not in the VMCS. Inline: it is on every exit
 * that completes an instruction.
 */
static inline __attribute__((always_inline)) void
vmx_complete_insn(unsigned int len)
{
	uint64_t intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	uint64_t next = vmcs_read(VMCS_GUEST_RIP) + len;

	if (__builtin_expect(next >> 32, 0))
		next = vmx_wrap_rip(next);
	vmcs_write(VMCS_GUEST_RIP, next);
	if (intr & 3u) /* blocking by STI or by MOV SS */
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, intr & ~3ULL);
	uint64_t rflags = vmcs_read(VMCS_GUEST_RFLAGS);

	if (__builtin_expect(rflags & (RFLAGS_TF | RFLAGS_RF), 0))
		vmx_complete_flags(rflags);
}

/* The CPU reports the length of every instruction that caused an exit. */
static inline __attribute__((always_inline)) void
vmx_skip_instruction(struct vcpu *v)
{
	vmx_complete_insn((unsigned int)vmcs_read(VMCS_EXIT_INSTRUCTION_LEN));
}

#endif
