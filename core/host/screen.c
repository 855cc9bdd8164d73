// SPDX-License-Identifier: MIT
/*
 * The screen console. A grid of characters mirrors what is on screen, so
 * that scrolling redraws only the cells whose character changes: on a
 * framebuffer every cell is 128 pixel writes, and under an emulator (or
 * through an uncached mapping on real hardware; mhv maps it
 * write-combining when the CPU has a PAT) those are what costs.
 * For the same reason a framebuffer scrolls by a quarter of the screen at
 * a time rather than a line. Guest lines reach here whole (dev_uart.c
 * buffers them), so none of this runs on a VM exit that does not end a
 * guest's line.
 */
#include <stdint.h>

#include "core/host/cpu.h"
#include "core/host/font.h"
#include "core/host/screen.h"
#include "lib/compiler.h"
#include "lib/fmt.h"
#include "lib/string.h"

/* 1920x1080 fills 240x67 cells; bigger screens use their top left. */
#define MAX_COLS 240
#define MAX_ROWS 100
#define PENDING_MAX 8192
#define TAB 8

/* EGA text: light grey on black (attribute 0x07). */
#define EGA_ATTR 0x0700

static struct {
	enum boot_fb_type type;
	uint8_t *base;
	uint32_t pitch, width, height, bytes, bpp;
	uint32_t fg, bg;
	unsigned int cols, rows, row, col;
	bool live;    /* drawing: screen_start() succeeded */
	bool stopped; /* no screen: drop everything */
} scr;

static char grid[MAX_ROWS][MAX_COLS];
static char pending[PENDING_MAX];
static size_t pending_len;

/* An 8-bit-per-channel colour as this framebuffer's pixel value. */
static uint32_t pixel(const struct boot_fb *fb, uint8_t r, uint8_t g, uint8_t b)
{
	return ((uint32_t)(r >> (8 - fb->red_size)) << fb->red_pos) |
	       ((uint32_t)(g >> (8 - fb->green_size)) << fb->green_pos) |
	       ((uint32_t)(b >> (8 - fb->blue_size)) << fb->blue_pos);
}

static void put_pixel(uint8_t *p, uint32_t v)
{
	switch (scr.bytes) {
	case 4:
		*(volatile uint32_t *)p = v;
		break;
	case 3:
		((volatile uint8_t *)p)[0] = (uint8_t)v;
		((volatile uint8_t *)p)[1] = (uint8_t)(v >> 8);
		((volatile uint8_t *)p)[2] = (uint8_t)(v >> 16);
		break;
	default:
		*(volatile uint16_t *)p = (uint16_t)v;
		break;
	}
}

static void draw_cell(unsigned int row, unsigned int col, char c)
{
	uint8_t *p;

	if (scr.type == BOOT_FB_EGA_TEXT) {
		uint8_t ch = c >= ' ' && c <= '~' ? (uint8_t)c : '?';

		*(volatile uint16_t *)(scr.base + row * scr.pitch + col * 2) =
			EGA_ATTR | ch;
		return;
	}
	p = scr.base + (uint64_t)row * FONT_H * scr.pitch +
	    (uint64_t)col * FONT_W * scr.bytes;
	for (unsigned int y = 0; y < FONT_H; y++, p += scr.pitch) {
		uint8_t bits = font_row(c, y);

		for (unsigned int x = 0; x < FONT_W; x++)
			put_pixel(p + x * scr.bytes,
				  (bits << x) & 0x80 ? scr.fg : scr.bg);
	}
}

static void set_cell(unsigned int row, unsigned int col, char c)
{
	if (grid[row][col] == c)
		return;
	grid[row][col] = c;
	if (scr.live)
		draw_cell(row, col, c);
}

/* Move everything up by n rows, redrawing only cells that change. */
static void scroll(unsigned int n)
{
	for (unsigned int r = 0; r < scr.rows; r++)
		for (unsigned int c = 0; c < scr.cols; c++)
			set_cell(r, c, r + n < scr.rows ? grid[r + n][c] : ' ');
	scr.row -= n;
}

static void newline(void)
{
	unsigned int step;

	scr.col = 0;
	if (++scr.row < scr.rows)
		return;
	step = scr.type == BOOT_FB_EGA_TEXT ? 1 : scr.rows / 4;
	scroll(step ? step : 1);
}

