// SPDX-License-Identifier: MIT
/*
 * The smallest set of ACPI tables kvm-unit-tests-style payloads look for:
 * an RSDP in the BIOS area, an RSDT and an XSDT listing a FADT, whose PM
 * timer block is mhv's emulated PM timer, and the MADT, which describes
 * the interrupt controllers (core/dev/irq.h); an empty DSDT. Written into
 * each guest's RAM at 0xf0000 (searched by both the 0xe0000 and the
 * 0xf0000 scans payloads use).
 */
#include "core/dev/devices.h"
#include "core/vm/acpi_tables.h"
#include "lib/compiler.h"
#include "lib/string.h"

#define ACPI_AREA ACPI_TABLES_START
#define RSDP_AT (ACPI_AREA + 0x000)
#define RSDT_AT (ACPI_AREA + 0x040) /* room for 7 entries */
#define XSDT_AT (ACPI_AREA + 0x080) /* room for 11 entries */
#define FADT_AT (ACPI_AREA + 0x100)
#define DSDT_AT (ACPI_AREA + 0x200)
/* Last: its size grows with the CPU count, up to the end of the segment. */
#define MADT_AT (ACPI_AREA + 0x300)
#define ACPI_AREA_END ACPI_TABLES_END

/*
 * The SCI's ISA IRQ, as on PCs and QEMU's pc machine. Nothing raises it
 * yet (the FADT has no PM1 event block), but SCI_INT must not be 0: that
 * is the PIT's IRQ, and an OS (Linux does) applies the SCI's level,
 * active-low default to the interrupt source override of IRQ 0 then.
 */
#define SCI_IRQ 9

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

/* MADT (ACPI 6.5, 5.2.12): the header, then entries walked by length. */
struct __packed acpi_madt {
	struct acpi_header h;
	uint32_t lapic_address;
	uint32_t flags;
};
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT");

#define MADT_REVISION 6	    /* ACPI 6.5 */
#define MADT_PCAT_COMPAT 1u /* a dual 8259 is present too */

enum madt_type {
	MADT_LOCAL_APIC = 0,
	MADT_IO_APIC = 1,
	MADT_INT_OVERRIDE = 2,
	MADT_LOCAL_APIC_NMI = 4,
};

/* ACPI 6.5 5.2.12's structures, by title: Processor Local APIC. */
struct __packed madt_local_apic {
	uint8_t type, length;
	uint8_t uid, apic_id;
	uint32_t flags;
};
_Static_assert(sizeof(struct madt_local_apic) == 8, "local APIC entry");
#define MADT_LAPIC_ENABLED 1u

/* I/O APIC. */
struct __packed madt_io_apic {
	uint8_t type, length;
	uint8_t id, reserved;
	uint32_t address;
	uint32_t gsi_base;
};
_Static_assert(sizeof(struct madt_io_apic) == 12, "I/O APIC entry");

/* Interrupt Source Override. */
struct __packed madt_int_override {
	uint8_t type, length;
	uint8_t bus, source;
	uint32_t gsi;
	uint16_t flags;
};
_Static_assert(sizeof(struct madt_int_override) == 10, "override entry");
/*
 * MPS INTI flags, as in the MP specification 1.4, table 4-10: polarity in
 * 1:0, trigger mode in 3:2; 0 in either means "as the bus defines it"
 * (ISA: edge, active high).
 */
#define MPS_INTI_CONFORMS 0x0
#define MPS_INTI_ACTIVE_HIGH 0x1
#define MPS_INTI_LEVEL (0x3 << 2)

/* Local APIC NMI. */
struct __packed madt_lapic_nmi {
	uint8_t type, length;
	uint8_t uid; /* 0xff: all processors */
	uint16_t flags;
	uint8_t lint;
};
_Static_assert(sizeof(struct madt_lapic_nmi) == 6, "local APIC NMI entry");

#define MADT_SIZE(cpus)                                                       \
	(sizeof(struct acpi_madt) + (cpus) * sizeof(struct madt_local_apic) + \
	 sizeof(struct madt_io_apic) + 2 * sizeof(struct madt_int_override) + \
	 sizeof(struct madt_lapic_nmi))

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

/*
 * What a PC with `cpus` processors publishes: processor UID n has local
 * APIC ID n. NMI arrives on every local APIC's LINT1, the 8259's INTR on
 * LINT0 (the PC wiring of the MP specification 1.4, 3.6.2).
 */
