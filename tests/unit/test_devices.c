// SPDX-License-Identifier: MIT
/*
 * The device models (core/dev/) and port I/O (core/exit/exit_io.c), once,
 * against the stub backend: IN/OUT through exit_port_io as both vendors
 * call it, INS/OUTS through exit_string_io, the xAPIC page through
 * mmio_device_access. What the vendors decode (port, size, direction,
 * the instruction's length) is theirs to test; what the guest then sees
 * is checked here. Guest RAM is a heap block of its exact size.
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
#include "core/exit/exits.h"
#include "core/x86.h"
#include "lib/compiler.h"
#include "tests/unit/fake_serial.h"
#include "tests/unit/stub_vcpu.h"

/* Hosted: core/vm/backend.c (which picks a real backend) is not linked. */
const struct vm_backend *vm_backend;

#define GUEST_NAME "devtest"
#define RAM_SIZE MiB(4)
#define GUEST_RIP 0x1000ULL

static struct vm *vm;
static struct vcpu *v;

static void fixture_init(void)
{
	vm = stub_vm_create(GUEST_NAME, RAM_SIZE, GUEST_RIP);
	v = &vm->vcpus[0];
	fake_serial_clear();
}

static void fixture_fini(void)
{
	stub_vm_destroy(vm);
	vm = NULL;
	v = NULL;
}

static int setup(void **state)
{
	(void)state;
	fixture_init();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_fini();
	return 0;
}

static void assert_ended(enum guest_outcome want)
{
	if (!vm->ended)
		fail_msg("the VM is still running, expected outcome %s",
			 guest_outcome_name(want));
	if (vm->outcome != want)
		fail_msg("outcome %s, expected %s: %s",
			 guest_outcome_name(vm->outcome),
			 guest_outcome_name(want), vm->detail);
}

/* IN of `size` bytes: what RAX holds after it, the instruction completed. */
static uint64_t in(uint16_t port, unsigned int size)
{
	assert_true(exit_port_io(v, port, size, true));
	return v->gpr[GPR_RAX];
}

static bool out(uint16_t port, unsigned int size, uint64_t rax)
{
	v->gpr[GPR_RAX] = rax;
	return exit_port_io(v, port, size, false);
}

/* --- the test devices -------------------------------------------------- */

/* isa-debug-exit: a write ends the VM with the value written as status. */
static void test_debug_exit_port(void **state)
{
	(void)state;
	assert_false(out(DEBUG_EXIT_PORT, 4, 3));
	assert_ended(OUTCOME_EXIT);
	assert_int_equal(vm->exit_status, 3);
	assert_string_equal(vm->detail, "exit status 3");

	/* An 8-bit OUT carries only AL. */
	fixture_fini();
	fixture_init();
	assert_false(out(DEBUG_EXIT_PORT, 1, 0xabcd0105));
	assert_ended(OUTCOME_EXIT);
	assert_int_equal(vm->exit_status, 5);
}

/* pc-testdev's echo register: each size reads back what it wrote. */
static void test_testdev_echo(void **state)
{
	(void)state;
	assert_true(out(TESTDEV_PORT, 4, 0x11223344));
	assert_int_equal(in(TESTDEV_PORT, 4), 0x11223344);
	assert_true(out(TESTDEV_PORT + 1, 1, 0xaa));
	assert_int_equal(in(TESTDEV_PORT, 4), 0x1122aa44);
	v->gpr[GPR_RAX] = 0;
	assert_int_equal(in(TESTDEV_PORT + 2, 2), 0x1122);
}

/*
 * pc-testdev's IRQ lines: one port per ISA IRQ, nonzero raises it, zero
 * lowers it; a wider OUT is cut into one byte per line as QEMU does. The
 * lines reach the I/O APIC (IRQ0 on pin 2) and the 8259 pair.
 */
