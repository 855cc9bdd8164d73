// SPDX-License-Identifier: MIT
/*
 * String I/O (INS/OUTS) as the CPU does it, through mhv's port dispatch:
 * REP, DF, a segment override, 32-bit address size in 64-bit mode, an
 * element that crosses a page, and a REP longer than one exit's batch.
 * fw_cfg's signature item ("QEMU", selector 0x510, data 0x511) and the
 * 8259's mask register (port 0x21, reads back what was written) are the
 * devices.
 */
#include "guest.h"

#define FWCFG_SEL 0x510
#define FWCFG_DATA 0x511
#define PIC_MASK 0x21
#define MSR_FS_BASE 0xc0000100

static uint8_t page[2][4096] __attribute__((aligned(4096)));
static uint8_t big[10000];

static void select_signature(void)
{
	outw(FWCFG_SEL, 0);
}

static void test_rep_insb(void)
{
	uint64_t rdi = (uint64_t)page[0], rcx = 4;

	select_signature();
	asm volatile("rep insb %%dx, (%%rdi)"
		     : "+D"(rdi), "+c"(rcx)
		     : "d"(FWCFG_DATA)
		     : "memory");
	report(!memcmp(page[0], "QEMU", 4),
	       "REP INSB reads fw_cfg's signature");
	report(rcx == 0 && rdi == (uint64_t)page[0] + 4,
	       "REP INSB: RCX 0, RDI advanced by 4");
}

static void test_rep_insb_backwards(void)
{
	uint64_t rdi = (uint64_t)page[0] + 3, rcx = 4;

	select_signature();
	asm volatile("std\n\t"
		     "rep insb %%dx, (%%rdi)\n\t"
		     "cld"
		     : "+D"(rdi), "+c"(rcx)
		     : "d"(FWCFG_DATA)
		     : "memory");
	report(!memcmp(page[0], "UMEQ", 4),
	       "REP INSB with DF=1 fills downwards");
	report(rdi == (uint64_t)page[0] - 1, "DF=1: RDI ends one below");
}

static void test_insw_across_pages(void)
{
	uint64_t rdi = (uint64_t)page[0] + 4095;

	select_signature();
	asm volatile("insw %%dx, (%%rdi)"
		     : "+D"(rdi)
		     : "d"(FWCFG_DATA)
		     : "memory");
	report(page[0][4095] == 'Q' && page[1][0] == 'E',
	       "INSW into a word that crosses a page");
	report(rdi == (uint64_t)page[1] + 1, "INSW: RDI advanced by 2");
}

static void test_rep_outsb(void)
{
	static const uint8_t masks[] = {0x11, 0x22, 0xfb};
	uint64_t rsi = (uint64_t)masks, rcx = sizeof(masks);

	asm volatile("rep outsb (%%rsi), %%dx"
		     : "+S"(rsi), "+c"(rcx)
		     : "d"(PIC_MASK)
		     : "memory");
	report(inb(PIC_MASK) == 0xfb,
	       "REP OUTSB: the last byte reached the PIC");
	report(rcx == 0 && rsi == (uint64_t)masks + 3, "REP OUTSB: RSI, RCX");
}

static void test_outsb_fs_override(void)
{
	uint64_t rsi = 0x10;

	page[1][0x10] = 0xfd;
	wrmsr(MSR_FS_BASE, (uint64_t)page[1]);
	asm volatile("outsb %%fs:(%%rsi), %%dx"
		     : "+S"(rsi)
		     : "d"(PIC_MASK)
		     : "memory");
	wrmsr(MSR_FS_BASE, 0);
	report(inb(PIC_MASK) == 0xfd, "OUTSB reads FS:RSI with an FS override");
	report(rsi == 0x11, "OUTSB with an override: RSI advanced");
}

/* 67h: ECX/EDI count and index; their writes clear the upper halves. */
static void test_addr32(void)
{
	uint64_t rdi = (0xdeadULL << 32) | (uint64_t)page[0];
	uint64_t rcx = (0xbeefULL << 32) | 4;

	select_signature();
	asm volatile("addr32 rep insb %%dx, (%%edi)"
		     : "+D"(rdi), "+c"(rcx)
		     : "d"(FWCFG_DATA)
		     : "memory");
	report(!memcmp(page[0], "QEMU", 4), "addr32 REP INSB uses EDI and ECX");
	report(rdi == (uint64_t)page[0] + 4 && rcx == 0,
	       "addr32: RDI and RCX zero-extended (%#lx, %#lx)", rdi, rcx);
}

/* Longer than mhv does in one exit: it resumes where it stopped. */
static void test_long_rep(void)
{
	uint64_t rdi = (uint64_t)big, rcx = sizeof(big);
	bool all = true;

	outb(PIC_MASK, 0x5a);
	asm volatile("rep insb %%dx, (%%rdi)"
		     : "+D"(rdi), "+c"(rcx)
		     : "d"(PIC_MASK)
		     : "memory");
	for (unsigned int i = 0; i < sizeof(big); i++)
		all &= big[i] == 0x5a;
	report(all && rcx == 0 && rdi == (uint64_t)big + sizeof(big),
	       "REP INSB of %zu bytes completes", sizeof(big));
	outb(PIC_MASK, 0xff);
}

int main(int argc, char **argv)
{
	test_rep_insb();
	test_rep_insb_backwards();
	test_insw_across_pages();
	test_rep_outsb();
	test_outsb_fs_override();
	test_addr32();
	test_long_rep();
	return report_summary();
}
