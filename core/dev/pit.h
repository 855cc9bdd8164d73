/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_DEV_PIT_H
#define MHV_CORE_DEV_PIT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * One 8254 counter. Time is in PIT clock ticks since the host TSC's zero
 * (core/dev/dev_pit.c); `load` is the tick at which the counting element
 * (CE) holds `n`, the count of the running cycle, and the count read at
 * tick t follows from t - load and the mode.
 */
struct pit_channel {
	uint8_t control; /* RW1:0, M2:0, BCD of the last control word */
	uint8_t mode;	 /* effective mode 0-5 (6, 7 are 2, 3) */
	uint8_t rw;	 /* 1: LSB, 2: MSB, 3: LSB then MSB */
	uint32_t cr;	 /* count register as last written, 1-65536 */
	uint32_t n;	 /* count of the running cycle, 1-65536 */
	uint64_t load;
	bool counting; /* CE loaded (or to be at `load`) */
	bool gate;
	bool suspended;	 /* gate low in modes 0, 2, 3, 4: CE frozen */
	uint64_t k_held; /* ticks counted when suspended */
	/* Until `load`: what the counter shows (the CE's old value). */
	uint16_t hold_count;
	bool hold_out;
	/* Modes 2, 3: a count written while counting takes over at next_at. */
	bool next_pending;
	bool next_low; /* mode 3: the new cycle starts in its low half */
	uint32_t next_n;
	uint64_t next_at;
	/* Status NULL COUNT: a written count not yet in CE until this tick. */
	uint64_t null_until;
	uint8_t write_lsb;   /* LSB of a two-byte count being written */
	bool write_msb_next; /* the write flip-flop */
	bool read_msb_next;  /* the read flip-flop */
	bool latched;	     /* counter latch / read-back count */
	uint16_t latch;
	bool status_latched;
	uint8_t status;
};

struct pit_state {
	struct pit_channel ch[3];
	uint8_t port61; /* bits 3:0 as written */
	/* Channel 0's OUT rises up to this tick have reached IRQ0. */
	uint64_t irq_seen;
	uint64_t irq_last; /* host TSC of the last IRQ0 edge */
};

#endif
