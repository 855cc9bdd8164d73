// SPDX-License-Identifier: MIT
/*
 * The 8259A pair (core/dev/dev_pic.c) and the 8254 PIT with port 0x61
 * (core/dev/dev_pit.c), through the ports as a guest reaches them
 * (io_emulate), the INTA the vCPU runs (pic_acknowledge) and the device
 * timer the run loop fires (vcpu_timers_run). Time is the fake device clock:
 * the host TSC at 1 GHz, so one PIT clock is 838.1 ns; the expected
 * counts below come from the 8254 datasheet's mode descriptions, not
 * from the model's arithmetic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/dev/devices.h"
#include "lib/compiler.h"
#include "tests/unit/fake_clock.h"
#include "tests/unit/stub_vcpu.h"

/* Hosted: core/vm/backend.c (which picks a real backend) is not linked. */
const struct vm_backend *vm_backend;

#define PIT_HZ 1193182ULL
#define TSC_HZ 1000000000ULL /* tsc_hz() hosted */
#define MASTER_BASE 0x20
#define SLAVE_BASE 0x28
#define T0 100000ULL /* a PIT tick to start from, about 84 ms */

static struct vm *vm;
static struct vcpu *v;

static int setup(void **state)
{
	(void)state;
	vm = stub_vm_create("picpit", MiB(1), 0x1000);
	v = &vm->vcpus[0];
	fake_now = 1000000;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	stub_vm_destroy(vm);
	vm = NULL;
	v = NULL;
	return 0;
}

static void pout(uint16_t port, uint8_t val)
{
	uint32_t x = val;

	io_emulate(v, port, 1, false, &x);
}

static uint8_t pin(uint16_t port)
{
	uint32_t x = 0;

	io_emulate(v, port, 1, true, &x);
	return (uint8_t)x;
}

/* --- 8259A ---------------------------------------------------------------- */

/* ICW1-ICW4 on both chips as Linux does it, then every input masked. */
static void pic_init(uint8_t icw4)
{
	pout(0x20, 0x11); /* ICW1: edge, cascade, ICW4 follows */
	pout(0x21, MASTER_BASE);
	pout(0x21, 0x04); /* a slave on IR2 */
	pout(0x21, icw4);
	pout(0xa0, 0x11);
	pout(0xa1, SLAVE_BASE);
	pout(0xa1, 0x02); /* slave ID 2 */
	pout(0xa1, icw4);
	pout(0x21, 0xff);
	pout(0xa1, 0xff);
}

static uint8_t read_irr(uint16_t cmd)
{
	pout(cmd, 0x0a); /* OCW3: read IRR */
	return pin(cmd);
}

static uint8_t read_isr(uint16_t cmd)
{
	pout(cmd, 0x0b); /* OCW3: read ISR */
	return pin(cmd);
}

static void eoi(uint16_t cmd)
{
	pout(cmd, 0x20); /* OCW2: non-specific EOI */
}

/* What the vCPU does when INTR is up: it must be, and the INTA says what. */
static uint8_t intack(void)
{
	assert_true(pic_intr(vm));
	return pic_acknowledge(vm);
}

static void test_pic_reset_state(void **state)
{
	(void)state;
	/* All masked but the cascade, as SeaBIOS leaves the pair. */
	assert_int_equal(pin(0x21), 0xfb);
	assert_int_equal(pin(0xa1), 0xff);
	assert_int_equal(pin(0x4d0), 0x00);
	assert_int_equal(pin(0x4d1), 0x00);
	/* Masked: the request is seen in IRR but INTR stays low. */
	pic_set_irq(vm, 1, true);
	assert_int_equal(read_irr(0x20), 0x02);
	assert_false(pic_intr(vm));
	assert_false(v->events);
	pic_set_irq(vm, 11, true);
	assert_int_equal(read_irr(0xa0), 0x08);
	assert_false(pic_intr(vm));
	assert_false(v->events);
	/* Nothing to acknowledge: the default IR7 at the power-on base. */
	assert_int_equal(pic_acknowledge(vm), 0x0f);
	/* Unmasked at the reset base 0x08 (the PC/AT BIOS's). */
	pout(0x21, 0xf9);
	assert_int_equal(intack(), 0x09);
	eoi(0x20);
	/* A slave line needs its own mask bit only, at the base 0x70. */
	pout(0xa1, 0xf7);
	assert_true(v->events);
	assert_int_equal(intack(), 0x73);
}

