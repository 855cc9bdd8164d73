/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_VM_ACPI_TABLES_H
#define MHV_CORE_VM_ACPI_TABLES_H

#include <stdint.h>

/* The guest's PM timer port, as QEMU's q35 machine has it. */
#define GUEST_PM_TIMER_PORT 0x608

/*
 * Write RSDP, RSDT, XSDT, FADT and DSDT into guest RAM at 0xf0000.
 * Returns -1 when guest RAM does not reach that far.
 */
int acpi_build_tables(uint8_t *ram, uint64_t ram_size, uint16_t pm_timer_port);

#endif
