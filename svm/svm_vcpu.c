// SPDX-License-Identifier: MIT
/*
 * The VMCB side of the backend ops: everything here reads or writes VMCB
 * memory only, so the hosted tests run it against a VMCB in a buffer.
 */
#include "core/host/cpu.h"
#include "core/exit/exits.h"
#include "core/exit/guest_paging.h"
#include "core/x86.h"
#include "lib/string.h"
#include "svm/svm.h"
#include "svm/svm_exit_codes.h"

bool svm_has_nrip_save;
bool svm_has_pause_filter;

void svm_inject_exception(struct vcpu *v, unsigned int vector, bool has_error,
			  uint32_t error)
{
	uint64_t pending = svm_vmcb(v)->control.event_inj, ev;

	/* An exception already on its way: the SDM's double-fault table. */
	if ((pending & SVM_EVENT_VALID) &&
	    (pending & SVM_EVENT_TYPE_MASK) == SVM_EVENT_TYPE_EXCEPTION &&
	    !exception_combine(v, pending & 0xff, &vector, &has_error, &error))
		return;
	/* Real mode pushes no error code (the CPU's own delivery does not). */
	if (!(svm_vmcb(v)->save.cr0 & 1))
		has_error = false;
	ev = vector | SVM_EVENT_TYPE_EXCEPTION | SVM_EVENT_VALID;

	if (has_error)
		ev |= SVM_EVENT_ERROR_VALID | ((uint64_t)error << 32);
	svm_vmcb(v)->control.event_inj = ev;
	if (exception_is_fault(vector))
		svm_vmcb(v)->save.rflags |= RFLAGS_RF;
}

void svm_advance_rip(struct vcpu *v, unsigned int len)
{
	struct vmcb *vmcb = svm_vmcb(v);
	uint64_t next = vmcb->save.rip + len;

	/* Outside 64-bit mode EIP wraps at 4 GiB. */
	if ((next >> 32) && !((vmcb->save.cs.attrib & (1u << 9)) &&
			      (vmcb->save.efer & EFER_LMA)))
		next = (uint32_t)next;
	svm_complete_insn(v, vmcb, next);
}

void svm_complete_flags(struct vcpu *v, struct vmcb *vmcb)
{
	vmcb->save.rflags &= ~RFLAGS_RF;
	if (vmcb->save.rflags & RFLAGS_TF)
		svm_single_step(v);
}

void svm_single_step(struct vcpu *v)
{
	svm_vmcb(v)->save.dr6 |= DR6_BS;
	svm_inject_exception(v, VEC_DB, false, 0);
}

/* The slow path: fetch and decode, then remember for the next time. */
unsigned int svm_insn_length(struct vcpu *v, const struct svm_opcode *op)
{
	struct svm_insn_memo *m = &((struct svm_vcpu *)v->arch)->memo;
	struct vcpu_state s;
	uint8_t bytes[INSN_MAX_LEN];
	unsigned int len;
	size_t n;
	uint64_t gpa;
	uint8_t *host;

	svm_get_state(v, &s);
	n = guest_fetch_insn(v->vm, &s, bytes);
	len = insn_length_of(bytes, n, guest_cpu_mode(&s), op->bytes, op->len);
	svm_insn_memo_clear(v->arch);
	/* Remember only what lies in one page: the usual case. */
	if (len && guest_cpu_mode(&s) == CPU_MODE_64 &&
	    (s.rip & 4095) + 8 <= 4096 &&
	    !guest_virt_to_phys(v->vm, &s, s.rip, &gpa) &&
	    (host = guest_ram_ptr(v->vm, gpa, 8))) {
		*m = (struct svm_insn_memo){
			.rip = s.rip,
			.cr3 = s.cr3,
			.host = host,
			.mask = len >= 8 ? ~0ULL : (1ULL << (8 * len)) - 1,
			.next_rip = s.rip + len,
		};
		memcpy(&m->bytes, m->host, 8);
		m->bytes &= m->mask;
	}
	return len;
}

/* Decode, skip, or end the VM: the path taken once per new RIP. */
bool svm_skip_decoded(struct vcpu *v, const struct svm_opcode *op)
{
	unsigned int len = svm_insn_length(v, op);

	if (!len) {
		exit_not_decodable(v, "intercepted instruction not decodable");
		return false;
	}
	svm_advance_rip(v, len);
	return true;
}

void svm_insn_memo_clear(struct svm_vcpu *sv)
{
	static const uint8_t nothing[8];

	sv->memo =
		(struct svm_insn_memo){.rip = SVM_MEMO_NO_RIP, .host = nothing};
}

void svm_get_state(struct vcpu *v, struct vcpu_state *s)
{
	const struct vmcb_save *g = &svm_vmcb(v)->save;

	*s = (struct vcpu_state){
		.rip = g->rip,
		.rsp = g->rsp,
		.rflags = g->rflags,
		.cr0 = g->cr0,
		.cr2 = g->cr2,
		.cr3 = g->cr3,
		.cr4 = g->cr4,
		.efer = g->efer,
		.cs_base = g->cs.base,
		.cs_sel = g->cs.selector,
		.cs_long = g->cs.attrib & (1u << 9),
		.cs_db = g->cs.attrib & (1u << 10),
		.cpl = g->cpl,
	};
}

