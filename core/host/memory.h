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

/*
 * The window through which mhv reaches a VM's RAM (core/vm/guest_ram.h):
 * guest-physical g at memory_window() + g, in 2 MiB pages (offset, hpa and
 * len aligned to 2 MiB). One VM's at a time; clearing it frees its tables
 * and flushes the TLB.
 */
uint8_t *memory_window(void);
int memory_window_map(uint64_t offset, uint64_t hpa, uint64_t len);
void memory_window_clear(uint64_t len);

/* How mhv's own mapping of a physical range is cached. */
enum cache_type {
	CACHE_WB, /* all RAM, the default */
	CACHE_WC, /* a framebuffer: stores combined, never read back */
	CACHE_UC, /* device registers */
};

/*
 * Map [pa, pa+len) in mhv's identity map with the given type, on 4 KiB
 * boundaries (pages around the range keep theirs). A UC or WC page is
 * that whatever the MTRRs say (SDM vol. 3, 13.5.2.2, table 13-7), so a
 * device does not depend on how firmware set them up. WC becomes UC on a
 * CPU without a PAT. Returns the type now in force, or -1 when the range
 * is not mapped or no memory for a table is left.
 */
int memory_set_cache(uint64_t pa, uint64_t len, enum cache_type type);
const char *memory_cache_name(enum cache_type type);

#endif
