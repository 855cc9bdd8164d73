// SPDX-License-Identifier: MIT
/*
 * Prefixes and lengths of instructions mhv already knows. Rules from the
 * SDM vol. 2, 2.1-2.2 (instruction format, REX) and the APM vol. 3, 1.2:
 * legacy prefixes in any order, REX only counts right before the opcode
 * (one earlier is ignored), 15 bytes at most in all.
 */
#include "core/exit/insn_decode.h"
#include "lib/string.h"

int insn_scan_prefixes(const uint8_t *bytes, size_t avail, enum cpu_mode mode,
		       struct insn_prefixes *p)
{
	size_t limit = avail < INSN_MAX_LEN ? avail : INSN_MAX_LEN;
	size_t i;

	*p = (struct insn_prefixes){.seg = INSN_SEG_NONE};
	for (i = 0; i < limit; i++) {
		uint8_t b = bytes[i];

		switch (b) {
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
			p->seg = (int8_t)((b >> 3) & 3); /* ES CS SS DS */
			break;
		case 0x64:
		case 0x65:
			p->seg = (int8_t)(INSN_SEG_FS + (b & 1));
			break;
		case 0x66:
			p->opsize = true;
			break;
		case 0x67:
			p->adsize = true;
			break;
		case 0xf0:
			p->lock = true;
			break;
		case 0xf2:
		case 0xf3:
			p->rep = b;
			break;
		default:
			if (mode == CPU_MODE_64 && (b & 0xf0) == 0x40) {
				p->rex = b;
				continue; /* skip the "ignored REX" reset */
			}
			p->len = (uint8_t)i;
			return 0;
		}
		p->rex = 0; /* a REX not right before the opcode is ignored */
	}
	return -1;
}

unsigned int insn_length_of(const uint8_t *bytes, size_t avail,
			    enum cpu_mode mode, const uint8_t *op,
			    unsigned int oplen)
{
	struct insn_prefixes p;

	if (insn_scan_prefixes(bytes, avail, mode, &p) ||
	    p.len + oplen > (avail < INSN_MAX_LEN ? avail : INSN_MAX_LEN) ||
	    memcmp(bytes + p.len, op, oplen))
		return 0;
	return p.len + oplen;
}

int insn_decode_mov_cr(const uint8_t *bytes, size_t avail, enum cpu_mode mode,
		       struct insn_mov_cr *out)
{
	struct insn_prefixes p;
	uint8_t modrm;

	if (insn_scan_prefixes(bytes, avail, mode, &p) || p.len + 3u > avail ||
	    p.len + 3u > INSN_MAX_LEN || bytes[p.len] != 0x0f ||
	    (bytes[p.len + 1] != 0x22 && bytes[p.len + 1] != 0x20))
		return -1;
	modrm = bytes[p.len + 2];
	/* The mod field is ignored: the operand is always a register. */
	*out = (struct insn_mov_cr){
		.len = p.len + 3,
		.cr = ((modrm >> 3) & 7) | (p.rex & 4 ? 8 : 0),
		.gpr = (modrm & 7) | (p.rex & 1 ? 8 : 0),
		.to_cr = bytes[p.len + 1] == 0x22,
	};
	/* AMD's alternative encoding of CR8 in 32-bit code: LOCK MOV CR0. */
	if (p.lock && out->cr == 0)
		out->cr = 8;
	return 0;
}
