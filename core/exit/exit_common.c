// SPDX-License-Identifier: MIT
/*
 * Exit semantics shared by both backends: hypercalls, HLT, MMIO, #UD, the
 * time budget.
 */
#include "core/host/apic.h"
#include "core/host/cpu.h"
#include "core/exit/exits.h"
#include "core/dev/irq.h"
#include "core/exit/guest_paging.h"
#include "core/vm/hypercall_abi.h"
#include "core/host/log.h"
#include "core/exit/mmio_decode.h"
#include "core/host/version.h"
#include "core/x86.h"
#include "lib/compiler.h"

static bool contributory(unsigned int vector)
{
	return vector == VEC_DE || (vector >= VEC_TS && vector <= VEC_GP) ||
	       vector == VEC_CP;
}

enum exception_merge exception_merge(unsigned int first, unsigned int second)
{
	bool second_serious = contributory(second) || second == VEC_PF;

	if (first == VEC_DF && second_serious)
		return MERGE_SHUTDOWN;
	if ((contributory(first) && contributory(second)) ||
	    (first == VEC_PF && second_serious))
		return MERGE_DOUBLE_FAULT;
	return MERGE_NEW;
}

bool exception_combine(struct vcpu *v, unsigned int pending,
		       unsigned int *vector, bool *has_error, uint32_t *error)
{
	switch (exception_merge(pending, *vector)) {
	case MERGE_SHUTDOWN:
		vm_end(v->vm, OUTCOME_TRIPLE_FAULT,
		       "exception %u while delivering #DF (shutdown)", *vector);
		return false;
	case MERGE_DOUBLE_FAULT:
		*vector = VEC_DF;
		*has_error = true;
		*error = 0;
		break;
	case MERGE_NEW:
		break;
	}
	return true;
}

void exit_fault_during_delivery(struct vcpu *v, uint64_t gpa,
				unsigned int vector)
{
	pr_err("%s: delivering vector %u touched guest-physical %#lx outside "
	       "RAM\n",
	       v->vm->opt.name, vector, gpa);
	vm_dump_state(v);
	vm_end(v->vm, OUTCOME_BAD_ACCESS,
	       "delivery of vector %u touched guest-physical %#lx outside RAM "
	       "and devices",
	       vector, gpa);
}

void exit_inject_ud(struct vcpu *v)
{
	vm_backend->inject_exception(v, VEC_UD, false, 0);
}

/*
 * The calls that change the VM (a discard, an IPI) and the unknown ones,
 * out of line: PING's path, the one the bench measures, stays short.
 */
static __cold_path uint64_t hypercall_rare(struct vcpu *v, uint64_t nr)
{
	uint64_t ret;

	switch (nr) {
	case MHV_HC_DISCARD: {
		int rc = guest_ram_discard(v->vm, v->gpr[GPR_RBX]);

		if (rc > 0)
			vm_tlb_shootdown(v);
		ret = rc < 0 ? MHV_HC_EINVAL : 0;
		break;
	}
	case MHV_HC_KVM_SEND_IPI: {
		struct vcpu_state s;

		vm_backend->get_state(v, &s);
		ret = lapic_pv_send_ipi(
			v, v->gpr[GPR_RBX], v->gpr[GPR_RCX], v->gpr[GPR_RDX],
			(uint32_t)v->gpr[GPR_RSI],
			guest_cpu_mode(&s) == CPU_MODE_64 ? 64 : 32);
		break;
	}
	default:
		ret = MHV_HC_ENOSYS;
		break;
	}
	return ret;
}

bool exit_hypercall(struct vcpu *v)
{
	uint64_t nr = v->gpr[GPR_RAX];
	uint64_t ret;

	if (!v->vm->opt.hypercalls) {
		/* What the CPU does when VMCALL/VMMCALL is not intercepted. */
		exit_inject_ud(v);
		return false;
	}
	switch (nr) {
	case MHV_HC_PING:
		ret = MHV_HC_PING_REPLY;
		break;
	case MHV_HC_VERSION:
		ret = MHV_HC_ABI_VERSION;
		break;
	case MHV_HC_EXIT_COUNT: {
		uint64_t code = v->gpr[GPR_RBX];
		unsigned int slot = vm_backend->exit_counter(code);

		ret = slot < VM_EXIT_COUNTERS - 1 ? v->vm->exit_counts[slot]
						  : MHV_HC_EINVAL;
		break;
	}
	default:
		ret = hypercall_rare(v, nr);
		break;
	}
	v->gpr[GPR_RAX] = ret;
	return true;
}

bool exit_xsetbv(struct vcpu *v)
{
	uint32_t xcr = (uint32_t)v->gpr[GPR_RCX];
	uint64_t val = (v->gpr[GPR_RDX] << 32) | (uint32_t)v->gpr[GPR_RAX];

	/*
	 * Only XCR0 exists; the CPU itself judges the value (the fixup turns
	 * its #GP into the guest's). mhv keeps no XSAVE state of its own, so
	 * the guest's XCR0 may stay in the register.
	 */
	if (xcr != 0 || xsetbv_safe(xcr, val)) {
		vm_backend->inject_exception(v, VEC_GP, true, 0);
		return false;
	}
	return true;
}

/* Whether anything could still interrupt a halted vCPU: an armed timer. */
static bool wake_source_armed(const struct vcpu *v)
{
	return vcpu_timer_next(v) != 0;
}

