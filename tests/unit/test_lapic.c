// SPDX-License-Identifier: MIT
/*
 * The guest's local APIC (core/dev/dev_lapic.c) as a guest programs it:
 * the xAPIC registers, the x2APIC MSRs and IA32_APIC_BASE, messages from
 * outside through lapic_deliver(), and what the backends' injection asks
 * of it (irq_pending, irq_acknowledge). The timer runs on the fake device
 * clock: tsc_hz() is 1 GHz hosted and the APIC bus clock is 1 GHz, so
 * with divide-by-1 one count is one tick of fake_now. The register
 * values expected here are written out from the SDM (vol. 3, chapter 11)
 * rather than taken from the model.
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
#include "tests/unit/fake_clock.h"
#include "tests/unit/fake_host_irq.h"
#include "tests/unit/fake_serial.h"
#include "tests/unit/stub_vcpu.h"

/* Hosted: core/vm/backend.c (which picks a real backend) is not linked. */
const struct vm_backend *vm_backend;

#define START 1000000ULL /* fake_now at the start of every test */

/* LVT and ICR fields (SDM vol. 3, figures 11-8 and 11-12). */
#define MASKED 0x10000u
#define ONESHOT 0x00000u
#define PERIODIC 0x20000u
#define TSC_DEADLINE 0x40000u
#define DM_NMI 0x400u
#define DM_EXTINT 0x700u
#define DM_LOWEST 0x100u
#define DM_INIT 0x500u
#define DM_SIPI 0x600u
#define ICR_LOGICAL 0x800u
#define ICR_ASSERT 0x4000u
#define ICR_LEVEL 0x8000u
#define ICR_SELF (1u << 18)
#define ICR_ALL_INCL_SELF (2u << 18)
#define ICR_ALL_EXCL_SELF (3u << 18)
#define ESR_SEND_ILLEGAL 0x20u
#define ESR_RECV_ILLEGAL 0x40u

/* IA32_APIC_BASE: the xAPIC page, BSP, EXTD (10), EN (11). */
#define BASE_XAPIC 0xfee00900ULL
#define BASE_X2APIC 0xfee00d00ULL
#define BASE_DISABLED 0xfee00100ULL

/* x2APIC MSRs: 0x800 + offset / 16 (SDM vol. 3, table 11-6). */
#define X2(offset) (0x800u + (offset) / 16)

/* I/O APIC (82093AA): IOREGSEL, IOWIN, redirection entry fields. */
#define IOREGSEL 0x00
#define IOWIN 0x10
#define REDTBL(pin) (0x10 + 2 * (pin))
#define RTE_REMOTE_IRR (1u << 14)
#define RTE_LEVEL (1u << 15)

static struct vm *vm;
static struct vcpu *v;

static int setup(void **state)
{
	(void)state;
	fake_now = START;
	vm = stub_vm_create("lapic", MiB(2), 0x1000);
	v = &vm->vcpus[0];
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

static uint32_t rd(unsigned int offset)
{
	return xapic_read(v, offset);
}

static void wr(unsigned int offset, uint32_t val)
{
	xapic_write(v, offset, val);
}

/* Software-enable the APIC, spurious vector 0xff, as every guest does. */
static void enable(void)
{
	wr(APIC_SPIV, 0x1ff);
	v->events = false;
}

/* Bit `vector` of the 256-bit register at `base` (ISR, TMR, IRR), read. */
static bool reg_bit(unsigned int base, unsigned int vector)
{
	return rd(base + vector / 32 * 0x10) & (1u << (vector % 32));
}

static bool in_irr(unsigned int vector)
{
	return reg_bit(APIC_IRR, vector);
}

static bool in_isr(unsigned int vector)
{
	return reg_bit(APIC_ISR, vector);
}

static bool in_tmr(unsigned int vector)
{
	return reg_bit(APIC_TMR, vector);
}

static unsigned int bits_set(unsigned int base)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < 8; i++)
		n += (unsigned int)__builtin_popcount(rd(base + i * 0x10));
	return n;
}

/* What an injection does: the pending vector, acknowledged. */
static int take(void)
{
	int irq = irq_pending(v);

	if (irq >= 0)
		irq_acknowledge(v, irq);
	return irq;
}

/* The ESR as software reads it: written first, then read (11.5.3). */
static uint32_t esr(void)
{
	wr(APIC_ESR, 0);
	return rd(APIC_ESR);
}

static void to_x2apic(void)
{
	assert_int_equal(apic_base_write(v, BASE_X2APIC), 0);
}

static uint64_t x2rd(unsigned int offset)
{
	uint64_t val = 0xdeadbeef;

	assert_int_equal(x2apic_msr_read(v, X2(offset), &val), 0);
	return val;
}

/* --- reset and enabling -------------------------------------------------- */

static void test_reset_state(void **state)
{
	(void)state;
	assert_int_equal(apic_base_read(v), BASE_XAPIC);
	assert_int_equal(rd(APIC_ID), 0);
	assert_int_equal(rd(APIC_VERSION), 0x00050014);
	assert_int_equal(rd(APIC_SPIV), 0xff);
	assert_int_equal(rd(APIC_TPR), 0);
	assert_int_equal(rd(APIC_PPR), 0);
	assert_int_equal(rd(APIC_LDR), 0);
	assert_int_equal(rd(APIC_DFR), 0xffffffff);
	/* Virtual wire (MP spec 3.6.2.2): LINT0 ExtINT, LINT1 NMI. */
	assert_int_equal(rd(APIC_LVT_LINT0), 0x700);
	assert_int_equal(rd(APIC_LVT_LINT1), 0x400);
	assert_int_equal(rd(APIC_LVT_TIMER), MASKED);
	assert_int_equal(rd(APIC_LVT_THERMAL), MASKED);
	assert_int_equal(rd(APIC_LVT_PERF), MASKED);
	assert_int_equal(rd(APIC_LVT_ERROR), MASKED);
	assert_int_equal(bits_set(APIC_ISR), 0);
	assert_int_equal(bits_set(APIC_TMR), 0);
	assert_int_equal(bits_set(APIC_IRR), 0);
	assert_int_equal(rd(APIC_ESR), 0);
	assert_int_equal(rd(APIC_TIMER_INITIAL), 0);
	assert_int_equal(rd(APIC_TIMER_CURRENT), 0);
	assert_int_equal(rd(APIC_TIMER_DIVIDE), 0);
	assert_int_equal(vcpu_timer_next(v), 0);
	assert_int_equal(irq_pending(v), -1);
	assert_false(v->apic.nmi_pending);
}

/* 11.4.7.2: a software-disabled APIC refuses fixed interrupts, not NMIs. */
static void test_sw_disabled_drops_fixed_keeps_nmi(void **state)
{
	(void)state;
	lapic_deliver(v, APIC_DM_FIXED, 0x40, false);
	lapic_deliver(v, APIC_DM_LOWEST, 0x41, false);
	assert_int_equal(bits_set(APIC_IRR), 0);
	assert_int_equal(irq_pending(v), -1);
	assert_false(v->events);

	lapic_deliver(v, APIC_DM_NMI, 0, false);
	assert_true(v->apic.nmi_pending);
	assert_true(v->events);

	enable();
	lapic_deliver(v, APIC_DM_FIXED, 0x40, false);
	assert_true(in_irr(0x40));
	assert_true(v->events);
	assert_int_equal(irq_pending(v), 0x40);
}

/* A hardware-disabled APIC (IA32_APIC_BASE.EN = 0) takes nothing. */
static void test_hw_disabled_takes_nothing(void **state)
{
	(void)state;
	enable();
	assert_int_equal(apic_base_write(v, BASE_DISABLED), 0);
	lapic_deliver(v, APIC_DM_FIXED, 0x40, false);
	lapic_deliver(v, APIC_DM_NMI, 0, false);
	assert_int_equal(bits_set(APIC_IRR), 0);
	assert_false(v->apic.nmi_pending);
}

