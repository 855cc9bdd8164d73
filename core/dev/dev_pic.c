// SPDX-License-Identifier: MIT
/*
 * The 8259 pair as far as guests touch it today: the mask registers keep
 * their value, nothing is delivered.
 */
#include "core/dev/devices.h"
#include "core/vm/vm.h"

uint32_t pic_port_read(struct vcpu *v, uint16_t port, unsigned int size)
{
	if (port == 0x21 || port == 0xa1)
		return v->vm->dev.pic_imr[port == 0xa1];
	return 0;
}

void pic_port_write(struct vcpu *v, uint16_t port, unsigned int size,
		    uint32_t val)
{
	if (port == 0x21 || port == 0xa1)
		v->vm->dev.pic_imr[port == 0xa1] = (uint8_t)val;
}
