// SPDX-License-Identifier: MIT
/*
 * Guest port I/O and device MMIO dispatch. Port ranges are few and fixed,
 * so a short table beats anything cleverer.
 */
#include "core/vm/acpi_tables.h"
#include "core/dev/devices.h"
#include "core/host/tsc.h"
#include "core/host/log.h"
#include "core/vm/vm.h"

#define DEBUG_EXIT_PORT 0xf4
#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc

struct port_range {
	uint16_t first, last;
	uint32_t (*read)(struct vcpu *v, uint16_t port, unsigned int size);
	void (*write)(struct vcpu *v, uint16_t port, unsigned int size,
		      uint32_t val);
};

static uint32_t com1_read(struct vcpu *v, uint16_t port, unsigned int size)
{
	return uart_read(v->vm, port - 0x3f8);
}

static void com1_write(struct vcpu *v, uint16_t port, unsigned int size,
		       uint32_t val)
{
	uart_write(v->vm, port - 0x3f8, (uint8_t)val);
}

static uint32_t debug_exit_read(struct vcpu *v, uint16_t port,
				unsigned int size)
{
	return ~0u;
}

/* QEMU's isa-debug-exit: the payload's status ends the VM. */
static void debug_exit_write(struct vcpu *v, uint16_t port, unsigned int size,
			     uint32_t val)
{
	v->vm->exit_status = val;
	vm_end(v->vm, OUTCOME_EXIT, "exit status %u", val);
}

/* 8259 PICs: the mask registers keep their value; nothing is delivered. */
static uint32_t pic_read(struct vcpu *v, uint16_t port, unsigned int size)
{
	if (port == 0x21 || port == 0xa1)
		return v->vm->dev.pic_imr[port == 0xa1];
	return 0;
}

static void pic_write(struct vcpu *v, uint16_t port, unsigned int size,
		      uint32_t val)
{
	if (port == 0x21 || port == 0xa1)
		v->vm->dev.pic_imr[port == 0xa1] = (uint8_t)val;
}

/* PCI configuration mechanism #1 with no device behind it. */
static uint32_t pci_read(struct vcpu *v, uint16_t port, unsigned int size)
{
	if (port == PCI_CONFIG_ADDRESS && size == 4)
		return v->vm->dev.pci_address;
	return ~0u;
}

static void pci_write(struct vcpu *v, uint16_t port, unsigned int size,
		      uint32_t val)
{
	if (port == PCI_CONFIG_ADDRESS && size == 4)
		v->vm->dev.pci_address = val & 0x80fffffcu;
}

static uint32_t fwcfg_port_read(struct vcpu *v, uint16_t port,
				unsigned int size)
{
	return fwcfg_read(v->vm, port, size);
}

static void fwcfg_port_write(struct vcpu *v, uint16_t port, unsigned int size,
			     uint32_t val)
{
	fwcfg_write(v->vm, port, size, val);
}

/*
 * The echo register of QEMU's pc-testdev at 0xe0 (kvm-unit-tests checks
 * port I/O of every size with it): reads give back what was written.
 */
#define TESTDEV_PORT 0xe0

static uint32_t testdev_read(struct vcpu *v, uint16_t port, unsigned int size)
{
	return v->vm->dev.testdev_port >> (8 * (port - TESTDEV_PORT));
}

static void testdev_write(struct vcpu *v, uint16_t port, unsigned int size,
			  uint32_t val)
{
	unsigned int shift = 8 * (port - TESTDEV_PORT);
	uint32_t mask = (size >= 4 ? ~0u : (1u << (8 * size)) - 1) << shift;
	uint32_t *reg = &v->vm->dev.testdev_port;

	*reg = (*reg & ~mask) | ((val << shift) & mask);
}

/* ACPI PM timer: a free-running 24-bit counter at 3.579545 MHz. */
static uint32_t pm_timer_read(struct vcpu *v, uint16_t port, unsigned int size)
{
	return pm_timer_now() >> (8 * (port - GUEST_PM_TIMER_PORT));
}

static void ignore_write(struct vcpu *v, uint16_t port, unsigned int size,
			 uint32_t val)
{
}

static const struct port_range ports[] = {
	{0x20, 0x21, pic_read, pic_write},
	{0xa0, 0xa1, pic_read, pic_write},
	{DEBUG_EXIT_PORT, DEBUG_EXIT_PORT + 3, debug_exit_read,
	 debug_exit_write},
	{TESTDEV_PORT, TESTDEV_PORT + 3, testdev_read, testdev_write},
	{0x3f8, 0x3ff, com1_read, com1_write},
	{0x510, 0x511, fwcfg_port_read, fwcfg_port_write},
	{PCI_CONFIG_ADDRESS, PCI_CONFIG_DATA + 3, pci_read, pci_write},
	{GUEST_PM_TIMER_PORT, GUEST_PM_TIMER_PORT + 3, pm_timer_read,
	 ignore_write},
};

void io_emulate(struct vcpu *v, uint16_t port, unsigned int size, bool in,
		uint32_t *val)
{
	uint32_t mask = size >= 4 ? ~0u : (1u << (8 * size)) - 1;

	for (unsigned int i = 0; i < ARRAY_SIZE(ports); i++) {
		const struct port_range *r = &ports[i];

		if (port < r->first || port > r->last)
			continue;
		if (in)
			*val = r->read(v, port, size) & mask;
		else
			r->write(v, port, size, *val & mask);
		return;
	}
	/* An empty bus: reads float high, writes go nowhere. */
	v->vm->unhandled_io++;
	if (in)
		*val = mask;
	pr_debug("%s: %s port %#x (%u bytes) has no device\n", v->vm->opt.name,
		 in ? "read from" : "write to", port, size);
}

void devices_init(struct vm *vm)
{
	vm->dev = (struct devices){.pic_imr = {0xff, 0xff}};
	xapic_reset(vm);
}

bool mmio_device_at(uint64_t gpa)
{
	return gpa >= XAPIC_BASE && gpa < XAPIC_BASE + XAPIC_SIZE;
}

bool mmio_device_access(struct vm *vm, uint64_t gpa, unsigned int size,
			bool write, uint64_t *val)
{
	unsigned int offset;

	if (!mmio_device_at(gpa))
		return false;
	offset = (unsigned int)(gpa - XAPIC_BASE);
	/* Registers are 32 bits wide at 16-byte strides. */
	if (write)
		xapic_write(vm, offset & ~0xfu, (uint32_t)*val);
	else
		*val = xapic_read(vm, offset & ~0xfu) >> (8 * (offset & 3));
	return true;
}