static void test_pic_icw_then_mask(void **state)
{
	(void)state;
	pic_init(0x01);
	pic_set_irq(vm, 1, true);
	assert_int_equal(read_irr(0x20), 0x02);
	assert_false(pic_intr(vm));
	assert_false(v->events);

	pout(0x21, 0xfd); /* OCW1: unmask IR1 */
	assert_true(pic_intr(vm));
	assert_true(v->events); /* the vCPU was told to look */
	assert_int_equal(pin(0x21), 0xfd);
	assert_int_equal(pic_acknowledge(vm), MASTER_BASE + 1);
	/* IRR -> ISR; the edge is consumed though the line is still high. */
	assert_int_equal(read_isr(0x20), 0x02);
	assert_int_equal(read_irr(0x20), 0x00);
	assert_false(pic_intr(vm));
	/* The read register stays selected until OCW3 changes it. */
	assert_int_equal(pin(0x20), 0x00);
	eoi(0x20);
	assert_int_equal(read_isr(0x20), 0x00);
	/* No new edge, no new request. */
	assert_false(pic_intr(vm));
	pic_set_irq(vm, 1, false);
	pic_set_irq(vm, 1, true);
	assert_int_equal(intack(), MASTER_BASE + 1);
}

static void test_pic_icw1_resets(void **state)
{
	(void)state;
	pic_init(0x01);
	pout(0x21, 0x00);
	pic_set_irq(vm, 3, true);
	pic_set_irq(vm, 4, true);
	assert_int_equal(intack(), MASTER_BASE + 3);
	pout(0x20, 0x0b);
	/* ICW1 clears IMR, the edge latches and (mhv) ISR, selects IRR. */
	pout(0x20, 0x11);
	pout(0x21, 0x40);
	pout(0x21, 0x04);
	pout(0x21, 0x01);
	assert_int_equal(pin(0x21), 0x00);
	assert_int_equal(pin(0x20), 0x00); /* IRR, not ISR, and empty */
	assert_false(pic_intr(vm));
	/* An input high across ICW1 must fall and rise again. */
	pic_set_irq(vm, 4, true);
	assert_false(pic_intr(vm));
	pic_set_irq(vm, 4, false);
	pic_set_irq(vm, 4, true);
	assert_int_equal(intack(), 0x44);
}

static void test_pic_priority(void **state)
{
	(void)state;
	pic_init(0x01);
	pout(0x21, 0x00);
	pic_set_irq(vm, 3, true);
	pic_set_irq(vm, 1, true);
	assert_int_equal(intack(), MASTER_BASE + 1);
	/* IR3 is lower than IR1 in service: held off. */
	assert_false(pic_intr(vm));
	assert_int_equal(read_irr(0x20), 0x08);
	eoi(0x20);
	assert_int_equal(intack(), MASTER_BASE + 3);
	/* A higher one nests over IR3 in service. */
	pic_set_irq(vm, 0, true);
	assert_int_equal(intack(), MASTER_BASE + 0);
	assert_int_equal(read_isr(0x20), 0x09);
	/* And one of equal priority does not. */
	pic_set_irq(vm, 0, false);
	pic_set_irq(vm, 0, true);
	assert_false(pic_intr(vm));
}

static void test_pic_cascade(void **state)
{
	(void)state;
	pic_init(0x01);
	pout(0xa1, 0xfb); /* unmask IRQ10 on the slave */
	pic_set_irq(vm, 10, true);
	/* Master IR2 masked: the slave's INT goes nowhere. */
	assert_int_equal(read_irr(0xa0), 0x04);
	assert_int_equal(read_irr(0x20), 0x04);
	assert_false(pic_intr(vm));
	pout(0x21, 0xfb);
	assert_int_equal(intack(), SLAVE_BASE + 2);
	assert_int_equal(read_isr(0x20), 0x04);
	assert_int_equal(read_isr(0xa0), 0x04);
	assert_int_equal(read_irr(0xa0), 0x00);
	assert_int_equal(read_irr(0x20), 0x00);
	eoi(0xa0);
	eoi(0x20);
	assert_int_equal(read_isr(0x20), 0x00);
	assert_int_equal(read_isr(0xa0), 0x00);
	assert_false(pic_intr(vm));

	/* Master IR1 beats the slave (IR2); the slave's turn comes after. */
	pout(0x21, 0xf9);
	pic_set_irq(vm, 10, false);
	pic_set_irq(vm, 10, true);
	pic_set_irq(vm, 1, true);
	assert_int_equal(intack(), MASTER_BASE + 1);
	eoi(0x20);
	assert_int_equal(intack(), SLAVE_BASE + 2);
}

