// SPDX-License-Identifier: MIT
/*
 * The ACPI PM timer: a free-running 24-bit counter at 3.579545 MHz (ACPI
 * 6.5, 4.8.3.3), derived from the TSC so it needs no host device.
 */
#include "core/x86.h"
#include "core/dev/devices.h"
#include "core/host/cpu.h"
#include "core/host/tsc.h"
#include "core/vm/acpi_tables.h"

#define PM_TIMER_HZ 3579545ULL

/* The TSC rate is fixed before the first guest runs: computed once. */
static uint64_t pm_mult;

static uint32_t pm_timer_now(void)
{
	if (!pm_mult)
		pm_mult = tsc_ratio_32(PM_TIMER_HZ);
	return (uint32_t)(((unsigned __int128)rdtsc() * pm_mult) >> 32) &
	       0xffffff;
}

uint32_t pm_timer_port_read(struct vcpu *v, uint16_t port, unsigned int size)
{
	return pm_timer_now() >> (8 * (port - GUEST_PM_TIMER_PORT));
}
