// SPDX-License-Identifier: MIT
/*
 * MOV-family decoder for MMIO exits. The faulting address comes from the
 * exit, so the ModRM/SIB/displacement bytes are only walked to find the
 * instruction length; what matters is the opcode (direction and width),
 * the register field and any immediate.
 *
 * Adding a form is one row in mov_forms[].
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/exit/mmio_decode.h"
#include "lib/compiler.h"
#include "lib/fmt.h"

#define MAX_INSN_LEN 15

enum {
	F_MODRM = 1 << 0, /* ModRM (+SIB, displacement) follows the opcode */
	F_MOFFS = 1 << 1, /* address-size moffs follows, register is AL/eAX */
	F_BYTE = 1 << 2,  /* memory operand is 8 bits */
	F_WORD = 1 << 3,  /* memory operand is 16 bits (movzx/movsx) */
	F_WRITE = 1 << 4, /* register/immediate -> memory */
	F_IMM = 1 << 5,	  /* immediate source, ModRM.reg must be 0 */
	F_WIDEN = 1 << 6, /* movzx/movsx: register is operand-size wide */
	F_SIGN = 1 << 7,  /* movsx */
};

struct mov_form {
	uint16_t op; /* 0x0fxx for two-byte opcodes */
	uint8_t flags;
};

static const struct mov_form mov_forms[] = {
	{0x88, F_MODRM | F_BYTE | F_WRITE},
	{0x89, F_MODRM | F_WRITE},
	{0x8a, F_MODRM | F_BYTE},
	{0x8b, F_MODRM},
	{0xc6, F_MODRM | F_BYTE | F_WRITE | F_IMM},
	{0xc7, F_MODRM | F_WRITE | F_IMM},
	{0xa0, F_MOFFS | F_BYTE},
	{0xa1, F_MOFFS},
	{0xa2, F_MOFFS | F_BYTE | F_WRITE},
	{0xa3, F_MOFFS | F_WRITE},
	{0x0fb6, F_MODRM | F_BYTE | F_WIDEN},
	{0x0fb7, F_MODRM | F_WORD | F_WIDEN},
	{0x0fbe, F_MODRM | F_BYTE | F_WIDEN | F_SIGN},
	{0x0fbf, F_MODRM | F_WORD | F_WIDEN | F_SIGN},
};

struct decoder {
	const uint8_t *bytes;
	size_t avail;
	size_t pos; /* bytes consumed so far */
	char *err;
	size_t errlen;
};

/*
 * Fail with "<pre><hex bytes><post>": the bytes consumed so far (at least
 * three for context), limited by what is readable.
 */
static int refuse(const struct decoder *d, const char *pre, const char *post)
{
	char hex[3 * 8 + 8];
	size_t n = MIN(d->avail, MAX(d->pos, (size_t)3)), i;
	int len = 0;

	if (!d->err || !d->errlen)
		return -1;
	hex[0] = '\0';
	for (i = 0; i < n && i < 8; i++)
		len += fmt_snprintf(hex + len, sizeof(hex) - len, "%s%02x",
				    i ? " " : "", d->bytes[i]);
	if (n > 8)
		fmt_snprintf(hex + len, sizeof(hex) - len, " ...");
	fmt_snprintf(d->err, d->errlen, "%s%s%s", pre, hex, post);
	return -1;
}

/* Consume n (<= 8) bytes as a little-endian value. */
static int fetch(struct decoder *d, unsigned int n, uint64_t *val)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (d->pos >= MAX_INSN_LEN)
			return refuse(d,
				      "instruction longer than 15 bytes: ", "");
		if (d->pos >= d->avail)
			return refuse(d, "truncated instruction: ", "");
		v |= (uint64_t)d->bytes[d->pos++] << (8 * i);
	}
	if (val)
		*val = v;
	return 0;
}

static const struct mov_form *find_form(unsigned int op)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mov_forms); i++)
		if (mov_forms[i].op == op)
			return &mov_forms[i];
	return NULL;
}

/* Walk SIB and displacement after the ModRM byte; addr is 2, 4 or 8. */
static int skip_modrm_operand(struct decoder *d, uint8_t modrm,
			      unsigned int addr)
{
	unsigned int mod = modrm >> 6, rm = modrm & 7;
	uint64_t sib;

	if (addr == 2) {
		if (mod == 1)
			return fetch(d, 1, NULL);
		if (mod == 2 || (mod == 0 && rm == 6))
			return fetch(d, 2, NULL);
		return 0;
	}
	if (rm == 4) {
		if (fetch(d, 1, &sib))
			return -1;
		if (mod == 0 && (sib & 7) == 5)
			return fetch(d, 4, NULL);
	}
	if (mod == 1)
		return fetch(d, 1, NULL);
	if (mod == 2 || (mod == 0 && rm == 5)) /* rm 5: RIP-relative in 64 */
		return fetch(d, 4, NULL);
	return 0;
}

