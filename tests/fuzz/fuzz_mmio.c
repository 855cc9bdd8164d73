// SPDX-License-Identifier: MIT
/*
 * The MMIO decoder (core/exit/mmio_decode.c) and the prefix and length helpers
 * it shares with the exit paths (core/exit/insn_decode.c), on arbitrary bytes:
 * the input is the instruction, decoded in 16-, 32- and 64-bit mode. Every
 * buffer handed to the code under test has exactly the readable length,
 * so AddressSanitizer reports any read past `avail`.
 *
 * Besides lengths (at most 15, exactly the bytes consumed: the same bytes
 * cut to that length decode the same, one byte shorter not at all), the
 * decoded fields are checked against what the prefix scanner of
 * insn_decode.c finds in the same bytes, so the two decoders keep one view
 * of prefixes, REX and operand size.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/exit/mmio_decode.h"
#include "tests/fuzz/check.h"

static const enum cpu_mode modes[] = {CPU_MODE_16, CPU_MODE_32, CPU_MODE_64};

static bool is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0x26:
	case 0x2e:
	case 0x36:
	case 0x3e:
	case 0x64:
	case 0x65:
	case 0x66:
	case 0x67:
	case 0xf0:
	case 0xf2:
	case 0xf3:
		return true;
	default:
		return false;
	}
}

static bool is_rex(uint8_t b, enum cpu_mode mode)
{
	return mode == CPU_MODE_64 && (b & 0xf0) == 0x40;
}

/* A heap copy of exactly n bytes: reading past it is an ASan report. */
static uint8_t *exact(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	CHECK(c, "out of memory");
	memcpy(c, p, n);
	return c;
}

/* ---- insn_decode.c -------------------------------------------------- */

static void check_prefixes(const uint8_t *b, size_t avail, enum cpu_mode mode,
			   struct insn_prefixes *p, bool *ok)
{
	size_t limit = avail < INSN_MAX_LEN ? avail : INSN_MAX_LEN;
	struct insn_prefixes want = {.seg = INSN_SEG_NONE};
	size_t i;

	*ok = !insn_scan_prefixes(b, avail, mode, p);
	for (i = 0; i < limit; i++) {
		uint8_t c = b[i];

		if (is_rex(c, mode)) {
			want.rex = c;
			continue;
		}
		if (!is_legacy_prefix(c))
			break;
		want.rex = 0;
		want.opsize |= c == 0x66;
		want.adsize |= c == 0x67;
		want.lock |= c == 0xf0;
		if (c == 0xf2 || c == 0xf3)
			want.rep = c;
		if (c == 0x26 || c == 0x2e || c == 0x36 || c == 0x3e)
			want.seg = (int8_t)((c >> 3) & 3);
		if (c == 0x64 || c == 0x65)
			want.seg = (int8_t)(INSN_SEG_FS + (c & 1));
	}
	CHECK(*ok == (i < limit),
	      "mode %d: prefix scan %s with %zu of %zu "
	      "bytes prefixes",
	      mode, *ok ? "succeeded" : "failed", i, limit);
	if (!*ok)
		return;
	want.len = (uint8_t)i;
	CHECK(p->len == want.len && p->opsize == want.opsize &&
		      p->adsize == want.adsize && p->lock == want.lock &&
		      p->rep == want.rep && p->seg == want.seg &&
		      p->rex == want.rex,
	      "mode %d: prefixes len %u opsize %d adsize %d lock %d rep %#x "
	      "seg %d rex %#x, expected len %u %d %d %d %#x %d %#x",
	      mode, p->len, p->opsize, p->adsize, p->lock, p->rep, p->seg,
	      p->rex, want.len, want.opsize, want.adsize, want.lock, want.rep,
	      want.seg, want.rex);
}

static void check_length_of(const uint8_t *b, size_t avail, enum cpu_mode mode,
			    const struct insn_prefixes *p, bool ok)
{
	size_t limit = avail < INSN_MAX_LEN ? avail : INSN_MAX_LEN;

	for (unsigned int oplen = 1; oplen <= 3; oplen++) {
		uint8_t op[3] = {0x0f, 0xa2, 0xd9};
		bool fits = ok && p->len + oplen <= limit;
		unsigned int n;

		/* The bytes' own opcode: found exactly when they fit. */
		if (fits)
			memcpy(op, b + p->len, oplen);
		n = insn_length_of(b, avail, mode, op, oplen);
		if (fits) {
			op[oplen - 1] ^= 0x5a;
			CHECK(!insn_length_of(b, avail, mode, op, oplen),
			      "mode %d: insn_length_of matched another opcode",
			      mode);
			op[oplen - 1] ^= 0x5a;
		}
		if (fits || n)
			CHECK(n == (fits && !memcmp(b + p->len, op, oplen)
					    ? p->len + oplen
					    : 0u),
			      "mode %d: insn_length_of = %u for a %u-byte "
			      "opcode after %u prefix bytes (%zu readable)",
			      mode, n, oplen, ok ? p->len : 0, avail);
	}
}

