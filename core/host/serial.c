// SPDX-License-Identifier: MIT
#include "core/host/serial.h"
#include "core/host/cpu.h"
#include "core/host/mmio.h"
#include "core/host/uart16550.h"
#include "lib/fmt.h"

/*
 * Bounded wait for the transmitter: a missing or wedged UART must slow the
 * log down, not hang the hypervisor.
 */
#define TX_SPIN_LIMIT 100000

static struct uart_desc uart = UART_COM1;
/*
 * Set once a wait ran out: the UART is absent or stuck, and waiting the
 * full bound before every byte would make the log crawl for nothing.
 */
static bool gave_up;
/* gave_up is news the console has not yet told (serial_take_stall()). */
static bool stall_untold;

static uint8_t reg_read(unsigned int reg)
{
	uint64_t at = uart.base + ((uint64_t)reg << uart.reg_shift);

	if (uart.space == UART_PIO)
		return inb((uint16_t)at);
	if (uart.access == 4)
		return (uint8_t)mmio_read32(at);
	return mmio_read8(at);
}

static void reg_write(unsigned int reg, uint8_t v)
{
	uint64_t at = uart.base + ((uint64_t)reg << uart.reg_shift);

	if (uart.space == UART_PIO)
		outb((uint16_t)at, v);
	else if (uart.access == 4)
		mmio_write32(at, v);
	else
		mmio_write8(at, v);
}

void serial_init(const struct uart_desc *d)
{
	uint32_t clock = d->clock ? d->clock : UART_DEFAULT_CLOCK;
	/* 64-bit: an SPCR's precise baud rate may be any 32-bit value. */
	uint64_t div = d->baud ? clock / (16ULL * d->baud) : 0;

	uart = *d;
	gave_up = stall_untold = false;
	reg_write(UART_IER, 0x00);
	/* Baud 0 (or a rate the clock cannot make): keep what firmware set. */
	if (div >= 1 && div <= 0xffff) {
		reg_write(UART_LCR, UART_LCR_DLAB);
		reg_write(UART_DATA, div & 0xff);
		reg_write(UART_IER, div >> 8);
	}
	reg_write(UART_LCR, UART_LCR_8N1);
	reg_write(UART_IIR, 0xc7); /* enable and clear FIFOs */
	reg_write(UART_MCR, 0x03); /* DTR, RTS */
}

const struct uart_desc *serial_current(void)
{
	return &uart;
}

/* Field by field: the padding of two equal descriptions may differ. */
bool serial_is_current(const struct uart_desc *d)
{
	return d->space == uart.space && d->base == uart.base &&
	       d->reg_shift == uart.reg_shift && d->access == uart.access &&
	       d->baud == uart.baud && d->clock == uart.clock;
}

void serial_describe(const struct uart_desc *d, char *buf, size_t len)
{
	char rate[24] = "firmware's baud rate";

	if (d->baud)
		fmt_snprintf(rate, sizeof(rate), "%u baud", d->baud);
	if (d->space == UART_PIO)
		fmt_snprintf(buf, len, "I/O port %#lx, %s", d->base, rate);
	else
		fmt_snprintf(buf, len, "MMIO %#lx (%u-bit, stride %u), %s",
			     d->base, d->access * 8, 1u << d->reg_shift, rate);
}

static bool wait_lsr(uint8_t bit)
{
	if (gave_up)
		return false;
	for (int i = 0; i < TX_SPIN_LIMIT; i++) {
		if (reg_read(UART_LSR) & bit)
			return true;
		cpu_relax();
	}
	gave_up = stall_untold = true;
	return false;
}

bool serial_take_stall(void)
{
	bool news = stall_untold;

	stall_untold = false;
	return news;
}

void serial_putc(char c)
{
	if (c == '\n')
		serial_putc('\r');
	wait_lsr(UART_LSR_THR_EMPTY);
	reg_write(UART_DATA, (uint8_t)c);
}

void serial_flush(void)
{
	wait_lsr(UART_LSR_TX_IDLE);
}
