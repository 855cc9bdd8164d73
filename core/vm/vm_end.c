// SPDX-License-Identifier: MIT
/* Ending a VM and reporting its state: shared by both backends' handlers. */
#include <stdarg.h>

#include "core/host/log.h"
#include "core/dev/irq.h"
#include "core/vm/vm.h"
#include "lib/fmt.h"

void vm_end(struct vm *vm, enum guest_outcome outcome, const char *fmt, ...)
{
	va_list ap;

	/* The first reason wins, whichever vCPU gives it. */
	if (__atomic_exchange_n(&vm->end_claimed, true, __ATOMIC_ACQ_REL))
		return;
	vm->outcome = outcome;
	va_start(ap, fmt);
	fmt_vsnprintf(vm->detail, sizeof(vm->detail), fmt, ap);
	va_end(ap);
	__atomic_store_n(&vm->ended, true, __ATOMIC_RELEASE);
	/* The other vCPUs stop at their next look. */
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
}

void vm_dump_state(struct vcpu *v)
{
	struct vcpu_state s;
	const uint64_t *r = v->gpr;

	vm_backend->get_state(v, &s);
	pr_err("  RIP=%016lx RFLAGS=%016lx CPL=%u CS=%04x%s\n", s.rip, s.rflags,
	       s.cpl, s.cs_sel, s.cs_long ? " (64-bit)" : "");
	pr_err("  RAX=%016lx RBX=%016lx RCX=%016lx RDX=%016lx\n", r[GPR_RAX],
	       r[GPR_RBX], r[GPR_RCX], r[GPR_RDX]);
	pr_err("  RSI=%016lx RDI=%016lx RBP=%016lx RSP=%016lx\n", r[GPR_RSI],
	       r[GPR_RDI], r[GPR_RBP], s.rsp);
	pr_err("  R8 =%016lx R9 =%016lx R10=%016lx R11=%016lx\n", r[GPR_R8],
	       r[GPR_R9], r[GPR_R10], r[GPR_R11]);
	pr_err("  R12=%016lx R13=%016lx R14=%016lx R15=%016lx\n", r[GPR_R12],
	       r[GPR_R13], r[GPR_R14], r[GPR_R15]);
	pr_err("  CR0=%016lx CR2=%016lx CR3=%016lx CR4=%016lx EFER=%lx\n",
	       s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
}
