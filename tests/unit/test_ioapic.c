// SPDX-License-Identifier: MIT
/*
 * The I/O APIC model (core/dev/dev_ioapic.c) as a guest programs it:
 * IOREGSEL/IOWIN and the EOI register, pins driven with ioapic_set_irq()
 * or through the ISA routing, and what reaches the vCPU's local APIC
 * (IRR, TMR, the pending NMI) observed directly.
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
#include "core/x86.h"
#include "lib/compiler.h"
#include "tests/unit/fake_serial.h"
#include "tests/unit/stub_vcpu.h"

/* Hosted: core/vm/backend.c (which picks a real backend) is not linked. */
const struct vm_backend *vm_backend;

#define IOREGSEL 0x00
#define IOWIN 0x10
#define EOIR 0x40
#define REG_ID 0x00
#define REG_VERSION 0x01
#define REG_ARB 0x02
#define REDTBL(pin) (0x10 + 2 * (pin))

/* Redirection entry fields, written out as the guest would. */
#define DM_FIXED (0ULL << 8)
#define DM_LOWEST (1ULL << 8)
#define DM_SMI (2ULL << 8)
#define DM_RESERVED3 (3ULL << 8)
#define DM_NMI (4ULL << 8)
#define LOGICAL (1ULL << 11)
#define REMOTE_IRR (1ULL << 14)
#define LEVEL (1ULL << 15)
#define MASKED (1ULL << 16)
#define DEST(id) ((uint64_t)(id) << 56)

static struct vm *vm;
static struct vcpu *v;

static int setup(void **state)
{
	(void)state;
	vm = stub_vm_create("ioapic", MiB(2), 0x1000);
	v = &vm->vcpus[0];
	/* A software-enabled LAPIC, as a guest using the I/O APIC has one. */
	xapic_write(v, APIC_SPIV, 0x1ff);
	v->events = false;
	fake_serial_clear();
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

static void reg_write(uint32_t reg, uint32_t val)
{
	ioapic_mmio_write(vm, IOREGSEL, reg);
	ioapic_mmio_write(vm, IOWIN, val);
}

static uint32_t reg_read(uint32_t reg)
{
	ioapic_mmio_write(vm, IOREGSEL, reg);
	return ioapic_mmio_read(vm, IOWIN);
}

/* High half first, as guests do, so the entry is whole when unmasked. */
static void redir_set(unsigned int pin, uint64_t e)
{
	reg_write(REDTBL(pin) + 1, (uint32_t)(e >> 32));
	reg_write(REDTBL(pin), (uint32_t)e);
}

static uint64_t redir_get(unsigned int pin)
{
	return (uint64_t)reg_read(REDTBL(pin) + 1) << 32 |
	       reg_read(REDTBL(pin));
}

static bool bit_in(const uint32_t *reg256, unsigned int vector)
{
	return reg256[vector / 32] & (1u << (vector % 32));
}

static unsigned int irr_count(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(v->apic.irr); i++)
		n += (unsigned int)__builtin_popcount(v->apic.irr[i]);
	return n;
}

/*
 * A pulse on the pin alone: isa_irq_pulse() also drives the 8259, whose
 * model may kick the vCPU on its own.
 */
static void pulse(unsigned int pin)
{
	ioapic_set_irq(vm, pin, true);
	ioapic_set_irq(vm, pin, false);
}

/* The vCPU took everything pending: the I/O APIC sees none of this. */
static void vcpu_takes_all(void)
{
	memset(v->apic.irr, 0, sizeof(v->apic.irr));
	v->apic.nmi_pending = false;
	v->events = false;
}

/* --- registers ---------------------------------------------------------- */

