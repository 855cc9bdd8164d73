/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_SERIAL_H
#define MHV_CORE_HOST_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/uart.h"

#define COM1_PORT 0x3f8

/* A polled 16550 at d's rate (or the firmware's, for baud 0), 8N1. */
void serial_init(const struct uart_desc *d);
void serial_putc(char c);
/* The UART in use. */
const struct uart_desc *serial_current(void);
/* Whether d describes the UART in use. */
bool serial_is_current(const struct uart_desc *d);
/* "I/O port 0x3f8, 115200 baud" or "MMIO 0xfe030000 (32-bit), ..." */
void serial_describe(const struct uart_desc *d, char *buf, size_t len);
/* Wait until the last byte has left the UART (before stopping the machine). */
void serial_flush(void);
/*
 * True once after a wait for the UART ran out: from then on it is taken to
 * be absent or stuck and never waited for again (until serial_init()). The
 * console says so on whatever else shows the log.
 */
bool serial_take_stall(void);

#endif
