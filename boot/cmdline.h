/* SPDX-License-Identifier: MIT */
#ifndef MHV_BOOT_CMDLINE_H
#define MHV_BOOT_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/uart.h"

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

/* What to do after the last guest, when the run is over. */
enum exit_mode {
	EXIT_AUTO, /* isa-debug-exit, then the Bochs magic breakpoint, then halt */
	EXIT_HALT, /* halt forever (bare metal, keep the log on screen) */
};

/* Test-only behaviours used to prove that the boot harness fails bad kernels. */
enum selftest {
	SELFTEST_NONE,
	SELFTEST_HANG,	 /* stop before the final marker and spin */
	SELFTEST_TRIPLE, /* triple-fault the machine */
	SELFTEST_FAIL,	 /* finish with the failure marker */
	SELFTEST_FAULT, /* take an unexpected #GP: the panic path must report it */
};

/* What the SEAM layer does at boot on a TDX-capable CPU (tdx=). */
enum tdx_request {
	TDX_REQ_INFO,	 /* report the P-SEAMLDR and module (the default) */
	TDX_REQ_OFF,	 /* no SEAMCALL at all */
	TDX_REQ_INIT,	 /* TDH.SYS.INIT and LP.INIT, then report */
	TDX_REQ_DISABLE, /* TDH.SYS.DISABLE */
	TDX_REQ_UPDATE,	 /* install the tdx-blob module through the P-SEAMLDR */
	TDX_REQ_FORCE_SEAMCALL, /* debug: one SEAMCALL whatever the CPU */
};

/* Consoles for console= (bits); 0 means every console that exists. */
#define CONSOLE_SERIAL 1u
#define CONSOLE_SCREEN 2u

struct mhv_options {
	struct uart_desc serial; /* the console UART */
	bool serial_given; /* serial= was given: the firmware's SPCR is not asked */
	unsigned int console; /* CONSOLE_* bits, 0 for all that exist */
	enum log_level loglevel;
	enum exit_mode exit_mode;
	enum selftest selftest;
	enum tdx_request tdx;
};

/*
 * Defaults: COM1 (0x3f8, 115200) unless the firmware names another UART,
 * every console, loglevel info, exit auto, no selftest, tdx=info.
 */
void cmdline_defaults(struct mhv_options *opt);

/*
 * Parse whitespace-separated options into opt (starting from its current
 * values). Every option is "name=value"; unknown names, missing or
 * malformed values are refused: returns -1 with a message naming the
 * offending word in err, and opt is left as it was before the call.
 */
int cmdline_parse(const char *cmdline, struct mhv_options *opt, char *err,
		  size_t errlen);

#endif