static void test_pic_specific_and_nonspecific_eoi(void **state)
{
	(void)state;
	pic_init(0x01);
	pout(0x21, 0x00);
	pic_set_irq(vm, 5, true);
	assert_int_equal(intack(), MASTER_BASE + 5);
	pic_set_irq(vm, 3, true);
	assert_int_equal(intack(), MASTER_BASE + 3);
	pic_set_irq(vm, 1, true);
	assert_int_equal(intack(), MASTER_BASE + 1);
	assert_int_equal(read_isr(0x20), 0x2a);
	/* Specific EOI of IR3 (OCW2 0x63) leaves IR1 and IR5. */
	pout(0x20, 0x63);
	assert_int_equal(read_isr(0x20), 0x22);
	/* A non-specific EOI resets the highest in service: IR1. */
	eoi(0x20);
	assert_int_equal(read_isr(0x20), 0x20);
	eoi(0x20);
	assert_int_equal(read_isr(0x20), 0x00);
}

static void test_pic_spurious(void **state)
{
	(void)state;
	pic_init(0x01);
	pout(0x21, 0x00);
	/* An edge request masked between INTR and INTA: default IR7. */
	pic_set_irq(vm, 1, true);
	assert_true(pic_intr(vm));
	pout(0x21, 0x02);
	assert_int_equal(pic_acknowledge(vm), MASTER_BASE + 7);
	assert_int_equal(read_isr(0x20), 0x00); /* no ISR bit for IR7 */

	/* A level input that drops before the INTA. */
	pout(0x4d0, 0x20);
	pic_set_irq(vm, 5, true);
	assert_true(pic_intr(vm));
	pic_set_irq(vm, 5, false);
	assert_false(pic_intr(vm));
	assert_int_equal(pic_acknowledge(vm), MASTER_BASE + 7);
	assert_int_equal(read_isr(0x20), 0x00);

	/*
	 * The same on the slave (IRQ10 level): master IR2 latched the edge,
	 * so the master answers for IR2 and the slave with its IR7, IRQ15.
	 */
	pout(0x4d1, 0x04);
	pout(0xa1, 0x00);
	pic_set_irq(vm, 10, true);
	assert_true(pic_intr(vm));
	pic_set_irq(vm, 10, false);
	assert_int_equal(pic_acknowledge(vm), SLAVE_BASE + 7);
	assert_int_equal(read_isr(0xa0), 0x00);
	assert_int_equal(read_isr(0x20), 0x04); /* the master's EOI is due */
}

static void test_pic_level_via_elcr(void **state)
{
	(void)state;
	/* IRQ0-2, 8 and 13 are edge only: their ELCR bits read 0. */
	pout(0x4d0, 0xff);
	pout(0x4d1, 0xff);
	assert_int_equal(pin(0x4d0), 0xf8);
	assert_int_equal(pin(0x4d1), 0xde);
	pout(0x4d0, 0x20);
	pout(0x4d1, 0x00);

	pic_init(0x01);
	assert_int_equal(pin(0x4d0), 0x20); /* ICW1 leaves the ELCR */
	pout(0x21, 0x00);
	pic_set_irq(vm, 5, true);
	pic_set_irq(vm, 4, true);
	assert_int_equal(intack(), MASTER_BASE + 4);
	eoi(0x20);
	assert_int_equal(intack(), MASTER_BASE + 5);
	/* A level request stays in IRR while the line is high... */
	assert_int_equal(read_irr(0x20), 0x20);
	eoi(0x20);
	/* ...so it comes back after the EOI; the edge one does not. */
	assert_int_equal(intack(), MASTER_BASE + 5);
	eoi(0x20);
	pic_set_irq(vm, 5, false);
	assert_int_equal(read_irr(0x20), 0x00);
	assert_false(pic_intr(vm));

	/* ICW1.LTIM makes every input level-triggered. */
	pic_set_irq(vm, 4, false);
	pout(0x20, 0x19);
	pout(0x21, MASTER_BASE);
	pout(0x21, 0x04);
	pout(0x21, 0x01);
	pic_set_irq(vm, 3, true);
	assert_int_equal(intack(), MASTER_BASE + 3);
	eoi(0x20);
	assert_int_equal(intack(), MASTER_BASE + 3);
}

static void test_pic_auto_eoi(void **state)
{
	(void)state;
	pic_init(0x03); /* ICW4: 8086 mode, AEOI */
	pout(0x21, 0x00);
	pout(0xa1, 0x00);
	pic_set_irq(vm, 1, true);
	pic_set_irq(vm, 4, true);
	assert_int_equal(intack(), MASTER_BASE + 1);
	assert_int_equal(read_isr(0x20), 0x00);
	/* Nothing in service, so IR4 follows without an EOI. */
	assert_int_equal(intack(), MASTER_BASE + 4);
	assert_false(pic_intr(vm));

	/* Through the slave, two requests in a row without EOI. */
	pic_set_irq(vm, 9, true);
	pic_set_irq(vm, 12, true);
	assert_int_equal(intack(), SLAVE_BASE + 1);
	assert_int_equal(intack(), SLAVE_BASE + 4);
	assert_int_equal(read_isr(0x20), 0x00);
	assert_int_equal(read_isr(0xa0), 0x00);
	assert_false(pic_intr(vm));

	/* Rotate in AEOI mode: the level just served becomes the lowest. */
	pout(0x20, 0x80);
	pic_set_irq(vm, 1, false);
	pic_set_irq(vm, 1, true);
	assert_int_equal(intack(), MASTER_BASE + 1);
	pic_set_irq(vm, 1, false);
	pic_set_irq(vm, 1, true);
	pic_set_irq(vm, 3, true);
	assert_int_equal(intack(), MASTER_BASE + 3);
	assert_int_equal(intack(), MASTER_BASE + 1);
}

