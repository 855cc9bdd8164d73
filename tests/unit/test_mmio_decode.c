// SPDX-License-Identifier: MIT
/*
 * MMIO instruction decoder: real encodings (from GNU as) in all three
 * modes, every refusal, every truncation of every accepted instruction,
 * and the register semantics of completing a read or sourcing a write.
 * Buffers are allocated to the exact length so ASan catches over-reads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/exit/mmio_decode.h"
#include "lib/compiler.h"

#define BYTES(...) {__VA_ARGS__}, sizeof((uint8_t[]){__VA_ARGS__})

struct decode_case {
	const char *name;
	enum cpu_mode mode;
	uint8_t bytes[16];
	size_t n;
	struct mmio_insn want; /* len is always n */
};

#define W(sz, r)                                                    \
	{                                                           \
		.size = sz, .write = true, .reg = r, .dst_size = sz \
	}
#define R(sz, r)                                     \
	{                                            \
		.size = sz, .reg = r, .dst_size = sz \
	}
#define IMM(sz, v)                                              \
	{                                                       \
		.size = sz, .write = true, .src = MMIO_SRC_IMM, \
		.dst_size = sz, .imm = v                        \
	}
#define HI(w, r)                                                    \
	{                                                           \
		.size = 1, .write = w, .reg = r, .high_byte = true, \
		.dst_size = 1                                       \
	}
#define WIDEN(sz, dst, sx, r)                                            \
	{                                                                \
		.size = sz, .reg = r, .dst_size = dst, .sign_extend = sx \
	}

