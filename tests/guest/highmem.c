// SPDX-License-Identifier: MIT
/*
 * Guest RAM at scale (issue #14). The size comes from fw_cfg's RAM_SIZE;
 * the layout is then the one QEMU's pc machine gives -m SIZE: below
 * 3.5 GiB all of it at 0, else 3 GiB at 0 and the rest at 4 GiB. Checks:
 * mem_lower/mem_upper and the multiboot v1 memory map against that layout
 * (entry by entry when the loader is mhv; other loaders, such as QEMU's
 * -kernel, reserve other ranges, so there only that no RAM lies outside the
 * layout; the BIOS's mem_lower/mem_upper too), the RAM the map lists
 * readable every 2 MiB (or every SIZE, with the argument stride=SIZE), RAM
 * never written reading as zero, and pages written across both regions
 * reading back what was written there and nowhere else.
 */
#include "guest.h"

#define KIB 1024ull
#define MIB (1024ull * KIB)
#define GIB (1024ull * MIB)
#define PAGE 4096ull

/* QEMU's pc machine (hw/i386/pc_piix.c): where the PCI hole starts. */
#define SPLIT_ABOVE 0xe0000000ull
#define LOW_WHEN_SPLIT 0xc0000000ull
#define HIGH_BASE (4 * GIB)

/* Multiboot v1 info (multiboot specification 0.6.96, 3.3). */
#define MBI_FLAG_MEM (1u << 0)
#define MBI_FLAG_CMDLINE (1u << 2)
#define MBI_FLAG_MODS (1u << 3)
#define MBI_FLAG_MMAP (1u << 6)
#define MBI_FLAG_LOADER_NAME (1u << 9)
#define MMAP_RAM 1
#define MMAP_RESERVED 2
#define MMAP_ENTRY_SIZE 20

struct mbi {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};

struct mbi_mod {
	uint32_t start, end, string, reserved;
};

struct range {
	uint64_t base, len;
	uint32_t type;
};

#define MAX_ENTRIES 32
#define MAX_USED 16
#define MAX_PAGES 8
#define RANDOM_SAMPLES 32

extern const char __image_start[], __bss_end[];

static struct range map[MAX_ENTRIES];
static unsigned int map_count;
static struct range used[MAX_USED];
static unsigned int used_count;

static uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint64_t read64(uint64_t addr)
{
	return *(volatile uint64_t *)addr;
}

static void write64(uint64_t addr, uint64_t v)
{
	*(volatile uint64_t *)addr = v;
}

/* What the guest image and the boot loader put in RAM: not zero. */
static void add_used(uint64_t base, uint64_t len)
{
	if (!len || used_count == MAX_USED)
		return;
	used[used_count].base = align_down(base, PAGE);
	used[used_count].len =
		align_up(base + len, PAGE) - used[used_count].base;
	used_count++;
}

static bool is_used(uint64_t addr, uint64_t len)
{
	if (addr < MIB) /* firmware, the boot area, the ACPI tables */
		return true;
	for (unsigned int i = 0; i < used_count; i++)
		if (addr < used[i].base + used[i].len &&
		    used[i].base < addr + len)
			return true;
	return false;
}

static void collect_used(const struct mbi *mbi)
{
	add_used((uint64_t)__image_start,
		 (uint64_t)__bss_end - (uint64_t)__image_start);
	add_used((uint64_t)mbi, sizeof(*mbi));
	if (mbi->flags & MBI_FLAG_CMDLINE && mbi->cmdline)
		add_used(mbi->cmdline,
			 strlen((const char *)(uint64_t)mbi->cmdline) + 1);
	if (mbi->flags & MBI_FLAG_LOADER_NAME && mbi->boot_loader_name)
		add_used(mbi->boot_loader_name,
			 strlen((const char *)(uint64_t)mbi->boot_loader_name) +
				 1);
	if (mbi->flags & MBI_FLAG_MMAP)
		add_used(mbi->mmap_addr, mbi->mmap_length);
	if (mbi->flags & MBI_FLAG_MODS && mbi->mods_count) {
		const struct mbi_mod *m =
			(const struct mbi_mod *)(uint64_t)mbi->mods_addr;

		add_used(mbi->mods_addr, mbi->mods_count * sizeof(*m));
		for (uint32_t i = 0; i < mbi->mods_count && i < 4; i++) {
			add_used(m[i].start, m[i].end - m[i].start);
			if (m[i].string)
				add_used(m[i].string,
					 strlen((const char *)(uint64_t)m[i]
							.string) +
						 1);
		}
	}
}