void exit_halted(struct vcpu *v, bool interrupts_enabled)
{
	struct vm *vm = v->vm;

	for (;;) {
		/* Another vCPU ended the VM and kicked this one awake. */
		if (__atomic_load_n(&vm->ended, __ATOMIC_ACQUIRE))
			return;
		/* Halted, it uses no translation: it answers a shootdown. */
		vcpu_tlb_ack(v);
		if (v->apic.nmi_pending || v->init_pending ||
		    (interrupts_enabled && irq_pending(v) >= 0)) {
			v->events = true;
			return; /* the entry delivers it, or INIT resets */
		}
		/*
		 * Nothing can wake a lone vCPU: with IF=0 only an NMI could,
		 * and no NMI source of a one-vCPU VM is armed by time; with
		 * IF=1 no timer is armed and nothing else raises interrupts.
		 * Another vCPU could always send an IPI, an NMI or an INIT:
		 * then the halt lasts until one comes or the budget ends.
		 */
		if (vm->nr_vcpus == 1 &&
		    (!interrupts_enabled || !wake_source_armed(v))) {
			vm_end(vm, OUTCOME_HALT, "HLT with interrupts %s",
			       interrupts_enabled
				       ? "enabled and no interrupt source armed"
				       : "disabled");
			return;
		}
		host_wait(vcpu_next_deadline(v));
		if (host_timer_take_expired()) {
			exit_timers(v);
			if (vm->ended)
				return;
		}
	}
}

uint64_t vcpu_next_deadline(const struct vcpu *v)
{
	const struct vm *vm = v->vm;
	uint64_t next = vcpu_timer_next(v);

	return next && next < vm->deadline_tsc ? next : vm->deadline_tsc;
}

void exit_timers(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint64_t now = dev_now();
	struct vcpu_state s;

	vcpu_timers_run(v, now);
	/* Whatever fired, the timer guarding the VM is armed again. */
	v->events = true;
	if (now < vm->deadline_tsc)
		return;
	vm_backend->get_state(v, &s);
	vm_end(vm, OUTCOME_TIMEOUT,
	       "still running after its %lu ms at RIP %#lx", vm->opt.timeout_ms,
	       s.rip);
}

void exit_host_interrupt(struct vcpu *v)
{
	if (host_timer_take_expired())
		exit_timers(v);
}

unsigned int exit_mmio(struct vcpu *v, uint64_t gpa, bool is_write,
		       bool is_fetch)
{
	struct vm *vm = v->vm;
	struct vcpu_state s;
	struct mmio_insn insn;
	uint8_t bytes[15];
	size_t avail;
	uint64_t val = 0;
	char err[96];

	vm_backend->get_state(v, &s);
	if (is_fetch || !mmio_device_at(v, gpa)) {
		vm_end(vm, OUTCOME_BAD_ACCESS,
		       "%s of guest-physical %#lx outside RAM and devices at "
		       "RIP %#lx",
		       is_fetch	  ? "instruction fetch"
		       : is_write ? "write"
				  : "read",
		       gpa, s.rip);
		return 0;
	}
	/* Near the end of mapped memory fewer than 15 bytes may be readable. */
	avail = guest_fetch_insn(vm, &s, bytes);
	if (!avail) {
		vm_end(vm, OUTCOME_UNEXPECTED_EXIT,
		       "MMIO at %#lx: cannot read the instruction at RIP %#lx",
		       gpa, s.rip);
		return 0;
	}
	if (mmio_decode(bytes, avail, guest_cpu_mode(&s), &insn, err,
			sizeof(err))) {
		vm_end(vm, OUTCOME_UNEXPECTED_EXIT,
		       "MMIO at %#lx, RIP %#lx: %s", gpa, s.rip, err);
		return 0;
	}
	/* RSP is not synced on every exit: bring it in for the decoder. */
	v->gpr[GPR_RSP] = s.rsp;
	if (insn.write)
		val = mmio_write_value(&insn, v->gpr);
	mmio_device_access(v, gpa, insn.size, insn.write, &val);
	if (!insn.write) {
		mmio_complete_read(&insn, v->gpr, val);
		if (v->gpr[GPR_RSP] != s.rsp)
			vm_backend->set_rsp(v, v->gpr[GPR_RSP]);
	}
	return insn.len;
}

void exit_unexpected(struct vcpu *v, uint64_t code, uint64_t info1,
		     uint64_t info2)
{
	pr_err("%s: unexpected exit %#lx (%s), info %#lx %#lx\n",
	       v->vm->opt.name, code, vm_backend->exit_name(code), info1,
	       info2);
	vm_dump_state(v);
	vm_end(v->vm, OUTCOME_UNEXPECTED_EXIT, "unexpected exit %#lx (%s)",
	       code, vm_backend->exit_name(code));
}

void exit_not_decodable(struct vcpu *v, const char *what)
{
	struct vcpu_state s;

	vm_backend->get_state(v, &s);
	pr_err("%s: unexpected exit: %s at RIP %#lx\n", v->vm->opt.name, what,
	       s.rip);
	vm_dump_state(v);
	vm_end(v->vm, OUTCOME_UNEXPECTED_EXIT, "%s at RIP %#lx", what, s.rip);
}
