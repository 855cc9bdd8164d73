// SPDX-License-Identifier: MIT
/*
 * The multiboot2 parser (boot/mb2.c) on arbitrary information blocks. The
 * input is the block itself, at a fixed 8-aligned physical address, with
 * the input's length as the limit: libFuzzer's buffer has exactly that
 * size, so AddressSanitizer reports any read past it. What is checked is
 * what the rest of mhv relies on after a successful parse.
 *
 * An accepted block then goes to memory_init() (core/host/memory.c), as in
 * kmain: the frame allocator built from its map must hold only usable
 * memory, never the first MiB, the image, the block or a module, in
 * sorted, disjoint extents; the identity map whose root it loads into CR3
 * must cover the low 4 GiB and every usable, ACPI and NVS entry, each
 * address mapped to itself. memory_init() writes its page tables through
 * the identity map, which a hosted program does not have: pagetable.c's
 * calls to pmm_alloc() are wrapped (the linker's --wrap) to take each frame
 * from the allocator as mhv would, check it, and hand out a page of a
 * pool in its place; the tables hold pool addresses, which pt_lookup()
 * follows the same way. With the pool (24 pages) used up, memory_init()
 * fails as it would out of memory: maps above some 20 GiB end there, as
 * building larger ones took most of the run's time.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "boot/bootinfo.h"
#include "boot/mb2.h"
#include "core/host/memory.h"
#include "core/x86.h"
#include "lib/compiler.h"
#include "tests/fuzz/check.h"
#include "tests/fuzz/fake_cr3.h"

#define INFO_PA 0x10000ULL
/* Also __image_start and __image_end, set at link time (fuzz.mk). */
#define KERNEL_START 0x100000ULL
#define KERNEL_END 0x180000ULL
#define PHYS_LIMIT (1ULL << 52)
#define POOL_PAGES 24

static const uint8_t *blk;
static size_t blk_len;

static bool in_block(const void *p, size_t n)
{
	const uint8_t *b = p;

	return b >= blk && n <= blk_len && (size_t)(b - blk) <= blk_len - n;
}

/* A string the parser kept must end inside the block. */
static void check_string(const char *s, const char *what)
{
	size_t room;

	CHECK(in_block(s, 1), "%s points outside the block", what);
	room = blk_len - (size_t)((const uint8_t *)s - blk);
	CHECK(memchr(s, '\0', room), "%s has no NUL inside the block", what);
}

static bool overlaps(uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2)
{
	return s1 < e2 && s2 < e1;
}

static void check_mmap(const struct boot_info *bi)
{
	CHECK(bi->mmap_count <= BOOT_MAX_MMAP, "%u mmap entries",
	      bi->mmap_count);
	for (unsigned int i = 0; i < bi->mmap_count; i++) {
		const struct mem_range *r = &bi->mmap[i];
		uint32_t t = r->type;

		CHECK(r->len <= UINT64_MAX - r->base,
		      "mmap entry %u wraps past 2^64", i);
		if (t == MEM_USABLE || t == MEM_ACPI_RECLAIMABLE ||
		    t == MEM_NVS)
			CHECK(r->base + r->len <= PHYS_LIMIT,
			      "mmap entry %u (type %u) ends at %#llx, beyond "
			      "2^52",
			      i, t, (unsigned long long)(r->base + r->len));
	}
}

static void check_modules(const struct boot_info *bi)
{
	CHECK(bi->module_count <= BOOT_MAX_MODULES, "%u modules",
	      bi->module_count);
	for (unsigned int i = 0; i < bi->module_count; i++) {
		const struct boot_module *m = &bi->modules[i];

		CHECK(m->start < m->end, "module %u is empty", i);
		CHECK(m->end <= UINT32_MAX, "module %u beyond 4 GiB", i);
		CHECK(!overlaps(m->start, m->end, KERNEL_START, KERNEL_END),
		      "module %u overlaps the hypervisor", i);
		CHECK(!overlaps(m->start, m->end, bi->info_start, bi->info_end),
		      "module %u overlaps the information block", i);
		for (unsigned int j = 0; j < i; j++)
			CHECK(!overlaps(m->start, m->end, bi->modules[j].start,
					bi->modules[j].end),
			      "modules %u and %u overlap", j, i);
		CHECK(m->cmdline, "module %u has a NULL string", i);
		if (m->cmdline[0])
			check_string(m->cmdline, "a module string");
	}
}