static void test_pic_poll(void **state)
{
	(void)state;
	pic_init(0x01);
	pic_set_irq(vm, 6, true);
	/* Masked inputs do not answer a poll: bit 7 clear. */
	pout(0x20, 0x0c);
	assert_int_equal(pin(0x20), 0x00);
	pout(0x21, 0x00);
	pic_set_irq(vm, 3, true);
	pout(0x20, 0x0c);
	/* The read is the INTA: 0x80 | the level, IRR -> ISR. */
	assert_int_equal(pin(0x20), 0x83);
	/* A poll is good for one read: the next one reads IRR again. */
	assert_int_equal(pin(0x20), 0x40);
	assert_int_equal(read_isr(0x20), 0x08);
	eoi(0x20);
	pout(0x20, 0x0c);
	assert_int_equal(pin(0x20), 0x86);
}

static void test_pic_rotation(void **state)
{
	(void)state;
	pic_init(0x01);
	pout(0x21, 0x00);
	pic_set_irq(vm, 1, true);
	assert_int_equal(intack(), MASTER_BASE + 1);
	pout(0x20, 0xa0); /* rotate on non-specific EOI: IR1 lowest */
	pic_set_irq(vm, 1, false);
	pic_set_irq(vm, 1, true);
	pic_set_irq(vm, 7, true);
	/* IR2 is the highest now, then ... 7, 0, 1. */
	assert_int_equal(intack(), MASTER_BASE + 7);
	pout(0x20, 0x20);
	assert_int_equal(intack(), MASTER_BASE + 1);
	pout(0x20, 0x20);

	/* Set priority (OCW2 0xc4): IR4 lowest, IR5 highest. */
	pout(0x20, 0xc4);
	pic_set_irq(vm, 3, true);
	pic_set_irq(vm, 6, true);
	assert_int_equal(intack(), MASTER_BASE + 6);
	/* Rotate on specific EOI (0xe6): IR6 lowest, IR7 highest. */
	pout(0x20, 0xe6);
	assert_int_equal(read_isr(0x20), 0x00);
	pic_set_irq(vm, 6, false);
	pic_set_irq(vm, 6, true);
	assert_int_equal(intack(), MASTER_BASE + 3);
}

static void test_pic_special_mask_mode(void **state)
{
	(void)state;
	pic_init(0x01);
	pout(0x21, 0x00);
	pic_set_irq(vm, 3, true);
	assert_int_equal(intack(), MASTER_BASE + 3);
	pic_set_irq(vm, 5, true);
	assert_false(pic_intr(vm)); /* held off by IR3 in service */
	/* The handler masks its own level and enters special mask mode. */
	pout(0x21, 0x08);
	pout(0x20, 0x68);
	assert_int_equal(intack(), MASTER_BASE + 5);
	/* A non-specific EOI skips the masked IR3. */
	eoi(0x20);
	assert_int_equal(read_isr(0x20), 0x08);
	pout(0x20, 0x48); /* leave special mask mode */
	pout(0x20, 0x63);
	assert_int_equal(read_isr(0x20), 0x00);
}

static void test_pic_wide_access(void **state)
{
	uint32_t x = 0;

	(void)state;
	/* A 16-bit IN at 0x20 reads 0x20 then 0x21 (IRR, IMR). */
	pic_set_irq(vm, 1, true);
	io_emulate(v, 0x20, 2, true, &x);
	assert_int_equal(x, 0xfb02);
	/* At 0x21 the second byte is port 0x22, which nothing decodes. */
	io_emulate(v, 0x21, 2, true, &x);
	assert_int_equal(x, 0xfffb);
}

/* --- 8254 ----------------------------------------------------------------- */

/* The fake TSC in the middle of PIT clock `tick`, exactly. */
static uint64_t tick_mid(uint64_t tick)
{
	return ((2 * tick + 1) * TSC_HZ) / (2 * PIT_HZ);
}

static void at_tick(uint64_t tick)
{
	fake_now = tick_mid(tick);
}

static uint16_t read_count_lohi(uint16_t port)
{
	uint16_t lo = pin(port);

	return (uint16_t)(lo | pin(port) << 8);
}

