// SPDX-License-Identifier: MIT
/*
 * The MMIO decoder (core/exit/mmio_decode.c) against capstone, an independent
 * x86 disassembler, over a generated set of encodings of every form mhv
 * accepts: in 16-, 32- and 64-bit mode, with operand- and address-size
 * prefixes, segment overrides and REX (all bits, and one that is not
 * right before the opcode), every ModRM byte, SIB bytes with each special
 * base and index, displacements and immediates, and trailing bytes that
 * must not be taken for part of the instruction. Compared: the length,
 * the access size, which operand is the memory one (the direction), the
 * register (its number, width and whether it is AH-BH), the immediate,
 * movsx against movzx, and for moffs an absolute address. Register-form
 * ModRM bytes, which capstone decodes as moves between registers, must be
 * refused.
 *
 * Prints one line per disagreement (at most 20) and a closing count.
 */
#include <capstone/capstone.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/exit/mmio_decode.h"

#define TRAILER 0x90 /* NOP: capstone would decode it as its own */

struct reg_info {
	int idx;   /* 0-15, -1 for none */
	int width; /* bytes */
	bool high; /* AH, CH, DH, BH */
};

static const x86_reg regs8[16] = {
	X86_REG_AL,   X86_REG_CL,   X86_REG_DL,	  X86_REG_BL,
	X86_REG_SPL,  X86_REG_BPL,  X86_REG_SIL,  X86_REG_DIL,
	X86_REG_R8B,  X86_REG_R9B,  X86_REG_R10B, X86_REG_R11B,
	X86_REG_R12B, X86_REG_R13B, X86_REG_R14B, X86_REG_R15B,
};
static const x86_reg regs8h[4] = {X86_REG_AH, X86_REG_CH, X86_REG_DH,
				  X86_REG_BH};
static const x86_reg regs16[16] = {
	X86_REG_AX,   X86_REG_CX,   X86_REG_DX,	  X86_REG_BX,
	X86_REG_SP,   X86_REG_BP,   X86_REG_SI,	  X86_REG_DI,
	X86_REG_R8W,  X86_REG_R9W,  X86_REG_R10W, X86_REG_R11W,
	X86_REG_R12W, X86_REG_R13W, X86_REG_R14W, X86_REG_R15W,
};
static const x86_reg regs32[16] = {
	X86_REG_EAX,  X86_REG_ECX,  X86_REG_EDX,  X86_REG_EBX,
	X86_REG_ESP,  X86_REG_EBP,  X86_REG_ESI,  X86_REG_EDI,
	X86_REG_R8D,  X86_REG_R9D,  X86_REG_R10D, X86_REG_R11D,
	X86_REG_R12D, X86_REG_R13D, X86_REG_R14D, X86_REG_R15D,
};
static const x86_reg regs64[16] = {
	X86_REG_RAX, X86_REG_RCX, X86_REG_RDX, X86_REG_RBX,
	X86_REG_RSP, X86_REG_RBP, X86_REG_RSI, X86_REG_RDI,
	X86_REG_R8,  X86_REG_R9,  X86_REG_R10, X86_REG_R11,
	X86_REG_R12, X86_REG_R13, X86_REG_R14, X86_REG_R15,
};

static struct reg_info reg_info(x86_reg r)
{
	for (int i = 0; i < 16; i++) {
		if (r == regs8[i])
			return (struct reg_info){i, 1, false};
		if (i < 4 && r == regs8h[i])
			return (struct reg_info){i, 1, true};
		if (r == regs16[i])
			return (struct reg_info){i, 2, false};
		if (r == regs32[i])
			return (struct reg_info){i, 4, false};
		if (r == regs64[i])
			return (struct reg_info){i, 8, false};
	}
	return (struct reg_info){-1, 0, false};
}

static csh cs[3];
static unsigned long agree, refused_alike, disagree;

static int mode_index(enum cpu_mode mode)
{
	return mode == CPU_MODE_16 ? 0 : mode == CPU_MODE_32 ? 1 : 2;
}

