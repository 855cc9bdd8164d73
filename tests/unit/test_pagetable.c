// SPDX-License-Identifier: MIT
/*
 * The page-table builder (core/host/pagetable.c), hosted: mhv reaches its
 * tables through the identity map, so here the frame allocator hands out
 * pages of one aligned heap buffer, whose addresses are the "physical"
 * ones. What pt_update_leaves() must do for memory_set_cache() (a
 * framebuffer write-combining, a device page uncached): change exactly the
 * pages asked for, split a large leaf only where the range ends inside it,
 * never change a translation, refuse what it cannot do.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/host/pagetable.h"
#include "core/x86.h"

#define POOL_SIZE (4u << 20)
#define MAP_FLAGS (PTE_P | PTE_W)
#define CACHE (PTE_PCD | PTE_PWT)

static struct pmm pmm;
static struct page_table pt;
static uint8_t *pool;

static int setup(void **state)
{
	(void)state;
	pool = aligned_alloc(PT_SIZE_4K, POOL_SIZE);
	assert_non_null(pool);
	pmm_init(&pmm);
	assert_int_equal(pmm_add(&pmm, (uint64_t)(uintptr_t)pool, POOL_SIZE),
			 0);
	assert_int_equal(pt_init(&pt, &pmm, MAP_FLAGS), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pt_destroy(&pt);
	free(pool);
	return 0;
}

/* The flags (address bits off) of the leaf mapping va, which maps itself. */
static uint64_t leaf_flags(uint64_t va)
{
	uint64_t pa, leaf;

	assert_int_equal(pt_lookup(&pt, va, &pa, &leaf), 0);
	assert_int_equal(pa, va);
	return leaf & ~PTE_ADDR;
}

static uint64_t *table_of(uint64_t entry)
{
	return (uint64_t *)(uintptr_t)(entry & PTE_ADDR);
}

/* The size of the leaf mapping va, from the walk itself. */
static uint64_t leaf_size(uint64_t va)
{
	const uint64_t *t = table_of(pt.root);

	for (int level = 4; level >= 1; level--) {
		uint64_t e = t[(va >> (12 + 9 * (level - 1))) & 511];

		assert_true(e & PTE_P);
		if (level == 1 || (e & PTE_PS))
			return 1ULL << (12 + 9 * (level - 1));
		t = table_of(e);
	}
	return 0;
}

static void assert_page(uint64_t va, uint64_t size, uint64_t cache)
{
	uint64_t flags = leaf_flags(va);

	assert_int_equal(leaf_size(va), size);
	assert_int_equal(flags & CACHE, cache);
	assert_true(flags & PTE_P);
	assert_true(flags & PTE_W);
}

/* A 3 MiB framebuffer at 0xfd000000 in a map of 2 MiB pages. */
static void test_framebuffer_wc(void **state)
{
	(void)state;
	assert_int_equal(pt_map(&pt, 0, 0, 1ULL << 32, PT_SIZE_2M, MAP_FLAGS),
			 0);
	assert_int_equal(
		pt_update_leaves(&pt, 0xfd000000, 3u << 20, CACHE, PTE_PWT), 0);
	assert_page(0xfcfff000, PT_SIZE_2M, 0);
	assert_page(0xfd000000, PT_SIZE_2M, PTE_PWT); /* whole: not split */
	assert_page(0xfd1ff000, PT_SIZE_2M, PTE_PWT);
	assert_page(0xfd200000, PT_SIZE_4K, PTE_PWT); /* the split leaf */
	assert_page(0xfd2ff000, PT_SIZE_4K, PTE_PWT);
	assert_page(0xfd300000, PT_SIZE_4K, 0);
	assert_page(0xfd3ff000, PT_SIZE_4K, 0);
	assert_page(0xfd400000, PT_SIZE_2M, 0);
	/* Every page of the split leaf still maps itself. */
	for (uint64_t va = 0xfd200000; va < 0xfd400000; va += PT_SIZE_4K)
		leaf_flags(va);
}

