/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the multiboot2 parser. Every block is copied into a heap
 * buffer of exactly the size the parser may read, so AddressSanitizer turns
 * any over-read into a failure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bootinfo.h"
#include "boot/mb2.h"

#define INFO_PA 0x10000ULL
#define KERNEL_START 0x100000ULL
#define KERNEL_END 0x180000ULL

/* ---- block builder ------------------------------------------------------ */

struct bld {
	uint8_t buf[16384];
	size_t len;
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void b_init(struct bld *b)
{
	memset(b->buf, 0, sizeof(b->buf));
	b->len = 8;
}

/* A tag whose header claims 'size' while 'plen' payload bytes are written. */
static size_t b_raw(struct bld *b, uint32_t type, uint32_t size,
		    const void *payload, size_t plen)
{
	size_t off = b->len;

	assert_true(off + 8 + plen + 8 <= sizeof(b->buf));
	put32(b->buf + off, type);
	put32(b->buf + off + 4, size);
	if (plen)
		memcpy(b->buf + off + 8, payload, plen);
	b->len = (off + 8 + plen + 7) & ~(size_t)7;
	return off;
}

static size_t b_tag(struct bld *b, uint32_t type, const void *payload,
		    size_t plen)
{
	return b_raw(b, type, (uint32_t)(8 + plen), payload, plen);
}

static void b_str(struct bld *b, uint32_t type, const char *s)
{
	b_tag(b, type, s, strlen(s) + 1);
}

static void b_end(struct bld *b)
{
	b_tag(b, 0, NULL, 0);
}

static void b_meminfo(struct bld *b, uint32_t lower, uint32_t upper)
{
	uint8_t p[8];

	put32(p, lower);
	put32(p + 4, upper);
	b_tag(b, 4, p, sizeof(p));
}

static void b_module(struct bld *b, uint32_t start, uint32_t end, const char *s)
{
	uint8_t p[256] = {0};
	size_t n = s ? strlen(s) + 1 : 0;

	put32(p, start);
	put32(p + 4, end);
	memcpy(p + 8, s ? s : "", n);
	b_tag(b, 3, p, 8 + n);
}

struct ent {
	uint64_t base, len;
	uint32_t type;
};

/* mmap tag with entries of esz bytes (the first 20 filled from e). */
static void b_mmap(struct bld *b, uint32_t esz, const struct ent *e,
		   unsigned int n)
{
	static uint8_t p[8 + 200 * 32];

	assert_true(n * esz <= sizeof(p) - 8);
	memset(p, 0, sizeof(p));
	put32(p, esz);
	put32(p + 4, 0);
	for (unsigned int i = 0; i < n; i++) {
		put64(p + 8 + i * esz, e[i].base);
		put64(p + 8 + i * esz + 8, e[i].len);
		put32(p + 8 + i * esz + 16, e[i].type);
	}
	b_tag(b, 6, p, 8 + (size_t)n * esz);
}

static void rsdp_fill(uint8_t *r, size_t len, uint8_t rev)
{
	uint8_t s = 0;

	memset(r, 0, len);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "MHVOEM", 6);
	r[15] = rev;
	put32(r + 16, 0xe0000);
	for (int i = 0; i < 20; i++)
		s += r[i];
	r[8] = (uint8_t)-s;
	if (len >= 36) {
		put32(r + 20, (uint32_t)len);
		put64(r + 24, 0xe1000);
		s = 0;
		for (size_t i = 0; i < len; i++)
			s += r[i];
		r[32] = (uint8_t)-s;
	}
}

static void b_rsdp1(struct bld *b)
{
	uint8_t r[20];

	rsdp_fill(r, sizeof(r), 0);
	b_tag(b, 14, r, sizeof(r));
}

static void b_rsdp2(struct bld *b)
{
	uint8_t r[36];

	rsdp_fill(r, sizeof(r), 2);
	b_tag(b, 15, r, sizeof(r));
}

static void b_u32(struct bld *b, uint32_t type, uint32_t v)
{
	uint8_t p[4];

	put32(p, v);
	b_tag(b, type, p, sizeof(p));
}

static void b_u64(struct bld *b, uint32_t type, uint64_t v)
{
	uint8_t p[8];

	put64(p, v);
	b_tag(b, type, p, sizeof(p));
}

/* ---- running the parser -------------------------------------------------- */

static struct boot_info bi;
static char err[256];
static uint8_t *blk; /* heap copy handed to the parser, freed by teardown */

static int teardown(void **state)
{
	(void)state;
	free(blk);
	blk = NULL;
	return 0;
}

/*
 * Copy alloc bytes of the builder into an exact-size heap buffer with
 * total_size set to total, then parse with the given limit.
 */
static int run_full(struct bld *b, uint32_t total, size_t alloc, size_t limit,
		    uint64_t pa)
{
	free(blk);
	blk = malloc(alloc ? alloc : 1);
	assert_non_null(blk);
	put32(b->buf, total);
	put32(b->buf + 4, 0xdeadbeef); /* reserved: must be ignored */
	memcpy(blk, b->buf, alloc);
	memset(err, 0, sizeof(err));
	memset(&bi, 0xa5, sizeof(bi));
	return mb2_parse(blk, pa, limit, KERNEL_START, KERNEL_END, &bi, err,
			 sizeof(err));
}