uint64_t svm_get_control(struct vcpu *v, enum vcpu_control which)
{
	const struct vmcb_save *g = &svm_vmcb(v)->save;

	switch (which) {
	case VCPU_CR0:
		return g->cr0;
	case VCPU_CR4:
		return g->cr4;
	case VCPU_EFER:
		return g->efer;
	}
	return 0;
}

uint64_t svm_get_tsc_offset(struct vcpu *v)
{
	return svm_vmcb(v)->control.tsc_offset;
}

void svm_set_tsc_offset(struct vcpu *v, uint64_t offset)
{
	svm_vmcb(v)->control.tsc_offset = offset;
}

uint64_t svm_seg_base(struct vcpu *v, unsigned int seg)
{
	const struct vmcb_save *g = &svm_vmcb(v)->save;
	const struct vmcb_seg *segs[] = {&g->es, &g->cs, &g->ss,
					 &g->ds, &g->fs, &g->gs};

	return seg < ARRAY_SIZE(segs) ? segs[seg]->base : 0;
}

uint64_t svm_get_rsp(struct vcpu *v)
{
	return svm_vmcb(v)->save.rsp;
}

void svm_set_rsp(struct vcpu *v, uint64_t rsp)
{
	svm_vmcb(v)->save.rsp = rsp;
}

int svm_read_state_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	struct vmcb *vmcb = svm_vmcb(v);

	switch (msr) {
	case MSR_EFER:
		*val = vmcb->save.efer;
		/* L1's own SVME (svm_nested.c); L2's is in its VMCB. */
		if (!((struct svm_vcpu *)v->arch)->nested.guest_mode) {
			*val &= ~EFER_SVME;
			if (((struct svm_vcpu *)v->arch)->nested.svme)
				*val |= EFER_SVME;
		}
		return 0;
	case MSR_VM_CR:
	case MSR_VM_HSAVE_PA:
		return svm_nested_read_msr(v, msr, val);
	case MSR_PAT:
		*val = vmcb->save.g_pat;
		return 0;
	case MSR_FS_BASE:
		*val = vmcb->save.fs.base;
		return 0;
	case MSR_GS_BASE:
		*val = vmcb->save.gs.base;
		return 0;
	case MSR_KERNEL_GS_BASE:
		*val = vmcb->save.kernel_gs_base;
		return 0;
	case MSR_LSTAR:
		*val = vmcb->save.lstar;
		return 0;
	case MSR_CSTAR:
		*val = vmcb->save.cstar;
		return 0;
	default:
		return -1;
	}
}

int svm_write_state_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct vmcb *vmcb = svm_vmcb(v);

	switch (msr) {
	case MSR_EFER:
		if (svm_nested_write_msr(v, msr, val))
			return -1;
		/* VMRUN requires SVME in the guest's EFER: keep it set. */
		vmcb->save.efer =
			val | EFER_SVME | (vmcb->save.efer & EFER_LMA);
		return 0;
	case MSR_PAT:
		vmcb->save.g_pat = val;
		return 0;
	case MSR_VM_CR:
	case MSR_VM_HSAVE_PA:
		return svm_nested_write_msr(v, msr, val);
	case MSR_FS_BASE:
		vmcb->save.fs.base = val;
		return 0;
	case MSR_GS_BASE:
		vmcb->save.gs.base = val;
		return 0;
	case MSR_KERNEL_GS_BASE:
		vmcb->save.kernel_gs_base = val;
		return 0;
	case MSR_LSTAR:
		vmcb->save.lstar = val;
		return 0;
	case MSR_CSTAR:
		vmcb->save.cstar = val;
		return 0;
	default:
		return -1;
	}
}

unsigned int svm_exit_counter(uint64_t code)
{
	if (code <= SVM_EXIT_DENSE_LAST)
		return (unsigned int)code;
	if (code >= SVM_EXIT_NPF && code <= SVM_EXIT_VMGEXIT)
		return 0xb0 + (unsigned int)(code - SVM_EXIT_NPF);
	if ((uint32_t)code == 0xffffffffu)
		return 0xbf;
	return VM_EXIT_COUNTERS - 1;
}

const char *svm_exit_slot_name(unsigned int slot)
{
	if (slot <= SVM_EXIT_DENSE_LAST)
		return svm_exit_name(slot);
	if (slot >= 0xb0 && slot <= 0xb3)
		return svm_exit_name(SVM_EXIT_NPF + slot - 0xb0);
	if (slot == 0xbf)
		return "INVALID";
	return "other";
}

