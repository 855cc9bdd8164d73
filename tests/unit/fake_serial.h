/* SPDX-License-Identifier: MIT */
#ifndef MHV_TESTS_UNIT_FAKE_SERIAL_H
#define MHV_TESTS_UNIT_FAKE_SERIAL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A test double for core/host/serial.c: every byte the console and the log
 * write lands in a capture buffer that tests can read and clear. Output
 * past the buffer's end is dropped (and counted), never written out of
 * bounds.
 */
#define FAKE_SERIAL_CAPACITY (64 * 1024)

/* Forget everything captured so far. */
void fake_serial_clear(void);
/* What was written since the last clear, NUL-terminated. */
const char *fake_serial_output(void);
size_t fake_serial_len(void);
/* Bytes written since the last clear that did not fit in the buffer. */
size_t fake_serial_dropped(void);
/* Whether the captured output contains `needle`. */
bool fake_serial_contains(const char *needle);

#endif
