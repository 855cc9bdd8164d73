// SPDX-License-Identifier: MIT
/*
 * mhv's console UART driver (core/host/serial.c) on its memory-mapped
 * path, which no QEMU PC machine can exercise (they have no MMIO 16550).
 * The UART is described the two ways mhv learns of one, serial= on the
 * command line (boot/cmdline.c) and an ACPI SPCR table built here
 * (core/host/spcr.c), and the driver then talks to a model of a 16550
 * behind core/host/mmio.h's accessors. The model checks every access:
 * inside the register window, on a register's boundary, at the width the
 * description asks for; it records what is written (divisor latch,
 * line control, FIFO, modem control, every transmitted byte) and can play
 * a UART that is slow, absent (reads all ones, as an open bus) or stuck
 * (never ready), where the driver's wait must stay bounded. The source is
 * included for its wait bound and a fresh driver per test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "boot/cmdline.h"
#include "core/host/serial.c"
#include "core/host/spcr.h"

#define BASE 0xfe032000ULL
/* What a 32-bit bus returns above a byte register: must be ignored. */
#define UPPER_JUNK 0xa5a5a500u
#define MAX_WRITES 64

enum uart_kind {
	LIVE,	  /* a 16550 that answers */
	ALL_ONES, /* nothing there, reads float high (LSR 0xff) */
	STUCK,	  /* reads 0: the transmitter never reports empty */
};

struct reg_write {
	unsigned int reg;
	uint8_t val;
	bool dlab;
};

static struct model {
	enum uart_kind kind;
	uint64_t base;
	unsigned int stride, width;
	uint8_t lcr, dll, dlm;
	/* LSR reads that still say "busy" after each transmitted byte. */
	unsigned int busy_polls, busy_left;
	char out[256];
	size_t out_len;
	unsigned int lsr_reads, overruns;
	struct reg_write writes[MAX_WRITES];
	unsigned int nwrites;
} m;

static void model_reset(enum uart_kind kind, unsigned int stride,
			unsigned int width)
{
	memset(&m, 0, sizeof(m));
	m.kind = kind;
	m.base = BASE;
	m.stride = stride;
	m.width = width;
}

/* The register an access reaches; any access a 16550 would not decode fails. */
static unsigned int reg_at(uint64_t pa, unsigned int width)
{
	uint64_t off = pa - m.base;

	if (pa < m.base || off >= 8ULL * m.stride)
		fail_msg("access at %#llx, outside the UART at %#llx",
			 (unsigned long long)pa, (unsigned long long)m.base);
	if (off % m.stride)
		fail_msg("access at %#llx between registers (stride %u)",
			 (unsigned long long)pa, m.stride);
	if (width != m.width)
		fail_msg("%u-byte access at %#llx, the UART needs %u", width,
			 (unsigned long long)pa, m.width);
	return (unsigned int)(off / m.stride);
}

static uint8_t model_read(uint64_t pa, unsigned int width)
{
	unsigned int reg = reg_at(pa, width);

	if (reg == UART_LSR)
		m.lsr_reads++;
	if (m.kind == ALL_ONES)
		return 0xff;
	if (m.kind == STUCK)
		return 0;
	if (reg == UART_LSR) {
		if (m.busy_left) {
			m.busy_left--;
			return 0;
		}
		return UART_LSR_THR_EMPTY | UART_LSR_TX_IDLE;
	}
	if (reg == UART_LCR)
		return m.lcr;
	return 0;
}

static void model_write(uint64_t pa, unsigned int width, uint8_t v)
{
	unsigned int reg = reg_at(pa, width);
	bool dlab = m.lcr & UART_LCR_DLAB;

	if (m.nwrites < MAX_WRITES && !(reg == UART_DATA && !dlab))
		m.writes[m.nwrites++] = (struct reg_write){reg, v, dlab};
	if (reg == UART_LCR) {
		m.lcr = v;
	} else if (dlab && reg == UART_DATA) {
		m.dll = v;
	} else if (dlab && reg == UART_IER) {
		m.dlm = v;
	} else if (reg == UART_DATA) {
		if (m.kind == LIVE && m.busy_left)
			m.overruns++;
		if (m.out_len < sizeof(m.out) - 1)
			m.out[m.out_len++] = (char)v;
		m.busy_left = m.busy_polls;
	}
}

uint8_t mmio_read8(uint64_t pa)
{
	return model_read(pa, 1);
}

uint32_t mmio_read32(uint64_t pa)
{
	return UPPER_JUNK | model_read(pa, 4);
}

void mmio_write8(uint64_t pa, uint8_t v)
{
	model_write(pa, 1, v);
}

void mmio_write32(uint64_t pa, uint32_t v)
{
	if (v > 0xff)
		fail_msg("32-bit write of %#x to a byte register", v);
	model_write(pa, 4, (uint8_t)v);
}

/* --- describing the UART ------------------------------------------------ */

static struct uart_desc from_cmdline(const char *line)
{
	struct mhv_options opt;
	char err[120];