static void check_rsdp(const struct boot_info *bi)
{
	const uint8_t *r = bi->rsdp;
	uint8_t sum = 0;

	if (!r) {
		CHECK(bi->rsdp_len == 0, "RSDP length without an RSDP");
		return;
	}
	CHECK(in_block(r, bi->rsdp_len), "the RSDP runs outside the block");
	CHECK(!memcmp(r, "RSD PTR ", 8), "RSDP without its signature");
	if (bi->rsdp_revision == 0)
		CHECK(bi->rsdp_len == 20, "ACPI 1.0 RSDP of %zu bytes",
		      bi->rsdp_len);
	else
		CHECK(bi->rsdp_revision == 2 && bi->rsdp_len >= 36,
		      "RSDP revision %u, %zu bytes", bi->rsdp_revision,
		      bi->rsdp_len);
	for (size_t i = 0; i < bi->rsdp_len; i++)
		sum += r[i];
	CHECK(sum == 0, "RSDP checksum %#x", sum);
}

/* A framebuffer mhv draws on lies wholly below 2^52 and holds its lines. */
static void check_fb(const struct boot_fb *fb)
{
	unsigned int cell = (fb->bpp + 7) / 8;

	if (fb->type == BOOT_FB_NONE)
		return;
	if (fb->type == BOOT_FB_UNUSABLE) {
		CHECK(fb->problem && fb->problem[0],
		      "unusable without a reason");
		return;
	}
	CHECK(fb->type == BOOT_FB_RGB || fb->type == BOOT_FB_EGA_TEXT,
	      "framebuffer type %d", fb->type);
	CHECK(fb->width && fb->height && fb->width <= 16384 &&
		      fb->height <= 16384 &&
		      (uint64_t)fb->width * cell <= fb->pitch,
	      "framebuffer %ux%u, pitch %u, %u bpp", fb->width, fb->height,
	      fb->pitch, fb->bpp);
	CHECK(fb->addr && fb->addr < PHYS_LIMIT &&
		      (uint64_t)fb->pitch * fb->height <= PHYS_LIMIT - fb->addr,
	      "framebuffer at %#llx runs past 2^52",
	      (unsigned long long)fb->addr);
	if (fb->type == BOOT_FB_EGA_TEXT) {
		CHECK(fb->bpp == 16, "EGA text with %u bpp", fb->bpp);
		return;
	}
	CHECK(fb->bpp == 15 || fb->bpp == 16 || fb->bpp == 24 || fb->bpp == 32,
	      "%u bits per pixel", fb->bpp);
	CHECK(fb->red_size && fb->red_size <= 8 &&
		      fb->red_pos + fb->red_size <= fb->bpp && fb->green_size &&
		      fb->green_size <= 8 &&
		      fb->green_pos + fb->green_size <= fb->bpp &&
		      fb->blue_size && fb->blue_size <= 8 &&
		      fb->blue_pos + fb->blue_size <= fb->bpp,
	      "a colour field outside the pixel");
}