static void test_id_version_arbitration(void **state)
{
	uint64_t val = 0;

	(void)state;
	assert_int_equal(reg_read(REG_ID), IOAPIC_RESET_ID << 24);
	assert_int_equal(reg_read(REG_VERSION), 0x00170020);
	assert_int_equal(reg_read(REG_ARB), IOAPIC_RESET_ID << 24);
	assert_int_equal(ioapic_mmio_read(vm, IOREGSEL), REG_ARB);

	/* Only bits 27:24 of the ID are kept; the arbitration ID follows. */
	reg_write(REG_ID, 0xffffffff);
	assert_int_equal(reg_read(REG_ID), 0x0f000000);
	assert_int_equal(reg_read(REG_ARB), 0x0f000000);
	reg_write(REG_ID, 0x05000000);
	assert_int_equal(reg_read(REG_ID), 0x05000000);
	assert_int_equal(reg_read(REG_ARB), 0x05000000);

	/* Version and arbitration are read-only. */
	reg_write(REG_VERSION, 0);
	reg_write(REG_ARB, 0);
	assert_int_equal(reg_read(REG_VERSION), 0x00170020);
	assert_int_equal(reg_read(REG_ARB), 0x05000000);

	/* IOREGSEL holds 8 bits; past the table reads 0. */
	ioapic_mmio_write(vm, IOREGSEL, 0x1234501);
	assert_int_equal(ioapic_mmio_read(vm, IOREGSEL), 0x01);
	assert_int_equal(reg_read(REDTBL(24)), 0);

	/* The same through the bus, as a guest's MMIO reaches it. */
	val = REG_VERSION;
	assert_true(
		mmio_device_access(v, IOAPIC_BASE + IOREGSEL, 4, true, &val));
	assert_true(mmio_device_access(v, IOAPIC_BASE + IOWIN, 4, false, &val));
	assert_int_equal(val, 0x00170020);
	assert_true(
		mmio_device_access(v, IOAPIC_BASE + IOWIN + 2, 2, false, &val));
	assert_int_equal(val & 0xffff, 0x0017);
}

static void test_reset_masks_every_entry(void **state)
{
	(void)state;
	for (unsigned int pin = 0; pin < IOAPIC_PINS; pin++)
		assert_int_equal(redir_get(pin), MASKED);
}

static void test_redirection_entry_bits(void **state)
{
	(void)state;
	redir_set(3, DEST(0x12) | MASKED | LEVEL | LOGICAL | DM_LOWEST | 0x45);
	assert_int_equal(redir_get(3), DEST(0x12) | MASKED | LEVEL | LOGICAL |
					       DM_LOWEST | 0x45);
	/* Each half alone leaves the other. */
	reg_write(REDTBL(3) + 1, 0x34000000);
	assert_int_equal(redir_get(3), DEST(0x34) | MASKED | LEVEL | LOGICAL |
					       DM_LOWEST | 0x45);

	/*
	 * All ones: delivery status (12) and remote IRR (14) stay clear,
	 * reserved 47:17 read 0.
	 */
	reg_write(REDTBL(5), 0xffffffff);
	reg_write(REDTBL(5) + 1, 0xffffffff);
	assert_int_equal(redir_get(5), 0xffff00000001afffULL);
	/* Other entries are untouched. */
	assert_int_equal(redir_get(4), MASKED);
	assert_int_equal(redir_get(6), MASKED);
}

/* Remote IRR is the model's: a write cannot clear it (or set it). */
static void test_remote_irr_is_read_only(void **state)
{
	(void)state;
	redir_set(7, LEVEL | 0x47);
	ioapic_set_irq(vm, 7, true);
	assert_true(redir_get(7) & REMOTE_IRR);
	reg_write(REDTBL(7), (uint32_t)(LEVEL | 0x47));
	assert_true(redir_get(7) & REMOTE_IRR);

	redir_set(8, LEVEL | MASKED | REMOTE_IRR | 0x48);
	assert_false(redir_get(8) & REMOTE_IRR);
}

/* --- edge-triggered ----------------------------------------------------- */

static void test_edge_on_masked_pin_is_lost(void **state)
{
	(void)state;
	redir_set(4, MASKED | 0x34);
	pulse(4);
	assert_int_equal(irr_count(), 0);
	assert_false(v->events);

	/* Unmasking after the edge does not bring it back. */
	redir_set(4, 0x34);
	assert_int_equal(irr_count(), 0);

	/* Raised while masked, unmasked while high: still no edge seen. */
	redir_set(4, MASKED | 0x34);
	ioapic_set_irq(vm, 4, true);
	redir_set(4, 0x34);
	assert_int_equal(irr_count(), 0);
	ioapic_set_irq(vm, 4, false);
	ioapic_set_irq(vm, 4, true);
	assert_true(bit_in(v->apic.irr, 0x34));
	assert_int_equal(irr_count(), 1);
}

