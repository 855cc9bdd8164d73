/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_MADT_H
#define MHV_CORE_HOST_MADT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/cmdline.h"

/*
 * The processors the firmware's MADT ("APIC") lists, ACPI 6.5 section
 * 5.2.12: the enabled local APIC (type 0) and local x2APIC (type 9)
 * entries. Pure: the caller hands over the whole table (acpi_find_table()
 * checked its length and checksum), the hosted tests a buffer.
 */
struct madt_cpus {
	/* APIC IDs to start, the boot CPU's first; at most MHV_MAX_CPUS. */
	uint32_t apic_id[MHV_MAX_CPUS];
	unsigned int count;
	/* Enabled processors listed (duplicates once), the boot CPU included. */
	unsigned int listed;
	/* Entries flagged online-capable but not enabled: never started. */
	unsigned int online_capable;
	/* Whether the boot CPU's own APIC ID was among the enabled entries. */
	bool boot_listed;
};

/*
 * Fill `out` from the MADT at `madt` (`len` bytes, header included). The
 * boot CPU (APIC ID `boot_apic_id`) is always entry 0, listed or not; the
 * others follow in table order, duplicates and the invalid IDs (0xff in a
 * type 0 entry, 0xffffffff in type 9) skipped, beyond MHV_MAX_CPUS
 * counted but not kept. Returns 0, or -1 with the reason in err for a
 * table shorter than its fixed part or an entry whose length is below
 * its type's size or runs past the table's end.
 */
int madt_parse(const uint8_t *madt, uint32_t len, uint32_t boot_apic_id,
	       struct madt_cpus *out, char *err, size_t errlen);

#endif
