/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_MMIO_H
#define MHV_CORE_HOST_MMIO_H

#include <stdint.h>

/*
 * Device registers by physical address, through mhv's identity map: each
 * access happens once, at exactly its width (a 16550 behind a 32-bit bus
 * must see a 32-bit access, not four bytes). Hosted tests link a model of
 * the device behind these instead, so the drivers' addressing runs against
 * it access by access (tests/unit/test_serial.c).
 */
#ifdef MHV_HOSTED
uint8_t mmio_read8(uint64_t pa);
uint32_t mmio_read32(uint64_t pa);
void mmio_write8(uint64_t pa, uint8_t v);
void mmio_write32(uint64_t pa, uint32_t v);
#else
static inline uint8_t mmio_read8(uint64_t pa)
{
	return *(volatile uint8_t *)(uintptr_t)pa;
}

static inline uint32_t mmio_read32(uint64_t pa)
{
	return *(volatile uint32_t *)(uintptr_t)pa;
}

static inline void mmio_write8(uint64_t pa, uint8_t v)
{
	*(volatile uint8_t *)(uintptr_t)pa = v;
}

static inline void mmio_write32(uint64_t pa, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)pa = v;
}
#endif

#endif
