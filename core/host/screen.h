/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_SCREEN_H
#define MHV_CORE_HOST_SCREEN_H

#include <stdbool.h>
#include <stddef.h>

#include "boot/bootinfo.h"

/*
 * The screen console: text in a grid of cells drawn with core/host/font.c on a
 * linear framebuffer, or written as characters in EGA text mode. Before
 * screen_start() text is kept (up to a few KiB) and drawn when it starts,
 * so the screen shows the boot from its first line.
 */
void screen_putc(char c);

/*
 * Take over fb (which must be mapped at its physical address): clear it,
 * draw what was kept. Returns 0, or -1 with the reason in why.
 */
int screen_start(const struct boot_fb *fb, const char **why);
/* There will be no screen: forget what was kept, take no more. */
void screen_stop(void);
/* "1024x768, 32 bits per pixel: 128x48 text" */
void screen_describe(char *buf, size_t len);

#endif
