/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_FONT_H
#define MHV_CORE_HOST_FONT_H

#include <stdint.h>

/*
 * mhv's built-in screen font: printable ASCII in 8x16 cells. Anything
 * else is drawn as '?'.
 */
#define FONT_W 8
#define FONT_H 16

/* Row r (0..15) of c's cell, bit 7 the leftmost pixel. */
uint8_t font_row(char c, unsigned int r);

#endif
