// SPDX-License-Identifier: MIT
/*
 * The multiboot v1 loader (core/vm/mb1_loader.c): arbitrary payload images
 * loaded into a fake guest RAM, and the information block built from an
 * arbitrary command line and module. Guest RAM starts each run filled
 * with a pattern, so any write the loader was not entitled to shows:
 * a refused payload must leave all of it as it was, an accepted one may
 * only change what it loaded.
 *
 * Input: flags (u8), command line length (u16), module string length
 * (u8), module length (u16), then those bytes, then the image: the image
 * is the tail of libFuzzer's buffer, so reading past it is an ASan report.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/vm/mb1_loader.h"
#include "lib/compiler.h"
#include "tests/fuzz/check.h"
#include "tests/fuzz/input.h"

#define RAM_BUF MiB(2)

/* RAM sizes a VM could have, and ones no VM has (the loader must cope). */
static const uint64_t ram_sizes[] = {MiB(2), MiB(1), MiB(2) - 1, 0xa3456};

static uint8_t *ram, *pristine;

static void setup(void)
{
	if (ram)
		return;
	ram = malloc(RAM_BUF);
	pristine = malloc(RAM_BUF);
	CHECK(ram && pristine, "out of memory");
	for (size_t i = 0; i < RAM_BUF; i++)
		pristine[i] = (uint8_t)(i * 167 + (i >> 12));
	memcpy(ram, pristine, RAM_BUF);
}

/* First byte in [from, to) that differs from the pattern, or `to`. */
static size_t first_change(size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (ram[i] != pristine[i])
			return i;
	return to;
}

/* memcmp first: this runs over all of guest RAM for most inputs. */
static void check_untouched(size_t from, size_t to, const char *what)
{
	size_t at;

	if (from >= to || !memcmp(ram + from, pristine + from, to - from))
		return;
	at = first_change(from, to);
	CHECK(at == to, "%s: guest RAM at %#zx was written", what, at);
}

static void restore(size_t from, size_t to)
{
	memcpy(ram + from, pristine + from, to - from);
}

static void check_load(const uint8_t *img, size_t len, uint64_t ram_size)
{
	struct mb1_image out;
	char err[200];
	int rc;

	rc = mb1_load(ram, ram_size, img, len, &out, err, sizeof(err));
	CHECK(memchr(err, '\0', sizeof(err)), "unterminated message");
	if (rc) {
		CHECK(err[0], "refused without a reason");
		check_untouched(0, RAM_BUF, "refused payload");
		return;
	}
	CHECK(out.load_start >= 0x1000 && out.load_start < out.load_end &&
		      out.load_end <= ram_size,
	      "loaded [%#llx-%#llx) into %#llx bytes of RAM",
	      (unsigned long long)out.load_start,
	      (unsigned long long)out.load_end, (unsigned long long)ram_size);
	/* Segments may straddle the boot area; none may touch it. */
	check_untouched(MB1_BOOT_AREA_START, MB1_BOOT_AREA_END,
			"the boot area under a payload");
	CHECK(out.entry >= out.load_start && out.entry < out.load_end,
	      "entry %#x outside [%#llx-%#llx)", out.entry,
	      (unsigned long long)out.load_start,
	      (unsigned long long)out.load_end);
	CHECK(!(out.aout_kludge && out.elf64), "a.out kludge and ELF64");
	check_untouched(0, out.load_start, "below the payload");
	check_untouched(out.load_end, RAM_BUF, "above the payload");
	restore(out.load_start, out.load_end);
}

static uint32_t rd32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, ram + gpa, 4);
	return v;
}

/* The string at gpa must be `want`, inside the boot area. */
static void check_string_at(uint64_t gpa, const char *want, const char *what)
{
	size_t n = strlen(want) + 1;

	CHECK(gpa >= MB1_BOOT_AREA_START && gpa + n <= MB1_BOOT_AREA_END,
	      "%s at %#llx outside the boot area", what,
	      (unsigned long long)gpa);
	CHECK(!memcmp(ram + gpa, want, n), "%s differs from what was given",
	      what);
}

