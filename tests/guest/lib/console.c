// SPDX-License-Identifier: MIT
#include "guest.h"
#include "lib/fmt.h"

/* COM1 at 115200 8N1, polled; printf through lib/fmt.c; exit via 0xf4. */
#define COM1 0x3f8
#define LSR_THRE 0x20
#define EXIT_PORT 0xf4

void serial_init(void);

void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts */
	outb(COM1 + 3, 0x80); /* DLAB */
	outb(COM1 + 0, 0x01); /* divisor 1: 115200 */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xc7); /* FIFO on, cleared */
	outb(COM1 + 4, 0x0b); /* DTR, RTS, OUT2 */
}

static void serial_putc(char c)
{
	/* Bounded: a transmitter that never empties must not hang the test. */
	for (int i = 0; i < 100000; i++) {
		if (inb(COM1 + 5) & LSR_THRE)
			break;
	}
	outb(COM1, c);
}

static void console_sink(void *ctx, char c)
{
	serial_putc(c);
}

void puts(const char *s)
{
	while (*s)
		serial_putc(*s++);
}

int vprintf(const char *fmt, va_list ap)
{
	return fmt_vformat(console_sink, NULL, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void exit(int code)
{
	outl(EXIT_PORT, code);
	for (;;) {
		cli();
		hlt();
	}
}
