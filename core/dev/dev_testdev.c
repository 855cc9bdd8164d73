// SPDX-License-Identifier: MIT
/*
 * QEMU's two test devices kvm-unit-tests relies on: isa-debug-exit, whose
 * write ends the VM with the payload's status, and the echo register of
 * pc-testdev (port I/O of every size is checked with it: reads give back
 * what was written).
 */
#include "core/dev/devices.h"
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
