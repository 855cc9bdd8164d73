/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_DEV_IOAPIC_H
#define MHV_CORE_DEV_IOAPIC_H

#include <stdint.h>

#include "core/dev/irq.h"

struct ioapic_state {
	uint32_t index; /* IOREGSEL */
	uint64_t redir[IOAPIC_PINS];
};

#endif