static const struct decode_case cases[] = {
	/* 64-bit mode: every opcode */
	{"mov %cl,(%rbx)", CPU_MODE_64, BYTES(0x88, 0x0b), W(1, 1)},
	{"mov %eax,(%rbx)", CPU_MODE_64, BYTES(0x89, 0x03), W(4, 0)},
	{"mov %ax,(%rbx)", CPU_MODE_64, BYTES(0x66, 0x89, 0x03), W(2, 0)},
	{"mov %rax,(%rbx)", CPU_MODE_64, BYTES(0x48, 0x89, 0x03), W(8, 0)},
	{"mov (%rsi),%dl", CPU_MODE_64, BYTES(0x8a, 0x16), R(1, 2)},
	{"mov (%rsi),%edx", CPU_MODE_64, BYTES(0x8b, 0x16), R(4, 2)},
	{"mov (%rsi),%r9", CPU_MODE_64, BYTES(0x4c, 0x8b, 0x0e), R(8, 9)},
	{"mov %r15d,0x10(%rax)", CPU_MODE_64, BYTES(0x44, 0x89, 0x78, 0x10),
	 W(4, 15)},
	{"mov %r8b,(%rax)", CPU_MODE_64, BYTES(0x44, 0x88, 0x00), W(1, 8)},
	{"movb $0xab,(%rdi)", CPU_MODE_64, BYTES(0xc6, 0x07, 0xab),
	 IMM(1, 0xab)},
	{"movw $0xbeef,(%rdi)", CPU_MODE_64,
	 BYTES(0x66, 0xc7, 0x07, 0xef, 0xbe), IMM(2, 0xbeef)},
	{"movl $0xdeadbeef,0x8(%rdi)", CPU_MODE_64,
	 BYTES(0xc7, 0x47, 0x08, 0xef, 0xbe, 0xad, 0xde), IMM(4, 0xdeadbeef)},
	{"movq $-2,(%rdi)", CPU_MODE_64,
	 BYTES(0x48, 0xc7, 0x07, 0xfe, 0xff, 0xff, 0xff),
	 IMM(8, 0xfffffffffffffffeULL)},
	{"movq $0x7fffffff,(%rdi)", CPU_MODE_64,
	 BYTES(0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0x7f), IMM(8, 0x7fffffff)},
	{"movzbl (%rax),%ecx", CPU_MODE_64, BYTES(0x0f, 0xb6, 0x08),
	 WIDEN(1, 4, false, 1)},
	{"movzwl (%rax),%ecx", CPU_MODE_64, BYTES(0x0f, 0xb7, 0x08),
	 WIDEN(2, 4, false, 1)},
	{"movzbq (%rax),%r10", CPU_MODE_64, BYTES(0x4c, 0x0f, 0xb6, 0x10),
	 WIDEN(1, 8, false, 10)},
	{"movzbl (%rax),%esp", CPU_MODE_64, BYTES(0x0f, 0xb6, 0x20),
	 WIDEN(1, 4, false, 4)},
	{"movsbl (%rax),%ecx", CPU_MODE_64, BYTES(0x0f, 0xbe, 0x08),
	 WIDEN(1, 4, true, 1)},
	{"movswq (%rax),%rcx", CPU_MODE_64, BYTES(0x48, 0x0f, 0xbf, 0x08),
	 WIDEN(2, 8, true, 1)},
	{"movsbw (%rax),%cx", CPU_MODE_64, BYTES(0x66, 0x0f, 0xbe, 0x08),
	 WIDEN(1, 2, true, 1)},
	{"movabs moffs64,%al", CPU_MODE_64,
	 BYTES(0xa0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), R(1, 0)},
	{"movabs moffs64,%eax", CPU_MODE_64,
	 BYTES(0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), R(4, 0)},
	{"movabs %al,moffs64", CPU_MODE_64,
	 BYTES(0xa2, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), W(1, 0)},
	{"movabs %rax,moffs64", CPU_MODE_64,
	 BYTES(0x48, 0xa3, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	 W(8, 0)},
	/*
	 * Fuzzer reproducers (issue #18): REX.R means nothing to the moffs
	 * forms, whose register is always AL/AX/EAX/RAX; REX.W still widens.
	 */
	{"rex.r movabs moffs64,%eax", CPU_MODE_64,
	 BYTES(0x44, 0xa1, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00),
	 R(4, 0)},
	{"rex.wr movabs %rax,moffs64", CPU_MODE_64,
	 BYTES(0x4c, 0xa3, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00),
	 W(8, 0)},
	{"addr32 mov moffs32,%eax", CPU_MODE_64,
	 BYTES(0x67, 0xa1, 0x44, 0x33, 0x22, 0x11), R(4, 0)},
	/* 64-bit addressing forms */
	{"mov %eax,(%rax,%rcx,4)", CPU_MODE_64, BYTES(0x89, 0x04, 0x88),
	 W(4, 0)},
	{"mov %eax,0x12345678(%rax,%rcx,4)", CPU_MODE_64,
	 BYTES(0x89, 0x84, 0x88, 0x78, 0x56, 0x34, 0x12), W(4, 0)},
	{"mov %eax,0x12(%rax,%rcx,4)", CPU_MODE_64,
	 BYTES(0x89, 0x44, 0x88, 0x12), W(4, 0)},
	{"mov %eax,0x11223344(,%rcx,4)", CPU_MODE_64,
	 BYTES(0x89, 0x04, 0x8d, 0x44, 0x33, 0x22, 0x11), W(4, 0)},
	{"mov %eax,0(%rbp,%rcx,1)", CPU_MODE_64, BYTES(0x89, 0x44, 0x0d, 0x00),
	 W(4, 0)},
	{"mov 0x1000(%rip),%eax", CPU_MODE_64,
	 BYTES(0x8b, 0x05, 0x00, 0x10, 0x00, 0x00), R(4, 0)},
	{"mov -0x80(%rdi),%esi", CPU_MODE_64, BYTES(0x8b, 0x77, 0x80), R(4, 6)},
	{"mov %eax,%fs:(%rbx)", CPU_MODE_64, BYTES(0x64, 0x89, 0x03), W(4, 0)},
	{"mov %cs:(%rbx),%eax", CPU_MODE_64, BYTES(0x2e, 0x8b, 0x03), R(4, 0)},
	{"mov %eax,(%ebx)", CPU_MODE_64, BYTES(0x67, 0x89, 0x03), W(4, 0)},
	{"mov 0x10(%ebx,%ecx,2),%eax", CPU_MODE_64,
	 BYTES(0x67, 0x8b, 0x44, 0x4b, 0x10), R(4, 0)},
	{"movl $0xdeadbeef,%ds:0x12345678(%rax,%rcx,4) (15 bytes)", CPU_MODE_64,
	 BYTES(0x3e, 0x3e, 0x3e, 0x48, 0xc7, 0x84, 0x88, 0x78, 0x56, 0x34, 0x12,
	       0xef, 0xbe, 0xad, 0xde),
	 IMM(8, 0xffffffffdeadbeefULL)},
	/* 8-bit registers: AH..BH without REX, SPL..DIL with any REX */
	{"mov %ah,(%rbx)", CPU_MODE_64, BYTES(0x88, 0x23), HI(true, 0)},
	{"mov %spl,(%rbx)", CPU_MODE_64, BYTES(0x40, 0x88, 0x23), W(1, 4)},
	{"mov (%rbx),%bh", CPU_MODE_64, BYTES(0x8a, 0x3b), HI(false, 3)},
	{"mov (%rbx),%dil", CPU_MODE_64, BYTES(0x40, 0x8a, 0x3b), R(1, 7)},
	/* REX followed by a prefix is ignored; REX.W beats 66 */
	{"rex.wr data16 mov (%rsi),%cx", CPU_MODE_64,
	 BYTES(0x4c, 0x66, 0x8b, 0x0e), R(2, 1)},
	{"rex data16 mov %ah,(%rbx)", CPU_MODE_64,
	 BYTES(0x40, 0x66, 0x88, 0x23), HI(true, 0)},
	{"data16 mov %rax,(%rbx)", CPU_MODE_64, BYTES(0x66, 0x48, 0x89, 0x03),
	 W(8, 0)},
	/* 32-bit mode */
	{"mov %eax,(%ebx)", CPU_MODE_32, BYTES(0x89, 0x03), W(4, 0)},
	{"mov 0x10(%ebx,%ecx,2),%dx", CPU_MODE_32,
	 BYTES(0x66, 0x8b, 0x54, 0x4b, 0x10), R(2, 2)},
	{"mov %ecx,0x12345678", CPU_MODE_32,
	 BYTES(0x89, 0x0d, 0x78, 0x56, 0x34, 0x12), W(4, 1)},
	{"mov 0x12345678,%eax", CPU_MODE_32,
	 BYTES(0xa1, 0x78, 0x56, 0x34, 0x12), R(4, 0)},
	{"mov %al,0x12345678", CPU_MODE_32, BYTES(0xa2, 0x78, 0x56, 0x34, 0x12),
	 W(1, 0)},
	{"movw $0x1234,(%eax)", CPU_MODE_32,
	 BYTES(0x66, 0xc7, 0x00, 0x34, 0x12), IMM(2, 0x1234)},
	{"movl $0x12345678,(%eax)", CPU_MODE_32,
	 BYTES(0xc7, 0x00, 0x78, 0x56, 0x34, 0x12), IMM(4, 0x12345678)},
	{"mov 0(%ebp),%eax", CPU_MODE_32, BYTES(0x8b, 0x45, 0x00), R(4, 0)},
	{"mov %ah,(%ebx)", CPU_MODE_32, BYTES(0x88, 0x23), HI(true, 0)},
	{"movzbl (%edi),%eax", CPU_MODE_32, BYTES(0x0f, 0xb6, 0x07),
	 WIDEN(1, 4, false, 0)},
	/* 32-bit mode, 67: 16-bit addressing (no SIB) */
	{"addr16 mov %eax,(%bx,%si)", CPU_MODE_32, BYTES(0x67, 0x89, 0x00),
	 W(4, 0)},
	{"addr16 mov 0x1234(%si),%eax", CPU_MODE_32,
	 BYTES(0x67, 0x8b, 0x84, 0x34, 0x12), R(4, 0)},
	{"addr16 mov 0x1234,%eax", CPU_MODE_32,
	 BYTES(0x67, 0x8b, 0x06, 0x34, 0x12), R(4, 0)},
	{"addr16 mov 0x1234,%ax (moffs16)", CPU_MODE_32,
	 BYTES(0x67, 0x66, 0xa1, 0x34, 0x12), R(2, 0)},
	/* 16-bit mode */
	{"mov %ax,(%bx,%si)", CPU_MODE_16, BYTES(0x89, 0x00), W(2, 0)},
	{"mov 0x1234,%ax", CPU_MODE_16, BYTES(0xa1, 0x34, 0x12), R(2, 0)},
	{"mov 0x1234,%al", CPU_MODE_16, BYTES(0xa0, 0x34, 0x12), R(1, 0)},
	{"mov %eax,0x1234 (moffs)", CPU_MODE_16, BYTES(0x66, 0xa3, 0x34, 0x12),
	 W(4, 0)},
	{"mov 0x12(%bp),%cx", CPU_MODE_16, BYTES(0x8b, 0x4e, 0x12), R(2, 1)},
	{"mov 0x1234(%bx,%di),%dl", CPU_MODE_16, BYTES(0x8a, 0x91, 0x34, 0x12),
	 R(1, 2)},
	{"mov 0x1234,%ax (disp16)", CPU_MODE_16, BYTES(0x8b, 0x06, 0x34, 0x12),
	 R(2, 0)},
	{"mov (%si),%ax", CPU_MODE_16, BYTES(0x8b, 0x04), R(2, 0)},
	{"mov 0(%bp),%ax", CPU_MODE_16, BYTES(0x8b, 0x46, 0x00), R(2, 0)},
	{"mov %eax,(%bx)", CPU_MODE_16, BYTES(0x66, 0x89, 0x07), W(4, 0)},
	{"movl $0x12345678,(%bx)", CPU_MODE_16,
	 BYTES(0x66, 0xc7, 0x07, 0x78, 0x56, 0x34, 0x12), IMM(4, 0x12345678)},
	{"movw $0x1234,0x10(%bx)", CPU_MODE_16,
	 BYTES(0xc7, 0x47, 0x10, 0x34, 0x12), IMM(2, 0x1234)},
	{"addr32 mov %ax,(%eax,%ecx,4)", CPU_MODE_16,
	 BYTES(0x67, 0x89, 0x04, 0x88), W(2, 0)},
	{"movzbw (%bx),%ax", CPU_MODE_16, BYTES(0x0f, 0xb6, 0x07),
	 WIDEN(1, 2, false, 0)},
	{"movsbl (%si),%edx", CPU_MODE_16, BYTES(0x66, 0x0f, 0xbe, 0x14),
	 WIDEN(1, 4, true, 2)},
};

static char err[128];

static int decode(const uint8_t *bytes, size_t n, size_t avail,
		  enum cpu_mode mode, struct mmio_insn *out)
{
	uint8_t *buf = malloc(avail); /* exact: ASan sees over-reads */
	int ret;

	assert_true(buf || !avail);
	memcpy(buf, bytes, n);
	memset(buf + n, 0xcc, avail - n);
	memset(err, 'X', sizeof(err));
	ret = mmio_decode(buf, avail, mode, out, err, sizeof(err));
	free(buf);
	return ret;
}

static void assert_insn(const char *name, const struct mmio_insn *got,
			const struct mmio_insn *want)
{
	if (got->len != want->len || got->size != want->size ||
	    got->write != want->write || got->src != want->src ||
	    got->dst_size != want->dst_size ||
	    got->sign_extend != want->sign_extend ||
	    (want->src == MMIO_SRC_REG &&
	     (got->reg != want->reg || got->high_byte != want->high_byte)) ||
	    (want->src == MMIO_SRC_IMM && got->imm != want->imm))
		fail_msg("%s: got len %u size %u write %d src %d reg %u hi %d "
			 "dst %u sx %d imm %#llx",
			 name, got->len, got->size, got->write, got->src,
			 got->reg, got->high_byte, got->dst_size,
			 got->sign_extend, (unsigned long long)got->imm);
}

static void test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct decode_case *c = &cases[i];
		struct mmio_insn want = c->want, got;

		want.len = c->n;
		/* exactly the instruction, then with trailing bytes */
		memset(&got, 0x5a, sizeof(got));
		if (decode(c->bytes, c->n, c->n, c->mode, &got))
			fail_msg("%s: refused: %s", c->name, err);
		assert_insn(c->name, &got, &want);
		memset(&got, 0x5a, sizeof(got));
		if (decode(c->bytes, c->n, 16, c->mode, &got))
			fail_msg("%s (padded): refused: %s", c->name, err);
		assert_insn(c->name, &got, &want);
	}
}