static void test_testdev_irq_lines(void **state)
{
	(void)state;
	assert_true(out(TESTDEV_IRQ_PORT + 14, 1, 1));
	assert_int_equal(vm->dev.ioapic.lines, 1u << 14);
	assert_true(out(TESTDEV_IRQ_PORT + 14, 1, 0));
	assert_int_equal(vm->dev.ioapic.lines, 0);
	assert_true(out(TESTDEV_IRQ_PORT, 1, 0x80));
	assert_int_equal(vm->dev.ioapic.lines, 1u << 2);
	assert_true(out(TESTDEV_IRQ_PORT, 1, 0));
	assert_int_equal(vm->dev.ioapic.lines, 0);

	/* realmode's `outl 1` to line 11: 11 up, 12-14 down. */
	assert_true(out(TESTDEV_IRQ_PORT + 12, 2, 0x0101));
	assert_int_equal(vm->dev.ioapic.lines, 3u << 12);
	assert_true(out(TESTDEV_IRQ_PORT + 11, 4, 1));
	assert_int_equal(vm->dev.ioapic.lines, 1u << 11);
	assert_true(out(TESTDEV_IRQ_PORT + 11, 4, 0));
	assert_int_equal(vm->dev.ioapic.lines, 0);
	/* The edges stay latched in the slave's IRR, masked at reset... */
	assert_true(out(0xa0, 1, 0x0a)); /* OCW3: read IRR */
	assert_int_equal(in(0xa0, 1) & 0xff, 0x78);
	assert_false(pic_intr(vm));
	/* ...until the guest unmasks it (the cascade is open at reset). */
	assert_true(out(0xa1, 1, 0xf7));
	assert_true(pic_intr(vm));
	assert_int_equal(pic_acknowledge(vm), 0x73);

	/* Lines 16-23 are no ISA IRQ; the ports read as nothing. */
	assert_true(out(TESTDEV_IRQ_PORT + 16, 4, 0x01010101));
	assert_true(out(TESTDEV_IRQ_PORT + 22, 4, 0x01010101));
	assert_int_equal(vm->dev.ioapic.lines, 0);
	assert_int_equal(in(TESTDEV_IRQ_PORT + 11, 1) & 0xff, 0xff);
	assert_false(vm->ended);
}

/* --- UART --------------------------------------------------------------- */

/* An 8-bit IN replaces AL and nothing else of RAX. */
static void test_uart_lsr(void **state)
{
	(void)state;
	v->gpr[GPR_RAX] = 0x1234567890abcd00ULL;
	in(COM1_PORT + 5, 1);
	assert_true(v->gpr[GPR_RAX] & 0x20); /* THR empty */
	assert_int_equal(v->gpr[GPR_RAX] & ~0xffULL, 0x1234567890abcd00ULL);
	assert_false(vm->ended);
}

/* Guest output is one console line per guest line, with the VM's name. */
static void test_uart_output_line(void **state)
{
	const char *text = "hi\n";

	(void)state;
	for (const char *p = text; *p; p++) {
		assert_true(out(COM1_PORT, 1, 0xffffff00u | (uint8_t)*p));
		if (*p != '\n') /* buffered until the end of the line */
			assert_false(fake_serial_contains(GUEST_NAME "|"));
	}
	assert_true(fake_serial_contains(GUEST_NAME "| hi\n"));

	/* A partial line is not lost when the VM ends. */
	fake_serial_clear();
	assert_true(out(COM1_PORT, 1, 'x'));
	assert_false(fake_serial_contains("x"));
	devices_flush(vm);
	assert_true(fake_serial_contains(GUEST_NAME "| x"));
}

/* --- the empty bus ------------------------------------------------------ */

/*
 * No device: reads float high, merged into RAX as the CPU merges an IN
 * (AL, AX; EAX zero-extends), writes are dropped, both counted.
 */
static void test_unknown_port_floats_high(void **state)
{
	(void)state;
	v->gpr[GPR_RAX] = 0xaaaaaaaaaaaaaa00ULL;
	assert_int_equal(in(0x2e0, 1), 0xaaaaaaaaaaaaaaffULL);
	assert_int_equal(vm->unhandled_io, 1);

	v->gpr[GPR_RAX] = 0xaaaaaaaaaaaa0000ULL;
	assert_int_equal(in(0x2e0, 2), 0xaaaaaaaaaaaaffffULL);

	v->gpr[GPR_RAX] = 0xaaaaaaaa00000000ULL;
	assert_int_equal(in(0x2e0, 4), 0xffffffffULL);

	assert_true(out(0x2e0, 1, 0x55));
	assert_int_equal(in(0x2e0, 1) & 0xff, 0xff);
	assert_int_equal(vm->unhandled_io, 5);
	assert_false(vm->ended);
}

