// SPDX-License-Identifier: MIT
/*
 * The 8254 PIT and the two ways its IRQ0 reaches the CPU. Channel 2,
 * gated and read through port 0x61, measures the TSC rate against the
 * PIT's fixed 1.193182 MHz clock (and the local APIC timer's rate, which
 * must be plausible). Channel 0 in mode 2 then interrupts through the 8259
 * pair (LINT0 in ExtINT mode) and through I/O APIC pin 2 (where the MADT's
 * interrupt source override puts ISA IRQ0); its ticks are counted and
 * timed with that TSC rate, within generous bounds (see lapic_timer.c).
 */
#include "guest.h"
#include "irq.h"

#define PIC_VECTOR_BASE 0x20
#define IOAPIC_VECTOR 0x50
#define IOAPIC_PIN_IRQ0 2
#define PIC_PATH "IRQ0 through the 8259"
#define IOAPIC_PATH "IRQ0 through I/O APIC pin 2"

#define CH2_COUNT 2983u /* 2.5 ms */
#define CH0_COUNT 1193u /* about 1 kHz */
#define TICKS 10u
/* As in lapic_timer.c: 20 ms, and 10 ms more for each tick. */
#define SLACK_NS (20000000ull + TICKS * 10000000ull)
/*
 * TSC ticks to give up after when there is no TSC rate yet: 85 ms at
 * 3 GHz, 30 times what channel 2 should take.
 */
#define POLL_LIMIT (1ull << 28)

static uint64_t tsc_hz;

static volatile unsigned int pic_ticks, ioapic_ticks, pic_spurious;
static volatile uint64_t tick_tsc[TICKS];
static volatile uint16_t pic_isr_in, pic_isr_after;
static volatile bool lapic_isr_in, lapic_isr_after;

static uint64_t ns_to_tsc(uint64_t ns)
{
	return ns * tsc_hz / 1000000000ull;
}

static uint64_t pit_to_tsc(uint64_t pit_ticks)
{
	return pit_ticks * tsc_hz / PIT_HZ;
}

struct ch2_run {
	bool low, risen;
	long polls;
	uint64_t tsc;
	uint32_t apic_counts;
};

static struct ch2_run pit_ch2_once(void)
{
	uint8_t p61 = inb(PORT_61) & ~(PORT_61_GATE2 | PORT_61_SPEAKER);
	struct ch2_run r = {0};
	uint32_t c0, c1;
	uint64_t t0, t1;

	/* The LAPIC timer runs free alongside, masked, for its rate. */
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	apic_write(APIC_TDCR, APIC_TDCR_DIV1);
	apic_write(APIC_TMICT, ~0u);

	outb(PORT_61, p61);   /* gate low: the count waits */
	outb(PIT_MODE, 0xb0); /* channel 2, LSB then MSB, mode 0, binary */
	/*
	 * Measured from before the count is written: the count starts at the
	 * gate's rise (8254 datasheet, mode 0) or, where the gate is not
	 * modelled, at the write; either way after t0.
	 */
	c0 = apic_read(APIC_TMCCT);
	t0 = rdtsc();
	outb(PIT_CH2, CH2_COUNT & 0xff);
	outb(PIT_CH2, CH2_COUNT >> 8);
	r.low = !(inb(PORT_61) & PORT_61_OUT2);
	outb(PORT_61, p61 | PORT_61_GATE2);
	/*
	 * Risen means seen low at least once after the gate rose, then high:
	 * OUT2 stuck high must not pass as a count of zero length.
	 */
	for (; r.polls < 100000000; r.polls++) {
		if (inb(PORT_61) & PORT_61_OUT2) {
			r.risen = r.polls > 0;
			break;
		}
		if (rdtsc() - t0 > POLL_LIMIT)
			break;
	}
	t1 = rdtsc();
	c1 = apic_read(APIC_TMCCT);
	outb(PORT_61, p61);
	apic_write(APIC_TMICT, 0);
	r.tsc = t1 - t0;
	r.apic_counts = c0 - c1;
	return r;
}

/*
 * Three runs, the shortest kept: a host that deschedules the emulator
 * while it polls can only make a run longer.
 */