/* 11.4.7.2: software disable sets every LVT mask, and they stay set. */
static void test_spiv_disable_masks_lvts(void **state)
{
	static const unsigned int lvts[] = {
		APIC_LVT_TIMER, APIC_LVT_THERMAL, APIC_LVT_PERF,
		APIC_LVT_LINT0, APIC_LVT_LINT1,	  APIC_LVT_ERROR,
	};

	(void)state;
	enable();
	for (unsigned int i = 0; i < ARRAY_SIZE(lvts); i++)
		wr(lvts[i], 0x30 + i);
	for (unsigned int i = 0; i < ARRAY_SIZE(lvts); i++)
		assert_int_equal(rd(lvts[i]), 0x30 + i);

	wr(APIC_SPIV, 0xff);
	assert_int_equal(rd(APIC_SPIV), 0xff);
	for (unsigned int i = 0; i < ARRAY_SIZE(lvts); i++)
		assert_int_equal(rd(lvts[i]), MASKED | (0x30 + i));

	/* Writes while disabled keep the mask, whatever they say. */
	wr(APIC_LVT_ERROR, 0x3e);
	wr(APIC_LVT_LINT0, DM_EXTINT);
	assert_int_equal(rd(APIC_LVT_ERROR), MASKED | 0x3e);
	assert_int_equal(rd(APIC_LVT_LINT0), MASKED | DM_EXTINT);

	/* Enabling again does not unmask; a write after it does. */
	enable();
	assert_int_equal(rd(APIC_LVT_ERROR), MASKED | 0x3e);
	wr(APIC_LVT_ERROR, 0x3e);
	assert_int_equal(rd(APIC_LVT_ERROR), 0x3e);
}

/* Read-only LVT bits: delivery status (12) and remote IRR (14). */
static void test_lvt_writable_bits(void **state)
{
	(void)state;
	enable();
	wr(APIC_LVT_LINT0, 0xffffffff);
	assert_int_equal(rd(APIC_LVT_LINT0), 0x1a7ff);
	wr(APIC_LVT_ERROR, 0xffffffff);
	assert_int_equal(rd(APIC_LVT_ERROR), 0x100ff);
	wr(APIC_LVT_THERMAL, 0xffffffff);
	assert_int_equal(rd(APIC_LVT_THERMAL), 0x107ff);
}

/* --- IRR, ISR, TMR and priority ----------------------------------------- */

static void test_irr_isr_tmr_readback(void **state)
{
	static const struct {
		uint8_t vector;
		bool level;
	} sent[] = {{0x10, false}, {0x21, true}, {0x5f, false}, {0x60, true},
		    {0x9e, false}, {0xc3, true}, {0xe0, false}, {0xff, true}};
	uint32_t irr[8] = {0}, tmr[8] = {0};

	(void)state;
	enable();
	for (unsigned int i = 0; i < ARRAY_SIZE(sent); i++) {
		lapic_deliver(v, APIC_DM_FIXED, sent[i].vector, sent[i].level);
		irr[sent[i].vector / 32] |= 1u << (sent[i].vector % 32);
		if (sent[i].level)
			tmr[sent[i].vector / 32] |= 1u << (sent[i].vector % 32);
	}
	for (unsigned int i = 0; i < 8; i++) {
		assert_int_equal(rd(APIC_IRR + i * 0x10), irr[i]);
		assert_int_equal(rd(APIC_TMR + i * 0x10), tmr[i]);
		assert_int_equal(rd(APIC_ISR + i * 0x10), 0);
	}

	/* The acknowledge moves the highest from IRR to ISR; TMR stays. */
	assert_int_equal(take(), 0xff);
	assert_false(in_irr(0xff));
	assert_true(in_isr(0xff));
	assert_true(in_tmr(0xff));
	assert_int_equal(rd(APIC_ISR + 7 * 0x10), 0x80000000);
	assert_int_equal(bits_set(APIC_ISR), 1);
	assert_int_equal(bits_set(APIC_IRR), ARRAY_SIZE(sent) - 1);

	/* An edge message for a vector clears its TMR bit again. */
	lapic_deliver(v, APIC_DM_FIXED, 0x21, false);
	assert_false(in_tmr(0x21));
	assert_true(in_irr(0x21));
}

/* 11.8.3.1: PPR is TPR, or the class of the highest ISR vector. */
static void test_ppr_from_tpr_and_isr(void **state)
{
	(void)state;
	enable();
	wr(APIC_TPR, 0x35);
	assert_int_equal(rd(APIC_TPR), 0x35);
	assert_int_equal(rd(APIC_PPR), 0x35);

	wr(APIC_TPR, 0);
	lapic_deliver(v, APIC_DM_FIXED, 0x51, false);
	assert_int_equal(take(), 0x51);
	assert_int_equal(rd(APIC_PPR), 0x50);
	/* The same class in TPR: PPR is TPR, low bits and all. */
	wr(APIC_TPR, 0x5c);
	assert_int_equal(rd(APIC_PPR), 0x5c);
	wr(APIC_TPR, 0x4f);
	assert_int_equal(rd(APIC_PPR), 0x50);
	wr(APIC_TPR, 0x62);
	assert_int_equal(rd(APIC_PPR), 0x62);
	/* TPR keeps bits 7:0 only. */
	wr(APIC_TPR, 0xffffff12);
	assert_int_equal(rd(APIC_TPR), 0x12);
	wr(APIC_EOI, 0);
	assert_int_equal(rd(APIC_PPR), 0x12);
}

/* An IRR vector is presented only when its class is above PPR's. */
static void test_irq_pending_honours_ppr(void **state)
{
	(void)state;
	enable();
	wr(APIC_TPR, 0x40);
	lapic_deliver(v, APIC_DM_FIXED, 0x45, false);
	lapic_deliver(v, APIC_DM_FIXED, 0x4f, false);
	lapic_deliver(v, APIC_DM_FIXED, 0x3f, false);
	assert_int_equal(irq_pending(v), -1);
	lapic_deliver(v, APIC_DM_FIXED, 0x50, false);
	assert_int_equal(irq_pending(v), 0x50);

	/* An in-service vector blocks its own class and those below. */
	wr(APIC_TPR, 0);
	assert_int_equal(take(), 0x50);
	assert_int_equal(irq_pending(v), -1);
	lapic_deliver(v, APIC_DM_FIXED, 0x5a, false);
	assert_int_equal(irq_pending(v), -1);
	lapic_deliver(v, APIC_DM_FIXED, 0x61, false);
	assert_int_equal(irq_pending(v), 0x61);

	/* TPR 0xf0 blocks everything; nothing is lost. */
	wr(APIC_TPR, 0xf0);
	lapic_deliver(v, APIC_DM_FIXED, 0xfe, false);
	assert_int_equal(irq_pending(v), -1);
	wr(APIC_TPR, 0xe0);
	assert_int_equal(irq_pending(v), 0xfe);
}

static void test_two_pending_highest_first(void **state)
{
	(void)state;
	enable();
	lapic_deliver(v, APIC_DM_FIXED, 0x30, false);
	lapic_deliver(v, APIC_DM_FIXED, 0x80, false);
	assert_int_equal(take(), 0x80);
	/* 0x30 now waits for the EOI of 0x80. */
	assert_int_equal(irq_pending(v), -1);
	wr(APIC_EOI, 0);
	assert_int_equal(take(), 0x30);
	wr(APIC_EOI, 0);

	/* Within one class too: the higher vector first. */
	lapic_deliver(v, APIC_DM_FIXED, 0x81, false);
	lapic_deliver(v, APIC_DM_FIXED, 0x8f, false);
	assert_int_equal(take(), 0x8f);
	assert_int_equal(irq_pending(v), -1);
	wr(APIC_EOI, 0);
	assert_int_equal(take(), 0x81);
	assert_int_equal(bits_set(APIC_IRR), 0);
}

/* EOI ends the highest in-service vector only (11.8.5). */
static void test_eoi_clears_highest_isr(void **state)
{
	(void)state;
	enable();
	lapic_deliver(v, APIC_DM_FIXED, 0x30, false);
	assert_int_equal(take(), 0x30);
	lapic_deliver(v, APIC_DM_FIXED, 0x80, false);
	assert_int_equal(take(), 0x80); /* nested */
	assert_true(in_isr(0x30) && in_isr(0x80));

	v->events = false;
	wr(APIC_EOI, 0);
	assert_false(in_isr(0x80));
	assert_true(in_isr(0x30));
	assert_int_equal(rd(APIC_PPR), 0x30);
	assert_true(v->events); /* a lower vector may now get through */
	wr(APIC_EOI, 0);
	assert_int_equal(bits_set(APIC_ISR), 0);
	assert_int_equal(rd(APIC_PPR), 0);
	/* Nothing in service: nothing happens. */
	wr(APIC_EOI, 0);
	assert_int_equal(bits_set(APIC_ISR), 0);
}

