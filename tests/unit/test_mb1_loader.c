/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the multiboot v1 payload loader and info builder. Images
 * are built in heap buffers of exactly their length, so AddressSanitizer
 * turns any read past the image into a failure; guest RAM is a heap buffer
 * pre-filled with 0xAA, so stray or missing writes show.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vm/mb1_loader.h"

#define RAM_SIZE (16u << 20)
#define FILL 0xAA
#define MB_MAGIC 0x1badb002u
#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_NOTE 4

static const uint8_t elf_ident[4] = {0x7f, 'E', 'L', 'F'};

static uint8_t *ram;
static char err[256];
static struct mb1_image out;
static struct mb1_image out_before;

static int setup(void **state)
{
	(void)state;
	ram = malloc(RAM_SIZE);
	assert_non_null(ram);
	memset(ram, FILL, RAM_SIZE);
	memset(err, 'X', sizeof(err)); /* must be overwritten */
	memset(&out, 0x5a, sizeof(out));
	out_before = out;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	ram = NULL;
	return 0;
}

/* ---- byte helpers ------------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static bool all_fill(uint64_t gpa, uint64_t len)
{
	for (uint64_t i = 0; i < len; i++)
		if (ram[gpa + i] != FILL)
			return false;
	return true;
}

static bool all_zero(uint64_t gpa, uint64_t len)
{
	for (uint64_t i = 0; i < len; i++)
		if (ram[gpa + i] != 0)
			return false;
	return true;
}

static uint8_t seg_byte(unsigned int seg, uint64_t j)
{
	return (uint8_t)((seg + 1) * 0x31 + j * 7 + (j >> 8));
}

static void put_mb_header(uint8_t *p, uint32_t flags)
{
	put32(p, MB_MAGIC);
	put32(p + 4, flags);
	put32(p + 8, (uint32_t) - (MB_MAGIC + flags));
}

/* ---- ELF image builder -------------------------------------------------- */

struct seg {
	uint32_t type;
	uint64_t paddr, filesz, memsz;
};

struct elf_spec {
	bool is64;
	uint16_t machine;
	uint16_t type; /* 0: ET_EXEC */
	uint64_t entry;
	uint32_t mb_flags;
	unsigned int nsegs;
	struct seg segs[4];
};

struct img {
	uint8_t *p;
	size_t len;
	bool is64;
	size_t mb_off;
	size_t seg_off[4];
};

/* ELF header, program headers, multiboot header, then segment bytes. */
static struct img build_elf(const struct elf_spec *s)
{
	size_t ehsize = s->is64 ? 64 : 52, phsize = s->is64 ? 56 : 32;
	struct img im = {.is64 = s->is64};
	size_t pos;
	uint8_t *p;

	im.mb_off = (ehsize + s->nsegs * phsize + 3) & ~(size_t)3;
	pos = (im.mb_off + 12 + 15) & ~(size_t)15;
	for (unsigned int i = 0; i < s->nsegs; i++) {
		im.seg_off[i] = pos;
		pos = (pos + s->segs[i].filesz + 15) & ~(size_t)15;
	}
	im.len = pos;
	p = im.p = malloc(im.len);
	assert_non_null(p);
	memset(p, 0, im.len);

	memcpy(p, elf_ident, 4);
	p[4] = s->is64 ? 2 : 1;
	p[5] = 1;
	p[6] = 1;
	put16(p + 16, s->type ? s->type : 2);
	put16(p + 18, s->machine);
	put32(p + 20, 1);
	if (s->is64) {
		put64(p + 24, s->entry);
		put64(p + 32, ehsize);
		put16(p + 52, (uint16_t)ehsize);
		put16(p + 54, (uint16_t)phsize);
		put16(p + 56, (uint16_t)s->nsegs);
	} else {
		put32(p + 24, (uint32_t)s->entry);
		put32(p + 28, (uint32_t)ehsize);
		put16(p + 40, (uint16_t)ehsize);
		put16(p + 42, (uint16_t)phsize);
		put16(p + 44, (uint16_t)s->nsegs);
	}

	for (unsigned int i = 0; i < s->nsegs; i++) {
		const struct seg *sg = &s->segs[i];
		uint8_t *ph = p + ehsize + i * phsize;

		if (s->is64) {
			put32(ph, sg->type);
			put32(ph + 4, 7);
			put64(ph + 8, im.seg_off[i]);
			put64(ph + 16, sg->paddr + 0xffff800000000000ull);
			put64(ph + 24, sg->paddr);
			put64(ph + 32, sg->filesz);
			put64(ph + 40, sg->memsz);
			put64(ph + 48, 0x1000);
		} else {
			put32(ph, sg->type);
			put32(ph + 4, (uint32_t)im.seg_off[i]);
			put32(ph + 8, (uint32_t)sg->paddr);
			put32(ph + 12, (uint32_t)sg->paddr);
			put32(ph + 16, (uint32_t)sg->filesz);
			put32(ph + 20, (uint32_t)sg->memsz);
			put32(ph + 24, 7);
			put32(ph + 28, 0x1000);
		}
		for (uint64_t j = 0; j < sg->filesz; j++)
			p[im.seg_off[i] + j] = seg_byte(i, j);
	}
	put_mb_header(p + im.mb_off, s->mb_flags);
	return im;
}

