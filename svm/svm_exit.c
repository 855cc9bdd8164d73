// SPDX-License-Identifier: MIT
/*
 * The SVM exit-handler table. Every exit code mhv intercepts has a row;
 * anything else ends the VM with a state dump through exit_unexpected().
 * Codes outside the dense range (NPF and the invalid-state code) are
 * handled before the table is indexed.
 */
#include "core/exit/exits.h"
#include "core/exit/guest_paging.h"
#include "core/host/apic.h"
#include "core/host/log.h"
#include "svm/svm.h"
#include "svm/svm_exit_codes.h"

typedef void (*svm_exit_fn)(struct vcpu *v, struct vmcb *vmcb);

/* What CPUs without NRIP save (QEMU TCG) make mhv decode. */
static const struct svm_opcode op_cpuid = {{0x0f, 0xa2}, 2};
static const struct svm_opcode op_rdmsr = {{0x0f, 0x32}, 2};
static const struct svm_opcode op_wrmsr = {{0x0f, 0x30}, 2};
static const struct svm_opcode op_hlt = {{0xf4}, 1};
static const struct svm_opcode op_vmmcall = {{0x0f, 0x01, 0xd9}, 3};
static const struct svm_opcode op_invd = {{0x0f, 0x08}, 2};
static const struct svm_opcode op_int1 = {{0xf1}, 1};
static const struct svm_opcode op_rdtsc = {{0x0f, 0x31}, 2};
static const struct svm_opcode op_rdtscp = {{0x0f, 0x01, 0xf9}, 3};

bool svm_insn_is_rdtscp(struct vcpu *v)
{
	return svm_insn_length(v, &op_rdtscp) != 0;
}

/*
 * RDTSC exits only where hide= took RDTSCP (svm_vcpu_create): QEMU 7.2
 * TCG checks RDTSC's intercept for RDTSCP and never RDTSCP's own, so the
 * hidden RDTSCP comes here and gets its #UD. A real RDTSC reads the
 * guest's TSC; its #GP (CR4.TSD at CPL > 0) came before the intercept.
 */
static void handle_rdtsc(struct vcpu *v, struct vmcb *vmcb)
{
	uint64_t tsc;

	if (svm_insn_is_rdtscp(v)) {
		exit_inject_ud(v);
		return;
	}
	tsc = rdtsc() + vmcb->control.tsc_offset;
	v->gpr[GPR_RAX] = (uint32_t)tsc;
	v->gpr[GPR_RDX] = tsc >> 32;
	svm_skip_instruction(v, &op_rdtsc);
}

static void handle_cpuid(struct vcpu *v, struct vmcb *vmcb)
{
	exit_cpuid(v);
	svm_skip_instruction(v, &op_cpuid);
}

static void handle_msr(struct vcpu *v, struct vmcb *vmcb)
{
	bool wr = vmcb->control.exit_info1;

	if (wr ? exit_wrmsr(v) : exit_rdmsr(v))
		svm_skip_instruction(v, wr ? &op_wrmsr : &op_rdmsr);
}

static void handle_vmmcall(struct vcpu *v, struct vmcb *vmcb)
{
	if (exit_hypercall(v))
		svm_skip_instruction(v, &op_vmmcall);
}

/*
 * Instructions that do not exist for the guest: SKINIT, RDPRU and
 * MONITOR/MWAIT, and RDTSCP and INVPCID when hide= takes them (hidden in
 * CPUID; intercepted only then). #UD at the instruction, RIP not advanced. The other
 * SVM instructions are svm_nested.c's: #UD too without nested=on.
 */
static void handle_undefined(struct vcpu *v, struct vmcb *vmcb)
{
	exit_inject_ud(v);
}

/* INVD would drop dirty cache lines of the host too: a no-op instead. */
static void handle_invd(struct vcpu *v, struct vmcb *vmcb)
{
	svm_skip_instruction(v, &op_invd);
}

