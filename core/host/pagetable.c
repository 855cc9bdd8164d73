// SPDX-License-Identifier: MIT
#include "core/host/pagetable.h"
#include "core/x86.h"
#include "lib/bitops.h"
#include "lib/compiler.h"
#include "lib/string.h"

#define ENTRIES 512

static uint64_t *table_at(uint64_t pa)
{
	return (uint64_t *)(uintptr_t)pa;
}

static unsigned int index_at(uint64_t va, int level)
{
	return (va >> (12 + 9 * (level - 1))) & (ENTRIES - 1);
}

static uint64_t level_size(int level)
{
	return 1ULL << (12 + 9 * (level - 1));
}

static uint64_t new_table(struct pmm *pmm)
{
	uint64_t pa = pmm_alloc(pmm, PT_SIZE_4K, PT_SIZE_4K);

	if (pa != PMM_NONE)
		memset(table_at(pa), 0, PT_SIZE_4K);
	return pa;
}

int pt_init(struct page_table *pt, struct pmm *pmm, uint64_t table_flags)
{
	pt->pmm = pmm;
	pt->table_flags = table_flags;
	pt->root = new_table(pmm);
	return pt->root == PMM_NONE ? -1 : 0;
}

/* Walk down to the table holding entries of leaf_level, creating tables. */
static uint64_t *walk_create(struct page_table *pt, uint64_t va, int leaf_level)
{
	uint64_t *table = table_at(pt->root);

	for (int level = 4; level > leaf_level; level--) {
		uint64_t *e = &table[index_at(va, level)];

		if (!*e) {
			uint64_t pa = new_table(pt->pmm);

			if (pa == PMM_NONE)
				return NULL;
			*e = pa | pt->table_flags;
		} else if (*e & PTE_PS) {
			return NULL; /* would split an existing large leaf */
		}
		table = table_at(*e & PTE_ADDR);
	}
	return table;
}

/* The level whose entries are leaves of page_size; 0 for no such size. */
static int leaf_level(uint64_t page_size)
{
	switch (page_size) {
	case PT_SIZE_4K:
		return 1;
	case PT_SIZE_2M:
		return 2;
	case PT_SIZE_1G:
		return 3;
	default:
		return 0;
	}
}

int pt_map(struct page_table *pt, uint64_t va, uint64_t pa, uint64_t size,
	   uint64_t page_size, uint64_t leaf_flags)
{
	int level = leaf_level(page_size);

	if (!level || (va | pa | size) & (page_size - 1))
		return -1;
	if (level > 1)
		leaf_flags |= PTE_PS;

	/* One walk per table filled: boot and VM creation map gigabytes. */
	for (uint64_t off = 0; off < size;) {
		uint64_t *table = walk_create(pt, va + off, level);

		if (!table)
			return -1;
		for (unsigned int i = index_at(va + off, level);
		     i < ENTRIES && off < size; i++, off += page_size) {
			if (table[i])
				return -1;
			table[i] = (pa + off) | leaf_flags;
		}
	}
	return 0;
}

int pt_reserve_tables(struct page_table *pt, uint64_t va, uint64_t size,
		      uint64_t page_size)
{
	int level = leaf_level(page_size);
	uint64_t step = level_size(level + 1);

	if (!level || (va | size) & (page_size - 1) || va + size < va)
		return -1;
	for (uint64_t at = va; at < va + size; at = ALIGN_DOWN(at, step) + step)
		if (!walk_create(pt, at, level))
			return -1;
	return 0;
}

int pt_lookup(const struct page_table *pt, uint64_t va, uint64_t *pa,
	      uint64_t *leaf)
{
	const uint64_t *table = table_at(pt->root);

	for (int level = 4; level >= 1; level--) {
		uint64_t e = table[index_at(va, level)];

		if (!e)
			return -1;
		if (level == 1 || (e & PTE_PS)) {
			uint64_t sz = level_size(level);

			*pa = (e & PTE_ADDR & ~(sz - 1)) | (va & (sz - 1));
			if (leaf)
				*leaf = e;
			return 0;
		}
		table = table_at(e & PTE_ADDR);
	}
	return -1;
}

