/* SPDX-License-Identifier: MIT */
#ifndef MHV_TESTS_UNIT_FAKE_CLOCK_H
#define MHV_TESTS_UNIT_FAKE_CLOCK_H

#include <stdint.h>

#include "core/dev/irq.h"

/* What dev_now() returns: host TSC ticks (tsc_hz() is 1 GHz hosted). */
extern uint64_t fake_now;

#endif
