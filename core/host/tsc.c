// SPDX-License-Identifier: MIT
#include "core/host/cpu.h"
#include "core/host/log.h"
#include "core/host/tsc.h"

#define PIT_HZ 1193182ULL
#define PIT_CH2_DATA 0x42
#define PIT_MODE 0x43
#define PIT_GATE 0x61 /* bit 0: channel 2 gate, bit 5: channel 2 output */
#define CALIBRATE_MS 2
#define FALLBACK_HZ 1000000000ULL /* 1 GHz: what QEMU -icount shift=0 runs at */

static uint64_t hz = FALLBACK_HZ;

/*
 * PIT channel 2 counts down 2 ms in mode 0 and raises its output when it
 * reaches zero; the TSC delta over that window gives its rate. Bounded, so
 * a machine without a PIT keeps the fallback rather than hanging.
 */
void tsc_calibrate(void)
{
	uint16_t count = (uint16_t)(PIT_HZ * CALIBRATE_MS / 1000);
	uint64_t t0, t1;
	unsigned long spins = 0;

	outb(PIT_GATE,
	     (inb(PIT_GATE) & ~0x02) | 0x01); /* gate on, no speaker */
	outb(PIT_MODE, 0xb0); /* channel 2, lobyte/hibyte, mode 0 */
	outb(PIT_CH2_DATA, count & 0xff);
	t0 = rdtsc();
	outb(PIT_CH2_DATA, count >> 8);
	while (!(inb(PIT_GATE) & 0x20) && ++spins < 100000000UL)
		cpu_relax();
	t1 = rdtsc();
	if (spins >= 100000000UL || t1 <= t0) {
		pr_warn("tsc: PIT calibration failed, assuming %lu Hz\n", hz);
		return;
	}
	hz = (t1 - t0) * (1000 / CALIBRATE_MS);
	pr_info("tsc: %lu kHz (measured against the PIT)\n", hz / 1000);
}

uint64_t tsc_hz(void)
{
	return hz;
}

uint64_t tsc_ratio_32(uint64_t rate_hz)
{
	return (rate_hz << 32) / hz;
}
