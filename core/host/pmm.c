// SPDX-License-Identifier: MIT
/*
 * Physical frame allocator. The free set is a sorted array of extents
 * [base, end) that never overlap and never touch: two extents always have
 * at least one allocated (or absent) page between them. Every operation
 * keeps that invariant and keeps free_bytes exact.
 *
 * Addresses are page granular. The highest representable extent end is
 * PMM_TOP (2^64 - 4 KiB), so the very last page of the address space can
 * never be free, and "end" never wraps.
 */
#include <stdbool.h>
#include <stdint.h>

#include "core/host/pmm.h"
#include "lib/compiler.h"

#define PMM_TOP ALIGN_DOWN(UINT64_MAX, PAGE_SIZE)

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

static uint64_t ext_size(const struct pmm_extent *e)
{
	return e->end - e->base;
}

/* Index of the first extent whose end is >= addr (count if none). */
static unsigned int first_ending_at_or_after(const struct pmm *p, uint64_t addr)
{
	unsigned int lo = 0, hi = p->count;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (p->ext[mid].end >= addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/*
 * Replace extents [i, j) with the n extents in repl (n <= 2). The caller
 * has checked that the result fits and adjusts free_bytes itself.
 */
static void replace(struct pmm *p, unsigned int i, unsigned int j,
		    const struct pmm_extent *repl, unsigned int n)
{
	unsigned int removed = j - i;
	unsigned int k;

	if (n > removed) {
		unsigned int shift = n - removed;

		for (k = p->count; k > j; k--)
			p->ext[k - 1 + shift] = p->ext[k - 1];
	} else if (n < removed) {
		unsigned int shift = removed - n;

		for (k = j; k < p->count; k++)
			p->ext[k - shift] = p->ext[k];
	}
	for (k = 0; k < n; k++)
		p->ext[i + k] = repl[k];
	p->count = p->count - removed + n;
}

/*
 * Make [b, e) free, merging with every extent it overlaps or touches.
 * b < e, both page aligned, e <= PMM_TOP. Returns -1 (nothing changed,
 * overflowed set) if a new slot was needed and the table is full.
 */
static int insert_range(struct pmm *p, uint64_t b, uint64_t e)
{
	unsigned int i = first_ending_at_or_after(p, b);
	unsigned int j = i;
	struct pmm_extent merged = {b, e};
	uint64_t old = 0;

	while (j < p->count && p->ext[j].base <= e) {
		old += ext_size(&p->ext[j]);
		merged.base = MIN(merged.base, p->ext[j].base);
		merged.end = MAX(merged.end, p->ext[j].end);
		j++;
	}
	if (i == j && p->count >= PMM_MAX_EXTENTS) {
		p->overflowed = true;
		return -1;
	}
	replace(p, i, j, &merged, 1);
	p->free_bytes = p->free_bytes - old + ext_size(&merged);
	return 0;
}

/*
 * Remove [b, e) from the free set. b < e, both page aligned. Returns -1
 * (nothing changed) if an extent would have to be split and the table is
 * full; the caller decides what to do about it.
 */
static int remove_range(struct pmm *p, uint64_t b, uint64_t e)
{
	/* First extent that ends strictly after b. */
	unsigned int i = first_ending_at_or_after(p, b + 1);
	unsigned int j = i;
	struct pmm_extent keep[2];
	unsigned int n = 0;
	uint64_t removed = 0;

	while (j < p->count && p->ext[j].base < e) {
		removed += ext_size(&p->ext[j]);
		j++;
	}
	if (i == j)
		return 0;
	if (p->ext[i].base < b) {
		keep[n].base = p->ext[i].base;
		keep[n].end = b;
		removed -= ext_size(&keep[n]);
		n++;
	}
	if (p->ext[j - 1].end > e) {
		keep[n].base = e;
		keep[n].end = p->ext[j - 1].end;
		removed -= ext_size(&keep[n]);
		n++;
	}
	if (p->count - (j - i) + n > PMM_MAX_EXTENTS)
		return -1;
	replace(p, i, j, keep, n);
	p->free_bytes -= removed;
	return 0;
}

void pmm_init(struct pmm *p)
{
	p->count = 0;
	p->free_bytes = 0;
	p->overflowed = false;
	p->lock = (struct spinlock)SPINLOCK_INIT;
}

int pmm_add(struct pmm *p, uint64_t base, uint64_t len)
{
	uint64_t end, b, e;

	end = (len > UINT64_MAX - base) ? UINT64_MAX : base + len;
	if (base > PMM_TOP)
		return 0;
	b = ALIGN_UP(base, PAGE_SIZE);
	e = ALIGN_DOWN(end, PAGE_SIZE);
	if (b >= e)
		return 0;
	return insert_range(p, b, e);
}

int pmm_reserve(struct pmm *p, uint64_t base, uint64_t len)
{
	uint64_t end, b, e;
	unsigned int i;

	if (len == 0)
		return 0;
	end = (len > UINT64_MAX - base) ? UINT64_MAX : base + len;
	b = ALIGN_DOWN(base, PAGE_SIZE);
	e = (end > PMM_TOP) ? PMM_TOP : ALIGN_UP(end, PAGE_SIZE);
	if (b >= e)
		return 0;
	if (remove_range(p, b, e) == 0)
		return 0;

	/*
	 * The range sits strictly inside one extent and there is no slot
	 * for the second half. Reserved memory must never be handed out, so
	 * give up the smaller of the two leftovers rather than the
	 * reservation: the free set shrinks, but stays correct.
	 */
	p->overflowed = true;
	i = first_ending_at_or_after(p, b + 1);
	if (b - p->ext[i].base <= p->ext[i].end - e)
		b = p->ext[i].base;
	else
		e = p->ext[i].end;
	remove_range(p, b, e); /* trims one end: cannot need a slot */
	return -1;
}

static uint64_t alloc_locked(struct pmm *p, uint64_t size, uint64_t align)
{
	unsigned int i;

	if (size == 0 || size > PMM_TOP)
		return PMM_NONE;
	size = ALIGN_UP(size, PAGE_SIZE);
	if (align == 0)
		align = PAGE_SIZE;
	if (!is_pow2(align) || align < PAGE_SIZE)
		return PMM_NONE;

	for (i = 0; i < p->count; i++) {
		const struct pmm_extent *x = &p->ext[i];
		uint64_t lo = MAX(x->base, PAGE_SIZE); /* never page 0 */
		uint64_t start;

		if (lo > UINT64_MAX - (align - 1))
			break; /* aligning would wrap: nothing higher fits */
		start = ALIGN_UP(lo, align);
		if (start >= x->end || x->end - start < size)
			continue;

		/* Lowest fit splits the extent but there is no slot for it. */
		if (start > x->base && start + size < x->end &&
		    p->count >= PMM_MAX_EXTENTS) {
			/* The highest aligned fit may end exactly at x->end. */
			uint64_t top = ALIGN_DOWN(x->end - size, align);

			if (top + size != x->end)
				continue;
			start = top;
		}
		if (remove_range(p, start, start + size))
			continue; /* not reached: checked above */
		return start;
	}
	return PMM_NONE;
}

/* The whole aligned blocks of extent x: [*start, *start + return value). */
static uint64_t aligned_part(const struct pmm_extent *x, uint64_t align,
			     uint64_t *start)
{
	uint64_t lo = MAX(x->base, PAGE_SIZE); /* never page 0 */

	if (lo > UINT64_MAX - (align - 1))
		return 0;
	*start = ALIGN_UP(lo, align);
	if (*start >= x->end)
		return 0;
	return ALIGN_DOWN(x->end - *start, align);
}

uint64_t pmm_free_in_blocks(const struct pmm *p, uint64_t align)
{
	uint64_t sum = 0, start;

	if (!is_pow2(align) || align < PAGE_SIZE)
		return 0;
	for (unsigned int i = 0; i < p->count; i++)
		sum += aligned_part(&p->ext[i], align, &start);
	return sum;
}

static uint64_t alloc_largest_locked(struct pmm *p, uint64_t max,
				     uint64_t align, uint64_t *got)
{
	uint64_t best = 0, best_start = 0, start, len;

	*got = 0;
	if (!is_pow2(align) || align < PAGE_SIZE || max < align)
		return PMM_NONE;
	max = ALIGN_DOWN(max, align);
	for (unsigned int i = 0; i < p->count; i++) {
		len = MIN(aligned_part(&p->ext[i], align, &start), max);
		if (len > best) {
			best = len;
			best_start = start;
		}
	}
	/* Taken from the start of its extent: at most the tail is left. */
	if (!best || remove_range(p, best_start, best_start + best))
		return PMM_NONE;
	*got = best;
	return best_start;
}

static int free_locked(struct pmm *p, uint64_t base, uint64_t size)
{
	unsigned int i;
	uint64_t end;

	if (size == 0 || size > PMM_TOP || !IS_ALIGNED(base, PAGE_SIZE))
		return -1;
	size = ALIGN_UP(size, PAGE_SIZE);
	if (base > PMM_TOP - size)
		return -1;
	end = base + size;

	/* Any overlap with free memory is a double (or partial double) free. */
	i = first_ending_at_or_after(p, base + 1);
	if (i < p->count && p->ext[i].base < end)
		return -1;
	return insert_range(p, base, end);
}

/*
 * Every CPU allocates (a vCPU's VMCS or VMCB is made on the CPU that runs
 * it, nested page tables on the CPU that faults), so the three calls that
 * change the free set after boot serialize on the allocator's lock.
 */
uint64_t pmm_alloc(struct pmm *p, uint64_t size, uint64_t align)
{
	uint64_t pa;

	spin_lock(&p->lock);
	pa = alloc_locked(p, size, align);
	spin_unlock(&p->lock);
	return pa;
}

uint64_t pmm_alloc_largest(struct pmm *p, uint64_t max, uint64_t align,
			   uint64_t *got)
{
	uint64_t pa;

	spin_lock(&p->lock);
	pa = alloc_largest_locked(p, max, align, got);
	spin_unlock(&p->lock);
	return pa;
}

int pmm_free(struct pmm *p, uint64_t base, uint64_t size)
{
	int rc;

	spin_lock(&p->lock);
	rc = free_locked(p, base, size);
	spin_unlock(&p->lock);
	return rc;
}

bool pmm_is_free(const struct pmm *p, uint64_t addr)
{
	unsigned int i;

	if (addr == UINT64_MAX)
		return false;
	i = first_ending_at_or_after(p, addr + 1);
	return i < p->count && p->ext[i].base <= addr;
}
