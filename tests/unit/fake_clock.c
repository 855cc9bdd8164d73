// SPDX-License-Identifier: MIT
/* Device time for hosted tests: it moves only when a test moves it. */
#include "tests/unit/fake_clock.h"

uint64_t fake_now = 1000000;

uint64_t dev_now(void)
{
	return fake_now;
}