/* Every cut of every accepted instruction is refused as truncated. */
static void test_truncated(void **state)
{
	struct mmio_insn got, before;
	size_t i, cut;

	(void)state;
	memset(&before, 0x5a, sizeof(before));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		for (cut = 0; cut < cases[i].n; cut++) {
			got = before;
			if (decode(cases[i].bytes, cut, cut, cases[i].mode,
				   &got) != -1)
				fail_msg("%s cut at %zu: accepted",
					 cases[i].name, cut);
			if (!strstr(err, "truncated"))
				fail_msg("%s cut at %zu: err '%s'",
					 cases[i].name, cut, err);
			assert_memory_equal(&got, &before, sizeof(got));
		}
	}
}

static void assert_refused(enum cpu_mode mode, const uint8_t *bytes, size_t n,
			   const char *want)
{
	struct mmio_insn got, before;

	memset(&before, 0x5a, sizeof(before));
	got = before;
	assert_int_equal(decode(bytes, n, n, mode, &got), -1);
	assert_non_null(memchr(err, '\0', sizeof(err)));
	if (!strstr(err, want))
		fail_msg("err '%s' lacks '%s'", err, want);
	assert_memory_equal(&got, &before, sizeof(got));
}

#define REFUSED(mode, want, ...)                             \
	assert_refused(mode, (const uint8_t[]){__VA_ARGS__}, \
		       sizeof((uint8_t[]){__VA_ARGS__}), want)

