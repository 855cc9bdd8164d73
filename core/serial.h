/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_SERIAL_H
#define MHV_CORE_SERIAL_H

#include <stdint.h>

#define COM1_PORT 0x3f8

/* 16550 UART at 115200 8N1, polled. */
void serial_init(uint16_t port);
void serial_putc(char c);
uint16_t serial_port(void);
/* Wait until the last byte has left the UART (before stopping the machine). */
void serial_flush(void);

#endif