static void ioapic_reg_write(uint32_t reg, uint32_t val)
{
	ioapic_mmio_write(vm, IOREGSEL, reg);
	ioapic_mmio_write(vm, IOWIN, val);
}

static uint32_t ioapic_reg_read(uint32_t reg)
{
	ioapic_mmio_write(vm, IOREGSEL, reg);
	return ioapic_mmio_read(vm, IOWIN);
}

/* A level vector's EOI reaches the I/O APIC: remote IRR clears (11.8.5). */
static void test_eoi_level_reaches_ioapic(void **state)
{
	(void)state;
	enable();
	/* Pin 5: vector 0x65, fixed, physical to APIC 0, level, unmasked. */
	ioapic_reg_write(REDTBL(5) + 1, 0);
	ioapic_reg_write(REDTBL(5), RTE_LEVEL | 0x65);
	ioapic_set_irq(vm, 5, true);
	assert_true(in_irr(0x65));
	assert_true(in_tmr(0x65));
	assert_true(ioapic_reg_read(REDTBL(5)) & RTE_REMOTE_IRR);
	ioapic_set_irq(vm, 5, false); /* the device was serviced */

	assert_int_equal(take(), 0x65);
	/* An edge vector above it: its EOI is the LAPIC's alone. */
	lapic_deliver(v, APIC_DM_FIXED, 0x90, false);
	assert_int_equal(take(), 0x90);
	wr(APIC_EOI, 0);
	assert_true(in_isr(0x65));
	assert_true(ioapic_reg_read(REDTBL(5)) & RTE_REMOTE_IRR);

	wr(APIC_EOI, 0);
	assert_false(in_isr(0x65));
	assert_false(ioapic_reg_read(REDTBL(5)) & RTE_REMOTE_IRR);
	assert_false(in_irr(0x65)); /* the line is low: no new message */

	/*
	 * TMR follows the last message accepted for the vector: an edge
	 * message for a level pin's vector is ended by the LAPIC alone.
	 */
	ioapic_reg_write(REDTBL(6) + 1, 0);
	ioapic_reg_write(REDTBL(6), RTE_LEVEL | 0x96);
	ioapic_set_irq(vm, 6, true);
	ioapic_set_irq(vm, 6, false);
	assert_true(ioapic_reg_read(REDTBL(6)) & RTE_REMOTE_IRR);
	wr(APIC_ICR_LO, ICR_SELF | 0x96);
	assert_false(in_tmr(0x96));
	assert_int_equal(take(), 0x96);
	wr(APIC_EOI, 0);
	assert_true(ioapic_reg_read(REDTBL(6)) & RTE_REMOTE_IRR);
}

/* --- ESR and the error LVT ---------------------------------------------- */

static void test_esr_send_illegal_self_ipi(void **state)
{
	(void)state;
	enable();
	wr(APIC_ICR_LO, ICR_SELF | 0x05);
	assert_int_equal(bits_set(APIC_IRR), 0);
	/* Latched: the register shows it only after the next write. */
	assert_int_equal(rd(APIC_ESR), 0);
	wr(APIC_ESR, 0);
	assert_int_equal(rd(APIC_ESR), ESR_SEND_ILLEGAL);
	assert_int_equal(rd(APIC_ESR), ESR_SEND_ILLEGAL);
	/* That write also cleared it: the next one reads 0. */
	assert_int_equal(esr(), 0);
}

static void test_esr_recv_illegal_deliver(void **state)
{
	(void)state;
	enable();
	lapic_deliver(v, APIC_DM_FIXED, 15, false);
	assert_int_equal(bits_set(APIC_IRR), 0);
	assert_int_equal(rd(APIC_ESR), 0);
	assert_int_equal(esr(), ESR_RECV_ILLEGAL);
	/* Vector 16 is legal. */
	lapic_deliver(v, APIC_DM_FIXED, 16, false);
	assert_true(in_irr(16));
	assert_int_equal(esr(), 0);
	/* Both errors before one write: both bits. */
	lapic_deliver(v, APIC_DM_FIXED, 0, false);
	wr(APIC_ICR_LO, ICR_SELF | 0x01);
	assert_int_equal(esr(), ESR_SEND_ILLEGAL | ESR_RECV_ILLEGAL);
}

static void test_error_lvt_delivers(void **state)
{
	(void)state;
	enable();
	/* Masked (its reset state): the error is only latched. */
	wr(APIC_ICR_LO, ICR_SELF | 0x02);
	assert_int_equal(bits_set(APIC_IRR), 0);
	assert_int_equal(esr(), ESR_SEND_ILLEGAL);

	wr(APIC_LVT_ERROR, 0x3e);
	wr(APIC_ICR_LO, ICR_SELF | 0x02);
	assert_true(in_irr(0x3e));
	assert_false(in_tmr(0x3e));
	assert_int_equal(bits_set(APIC_IRR), 1);
	assert_int_equal(esr(), ESR_SEND_ILLEGAL);
}

/* --- ICR ----------------------------------------------------------------- */

static void test_icr_self_fixed(void **state)
{
	(void)state;
	enable();
	wr(APIC_ICR_LO, ICR_SELF | 0x55);
	assert_true(in_irr(0x55));
	assert_false(in_tmr(0x55));
	assert_true(v->events);
	/* Delivered at once: the delivery status reads idle. */
	assert_int_equal(rd(APIC_ICR_LO) & (1u << 12), 0);
	assert_int_equal(rd(APIC_ICR_LO), ICR_SELF | 0x55);

	/* No shorthand, physical destination = this APIC's ID (0). */
	wr(APIC_ICR_HI, 0x00000000);
	wr(APIC_ICR_LO, 0x56);
	assert_true(in_irr(0x56));
	/* All including self. */
	wr(APIC_ICR_LO, ICR_ALL_INCL_SELF | 0x57);
	assert_true(in_irr(0x57));
	/* All excluding self: nobody here. */
	wr(APIC_ICR_LO, ICR_ALL_EXCL_SELF | 0x58);
	assert_false(in_irr(0x58));
	/* ICR high keeps the destination field only. */
	wr(APIC_ICR_HI, 0xffffffff);
	assert_int_equal(rd(APIC_ICR_HI), 0xff000000);
}

static void test_icr_nmi(void **state)
{
	(void)state;
	enable();
	wr(APIC_ICR_LO, ICR_SELF | DM_NMI);
	assert_true(v->apic.nmi_pending);
	assert_int_equal(bits_set(APIC_IRR), 0);
	assert_int_equal(irq_pending(v), -1);
	/* The vector field means nothing for an NMI: no ESR error. */
	assert_int_equal(esr(), 0);
}

static void test_icr_other_apic_dropped(void **state)
{
	const char *p;
	unsigned int lines = 0;

	(void)state;
	enable();
	wr(APIC_ICR_HI, 0x01000000);
	wr(APIC_ICR_LO, 0x60);
	wr(APIC_ICR_LO, DM_NMI);
	assert_int_equal(bits_set(APIC_IRR), 0);
	assert_false(v->apic.nmi_pending);
	assert_true(fake_serial_contains("IPI fixed vector 0x60 to 0x1"));
	assert_true(fake_serial_contains("IPI NMI"));

	/* A guest sending IPIs in a loop: a bounded number of lines. */
	for (unsigned int i = 0; i < 100; i++)
		wr(APIC_ICR_LO, 0x61);
	for (p = fake_serial_output(); (p = strstr(p, "dropped")); p++)
		lines++;
	assert_int_equal(lines, 8);
	assert_true(fake_serial_contains("no more logged"));
	assert_int_equal(bits_set(APIC_IRR), 0);

	/* Nor when it resets its APIC in between (11.4.3 keeps the ID). */
	fake_serial_clear();
	for (unsigned int i = 0; i < 10; i++) {
		assert_int_equal(apic_base_write(v, BASE_DISABLED), 0);
		assert_int_equal(apic_base_write(v, BASE_XAPIC), 0);
		enable();
		wr(APIC_ICR_HI, 0x01000000);
		wr(APIC_ICR_LO, 0x61);
	}
	assert_false(fake_serial_contains("dropped"));
}

/*
 * The xAPIC ID is writable (APM vol. 2, 16.3.3) and physical destinations
 * follow it, two vCPUs given one ID both included; x2APIC's is read-only.
 */
