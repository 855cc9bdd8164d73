/* SPDX-License-Identifier: MIT */
#ifndef MHV_LIB_STRING_H
#define MHV_LIB_STRING_H

#include <stddef.h>

/*
 * The C library's names and contracts: GCC emits calls to memcpy, memset,
 * memmove and memcmp on its own, even in freestanding code.
 */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

#endif