static int run(struct bld *b)
{
	return run_full(b, (uint32_t)b->len, b->len, b->len, INFO_PA);
}

#define assert_refused(rc, needle)                                          \
	do {                                                                \
		assert_int_equal((rc), -1);                                 \
		if (!strstr(err, (needle)))                                 \
			fail_msg("err \"%s\" lacks \"%s\"", err, (needle)); \
		assert_memory_equal(err, "multiboot2: ", 12);               \
	} while (0)

#define assert_ok(rc)                                 \
	do {                                          \
		if ((rc) != 0)                        \
			fail_msg("refused: %s", err); \
	} while (0)

/* A refused block must leave nothing that looks decoded. */
static int zeroed(const struct boot_info *p)
{
	return !p->cmdline && !p->loader_name && !p->have_basic_meminfo &&
	       !p->mmap_count && !p->module_count && !p->rsdp && !p->rsdp_len &&
	       !p->efi32 && !p->efi64 && !p->efi_systab && !p->efi_bs_active &&
	       !p->efi_mmap_present && !p->efi_image_handle && !p->info_start &&
	       !p->info_end && !p->mmap[0].len && !p->modules[0].end;
}

/* ---- valid blocks --------------------------------------------------------- */

static void test_valid_grub_like(void **state)
{
	struct bld b;
	struct ent e[] = {
		{0, 0x9fc00, 1},	 {0x9fc00, 0x400, 2},
		{0xf0000, 0x10000, 2},	 {0x100000, 0x7ee0000, 1},
		{0x7fe0000, 0x20000, 3}, {0xfffc0000, 0x40000, 7},
	};

	(void)state;
	b_init(&b);
	b_str(&b, 1, "log=debug serial=0x3f8");
	b_str(&b, 2, "GRUB 2.12");
	b_module(&b, 0x200000, 0x300000, "guest0 kernel");
	b_module(&b, 0x300000, 0x340000, "initrd");
	b_meminfo(&b, 639, 130048);
	b_tag(&b, 5, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 12);
	b_mmap(&b, 24, e, 6);
	b_tag(&b, 8, "framebufferpayload.....", 24);
	b_rsdp1(&b);
	b_rsdp2(&b);
	b_u64(&b, 12, 0x7f5e0018);
	b_tag(&b, 17, "\x30\0\0\0\x01\0\0\0", 8);
	b_tag(&b, 18, NULL, 0);
	b_u64(&b, 20, 0x7e1b2c98);
	b_u32(&b, 21, 0x100000);
	b_end(&b);

	assert_ok(run(&b));
	assert_string_equal(err, "");
	assert_string_equal(bi.cmdline, "log=debug serial=0x3f8");
	assert_string_equal(bi.loader_name, "GRUB 2.12");
	assert_true(bi.have_basic_meminfo);
	assert_int_equal(bi.mem_lower_kib, 639);
	assert_int_equal(bi.mem_upper_kib, 130048);

	assert_int_equal(bi.mmap_count, 6);
	for (unsigned int i = 0; i < 6; i++) {
		assert_int_equal(bi.mmap[i].base, e[i].base);
		assert_int_equal(bi.mmap[i].len, e[i].len);
		assert_int_equal(bi.mmap[i].type, e[i].type);
	}

	assert_int_equal(bi.module_count, 2);
	assert_int_equal(bi.modules[0].start, 0x200000);
	assert_int_equal(bi.modules[0].end, 0x300000);
	assert_string_equal(bi.modules[0].cmdline, "guest0 kernel");
	assert_int_equal(bi.modules[1].start, 0x300000);
	assert_int_equal(bi.modules[1].end, 0x340000);
	assert_string_equal(bi.modules[1].cmdline, "initrd");

	/* Strings and the RSDP point into the block, not into a copy. */
	assert_true((const uint8_t *)bi.cmdline > blk &&
		    (const uint8_t *)bi.cmdline < blk + b.len);
	assert_non_null(bi.rsdp);
	assert_true((const uint8_t *)bi.rsdp > blk &&
		    (const uint8_t *)bi.rsdp < blk + b.len);
	assert_memory_equal(bi.rsdp, "RSD PTR ", 8);
	assert_int_equal(bi.rsdp_len, 36);
	assert_int_equal(bi.rsdp_revision, 2);

	assert_false(bi.efi32);
	assert_true(bi.efi64);
	assert_int_equal(bi.efi_systab, 0x7f5e0018);
	assert_true(bi.efi_bs_active);
	assert_true(bi.efi_mmap_present);
	assert_int_equal(bi.efi_image_handle, 0x7e1b2c98);

	assert_int_equal(bi.info_start, INFO_PA);
	assert_int_equal(bi.info_end, INFO_PA + b.len);
}

