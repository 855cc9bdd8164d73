// SPDX-License-Identifier: MIT
/*
 * INIT and SIPI as a processor takes them (SDM vol. 3, 9.4.4 and 11.4.7.3):
 * INIT puts an AP back in wait-for-SIPI with its APIC reset but for its
 * ID; a SIPI starts a waiting AP in real mode at the vector's page. Only
 * the vCPU's own thread changes its state, so the backends see a vCPU
 * made, run and destroyed on one CPU.
 */
#include "core/vm/vcpu_run.h"
#include "core/dev/devices.h"
#include "core/dev/irq.h"
#include "core/host/apic.h"
#include "core/host/cpu.h"
#include "core/vm/cpu_reset.h"
#include "core/vm/entry_state.h"
#include "core/vm/vm.h"
#include "lib/string.h"

static bool vm_over(const struct vm *vm)
{
	return __atomic_load_n(&vm->ended, __ATOMIC_ACQUIRE);
}

/* Back to the state after INIT: waiting for a SIPI, its APIC reset. */
static void take_init(struct vcpu *v)
{
	uint32_t id = v->apic.id;

	__atomic_store_n(&v->init_pending, false, __ATOMIC_RELEASE);
	if (v->arch)
		vm_backend->vcpu_destroy(v);
	lapic_reset(v);
	v->apic.id = id;
	__atomic_store_n(&v->state, VCPU_WAIT_SIPI, __ATOMIC_RELEASE);
}

/*
 * The host CPU halts until a SIPI comes (the sender kicks it) or the VM
 * ends; past the VM's budget it ends the VM, as a running vCPU would.
 */
static bool wait_for_sipi(struct vcpu *v)
{
	struct vm *vm = v->vm;

	while (!vm_over(vm)) {
		vcpu_tlb_ack(v);
		if (__atomic_load_n(&v->init_pending, __ATOMIC_ACQUIRE))
			take_init(v);
		if (__atomic_exchange_n(&v->sipi_pending, false,
					__ATOMIC_ACQ_REL))
			return true;
		host_wait(vm->deadline_tsc);
		if (host_timer_take_expired() && dev_now() >= vm->deadline_tsc)
			vm_end(vm, OUTCOME_TIMEOUT,
			       "still running after its %lu ms (vCPU %u "
			       "waiting "
			       "for a SIPI)",
			       vm->opt.timeout_ms, v->index);
	}
	return false;
}

/* The SIPI's vector names the 4 KiB page the AP starts in (9.4.4.1). */
static bool start_from_sipi(struct vcpu *v)
{
	struct entry_state e;
	char err[96];

	entry_state_sipi(&e, v->sipi_vector);
	memset(v->gpr, 0, sizeof(v->gpr));
	/* EDX after INIT: the processor's signature (9.1.4). */
	v->gpr[GPR_RDX] = v->vm->cpu.basic[1].eax;
	/* What an earlier VM left in this host CPU's registers goes. */
	cpu_reset_guest_state();
	if (vm_backend->vcpu_create(v, &e, err, sizeof(err))) {
		vm_end(v->vm, OUTCOME_ENTRY_FAILED, "vCPU %u: %s", v->index,
		       err);
		return false;
	}
	__atomic_store_n(&v->state, VCPU_RUNNING, __ATOMIC_RELEASE);
	return true;
}

void vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;

	while (!vm_over(vm)) {
		if (v->state == VCPU_WAIT_SIPI &&
		    (!wait_for_sipi(v) || !start_from_sipi(v)))
			break;
		vm_backend->run(v); /* until the VM ends or an INIT comes */
		if (vm_over(vm) || !v->init_pending)
			break;
		/* A BSP's INIT restarts its firmware, which mhv has none of. */
		if (v->index == 0) {
			vm_end(vm, OUTCOME_UNEXPECTED_EXIT,
			       "INIT to the BSP: no firmware to restart it at "
			       "0xfffffff0");
			break;
		}
		take_init(v);
	}
	if (v->index && v->arch)
		vm_backend->vcpu_destroy(v);
}
