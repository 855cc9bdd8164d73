/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_VM_ACPI_TABLES_H
#define MHV_CORE_VM_ACPI_TABLES_H

#include <stdint.h>

/* The guest's PM timer port, as QEMU's q35 machine has it. */
#define GUEST_PM_TIMER_PORT 0x608

/* Where the tables go: the top 64 KiB of the BIOS area, as SeaBIOS's. */
#define ACPI_TABLES_START 0xf0000u
#define ACPI_TABLES_END 0x100000u

/*
 * Write RSDP, RSDT, XSDT, FADT, DSDT and the MADT for `cpus` processors
 * (local APIC IDs 0 to cpus - 1) into guest RAM at 0xf0000. Returns -1
 * when guest RAM does not reach that far or the tables would not fit
 * below 1 MiB.
 */
int acpi_build_tables(uint8_t *ram, uint64_t ram_size, uint16_t pm_timer_port,
		      unsigned int cpus);

#endif