static void pit_ch2_calibrate(void)
{
	struct ch2_run best = {0}, r;
	bool low = true, risen = true;
	uint64_t apic_hz;

	for (int i = 0; i < 3; i++) {
		r = pit_ch2_once();
		low = low && r.low;
		risen = risen && r.risen;
		if (i == 0 || r.tsc < best.tsc)
			best = r;
		if (!r.risen)
			break;
	}
	report(low, "channel 2, mode 0: OUT2 low once the count is written");
	tsc_hz = risen ? best.tsc * PIT_HZ / CH2_COUNT : 0;
	report(risen,
	       "channel 2: OUT2 low for %ld polls, then high after %lu TSC "
	       "ticks",
	       best.polls, best.tsc);
	/*
	 * Sanity bounds: emulators run the TSC from 100 MHz-equivalents
	 * (Bochs counts instructions) to the host's few GHz.
	 */
	report(tsc_hz >= 10000000 && tsc_hz <= 100000000000,
	       "TSC rate from PIT channel 2: %lu kHz", tsc_hz / 1000);
	apic_hz = (uint64_t)best.apic_counts * PIT_HZ / CH2_COUNT;
	report(apic_hz >= 10000000 && apic_hz <= 5000000000,
	       "LAPIC timer rate at divide 1 from PIT channel 2: %lu kHz",
	       apic_hz / 1000);
}

static void pit_ch0_start(uint16_t count)
{
	outb(PIT_MODE, 0x34); /* channel 0, LSB then MSB, mode 2, binary */
	outb(PIT_CH0, count & 0xff);
	outb(PIT_CH0, count >> 8);
}

static void pic_handler(struct irq_frame *f)
{
	unsigned int i = pic_ticks;

	if (i < TICKS)
		tick_tsc[i] = rdtsc();
	if (i == 0)
		pic_isr_in = pic_isr();
	pic_eoi(0);
	if (i == 0)
		pic_isr_after = pic_isr();
	pic_ticks = i + 1;
}

static void pic_spurious_handler(struct irq_frame *f)
{
	/* IRQ7 with nothing in service: no EOI (8259A datasheet). */
	pic_spurious++;
}

static void ioapic_handler(struct irq_frame *f)
{
	unsigned int i = ioapic_ticks;

	if (i < TICKS)
		tick_tsc[i] = rdtsc();
	if (i == 0)
		lapic_isr_in = apic_isr(IOAPIC_VECTOR);
	apic_eoi();
	if (i == 0)
		lapic_isr_after = !apic_isr(IOAPIC_VECTOR);
	ioapic_ticks = i + 1;
}

/*
 * The n-th tick cannot come before n periods after the count was written;
 * one period is given away for an edge latched just before. The last must
 * come within three times the expected time plus the slack.
 */
static void check_ticks(const char *path, unsigned int got, uint64_t t0)
{
	uint64_t p = pit_to_tsc(CH0_COUNT), at, lo, hi;

	if (!tsc_hz) {
		report(false, "%s: no TSC rate to time the ticks with", path);
		return;
	}
	lo = (TICKS - 1) * p;
	hi = 3 * TICKS * p + ns_to_tsc(SLACK_NS);
	at = got >= TICKS ? tick_tsc[TICKS - 1] - t0 : 0;
	report(got >= TICKS && at >= lo - lo / 16 && at <= hi,
	       "%s: %u of %u ticks, the last after %lu TSC ticks (expected "
	       "%lu, bounds %lu-%lu)",
	       path, got, TICKS, at, TICKS * p, lo - lo / 16, hi);
}

/*
 * A host that deschedules the emulator makes ticks late, never early: late
 * or missing ones are measured again, up to three times in all.
 */
static bool ticks_late(const char *path, unsigned int got, uint64_t t0,
		       int attempt)
{
	uint64_t hi = 3 * TICKS * pit_to_tsc(CH0_COUNT) + ns_to_tsc(SLACK_NS);
	uint64_t at = got >= TICKS ? tick_tsc[TICKS - 1] - t0 : 0;

	if (!tsc_hz || attempt >= 3 || (got >= TICKS && at <= hi))
		return false;
	report_info("%s: %u ticks, the last after %lu TSC ticks (at most "
		    "%lu), measuring again",
		    path, got, at, hi);
	return true;
}

