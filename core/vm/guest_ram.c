// SPDX-License-Identifier: MIT
#include "core/vm/guest_ram.h"
#include "core/host/memory.h"
#include "core/vm/vm.h"
#include "lib/bitops.h"
#include "lib/compiler.h"
#include "lib/fmt.h"
#include "lib/string.h"

/* QEMU's pc machine (hw/i386/pc_piix.c): max-ram-below-4g and its 1 GiB fallback. */
#define PC_LOWMEM_MAX 0xe0000000ULL
#define PC_LOWMEM_GIB_ALIGNED 0xc0000000ULL

void guest_ram_layout(uint64_t size, uint64_t *low, uint64_t *high)
{
	uint64_t lowmem =
		size >= PC_LOWMEM_MAX ? PC_LOWMEM_GIB_ALIGNED : PC_LOWMEM_MAX;

	*low = MIN(size, lowmem);
	*high = size - *low;
}

/* Chunk number of RAM at gpa, or -1 when gpa is not RAM. */
static int64_t chunk_of(const struct guest_ram *r, uint64_t gpa)
{
	if (gpa < r->low_size)
		return (int64_t)(gpa / GUEST_RAM_CHUNK);
	if (gpa >= GUEST_RAM_HIGH_BASE &&
	    gpa - GUEST_RAM_HIGH_BASE < r->high_size)
		return (int64_t)((r->low_size + gpa - GUEST_RAM_HIGH_BASE) /
				 GUEST_RAM_CHUNK);
	return -1;
}

static uint64_t chunk_gpa(const struct guest_ram *r, uint64_t chunk)
{
	uint64_t off = chunk * GUEST_RAM_CHUNK;

	return off < r->low_size ? off
				 : GUEST_RAM_HIGH_BASE + off - r->low_size;
}

/* The host memory behind RAM offset `off` (low RAM, then high). */
static uint64_t backing_of(const struct guest_ram *r, uint64_t off)
{
	for (unsigned int i = 0; i < r->ext_count; i++) {
		if (off < r->ext[i].len)
			return r->ext[i].hpa + off;
		off -= r->ext[i].len;
	}
	return PMM_NONE; /* not reached: the extents cover the RAM */
}

static bool chunk_present(const struct guest_ram *r, uint64_t chunk)
{
	return r->flat || (r->present[chunk / 64] & BIT(chunk % 64));
}

/*
 * Zero the chunk through mhv's window, then let the guest see it. The
 * tables for the leaf were made with the VM, so the map cannot fail for
 * want of memory; a non-present entry is never cached, so no flush.
 */
static int make_present(struct vm *vm, uint64_t chunk)
{
	struct guest_ram *r = &vm->mem;
	uint64_t gpa = chunk_gpa(r, chunk);
	uint64_t hpa = backing_of(r, chunk * GUEST_RAM_CHUNK);
	int rc = 0;

	spin_lock(&r->lock);
	/* Another vCPU may have made it present while this one waited. */
	if (!chunk_present(r, chunk)) {
		memset(vm->ram + gpa, 0, GUEST_RAM_CHUNK);
		rc = pt_map(&vm->gpt, gpa, hpa, GUEST_RAM_CHUNK,
			    GUEST_RAM_CHUNK, r->leaf_flags);
		if (!rc) {
			/* The bit last: a vCPU that sees it finds zeros. */
			__atomic_fetch_or(&r->present[chunk / 64],
					  BIT(chunk % 64), __ATOMIC_RELEASE);
			r->chunks_present++;
		}
	}
	spin_unlock(&r->lock);
	return rc;
}

int guest_ram_discard(struct vm *vm, uint64_t gpa)
{
	struct guest_ram *r = &vm->mem;
	int64_t chunk = chunk_of(r, gpa);
	int rc = 0;

	/* Chunk 0 may be mapped in 4 KiB pages around the legacy holes. */
	if (chunk <= 0 || gpa % GUEST_RAM_CHUNK || r->flat)
		return -1;
	spin_lock(&r->lock);
	if (chunk_present(r, (uint64_t)chunk)) {
		/* The bit first: nobody takes the chunk for present any more. */
		__atomic_fetch_and(&r->present[chunk / 64], ~BIT(chunk % 64),
				   __ATOMIC_RELEASE);
		r->chunks_present--;
		rc = pt_unmap(&vm->gpt, gpa, GUEST_RAM_CHUNK) ? -1 : 1;
	}
	spin_unlock(&r->lock);
	return rc;
}

bool guest_ram_fault(struct vm *vm, uint64_t gpa)
{
	int64_t chunk = chunk_of(&vm->mem, gpa);

	if (chunk < 0)
		return false;
	/*
	 * Present already: another vCPU mapped it since this one faulted, the
	 * access is retried. With one vCPU nobody could have: a fault on a
	 * present chunk would repeat for ever, so it is no first touch.
	 */
	if (chunk_present(&vm->mem, (uint64_t)chunk))
		return vm->nr_vcpus > 1;
	return !make_present(vm, (uint64_t)chunk);
}

/* [gpa, gpa + len) lies in RAM, in one of its two regions. */
static bool in_one_region(const struct guest_ram *r, uint64_t gpa, uint64_t len)
{
	if (gpa < r->low_size)
		return len <= r->low_size - gpa;
	if (gpa >= GUEST_RAM_HIGH_BASE &&
	    gpa - GUEST_RAM_HIGH_BASE < r->high_size)
		return len <= r->high_size - (gpa - GUEST_RAM_HIGH_BASE);
	return false;
}