static void check_mov_cr(const uint8_t *b, size_t avail, enum cpu_mode mode,
			 const struct insn_prefixes *p, bool ok)
{
	size_t limit = avail < INSN_MAX_LEN ? avail : INSN_MAX_LEN;
	struct insn_mov_cr m;
	bool want = ok && p->len + 3u <= limit && b[p->len] == 0x0f &&
		    (b[p->len + 1] == 0x20 || b[p->len + 1] == 0x22);
	uint8_t modrm;

	CHECK(!insn_decode_mov_cr(b, avail, mode, &m) == want,
	      "mode %d: MOV CR decode %s", mode,
	      want ? "failed" : "succeeded on other bytes");
	if (!want)
		return;
	modrm = b[p->len + 2];
	CHECK(m.len == p->len + 3 && m.to_cr == (b[p->len + 1] == 0x22) &&
		      m.gpr == ((modrm & 7) | (p->rex & 1 ? 8 : 0)),
	      "mode %d: MOV CR len %u gpr %u", mode, m.len, m.gpr);
	if (p->lock && !(modrm & 0x38) && !(p->rex & 4))
		CHECK(m.cr == 8, "LOCK MOV CR0 is CR8, got CR%u", m.cr);
	else
		CHECK(m.cr == (((modrm >> 3) & 7) | (p->rex & 4 ? 8 : 0)),
		      "MOV CR names CR%u", m.cr);
}

/* ---- mmio_decode.c -------------------------------------------------- */

static uint64_t mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* What the opcode alone says, from the bytes after the prefixes. */
static void check_fields(const uint8_t *b, enum cpu_mode mode,
			 const struct insn_prefixes *p,
			 const struct mmio_insn *in)
{
	unsigned int op = b[p->len], oplen = op == 0x0f ? 2 : 1;
	unsigned int opbytes, size, reg;
	bool moffs = op >= 0xa0 && op <= 0xa3;
	bool byte_op, word_op = false, widen = op == 0x0f, write, imm;

	if (widen) {
		op = b[p->len + 1];
		CHECK((op & 0xf6) == 0xb6, "accepted 0f %02x", op);
		word_op = op & 1;
		byte_op = !word_op;
		write = imm = false;
	} else {
		CHECK((op >= 0x88 && op <= 0x8b) || op == 0xc6 || op == 0xc7 ||
			      moffs,
		      "accepted opcode %02x", op);
		byte_op = !(op & 1);
		write = op == 0x88 || op == 0x89 || op == 0xc6 || op == 0xc7 ||
			op == 0xa2 || op == 0xa3;
		imm = op == 0xc6 || op == 0xc7;
	}
	CHECK(!p->lock && !p->rep, "accepted LOCK or REP");
	opbytes = p->rex & 8 ? 8 : (mode == CPU_MODE_16) != p->opsize ? 2 : 4;
	size = byte_op ? 1 : word_op ? 2 : opbytes;
	CHECK(in->size == size && in->dst_size == (widen ? opbytes : size),
	      "mode %d: size %u dst_size %u, expected %u %u", mode, in->size,
	      in->dst_size, size, widen ? opbytes : size);
	CHECK(in->write == write && (in->src == MMIO_SRC_IMM) == imm,
	      "mode %d: write %d src %d", mode, in->write, in->src);
	CHECK(in->sign_extend == (widen && (op & 8)), "sign_extend %d",
	      in->sign_extend);
	if (imm) {
		unsigned int n = size < 4 ? size : 4;
		uint64_t v = 0;

		memcpy(&v, b + in->len - n, n);
		if (size == 8)
			v = (uint64_t)(int64_t)(int32_t)v;
		CHECK(in->imm == v, "immediate %#llx, expected %#llx",
		      (unsigned long long)in->imm, (unsigned long long)v);
		return;
	}
	/* The accumulator forms never take REX.R (issue #18). */
	reg = moffs ? 0 : ((b[p->len + oplen] >> 3) & 7) | (p->rex & 4 ? 8 : 0);
	if (in->dst_size == 1 && !p->rex && reg >= 4)
		CHECK(in->high_byte && in->reg == reg - 4,
		      "mode %d: byte register %u, high %d, expected high %u",
		      mode, in->reg, in->high_byte, reg - 4);
	else
		CHECK(!in->high_byte && in->reg == reg,
		      "mode %d: register %u (high %d), expected %u", mode,
		      in->reg, in->high_byte, reg);
}

