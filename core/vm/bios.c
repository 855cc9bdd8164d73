// SPDX-License-Identifier: MIT
/*
 * bios=on (core/vm/bios.h): the firmware's interrupt state, written where
 * the firmware would leave it. The handlers are 16-bit real-mode code,
 * encoded below byte by byte, each line one instruction; they use the
 * interrupted code's stack and restore every register they touch.
 */
#include "core/vm/bios.h"
#include "core/dev/devices.h"
#include "core/vm/vm.h"
#include "core/x86.h"
#include "lib/compiler.h"
#include "lib/string.h"

/* 8259 ports and command (Intel 8259A datasheet, OCW2). */
#define PIC_MASTER_CMD 0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD 0xa0
#define PIC_SLAVE_DATA 0xa1
#define PIC_EOI 0x20 /* non-specific EOI */
/*
 * SeaBIOS's masks after POST: enable_hwirq() opens IRQ0 and 8 (clock.c),
 * 1 and 12 (ps2port.c), 6 (floppy.c), 13 (mathcp_setup), 14 (ata.c);
 * pic_reset() leaves IR2, the cascade, open. QEMU's "info pic" shows the
 * same: imr=b8 and imr=8e.
 */
#define SEABIOS_IMR_MASTER 0xb8
#define SEABIOS_IMR_SLAVE 0x8e

/* 8254 control word: channel 0, LSB then MSB, mode 2, binary (0x34). */
#define PIT_CH0 0x40
#define PIT_CONTROL 0x43
#define PIT_CH0_MODE2 0x34

/* SeaBIOS's smp_scan(): LINT0 ExtINT, LINT1 NMI, both level-triggered. */
#define SEABIOS_LINT0 (APIC_LVT_LEVEL | (APIC_DM_EXTINT << 8))
#define SEABIOS_LINT1 (APIC_LVT_LEVEL | (APIC_DM_NMI << 8))
#define SEABIOS_SPIV (APIC_SPIV_ENABLE | 0xff)

#define IVT_VECTORS 256
#define MASTER_VECTORS 0x08 /* IRQ 0-7 at ICW2 0x08 */
#define SLAVE_VECTORS 0x70  /* IRQ 8-15 at ICW2 0x70 */

/*
 * INT 08h, IRQ0: what the PC/AT BIOS's timer interrupt does but for the
 * floppy motor count. The tick count wraps at midnight and sets the
 * rollover flag; INT 1Ch is the user's hook (an IRET unless the guest
 * sets it), called before the EOI as the PC/AT calls it. One
 * instruction a line, which clang-format would not keep.
 */
/* clang-format off */
static const uint8_t int08_handler[] = {
	0x1e,				/* push ds */
	0x50,				/* push ax */
	0x31, 0xc0,			/* xor ax, ax */
	0x8e, 0xd8,			/* mov ds, ax */
	0x66, 0xff, 0x06, 0x6c, 0x04,	/* inc dword [0x46c] */
	0x66, 0x81, 0x3e, 0x6c, 0x04,	/* cmp dword [0x46c], */
	0xb0, 0x00, 0x18, 0x00,		/*     0x1800b0 */
	0x72, 0x0d,			/* jb .hook (+13) */
	0x66, 0xc7, 0x06, 0x6c, 0x04,	/* mov dword [0x46c], */
	0x00, 0x00, 0x00, 0x00,		/*     0 */
	0xfe, 0x06, 0x70, 0x04,		/* inc byte [0x470] */
	0xcd, 0x1c,			/* .hook: int 0x1c */
	0xb0, PIC_EOI,			/* mov al, 0x20 */
	0xe6, PIC_MASTER_CMD,		/* out 0x20, al */
	0x58,				/* pop ax */
	0x1f,				/* pop ds */
	0xcf,				/* iret */
};
/* clang-format on */

/* IRQ 1-7 without a driver: the EOI the 8259 waits for, as SeaBIOS's. */
static const uint8_t eoi_master[] = {
	0x50,		      /* push ax */
	0xb0, PIC_EOI,	      /* mov al, 0x20 */
	0xe6, PIC_MASTER_CMD, /* out 0x20, al */
	0x58,		      /* pop ax */
	0xcf,		      /* iret */
};

