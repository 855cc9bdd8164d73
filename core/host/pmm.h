/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_PMM_H
#define MHV_CORE_HOST_PMM_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/spinlock.h"

/*
 * Physical frame allocator: a sorted array of free extents. Usable memory
 * is added first, then everything that must never be handed out (the low
 * 1 MiB, the hypervisor image, the multiboot2 info block, the modules) is
 * reserved. Allocations are multiples of 4 KiB with a power-of-two
 * alignment; neighbouring free extents are merged on free. It only does
 * bookkeeping: it never touches the memory it manages, which keeps it
 * testable on the host.
 */
#define PMM_MAX_EXTENTS 256
#define PMM_NONE 0ULL /* page 0 is always reserved, so 0 means "no memory" */

struct pmm_extent {
	uint64_t base;
	uint64_t end; /* exclusive */
};

struct pmm {
	struct pmm_extent ext[PMM_MAX_EXTENTS];
	unsigned int count;
	uint64_t free_bytes;
	bool overflowed; /* an add or free found the extent table full */
	/*
	 * Taken by alloc, alloc_largest and free. pmm_add and pmm_reserve
	 * run at boot, before other CPUs start; the read-only calls give a
	 * figure that may be stale by the time it is used.
	 */
	struct spinlock lock;
};

void pmm_init(struct pmm *p);
/* Add [base, base+len) trimmed inward to 4 KiB; overlaps with free memory are merged. */
int pmm_add(struct pmm *p, uint64_t base, uint64_t len);
/* Remove [base, base+len) widened outward to 4 KiB from the free set. */
int pmm_reserve(struct pmm *p, uint64_t base, uint64_t len);
/* size is rounded up to 4 KiB; align is a power of two >= 4 KiB (0 = 4 KiB). */
uint64_t pmm_alloc(struct pmm *p, uint64_t size, uint64_t align);
/* Bytes free in whole blocks of `align` (a power of two >= 4 KiB), aligned. */
uint64_t pmm_free_in_blocks(const struct pmm *p, uint64_t align);
/*
 * Allocate the largest aligned run of whole `align` blocks there is, of at
 * most `max` bytes: its base, with its size in *got; PMM_NONE (and *got 0)
 * when no block is free. For memory that need not be contiguous.
 */
uint64_t pmm_alloc_largest(struct pmm *p, uint64_t max, uint64_t align,
			   uint64_t *got);
/* Returns -1 (and changes nothing) on a misaligned or double free. */
int pmm_free(struct pmm *p, uint64_t base, uint64_t size);
bool pmm_is_free(const struct pmm *p, uint64_t addr);

#endif