static void handle_hlt(struct vcpu *v, struct vmcb *vmcb)
{
	struct svm_vcpu *s = v->arch;

	/* In L2, L1's interrupts wake it by L1's rules (svm_nested.c). */
	if (svm_skip_instruction(v, &op_hlt))
		exit_halted(v, unlikely(s->nested.guest_mode)
				       ? svm_nested_irq_gate(v)
				       : vmcb->save.rflags & RFLAGS_IF);
}

static void handle_shutdown(struct vcpu *v, struct vmcb *vmcb)
{
	vm_end(v->vm, OUTCOME_TRIPLE_FAULT,
	       "shutdown (triple fault) at RIP %#lx", vmcb->save.rip);
}

static void handle_ioio(struct vcpu *v, struct vmcb *vmcb)
{
	uint64_t info = vmcb->control.exit_info1;
	uint16_t port = (uint16_t)(info >> SVM_IOIO_PORT_SHIFT);
	unsigned int size = (info >> SVM_IOIO_SIZE_SHIFT) & 7;
	bool in = info & SVM_IOIO_IN, done;

	size = size == 4 ? 4 : size == 2 ? 2 : 1;
	if (info & SVM_IOIO_STR)
		done = exit_string_io(v, port, size, in) == IO_DONE;
	else
		done = exit_port_io(v, port, size, in);
	/* EXITINFO2 holds the next RIP, with or without NRIP save. */
	if (done)
		svm_complete_insn(v, vmcb, vmcb->control.exit_info2);
}

/* The CR4 bits that change how addresses translate. */
#define TLB_CR4_BITS                                                     \
	(CR4_PSE | CR4_PAE | CR4_PGE | CR4_LA57 | CR4_PCIDE | CR4_SMEP | \
	 CR4_SMAP | CR4_PKE)
#define EXITINFO1_MOV_CR_VALID (1ULL << 63) /* decode assists */

/*
 * MOV to CR8 writes the TPR (its bits 7:4; APM vol. 2, 15.21.4); any of
 * bits 63:4 set is #GP. Intercepted so that mhv's LAPIC keeps the TPR.
 */
static bool cr8_write(struct vcpu *v, uint64_t val)
{
	if (val & ~0xfULL) {
		svm_inject_exception(v, VEC_GP, true, 0);
		return false;
	}
	lapic_set_tpr(v, (uint32_t)val << 4);
	return true;
}

/*
 * MOV to CR4 (and CR8, above), intercepted so that for CR4 a feature the guest's CPUID hides (PCID,
 * VMXE, CET...) cannot be switched on underneath it, and so that the
 * write is checked as the CPU checks it (a state VMRUN refuses must never
 * reach the VMCB). Without decode assists the instruction is decoded.
 */
static void handle_cr_write(struct vcpu *v, struct vmcb *vmcb)
{
	uint64_t info = vmcb->control.exit_info1, val;
	unsigned int cr = vmcb->control.exit_code - SVM_EXIT_WRITE_CR0;
	struct vcpu_state s;
	struct insn_mov_cr m = {0};
	uint8_t bytes[INSN_MAX_LEN];
	size_t n;

	svm_get_state(v, &s);
	n = guest_fetch_insn(v->vm, &s, bytes);
	if (insn_decode_mov_cr(bytes, n, guest_cpu_mode(&s), &m) || !m.to_cr ||
	    m.cr != cr) {
		exit_not_decodable(v, cr == 4 ? "CR4 write: not a MOV to CR4"
					      : "CR8 write: not a MOV to CR8");
		return;
	}
	if (info & EXITINFO1_MOV_CR_VALID)
		m.gpr = info & 15;
	val = vcpu_gpr(v, m.gpr);
	if (guest_cpu_mode(&s) != CPU_MODE_64)
		val = (uint32_t)val; /* the register's low half */
	if (cr == 8) {
		if (cr8_write(v, val))
			goto done;
		return;
	}
	if (cr4_write_faults(v, &s, val)) {
		svm_inject_exception(v, VEC_GP, true, 0);
		return;
	}
	vmcb->save.cr4 = val;
	/* What the CPU would flush itself: translations of this guest. */
	if ((val ^ s.cr4) & TLB_CR4_BITS)
		vmcb->control.tlb_control = SVM_TLB_FLUSH_ALL;
done:
	if (svm_has_nrip_save && vmcb->control.next_rip)
		svm_advance_rip(v, vmcb->control.next_rip - s.rip);
	else
		svm_advance_rip(v, m.len);
}

