// SPDX-License-Identifier: MIT
/*
 * Device deadlines and vCPU kicks: the glue between the device models and
 * the run loops, which arm one host timer for the earliest deadline.
 */
#include "core/dev/devices.h"
#include "core/vm/vm.h"

void vcpu_kick(struct vcpu *v)
{
	v->events = true;
}

void vm_irq_kick(struct vm *vm)
{
	vcpu_kick(&vm->vcpu);
}

void vm_timer_set(struct vm *vm, enum vm_timer_id id, uint64_t deadline)
{
	if (vm->dev.timer_at[id] == deadline)
		return;
	vm->dev.timer_at[id] = deadline;
	/*
	 * The host timer is armed for the earliest deadline only on an entry
	 * with v->events set: without this, a deadline sooner than the armed
	 * one waits for it (a guest spinning for its LAPIC timer waits until
	 * the budget runs out).
	 */
	vcpu_kick(&vm->vcpu);
}

uint64_t vm_timer_next(const struct vm *vm)
{
	uint64_t next = 0;

	for (unsigned int i = 0; i < VM_TIMER_COUNT; i++) {
		uint64_t at = vm->dev.timer_at[i];

		if (at && (!next || at < next))
			next = at;
	}
	return next;
}

void vm_timers_run(struct vm *vm, uint64_t now)
{
	uint64_t *at = vm->dev.timer_at;

	if (at[VM_TIMER_LAPIC] && at[VM_TIMER_LAPIC] <= now)
		lapic_timer_expired(&vm->vcpu, now);
	if (at[VM_TIMER_PIT] && at[VM_TIMER_PIT] <= now)
		pit_timer_expired(vm, now);
}