static void build_madt(struct acpi_madt *madt, unsigned int cpus)
{
	uint8_t *p = (uint8_t *)(madt + 1);

	header(&madt->h, "APIC", MADT_SIZE(cpus), MADT_REVISION);
	madt->lapic_address = XAPIC_BASE;
	madt->flags = MADT_PCAT_COMPAT;

	for (unsigned int i = 0; i < cpus; i++) {
		*(struct madt_local_apic *)p = (struct madt_local_apic){
			.type = MADT_LOCAL_APIC,
			.length = sizeof(struct madt_local_apic),
			.uid = (uint8_t)i,
			.apic_id = (uint8_t)i,
			.flags = MADT_LAPIC_ENABLED,
		};
		p += sizeof(struct madt_local_apic);
	}

	*(struct madt_io_apic *)p = (struct madt_io_apic){
		.type = MADT_IO_APIC,
		.length = sizeof(struct madt_io_apic),
		.id = IOAPIC_RESET_ID,
		.address = IOAPIC_BASE,
		.gsi_base = 0,
	};
	p += sizeof(struct madt_io_apic);

	/* The PIT's IRQ 0 is on I/O APIC pin 2 (core/dev/irq_route.c). */
	*(struct madt_int_override *)p = (struct madt_int_override){
		.type = MADT_INT_OVERRIDE,
		.length = sizeof(struct madt_int_override),
		.bus = 0, /* ISA */
		.source = 0,
		.gsi = 2,
		.flags = MPS_INTI_CONFORMS,
	};
	p += sizeof(struct madt_int_override);
	/*
	 * The SCI is level-triggered (ACPI 6.5, FADT SCI_INT); the override
	 * makes it active high, as QEMU's pc machine publishes it.
	 */
	*(struct madt_int_override *)p = (struct madt_int_override){
		.type = MADT_INT_OVERRIDE,
		.length = sizeof(struct madt_int_override),
		.bus = 0,
		.source = SCI_IRQ,
		.gsi = SCI_IRQ,
		.flags = MPS_INTI_LEVEL | MPS_INTI_ACTIVE_HIGH,
	};
	p += sizeof(struct madt_int_override);

	*(struct madt_lapic_nmi *)p = (struct madt_lapic_nmi){
		.type = MADT_LOCAL_APIC_NMI,
		.length = sizeof(struct madt_lapic_nmi),
		.uid = 0xff,
		.flags = MPS_INTI_CONFORMS,
		.lint = 1,
	};
	madt->h.checksum = checksum(madt, madt->h.length);
}

int acpi_build_tables(uint8_t *ram, uint64_t ram_size, uint16_t pm_timer_port,
		      unsigned int cpus)
{
	struct acpi_rsdp *rsdp = (void *)(ram + RSDP_AT);
	struct acpi_header *rsdt = (void *)(ram + RSDT_AT);
	struct acpi_header *xsdt = (void *)(ram + XSDT_AT);
	struct acpi_fadt *fadt = (void *)(ram + FADT_AT);
	struct acpi_header *dsdt = (void *)(ram + DSDT_AT);
	struct acpi_madt *madt = (void *)(ram + MADT_AT);
	const uint32_t tables[] = {FADT_AT, MADT_AT};
	uint64_t end = MADT_AT + MADT_SIZE(cpus);

	/* Processor local APIC entries hold 8-bit APIC IDs; 0xff is broadcast. */
	if (cpus == 0 || cpus > 0xff || end > ACPI_AREA_END || ram_size < end)
		return -1;
	memset(ram + ACPI_AREA, 0, end - ACPI_AREA);

	header(dsdt, "DSDT", sizeof(*dsdt), 2);
	dsdt->checksum = checksum(dsdt, dsdt->length);

	header(&fadt->h, "FACP", sizeof(*fadt), 3);
	fadt->dsdt = DSDT_AT;
	fadt->x_dsdt = DSDT_AT;
	fadt->sci_int = SCI_IRQ;
	fadt->pm_tmr_blk = pm_timer_port;
	fadt->pm_tmr_len = 4;
	fadt->x_pm_tmr_blk = (struct acpi_gas){
		.space_id = 1, /* system I/O */
		.bit_width = 32,
		.access_size = 3, /* dword */
		.address = pm_timer_port,
	};
	fadt->h.checksum = checksum(fadt, fadt->h.length);

	build_madt(madt, cpus);

	/* Entries are unaligned (RSDT at +36, XSDT's 8-byte ones too). */
	header(rsdt, "RSDT", sizeof(*rsdt) + 4 * ARRAY_SIZE(tables), 1);
	header(xsdt, "XSDT", sizeof(*xsdt) + 8 * ARRAY_SIZE(tables), 1);
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
		uint64_t at64 = tables[i];

		memcpy((uint8_t *)(rsdt + 1) + 4 * i, &tables[i], 4);
		memcpy((uint8_t *)(xsdt + 1) + 8 * i, &at64, 8);
	}
	rsdt->checksum = checksum(rsdt, rsdt->length);
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
