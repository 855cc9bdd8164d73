// SPDX-License-Identifier: MIT
/*
 * The ACPI table walk (core/host/acpi_find.c) and the SPCR decoder
 * (core/host/spcr.c) on arbitrary firmware tables. The RSDP and the
 * "physical memory" the tables live in are each copied into a heap
 * buffer of exactly their size, so AddressSanitizer reports any read past
 * either; map() refuses whatever lies outside the memory, as the kernel's
 * does above its boot map.
 *
 * The walk is compared with a reference written here from ACPI 6.5
 * sections 5.2.5 to 5.2.8 and mhv's documented policy (the first listed
 * table with the signature decides; unreadable entries are skipped; a
 * refused table says why): same answer, same table. A UART spcr_parse()
 * accepts must be one mhv can drive, with every field as the table has
 * it, so that a port, address or rate only ever comes from a table whose
 * length and checksum the walk checked.
 *
 * Input: flags (u8), RSDP length (u8), the RSDP, then the memory (the rest,
 * at physical address MEM_PA). Flag bit 0 seals first: the checksum bytes
 * of the RSDT/XSDT and of every table it lists that lies in memory are
 * set so that each sums to 0, which lets the fuzzer past the checksums to
 * the fields. Bits 2:1 pick the signature looked for.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/host/acpi_find.h"
#include "core/host/spcr.h"
#include "tests/fuzz/check.h"
#include "tests/fuzz/input.h"

/* Not 0, so that an entry of 0 ("no table") never lands in memory. */
#define MEM_PA 0x1000ULL
#define HDR 36u
/* acpi_find.c's bound on an RSDT/XSDT, against hostile lengths. */
#define SDT_MAX_LEN (HDR + 8 * 4096)

static const char *const sigs[] = {"SPCR", "FACP", "APIC", "RSDT"};

static uint8_t *mem;
static size_t mem_len;
static unsigned long maps;

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* Offset of [pa, pa + len) in memory, or -1 when it is not all there. */
static long long at(uint64_t pa, uint64_t len)
{
	if (pa < MEM_PA || pa - MEM_PA > mem_len ||
	    len > mem_len - (pa - MEM_PA))
		return -1;
	return (long long)(pa - MEM_PA);
}

static const void *map(void *ctx, uint64_t pa, uint64_t len)
{
	long long off = at(pa, len);

	CHECK(ctx == &mem, "map() called with another context");
	maps++;
	return off < 0 ? NULL : mem + off;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += p[i];
	return s;
}

/* The table at pa sums to 0 afterwards, if all of it is in memory. */
static void seal_at(uint64_t pa)
{
	long long off = at(pa, HDR);
	uint32_t len;

	if (off < 0)
		return;
	len = get32(mem + off + 4);
	/* Short ones too: they must be refused for their length alone. */
	if (len < 10 || at(pa, len) < 0)
		return;
	mem[off + 9] = 0;
	mem[off + 9] = (uint8_t)-sum(mem + off, len);
}

/* Where the RSDP says the RSDT or XSDT is; 0 when it lists none. */
static uint64_t sdt_pa(const uint8_t *rsdp, size_t rsdp_len, bool *wide)
{
	*wide = rsdp_len >= 36 && rsdp[15] >= 2 && get64(rsdp + 24);
	return *wide ? get64(rsdp + 24) : get32(rsdp + 16);
}

static void seal(const uint8_t *rsdp, size_t rsdp_len)
{
	uint64_t pa;
	long long off;
	uint32_t len, esz;
	bool wide;

	if (rsdp_len < 20)
		return;
	pa = sdt_pa(rsdp, rsdp_len, &wide);
	off = at(pa, HDR);
	if (!pa || off < 0)
		return;
	len = get32(mem + off + 4);
	if (len < 10 || at(pa, len) < 0)
		return;
	/* The entries first: sealing one may change the list itself. */
	esz = wide ? 8 : 4;
	for (uint32_t i = HDR; i + esz <= len; i += esz)
		seal_at(wide ? get64(mem + off + i) : get32(mem + off + i));
	seal_at(pa);
}

/* A whole table at pa: -1 unless its length and checksum are good. */
static int ref_table(uint64_t pa, uint32_t max_len, long long *off,
		     uint32_t *len)
{
	*off = at(pa, HDR);
	if (*off < 0)
		return -1;
	*len = get32(mem + *off + 4);
	if (*len < HDR || *len > max_len || at(pa, *len) < 0 ||
	    sum(mem + *off, *len))
		return -1;
	return 0;
}

/* The reference walk: 1 with the table's offset and length, 0, or -1. */
static int ref_find(const uint8_t *rsdp, size_t rsdp_len, const char *sig,
		    long long *t_off, uint32_t *t_len)
{
	long long off;
	uint32_t len, esz;
	uint64_t pa;
	bool wide;

	if (!rsdp || rsdp_len < 20)
		return -1;
	pa = sdt_pa(rsdp, rsdp_len, &wide);
	if (!pa || ref_table(pa, SDT_MAX_LEN, &off, &len))
		return -1;
	if (memcmp(mem + off, wide ? "XSDT" : "RSDT", 4))
		return -1;
	esz = wide ? 8 : 4;
	for (uint32_t i = HDR; i + esz <= len; i += esz) {
		uint64_t e = wide ? get64(mem + off + i) : get32(mem + off + i);
		long long h = e ? at(e, HDR) : -1;

		if (h < 0 || memcmp(mem + h, sig, 4))
			continue;
		return ref_table(e, UINT32_MAX, t_off, t_len) ? -1 : 1;
	}
	return 0;
}

