// SPDX-License-Identifier: MIT
/*
 * The ACPI table walk (core/host/acpi_find.c) and the SPCR decoder
 * (core/host/spcr.c) against tables built here: good ones through the XSDT and
 * the RSDT, and broken ones (lengths, checksums, signatures, addresses out
 * of reach, fields mhv cannot drive). The "physical memory" is one heap
 * buffer of exactly its size, so AddressSanitizer catches any over-read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/host/acpi_find.h"
#include "core/host/spcr.h"

#define MEM_PA 0x7fe00000ULL
#define MEM_SIZE 0x2000u
#define XSDT_OFF 0x100u
#define RSDT_OFF 0x200u
#define SPCR_OFF 0x400u
#define FACP_OFF 0x600u

static uint8_t *mem;
static uint8_t rsdp[36];
static char err[160];

static const void *map(void *ctx, uint64_t pa, uint64_t len)
{
	(void)ctx;
	if (pa < MEM_PA || pa - MEM_PA > MEM_SIZE ||
	    len > MEM_SIZE - (pa - MEM_PA))
		return NULL;
	return mem + (pa - MEM_PA);
}

static const struct acpi_mem acpi_mem = {map, NULL};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void fix_checksum(uint8_t *t, uint32_t len, uint32_t at)
{
	uint8_t sum = 0;

	t[at] = 0;
	for (uint32_t i = 0; i < len; i++)
		sum += t[i];
	t[at] = (uint8_t)-sum;
}

static void header(uint32_t off, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(mem + off, sig, 4);
	put32(mem + off + 4, len);
	mem[off + 8] = rev;
	memcpy(mem + off + 10, "MHVTST", 6);
}

static void seal(uint32_t off)
{
	uint32_t len;

	memcpy(&len, mem + off + 4, 4);
	fix_checksum(mem + off, len, 9);
}

/* An SPCR at SPCR_OFF: a 16550 at I/O port `port`, baud code 7. */
static void spcr_io(uint16_t port)
{
	header(SPCR_OFF, "SPCR", 80, 2);
	mem[SPCR_OFF + 36] = 0; /* full 16550 */
	mem[SPCR_OFF + 40] = 1; /* GAS: system I/O */
	mem[SPCR_OFF + 41] = 8; /* bit width */
	mem[SPCR_OFF + 43] = 1; /* byte access */
	put64(mem + SPCR_OFF + 44, port);
	mem[SPCR_OFF + 58] = 7; /* 115200 */
	seal(SPCR_OFF);
}

/* XSDT listing FACP, then SPCR; RSDT listing the same; RSDP revision 2. */
static int setup(void **state)
{
	(void)state;
	mem = calloc(1, MEM_SIZE);
	assert_non_null(mem);
	header(FACP_OFF, "FACP", 36, 3);
	seal(FACP_OFF);
	spcr_io(0x2f8);
	header(XSDT_OFF, "XSDT", 36 + 16, 1);
	put64(mem + XSDT_OFF + 36, MEM_PA + FACP_OFF);
	put64(mem + XSDT_OFF + 44, MEM_PA + SPCR_OFF);
	seal(XSDT_OFF);
	header(RSDT_OFF, "RSDT", 36 + 8, 1);
	put32(mem + RSDT_OFF + 36, (uint32_t)(MEM_PA + FACP_OFF));
	put32(mem + RSDT_OFF + 40, (uint32_t)(MEM_PA + SPCR_OFF));
	seal(RSDT_OFF);

	memset(rsdp, 0, sizeof(rsdp));
	memcpy(rsdp, "RSD PTR ", 8);
	rsdp[15] = 2;
	put32(rsdp + 16, (uint32_t)(MEM_PA + RSDT_OFF));
	put32(rsdp + 20, 36);
	put64(rsdp + 24, MEM_PA + XSDT_OFF);
	memset(err, 'X', sizeof(err));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(mem);
	return 0;
}

/* Back to the good tables of setup(), within one test. */
static void reset(void)
{
	teardown(NULL);
	setup(NULL);
}

static int find(const char *sig, const uint8_t **t, uint32_t *len)
{
	return acpi_find_table(&acpi_mem, rsdp, sizeof(rsdp), sig, t, len, err,
			       sizeof(err));
}

static void assert_err(const char *want)
{
	assert_non_null(memchr(err, '\0', sizeof(err)));
	if (!strstr(err, want))
		fail_msg("err '%s' lacks '%s'", err, want);
}

static struct uart_desc decode_ok(void)
{
	const uint8_t *t;
	uint32_t len;
	struct uart_desc d;