/* Entries are [size][base][length][type], size not counting itself. */
static bool parse_map(const struct mbi *mbi)
{
	uint64_t p = mbi->mmap_addr, end = p + mbi->mmap_length;
	bool sizes_ok = true;

	while (p + 4 <= end && map_count < MAX_ENTRIES) {
		uint32_t size;

		memcpy(&size, (const void *)p, 4);
		if (size != MMAP_ENTRY_SIZE)
			sizes_ok = false;
		if (size < MMAP_ENTRY_SIZE || p + 4 + size > end)
			break;
		memcpy(&map[map_count].base, (const void *)(p + 4), 8);
		memcpy(&map[map_count].len, (const void *)(p + 12), 8);
		memcpy(&map[map_count].type, (const void *)(p + 20), 4);
		map_count++;
		p += 4 + size;
	}
	report(sizes_ok && p == end,
	       "memory map: %u entries of size %u, filling mmap_length %u",
	       map_count, MMAP_ENTRY_SIZE, mbi->mmap_length);
	return map_count > 0;
}

static void print_map(void)
{
	for (unsigned int i = 0; i < map_count; i++)
		report_info("map[%u]: [%#llx, %#llx) type %u", i,
			    (unsigned long long)map[i].base,
			    (unsigned long long)(map[i].base + map[i].len),
			    map[i].type);
}

/* mhv's map, as docs/usage.md promises it. */
static void check_exact_map(uint64_t low_end, uint64_t high)
{
	const struct range want[] = {
		{0, 0x9fc00, MMAP_RAM},
		{0x9fc00, 0x400, MMAP_RESERVED},
		{0xf0000, 0x10000, MMAP_RESERVED},
		{MIB, low_end - MIB, MMAP_RAM},
		{HIGH_BASE, high, MMAP_RAM},
	};
	unsigned int n = high ? 5 : 4;

	report(map_count == n, "map has %u entries (want %u)", map_count, n);
	for (unsigned int i = 0; i < n && i < map_count; i++)
		report(map[i].base == want[i].base &&
			       map[i].len == want[i].len &&
			       map[i].type == want[i].type,
		       "map[%u] = [%#llx, %#llx) type %u (want [%#llx, "
		       "%#llx) type %u)",
		       i, (unsigned long long)map[i].base,
		       (unsigned long long)(map[i].base + map[i].len),
		       map[i].type, (unsigned long long)want[i].base,
		       (unsigned long long)(want[i].base + want[i].len),
		       want[i].type);
}

/* Any loader: RAM only where the layout has RAM, and all of the high part. */
static void check_map_within(uint64_t low_end, uint64_t high)
{
	bool inside = true, high_found = !high;

	for (unsigned int i = 0; i < map_count; i++) {
		uint64_t b = map[i].base, e = b + map[i].len;

		if (map[i].type != MMAP_RAM)
			continue;
		if (!(e <= low_end ||
		      (b >= HIGH_BASE && e <= HIGH_BASE + high)))
			inside = false;
		if (b == HIGH_BASE && e == HIGH_BASE + high)
			high_found = true;
	}
	report(inside, "map: no RAM outside [0, %#llx) and [%#llx, %#llx)",
	       (unsigned long long)low_end, (unsigned long long)HIGH_BASE,
	       (unsigned long long)(HIGH_BASE + high));
	if (high)
		report(high_found, "map: RAM at [%#llx, %#llx)",
		       (unsigned long long)HIGH_BASE,
		       (unsigned long long)(HIGH_BASE + high));
}

/* How far apart the zero samples are: every 2 MiB unless told otherwise. */
static uint64_t stride;

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * The first 8 bytes of every stride of [base, end) (every 2 MiB by
 * default), its last 8 bytes and random words: all readable, and zero
 * where nothing was written. Each sample costs the emulator a host page
 * of up to 2 MiB (QEMU backs guest RAM with transparent huge pages), so a
 * 6 GiB guest sampled every 2 MiB makes QEMU hold 6 GiB.
 */
