/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_EXIT_EXITS_H
#define MHV_CORE_EXIT_EXITS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/host/cpu.h"
#include "core/vm/vm.h"
#include "core/x86.h"

/*
 * Vendor-neutral exit semantics. Backends decode their exit and call one
 * of these. The one rule for RIP: core never moves it. An exit_* function
 * returns whether the instruction completed (true, or for MMIO the length
 * core decoded); the vendor then steps past it with its own completion
 * (svm_complete_insn / vmx_complete_insn: interrupt shadow, RFLAGS.TF,
 * the 4 GiB wrap), using the length it knows (NRIP, the VMCS instruction
 * length, its decode) or the one returned. False or 0: an exception was
 * injected (RIP stays at the instruction) or the VM ended.
 */

/*
 * CPUID from the VM's CPU model: RAX/RCX in, RAX/RBX/RCX/RDX out. It always
 * completes (mhv offers no CPUID faulting), hence no result: the vendor
 * steps past it unconditionally. The hottest exit: a result tested after
 * the call cost it 3 instructions (make bench).
 */
void exit_cpuid(struct vcpu *v);

/*
 * MOV to CR0/CR4 as the CPU does it (SDM vol. 3, 2.5; vol. 2, MOV CR):
 * true when writing val must raise #GP. s is the guest's state before the
 * write, its CR0/CR4 as the guest sees them.
 */
bool cr0_write_faults(const struct vcpu_state *s, uint64_t val);
bool cr4_write_faults(struct vcpu *v, const struct vcpu_state *s, uint64_t val);
/* CR4 bits the guest may not set: its CPUID lacks their feature. */
static inline uint64_t cr4_guest_reserved(const struct vcpu *v)
{
	return v->vm->cpu.cr4_reserved;
}

/* RDMSR/WRMSR: ECX = MSR; EDX:EAX. Injects #GP where hardware would. */
bool exit_rdmsr(struct vcpu *v);
bool exit_wrmsr(struct vcpu *v);

/*
 * VMCALL/VMMCALL. With hypercalls granted, runs the ABI in RAX and returns
 * true; otherwise injects #UD at the instruction and returns false.
 */
bool exit_hypercall(struct vcpu *v);

/*
 * IN/OUT of `size` bytes at `port` (not string I/O): through the device
 * models, IN merging into AL/AX or zero-extending into RAX as the CPU
 * does. Returns true when the instruction completed (advance RIP).
 */
static inline bool exit_port_io(struct vcpu *v, uint16_t port,
				unsigned int size, bool in)
{
	uint32_t val = (uint32_t)v->gpr[GPR_RAX];

	io_emulate(v, port, size, in, &val);
	if (in) {
		if (size == 4)
			v->gpr[GPR_RAX] = val; /* 32-bit writes zero-extend */
		else
			v->gpr[GPR_RAX] = (v->gpr[GPR_RAX] &
					   ~((1ULL << (8 * size)) - 1)) |
					  val;
	}
	return !v->vm->ended;
}

/*
 * INS/OUTS, with or without REP, decoded at RIP (prefixes: segment
 * override, address size, REP): each element goes through the same port
 * dispatch as IN/OUT. Returns IO_DONE (advance RIP), IO_REPEAT (a REP
 * stopped after a batch: RIP stays, RCX/RSI/RDI say where it is, as after
 * an interrupt) or IO_STOPPED (the VM ended).
 */
enum io_result { IO_DONE, IO_REPEAT, IO_STOPPED };
enum io_result exit_string_io(struct vcpu *v, uint16_t port, unsigned int size,
			      bool in);

/* XSETBV (exits unconditionally on VMX): ECX = XCR, EDX:EAX = value. */
bool exit_xsetbv(struct vcpu *v);

/*
 * The vCPU is halted: the vendor has completed the HLT (RIP past it, as in
 * the CPU's HLT state). Wait, the host halted too, until an interrupt the
 * guest can take is pending (an NMI, or with IF=1 a maskable one), then
 * return with v->events set for the entry to deliver it. With nothing
 * that could ever wake it (IF=0, or no timer armed) the VM ends as halt;
 * its budget running out ends it as timeout.
 */
void exit_halted(struct vcpu *v, bool interrupts_enabled);