/* kvm-unit-tests-like: text at 4 MiB, then data with a bss tail. */
static struct elf_spec default_spec(bool is64)
{
	struct elf_spec s = {
		.is64 = is64,
		.machine = is64 ? EM_X86_64 : EM_386,
		.entry = 0x400010,
		.nsegs = 2,
		.segs = {{PT_LOAD, 0x400000, 0x180, 0x180},
			 {PT_LOAD, 0x401000, 0x90, 0x3000}},
	};
	return s;
}

static void set_phoff(struct img *im, uint64_t v)
{
	if (im->is64)
		put64(im->p + 32, v);
	else
		put32(im->p + 28, (uint32_t)v);
}

static void set_phentsize(struct img *im, uint16_t v)
{
	put16(im->p + (im->is64 ? 54 : 42), v);
}

static void set_phnum(struct img *im, uint16_t v)
{
	put16(im->p + (im->is64 ? 56 : 44), v);
}

static void set_p_offset(struct img *im, unsigned int i, uint64_t v)
{
	if (im->is64)
		put64(im->p + 64 + i * 56 + 8, v);
	else
		put32(im->p + 52 + i * 32 + 4, (uint32_t)v);
}

/* A copy of the first len bytes, in a buffer of exactly that size. */
static struct img truncated(struct img im, size_t len)
{
	struct img t = im;

	t.p = malloc(len);
	assert_non_null(t.p);
	memcpy(t.p, im.p, len);
	t.len = len;
	free(im.p);
	return t;
}

static int load(const struct img *im)
{
	return mb1_load(ram, RAM_SIZE, im->p, im->len, &out, err, sizeof(err));
}

/* Refused with want in err; out and guest RAM untouched. Frees the image. */
static void assert_refused(struct img *im, const char *want)
{
	assert_int_equal(load(im), -1);
	assert_non_null(memchr(err, '\0', sizeof(err)));
	if (!strstr(err, want))
		fail_msg("err '%s' lacks '%s'", err, want);
	assert_memory_equal(&out, &out_before, sizeof(out));
	assert_true(all_fill(0, RAM_SIZE));
	free(im->p);
	im->p = NULL;
}

static void refuse_spec(const struct elf_spec *s, const char *want)
{
	struct img im = build_elf(s);

	assert_refused(&im, want);
}

/* ---- ELF loading -------------------------------------------------------- */

static void check_default_loaded(const struct img *im)
{
	/* Text: copied byte for byte. */
	for (uint64_t j = 0; j < 0x180; j++)
		assert_int_equal(ram[0x400000 + j], seg_byte(0, j));
	assert_memory_equal(ram + 0x400000, im->p + im->seg_off[0], 0x180);
	/* Data, then bss zeroed up to memsz and not one byte further. */
	assert_memory_equal(ram + 0x401000, im->p + im->seg_off[1], 0x90);
	assert_true(all_zero(0x401090, 0x3000 - 0x90));
	assert_int_equal(ram[0x404000], FILL);
	/* Nothing else written. */
	assert_true(all_fill(0, 0x400000));
	assert_true(all_fill(0x400180, 0x401000 - 0x400180));
	assert_true(all_fill(0x404000, RAM_SIZE - 0x404000));

	assert_int_equal(out.entry, 0x400010);
	assert_int_equal(out.load_start, 0x400000);
	assert_int_equal(out.load_end, 0x404000);
	assert_false(out.aout_kludge);
}

static void test_elf32_loads(void **state)
{
	struct elf_spec s = default_spec(false);
	struct img im = build_elf(&s);

	(void)state;
	assert_int_equal(load(&im), 0);
	assert_string_equal(err, "");
	check_default_loaded(&im);
	assert_false(out.elf64);
	free(im.p);
}

static void test_elf32_x86_64_machine_accepted(void **state)
{
	struct elf_spec s = default_spec(false);
	struct img im;

	(void)state;
	s.machine = EM_X86_64;
	im = build_elf(&s);
	assert_int_equal(load(&im), 0);
	check_default_loaded(&im);
	free(im.p);
}

static void test_elf64_loads(void **state)
{
	struct elf_spec s = default_spec(true);
	struct img im = build_elf(&s);

	(void)state;
	assert_int_equal(load(&im), 0);
	check_default_loaded(&im);
	assert_true(out.elf64);
	free(im.p);
}