static void check_region(uint64_t base, uint64_t end)
{
	unsigned long reads = 0, zero_checked = 0, nonzero = 0;
	uint64_t first_bad = 0, first_val = 0;

	for (uint64_t a = base;; a = align_down(a, stride) + stride) {
		uint64_t v;

		if (a >= end)
			a = end - 8; /* the region's last word, once */
		v = read64(a);
		reads++;
		if (!is_used(a, 8)) {
			zero_checked++;
			if (v && !nonzero++) {
				first_bad = a;
				first_val = v;
			}
		}
		if (a == end - 8)
			break;
	}
	for (unsigned int i = 0; i < RANDOM_SAMPLES; i++) {
		uint64_t a = base + align_down(rng() % (end - base), 8), v;

		if (a + 8 > end || is_used(a, 8))
			continue;
		v = read64(a);
		reads++;
		zero_checked++;
		if (v && !nonzero++) {
			first_bad = a;
			first_val = v;
		}
	}
	report(true, "RAM [%#llx, %#llx): %lu words read, %llu MiB apart",
	       (unsigned long long)base, (unsigned long long)end, reads,
	       (unsigned long long)(stride / MIB));
	report(!nonzero,
	       "RAM [%#llx, %#llx): never-written words read zero (%lu of %lu; "
	       "first nonzero: %#llx at %#llx)",
	       (unsigned long long)base, (unsigned long long)end,
	       zero_checked - nonzero, zero_checked,
	       (unsigned long long)first_val, (unsigned long long)first_bad);
}

static uint64_t pattern(uint64_t addr)
{
	return (addr * 0x9e3779b97f4a7c15ull) ^ 0x4d48562d48494748ull;
}

/*
 * Fill each page, then read them all back: a page that aliases another
 * (two guest addresses, one host frame) shows the other's pattern.
 */
static void check_pages(const uint64_t *pages, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		unsigned long nonzero = 0;

		if (!is_used(pages[i], PAGE)) {
			for (uint64_t a = pages[i]; a < pages[i] + PAGE; a += 8)
				nonzero += read64(a) != 0;
			report(!nonzero,
			       "page %#llx reads zero before it is written "
			       "(%lu nonzero words)",
			       (unsigned long long)pages[i], nonzero);
		}
		for (uint64_t a = pages[i]; a < pages[i] + PAGE; a += 8)
			write64(a, pattern(a));
	}
	for (unsigned int i = 0; i < n; i++) {
		unsigned long bad = 0;

		for (uint64_t a = pages[i]; a < pages[i] + PAGE; a += 8)
			bad += read64(a) != pattern(a);
		report(!bad,
		       "page %#llx reads back what was written (%lu "
		       "words differ)",
		       (unsigned long long)pages[i], bad);
	}
}

/* "stride=SIZE" (a multiple of 2 MiB, suffix M or G): the zero-sample step. */
static uint64_t parse_stride(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *p = argv[i];
		uint64_t v = 0;

		if (strncmp(p, "stride=", 7) != 0)
			continue;
		for (p += 7; *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (uint64_t)(*p - '0');
		if (*p == 'M' && !p[1])
			v *= MIB;
		else if (*p == 'G' && !p[1])
			v *= GIB;
		else
			v = 0;
		if (v && v % (2 * MIB) == 0)
			return v;
		report(false,
		       "argument %s: want stride=N[MG], a multiple of "
		       "2 MiB",
		       argv[i]);
	}
	return 2 * MIB;
}

