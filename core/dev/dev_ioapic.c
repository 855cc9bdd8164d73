// SPDX-License-Identifier: MIT
/*
 * The I/O APIC: an 82093AA with 24 pins as QEMU's ioapic version 0x20
 * presents it, i.e. with the EOI register the Intel ICH I/O APICs added at
 * offset 0x40. The register layout and pin semantics below follow the
 * 82093AA datasheet (section 3, "Register Description"); the section is
 * named where a rule is not obvious.
 *
 * A message goes out the moment a pin asks for it, so the delivery status
 * bit (12) always reads idle. Polarity (bit 13) is kept but not applied:
 * the sources here (isa_irq_set) pass whether they request an interrupt,
 * not the voltage on a wire that the polarity would translate.
 */
#include "core/dev/devices.h"
#include "core/vm/vm.h"
#include "lib/bitops.h"
#include "lib/compiler.h"

/* MMIO offsets in the I/O APIC's page. */
#define IOAPIC_IOREGSEL 0x00
#define IOAPIC_IOWIN 0x10
#define IOAPIC_EOI 0x40

/* Registers behind IOWIN, by IOREGSEL index. */
#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VERSION 0x01
#define IOAPIC_REG_ARB 0x02
#define IOAPIC_REG_REDTBL 0x10 /* two per pin: low half, then high half */

#define IOAPIC_VERSION 0x20
/* Maximum redirection entry (pins - 1) in bits 23:16. */
#define IOAPIC_VERSION_VALUE (((IOAPIC_PINS - 1) << 16) | IOAPIC_VERSION)
#define IOAPIC_ID_SHIFT 24
#define IOAPIC_ID_MASK 0xfu

/* Redirection table entry fields (82093AA 3.2.4, IOREDTBL). */
#define IOREDTBL_VECTOR 0xffULL
#define IOREDTBL_MODE(e) ((enum apic_delivery)(((e) >> 8) & 7))
#define IOREDTBL_LOGICAL BIT(11)
#define IOREDTBL_DELIVERY_STATUS BIT(12)
#define IOREDTBL_POLARITY_LOW BIT(13)
#define IOREDTBL_REMOTE_IRR BIT(14)
#define IOREDTBL_LEVEL BIT(15)
#define IOREDTBL_MASKED BIT(16)
#define IOREDTBL_DEST(e) ((uint32_t)((e) >> 56))
/*
 * What a guest write may change: the low 17 bits but the two read-only
 * ones, and 63:48 (the destination, and the extended destination ID the
 * ICH I/O APICs keep in 55:48, unused by xAPIC delivery). Bits 47:17 are
 * reserved and read as 0.
 */
#define IOREDTBL_WRITABLE    \
	((0xffffULL << 48) | \
	 (0x1ffffULL & ~(IOREDTBL_DELIVERY_STATUS | IOREDTBL_REMOTE_IRR)))

_Static_assert(IOAPIC_PINS <= 32, "one bit per pin in ioapic_state.lines");

/*
 * Whether the entry behaves as level-triggered. SMI, NMI, INIT and ExtINT
 * messages are edge-triggered whatever the trigger mode bit says (82093AA
 * 3.2.4, delivery mode field), and no EOI would ever clear their remote
 * IRR.
 */
static bool entry_level(uint64_t e)
{
	enum apic_delivery mode = IOREDTBL_MODE(e);

	return (e & IOREDTBL_LEVEL) &&
	       (mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST);
}

/* Send pin's interrupt message; true when a local APIC accepted it. */
static bool ioapic_send(struct vm *vm, unsigned int pin)
{
	uint64_t e = vm->dev.ioapic.redir[pin];
	enum apic_delivery mode = IOREDTBL_MODE(e);
	uint8_t vector = e & IOREDTBL_VECTOR;
	bool accepted = false;

	switch (mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
	case APIC_DM_NMI:
	case APIC_DM_INIT:
	case APIC_DM_EXTINT:
		break;
	default:
		/*
		 * SMI: mhv's guests have no SMM to enter, so the message has
		 * no receiver. Modes 3 and 6 are reserved in an I/O APIC
		 * entry (82093AA 3.2.4): nothing is sent.
		 */
		return false;
	}
	/* The VM's vCPUs in APIC ID order. */
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (!lapic_match_dest(v, IOREDTBL_DEST(e),
				      e & IOREDTBL_LOGICAL))
			continue;
		/* ExtINT: the 8259 gives the vector at the vCPU's INTA. */
		lapic_deliver(v, mode, vector, entry_level(e));
		accepted = true;
		/*
		 * A lowest-priority message goes to one of the processors it
		 * names; the first one stands in for the arbitration.
		 */
		if (mode == APIC_DM_LOWEST || mode == APIC_DM_EXTINT)
			break;
	}
	return accepted;
}

/*
 * A level-triggered pin delivers while its input is asserted, it is
 * unmasked and no earlier message waits for its EOI. Remote IRR is set
 * when a local APIC accepts the message (82093AA 3.2.4): a message nobody
 * accepted is sent again at the next chance (an unmask, a new destination).
 */
static void ioapic_service_level(struct vm *vm, unsigned int pin)
{
	struct ioapic_state *s = &vm->dev.ioapic;
	uint64_t e = s->redir[pin];

	if (!(s->lines & BIT(pin)) ||
	    (e & (IOREDTBL_MASKED | IOREDTBL_REMOTE_IRR)))
		return;
	if (ioapic_send(vm, pin))
		s->redir[pin] |= IOREDTBL_REMOTE_IRR;
}