	cmdline_defaults(&opt);
	assert_int_equal(cmdline_parse(line, &opt, err, sizeof(err)), 0);
	assert_true(opt.serial_given);
	return opt.serial;
}

static uint8_t spcr[88];

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/*
 * An SPCR naming a 16550 in system memory (ACPI 6.5, 5.2.3.2: GAS space 0):
 * register width and access size as given, baud rate code, and for
 * revision 3 and up the clock and (4) the precise rate.
 */
static struct uart_desc from_spcr(uint8_t rev, uint8_t bits, uint8_t access,
				  uint8_t baud_code, uint32_t clock,
				  uint32_t precise)
{
	uint32_t len = rev >= 4 ? 88 : 80;
	struct uart_desc d;
	char err[120];
	uint64_t base = BASE;
	uint8_t sum = 0;

	memset(spcr, 0, sizeof(spcr));
	memcpy(spcr, "SPCR", 4);
	put32(spcr + 4, len);
	spcr[8] = rev;
	spcr[36] = 0x12; /* 16550-compatible with GAS parameters */
	spcr[40] = 0;
	spcr[41] = bits;
	spcr[43] = access;
	memcpy(spcr + 44, &base, 8);
	spcr[58] = baud_code;
	put32(spcr + 76, clock);
	put32(spcr + 80, precise);
	for (uint32_t i = 0; i < len; i++)
		sum += spcr[i];
	spcr[9] = (uint8_t)-sum;
	assert_int_equal(spcr_parse(spcr, len, &d, err, sizeof(err)), 0);
	assert_int_equal(d.space, UART_MMIO);
	assert_int_equal(d.base, BASE);
	return d;
}

/* --- what the driver must have done --------------------------------------- */

/* serial_init()'s writes, in order: IER off, [divisor], 8N1, FIFO, MCR. */
static void assert_init(bool divisor, uint16_t div)
{
	const struct reg_write with_div[] = {
		{UART_IER, 0x00, false},
		{UART_LCR, UART_LCR_DLAB, false},
		{UART_DATA, div & 0xff, true},
		{UART_IER, div >> 8, true},
		{UART_LCR, UART_LCR_8N1, true},
		{UART_IIR, 0xc7, false},
		{UART_MCR, 0x03, false},
	};
	const struct reg_write keep[] = {
		{UART_IER, 0x00, false},
		{UART_LCR, UART_LCR_8N1, false},
		{UART_IIR, 0xc7, false},
		{UART_MCR, 0x03, false},
	};
	const struct reg_write *want = divisor ? with_div : keep;
	unsigned int n = divisor ? ARRAY_SIZE(with_div) : ARRAY_SIZE(keep);

	assert_int_equal(m.nwrites, n);
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(m.writes[i].reg, want[i].reg);
		assert_int_equal(m.writes[i].val, want[i].val);
		assert_int_equal(m.writes[i].dlab, want[i].dlab);
	}
	assert_int_equal(m.lcr, UART_LCR_8N1);
}

static void send(const char *s)
{
	for (; *s; s++)
		serial_putc(*s);
}

static void assert_sent(const char *want)
{
	m.out[m.out_len] = '\0';
	assert_string_equal(m.out, want);
	assert_int_equal(m.overruns, 0);
}

/* --- tests --------------------------------------------------------------- */

static void test_cmdline_mmio8(void **state)
{
	struct uart_desc d = from_cmdline("serial=mmio:0xfe032000");

	(void)state;
	model_reset(LIVE, 1, 1);
	serial_init(&d);
	assert_init(true, 1); /* 1843200 / (16 * 115200) */
	send("mhv: ok\n");
	assert_sent("mhv: ok\r\n");
	/* One look at LSR per byte when the UART is always ready. */
	assert_int_equal(m.lsr_reads, 9);
}

static void test_cmdline_mmio32(void **state)
{
	struct uart_desc d = from_cmdline("serial=mmio32:0xfe032000,9600");

	(void)state;
	model_reset(LIVE, 4, 4);
	serial_init(&d);
	assert_init(true, 12);
	send("a\tb\n");
	assert_sent("a\tb\r\n");
}

static void test_spcr_mmio32_clock(void **state)
{
	/* 48 MHz, 1.5 Mbaud precise rate (revision 4): divisor 2. */
	struct uart_desc d = from_spcr(4, 32, 3, 7, 48000000, 1500000);

	(void)state;
	model_reset(LIVE, 4, 4);
	serial_init(&d);
	assert_init(true, 2);
	send("x\n");
	assert_sent("x\r\n");
}

static void test_spcr_mmio32_width_only(void **state)
{
	/* Access size 0 (undefined): the 32-bit register width decides. */
	struct uart_desc d = from_spcr(2, 32, 0, 6, 0, 0);

	(void)state;
	model_reset(LIVE, 4, 4);
	serial_init(&d);
	assert_init(true, 2); /* 57600 baud */
	send("y\n");
	assert_sent("y\r\n");
}

