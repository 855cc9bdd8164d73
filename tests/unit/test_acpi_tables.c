// SPDX-License-Identifier: MIT
/*
 * The guest's ACPI tables (core/vm/acpi_tables.c), read back the way a
 * guest OS finds them: the RSDP in the BIOS area, the tables it lists,
 * checksums, and the MADT's entries walked by their lengths. Guest RAM is
 * a heap block of its exact size.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/dev/devices.h"
#include "core/vm/acpi_tables.h"
#include "lib/compiler.h"

#define RAM_SIZE MiB(1)
#define HEADER_LEN 36

static uint8_t *ram;

static int setup(void **state)
{
	(void)state;
	ram = calloc(1, RAM_SIZE);
	assert_non_null(ram);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	ram = NULL;
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

/* A table at a guest-physical address: inside RAM, checksum right. */
static const uint8_t *table_at(uint64_t gpa, const char *sig)
{
	const uint8_t *t;
	uint32_t len;

	assert_true(gpa >= 0xe0000 && gpa + HEADER_LEN <= 0x100000);
	t = ram + gpa;
	len = le32(t + 4);
	assert_true(len >= HEADER_LEN && gpa + len <= 0x100000);
	if (sig && memcmp(t, sig, 4))
		fail_msg("table at %#llx is '%.4s', expected '%s'",
			 (unsigned long long)gpa, (const char *)t, sig);
	assert_int_equal(sum(t, len), 0);
	return t;
}

/* The RSDP in the 0xe0000-0xfffff scan, on its 16-byte boundary. */
static const uint8_t *find_rsdp(void)
{
	for (uint64_t a = 0xe0000; a < 0x100000; a += 16) {
		if (memcmp(ram + a, "RSD PTR ", 8))
			continue;
		assert_int_equal(sum(ram + a, 20), 0);
		assert_int_equal(ram[a + 15], 2); /* revision: XSDT present */
		assert_int_equal(le32(ram + a + 20), 36);
		assert_int_equal(sum(ram + a, 36), 0);
		return ram + a;
	}
	fail_msg("no RSDP");
	return NULL;
}

/* The table with this signature that the RSDT (or XSDT) lists. */
static uint64_t listed(const uint8_t *sdt, unsigned int entry_size,
		       const char *sig)
{
	uint32_t len = le32(sdt + 4);
	uint64_t found = 0;

	assert_int_equal((len - HEADER_LEN) % entry_size, 0);
	for (uint32_t off = HEADER_LEN; off < len; off += entry_size) {
		uint64_t at =
			entry_size == 4 ? le32(sdt + off) : le64(sdt + off);

		if (!memcmp(table_at(at, NULL), sig, 4)) {
			assert_int_equal(found, 0); /* listed once */
			found = at;
		}
	}
	if (!found)
		fail_msg("'%s' is not listed", sig);
	return found;
}

/* Both lists name the same table; returns it. */
static const uint8_t *find_table(const char *sig)
{
	const uint8_t *rsdp = find_rsdp();
	const uint8_t *rsdt = table_at(le32(rsdp + 16), "RSDT");
	const uint8_t *xsdt = table_at(le64(rsdp + 24), "XSDT");
	uint64_t at = listed(rsdt, 4, sig);

	assert_int_equal(listed(xsdt, 8, sig), at);
	return table_at(at, sig);
}

struct madt_seen {
	unsigned int lapics, ioapics, overrides, nmis;
	uint8_t lapic_uid[8], lapic_id[8];
	uint32_t lapic_flags[8];
	uint8_t ioapic_id;
	uint32_t ioapic_address, ioapic_gsi_base;
	uint8_t ovr_bus[4], ovr_source[4];
	uint32_t ovr_gsi[4];
	uint16_t ovr_flags[4];
	uint8_t nmi_uid, nmi_lint;
	uint16_t nmi_flags;
};

/* Walk the MADT's entries by length; every byte belongs to one entry. */
static struct madt_seen walk_madt(const uint8_t *madt)
{
	uint32_t len = le32(madt + 4);
	struct madt_seen s = {0};
	uint32_t off = 44;

	while (off < len) {
		const uint8_t *e = madt + off;

		assert_true(off + 2 <= len);
		assert_true(e[1] >= 2 && off + e[1] <= len);
		switch (e[0]) {
		case 0:
			assert_int_equal(e[1], 8);
			/* Each is counted; the first 8 are kept. */
			if (s.lapics < ARRAY_SIZE(s.lapic_id)) {
				s.lapic_uid[s.lapics] = e[2];
				s.lapic_id[s.lapics] = e[3];
				s.lapic_flags[s.lapics] = le32(e + 4);
			}
			s.lapics++;
			break;
		case 1:
			assert_int_equal(e[1], 12);
			s.ioapic_id = e[2];
			assert_int_equal(e[3], 0);
			s.ioapic_address = le32(e + 4);
			s.ioapic_gsi_base = le32(e + 8);
			s.ioapics++;
			break;
		case 2:
			assert_int_equal(e[1], 10);
			assert_true(s.overrides < ARRAY_SIZE(s.ovr_gsi));
			s.ovr_bus[s.overrides] = e[2];
			s.ovr_source[s.overrides] = e[3];
			s.ovr_gsi[s.overrides] = le32(e + 4);
			s.ovr_flags[s.overrides] = le16(e + 8);
			s.overrides++;
			break;
		case 4:
			assert_int_equal(e[1], 6);
			s.nmi_uid = e[2];
			s.nmi_flags = le16(e + 3);
			s.nmi_lint = e[5];
			s.nmis++;
			break;
		default:
			fail_msg("unexpected MADT entry type %u at %u", e[0],
				 off);
		}
		off += e[1];
	}
	assert_int_equal(off, len);
	return s;
}

