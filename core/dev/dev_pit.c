// SPDX-License-Identifier: MIT
/* The 8254 PIT: not modelled yet (ports 0x40-0x43 float). */
#include "core/dev/devices.h"
#include "core/vm/vm.h"

void pit_reset(struct vm *vm)
{
	vm->dev.pit = (struct pit_state){0};
}

void pit_timer_expired(struct vm *vm, uint64_t now)
{
	vm_timer_set(vm, VM_TIMER_PIT, 0);
}