static void test_minimal_block(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_end(&b);
	assert_int_equal(b.len, 16);
	assert_ok(run(&b));
	assert_non_null(bi.cmdline);
	assert_string_equal(bi.cmdline, "");
	assert_null(bi.loader_name);
	assert_false(bi.have_basic_meminfo);
	assert_int_equal(bi.mmap_count, 0);
	assert_int_equal(bi.module_count, 0);
	assert_null(bi.rsdp);
	assert_false(bi.efi32 || bi.efi64 || bi.efi_bs_active ||
		     bi.efi_mmap_present);
	assert_int_equal(bi.efi_systab, 0);
	assert_int_equal(bi.efi_image_handle, 0);
}

static void test_unknown_and_skipped_tags(void **state)
{
	static const uint32_t types[] = {
		5, 7, 8, 9, 10, 13, 16, 21, 22, 99, 0x7fffffff, 0xffffffff};
	struct bld b;

	(void)state;
	b_init(&b);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		b_tag(&b, types[i], "\1\2\3\4\5", i % 6); /* odd sizes too */
	b_str(&b, 1, "after the unknown tags");
	b_end(&b);
	assert_ok(run(&b));
	assert_string_equal(bi.cmdline, "after the unknown tags");
}

static void test_bytes_after_end_tag_ignored(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_str(&b, 1, "x");
	b_end(&b);
	b_raw(&b, 1, 0, NULL, 0);	      /* would be refused if parsed */
	b_raw(&b, 0xffffffff, 4096, NULL, 0); /* would run past the end */
	assert_ok(run(&b));
	assert_string_equal(bi.cmdline, "x");
}

static void test_module_without_string(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_module(&b, 0x200000, 0x201000, NULL);
	b_module(&b, 0x201000, 0x202000, ""); /* touching is not overlapping */
	b_end(&b);
	assert_ok(run(&b));
	assert_int_equal(bi.module_count, 2);
	assert_string_equal(bi.modules[0].cmdline, "");
	assert_string_equal(bi.modules[1].cmdline, "");
}

static void test_max_modules_and_mmap_accepted(void **state)
{
	static struct ent e[BOOT_MAX_MMAP];
	struct bld b;

	(void)state;
	for (unsigned int i = 0; i < BOOT_MAX_MMAP; i++)
		e[i] = (struct ent){(uint64_t)i << 32, 1ULL << 32, 1};
	b_init(&b);
	for (uint32_t i = 0; i < BOOT_MAX_MODULES; i++)
		b_module(&b, 0x200000 + i * 0x1000, 0x201000 + i * 0x1000, "m");
	b_mmap(&b, 24, e, BOOT_MAX_MMAP);
	b_end(&b);
	assert_ok(run(&b));
	assert_int_equal(bi.module_count, BOOT_MAX_MODULES);
	assert_int_equal(bi.mmap_count, BOOT_MAX_MMAP);
	assert_int_equal(bi.mmap[BOOT_MAX_MMAP - 1].base,
			 (uint64_t)(BOOT_MAX_MMAP - 1) << 32);
}

static void test_mmap_wide_entries_and_version(void **state)
{
	struct bld b;
	struct ent e[] = {{0, 0x1000, 1}, {0x1000, 0x2000, 9}};
	uint8_t *p;
	size_t off;

	(void)state;
	b_init(&b);
	off = b.len;
	b_mmap(&b, 32, e, 2);
	p = b.buf + off + 8;
	put32(p + 4, 7); /* entry_version: ignored */
	b_end(&b);
	assert_ok(run(&b));
	assert_int_equal(bi.mmap_count, 2);
	assert_int_equal(bi.mmap[1].base, 0x1000);
	assert_int_equal(bi.mmap[1].len, 0x2000);
	assert_int_equal(bi.mmap[1].type, 9); /* kept as reported */
}

/* An exclusive end of 2^64 cannot be stored, so it counts as a wrap. */
static void test_mmap_top_of_address_space(void **state)
{
	struct bld b;
	struct ent ok[] = {{0xfffffffffffff000ULL, 0xfff, 2}};
	struct ent wrap[] = {{0xfffffffffffff000ULL, 0x1000, 2}};

	(void)state;
	b_init(&b);
	b_mmap(&b, 24, ok, 1);
	b_end(&b);
	assert_ok(run(&b));
	assert_int_equal(bi.mmap_count, 1);

	b_init(&b);
	b_mmap(&b, 24, wrap, 1);
	b_end(&b);
	assert_refused(run(&b), "wraps past 2^64");
}

/*
 * Fuzzer reproducer (issue #18): a usable entry ending in the last GiB
 * below 2^64 made the identity map's ALIGN_UP wrap to 0 and mhv load an
 * empty CR3. RAM beyond the 52-bit physical address space is refused;
 * reserved ranges there are kept, as before.
 */