static void test_xapic_id_write(void **state)
{
	(void)state;
	wr(APIC_ID, 0x5a000000);
	assert_int_equal(rd(APIC_ID), 0x5a000000);
	assert_true(lapic_match_dest(v, 0x5a, false));
	assert_false(lapic_match_dest(v, 0, false));
	to_x2apic();
	assert_int_equal(x2rd(APIC_ID), 0);
	assert_int_equal(x2apic_msr_write(v, X2(APIC_ID), 7), -1);
}

/* SDM vol. 3, 11.4.4: the base moves to any page below MAXPHYADDR. */
static void test_apic_base_relocation(void **state)
{
	uint64_t moved = 0xfed40000ULL | APIC_BASE_EN | APIC_BASE_BSP;

	(void)state;
	v->vm->cpu.ext[8].eax = 39;
	assert_int_equal(apic_base_write(v, moved), 0);
	assert_int_equal(apic_base_read(v), moved);
	assert_int_equal(xapic_mmio_base(v), 0xfed40000ULL);
	/* Bit 39 is beyond a 39-bit MAXPHYADDR, bit 38 is not. */
	assert_int_equal(apic_base_write(v, moved | (1ULL << 39)), -1);
	assert_int_equal(apic_base_read(v), moved);
	assert_int_equal(apic_base_write(v, moved | (1ULL << 38)), 0);
	assert_int_equal(xapic_mmio_base(v), 0x40fed40000ULL);
	/* Without CPUID's figure MAXPHYADDR is 36. */
	v->vm->cpu.ext[8].eax = 0;
	assert_int_equal(apic_base_write(v, moved | (1ULL << 36)), -1);
	assert_int_equal(apic_base_write(v, BASE_XAPIC), 0);
	assert_int_equal(xapic_mmio_base(v), XAPIC_BASE);
}

/* --- x2APIC -------------------------------------------------------------- */

/* SDM vol. 3, 11.12.5, figure "x2APIC State Transitions". */
static void test_apic_base_transitions(void **state)
{
	uint64_t val;

	(void)state;
	/* x2APIC registers exist only in x2APIC mode. */
	assert_int_equal(x2apic_msr_read(v, X2(APIC_VERSION), &val), -1);
	assert_int_equal(x2apic_msr_write(v, X2(APIC_TPR), 0), -1);

	/* EXTD without EN, reserved bits: refused. */
	assert_int_equal(apic_base_write(v, 0xfee00500ULL), -1);
	assert_int_equal(apic_base_write(v, BASE_XAPIC | (1ULL << 9)), -1);
	assert_int_equal(apic_base_write(v, BASE_XAPIC | 1), -1);
	assert_int_equal(apic_base_read(v), BASE_XAPIC);

	to_x2apic();
	assert_int_equal(apic_base_read(v), BASE_X2APIC);
	assert_int_equal(x2rd(APIC_VERSION), 0x00050014);
	/* x2APIC straight back to xAPIC: refused. */
	assert_int_equal(apic_base_write(v, BASE_XAPIC), -1);
	assert_int_equal(apic_base_read(v), BASE_X2APIC);
	/* Disabling is the way out; it resets all, the ID too (11.4.7.1). */
	v->apic.id = 3;
	assert_int_equal(x2apic_msr_write(v, X2(APIC_SPIV), 0x1ff), 0);
	assert_int_equal(x2apic_msr_write(v, X2(APIC_TPR), 0x20), 0);
	lapic_deliver(v, APIC_DM_FIXED, 0x40, false);
	assert_true(in_irr(0x40));
	assert_int_equal(apic_base_write(v, BASE_DISABLED), 0);
	assert_int_equal(apic_base_read(v), BASE_DISABLED);
	assert_int_equal(rd(APIC_ID), 0);
	assert_int_equal(rd(APIC_SPIV), 0xff);
	assert_int_equal(rd(APIC_TPR), 0);
	assert_false(in_irr(0x40));
	assert_int_equal(rd(APIC_LVT_LINT0), MASKED);
	assert_int_equal(rd(APIC_LVT_LINT1), MASKED);
	/* Disabled straight to x2APIC: refused; via xAPIC: fine. */
	assert_int_equal(apic_base_write(v, BASE_X2APIC), -1);
	assert_int_equal(apic_base_write(v, BASE_XAPIC), 0);
	to_x2apic();
	/* The BSP flag stays whatever the guest writes. */
	assert_int_equal(apic_base_write(v, BASE_X2APIC & ~(1ULL << 8)), 0);
	assert_int_equal(apic_base_read(v), BASE_X2APIC);
}

/* 11.12.10.2: the logical ID is derived from the x2APIC ID. */
static void test_x2apic_id_and_ldr(void **state)
{
	(void)state;
	v->apic.id = 0x23;
	assert_int_equal(rd(APIC_ID), 0x23000000);
	/* x2APIC mode has the initial APIC ID, the vCPU's index (0 here). */
	to_x2apic();
	assert_int_equal(x2rd(APIC_ID), 0);
	v->apic.id = 0x23;
	assert_int_equal(x2rd(APIC_ID), 0x23);
	assert_int_equal(x2rd(APIC_LDR), (2u << 16) | (1u << 3));
	v->apic.id = 0;
	assert_int_equal(x2rd(APIC_LDR), 1);
	/* Destination matching in x2APIC mode: 32-bit physical, clusters. */
	v->apic.id = 0x23;
	assert_true(lapic_match_dest(v, 0x23, false));
	assert_false(lapic_match_dest(v, 0x123, false));
	assert_true(lapic_match_dest(v, 0xffffffff, false));
	assert_true(lapic_match_dest(v, 0x20008, true));
	assert_false(lapic_match_dest(v, 0x10008, true));
	assert_false(lapic_match_dest(v, 0x20004, true));
}

/* 11.12.9: 0xffffffff is a broadcast in both destination modes. */
static void test_x2apic_logical_broadcast(void **state)
{
	(void)state;
	v->apic.id = 0x23;
	to_x2apic();
	assert_int_equal(x2apic_msr_write(v, X2(APIC_SPIV), 0x1ff), 0);
	assert_true(lapic_match_dest(v, 0xffffffff, true));
	assert_int_equal(
		x2apic_msr_write(v, X2(APIC_ICR_LO),
				 (0xffffffffULL << 32) | (1u << 11) | 0x74),
		0);
	assert_true(in_irr(0x74));
}

static void test_xapic_dest_matching(void **state)
{
	(void)state;
	v->apic.id = 2;
	assert_true(lapic_match_dest(v, 2, false));
	assert_true(lapic_match_dest(v, 0xff, false));
	assert_false(lapic_match_dest(v, 3, false));
	/* Flat logical: LDR bits 31:24 against the destination byte. */
	wr(APIC_LDR, 0x04000000);
	assert_int_equal(rd(APIC_LDR), 0x04000000);
	assert_true(lapic_match_dest(v, 0x0c, true));
	assert_false(lapic_match_dest(v, 0x03, true));
	/* Cluster: cluster 7:4, members 3:0. */
	wr(APIC_DFR, 0x0fffffff);
	assert_int_equal(rd(APIC_DFR), 0x0fffffff);
	wr(APIC_LDR, 0x32000000);
	assert_true(lapic_match_dest(v, 0x36, true));
	assert_false(lapic_match_dest(v, 0x26, true));
	assert_false(lapic_match_dest(v, 0x35, true));
	assert_true(lapic_match_dest(v, 0xff, true));
}

static void test_x2apic_self_ipi(void **state)
{
	uint64_t val;

	(void)state;
	to_x2apic();
	assert_int_equal(x2apic_msr_write(v, X2(APIC_SPIV), 0x1ff), 0);
	assert_int_equal(x2apic_msr_write(v, X2(APIC_SELF_IPI), 0x61), 0);
	assert_true(in_irr(0x61));
	assert_false(in_tmr(0x61));
	assert_int_equal(x2rd(APIC_IRR + 0x30), 1u << 1);
	/* Bits 63:8 are reserved; the register is write-only. */
	assert_int_equal(x2apic_msr_write(v, X2(APIC_SELF_IPI), 0x161), -1);
	assert_int_equal(x2apic_msr_read(v, X2(APIC_SELF_IPI), &val), -1);
	/* An illegal vector is a send error. */
	assert_int_equal(x2apic_msr_write(v, X2(APIC_SELF_IPI), 5), 0);
	assert_int_equal(x2apic_msr_write(v, X2(APIC_ESR), 0), 0);
	assert_int_equal(x2rd(APIC_ESR), ESR_SEND_ILLEGAL);
}