static void check_module(uint32_t info, const struct mb1_module *mod)
{
	uint64_t at = rd32(info + 24), start, end;

	CHECK(rd32(info + 20) == 1, "%u modules", rd32(info + 20));
	CHECK(at >= MB1_BOOT_AREA_START && at + 16 <= MB1_BOOT_AREA_END,
	      "module list at %#llx", (unsigned long long)at);
	start = rd32(at);
	end = rd32(at + 4);
	CHECK(start % 4096 == 0 && end - start == mod->len &&
		      start >= MB1_BOOT_AREA_START && end <= MB1_BOOT_AREA_END,
	      "module at [%#llx-%#llx) for %zu bytes",
	      (unsigned long long)start, (unsigned long long)end, mod->len);
	CHECK(!mod->len || !memcmp(ram + start, mod->data, mod->len),
	      "module bytes differ");
	check_string_at(rd32(at + 8), mod->cmdline ? mod->cmdline : "",
			"module string");
}

static void check_info(const char *cmdline, const struct mb1_module *mod,
		       uint64_t ram_size)
{
	uint32_t gpa = 0, want_upper;
	char err[200];
	int rc;

	rc = mb1_build_info(ram, ram_size, 0, cmdline, mod, &gpa, err,
			    sizeof(err));
	if (rc) {
		CHECK(err[0], "refused without a reason");
		check_untouched(0, RAM_BUF, "refused information block");
		return;
	}
	CHECK(gpa == MB1_BOOT_AREA_START, "info at %#x", gpa);
	check_untouched(0, MB1_BOOT_AREA_START, "below the boot area");
	check_untouched(MB1_BOOT_AREA_END, RAM_BUF, "above the boot area");
	CHECK((rd32(gpa) & 0x205) == 0x205, "info flags %#x", rd32(gpa));
	CHECK(rd32(gpa + 4) == 640, "mem_lower %u", rd32(gpa + 4));
	want_upper = (uint32_t)MIN((ram_size - MiB(1)) / KiB(1),
				   (uint64_t)UINT32_MAX);
	CHECK(rd32(gpa + 8) == want_upper, "mem_upper %u", rd32(gpa + 8));
	check_string_at(rd32(gpa + 16), cmdline, "command line");
	check_string_at(rd32(gpa + 64), "mhv", "boot loader name");
	if (mod)
		check_module(gpa, mod);
	else
		CHECK(!(rd32(gpa) & 8) && rd32(gpa + 20) == 0,
		      "a module out of nowhere");
	restore(MB1_BOOT_AREA_START, MB1_BOOT_AREA_END);
}

/* A copy of exactly n bytes (and a NUL), so ASan sees any over-read. */
static uint8_t *copy(struct fuzz_in *in, size_t *len)
{
	size_t n = MIN(*len, in->n);
	uint8_t *p;

	*len = n;
	p = malloc(n + 1);
	CHECK(p, "out of memory");
	memcpy(p, in->p, n);
	p[n] = '\0';
	in->p += n;
	in->n -= n;
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	uint8_t flags = in_u8(&in);
	size_t clen = in_u16(&in), slen = in_u8(&in), mlen = in_u16(&in);
	uint64_t ram_size = ram_sizes[flags & 3];
	uint8_t *cmdline, *mstr, *mdata;
	struct mb1_module mod;

	setup();
	cmdline = copy(&in, &clen);
	mstr = copy(&in, &slen);
	mdata = copy(&in, &mlen);
	mod = (struct mb1_module){
		.data = mdata,
		.len = flags & 8 ? mlen : 0,
		.cmdline = flags & 16 ? NULL : (const char *)mstr,
	};

	check_load(in.p, in.n, ram_size);
	check_info((const char *)cmdline, flags & 4 ? &mod : NULL, ram_size);

	free(cmdline);
	free(mstr);
	free(mdata);
	return 0;
}
