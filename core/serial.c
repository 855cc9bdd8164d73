// SPDX-License-Identifier: MIT
#include "core/serial.h"
#include "core/cpu.h"
#include "core/uart16550.h"

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
	outb(base + UART_LCR, UART_LCR_DLAB);
	outb(base + UART_DATA, 1); /* 115200 / 1 */
	outb(base + UART_IER, 0);
	outb(base + UART_LCR, UART_LCR_8N1);
	outb(base + UART_IIR, 0xc7); /* enable and clear FIFOs */
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
		if (inb(base + UART_LSR) & UART_LSR_THR_EMPTY)
			break;
		cpu_relax();
	}
	outb(base + UART_DATA, (uint8_t)c);
}

void serial_flush(void)
{
	for (int i = 0; i < TX_SPIN_LIMIT; i++) {
		if (inb(base + UART_LSR) & UART_LSR_TX_IDLE)
			return;
		cpu_relax();
	}
}
