// SPDX-License-Identifier: MIT
/*
 * The 8254 PIT (ports 0x40-0x43) and the PC/AT's port 0x61 (NMI status
 * and control, here as the PIIX4's NMISC). Mode names and rules are those
 * of the Intel 8254 datasheet (order no. 231164), "Modes" and "Read
 * Operations".
 *
 * The counters are clocked at 1193182 Hz derived from the host TSC and
 * are never stepped: a counter remembers the PIT tick at which its
 * counting element (CE) was loaded, and the count and OUT follow from the
 * ticks since then whenever the guest looks. Ticks are counted from the
 * TSC's zero, so CLK edges are fixed in time like a free-running
 * oscillator's: a count written between two edges loads on the next one.
 *
 * Wiring as on a PC: the gates of channels 0 and 1 are tied high;
 * channel 2's is port 0x61 bit 0 and its OUT is bit 5. Channel 0's OUT
 * drives ISA IRQ0: each rising edge is one pulse (isa_irq_pulse), found
 * by a device timer for the next edge, not by watching the line.
 *
 * BCD counting is not modelled: a BCD count counts in binary (the BCD bit
 * is kept for the status byte). Nothing a guest of mhv runs counts in BCD.
 */
#include "core/dev/devices.h"
#include "core/host/tsc.h"
#include "core/vm/vm.h"
#include "lib/compiler.h"

#define PIT_HZ 1193182ULL
#define PIT_CONTROL 0x43
#define PORT_NMISC 0x61

#define NMISC_GATE2 0x01    /* channel 2 gate */
#define NMISC_WRITABLE 0x0f /* gate, speaker data, SERR#/IOCHK# enables */
#define NMISC_REFRESH 0x10
#define NMISC_OUT2 0x20

/*
 * Port 0x61 bit 4 toggles on each DRAM refresh request: every 18 PIT
 * clocks (15.09 us), the PC/AT BIOS's channel 1 count. The PIIX4 makes
 * it internally at that rate, whatever channel 1 is set to.
 */
#define REFRESH_TICKS 18

/*
 * The shortest IRQ0 period mhv arms a host timer for in the periodic
 * modes (2, 3): 200 us, the default of KVM's min_timer_period_us. A guest
 * asking for less (a count of 1 is 838 ns) would otherwise have mhv do
 * nothing but exit for its timer; the edges in between coalesce into one,
 * as the 8259's IRR would hold them anyway. Longer periods are kept
 * exact, and the counts read back are never affected.
 */
#define MIN_IRQ_PERIOD_US 200

#define NO_RISE UINT64_MAX
#define NULL_UNTIL_TRIGGER UINT64_MAX

/* PIT ticks per TSC tick (32.32); the TSC rate is fixed before any guest. */
static uint64_t pit_mult;

static uint64_t mult(void)
{
	if (!pit_mult)
		pit_mult = tsc_ratio_32(PIT_HZ);
	return pit_mult;
}

static uint64_t tsc_to_tick(uint64_t tsc)
{
	return (uint64_t)(((unsigned __int128)tsc * mult()) >> 32);
}

/*
 * The first TSC value at which tsc_to_tick() reaches tick: ceil(tick *
 * 2^32 / mult), split so that no division is 128-bit (the kernel has no
 * libgcc). mult <= 2^32 since the TSC runs faster than the PIT.
 */
static uint64_t tick_to_tsc(uint64_t tick)
{
	uint64_t m = mult(), q = tick / m, r = tick % m;

	return (q << 32) + ((r << 32) + m - 1) / m;
}

/* a is before b, for ticks that may wrap (a load time may lie "before 0"). */
static bool before(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;
}

/*
 * Modes 2 and 3: a count written while counting takes over at the end of
 * the period (mode 2) or half-cycle (mode 3) that runs.
 */
