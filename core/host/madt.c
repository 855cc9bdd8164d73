// SPDX-License-Identifier: MIT
/*
 * The MADT's processor entries (ACPI 6.5, 5.2.12.2 and 5.2.12.12):
 *   type 0, 8 bytes:  ACPI UID (1 byte) at 2, APIC ID (1) at 3, flags at 4
 *   type 9, 16 bytes: x2APIC ID (4) at 4, flags (4) at 8, UID at 12
 * flags bit 0 "enabled", bit 1 "online capable" (meaningful only when
 * bit 0 is clear: a CPU that may be brought up later, which mhv does not).
 * Every other entry type is stepped over by its length.
 */
#include <stdarg.h>

#include "core/host/acpi_find.h"
#include "core/host/madt.h"
#include "lib/fmt.h"
#include "lib/unaligned.h"

/* After the header: local APIC address (4 bytes), flags (4 bytes). */
#define MADT_ENTRIES_AT (ACPI_HEADER_LEN + 8)
#define TYPE_LAPIC 0
#define TYPE_X2APIC 9
#define LAPIC_LEN 8
#define X2APIC_LEN 16
#define FLAG_ENABLED 1u
#define FLAG_ONLINE_CAPABLE 2u

static bool known(const struct madt_cpus *out, uint32_t id)
{
	for (unsigned int i = 0; i < out->count; i++)
		if (out->apic_id[i] == id)
			return true;
	return false;
}

static void add_cpu(struct madt_cpus *out, uint32_t id, uint32_t flags,
		    uint32_t boot_apic_id)
{
	if (!(flags & FLAG_ENABLED)) {
		out->online_capable += !!(flags & FLAG_ONLINE_CAPABLE);
		return;
	}
	if (id == boot_apic_id) {
		/* Entry 0 is the boot CPU's already; listed once. */
		out->listed += !out->boot_listed;
		out->boot_listed = true;
		return;
	}
	if (known(out, id))
		return;
	out->listed++;
	if (out->count < MHV_MAX_CPUS)
		out->apic_id[out->count++] = id;
}

int madt_parse(const uint8_t *madt, uint32_t len, uint32_t boot_apic_id,
	       struct madt_cpus *out, char *err, size_t errlen)
{
	uint32_t at = MADT_ENTRIES_AT;

	*out = (struct madt_cpus){.count = 1, .apic_id = {boot_apic_id}};
	if (err && errlen)
		err[0] = '\0';
	if (len < MADT_ENTRIES_AT)
		return fmt_fail(err, errlen,
				"MADT of %u bytes, shorter than "
				"its fixed part",
				len);
	while (at < len) {
		const uint8_t *e = madt + at;
		uint8_t type, elen;

		if (len - at < 2)
			return fmt_fail(err, errlen,
					"MADT entry at offset %u is cut off",
					at);
		type = e[0];
		elen = e[1];
		if (elen < 2 || elen > len - at ||
		    (type == TYPE_LAPIC && elen < LAPIC_LEN) ||
		    (type == TYPE_X2APIC && elen < X2APIC_LEN))
			return fmt_fail(
				err, errlen,
				"MADT entry of type %u at offset %u has "
				"length %u",
				type, at, elen);
		if (type == TYPE_LAPIC && e[3] != 0xff)
			add_cpu(out, e[3], rd32(e + 4), boot_apic_id);
		else if (type == TYPE_X2APIC && rd32(e + 4) != 0xffffffffu)
			add_cpu(out, rd32(e + 4), rd32(e + 8), boot_apic_id);
		at += elen;
	}
	if (!out->boot_listed)
		out->listed++;
	return 0;
}