/* What spcr_parse() returned 0 for is a UART mhv can drive, as listed. */
static void check_uart(const uint8_t *t, uint32_t len,
		       const struct uart_desc *d)
{
	uint8_t rev = t[8], type = t[36], code = t[58];
	uint32_t precise = rev >= 4 && len >= 84 ? get32(t + 80) : 0;
	uint32_t clock = rev >= 3 ? get32(t + 76) : 0;
	static const uint32_t by_code[8] = {
		[3] = 9600, [4] = 19200, [6] = 57600, [7] = 115200};

	CHECK(len >= 80, "a %u-byte SPCR accepted", len);
	CHECK(type == 0 || type == 1 || type == 0x12,
	      "interface type %#x accepted", type);
	CHECK(d->base && d->base == get64(t + 44),
	      "base %#llx, the table says %#llx", (unsigned long long)d->base,
	      (unsigned long long)get64(t + 44));
	CHECK(code == 0 || (code < 8 && by_code[code]),
	      "baud rate code %u accepted", code);
	CHECK(d->baud == (precise ? precise : by_code[code]),
	      "baud %u from code %u, precise %u", d->baud, code, precise);
	CHECK(d->clock == clock, "clock %u, the table says %u", d->clock,
	      clock);
	CHECK(d->baud <= UART_DEFAULT_BAUD || d->clock,
	      "%u baud without a clock", d->baud);
	if (d->space == UART_PIO) {
		CHECK(t[40] == 1 && t[41] == 8 && d->base <= 0xfff8 &&
			      d->access == 1 && d->reg_shift == 0,
		      "port %#llx (GAS %u, %u bits), access %u, shift %u",
		      (unsigned long long)d->base, t[40], t[41], d->access,
		      d->reg_shift);
		return;
	}
	CHECK(d->space == UART_MMIO && t[40] == 0, "space %d from GAS %u",
	      d->space, t[40]);
	CHECK((d->access == 1 && d->reg_shift == 0 && t[41] == 8 &&
	       (t[43] == 0 || t[43] == 1)) ||
		      (d->access == 4 && d->reg_shift == 2 && t[41] == 32 &&
		       (t[43] == 0 || t[43] == 3)),
	      "access %u, shift %u from width %u, access size %u", d->access,
	      d->reg_shift, t[41], t[43]);
	CHECK(d->base % d->access == 0 && d->base < (1ULL << 52) - 64,
	      "MMIO UART at %#llx", (unsigned long long)d->base);
}

static void check_spcr(const uint8_t *t, uint32_t len)
{
	static const struct uart_desc untouched = {.base = 0x5a5a, .baud = 7};
	struct uart_desc d = untouched;
	char err[120];
	int rc;

	rc = spcr_parse(t, len, &d, err, sizeof(err));
	CHECK(memchr(err, '\0', sizeof(err)), "unterminated message");
	CHECK(rc >= -1 && rc <= 1, "spcr_parse returned %d", rc);
	if (rc == 0) {
		CHECK(!err[0], "accepted with a message: %s", err);
		check_uart(t, len, &d);
		return;
	}
	CHECK(!memcmp(&d, &untouched, sizeof(d)),
	      "a refused SPCR changed the UART");
	if (rc == 1)
		CHECK(len >= 80 && !get64(t + 44) && !err[0],
		      "no console, but a base of %#llx or a message '%s'",
		      (unsigned long long)get64(t + 44), err);
	else
		CHECK(err[0], "SPCR refused without a reason");
}

/* A copy of n bytes in a buffer of exactly that size (never NULL). */
static uint8_t *exact_copy(struct fuzz_in *in, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	CHECK(p, "out of memory");
	for (size_t i = 0; i < n; i++)
		p[i] = in_u8(in);
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	const struct acpi_mem m = {map, &mem};
	uint8_t flags = in_u8(&in), *rsdp;
	size_t rsdp_len = in_u8(&in);
	const char *sig = sigs[(flags >> 1) & 3];
	const uint8_t *t = NULL;
	uint32_t len = 0, want_len = 0;
	long long want_off = -1;
	char err[120];
	int rc, want;

	rsdp = exact_copy(&in, rsdp_len);
	mem_len = in.n;
	mem = exact_copy(&in, mem_len);
	if (flags & 1)
		seal(rsdp, rsdp_len);

	maps = 0;
	rc = acpi_find_table(&m, rsdp, rsdp_len, sig, &t, &len, err,
			     sizeof(err));
	want = ref_find(rsdp, rsdp_len, sig, &want_off, &want_len);
	CHECK(memchr(err, '\0', sizeof(err)), "unterminated message");
	CHECK(rc == want, "acpi_find_table returned %d, the reference %d (%s)",
	      rc, want, err);
	CHECK(rc == -1 ? err[0] != '\0' : !err[0],
	      "returned %d with the message '%s'", rc, err);
	/* One header per entry at most, two mappings per table. */
	CHECK(maps <= 2 + mem_len / 4 + 2, "%lu mappings for %zu bytes", maps,
	      mem_len);
	if (rc == 1) {
		CHECK(t == mem + want_off && len == want_len,
		      "table at offset %td (%u bytes), the reference has "
		      "%lld (%u)",
		      t - mem, len, want_off, want_len);
		CHECK(!memcmp(t, sig, 4) && len >= HDR && !sum(t, len),
		      "the table found is not a whole %s", sig);
		if (!strcmp(sig, "SPCR"))
			check_spcr(t, len);
	}
	/* The decoder alone, on the memory as if it were the table. */
	check_spcr(mem, (uint32_t)mem_len);

	free(mem);
	free(rsdp);
	return 0;
}
