// SPDX-License-Identifier: MIT
/*
 * The 8259A pair of a PC/AT: master at 0x20-0x21, slave at 0xa0-0xa1 with
 * its INT on master IR2, and the PIIX's edge/level control registers
 * (ELCR) at 0x4d0-0x4d1. Section names below are those of the Intel 8259A
 * datasheet (order no. 231468) and the 82371AB PIIX4 datasheet.
 *
 * Edge inputs latch on the rising edge and the latch outlives the falling
 * edge. The 8259A itself wants the input still high at the first INTA
 * ("Edge and Level Triggered Modes": else a default IR7 follows), but
 * mhv's edge sources pulse the line (isa_irq_pulse) instead of holding
 * it, as the 8259 models of QEMU and KVM also assume. A request still
 * vanishes before the INTA when a level input drops or the guest masks
 * it; then the INTA answers IR7 without setting its ISR bit.
 *
 * Vectors are always those of 8086 mode (ICW4.uPM = 1): the MCS-80/85
 * CALL sequence means nothing to an x86 vCPU. ICW1.ADI, ICW4.BUF and
 * ICW4.M/S change nothing visible here: the master is chip 0 by wiring.
 */
#include "core/dev/devices.h"
#include "core/vm/vm.h"

#define CASCADE_IR 2 /* the slave's INT, on master IR2 */

#define ICW1_IC4 0x01
#define ICW1_SNGL 0x02
#define ICW1_LTIM 0x08
#define ICW1_SELECT 0x10 /* even port: bit 4 set = ICW1 */
#define OCW3_SELECT 0x08 /* even port, bit 4 clear: bit 3 set = OCW3 */
#define OCW3_RIS 0x01
#define OCW3_RR 0x02
#define OCW3_P 0x04
#define OCW3_SMM 0x20
#define OCW3_ESMM 0x40
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10

/*
 * ELCR bits that exist: IRQ0, 1, 2 (ELCR1) and IRQ8, 13 (ELCR2) are
 * reserved and read 0, those inputs are always edge-triggered (PIIX4,
 * "ELCR1/ELCR2 - Edge/Level Control Registers").
 */
static const uint8_t elcr_writable[2] = {0xf8, 0xde};

static struct pic_chip *pic_chip(struct vm *vm, unsigned int i)
{
	return &vm->dev.pic.chip[i];
}

/*
 * Level-triggered inputs: all of them with ICW1.LTIM, as on a discrete
 * 8259A, or those the ELCR names, as on a PIIX (which ignores LTIM). A
 * guest that sets either means it, so mhv honours both.
 */
static uint8_t level_inputs(const struct pic_chip *c)
{
	return c->ltim ? 0xff : c->elcr;
}

/* Priority rank of input ir, 0 the highest. */
static unsigned int rank(const struct pic_chip *c, unsigned int ir)
{
	return (ir - c->top) & 7;
}

/*
 * The highest-priority input among bits, or -1: rotated so that `top`
 * (the highest priority) is bit 0, the lowest set bit wins. No loop: the
 * IMR write is on make bench's I/O line.
 */
static int highest(const struct pic_chip *c, uint8_t bits)
{
	unsigned int rot = ((unsigned int)bits >> c->top |
			    (unsigned int)bits << (8 - c->top)) &
			   0xff;

	if (!rot)
		return -1;
	return (int)((c->top + (unsigned int)__builtin_ctz(rot)) & 7);
}

static bool cascaded(const struct pic_chip *master, unsigned int ir)
{
	return !master->single && (master->icw3 & (1u << ir));
}

/* In-service levels that hold off requests of their own or lower priority. */
static uint8_t blocking_isr(const struct pic_chip *c, bool master)
{
	uint8_t isr = c->isr;

	/* "Special Mask Mode": a masked level in service holds off nothing. */
	if (c->smm)
		isr &= ~c->imr;
	/*
	 * "Special Fully Nested Mode": a slave in service is not locked out,
	 * so its higher-priority requests reach the CPU.
	 */
	if (master && c->sfnm && !c->single)
		isr &= ~c->icw3;
	return isr;
}

