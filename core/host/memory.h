/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_MEMORY_H
#define MHV_CORE_HOST_MEMORY_H

#include <stdint.h>

#include "boot/bootinfo.h"
#include "core/host/pagetable.h"
#include "core/host/pmm.h"

extern struct pmm phys_mem;
extern struct page_table host_pt;
/* Linker symbols: the hypervisor image in physical memory. */
extern char __image_start[], __image_end[];

/*
 * Build the frame allocator from the memory map (minus the low 1 MiB, the
 * image, the info block and the modules), then switch to the hypervisor's
 * own page tables. Returns -1 when there is no usable memory to work with.
 */
int memory_init(const struct boot_info *bi);
void memory_print_map(const struct boot_info *bi);
/*
 * Page-aligned host memory for mhv's own structures (VMCBs, VMCS, bitmaps),
 * zeroed; PMM_NONE when none is left.
 */
uint64_t memory_alloc_zeroed(uint64_t size);

#endif
