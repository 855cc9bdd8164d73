/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_DEV_IOAPIC_H
#define MHV_CORE_DEV_IOAPIC_H

#include <stdint.h>

#include "core/dev/irq.h"

/*
 * The I/O APIC's state (core/dev/dev_ioapic.c). The ID the guest reads
 * after reset is also the one the MADT's I/O APIC entry publishes.
 */
#define IOAPIC_RESET_ID 0

struct ioapic_state {
	uint32_t regsel; /* IOREGSEL: the register IOWIN reaches */
	uint8_t id;	 /* bits 27:24 of the ID register */
	uint32_t lines;	 /* bit n: pin n's input is asserted */
	/* As the guest wrote them, with remote IRR (bit 14) kept by the model. */
	uint64_t redir[IOAPIC_PINS];
};

#endif
