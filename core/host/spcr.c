// SPDX-License-Identifier: MIT
/*
 * The SPCR table's layout (Microsoft, "Serial Port Console Redirection
 * Table", revision 4):
 *   36  interface type (DBG2 serial subtype)
 *   40  base address, an ACPI Generic Address Structure (12 bytes)
 *   58  configured baud rate, as a code
 *   76  UART clock frequency in Hz (revision 3+, 0 = not given)
 *   80  precise baud rate (revision 4+, 0 = use the code at 58)
 * Revisions 1 and 2 are 80 bytes long; the fields mhv does not use
 * (interrupts, flow control, terminal type, PCI location) are skipped.
 */
#include <stdarg.h>
#include <stdbool.h>

#include "core/host/spcr.h"
#include "lib/compiler.h"
#include "lib/fmt.h"
#include "lib/unaligned.h"

#define SPCR_MIN_LEN 80u
#define OFF_REVISION 8
#define OFF_TYPE 36
#define OFF_GAS 40
#define OFF_BAUD 58
#define OFF_CLOCK 76
#define OFF_PRECISE_BAUD 80

/* DBG2 serial port subtypes for the 16550 family. */
#define TYPE_16550 0x00
#define TYPE_16450 0x01
#define TYPE_16550_GAS 0x12

/* ACPI 6.5 section 5.2.3.2: the Generic Address Structure. */
#define GAS_MEMORY 0
#define GAS_IO 1
#define GAS_ACCESS_UNDEFINED 0
#define GAS_ACCESS_BYTE 1
#define GAS_ACCESS_DWORD 3

typedef unsigned long long ull;

/* The baud rate code at offset 58; 0 keeps the firmware's rate. */
static int baud_from_code(uint8_t code, uint32_t *baud)
{
	switch (code) {
	case 0:
		*baud = 0;
		return 0;
	case 3:
		*baud = 9600;
		return 0;
	case 4:
		*baud = 19200;
		return 0;
	case 6:
		*baud = 57600;
		return 0;
	case 7:
		*baud = 115200;
		return 0;
	default:
		return -1;
	}
}

/* Register width from the GAS: 8-bit registers 1 apart or 32-bit 4 apart. */
static int mmio_width(uint8_t bit_width, uint8_t access, struct uart_desc *d)
{
	if (access == GAS_ACCESS_UNDEFINED)
		access = bit_width == 32 ? GAS_ACCESS_DWORD : GAS_ACCESS_BYTE;
	if (bit_width == 8 && access == GAS_ACCESS_BYTE) {
		d->access = 1;
		d->reg_shift = 0;
	} else if (bit_width == 32 && access == GAS_ACCESS_DWORD) {
		d->access = 4;
		d->reg_shift = 2;
	} else {
		return -1;
	}
	return 0;
}

int spcr_parse(const uint8_t *table, uint32_t len, struct uart_desc *out,
	       char *err, size_t errlen)
{
	const uint8_t *gas = table + OFF_GAS;
	uint8_t type, rev;
	uint64_t base;
	struct uart_desc d = {.access = 1};

	if (err && errlen)
		err[0] = '\0';
	if (len < SPCR_MIN_LEN)
		return fmt_fail(err, errlen,
				"SPCR is %u bytes, at least %u needed", len,
				SPCR_MIN_LEN);
	rev = table[OFF_REVISION];
	type = table[OFF_TYPE];
	if (type != TYPE_16550 && type != TYPE_16450 && type != TYPE_16550_GAS)
		return fmt_fail(err, errlen,
				"SPCR interface type %#x is not a 16550", type);
	base = rd64(gas + 4);
	if (!base)
		return 1;
	if (baud_from_code(table[OFF_BAUD], &d.baud))
		return fmt_fail(err, errlen,
				"SPCR baud rate code %u is unknown",
				table[OFF_BAUD]);
	if (rev >= 3)
		d.clock = rd32(table + OFF_CLOCK);
	if (rev >= 4 && len >= OFF_PRECISE_BAUD + 4 &&
	    rd32(table + OFF_PRECISE_BAUD))
		d.baud = rd32(table + OFF_PRECISE_BAUD);
	if (d.baud > UART_DEFAULT_BAUD && !d.clock)
		return fmt_fail(
			err, errlen,
			"SPCR baud rate %u needs a UART clock, none given",
			d.baud);

	switch (gas[0]) {
	case GAS_IO:
		/* Port I/O registers are bytes, 1 apart, below port 0xffff. */
		if (base > 0xfff8 || gas[1] != 8)
			return fmt_fail(err, errlen,
					"SPCR I/O port %#llx (%u-bit) is not a "
					"16550's",
					(ull)base, gas[1]);
		d.space = UART_PIO;
		break;
	case GAS_MEMORY:
		if (mmio_width(gas[1], gas[3], &d))
			return fmt_fail(
				err, errlen,
				"SPCR MMIO register width %u bits, access "
				"size %u is not supported",
				gas[1], gas[3]);
		if (base >= (1ULL << 52) - 64 || base % d.access)
			return fmt_fail(err, errlen,
					"SPCR MMIO address %#llx is not usable",
					(ull)base);
		d.space = UART_MMIO;
		break;
	default:
		return fmt_fail(err, errlen,
				"SPCR address space %u is not supported",
				gas[0]);
	}
	d.base = base;
	*out = d;
	return 0;
}