/* The input the chip would interrupt for now, or -1: its INT output. */
static int chip_pending(const struct pic_chip *c, bool master)
{
	int req = highest(c, c->irr & ~c->imr);
	int in;

	if (req < 0)
		return -1;
	in = highest(c, blocking_isr(c, master));
	if (in >= 0 && rank(c, (unsigned int)in) <= rank(c, (unsigned int)req))
		return -1;
	return req;
}

static void chip_input(struct pic_chip *c, unsigned int ir, bool level)
{
	uint8_t bit = (uint8_t)(1u << ir);

	if (level_inputs(c) & bit) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= (uint8_t)~bit;
	} else if (level && !(c->lines & bit)) {
		c->irr |= bit;
	}
	if (level)
		c->lines |= bit;
	else
		c->lines &= (uint8_t)~bit;
}

/* After LTIM or the ELCR changed: a level input requests while high. */
static void chip_relevel(struct pic_chip *c)
{
	uint8_t level = level_inputs(c);

	c->irr = (uint8_t)((c->irr & ~level) | (c->lines & level));
}

/* IRR -> ISR for input ir, as an INTA or a poll does. */
static void chip_ack(struct pic_chip *c, unsigned int ir)
{
	uint8_t bit = (uint8_t)(1u << ir);

	/* An edge request is consumed; a level one lasts while the line is high. */
	if (!(level_inputs(c) & bit))
		c->irr &= (uint8_t)~bit;
	if (!c->aeoi)
		c->isr |= bit;
	else if (c->rotate_aeoi)
		c->top = (ir + 1) & 7; /* ir becomes the lowest */
}

/*
 * Carry the slave's INT to master IR2, and have the vCPU look whenever
 * the master's INTR is up: it may have just risen, or still be up after
 * an INTA that the vCPU answered.
 */
static void pic_update(struct vm *vm)
{
	struct pic_chip *m = pic_chip(vm, 0), *s = pic_chip(vm, 1);

	/* No unmasked request, no output: the usual case, made short. */
	chip_input(m, CASCADE_IR,
		   (s->irr & ~s->imr) && chip_pending(s, false) >= 0);
	if ((m->irr & ~m->imr) && pic_intr(vm))
		vm_irq_kick(vm);
}

/*
 * Power-on: the 8259A's state before ICW1 is undefined ("Initialization
 * Command Words"). mhv starts both chips as the PC/AT BIOS leaves them
 * (IBM PC AT Technical Reference, BIOS: ICW1 0x11, ICW2 0x08 and 0x70,
 * ICW3 0x04 and 0x02, ICW4 0x01: edge, cascade on IR2, 8086 mode) with
 * every input masked but the master's cascade input, as SeaBIOS's
 * pic_reset() leaves them before a kernel it boots directly (QEMU's
 * -kernel) runs: a guest that unmasks a slave line gets its IRQ without
 * touching the master. SeaBIOS then opens the lines of the devices it
 * drives (its timer tick on IRQ0...); no firmware drives them here, so a
 * guest that never touches the 8259 is never interrupted through it. The
 * ELCR starts all edge (PIIX4: default 00h).
 */
void pic_reset(struct vm *vm)
{
	static const uint8_t base[2] = {0x08, 0x70};
	static const uint8_t icw3[2] = {1u << CASCADE_IR, CASCADE_IR};
	static const uint8_t imr[2] = {(uint8_t) ~(1u << CASCADE_IR), 0xff};

	for (unsigned int i = 0; i < 2; i++)
		*pic_chip(vm, i) = (struct pic_chip){
			.imr = imr[i],
			.base = base[i],
			.icw3 = icw3[i],
			.icw4_wanted = true,
		};
}

void pic_set_irq(struct vm *vm, unsigned int irq, bool level)
{
	/*
	 * Master IR2 is the slave's INT alone: the AT routes the ISA bus's
	 * IRQ2 pin to IRQ9.
	 */
	if (irq >= 16 || irq == CASCADE_IR)
		return;
	chip_input(pic_chip(vm, irq >> 3), irq & 7, level);
	pic_update(vm);
}

