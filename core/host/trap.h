/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_TRAP_H
#define MHV_CORE_HOST_TRAP_H

#include <stdint.h>

/* Laid out by core/host/isr.asm: general registers, then what the CPU pushed. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

const char *exception_name(unsigned int vector);
void trap_dispatch(struct trap_frame *f);
/*
 * A host NMI, wherever it arrived: through the IDT, or as a VMX exit (NMI
 * exiting consumes the NMI, so the exit handler must hand it on).
 */
void nmi_handle(uint64_t rip);

#endif