static void test_mmap_ram_beyond_physical_space(void **state)
{
	static const char hex[] =
		"50000000000000000600000040000000180000000000000000001000"
		"000000000000f007000000000100000000000000000000c0ffffffff"
		"001000000000000001000000000000000000000008000000";
	struct bld b;
	struct ent usable[] = {{1ULL << 52, 0x1000, 1}};
	struct ent reserved[] = {{1ULL << 52, 0x1000, 2}};

	(void)state;
	b_init(&b);
	b.len = 0;
	for (size_t i = 0; i + 1 < sizeof(hex); i += 2) {
		unsigned int byte;

		sscanf(hex + i, "%2x", &byte);
		b.buf[b.len++] = (uint8_t)byte;
	}
	assert_refused(run_full(&b, (uint32_t)b.len, b.len, b.len, INFO_PA),
		       "beyond the 52-bit physical address space");

	b_init(&b);
	b_mmap(&b, 24, usable, 1);
	b_end(&b);
	assert_refused(run(&b), "beyond the 52-bit physical address space");

	b_init(&b);
	b_mmap(&b, 24, reserved, 1);
	b_end(&b);
	assert_ok(run(&b));
}

static void test_rsdp_v1_only(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_rsdp1(&b);
	b_end(&b);
	assert_ok(run(&b));
	assert_non_null(bi.rsdp);
	assert_int_equal(bi.rsdp_len, 20);
	assert_int_equal(bi.rsdp_revision, 0);
}

static void test_rsdp_v2_preferred_either_order(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_rsdp2(&b);
	b_rsdp1(&b);
	b_end(&b);
	assert_ok(run(&b));
	assert_int_equal(bi.rsdp_revision, 2);
	assert_int_equal(bi.rsdp_len, 36);
	assert_int_equal(((const uint8_t *)bi.rsdp)[15], 2);
}

static void test_efi32(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_u32(&b, 11, 0x7fe00000);
	b_u32(&b, 19, 0x7fd00000);
	b_end(&b);
	assert_ok(run(&b));
	assert_true(bi.efi32);
	assert_false(bi.efi64);
	assert_int_equal(bi.efi_systab, 0x7fe00000);
	assert_int_equal(bi.efi_image_handle, 0x7fd00000);
	assert_false(bi.efi_bs_active);
}

/* ---- header and framing ---------------------------------------------------- */

static void test_null_info(void **state)
{
	(void)state;
	memset(&bi, 0xa5, sizeof(bi));
	assert_refused(mb2_parse(NULL, INFO_PA, 4096, KERNEL_START, KERNEL_END,
				 &bi, err, sizeof(err)),
		       "NULL");
	assert_true(zeroed(&bi));
}

static void test_misaligned_info_pa(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_end(&b);
	assert_refused(run_full(&b, 16, 16, 16, INFO_PA + 4),
		       "not 8-byte aligned");
	assert_refused(run_full(&b, 16, 16, 16, INFO_PA + 1), "0x10001");
}

static void test_total_size_too_small(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_end(&b);
	assert_refused(run_full(&b, 8, 16, 16, INFO_PA), "total_size 8");
	assert_refused(run_full(&b, 0, 16, 16, INFO_PA), "minimum");
	assert_refused(run_full(&b, 15, 16, 16, INFO_PA), "minimum");
}

static void test_limit_too_small_for_header(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	/* Only 4 bytes exist: not even total_size may be read in full. */
	assert_refused(run_full(&b, 16, 4, 4, INFO_PA), "limit");
	assert_refused(run_full(&b, 16, 0, 0, INFO_PA), "limit");
}

static void test_total_size_above_limit(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_str(&b, 1, "hello");
	b_end(&b);
	/* The allocation stops at the limit; total_size claims more. */
	assert_refused(run_full(&b, (uint32_t)b.len + 8, b.len, b.len, INFO_PA),
		       "exceeds the limit");
	assert_refused(run_full(&b, 0xffffffff, b.len, b.len, INFO_PA),
		       "exceeds the limit");
	assert_true(zeroed(&bi));
}

static void test_truncated_inside_tag(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_str(&b, 1, "a rather long command line");
	b_end(&b);
	/* Cut the block (and the buffer) in the middle of the cmdline. */
	assert_refused(run_full(&b, 20, 20, 20, INFO_PA), "runs past");
}

static void test_tag_size_past_end(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_raw(&b, 1, 4096, "abc", 4);
	b_end(&b);
	assert_refused(run(&b), "runs past total_size");
}

/* The last tag overruns the block by less than a tag header. */
static void test_tag_size_just_past_end(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_raw(&b, 1, 20, "abcdefgh", 8); /* 8 bytes present, 12 claimed */
	assert_int_equal(b.len, 24);
	assert_refused(run(&b), "size 20 runs past total_size 24");
}

static void test_missing_end_tag(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_str(&b, 1, "no end");
	assert_refused(run(&b), "no end tag");

	/* Trailing bytes too short for a tag header are no end tag either. */
	b_init(&b);
	b_str(&b, 1, "no end");
	assert_refused(run_full(&b, (uint32_t)b.len + 4, b.len + 4, b.len + 4,
				INFO_PA),
		       "no end tag");
}

static void test_padding_cut_before_end(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_str(&b, 1, "abc"); /* size 12: next tag at 16 + 8 */
	/* total_size ends right after the unpadded tag. */
	assert_refused(run_full(&b, 20, 20, 20, INFO_PA), "no end tag");
}