/* Other program headers and empty PT_LOADs are skipped; video flag too. */
static void test_elf_skips_and_big_bss(void **state)
{
	const uint64_t big = 32u << 20;
	struct elf_spec s = {
		.machine = EM_386,
		.entry = 0x400000,
		.mb_flags = 0x7 | (1u << 20),
		.nsegs = 4,
		.segs = {{PT_NOTE, 0, 0x10, 0x10},
			 {PT_LOAD, 0x400000, 0x1000, 0xd00000},
			 {PT_LOAD, 0, 0, 0},
			 {PT_LOAD, 0x1000, 0x20, 0xf000}},
	};
	struct img im = build_elf(&s);
	uint8_t *big_ram = malloc(big);

	(void)state;
	assert_non_null(big_ram);
	memset(big_ram, FILL, big);
	assert_int_equal(
		mb1_load(big_ram, big, im.p, im.len, &out, err, sizeof(err)),
		0);
	assert_memory_equal(big_ram + 0x400000, im.p + im.seg_off[1], 0x1000);
	for (uint64_t i = 0x401000; i < 0x1100000; i++)
		if (big_ram[i] != 0)
			fail_msg("bss byte 0x%llx not zeroed",
				 (unsigned long long)i);
	assert_int_equal(big_ram[0x1100000], FILL);
	/* Ends exactly at the boot area: allowed. */
	assert_memory_equal(big_ram + 0x1000, im.p + im.seg_off[3], 0x20);
	assert_int_equal(big_ram[0x1000 + 0xf000 - 1], 0);
	assert_int_equal(big_ram[0x10000], FILL);
	assert_int_equal(big_ram[0xfff], FILL);
	assert_int_equal(out.load_start, 0x1000);
	assert_int_equal(out.load_end, 0x1100000);
	assert_int_equal(out.entry, 0x400000);
	free(big_ram);
	free(im.p);
}

/* ---- multiboot header --------------------------------------------------- */

static struct img raw_image(size_t len)
{
	struct img im = {.len = len};

	im.p = malloc(len);
	assert_non_null(im.p);
	memset(im.p, 0, len);
	return im;
}

