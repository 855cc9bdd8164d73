/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_ACPI_FIND_H
#define MHV_CORE_HOST_ACPI_FIND_H

#include <stddef.h>
#include <stdint.h>

/*
 * Finding one of the firmware's ACPI tables from the RSDP the boot loader
 * copied. Tables are reached through map(), which returns a readable
 * pointer to [pa, pa + len) or NULL when that range is not reachable: the
 * kernel passes its identity map, the hosted tests a buffer.
 */
struct acpi_mem {
	const void *(*map)(void *ctx, uint64_t pa, uint64_t len);
	void *ctx;
};

#define ACPI_HEADER_LEN 36u

/*
 * Look for the table with signature sig (4 characters) through the XSDT
 * (RSDP revision 2 and a non-zero XSDT address) or else the RSDT.
 *   1   found: *table and *len describe it, its checksum is good
 *   0   no such table
 *  -1   the RSDT/XSDT, or the table itself, is malformed; reason in err
 */
int acpi_find_table(const struct acpi_mem *m, const void *rsdp, size_t rsdp_len,
		    const char *sig, const uint8_t **table, uint32_t *len,
		    char *err, size_t errlen);

#endif
