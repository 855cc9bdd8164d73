/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_SPCR_H
#define MHV_CORE_HOST_SPCR_H

#include <stddef.h>
#include <stdint.h>

#include "boot/uart.h"

/*
 * Decode the ACPI Serial Port Console Redirection table (Microsoft's SPCR
 * specification, revisions 1 to 4) into the UART it names. Only the
 * 16550 family is understood (interface types 0, 1 and 0x12 of the DBG2
 * specification's serial subtypes).
 *   0   *out is the console UART
 *   1   the table says there is no console (base address 0)
 *  -1   unusable (too short, an interface or address mhv cannot drive);
 *       the reason is in err
 * table and len come from acpi_find_table(), which checked the checksum.
 */
int spcr_parse(const uint8_t *table, uint32_t len, struct uart_desc *out,
	       char *err, size_t errlen);

#endif