/* One xAPIC page uncached, then back: the rest of its 2 MiB untouched. */
static void test_one_page_uc_and_back(void **state)
{
	(void)state;
	assert_int_equal(pt_map(&pt, 0, 0, 1ULL << 32, PT_SIZE_2M, MAP_FLAGS),
			 0);
	assert_int_equal(
		pt_update_leaves(&pt, 0xfee00000, PT_SIZE_4K, CACHE, CACHE), 0);
	assert_page(0xfee00000, PT_SIZE_4K, CACHE);
	assert_page(0xfee01000, PT_SIZE_4K, 0);
	assert_page(0xfedff000, PT_SIZE_2M, 0);
	assert_int_equal(
		pt_update_leaves(&pt, 0xfee00000, PT_SIZE_4K, CACHE, PTE_PWT),
		0);
	assert_page(0xfee00000, PT_SIZE_4K, PTE_PWT);
	assert_int_equal(
		pt_update_leaves(&pt, 0xfee00000, PT_SIZE_4K, CACHE, 0), 0);
	assert_page(0xfee00000, PT_SIZE_4K, 0);
}

/* A 1 GiB leaf splits into 2 MiB leaves, and only the one needed further. */
static void test_split_1g(void **state)
{
	(void)state;
	assert_int_equal(pt_map(&pt, 0, 0, 4ULL << 30, PT_SIZE_1G, MAP_FLAGS),
			 0);
	assert_int_equal(
		pt_update_leaves(&pt, 0xc0201000, 2 * PT_SIZE_4K, CACHE, CACHE),
		0);
	assert_page(0xc0000000, PT_SIZE_2M, 0);
	assert_page(0xc0200000, PT_SIZE_4K, 0);
	assert_page(0xc0201000, PT_SIZE_4K, CACHE);
	assert_page(0xc0202000, PT_SIZE_4K, CACHE);
	assert_page(0xc0203000, PT_SIZE_4K, 0);
	assert_page(0xc0400000, PT_SIZE_2M, 0);
	assert_page(0xbffff000, PT_SIZE_1G, 0);
	assert_page(0xfffff000, PT_SIZE_2M, 0);
}

/* Present and not present again, as memory_set_cache() does. */
static void test_not_present_and_back(void **state)
{
	uint64_t pa;

	(void)state;
	assert_int_equal(pt_map(&pt, 0, 0, 1ULL << 32, PT_SIZE_2M, MAP_FLAGS),
			 0);
	assert_int_equal(pt_update_leaves(&pt, 0xfd000000, 0x300000, 0, 0), 0);
	assert_int_equal(pt_update_leaves(&pt, 0xfd000000, 0x300000, PTE_P, 0),
			 0);
	/* pt_lookup follows what is there; the P bit is the caller's. */
	assert_int_equal(pt_lookup(&pt, 0xfd2ff000, &pa, NULL), 0);
	assert_int_equal(pa, 0xfd2ff000);
	assert_int_equal(pt_update_leaves(&pt, 0xfd000000, 0x300000, CACHE,
					  PTE_P | PTE_PWT),
			 0);
	assert_page(0xfd000000, PT_SIZE_2M, PTE_PWT);
	assert_page(0xfd2ff000, PT_SIZE_4K, PTE_PWT);
	assert_page(0xfd300000, PT_SIZE_4K, 0);
}

static void test_refusals(void **state)
{
	uint64_t *pde;

	(void)state;
	assert_int_equal(pt_map(&pt, 0, 0, 1ULL << 30, PT_SIZE_2M, MAP_FLAGS),
			 0);
	/* Not 4K-aligned, wrapping, address or page-size bits. */
	assert_int_equal(pt_update_leaves(&pt, 0x1000800, PT_SIZE_4K, 0, 0),
			 -1);
	assert_int_equal(pt_update_leaves(&pt, 0x1000000, 0x800, 0, 0), -1);
	assert_int_equal(
		pt_update_leaves(&pt, -PT_SIZE_4K, 2 * PT_SIZE_4K, 0, 0), -1);
	assert_int_equal(pt_update_leaves(&pt, 0, PT_SIZE_4K, 0, PTE_PS), -1);
	assert_int_equal(pt_update_leaves(&pt, 0, PT_SIZE_4K, 0, 1ULL << 12),
			 -1);
	/* A hole: nothing is mapped above 1 GiB. */
	assert_int_equal(pt_update_leaves(&pt, (1ULL << 30) - PT_SIZE_4K,
					  2 * PT_SIZE_4K, 0, CACHE),
			 -1);
	/*
	 * A large leaf with its PAT bit (12) set cannot be split into 4K
	 * leaves, where bit 12 is an address bit.
	 */
	pde = table_of(table_of(table_of(pt.root)[0])[0]);
	pde[8] |= 1ULL << 12;
	assert_int_equal(pt_update_leaves(&pt, 0x1000000, PT_SIZE_4K, 0, CACHE),
			 -1);
	assert_int_equal(pt_update_leaves(&pt, 0x1000000, PT_SIZE_2M, 0, CACHE),
			 0);
}

