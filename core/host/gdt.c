// SPDX-License-Identifier: MIT
/*
 * mhv's own GDT with a TSS, one per CPU (struct cpu_gdt). The TSS exists
 * for its interrupt stacks: #DF, NMI and #MC switch to known-good stacks
 * so that a stack overflow or an NMI at a bad moment still reaches the
 * register dump.
 */
#include <stdint.h>

#include "core/host/cpu.h"
#include "core/host/gdt.h"
#include "core/host/percpu.h"
#include "core/host/trap.h"
#include "lib/compiler.h"

#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_TSS 0x18

_Static_assert(sizeof(struct tss64) == 104, "TSS layout");

void gdt_init(struct cpu_gdt *g)
{
	uint64_t base = (uint64_t)&g->tss;
	uint64_t limit = sizeof(g->tss) - 1;
	struct desc_ptr ptr = {.limit = sizeof(g->gdt) - 1,
			       .base = (uint64_t)g->gdt};

	for (int i = 0; i < 3; i++)
		g->tss.ist[i] = (uint64_t)&g->ist_stacks[i][GDT_IST_STACK_SIZE];
	g->tss.iomap_base = sizeof(g->tss); /* no I/O bitmap */

	g->gdt[0] = 0;
	g->gdt[1] = 0x00af9a000000ffffULL; /* 64-bit code, DPL 0 */
	g->gdt[2] = 0x00cf92000000ffffULL; /* data, DPL 0 */
	/* 64-bit available TSS (type 9), present: two slots. */
	g->gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		    (0x89ULL << 40) | (((limit >> 16) & 0xf) << 48) |
		    (((base >> 24) & 0xff) << 56);
	g->gdt[4] = base >> 32;

	lgdt(&ptr);
	load_segments(SEL_CODE, SEL_DATA);
	ltr(SEL_TSS);
}

uint64_t gdt_tss_base(void)
{
	return (uint64_t)&this_cpu()->gdt.tss;
}
