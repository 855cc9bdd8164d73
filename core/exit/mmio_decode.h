/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_EXIT_MMIO_DECODE_H
#define MHV_CORE_EXIT_MMIO_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/exit/insn_decode.h"

/*
 * A small x86 instruction decoder for MMIO exits (NPF on AMD, EPT violation
 * on Intel): the faulting address comes from the exit, so all we need is
 * the access size, its direction, the register or immediate involved and
 * the instruction length (to advance RIP). Only the MOV family is handled:
 * that is what device drivers and test payloads use for MMIO.
 *
 * General registers are indexed in hardware encoding order:
 * 0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15.
 */
enum mmio_src {
	MMIO_SRC_REG, /* the register `reg` is written to / read from memory */
	MMIO_SRC_IMM, /* a store of the immediate `imm` */
};

struct mmio_insn {
	uint8_t len;  /* bytes, prefixes included */
	uint8_t size; /* memory access size: 1, 2, 4 or 8 */
	bool write;   /* true: register/immediate -> memory */
	enum mmio_src src;
	uint8_t reg;	  /* GPR index; for 1-byte accesses see high_byte */
	bool high_byte;	  /* AH, CH, DH, BH (no REX prefix, reg 4-7, size 1) */
	uint8_t dst_size; /* register width for reads (movzx/movsx widen) */
	bool sign_extend; /* movsx */
	uint64_t imm;	  /* MMIO_SRC_IMM: the value, already sized */
};

/*
 * Decode the instruction at `bytes` (up to `avail` bytes readable, at most
 * 15 used). Returns 0, or -1 when the instruction is not a supported MOV
 * form, is truncated, or is malformed; err then says what was seen.
 */
int mmio_decode(const uint8_t *bytes, size_t avail, enum cpu_mode mode,
		struct mmio_insn *out, char *err, size_t errlen);

/* The value a decoded write stores to memory (register or immediate). */
uint64_t mmio_write_value(const struct mmio_insn *in, const uint64_t gpr[16]);

/*
 * Put a value read from memory into the destination register with the
 * architectural rules: 32-bit destinations zero the upper half in 64-bit
 * mode, 8- and 16-bit ones merge, movzx/movsx widen.
 */
void mmio_complete_read(const struct mmio_insn *in, uint64_t gpr[16],
			uint64_t value);

#endif
