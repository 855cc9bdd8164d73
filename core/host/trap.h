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

enum {
	VEC_DE = 0,
	VEC_DB = 1,
	VEC_NMI = 2,
	VEC_BP = 3,
	VEC_OF = 4,
	VEC_BR = 5,
	VEC_UD = 6,
	VEC_NM = 7,
	VEC_DF = 8,
	VEC_TS = 10,
	VEC_NP = 11,
	VEC_SS = 12,
	VEC_GP = 13,
	VEC_PF = 14,
	VEC_MF = 16,
	VEC_AC = 17,
	VEC_MC = 18,
	VEC_XM = 19,
	VEC_VE = 20,
	VEC_CP = 21,
};

const char *exception_name(unsigned int vector);
void trap_dispatch(struct trap_frame *f);
/*
 * A host NMI, wherever it arrived: through the IDT, or as a VMX exit (NMI
 * exiting consumes the NMI, so the exit handler must hand it on).
 */
void nmi_handle(uint64_t rip);

#endif
