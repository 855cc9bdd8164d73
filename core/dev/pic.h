/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_DEV_PIC_H
#define MHV_CORE_DEV_PIC_H

#include <stdbool.h>
#include <stdint.h>

/*
 * One 8259A; the pair is master (0) and slave (1, on master pin 2). Bit n
 * of each 8-bit register is the chip's input IRn.
 */
struct pic_chip {
	uint8_t irr;   /* requests: latched edges, live levels */
	uint8_t isr;   /* in service, until an EOI */
	uint8_t imr;   /* OCW1 */
	uint8_t lines; /* the inputs' levels, for edge detection */
	uint8_t elcr;  /* PIIX edge/level control: 1 = level */
	uint8_t base;  /* ICW2: vector of IR0 (8086 mode, bits 7:3) */
	uint8_t icw3;  /* master: which inputs have a slave; slave: its ID */
	/* The highest-priority input; IR7 is lowest after ICW1 (bottom = 7). */
	uint8_t top;
	uint8_t init_step; /* 0: ready; else the ICW the next odd write is */
	bool icw4_wanted;  /* ICW1.IC4 */
	bool single;	   /* ICW1.SNGL */
	bool ltim;	   /* ICW1.LTIM: every input level-triggered */
	bool aeoi;	   /* ICW4.AEOI */
	bool sfnm;	   /* ICW4.SFNM (special fully nested mode) */
	bool rotate_aeoi;  /* OCW2 "rotate in automatic EOI mode" */
	bool smm;	   /* OCW3 special mask mode */
	bool read_isr;	   /* OCW3.RIS: the even port reads ISR, not IRR */
	bool poll;	   /* OCW3.P: the next even-port read is a poll */
};

struct pic_state {
	struct pic_chip chip[2];
};

#endif
