// SPDX-License-Identifier: MIT
/*
 * Nothing one VM writes to its RAM is readable by the next. Run twice, as
 * two VMs in a row with the same mem=: "plant" checks that the places
 * below read zero, fills them with a pattern that names its own address
 * and reads it back; "check", in the next VM, which gets the host memory
 * the first one gave back, expects zero in every one of them and tells
 * planted words (a leak) from other garbage (RAM not cleared).
 *
 * The places: the first 64 bytes of every 4 KiB page of [16 MiB, 48 MiB),
 * and whole pages at 4 KiB, 1 MiB, just below the payload (4 MiB - 4 KiB),
 * 32 MiB and the last page of RAM. All clear of the payload image (from
 * 4 MiB), of mhv's boot area (64 KiB-636 KiB) and ACPI tables (from
 * 0xe0000), which the next VM's loader writes again.
 */
#include "guest.h"

#define KIB 1024ull
#define MIB (1024ull * KIB)
#define PAGE 4096ull
#define SWEEP_START (16 * MIB)
#define SWEEP_END (48 * MIB)
#define SWEEP_BYTES 64
#define PLANT_TAG 0x544e414c50564d48ull /* "HMVPLANT" in memory */

struct place {
	uint64_t addr, len;
};

static uint64_t read64(uint64_t addr)
{
	return *(volatile uint64_t *)addr;
}

static void write64(uint64_t addr, uint64_t v)
{
	*(volatile uint64_t *)addr = v;
}

/* Odd words carry the tag, even ones the address: either way, not zero. */
static uint64_t planted(uint64_t addr)
{
	return addr & 8 ? PLANT_TAG ^ addr : addr | 1;
}

struct tally {
	unsigned long words, nonzero, leaked;
	uint64_t first_addr, first_val;
};

static void scan(uint64_t addr, uint64_t len, struct tally *t)
{
	for (uint64_t a = addr; a < addr + len; a += 8) {
		uint64_t v = read64(a);

		t->words++;
		if (!v)
			continue;
		if (!t->nonzero++) {
			t->first_addr = a;
			t->first_val = v;
		}
		t->leaked += v == planted(a);
	}
}

static void fill(uint64_t addr, uint64_t len)
{
	for (uint64_t a = addr; a < addr + len; a += 8)
		write64(a, planted(a));
}

static unsigned long verify(uint64_t addr, uint64_t len)
{
	unsigned long bad = 0;

	for (uint64_t a = addr; a < addr + len; a += 8)
		bad += read64(a) != planted(a);
	return bad;
}

static void report_zero(const char *what, const struct tally *t)
{
	report(!t->nonzero,
	       "%s: %lu of %lu words zero (%lu hold the planted pattern; "
	       "first nonzero: %#llx at %#llx)",
	       what, t->words - t->nonzero, t->words, t->leaked,
	       (unsigned long long)t->first_val,
	       (unsigned long long)t->first_addr);
}

int main(int argc, char **argv)
{
	uint64_t size = fw_cfg_read_le(FW_CFG_RAM_SIZE, 8);
	uint64_t sweep_end = SWEEP_END, ram_end;
	struct place pages[5];
	unsigned int npages = 0;
	bool plant;
	struct tally t = {0};

	if (argc != 2 ||
	    (strcmp(argv[1], "plant") != 0 && strcmp(argv[1], "check") != 0)) {
		report(false, "usage: ram_plant plant|check");
		return report_summary();
	}
	plant = strcmp(argv[1], "plant") == 0;
	/* Without fw_cfg: the RAM from 1 MiB up that mem_upper counts. */
	if (!size)
		size = (uint64_t)boot_mem_upper() * KIB + MIB;
	/* Below 3.5 GiB all RAM is at 0 (QEMU's pc layout, docs/usage.md). */
	ram_end = size < 0xe0000000ull ? size : 0xc0000000ull;
	report_info("RAM below 4 GiB ends at %#llx",
		    (unsigned long long)ram_end);
	if (ram_end < sweep_end + PAGE) {
		report_skip("mem= below %llu MiB: use 64M or more",
			    (unsigned long long)((sweep_end + PAGE) / MIB));
		return report_summary();
	}

	pages[npages++] = (struct place){4 * KIB, PAGE};
	pages[npages++] = (struct place){MIB, PAGE};
	pages[npages++] = (struct place){4 * MIB - PAGE, PAGE};
	pages[npages++] = (struct place){32 * MIB + 8 * KIB, PAGE};
	pages[npages++] = (struct place){ram_end - PAGE, PAGE};

	for (unsigned int i = 0; i < npages; i++)
		scan(pages[i].addr, pages[i].len, &t);
	for (uint64_t a = SWEEP_START; a < sweep_end; a += PAGE)
		scan(a, SWEEP_BYTES, &t);
	report_zero(plant ? "before planting" : "after the planting VM", &t);
	if (!plant)
		return report_summary();

	for (unsigned int i = 0; i < npages; i++)
		fill(pages[i].addr, pages[i].len);
	for (uint64_t a = SWEEP_START; a < sweep_end; a += PAGE)
		fill(a, SWEEP_BYTES);
	for (unsigned int i = 0; i < npages; i++)
		report(!verify(pages[i].addr, pages[i].len),
		       "planted page %#llx", (unsigned long long)pages[i].addr);
	unsigned long bad = 0;
	for (uint64_t a = SWEEP_START; a < sweep_end; a += PAGE)
		bad += verify(a, SWEEP_BYTES);
	report(!bad,
	       "planted %u bytes in each page of [%#llx, %#llx) (%lu "
	       "words differ)",
	       (unsigned int)SWEEP_BYTES, (unsigned long long)SWEEP_START,
	       (unsigned long long)sweep_end, bad);
	return report_summary();
}
