// SPDX-License-Identifier: MIT
/*
 * The hypervisor's own GDT with a TSS. The TSS exists for its interrupt
 * stacks: #DF, NMI and #MC switch to known-good stacks so that a stack
 * overflow or an NMI at a bad moment still reaches the register dump.
 */
#include <stdint.h>

#include "core/host/cpu.h"
#include "core/host/gdt.h"
#include "core/host/trap.h"
#include "lib/compiler.h"

#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_TSS 0x18
#define IST_STACK_SIZE 8192

struct __packed tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
};
_Static_assert(sizeof(struct tss64) == 104, "TSS layout");

static struct tss64 tss;
static uint64_t gdt[5] __aligned(16);
static uint8_t ist_stacks[3][IST_STACK_SIZE] __aligned(16);

void gdt_init(void)
{
	uint64_t base = (uint64_t)&tss;
	uint64_t limit = sizeof(tss) - 1;
	struct desc_ptr ptr = {.limit = sizeof(gdt) - 1, .base = (uint64_t)gdt};

	for (int i = 0; i < 3; i++)
		tss.ist[i] = (uint64_t)&ist_stacks[i][IST_STACK_SIZE];
	tss.iomap_base = sizeof(tss); /* no I/O bitmap */

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffULL; /* 64-bit code, DPL 0 */
	gdt[2] = 0x00cf92000000ffffULL; /* data, DPL 0 */
	/* 64-bit available TSS (type 9), present: two slots. */
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		 (0x89ULL << 40) | (((limit >> 16) & 0xf) << 48) |
		 (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;

	lgdt(&ptr);
	load_segments(SEL_CODE, SEL_DATA);
	ltr(SEL_TSS);
}

uint64_t gdt_tss_base(void)
{
	return (uint64_t)&tss;
}