static void advance(struct pit_channel *c, uint64_t t)
{
	if (!c->next_pending || c->suspended || before(t, c->next_at))
		return;
	c->n = c->next_n;
	c->load = c->next_at;
	/* Starting with the low half: as if the high half had just run. */
	if (c->next_low)
		c->load -= (c->n + 1) / 2;
	c->next_pending = false;
}

/* The count and OUT of a counter at tick t. */
static void pit_view(const struct pit_channel *ch, uint64_t t, uint16_t *count,
		     bool *out)
{
	struct pit_channel c = *ch;
	uint64_t n, k, r, h, j;

	advance(&c, t);
	if (!c.counting || (!c.suspended && before(t, c.load))) {
		*count = c.hold_count;
		*out = c.hold_out;
		return;
	}
	n = c.n;
	k = c.suspended ? c.k_held : t - c.load;
	switch (c.mode) {
	case 0: /* interrupt on terminal count */
	case 1: /* hardware retriggerable one-shot */
		/* CE keeps counting after zero ("Mode 0"). */
		*count = (uint16_t)(n - k);
		*out = k >= n;
		break;
	case 2: /* rate generator: n, n-1, ... 1; OUT low while CE is 1 */
		r = k % n;
		*count = (uint16_t)(n - r);
		*out = c.suspended || r != n - 1;
		break;
	case 3:
		/*
		 * Square wave: high for (n+1)/2 clocks, low for n/2, CE
		 * counting by two. An odd n loses 1 on the first clock of the
		 * high half and 3 on the first of the low half ("Mode 3").
		 */
		h = (n + 1) / 2;
		r = k % n;
		*out = c.suspended || r < h;
		j = r < h ? r : r - h;
		if (j == 0)
			*count = (uint16_t)n;
		else if (!(n & 1))
			*count = (uint16_t)(n - 2 * j);
		else
			*count = (uint16_t)(r < h ? n + 1 - 2 * j
						  : n - 1 - 2 * j);
		break;
	default: /* 4, 5: software / hardware triggered strobe */
		*count = (uint16_t)(n - k);
		*out = k != n;
		break;
	}
}

static bool pit_out(const struct pit_channel *c, uint64_t t)
{
	uint16_t count;
	bool out;

	pit_view(c, t, &count, &out);
	return out;
}

/* The first tick after `after` at which OUT rises, ignoring a pending count. */
static uint64_t rise_after(const struct pit_channel *c, uint64_t after)
{
	uint64_t at;

	if (!c->counting || c->suspended)
		return NO_RISE;
	switch (c->mode) {
	case 0:
	case 1:
		at = c->load + c->n;
		break;
	case 2:
	case 3:
		/* Each period ends with a rise: at load + j * n, j >= 1. */
		if (before(after, c->load))
			return c->load + c->n;
		return c->load + ((after - c->load) / c->n + 1) * c->n;
	default:
		at = c->load + c->n + 1; /* the end of the strobe */
		break;
	}
	return before(after, at) ? at : NO_RISE;
}

static uint64_t next_rise(const struct pit_channel *ch, uint64_t after)
{
	struct pit_channel c = *ch;
	uint64_t at;

	advance(&c, after);
	at = rise_after(&c, after);
	if (c.next_pending && (at == NO_RISE || before(c.next_at, at))) {
		advance(&c, c.next_at);
		at = rise_after(&c, c.next_at - 1);
	}
	return at;
}

static void irq0_pulse(struct vm *vm, uint64_t now)
{
	isa_irq_pulse(vm, 0);
	vm->dev.pit.irq_last = now;
}

/* Deliver channel 0's rises up to tick t to IRQ0: one edge for all. */
static void irq0_catch_up(struct vm *vm, uint64_t now, uint64_t t)
{
	struct pit_state *p = &vm->dev.pit;
	uint64_t at = next_rise(&p->ch[0], p->irq_seen);

	if (at != NO_RISE && !before(t, at))
		irq0_pulse(vm, now);
	p->irq_seen = t;
}