/* 11.12.1.2: EOI and ESR take 0 only; read-only registers refuse. */
static void test_x2apic_gp_rules(void **state)
{
	static const unsigned int read_only[] = {
		APIC_ID,	 APIC_VERSION,	     APIC_PPR,
		APIC_LDR,	 APIC_TIMER_CURRENT, APIC_ISR,
		APIC_ISR + 0x70, APIC_TMR,	     APIC_IRR,
		APIC_IRR + 0x70,
	};
	/* No x2APIC form: ICR high (0x831), DFR (0x83e), APR, CMCI. */
	static const unsigned int absent[] = {APIC_ICR_HI, APIC_DFR, APIC_APR,
					      APIC_LVT_CMCI};
	uint64_t val;

	(void)state;
	to_x2apic();
	assert_int_equal(x2apic_msr_write(v, X2(APIC_SPIV), 0x1ff), 0);
	lapic_deliver(v, APIC_DM_FIXED, 0x40, false);
	assert_int_equal(take(), 0x40);
	assert_int_equal(x2apic_msr_write(v, X2(APIC_EOI), 1), -1);
	assert_true(in_isr(0x40));
	assert_int_equal(x2apic_msr_write(v, X2(APIC_EOI), 0), 0);
	assert_false(in_isr(0x40));
	assert_int_equal(x2apic_msr_read(v, X2(APIC_EOI), &val), -1);
	assert_int_equal(x2apic_msr_write(v, X2(APIC_ESR), 2), -1);
	assert_int_equal(x2apic_msr_write(v, X2(APIC_ESR), 0), 0);

	for (unsigned int i = 0; i < ARRAY_SIZE(read_only); i++) {
		uint64_t before = x2rd(read_only[i]);

		if (x2apic_msr_write(v, X2(read_only[i]), 0x12) != -1)
			fail_msg("x2APIC register %#x took a write",
				 read_only[i]);
		assert_int_equal(x2rd(read_only[i]), before);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(absent); i++) {
		if (x2apic_msr_read(v, X2(absent[i]), &val) != -1 ||
		    x2apic_msr_write(v, X2(absent[i]), 0) != -1)
			fail_msg("x2APIC register %#x exists", absent[i]);
	}
	/* 32-bit registers refuse bits 63:32. */
	assert_int_equal(x2apic_msr_write(v, X2(APIC_TPR), 1ULL << 32), -1);
	assert_int_equal(x2apic_msr_write(v, X2(APIC_LVT_TIMER), 1ULL << 32),
			 -1);
	assert_int_equal(x2apic_msr_write(v, X2(APIC_TPR), 0x30), 0);
	assert_int_equal(x2rd(APIC_TPR), 0x30);
}

/* 11.12.9: the ICR is one 64-bit MSR, destination in 63:32. */
static void test_x2apic_icr_64bit(void **state)
{
	uint64_t icr = ((uint64_t)7 << 32) | 0x71;

	(void)state;
	to_x2apic();
	v->apic.id = 7; /* as a vCPU with index 7 would have */
	assert_int_equal(x2apic_msr_write(v, X2(APIC_SPIV), 0x1ff), 0);
	assert_int_equal(x2apic_msr_write(v, X2(APIC_ICR_LO), icr), 0);
	assert_true(in_irr(0x71));
	assert_int_equal(x2rd(APIC_ICR_LO), icr);
	/* Destination 0x107 is not 7 in x2APIC mode. */
	assert_int_equal(
		x2apic_msr_write(v, X2(APIC_ICR_LO), (0x107ULL << 32) | 0x72),
		0);
	assert_false(in_irr(0x72));
	assert_int_equal(x2rd(APIC_ICR_LO), (0x107ULL << 32) | 0x72);
}

/* --- the timer ------------------------------------------------------------ */

/* Divide by 1: a count is a tick of fake_now. */
static void timer_start(uint32_t lvt, uint32_t count)
{
	enable();
	wr(APIC_TIMER_DIVIDE, 0xb);
	wr(APIC_LVT_TIMER, lvt);
	wr(APIC_TIMER_INITIAL, count);
}

static void run_timers_at(uint64_t now)
{
	fake_now = now;
	vcpu_timers_run(v, now);
}

static void test_timer_oneshot(void **state)
{
	(void)state;
	timer_start(ONESHOT | 0x40, 1000);
	assert_int_equal(rd(APIC_TIMER_INITIAL), 1000);
	assert_int_equal(vcpu_timer_next(v), START + 1000);
	assert_int_equal(rd(APIC_TIMER_CURRENT), 1000);

	run_timers_at(START + 999);
	assert_false(in_irr(0x40));
	assert_int_equal(rd(APIC_TIMER_CURRENT), 1);
	v->events = false;
	run_timers_at(START + 1000);
	assert_true(in_irr(0x40));
	assert_true(v->events);
	assert_int_equal(irq_pending(v), 0x40);
	assert_int_equal(vcpu_timer_next(v), 0);
	assert_int_equal(rd(APIC_TIMER_CURRENT), 0);
	/* Once: later runs deliver nothing more. */
	assert_int_equal(take(), 0x40);
	run_timers_at(START + 5000);
	assert_false(in_irr(0x40));
	assert_int_equal(rd(APIC_TIMER_CURRENT), 0);
	assert_int_equal(rd(APIC_TIMER_INITIAL), 1000);
}

static void test_timer_current_count(void **state)
{
	(void)state;
	timer_start(ONESHOT | 0x40, 1000);
	fake_now = START + 1;
	assert_int_equal(rd(APIC_TIMER_CURRENT), 999);
	fake_now = START + 250;
	assert_int_equal(rd(APIC_TIMER_CURRENT), 750);
	fake_now = START + 999;
	assert_int_equal(rd(APIC_TIMER_CURRENT), 1);
	fake_now = START + 1000;
	assert_int_equal(rd(APIC_TIMER_CURRENT), 0);
	fake_now = START + 100000;
	assert_int_equal(rd(APIC_TIMER_CURRENT), 0);

	/* A new initial count restarts it from now. */
	wr(APIC_TIMER_INITIAL, 500);
	assert_int_equal(rd(APIC_TIMER_CURRENT), 500);
	assert_int_equal(vcpu_timer_next(v), START + 100000 + 500);
	/* Writing 0 stops it. */
	wr(APIC_TIMER_INITIAL, 0);
	assert_int_equal(vcpu_timer_next(v), 0);
	assert_int_equal(rd(APIC_TIMER_CURRENT), 0);
}

/* 11.5.4, figure 11-10: bits 3, 1:0 of the divide configuration. */
static void test_timer_divide(void **state)
{
	static const struct {
		uint32_t dcr;
		unsigned int divide;
	} table[] = {{0x0, 2},	{0x1, 4},  {0x2, 8},   {0x3, 16},
		     {0x8, 32}, {0x9, 64}, {0xa, 128}, {0xb, 1}};

	(void)state;
	enable();
	wr(APIC_LVT_TIMER, ONESHOT | 0x40);
	for (unsigned int i = 0; i < ARRAY_SIZE(table); i++) {
		uint64_t t0 = START + i * 1000000;

		fake_now = t0;
		/* Bit 2 and 31:4 are reserved. */
		wr(APIC_TIMER_DIVIDE, 0xfffffff4 | table[i].dcr);
		assert_int_equal(rd(APIC_TIMER_DIVIDE), table[i].dcr);
		wr(APIC_TIMER_INITIAL, 100);
		if (vcpu_timer_next(v) != t0 + 100 * table[i].divide)
			fail_msg("DCR %#x: deadline %lu ticks on, expected %u",
				 table[i].dcr, vcpu_timer_next(v) - t0,
				 100 * table[i].divide);
		fake_now = t0 + 50 * table[i].divide;
		assert_int_equal(rd(APIC_TIMER_CURRENT), 50);
		run_timers_at(t0 + 100 * table[i].divide - 1);
		assert_false(in_irr(0x40));
		run_timers_at(t0 + 100 * table[i].divide);
		assert_true(in_irr(0x40));
		assert_int_equal(take(), 0x40);
		wr(APIC_EOI, 0);
	}
}

