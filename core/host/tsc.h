/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_TSC_H
#define MHV_CORE_HOST_TSC_H

#include <stdint.h>

/*
 * The TSC rate, measured once at boot against the PIT, and the ACPI PM
 * timer a guest reads (3.579545 MHz, 24 bits) derived from it.
 */
#define PM_TIMER_HZ 3579545ULL

void tsc_calibrate(void);
uint64_t tsc_hz(void);
uint32_t pm_timer_now(void);

#endif