static void test_refusals(void **state)
{
	(void)state;
	REFUSED(CPU_MODE_64, "89 c3", 0x89, 0xc3); /* mov %eax,%ebx */
	REFUSED(CPU_MODE_64, "cannot be MMIO", 0x8b, 0xc3);
	REFUSED(CPU_MODE_64, "cannot be MMIO", 0x48, 0xc7, 0xc0, 1, 0, 0, 0);
	REFUSED(CPU_MODE_64, "cannot be MMIO", 0x0f, 0xb6, 0xc0);
	REFUSED(CPU_MODE_64, "prefix not supported for MMIO: f0 ff 00", 0xf0,
		0xff, 0x00); /* lock incl (%rax) */
	REFUSED(CPU_MODE_64, "prefix not supported", 0x66, 0xf0, 0x89, 0x03);
	REFUSED(CPU_MODE_64, "prefix not supported", 0xf3, 0xa4); /* rep */
	REFUSED(CPU_MODE_32, "prefix not supported", 0xf2, 0x89, 0x03);
	REFUSED(CPU_MODE_64, "unsupported instruction 0f 01 d9 for MMIO", 0x0f,
		0x01, 0xd9); /* vmmcall */
	REFUSED(CPU_MODE_64, "unsupported instruction ff 00", 0xff, 0x00);
	REFUSED(CPU_MODE_64, "unsupported instruction", 0xc6, 0x48, 0x10,
		0xab); /* C6 /1 */
	REFUSED(CPU_MODE_64, "unsupported instruction", 0xc7, 0x08, 1, 0, 0,
		0); /* C7 /1 */
	/* 40 is INC outside 64-bit mode */
	REFUSED(CPU_MODE_32, "unsupported instruction 40 89 03", 0x40, 0x89,
		0x03);
	REFUSED(CPU_MODE_16, "unsupported instruction", 0x48, 0x89, 0x03);
	/* a REX prefix alone is not an instruction either */
	REFUSED(CPU_MODE_64, "unsupported instruction", 0x48, 0x90);
	/* 16 bytes: one too many prefixes */
	REFUSED(CPU_MODE_64, "longer than 15 bytes", 0x3e, 0x3e, 0x3e, 0x3e,
		0x48, 0xc7, 0x84, 0x88, 0x78, 0x56, 0x34, 0x12, 0xef, 0xbe,
		0xad, 0xde);
	REFUSED(CPU_MODE_64,
		"longer than 15 bytes: 66 66 66 66 66 66 66 66 ...", 0x66, 0x66,
		0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		0x66, 0x66, 0x89, 0x03);
	REFUSED(CPU_MODE_64, "longer than 15 bytes", 0x66, 0x66, 0x66, 0x66,
		0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		0x66, 0x66, 0x66, 0x89, 0x03);
	REFUSED(CPU_MODE_64, "truncated instruction: 48 c7 07", 0x48, 0xc7,
		0x07, 0xfe);
}

