/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_TSC_H
#define MHV_CORE_HOST_TSC_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The TSC rate, measured against PIT channel 2 over the boot itself:
 * tsc_calibrate_start() as early as possible, tsc_calibrate_finish() once
 * the rate is needed (kmain: before the first VM, the only user). The
 * finish waits only if less than 1 ms has passed, measures again over
 * 1 ms if the PIT ran out (54.9 ms), and runs once: later calls return at
 * once. In between, tsc_hz() is 0, so a user that comes too early fails
 * at once (tsc_ratio_32() divides by it, a time budget of 0 ends a VM)
 * instead of running on a rate nobody measured; it is not checked on
 * every call because guest timers ask for it on their exits. A failed
 * measurement warns and leaves 1 GHz.
 */
void tsc_calibrate_start(void);
void tsc_calibrate_finish(void);
uint64_t tsc_hz(void);
/*
 * Ticks of a clock at rate_hz per TSC tick, as a 32.32 fixed-point
 * fraction: device clocks derived from the TSC multiply instead of divide.
 */
uint64_t tsc_ratio_32(uint64_t rate_hz);

/* The count PIT channel 2 starts from: the longest mode 0 allows. */
#define PIT_FULL_COUNT 0xffffu

/*
 * The arithmetic of the measurement, apart for the hosted tests: PIT ticks
 * since PIT_FULL_COUNT was loaded, from a latched count and channel 2's
 * OUT read after the latch (negative when OUT is high: the count ran out
 * and the latch may hold a wrapped count); and the rate of a clock that
 * went from tsc0 to tsc1 while the PIT counted pit_ticks (0 when that
 * tells nothing: no ticks, or the clock did not advance).
 */
int32_t pit_ticks_elapsed(uint16_t latched, bool out_high);
uint64_t rate_from_pit(uint64_t tsc0, uint64_t tsc1, uint32_t pit_ticks);

#endif
