/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 information block parser.
 *
 * The block comes from whatever loaded us, so every length in it is checked
 * against the bytes we may read before it is trusted, and anything ambiguous
 * (duplicates, overlaps, half entries) is refused rather than guessed at: a
 * boot that stops with a precise reason is easier to fix than one that runs
 * on a wrong memory map.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/bootinfo.h"
#include "boot/mb2.h"
#include "lib/compiler.h"
#include "lib/fmt.h"
#include "lib/unaligned.h"

/*
 * Tags handled below. Everything else (5 bootdev, 9 ELF
 * sections, 10 APM, 16 network, 21 load base, future types) is legal and
 * skipped by its size.
 */
enum {
	TAG_END = 0,
	TAG_CMDLINE = 1,
	TAG_LOADER = 2,
	TAG_MODULE = 3,
	TAG_MEMINFO = 4,
	TAG_MMAP = 6,
	TAG_FRAMEBUFFER = 8,
	TAG_EFI32 = 11,
	TAG_EFI64 = 12,
	TAG_ACPI_OLD = 14,
	TAG_ACPI_NEW = 15,
	TAG_EFI_MMAP = 17,
	TAG_EFI_BS = 18,
	TAG_EFI32_IH = 19,
	TAG_EFI64_IH = 20,
};

#define TAG_BIT(t) (1u << (t))

/* Tags whose value would be ambiguous if given twice. */
#define SINGLE_TAGS                                                          \
	(TAG_BIT(TAG_CMDLINE) | TAG_BIT(TAG_LOADER) | TAG_BIT(TAG_MEMINFO) | \
	 TAG_BIT(TAG_MMAP) | TAG_BIT(TAG_EFI32) | TAG_BIT(TAG_EFI64) |       \
	 TAG_BIT(TAG_FRAMEBUFFER) | TAG_BIT(TAG_ACPI_OLD) |                  \
	 TAG_BIT(TAG_ACPI_NEW) | TAG_BIT(TAG_EFI32_IH) |                     \
	 TAG_BIT(TAG_EFI64_IH))

#define HDR_LEN 8u /* u32 total_size, u32 reserved; also a tag header */
#define MMAP_ENTRY_MIN 24u
#define RSDP_V1_LEN 20u
#define RSDP_V2_LEN 36u

struct mb2_ctx {
	const uint8_t *base;
	uint32_t total;
	uint64_t pa;
	uint64_t kernel_start, kernel_end;
	struct boot_info *bi;
	char *err;
	size_t errlen;
	uint32_t seen; /* TAG_BIT of every type below 32 already decoded */
};

struct mb2_tag {
	uint32_t type, size, off;
	const uint8_t *data; /* payload, after the tag header */
	uint32_t len;	     /* payload bytes */
};

typedef unsigned long long ull;