/* 13 prefixes + 2 bytes is exactly 15: accepted. */
static void test_fifteen_bytes(void **state)
{
	uint8_t b[15];
	struct mmio_insn got;

	(void)state;
	memset(b, 0x66, 13);
	b[13] = 0x89;
	b[14] = 0x03;
	assert_int_equal(decode(b, 15, 15, CPU_MODE_64, &got), 0);
	assert_int_equal(got.len, 15);
	assert_int_equal(got.size, 2);
}

static void test_null_err(void **state)
{
	const uint8_t b[] = {0x0f, 0x01, 0xd9};
	struct mmio_insn got;

	(void)state;
	assert_int_equal(mmio_decode(b, 3, CPU_MODE_64, &got, NULL, 0), -1);
}

static const uint64_t pattern = 0x1122334455667788ULL;

/* Decode bytes, complete a read of value into a register file of fill. */
static uint64_t complete(enum cpu_mode mode, const uint8_t *bytes, size_t n,
			 uint64_t fill, uint64_t value, unsigned int reg)
{
	struct mmio_insn in;
	uint64_t gpr[16], before[16];
	unsigned int i;

	for (i = 0; i < 16; i++)
		gpr[i] = before[i] = fill;
	assert_int_equal(decode(bytes, n, n, mode, &in), 0);
	assert_false(in.write);
	mmio_complete_read(&in, gpr, value);
	for (i = 0; i < 16; i++)
		if (i != reg)
			assert_int_equal(gpr[i], before[i]);
	return gpr[reg];
}

