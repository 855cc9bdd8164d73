// SPDX-License-Identifier: MIT
/*
 * The MADT processor walk (core/host/madt.c) against tables built here:
 * local APIC and x2APIC entries, enabled, disabled and online-capable
 * ones, duplicates and invalid IDs, other entry types stepped over,
 * malformed lengths refused, more processors than mhv keeps. Each table
 * is copied into a heap buffer of exactly its length, so AddressSanitizer
 * catches any read past it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/host/madt.h"

#define FIXED_LEN 44u /* header (36), local APIC address, flags */
#define ENABLED 1u
#define ONLINE_CAPABLE 2u

static uint8_t table[4096];
static uint32_t table_len;
static struct madt_cpus cpus;
static char err[160];

static int setup(void **state)
{
	(void)state;
	memset(table, 0, sizeof(table));
	memcpy(table, "APIC", 4);
	table_len = FIXED_LEN;
	memset(&cpus, 0xa5, sizeof(cpus));
	err[0] = '\0';
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void add_lapic(uint8_t id, uint32_t flags)
{
	uint8_t *e = table + table_len;

	e[0] = 0;
	e[1] = 8;
	e[2] = id; /* ACPI processor UID */
	e[3] = id;
	put32(e + 4, flags);
	table_len += 8;
}

static void add_x2apic(uint32_t id, uint32_t flags)
{
	uint8_t *e = table + table_len;

	e[0] = 9;
	e[1] = 16;
	put32(e + 4, id);
	put32(e + 8, flags);
	put32(e + 12, id);
	table_len += 16;
}

/*
 * Any other entry: type and length, the rest zero. A length below 2 still
 * takes the two bytes that say so.
 */
static void add_other(uint8_t type, uint8_t len)
{
	table[table_len] = type;
	table[table_len + 1] = len;
	table_len += len < 2 ? 2 : len;
}

static int parse(uint32_t boot_id)
{
	uint8_t *copy = malloc(table_len);
	int rc;

	memcpy(copy, table, table_len);
	put32(copy + 4, table_len);
	rc = madt_parse(copy, table_len, boot_id, &cpus, err, sizeof(err));
	free(copy);
	return rc;
}

static void test_empty_table(void **state)
{
	(void)state;
	assert_int_equal(parse(7), 0);
	assert_int_equal(cpus.count, 1);
	assert_int_equal(cpus.apic_id[0], 7);
	assert_false(cpus.boot_listed);
	assert_int_equal(cpus.listed, 1);
}

static void test_lapic_entries(void **state)
{
	(void)state;
	add_lapic(0, ENABLED);
	add_lapic(1, ENABLED);
	add_other(1, 12); /* I/O APIC */
	add_lapic(2, ENABLED);
	add_other(2, 10); /* interrupt source override */
	add_lapic(3, ENABLED);
	add_other(4, 6); /* local APIC NMI */
	assert_int_equal(parse(0), 0);
	assert_int_equal(cpus.count, 4);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(cpus.apic_id[i], i);
	assert_true(cpus.boot_listed);
	assert_int_equal(cpus.listed, 4);
	assert_int_equal(cpus.online_capable, 0);
}

/* The boot CPU comes first wherever the table lists it. */
static void test_boot_cpu_first(void **state)
{
	(void)state;
	add_lapic(0, ENABLED);
	add_lapic(2, ENABLED);
	add_lapic(4, ENABLED);
	assert_int_equal(parse(2), 0);
	assert_int_equal(cpus.count, 3);
	assert_int_equal(cpus.apic_id[0], 2);
	assert_int_equal(cpus.apic_id[1], 0);
	assert_int_equal(cpus.apic_id[2], 4);
	assert_true(cpus.boot_listed);
}

static void test_disabled_and_online_capable(void **state)
{
	(void)state;
	add_lapic(0, ENABLED);
	add_lapic(1, 0);			/* unusable */
	add_lapic(2, ONLINE_CAPABLE);		/* hot-pluggable, not started */
	add_x2apic(0x100, ONLINE_CAPABLE);	/* the same, x2APIC */
	add_lapic(3, ENABLED | ONLINE_CAPABLE); /* enabled wins */
	add_x2apic(0x101, 0);
	assert_int_equal(parse(0), 0);
	assert_int_equal(cpus.count, 2);
	assert_int_equal(cpus.apic_id[1], 3);
	assert_int_equal(cpus.online_capable, 2);
	assert_int_equal(cpus.listed, 2);
}

static void test_x2apic_entries(void **state)
{
	(void)state;
	add_x2apic(0, ENABLED);
	add_x2apic(0x1000, ENABLED);
	add_x2apic(0xfffffffe, ENABLED);
	assert_int_equal(parse(0), 0);
	assert_int_equal(cpus.count, 3);
	assert_int_equal(cpus.apic_id[1], 0x1000);
	assert_int_equal(cpus.apic_id[2], 0xfffffffe);
}

/* Firmware may list a CPU in both forms; 0xff and ~0 are no CPU at all. */
static void test_duplicates_and_invalid_ids(void **state)
{
	(void)state;
	add_lapic(0, ENABLED);
	add_lapic(1, ENABLED);
	add_x2apic(1, ENABLED);
	add_x2apic(0, ENABLED);
	add_lapic(0xff, ENABLED);
	add_x2apic(0xffffffff, ENABLED);
	assert_int_equal(parse(0), 0);
	assert_int_equal(cpus.count, 2);
	assert_int_equal(cpus.listed, 2);
	assert_int_equal(cpus.apic_id[1], 1);
}

/* Beyond MHV_MAX_CPUS: counted, not kept; the boot CPU is kept anyway. */
static void test_more_cpus_than_kept(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < MHV_MAX_CPUS + 10; i++)
		add_x2apic(i, ENABLED);
	assert_int_equal(parse(MHV_MAX_CPUS + 5), 0);
	assert_int_equal(cpus.count, MHV_MAX_CPUS);
	assert_int_equal(cpus.listed, MHV_MAX_CPUS + 10);
	assert_int_equal(cpus.apic_id[0], MHV_MAX_CPUS + 5);
	assert_int_equal(cpus.apic_id[1], 0);
	assert_int_equal(cpus.apic_id[MHV_MAX_CPUS - 1], MHV_MAX_CPUS - 2);
	assert_true(cpus.boot_listed);
}

