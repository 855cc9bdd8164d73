// SPDX-License-Identifier: MIT
/*
 * The local APIC timer: one-shot at two divide settings, periodic,
 * TSC-deadline, the current-count register, a masked LVT entry, an expiry
 * held pending while IF=0, and HLT woken by the timer.
 *
 * Times are measured with the TSC. The APIC timer's rate differs between
 * platforms (1 GHz at divide 1 on QEMU and under mhv, 100 MHz on Bochs'
 * own APIC), so the test first measures how many TSC ticks one count takes
 * by polling the current-count register. Each interrupt must then come no
 * earlier than the programmed count (less 1/16 for the measuring error)
 * and no later than three times it plus a fixed slack: the emulators run
 * on shared machines, and under Bochs time is an instruction count that
 * the hypervisor's exits inflate. A late interrupt is measured again, up
 * to three times in all, since a host can only delay one. Broken timers
 * (firing at once, never, at the wrong divide or orders of magnitude late)
 * still fall outside.
 */
#include "guest.h"
#include "irq.h"

#define TIMER_VECTOR 0xe0
#define MAX_TICKS 16

/* About 1 ms and 0.1 ms at 1 GHz. */
#define CAL_COUNTS 1000000u
#define SHORT_COUNTS 100000u
/*
 * About 20 ms, and 10 ms more for each interrupt waited for: without
 * icount, QEMU delivers each timer interrupt from its main-loop thread,
 * which a busy host schedules late.
 */
#define SLACK_COUNTS 20000000ull
#define SLACK_PER_IRQ_COUNTS 10000000ull

static volatile unsigned int ticks;
static volatile uint64_t tick_tsc[MAX_TICKS];

/* TSC ticks per 65536 timer counts at divide 1. */
static uint64_t tsc_per_64k_counts;

static void timer_handler(struct irq_frame *f)
{
	uint64_t now = rdtsc();

	if (ticks < MAX_TICKS)
		tick_tsc[ticks] = now;
	ticks++;
	apic_eoi();
}

static uint64_t counts_to_tsc(uint64_t counts)
{
	return counts * tsc_per_64k_counts >> 16;
}

/* Allowance for the calibration's error on the early side. */
static uint64_t lower(uint64_t expected)
{
	return expected - expected / 16;
}

/* The latest time for the n-th of n interrupts expected after this long. */
static uint64_t upper_n(uint64_t expected, unsigned int n)
{
	return 3 * expected +
	       counts_to_tsc(SLACK_COUNTS + n * SLACK_PER_IRQ_COUNTS);
}

static uint64_t upper(uint64_t expected)
{
	return upper_n(expected, 1);
}

static void timer_stop(void)
{
	apic_write(APIC_LVTT, APIC_LVT_MASKED | TIMER_VECTOR);
	apic_write(APIC_TMICT, 0);
	apic_write(APIC_TDCR, APIC_TDCR_DIV1);
	ticks = 0;
}

/*
 * The current count and the TSC at one moment: of three tries, the one
 * whose two TSC reads lie closest together (the host did not deschedule
 * the emulator in between), timed at their midpoint.
 */
struct sample {
	uint32_t count;
	uint64_t tsc;
};

static struct sample sample(void)
{
	struct sample best = {0};
	uint64_t best_gap = ~0ull;

	for (int i = 0; i < 3; i++) {
		uint64_t ta = rdtsc();
		uint32_t c = apic_read(APIC_TMCCT);
		uint64_t tb = rdtsc();

		if (tb - ta < best_gap) {
			best_gap = tb - ta;
			best = (struct sample){c, ta + (tb - ta) / 2};
		}
	}
	return best;
}

/*
 * Poll the current count until at least how_far counts passed, it reached
 * 0, or a bound of iterations or TSC ticks ran out; returns the counts
 * seen to pass and sets *tsc to the TSC ticks they took (and *end to the
 * count at the end).
 */
static uint32_t count_down(uint32_t how_far, uint64_t *tsc, uint32_t *end)
{
	struct sample s0 = sample(), s1;
	uint32_t c = s0.count;

	for (long i = 0; i < 10000000 && s0.count - c < how_far && c; i++) {
		c = apic_read(APIC_TMCCT);
		if (c > s0.count || rdtsc() - s0.tsc > (1ull << 30))
			break;
	}
	s1 = sample();
	*tsc = s1.tsc - s0.tsc;
	if (end)
		*end = s1.count;
	return s1.count <= s0.count ? s0.count - s1.count : 0;
}

