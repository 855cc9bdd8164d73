/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_PANIC_H
#define MHV_CORE_HOST_PANIC_H

#include <stdbool.h>

#include "boot/cmdline.h"
#include "core/host/trap.h"
#include "lib/compiler.h"

/* The hypervisor cannot go on: say why, dump state, finish as FAIL. */
__noreturn void panic(const char *fmt, ...) __printf(1, 2);
/* An exception in the hypervisor with no fixup: vector, error, registers. */
__noreturn void panic_trap(const struct trap_frame *f);

void machine_set_exit_mode(enum exit_mode mode);
/*
 * End of the run: print the final marker line "MHV-END: PASS" or
 * "MHV-END: FAIL", then stop the machine the way the exit mode says.
 * Test harnesses require that line and the exit status together.
 */
__noreturn void machine_finish(bool pass);

#endif
