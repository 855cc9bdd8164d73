// SPDX-License-Identifier: MIT
/*
 * Guest RAM (core/vm/guest_ram.c) over hosted "physical" memory whose every
 * byte starts out as an earlier VM's data: the layout QEMU's pc machine
 * gives, nothing cleared up front, chunks zeroed and mapped on first touch,
 * mhv's window and the nested page tables agreeing on every chunk, and all
 * of it given back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/host/memory.h"
#include "core/vm/guest_ram.h"
#include "core/vm/vm.h"
#include "core/x86.h"
#include "lib/compiler.h"
#include "tests/unit/fake_memory.h"

#define PHYS_SIZE GiB(8) /* a sparse file: only what is touched costs */
#define STALE 0xa5

const struct vm_backend *vm_backend;
static const struct vm_backend stub_backend = {
	.name = "stub",
	.gpt_leaf_flags = PTE_P | PTE_W | PTE_US,
	.gpt_table_flags = PTE_P | PTE_W | PTE_US,
};

static struct vm *vm;
static char err[160];

static int setup(void **state)
{
	(void)state;
	fake_memory_init(PHYS_SIZE);
	vm_backend = &stub_backend;
	vm = calloc(1, sizeof(*vm));
	return vm ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(vm);
	fake_memory_fini();
	return 0;
}

/* Host memory as an earlier VM left it, where the backing will come from. */
static void dirty(uint64_t hpa, uint64_t len)
{
	memset((void *)hpa, STALE, len);
}

static uint64_t npt_lookup(uint64_t gpa)
{
	uint64_t hpa;

	return pt_lookup(&vm->gpt, gpa, &hpa, NULL) ? PMM_NONE : hpa;
}

