// SPDX-License-Identifier: MIT
/* The I/O APIC: registers kept, nothing delivered yet. */
#include "core/dev/devices.h"
#include "core/vm/vm.h"

void ioapic_reset(struct vm *vm)
{
	vm->dev.ioapic = (struct ioapic_state){0};
	for (unsigned int i = 0; i < IOAPIC_PINS; i++)
		vm->dev.ioapic.redir[i] = 1ULL << 16; /* masked */
}

void ioapic_set_irq(struct vm *vm, unsigned int pin, bool level)
{
}

void ioapic_eoi(struct vm *vm, uint8_t vector)
{
}

uint32_t ioapic_mmio_read(struct vm *vm, unsigned int offset)
{
	return offset == 0 ? vm->dev.ioapic.index : 0;
}

void ioapic_mmio_write(struct vm *vm, unsigned int offset, uint32_t val)
{
	if (offset == 0)
		vm->dev.ioapic.index = val & 0xff;
}