/*
 * #UD is intercepted (as KVM does on SVM) and given back to the guest
 * through event injection, which sets RFLAGS.RF in the frame as the
 * architecture asks: not every CPU under mhv does it for its own delivery
 * (QEMU TCG does not). The one exception is INT1, below.
 */
static void handle_exception_ud(struct vcpu *v, struct vmcb *vmcb)
{
	struct vcpu_state s;
	uint8_t bytes[INSN_MAX_LEN];
	uint64_t tf = vmcb->save.rflags & RFLAGS_TF;
	unsigned int len;
	size_t n;

	svm_get_state(v, &s);
	n = guest_fetch_insn(v->vm, &s, bytes);
	len = insn_length_of(bytes, n, guest_cpu_mode(&s), op_int1.bytes,
			     op_int1.len);
	if (!len) {
		exit_inject_ud(v);
		return;
	}
	/*
	 * INT1 (ICEBP, f1) exists on every x86 CPU (SDM vol. 2, "INT n/INTO/
	 * INT3/INT1"), but an emulator may not have it: QEMU 7.2 TCG raises
	 * #UD, and a guest's #UD handler that returns loops on it forever.
	 * Do what the CPU does: a trap-like #DB after the instruction, with
	 * no DR6 bit set and no single-step trap of its own (its #DB takes
	 * the place of the TF one, as kvm-unit-tests' debug test checks on
	 * hardware). The shadow of a MOV SS before it ends with it.
	 */
	vmcb->save.rflags &= ~RFLAGS_TF;
	svm_advance_rip(v, len);
	vmcb->save.rflags |= tf;
	svm_inject_exception(v, VEC_DB, false, 0);
}

/*
 * A host interrupt arrived while the guest ran. It is still pending
 * (#VMEXIT(INTR) does not acknowledge it, APM vol. 2, 15.21.1), never the
 * guest's: mhv takes it through its IDT now, GIF=1 and IF opened for one
 * instruction, then looks at its budget if it was the timer.
 */
static void handle_intr(struct vcpu *v, struct vmcb *vmcb)
{
	host_irq_take_pending();
	exit_host_interrupt(v);
}

/* An NMI arrived while the guest ran: the host takes it after STGI. */
static void handle_nmi(struct vcpu *v, struct vmcb *vmcb)
{
}

/* The guest can take the interrupt or NMI mhv holds: svm_events injects. */
static void handle_vintr(struct vcpu *v, struct vmcb *vmcb)
{
	((struct svm_vcpu *)v->arch)->window_open = true;
	v->events = true;
}

/*
 * The guest's IRET, intercepted while an injected NMI blocks NMIs: the
 * block ends once it has executed (svm_events sees RIP move on). The
 * IRET itself runs on the CPU.
 */
static void handle_iret(struct vcpu *v, struct vmcb *vmcb)
{
	struct svm_vcpu *s = v->arch;

	vmcb->control.intercept_misc1 &= ~SVM_INTERCEPT1_IRET;
	s->iret_seen = true;
	s->iret_rip = vmcb->save.rip;
	v->events = true;
}