static uint8_t sum8(const uint8_t *p, uint32_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* The string at p, or NULL when no NUL lies within its n bytes. */
static const char *bounded_str(const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (!p[i])
			return (const char *)p;
	return NULL;
}

/* An empty range holds no byte, so it collides with nothing. */
static bool overlaps(uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2)
{
	return s1 < e1 && s2 < e2 && s1 < e2 && s2 < e1;
}

static __printf(2, 3) int fail(struct mb2_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err && c->errlen) {
		va_start(ap, fmt);
		fmt_vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

#define FAIL(c, fmt, ...) fail(c, "multiboot2: " fmt, ##__VA_ARGS__)
#define TAG_FAIL(c, t, fmt, ...)                                      \
	fail(c, "multiboot2: tag %u at offset 0x%x: " fmt, (t)->type, \
	     (t)->off, ##__VA_ARGS__)

static int need_len(struct mb2_ctx *c, const struct mb2_tag *t, uint32_t n)
{
	if (t->len < n)
		return TAG_FAIL(c, t, "size %u is too small, need at least %u",
				t->size, n + HDR_LEN);
	return 0;
}

static int parse_string(struct mb2_ctx *c, const struct mb2_tag *t,
			const char **dst, const char *what)
{
	*dst = bounded_str(t->data, t->len);
	if (!*dst)
		return TAG_FAIL(c, t, "%s is not NUL-terminated", what);
	return 0;
}

static int parse_meminfo(struct mb2_ctx *c, const struct mb2_tag *t)
{
	if (t->size != 16)
		return TAG_FAIL(c, t, "basic meminfo has size %u, expected 16",
				t->size);
	c->bi->have_basic_meminfo = true;
	c->bi->mem_lower_kib = rd32(t->data);
	c->bi->mem_upper_kib = rd32(t->data + 4);
	return 0;
}

#define MB2_PHYS_LIMIT (1ULL << 52)

static int parse_mmap(struct mb2_ctx *c, const struct mb2_tag *t)
{
	uint32_t esz, n, type;

	if (need_len(c, t, 8))
		return -1;
	/* entry_version is ignored: entries may only grow, as entry_size says. */
	esz = rd32(t->data);
	if (esz < MMAP_ENTRY_MIN || !IS_ALIGNED(esz, 8))
		return TAG_FAIL(c, t, "mmap entry_size %u is not 8n >= 24",
				esz);
	if ((t->len - 8) % esz)
		return TAG_FAIL(c, t, "mmap ends inside a %u-byte entry", esz);
	n = (t->len - 8) / esz;
	if (n > BOOT_MAX_MMAP)
		return TAG_FAIL(c, t,
				"mmap has %u entries, at most %u supported", n,
				BOOT_MAX_MMAP);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = t->data + 8 + i * esz;
		uint64_t base = rd64(e), len = rd64(e + 8);

		if (len > UINT64_MAX - base)
			return TAG_FAIL(c, t,
					"mmap entry %u base 0x%llx length "
					"0x%llx wraps past 2^64",
					i, (ull)base, (ull)len);
		/*
		 * RAM (and the ACPI ranges mhv maps with it) cannot lie beyond
		 * the architectural 52-bit physical address space: such an
		 * entry would make mhv map, or allocate from, addresses no
		 * CPU has.
		 */
		type = rd32(e + 16);
		if ((type == MEM_USABLE || type == MEM_ACPI_RECLAIMABLE ||
		     type == MEM_NVS) &&
		    base + len > MB2_PHYS_LIMIT)
			return TAG_FAIL(
				c, t,
				"mmap entry %u (type %u) ends at 0x%llx, "
				"beyond the 52-bit physical address "
				"space",
				i, type, (ull)(base + len));
		c->bi->mmap[i] = (struct mem_range){base, len, type};
	}
	c->bi->mmap_count = n;
	return 0;
}

/* Multiboot2 spec 3.6.12: framebuffer_type values. */
#define FB_TYPE_INDEXED 0
#define FB_TYPE_RGB 1
#define FB_TYPE_EGA_TEXT 2
#define FB_COLOR_INFO \
	24 /* after addr, pitch, width, height, bpp, type, 2 reserved */

static bool fb_field_ok(uint8_t pos, uint8_t size, uint8_t bpp)
{
	return size >= 1 && size <= 8 && pos + size <= bpp;
}

/* Why the framebuffer cannot be used, or NULL when it can. */
static const char *fb_check(struct boot_fb *fb, uint8_t type, uint32_t len,
			    const uint8_t *d)
{
	uint64_t bytes = (uint64_t)fb->pitch * fb->height;
	unsigned int cell = (fb->bpp + 7) / 8;

	if (type == FB_TYPE_INDEXED)
		return "an indexed-colour framebuffer (palette) is not "
		       "supported";
	if (type == FB_TYPE_EGA_TEXT) {
		if (fb->bpp != 16)
			return "EGA text cells are not 16 bits";
		cell = 2;
	} else if (type == FB_TYPE_RGB) {
		if (len < FB_COLOR_INFO + 6)
			return "the tag has no colour fields";
		if (fb->bpp != 15 && fb->bpp != 16 && fb->bpp != 24 &&
		    fb->bpp != 32)
			return "bits per pixel is not 15, 16, 24 or 32";
		fb->red_pos = d[FB_COLOR_INFO];
		fb->red_size = d[FB_COLOR_INFO + 1];
		fb->green_pos = d[FB_COLOR_INFO + 2];
		fb->green_size = d[FB_COLOR_INFO + 3];
		fb->blue_pos = d[FB_COLOR_INFO + 4];
		fb->blue_size = d[FB_COLOR_INFO + 5];
		if (!fb_field_ok(fb->red_pos, fb->red_size, fb->bpp) ||
		    !fb_field_ok(fb->green_pos, fb->green_size, fb->bpp) ||
		    !fb_field_ok(fb->blue_pos, fb->blue_size, fb->bpp))
			return "a colour field lies outside the pixel";
	} else {
		return "unknown framebuffer type";
	}
	if (!fb->width || !fb->height || fb->width > 16384 ||
	    fb->height > 16384)
		return "width or height is 0 or above 16384";
	if ((uint64_t)fb->width * cell > fb->pitch)
		return "pitch is shorter than a line";
	if (!fb->addr || fb->addr >= MB2_PHYS_LIMIT ||
	    bytes > MB2_PHYS_LIMIT - fb->addr)
		return "address is 0 or beyond the 52-bit physical space";
	return NULL;
}

/* Never fatal: a framebuffer mhv cannot use leaves it on serial alone. */
static int parse_framebuffer(struct mb2_ctx *c, const struct mb2_tag *t)
{
	struct boot_fb *fb = &c->bi->fb;
	const char *problem = "the tag is too short";
	uint8_t type = 0xff;

	*fb = (struct boot_fb){.type = BOOT_FB_UNUSABLE};
	if (t->len >= FB_COLOR_INFO) {
		fb->addr = rd64(t->data);
		fb->pitch = rd32(t->data + 8);
		fb->width = rd32(t->data + 12);
		fb->height = rd32(t->data + 16);
		fb->bpp = t->data[20];
		type = t->data[21];
		problem = fb_check(fb, type, t->len, t->data);
	}
	if (problem)
		fb->problem = problem;
	else
		fb->type = type == FB_TYPE_RGB ? BOOT_FB_RGB : BOOT_FB_EGA_TEXT;
	return 0;
}

static int module_collides(struct mb2_ctx *c, unsigned int i, uint64_t s,
			   uint64_t e)
{
	const struct boot_info *bi = c->bi;

	if (overlaps(s, e, c->kernel_start, c->kernel_end))
		return FAIL(c,
			    "module %u [0x%llx-0x%llx) overlaps the hypervisor "
			    "image [0x%llx-0x%llx)",
			    i, (ull)s, (ull)e, (ull)c->kernel_start,
			    (ull)c->kernel_end);
	if (overlaps(s, e, bi->info_start, bi->info_end))
		return FAIL(c,
			    "module %u [0x%llx-0x%llx) overlaps the multiboot2 "
			    "information block [0x%llx-0x%llx)",
			    i, (ull)s, (ull)e, (ull)bi->info_start,
			    (ull)bi->info_end);
	for (unsigned int j = 0; j < i; j++) {
		const struct boot_module *m = &bi->modules[j];

		if (overlaps(s, e, m->start, m->end))
			return FAIL(c,
				    "module %u [0x%llx-0x%llx) overlaps module "
				    "%u [0x%llx-0x%llx)",
				    i, (ull)s, (ull)e, j, (ull)m->start,
				    (ull)m->end);
	}
	return 0;
}

static int parse_module(struct mb2_ctx *c, const struct mb2_tag *t)
{
	unsigned int i = c->bi->module_count;
	const char *str = "";
	uint64_t s, e;

	if (need_len(c, t, 8))
		return -1;
	if (i == BOOT_MAX_MODULES)
		return TAG_FAIL(c, t, "more than %u modules", BOOT_MAX_MODULES);
	s = rd32(t->data);
	e = rd32(t->data + 4);
	if (s >= e)
		return TAG_FAIL(c, t, "module %u [0x%llx-0x%llx) is empty", i,
				(ull)s, (ull)e);
	/* GRUB always writes at least a NUL; other loaders may write none. */
	if (t->len > 8 && !(str = bounded_str(t->data + 8, t->len - 8)))
		return TAG_FAIL(c, t, "module %u string is not NUL-terminated",
				i);
	if (module_collides(c, i, s, e))
		return -1;
	c->bi->modules[i] = (struct boot_module){s, e, str};
	c->bi->module_count++;
	return 0;
}

static int check_rsdp(struct mb2_ctx *c, const struct mb2_tag *t, uint32_t n)
{
	static const char sig[8] = "RSD PTR ";

	if (need_len(c, t, n))
		return -1;
	for (int i = 0; i < 8; i++)
		if (t->data[i] != sig[i])
			return TAG_FAIL(c, t, "bad RSDP signature");
	if (sum8(t->data, RSDP_V1_LEN))
		return TAG_FAIL(c, t, "RSDP checksum is bad");
	return 0;
}

static int parse_rsdp_old(struct mb2_ctx *c, const struct mb2_tag *t)
{
	if (check_rsdp(c, t, RSDP_V1_LEN))
		return -1;
	if (c->seen & TAG_BIT(TAG_ACPI_NEW))
		return 0;
	c->bi->rsdp = t->data;
	c->bi->rsdp_len = RSDP_V1_LEN;
	c->bi->rsdp_revision = 0;
	return 0;
}

static int parse_rsdp_new(struct mb2_ctx *c, const struct mb2_tag *t)
{
	uint32_t len;

	if (check_rsdp(c, t, RSDP_V2_LEN))
		return -1;
	/* Before revision 2 the length field is not defined. */
	if (t->data[15] < 2)
		return TAG_FAIL(c, t, "RSDP revision %u in the ACPI 2.0 tag",
				t->data[15]);
	len = rd32(t->data + 20);
	if (len < RSDP_V2_LEN || len > t->len)
		return TAG_FAIL(c, t, "RSDP length %u does not fit", len);
	if (sum8(t->data, len))
		return TAG_FAIL(c, t, "RSDP extended checksum is bad");
	c->bi->rsdp = t->data;
	c->bi->rsdp_len = len;
	c->bi->rsdp_revision = 2;
	return 0;
}

/*
 * 32- and 64-bit EFI tags should never come together; if they do, the 64-bit
 * one wins whatever the order, as the modern RSDP does.
 */
static int parse_efi(struct mb2_ctx *c, const struct mb2_tag *t, bool wide,
		     uint64_t *dst, uint32_t wide_type)
{
	if (need_len(c, t, wide ? 8 : 4))
		return -1;
	if (wide) {
		c->bi->efi64 = true;
		*dst = rd64(t->data);
	} else {
		c->bi->efi32 = true;
		if (!(c->seen & TAG_BIT(wide_type)))
			*dst = rd32(t->data);
	}
	return 0;
}

static int parse_tag(struct mb2_ctx *c, const struct mb2_tag *t)
{
	struct boot_info *bi = c->bi;

	switch (t->type) {
	case TAG_CMDLINE:
		return parse_string(c, t, &bi->cmdline, "command line");
	case TAG_LOADER:
		return parse_string(c, t, &bi->loader_name, "boot loader name");
	case TAG_MODULE:
		return parse_module(c, t);
	case TAG_MEMINFO:
		return parse_meminfo(c, t);
	case TAG_MMAP:
		return parse_mmap(c, t);
	case TAG_FRAMEBUFFER:
		return parse_framebuffer(c, t);
	case TAG_EFI32:
	case TAG_EFI64:
		return parse_efi(c, t, t->type == TAG_EFI64, &bi->efi_systab,
				 TAG_EFI64);
	case TAG_EFI32_IH:
	case TAG_EFI64_IH:
		return parse_efi(c, t, t->type == TAG_EFI64_IH,
				 &bi->efi_image_handle, TAG_EFI64_IH);
	case TAG_ACPI_OLD:
		return parse_rsdp_old(c, t);
	case TAG_ACPI_NEW:
		return parse_rsdp_new(c, t);
	case TAG_EFI_MMAP:
		bi->efi_mmap_present = true;
		return 0;
	case TAG_EFI_BS:
		bi->efi_bs_active = true;
		return 0;
	default:
		return 0;
	}
}

static int walk_tags(struct mb2_ctx *c)
{
	uint32_t off = HDR_LEN; /* invariant: off <= total */

	while (c->total - off >= HDR_LEN) {
		struct mb2_tag t = {.off = off};
		uint32_t bit;

		t.type = rd32(c->base + off);
		t.size = rd32(c->base + off + 4);
		if (t.size < HDR_LEN)
			return TAG_FAIL(c, &t,
					"size %u is below the 8-byte header",
					t.size);
		if (t.size > c->total - off)
			return TAG_FAIL(c, &t,
					"size %u runs past total_size %u",
					t.size, c->total);
		if (t.type == TAG_END && t.size != HDR_LEN)
			return TAG_FAIL(c, &t, "end tag has size %u", t.size);
		if (t.type == TAG_END)
			return 0;
		t.data = c->base + off + HDR_LEN;
		t.len = t.size - HDR_LEN;
		bit = t.type < 32 ? TAG_BIT(t.type) : 0;
		if (bit & SINGLE_TAGS & c->seen)
			return TAG_FAIL(c, &t, "duplicate tag");
		if (parse_tag(c, &t))
			return -1;
		c->seen |= bit;
		/* No overflow: size <= total - off < 2^32 - 8. */
		if (ALIGN_UP(t.size, 8) > c->total - off)
			break;
		off += ALIGN_UP(t.size, 8);
	}
	return FAIL(c, "no end tag within total_size %u", c->total);
}

static int parse_block(struct mb2_ctx *c, const void *info, size_t limit)
{
	if (!info)
		return FAIL(c, "no information block (NULL pointer)");
	if (!IS_ALIGNED(c->pa, 8))
		return FAIL(c, "block at 0x%llx is not 8-byte aligned",
			    (ull)c->pa);
	if (limit < 2 * HDR_LEN)
		return FAIL(c, "limit of %zu bytes cannot hold a block", limit);
	c->base = info;
	c->total = rd32(c->base); /* the reserved word is ignored */
	if (c->total < 2 * HDR_LEN)
		return FAIL(c, "total_size %u is below the 16-byte minimum",
			    c->total);
	if (c->total > limit)
		return FAIL(c, "total_size %u exceeds the limit of %zu bytes",
			    c->total, limit);
	if (c->pa > UINT64_MAX - c->total)
		return FAIL(c, "information block wraps past 2^64");
	c->bi->info_start = c->pa;
	c->bi->info_end = c->pa + c->total;
	return walk_tags(c);
}

int mb2_parse(const void *info, uint64_t info_pa, size_t limit,
	      uint64_t kernel_start, uint64_t kernel_end, struct boot_info *bi,
	      char *err, size_t errlen)
{
	struct mb2_ctx c = {
		.pa = info_pa,
		.kernel_start = kernel_start,
		.kernel_end = kernel_end,
		.bi = bi,
		.err = err,
		.errlen = errlen,
	};

	if (err && errlen)
		err[0] = '\0';
	if (!bi)
		return FAIL(&c, "no boot_info to fill");
	*bi = (struct boot_info){0};
	if (parse_block(&c, info, limit)) {
		/* Half-decoded data must not look usable to a careless caller. */
		*bi = (struct boot_info){0};
		return -1;
	}
	if (!bi->cmdline)
		bi->cmdline = "";
	return 0;
}
