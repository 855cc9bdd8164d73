/* SPDX-License-Identifier: MIT */
#ifndef MHV_BOOT_UART_H
#define MHV_BOOT_UART_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Where mhv's console UART is and how to talk to it: what the command line
 * (serial=) or the firmware (the ACPI SPCR table) says. Only 16550-style
 * UARTs, in I/O space or memory-mapped.
 */
enum uart_space {
	UART_PIO,
	UART_MMIO,
};

/* A 16550's usual input clock: a divisor of 1 gives 115200 baud. */
#define UART_DEFAULT_CLOCK 1843200u
#define UART_DEFAULT_BAUD 115200u

struct uart_desc {
	enum uart_space space;
	uint64_t base;	   /* I/O port or physical address of register 0 */
	uint8_t reg_shift; /* register n lives at base + (n << reg_shift) */
	uint8_t access;	   /* MMIO access size in bytes: 1 or 4 */
	uint32_t baud;	   /* 0: keep the rate the firmware programmed */
	uint32_t clock;	   /* input clock in Hz; 0 means UART_DEFAULT_CLOCK */
};

/* COM1 at 115200 baud, the console until something says otherwise. */
#define UART_COM1                              \
	((struct uart_desc){.space = UART_PIO, \
			    .base = 0x3f8,     \
			    .access = 1,       \
			    .baud = UART_DEFAULT_BAUD})

#endif