static void test_timer_periodic(void **state)
{
	const uint64_t period = 1000000; /* 1 ms, above the floor */

	(void)state;
	timer_start(PERIODIC | 0x41, (uint32_t)period);
	assert_int_equal(vcpu_timer_next(v), START + period);
	run_timers_at(START + period);
	assert_true(in_irr(0x41));
	assert_int_equal(vcpu_timer_next(v), START + 2 * period);
	/* The count restarts from the initial count each period. */
	assert_int_equal(rd(APIC_TIMER_CURRENT), period);
	fake_now = START + period + 400000;
	assert_int_equal(rd(APIC_TIMER_CURRENT), 600000);
	assert_int_equal(take(), 0x41);
	wr(APIC_EOI, 0);

	/* mhv was away for 2.5 periods: one interrupt, the grid kept. */
	run_timers_at(START + 4 * period + period / 2);
	assert_true(in_irr(0x41));
	assert_int_equal(vcpu_timer_next(v), START + 5 * period);
	assert_int_equal(take(), 0x41);
	wr(APIC_EOI, 0);
	run_timers_at(START + 4 * period + period / 2 + 1);
	assert_false(in_irr(0x41));
	run_timers_at(START + 5 * period);
	assert_true(in_irr(0x41));
	assert_int_equal(vcpu_timer_next(v), START + 6 * period);
}

/* A one-tick period would only deliver interrupts: 200 us at least. */
static void test_timer_periodic_floor(void **state)
{
	(void)state;
	timer_start(PERIODIC | 0x41, 10);
	assert_int_equal(vcpu_timer_next(v), START + 200000);
	run_timers_at(START + 200000);
	assert_true(in_irr(0x41));
	assert_int_equal(vcpu_timer_next(v), START + 400000);

	/* One-shot has no floor. */
	wr(APIC_LVT_TIMER, ONESHOT | 0x42);
	wr(APIC_TIMER_INITIAL, 10);
	assert_int_equal(vcpu_timer_next(v), fake_now + 10);
}

static void test_timer_masked_counts(void **state)
{
	(void)state;
	timer_start(MASKED | ONESHOT | 0x40, 1000);
	assert_int_equal(vcpu_timer_next(v), START + 1000);
	fake_now = START + 400;
	assert_int_equal(rd(APIC_TIMER_CURRENT), 600);
	run_timers_at(START + 1000);
	assert_int_equal(bits_set(APIC_IRR), 0);
	assert_int_equal(rd(APIC_TIMER_CURRENT), 0);
	assert_int_equal(vcpu_timer_next(v), 0);

	/* Periodic and masked: it goes on counting, silently. */
	wr(APIC_LVT_TIMER, MASKED | PERIODIC | 0x40);
	wr(APIC_TIMER_INITIAL, 1000000);
	run_timers_at(fake_now + 1000000);
	assert_int_equal(bits_set(APIC_IRR), 0);
	assert_int_equal(vcpu_timer_next(v), fake_now + 1000000);
	/* Unmasked (same mode): the next period delivers. */
	wr(APIC_LVT_TIMER, PERIODIC | 0x40);
	assert_int_equal(vcpu_timer_next(v), fake_now + 1000000);
	run_timers_at(fake_now + 1000000);
	assert_true(in_irr(0x40));
}

/* Mode 3 is reserved (SDM vol. 3, table 11-2): taken as one-shot. */
static void test_timer_reserved_mode(void **state)
{
	(void)state;
	timer_start(0x60000 | 0x40, 1000);
	assert_int_equal(rd(APIC_LVT_TIMER), ONESHOT | 0x40);
	assert_int_equal(vcpu_timer_next(v), START + 1000);
	run_timers_at(START + 1000);
	assert_true(in_irr(0x40));
	assert_int_equal(vcpu_timer_next(v), 0);
}

/*
 * Between periodic and one-shot the count goes on from where it is (as on
 * hardware and under KVM: kvm-unit-tests' apic "change mode"); into or out
 * of TSC-deadline mode the timer is disarmed and cleared (11.5.4.1).
 */
static void test_timer_mode_change(void **state)
{
	(void)state;
	timer_start(PERIODIC | 0x40, 1000000);
	/* The same mode, another vector: it keeps running. */
	wr(APIC_LVT_TIMER, PERIODIC | 0x43);
	assert_int_equal(vcpu_timer_next(v), START + 1000000);
	assert_int_equal(rd(APIC_TIMER_INITIAL), 1000000);

	/* Two and a half periods in: one-shot counts down what is left. */
	fake_now = START + 2500000;
	wr(APIC_LVT_TIMER, ONESHOT | 0x43);
	assert_int_equal(rd(APIC_TIMER_INITIAL), 1000000);
	assert_int_equal(rd(APIC_TIMER_CURRENT), 500000);
	run_timers_at(START + 3000000);
	assert_true(in_irr(0x43));
	assert_int_equal(vcpu_timer_next(v), 0);
	assert_int_equal(rd(APIC_TIMER_CURRENT), 0);
	/* Run out, it stays at 0 in periodic mode too, and fires no more. */
	wr(APIC_LVT_TIMER, PERIODIC | 0x44);
	assert_int_equal(rd(APIC_TIMER_CURRENT), 0);
	assert_int_equal(vcpu_timer_next(v), 0);
	assert_int_equal(rd(APIC_TIMER_INITIAL), 1000000);
	wr(APIC_LVT_TIMER, ONESHOT | 0x43);
	wr(APIC_EOI, 0);
	fake_now = START + 1000000;

	/* One-shot to TSC-deadline likewise. */
	wr(APIC_TIMER_INITIAL, 1000);
	assert_int_equal(vcpu_timer_next(v), START + 1000000 + 1000);
	wr(APIC_LVT_TIMER, TSC_DEADLINE | 0x43);
	assert_int_equal(vcpu_timer_next(v), 0);
	assert_int_equal(rd(APIC_TIMER_INITIAL), 0);
}

/*
 * The run loops arm the host timer for the earliest device deadline on
 * an entry with v->events set: any new deadline must set it.
 */
static void test_timer_arming_kicks(void **state)
{
	(void)state;
	timer_start(ONESHOT | 0x40, 0);
	v->events = false;
	wr(APIC_TIMER_INITIAL, 1000);
	assert_true(v->events);
	v->events = false;
	wr(APIC_TIMER_INITIAL, 500); /* sooner */
	assert_true(v->events);

	wr(APIC_LVT_TIMER, TSC_DEADLINE | 0x40);
	v->events = false;
	lapic_tsc_deadline_write(v, START + 1000);
	assert_true(v->events);
	assert_int_equal(bits_set(APIC_IRR), 0);
}

/* --- TSC-deadline mode (11.5.4.1) ---------------------------------------- */

static void test_tsc_deadline_outside_mode(void **state)
{
	(void)state;
	timer_start(ONESHOT | 0x40, 0);
	lapic_tsc_deadline_write(v, START + 100);
	assert_int_equal(lapic_tsc_deadline_read(v), 0);
	assert_int_equal(vcpu_timer_next(v), 0);
	wr(APIC_LVT_TIMER, PERIODIC | 0x40);
	lapic_tsc_deadline_write(v, START + 100);
	assert_int_equal(lapic_tsc_deadline_read(v), 0);
	assert_int_equal(vcpu_timer_next(v), 0);
	run_timers_at(START + 100);
	assert_int_equal(bits_set(APIC_IRR), 0);
}

/* The MSR holds guest TSC; the host deadline is that minus the offset. */
static void test_tsc_deadline_fires(void **state)
{
	(void)state;
	stub.tsc_offset = 5000;
	timer_start(TSC_DEADLINE | 0x44, 0);
	lapic_tsc_deadline_write(v, START + 5000 + 300);
	assert_int_equal(lapic_tsc_deadline_read(v), START + 5300);
	assert_int_equal(vcpu_timer_next(v), START + 300);
	/* The counter registers mean nothing in this mode. */
	assert_int_equal(rd(APIC_TIMER_CURRENT), 0);

	run_timers_at(START + 299);
	assert_false(in_irr(0x44));
	assert_int_equal(lapic_tsc_deadline_read(v), START + 5300);
	run_timers_at(START + 300);
	assert_true(in_irr(0x44));
	assert_int_equal(lapic_tsc_deadline_read(v), 0);
	assert_int_equal(vcpu_timer_next(v), 0);

	/* A guest TSC behind the host's (offset "negative"). */
	assert_int_equal(take(), 0x44);
	stub.tsc_offset = (uint64_t)-1000000;
	lapic_tsc_deadline_write(v, START);
	assert_int_equal(vcpu_timer_next(v), 2 * START);
}