/* Counter latch, then both bytes. */
static uint16_t latched_count(unsigned int ch)
{
	pout(0x43, (uint8_t)(ch << 6));
	return read_count_lohi((uint16_t)(0x40 + ch));
}

/* Read-back of one channel's status alone. */
static uint8_t pit_status(unsigned int ch)
{
	pout(0x43, (uint8_t)(0xe0 | 2u << ch));
	return pin((uint16_t)(0x40 + ch));
}

/* A control word for LSB-then-MSB and `mode`, then the count at tick. */
static void pit_program(unsigned int ch, unsigned int mode, uint32_t count,
			uint64_t tick)
{
	at_tick(tick);
	pout(0x43, (uint8_t)(ch << 6 | 0x30 | mode << 1));
	pout((uint16_t)(0x40 + ch), (uint8_t)count);
	pout((uint16_t)(0x40 + ch), (uint8_t)(count >> 8));
}

static uint64_t pit_deadline(void)
{
	return vm->dev.timer_at[VM_TIMER_PIT];
}

/* The timer is set for the TSC at which PIT clock `tick` begins. */
static void assert_deadline_at(uint64_t tick)
{
	assert_in_range(pit_deadline(), tick_mid(tick - 1) + 1, tick_mid(tick));
}

/* The run loop's host timer fires at the deadline. */
static void fire_timer(void)
{
	assert_true(pit_deadline() != 0);
	fake_now = pit_deadline();
	vcpu_timers_run(v, fake_now);
}

static void test_pit_ports_decoded(void **state)
{
	(void)state;
	assert_int_equal(pin(0x43), 0xff); /* write-only */
	assert_int_equal(pin(0x61) & 0x0f, 0);
	assert_int_equal(vm->unhandled_io, 0);
	pin(0x44);
	assert_int_equal(vm->unhandled_io, 1);
	/* Power-on: mode 3, LSB/MSB, binary, OUT high, NULL COUNT. */
	assert_int_equal(pit_status(0), 0xf6);
	assert_int_equal(pit_status(2), 0xf6);
	assert_int_equal(pit_deadline(), 0);
}

static void test_pit_mode0_count_and_irq(void **state)
{
	(void)state;
	pic_init(0x01);
	pout(0x21, 0xfe);

	at_tick(T0);
	pout(0x43, 0x30);		       /* channel 0, LSB/MSB, mode 0 */
	assert_int_equal(pit_status(0), 0x70); /* OUT low, NULL COUNT */
	pout(0x40, 1000 & 0xff);
	pout(0x40, 1000 >> 8);
	/* Loaded into CE on the next clock, then one less per clock. */
	at_tick(T0 + 1);
	assert_int_equal(pit_status(0), 0x30);
	assert_int_equal(latched_count(0), 1000);
	at_tick(T0 + 101);
	assert_int_equal(latched_count(0), 900);
	/* Without a latch the bytes are read live. */
	assert_int_equal(read_count_lohi(0x40), 900);
	/* OUT rises N + 1 clocks after the count was written. */
	assert_deadline_at(T0 + 1001);
	at_tick(T0 + 1000);
	assert_int_equal(pit_status(0) & 0x80, 0);
	assert_false(pic_intr(vm));
	fire_timer();
	assert_int_equal(pit_status(0) & 0x80, 0x80);
	assert_int_equal(intack(), MASTER_BASE + 0);
	/* Once: no timer after it; CE counts on through zero. */
	assert_int_equal(pit_deadline(), 0);
	at_tick(T0 + 1011);
	assert_int_equal(latched_count(0), (uint16_t)-10);
	assert_int_equal(pit_status(0) & 0x80, 0x80);

	/* A new count: OUT low at once, counting from it. */
	pout(0x40, 50);
	assert_int_equal(pit_status(0) & 0x80, 0);
	pout(0x40, 0);
	at_tick(T0 + 1012 + 20);
	assert_int_equal(latched_count(0), 30);
	assert_deadline_at(T0 + 1012 + 50);
}

