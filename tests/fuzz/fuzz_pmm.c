// SPDX-License-Identifier: MIT
/*
 * The frame allocator (core/host/pmm.c) under arbitrary sequences of add,
 * reserve, alloc and free. After every operation the extents must be
 * page-aligned, sorted, disjoint and never touching, with free_bytes their
 * exact sum. A bitmap of the first WINDOW bytes of the address space says
 * which pages must be free: allocations must come from it, reservations
 * must leave it, and while no operation found the table full the
 * allocator and the bitmap agree page for page (after an overflow the
 * allocator may only have less).
 *
 * Input: a sequence of 17-byte operations: opcode, two 64-bit operands.
 * Operands land in the window; bits 7 and 6 of the opcode take them raw,
 * to reach the ends of the address space.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/host/pmm.h"
#include "tests/fuzz/check.h"
#include "tests/fuzz/input.h"

#define PAGE 4096ULL
#define WINDOW_PAGES 4096ULL
#define WINDOW (WINDOW_PAGES * PAGE)
#define TOP (UINT64_MAX & ~(PAGE - 1))
#define MAX_OPS 200

static struct pmm pmm;
static bool model[WINDOW_PAGES]; /* page i is free */

static void check_structure(void)
{
	uint64_t sum = 0;

	CHECK(pmm.count <= PMM_MAX_EXTENTS, "%u extents", pmm.count);
	for (unsigned int i = 0; i < pmm.count; i++) {
		const struct pmm_extent *e = &pmm.ext[i];

		CHECK(e->base % PAGE == 0 && e->end % PAGE == 0,
		      "extent %u [%#llx-%#llx) not page aligned", i,
		      (unsigned long long)e->base, (unsigned long long)e->end);
		CHECK(e->base < e->end && e->end <= TOP,
		      "extent %u [%#llx-%#llx) empty or past the top", i,
		      (unsigned long long)e->base, (unsigned long long)e->end);
		CHECK(i == 0 || pmm.ext[i - 1].end < e->base,
		      "extents %u and %u overlap, touch or are unsorted", i - 1,
		      i);
		sum += e->end - e->base;
	}
	CHECK(sum == pmm.free_bytes, "free_bytes %#llx, extents hold %#llx",
	      (unsigned long long)pmm.free_bytes, (unsigned long long)sum);
}

/* Mark pages [b, e) of the window (byte addresses, page aligned). */
static void model_set(uint64_t b, uint64_t e, bool free)
{
	for (uint64_t a = b; a < e && a < WINDOW; a += PAGE)
		model[a / PAGE] = free;
}

/* pmm_is_free() at the edges of every extent: in, in, out, out. */
static void check_is_free(void)
{
	for (unsigned int i = 0; i < pmm.count; i++) {
		const struct pmm_extent *e = &pmm.ext[i];

		CHECK(pmm_is_free(&pmm, e->base) &&
			      pmm_is_free(&pmm, e->end - 1) &&
			      !pmm_is_free(&pmm, e->end) &&
			      (!e->base || !pmm_is_free(&pmm, e->base - 1)),
		      "pmm_is_free wrong at the edges of [%#llx-%#llx)",
		      (unsigned long long)e->base, (unsigned long long)e->end);
	}
}

/* The window page by page, from the extents (checked sorted above). */
static void check_model(void)
{
	static bool is[WINDOW_PAGES];

	memset(is, 0, sizeof(is));
	for (unsigned int i = 0; i < pmm.count && pmm.ext[i].base < WINDOW; i++)
		for (uint64_t a = pmm.ext[i].base;
		     a < pmm.ext[i].end && a < WINDOW; a += PAGE)
			is[a / PAGE] = true;
	for (uint64_t i = 0; i < WINDOW_PAGES; i++) {
		if (pmm.overflowed)
			CHECK(!is[i] || model[i],
			      "page %#llx is free but was never freed",
			      (unsigned long long)(i * PAGE));
		else
			CHECK(is[i] == model[i],
			      "page %#llx is %s, expected %s",
			      (unsigned long long)(i * PAGE),
			      is[i] ? "free" : "in use",
			      model[i] ? "free" : "in use");
	}
	check_is_free();
}

static uint64_t end_of(uint64_t base, uint64_t len)
{
	return len > UINT64_MAX - base ? UINT64_MAX : base + len;
}

static void op_add(uint64_t base, uint64_t len)
{
	uint64_t e = end_of(base, len) & ~(PAGE - 1);
	uint64_t b = (base + PAGE - 1) & ~(PAGE - 1);

	if (pmm_add(&pmm, base, len) == 0 && base <= TOP && base <= b && b < e)
		model_set(b, e, true);
}

static void op_reserve(uint64_t base, uint64_t len)
{
	uint64_t e = end_of(base, len);

	pmm_reserve(&pmm, base, len);
	if (len)
		model_set(base & ~(PAGE - 1), e > TOP ? TOP : e, false);
	/* Its ends now; the whole window at the end of the run. */
	if (len && e <= TOP)
		CHECK(!pmm_is_free(&pmm, base) && !pmm_is_free(&pmm, e - 1),
		      "[%#llx+%#llx) reserved but not all in use",
		      (unsigned long long)base, (unsigned long long)len);
}

static void op_alloc(uint64_t size, uint64_t align)
{
	uint64_t a = pmm_alloc(&pmm, size, align), n, al = align ? align : PAGE;

	if (a == PMM_NONE)
		return;
	n = (size + PAGE - 1) & ~(PAGE - 1);
	CHECK(size && a % al == 0 && a >= PAGE && a <= TOP - n,
	      "alloc(%#llx, %#llx) = %#llx", (unsigned long long)size,
	      (unsigned long long)align, (unsigned long long)a);
	for (uint64_t p = a; p < a + n && p < WINDOW; p += PAGE)
		CHECK(model[p / PAGE], "alloc handed out page %#llx, not free",
		      (unsigned long long)p);
	model_set(a, a + n, false);
}

static void op_free(uint64_t base, uint64_t size)
{
	uint64_t n = (size + PAGE - 1) & ~(PAGE - 1);
	bool overlap = false;
	int rc;

	for (uint64_t p = base;
	     size && size <= TOP && p < base + n && p >= base && p < WINDOW;
	     p += PAGE)
		overlap |= model[p / PAGE];
	rc = pmm_free(&pmm, base, size);
	if (overlap && !pmm.overflowed)
		CHECK(rc == -1,
		      "free of [%#llx+%#llx) overlapping free memory "
		      "accepted",
		      (unsigned long long)base, (unsigned long long)size);
	if (rc == 0)
		model_set(base, base + n, true);
}

/* Mostly inside the window (and a page past it), sometimes raw. */
static uint64_t operand(uint64_t raw, bool as_is)
{
	return as_is ? raw : raw % (WINDOW + PAGE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};

	pmm_init(&pmm);
	memset(model, 0, sizeof(model));
	for (unsigned int i = 0; i < MAX_OPS && in.n; i++) {
		uint8_t op = in_u8(&in);
		uint64_t x = operand(in_u64(&in), op & 0x80);
		uint64_t y = operand(in_u64(&in), op & 0x40);

		switch (op & 3) {
		case 0:
			op_add(x, y);
			break;
		case 1:
			op_reserve(x, y);
			break;
		case 2:
			/* Alignments: a power of two, or (bit 5) anything. */
			op_alloc(x, op & 0x20 ? y : 1ULL << (y % 64));
			break;
		case 3:
			op_free(x, y);
			break;
		}
		check_structure();
	}
	check_model();
	return 0;
}