static void test_tag_size_zero(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_raw(&b, 1, 0, NULL, 0);
	b_end(&b);
	assert_refused(run(&b), "below the 8-byte header");

	b_init(&b);
	b_raw(&b, 0, 0, NULL, 0); /* a zero-size end tag too */
	b_end(&b);
	assert_refused(run(&b), "size 0");
}

static void test_tag_size_below_header(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_raw(&b, 99, 7, NULL, 0);
	b_end(&b);
	assert_refused(run(&b), "size 7 is below");
}

static void test_end_tag_wrong_size(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_raw(&b, 0, 16, "\0\0\0\0\0\0\0", 8);
	assert_refused(run(&b), "end tag has size 16");
}

static void test_info_block_wraps(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_end(&b);
	assert_refused(run_full(&b, 16, 16, 16, 0xfffffffffffffff8ULL),
		       "wraps");
}

static void test_no_err_buffer(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_raw(&b, 1, 0, NULL, 0);
	b_end(&b);
	run(&b);
	assert_int_equal(mb2_parse(blk, INFO_PA, b.len, KERNEL_START,
				   KERNEL_END, &bi, NULL, 0),
			 -1);
	err[0] = 'x';
	assert_int_equal(mb2_parse(blk, INFO_PA, b.len, KERNEL_START,
				   KERNEL_END, &bi, err, 0),
			 -1);
	assert_int_equal(err[0], 'x');
	assert_int_equal(mb2_parse(blk, INFO_PA, b.len, KERNEL_START,
				   KERNEL_END, NULL, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "boot_info"));
}

static void test_short_err_buffer(void **state)
{
	struct bld b;
	char small[12];

	(void)state;
	b_init(&b);
	b_raw(&b, 1, 0, NULL, 0);
	b_end(&b);
	run(&b);
	memset(small, 'x', sizeof(small));
	assert_int_equal(mb2_parse(blk, INFO_PA, b.len, KERNEL_START,
				   KERNEL_END, &bi, small, sizeof(small)),
			 -1);
	assert_string_equal(small, "multiboot2:");
}

/* ---- strings ----------------------------------------------------------------- */

static void test_duplicate_cmdline(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_str(&b, 1, "first");
	b_str(&b, 1, "second");
	b_end(&b);
	assert_refused(run(&b), "tag 1 at offset 0x18: duplicate");
	assert_true(zeroed(&bi));
}

static void test_duplicate_loader_name(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_str(&b, 2, "GRUB");
	b_str(&b, 1, "cmd");
	b_str(&b, 2, "GRUB");
	b_end(&b);
	assert_refused(run(&b), "tag 2 at offset 0x28: duplicate");
}

static void test_unterminated_cmdline(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	/* Padding after the tag is zero, but it lies outside the tag. */
	b_tag(&b, 1, "console=com1", 12);
	b_end(&b);
	assert_refused(run(&b), "command line is not NUL-terminated");

	b_init(&b);
	b_tag(&b, 1, NULL, 0); /* no room for even a NUL */
	b_end(&b);
	assert_refused(run(&b), "command line is not NUL-terminated");
}

static void test_unterminated_loader_name(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_tag(&b, 2, "GRUB 2.06", 9);
	b_end(&b);
	assert_refused(run(&b), "boot loader name is not NUL-terminated");
}

static void test_unterminated_string_at_block_end(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_end(&b);
	b_tag(&b, 1, "abcdefgh", 8); /* after the end tag: never looked at */
	assert_ok(run(&b));

	/* Cmdline with no NUL running to the very end of the buffer. */
	b_init(&b);
	b_tag(&b, 1, "abcdefgh", 8);
	assert_refused(run(&b), "not NUL-terminated");
}

/* ---- basic meminfo --------------------------------------------------------- */

static void test_meminfo_wrong_size(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_tag(&b, 4, "\1\0\0\0", 4);
	b_end(&b);
	assert_refused(run(&b), "basic meminfo has size 12, expected 16");

	b_init(&b);
	b_tag(&b, 4, "\1\0\0\0\2\0\0\0\3\0\0\0", 12);
	b_end(&b);
	assert_refused(run(&b), "basic meminfo has size 20");
}

/* ---- memory map ------------------------------------------------------------- */

static void test_mmap_entry_size_bad(void **state)
{
	static const uint32_t sizes[] = {0, 4, 8, 16, 20, 25, 28, 33};
	struct bld b;
	char want[32];

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t p[8 + 2 * 40] = {0};

		b_init(&b);
		put32(p, sizes[i]);
		/* Payload length a multiple of the bad size, when nonzero. */
		b_tag(&b, 6, p, 8 + (sizes[i] ? 2 * sizes[i] : 48));
		b_end(&b);
		snprintf(want, sizeof(want), "entry_size %u is not", sizes[i]);
		assert_refused(run(&b), want);
	}
}

static void test_mmap_too_many_entries(void **state)
{
	static struct ent e[BOOT_MAX_MMAP + 1];
	struct bld b;

	(void)state;
	for (unsigned int i = 0; i <= BOOT_MAX_MMAP; i++)
		e[i] = (struct ent){(uint64_t)i * 0x1000, 0x1000, 1};
	b_init(&b);
	b_mmap(&b, 24, e, BOOT_MAX_MMAP + 1);
	b_end(&b);
	assert_refused(run(&b), "mmap has 129 entries, at most 128");
}