/*
 * Five runs of CAL_COUNTS, the median kept: one run that a host hiccup
 * stretched or shrank does not decide.
 */
static bool calibrate(void)
{
	uint64_t ratio[5] = {0}, tsc;
	uint32_t counts, end;
	unsigned int usable = 0;
	bool ok = true;

	for (int i = 0; i < 5; i++) {
		timer_stop();
		apic_write(APIC_TMICT, 4 * CAL_COUNTS);
		counts = count_down(CAL_COUNTS, &tsc, &end);
		/*
		 * A run the host stalled until the count ran out measured
		 * nothing: it sorts last, and two of those are outvoted.
		 */
		if (!end) {
			ratio[i] = ~0ull;
		} else if (counts >= CAL_COUNTS && tsc) {
			ratio[i] = (tsc << 16) / counts;
			usable++;
		} else {
			ok = false;
		}
		/* Insertion sort, as the runs come. */
		for (int j = i; j > 0 && ratio[j] < ratio[j - 1]; j--) {
			uint64_t r = ratio[j];

			ratio[j] = ratio[j - 1];
			ratio[j - 1] = r;
		}
	}
	timer_stop();
	ok = ok && usable >= 3;
	tsc_per_64k_counts = ok ? ratio[2] : 0;
	report(ok,
	       "calibration: %lu.%03lu TSC ticks per count, %u of 5 runs "
	       "usable (last run: %u counts)",
	       tsc_per_64k_counts >> 16,
	       (tsc_per_64k_counts & 0xffff) * 1000 >> 16, usable, counts);
	return ok;
}

/*
 * A host that deschedules the emulator makes an interrupt late, never
 * early: a late (or missing) one is measured again, up to three times in
 * all, before it counts as a failure.
 */
static bool is_late(const char *what, bool fired, uint64_t elapsed,
		    uint64_t bound, int attempt)
{
	if (fired && elapsed <= bound)
		return false;
	if (attempt >= 3)
		return false;
	report_info("%s: %s (%lu TSC ticks, at most %lu), measuring again",
		    what, fired ? "late" : "no interrupt", elapsed, bound);
	return true;
}

static void current_count(void)
{
	uint32_t c[5], tdcr;
	bool falling = true;

	timer_stop();
	apic_write(APIC_TDCR, APIC_TDCR_DIV16);
	tdcr = apic_read(APIC_TDCR);
	report(tdcr == APIC_TDCR_DIV16, "divide configuration reads back %#x",
	       tdcr);
	apic_write(APIC_TDCR, APIC_TDCR_DIV1);
	apic_write(APIC_TMICT, 4 * CAL_COUNTS);
	for (int i = 0; i < 5; i++)
		c[i] = apic_read(APIC_TMCCT);
	for (int i = 1; i < 5; i++)
		falling = falling && c[i] < c[i - 1];
	report(falling && c[0] <= 4 * CAL_COUNTS,
	       "current count falls: %u %u %u %u %u (initial %u)", c[0], c[1],
	       c[2], c[3], c[4], 4 * CAL_COUNTS);
	report(apic_read(APIC_TMICT) == 4 * CAL_COUNTS,
	       "initial count reads back %u", apic_read(APIC_TMICT));

	/* A short count, run out with the LVT masked: the count stops at 0. */
	apic_write(APIC_TMICT, SHORT_COUNTS);
	{
		uint64_t tsc;

		count_down(SHORT_COUNTS, &tsc, NULL);
	}
	c[0] = apic_read(APIC_TMCCT);
	report(c[0] == 0, "one-shot current count after expiry: %u", c[0]);
	timer_stop();
}

static void oneshot(uint32_t tdcr, unsigned int divide, uint32_t count)
{
	uint64_t expected = counts_to_tsc((uint64_t)count * divide), t0,
		 elapsed;
	bool fired;
	uint32_t left;

	for (int attempt = 1;; attempt++) {
		timer_stop();
		apic_write(APIC_TDCR, tdcr);
		apic_write(APIC_LVTT, APIC_LVTT_ONESHOT | TIMER_VECTOR);
		t0 = rdtsc();
		apic_write(APIC_TMICT, count);
		fired = wait_count(&ticks, 1, 4 * upper(expected));
		elapsed = fired ? tick_tsc[0] - t0 : 0;
		if (!is_late("one-shot", fired, elapsed, upper(expected),
			     attempt))
			break;
	}
	report(fired && elapsed >= lower(expected) &&
		       elapsed <= upper(expected),
	       "one-shot, divide %u, count %u: %s after %lu TSC ticks, "
	       "expected %lu (bounds %lu-%lu)",
	       divide, count, fired ? "fired" : "did not fire", elapsed,
	       expected, lower(expected), upper(expected));
	/* No second interrupt: wait as long again. */
	wait_count(&ticks, 2, elapsed + expected);
	left = apic_read(APIC_TMCCT);
	report(ticks == 1 && left == 0,
	       "one-shot, divide %u: %u interrupt(s), current count then %u",
	       divide, ticks, left);
	timer_stop();
}

