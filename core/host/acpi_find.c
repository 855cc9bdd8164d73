// SPDX-License-Identifier: MIT
/*
 * RSDP -> XSDT (or RSDT) -> table, ACPI 6.5 sections 5.2.5 to 5.2.8. Every
 * length is checked against what map() lets us read before it is used:
 * the tables come from firmware, and a wrong one must cost a message, not
 * a fault.
 */
#include <stdarg.h>
#include <stdbool.h>

#include "core/host/acpi_find.h"
#include "lib/compiler.h"
#include "lib/fmt.h"
#include "lib/unaligned.h"

#define RSDP_RSDT_AT 16
#define RSDP_XSDT_AT 24
#define RSDP_V2_LEN 36
/* Far more entries than any firmware lists: a bound for hostile lengths. */
#define SDT_MAX_LEN (ACPI_HEADER_LEN + 8 * 4096)

typedef unsigned long long ull;

static bool sig_is(const uint8_t *p, const char *sig)
{
	return p[0] == sig[0] && p[1] == sig[1] && p[2] == sig[2] &&
	       p[3] == sig[3];
}

/* A signature for a message: four characters, the unprintable as '?'. */
static const char *sig_str(char buf[5], const uint8_t *p)
{
	for (int i = 0; i < 4; i++)
		buf[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	buf[4] = '\0';
	return buf;
}

/*
 * The whole table at pa, with its length and checksum checked: first the
 * header alone, then as many bytes as the header claims.
 */
static const uint8_t *map_table(const struct acpi_mem *m, uint64_t pa,
				uint32_t max_len, uint32_t *len, char *err,
				size_t errlen)
{
	const uint8_t *h = m->map(m->ctx, pa, ACPI_HEADER_LEN), *t;
	uint8_t sum = 0;
	char sig[5];

	if (!h) {
		fmt_fail(err, errlen, "table at %#llx is out of reach",
			 (ull)pa);
		return NULL;
	}
	*len = rd32(h + 4);
	if (*len < ACPI_HEADER_LEN || *len > max_len) {
		fmt_fail(err, errlen, "%s at %#llx has length %u",
			 sig_str(sig, h), (ull)pa, *len);
		return NULL;
	}
	t = m->map(m->ctx, pa, *len);
	if (!t) {
		fmt_fail(err, errlen, "%s at %#llx (%u bytes) is out of reach",
			 sig_str(sig, h), (ull)pa, *len);
		return NULL;
	}
	for (uint32_t i = 0; i < *len; i++)
		sum += t[i];
	if (sum) {
		fmt_fail(err, errlen, "%s at %#llx has a bad checksum",
			 sig_str(sig, t), (ull)pa);
		return NULL;
	}
	return t;
}

int acpi_find_table(const struct acpi_mem *m, const void *rsdp, size_t rsdp_len,
		    const char *sig, const uint8_t **table, uint32_t *len,
		    char *err, size_t errlen)
{
	const uint8_t *r = rsdp, *sdt;
	bool wide = false;
	uint64_t sdt_pa;
	uint32_t sdt_len, entry, n;
	char found[5];

	if (err && errlen)
		err[0] = '\0';
	if (!r || rsdp_len < RSDP_RSDT_AT + 4)
		return fmt_fail(err, errlen, "no RSDP");
	/* Revision 2+ RSDPs (checked by the multiboot2 parser) have an XSDT. */
	if (rsdp_len >= RSDP_V2_LEN && r[15] >= 2 && rd64(r + RSDP_XSDT_AT))
		wide = true;
	sdt_pa = wide ? rd64(r + RSDP_XSDT_AT) : rd32(r + RSDP_RSDT_AT);
	if (!sdt_pa)
		return fmt_fail(err, errlen, "the RSDP lists no RSDT");
	sdt = map_table(m, sdt_pa, SDT_MAX_LEN, &sdt_len, err, errlen);
	if (!sdt)
		return -1;
	if (!sig_is(sdt, wide ? "XSDT" : "RSDT"))
		return fmt_fail(err, errlen, "%s at %#llx has signature %s",
				wide ? "XSDT" : "RSDT", (ull)sdt_pa,
				sig_str(found, sdt));
	entry = wide ? 8 : 4;
	n = (sdt_len - ACPI_HEADER_LEN) / entry;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = sdt + ACPI_HEADER_LEN + i * entry;
		uint64_t pa = wide ? rd64(e) : rd32(e);
		const uint8_t *h =
			pa ? m->map(m->ctx, pa, ACPI_HEADER_LEN) : NULL;

		/* Other tables' problems are not ours: skip what we cannot read. */
		if (!h || !sig_is(h, sig))
			continue;
		*table = map_table(m, pa, UINT32_MAX, len, err, errlen);
		return *table ? 1 : -1;
	}
	return 0;
}