static void test_mmap_huge_entry_count(void **state)
{
	struct bld b;
	uint8_t p[8] = {0};

	(void)state;
	/* ~178M entries claimed: refused as running past the block. */
	b_init(&b);
	put32(p, 24);
	b_raw(&b, 6, 0xfffffff8, p, 8);
	b_end(&b);
	assert_refused(run(&b), "runs past total_size");
}

static void test_mmap_partial_entry(void **state)
{
	struct bld b;
	struct ent e[2] = {{0, 0x1000, 1}, {0x1000, 0x1000, 1}};
	size_t off;

	(void)state;
	b_init(&b);
	off = b.len;
	b_mmap(&b, 24, e, 2);
	put32(b.buf + off + 4, 16 + 24 + 12); /* second entry half inside */
	b_end(&b);
	assert_refused(run(&b), "mmap ends inside a 24-byte entry");
}

static void test_mmap_header_truncated(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_tag(&b, 6, "\x18\0\0\0", 4); /* entry_version missing */
	b_end(&b);
	assert_refused(run(&b), "size 12 is too small, need at least 16");
}

static void test_mmap_base_len_overflow(void **state)
{
	struct bld b;
	struct ent e[] = {
		{0, 0x1000, 1},
		{0xfffffffffffff000ULL, 0x1001, 2},
	};

	(void)state;
	b_init(&b);
	b_mmap(&b, 24, e, 2);
	b_end(&b);
	assert_refused(run(&b), "mmap entry 1 base 0xfffffffffffff000 length "
				"0x1001 wraps");
}

static void test_mmap_duplicate(void **state)
{
	struct bld b;
	struct ent e[] = {{0, 0x1000, 1}};

	(void)state;
	b_init(&b);
	b_mmap(&b, 24, e, 1);
	b_mmap(&b, 24, e, 1);
	b_end(&b);
	assert_refused(run(&b), "tag 6 at offset 0x30: duplicate");
}

/* ---- modules ------------------------------------------------------------------ */

static void test_module_empty_or_inverted(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_module(&b, 0x200000, 0x200000, "empty");
	b_end(&b);
	assert_refused(run(&b), "module 0 [0x200000-0x200000) is empty");

	b_init(&b);
	b_module(&b, 0x200000, 0x201000, "ok");
	b_module(&b, 0x300000, 0x200000, "inverted");
	b_end(&b);
	assert_refused(run(&b), "module 1 [0x300000-0x200000) is empty");
}

static void test_module_overlaps_kernel(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_module(&b, 0x200000, 0x300000, "a");
	b_module(&b, 0x400000, 0x500000, "b");
	b_module(&b, 0x17f000, 0x181000, "straddles the image end");
	b_end(&b);
	assert_refused(run(&b),
		       "multiboot2: module 2 [0x17f000-0x181000) overlaps the "
		       "hypervisor image [0x100000-0x180000)");

	b_init(&b);
	b_module(&b, 0x0, 0x1000000, "covers everything");
	b_end(&b);
	assert_refused(run(&b), "overlaps the hypervisor image");

	b_init(&b);
	b_module(&b, 0xff000, 0x100000, "just below");
	b_module(&b, 0x180000, 0x181000, "just above");
	b_end(&b);
	assert_ok(run(&b));
}

static void test_module_overlaps_info_block(void **state)
{
	struct bld b;
	char want[128];

	(void)state;
	b_init(&b);
	b_module(&b, 0x10020, 0x11000, "inside the info block");
	b_end(&b);
	snprintf(want, sizeof(want),
		 "module 0 [0x10020-0x11000) overlaps the multiboot2 "
		 "information block [0x10000-0x%zx)",
		 (size_t)INFO_PA + b.len);
	assert_refused(run(&b), want);

	b_init(&b);
	b_module(&b, 0xf000, 0x10001, "last byte hits");
	b_end(&b);
	assert_refused(run(&b), "information block");
}

static void test_module_overlaps_module(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_module(&b, 0x200000, 0x300000, "a");
	b_module(&b, 0x400000, 0x500000, "b");
	b_module(&b, 0x4ff000, 0x600000, "c");
	b_end(&b);
	assert_refused(run(&b), "module 2 [0x4ff000-0x600000) overlaps module "
				"1 [0x400000-0x500000)");

	b_init(&b);
	b_module(&b, 0x200000, 0x300000, "a");
	b_module(&b, 0x200000, 0x300000, "same range");
	b_end(&b);
	assert_refused(run(&b), "overlaps module 0");
}

/* An empty kernel extent holds no byte, so no module can overlap it. */
static void test_empty_kernel_range(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_module(&b, 0x200000, 0x300000, "a");
	b_end(&b);
	run(&b);
	assert_int_equal(mb2_parse(blk, INFO_PA, b.len, 0x250000, 0x250000, &bi,
				   err, sizeof(err)),
			 0);
	assert_int_equal(bi.module_count, 1);
}

