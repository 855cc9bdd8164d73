// SPDX-License-Identifier: MIT
/*
 * The TSC rate, measured against PIT channel 2 (1.193182 MHz) over the
 * boot itself. A measurement needs a known interval of time, and waiting
 * one out at boot costs exactly that interval (2 ms was 2,000,000
 * instructions under QEMU -icount shift=0). So the measurement is split:
 * tsc_calibrate_start() sets the PIT counting down as early as kmain can,
 * and tsc_calibrate_finish(), before the first guest, reads how far it got
 * and waits only for what is missing of the minimum interval. The boot
 * between the two (parsing, page tables, the CPU probe, the backend) is
 * the interval.
 *
 * Accuracy: in mode 0 the count is loaded on the first CLK after it is
 * written and then drops by one per CLK (8254 datasheet), so the true time
 * between the write and a latch is the ticks read plus 0 to 2 ticks
 * (1.7 us). Each end also has one port access between the TSC read and
 * what the PIT saw (about 1 us on a real ISA bridge). Over the minimum of
 * 1 ms that bounds the error to about 0.4% (4 us in 1 ms); the usual
 * interval is the whole boot, longer and so better.
 */
#include "core/host/cpu.h"
#include "core/host/log.h"
#include "core/host/tsc.h"

#define PIT_HZ 1193182ULL
#define PIT_CH2_DATA 0x42
#define PIT_MODE 0x43
#define PIT_CH2_MODE0 0xb0 /* channel 2, lobyte/hibyte, mode 0, binary */
#define PIT_CH2_LATCH 0x80 /* channel 2, counter latch command */
#define PIT_GATE 0x61
#define PIT_GATE_CH2 0x01 /* channel 2 counts while its gate is high */
#define PIT_GATE_SPEAKER 0x02
#define PIT_GATE_OUT2 0x20 /* channel 2's OUT, read-only */
/* 1 ms of PIT ticks, rounded up. */
#define MIN_TICKS ((PIT_HZ + 999) / 1000)
/*
 * Reads of the PIT before giving up on it: four port accesses each, about
 * 4 us on real hardware, so a PIT that never counts costs seconds, not a
 * hang.
 */
#define SPIN_LIMIT 1000000UL
#define FALLBACK_HZ 1000000000ULL /* 1 GHz: what QEMU -icount shift=0 runs at */

enum pit_read_result {
	PIT_LOST = -1,	/* OUT is high: the count ran out, maybe wrapped */
	PIT_STUCK = -2, /* no MIN_TICKS within SPIN_LIMIT reads */
};

/* 0 while measuring: see tsc.h. */
static uint64_t hz = FALLBACK_HZ;
static bool measuring;
static uint64_t start_tsc;

int32_t pit_ticks_elapsed(uint16_t latched, bool out_high)
{
	/*
	 * Mode 0 raises OUT when the count reaches zero and keeps counting
	 * down from 0xffff: with OUT high the latched count says nothing.
	 */
	if (out_high)
		return PIT_LOST;
	return (int32_t)(PIT_FULL_COUNT - latched);
}

uint64_t rate_from_pit(uint64_t tsc0, uint64_t tsc1, uint32_t pit_ticks)
{
	uint64_t rate;

	if (!pit_ticks || tsc1 <= tsc0)
		return 0;
	rate = mul_div_u64(tsc1 - tsc0, PIT_HZ, pit_ticks);
	/* UINT64_MAX: no rate fits, which says the readings are wrong. */
	return rate == ~0ULL ? 0 : rate;
}

static void pit_start(void)
{
	outb(PIT_GATE, (inb(PIT_GATE) & ~PIT_GATE_SPEAKER) | PIT_GATE_CH2);
	outb(PIT_MODE, PIT_CH2_MODE0);
	outb(PIT_CH2_DATA, PIT_FULL_COUNT & 0xff);
	/* Counting starts at the CLK after the second byte (8254, mode 0). */
	outb(PIT_CH2_DATA, PIT_FULL_COUNT >> 8);
	start_tsc = rdtsc();
}

/* Ticks since pit_start() and the TSC at the latch, or PIT_LOST. */
static int32_t pit_read(uint64_t *tsc)
{
	uint8_t lo, hi;

	outb(PIT_MODE, PIT_CH2_LATCH);
	*tsc = rdtsc();
	lo = inb(PIT_CH2_DATA);
	hi = inb(PIT_CH2_DATA);
	/*
	 * OUT read after the latch: if it is still low, the count had not
	 * run out when it was latched either.
	 */
	return pit_ticks_elapsed((uint16_t)(lo | hi << 8),
				 inb(PIT_GATE) & PIT_GATE_OUT2);
}

/* Read the PIT until at least MIN_TICKS have passed since pit_start(). */
static int32_t pit_wait_min(uint64_t *tsc)
{
	for (unsigned long spins = 0; spins < SPIN_LIMIT; spins++) {
		int32_t ticks = pit_read(tsc);

		if (ticks < 0 || ticks >= (int32_t)MIN_TICKS)
			return ticks;
		cpu_relax();
	}
	return PIT_STUCK;
}

void tsc_calibrate_start(void)
{
	pit_start();
	measuring = true;
	hz = 0;
}

void tsc_calibrate_finish(void)
{
	uint64_t tsc1 = 0, rate = 0;
	int32_t ticks;

	if (!measuring)
		return;
	measuring = false;
	ticks = pit_wait_min(&tsc1);
	if (ticks == PIT_LOST) {
		/*
		 * The boot took longer than the full count (54.9 ms), or
		 * nothing answers at the PIT's ports (they read all ones,
		 * OUT high): measure again over the minimum interval.
		 */
		pit_start();
		ticks = pit_wait_min(&tsc1);
	}
	if (ticks > 0)
		rate = rate_from_pit(start_tsc, tsc1, (uint32_t)ticks);
	if (!rate) {
		hz = FALLBACK_HZ;
		pr_warn("tsc: PIT calibration failed, assuming %lu Hz\n", hz);
		return;
	}
	hz = rate;
	pr_info("tsc: %lu kHz (measured against the PIT over %lu us)\n",
		hz / 1000, (uint64_t)(ticks * 1000000ULL / PIT_HZ));
}

uint64_t tsc_hz(void)
{
	return hz;
}

uint64_t tsc_ratio_32(uint64_t rate_hz)
{
	return (rate_hz << 32) / hz;
}
