// SPDX-License-Identifier: MIT
#include "core/dev/irq.h"
#include "core/host/cpu.h"

uint64_t dev_now(void)
{
	return rdtsc();
}