static const svm_exit_fn svm_exit_handlers[SVM_EXIT_DENSE_LAST + 1] = {
	[SVM_EXIT_WRITE_CR0 + 4] = handle_cr_write,
	[SVM_EXIT_WRITE_CR0 + 8] = handle_cr_write,
	[SVM_EXIT_EXCP_BASE + 1] = svm_handle_db,
	[SVM_EXIT_EXCP_BASE + 6] = handle_exception_ud,
	[SVM_EXIT_INTR] = handle_intr,
	[SVM_EXIT_NMI] = handle_nmi,
	[SVM_EXIT_VINTR] = handle_vintr,
	[SVM_EXIT_IRET] = handle_iret,
	[SVM_EXIT_CPUID] = handle_cpuid,
	[SVM_EXIT_RDTSC] = handle_rdtsc,
	[SVM_EXIT_INVD] = handle_invd,
	[SVM_EXIT_HLT] = handle_hlt,
	[SVM_EXIT_INVLPGA] = svm_l1_invlpga,
	[SVM_EXIT_IOIO] = handle_ioio,
	[SVM_EXIT_MSR] = handle_msr,
	[SVM_EXIT_SHUTDOWN] = handle_shutdown,
	[SVM_EXIT_VMRUN] = svm_l1_vmrun,
	[SVM_EXIT_VMMCALL] = handle_vmmcall,
	[SVM_EXIT_VMLOAD] = svm_l1_vmload_vmsave,
	[SVM_EXIT_VMSAVE] = svm_l1_vmload_vmsave,
	[SVM_EXIT_STGI] = svm_l1_gif,
	[SVM_EXIT_CLGI] = svm_l1_gif,
	[SVM_EXIT_SKINIT] = handle_undefined,
	[SVM_EXIT_RDTSCP] = handle_undefined,
	[SVM_EXIT_RDPRU] = handle_undefined,
	[SVM_EXIT_INVPCID] = handle_undefined,
	[SVM_EXIT_MONITOR] = handle_undefined,
	[SVM_EXIT_MWAIT] = handle_undefined,
	[SVM_EXIT_MWAIT_COND] = handle_undefined,
};

static void handle_npf(struct vcpu *v, struct vmcb *vmcb)
{
	uint64_t err = vmcb->control.exit_info1;
	unsigned int len;

	/*
	 * Guest RAM's first touch: now zeroed and mapped. The access is
	 * retried, and an event it was delivering is injected again (svm_run).
	 */
	if (guest_ram_fault(v->vm, vmcb->control.exit_info2))
		return;
	if (vmcb->control.exit_int_info & SVM_EVENT_VALID) {
		exit_fault_during_delivery(v, vmcb->control.exit_info2,
					   vmcb->control.exit_int_info & 0xff);
		return;
	}

	len = exit_mmio(v, vmcb->control.exit_info2, err & SVM_NPF_WRITE,
			err & SVM_NPF_FETCH);
	if (len)
		svm_advance_rip(v, len);
}

static void handle_invalid(struct vcpu *v, struct vmcb *vmcb)
{
	pr_err("%s: VMRUN refused the guest state (exit code %#lx)\n",
	       v->vm->opt.name, vmcb->control.exit_code);
	vm_dump_state(v);
	vm_end(v->vm, OUTCOME_ENTRY_FAILED,
	       "VMRUN failed its consistency checks (VMEXIT_INVALID)");
}

/*
 * One copy for L1's run loop (svm_dispatch_exit, inlined there: it has
 * that one caller) and one for everything else (svm_handle_exit: L2's
 * exits that are mhv's, hosted tests), so the common exit pays no call.
 */
static inline __attribute__((always_inline)) void dispatch(struct vcpu *v,
							   struct vmcb *vmcb)
{
	uint64_t code = vmcb->control.exit_code;

	vm_count_exit(v->vm, svm_exit_counter(code));
	if (code <= SVM_EXIT_DENSE_LAST && svm_exit_handlers[code])
		svm_exit_handlers[code](v, vmcb);
	else if (code == SVM_EXIT_NPF)
		handle_npf(v, vmcb);
	else if ((uint32_t)code == 0xffffffffu)
		handle_invalid(v, vmcb);
	else
		exit_unexpected(v, code, vmcb->control.exit_info1,
				vmcb->control.exit_info2);
}

void svm_dispatch_exit(struct vcpu *v, struct vmcb *vmcb)
{
	dispatch(v, vmcb);
}

void svm_handle_exit(struct vcpu *v)
{
	dispatch(v, svm_vmcb(v));
}