/* Whether channel 0 has a period below MIN_IRQ_PERIOD_US. */
static bool irq0_too_fast(const struct pit_channel *c)
{
	uint32_t n = c->next_pending ? MIN(c->n, c->next_n) : c->n;

	if (c->mode != 2 && c->mode != 3)
		return false; /* one edge per count written */
	return n * 1000000ULL < MIN_IRQ_PERIOD_US * PIT_HZ;
}

/* The device timer for channel 0's next rise after tick t. */
static void irq0_arm(struct vm *vm, uint64_t t)
{
	const struct pit_state *p = &vm->dev.pit;
	uint64_t at = next_rise(&p->ch[0], t), deadline;

	if (at == NO_RISE) {
		vm_timer_set(vm, VM_TIMER_PIT, 0);
		return;
	}
	deadline = tick_to_tsc(at);
	if (irq0_too_fast(&p->ch[0]))
		deadline = MAX(deadline,
			       p->irq_last +
				       tsc_hz() * MIN_IRQ_PERIOD_US / 1000000);
	vm_timer_set(vm, VM_TIMER_PIT, deadline);
}

void pit_timer_expired(struct vm *vm, uint64_t now)
{
	uint64_t t = tsc_to_tick(now);

	irq0_catch_up(vm, now, t);
	advance(&vm->dev.pit.ch[0], t);
	irq0_arm(vm, t);
}

/*
 * Power-on: the 8254's modes, counts and outputs are undefined until
 * programmed ("Programming the 8254"). mhv starts each counter as a
 * control word for mode 3, LSB then MSB, binary leaves it with no count
 * yet: OUT high, NULL COUNT set, nothing counting, no timer armed.
 */
void pit_reset(struct vm *vm)
{
	struct pit_state *p = &vm->dev.pit;

	*p = (struct pit_state){0};
	for (unsigned int i = 0; i < 3; i++)
		p->ch[i] = (struct pit_channel){
			.control = 0x36,
			.mode = 3,
			.rw = 3,
			.gate = i != 2,
			.hold_out = true,
			.null_until = NULL_UNTIL_TRIGGER,
		};
	vm_timer_set(vm, VM_TIMER_PIT, 0);
}

/* CE is loaded with n on the next CLK; OUT and the count hold until then. */
static void pit_start(struct pit_channel *c, uint64_t t, uint32_t n,
		      bool hold_out)
{
	uint16_t count;
	bool out;

	pit_view(c, t, &count, &out);
	c->hold_count = count;
	c->hold_out = hold_out;
	c->n = n;
	c->load = t + 1;
	c->counting = true;
	c->next_pending = false;
	c->null_until = t + 1;
	/* Gate low: loaded but not counting (modes 0, 2, 3, 4). */
	c->suspended = !c->gate;
	c->k_held = 0;
}

static void pit_write_count(struct pit_channel *c, uint64_t t, uint32_t n)
{
	uint64_t k, period;

	if (!n)
		n = 65536;
	c->cr = n;
	switch (c->mode) {
	case 0:
	case 4:
		/* Loaded on the next CLK, counting restarts from it. */
		pit_start(c, t, n, c->mode != 0);
		break;
	case 2:
	case 3:
		if (!c->counting || before(t, c->load)) {
			pit_start(c, t, n, true);
		} else if (c->suspended) {
			/* The gate's rise will load it. */
			c->null_until = NULL_UNTIL_TRIGGER;
		} else {
			/* The running period or half-cycle is not affected. */
			k = t - c->load;
			period = c->load + k / c->n * c->n;
			c->next_low = c->mode == 3 && k % c->n < (c->n + 1) / 2;
			c->next_at =
				period + (c->next_low ? (c->n + 1) / 2 : c->n);
			c->next_n = n;
			c->next_pending = true;
			c->null_until = c->next_at;
		}
		break;
	default:
		/* Modes 1, 5: the next gate trigger loads it. */
		c->null_until = NULL_UNTIL_TRIGGER;
		break;
	}
}

