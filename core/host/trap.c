// SPDX-License-Identifier: MIT
#include "core/host/trap.h"
#include "core/host/apic.h"
#include "core/host/cpu.h"
#include "core/host/extable.h"
#include "core/host/log.h"
#include "core/host/panic.h"
#include "core/host/smp.h"
#include "core/x86.h"
#include "lib/compiler.h"

static const char *const exception_names[32] = {
	[VEC_DE] = "#DE divide error",
	[VEC_DB] = "#DB debug",
	[VEC_NMI] = "NMI",
	[VEC_BP] = "#BP breakpoint",
	[VEC_OF] = "#OF overflow",
	[VEC_BR] = "#BR bound range",
	[VEC_UD] = "#UD invalid opcode",
	[VEC_NM] = "#NM device not available",
	[VEC_DF] = "#DF double fault",
	[9] = "coprocessor segment overrun",
	[VEC_TS] = "#TS invalid TSS",
	[VEC_NP] = "#NP segment not present",
	[VEC_SS] = "#SS stack fault",
	[VEC_GP] = "#GP general protection",
	[VEC_PF] = "#PF page fault",
	[VEC_MF] = "#MF x87 error",
	[VEC_AC] = "#AC alignment check",
	[VEC_MC] = "#MC machine check",
	[VEC_XM] = "#XM SIMD error",
	[VEC_VE] = "#VE virtualization exception",
	[VEC_CP] = "#CP control protection",
	[28] = "#HV hypervisor injection",
	[29] = "#VC VMM communication",
	[30] = "#SX security exception",
};

const char *exception_name(unsigned int vector)
{
	if (vector < ARRAY_SIZE(exception_names) && exception_names[vector])
		return exception_names[vector];
	return "reserved exception";
}

void nmi_handle(uint64_t rip)
{
	/*
	 * Another CPU panicked or finished the run (smp_stop_others): halt
	 * for good. NMIs stay blocked, since this handler never IRETs.
	 */
	if (smp_stopping())
		halt_forever();
	/* mhv sends no other NMIs (no watchdog): note it. */
	pr_warn("NMI at RIP %#lx ignored\n", rip);
}

void trap_dispatch(struct trap_frame *f)
{
	uint64_t fixup;

	/* Vectors above the exceptions are interrupts (mhv's APIC vectors). */
	if (f->vector >= 32) {
		host_irq_handle(f->vector);
		return;
	}
	fixup = extable_lookup(f->rip);
	/* An NMI is not an error (on SVM one that hit a guest lands here). */
	if (f->vector == VEC_NMI) {
		nmi_handle(f->rip);
		return;
	}
	if (fixup) {
		/* The fixup code learns which exception it was from RAX. */
		f->rax = f->vector;
		f->rip = fixup;
		return;
	}
	panic_trap(f);
}