/* Register write-back as the architecture does it, one register only. */
static void check_semantics(const struct mmio_insn *in, uint64_t value)
{
	uint64_t gpr[16], before[16], v, want, r;

	for (unsigned int i = 0; i < 16; i++)
		gpr[i] = before[i] = 0x0123456789abcdefULL * (i + 3);
	r = before[in->reg];
	if (in->write) {
		want = in->src == MMIO_SRC_IMM ? in->imm
		       : in->high_byte	       ? r >> 8
					       : r;
		CHECK(mmio_write_value(in, gpr) == (want & mask(in->size)),
		      "write value %#llx",
		      (unsigned long long)mmio_write_value(in, gpr));
		CHECK(!memcmp(gpr, before, sizeof(gpr)),
		      "mmio_write_value changed a register");
		return;
	}
	mmio_complete_read(in, gpr, value);
	v = value & mask(in->size);
	if (in->sign_extend && (v >> (8 * in->size - 1)) & 1)
		v |= ~mask(in->size);
	if (in->high_byte)
		want = (r & ~0xff00ULL) | (v & 0xff) << 8;
	else if (in->dst_size >= 4)
		want = v & mask(in->dst_size);
	else
		want = (r & ~mask(in->dst_size)) | (v & mask(in->dst_size));
	CHECK(gpr[in->reg] == want, "read of %#llx left %#llx, expected %#llx",
	      (unsigned long long)value, (unsigned long long)gpr[in->reg],
	      (unsigned long long)want);
	gpr[in->reg] = before[in->reg];
	CHECK(!memcmp(gpr, before, sizeof(gpr)),
	      "a read changed another register");
}

static bool same(const struct mmio_insn *a, const struct mmio_insn *b)
{
	return a->len == b->len && a->size == b->size && a->write == b->write &&
	       a->src == b->src && a->reg == b->reg &&
	       a->high_byte == b->high_byte && a->dst_size == b->dst_size &&
	       a->sign_extend == b->sign_extend && a->imm == b->imm;
}

static void check_decode(const uint8_t *b, size_t avail, enum cpu_mode mode,
			 const struct insn_prefixes *p, bool prefixes_ok)
{
	struct mmio_insn in, again;
	char err[96];
	uint8_t *cut;
	uint64_t value = 0;

	if (mmio_decode(b, avail, mode, &in, err, sizeof(err))) {
		CHECK(err[0] && memchr(err, '\0', sizeof(err)),
		      "refused without a reason");
		return;
	}
	CHECK(in.len >= 1 && in.len <= INSN_MAX_LEN && in.len <= avail,
	      "mode %d: length %u with %zu readable", mode, in.len, avail);
	CHECK(in.size == 1 || in.size == 2 || in.size == 4 || in.size == 8,
	      "access size %u", in.size);
	CHECK(in.reg < (mode == CPU_MODE_64 ? 16 : 8), "register %u", in.reg);
	CHECK(prefixes_ok && p->len < in.len, "prefix scan disagrees");
	check_fields(b, mode, p, &in);

	/* Exactly the consumed bytes: the same decode, and no fewer. */
	cut = exact(b, in.len);
	CHECK(!mmio_decode(cut, in.len, mode, &again, NULL, 0) &&
		      same(&in, &again),
	      "mode %d: cut to its %u bytes it decodes differently", mode,
	      in.len);
	CHECK(mmio_decode(cut, in.len - 1u, mode, &again, err, sizeof(err)),
	      "mode %d: decodes without its last byte", mode);
	free(cut);

	memcpy(&value, b, avail < 8 ? avail : 8);
	check_semantics(&in, ~value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (unsigned int i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct insn_prefixes p;
		bool ok;

		check_prefixes(data, size, modes[i], &p, &ok);
		check_length_of(data, size, modes[i], &p, ok);
		check_mov_cr(data, size, modes[i], &p, ok);
		check_decode(data, size, modes[i], &p, ok);
	}
	return 0;
}
