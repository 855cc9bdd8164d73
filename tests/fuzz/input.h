/* SPDX-License-Identifier: MIT */
#ifndef MHV_TESTS_FUZZ_INPUT_H
#define MHV_TESTS_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Taking typed values off the front of a fuzz input. Past its end every
 * value reads as zero, so a short input is still a valid (if dull) one
 * and the harnesses need no length checks of their own.
 */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t in_take(struct fuzz_in *in, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int k = bytes < in->n ? bytes : (unsigned int)in->n;

	memcpy(&v, in->p, k);
	in->p += k;
	in->n -= k;
	return v;
}

static inline uint8_t in_u8(struct fuzz_in *in)
{
	return (uint8_t)in_take(in, 1);
}

static inline uint16_t in_u16(struct fuzz_in *in)
{
	return (uint16_t)in_take(in, 2);
}

static inline uint32_t in_u32(struct fuzz_in *in)
{
	return (uint32_t)in_take(in, 4);
}

static inline uint64_t in_u64(struct fuzz_in *in)
{
	return in_take(in, 8);
}

#endif
