/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_CONSOLE_H
#define MHV_CORE_HOST_CONSOLE_H

#include "boot/bootinfo.h"
#include "boot/cmdline.h"

/*
 * The consoles mhv's log goes to: the serial port and the screen (a
 * framebuffer or EGA text). Until console_setup() both receive every byte:
 * the screen keeps early lines until it knows its geometry.
 */
void console_putc(char c);

/*
 * Apply console= (opt->console) once the boot information is known: pick
 * the consoles, start the screen when the framebuffer is reachable through
 * the boot page tables (below 4 GiB), and say what was chosen.
 */
void console_setup(const struct boot_info *bi, const struct mhv_options *opt);
/* After memory_init(): start a framebuffer that lies above 4 GiB. */
void console_late_setup(const struct boot_info *bi);

#endif
