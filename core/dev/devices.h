/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_DEV_DEVICES_H
#define MHV_CORE_DEV_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dev/ioapic.h"
#include "core/dev/irq.h"
#include "core/dev/lapic.h"
#include "core/dev/pic.h"
#include "core/dev/pit.h"
#include "lib/spinlock.h"

struct vm;
struct vcpu;

/*
 * The devices a guest sees: the minimum the kvm-unit-tests platform
 * touches. Everything else on the I/O bus reads as all ones and drops
 * writes (counted), as an empty ISA/PCI bus would.
 */
#define GUEST_LINE_MAX 200

struct uart_state {
	uint8_t ier, lcr, mcr, scr, dll, dlh;
	size_t len;
	char line[GUEST_LINE_MAX + 1]; /* buffered until '\n' */
};

struct fwcfg_state {
	uint16_t selector;
	uint32_t offset;
};

struct devices {
	/* Serializes the VM's vCPUs on this state (vm_dev_lock, core/vm/vm.h). */
	struct spinlock lock;
	struct uart_state uart;
	struct fwcfg_state fwcfg;
	struct pic_state pic;
	struct pit_state pit;
	struct ioapic_state ioapic;
	uint64_t timer_at[VM_TIMER_COUNT]; /* core/dev/vtimer.c */
	uint32_t pci_address;
	uint32_t testdev_port; /* QEMU's pc-testdev echo register */
};

void devices_init(struct vm *vm);
/* At VM end: flush what devices still hold (a partial guest line). */
void devices_flush(struct vm *vm);

/* Port I/O from the guest. `val` is read for OUT and written for IN. */
void io_emulate(struct vcpu *v, uint16_t port, unsigned int size, bool in,
		uint32_t *val);

#define XAPIC_BASE 0xfee00000ULL
#define XAPIC_SIZE 0x1000ULL

/* Whether an emulated device decodes this guest-physical address. */
bool mmio_device_at(const struct vcpu *v, uint64_t gpa);
/* MMIO to a device; false when no device decodes the address. */
bool mmio_device_access(struct vcpu *v, uint64_t gpa, unsigned int size,
			bool write, uint64_t *val);

/*
 * Per-device handlers behind io_emulate (core/dev/bus.c), one file each:
 * a read returns the value for `size` bytes at `port`, a write takes it.
 */
#define COM1_PORT 0x3f8
#define DEBUG_EXIT_PORT 0xf4
#define TESTDEV_PORT 0xe0	/* QEMU pc-testdev's echo register */
#define TESTDEV_IRQ_PORT 0x2000 /* pc-testdev's IRQ lines, one port each */
#define TESTDEV_IRQ_LINES 24
#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc

uint32_t uart_port_read(struct vcpu *v, uint16_t port, unsigned int size);
void uart_port_write(struct vcpu *v, uint16_t port, unsigned int size,
		     uint32_t val);
/* Emit a partial guest line at VM end so nothing is lost. */
void uart_flush(struct vm *vm);
uint32_t fwcfg_port_read(struct vcpu *v, uint16_t port, unsigned int size);
void fwcfg_port_write(struct vcpu *v, uint16_t port, unsigned int size,
		      uint32_t val);
uint32_t pic_port_read(struct vcpu *v, uint16_t port, unsigned int size);
void pic_port_write(struct vcpu *v, uint16_t port, unsigned int size,
		    uint32_t val);
uint32_t pit_port_read(struct vcpu *v, uint16_t port, unsigned int size);
void pit_port_write(struct vcpu *v, uint16_t port, unsigned int size,
		    uint32_t val);
uint32_t pci_port_read(struct vcpu *v, uint16_t port, unsigned int size);
void pci_port_write(struct vcpu *v, uint16_t port, unsigned int size,
		    uint32_t val);
uint32_t debug_exit_port_read(struct vcpu *v, uint16_t port, unsigned int size);
void debug_exit_port_write(struct vcpu *v, uint16_t port, unsigned int size,
			   uint32_t val);
uint32_t testdev_port_read(struct vcpu *v, uint16_t port, unsigned int size);
void testdev_port_write(struct vcpu *v, uint16_t port, unsigned int size,
			uint32_t val);
uint32_t testdev_irq_port_read(struct vcpu *v, uint16_t port,
			       unsigned int size);
void testdev_irq_port_write(struct vcpu *v, uint16_t port, unsigned int size,
			    uint32_t val);
uint32_t pm_timer_port_read(struct vcpu *v, uint16_t port, unsigned int size);

/* The xAPIC page of the vCPU that accesses it, behind mmio_device_access. */
void lapic_reset(struct vcpu *v);
uint32_t xapic_read(struct vcpu *v, unsigned int offset);
void xapic_write(struct vcpu *v, unsigned int offset, uint32_t val);
/* Whether the LAPIC decodes its MMIO page (enabled, xAPIC mode). */
bool xapic_mmio_on(const struct vcpu *v);
/* Where that page is: IA32_APIC_BASE's address bits. */
uint64_t xapic_mmio_base(const struct vcpu *v);

/*
 * IA32_APIC_BASE and the x2APIC MSRs (0x800-0x8ff). Each returns 0, or -1
 * where the architecture raises #GP: an invalid mode transition, reserved
 * bits, an x2APIC MSR while x2APIC mode is off, a read of a write-only or
 * a write of a read-only register.
 */
uint64_t apic_base_read(struct vcpu *v);
int apic_base_write(struct vcpu *v, uint64_t val);
int x2apic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
int x2apic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);

#endif