static void assert_refused(const char *want)
{
	assert_int_equal(parse(0), -1);
	assert_non_null(strstr(err, want));
}

static void test_malformed_lengths(void **state)
{
	(void)state;
	add_lapic(0, ENABLED);
	add_other(1, 0); /* a zero length would loop forever */
	assert_refused("type 1 at offset 52 has length 0");

	setup(NULL);
	add_other(5, 1);
	assert_refused("has length 1");

	setup(NULL);
	add_lapic(0, ENABLED);
	table[table_len - 7] = 6; /* a local APIC entry shorter than 8 */
	table_len -= 2;
	assert_refused("type 0 at offset 44 has length 6");

	setup(NULL);
	add_x2apic(0, ENABLED);
	table[FIXED_LEN + 1] = 12;
	table_len -= 4;
	assert_refused("type 9 at offset 44 has length 12");

	/* An entry running past the table's end. */
	setup(NULL);
	add_lapic(1, ENABLED);
	table_len -= 1;
	assert_refused("type 0 at offset 44 has length 8");

	/* One byte left: not even a type and a length. */
	setup(NULL);
	add_lapic(1, ENABLED);
	table_len += 1;
	assert_refused("offset 52 is cut off");

	setup(NULL);
	table_len = 40;
	assert_refused("shorter than its fixed part");
}

/* Longer entries than their type's size are stepped over by their length. */
static void test_longer_entries(void **state)
{
	(void)state;
	add_lapic(0, ENABLED);
	table[FIXED_LEN + 1] = 12;
	table_len += 4;
	add_x2apic(5, ENABLED);
	table[table_len - 15] = 20;
	table_len += 4;
	add_lapic(6, ENABLED);
	assert_int_equal(parse(0), 0);
	assert_int_equal(cpus.count, 3);
	assert_int_equal(cpus.apic_id[1], 5);
	assert_int_equal(cpus.apic_id[2], 6);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_empty_table),
		T(test_lapic_entries),
		T(test_boot_cpu_first),
		T(test_disabled_and_online_capable),
		T(test_x2apic_entries),
		T(test_duplicates_and_invalid_ids),
		T(test_more_cpus_than_kept),
		T(test_malformed_lengths),
		T(test_longer_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
