// SPDX-License-Identifier: MIT
/*
 * QEMU's two test devices kvm-unit-tests relies on: isa-debug-exit, whose
 * write ends the VM with the payload's status, and pc-testdev: its echo
 * register (port I/O of every size is checked with it: reads give back
 * what was written) and its IRQ lines (tests raise and lower ISA IRQs
 * with them: ioapic, realmode).
 */
#include "core/dev/devices.h"
#include "core/dev/irq.h"
#include "core/vm/vm.h"

uint32_t debug_exit_port_read(struct vcpu *v, uint16_t port, unsigned int size)
{
	return ~0u;
}

void debug_exit_port_write(struct vcpu *v, uint16_t port, unsigned int size,
			   uint32_t val)
{
	v->vm->exit_status = val;
	vm_end(v->vm, OUTCOME_EXIT, "exit status %u", val);
}

uint32_t testdev_port_read(struct vcpu *v, uint16_t port, unsigned int size)
{
	return v->vm->dev.testdev_port >> (8 * (port - TESTDEV_PORT));
}

void testdev_port_write(struct vcpu *v, uint16_t port, unsigned int size,
			uint32_t val)
{
	unsigned int shift = 8 * (port - TESTDEV_PORT);
	uint32_t mask = (size >= 4 ? ~0u : (1u << (8 * size)) - 1) << shift;
	uint32_t *reg = &v->vm->dev.testdev_port;

	*reg = (*reg & ~mask) | ((val << shift) & mask);
}

/*
 * pc-testdev's IRQ lines: a byte written to TESTDEV_IRQ_PORT + n drives
 * ISA IRQ n, high when nonzero, low when zero (QEMU's test_irq_line_write).
 * The range takes byte accesses only, so QEMU cuts a wider OUT into one
 * byte per port: `outl 1` to +11 raises IRQ 11 and lowers IRQ 12-14, and
 * mhv does the same. Lines 16-23 of the 24 ports have no ISA IRQ (QEMU
 * asserts on them); nothing is read back.
 */
uint32_t testdev_irq_port_read(struct vcpu *v, uint16_t port, unsigned int size)
{
	return ~0u;
}

void testdev_irq_port_write(struct vcpu *v, uint16_t port, unsigned int size,
			    uint32_t val)
{
	unsigned int line = port - TESTDEV_IRQ_PORT;

	for (unsigned int i = 0; i < size && line + i < TESTDEV_IRQ_LINES; i++)
		isa_irq_set(v->vm, line + i, (val >> (8 * i)) & 0xff);
}
