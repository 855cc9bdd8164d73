/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_VM_BIOS_H
#define MHV_CORE_VM_BIOS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * bios=on: the interrupt-related state a PC BIOS leaves a kernel it boots,
 * as SeaBIOS leaves it under QEMU (which boots every guest through it,
 * -kernel included), for payloads written against that machine. mhv runs
 * no firmware; it writes the result:
 *
 *  - the 8259 pair initialised as a PC BIOS does it (ICW1 0x11, bases
 *    0x08 and 0x70, cascade on IR2, 8086 mode: pic_reset() already starts
 *    there) with SeaBIOS's mask: IRQ 0, 1, 2, 6 open on the master
 *    (timer, keyboard, cascade, floppy), IRQ 8, 12, 13, 14 on the slave
 *    (RTC, mouse, FPU, ATA), everything else masked;
 *  - PIT channel 0 in mode 2 with count 0 (65536: 18.2 Hz on IRQ0);
 *  - on the BSP's local APIC, software-enabled (SVR 0x1ff), LINT0 ExtINT
 *    and LINT1 NMI, both level (0x8700, 0x8400): SeaBIOS's virtual wire;
 *  - a real-mode IVT whose every vector points into the F000 segment:
 *    08h at a timer handler (BDA tick count at 0x46c, midnight rollover
 *    flag at 0x470, INT 1Ch, non-specific EOI to the master), 09h-0Fh and
 *    70h-77h at handlers that only send the EOIs of a master or slave IRQ,
 *    the rest at an IRET. The tick count starts at 0.
 *
 * RFLAGS.IF stays 0 at entry: nothing is delivered before the guest
 * enables interrupts, and until then the state is just there to be found.
 * The F000 segment is reserved in the guest's memory map (mb1_loader.c)
 * and shared with the ACPI tables at its start (acpi_tables.h).
 */

struct vm;

/* The handlers, in the F000 segment, at the IBM PC/AT's fixed addresses. */
#define BIOS_SEGMENT 0xf000u
#define BIOS_INT08_OFFSET 0xfea5u /* PC/AT "INT 08H timer" entry */
#define BIOS_IRET_OFFSET 0xff53u  /* PC/AT "dummy interrupt handler" */
#define BIOS_EOI1_OFFSET 0xfee0u  /* mhv's: after the INT 08h handler */
#define BIOS_EOI2_OFFSET 0xfee8u
/* Guest-physical ranges the memory image covers. */
#define BIOS_IVT_START 0x0u
#define BIOS_IVT_END 0x400u
#define BIOS_BDA_TICKS 0x46cu	 /* dword: ticks since midnight */
#define BIOS_BDA_ROLLOVER 0x470u /* byte: midnight passed */
#define BIOS_CODE_START (BIOS_SEGMENT * 16 + BIOS_INT08_OFFSET)
#define BIOS_CODE_END (BIOS_SEGMENT * 16 + BIOS_IRET_OFFSET + 1)
/* 18.2 Hz for 24 hours: SeaBIOS's and the PC/AT's ticks per day. */
#define BIOS_TICKS_PER_DAY 0x1800b0u

/* The IVT entry of vector v: offset in bits 15:0, segment in 31:16. */
uint32_t bios_ivt_entry(unsigned int vector);

/*
 * Write the IVT, the BDA fields and the handlers into guest RAM seen at
 * `ram` (guest-physical 0, at least 1 MiB of it). Nothing else changes.
 */
void bios_write_memory(uint8_t *ram);

/*
 * Program the VM's 8259 mask, PIT and the BSP's LAPIC through their
 * guest-visible registers, as the firmware's own writes would; after
 * devices_init(), before the first entry.
 */
void bios_program_devices(struct vm *vm);

#endif
