// SPDX-License-Identifier: MIT
/*
 * Device deadlines and vCPU kicks: the glue between the device models and
 * the run loops, which arm one host timer for the earliest deadline.
 */
#include "core/dev/devices.h"
#include "core/host/smp.h"
#include "core/vm/vm.h"

void vcpu_kick(struct vcpu *v)
{
	v->events = true;
	/*
	 * Another CPU runs it: an IPI makes it exit, or wakes it from a
	 * halt, to look (svm_events / vmx_events clear events first).
	 */
	if (v->vm->nr_vcpus > 1 && v->host_cpu != smp_this_cpu())
		smp_kick(v->host_cpu);
}

void vm_irq_kick(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
}

void vm_tlb_shootdown(struct vcpu *self)
{
	struct vm *vm = self->vm;
	uint64_t gen = __atomic_add_fetch(&vm->tlb_gen, 1, __ATOMIC_SEQ_CST);

	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (&vm->vcpus[i] != self)
			vcpu_kick(&vm->vcpus[i]);
	vcpu_tlb_ack(self);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *t = &vm->vcpus[i];

		/*
		 * Another vCPU's shootdown may wait for this one meanwhile:
		 * answer it, or the two would wait for each other.
		 */
		while (t != self &&
		       __atomic_load_n(&t->tlb_seen, __ATOMIC_ACQUIRE) < gen &&
		       !__atomic_load_n(&vm->ended, __ATOMIC_ACQUIRE)) {
			vcpu_tlb_ack(self);
			cpu_relax();
			/*
			 * A vCPU that never leaves the guest must not hold
			 * this CPU past the VM's budget: the VM ends instead.
			 */
			if (dev_now() >= vm->deadline_tsc)
				vm_end(vm, OUTCOME_TIMEOUT,
				       "vCPU %u did not take a TLB shootdown "
				       "in "
				       "before the end of the budget",
				       t->index);
		}
	}
}

/* The BSP keeps the VM's device timers: they are the VM's, not a vCPU's. */
static struct vcpu *timekeeper(struct vm *vm)
{
	return &vm->vcpus[0];
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
	vcpu_kick(timekeeper(vm));
}

void lapic_timer_set(struct vcpu *v, uint64_t deadline)
{
	if (v->lapic_timer_at == deadline)
		return;
	v->lapic_timer_at = deadline;
	vcpu_kick(v);
}

static uint64_t earlier(uint64_t a, uint64_t b)
{
	return a && (!b || a < b) ? a : b;
}

uint64_t vcpu_timer_next(const struct vcpu *v)
{
	const struct vm *vm = v->vm;
	uint64_t next = v->lapic_timer_at;

	if (v == &vm->vcpus[0])
		for (unsigned int i = 0; i < VM_TIMER_COUNT; i++)
			next = earlier(vm->dev.timer_at[i], next);
	return next;
}

void vcpu_timers_run(struct vcpu *v, uint64_t now)
{
	uint64_t *at = v->vm->dev.timer_at;

	if (v->lapic_timer_at && v->lapic_timer_at <= now)
		lapic_timer_expired(v, now);
	if (v == timekeeper(v->vm) && at[VM_TIMER_PIT] &&
	    at[VM_TIMER_PIT] <= now) {
		bool locked = vm_dev_lock(v->vm);

		pit_timer_expired(v->vm, now);
		vm_dev_unlock(v->vm, locked);
	}
}