static void test_tsc_deadline_past_fires_at_once(void **state)
{
	(void)state;
	stub.tsc_offset = 5000;
	timer_start(TSC_DEADLINE | 0x44, 0);
	/* Guest TSC now is START + 5000: one tick ago. */
	lapic_tsc_deadline_write(v, START + 4999);
	assert_true(in_irr(0x44));
	assert_int_equal(lapic_tsc_deadline_read(v), 0);
	assert_int_equal(vcpu_timer_next(v), 0);

	assert_int_equal(take(), 0x44);
	wr(APIC_EOI, 0);
	lapic_tsc_deadline_write(v, 1); /* long past */
	assert_true(in_irr(0x44));
	assert_int_equal(take(), 0x44);
	wr(APIC_EOI, 0);
	lapic_tsc_deadline_write(v, START + 5000); /* exactly now */
	assert_true(in_irr(0x44));
}

/* 11.5.4.1: in TSC-deadline mode the initial count takes no writes. */
static void test_tsc_deadline_ignores_initial_count(void **state)
{
	(void)state;
	timer_start(TSC_DEADLINE | 0x44, 1000);
	assert_int_equal(rd(APIC_TIMER_INITIAL), 0);
	assert_int_equal(rd(APIC_TIMER_CURRENT), 0);
	assert_int_equal(vcpu_timer_next(v), 0);
	lapic_tsc_deadline_write(v, START + 300);
	wr(APIC_TIMER_INITIAL, 1000);
	assert_int_equal(rd(APIC_TIMER_INITIAL), 0);
	assert_int_equal(vcpu_timer_next(v), START + 300);
	assert_int_equal(lapic_tsc_deadline_read(v), START + 300);
}

static void test_tsc_deadline_zero_disarms(void **state)
{
	(void)state;
	timer_start(TSC_DEADLINE | 0x44, 0);
	lapic_tsc_deadline_write(v, START + 1000);
	assert_int_equal(vcpu_timer_next(v), START + 1000);
	lapic_tsc_deadline_write(v, 0);
	assert_int_equal(lapic_tsc_deadline_read(v), 0);
	assert_int_equal(vcpu_timer_next(v), 0);
	run_timers_at(START + 1000);
	assert_false(in_irr(0x44));

	/* A new deadline replaces the old one. */
	lapic_tsc_deadline_write(v, START + 5000);
	lapic_tsc_deadline_write(v, START + 3000);
	assert_int_equal(vcpu_timer_next(v), START + 3000);
	/* Masked: it fires (the MSR reads 0) but delivers nothing. */
	wr(APIC_LVT_TIMER, MASKED | TSC_DEADLINE | 0x44);
	run_timers_at(START + 3000);
	assert_false(in_irr(0x44));
	assert_int_equal(lapic_tsc_deadline_read(v), 0);
}

/* --- the 8259 through LINT0 ---------------------------------------------- */

/*
 * With LINT0 in ExtINT and the 8259's INTR up, irq_pending() would return
 * IRQ_EXTINT: core/dev/dev_pic.c is still the placeholder whose pic_intr()
 * is always false, so that path is left for the 8259 model's tests. An
 * ExtINT message (from the I/O APIC) takes the same way out, and does not
 * depend on the 8259's state.
 */