static void test_no_header(void **state)
{
	struct elf_spec s = default_spec(false);
	struct img im = build_elf(&s);

	(void)state;
	put32(im.p + im.mb_off, 0);
	assert_refused(&im, "payload: no multiboot header in the first 8 KiB");

	assert_int_equal(
		mb1_load(ram, RAM_SIZE, NULL, 0, &out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no multiboot header"));
}

static void test_header_beyond_8k(void **state)
{
	struct img im;

	(void)state;
	/* Just past the limit. */
	im = raw_image(8192 + 12);
	put_mb_header(im.p + 8192, 0);
	assert_refused(&im, "no multiboot header in the first 8 KiB");
	/* Straddling it. */
	im = raw_image(8200);
	put_mb_header(im.p + 8184, 0);
	assert_refused(&im, "no multiboot header in the first 8 KiB");
	/* Not u32-aligned. */
	im = raw_image(64);
	put_mb_header(im.p + 6, 0);
	assert_refused(&im, "no multiboot header");
	/* Cut by the end of the image. */
	im = raw_image(24);
	put_mb_header(im.p + 12, 0);
	im = truncated(im, 22);
	assert_refused(&im, "no multiboot header");
	/* Last position that counts: found, then refused as not ELF. */
	im = raw_image(8192);
	put_mb_header(im.p + 8180, 0);
	assert_refused(&im, "not an ELF file");
}

static void test_bad_checksum(void **state)
{
	struct elf_spec s = default_spec(false);
	struct img im = build_elf(&s);

	(void)state;
	put32(im.p + im.mb_off + 8, get32(im.p + im.mb_off + 8) + 1);
	assert_refused(&im, "bad checksum");
}

static void test_unknown_required_flags(void **state)
{
	struct elf_spec s = default_spec(false);

	(void)state;
	s.mb_flags = 1u << 3;
	refuse_spec(&s, "lacks (0x8)");
	s.mb_flags = 0x3 | (1u << 15);
	refuse_spec(&s, "lacks (0x8000)");
}

static void test_not_elf(void **state)
{
	struct img im = raw_image(256);

	(void)state;
	put_mb_header(im.p + 64, 0);
	assert_refused(&im, "not an ELF file");
}

static void test_elf_ident_and_type(void **state)
{
	struct elf_spec s = default_spec(false);
	struct img im;

	(void)state;
	im = build_elf(&s);
	im.p[4] = 3;
	assert_refused(&im, "unknown ELF class 3");
	im = build_elf(&s);
	im.p[5] = 2;
	assert_refused(&im, "not little-endian");
	s.type = 3;
	refuse_spec(&s, "ELF type 3 is not an executable");
	s = default_spec(false);
	s.machine = 40; /* ARM */
	refuse_spec(&s, "ELF32 machine 40 is not x86");
	s = default_spec(true);
	s.machine = EM_386;
	refuse_spec(&s, "ELF64 machine 3 is not x86-64");
}

static void test_truncated_elf_header(void **state)
{
	struct img im;

	(void)state;
	/* ELF32 identification, type, machine, then the multiboot header. */
	im = raw_image(32);
	memcpy(im.p, elf_ident, 4);
	im.p[4] = 1;
	im.p[5] = 1;
	im.p[6] = 1;
	put16(im.p + 16, 2);
	put16(im.p + 18, EM_386);
	put_mb_header(im.p + 20, 0);
	assert_refused(&im, "truncated ELF header (32 of 52 bytes)");

	im = raw_image(60);
	memcpy(im.p, elf_ident, 4);
	im.p[4] = 2;
	im.p[5] = 1;
	im.p[6] = 1;
	put_mb_header(im.p + 48, 0);
	assert_refused(&im, "truncated ELF header (60 of 64 bytes)");
}

/* ---- program headers ---------------------------------------------------- */

static void test_phdrs_past_end(void **state)
{
	struct elf_spec s = default_spec(false);
	struct img im;

	(void)state;
	im = build_elf(&s);
	set_phoff(&im, im.len - 16);
	assert_refused(&im, "run past the end of the image");
	im = build_elf(&s);
	set_phoff(&im, im.len + 1);
	assert_refused(&im, "run past the end of the image");
	im = build_elf(&s);
	set_phnum(&im, 40);
	assert_refused(&im, "(40 x 32 bytes) run past the end");
	/* A table moved to the very end of the file: fine. */
	im = build_elf(&s);
	{
		struct img moved = im;

		moved.len = im.len + 2 * 32;
		moved.p = malloc(moved.len);
		assert_non_null(moved.p);
		memcpy(moved.p, im.p, im.len);
		memcpy(moved.p + im.len, im.p + 52, 2 * 32);
		memset(moved.p + 52, 0xee, 2 * 32);
		set_phoff(&moved, im.len);
		free(im.p);
		assert_int_equal(load(&moved), 0);
		check_default_loaded(&moved);
		free(moved.p);
	}
}

static void test_phdr_table_overflow(void **state)
{
	struct elf_spec s = default_spec(true);
	struct img im;

	(void)state;
	/* phoff + table size wraps around 64 bits. */
	im = build_elf(&s);
	set_phoff(&im, 0xfffffffffffffff0ull);
	assert_refused(&im, "run past the end of the image");
	/* The largest phnum * phentsize there is. */
	im = build_elf(&s);
	set_phnum(&im, 0xfffe);
	set_phentsize(&im, 0xffff);
	assert_refused(&im, "(65534 x 65535 bytes) run past the end");
	/* Extended numbering. */
	im = build_elf(&s);
	set_phnum(&im, 0xffff);
	assert_refused(&im, "extended program header numbering");
}

static void test_phentsize_too_small(void **state)
{
	struct elf_spec s = default_spec(true);
	struct img im = build_elf(&s);

	(void)state;
	set_phentsize(&im, 32);
	assert_refused(&im, "e_phentsize 32 is smaller than a program header");
}

/* ---- segments ----------------------------------------------------------- */

static void test_segment_beyond_ram(void **state)
{
	struct elf_spec s = {
		.machine = EM_386,
		.entry = 0x200000,
		.nsegs = 3,
		.segs = {{PT_LOAD, 0x200000, 0x100, 0x100},
			 {PT_NOTE, 0, 0x10, 0x10},
			 {PT_LOAD, 0x400000, 0x10, 0x1000000}},
	};
	struct img im = build_elf(&s);

	(void)state;
	assert_int_equal(load(&im), -1);
	assert_string_equal(err, "payload: segment 2 [0x400000-0x1400000) "
				 "does not fit in 16 MiB of guest RAM");
	assert_true(all_fill(0, RAM_SIZE)); /* segment 0 not loaded either */
	free(im.p);

	/* Ending exactly at the end of RAM is fine. */
	s.segs[2].memsz = RAM_SIZE - 0x400000;
	im = build_elf(&s);
	assert_int_equal(load(&im), 0);
	assert_int_equal(ram[RAM_SIZE - 1], 0);
	free(im.p);
}

static void test_paddr_memsz_overflow(void **state)
{
	struct elf_spec s = default_spec(true);

	(void)state;
	s.segs[1].paddr = 0xfffffffffffff000ull;
	s.segs[1].memsz = 0x2000;
	refuse_spec(&s,
		    "segment 1 at 0xfffffffffffff000 of 0x2000 bytes wraps");
	s.segs[1].paddr = 0x100000000ull;
	refuse_spec(&s, "segment 1 [0x100000000-0x100002000) does not fit");
}

static void test_filesz_gt_memsz(void **state)
{
	struct elf_spec s = default_spec(false);

	(void)state;
	s.segs[1].filesz = 0x200;
	s.segs[1].memsz = 0x100;
	refuse_spec(&s, "segment 1 has p_filesz 0x200 > p_memsz 0x100");
}

static void test_file_range_past_end(void **state)
{
	struct elf_spec s = default_spec(false);
	struct img im;

	(void)state;
	im = build_elf(&s);
	set_p_offset(&im, 1, im.len - 0x8f);
	assert_refused(&im, "segment 1: 0x90 bytes at file offset");
	im = build_elf(&s);
	im = truncated(im, im.len - 1);
	assert_refused(&im, "run past the end of the image");
	s = default_spec(true);
	im = build_elf(&s);
	set_p_offset(&im, 0, 0xfffffffffffffff0ull);
	assert_refused(&im, "segment 0: 0x180 bytes at file offset "
			    "0xfffffffffffffff0 run past");
}

static void test_overlaps_boot_area(void **state)
{
	struct elf_spec s = default_spec(false);

	(void)state;
	s.segs[1].paddr = 0x9e000;
	refuse_spec(&s, "segment 1 [0x9e000-0xa1000) overlaps the boot area "
			"[0x10000-0x9f000)");
	s.segs[1].paddr = 0xf000;
	s.segs[1].memsz = 0x1001;
	refuse_spec(&s, "overlaps the boot area");
	s.segs[1].paddr = 0x20000;
	s.segs[1].memsz = 0x1000;
	refuse_spec(&s, "overlaps the boot area");
	/* Starting right at its end is fine. */
	s.segs[1].paddr = MB1_BOOT_AREA_END;
	{
		struct img im = build_elf(&s);

		assert_int_equal(load(&im), 0);
		assert_int_equal(out.load_start, MB1_BOOT_AREA_END);
		assert_int_equal(ram[MB1_BOOT_AREA_END - 1], FILL);
		free(im.p);
	}
}

static void test_page0(void **state)
{
	struct elf_spec s = default_spec(false);

	(void)state;
	s.segs[1].paddr = 0x800;
	s.segs[1].memsz = 0x1000;
	refuse_spec(&s, "segment 1 [0x800-0x1800) touches page 0");
	s.segs[1].paddr = 0;
	refuse_spec(&s, "touches page 0");
}

static void test_no_pt_load(void **state)
{
	struct elf_spec s = default_spec(false);
	struct img im;

	(void)state;
	s.segs[0].type = PT_NOTE;
	s.segs[1].memsz = 0;
	s.segs[1].filesz = 0;
	refuse_spec(&s, "payload: no PT_LOAD segment");
	s = default_spec(false);
	im = build_elf(&s);
	set_phnum(&im, 0);
	assert_refused(&im, "no PT_LOAD segment");
}

static void test_entry_outside_segments(void **state)
{
	struct elf_spec s = default_spec(false);

	(void)state;
	s.entry = 0x500000;
	refuse_spec(&s, "entry point 0x500000 is outside every loaded segment");
	s.entry = 0x404000; /* one past the bss */
	refuse_spec(&s, "entry point 0x404000 is outside");
	s.entry = 0x400180; /* in the gap */
	refuse_spec(&s, "is outside every loaded segment");
}

static void test_entry_above_4g(void **state)
{
	struct elf_spec s = default_spec(true);

	(void)state;
	s.entry = 0x100400010ull;
	refuse_spec(&s, "entry point 0x100400010 is above 4 GiB");
	s.entry = 0xffffffff80400010ull; /* a virtual address */
	refuse_spec(&s, "above 4 GiB");
}

static void test_err_null_and_short(void **state)
{
	struct elf_spec s = default_spec(false);
	struct img im;
	char small[8];

	(void)state;
	s.entry = 0x500000;
	im = build_elf(&s);
	assert_int_equal(mb1_load(ram, RAM_SIZE, im.p, im.len, &out, NULL, 0),
			 -1);
	assert_int_equal(
		mb1_load(ram, RAM_SIZE, im.p, im.len, &out, NULL, sizeof(err)),
		-1);
	assert_int_equal(mb1_load(ram, RAM_SIZE, im.p, im.len, &out, small,
				  sizeof(small)),
			 -1);
	assert_string_equal(small, "payload");
	assert_true(all_fill(0, RAM_SIZE));
	free(im.p);
}

/* ---- a.out kludge ------------------------------------------------------- */

struct aout {
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry;
};

static struct img aout_image(size_t len, size_t hoff, const struct aout *a)
{
	struct img im = raw_image(len);
	size_t n = len - hoff < 32 ? len - hoff : 32;
	uint8_t hdr[32];

	for (size_t i = 0; i < len; i++)
		im.p[i] = seg_byte(7, i);
	put_mb_header(hdr, 1u << 16);
	put32(hdr + 12, a->header_addr);
	put32(hdr + 16, a->load_addr);
	put32(hdr + 20, a->load_end_addr);
	put32(hdr + 24, a->bss_end_addr);
	put32(hdr + 28, a->entry);
	memcpy(im.p + hoff, hdr, n);
	return im;
}

static void test_aout_kludge(void **state)
{
	/* Load the whole file from offset 0, bss after it. */
	struct aout a = {0x400020, 0x400000, 0, 0x403000, 0x400040};
	struct img im = aout_image(0x100, 0x20, &a);

	(void)state;
	assert_int_equal(load(&im), 0);
	assert_memory_equal(ram + 0x400000, im.p, 0x100);
	assert_true(all_zero(0x400100, 0x2f00));
	assert_true(all_fill(0, 0x400000));
	assert_true(all_fill(0x403000, RAM_SIZE - 0x403000));
	assert_int_equal(out.entry, 0x400040);
	assert_int_equal(out.load_start, 0x400000);
	assert_int_equal(out.load_end, 0x403000);
	assert_true(out.aout_kludge);
	assert_false(out.elf64);
	free(im.p);
}

/* Without RAM the loader only says where the image goes. */
static void test_probe_writes_nothing(void **state)
{
	struct elf_spec s = default_spec(true);
	struct img im = build_elf(&s);
	struct aout a = {0x400020, 0x400000, 0, 0x403000, 0x400040};
	struct img ai = aout_image(0x100, 0x20, &a);

	(void)state;
	assert_int_equal(
		mb1_load(NULL, RAM_SIZE, im.p, im.len, &out, err, sizeof(err)),
		0);
	assert_true(all_fill(0, RAM_SIZE));
	assert_int_equal(out.entry, 0x400010);
	assert_int_equal(out.load_start, 0x400000);
	assert_int_equal(out.load_end, 0x404000);
	assert_true(out.elf64);
	assert_int_equal(
		mb1_load(NULL, RAM_SIZE, ai.p, ai.len, &out, err, sizeof(err)),
		0);
	assert_true(all_fill(0, RAM_SIZE));
	assert_int_equal(out.load_end, 0x403000);
	assert_true(out.aout_kludge);
	/* The same checks as a real load: a segment beyond RAM is refused. */
	assert_int_equal(
		mb1_load(NULL, 0x402000, im.p, im.len, &out, err, sizeof(err)),
		-1);
	assert_non_null(strstr(err, "segment"));
	free(im.p);
	free(ai.p);
}

static void test_aout_kludge_partial(void **state)
{
	/* Header at 0x40 loads at 0x400020: the load starts at offset 0x20. */
	struct aout a = {0x400020, 0x400000, 0x400080, 0, 0x400000};
	struct img im = aout_image(0x100, 0x40, &a);

	(void)state;
	assert_int_equal(load(&im), 0);
	assert_memory_equal(ram + 0x400000, im.p + 0x20, 0x80);
	assert_true(all_fill(0x400080, RAM_SIZE - 0x400080));
	assert_true(all_fill(0, 0x400000));
	assert_int_equal(out.load_end, 0x400080);
	assert_true(out.aout_kludge);
	free(im.p);
}

static void refuse_aout(size_t len, size_t hoff, struct aout a,
			const char *want)
{
	struct img im = aout_image(len, hoff, &a);

	assert_refused(&im, want);
}

static void test_aout_kludge_refusals(void **state)
{
	const struct aout good = {0x400020, 0x400000, 0, 0x403000, 0x400040};
	struct aout a;

	(void)state;
	a = good;
	a.load_addr = 0x400024;
	refuse_aout(0x100, 0x20, a, "load_addr 0x400024 is above header_addr");
	a = good;
	a.load_addr = 0x3fff00;
	refuse_aout(0x100, 0x20, a, "before the header");
	a = good;
	a.load_end_addr = 0x3fffff;
	refuse_aout(0x100, 0x20, a,
		    "load_end_addr 0x3fffff is below load_addr");
	a = good;
	a.load_end_addr = 0x400101;
	refuse_aout(0x100, 0x20, a, "is 0x101 bytes but the file has 0x100");
	a = good;
	a.bss_end_addr = 0x4000ff;
	refuse_aout(0x100, 0x20, a, "bss_end_addr 0x4000ff is below");
	a = good;
	a.entry = 0x403000;
	refuse_aout(0x100, 0x20, a, "entry_addr 0x403000 is outside the image");
	a = good;
	a.bss_end_addr = RAM_SIZE + 1;
	refuse_aout(0x100, 0x20, a,
		    "a.out image [0x400000-0x1000001) does "
		    "not fit in 16 MiB of guest RAM");
	a = (struct aout){0x20020, 0x20000, 0, 0, 0x20000};
	refuse_aout(0x100, 0x20, a, "overlaps the boot area");
	a = (struct aout){0x10, 0, 0, 0, 0x10};
	refuse_aout(0x100, 0x10, a, "touches page 0");
	a = (struct aout){0x400000, 0x400000, 0x400000, 0, 0x400000};
	refuse_aout(0x100, 0, a, "the image is empty");
	/* Address fields cut off by the end of the image. */
	refuse_aout(0x34, 0x20, good, "address fields are not within");
}

/* ---- info block --------------------------------------------------------- */

static uint32_t info_u32(uint32_t info, uint32_t off)
{
	return get32(ram + info + off);
}

static const char *gstr(uint32_t gpa)
{
	assert_true(gpa >= MB1_BOOT_AREA_START && gpa < MB1_BOOT_AREA_END);
	assert_non_null(memchr(ram + gpa, '\0', MB1_BOOT_AREA_END - gpa));
	return (const char *)ram + gpa;
}

/* The map: PC low memory, RAM to `low`, and `high` bytes from 4 GiB. */
static void check_mmap(uint32_t info, uint64_t low, uint64_t high)
{
	static const struct {
		uint64_t base, len;
		uint32_t type;
	} want[] = {
		{0, 0x9fc00, 1},	{0x9fc00, 0x400, 2},
		{0xf0000, 0x10000, 2},	{0x100000, 0, 1}, /* len: low - 1 MiB */
		{0x100000000ULL, 0, 1}, /* len: high, when there is any */
	};
	unsigned int n = high ? 5 : 4;
	uint32_t at = info_u32(info, 48);

	assert_int_equal(info_u32(info, 44), n * 24);
	assert_true(at >= info + 116 && at + n * 24 <= MB1_BOOT_AREA_END);
	for (unsigned int i = 0; i < n; i++, at += 24) {
		uint64_t base, len;
		uint64_t want_len = i == 3   ? low - 0x100000
				    : i == 4 ? high
					     : want[i].len;

		memcpy(&base, ram + at + 4, 8);
		memcpy(&len, ram + at + 12, 8);
		assert_int_equal(info_u32(at, 0), 20);
		assert_int_equal(base, want[i].base);
		assert_int_equal(len, want_len);
		assert_int_equal(info_u32(at, 20), want[i].type);
	}
}

static void test_info_mmap_high(void **state)
{
	uint32_t info = 0;

	(void)state;
	/* 6 GiB as QEMU's pc lays it out: 3 GiB below 4 GiB, 3 above. */
	assert_int_equal(mb1_build_info(ram, 3ULL << 30, 3ULL << 30, "x", NULL,
					&info, err, sizeof(err)),
			 0);
	assert_int_equal(info_u32(info, 8), ((3ULL << 30) - (1u << 20)) / 1024);
	check_mmap(info, 3ULL << 30, 3ULL << 30);
	assert_string_equal(gstr(info_u32(info, 16)), "x");
	assert_string_equal(gstr(info_u32(info, 64)), "mhv");
}

static void test_info_layout(void **state)
{
	uint32_t info = 0;

	(void)state;
	assert_int_equal(mb1_build_info(ram, RAM_SIZE, 0, "x86/apic.flat a=1",
					NULL, &info, err, sizeof(err)),
			 0);
	assert_string_equal(err, "");
	assert_int_equal(info, MB1_BOOT_AREA_START);
	assert_int_equal(info_u32(info, 0),
			 (1u << 0) | (1u << 2) | (1u << 6) | (1u << 9));
	assert_int_equal(info_u32(info, 4), 640);
	assert_int_equal(info_u32(info, 8), (RAM_SIZE - (1u << 20)) / 1024);
	assert_int_equal(info_u32(info, 12), 0);
	assert_string_equal(gstr(info_u32(info, 16)), "x86/apic.flat a=1");
	assert_int_equal(info_u32(info, 20), 0);
	assert_int_equal(info_u32(info, 24), 0);
	for (uint32_t off = 28; off < 44; off += 4)
		assert_int_equal(info_u32(info, off), 0); /* syms */
	check_mmap(info, RAM_SIZE, 0);
	for (uint32_t off = 52; off < 64; off += 4)
		assert_int_equal(info_u32(info, off), 0); /* drives, config */
	assert_string_equal(gstr(info_u32(info, 64)), "mhv");
	assert_true(info_u32(info, 16) >= info + 116);
	assert_true(info_u32(info, 64) >= info + 116);
	/* The boot area is zeroed, and nothing outside it touched. */
	assert_true(all_zero(MB1_BOOT_AREA_END - 0x1000, 0x1000));
	assert_true(all_fill(0, MB1_BOOT_AREA_START));
	assert_true(all_fill(MB1_BOOT_AREA_END, RAM_SIZE - MB1_BOOT_AREA_END));
}

static void test_info_null_cmdline_and_clamp(void **state)
{
	uint32_t info = 0;

	(void)state;
	assert_int_equal(mb1_build_info(ram, RAM_SIZE, 0, NULL, NULL, &info,
					err, sizeof(err)),
			 0);
	assert_string_equal(gstr(info_u32(info, 16)), "");
	assert_int_equal(info_u32(info, 0) & (1u << 6), 1u << 6);
	/* Exactly 2 MiB: 1 MiB above 1 MiB. */
	assert_int_equal(mb1_build_info(ram, 2u << 20, 0, NULL, NULL, &info,
					err, sizeof(err)),
			 0);
	assert_int_equal(info_u32(info, 8), 1024);
	/* Only the boot area is written, so a huge ram_size shows the clamp. */
	assert_int_equal(mb1_build_info(ram, 1ull << 43, 0, NULL, NULL, &info,
					err, sizeof(err)),
			 0);
	assert_int_equal(info_u32(info, 8), 0xffffffffu);
}

static void test_info_ram_too_small(void **state)
{
	uint32_t info = 0x12345678;

	(void)state;
	assert_int_equal(mb1_build_info(ram, (2u << 20) - 1, 0, "x", NULL,
					&info, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "too small"));
	assert_int_equal(info, 0x12345678);
	assert_true(all_fill(0, RAM_SIZE));
}

static void test_info_module(void **state)
{
	const size_t len = 5000;
	uint8_t *data = malloc(len);
	struct mb1_module mod = {data, len, "initrd.img x=y"};
	uint32_t info = 0, mods, start;

	(void)state;
	assert_non_null(data);
	for (size_t i = 0; i < len; i++)
		data[i] = seg_byte(3, i);
	assert_int_equal(mb1_build_info(ram, RAM_SIZE, 0, "pmu.flat", &mod,
					&info, err, sizeof(err)),
			 0);
	assert_int_equal(info_u32(info, 0), (1u << 0) | (1u << 2) | (1u << 3) |
						    (1u << 6) | (1u << 9));
	assert_int_equal(info_u32(info, 20), 1);
	mods = info_u32(info, 24);
	assert_true(mods >= info + 116 && mods % 4 == 0);
	assert_true(mods + 16 <= MB1_BOOT_AREA_END);
	start = get32(ram + mods);
	assert_int_equal(start % 4096, 0);
	assert_int_equal(get32(ram + mods + 4), start + len);
	assert_string_equal(gstr(get32(ram + mods + 8)), "initrd.img x=y");
	assert_int_equal(get32(ram + mods + 12), 0);
	assert_true(start >= mods + 16);
	assert_true(start + len <= MB1_BOOT_AREA_END);
	assert_memory_equal(ram + start, data, len);
	assert_string_equal(gstr(info_u32(info, 16)), "pmu.flat");
	assert_string_equal(gstr(info_u32(info, 64)), "mhv");
	assert_true(all_fill(MB1_BOOT_AREA_END, RAM_SIZE - MB1_BOOT_AREA_END));
	free(data);
}

static void test_info_module_limits(void **state)
{
	struct mb1_module mod = {NULL, 0, NULL};
	uint32_t info = 0, mods, start, max;
	uint8_t *data;
	char want[128];

	(void)state;
	/* Empty module, no command line. */
	assert_int_equal(mb1_build_info(ram, RAM_SIZE, 0, "t", &mod, &info, err,
					sizeof(err)),
			 0);
	mods = info_u32(info, 24);
	start = get32(ram + mods);
	assert_int_equal(get32(ram + mods + 4), start);
	assert_string_equal(gstr(get32(ram + mods + 8)), "");

	/* The largest module that fits, then one byte more. */
	max = MB1_BOOT_AREA_END - start;
	data = malloc(max + 1);
	assert_non_null(data);
	memset(data, 0x5c, max + 1);
	mod.data = data;
	mod.len = max;
	assert_int_equal(mb1_build_info(ram, RAM_SIZE, 0, "t", &mod, &info, err,
					sizeof(err)),
			 0);
	assert_int_equal(ram[MB1_BOOT_AREA_END - 1], 0x5c);
	assert_int_equal(ram[MB1_BOOT_AREA_END], FILL);

	memset(ram, FILL, RAM_SIZE);
	mod.len = max + 1;
	info = 0x12345678;
	assert_int_equal(mb1_build_info(ram, RAM_SIZE, 0, "t", &mod, &info, err,
					sizeof(err)),
			 -1);
	snprintf(want, sizeof(want),
		 "module of %u bytes does not fit in the boot area (max %u)",
		 max + 1, max);
	assert_string_equal(err, want);
	assert_int_equal(info, 0x12345678);
	assert_true(all_fill(0, RAM_SIZE)); /* refused before writing */
	free(data);

	/* Data pointer missing. */
	mod.data = NULL;
	mod.len = 10;
	assert_int_equal(mb1_build_info(ram, RAM_SIZE, 0, "t", &mod, &info, err,
					sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "has no data"));
}

static void test_info_strings_too_long(void **state)
{
	const size_t n = MB1_BOOT_AREA_END - MB1_BOOT_AREA_START;
	char *s = malloc(n + 1);
	struct mb1_module mod = {NULL, 0, NULL};
	uint32_t info = 0;

	(void)state;
	assert_non_null(s);
	memset(s, 'a', n);
	s[n] = '\0';
	assert_int_equal(mb1_build_info(ram, RAM_SIZE, 0, s, NULL, &info, err,
					sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "command line of "));
	assert_non_null(strstr(err, "does not fit in the boot area"));

	mod.cmdline = s;
	assert_int_equal(mb1_build_info(ram, RAM_SIZE, 0, "t", &mod, &info, err,
					sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "module command line of"));
	assert_true(all_fill(0, RAM_SIZE));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_elf32_loads),
		T(test_elf32_x86_64_machine_accepted),
		T(test_elf64_loads),
		T(test_elf_skips_and_big_bss),
		T(test_no_header),
		T(test_header_beyond_8k),
		T(test_bad_checksum),
		T(test_unknown_required_flags),
		T(test_not_elf),
		T(test_elf_ident_and_type),
		T(test_truncated_elf_header),
		T(test_phdrs_past_end),
		T(test_phdr_table_overflow),
		T(test_phentsize_too_small),
		T(test_segment_beyond_ram),
		T(test_paddr_memsz_overflow),
		T(test_filesz_gt_memsz),
		T(test_file_range_past_end),
		T(test_overlaps_boot_area),
		T(test_page0),
		T(test_no_pt_load),
		T(test_entry_outside_segments),
		T(test_entry_above_4g),
		T(test_err_null_and_short),
		T(test_aout_kludge),
		T(test_aout_kludge_partial),
		T(test_aout_kludge_refusals),
		T(test_info_layout),
		T(test_probe_writes_nothing),
		T(test_info_mmap_high),
		T(test_info_null_cmdline_and_clamp),
		T(test_info_ram_too_small),
		T(test_info_module),
		T(test_info_module_limits),
		T(test_info_strings_too_long),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
