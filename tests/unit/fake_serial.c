// SPDX-License-Identifier: MIT
/* Capture-buffer stand-in for core/host/serial.c in hosted tests. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/host/console.h"
#include "core/host/serial.h"
#include "tests/unit/fake_serial.h"

static char buf[FAKE_SERIAL_CAPACITY + 1];
static size_t len, dropped;
static struct uart_desc uart = UART_COM1;

void serial_init(const struct uart_desc *d)
{
	uart = *d;
}

const struct uart_desc *serial_current(void)
{
	return &uart;
}

/* The real driver sends "\r\n" for '\n'; the capture keeps lines as is. */
void serial_putc(char c)
{
	if (len == FAKE_SERIAL_CAPACITY) {
		dropped++;
		return;
	}
	buf[len++] = c;
	buf[len] = '\0';
}

void serial_flush(void)
{
}

void fake_serial_clear(void)
{
	len = 0;
	dropped = 0;
	buf[0] = '\0';
}

const char *fake_serial_output(void)
{
	return buf;
}

size_t fake_serial_len(void)
{
	return len;
}

size_t fake_serial_dropped(void)
{
	return dropped;
}

bool fake_serial_contains(const char *needle)
{
	return strstr(buf, needle) != NULL;
}

/* The log's one console in hosted tests: the capture. */
void console_putc(char c)
{
	serial_putc(c);
}
