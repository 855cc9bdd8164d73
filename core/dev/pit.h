/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_DEV_PIT_H
#define MHV_CORE_DEV_PIT_H

#include <stdint.h>

struct pit_state {
	uint8_t port61;
};

#endif
