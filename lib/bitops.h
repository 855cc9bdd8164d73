/* SPDX-License-Identifier: MIT */
#ifndef MHV_LIB_BITOPS_H
#define MHV_LIB_BITOPS_H

#include <stdbool.h>
#include <stdint.h>

#define BIT(n) (1ULL << (n))
/* Bits h..l inclusive, h >= l. */
#define GENMASK(h, l) ((~0ULL >> (63 - (h))) & (~0ULL << (l)))

static inline bool test_bit(uint64_t v, unsigned int n)
{
	return (v >> n) & 1;
}

/* Index of the lowest set bit; v must not be 0. */
static inline unsigned int ffs64(uint64_t v)
{
	return (unsigned int)__builtin_ctzll(v);
}

/* Index of the highest set bit; v must not be 0. */
static inline unsigned int fls64(uint64_t v)
{
	return 63 - (unsigned int)__builtin_clzll(v);
}

static inline bool is_power_of_2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static inline uint64_t get_field(uint64_t v, unsigned int h, unsigned int l)
{
	return (v & GENMASK(h, l)) >> l;
}

#endif