static void test_pit_mode2_periodic_irq(void **state)
{
	(void)state;
	pic_init(0x01);
	pout(0x21, 0xfe);
	pit_program(0, 2, 1193, T0); /* about 1 ms */
	at_tick(T0 + 1);
	assert_int_equal(latched_count(0), 1193);
	at_tick(T0 + 1 + 1192);
	assert_int_equal(latched_count(0), 1);
	assert_int_equal(pit_status(0) & 0x80, 0); /* OUT low at count 1 */
	assert_false(pic_intr(vm));

	for (unsigned int i = 1; i <= 3; i++) {
		assert_deadline_at(T0 + 1 + i * 1193);
		fire_timer();
		assert_int_equal(intack(), MASTER_BASE + 0);
		eoi(0x20);
		assert_false(pic_intr(vm));
	}
	/* Five periods missed: one edge, the IRR holds one. */
	at_tick(T0 + 1 + 8 * 1193 + 100);
	vcpu_timers_run(v, fake_now);
	assert_int_equal(intack(), MASTER_BASE + 0);
	eoi(0x20);
	assert_false(pic_intr(vm));
	assert_deadline_at(T0 + 1 + 9 * 1193);
	/* The count goes on through it all: N, N-1, ... 1, N. */
	at_tick(T0 + 1 + 8 * 1193 + 107);
	assert_int_equal(latched_count(0), 1193 - 107);
	assert_int_equal(pit_status(0) & 0x80, 0x80);

	/* Masked at the 8259, still counting, still a timer. */
	pout(0x21, 0xff);
	fire_timer();
	assert_false(pic_intr(vm));
	assert_deadline_at(T0 + 1 + 10 * 1193);
	/* A control word stops it: no count, no timer. */
	pout(0x43, 0x34);
	assert_int_equal(pit_deadline(), 0);
}

static void test_pit_mode2_new_count_at_period_end(void **state)
{
	(void)state;
	pit_program(0, 2, 1000, T0);
	at_tick(T0 + 1 + 300);
	pout(0x40, 500 & 0xff);
	pout(0x40, 500 >> 8);
	/* The running period is not affected; NULL COUNT until it ends. */
	assert_int_equal(pit_status(0) & 0x40, 0x40);
	assert_deadline_at(T0 + 1 + 1000);
	at_tick(T0 + 1 + 999);
	assert_int_equal(latched_count(0), 1);
	at_tick(T0 + 1 + 1000);
	assert_int_equal(latched_count(0), 500);
	assert_int_equal(pit_status(0) & 0x40, 0);
	at_tick(T0 + 1 + 1499);
	assert_int_equal(latched_count(0), 1);
	at_tick(T0 + 1 + 1500);
	assert_int_equal(latched_count(0), 500);
	/* And the IRQ0 edges follow: at 1000, then every 500. */
	vcpu_timers_run(v, fake_now);
	assert_deadline_at(T0 + 1 + 2000);
}

static void test_pit_mode3_counts(void **state)
{
	/* Even 10: by two from 10, half high, half low. */
	static const uint16_t even[] = {10, 8, 6, 4, 2, 10, 8, 6, 4, 2, 10};
	/* Odd 9: high 5 clocks (-1 then -2s), low 4 (-3 then -2s). */
	static const uint16_t odd[] = {9, 8, 6, 4, 2, 9, 6, 4, 2, 9};

	(void)state;
	pit_program(0, 3, 10, T0);
	for (unsigned int k = 0; k < ARRAY_SIZE(even); k++) {
		at_tick(T0 + 1 + k);
		assert_int_equal(latched_count(0), even[k]);
		assert_int_equal(!!(pit_status(0) & 0x80), k % 10 < 5);
	}
	pit_program(0, 3, 9, 2 * T0);
	for (unsigned int k = 0; k < ARRAY_SIZE(odd); k++) {
		at_tick(2 * T0 + 1 + k);
		assert_int_equal(latched_count(0), odd[k]);
		assert_int_equal(!!(pit_status(0) & 0x80), k % 9 < 5);
	}

	/* Count 0 is 65536 (18.2 Hz): 0, 65534, ... */
	pit_program(0, 3, 0, 3 * T0);
	at_tick(3 * T0 + 1);
	assert_int_equal(latched_count(0), 0);
	at_tick(3 * T0 + 2);
	assert_int_equal(latched_count(0), 65534);
	/* IRQ0 on each rise: at the start of every high half. */
	assert_deadline_at(3 * T0 + 1 + 65536);
	at_tick(3 * T0 + 1 + 32768);
	assert_int_equal(pit_status(0) & 0x80, 0);
	assert_int_equal(latched_count(0), 0);
}

static void test_pit_latch_and_access_modes(void **state)
{
	(void)state;
	pit_program(0, 0, 5000, T0);
	at_tick(T0 + 1 + 1000);
	pout(0x43, 0x00);
	/* A second latch before the first is read is ignored. */
	at_tick(T0 + 1 + 2000);
	pout(0x43, 0x00);
	assert_int_equal(pin(0x40), 4000 & 0xff);
	/* Time passes between the bytes; the latch holds until both. */
	at_tick(T0 + 1 + 2500);
	assert_int_equal(pin(0x40), 4000 >> 8);
	assert_int_equal(read_count_lohi(0x40), 2500);

	/* LSB only: one read per count, one write loads it (MSB 0). */
	at_tick(T0 + 10000);
	pout(0x43, 0x10);
	pout(0x40, 0x80);
	at_tick(T0 + 10000 + 1 + 0x10);
	assert_int_equal(pin(0x40), 0x70);
	assert_int_equal(pin(0x40), 0x70);
	/* MSB only: the count is val << 8. */
	at_tick(T0 + 20000);
	pout(0x43, 0x20);
	pout(0x40, 0x02);
	at_tick(T0 + 20000 + 1 + 1);
	assert_int_equal(pin(0x40), 0x01); /* 0x1ff */
	assert_int_equal(pit_status(0), 0x20);
}

