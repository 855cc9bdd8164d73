/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_TSC_H
#define MHV_CORE_HOST_TSC_H

#include <stdint.h>

/* The TSC rate, measured once at boot against the PIT. */
void tsc_calibrate(void);
uint64_t tsc_hz(void);
/*
 * Ticks of a clock at rate_hz per TSC tick, as a 32.32 fixed-point
 * fraction: device clocks derived from the TSC multiply instead of divide.
 */
uint64_t tsc_ratio_32(uint64_t rate_hz);

#endif