static void test_too_many_modules(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	_Static_assert(BOOT_MAX_MODULES == 64, "the message below says 64");
	for (uint32_t i = 0; i <= BOOT_MAX_MODULES; i++)
		b_module(&b, 0x200000 + i * 0x1000, 0x201000 + i * 0x1000,
			 NULL);
	b_end(&b);
	assert_refused(run(&b), "more than 64 modules");
}

static void test_module_unterminated_string(void **state)
{
	struct bld b;
	uint8_t p[16];

	(void)state;
	b_init(&b);
	put32(p, 0x200000);
	put32(p + 4, 0x201000);
	memcpy(p + 8, "initrd.x", 8);
	b_tag(&b, 3, p, 16);
	b_end(&b);
	assert_refused(run(&b), "module 0 string is not NUL-terminated");
}

static void test_module_tag_too_short(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_tag(&b, 3, "\0\0\x20\0", 4); /* mod_end missing */
	b_end(&b);
	assert_refused(run(&b), "size 12 is too small");
}

/* ---- ACPI ------------------------------------------------------------------- */

static void test_rsdp_v1_bad(void **state)
{
	struct bld b;
	uint8_t r[20];

	(void)state;
	rsdp_fill(r, sizeof(r), 0);
	r[19] ^= 1;
	b_init(&b);
	b_tag(&b, 14, r, sizeof(r));
	b_end(&b);
	assert_refused(run(&b), "RSDP checksum is bad");

	rsdp_fill(r, sizeof(r), 0);
	r[0] = 'X';
	r[8] -= 'X' - 'R'; /* checksum still right: only the signature is off */
	b_init(&b);
	b_tag(&b, 14, r, sizeof(r));
	b_end(&b);
	assert_refused(run(&b), "bad RSDP signature");

	b_init(&b);
	b_tag(&b, 14, r, 16);
	b_end(&b);
	assert_refused(run(&b), "size 24 is too small, need at least 28");
}

static void test_rsdp_v2_bad(void **state)
{
	struct bld b;
	uint8_t r[36];

	(void)state;
	rsdp_fill(r, sizeof(r), 2);
	r[35] ^= 0x10; /* outside the first 20 bytes */
	b_init(&b);
	b_tag(&b, 15, r, sizeof(r));
	b_end(&b);
	assert_refused(run(&b), "extended checksum");

	rsdp_fill(r, sizeof(r), 2);
	r[10] ^= 0x10;
	b_init(&b);
	b_tag(&b, 15, r, sizeof(r));
	b_end(&b);
	assert_refused(run(&b), "RSDP checksum is bad");

	rsdp_fill(r, sizeof(r), 2);
	memcpy(r, "RSD PTR_", 8);
	b_init(&b);
	b_tag(&b, 15, r, sizeof(r));
	b_end(&b);
	assert_refused(run(&b), "bad RSDP signature");

	/* A v1 RSDP in the v2 tag is too short. */
	rsdp_fill(r, 20, 0);
	b_init(&b);
	b_tag(&b, 15, r, 20);
	b_end(&b);
	assert_refused(run(&b), "too small");
}

static void test_rsdp_v2_length_field(void **state)
{
	struct bld b;
	uint8_t r[36];

	(void)state;
	rsdp_fill(r, sizeof(r), 2);
	put32(r + 20, 4096); /* claims more than the tag holds */
	b_init(&b);
	b_tag(&b, 15, r, sizeof(r));
	b_end(&b);
	assert_refused(run(&b), "RSDP length 4096 does not fit");

	rsdp_fill(r, sizeof(r), 2);
	put32(r + 20, 20);
	b_init(&b);
	b_tag(&b, 15, r, sizeof(r));
	b_end(&b);
	assert_refused(run(&b), "RSDP length 20");
}

static void test_rsdp_v2_revision(void **state)
{
	struct bld b;
	uint8_t r[36];

	(void)state;
	rsdp_fill(r, sizeof(r), 0);
	b_init(&b);
	b_tag(&b, 15, r, sizeof(r));
	b_end(&b);
	assert_refused(run(&b), "revision 0");
}

static void test_rsdp_bad_v1_next_to_good_v2(void **state)
{
	struct bld b;
	uint8_t r[20];

	(void)state;
	rsdp_fill(r, sizeof(r), 0);
	r[8] ^= 1;
	b_init(&b);
	b_rsdp2(&b);
	b_tag(&b, 14, r, sizeof(r));
	b_end(&b);
	assert_refused(run(&b), "tag 14");
}

/* ---- EFI ----------------------------------------------------------------------- */

static void test_efi_tags_too_short(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_u32(&b, 12, 0x1234); /* 64-bit pointer cut to 32 bits */
	b_end(&b);
	assert_refused(run(&b), "tag 12 at offset 0x8: size 12 is too small");

	b_init(&b);
	b_tag(&b, 11, "\1\2", 2);
	b_end(&b);
	assert_refused(run(&b), "tag 11");

	b_init(&b);
	b_u32(&b, 20, 0x1234);
	b_end(&b);
	assert_refused(run(&b), "tag 20");
}