static void test_pit_read_back(void **state)
{
	(void)state;
	pout(0x61, 0x01); /* channel 2's gate */
	pit_program(2, 0, 300, T0);
	at_tick(T0 + 1 + 100);
	/* Read-back: count and status of channel 2 (0xc8). */
	pout(0x43, 0xc8);
	at_tick(T0 + 1 + 200);
	assert_int_equal(pin(0x42), 0x30); /* status first */
	assert_int_equal(read_count_lohi(0x42), 200);
	/* Status alone, of channels 0 and 2 (0xea). */
	pout(0x43, 0xea);
	assert_int_equal(pin(0x40), 0xf6);
	assert_int_equal(pin(0x42), 0x30);
	/* Latched at once; a new control word sets NULL COUNT. */
	pout(0x43, 0xb4); /* channel 2, mode 2, LSB/MSB */
	pout(0x43, 0xe8);
	assert_int_equal(pin(0x42), 0xf4);
	/* Modes 6 and 7 are 2 and 3; status keeps the bits written. */
	pout(0x43, 0xbc);
	assert_int_equal(pit_status(2), 0xfc);
}

static void test_pit_channel2_port61(void **state)
{
	uint8_t r;

	(void)state;
	/* mhv's own calibration (core/host/tsc.c): gate on, mode 0. */
	pout(0x61, (pin(0x61) & ~0x02) | 0x01);
	assert_int_equal(pin(0x61) & 0x0f, 0x01);
	pit_program(2, 0, 2386, T0);
	assert_int_equal(pin(0x61) & 0x20, 0);
	at_tick(T0 + 2386);
	assert_int_equal(pin(0x61) & 0x20, 0);
	at_tick(T0 + 2387);
	assert_int_equal(pin(0x61) & 0x20, 0x20);
	/* Channel 2 never reaches IRQ0. */
	assert_int_equal(pit_deadline(), 0);

	/* Gate off: loaded, not counting; OUT stays low. */
	pout(0x61, 0x00);
	pit_program(2, 0, 100, 2 * T0);
	at_tick(2 * T0 + 500);
	assert_int_equal(pin(0x61) & 0x20, 0);
	assert_int_equal(latched_count(2), 100);
	/* Gate on: counting from there. */
	pout(0x61, 0x01);
	at_tick(2 * T0 + 500 + 40);
	assert_int_equal(latched_count(2), 60);
	/* Gate off again suspends it. */
	pout(0x61, 0x00);
	at_tick(2 * T0 + 500 + 400);
	assert_int_equal(latched_count(2), 60);
	assert_int_equal(pin(0x61) & 0x20, 0);
	pout(0x61, 0x03); /* gate and speaker data */
	at_tick(2 * T0 + 500 + 400 + 59);
	assert_int_equal(pin(0x61) & 0x20, 0);
	at_tick(2 * T0 + 500 + 400 + 60);
	r = pin(0x61);
	assert_int_equal(r & 0x20, 0x20);
	assert_int_equal(r & 0xcf, 0x03); /* bits 6, 7 read 0 */

	/* Bit 4 toggles with every refresh period of 18 clocks. */
	at_tick(18 * 20000 + 1);
	r = pin(0x61) & 0x10;
	at_tick(18 * 20000 + 17);
	assert_int_equal(pin(0x61) & 0x10, r);
	at_tick(18 * 20001 + 1);
	assert_int_equal(pin(0x61) & 0x10, r ^ 0x10);
}

