// SPDX-License-Identifier: MIT
#include "guest.h"

/*
 * The ACPI tables a kvm-unit-tests guest finds by scanning the BIOS area
 * for the RSDP, and the PM timer the FADT points at.
 */
#define PM_TIMER_HZ 3579545
#define PM_TIMER_MASK 0xffffff

static uint8_t checksum(const void *p, uint32_t len)
{
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum += ((const uint8_t *)p)[i];
	return sum;
}

static uint32_t get32(const uint8_t *p, unsigned int off)
{
	uint32_t v;

	memcpy(&v, p + off, 4);
	return v;
}

static const uint8_t *find_rsdp(void)
{
	for (uint64_t a = 0xe0000; a < 0x100000; a += 16)
		if (memcmp((const void *)a, "RSD PTR ", 8) == 0)
			return (const uint8_t *)a;
	return NULL;
}

/* A table at addr with signature sig and a valid checksum over its length. */
static bool table_ok(uint64_t addr, const char *sig)
{
	const uint8_t *t = (const uint8_t *)addr;
	uint32_t len;

	if (!addr || addr >= 1ull << 32 || memcmp(t, sig, 4) != 0)
		return false;
	len = get32(t, 4);
	return len >= 36 && checksum(t, len) == 0;
}

static uint32_t pm_read(uint16_t port)
{
	return inl(port) & PM_TIMER_MASK;
}

static void test_pm_timer(uint16_t port)
{
	uint32_t a, b, start, now = 0, backwards = 0;
	uint64_t tsc0, tsc1;
	long i;

	a = pm_read(port);
	for (volatile int n = 0; n < 100000; n++)
		;
	b = pm_read(port);
	report(a != b, "PM timer advances (%#x -> %#x)", a, b);

	for (i = 0; i < 100; i++) {
		b = pm_read(port);
		if (((b - a) & PM_TIMER_MASK) > PM_TIMER_MASK / 2)
			backwards++;
		a = b;
	}
	report(!backwards, "PM timer never goes backwards (%u times in 100)",
	       backwards);

	start = pm_read(port);
	tsc0 = __builtin_ia32_rdtsc();
	for (i = 0; i < 10000000; i++) {
		now = pm_read(port);
		if (((now - start) & PM_TIMER_MASK) >= PM_TIMER_HZ / 100)
			break;
	}
	tsc1 = __builtin_ia32_rdtsc();
	report(i < 10000000, "PM timer reached 10 ms (%u ticks) in %ld reads",
	       (now - start) & PM_TIMER_MASK, i);
	report(tsc1 > tsc0, "TSC advances over 10 ms of PM timer");
	report_info("TSC delta over 10 ms: %lu (about %lu MHz)", tsc1 - tsc0,
		    (tsc1 - tsc0) / 10000);
}

int main(int argc, char **argv)
{
	const uint8_t *rsdp = find_rsdp(), *rsdt, *fadt = NULL;
	uint32_t pm_blk;

	report(rsdp, "RSDP found in 0xe0000-0xfffff at %#lx", (uint64_t)rsdp);
	if (!rsdp)
		return report_summary();
	report(checksum(rsdp, 20) == 0, "RSDP checksum (20 bytes)");
	report_info("RSDP revision %u, RSDT %#x", rsdp[15], get32(rsdp, 16));
	if (rsdp[15] >= 2) {
		uint64_t xsdt;

		memcpy(&xsdt, rsdp + 24, 8);
		report(get32(rsdp, 20) >= 36 && checksum(rsdp, 36) == 0,
		       "RSDP extended checksum (36 bytes)");
		report(table_ok(xsdt, "XSDT"), "XSDT at %#lx: checksum", xsdt);
	}

	if (!table_ok(get32(rsdp, 16), "RSDT")) {
		report(false, "RSDT: signature, checksum");
		return report_summary();
	}
	report(true, "RSDT: signature, checksum");
	rsdt = (const uint8_t *)(uint64_t)get32(rsdp, 16);
	for (uint32_t off = 36; off + 4 <= get32(rsdt, 4); off += 4) {
		const uint8_t *t = (const uint8_t *)(uint64_t)get32(rsdt, off);

		if (memcmp(t, "FACP", 4) == 0)
			fadt = t;
	}
	report(fadt && table_ok((uint64_t)fadt, "FACP"),
	       "RSDT lists a FACP (FADT) at %#lx with valid checksum",
	       (uint64_t)fadt);
	if (!fadt)
		return report_summary();
	report(table_ok(get32(fadt, 40), "DSDT"),
	       "FADT's DSDT at %#x: checksum", get32(fadt, 40));

	pm_blk = get32(fadt, 76);
	report(pm_blk && fadt[91] == 4, "FADT PM_TMR_BLK %#x, PM_TMR_LEN %u",
	       pm_blk, fadt[91]);
	if (pm_blk && pm_blk < 0x10000)
		test_pm_timer(pm_blk);
	return report_summary();
}