static void periodic(void)
{
	const uint32_t period = CAL_COUNTS / 2;
	const unsigned int want = 8;
	uint64_t p = counts_to_tsc(period), t0, total, min = ~0ull, max = 0;
	bool fired, early = false;
	unsigned int got, late_ticks;
	uint32_t left;

	for (int attempt = 1;; attempt++) {
		timer_stop();
		apic_write(APIC_LVTT, APIC_LVTT_PERIODIC | TIMER_VECTOR);
		t0 = rdtsc();
		apic_write(APIC_TMICT, period);
		fired = wait_count(&ticks, want, 4 * upper_n(want * p, want));
		total = fired ? tick_tsc[want - 1] - t0 : 0;
		if (!is_late("periodic", fired, total, upper_n(want * p, want),
			     attempt))
			break;
	}
	left = apic_read(APIC_TMCCT);
	got = ticks;
	/*
	 * Latency may delay a tick and bunch it with the next, but the k-th
	 * expiry cannot come before k periods have passed.
	 */
	for (unsigned int k = 0; k < want && k < got; k++) {
		uint64_t at = tick_tsc[k] - t0;

		early = early || at < lower((k + 1) * p);
		if (k) {
			uint64_t gap = tick_tsc[k] - tick_tsc[k - 1];

			min = gap < min ? gap : min;
			max = gap > max ? gap : max;
		}
	}
	report(fired && !early,
	       "periodic, count %u: %u ticks, none before its period was up",
	       period, got);
	if (fired) {
		report(total <= upper_n(want * p, want),
		       "periodic: %u ticks took %lu TSC ticks, expected %lu "
		       "(at most %lu)",
		       want, total, want * p, upper_n(want * p, want));
		report_info("periodic: spacing %lu-%lu TSC ticks, period %lu",
			    min, max, p);
	}
	report(left > 0 && left <= period,
	       "periodic: current count reloads (%u of %u)", left, period);

	/*
	 * Writing 0 to the initial count stops it (SDM vol. 3, 11.5.4). One
	 * tick may still be on its way from an expiry before the write; a
	 * timer still running gives three in this time.
	 */
	apic_write(APIC_TMICT, 0);
	late_ticks = ticks;
	wait_count(&ticks, late_ticks + 2, 3 * p);
	report(ticks <= late_ticks + 1,
	       "periodic: stopped by initial count 0 (%u ticks, then %u)",
	       late_ticks, ticks);
	timer_stop();
}

static void tsc_deadline(void)
{
	uint64_t d = counts_to_tsc(CAL_COUNTS), deadline, fired_at = 0, msr;
	bool fired;

	if (!cpu_has_tsc_deadline()) {
		report_skip("TSC-deadline mode: CPUID.1:ECX[24] clear");
		return;
	}
	for (int attempt = 1;; attempt++) {
		timer_stop();
		apic_write(APIC_LVTT, APIC_LVTT_TSC_DEADLINE | TIMER_VECTOR);
		/* WRMSR is not ordered after the LVT write (SDM 11.5.4.1). */
		asm volatile("mfence" : : : "memory");
		deadline = rdtsc() + d;
		wrmsr(IA32_TSC_DEADLINE, deadline);
		fired = wait_count(&ticks, 1, 4 * upper(d));
		fired_at = fired ? tick_tsc[0] : 0;
		if (!is_late("TSC deadline", fired, fired_at - deadline,
			     upper(d), attempt))
			break;
	}
	report(fired && fired_at >= deadline && fired_at - deadline <= upper(d),
	       "TSC deadline %lu TSC ticks ahead: %s %ld ticks after it "
	       "(at most %lu)",
	       d, fired ? "fired" : "did not fire", (long)(fired_at - deadline),
	       upper(d));
	/* The timer disarms itself and clears the MSR (SDM vol. 3, 11.5.4.1). */
	msr = rdmsr(IA32_TSC_DEADLINE);
	report(msr == 0, "IA32_TSC_DEADLINE reads %#lx after firing", msr);

	/* The initial count is ignored, the current count reads 0. */
	apic_write(APIC_TMICT, CAL_COUNTS);
	report(apic_read(APIC_TMCCT) == 0,
	       "TSC-deadline mode: current count %u after an initial count",
	       apic_read(APIC_TMCCT));

	/* A deadline already past fires at once; 0 disarms. */
	ticks = 0;
	wrmsr(IA32_TSC_DEADLINE, 1);
	fired = wait_count(&ticks, 1, upper(0));
	report(fired, "TSC deadline in the past fires (%u)", ticks);
	/*
	 * As far ahead as the slack allowed for lateness: a loaded emulator
	 * may stall the guest between the two writes for longer than d.
	 */
	ticks = 0;
	wrmsr(IA32_TSC_DEADLINE, rdtsc() + upper(d));
	wrmsr(IA32_TSC_DEADLINE, 0);
	wait_count(&ticks, 1, 2 * upper(d));
	report(ticks == 0, "TSC deadline disarmed by 0: %u interrupts", ticks);
	timer_stop();
}

