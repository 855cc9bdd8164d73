// SPDX-License-Identifier: MIT
/*
 * The smallest set of ACPI tables kvm-unit-tests-style payloads look for:
 * an RSDP in the BIOS area, an RSDT and an XSDT listing one FADT, whose PM
 * timer block is mhv's emulated PM timer, and an empty DSDT. Written into
 * each guest's RAM at 0xf0000 (searched by both the 0xe0000 and the
 * 0xf0000 scans payloads use).
 */
#include "core/vm/acpi_tables.h"
#include "lib/compiler.h"
#include "lib/string.h"

#define ACPI_AREA 0xf0000u
#define RSDP_AT (ACPI_AREA + 0x000)
#define RSDT_AT (ACPI_AREA + 0x040)
#define XSDT_AT (ACPI_AREA + 0x080)
#define FADT_AT (ACPI_AREA + 0x100)
#define DSDT_AT (ACPI_AREA + 0x200)
#define ACPI_END (ACPI_AREA + 0x300)

struct __packed acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
};
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI header");

struct __packed acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;
	uint8_t reserved[3];
};
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");

struct __packed acpi_gas {
	uint8_t space_id, bit_width, bit_offset, access_size;
	uint64_t address;
};

/* FADT revision 3 (ACPI 2.0): 244 bytes. */
struct __packed acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl;					   /* 36 */
	uint32_t dsdt;						   /* 40 */
	uint8_t reserved1, preferred_pm_profile;		   /* 44 */
	uint16_t sci_int;					   /* 46 */
	uint32_t smi_cmd;					   /* 48 */
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt; /* 52 */
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk,
		pm1b_cnt_blk;					      /* 56 */
	uint32_t pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;	      /* 72 */
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;    /* 88 */
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;	      /* 92 */
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;    /* 96 */
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century; /* 104 */
	uint16_t iapc_boot_arch;				      /* 109 */
	uint8_t reserved2;					      /* 111 */
	uint32_t flags;						      /* 112 */
	struct acpi_gas reset_reg;				      /* 116 */
	uint8_t reset_value;					      /* 128 */
	uint8_t reserved3[3];
	uint64_t x_firmware_ctrl; /* 132 */
	uint64_t x_dsdt;	  /* 140 */
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk,
		x_pm1b_cnt_blk, x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk,
		x_gpe1_blk; /* 148 */
};
_Static_assert(sizeof(struct acpi_fadt) == 244, "FADT");
_Static_assert(offsetof(struct acpi_fadt, pm_tmr_blk) == 76, "PM_TMR_BLK");
_Static_assert(offsetof(struct acpi_fadt, pm_tmr_len) == 91, "PM_TMR_LEN");
_Static_assert(offsetof(struct acpi_fadt, x_pm_tmr_blk) == 208, "X_PM_TMR");

static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return (uint8_t)-sum;
}

static void header(struct acpi_header *h, const char *sig, uint32_t len,
		   uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, "MHV   ", 6);
	memcpy(h->oem_table_id, "MHVTABLE", 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, "MHV ", 4);
	h->creator_revision = 1;
}

int acpi_build_tables(uint8_t *ram, uint64_t ram_size, uint16_t pm_timer_port)
{
	struct acpi_rsdp *rsdp = (void *)(ram + RSDP_AT);
	struct acpi_header *rsdt = (void *)(ram + RSDT_AT);
	struct acpi_header *xsdt = (void *)(ram + XSDT_AT);
	struct acpi_fadt *fadt = (void *)(ram + FADT_AT);
	struct acpi_header *dsdt = (void *)(ram + DSDT_AT);
	uint32_t fadt_at = FADT_AT;
	uint64_t fadt_at64 = FADT_AT;

	if (ram_size < ACPI_END)
		return -1;
	memset(ram + ACPI_AREA, 0, ACPI_END - ACPI_AREA);

	header(dsdt, "DSDT", sizeof(*dsdt), 2);
	dsdt->checksum = checksum(dsdt, dsdt->length);

	header(&fadt->h, "FACP", sizeof(*fadt), 3);
	fadt->dsdt = DSDT_AT;
	fadt->x_dsdt = DSDT_AT;
	fadt->pm_tmr_blk = pm_timer_port;
	fadt->pm_tmr_len = 4;
	fadt->x_pm_tmr_blk = (struct acpi_gas){
		.space_id = 1, /* system I/O */
		.bit_width = 32,
		.access_size = 3, /* dword */
		.address = pm_timer_port,
	};
	fadt->h.checksum = checksum(fadt, fadt->h.length);

	header(rsdt, "RSDT", sizeof(*rsdt) + 4, 1);
	memcpy(rsdt + 1, &fadt_at, 4);
	rsdt->checksum = checksum(rsdt, rsdt->length);

	header(xsdt, "XSDT", sizeof(*xsdt) + 8, 1);
	memcpy(xsdt + 1, &fadt_at64, 8);
	xsdt->checksum = checksum(xsdt, xsdt->length);

	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, "MHV   ", 6);
	rsdp->revision = 2;
	rsdp->rsdt = RSDT_AT;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt = XSDT_AT;
	rsdp->checksum = checksum(rsdp, 20);
	rsdp->ext_checksum = checksum(rsdp, sizeof(*rsdp));
	return 0;
}
