/* SPDX-License-Identifier: MIT */
#ifndef MHV_TESTS_UNIT_FAKE_HOST_IRQ_H
#define MHV_TESTS_UNIT_FAKE_HOST_IRQ_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The host interrupt side of core/host/apic.c, which needs the hardware,
 * as a model the exit tests steer: which vector is pending for the next
 * host_irq_take_pending() (0: none), what the handlers were called with,
 * how the host timer was armed.
 */
struct fake_host_irq {
	unsigned int pending_vector;
	unsigned int handled[8];
	unsigned int handled_count;
	bool timer_armed;
	uint64_t armed_ticks;
	unsigned int arm_count;
	unsigned int waits; /* host_wait() calls */
	bool timer_expired;
	/* core/host/smp.h: the CPU "we" are on, the kicks sent to each. */
	unsigned int this_cpu;
	unsigned int kicks[16];
};

extern struct fake_host_irq fake_irq;

void fake_host_irq_reset(void);

#endif