bool pic_intr(const struct vm *vm)
{
	return chip_pending(&vm->dev.pic.chip[0], true) >= 0;
}

/* "Interrupt Sequence" (8086 mode), with the cascade of "Cascade Mode". */
uint8_t pic_acknowledge(struct vm *vm)
{
	struct pic_chip *m = pic_chip(vm, 0), *s = pic_chip(vm, 1);
	int ir = chip_pending(m, true), sir;
	uint8_t vector;

	/* The request is gone: a default IR7, no ISR bit set. */
	if (ir < 0)
		return m->base | 7;
	chip_ack(m, (unsigned int)ir);
	if (!cascaded(m, (unsigned int)ir)) {
		vector = m->base | (uint8_t)ir;
	} else if ((s->icw3 & 7) != ir) {
		/* The CAS lines select no slave: nothing drives the bus. */
		vector = 0xff;
	} else {
		sir = chip_pending(s, false);
		if (sir < 0) {
			vector = s->base | 7; /* the slave's default IR7 */
		} else {
			chip_ack(s, (unsigned int)sir);
			vector = s->base | (uint8_t)sir;
		}
		/*
		 * This INTA took master IR2's edge; a slave still requesting
		 * (auto-EOI, special mask) must make a new one to be seen.
		 */
		m->lines &= (uint8_t) ~(1u << CASCADE_IR);
	}
	pic_update(vm);
	return vector;
}

/*
 * "Poll Command": the read acknowledges like an INTA and returns 0x80 |
 * the level, or 0 when nothing requests.
 */
static uint8_t chip_poll(struct pic_chip *c, bool master)
{
	int ir = chip_pending(c, master);

	if (ir < 0)
		return 0;
	chip_ack(c, (unsigned int)ir);
	return 0x80 | (uint8_t)ir;
}

/* "Initialization Command Words": what ICW1 resets. */
static void icw1(struct pic_chip *c, bool master, uint8_t val)
{
	c->ltim = val & ICW1_LTIM;
	c->single = val & ICW1_SNGL;
	c->icw4_wanted = val & ICW1_IC4;
	c->init_step = 2;
	/*
	 * The edge sense circuit is reset: an input must rise after ICW1 to
	 * request. The datasheet does not say what happens to ISR; an
	 * initialisation abandons whatever was in service, so it is cleared.
	 */
	c->irr = c->lines & level_inputs(c);
	c->isr = 0;
	c->imr = 0;
	c->top = 0; /* IR7 lowest */
	if (!master)
		c->icw3 = 7; /* "slave mode address set to 7" */
	c->smm = false;
	c->read_isr = false;
	c->poll = false;
	c->rotate_aeoi = false;
	/* ICW4's functions are zero unless an ICW4 follows. */
	c->aeoi = false;
	c->sfnm = false;
}

/* ICW2-ICW4, in turn, on the odd port. */
static void icw(struct pic_chip *c, uint8_t val)
{
	switch (c->init_step) {
	case 2:
		c->base = val & 0xf8;
		c->init_step = !c->single ? 3 : c->icw4_wanted ? 4 : 0;
		break;
	case 3:
		c->icw3 = val;
		c->init_step = c->icw4_wanted ? 4 : 0;
		break;
	default:
		c->aeoi = val & ICW4_AEOI;
		c->sfnm = val & ICW4_SFNM;
		c->init_step = 0;
		break;
	}
}