void *guest_ram_ptr_slow(struct vm *vm, uint64_t gpa, uint64_t len)
{
	struct guest_ram *r = &vm->mem;
	int64_t first, last;

	if (!len || !in_one_region(r, gpa, len))
		return NULL;
	first = chunk_of(r, gpa);
	last = chunk_of(r, gpa + len - 1);
	for (int64_t c = first; c <= last; c++)
		if (!chunk_present(r, (uint64_t)c) &&
		    make_present(vm, (uint64_t)c))
			return NULL;
	return vm->ram + gpa;
}

uint64_t guest_ram_hpa(struct vm *vm, uint64_t gpa)
{
	struct guest_ram *r = &vm->mem;
	int64_t chunk = chunk_of(r, gpa);

	if (chunk < 0 || !guest_ram_ptr_slow(vm, gpa, 1))
		return PMM_NONE;
	/* A flat buffer (hosted tests) is its own host memory. */
	if (r->flat)
		return (uint64_t)(uintptr_t)(vm->ram + gpa);
	return backing_of(r, (uint64_t)chunk * GUEST_RAM_CHUNK +
				     gpa % GUEST_RAM_CHUNK);
}

void guest_ram_attach_flat(struct vm *vm, uint8_t *buf, uint64_t size)
{
	vm->ram = buf;
	vm->mem = (struct guest_ram){.low_size = size, .flat = true};
}

/* Take the backing from the largest free runs: usually one extent. */
static int reserve_backing(struct guest_ram *r, uint64_t size)
{
	uint64_t want = size;

	while (want) {
		uint64_t got, hpa;

		if (r->ext_count == GUEST_RAM_MAX_EXTENTS)
			return -1;
		hpa = pmm_alloc_largest(&phys_mem, want, GUEST_RAM_CHUNK, &got);
		if (hpa == PMM_NONE)
			return -1;
		r->ext[r->ext_count++] = (struct guest_ram_extent){hpa, got};
		want -= got;
	}
	return 0;
}

/* Every backing extent at its place in the window, hole left out. */
static int map_window(const struct guest_ram *r)
{
	uint64_t off = 0;

	for (unsigned int i = 0; i < r->ext_count; i++) {
		uint64_t hpa = r->ext[i].hpa, len = r->ext[i].len;

		while (len) {
			/* An extent may straddle the end of low RAM. */
			uint64_t part = off < r->low_size
						? MIN(len, r->low_size - off)
						: len;

			if (memory_window_map(
				    chunk_gpa(r, off / GUEST_RAM_CHUNK), hpa,
				    part))
				return -1;
			off += part;
			hpa += part;
			len -= part;
		}
	}
	return 0;
}

int guest_ram_create(struct vm *vm, uint64_t size, char *err, size_t errlen)
{
	struct guest_ram *r = &vm->mem;
	uint64_t free = pmm_free_in_blocks(&phys_mem, GUEST_RAM_CHUNK);
	uint64_t chunks = size / GUEST_RAM_CHUNK;

	*r = (struct guest_ram){.leaf_flags = vm_backend->gpt_leaf_flags};
	guest_ram_layout(size, &r->low_size, &r->high_size);
	if (size > free) {
		fmt_snprintf(err, errlen,
			     "not enough memory for %lu MiB of guest RAM "
			     "(%lu MiB free)",
			     size >> 20, free >> 20);
		return -1;
	}
	if (reserve_backing(r, size)) {
		fmt_snprintf(err, errlen,
			     "host memory too fragmented for %lu MiB of guest "
			     "RAM in %u pieces",
			     size >> 20, GUEST_RAM_MAX_EXTENTS);
		return -1;
	}
	r->present_bytes = ALIGN_UP((chunks + 63) / 64 * 8, PAGE_SIZE);
	r->present = (uint64_t *)memory_alloc_zeroed(r->present_bytes);
	if (!r->present)
		goto no_memory;
	vm->ram = memory_window();
	if (map_window(r) ||
	    pt_init(&vm->gpt, &phys_mem, vm_backend->gpt_table_flags))
		goto no_memory;
	if (pt_reserve_tables(&vm->gpt, 0, r->low_size, GUEST_RAM_CHUNK) ||
	    pt_reserve_tables(&vm->gpt, GUEST_RAM_HIGH_BASE, r->high_size,
			      GUEST_RAM_CHUNK))
		goto no_memory;
	return 0;
no_memory:
	fmt_snprintf(err, errlen,
		     "out of memory for the tables of %lu MiB of guest RAM",
		     size >> 20);
	return -1;
}

void guest_ram_destroy(struct vm *vm)
{
	struct guest_ram *r = &vm->mem;

	if (r->flat)
		return;
	if (vm->ram)
		memory_window_clear(r->high_size
					    ? GUEST_RAM_HIGH_BASE + r->high_size
					    : r->low_size);
	vm->ram = NULL;
	if (vm->gpt.root)
		pt_destroy(&vm->gpt);
	if (r->present)
		pmm_free(&phys_mem, (uint64_t)r->present, r->present_bytes);
	for (unsigned int i = 0; i < r->ext_count; i++)
		pmm_free(&phys_mem, r->ext[i].hpa, r->ext[i].len);
	*r = (struct guest_ram){0};
}
