// SPDX-License-Identifier: MIT
/*
 * The screen console (core/host/screen.c) drawing into memory: RGB
 * framebuffers of 32, 24 and 16 bits per pixel read back cell by cell
 * against the font, EGA text cells, scrolling, wrapping, text kept before
 * the screen starts, and the framebuffers it must refuse. The source is
 * included so that each test starts from a fresh screen.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/host/screen.c"

#define UNKNOWN '\x7f'

static uint8_t *mem;

static int fresh(void **state)
{
	(void)state;
	memset(&scr, 0, sizeof(scr));
	memset(grid, 0, sizeof(grid));
	pending_len = 0;
	mem = NULL;
	return 0;
}

static int release(void **state)
{
	(void)state;
	free(mem);
	return 0;
}

/* A direct-colour framebuffer of w x h pixels in host memory. */
static struct boot_fb rgb_fb(uint32_t w, uint32_t h, uint8_t bpp)
{
	struct boot_fb fb = {
		.type = BOOT_FB_RGB,
		.width = w,
		.height = h,
		.bpp = bpp,
	};

	if (bpp == 16) {
		fb.red_pos = 11, fb.red_size = 5;
		fb.green_pos = 5, fb.green_size = 6;
		fb.blue_pos = 0, fb.blue_size = 5;
	} else {
		fb.red_pos = 16, fb.red_size = 8;
		fb.green_pos = 8, fb.green_size = 8;
		fb.blue_pos = 0, fb.blue_size = 8;
	}
	/* A pitch wider than the visible line, as firmware often gives. */
	fb.pitch = w * ((bpp + 7) / 8) + 16;
	mem = calloc(1, (size_t)fb.pitch * h);
	assert_non_null(mem);
	memset(mem, 0x5a, (size_t)fb.pitch * h); /* clear() must wipe it */
	fb.addr = (uint64_t)(uintptr_t)mem;
	return fb;
}

static uint32_t read_pixel(const struct boot_fb *fb, uint32_t x, uint32_t y)
{
	const uint8_t *p =
		mem + (size_t)y * fb->pitch + x * ((fb->bpp + 7) / 8);

	switch (fb->bpp) {
	case 32:
		return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
	case 24:
		return p[0] | p[1] << 8 | p[2] << 16;
	default:
		return p[0] | p[1] << 8;
	}
}

/* The character drawn in a cell: the glyph whose lit dots are exactly fg. */
static char cell_at(const struct boot_fb *fb, unsigned int row,
		    unsigned int col, uint32_t fg, uint32_t bg)
{
	for (int c = ' '; c <= '~'; c++) {
		bool match = true;

		for (unsigned int y = 0; y < FONT_H && match; y++) {
			uint8_t bits = font_row((char)c, y);

			for (unsigned int x = 0; x < FONT_W && match; x++) {
				uint32_t want = (bits << x) & 0x80 ? fg : bg;

				match = read_pixel(fb, col * FONT_W + x,
						   row * FONT_H + y) == want;
			}
		}
		if (match)
			return (char)c;
	}
	return UNKNOWN;
}

static void put(const char *s)
{
	while (*s)
		screen_putc(*s++);
}