static __attribute__((format(printf, 4, 5))) void
report(const uint8_t *b, size_t n, enum cpu_mode mode, const char *fmt, ...)
{
	va_list ap;

	if (++disagree > 20)
		return;
	printf("mode %d:", mode);
	for (size_t i = 0; i < n; i++)
		printf(" %02x", b[i]);
	printf(": ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static uint64_t mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* The fields of one decode that capstone has an opinion on. */
static const char *compare(const struct mmio_insn *in, const cs_insn *ci,
			   bool moffs)
{
	const cs_x86 *x = &ci->detail->x86;
	const cs_x86_op *mem, *other;
	struct reg_info r;

	if (ci->size != in->len)
		return "length";
	if (x->op_count != 2)
		return "operand count";
	mem = &x->operands[in->write ? 0 : 1];
	other = &x->operands[in->write ? 1 : 0];
	if (mem->type != X86_OP_MEM)
		return "direction (memory operand)";
	if (mem->size != in->size)
		return "access size";
	if (moffs && (mem->mem.base != X86_REG_INVALID ||
		      mem->mem.index != X86_REG_INVALID))
		return "moffs is not an absolute address";
	if ((strstr(ci->mnemonic, "movsx") != NULL) != in->sign_extend)
		return "sign extension";
	if (in->src == MMIO_SRC_IMM) {
		if (other->type != X86_OP_IMM)
			return "immediate operand";
		if (((uint64_t)other->imm & mask(in->size)) !=
		    (in->imm & mask(in->size)))
			return "immediate value";
		return NULL;
	}
	if (other->type != X86_OP_REG)
		return "register operand";
	r = reg_info(other->reg);
	if (r.idx != in->reg || r.high != in->high_byte ||
	    r.width != (in->write ? in->size : in->dst_size))
		return "register";
	return NULL;
}

static void check(const uint8_t *b, size_t n, enum cpu_mode mode, bool moffs,
		  bool reg_form)
{
	uint8_t buf[24];
	struct mmio_insn in;
	char err[96];
	cs_insn *ci;
	size_t count;
	int rc;
	const char *why;

	memcpy(buf, b, n);
	memset(buf + n, TRAILER, sizeof(buf) - n);
	rc = mmio_decode(buf, sizeof(buf), mode, &in, err, sizeof(err));
	count = cs_disasm(cs[mode_index(mode)], buf, sizeof(buf), 0x1000, 1,
			  &ci);
	if (reg_form) {
		if (rc)
			refused_alike++;
		else
			report(b, n, mode, "register form accepted");
	} else if (!count) {
		report(b, n, mode, "capstone cannot decode it (mhv: %s)",
		       rc ? err : "accepted");
	} else if (rc) {
		report(b, n, mode, "refused (%s); capstone: %s %s", err,
		       ci->mnemonic, ci->op_str);
	} else if ((why = compare(&in, ci, moffs))) {
		report(b, n, mode,
		       "%s: mhv len %u size %u reg %u%s write %d; capstone: "
		       "%s %s (%u bytes)",
		       why, in.len, in.size, in.reg, in.high_byte ? "h" : "",
		       in.write, ci->mnemonic, ci->op_str, ci->size);
	} else {
		agree++;
	}
	if (count)
		cs_free(ci, count);
}

static const uint16_t forms[] = {0x88, 0x89,   0x8a,   0x8b,   0xc6,
				 0xc7, 0x0fb6, 0x0fb7, 0x0fbe, 0x0fbf};
static const uint8_t moffs_forms[] = {0xa0, 0xa1, 0xa2, 0xa3};
/* SIB bytes: each base (5 is special with mod 0), index 4 is none. */
static const uint8_t sibs[] = {0x00, 0x24, 0x25, 0x4d, 0x65,
			       0x9b, 0xe5, 0xfc, 0x3f, 0xd1};

/* Operand bytes after the prefixes and opcode: ModRM, SIB, disp, imm. */
static void for_each_modrm(uint8_t *b, size_t at, enum cpu_mode mode,
			   unsigned int addr, bool imm)
{
	for (unsigned int modrm = 0; modrm < 256; modrm++) {
		unsigned int mod = modrm >> 6, rm = modrm & 7;
		bool sib = addr != 2 && mod != 3 && rm == 4;
		size_t nsib = sib ? sizeof(sibs) : 1;

		if (imm && (modrm & 0x38))
			continue; /* c6/c7 /1-/7 are other instructions */
		for (size_t s = 0; s < nsib; s++) {
			size_t n = at;

			b[n++] = (uint8_t)modrm;
			if (sib)
				b[n++] = sibs[s];
			/* Displacement and immediate: recognisable bytes. */
			for (unsigned int i = 0; i < 4; i++)
				b[n + i] = (uint8_t)(0x11 * (i + 1));
			n += 4;
			for (unsigned int i = 0; i < 4; i++)
				b[n + i] = (uint8_t)(0x81 + 0x11 * i);
			check(b, n + 4, mode, false, mod == 3);
		}
	}
}

static void for_each_form(const uint8_t *pre, size_t npre, enum cpu_mode mode)
{
	bool adsize = memchr(pre, 0x67, npre);
	unsigned int addr = mode == CPU_MODE_64		      ? (adsize ? 4 : 8)
			    : (mode == CPU_MODE_16) != adsize ? 2
							      : 4;
	uint8_t b[32];

	memcpy(b, pre, npre);
	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		size_t n = npre;
		bool imm = forms[f] == 0xc6 || forms[f] == 0xc7;

		if (forms[f] > 0xff)
			b[n++] = 0x0f;
		b[n++] = (uint8_t)forms[f];
		for_each_modrm(b, n, mode, addr, imm);
	}
	for (size_t f = 0; f < sizeof(moffs_forms); f++) {
		size_t n = npre;

		b[n++] = moffs_forms[f];
		for (unsigned int i = 0; i < addr; i++)
			b[n++] = (uint8_t)(0x10 + i);
		check(b, n, mode, true, false);
	}
}

static const uint8_t legacy[][3] = {
	{0},	{0x66},	      {0x67},	    {0x66, 0x67},	{0x2e},
	{0x64}, {0x65, 0x66}, {0x3e, 0x67}, {0x26, 0x36, 0x66},
};
static const size_t legacy_len[] = {0, 1, 1, 2, 1, 1, 2, 2, 3};
static const uint8_t rexes[] = {0x40, 0x41, 0x42, 0x44, 0x48,
				0x4c, 0x4f, 0x45, 0x4a};

static void for_each_prefix(enum cpu_mode mode)
{
	uint8_t pre[8];

	for (size_t l = 0; l < sizeof(legacy_len) / sizeof(legacy_len[0]);
	     l++) {
		memcpy(pre, legacy[l], legacy_len[l]);
		for_each_form(pre, legacy_len[l], mode);
		if (mode != CPU_MODE_64)
			continue;
		for (size_t r = 0; r < sizeof(rexes); r++) {
			pre[legacy_len[l]] = rexes[r];
			for_each_form(pre, legacy_len[l] + 1, mode);
		}
	}
	/* A REX before a legacy prefix is ignored. */
	if (mode == CPU_MODE_64) {
		pre[0] = 0x48;
		pre[1] = 0x66;
		for_each_form(pre, 2, mode);
	}
}

int main(void)
{
	static const cs_mode cs_modes[] = {CS_MODE_16, CS_MODE_32, CS_MODE_64};
	static const enum cpu_mode modes[] = {CPU_MODE_16, CPU_MODE_32,
					      CPU_MODE_64};

	for (int i = 0; i < 3; i++) {
		if (cs_open(CS_ARCH_X86, cs_modes[i], &cs[i]) != CS_ERR_OK) {
			printf("mmio vs capstone: cannot open capstone\n");
			return 1;
		}
		cs_option(cs[i], CS_OPT_DETAIL, CS_OPT_ON);
	}
	for (int i = 0; i < 3; i++)
		for_each_prefix(modes[i]);
	for (int i = 0; i < 3; i++)
		cs_close(&cs[i]);
	printf("mmio vs capstone: %lu encodings agree, %lu register forms "
	       "refused alike, %lu disagree\n",
	       agree, refused_alike, disagree);
	return disagree != 0;
}