/* --- fw_cfg, 8259, PCI ---------------------------------------------------- */

static void test_fwcfg(void **state)
{
	char sig[5] = {0};

	(void)state;
	assert_true(out(FW_CFG_PORT_SEL, 2, 0x0000)); /* signature */
	for (int i = 0; i < 4; i++)
		sig[i] = (char)in(FW_CFG_PORT_DATA, 1);
	assert_string_equal(sig, "QEMU");

	/* RAM size, 8 bytes little-endian, through 32-bit reads. */
	assert_true(out(FW_CFG_PORT_SEL, 2, 0x0003));
	assert_int_equal(in(FW_CFG_PORT_DATA, 4), (uint32_t)RAM_SIZE);
	assert_int_equal(in(FW_CFG_PORT_DATA, 4), RAM_SIZE >> 32);

	/* The selector is 16 bits: a byte write does not select. */
	assert_true(out(FW_CFG_PORT_SEL, 1, 0x00));
	assert_int_equal(in(FW_CFG_PORT_DATA, 4), 0);
	assert_int_equal(in(FW_CFG_PORT_SEL, 2) & 0xffff, 0x0003);
}

static void test_pic_masks(void **state)
{
	(void)state;
	/* Masked after reset, but for the cascade (IR2) on the master. */
	assert_int_equal(in(0x21, 1) & 0xff, 0xfb);
	assert_int_equal(in(0xa1, 1) & 0xff, 0xff);
	assert_true(out(0x21, 1, 0xff));
	assert_int_equal(in(0x21, 1) & 0xff, 0xff);
	assert_int_equal(in(0xa1, 1) & 0xff, 0xff);
}

static void test_pci_config_space_is_empty(void **state)
{
	(void)state;
	/* The address register keeps what it is given, bits 1:0 aside. */
	assert_true(out(PCI_CONFIG_ADDRESS, 4, 0x80001237));
	assert_int_equal(in(PCI_CONFIG_ADDRESS, 4), 0x80001234);
	/* No device on the bus: all ones. */
	assert_int_equal(in(PCI_CONFIG_DATA, 4), 0xffffffff);
	assert_false(vm->ended);
}

/* --- the xAPIC page ----------------------------------------------------- */

static uint64_t apic_read(unsigned int offset, unsigned int size)
{
	uint64_t val = ~0ULL;

	assert_true(mmio_device_access(&vm->vcpus[0], XAPIC_BASE + offset, size,
				       false, &val));
	return val;
}

static void test_xapic_page(void **state)
{
	uint64_t val = 0x20;

	(void)state;
	assert_true(mmio_device_at(&vm->vcpus[0], XAPIC_BASE));
	assert_true(mmio_device_at(&vm->vcpus[0], XAPIC_BASE + XAPIC_SIZE - 1));
	assert_false(mmio_device_at(&vm->vcpus[0], XAPIC_BASE - 1));
	assert_false(mmio_device_at(&vm->vcpus[0], XAPIC_BASE + XAPIC_SIZE));
	assert_false(mmio_device_access(&vm->vcpus[0], XAPIC_BASE + XAPIC_SIZE,
					4, false, &val));

	assert_int_equal(apic_read(0x30, 4), 0x00050014); /* version */
	/* A narrower read inside a register sees its upper bytes. */
	assert_int_equal(apic_read(0x32, 2), 0x0005);

	val = 0x20;
	assert_true(mmio_device_access(&vm->vcpus[0], XAPIC_BASE + 0x80, 4,
				       true, &val));
	assert_int_equal(vm->vcpus[0].apic.tpr, 0x20);
	assert_int_equal(apic_read(0x80, 4), 0x20);
}

