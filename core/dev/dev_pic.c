// SPDX-License-Identifier: MIT
/*
 * The 8259 pair as far as guests touch it today: the mask registers keep
 * their value, nothing is delivered. (To be replaced by the full model.)
 */
#include "core/dev/devices.h"
#include "core/vm/vm.h"

void pic_reset(struct vm *vm)
{
	vm->dev.pic.chip[0].imr = 0xff;
	vm->dev.pic.chip[1].imr = 0xff;
}

void pic_set_irq(struct vm *vm, unsigned int irq, bool level)
{
}

bool pic_intr(const struct vm *vm)
{
	return false;
}

uint8_t pic_acknowledge(struct vm *vm)
{
	return 0x0f; /* spurious IRQ7 at the power-on base */
}

uint32_t pic_port_read(struct vcpu *v, uint16_t port, unsigned int size)
{
	if (port == 0x21 || port == 0xa1)
		return v->vm->dev.pic.chip[port == 0xa1].imr;
	return 0;
}

void pic_port_write(struct vcpu *v, uint16_t port, unsigned int size,
		    uint32_t val)
{
	if (port == 0x21 || port == 0xa1)
		v->vm->dev.pic.chip[port == 0xa1].imr = (uint8_t)val;
}
