// SPDX-License-Identifier: MIT
/*
 * bios=on (core/vm/bios.c): the IVT and handlers it writes into guest RAM
 * and the device state it programs, read back the way a guest would (ports,
 * LAPIC registers), and the PIT's tick arriving as vector 08h through the
 * 8259 and LINT0. Without it a VM keeps the reset state of devices_init().
 * The expected values are SeaBIOS's and the PC/AT's (bios.h), not the
 * model's.
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
#include "core/vm/bios.h"
#include "core/x86.h"
#include "lib/compiler.h"
#include "tests/unit/fake_clock.h"
#include "tests/unit/stub_vcpu.h"

/* Hosted: core/vm/backend.c (which picks a real backend) is not linked. */
const struct vm_backend *vm_backend;

/* 65536 clocks of 1.193182 MHz, in the fake TSC's nanoseconds. */
#define TICK_NS 54925401ULL
#define F000(off) (0xf0000u + (off))

static struct vm *vm;
static struct vcpu *v;

static int setup(void **state)
{
	(void)state;
	fake_now = 1000000;
	vm = stub_vm_create("bios", MiB(2), 0x100000);
	v = &vm->vcpus[0];
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

static uint8_t pin(uint16_t port)
{
	uint32_t x = 0;

	io_emulate(v, port, 1, true, &x);
	return (uint8_t)x;
}

static void pout(uint16_t port, uint8_t val)
{
	uint32_t x = val;

	io_emulate(v, port, 1, false, &x);
}

static uint32_t ivt(unsigned int vector)
{
	uint32_t e;

	memcpy(&e, vm->ram + 4 * vector, sizeof(e));
	return e;
}

static void bios_on(void)
{
	bios_write_memory(vm->ram);
	bios_program_devices(vm);
}

/* Channel 0's read-back status byte (8254 "Read-Back Command"). */
static uint8_t pit0_status(void)
{
	pout(0x43, 0xe2); /* read-back: status only, counter 0 */
	return pin(0x40);
}

static void test_ivt_entries(void **state)
{
	(void)state;
	bios_on();
	assert_int_equal(ivt(0x08), 0xf000fea5);
	for (unsigned int vec = 0; vec < 256; vec++) {
		uint32_t e = ivt(vec), want;

		if (vec == 0x08)
			continue;
		if (vec >= 0x09 && vec <= 0x0f)
			want = 0xf0000000 | BIOS_EOI1_OFFSET;
		else if (vec >= 0x70 && vec <= 0x77)
			want = 0xf0000000 | BIOS_EOI2_OFFSET;
		else
			want = 0xf000ff53;
		assert_int_equal(e, want);
		assert_int_equal(e, bios_ivt_entry(vec));
	}
}

/* Each entry lands on code: the first instruction, the IRET that ends it. */
static void test_handlers_in_f000(void **state)
{
	const uint8_t *ram;

	(void)state;
	bios_on();
	ram = vm->ram;
	assert_int_equal(ram[F000(0xff53)], 0xcf);	     /* iret */
	assert_int_equal(ram[F000(0xfea5)], 0x1e);	     /* push ds */
	assert_int_equal(ram[F000(0xfea5) + 43], 0xcf);	     /* iret */
	assert_int_equal(ram[F000(BIOS_EOI1_OFFSET)], 0x50); /* push ax */
	assert_int_equal(ram[F000(BIOS_EOI1_OFFSET) + 6], 0xcf);
	assert_int_equal(ram[F000(BIOS_EOI2_OFFSET)], 0x50);
	assert_int_equal(ram[F000(BIOS_EOI2_OFFSET) + 8], 0xcf);
	/* The EOIs: master's to port 0x20, the slave's to 0xa0 first. */
	assert_memory_equal(ram + F000(BIOS_EOI1_OFFSET) + 1,
			    "\xb0\x20\xe6\x20", 4);
	assert_memory_equal(ram + F000(BIOS_EOI2_OFFSET) + 1,
			    "\xb0\x20\xe6\xa0\xe6\x20", 6);
	/* The tick count the INT 08h handler increments: the BDA's. */
	assert_memory_equal(ram + F000(0xfea5) + 6, "\x66\xff\x06\x6c\x04", 5);
	assert_int_equal(BIOS_CODE_START, 0xffea5);
	assert_int_equal(BIOS_CODE_END, 0xfff54);
}

static void test_memory_elsewhere_untouched(void **state)
{
	uint8_t *copy = malloc(MiB(2));

	(void)state;
	assert_non_null(copy);
	memset(vm->ram, 0x5a, MiB(2));
	bios_write_memory(vm->ram);
	memcpy(copy, vm->ram, MiB(2));
	/* Outside the IVT, the BDA tick and rollover and the handlers. */
	for (uint32_t a = 0; a < MiB(2); a++) {
		bool ours = a < 0x400 || (a >= 0x46c && a <= 0x470) ||
			    (a >= BIOS_CODE_START && a < BIOS_CODE_END);

		if (!ours && copy[a] != 0x5a)
			fail_msg("byte %#x changed", a);
	}
	/* The BDA's tick count and rollover flag start at 0. */
	assert_memory_equal(copy + 0x46c, "\0\0\0\0\0", 5);
	free(copy);
}

static void test_devices_as_seabios_leaves_them(void **state)
{
	(void)state;
	bios_on();
	assert_int_equal(pin(0x21), 0xb8);
	assert_int_equal(pin(0xa1), 0x8e);
	/* Vector bases unchanged from the reset's ICW2: IRQ0 is 08h. */
	assert_int_equal(vm->dev.pic.chip[0].base, 0x08);
	assert_int_equal(vm->dev.pic.chip[1].base, 0x70);
	/*
	 * Channel 0: LSB/MSB, mode 2, binary. NULL COUNT until the next CLK
	 * loads the count ("Read-Back Command"), then clear.
	 */
	assert_int_equal(pit0_status() & 0x7f, 0x74);
	fake_now += 2000;
	assert_int_equal(pit0_status() & 0x7f, 0x34);
	assert_int_equal(xapic_read(v, APIC_SPIV), 0x1ff);
	assert_int_equal(xapic_read(v, APIC_LVT_LINT0), 0x8700);
	assert_int_equal(xapic_read(v, APIC_LVT_LINT1), 0x8400);
	/* The others stay masked, as after reset. */
	assert_true(xapic_read(v, APIC_LVT_TIMER) & APIC_LVT_MASKED);
	assert_true(xapic_read(v, APIC_LVT_ERROR) & APIC_LVT_MASKED);
}

/* Nothing before the first period; then vector 08h, every 65536 clocks. */
static void test_tick_reaches_vector_8(void **state)
{
	uint64_t start = fake_now, first, second;

	(void)state;
	bios_on();
	assert_int_equal(irq_pending(v), -1);
	first = vm->dev.timer_at[VM_TIMER_PIT];
	assert_in_range(first, start + TICK_NS - 2000, start + TICK_NS + 2000);
	fake_now = first;
	vcpu_timers_run(v, fake_now);
	assert_int_equal(irq_pending(v), IRQ_EXTINT);
	assert_int_equal(irq_acknowledge(v, IRQ_EXTINT), 0x08);
	assert_int_equal(irq_pending(v), -1);
	/* The handler's EOI; the next tick comes one period later. */
	pout(0x20, 0x20);
	assert_int_equal(vm->dev.pic.chip[0].isr, 0);
	second = vm->dev.timer_at[VM_TIMER_PIT];
	assert_in_range(second - first, TICK_NS - 2000, TICK_NS + 2000);
	fake_now = second;
	vcpu_timers_run(v, fake_now);
	assert_int_equal(irq_acknowledge(v, irq_pending(v)), 0x08);
}

/* bios=off: devices_init()'s reset state, nothing in memory, no timer. */
static void test_off_keeps_reset_state(void **state)
{
	(void)state;
	assert_int_equal(pin(0x21), 0xfb);
	assert_int_equal(pin(0xa1), 0xff);
	assert_int_equal(vm->dev.timer_at[VM_TIMER_PIT], 0);
	/* Power-on: mode 3, LSB/MSB, binary, OUT high, NULL COUNT. */
	assert_int_equal(pit0_status(), 0xf6);
	assert_int_equal(xapic_read(v, APIC_SPIV), 0xff);
	assert_int_equal(xapic_read(v, APIC_LVT_LINT0), 0x700);
	assert_int_equal(xapic_read(v, APIC_LVT_LINT1), 0x400);
	for (unsigned int a = 0; a < 0x500; a++)
		assert_int_equal(vm->ram[a], 0);
	for (unsigned int a = BIOS_CODE_START; a < BIOS_CODE_END; a++)
		assert_int_equal(vm->ram[a], 0);
	fake_now += 10 * TICK_NS;
	vcpu_timers_run(v, fake_now);
	assert_int_equal(irq_pending(v), -1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_ivt_entries),
		T(test_handlers_in_f000),
		T(test_memory_elsewhere_untouched),
		T(test_devices_as_seabios_leaves_them),
		T(test_tick_reaches_vector_8),
		T(test_off_keeps_reset_state),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