void ioapic_reset(struct vm *vm)
{
	struct ioapic_state *s = &vm->dev.ioapic;

	*s = (struct ioapic_state){.id = IOAPIC_RESET_ID};
	for (unsigned int i = 0; i < IOAPIC_PINS; i++)
		s->redir[i] = IOREDTBL_MASKED;
}

void ioapic_set_irq(struct vm *vm, unsigned int pin, bool level)
{
	struct ioapic_state *s = &vm->dev.ioapic;
	bool was;
	uint64_t e;

	if (pin >= IOAPIC_PINS)
		return;
	was = s->lines & BIT(pin);
	if (!level) {
		/* A level entry's remote IRR stays set until its EOI. */
		s->lines &= ~(uint32_t)BIT(pin);
		return;
	}
	s->lines |= BIT(pin);
	e = s->redir[pin];
	if (entry_level(e))
		ioapic_service_level(vm, pin);
	else if (!was && !(e & IOREDTBL_MASKED))
		/*
		 * An edge on a masked pin is ignored, not held pending
		 * (82093AA 3.2.4, interrupt mask bit).
		 */
		ioapic_send(vm, pin);
}

void ioapic_eoi(struct vm *vm, uint8_t vector)
{
	struct ioapic_state *s = &vm->dev.ioapic;

	for (unsigned int pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t e = s->redir[pin];

		if (!(e & IOREDTBL_REMOTE_IRR) ||
		    (e & IOREDTBL_VECTOR) != vector)
			continue;
		s->redir[pin] = e & ~IOREDTBL_REMOTE_IRR;
		/* Still asserted: the device wants more service. */
		ioapic_service_level(vm, pin);
	}
}

static uint32_t ioapic_reg_read(const struct ioapic_state *s, uint32_t reg)
{
	unsigned int pin;

	switch (reg) {
	case IOAPIC_REG_ID:
		return (uint32_t)s->id << IOAPIC_ID_SHIFT;
	case IOAPIC_REG_VERSION:
		return IOAPIC_VERSION_VALUE;
	case IOAPIC_REG_ARB:
		/*
		 * The arbitration ID is loaded from the ID register whenever
		 * that is written (82093AA 3.2.3); with no APIC bus to
		 * arbitrate on, it never rotates away from it.
		 */
		return (uint32_t)s->id << IOAPIC_ID_SHIFT;
	}
	if (reg < IOAPIC_REG_REDTBL ||
	    reg >= IOAPIC_REG_REDTBL + 2 * IOAPIC_PINS)
		return 0;
	pin = (reg - IOAPIC_REG_REDTBL) / 2;
	return (uint32_t)(s->redir[pin] >> (reg & 1 ? 32 : 0));
}

static void ioapic_reg_write(struct vm *vm, uint32_t reg, uint32_t val)
{
	struct ioapic_state *s = &vm->dev.ioapic;
	unsigned int pin;
	uint64_t e;

	if (reg == IOAPIC_REG_ID) {
		s->id = (val >> IOAPIC_ID_SHIFT) & IOAPIC_ID_MASK;
		return;
	}
	/* Version and arbitration are read-only. */
	if (reg < IOAPIC_REG_REDTBL ||
	    reg >= IOAPIC_REG_REDTBL + 2 * IOAPIC_PINS)
		return;
	pin = (reg - IOAPIC_REG_REDTBL) / 2;
	e = s->redir[pin];
	if (reg & 1)
		e = (e & 0xffffffffULL) | (uint64_t)val << 32;
	else
		e = (e & ~0xffffffffULL) | val;
	e = (e & IOREDTBL_WRITABLE) | (s->redir[pin] & IOREDTBL_REMOTE_IRR);
	/*
	 * Remote IRR means nothing for an edge entry, and turning an entry
	 * to edge clears it: guests whose I/O APIC has no EOI register end a
	 * level interrupt that way (Linux switches the masked entry to edge
	 * and back).
	 */
	if (!entry_level(e))
		e &= ~IOREDTBL_REMOTE_IRR;
	s->redir[pin] = e;
	/* An asserted level pin just unmasked (or redirected) delivers now. */
	if (entry_level(e))
		ioapic_service_level(vm, pin);
}

uint32_t ioapic_mmio_read(struct vm *vm, unsigned int offset)
{
	const struct ioapic_state *s = &vm->dev.ioapic;

	switch (offset) {
	case IOAPIC_IOREGSEL:
		return s->regsel;
	case IOAPIC_IOWIN:
		return ioapic_reg_read(s, s->regsel);
	default:
		return 0; /* the EOI register is write-only */
	}
}

void ioapic_mmio_write(struct vm *vm, unsigned int offset, uint32_t val)
{
	switch (offset) {
	case IOAPIC_IOREGSEL:
		/* Bits 7:0 select the register; 31:8 are reserved. */
		vm->dev.ioapic.regsel = val & 0xff;
		break;
	case IOAPIC_IOWIN:
		ioapic_reg_write(vm, vm->dev.ioapic.regsel, val);
		break;
	case IOAPIC_EOI:
		/* Bits 7:0 are the vector whose remote IRR ends. */
		ioapic_eoi(vm, val & 0xff);
		break;
	default:
		break;
	}
}
