// SPDX-License-Identifier: MIT
/*
 * ISA interrupt lines as a PC wires them: each to the 8259 pair and to the
 * I/O APIC pin of the same number, except IRQ0 (the PIT), which reaches
 * I/O APIC pin 2; the guest's MADT says so with an interrupt source
 * override, as QEMU's and most firmware's do.
 */
#include "core/dev/devices.h"
#include "core/vm/vm.h"

void isa_irq_set(struct vm *vm, unsigned int irq, bool level)
{
	if (irq >= 16)
		return;
	pic_set_irq(vm, irq, level);
	ioapic_set_irq(vm, irq == 0 ? 2 : irq, level);
}
