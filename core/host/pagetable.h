/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_PAGETABLE_H
#define MHV_CORE_HOST_PAGETABLE_H

#include <stdint.h>

#include "core/host/pmm.h"

/*
 * 4-level page tables in the shape shared by x86-64 paging, AMD NPT and
 * Intel EPT: 512 entries per level, the address in bits 51:12, bit 7 for a
 * large leaf. The caller supplies the bits that differ (present/RW/US for
 * x86, RWX for EPT). Tables are reached through the hypervisor's identity
 * map, so phys == virt for every table.
 */
#define PT_SIZE_4K (1ULL << 12)
#define PT_SIZE_2M (1ULL << 21)
#define PT_SIZE_1G (1ULL << 30)

struct page_table {
	uint64_t root;	      /* physical address of the PML4 */
	uint64_t table_flags; /* bits set in every non-leaf entry */
	struct pmm *pmm;      /* where the tables come from */
};

int pt_init(struct page_table *pt, struct pmm *pmm, uint64_t table_flags);
/*
 * Map [va, va+size) to [pa, pa+size) with leaves of page_size (4K, 2M or
 * 1G; va, pa and size aligned to it). Refuses to replace a mapping.
 */
int pt_map(struct page_table *pt, uint64_t va, uint64_t pa, uint64_t size,
	   uint64_t page_size, uint64_t leaf_flags);
/*
 * Create every table that leaves of page_size in [va, va+size) would need,
 * so that a later pt_map of them cannot run out of memory. No leaf is made.
 */
int pt_reserve_tables(struct page_table *pt, uint64_t va, uint64_t size,
		      uint64_t page_size);
/*
 * Unmap [va, va+size) (4K-aligned), giving back the tables that mapped
 * only that range. A large leaf that reaches outside the range is refused
 * (-1; what lay before it is unmapped already). The caller flushes the TLB.
 */
int pt_unmap(struct page_table *pt, uint64_t va, uint64_t size);
/* Translate va; returns 0 and fills *pa, or -1 when unmapped. */
int pt_lookup(const struct page_table *pt, uint64_t va, uint64_t *pa,
	      uint64_t *leaf);
/*
 * Clear the bits `clear`, then set `set`, in every leaf that maps
 * [va, va+size) (4K-aligned), leaving every address outside the range as it
 * was: a 2M or 1G leaf that reaches outside is first split into smaller
 * leaves with the same translation. The caller flushes the TLB. Returns 0,
 * or -1 for a hole in the range, bits that are not attributes, or no
 * memory for a table; translations never change, though some leaves may
 * already carry the new bits when it fails.
 */
int pt_update_leaves(struct page_table *pt, uint64_t va, uint64_t size,
		     uint64_t clear, uint64_t set);
/* Give every table page back to the allocator (not the mapped memory). */
void pt_destroy(struct page_table *pt);

#endif