static void test_efi64_wins_over_efi32(void **state)
{
	struct bld b;

	(void)state;
	b_init(&b);
	b_u64(&b, 12, 0x123456789ULL);
	b_u32(&b, 11, 0x1000);
	b_u64(&b, 20, 0xabcdef012ULL);
	b_u32(&b, 19, 0x2000);
	b_end(&b);
	assert_ok(run(&b));
	assert_true(bi.efi32 && bi.efi64);
	assert_int_equal(bi.efi_systab, 0x123456789ULL);
	assert_int_equal(bi.efi_image_handle, 0xabcdef012ULL);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_valid_grub_like, teardown),
		cmocka_unit_test_teardown(test_minimal_block, teardown),
		cmocka_unit_test_teardown(test_unknown_and_skipped_tags,
					  teardown),
		cmocka_unit_test_teardown(test_bytes_after_end_tag_ignored,
					  teardown),
		cmocka_unit_test_teardown(test_module_without_string, teardown),
		cmocka_unit_test_teardown(test_max_modules_and_mmap_accepted,
					  teardown),
		cmocka_unit_test_teardown(test_mmap_wide_entries_and_version,
					  teardown),
		cmocka_unit_test_teardown(test_mmap_top_of_address_space,
					  teardown),
		cmocka_unit_test_teardown(test_mmap_ram_beyond_physical_space,
					  teardown),
		cmocka_unit_test_teardown(test_rsdp_v1_only, teardown),
		cmocka_unit_test_teardown(test_rsdp_v2_preferred_either_order,
					  teardown),
		cmocka_unit_test_teardown(test_efi32, teardown),
		cmocka_unit_test_teardown(test_null_info, teardown),
		cmocka_unit_test_teardown(test_misaligned_info_pa, teardown),
		cmocka_unit_test_teardown(test_total_size_too_small, teardown),
		cmocka_unit_test_teardown(test_limit_too_small_for_header,
					  teardown),
		cmocka_unit_test_teardown(test_total_size_above_limit,
					  teardown),
		cmocka_unit_test_teardown(test_truncated_inside_tag, teardown),
		cmocka_unit_test_teardown(test_tag_size_past_end, teardown),
		cmocka_unit_test_teardown(test_tag_size_just_past_end,
					  teardown),
		cmocka_unit_test_teardown(test_missing_end_tag, teardown),
		cmocka_unit_test_teardown(test_padding_cut_before_end,
					  teardown),
		cmocka_unit_test_teardown(test_tag_size_zero, teardown),
		cmocka_unit_test_teardown(test_tag_size_below_header, teardown),
		cmocka_unit_test_teardown(test_end_tag_wrong_size, teardown),
		cmocka_unit_test_teardown(test_info_block_wraps, teardown),
		cmocka_unit_test_teardown(test_no_err_buffer, teardown),
		cmocka_unit_test_teardown(test_short_err_buffer, teardown),
		cmocka_unit_test_teardown(test_duplicate_cmdline, teardown),
		cmocka_unit_test_teardown(test_duplicate_loader_name, teardown),
		cmocka_unit_test_teardown(test_unterminated_cmdline, teardown),
		cmocka_unit_test_teardown(test_unterminated_loader_name,
					  teardown),
		cmocka_unit_test_teardown(test_unterminated_string_at_block_end,
					  teardown),
		cmocka_unit_test_teardown(test_meminfo_wrong_size, teardown),
		cmocka_unit_test_teardown(test_mmap_entry_size_bad, teardown),
		cmocka_unit_test_teardown(test_mmap_too_many_entries, teardown),
		cmocka_unit_test_teardown(test_mmap_huge_entry_count, teardown),
		cmocka_unit_test_teardown(test_mmap_partial_entry, teardown),
		cmocka_unit_test_teardown(test_mmap_header_truncated, teardown),
		cmocka_unit_test_teardown(test_mmap_base_len_overflow,
					  teardown),
		cmocka_unit_test_teardown(test_mmap_duplicate, teardown),
		cmocka_unit_test_teardown(test_module_empty_or_inverted,
					  teardown),
		cmocka_unit_test_teardown(test_module_overlaps_kernel,
					  teardown),
		cmocka_unit_test_teardown(test_module_overlaps_info_block,
					  teardown),
		cmocka_unit_test_teardown(test_module_overlaps_module,
					  teardown),
		cmocka_unit_test_teardown(test_empty_kernel_range, teardown),
		cmocka_unit_test_teardown(test_too_many_modules, teardown),
		cmocka_unit_test_teardown(test_module_unterminated_string,
					  teardown),
		cmocka_unit_test_teardown(test_module_tag_too_short, teardown),
		cmocka_unit_test_teardown(test_rsdp_v1_bad, teardown),
		cmocka_unit_test_teardown(test_rsdp_v2_bad, teardown),
		cmocka_unit_test_teardown(test_rsdp_v2_length_field, teardown),
		cmocka_unit_test_teardown(test_rsdp_v2_revision, teardown),
		cmocka_unit_test_teardown(test_rsdp_bad_v1_next_to_good_v2,
					  teardown),
		cmocka_unit_test_teardown(test_efi_tags_too_short, teardown),
		cmocka_unit_test_teardown(test_efi64_wins_over_efi32, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