int mmio_decode(const uint8_t *bytes, size_t avail, enum cpu_mode mode,
		struct mmio_insn *out, char *err, size_t errlen)
{
	struct decoder d = {bytes, avail, 0, err, errlen};
	struct mmio_insn in = {0};
	const struct mov_form *form;
	bool opsize = false, adsize = false;
	unsigned int rex = 0, op, opbytes, addr;
	uint64_t b = 0, modrm = 0;

	for (;;) {
		if (fetch(&d, 1, &b))
			return -1;
		if (b == 0x66 || b == 0x67 || b == 0x26 || b == 0x2e ||
		    b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65) {
			opsize |= b == 0x66;
			adsize |= b == 0x67;
			rex = 0; /* a REX not right before the opcode is ignored */
		} else if (b == 0xf0 || b == 0xf2 || b == 0xf3) {
			return refuse(&d,
				      "prefix not supported for MMIO: ", "");
		} else if (mode == CPU_MODE_64 && (b & 0xf0) == 0x40) {
			rex = b;
		} else {
			break;
		}
	}
	op = b;
	if (op == 0x0f) {
		if (fetch(&d, 1, &b))
			return -1;
		op = 0x0f00 | b;
	}
	form = find_form(op);
	if (!form)
		return refuse(&d, "unsupported instruction ", " for MMIO");

	if (rex & 8)
		opbytes = 8;
	else
		opbytes = (mode == CPU_MODE_16) != opsize ? 2 : 4;
	if (mode == CPU_MODE_64)
		addr = adsize ? 4 : 8;
	else
		addr = (mode == CPU_MODE_16) != adsize ? 2 : 4;

	in.write = form->flags & F_WRITE;
	in.size = form->flags & F_BYTE ? 1 : form->flags & F_WORD ? 2 : opbytes;
	in.dst_size = form->flags & F_WIDEN ? opbytes : in.size;
	in.sign_extend = form->flags & F_SIGN;
	in.src = form->flags & F_IMM ? MMIO_SRC_IMM : MMIO_SRC_REG;

	if (form->flags & F_MOFFS) {
		if (fetch(&d, addr, NULL))
			return -1;
	} else {
		if (fetch(&d, 1, &modrm))
			return -1;
		if ((modrm >> 6) == 3)
			return refuse(&d, "register operand in ",
				      " cannot be MMIO");
		if ((form->flags & F_IMM) && (modrm & 0x38))
			return refuse(&d, "unsupported instruction ",
				      " for MMIO");
		if (skip_modrm_operand(&d, modrm, addr))
			return -1;
	}

	if (in.src == MMIO_SRC_IMM) {
		if (fetch(&d, MIN(in.size, 4u), &in.imm))
			return -1;
		if (in.size == 8)
			in.imm = (uint64_t)(int64_t)(int32_t)in.imm;
	} else {
		/* moffs forms: the register is always the accumulator. */
		in.reg = form->flags & F_MOFFS
				 ? 0
				 : ((modrm >> 3) & 7) | (rex & 4 ? 8 : 0);
		if (in.dst_size == 1 && !rex && in.reg >= 4) {
			in.high_byte = true;
			in.reg -= 4;
		}
	}
	in.len = d.pos;
	*out = in;
	return 0;
}

static uint64_t size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

uint64_t mmio_write_value(const struct mmio_insn *in, const uint64_t gpr[16])
{
	uint64_t v;

	if (in->src == MMIO_SRC_IMM)
		return in->imm & size_mask(in->size);
	v = gpr[in->reg & 15];
	if (in->high_byte)
		v >>= 8;
	return v & size_mask(in->size);
}

void mmio_complete_read(const struct mmio_insn *in, uint64_t gpr[16],
			uint64_t value)
{
	uint64_t *r = &gpr[in->reg & 15];
	uint64_t v = value & size_mask(in->size);
	uint64_t dmask = size_mask(in->dst_size);

	if (in->sign_extend && in->size < 8 && (v >> (8 * in->size - 1)) & 1)
		v |= ~size_mask(in->size);
	if (in->high_byte)
		*r = (*r & ~0xff00ULL) | (v & 0xff) << 8;
	else if (in->dst_size >= 4)
		*r = v & dmask; /* 32-bit destinations zero-extend */
	else
		*r = (*r & ~dmask) | (v & dmask);
}
