// SPDX-License-Identifier: MIT
#include <stdint.h>

#include "lib/string.h"

void *memcpy(void *dst, const void *src, size_t n)
{
	/* rep movsb is fast on every CPU mhv targets (ERMSB or not, it is short). */
	void *ret = dst;

	asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
	return ret;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *ret = dst;
	size_t quads = n / 8;

	/*
	 * Guest RAM is cleared with this (256 MiB per VM by default): eight
	 * bytes per iteration matter where the CPU or the emulator steps
	 * string instructions one iteration at a time.
	 */
	if (quads) {
		uint64_t pattern = 0x0101010101010101ULL * (uint8_t)c;

		asm volatile("rep stosq"
			     : "+D"(dst), "+c"(quads)
			     : "a"(pattern)
			     : "memory");
		n &= 7;
	}
	asm volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(c) : "memory");
	return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i] || !a[i])
			return (unsigned char)a[i] - (unsigned char)b[i];
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