/* Port 0x61 bit 0 on channel 2 ("Gate Pin Operations Summary"). */
static void pit_set_gate(struct pit_channel *c, uint64_t t, bool gate)
{
	uint16_t count;
	bool out;

	if (gate == c->gate)
		return;
	advance(c, t);
	pit_view(c, t, &count, &out);
	c->gate = gate;
	switch (c->mode) {
	case 0:
	case 4:
		/* Low suspends counting, high resumes it. */
		if (!c->counting)
			break;
		if (!gate) {
			c->k_held = before(t, c->load) ? 0 : t - c->load;
			c->suspended = true;
		} else {
			c->load = t - c->k_held;
			c->suspended = false;
		}
		break;
	case 2:
	case 3:
		/* Low stops counting and sets OUT high; a rise reloads. */
		if (!c->counting)
			break;
		if (!gate) {
			c->k_held = before(t, c->load) ? 0 : t - c->load;
			c->suspended = true;
			/* A count waiting for the period's end waits for the gate. */
			if (c->next_pending)
				c->null_until = NULL_UNTIL_TRIGGER;
			c->next_pending = false;
		} else {
			pit_start(c, t, c->cr, true);
		}
		break;
	default:
		/* Modes 1, 5: a rise triggers, with OUT as it was until CE loads. */
		if (gate && c->cr)
			pit_start(c, t, c->cr, out);
		break;
	}
}

static void pit_latch_count(struct pit_channel *c, uint64_t t)
{
	uint16_t count;
	bool out;

	/* A second latch before the first is read is ignored. */
	if (c->latched)
		return;
	pit_view(c, t, &count, &out);
	c->latch = count;
	c->latched = true;
}

static void pit_latch_status(struct pit_channel *c, uint64_t t)
{
	bool null =
		c->null_until == NULL_UNTIL_TRIGGER || before(t, c->null_until);

	if (c->status_latched)
		return;
	c->status = (uint8_t)(pit_out(c, t) << 7 | null << 6 | c->control);
	c->status_latched = true;
}

static void pit_control(struct vm *vm, uint8_t val, uint64_t t)
{
	unsigned int sc = val >> 6, rw = (val >> 4) & 3;
	struct pit_channel *c;
	uint16_t count;
	bool out;

	if (sc == 3) {
		/* "Read-Back Command": bit 5 clear latches counts, 4 status. */
		for (unsigned int i = 0; i < 3; i++) {
			if (!(val & (2u << i)))
				continue;
			if (!(val & 0x20))
				pit_latch_count(&vm->dev.pit.ch[i], t);
			if (!(val & 0x10))
				pit_latch_status(&vm->dev.pit.ch[i], t);
		}
		return;
	}
	c = &vm->dev.pit.ch[sc];
	if (rw == 0) {
		pit_latch_count(c, t); /* "Counter Latch Command" */
		return;
	}
	/*
	 * A control word resets the counter's logic: no count until one is
	 * written, OUT low in mode 0 and high in the others; CE keeps its
	 * value ("Write Operations").
	 */
	advance(c, t);
	pit_view(c, t, &count, &out);
	c->control = val & 0x3f;
	c->rw = (uint8_t)rw;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;
	c->hold_count = count;
	c->hold_out = c->mode != 0;
	c->counting = false;
	c->suspended = false;
	c->next_pending = false;
	c->cr = 0;
	c->null_until = NULL_UNTIL_TRIGGER;
	c->write_msb_next = false;
	c->read_msb_next = false;
	c->latched = false;
	c->status_latched = false;
}