static void test_madt_one_cpu(void **state)
{
	const uint8_t *madt, *fadt;
	struct madt_seen s;

	(void)state;
	assert_int_equal(
		acpi_build_tables(ram, RAM_SIZE, GUEST_PM_TIMER_PORT, 1), 0);
	madt = find_table("APIC");
	assert_int_equal(le32(madt + 36), 0xfee00000);
	assert_int_equal(le32(madt + 40), 1); /* PCAT_COMPAT */

	s = walk_madt(madt);
	assert_int_equal(s.lapics, 1);
	assert_int_equal(s.lapic_uid[0], 0);
	assert_int_equal(s.lapic_id[0], 0);
	assert_int_equal(s.lapic_flags[0], 1); /* enabled */

	assert_int_equal(s.ioapics, 1);
	assert_int_equal(s.ioapic_id, IOAPIC_RESET_ID);
	assert_int_equal(s.ioapic_address, 0xfec00000);
	assert_int_equal(s.ioapic_gsi_base, 0);

	/* ISA IRQ 0 -> GSI 2 as the bus defines it; the SCI level, high. */
	assert_int_equal(s.overrides, 2);
	assert_int_equal(s.ovr_bus[0], 0);
	assert_int_equal(s.ovr_source[0], 0);
	assert_int_equal(s.ovr_gsi[0], 2);
	assert_int_equal(s.ovr_flags[0], 0);
	assert_int_equal(s.ovr_bus[1], 0);
	assert_int_equal(s.ovr_source[1], 9);
	assert_int_equal(s.ovr_gsi[1], 9);
	assert_int_equal(s.ovr_flags[1], 0x000d);

	assert_int_equal(s.nmis, 1);
	assert_int_equal(s.nmi_uid, 0xff);
	assert_int_equal(s.nmi_flags, 0);
	assert_int_equal(s.nmi_lint, 1);

	/* The level override is the SCI's: the FADT's SCI_INT says IRQ 9. */
	fadt = find_table("FACP");
	assert_int_equal(le16(fadt + 46), 9);
	assert_int_equal(le32(fadt + 76), GUEST_PM_TIMER_PORT);
}

/* The count is a parameter: UIDs and APIC IDs 0..n-1, all enabled. */
static void test_madt_cpu_count(void **state)
{
	const uint8_t *madt;
	struct madt_seen s;

	(void)state;
	assert_int_equal(
		acpi_build_tables(ram, RAM_SIZE, GUEST_PM_TIMER_PORT, 4), 0);
	madt = find_table("APIC");
	s = walk_madt(madt);
	assert_int_equal(s.lapics, 4);
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(s.lapic_uid[i], i);
		assert_int_equal(s.lapic_id[i], i);
		assert_int_equal(s.lapic_flags[i], 1);
	}
	assert_int_equal(s.ioapics, 1);
	assert_int_equal(s.overrides, 2);
	assert_int_equal(s.nmis, 1);

	/* Fewer again: the tables shrink, nothing stale is listed. */
	assert_int_equal(
		acpi_build_tables(ram, RAM_SIZE, GUEST_PM_TIMER_PORT, 1), 0);
	s = walk_madt(find_table("APIC"));
	assert_int_equal(s.lapics, 1);
}

static void test_refused_when_it_does_not_fit(void **state)
{
	(void)state;
	/* RAM that ends inside the tables: nothing is written. */
	assert_int_equal(
		acpi_build_tables(ram, 0xf0100, GUEST_PM_TIMER_PORT, 1), -1);
	for (size_t a = 0xe0000; a < RAM_SIZE; a++)
		if (ram[a])
			fail_msg("byte %#zx written", a);
	/* No processor, or more than 8-bit APIC IDs can name. */
	assert_int_equal(
		acpi_build_tables(ram, RAM_SIZE, GUEST_PM_TIMER_PORT, 0), -1);
	assert_int_equal(
		acpi_build_tables(ram, RAM_SIZE, GUEST_PM_TIMER_PORT, 256), -1);
	/* 255 processors still fit below 1 MiB. */
	assert_int_equal(
		acpi_build_tables(ram, RAM_SIZE, GUEST_PM_TIMER_PORT, 255), 0);
	assert_int_equal(walk_madt(find_table("APIC")).lapics, 255);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_madt_one_cpu),
		T(test_madt_cpu_count),
		T(test_refused_when_it_does_not_fit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