static void check_accepted(const struct boot_info *bi)
{
	uint32_t total;

	memcpy(&total, blk, 4);
	CHECK(total >= 16 && total <= blk_len, "total_size %u accepted", total);
	CHECK(bi->info_start == INFO_PA && bi->info_end == INFO_PA + total,
	      "block extent [%#llx-%#llx)", (unsigned long long)bi->info_start,
	      (unsigned long long)bi->info_end);
	CHECK(bi->cmdline, "NULL command line after a successful parse");
	if (bi->cmdline[0])
		check_string(bi->cmdline, "the command line");
	if (bi->loader_name)
		check_string(bi->loader_name, "the loader name");
	check_mmap(bi);
	check_modules(bi);
	check_rsdp(bi);
	check_fb(&bi->fb);
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* --- memory_init() on the parsed map ---------------------------------- */

static uint8_t pool[POOL_PAGES][PAGE_SIZE] __aligned(PAGE_SIZE);
static uint64_t frames[POOL_PAGES]; /* the frame each pool page stands for */
static unsigned int pool_used;
static bool alloc_failed;
static const struct boot_info *cur;

static bool is_ram(uint32_t type)
{
	return type == MEM_USABLE || type == MEM_ACPI_RECLAIMABLE ||
	       type == MEM_NVS;
}

/*
 * The usable entries of the map, sorted and merged where they overlap or
 * touch: what the allocator may hold. Built once per map, since the
 * checks ask for every extent and every frame.
 */
static struct {
	uint64_t base, end;
} usable[BOOT_MAX_MMAP];
static unsigned int usable_count;

static void collect_usable(const struct boot_info *bi)
{
	usable_count = 0;
	for (unsigned int i = 0; i < bi->mmap_count; i++) {
		const struct mem_range *r = &bi->mmap[i];
		unsigned int j = usable_count++;

		if (r->type != MEM_USABLE || !r->len) {
			usable_count--;
			continue;
		}
		for (; j && usable[j - 1].base > r->base; j--)
			usable[j] = usable[j - 1];
		usable[j].base = r->base;
		usable[j].end = r->base + r->len;
	}
	for (unsigned int i = 1, k = 0; i <= usable_count; i++) {
		if (i < usable_count && usable[i].base <= usable[k].end) {
			usable[k].end = MAX(usable[k].end, usable[i].end);
			continue;
		}
		if (i == usable_count)
			usable_count = k + 1;
		else
			usable[++k] = usable[i];
	}
}

/* [b, e) lies wholly in usable memory. */
static bool in_usable(uint64_t b, uint64_t e)
{
	for (unsigned int i = 0; i < usable_count; i++)
		if (usable[i].base <= b && b < usable[i].end)
			return e <= usable[i].end;
	return false;
}

/* [b, e) meets what memory_init() must keep from the allocator. */
static bool meets_reserved(uint64_t b, uint64_t e)
{
	if (overlaps(b, e, 0, MiB(1)) ||
	    overlaps(b, e, KERNEL_START, KERNEL_END) ||
	    overlaps(b, e, cur->info_start, cur->info_end))
		return true;
	for (unsigned int i = 0; i < cur->module_count; i++)
		if (overlaps(b, e, cur->modules[i].start, cur->modules[i].end))
			return true;
	return false;
}

uint64_t __real_pmm_alloc(struct pmm *p, uint64_t size, uint64_t align);
uint64_t __wrap_pmm_alloc(struct pmm *p, uint64_t size, uint64_t align);

uint64_t __wrap_pmm_alloc(struct pmm *p, uint64_t size, uint64_t align)
{
	uint64_t pa;

	CHECK(p == &phys_mem && size == PAGE_SIZE && align == PAGE_SIZE,
	      "a page table of %#llx bytes, aligned %#llx, from elsewhere",
	      (unsigned long long)size, (unsigned long long)align);
	pa = pool_used < POOL_PAGES ? __real_pmm_alloc(p, size, align)
				    : PMM_NONE;
	if (pa == PMM_NONE) {
		alloc_failed = true;
		return PMM_NONE;
	}
	CHECK(pa % PAGE_SIZE == 0 && in_usable(pa, pa + PAGE_SIZE) &&
		      !meets_reserved(pa, pa + PAGE_SIZE),
	      "page table frame %#llx is not free usable memory",
	      (unsigned long long)pa);
	for (unsigned int i = 0; i < pool_used; i++)
		CHECK(frames[i] != pa, "frame %#llx handed out twice",
		      (unsigned long long)pa);
	frames[pool_used] = pa;
	return (uint64_t)(uintptr_t)pool[pool_used++];
}

static void check_allocator(void)
{
	uint64_t sum = 0;

	CHECK(phys_mem.count <= PMM_MAX_EXTENTS, "%u extents", phys_mem.count);
	for (unsigned int i = 0; i < phys_mem.count; i++) {
		const struct pmm_extent *e = &phys_mem.ext[i];

		CHECK(e->base % PAGE_SIZE == 0 && e->end % PAGE_SIZE == 0 &&
			      e->base < e->end &&
			      (i == 0 || phys_mem.ext[i - 1].end < e->base),
		      "extent %u [%#llx-%#llx) unaligned, empty, unsorted or "
		      "overlapping",
		      i, (unsigned long long)e->base,
		      (unsigned long long)e->end);
		CHECK(in_usable(e->base, e->end) &&
			      !meets_reserved(e->base, e->end),
		      "free extent [%#llx-%#llx) is not free usable memory",
		      (unsigned long long)e->base, (unsigned long long)e->end);
		sum += e->end - e->base;
	}
	CHECK(sum == phys_mem.free_bytes, "free_bytes %#llx, extents %#llx",
	      (unsigned long long)phys_mem.free_bytes, (unsigned long long)sum);
}

static void check_identity(uint64_t va)
{
	uint64_t pa = ~va, leaf = 0, want = PTE_P | PTE_W | PTE_PS;

	CHECK(!pt_lookup(&host_pt, va, &pa, &leaf) && pa == va &&
		      (leaf & want) == want,
	      "%#llx maps to %#llx (leaf %#llx), not to itself",
	      (unsigned long long)va, (unsigned long long)pa,
	      (unsigned long long)leaf);
}

static void check_memory(const struct boot_info *bi)
{
	unsigned long loads = fake_cr3_writes();
	int rc;

	cur = bi;
	collect_usable(bi);
	pool_used = 0;
	alloc_failed = false;
	rc = memory_init(bi);
	check_allocator();
	if (rc) {
		CHECK(rc == -1, "memory_init returned %d", rc);
		CHECK(!phys_mem.free_bytes || alloc_failed,
		      "memory_init failed with memory free and every frame "
		      "given");
		CHECK(fake_cr3_writes() == loads, "CR3 loaded after a failure");
		return;
	}
	CHECK(fake_cr3_writes() == loads + 1 &&
		      fake_cr3_value() == host_pt.root,
	      "CR3 not loaded with the new root");
	check_identity(0);
	check_identity(GiB(4) - 1);
	for (unsigned int i = 0; i < bi->mmap_count; i++) {
		const struct mem_range *r = &bi->mmap[i];

		if (is_ram(r->type) && r->len) {
			check_identity(r->base);
			check_identity(r->base + r->len - 1);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi, again;
	char err[160];
	int rc;

	fake_cr3_install();
	blk = data;
	blk_len = size;
	rc = mb2_parse(data, INFO_PA, size, KERNEL_START, KERNEL_END, &bi, err,
		       sizeof(err));
	CHECK(memchr(err, '\0', sizeof(err)), "unterminated message");
	if (rc) {
		CHECK(rc == -1, "mb2_parse returned %d", rc);
		CHECK(err[0], "refused without a reason");
		CHECK(all_zero(&bi, sizeof(bi)),
		      "a refused block left data behind (%s)", err);
	} else {
		CHECK(!err[0], "accepted with a message: %s", err);
		check_accepted(&bi);
	}

	/* The same block must give the same answer: no hidden state. */
	CHECK(mb2_parse(data, INFO_PA, size, KERNEL_START, KERNEL_END, &again,
			NULL, 0) == rc,
	      "a second parse disagrees");
	CHECK(!memcmp(&bi, &again, sizeof(bi)), "a second parse differs");
	if (!rc)
		check_memory(&bi);
	return 0;
}
