/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_GDT_H
#define MHV_CORE_HOST_GDT_H

#include <stdint.h>

/* mhv's own GDT and TSS (with the IST stacks the IDT's fault entries use). */
void gdt_init(void);
/* The TSS of the boot CPU, for VMX host state. */
uint64_t gdt_tss_base(void);

#endif