/* No memory for a table: refused, and the translations unchanged. */
static void test_out_of_tables(void **state)
{
	uint64_t pa;

	(void)state;
	assert_int_equal(pt_map(&pt, 0, 0, 1ULL << 32, PT_SIZE_2M, MAP_FLAGS),
			 0);
	while (pmm_alloc(&pmm, PT_SIZE_4K, PT_SIZE_4K) != PMM_NONE)
		;
	assert_int_equal(
		pt_update_leaves(&pt, 0xfee00000, PT_SIZE_4K, 0, CACHE), -1);
	assert_int_equal(pt_lookup(&pt, 0xfee00000, &pa, NULL), 0);
	assert_int_equal(pa, 0xfee00000);
	assert_page(0xfee00000, PT_SIZE_2M, 0);
}

/* Tables made ahead, then leaves that need no new table. */
static void test_reserve_tables(void **state)
{
	uint64_t free_after;

	(void)state;
	assert_int_equal(
		pt_reserve_tables(&pt, 0x40000000, 0x80000000, PT_SIZE_2M), 0);
	free_after = pmm.free_bytes;
	/* One PDPT, two PDs; nothing mapped yet. */
	assert_int_equal(pt_lookup(&pt, 0x40000000, &(uint64_t){0}, NULL), -1);
	assert_int_equal(
		pt_map(&pt, 0x40000000, 0, PT_SIZE_2M, PT_SIZE_2M, MAP_FLAGS),
		0);
	assert_int_equal(pt_map(&pt, 0xbfe00000, 0x200000, PT_SIZE_2M,
				PT_SIZE_2M, MAP_FLAGS),
			 0);
	assert_int_equal(pmm.free_bytes, free_after);
	assert_int_equal(pt_reserve_tables(&pt, 0x1000, 0x200000, PT_SIZE_2M),
			 -1);
	assert_int_equal(pt_reserve_tables(&pt, 0, 0x200000, 12345), -1);
}

/* Unmapping a range frees the tables it alone used; the rest stays. */
static void test_unmap(void **state)
{
	const uint64_t hi = 0xffff800000000000ULL;
	uint64_t free_before = pmm.free_bytes, pa;

	(void)state;
	assert_int_equal(pt_map(&pt, hi, 0, 0x80000000, PT_SIZE_2M, MAP_FLAGS),
			 0);
	assert_int_equal(pt_map(&pt, hi + 0x100000000ULL, 0x200000, 0x40000000,
				PT_SIZE_2M, MAP_FLAGS),
			 0);
	assert_int_equal(pt_map(&pt, 0x200000, 0x200000, 0x200000, PT_SIZE_4K,
				MAP_FLAGS),
			 0);
	assert_int_equal(pt_lookup(&pt, hi + 0x100001000ULL, &pa, NULL), 0);
	assert_int_equal(pa, 0x201000);
	/* Part of a 2 MiB leaf: refused. */
	assert_int_equal(pt_unmap(&pt, hi, 0x1000), -1);
	assert_int_equal(pt_unmap(&pt, hi, 0x140000000ULL), 0);
	assert_int_equal(pt_lookup(&pt, hi, &pa, NULL), -1);
	assert_int_equal(pt_lookup(&pt, hi + 0x13fe00000ULL, &pa, NULL), -1);
	/* The identity-side 4 KiB pages are untouched. */
	assert_int_equal(pt_lookup(&pt, 0x203000, &pa, NULL), 0);
	assert_int_equal(pa, 0x203000);
	/* Only the PML4 entry's PDPT and the 4 KiB tables stay allocated. */
	assert_int_equal(free_before - pmm.free_bytes, 4 * PT_SIZE_4K);
	/* Part of a 4 KiB range: exactly those pages go. */
	assert_int_equal(pt_unmap(&pt, 0x201000, 0x2000), 0);
	assert_int_equal(pt_lookup(&pt, 0x201000, &pa, NULL), -1);
	assert_int_equal(pt_lookup(&pt, 0x202000, &pa, NULL), -1);
	assert_int_equal(pt_lookup(&pt, 0x203000, &pa, NULL), 0);
	assert_int_equal(pt_lookup(&pt, 0x200000, &pa, NULL), 0);
	assert_int_equal(pt_unmap(&pt, 0x1001, 0x1000), -1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_framebuffer_wc), T(test_one_page_uc_and_back),
		T(test_reserve_tables), T(test_unmap),
		T(test_split_1g),	T(test_not_present_and_back),
		T(test_refusals),	T(test_out_of_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
