// SPDX-License-Identifier: MIT
#include "core/serial.h"
#include "core/cpu.h"

enum {
	UART_THR = 0, /* transmit holding (DLAB=0) */
	UART_DLL = 0, /* divisor low (DLAB=1) */
	UART_IER = 1,
	UART_DLH = 1,
	UART_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
};
#define LSR_THR_EMPTY 0x20
#define LSR_TX_IDLE 0x40
#define LCR_DLAB 0x80
#define LCR_8N1 0x03

/*
 * Bounded wait for the transmitter: a missing or wedged UART must slow the
 * log down, not hang the hypervisor.
 */
#define TX_SPIN_LIMIT 100000

static uint16_t base = COM1_PORT;

void serial_init(uint16_t port)
{
	base = port;
	outb(base + UART_IER, 0x00);
	outb(base + UART_LCR, LCR_DLAB);
	outb(base + UART_DLL, 1); /* 115200 / 1 */
	outb(base + UART_DLH, 0);
	outb(base + UART_LCR, LCR_8N1);
	outb(base + UART_FCR, 0xc7); /* enable and clear FIFOs */
	outb(base + UART_MCR, 0x03); /* DTR, RTS */
}

uint16_t serial_port(void)
{
	return base;
}

void serial_putc(char c)
{
	if (c == '\n')
		serial_putc('\r');
	for (int i = 0; i < TX_SPIN_LIMIT; i++) {
		if (inb(base + UART_LSR) & LSR_THR_EMPTY)
			break;
		cpu_relax();
	}
	outb(base + UART_THR, (uint8_t)c);
}

void serial_flush(void)
{
	for (int i = 0; i < TX_SPIN_LIMIT; i++) {
		if (inb(base + UART_LSR) & LSR_TX_IDLE)
			return;
		cpu_relax();
	}
}