static uint64_t wait_timeout(void)
{
	if (!tsc_hz)
		return POLL_LIMIT;
	return 4 * (3 * TICKS * pit_to_tsc(CH0_COUNT) + ns_to_tsc(SLACK_NS));
}

static void through_8259(void)
{
	uint64_t t0;
	bool got;

	for (int attempt = 1;; attempt++) {
		cli();
		pic_ticks = 0;
		ioapic_set_redir(IOAPIC_PIN_IRQ0, IOAPIC_MASKED);
		apic_write(APIC_LVT_LINT0, APIC_DM_EXTINT);
		t0 = rdtsc();
		pit_ch0_start(CH0_COUNT);
		/* ICW1 also forgets an edge the old PIT mode left latched. */
		pic_init(PIC_VECTOR_BASE, PIC_VECTOR_BASE + 8);
		pic_set_mask(0xfffe); /* IRQ0 only */
		sti();
		got = wait_count(&pic_ticks, TICKS, wait_timeout());
		cli();
		pic_set_mask(0xffff);
		sti();
		if (!ticks_late(PIC_PATH, pic_ticks, t0, attempt))
			break;
	}
	check_ticks(PIC_PATH, pic_ticks, t0);
	report(got && (pic_isr_in & 1) && !(pic_isr_after & 1),
	       "8259: IRQ0 in service in the handler (ISR %#x), cleared by "
	       "EOI (ISR %#x)",
	       pic_isr_in, pic_isr_after);
}

static void through_ioapic(void)
{
	uint32_t version = ioapic_read(IOAPIC_VERSION);
	uint64_t entry = IOAPIC_VECTOR | (uint64_t)apic_id() << 56, back, t0;
	unsigned int pic_before = pic_ticks;
	bool got;

	report(((version >> 16) & 0xff) == 23,
	       "I/O APIC version %#x: %u redirection entries", version,
	       ((version >> 16) & 0xff) + 1);
	for (int attempt = 1;; attempt++) {
		cli();
		ioapic_ticks = 0;
		pic_set_mask(0xffff);
		apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED | APIC_DM_EXTINT);
		t0 = rdtsc();
		pit_ch0_start(CH0_COUNT);
		/* Fixed, physical, active high, edge, unmasked. */
		ioapic_set_redir(IOAPIC_PIN_IRQ0, entry);
		back = ioapic_get_redir(IOAPIC_PIN_IRQ0);
		sti();
		got = wait_count(&ioapic_ticks, TICKS, wait_timeout());
		ioapic_set_redir(IOAPIC_PIN_IRQ0, IOAPIC_MASKED);
		if (!ticks_late(IOAPIC_PATH, ioapic_ticks, t0, attempt))
			break;
	}
	report((back & 0xff000000000100ffull) == entry,
	       "I/O APIC pin 2 entry reads back %#lx", back);
	check_ticks(IOAPIC_PATH, ioapic_ticks, t0);
	report(got && lapic_isr_in && lapic_isr_after,
	       "LAPIC: vector %#x in service in the handler, cleared by EOI",
	       IOAPIC_VECTOR);
	report(pic_ticks == pic_before,
	       "no 8259 interrupt while it is masked (%u)",
	       pic_ticks - pic_before);
}

int main(int argc, char **argv)
{
	apic_init();
	set_irq_handler(PIC_VECTOR_BASE, pic_handler);
	set_irq_handler(PIC_VECTOR_BASE + 7, pic_spurious_handler);
	set_irq_handler(PIC_VECTOR_BASE + 15, pic_spurious_handler);
	set_irq_handler(IOAPIC_VECTOR, ioapic_handler);
	sti();
	pit_ch2_calibrate();
	through_8259();
	through_ioapic();
	if (pic_spurious)
		report_info("%u spurious 8259 interrupts", pic_spurious);
	report(apic_spurious_count() == 0, "%u spurious LAPIC interrupts",
	       apic_spurious_count());
	return report_summary();
}
