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
	SELFTEST_SMP,	   /* run a check on every AP, print PASS/FAIL lines */
	SELFTEST_AP_PANIC, /* panic on the first AP: the others must stop */
};

/*
 * The most CPUs mhv brings up (cpus= and the MADT alike): a bound for its
 * per-CPU tables, far above what the emulators here give.
 */
#define MHV_MAX_CPUS 64

/* The longest tdx= value kept ("force-seamcall" and room to spare). */
#define CMDLINE_TDX_MAX 23

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
	/* cpus=: at most this many CPUs, the boot CPU included; 0 for all. */
	unsigned int cpus;
	/*
	 * tdx= as given: the SEAM layer owns its values and parses it
	 * (tdx_request_parse), so kmain refuses a bad one before anything runs.
	 */
	char tdx[CMDLINE_TDX_MAX + 1];
};

/*
 * Defaults: COM1 (0x3f8, 115200) unless the firmware names another UART,
 * every console, loglevel info, exit auto, no selftest, every CPU, tdx
 * empty (info).
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
