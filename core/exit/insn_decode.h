/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_EXIT_INSN_DECODE_H
#define MHV_CORE_EXIT_INSN_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The parts of x86 instruction decoding that every emulation path shares:
 * the legacy and REX prefixes, and the length of an instruction mhv already
 * knows (an intercept said which one it is) on CPUs that do not report it
 * (SVM without NRIP save). The MMIO decoder (mmio_decode.c) builds on it.
 */
enum cpu_mode {
	CPU_MODE_16 = 16, /* real mode or 16-bit protected mode (CS.D = 0) */
	CPU_MODE_32 = 32, /* protected mode, CS.D = 1 */
	CPU_MODE_64 = 64, /* long mode, CS.L = 1 */
};

#define INSN_MAX_LEN 15

/* Segment-override prefixes, by the segment register they name. */
enum insn_seg {
	INSN_SEG_NONE = -1,
	INSN_SEG_ES,
	INSN_SEG_CS,
	INSN_SEG_SS,
	INSN_SEG_DS,
	INSN_SEG_FS,
	INSN_SEG_GS,
};

struct insn_prefixes {
	uint8_t len; /* bytes of prefixes: the opcode starts here */
	bool opsize; /* 0x66 */
	bool adsize; /* 0x67 */
	bool lock;   /* 0xf0 */
	uint8_t rep; /* 0xf2 or 0xf3, the last one seen; 0 without */
	int8_t seg;  /* enum insn_seg: the last override seen */
	uint8_t rex; /* 64-bit mode only, and only right before the opcode */
};

/*
 * Scan the prefixes at `bytes` (`avail` readable). Returns 0, or -1 when
 * the bytes end, or the 15-byte limit is reached, before an opcode.
 */
int insn_scan_prefixes(const uint8_t *bytes, size_t avail, enum cpu_mode mode,
		       struct insn_prefixes *p);

/*
 * The length of the instruction at `bytes` when it is the instruction
 * whose opcode bytes are `op[0..oplen)` (an intercept says which it is),
 * prefixes included; 0 when the bytes are not that instruction.
 */
unsigned int insn_length_of(const uint8_t *bytes, size_t avail,
			    enum cpu_mode mode, const uint8_t *op,
			    unsigned int oplen);

/* MOV to or from a control register (0f 22 / 0f 20), decoded. */
struct insn_mov_cr {
	uint8_t len;
	uint8_t cr;  /* ModRM.reg with REX.R; LOCK makes CR0 CR8 on AMD */
	uint8_t gpr; /* ModRM.rm with REX.B: always a register */
	bool to_cr;
};

/* Returns 0, or -1 when the bytes are not MOV to/from CRn. */
int insn_decode_mov_cr(const uint8_t *bytes, size_t avail, enum cpu_mode mode,
		       struct insn_mov_cr *out);

#endif