static void test_edge_delivers_once_per_rising_edge(void **state)
{
	(void)state;
	redir_set(1, DEST(0) | DM_FIXED | 0x31);
	ioapic_set_irq(vm, 1, true);
	assert_true(bit_in(v->apic.irr, 0x31));
	assert_false(bit_in(v->apic.tmr, 0x31));
	assert_int_equal(irr_count(), 1);
	assert_true(v->events);
	assert_false(redir_get(1) & REMOTE_IRR);

	/* Staying high, or falling, is no new edge. */
	vcpu_takes_all();
	ioapic_set_irq(vm, 1, true);
	ioapic_set_irq(vm, 1, false);
	assert_int_equal(irr_count(), 0);
	assert_false(v->events);

	ioapic_set_irq(vm, 1, true);
	assert_true(bit_in(v->apic.irr, 0x31));

	/* An EOI has nothing to do with an edge entry. */
	vcpu_takes_all();
	ioapic_eoi(vm, 0x31);
	assert_int_equal(irr_count(), 0);
}

/* --- level-triggered ---------------------------------------------------- */

static void test_level_sets_remote_irr_until_eoi(void **state)
{
	(void)state;
	redir_set(10, LEVEL | 0x50);
	ioapic_set_irq(vm, 10, true);
	assert_true(bit_in(v->apic.irr, 0x50));
	assert_true(bit_in(v->apic.tmr, 0x50));
	assert_true(redir_get(10) & REMOTE_IRR);

	/* No new message while remote IRR is set, whatever the line does. */
	vcpu_takes_all();
	ioapic_set_irq(vm, 10, false);
	ioapic_set_irq(vm, 10, true);
	assert_int_equal(irr_count(), 0);
	assert_true(redir_get(10) & REMOTE_IRR);

	/* The EOI with the line still high: delivered again. */
	ioapic_eoi(vm, 0x50);
	assert_true(bit_in(v->apic.irr, 0x50));
	assert_int_equal(irr_count(), 1);
	assert_true(redir_get(10) & REMOTE_IRR);

	/* The device is serviced (line low): the EOI just ends it. */
	vcpu_takes_all();
	ioapic_set_irq(vm, 10, false);
	ioapic_eoi(vm, 0x50);
	assert_int_equal(irr_count(), 0);
	assert_false(redir_get(10) & REMOTE_IRR);

	/* Asserted again: delivered at once. */
	ioapic_set_irq(vm, 10, true);
	assert_true(bit_in(v->apic.irr, 0x50));
}

static void test_eoi_of_another_vector_leaves_remote_irr(void **state)
{
	(void)state;
	redir_set(11, LEVEL | 0x51);
	ioapic_set_irq(vm, 11, true);
	vcpu_takes_all();

	ioapic_eoi(vm, 0x52);
	ioapic_mmio_write(vm, EOIR, 0x50);
	assert_true(redir_get(11) & REMOTE_IRR);
	assert_int_equal(irr_count(), 0);

	/* The EOI register takes bits 7:0 as the vector. */
	ioapic_mmio_write(vm, EOIR, 0xffffff51);
	assert_true(bit_in(v->apic.irr, 0x51));
	assert_true(redir_get(11) & REMOTE_IRR);
}

static void test_unmasking_asserted_level_pin_delivers(void **state)
{
	(void)state;
	redir_set(12, MASKED | LEVEL | 0x52);
	ioapic_set_irq(vm, 12, true);
	assert_int_equal(irr_count(), 0);
	assert_false(redir_get(12) & REMOTE_IRR);

	redir_set(12, LEVEL | 0x52);
	assert_true(bit_in(v->apic.irr, 0x52));
	assert_true(redir_get(12) & REMOTE_IRR);

	/* Masked while waiting for its EOI: the EOI does not deliver. */
	vcpu_takes_all();
	redir_set(12, MASKED | LEVEL | 0x52);
	ioapic_eoi(vm, 0x52);
	assert_int_equal(irr_count(), 0);
	assert_false(redir_get(12) & REMOTE_IRR);

	/* Deasserted while masked: unmasking delivers nothing. */
	ioapic_set_irq(vm, 12, false);
	redir_set(12, LEVEL | 0x52);
	assert_int_equal(irr_count(), 0);
}

/* Turning an entry to edge ends its remote IRR (guests without an EOI reg). */
static void test_switch_to_edge_clears_remote_irr(void **state)
{
	(void)state;
	redir_set(13, LEVEL | 0x53);
	ioapic_set_irq(vm, 13, true);
	ioapic_set_irq(vm, 13, false);
	vcpu_takes_all();
	assert_true(redir_get(13) & REMOTE_IRR);

	redir_set(13, MASKED | 0x53);
	assert_false(redir_get(13) & REMOTE_IRR);
	redir_set(13, LEVEL | 0x53);
	assert_false(redir_get(13) & REMOTE_IRR);
	assert_int_equal(irr_count(), 0);
}

/* --- destinations and delivery modes ------------------------------------ */