static void test_spcr_mmio8_keeps_rate(void **state)
{
	/* Baud code 0: the firmware's rate stays, the divisor is not touched. */
	struct uart_desc d = from_spcr(1, 8, 1, 0, 0, 0);

	(void)state;
	model_reset(LIVE, 1, 1);
	serial_init(&d);
	assert_init(false, 0);
	send("z\n");
	assert_sent("z\r\n");
}

/*
 * A revision 4 table may give any 32-bit precise rate; 16 times it used to
 * wrap to 0 in 32 bits and serial_init() divided by zero. A rate the clock
 * cannot make keeps the firmware's divisor.
 */
static void test_spcr_huge_precise_baud(void **state)
{
	const uint32_t rates[] = {0x10000000, 0x80000000, 0xffffffff,
				  48000000 / 16 + 1};

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(rates); i++) {
		struct uart_desc d = from_spcr(4, 32, 3, 7, 48000000, rates[i]);

		model_reset(LIVE, 4, 4);
		serial_init(&d);
		assert_init(false, 0);
	}
}

static void test_slow_uart_waited_for(void **state)
{
	struct uart_desc d = from_cmdline("serial=mmio32:0xfe032000");

	(void)state;
	model_reset(LIVE, 4, 4);
	m.busy_polls = 500;
	serial_init(&d);
	send("slow\n");
	assert_sent("slow\r\n");
	assert_false(serial_take_stall());
	/* 500 busy reads after each byte but the last, one ready read each. */
	assert_int_equal(m.lsr_reads, 5 * 500 + 6);
	serial_flush();
	assert_int_equal(m.lsr_reads, 6 * 500 + 7);
}

/* Nothing on the bus: LSR reads all ones, "ready", and nothing waits. */
static void test_absent_uart_reads_ones(void **state)
{
	struct uart_desc d = from_cmdline("serial=mmio:0xfe032000");

	(void)state;
	model_reset(ALL_ONES, 1, 1);
	serial_init(&d);
	send("gone\n");
	serial_flush();
	assert_false(serial_take_stall());
	assert_false(gave_up);
}

/*
 * A UART that never reports its transmitter empty (reads 0) costs one
 * bounded wait, is reported once, and is not waited for again until
 * serial_init(). The bytes still go out, in case it is merely slow.
 */
static void test_stuck_uart_bounded(void **state)
{
	struct uart_desc d = from_cmdline("serial=mmio32:0xfe032000");

	(void)state;
	model_reset(STUCK, 4, 4);
	serial_init(&d);
	assert_init(true, 1);
	assert_false(serial_take_stall());
	serial_putc('a');
	assert_int_equal(m.lsr_reads, TX_SPIN_LIMIT);
	assert_int_equal(m.out_len, 1);
	assert_true(serial_take_stall());
	assert_false(serial_take_stall());
	send("bcd\n");
	serial_flush();
	assert_int_equal(m.lsr_reads, TX_SPIN_LIMIT);
	assert_sent("abcd\r\n");
	assert_false(serial_take_stall());
	/* A new serial_init() trusts the UART again, and waits once more. */
	serial_init(&d);
	serial_flush();
	assert_int_equal(m.lsr_reads, 2 * TX_SPIN_LIMIT);
	assert_true(serial_take_stall());
}

static void test_describe(void **state)
{
	struct uart_desc d = from_spcr(4, 32, 3, 7, 48000000, 1500000);
	char buf[80];

	(void)state;
	serial_describe(&d, buf, sizeof(buf));
	assert_string_equal(buf,
			    "MMIO 0xfe032000 (32-bit, stride 4), 1500000 baud");
	d = from_spcr(1, 8, 1, 0, 0, 0);
	serial_describe(&d, buf, sizeof(buf));
	assert_string_equal(
		buf, "MMIO 0xfe032000 (8-bit, stride 1), firmware's baud rate");
}

/* Equal descriptions are equal whatever their padding bytes hold. */
static void test_is_current_ignores_padding(void **state)
{
	struct uart_desc a, b;

	(void)state;
	model_reset(LIVE, 4, 4);
	memset(&a, 0x00, sizeof(a));
	memset(&b, 0xff, sizeof(b));
	a.space = b.space = UART_MMIO;
	a.base = b.base = BASE;
	a.reg_shift = b.reg_shift = 2;
	a.access = b.access = 4;
	a.baud = b.baud = 115200;
	a.clock = b.clock = 0;
	serial_init(&a);
	assert_true(serial_is_current(&b));
	b.baud = 9600;
	assert_false(serial_is_current(&b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmdline_mmio8),
		cmocka_unit_test(test_cmdline_mmio32),
		cmocka_unit_test(test_spcr_mmio32_clock),
		cmocka_unit_test(test_spcr_mmio32_width_only),
		cmocka_unit_test(test_spcr_mmio8_keeps_rate),
		cmocka_unit_test(test_spcr_huge_precise_baud),
		cmocka_unit_test(test_slow_uart_waited_for),
		cmocka_unit_test(test_absent_uart_reads_ones),
		cmocka_unit_test(test_stuck_uart_bounded),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_is_current_ignores_padding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