#define COMPLETE(mode, fill, value, reg, ...)          \
	complete(mode, (const uint8_t[]){__VA_ARGS__}, \
		 sizeof((uint8_t[]){__VA_ARGS__}), fill, value, reg)

static void test_complete_read(void **state)
{
	const uint64_t ones = ~0ULL;

	(void)state;
	/* mov (%rsi),%edx: 32-bit destinations zero-extend */
	assert_int_equal(COMPLETE(CPU_MODE_64, ones, 0x12345678, 2, 0x8b, 0x16),
			 0x12345678);
	/* mov (%rsi),%r9: whole register */
	assert_int_equal(COMPLETE(CPU_MODE_64, 0, pattern, 9, 0x4c, 0x8b, 0x0e),
			 pattern);
	/* data16 mov: merge 16 bits, ignore stray upper value bits */
	assert_int_equal(
		COMPLETE(CPU_MODE_64, pattern, 0xffffabcd, 2, 0x66, 0x8b, 0x16),
		0x112233445566abcdULL);
	/* mov (%rsi),%dl: merge 8 bits */
	assert_int_equal(COMPLETE(CPU_MODE_64, pattern, 0x1ab, 2, 0x8a, 0x16),
			 0x11223344556677abULL);
	/* mov (%rbx),%bh: bits 15:8 */
	assert_int_equal(COMPLETE(CPU_MODE_64, pattern, 0xaa, 3, 0x8a, 0x3b),
			 0x112233445566aa88ULL);
	/* mov (%rbx),%dil */
	assert_int_equal(
		COMPLETE(CPU_MODE_64, pattern, 0xaa, 7, 0x40, 0x8a, 0x3b),
		0x11223344556677aaULL);
	/* movzbl (%rax),%ecx */
	assert_int_equal(COMPLETE(CPU_MODE_64, ones, 0xff, 1, 0x0f, 0xb6, 0x08),
			 0xff);
	/* movzwl (%rax),%ecx */
	assert_int_equal(
		COMPLETE(CPU_MODE_64, ones, 0x12348765, 1, 0x0f, 0xb7, 0x08),
		0x8765);
	/* movzbq (%rax),%r10 */
	assert_int_equal(
		COMPLETE(CPU_MODE_64, ones, 0x80, 10, 0x4c, 0x0f, 0xb6, 0x10),
		0x80);
	/* movzbw (%rax),%cx: merges 16 bits */
	assert_int_equal(
		COMPLETE(CPU_MODE_64, pattern, 0x80, 1, 0x66, 0x0f, 0xb6, 0x08),
		0x1122334455660080ULL);
	/* movsbl (%rax),%ecx: negative byte, upper half zeroed */
	assert_int_equal(COMPLETE(CPU_MODE_64, ones, 0x80, 1, 0x0f, 0xbe, 0x08),
			 0xffffff80ULL);
	/* movsbl of a positive byte */
	assert_int_equal(COMPLETE(CPU_MODE_64, ones, 0x7f, 1, 0x0f, 0xbe, 0x08),
			 0x7f);
	/* movswq (%rax),%rcx */
	assert_int_equal(
		COMPLETE(CPU_MODE_64, 0, 0x8000, 1, 0x48, 0x0f, 0xbf, 0x08),
		0xffffffffffff8000ULL);
	/* movsbw (%rax),%cx: merges 16 bits */
	assert_int_equal(
		COMPLETE(CPU_MODE_64, pattern, 0xfe, 1, 0x66, 0x0f, 0xbe, 0x08),
		0x112233445566fffeULL);
	/* movabs moffs64,%al */
	assert_int_equal(COMPLETE(CPU_MODE_64, pattern, 0x55, 0, 0xa0, 1, 2, 3,
				  4, 5, 6, 7, 8),
			 0x1122334455667755ULL);
	/* 16-bit mode mov 0x12(%bp),%cx */
	assert_int_equal(
		COMPLETE(CPU_MODE_16, pattern, 0xbeef, 1, 0x8b, 0x4e, 0x12),
		0x112233445566beefULL);
}

