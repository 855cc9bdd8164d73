/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_SERIAL_H
#define MHV_CORE_HOST_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#include "boot/uart.h"

#define COM1_PORT 0x3f8

/* A polled 16550 at d's rate (or the firmware's, for baud 0), 8N1. */
void serial_init(const struct uart_desc *d);
void serial_putc(char c);
/* The UART in use. */
const struct uart_desc *serial_current(void);
/* "I/O port 0x3f8, 115200 baud" or "MMIO 0xfe030000 (32-bit), ..." */
void serial_describe(const struct uart_desc *d, char *buf, size_t len);
/* Wait until the last byte has left the UART (before stopping the machine). */
void serial_flush(void);

#endif
