/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_DEV_PIC_H
#define MHV_CORE_DEV_PIC_H

#include <stdint.h>

/* One 8259A; the pair is master (0) and slave (1, on master pin 2). */
struct pic_chip {
	uint8_t imr;
};

struct pic_state {
	struct pic_chip chip[2];
};

#endif