static void test_pit_channel2_triggered_modes(void **state)
{
	(void)state;
	/* Mode 1 waits for the gate to rise. */
	pit_program(2, 1, 50, T0);
	at_tick(T0 + 100);
	assert_int_equal(pin(0x61) & 0x20, 0x20);
	assert_int_equal(pit_status(2) & 0x40, 0x40); /* not loaded yet */
	pout(0x61, 0x01);
	/* OUT low from the next clock for N clocks. */
	at_tick(T0 + 101);
	assert_int_equal(pin(0x61) & 0x20, 0);
	assert_int_equal(latched_count(2), 50);
	at_tick(T0 + 101 + 49);
	assert_int_equal(pin(0x61) & 0x20, 0);
	at_tick(T0 + 101 + 50);
	assert_int_equal(pin(0x61) & 0x20, 0x20);

	/* Mode 5: the strobe (OUT low one clock) N clocks after a trigger. */
	pout(0x61, 0x00);
	pit_program(2, 5, 20, 2 * T0);
	pout(0x61, 0x01);
	at_tick(2 * T0 + 1 + 19);
	assert_int_equal(pin(0x61) & 0x20, 0x20);
	at_tick(2 * T0 + 1 + 20);
	assert_int_equal(pin(0x61) & 0x20, 0);
	at_tick(2 * T0 + 1 + 21);
	assert_int_equal(pin(0x61) & 0x20, 0x20);

	/* Mode 4 needs no trigger. */
	pit_program(2, 4, 20, 3 * T0);
	at_tick(3 * T0 + 1 + 20);
	assert_int_equal(pin(0x61) & 0x20, 0);
	assert_int_equal(latched_count(2), 0);
}

static void test_pit_min_period(void **state)
{
	(void)state;
	pic_init(0x01);
	pout(0x21, 0xfe);
	/* Count 1 in mode 2: an edge every 838 ns, a timer every 200 us. */
	pit_program(0, 2, 1, T0);
	assert_deadline_at(T0 + 2); /* the first edge is on time */
	fire_timer();
	assert_int_equal(intack(), MASTER_BASE + 0);
	eoi(0x20);
	assert_false(pic_intr(vm));
	assert_int_equal(pit_deadline(), fake_now + TSC_HZ / 5000);
	/* The count read back is still the chip's. */
	assert_int_equal(latched_count(0), 1);

	/* Many periods later, one edge, and the clamp holds. */
	at_tick(T0 + 10000);
	vcpu_timers_run(v, fake_now);
	assert_int_equal(intack(), MASTER_BASE + 0);
	eoi(0x20);
	assert_int_equal(pit_deadline(), fake_now + TSC_HZ / 5000);
	/* Reading the count does not push it back. */
	fake_now += 1000;
	assert_int_equal(latched_count(0), 1);
	assert_int_equal(pit_deadline(), fake_now - 1000 + TSC_HZ / 5000);

	/* Count 2 in mode 3 is clamped alike... */
	pit_program(0, 3, 2, 2 * T0);
	fire_timer();
	assert_int_equal(pit_deadline(), fake_now + TSC_HZ / 5000);
	/* ...a period above it is not. */
	pit_program(0, 2, 300, 3 * T0);
	assert_deadline_at(3 * T0 + 1 + 300);
	/* Mode 0 is one edge, never clamped. */
	pit_program(0, 0, 5, 4 * T0);
	assert_deadline_at(4 * T0 + 1 + 5);
}

static void test_pit_control_word_raises_irq0(void **state)
{
	(void)state;
	pic_init(0x01);
	pout(0x21, 0xfe);
	/* Mode 0, OUT low; mode 2 sets OUT high at once: a rising edge. */
	pit_program(0, 0, 1000, T0);
	assert_false(pic_intr(vm));
	pout(0x43, 0x34);
	assert_int_equal(intack(), MASTER_BASE + 0);
	/* High to high: nothing. */
	eoi(0x20);
	pout(0x43, 0x36);
	assert_false(pic_intr(vm));
}

static void test_pit_irq0_through_isa_routing(void **state)
{
	(void)state;
	/* IRQ0 is an edge at master IR0 whatever ELCR1 holds (read-only). */
	pout(0x4d0, 0x01);
	pic_init(0x01);
	pout(0x21, 0xfe);
	isa_irq_pulse(vm, 0);
	assert_true(v->events);
	assert_int_equal(intack(), MASTER_BASE + 0);
	eoi(0x20);
	assert_false(pic_intr(vm));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_pic_reset_state),
		T(test_pic_icw_then_mask),
		T(test_pic_icw1_resets),
		T(test_pic_priority),
		T(test_pic_cascade),
		T(test_pic_specific_and_nonspecific_eoi),
		T(test_pic_spurious),
		T(test_pic_level_via_elcr),
		T(test_pic_auto_eoi),
		T(test_pic_poll),
		T(test_pic_rotation),
		T(test_pic_special_mask_mode),
		T(test_pic_wide_access),
		T(test_pit_ports_decoded),
		T(test_pit_mode0_count_and_irq),
		T(test_pit_mode2_periodic_irq),
		T(test_pit_mode2_new_count_at_period_end),
		T(test_pit_mode3_counts),
		T(test_pit_latch_and_access_modes),
		T(test_pit_read_back),
		T(test_pit_channel2_port61),
		T(test_pit_channel2_triggered_modes),
		T(test_pit_min_period),
		T(test_pit_control_word_raises_irq0),
		T(test_pit_irq0_through_isa_routing),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