static void test_destination_not_matching_delivers_nothing(void **state)
{
	(void)state;
	assert_int_equal(v->apic.id, 0);

	/* Physical APIC ID 5: no such vCPU. */
	redir_set(3, DEST(5) | 0x33);
	pulse(3);
	redir_set(9, DEST(5) | LEVEL | 0x39);
	ioapic_set_irq(vm, 9, true);
	assert_int_equal(irr_count(), 0);
	assert_false(v->apic.nmi_pending);
	assert_false(v->events);
	/* Nobody accepted the level message: no EOI will come for it. */
	assert_false(redir_get(9) & REMOTE_IRR);

	/* Redirected to the vCPU while still asserted: it arrives. */
	redir_set(9, DEST(0) | LEVEL | 0x39);
	assert_true(bit_in(v->apic.irr, 0x39));
	assert_true(redir_get(9) & REMOTE_IRR);

	/* Logical, flat model: the vCPU's logical ID is bit 0. */
	vcpu_takes_all();
	xapic_write(v, APIC_LDR, 0x01000000);
	redir_set(3, DEST(0x02) | LOGICAL | 0x33);
	pulse(3);
	assert_int_equal(irr_count(), 0);
	redir_set(3, DEST(0x01) | LOGICAL | 0x33);
	pulse(3);
	assert_true(bit_in(v->apic.irr, 0x33));

	/* Lowest priority reaches the one vCPU it names. */
	vcpu_takes_all();
	redir_set(3, DEST(0x03) | LOGICAL | DM_LOWEST | 0x43);
	pulse(3);
	assert_true(bit_in(v->apic.irr, 0x43));
	assert_int_equal(irr_count(), 1);
}

static void test_nmi_delivery_mode(void **state)
{
	(void)state;
	/* The trigger mode bit means nothing for NMI: no remote IRR. */
	redir_set(6, DM_NMI | LEVEL | 0x66);
	ioapic_set_irq(vm, 6, true);
	assert_true(v->apic.nmi_pending);
	assert_int_equal(irr_count(), 0);
	assert_false(redir_get(6) & REMOTE_IRR);

	/* An NMI is an edge: one per rising edge. */
	vcpu_takes_all();
	ioapic_set_irq(vm, 6, true);
	assert_false(v->apic.nmi_pending);
	ioapic_set_irq(vm, 6, false);
	ioapic_set_irq(vm, 6, true);
	assert_true(v->apic.nmi_pending);
}

static void test_smi_and_reserved_modes_send_nothing(void **state)
{
	(void)state;
	redir_set(5, DM_SMI | 0x55);
	pulse(5);
	redir_set(5, DM_RESERVED3 | 0x55);
	pulse(5);
	assert_int_equal(irr_count(), 0);
	assert_false(v->apic.nmi_pending);
	assert_false(v->events);
}

/* --- ISA routing -------------------------------------------------------- */

static void test_isa_irq0_reaches_pin2(void **state)
{
	(void)state;
	redir_set(0, 0x30);
	redir_set(2, 0x32);
	isa_irq_pulse(vm, 0);
	assert_true(bit_in(v->apic.irr, 0x32));
	assert_false(bit_in(v->apic.irr, 0x30));
	assert_int_equal(irr_count(), 1);

	/* Other ISA IRQs keep their number. */
	vcpu_takes_all();
	redir_set(1, 0x31);
	isa_irq_pulse(vm, 1);
	assert_true(bit_in(v->apic.irr, 0x31));
	assert_int_equal(irr_count(), 1);

	/* Beyond the ISA IRQs and the pins: ignored, nothing written. */
	isa_irq_set(vm, 16, true);
	ioapic_set_irq(vm, IOAPIC_PINS, true);
	assert_int_equal(irr_count(), 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_id_version_arbitration),
		T(test_reset_masks_every_entry),
		T(test_redirection_entry_bits),
		T(test_remote_irr_is_read_only),
		T(test_edge_on_masked_pin_is_lost),
		T(test_edge_delivers_once_per_rising_edge),
		T(test_level_sets_remote_irr_until_eoi),
		T(test_eoi_of_another_vector_leaves_remote_irr),
		T(test_unmasking_asserted_level_pin_delivers),
		T(test_switch_to_edge_clears_remote_irr),
		T(test_destination_not_matching_delivers_nothing),
		T(test_nmi_delivery_mode),
		T(test_smi_and_reserved_modes_send_nothing),
		T(test_isa_irq0_reaches_pin2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