	assert_int_equal(find("SPCR", &t, &len), 1);
	assert_int_equal(spcr_parse(t, len, &d, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	return d;
}

static void expect_refused(const char *want)
{
	const uint8_t *t;
	uint32_t len;
	struct uart_desc d = {.base = 0x1234};

	assert_int_equal(find("SPCR", &t, &len), 1);
	assert_int_equal(spcr_parse(t, len, &d, err, sizeof(err)), -1);
	assert_err(want);
	assert_int_equal(d.base, 0x1234); /* untouched */
}

static void test_io_port_through_xsdt(void **state)
{
	struct uart_desc d;

	(void)state;
	d = decode_ok();
	assert_int_equal(d.space, UART_PIO);
	assert_int_equal(d.base, 0x2f8);
	assert_int_equal(d.baud, 115200);
	assert_int_equal(d.access, 1);
	assert_int_equal(d.reg_shift, 0);
	assert_int_equal(d.clock, 0);
}

static void test_through_rsdt(void **state)
{
	(void)state;
	/* Revision 0 RSDP: only the RSDT exists; the XSDT must not be used. */
	rsdp[15] = 0;
	put64(mem + XSDT_OFF + 44, 0);
	seal(XSDT_OFF);
	assert_int_equal(decode_ok().base, 0x2f8);
	/* Revision 2 with XSDT address 0: the RSDT. */
	rsdp[15] = 2;
	put64(rsdp + 24, 0);
	assert_int_equal(decode_ok().base, 0x2f8);
	/* A 20-byte (ACPI 1.0) RSDP. */
	assert_int_equal(acpi_find_table(&acpi_mem, rsdp, 20, "SPCR",
					 &(const uint8_t *){0}, &(uint32_t){0},
					 err, sizeof(err)),
			 1);
}

static void test_mmio32_rev4(void **state)
{
	struct uart_desc d;

	(void)state;
	header(SPCR_OFF, "SPCR", 88, 4);
	mem[SPCR_OFF + 36] = 0x12; /* 16550-compatible, GAS parameters */
	mem[SPCR_OFF + 40] = 0;	   /* system memory */
	mem[SPCR_OFF + 41] = 32;
	mem[SPCR_OFF + 43] = 3; /* dword access */
	put64(mem + SPCR_OFF + 44, 0xfedc9000);
	mem[SPCR_OFF + 58] = 7;
	put32(mem + SPCR_OFF + 76, 48000000);
	put32(mem + SPCR_OFF + 80, 1500000);
	seal(SPCR_OFF);
	d = decode_ok();
	assert_int_equal(d.space, UART_MMIO);
	assert_int_equal(d.base, 0xfedc9000);
	assert_int_equal(d.access, 4);
	assert_int_equal(d.reg_shift, 2);
	assert_int_equal(d.clock, 48000000);
	assert_int_equal(d.baud, 1500000);
}

static void test_mmio8_rev1_keeps_rate(void **state)
{
	struct uart_desc d;

	(void)state;
	header(SPCR_OFF, "SPCR", 80, 1);
	mem[SPCR_OFF + 36] = 1; /* 16450 subset */
	mem[SPCR_OFF + 40] = 0; /* system memory */
	mem[SPCR_OFF + 41] = 8;
	mem[SPCR_OFF + 43] = 0; /* access size undefined: from the width */
	put64(mem + SPCR_OFF + 44, 0xfe030001);
	mem[SPCR_OFF + 58] = 0; /* as is */
	/* Revision 1: the clock field is not defined and must be ignored. */
	put32(mem + SPCR_OFF + 76, 99);
	seal(SPCR_OFF);
	d = decode_ok();
	assert_int_equal(d.space, UART_MMIO);
	assert_int_equal(d.base, 0xfe030001);
	assert_int_equal(d.access, 1);
	assert_int_equal(d.baud, 0);
	assert_int_equal(d.clock, 0);
}

static void test_no_console(void **state)
{
	const uint8_t *t;
	uint32_t len;
	struct uart_desc d;

	(void)state;
	spcr_io(0);
	assert_int_equal(find("SPCR", &t, &len), 1);
	assert_int_equal(spcr_parse(t, len, &d, err, sizeof(err)), 1);
}

static void test_absent(void **state)
{
	const uint8_t *t;
	uint32_t len;

	(void)state;
	assert_int_equal(find("DBG2", &t, &len), 0);
	assert_int_equal(find("FACP", &t, &len), 1);
	assert_int_equal(len, 36);
	assert_ptr_equal(t, mem + FACP_OFF);
	/* An XSDT without entries. */
	header(XSDT_OFF, "XSDT", 36, 1);
	seal(XSDT_OFF);
	assert_int_equal(find("SPCR", &t, &len), 0);
}

static void test_unreachable_entries_skipped(void **state)
{
	(void)state;
	/* Entries 0 (nowhere), 1 (past the end) come before the SPCR. */
	header(XSDT_OFF, "XSDT", 36 + 24, 1);
	put64(mem + XSDT_OFF + 36, 0);
	put64(mem + XSDT_OFF + 44, MEM_PA + MEM_SIZE - 8);
	put64(mem + XSDT_OFF + 52, MEM_PA + SPCR_OFF);
	seal(XSDT_OFF);
	assert_int_equal(decode_ok().base, 0x2f8);
}

static void test_bad_sdt(void **state)
{
	const uint8_t *t;
	uint32_t len;

	(void)state;
	mem[XSDT_OFF + 20] ^= 1;
	assert_int_equal(find("SPCR", &t, &len), -1);
	assert_err("XSDT at 0x7fe00100 has a bad checksum");

	reset();
	memcpy(mem + XSDT_OFF, "RSDT", 4);
	seal(XSDT_OFF);
	assert_int_equal(find("SPCR", &t, &len), -1);
	assert_err("XSDT at 0x7fe00100 has signature RSDT");

	reset();
	put32(mem + XSDT_OFF + 4, 35);
	assert_int_equal(find("SPCR", &t, &len), -1);
	assert_err("has length 35");

	reset();
	put32(mem + XSDT_OFF + 4, 0xffffffff);
	assert_int_equal(find("SPCR", &t, &len), -1);
	assert_err("has length 4294967295");

	reset();
	put32(mem + XSDT_OFF + 4, MEM_SIZE); /* runs past the end */
	assert_int_equal(find("SPCR", &t, &len), -1);
	assert_err("out of reach");

	reset();
	put64(rsdp + 24, 0x100000000000ULL);
	assert_int_equal(find("SPCR", &t, &len), -1);
	assert_err("table at 0x100000000000 is out of reach");

	reset();
	rsdp[15] = 0;
	put32(rsdp + 16, 0);
	assert_int_equal(find("SPCR", &t, &len), -1);
	assert_err("lists no RSDT");

	assert_int_equal(acpi_find_table(&acpi_mem, NULL, 36, "SPCR", &t, &len,
					 err, sizeof(err)),
			 -1);
	assert_err("no RSDP");
}

static void test_bad_spcr_table(void **state)
{
	const uint8_t *t;
	uint32_t len;

	(void)state;
	mem[SPCR_OFF + 60] ^= 0x40;
	assert_int_equal(find("SPCR", &t, &len), -1);
	assert_err("SPCR at 0x7fe00400 has a bad checksum");

	spcr_io(0x2f8);
	put32(mem + SPCR_OFF + 4, MEM_SIZE - SPCR_OFF + 1);
	assert_int_equal(find("SPCR", &t, &len), -1);
	assert_err("out of reach");

	/* Too short for the fields we read, though well formed. */
	header(SPCR_OFF, "SPCR", 60, 2);
	seal(SPCR_OFF);
	expect_refused("SPCR is 60 bytes, at least 80 needed");
}

static void test_bad_spcr_fields(void **state)
{
	(void)state;
	mem[SPCR_OFF + 36] = 3; /* ARM PL011 */
	seal(SPCR_OFF);
	expect_refused("interface type 0x3 is not a 16550");

	spcr_io(0x2f8);
	mem[SPCR_OFF + 58] = 5; /* reserved code */
	seal(SPCR_OFF);
	expect_refused("baud rate code 5 is unknown");

	spcr_io(0xfffc);
	expect_refused("I/O port 0xfffc");

	spcr_io(0x2f8);
	mem[SPCR_OFF + 41] = 32;
	seal(SPCR_OFF);
	expect_refused("I/O port 0x2f8 (32-bit)");

	spcr_io(0x2f8);
	mem[SPCR_OFF + 40] = 2; /* PCI configuration space */
	seal(SPCR_OFF);
	expect_refused("address space 2 is not supported");

	spcr_io(0x2f8);
	mem[SPCR_OFF + 40] = 0;
	mem[SPCR_OFF + 41] = 16;
	mem[SPCR_OFF + 43] = 2;
	seal(SPCR_OFF);
	expect_refused("width 16 bits, access size 2");

	spcr_io(0x2f8);
	mem[SPCR_OFF + 40] = 0;
	mem[SPCR_OFF + 41] = 32;
	mem[SPCR_OFF + 43] = 3;
	put64(mem + SPCR_OFF + 44, 0xfedc9002);
	seal(SPCR_OFF);
	expect_refused("MMIO address 0xfedc9002 is not usable");

	put64(mem + SPCR_OFF + 44, 1ULL << 52);
	seal(SPCR_OFF);
	expect_refused("is not usable");

	/* A precise rate above 115200 with no clock to divide. */
	spcr_io(0x2f8);
	header(SPCR_OFF, "SPCR", 88, 4);
	put32(mem + SPCR_OFF + 80, 921600);
	seal(SPCR_OFF);
	expect_refused("baud rate 921600 needs a UART clock");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_io_port_through_xsdt),
		T(test_through_rsdt),
		T(test_mmio32_rev4),
		T(test_mmio8_rev1_keeps_rate),
		T(test_no_console),
		T(test_absent),
		T(test_unreachable_entries_skipped),
		T(test_bad_sdt),
		T(test_bad_spcr_table),
		T(test_bad_spcr_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