static uint64_t write_value(enum cpu_mode mode, const uint8_t *bytes, size_t n,
			    const uint64_t gpr[16])
{
	struct mmio_insn in;

	assert_int_equal(decode(bytes, n, n, mode, &in), 0);
	assert_true(in.write);
	return mmio_write_value(&in, gpr);
}

#define WRITE_VALUE(mode, ...)                            \
	write_value(mode, (const uint8_t[]){__VA_ARGS__}, \
		    sizeof((uint8_t[]){__VA_ARGS__}), gpr)

static void test_write_value(void **state)
{
	uint64_t gpr[16];
	unsigned int i;

	(void)state;
	for (i = 0; i < 16; i++)
		gpr[i] = pattern + ((uint64_t)i << 56);
	/* mov %eax,(%rbx) / %ax / %rax: truncated to size */
	assert_int_equal(WRITE_VALUE(CPU_MODE_64, 0x89, 0x03), 0x55667788);
	assert_int_equal(WRITE_VALUE(CPU_MODE_64, 0x66, 0x89, 0x03), 0x7788);
	assert_int_equal(WRITE_VALUE(CPU_MODE_64, 0x48, 0x89, 0x03), gpr[0]);
	/* mov %cl,(%rbx) */
	assert_int_equal(WRITE_VALUE(CPU_MODE_64, 0x88, 0x0b), 0x88);
	/* mov %ah,(%rbx): bits 15:8 of RAX */
	gpr[0] = 0xabcd;
	assert_int_equal(WRITE_VALUE(CPU_MODE_64, 0x88, 0x23), 0xab);
	/* mov %spl,(%rbx): low byte of RSP */
	gpr[4] = 0x1234;
	assert_int_equal(WRITE_VALUE(CPU_MODE_64, 0x40, 0x88, 0x23), 0x34);
	/* mov %r15d,0x10(%rax) and mov %r8b,(%rax) */
	gpr[15] = 0xfedcba9876543210ULL;
	assert_int_equal(WRITE_VALUE(CPU_MODE_64, 0x44, 0x89, 0x78, 0x10),
			 0x76543210);
	gpr[8] = 0x1ff;
	assert_int_equal(WRITE_VALUE(CPU_MODE_64, 0x44, 0x88, 0x00), 0xff);
	/* immediates, REX.W C7 sign-extended */
	assert_int_equal(WRITE_VALUE(CPU_MODE_64, 0x48, 0xc7, 0x07, 0xfe, 0xff,
				     0xff, 0xff),
			 0xfffffffffffffffeULL);
	assert_int_equal(WRITE_VALUE(CPU_MODE_64, 0x66, 0xc7, 0x07, 0xef, 0xbe),
			 0xbeef);
	assert_int_equal(WRITE_VALUE(CPU_MODE_64, 0xc6, 0x07, 0xab), 0xab);
	/* 16-bit mode: mov %ax,(%bx,%si) */
	gpr[0] = 0x11112222;
	assert_int_equal(WRITE_VALUE(CPU_MODE_16, 0x89, 0x00), 0x2222);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_fifteen_bytes),
		cmocka_unit_test(test_null_err),
		cmocka_unit_test(test_complete_read),
		cmocka_unit_test(test_write_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