/* "Operation Command Words", OCW2: bits 7:5 are R, SL, EOI. */
static void ocw2(struct pic_chip *c, uint8_t val)
{
	unsigned int cmd = val >> 5, level = val & 7;
	int ir;

	switch (cmd) {
	case 0: /* rotate in automatic EOI mode (clear) */
	case 4: /* rotate in automatic EOI mode (set) */
		c->rotate_aeoi = cmd == 4;
		break;
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI */
		/*
		 * The highest level in service ("End of Interrupt"); in
		 * special mask mode a masked one is not reset by it.
		 */
		ir = highest(c, c->smm ? c->isr & ~c->imr : c->isr);
		if (ir < 0)
			break;
		c->isr &= (uint8_t) ~(1u << ir);
		if (cmd == 5)
			c->top = (ir + 1) & 7;
		break;
	case 3: /* specific EOI */
	case 7: /* rotate on specific EOI */
		c->isr &= (uint8_t) ~(1u << level);
		if (cmd == 7)
			c->top = (level + 1) & 7;
		break;
	case 6: /* set priority: level becomes the lowest */
		c->top = (level + 1) & 7;
		break;
	default: /* 2: no operation */
		break;
	}
}

static void ocw3(struct pic_chip *c, uint8_t val)
{
	if (val & OCW3_ESMM)
		c->smm = val & OCW3_SMM;
	if (val & OCW3_RR)
		c->read_isr = val & OCW3_RIS;
	c->poll = val & OCW3_P;
}

static bool is_elcr(uint16_t port)
{
	return port == 0x4d0 || port == 0x4d1;
}

static bool is_pic_port(uint16_t port)
{
	return is_elcr(port) || (port & ~0x81u) == 0x20;
}

static uint8_t pic_read(struct vm *vm, uint16_t port)
{
	struct pic_chip *c = pic_chip(vm, (port >> 7) & 1);
	uint8_t val;

	if (is_elcr(port))
		return pic_chip(vm, port & 1)->elcr;
	if (port & 1)
		return c->imr;
	if (!c->poll)
		return c->read_isr ? c->isr : c->irr;
	/* A poll is good for one read. */
	c->poll = false;
	val = chip_poll(c, c == pic_chip(vm, 0));
	pic_update(vm);
	return val;
}

static void pic_write(struct vm *vm, uint16_t port, uint8_t val)
{
	bool master = !((port >> 7) & 1);
	struct pic_chip *c = pic_chip(vm, !master);

	if (is_elcr(port)) {
		c = pic_chip(vm, port & 1);
		c->elcr = val & elcr_writable[port & 1];
		chip_relevel(c);
	} else if (port & 1) {
		if (c->init_step) {
			icw(c, val);
		} else {
			/* OCW1. The same mask again changes no output. */
			if (c->imr == val)
				return;
			c->imr = val;
		}
	} else if (val & ICW1_SELECT) {
		icw1(c, master, val);
	} else if (val & OCW3_SELECT) {
		ocw3(c, val);
	} else {
		ocw2(c, val);
	}
	pic_update(vm);
}

/*
 * The 8259 and the ELCR are 8-bit devices: a wider access reaches them
 * as byte accesses at consecutive ports, and a byte that falls on a port
 * of neither floats.
 */
uint32_t pic_port_read(struct vcpu *v, uint16_t port, unsigned int size)
{
	uint32_t val = 0;

	/* The mask registers are what guests read most. */
	if (size == 1 && (port == 0x21 || port == 0xa1))
		return pic_chip(v->vm, port >> 7)->imr;

	for (unsigned int i = 0; i < size; i++) {
		uint16_t p = (uint16_t)(port + i);
		uint8_t b = is_pic_port(p) ? pic_read(v->vm, p) : 0xff;

		val |= (uint32_t)b << (8 * i);
	}
	return val;
}

void pic_port_write(struct vcpu *v, uint16_t port, unsigned int size,
		    uint32_t val)
{
	/*
	 * OCW1 (the mask register), the write guests make most: the same
	 * mask again changes no output and costs nothing more.
	 */
	if (size == 1 && (port == 0x21 || port == 0xa1)) {
		struct pic_chip *c = pic_chip(v->vm, port >> 7);

		if (!c->init_step) {
			if (c->imr != (uint8_t)val) {
				c->imr = (uint8_t)val;
				pic_update(v->vm);
			}
			return;
		}
	}
	for (unsigned int i = 0; i < size; i++) {
		uint16_t p = (uint16_t)(port + i);

		if (is_pic_port(p))
			pic_write(v->vm, p, (uint8_t)(val >> (8 * i)));
	}
}
