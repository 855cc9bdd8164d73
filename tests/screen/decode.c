// SPDX-License-Identifier: MIT
/*
 * Read a screenshot (binary PPM, as QEMU's screendump writes it) and print
 * the text on it, one line per row of 8x16 cells, by comparing every cell
 * with mhv's own font (core/host/font.c): a pixel is lit when it is brighter
 * than half. A cell that matches no glyph prints as '\x7f', so a wrong
 * font, offset or colour cannot pass for text.
 *   screen-decode FILE.ppm
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/host/font.h"

#define UNKNOWN '\x7f'

static unsigned int width, height;
static uint8_t *rgb;

static int read_number(FILE *f, unsigned int *out)
{
	int c;

	/* Whitespace and '#' comments separate the header fields. */
	while ((c = fgetc(f)) == ' ' || c == '\n' || c == '\r' || c == '\t' ||
	       c == '#')
		if (c == '#')
			while ((c = fgetc(f)) != '\n' && c != EOF)
				;
	if (c < '0' || c > '9')
		return -1;
	*out = 0;
	while (c >= '0' && c <= '9') {
		*out = *out * 10 + (unsigned int)(c - '0');
		c = fgetc(f);
	}
	return 0; /* the single whitespace after maxval is consumed here */
}

static int load(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned int maxval;
	size_t n;

	if (!f || fgetc(f) != 'P' || fgetc(f) != '6' ||
	    read_number(f, &width) || read_number(f, &height) ||
	    read_number(f, &maxval) || maxval != 255 || !width || !height) {
		fprintf(stderr, "screen-decode: %s is not an 8-bit P6 PPM\n",
			path);
		return -1;
	}
	n = (size_t)width * height * 3;
	rgb = malloc(n);
	if (!rgb || fread(rgb, 1, n, f) != n) {
		fprintf(stderr, "screen-decode: %s is truncated\n", path);
		return -1;
	}
	fclose(f);
	return 0;
}

static int lit(unsigned int x, unsigned int y)
{
	const uint8_t *p = rgb + ((size_t)y * width + x) * 3;

	return p[0] + p[1] + p[2] > 3 * 128;
}

static char decode_cell(unsigned int col, unsigned int row)
{
	uint8_t cell[FONT_H];

	for (unsigned int y = 0; y < FONT_H; y++) {
		cell[y] = 0;
		for (unsigned int x = 0; x < FONT_W; x++)
			if (lit(col * FONT_W + x, row * FONT_H + y))
				cell[y] |= (uint8_t)(0x80 >> x);
	}
	for (int c = ' '; c <= '~'; c++) {
		unsigned int y = 0;

		while (y < FONT_H && font_row((char)c, y) == cell[y])
			y++;
		if (y == FONT_H)
			return (char)c;
	}
	return UNKNOWN;
}

/* Two printable characters drawn alike would make decoding ambiguous. */
static int font_is_unambiguous(void)
{
	for (int a = ' '; a <= '~'; a++)
		for (int b = a + 1; b <= '~'; b++) {
			unsigned int y = 0;

			while (y < FONT_H &&
			       font_row((char)a, y) == font_row((char)b, y))
				y++;
			if (y == FONT_H) {
				fprintf(stderr,
					"screen-decode: '%c' and '%c' look "
					"the same\n",
					a, b);
				return 0;
			}
		}
	return 1;
}

int main(int argc, char **argv)
{
	char line[1024];

	if (argc != 2) {
		fprintf(stderr, "usage: screen-decode FILE.ppm\n");
		return 2;
	}
	if (!font_is_unambiguous() || load(argv[1]))
		return 1;
	for (unsigned int row = 0; row < height / FONT_H; row++) {
		unsigned int cols = width / FONT_W, len = 0;

		for (unsigned int col = 0; col < cols && col < sizeof(line) - 1;
		     col++)
			line[len++] = decode_cell(col, row);
		while (len && line[len - 1] == ' ')
			len--;
		line[len] = '\0';
		puts(line);
	}
	free(rgb);
	return 0;
}