static void pit_write_data(struct pit_channel *c, uint8_t val, uint64_t t)
{
	uint16_t count;
	bool out;

	advance(c, t);
	switch (c->rw) {
	case 1:
		pit_write_count(c, t, val);
		break;
	case 2:
		pit_write_count(c, t, (uint32_t)val << 8);
		break;
	default:
		if (c->write_msb_next) {
			c->write_msb_next = false;
			pit_write_count(c, t,
					c->write_lsb | (uint32_t)val << 8);
			break;
		}
		c->write_lsb = val;
		c->write_msb_next = true;
		/* Mode 0: the first byte stops counting, OUT low at once. */
		if (c->mode == 0) {
			pit_view(c, t, &count, &out);
			c->hold_count = count;
			c->hold_out = false;
			c->counting = false;
			c->suspended = false;
		}
		break;
	}
}

static uint8_t pit_read_data(struct pit_channel *c, uint64_t t)
{
	uint16_t count;
	bool out;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latched)
		count = c->latch;
	else
		pit_view(c, t, &count, &out);
	switch (c->rw) {
	case 1:
		c->latched = false;
		return (uint8_t)count;
	case 2:
		c->latched = false;
		return (uint8_t)(count >> 8);
	default:
		/* Two reads, LSB then MSB; a latch holds until both are done. */
		c->read_msb_next = !c->read_msb_next;
		if (c->read_msb_next)
			return (uint8_t)count;
		c->latched = false;
		return (uint8_t)(count >> 8);
	}
}

static uint8_t pit_read(struct vm *vm, uint16_t port)
{
	struct pit_state *p = &vm->dev.pit;
	uint64_t t = tsc_to_tick(dev_now());

	if (port == PORT_NMISC)
		return (uint8_t)((p->port61 & NMISC_WRITABLE) |
				 ((t / REFRESH_TICKS) & 1 ? NMISC_REFRESH : 0) |
				 (pit_out(&p->ch[2], t) ? NMISC_OUT2 : 0));
	if (port == PIT_CONTROL)
		return 0xff; /* the control word register is write-only */
	return pit_read_data(&p->ch[port & 3], t);
}

static void pit_write(struct vm *vm, uint16_t port, uint8_t val)
{
	struct pit_state *p = &vm->dev.pit;
	uint64_t now = dev_now(), t = tsc_to_tick(now);
	/* A count or a control word for channel 0; latches change nothing. */
	bool ch0 = port == 0x40 ||
		   (port == PIT_CONTROL && !(val >> 6) && (val & 0x30));
	bool out0 = false;

	/* Channel 0's rises so far reach IRQ0 under the settings that made them. */
	if (ch0) {
		irq0_catch_up(vm, now, t);
		out0 = pit_out(&p->ch[0], t);
	}
	if (port == PORT_NMISC) {
		p->port61 = val & NMISC_WRITABLE;
		pit_set_gate(&p->ch[2], t, val & NMISC_GATE2);
	} else if (port == PIT_CONTROL) {
		pit_control(vm, val, t);
	} else {
		pit_write_data(&p->ch[port & 3], val, t);
	}
	if (!ch0)
		return;
	/* A control word can raise OUT at once (mode 0 low, then another). */
	if (!out0 && pit_out(&p->ch[0], t))
		irq0_pulse(vm, now);
	irq0_arm(vm, t);
}

static bool is_pit_port(uint16_t port)
{
	return (port >= 0x40 && port <= PIT_CONTROL) || port == PORT_NMISC;
}

/* 8-bit registers: a wider access is byte accesses at consecutive ports. */
uint32_t pit_port_read(struct vcpu *v, uint16_t port, unsigned int size)
{
	uint32_t val = 0;

	for (unsigned int i = 0; i < size; i++) {
		uint16_t p = (uint16_t)(port + i);
		uint8_t b = is_pit_port(p) ? pit_read(v->vm, p) : 0xff;

		val |= (uint32_t)b << (8 * i);
	}
	return val;
}

void pit_port_write(struct vcpu *v, uint16_t port, unsigned int size,
		    uint32_t val)
{
	for (unsigned int i = 0; i < size; i++) {
		uint16_t p = (uint16_t)(port + i);

		if (is_pit_port(p))
			pit_write(v->vm, p, (uint8_t)(val >> (8 * i)));
	}
}
