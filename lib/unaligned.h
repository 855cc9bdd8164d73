/* SPDX-License-Identifier: MIT */
#ifndef MHV_LIB_UNALIGNED_H
#define MHV_LIB_UNALIGNED_H

#include <stdint.h>

/*
 * Little-endian fields at any alignment, as firmware and boot-loader
 * tables lay them out (multiboot2 info, ACPI tables). A copy, not a cast:
 * the table need not be aligned, and a cast would be undefined behaviour.
 */
static inline uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

#endif