/*
 * A relocated xAPIC page (SDM vol. 3, 11.4.4) is that vCPU's alone; the
 * old page is nothing now, and moved over the I/O APIC it hides it.
 */
static void test_xapic_page_relocated(void **state)
{
	struct vcpu *v0 = &vm->vcpus[0];
	uint64_t en = APIC_BASE_EN | APIC_BASE_BSP, val = 0;

	(void)state;
	assert_int_equal(apic_base_write(v0, 0xfed40000ULL | en), 0);
	assert_true(mmio_device_at(v0, 0xfed40000ULL));
	assert_false(mmio_device_at(v0, XAPIC_BASE));
	assert_false(mmio_device_access(v0, XAPIC_BASE + 0x30, 4, false, &val));
	assert_true(mmio_device_access(v0, 0xfed40030ULL, 4, false, &val));
	assert_int_equal(val, 0x00050014);

	assert_int_equal(apic_base_write(v0, IOAPIC_BASE | en), 0);
	assert_true(mmio_device_access(v0, IOAPIC_BASE + 0x30, 4, false, &val));
	assert_int_equal(val, 0x00050014);
	/* Software-disabled in IA32_APIC_BASE: the I/O APIC answers again. */
	assert_int_equal(apic_base_write(v0, IOAPIC_BASE | APIC_BASE_BSP), 0);
	val = 1; /* IOREGSEL: the version register */
	assert_true(mmio_device_access(v0, IOAPIC_BASE, 4, true, &val));
	assert_true(mmio_device_access(v0, IOAPIC_BASE + 0x10, 4, false, &val));
	assert_int_equal(val, 0x00170020);
}

/* --- INS/OUTS ------------------------------------------------------------ */

/* One string instruction at RIP. */
static enum io_result string_io(const uint8_t *insn, size_t n, uint16_t port,
				unsigned int size, bool in_)
{
	memcpy(vm->ram + stub.state.rip, insn, n);
	return exit_string_io(v, port, size, in_);
}

static const uint8_t rep_insb[] = {0xf3, 0x6c};

/* REP INSB of fw_cfg's signature into ES:EDI. */
static void test_rep_insb(void **state)
{
	(void)state;
	assert_true(out(FW_CFG_PORT_SEL, 2, 0x0000));
	v->gpr[GPR_RDI] = 0x2000;
	v->gpr[GPR_RCX] = 4;
	assert_int_equal(string_io(rep_insb, sizeof(rep_insb), FW_CFG_PORT_DATA,
				   1, true),
			 IO_DONE);
	assert_memory_equal(vm->ram + 0x2000, "QEMU", 4);
	assert_int_equal(v->gpr[GPR_RDI], 0x2004);
	assert_int_equal(v->gpr[GPR_RCX], 0);

	/* ES is INS's segment, whatever override precedes it. */
	assert_true(out(FW_CFG_PORT_SEL, 2, 0x0000));
	stub.seg_base[0] = 0x10000; /* ES */
	stub.seg_base[4] = 0x20000; /* FS */
	v->gpr[GPR_RDI] = 0x10;
	v->gpr[GPR_RCX] = 2;
	assert_int_equal(string_io((const uint8_t[]){0x64, 0xf3, 0x6c}, 3,
				   FW_CFG_PORT_DATA, 1, true),
			 IO_DONE);
	assert_memory_equal(vm->ram + 0x10010, "QE", 2);
}

/* OUTSB with an FS override and DF set: backwards from FS:ESI. */
static void test_outsb_override_and_df(void **state)
{
	static const uint8_t fs_outsb[] = {0x64, 0x6e};

	(void)state;
	stub.seg_base[4] = 0x3000; /* FS */
	vm->ram[0x3010] = 0xa5;
	v->gpr[GPR_RSI] = 0x10;
	stub.state.rflags |= RFLAGS_DF;
	assert_int_equal(string_io(fs_outsb, sizeof(fs_outsb), 0x21, 1, false),
			 IO_DONE);
	assert_int_equal(v->gpr[GPR_RSI], 0xf);
	assert_int_equal(vm->dev.pic.chip[0].imr, 0xa5);
}