/*
 * A guest-physical access that missed guest RAM (NPF / EPT violation):
 * emulate the device access, decoding the instruction at RIP, and return
 * its length for the vendor to step past; 0 when the VM was ended with a
 * report (no device there, an instruction mhv does not decode).
 */
unsigned int exit_mmio(struct vcpu *v, uint64_t gpa, bool is_write,
		       bool is_fetch);

/*
 * Fault-class exceptions push RFLAGS with RF set, so that the faulting
 * instruction restarts without a second instruction-breakpoint #DB (SDM
 * vol. 3, 18.3.1.1). The CPU does it for exceptions it delivers itself,
 * not for events injected at VM entry: the backends set RF when they
 * inject one of these (as KVM does). #DB, #BP and #OF (traps), #NMI and
 * the aborts (#DF, #MC) leave RF alone.
 */
static inline bool exception_is_fault(unsigned int vector)
{
	return vector < 32 &&
	       ((1u << vector) &
		((1u << VEC_DE) | (1u << VEC_BR) | (1u << VEC_UD) |
		 (1u << VEC_NM) | (1u << VEC_TS) | (1u << VEC_NP) |
		 (1u << VEC_SS) | (1u << VEC_GP) | (1u << VEC_PF) |
		 (1u << VEC_MF) | (1u << VEC_AC) | (1u << VEC_XM) |
		 (1u << VEC_VE) | (1u << VEC_CP)));
}

/*
 * One event-delivery rule for both backends: an exception raised while
 * another is pending delivery (re-injected after an exit that interrupted
 * it, or queued by a handler) combines as the SDM's table "Conditions for
 * Generating a Double Fault" says (vol. 3, 6.15, interrupt 8): contributory
 * then contributory, or #PF then contributory or #PF, is #DF; a fault while
 * delivering #DF is a shutdown; anything else delivers the new one.
 */
enum exception_merge { MERGE_NEW, MERGE_DOUBLE_FAULT, MERGE_SHUTDOWN };
enum exception_merge exception_merge(unsigned int first, unsigned int second);
/*
 * The backends' use of it: the exception to inject given the one pending
 * (#DF with error code 0, or the new one unchanged). Returns false, having
 * ended the VM as triple-fault, for a shutdown.
 */
bool exception_combine(struct vcpu *v, unsigned int pending,
		       unsigned int *vector, bool *has_error, uint32_t *error);

/*
 * A nested-paging fault / EPT violation that happened while the CPU was
 * delivering an event (the exit's vectoring information is valid): the
 * IDT, GDT or stack access of the delivery missed guest RAM. The
 * instruction at RIP did not make that access, so nothing is emulated:
 * the VM ends as bad-access (KVM stops such a VM with an internal error).
 */
void exit_fault_during_delivery(struct vcpu *v, uint64_t gpa,
				unsigned int vector);

/*
 * Time, on the exits where a timer fired (the host APIC timer, VMX's
 * preemption timer): run the device timers that expired, and past
 * vm->deadline_tsc end the VM as timeout, its RIP in the reason. Sets
 * v->events, so the entry path arms the timer again for
 * vcpu_next_deadline(). The common exits never read the TSC.
 */
void exit_timers(struct vcpu *v);
/* The vCPU's earliest device deadline or the budget's end (host TSC). */
uint64_t vcpu_next_deadline(const struct vcpu *v);

/* TSC ticks from now to vcpu_next_deadline(), at least 1: for arming timers. */
static inline uint64_t vcpu_ticks_to_deadline(const struct vcpu *v)
{
	uint64_t now = dev_now(), next = vcpu_next_deadline(v);

	return next > now ? next - now : 1;
}

/*
 * After mhv's handlers ran for the host interrupts of this exit (SVM INTR,
 * VMX external interrupt): if the host timer was one of them, the timers
 * above.
 */
void exit_host_interrupt(struct vcpu *v);

/* Inject #UD, RIP unchanged: the instruction does not exist for the guest. */
void exit_inject_ud(struct vcpu *v);

/*
 * An intercepted instruction whose bytes are not what the exit says it
 * was (the decoder's view): report it like an unexpected exit and end the
 * VM, the detail naming `what`.
 */
void exit_not_decodable(struct vcpu *v, const char *what);

/* The default table entry: report and end the VM with a state dump. */
void exit_unexpected(struct vcpu *v, uint64_t code, uint64_t info1,
		     uint64_t info2);

#endif