/*
 * Replace the large leaf *e (at level 2 or 3) by a table of 512 leaves one
 * level down that map the same memory with the same bits. A large leaf
 * with address bits below its size set (x86's large-page PAT bit 12, say)
 * has bits that mean something else one level down: refused.
 */
static int split_leaf(struct page_table *pt, uint64_t *e, int level)
{
	uint64_t sz = level_size(level), sub = level_size(level - 1);
	uint64_t pa = *e & PTE_ADDR, flags = *e & ~PTE_ADDR;
	uint64_t table_pa, *table;

	if (pa & (sz - 1))
		return -1;
	table_pa = new_table(pt->pmm);
	if (table_pa == PMM_NONE)
		return -1;
	table = table_at(table_pa);
	if (level == 2)
		flags &= ~PTE_PS;
	for (int i = 0; i < ENTRIES; i++)
		table[i] = (pa + i * sub) | flags;
	*e = table_pa | pt->table_flags;
	return 0;
}

int pt_update_leaves(struct page_table *pt, uint64_t va, uint64_t size,
		     uint64_t clear, uint64_t set)
{
	uint64_t end = va + size;

	if ((va | size) & (PT_SIZE_4K - 1) || end < va ||
	    ((clear | set) & (PTE_ADDR | PTE_PS)))
		return -1;
	for (uint64_t at = va; at < end;) {
		uint64_t *table = table_at(pt->root);

		for (int level = 4;; level--) {
			uint64_t *e = &table[index_at(at, level)];
			uint64_t sz = level_size(level);
			uint64_t base = at & ~(sz - 1);

			if (!*e)
				return -1;
			if (level > 1 && !(*e & PTE_PS)) {
				table = table_at(*e & PTE_ADDR);
				continue;
			}
			if (base < va || base + sz > end) {
				/* Only part of this leaf is ours: go smaller. */
				if (split_leaf(pt, e, level))
					return -1;
				table = table_at(*e & PTE_ADDR);
				continue;
			}
			*e = (*e & ~clear) | set;
			at = base + sz;
			break;
		}
	}
	return 0;
}

static void free_level(struct pmm *pmm, uint64_t table_pa, int level)
{
	const uint64_t *table = table_at(table_pa);

	if (level > 1) {
		for (int i = 0; i < ENTRIES; i++)
			if (table[i] && !(table[i] & PTE_PS))
				free_level(pmm, table[i] & PTE_ADDR, level - 1);
	}
	pmm_free(pmm, table_pa, PT_SIZE_4K);
}

/*
 * Clear the entries of `table` (at `level`, mapping from `base`) that lie
 * in [va, end), freeing the tables below those wholly inside. Addresses
 * are 48-bit, without the sign extension of canonical ones.
 */
static int unmap_level(struct pmm *pmm, uint64_t *table, int level,
		       uint64_t base, uint64_t va, uint64_t end)
{
	uint64_t sz = level_size(level);
	unsigned int first = va > base ? (va - base) / sz : 0;

	for (unsigned int i = first; i < ENTRIES; i++) {
		uint64_t lo = base + i * sz, hi = lo + sz;
		bool table_below = level > 1 && !(table[i] & PTE_PS);

		if (lo >= end)
			break;
		if (!table[i])
			continue;
		if (lo >= va && hi <= end) {
			if (table_below)
				free_level(pmm, table[i] & PTE_ADDR, level - 1);
			table[i] = 0;
		} else if (!table_below ||
			   unmap_level(pmm, table_at(table[i] & PTE_ADDR),
				       level - 1, lo, va, end)) {
			return -1; /* a large leaf reaching outside the range */
		}
	}
	return 0;
}

int pt_unmap(struct page_table *pt, uint64_t va, uint64_t size)
{
	uint64_t lo = va & (BIT(48) - 1);

	if ((va | size) & (PT_SIZE_4K - 1) || lo + size > BIT(48) ||
	    lo + size < lo)
		return -1;
	return unmap_level(pt->pmm, table_at(pt->root), 4, 0, lo, lo + size);
}

void pt_destroy(struct page_table *pt)
{
	if (pt->root != PMM_NONE)
		free_level(pt->pmm, pt->root, 4);
	pt->root = PMM_NONE;
}