static void test_extint_message(void **state)
{
	(void)state;
	enable();
	assert_int_equal(irq_pending(v), -1); /* pic_intr() is false */
	/* ExtINT bypasses the priority rules: the 8259 has its own. */
	wr(APIC_TPR, 0xff);
	lapic_deliver(v, APIC_DM_FIXED, 0x90, false);
	lapic_deliver(v, APIC_DM_EXTINT, 0, false);
	assert_true(v->events);
	assert_int_equal(irq_pending(v), IRQ_EXTINT);
	irq_acknowledge(v, IRQ_EXTINT);
	/* The 8259 answered: no LAPIC state changed, nothing more pending. */
	assert_int_equal(bits_set(APIC_ISR), 0);
	assert_true(in_irr(0x90));
	assert_int_equal(irq_pending(v), -1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* --- IPIs between vCPUs (SDM vol. 3, 11.6) ------------------------------- */

#define NR 4

/* The stub VM with NR vCPUs, each software-enabled, nothing pending. */
static void make_vcpus(void)
{
	vm->nr_vcpus = NR;
	for (unsigned int i = 0; i < NR; i++) {
		struct vcpu *t = &vm->vcpus[i];

		t->vm = vm;
		t->index = i;
		t->host_cpu = i; /* each on its own host CPU; "we" are on 0 */
		t->state = i ? VCPU_WAIT_SIPI : VCPU_RUNNING;
		lapic_reset(t);
		xapic_write(t, APIC_SPIV, 0x1ff);
		t->events = false;
	}
}

static bool irr_of(unsigned int i, unsigned int vector)
{
	return xapic_read(&vm->vcpus[i], APIC_IRR + vector / 32 * 0x10) &
	       (1u << (vector % 32));
}

/* Which vCPUs have `vector` in their IRR, as a bit mask. */
static unsigned int who_has(unsigned int vector)
{
	unsigned int mask = 0;

	for (unsigned int i = 0; i < NR; i++)
		mask |= (unsigned int)irr_of(i, vector) << i;
	return mask;
}

static void send_from(unsigned int from, uint32_t dest_hi, uint32_t lo)
{
	xapic_write(&vm->vcpus[from], APIC_ICR_HI, dest_hi);
	xapic_write(&vm->vcpus[from], APIC_ICR_LO, lo);
}

static void test_ap_reset_state(void **state)
{
	(void)state;
	make_vcpus();
	assert_int_equal(apic_base_read(&vm->vcpus[0]), BASE_XAPIC);
	/* An AP: no BSP flag, its index as the ID, every LVT masked. */
	assert_int_equal(apic_base_read(&vm->vcpus[2]), BASE_XAPIC & ~0x100ULL);
	assert_int_equal(xapic_read(&vm->vcpus[2], APIC_ID), 2u << 24);
	assert_int_equal(xapic_read(&vm->vcpus[2], APIC_LVT_LINT0), MASKED);
	assert_int_equal(xapic_read(&vm->vcpus[2], APIC_LVT_LINT1), MASKED);
	/* The BSP flag follows the vCPU, not what the guest writes. */
	assert_int_equal(apic_base_write(&vm->vcpus[2], BASE_XAPIC), 0);
	assert_int_equal(apic_base_read(&vm->vcpus[2]), BASE_XAPIC & ~0x100ULL);
}

static void test_ipi_physical_and_shorthands(void **state)
{
	unsigned int kicks2, kicks1;

	(void)state;
	make_vcpus();
	kicks1 = fake_irq.kicks[1];
	kicks2 = fake_irq.kicks[2];
	send_from(0, 2u << 24, 0x40);
	assert_int_equal(who_has(0x40), 1u << 2);
	assert_true(vm->vcpus[2].events);
	assert_false(vm->vcpus[1].events);
	/* The host CPU running vCPU 2 is kicked to look; nobody else. */
	assert_int_equal(fake_irq.kicks[2], kicks2 + 1);
	assert_int_equal(fake_irq.kicks[1], kicks1);
	send_from(1, 0, ICR_ALL_EXCL_SELF | 0x41);
	assert_int_equal(who_has(0x41), 0xdu);
	send_from(3, 0, ICR_ALL_INCL_SELF | 0x42);
	assert_int_equal(who_has(0x42), 0xfu);
	send_from(3, 0, ICR_SELF | 0x43);
	assert_int_equal(who_has(0x43), 1u << 3);
	/* Physical 0xff is the broadcast in xAPIC mode (11.6.2.1). */
	send_from(1, 0xffu << 24, 0x44);
	assert_int_equal(who_has(0x44), 0xfu);
	/* Nobody has APIC ID 7: logged, nothing delivered. */
	send_from(0, 7u << 24, 0x45);
	assert_int_equal(who_has(0x45), 0);
	assert_true(fake_serial_contains("IPI fixed vector 0x45 to 0x7"));
}

static void test_ipi_logical_and_lowest_priority(void **state)
{
	(void)state;
	make_vcpus();
	/* Flat model: vCPU i is bit i of the logical ID. */
	for (unsigned int i = 0; i < NR; i++)
		xapic_write(&vm->vcpus[i], APIC_LDR, (1u << i) << 24);
	send_from(0, 0x0au << 24, ICR_LOGICAL | 0x50);
	assert_int_equal(who_has(0x50), 0xau);
	/* Lowest priority: one of them, the lowest processor priority. */
	xapic_write(&vm->vcpus[1], APIC_TPR, 0x30);
	xapic_write(&vm->vcpus[2], APIC_TPR, 0x10);
	xapic_write(&vm->vcpus[3], APIC_TPR, 0x20);
	send_from(0, 0x0eu << 24, ICR_LOGICAL | DM_LOWEST | 0x51);
	assert_int_equal(who_has(0x51), 1u << 2);
	xapic_write(&vm->vcpus[2], APIC_TPR, 0x40);
	send_from(0, 0x0eu << 24, ICR_LOGICAL | DM_LOWEST | 0x52);
	assert_int_equal(who_has(0x52), 1u << 3);
}

static void test_ipi_nmi_init_sipi(void **state)
{
	struct vcpu *ap = &vm->vcpus[1];

	(void)state;
	make_vcpus();
	send_from(0, 1u << 24, DM_NMI);
	assert_true(ap->apic.nmi_pending);
	assert_false(vm->vcpus[2].apic.nmi_pending);
	/* A SIPI to a running vCPU that had no INIT: ignored (9.4.4.1). */
	ap->state = VCPU_RUNNING;
	ap->events = false;
	send_from(0, 1u << 24, DM_SIPI | 0x9a);
	assert_false(ap->sipi_pending);
	/* INIT assert, INIT de-assert (nothing), then SIPI: both pending. */
	send_from(0, 1u << 24, DM_INIT | ICR_ASSERT | ICR_LEVEL);
	assert_true(ap->init_pending);
	assert_true(ap->events);
	send_from(0, 1u << 24, DM_INIT | ICR_LEVEL);
	send_from(0, 1u << 24, DM_SIPI | 0x9a);
	assert_true(ap->sipi_pending);
	assert_int_equal(ap->sipi_vector, 0x9a);
	/* A vCPU waiting for SIPI takes one without an INIT first. */
	vm->vcpus[3].state = VCPU_WAIT_SIPI;
	send_from(0, 0, ICR_ALL_EXCL_SELF | DM_SIPI | 0x10);
	assert_true(vm->vcpus[3].sipi_pending);
	assert_int_equal(vm->vcpus[3].sipi_vector, 0x10);
	/* Neither INIT nor SIPI reaches a hardware-disabled APIC. */
	assert_int_equal(
		apic_base_write(&vm->vcpus[2], BASE_DISABLED & ~0x100ULL), 0);
	send_from(0, 2u << 24, DM_INIT | ICR_ASSERT);
	assert_false(vm->vcpus[2].init_pending);
}

/* KVM's PV IPI: a bitmap of APIC IDs from `min`, 64 or 32 to a word. */
static void test_pv_send_ipi(void **state)
{
	struct vcpu *v0;

	(void)state;
	make_vcpus();
	v0 = &vm->vcpus[0];
	assert_int_equal(lapic_pv_send_ipi(v0, 0xa, 0, 0, 0x60, 64), 2);
	assert_int_equal(who_has(0x60), 0xau);
	/* Bit 0 is APIC ID min; the high word starts at min + 64. */
	assert_int_equal(lapic_pv_send_ipi(v0, 1, 1, 2, 0x61, 64), 1);
	assert_int_equal(who_has(0x61), 1u << 2);
	/* 32-bit callers: 32 IDs a word, the upper halves ignored. */
	assert_int_equal(lapic_pv_send_ipi(v0, 1ULL << 32, 0x4, 1, 0x62, 32),
			 0);
	assert_int_equal(lapic_pv_send_ipi(v0, 0, 1, 0xffffffe1ULL, 0x63, 32),
			 0);
	assert_int_equal(who_has(0x62) | who_has(0x63), 0);
	/* kvm-unit-tests' call: nobody from APIC ID 0xffffffff on. */
	assert_int_equal(
		lapic_pv_send_ipi(v0, 0xffffffff, 0, 0xffffffff, 0, 64), 0);
	/* An NMI goes as an NMI; an illegal fixed vector goes nowhere. */
	assert_int_equal(lapic_pv_send_ipi(v0, 0x2, 0, 0, DM_NMI, 64), 1);
	assert_true(vm->vcpus[1].apic.nmi_pending);
	assert_int_equal(lapic_pv_send_ipi(v0, 0xf, 0, 0, 0x05, 64), 0);
	assert_int_equal(who_has(0x05), 0);
}

static void test_ipi_x2apic_destinations(void **state)
{
	(void)state;
	make_vcpus();
	for (unsigned int i = 0; i < NR; i++) {
		struct vcpu *t = &vm->vcpus[i];
		uint64_t base = apic_base_read(t);

		assert_int_equal(apic_base_write(t, base | (1ULL << 10)), 0);
	}
	assert_int_equal(x2apic_msr_write(&vm->vcpus[0], X2(APIC_ICR_LO),
					  (3ULL << 32) | 0x60),
			 0);
	assert_int_equal(who_has(0x60), 1u << 3);
	/* Logical: cluster 0, members 1 and 2 (11.12.10). */
	assert_int_equal(x2apic_msr_write(&vm->vcpus[0], X2(APIC_ICR_LO),
					  (0x6ULL << 32) | ICR_LOGICAL | 0x61),
			 0);
	assert_int_equal(who_has(0x61), 0x6u);
	/* 0xffffffff is everyone. */
	assert_int_equal(x2apic_msr_write(&vm->vcpus[2], X2(APIC_ICR_LO),
					  (0xffffffffULL << 32) | 0x62),
			 0);
	assert_int_equal(who_has(0x62), 0xfu);
}

/* NMIs latch: two may wait (one sent before the first went in), not three. */
static void test_nmi_latch(void **state)
{
	(void)state;
	enable();
	for (int i = 0; i < 3; i++)
		lapic_deliver(v, APIC_DM_NMI, 0, false);
	assert_int_equal(v->apic.nmi_pending, 2);
	lapic_nmi_injected(v);
	assert_int_equal(v->apic.nmi_pending, 1);
	/* While the guest has NMIs blocked, one more at most. */
	lapic_deliver(v, APIC_DM_NMI, 0, false);
	assert_int_equal(v->apic.nmi_pending, 2);
	lapic_nmi_blocked(v);
	assert_int_equal(v->apic.nmi_pending, 1);
	lapic_nmi_blocked(v);
	assert_int_equal(v->apic.nmi_pending, 1);
	lapic_nmi_injected(v);
	assert_int_equal(v->apic.nmi_pending, 0);
	lapic_nmi_blocked(v);
	assert_int_equal(v->apic.nmi_pending, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reset_state),
		T(test_sw_disabled_drops_fixed_keeps_nmi),
		T(test_hw_disabled_takes_nothing),
		T(test_spiv_disable_masks_lvts),
		T(test_lvt_writable_bits),
		T(test_irr_isr_tmr_readback),
		T(test_ppr_from_tpr_and_isr),
		T(test_irq_pending_honours_ppr),
		T(test_two_pending_highest_first),
		T(test_eoi_clears_highest_isr),
		T(test_eoi_level_reaches_ioapic),
		T(test_esr_send_illegal_self_ipi),
		T(test_esr_recv_illegal_deliver),
		T(test_error_lvt_delivers),
		T(test_icr_self_fixed),
		T(test_icr_nmi),
		T(test_icr_other_apic_dropped),
		T(test_xapic_id_write),
		T(test_apic_base_relocation),
		T(test_apic_base_transitions),
		T(test_x2apic_id_and_ldr),
		T(test_x2apic_logical_broadcast),
		T(test_xapic_dest_matching),
		T(test_x2apic_self_ipi),
		T(test_x2apic_gp_rules),
		T(test_x2apic_icr_64bit),
		T(test_timer_oneshot),
		T(test_timer_current_count),
		T(test_timer_divide),
		T(test_timer_periodic),
		T(test_timer_periodic_floor),
		T(test_timer_masked_counts),
		T(test_timer_mode_change),
		T(test_timer_reserved_mode),
		T(test_timer_arming_kicks),
		T(test_tsc_deadline_outside_mode),
		T(test_tsc_deadline_fires),
		T(test_tsc_deadline_past_fires_at_once),
		T(test_tsc_deadline_zero_disarms),
		T(test_tsc_deadline_ignores_initial_count),
		T(test_extint_message),
		T(test_nmi_latch),
		T(test_ap_reset_state),
		T(test_ipi_physical_and_shorthands),
		T(test_ipi_logical_and_lowest_priority),
		T(test_ipi_nmi_init_sipi),
		T(test_ipi_x2apic_destinations),
		T(test_pv_send_ipi),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
