/* SPDX-License-Identifier: MIT */
#ifndef MHV_TESTS_UNIT_FAKE_MEMORY_H
#define MHV_TESTS_UNIT_FAKE_MEMORY_H

#include <stdint.h>

/*
 * mhv's physical memory and its window on guest RAM (core/host/memory.h),
 * hosted. "Physical" memory is a memory file mapped at a 2 MiB-aligned
 * address that is also its physical address (mhv's identity map); the
 * window maps pieces of the same file elsewhere, so a write through one
 * shows through the other, as on the machine. phys_mem manages it.
 */
void fake_memory_init(uint64_t size);
void fake_memory_fini(void);
/* Where the physical memory starts (its first 2 MiB are never free). */
uint64_t fake_memory_base(void);

#endif