int main(int argc, char **argv)
{
	const struct mbi *mbi = boot_info();
	const char *loader = "";
	uint64_t size, low_end, high, ram_low_end = 0, ram_high_end = 0;
	uint64_t pages[MAX_PAGES];
	unsigned int npages = 0;
	bool have_map;

	stride = parse_stride(argc, argv);
	size = fw_cfg_read_le(FW_CFG_RAM_SIZE, 8);
	report(size >= 2 * MIB && size % (2 * MIB) == 0,
	       "fw_cfg RAM_SIZE = %#llx (%llu MiB)", (unsigned long long)size,
	       (unsigned long long)(size / MIB));
	if (size < 2 * MIB)
		return report_summary();
	if (size < SPLIT_ABOVE) {
		low_end = size;
		high = 0;
	} else {
		low_end = LOW_WHEN_SPLIT;
		high = size - LOW_WHEN_SPLIT;
	}
	report_info("expected layout: RAM [0, %#llx)%s%#llx bytes at %#llx",
		    (unsigned long long)low_end,
		    high ? " and " : ", none: ", (unsigned long long)high,
		    (unsigned long long)HIGH_BASE);
	if (mbi->flags & MBI_FLAG_LOADER_NAME && mbi->boot_loader_name)
		loader = (const char *)(uint64_t)mbi->boot_loader_name;
	report_info("boot loader: \"%s\"", loader);

	report(mbi->flags & MBI_FLAG_MEM, "flags %#x: bit 0 (mem_lower/upper)",
	       mbi->flags);
	report(mbi->flags & MBI_FLAG_MMAP, "flags %#x: bit 6 (memory map)",
	       mbi->flags);
	have_map = mbi->flags & MBI_FLAG_MMAP && parse_map(mbi);
	if (have_map)
		print_map();

	if (strcmp(loader, "mhv") == 0) {
		report(mbi->mem_lower == 640, "mem_lower = %u KiB (want 640)",
		       mbi->mem_lower);
		report(mbi->mem_upper == (low_end - MIB) / KIB,
		       "mem_upper = %u KiB (want %llu)", mbi->mem_upper,
		       (unsigned long long)((low_end - MIB) / KIB));
		if (have_map)
			check_exact_map(low_end, high);
	} else {
		/*
		 * QEMU's -kernel takes both from the BIOS (639 KiB; the
		 * E820 RAM from 1 MiB, which ends below its ACPI tables).
		 */
		report_info("loader is not mhv: mem_upper and the map's "
			    "reserved ranges are its firmware's; RAM checked "
			    "against the layout only");
		report(mbi->mem_lower <= 640, "mem_lower = %u KiB (<= 640)",
		       mbi->mem_lower);
		report((uint64_t)mbi->mem_upper * KIB + MIB <= low_end,
		       "mem_upper = %u KiB ends within [0, %#llx)",
		       mbi->mem_upper, (unsigned long long)low_end);
	}
	if (have_map)
		check_map_within(low_end, high);

	collect_used(mbi);
	if (!map_identity(HIGH_BASE, HIGH_BASE + high)) {
		report(false, "map [%#llx, %#llx) in the guest's page tables",
		       (unsigned long long)HIGH_BASE,
		       (unsigned long long)(HIGH_BASE + high));
		return report_summary();
	}

	/*
	 * The RAM the map lists (the layout's, without one), at or above
	 * 1 MiB: below it the firmware's and loader's data are not zero.
	 */
	if (have_map) {
		for (unsigned int i = 0; i < map_count; i++) {
			uint64_t b = map[i].base, e = b + map[i].len;

			if (map[i].type != MMAP_RAM || e <= MIB)
				continue;
			if (b < MIB)
				b = MIB;
			check_region(b, e);
			if (e <= HIGH_BASE && e > ram_low_end)
				ram_low_end = e;
			if (b >= HIGH_BASE && e > ram_high_end)
				ram_high_end = e;
		}
	} else {
		check_region(MIB, low_end);
		ram_low_end = low_end;
		if (high) {
			check_region(HIGH_BASE, HIGH_BASE + high);
			ram_high_end = HIGH_BASE + high;
		}
	}

	/* Below the hole, and across the region above 4 GiB. */
	if (ram_low_end > 2 * MIB) {
		pages[npages++] = align_down(ram_low_end / 2, PAGE);
		pages[npages++] = ram_low_end - PAGE;
	}
	if (ram_high_end > HIGH_BASE) {
		uint64_t len = ram_high_end - HIGH_BASE;

		pages[npages++] = HIGH_BASE;
		pages[npages++] = HIGH_BASE + align_down(len / 4, PAGE);
		pages[npages++] = HIGH_BASE + align_down(len / 2, PAGE);
		pages[npages++] = HIGH_BASE + align_down(len / 4 * 3, PAGE);
		pages[npages++] = ram_high_end - PAGE;
	}
	if (high && ram_high_end != HIGH_BASE + high)
		report(false, "RAM above 4 GiB ends at %#llx (want %#llx)",
		       (unsigned long long)ram_high_end,
		       (unsigned long long)(HIGH_BASE + high));
	check_pages(pages, npages);
	return report_summary();
}
