// SPDX-License-Identifier: MIT
/*
 * The guest's buses: which device answers a port or an MMIO address. Port
 * ranges are few and fixed, so a short table beats anything cleverer; each
 * device model lives in its own dev_*.c.
 */
#include "core/dev/devices.h"
#include "core/host/log.h"
#include "core/vm/acpi_tables.h"
#include "core/vm/vm.h"

struct port_range {
	uint16_t first, last;
	uint32_t (*read)(struct vcpu *v, uint16_t port, unsigned int size);
	void (*write)(struct vcpu *v, uint16_t port, unsigned int size,
		      uint32_t val);
};

static void ignore_write(struct vcpu *v, uint16_t port, unsigned int size,
			 uint32_t val)
{
}

static const struct port_range ports[] = {
	{0x20, 0x21, pic_port_read, pic_port_write},
	{0xa0, 0xa1, pic_port_read, pic_port_write},
	{0x4d0, 0x4d1, pic_port_read, pic_port_write}, /* ELCR */
	{0x40, 0x43, pit_port_read, pit_port_write},
	/* NMI status and control: PIT channel 2's gate and OUT. */
	{0x61, 0x61, pit_port_read, pit_port_write},
	{DEBUG_EXIT_PORT, DEBUG_EXIT_PORT + 3, debug_exit_port_read,
	 debug_exit_port_write},
	{TESTDEV_PORT, TESTDEV_PORT + 3, testdev_port_read, testdev_port_write},
	{TESTDEV_IRQ_PORT, TESTDEV_IRQ_PORT + TESTDEV_IRQ_LINES - 1,
	 testdev_irq_port_read, testdev_irq_port_write},
	{COM1_PORT, COM1_PORT + 7, uart_port_read, uart_port_write},
	{FW_CFG_PORT_SEL, FW_CFG_PORT_DATA, fwcfg_port_read, fwcfg_port_write},
	{PCI_CONFIG_ADDRESS, PCI_CONFIG_DATA + 3, pci_port_read,
	 pci_port_write},
	{GUEST_PM_TIMER_PORT, GUEST_PM_TIMER_PORT + 3, pm_timer_port_read,
	 ignore_write},
};

static inline void port_access(const struct port_range *r, struct vcpu *v,
			       uint16_t port, unsigned int size, bool in,
			       uint32_t *val, uint32_t mask)
{
	if (in)
		*val = r->read(v, port, size) & mask;
	else
		r->write(v, port, size, *val & mask);
}

/*
 * Out of line: with one vCPU (the exits bench measures) the lock is never
 * taken, and its code would otherwise keep io_emulate from being inlined.
 */
static __attribute__((noinline, cold)) void
port_access_locked(const struct port_range *r, struct vcpu *v, uint16_t port,
		   unsigned int size, bool in, uint32_t *val, uint32_t mask)
{
	spin_lock(&v->vm->dev.lock);
	port_access(r, v, port, size, in, val, mask);
	spin_unlock(&v->vm->dev.lock);
}

void io_emulate(struct vcpu *v, uint16_t port, unsigned int size, bool in,
		uint32_t *val)
{
	uint32_t mask = size >= 4 ? ~0u : (1u << (8 * size)) - 1;

	for (unsigned int i = 0; i < ARRAY_SIZE(ports); i++) {
		const struct port_range *r = &ports[i];

		if (port < r->first || port > r->last)
			continue;
		if (likely(v->vm->nr_vcpus == 1))
			port_access(r, v, port, size, in, val, mask);
		else
			port_access_locked(r, v, port, size, in, val, mask);
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
	vm->dev = (struct devices){0};
	pic_reset(vm);
	pit_reset(vm);
	ioapic_reset(vm);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		lapic_reset(&vm->vcpus[i]);
}

void devices_flush(struct vm *vm)
{
	uart_flush(vm);
}

/*
 * The xAPIC page is the vCPU's own, at the base its IA32_APIC_BASE names
 * (the CPU decodes it before the bus does, so it hides the I/O APIC if
 * moved over it). Where the guest moved it over RAM, RAM answers without
 * an exit, as under KVM.
 */
static bool in_xapic_page(const struct vcpu *v, uint64_t gpa)
{
	return gpa - xapic_mmio_base(v) < XAPIC_SIZE;
}

bool mmio_device_at(const struct vcpu *v, uint64_t gpa)
{
	return in_xapic_page(v, gpa) ||
	       (gpa >= IOAPIC_BASE && gpa < IOAPIC_BASE + IOAPIC_SIZE);
}

bool mmio_device_access(struct vcpu *v, uint64_t gpa, unsigned int size,
			bool write, uint64_t *val)
{
	unsigned int offset;
	bool locked;

	if (in_xapic_page(v, gpa) && xapic_mmio_on(v)) {
		offset = (unsigned int)(gpa - xapic_mmio_base(v));
		/* Registers are 32 bits wide at 16-byte strides. */
		if (write)
			xapic_write(v, offset & ~0xfu, (uint32_t)*val);
		else
			*val = xapic_read(v, offset & ~0xfu) >>
			       (8 * (offset & 3));
		return true;
	}
	if (gpa >= IOAPIC_BASE && gpa < IOAPIC_BASE + IOAPIC_SIZE) {
		offset = (unsigned int)(gpa - IOAPIC_BASE);
		locked = vm_dev_lock(v->vm);
		if (write)
			ioapic_mmio_write(v->vm, offset & ~3u, (uint32_t)*val);
		else
			*val = ioapic_mmio_read(v->vm, offset & ~3u) >>
			       (8 * (offset & 3));
		vm_dev_unlock(v->vm, locked);
		return true;
	}
	if (!in_xapic_page(v, gpa))
		return false;
	/*
	 * A disabled APIC or one in x2APIC mode does not decode its page
	 * (SDM vol. 3, 11.4.3, 11.12.1): nothing else is there, so reads
	 * float and writes go nowhere.
	 */
	if (!write)
		*val = ~0ULL;
	return true;
}