static const char *const svm_exit_names[SVM_EXIT_DENSE_LAST + 1] = {
	[SVM_EXIT_INTR] = "INTR",
	[SVM_EXIT_NMI] = "NMI",
	[SVM_EXIT_SMI] = "SMI",
	[SVM_EXIT_INIT] = "INIT",
	[SVM_EXIT_VINTR] = "VINTR",
	[SVM_EXIT_CR0_SEL_WRITE] = "CR0_SEL_WRITE",
	[SVM_EXIT_IDTR_READ] = "IDTR_READ",
	[SVM_EXIT_GDTR_READ] = "GDTR_READ",
	[SVM_EXIT_LDTR_READ] = "LDTR_READ",
	[SVM_EXIT_TR_READ] = "TR_READ",
	[SVM_EXIT_IDTR_WRITE] = "IDTR_WRITE",
	[SVM_EXIT_GDTR_WRITE] = "GDTR_WRITE",
	[SVM_EXIT_LDTR_WRITE] = "LDTR_WRITE",
	[SVM_EXIT_TR_WRITE] = "TR_WRITE",
	[SVM_EXIT_RDTSC] = "RDTSC",
	[SVM_EXIT_RDPMC] = "RDPMC",
	[SVM_EXIT_PUSHF] = "PUSHF",
	[SVM_EXIT_POPF] = "POPF",
	[SVM_EXIT_CPUID] = "CPUID",
	[SVM_EXIT_RSM] = "RSM",
	[SVM_EXIT_IRET] = "IRET",
	[SVM_EXIT_SWINT] = "SWINT",
	[SVM_EXIT_INVD] = "INVD",
	[SVM_EXIT_PAUSE] = "PAUSE",
	[SVM_EXIT_HLT] = "HLT",
	[SVM_EXIT_INVLPG] = "INVLPG",
	[SVM_EXIT_INVLPGA] = "INVLPGA",
	[SVM_EXIT_IOIO] = "IOIO",
	[SVM_EXIT_MSR] = "MSR",
	[SVM_EXIT_TASK_SWITCH] = "TASK_SWITCH",
	[SVM_EXIT_FERR_FREEZE] = "FERR_FREEZE",
	[SVM_EXIT_SHUTDOWN] = "SHUTDOWN",
	[SVM_EXIT_VMRUN] = "VMRUN",
	[SVM_EXIT_VMMCALL] = "VMMCALL",
	[SVM_EXIT_VMLOAD] = "VMLOAD",
	[SVM_EXIT_VMSAVE] = "VMSAVE",
	[SVM_EXIT_STGI] = "STGI",
	[SVM_EXIT_CLGI] = "CLGI",
	[SVM_EXIT_SKINIT] = "SKINIT",
	[SVM_EXIT_RDTSCP] = "RDTSCP",
	[SVM_EXIT_ICEBP] = "ICEBP",
	[SVM_EXIT_WBINVD] = "WBINVD",
	[SVM_EXIT_MONITOR] = "MONITOR",
	[SVM_EXIT_MWAIT] = "MWAIT",
	[SVM_EXIT_MWAIT_COND] = "MWAIT_COND",
	[SVM_EXIT_XSETBV] = "XSETBV",
	[SVM_EXIT_RDPRU] = "RDPRU",
	[SVM_EXIT_EFER_WRITE_TRAP] = "EFER_WRITE_TRAP",
	[SVM_EXIT_INVLPGB] = "INVLPGB",
	[SVM_EXIT_INVLPGB_ILLEGAL] = "INVLPGB_ILLEGAL",
	[SVM_EXIT_INVPCID] = "INVPCID",
	[SVM_EXIT_MCOMMIT] = "MCOMMIT",
	[SVM_EXIT_TLBSYNC] = "TLBSYNC",
	[SVM_EXIT_BUS_LOCK] = "BUS_LOCK",
	[SVM_EXIT_IDLE_HLT] = "IDLE_HLT",
};

const char *svm_exit_name(uint64_t code)
{
	if ((uint32_t)code == 0xffffffffu)
		return "INVALID";
	if (code < 0x10)
		return "READ_CR";
	if (code < 0x20)
		return "WRITE_CR";
	if (code < 0x30)
		return "READ_DR";
	if (code < 0x40)
		return "WRITE_DR";
	if (code < 0x60)
		return "EXCEPTION";
	if (code >= SVM_EXIT_CR0_WRITE_TRAP && code < 0xa0)
		return "CR_WRITE_TRAP";
	if (code <= SVM_EXIT_DENSE_LAST && svm_exit_names[code])
		return svm_exit_names[code];
	switch (code) {
	case SVM_EXIT_NPF:
		return "NPF";
	case SVM_EXIT_AVIC_INCOMPLETE_IPI:
		return "AVIC_INCOMPLETE_IPI";
	case SVM_EXIT_AVIC_UNACCELERATED_ACCESS:
		return "AVIC_UNACCELERATED_ACCESS";
	case SVM_EXIT_VMGEXIT:
		return "VMGEXIT";
	default:
		return "unknown";
	}
}