/* IRQ 8-15: the slave's EOI, then the master's for its IR2. */
static const uint8_t eoi_slave[] = {
	0x50,		      /* push ax */
	0xb0, PIC_EOI,	      /* mov al, 0x20 */
	0xe6, PIC_SLAVE_CMD,  /* out 0xa0, al */
	0xe6, PIC_MASTER_CMD, /* out 0x20, al */
	0x58,		      /* pop ax */
	0xcf,		      /* iret */
};

#define BIOS_BASE (BIOS_SEGMENT * 16)

/* The handlers must not run into each other or the next fixed entry. */
_Static_assert(BIOS_INT08_OFFSET + sizeof(int08_handler) <= BIOS_EOI1_OFFSET,
	       "INT 08h handler overlaps the master EOI handler");
_Static_assert(BIOS_EOI1_OFFSET + sizeof(eoi_master) <= BIOS_EOI2_OFFSET,
	       "master EOI handler overlaps the slave's");
/* 0xfef3 is the PC/AT's video parameter table, kept clear. */
_Static_assert(BIOS_EOI2_OFFSET + sizeof(eoi_slave) <= 0xfef3,
	       "slave EOI handler reaches 0xfef3");
_Static_assert(BIOS_TICKS_PER_DAY == 0x1800b0, "int08_handler's constant");

uint32_t bios_ivt_entry(unsigned int vector)
{
	uint16_t offset = BIOS_IRET_OFFSET;

	if (vector == MASTER_VECTORS)
		offset = BIOS_INT08_OFFSET;
	else if (vector > MASTER_VECTORS && vector < MASTER_VECTORS + 8)
		offset = BIOS_EOI1_OFFSET;
	else if (vector >= SLAVE_VECTORS && vector < SLAVE_VECTORS + 8)
		offset = BIOS_EOI2_OFFSET;
	return (uint32_t)BIOS_SEGMENT << 16 | offset;
}

void bios_write_memory(uint8_t *ram)
{
	for (unsigned int v = 0; v < IVT_VECTORS; v++) {
		uint32_t e = bios_ivt_entry(v);

		memcpy(ram + BIOS_IVT_START + 4 * v, &e, sizeof(e));
	}
	/* Zero as RAM starts; said here because the handler counts on it. */
	memset(ram + BIOS_BDA_TICKS, 0, 4);
	ram[BIOS_BDA_ROLLOVER] = 0;
	memcpy(ram + BIOS_BASE + BIOS_INT08_OFFSET, int08_handler,
	       sizeof(int08_handler));
	memcpy(ram + BIOS_BASE + BIOS_EOI1_OFFSET, eoi_master,
	       sizeof(eoi_master));
	memcpy(ram + BIOS_BASE + BIOS_EOI2_OFFSET, eoi_slave,
	       sizeof(eoi_slave));
	ram[BIOS_BASE + BIOS_IRET_OFFSET] = 0xcf; /* iret */
}

static void guest_outb(struct vcpu *v, uint16_t port, uint8_t val)
{
	uint32_t x = val;

	io_emulate(v, port, 1, false, &x);
}

void bios_program_devices(struct vm *vm)
{
	struct vcpu *bsp = &vm->vcpus[0];

	/*
	 * The ICWs are pic_reset()'s already (the PC/AT BIOS's, which
	 * SeaBIOS's pic_setup() repeats): only the masks differ.
	 */
	guest_outb(bsp, PIC_MASTER_DATA, SEABIOS_IMR_MASTER);
	guest_outb(bsp, PIC_SLAVE_DATA, SEABIOS_IMR_SLAVE);
	/* SeaBIOS's pit_setup(): channel 0 counts from now. */
	guest_outb(bsp, PIT_CONTROL, PIT_CH0_MODE2);
	guest_outb(bsp, PIT_CH0, 0);
	guest_outb(bsp, PIT_CH0, 0);
	/* The enable first: a software-disabled APIC keeps LVTs masked. */
	xapic_write(bsp, APIC_SPIV, SEABIOS_SPIV);
	xapic_write(bsp, APIC_LVT_LINT0, SEABIOS_LINT0);
	xapic_write(bsp, APIC_LVT_LINT1, SEABIOS_LINT1);
}
