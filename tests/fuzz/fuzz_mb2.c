// SPDX-License-Identifier: MIT
/*
 * The multiboot2 parser (boot/mb2.c) on arbitrary information blocks. The
 * input is the block itself, at a fixed 8-aligned physical address, with
 * the input's length as the limit: libFuzzer's buffer has exactly that
 * size, so AddressSanitizer reports any read past it. What is checked is
 * what the rest of mhv relies on after a successful parse.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "boot/bootinfo.h"
#include "boot/mb2.h"
#include "tests/fuzz/check.h"

#define INFO_PA 0x10000ULL
#define KERNEL_START 0x100000ULL
#define KERNEL_END 0x180000ULL
#define PHYS_LIMIT (1ULL << 52)

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi, again;
	char err[160];
	int rc;

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
	return 0;
}