/* INSW into a word that straddles two pages. */
static void test_insw_across_a_page(void **state)
{
	static const uint8_t insw[] = {0x66, 0x6d};

	(void)state;
	assert_true(out(FW_CFG_PORT_SEL, 2, 0x0000));
	v->gpr[GPR_RDI] = 0x3fff;
	assert_int_equal(
		string_io(insw, sizeof(insw), FW_CFG_PORT_DATA, 2, true),
		IO_DONE);
	assert_int_equal(vm->ram[0x3fff], 'Q');
	assert_int_equal(vm->ram[0x4000], 'E');
	assert_int_equal(v->gpr[GPR_RDI], 0x4001);
}

/* A REP longer than one batch stops with RIP kept, as after an IRQ. */
static void test_long_rep_runs_in_batches(void **state)
{
	(void)state;
	v->gpr[GPR_RDI] = 0x10000;
	v->gpr[GPR_RCX] = 5000;
	assert_int_equal(string_io(rep_insb, sizeof(rep_insb), 0x21, 1, true),
			 IO_REPEAT);
	assert_int_equal(v->gpr[GPR_RCX], 5000 - 4096);
	assert_int_equal(v->gpr[GPR_RDI], 0x10000 + 4096);
	assert_int_equal(string_io(rep_insb, sizeof(rep_insb), 0x21, 1, true),
			 IO_DONE);
	assert_int_equal(v->gpr[GPR_RCX], 0);
	assert_int_equal(v->gpr[GPR_RDI], 0x10000 + 5000);
	assert_int_equal(vm->ram[0x10000], 0xfb); /* the PIC's mask */
}

/* A 16-bit address size (67h in 32-bit mode) steps DI alone, wrapping. */
static void test_address_size_16(void **state)
{
	(void)state;
	v->gpr[GPR_RDI] = 0x12340000ffffULL;
	assert_int_equal(
		string_io((const uint8_t[]){0x67, 0x6c}, 2, 0x21, 1, true),
		IO_DONE);
	assert_int_equal(vm->ram[0xffff], 0xfb);
	assert_int_equal(v->gpr[GPR_RDI], 0x123400000000ULL);
}

/* A buffer outside guest RAM ends the VM, as any bad access does. */
static void test_string_buffer_outside_ram(void **state)
{
	static const uint8_t outsb[] = {0x6e};

	(void)state;
	v->gpr[GPR_RSI] = RAM_SIZE;
	assert_int_equal(string_io(outsb, sizeof(outsb), 0x21, 1, false),
			 IO_STOPPED);
	assert_ended(OUTCOME_BAD_ACCESS);
	assert_non_null(strstr(vm->detail, "not guest RAM"));
	assert_int_equal(vm->dev.pic.chip[0].imr, 0xfb); /* nothing written */
}

/* Bytes at RIP that are not INS/OUTS: reported, never guessed. */
static void test_string_io_not_decodable(void **state)
{
	static const uint8_t nops[] = {0x90, 0x90};

	(void)state;
	assert_int_equal(string_io(nops, sizeof(nops), COM1_PORT, 1, false),
			 IO_STOPPED);
	assert_ended(OUTCOME_UNEXPECTED_EXIT);
	assert_true(fake_serial_contains("unexpected exit"));
	assert_non_null(strstr(vm->detail, "not INS/OUTS"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_debug_exit_port),
		T(test_testdev_echo),
		T(test_testdev_irq_lines),
		T(test_uart_lsr),
		T(test_uart_output_line),
		T(test_unknown_port_floats_high),
		T(test_fwcfg),
		T(test_pic_masks),
		T(test_pci_config_space_is_empty),
		T(test_xapic_page),
		T(test_xapic_page_relocated),
		T(test_rep_insb),
		T(test_outsb_override_and_df),
		T(test_insw_across_a_page),
		T(test_long_rep_runs_in_batches),
		T(test_address_size_16),
		T(test_string_buffer_outside_ram),
		T(test_string_io_not_decodable),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