static void grid_putc(char c)
{
	if (c == '\n') {
		newline();
		return;
	}
	if (c == '\r')
		return;
	if (c == '\t') {
		do
			grid_putc(' ');
		while (scr.col % TAB && scr.col < scr.cols);
		return;
	}
	if (c < ' ' || c > '~')
		c = '?';
	if (scr.col == scr.cols)
		newline(); /* a long line wraps */
	set_cell(scr.row, scr.col++, c);
}

void screen_putc(char c)
{
	if (scr.stopped)
		return;
	if (scr.cols) {
		grid_putc(c);
		/* A whole line reaches the screen, even if mhv halts next. */
		if (c == '\n' && scr.live)
			store_fence();
		return;
	}
	if (pending_len < PENDING_MAX)
		pending[pending_len++] = c;
}

static const char *geometry(const struct boot_fb *fb)
{
	scr.type = fb->type;
	scr.base = (uint8_t *)(uintptr_t)fb->addr;
	scr.pitch = fb->pitch;
	scr.width = fb->width;
	scr.height = fb->height;
	if (fb->type == BOOT_FB_EGA_TEXT) {
		volatile uint16_t *cell = (volatile uint16_t *)scr.base;

		/* Without a VGA device the loader may still claim text mode. */
		*cell = EGA_ATTR | 'm';
		if (*cell != (EGA_ATTR | 'm'))
			return "EGA text memory does not respond";
		scr.cols = MIN(fb->width, MAX_COLS);
		scr.rows = MIN(fb->height, MAX_ROWS);
		return NULL;
	}
	if (fb->type != BOOT_FB_RGB)
		return "not a framebuffer mhv can draw on";
	scr.bytes = (fb->bpp + 7) / 8;
	scr.bpp = fb->bpp;
	scr.fg = pixel(fb, 0xc0, 0xc0, 0xc0);
	scr.bg = pixel(fb, 0, 0, 0);
	scr.cols = MIN(fb->width / FONT_W, MAX_COLS);
	scr.rows = MIN(fb->height / FONT_H, MAX_ROWS);
	if (!scr.cols || !scr.rows)
		return "smaller than one character";
	return NULL;
}

static void clear(void)
{
	if (scr.type == BOOT_FB_EGA_TEXT) {
		for (unsigned int r = 0; r < scr.height; r++)
			for (unsigned int c = 0; c < scr.width; c++)
				*(volatile uint16_t *)(scr.base +
						       r * scr.pitch + c * 2) =
					EGA_ATTR | ' ';
		return;
	}
	/*
	 * Black is all zero bits in every RGB layout: a row at a time with
	 * memset's eight-byte stores rather than pixel by pixel (3 MiB at
	 * 1024x768x32 were 12.8 million instructions under QEMU -icount,
	 * most of mhv's boot).
	 */
	if (!scr.bg) {
		for (unsigned int y = 0; y < scr.height; y++)
			memset(scr.base + (uint64_t)y * scr.pitch, 0,
			       (size_t)scr.width * scr.bytes);
		return;
	}
	for (unsigned int y = 0; y < scr.height; y++)
		for (unsigned int x = 0; x < scr.width; x++)
			put_pixel(scr.base + (uint64_t)y * scr.pitch +
					  x * scr.bytes,
				  scr.bg);
}

int screen_start(const struct boot_fb *fb, const char **why)
{
	const char *problem;

	if (scr.live || scr.stopped) {
		*why = scr.live ? "already started" : "stopped";
		return -1;
	}
	problem = geometry(fb);
	if (problem) {
		*why = problem;
		scr.cols = 0;
		screen_stop();
		return -1;
	}
	for (unsigned int r = 0; r < scr.rows; r++)
		for (unsigned int c = 0; c < scr.cols; c++)
			grid[r][c] = ' ';
	clear();
	scr.live = true;
	for (size_t i = 0; i < pending_len; i++)
		grid_putc(pending[i]);
	pending_len = 0;
	store_fence();
	return 0;
}

void screen_stop(void)
{
	scr.stopped = true;
	pending_len = 0;
}

void screen_describe(char *buf, size_t len)
{
	if (!scr.live)
		fmt_snprintf(buf, len, "none");
	else if (scr.type == BOOT_FB_EGA_TEXT)
		fmt_snprintf(buf, len, "EGA text, %ux%u", scr.cols, scr.rows);
	else
		fmt_snprintf(buf, len,
			     "%ux%u framebuffer at %#lx, %u bits per pixel: "
			     "%ux%u text",
			     scr.width, scr.height,
			     (uint64_t)(uintptr_t)scr.base, scr.bpp, scr.cols,
			     scr.rows);
}
