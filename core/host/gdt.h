/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_GDT_H
#define MHV_CORE_HOST_GDT_H

#include <stdint.h>

#include "lib/compiler.h"

#define GDT_IST_STACK_SIZE 8192

struct __packed tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
};

/*
 * One CPU's GDT, TSS and the IST stacks its TSS names (#DF, NMI, #MC):
 * each CPU has its own, since a TSS is busy while loaded and the stacks
 * must not be shared by CPUs that fault at once.
 */
struct cpu_gdt {
	uint64_t gdt[5] __aligned(16);
	struct tss64 tss __aligned(16);
	uint8_t ist_stacks[3][GDT_IST_STACK_SIZE] __aligned(16);
};

/* Fill `g` and load it on this CPU: GDTR, CS/DS/ES/SS, TR. */
void gdt_init(struct cpu_gdt *g);
/* The running CPU's TSS, for VMX host state. */
uint64_t gdt_tss_base(void);

#endif
