// SPDX-License-Identifier: MIT
/* PCI configuration mechanism #1 with no device behind it. */
#include "core/dev/devices.h"
#include "core/vm/vm.h"

uint32_t pci_port_read(struct vcpu *v, uint16_t port, unsigned int size)
{
	if (port == PCI_CONFIG_ADDRESS && size == 4)
		return v->vm->dev.pci_address;
	return ~0u;
}

void pci_port_write(struct vcpu *v, uint16_t port, unsigned int size,
		    uint32_t val)
{
	if (port == PCI_CONFIG_ADDRESS && size == 4)
		v->vm->dev.pci_address = val & 0x80fffffcu;
}