static bool all_bytes(const uint8_t *p, uint8_t v, uint64_t len)
{
	for (uint64_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void make(uint64_t size)
{
	memset(vm, 0, sizeof(*vm));
	assert_int_equal(guest_ram_create(vm, size, err, sizeof(err)), 0);
	for (unsigned int i = 0; i < vm->mem.ext_count; i++)
		dirty(vm->mem.ext[i].hpa,
		      MIN(vm->mem.ext[i].len, MiB(64))); /* enough to see */
}

static void test_layout_as_qemu_pc(void **state)
{
	static const struct {
		uint64_t size, low, high;
	} cases[] = {
		{MiB(2), MiB(2), 0},
		{MiB(256), MiB(256), 0},
		{GiB(3), GiB(3), 0},
		{0xe0000000ULL - MiB(2), 0xe0000000ULL - MiB(2), 0},
		/* From 3.5 GiB on, 3 GiB stay below the hole. */
		{0xe0000000ULL, GiB(3), MiB(512)},
		{GiB(4), GiB(3), GiB(1)},
		{GiB(6), GiB(3), GiB(3)},
		{GiB(1024), GiB(3), GiB(1021)},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t low, high;

		guest_ram_layout(cases[i].size, &low, &high);
		assert_int_equal(low, cases[i].low);
		assert_int_equal(high, cases[i].high);
	}
}

static void test_nothing_present_at_creation(void **state)
{
	(void)state;
	make(MiB(64));
	assert_int_equal(vm->mem.low_size, MiB(64));
	assert_int_equal(vm->mem.high_size, 0);
	assert_int_equal(vm->mem.chunks_present, 0);
	for (uint64_t gpa = 0; gpa < MiB(64); gpa += MiB(2))
		assert_int_equal(npt_lookup(gpa), PMM_NONE);
	guest_ram_destroy(vm);
}

static void test_first_touch_by_mhv_zeroes_the_chunk(void **state)
{
	uint8_t *p;
	uint64_t hpa;

	(void)state;
	make(MiB(64));
	p = guest_ram_ptr(vm, MiB(5) + 123, 16);
	assert_non_null(p);
	assert_ptr_equal(p, vm->ram + MiB(5) + 123);
	/* The whole 2 MiB chunk is zero, mapped, and nothing else is. */
	assert_true(all_bytes(vm->ram + MiB(4), 0, MiB(2)));
	hpa = npt_lookup(MiB(4));
	assert_int_not_equal(hpa, PMM_NONE);
	assert_true(all_bytes((uint8_t *)hpa, 0, MiB(2)));
	assert_int_equal(npt_lookup(MiB(2)), PMM_NONE);
	assert_int_equal(npt_lookup(MiB(6)), PMM_NONE);
	assert_int_equal(vm->mem.chunks_present, 1);
	/* Present now: a second touch changes nothing. */
	p[0] = 0x42;
	assert_non_null(guest_ram_ptr(vm, MiB(4), MiB(2)));
	assert_int_equal(*(uint8_t *)(hpa + MiB(1) + 123), 0x42);
	assert_int_equal(vm->mem.chunks_present, 1);
	/* A range over two chunks makes both present. */
	assert_non_null(guest_ram_ptr(vm, MiB(8) - 4, 8));
	assert_int_equal(vm->mem.chunks_present, 3);
	guest_ram_destroy(vm);
}

static void test_guest_fault_zeroes_and_maps(void **state)
{
	uint64_t hpa;

	(void)state;
	make(MiB(64));
	assert_true(guest_ram_fault(vm, MiB(63) + 5));
	hpa = npt_lookup(MiB(62));
	assert_int_not_equal(hpa, PMM_NONE);
	assert_true(all_bytes((uint8_t *)hpa, 0, MiB(2)));
	/* Present already: with one vCPU no first touch, nothing redone. */
	*(uint8_t *)hpa = 0x77;
	vm->nr_vcpus = 1;
	assert_false(guest_ram_fault(vm, MiB(63)));
	/* With several, another vCPU's doing: retried, nothing redone. */
	vm->nr_vcpus = 2;
	assert_true(guest_ram_fault(vm, MiB(63)));
	assert_int_equal(*(uint8_t *)hpa, 0x77);
	/* Not RAM. */
	assert_false(guest_ram_fault(vm, MiB(64)));
	assert_false(guest_ram_fault(vm, 0xfee00000));
	assert_false(guest_ram_fault(vm, GiB(4)));
	assert_int_equal(vm->mem.chunks_present, 1);
	guest_ram_destroy(vm);
}

/* MHV_HC_DISCARD's half: unmapped, untouched, zero at the next touch. */
static void test_discard(void **state)
{
	uint64_t hpa;

	(void)state;
	make(MiB(64));
	vm->nr_vcpus = 1;
	assert_true(guest_ram_fault(vm, MiB(16)));
	hpa = npt_lookup(MiB(16));
	*(uint8_t *)hpa = 0x77;
	assert_int_equal(guest_ram_discard(vm, MiB(16)), 1);
	assert_int_equal(npt_lookup(MiB(16)), PMM_NONE);
	assert_int_equal(vm->mem.chunks_present, 0);
	/* Nothing mapped: nothing to flush. */
	assert_int_equal(guest_ram_discard(vm, MiB(16)), 0);
	/* The next touch, the guest's or mhv's, finds zeros. */
	assert_true(guest_ram_fault(vm, MiB(16) + 8));
	assert_int_equal(npt_lookup(MiB(16)), hpa);
	assert_int_equal(*(uint8_t *)hpa, 0);
	*(uint8_t *)hpa = 0x55;
	assert_int_equal(guest_ram_discard(vm, MiB(16)), 1);
	assert_int_equal(*(uint8_t *)guest_ram_ptr(vm, MiB(16), 1), 0);
	/* Not a chunk that may go. */
	assert_int_equal(guest_ram_discard(vm, MiB(16) + 4096), -1);
	assert_int_equal(guest_ram_discard(vm, 0), -1);
	assert_int_equal(guest_ram_discard(vm, MiB(64)), -1);
	assert_int_equal(guest_ram_discard(vm, 0xfee00000), -1);
	guest_ram_destroy(vm);
}

static void test_high_ram_above_4g(void **state)
{
	uint64_t *p;

	(void)state;
	make(GiB(4));
	assert_int_equal(vm->mem.low_size, GiB(3));
	assert_int_equal(vm->mem.high_size, GiB(1));
	/* The hole between is no RAM; ranges never cross a region's end. */
	assert_null(guest_ram_ptr(vm, GiB(3), 8));
	assert_null(guest_ram_ptr(vm, GiB(3) - 4, 8));
	assert_null(guest_ram_ptr(vm, GiB(4) - 4, 8));
	assert_null(guest_ram_ptr(vm, GiB(5) - 4, 8));
	assert_null(guest_ram_ptr(vm, GiB(5), 1));
	assert_false(guest_ram_fault(vm, GiB(3)));
	assert_true(guest_ram_fault(vm, GiB(5) - 1));
	p = guest_ram_ptr(vm, GiB(4), 8);
	assert_non_null(p);
	assert_int_equal(*p, 0);
	*p = 0x1122334455667788ULL;
	assert_int_equal(*(uint64_t *)npt_lookup(GiB(4)),
			 0x1122334455667788ULL);
	p = guest_ram_ptr(vm, GiB(3) - 8, 8);
	assert_non_null(p);
	*p = 7;
	assert_int_equal(*(uint64_t *)npt_lookup(GiB(3) - 8), 7);
	guest_ram_destroy(vm);
}

/* Backing in several pieces: window and NPT agree on every chunk. */
static void test_fragmented_backing(void **state)
{
	uint64_t runs[3], got, size = MiB(96);

	(void)state;
	/* Free memory: three 40 MiB runs with 2 MiB taken between them. */
	for (int i = 0; i < 3; i++) {
		runs[i] = pmm_alloc_largest(&phys_mem, MiB(40), MiB(2), &got);
		assert_int_not_equal(pmm_alloc(&phys_mem, MiB(2), MiB(2)),
				     PMM_NONE);
	}
	pmm_alloc_largest(&phys_mem, PHYS_SIZE, MiB(2), &got);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pmm_free(&phys_mem, runs[i], MiB(40)), 0);
	memset(vm, 0, sizeof(*vm));
	assert_int_equal(guest_ram_create(vm, size, err, sizeof(err)), 0);
	assert_int_equal(vm->mem.ext_count, 3);
	for (uint64_t gpa = 0; gpa < size; gpa += MiB(2)) {
		uint64_t *p = guest_ram_ptr(vm, gpa, 8);

		assert_non_null(p);
		*p = gpa | 1;
	}
	for (uint64_t gpa = 0; gpa < size; gpa += MiB(2))
		assert_int_equal(*(uint64_t *)npt_lookup(gpa), gpa | 1);
	guest_ram_destroy(vm);
}

static void test_too_fragmented_is_refused(void **state)
{
	uint64_t free_before, got;

	(void)state;
	/* 2 MiB free, 2 MiB taken, over and over: more pieces than allowed. */
	for (int i = 0; i < GUEST_RAM_MAX_EXTENTS + 2; i++) {
		uint64_t a = pmm_alloc_largest(&phys_mem, MiB(4), MiB(2), &got);

		assert_int_not_equal(a, PMM_NONE);
		pmm_free(&phys_mem, a, MiB(2));
	}
	/* Everything else taken. */
	pmm_alloc_largest(&phys_mem, PHYS_SIZE, MiB(2), &got);
	free_before = phys_mem.free_bytes;
	memset(vm, 0, sizeof(*vm));
	assert_int_equal(guest_ram_create(vm,
					  MiB(2) * (GUEST_RAM_MAX_EXTENTS + 1),
					  err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "fragmented"));
	guest_ram_destroy(vm);
	assert_int_equal(phys_mem.free_bytes, free_before);
}

static void test_too_big_is_refused_before_allocating(void **state)
{
	uint64_t free_before = phys_mem.free_bytes;
	char want[64];

	(void)state;
	memset(vm, 0, sizeof(*vm));
	assert_int_equal(guest_ram_create(vm, GiB(9), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "9216 MiB of guest RAM"));
	snprintf(want, sizeof(want), "(%lu MiB free)",
		 (unsigned long)(free_before >> 20));
	assert_non_null(strstr(err, want));
	assert_int_equal(phys_mem.free_bytes, free_before);
	guest_ram_destroy(vm);
	assert_int_equal(phys_mem.free_bytes, free_before);
}

/* What one VM wrote, the next one, on the same memory, reads as zero. */
static void test_next_vm_sees_nothing(void **state)
{
	uint64_t free_before = phys_mem.free_bytes;
	uint64_t hpa;

	(void)state;
	memset(vm, 0, sizeof(*vm));
	assert_int_equal(guest_ram_create(vm, MiB(32), err, sizeof(err)), 0);
	memset(guest_ram_ptr(vm, 0, MiB(32)), 0x5a, MiB(32));
	hpa = npt_lookup(MiB(8));
	guest_ram_destroy(vm);
	assert_int_equal(phys_mem.free_bytes, free_before);
	assert_int_equal(*(uint8_t *)hpa, 0x5a); /* not cleared when freed */

	memset(vm, 0, sizeof(*vm));
	assert_int_equal(guest_ram_create(vm, MiB(32), err, sizeof(err)), 0);
	assert_true(guest_ram_fault(vm, MiB(8)));
	assert_true(all_bytes(guest_ram_ptr(vm, 0, MiB(32)), 0, MiB(32)));
	for (uint64_t gpa = 0; gpa < MiB(32); gpa += MiB(2))
		assert_true(all_bytes((uint8_t *)npt_lookup(gpa), 0, MiB(2)));
	guest_ram_destroy(vm);
	assert_int_equal(phys_mem.free_bytes, free_before);
}

static void test_flat_buffer_is_all_there(void **state)
{
	uint8_t buf[64];

	(void)state;
	memset(vm, 0, sizeof(*vm));
	memset(buf, 3, sizeof(buf));
	guest_ram_attach_flat(vm, buf, sizeof(buf));
	assert_ptr_equal(guest_ram_ptr(vm, 8, 8), buf + 8);
	assert_int_equal(buf[8], 3);
	assert_null(guest_ram_ptr(vm, 60, 8));
	assert_false(guest_ram_fault(vm, 0)); /* all there: no first touch */
	guest_ram_destroy(vm);
	assert_ptr_equal(vm->ram, buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_layout_as_qemu_pc),
		T(test_nothing_present_at_creation),
		T(test_first_touch_by_mhv_zeroes_the_chunk),
		T(test_guest_fault_zeroes_and_maps),
		T(test_discard),
		T(test_high_ram_above_4g),
		T(test_fragmented_backing),
		T(test_too_fragmented_is_refused),
		T(test_too_big_is_refused_before_allocating),
		T(test_next_vm_sees_nothing),
		T(test_flat_buffer_is_all_there),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