static void masked(void)
{
	uint64_t tsc;
	uint32_t lvt;

	timer_stop();
	apic_write(APIC_LVTT, APIC_LVT_MASKED | TIMER_VECTOR);
	lvt = apic_read(APIC_LVTT);
	apic_write(APIC_TMICT, SHORT_COUNTS);
	count_down(SHORT_COUNTS, &tsc, NULL);
	wait_count(&ticks, 1, 3 * counts_to_tsc(SHORT_COUNTS));
	report(lvt == (APIC_LVT_MASKED | TIMER_VECTOR) && ticks == 0 &&
		       !apic_irr(TIMER_VECTOR),
	       "masked LVT timer (%#x): %u interrupts, IRR %s", lvt, ticks,
	       apic_irr(TIMER_VECTOR) ? "set" : "clear");
	timer_stop();
}

static void pending_while_cli(void)
{
	uint64_t tsc, t0;
	bool irr;

	timer_stop();
	cli();
	apic_write(APIC_LVTT, APIC_LVTT_ONESHOT | TIMER_VECTOR);
	apic_write(APIC_TMICT, SHORT_COUNTS);
	count_down(SHORT_COUNTS, &tsc, NULL);
	/* The count may read 0 a little before the expiry is signalled. */
	t0 = rdtsc();
	while (!(irr = apic_irr(TIMER_VECTOR)) &&
	       rdtsc() - t0 < upper(counts_to_tsc(SHORT_COUNTS)))
		cpu_relax();
	report(ticks == 0 && irr, "expiry with IF=0: %u interrupts, IRR %s",
	       ticks, irr ? "set" : "clear");
	sti();
	asm volatile("nop");
	wait_count(&ticks, 1, upper(0));
	report(ticks == 1 && !apic_irr(TIMER_VECTOR) && !apic_isr(TIMER_VECTOR),
	       "after STI: %u interrupt(s), IRR and ISR clear", ticks);
	timer_stop();
}

static void hlt_wakeup(void)
{
	uint64_t expected = counts_to_tsc(CAL_COUNTS), t0, elapsed;

	for (int attempt = 1;; attempt++) {
		timer_stop();
		cli();
		apic_write(APIC_LVTT, APIC_LVTT_ONESHOT | TIMER_VECTOR);
		t0 = rdtsc();
		apic_write(APIC_TMICT, CAL_COUNTS);
		/* The STI shadow keeps the expiry from slipping in first. */
		safe_halt();
		elapsed = rdtsc() - t0;
		if (!is_late("HLT", ticks == 1, elapsed, upper(expected),
			     attempt))
			break;
	}
	report(ticks == 1 && elapsed >= lower(expected) &&
		       elapsed <= upper(expected),
	       "HLT woken by the timer: %u interrupt(s), %lu TSC ticks, "
	       "expected %lu (bounds %lu-%lu)",
	       ticks, elapsed, expected, lower(expected), upper(expected));
	timer_stop();
}

int main(int argc, char **argv)
{
	apic_init();
	set_irq_handler(TIMER_VECTOR, timer_handler);
	sti();
	if (!calibrate())
		return report_summary();
	current_count();
	oneshot(APIC_TDCR_DIV1, 1, CAL_COUNTS);
	oneshot(APIC_TDCR_DIV16, 16, CAL_COUNTS / 16);
	periodic();
	tsc_deadline();
	masked();
	pending_while_cli();
	hlt_wakeup();
	report(apic_spurious_count() == 0, "%u spurious interrupts",
	       apic_spurious_count());
	return report_summary();
}