/* Row `row` of the screen as text, trailing blanks removed. */
static void row_text(const struct boot_fb *fb, unsigned int row, uint32_t fg,
		     char *out)
{
	unsigned int cols = fb->width / FONT_W, n = 0;

	for (unsigned int c = 0; c < cols; c++)
		out[n++] = cell_at(fb, row, c, fg, 0);
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

static void start(const struct boot_fb *fb)
{
	const char *why = NULL;

	assert_int_equal(screen_start(fb, &why), 0);
	assert_null(why);
}

/* Text logged before the screen exists shows up once it starts. */
static void test_rgb32_draws_kept_text(void **state)
{
	struct boot_fb fb = rgb_fb(10 * FONT_W, 4 * FONT_H, 32);
	uint32_t fg = 0xc0c0c0;
	char line[16];

	(void)state;
	put("mhv: ok\nline 2");
	start(&fb);
	row_text(&fb, 0, fg, line);
	assert_string_equal(line, "mhv: ok");
	row_text(&fb, 1, fg, line);
	assert_string_equal(line, "line 2");
	row_text(&fb, 2, fg, line);
	assert_string_equal(line, "");
	/* The padding past the visible line is not the screen's to touch. */
	assert_int_equal(mem[10 * FONT_W * 4], 0x5a);
}

/* 24 and 16 bits per pixel: the same text, the colour in their layout. */
static void test_rgb24_and_rgb16(void **state)
{
	struct boot_fb fb24 = rgb_fb(6 * FONT_W, 2 * FONT_H, 24), fb16;
	char line[8];

	(void)state;
	put("AZaz09");
	start(&fb24);
	row_text(&fb24, 0, 0xc0c0c0, line);
	assert_string_equal(line, "AZaz09");
	free(mem);

	fresh(NULL);
	fb16 = rgb_fb(6 * FONT_W, 2 * FONT_H, 16);
	put("~!{}|");
	start(&fb16);
	/* 0xc0 in 5:6:5 is 0x18, 0x30, 0x18. */
	row_text(&fb16, 0, 0x18 << 11 | 0x30 << 5 | 0x18, line);
	assert_string_equal(line, "~!{}|");
}

/* A full framebuffer scrolls by a quarter of its rows (at least one). */
static void test_rgb_scrolls(void **state)
{
	struct boot_fb fb = rgb_fb(4 * FONT_W, 8 * FONT_H, 32);
	char line[8];

	(void)state;
	start(&fb);
	for (int i = 0; i < 8; i++) {
		char l[16];

		snprintf(l, sizeof(l), "l%d\n", i);
		put(l);
	}
	/* The 9th line scrolled 2 rows (8 / 4): l2 is on top, row 6 free. */
	row_text(&fb, 0, 0xc0c0c0, line);
	assert_string_equal(line, "l2");
	row_text(&fb, 5, 0xc0c0c0, line);
	assert_string_equal(line, "l7");
	row_text(&fb, 6, 0xc0c0c0, line);
	assert_string_equal(line, "");
	put("x");
	row_text(&fb, 6, 0xc0c0c0, line);
	assert_string_equal(line, "x");
}

/* A long line wraps; tabs stop at multiples of 8; others print as '?'. */
static void test_wrap_tab_and_unprintable(void **state)
{
	struct boot_fb fb = rgb_fb(10 * FONT_W, 4 * FONT_H, 32);
	char line[16];

	(void)state;
	start(&fb);
	put("0123456789abc\n\tx\x01\r\n");
	row_text(&fb, 0, 0xc0c0c0, line);
	assert_string_equal(line, "0123456789");
	row_text(&fb, 1, 0xc0c0c0, line);
	assert_string_equal(line, "abc");
	row_text(&fb, 2, 0xc0c0c0, line);
	assert_string_equal(line, "        x?");
}

/* EGA text: 16-bit cells, light grey on black, one line per scroll. */
static void test_ega_text(void **state)
{
	struct boot_fb fb = {.type = BOOT_FB_EGA_TEXT, .width = 8, .height = 3};
	uint16_t *cells;

	(void)state;
	fb.pitch = 8 * 2;
	mem = calloc(1, 8 * 3 * 2);
	assert_non_null(mem);
	cells = (uint16_t *)mem;
	fb.addr = (uint64_t)(uintptr_t)mem;
	put("ab\xff\n");
	start(&fb);
	assert_int_equal(cells[0], 0x0700 | 'a');
	assert_int_equal(cells[1], 0x0700 | 'b');
	assert_int_equal(cells[2], 0x0700 | '?');
	assert_int_equal(cells[3], 0x0700 | ' '); /* cleared */
	put("c\nd\ne");
	/* Four lines on three rows: one scroll, "ab?" gone. */
	assert_int_equal(cells[0], 0x0700 | 'c');
	assert_int_equal(cells[8], 0x0700 | 'd');
	assert_int_equal(cells[16], 0x0700 | 'e');
}

/* What cannot be drawn on is refused with a reason, and stays off. */
static void test_refusals(void **state)
{
	struct boot_fb unusable = {.type = BOOT_FB_UNUSABLE};
	struct boot_fb tiny;
	const char *why = NULL;
	char desc[96];

	(void)state;
	assert_int_equal(screen_start(&unusable, &why), -1);
	assert_string_equal(why, "not a framebuffer mhv can draw on");
	screen_describe(desc, sizeof(desc));
	assert_string_equal(desc, "none");
	/* Stopped: nothing is kept, a second start is refused. */
	put("dropped");
	assert_int_equal(pending_len, 0);
	assert_int_equal(screen_start(&unusable, &why), -1);
	assert_string_equal(why, "stopped");

	fresh(NULL);
	tiny = rgb_fb(FONT_W - 1, FONT_H, 32);
	assert_int_equal(screen_start(&tiny, &why), -1);
	assert_string_equal(why, "smaller than one character");
}

static void test_describe(void **state)
{
	struct boot_fb fb = rgb_fb(16 * FONT_W, 2 * FONT_H, 32);
	char desc[128], want[128];
	const char *why;

	(void)state;
	start(&fb);
	snprintf(want, sizeof(want),
		 "128x32 framebuffer at %#lx, 32 bits per pixel: 16x2 text",
		 (unsigned long)fb.addr);
	screen_describe(desc, sizeof(desc));
	assert_string_equal(desc, want);
	assert_int_equal(screen_start(&fb, &why), -1);
	assert_string_equal(why, "already started");
}

/* The kept text is bounded: a long boot before the screen cannot overrun. */
static void test_kept_text_is_bounded(void **state)
{
	(void)state;
	for (int i = 0; i < PENDING_MAX + 100; i++)
		screen_putc('x');
	assert_int_equal(pending_len, PENDING_MAX);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fresh, release)
	const struct CMUnitTest tests[] = {
		T(test_rgb32_draws_kept_text),
		T(test_rgb24_and_rgb16),
		T(test_rgb_scrolls),
		T(test_wrap_tab_and_unprintable),
		T(test_ega_text),
		T(test_refusals),
		T(test_describe),
		T(test_kept_text_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
