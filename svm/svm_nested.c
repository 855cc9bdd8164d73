// SPDX-License-Identifier: MIT
/*
 * Nested SVM: a guest with nested=on (L1) runs its own guests (L2) with
 * VMRUN, which mhv emulates (APM vol. 2, chapter 15). L1's VMCB (vmcb12)
 * lives in L1's memory; mhv checks it as VMRUN would, then runs L2 on a
 * VMCB of its own (vmcb02) that combines L1's controls and L2's state with
 * mhv's own intercepts. An exit while L2 runs goes to L1 as a #VMEXIT when
 * L1's intercepts ask for it, and is mhv's otherwise: an L2 VMMCALL that
 * L1 does not intercept is #UD in L2, as KVM's nested SVM has it.
 *
 * Without NP_ENABLE in L1's VMCB, L2 runs on L1's page tables over mhv's
 * NPT, so L2's physical addresses are L1's; with it, on mhv's shadow of
 * L1's NPT (svm_npt.c). docs/nested.md has what L1 gets and what it does
 * not.
 */
#include "core/exit/exits.h"
#include "core/exit/guest_paging.h"
#include "core/exit/insn_decode.h"
#include "core/host/apic.h"
#include "core/host/log.h"
#include "core/x86.h"
#include "lib/string.h"
#include "svm/svm.h"
#include "svm/svm_exit_codes.h"

/* The one ASID every L2 of every L1 runs with; L1's own is 1 (svm.c). */
#define L2_ASID 2

/*
 * What of the permission maps VMRUN checks against MAXPHYADDR: the MSRPM's
 * two pages, the IOPM's two pages and one byte (the bits for ports
 * 0xfffd-0xffff spill into it); the third IOPM page is never read.
 */
#define L1_IOPM_SPAN (8 * 1024 + 1)
#define L1_MSRPM_SPAN (8 * 1024)

/* int_ctl fields that are L2's: V_TPR, V_IRQ, V_INTR_PRIO, V_IGN_TPR. */
#define INT_CTL_L2_BITS 0x001f010fu
/* What #VMEXIT writes back of them: V_TPR and V_IRQ. */
#define INT_CTL_WRITEBACK (SVM_INT_CTL_V_TPR_MASK | SVM_INT_CTL_V_IRQ)

/* Allocated with the other maps, by svm_enable(). */
uint64_t svm_msrpm_all_pa;

static const struct svm_opcode op_vmrun = {{0x0f, 0x01, 0xd8}, 3};
static const struct svm_opcode op_vmload = {{0x0f, 0x01, 0xda}, 3};
static const struct svm_opcode op_vmsave = {{0x0f, 0x01, 0xdb}, 3};
static const struct svm_opcode op_stgi = {{0x0f, 0x01, 0xdc}, 3};
static const struct svm_opcode op_clgi = {{0x0f, 0x01, 0xdd}, 3};
static const struct svm_opcode op_invlpga = {{0x0f, 0x01, 0xdf}, 3};

static struct svm_nested *nested_of(struct vcpu *v)
{
	return &((struct svm_vcpu *)v->arch)->nested;
}

static struct svm_l1_npt *npt_of(struct vcpu *v)
{
	return &((struct svm_vcpu *)v->arch)->npt;
}

static unsigned int l1_phys_bits(const struct vcpu *v)
{
	return cpu_model_phys_bits(&v->vm->cpu);
}

static bool beyond_phys(const struct vcpu *v, uint64_t pa)
{
	return pa >> l1_phys_bits(v);
}

/*
 * Who may execute an SVM instruction (APM vol. 3, VMRUN etc.): #UD without
 * EFER.SVME (always so without nested=on; L2's is in its VMCB), in real
 * mode or virtual-8086 mode; #GP(0) outside CPL 0.
 */
static bool l1_may_use_svm(struct vcpu *v, struct vmcb *vmcb)
{
	bool svme = nested_of(v)->guest_mode ? vmcb->save.efer & EFER_SVME
					     : nested_of(v)->svme;

	if (!svme || !(vmcb->save.cr0 & CR0_PE) ||
	    (vmcb->save.rflags & RFLAGS_VM)) {
		exit_inject_ud(v);
		return false;
	}
	if (vmcb->save.cpl) {
		svm_inject_exception(v, VEC_GP, true, 0);
		return false;
	}
	return true;
}

/*
 * The VMCB in rAX (EAX outside 64-bit mode): page-aligned and in L1's RAM,
 * else #GP(0). NULL when the #GP is on its way.
 */
static struct vmcb *l1_vmcb_at_rax(struct vcpu *v, struct vmcb *vmcb,
				   uint64_t *gpa)
{
	bool long64 = (vmcb->save.efer & EFER_LMA) &&
		      (vmcb->save.cs.attrib & (1u << 9));
	uint64_t pa = long64 ? v->gpr[GPR_RAX] : (uint32_t)v->gpr[GPR_RAX];
	struct vmcb *p = NULL;

	if (!(pa & (PAGE_SIZE - 1)) && !beyond_phys(v, pa))
		p = guest_ram_ptr(v->vm, pa, PAGE_SIZE);
	if (!p)
		svm_inject_exception(v, VEC_GP, true, 0);
	*gpa = pa;
	return p;
}

/* EVENTINJ as VMRUN accepts it (APM vol. 2, 15.20): no reserved type. */
static bool event_inj_valid(uint64_t ev)
{
	unsigned int type = (ev >> 8) & 7, vec = ev & 0xff;

	if (!(ev & SVM_EVENT_VALID))
		return true;
	if (type == 1 || type > 4)
		return false;
	return type != 3 || (vec != VEC_NMI && vec < 32);
}

/*
 * PAE paging outside long mode: VMRUN loads L2's four PDPTEs (without
 * L1's NPT, CR3 is an L1-physical address) and refuses a present
 * one with an address bit above MAXPHYADDR (62:MAXPHYADDR), or PDPTEs
 * outside RAM. Bits 2:1 and 8:5 are not checked there: the CPU itself sets
 * bit 5 (accessed) in them on AMD, and kvm-unit-tests' svm_pae_test
 * reruns the same PDPTEs after L2 has run.
 */
static bool pae_pdptes_valid(struct vcpu *v, const struct vmcb_save *g)
{
	uint64_t rsvd = (~0ULL << l1_phys_bits(v)) & ~(1ULL << 63);
	const uint64_t *pdpte;

	/* With L1's NPT they are L2-physical, and not checked at VMRUN. */
	if (!(g->cr0 & CR0_PG) || !(g->cr4 & CR4_PAE) || (g->efer & EFER_LME) ||
	    npt_of(v)->on)
		return true;
	pdpte = guest_ram_ptr(v->vm, (uint32_t)g->cr3 & ~0x1fULL, 32);
	if (!pdpte)
		return false;
	for (unsigned int i = 0; i < 4; i++)
		if ((pdpte[i] & 1) && (pdpte[i] & rsvd))
			return false;
	return true;
}

/*
 * VMRUN's consistency checks on the state it is about to load (APM vol. 2,
 * 15.5.1), made on vmcb02 after the copy so that L1 changing its VMCB
 * meanwhile (another vCPU) cannot slip past them. The AVIC and SEV checks
 * have nothing to check: L1 has neither.
 */
static bool l2_state_valid(struct vcpu *v, const struct vmcb *vmcb02,
			   const struct svm_l1_controls *l1)
{
	const struct vmcb_save *g = &vmcb02->save;
	const struct vmcb_control *c = &vmcb02->control;
	const struct cpu_model *m = &v->vm->cpu;
	bool paging64 = (g->efer & EFER_LME) && (g->cr0 & CR0_PG);

	if (!(g->efer & EFER_SVME))
		return false;
	if (!(g->cr0 & CR0_CD) && (g->cr0 & CR0_NW))
		return false;
	if (g->cr0 >> 32 || g->dr6 >> 32 || g->dr7 >> 32)
		return false;
	if (paging64 && beyond_phys(v, g->cr3))
		return false;
	if (g->cr4 & m->cr4_reserved)
		return false;
	if (g->efer & ~m->efer_allowed)
		return false;
	if ((g->efer & (EFER_LME | EFER_LMA)) &&
	    !cpu_model_has(m, CPU_FACT(LM)))
		return false;
	if (paging64 && (!(g->cr4 & CR4_PAE) || !(g->cr0 & CR0_PE)))
		return false;
	if (paging64 && (g->cs.attrib & (1u << 9)) &&
	    (g->cs.attrib & (1u << 10)))
		return false;
	if (!(l1->intercept_misc2 & SVM_INTERCEPT2_VMRUN))
		return false;
	/*
	 * A map that "extends to" MAXPHYADDR is refused: its end, not its
	 * last byte, as kvm-unit-tests' svm checks find on hardware.
	 */
	if ((l1->intercept_misc1 & SVM_INTERCEPT1_IOIO) &&
	    beyond_phys(v, l1->iopm_base_pa + L1_IOPM_SPAN))
		return false;
	if ((l1->intercept_misc1 & SVM_INTERCEPT1_MSR) &&
	    beyond_phys(v, l1->msrpm_base_pa + L1_MSRPM_SPAN))
		return false;
	if (!pae_pdptes_valid(v, g))
		return false;
	if (!c->guest_asid)
		return false;
	/*
	 * L1's NPT: only the 4-level format of a long-mode L1 is shadowed
	 * (svm_npt.c); N_CR3 within MAXPHYADDR; the shadow's root made.
	 */
	if (npt_of(v)->on &&
	    (!(((struct svm_vcpu *)v->arch)->vmcb01->save.efer & EFER_LMA) ||
	     beyond_phys(v, npt_of(v)->ncr3) || !c->n_cr3))
		return false;
	return event_inj_valid(c->event_inj);
}

/*
 * What VMLOAD loads and VMSAVE stores, and what stays in the processor
 * across VMRUN and #VMEXIT (APM vol. 2, 15.5.2): FS, GS, TR, LDTR with
 * their hidden parts, KernelGSBase, the SYSCALL and SYSENTER MSRs.
 */
static void copy_vmload_state(struct vmcb_save *to,
			      const struct vmcb_save *from)
{
	to->fs = from->fs;
	to->gs = from->gs;
	to->tr = from->tr;
	to->ldtr = from->ldtr;
	to->kernel_gs_base = from->kernel_gs_base;
	to->star = from->star;
	to->lstar = from->lstar;
	to->cstar = from->cstar;
	to->sfmask = from->sfmask;
	to->sysenter_cs = from->sysenter_cs;
	to->sysenter_esp = from->sysenter_esp;
	to->sysenter_eip = from->sysenter_eip;
}

/* The state VMRUN loads and #VMEXIT saves (APM vol. 2, 15.5.1, 15.6). */
static void copy_vmrun_state(struct vmcb_save *to, const struct vmcb_save *from)
{
	to->es = from->es;
	to->cs = from->cs;
	to->ss = from->ss;
	to->ds = from->ds;
	to->gdtr = from->gdtr;
	to->idtr = from->idtr;
	to->efer = from->efer;
	to->cr0 = from->cr0;
	to->cr2 = from->cr2;
	to->cr3 = from->cr3;
	to->cr4 = from->cr4;
	to->dr6 = from->dr6;
	to->dr7 = from->dr7;
	to->rflags = from->rflags;
	to->rip = from->rip;
	to->rsp = from->rsp;
	to->cpl = from->cpl;
}

/* L1's controls, each field read once (a copy mhv decides on). */
static void read_l1_controls(struct svm_l1_controls *l1,
			     const struct vmcb_control *c12)
{
	l1->intercept_cr = c12->intercept_cr;
	l1->intercept_dr = c12->intercept_dr;
	l1->intercept_exceptions = c12->intercept_exceptions;
	l1->intercept_misc1 = c12->intercept_misc1;
	l1->intercept_misc2 = c12->intercept_misc2;
	l1->intercept_misc3 = c12->intercept_misc3;
	/* Bits 11:0 of both addresses are ignored (APM vol. 2, 15.10, 15.11). */
	l1->iopm_base_pa = c12->iopm_base_pa & ~(uint64_t)(PAGE_SIZE - 1);
	l1->msrpm_base_pa = c12->msrpm_base_pa & ~(uint64_t)(PAGE_SIZE - 1);
	l1->int_ctl = c12->int_ctl;
}

/*
 * vmcb02: mhv's intercepts and L1's together (an exit L1 did not ask for
 * is mhv's to handle), every port and MSR exiting (L1's maps are consulted
 * at the exit), mhv's nested page tables, L2's own ASID. V_INTR_MASKING is
 * always on: L2's IF and TPR govern only L2's virtual interrupts, L1's
 * interrupts come as #VMEXIT(INTR) (svm_nested_events).
 */
static void build_vmcb02(struct vcpu *v, struct vmcb *vmcb02,
			 const struct vmcb *vmcb12, const struct vmcb *vmcb01)
{
	struct svm_nested *n = nested_of(v);
	const struct svm_l1_controls *l1 = &n->l1;
	const struct vmcb_control *c12 = &vmcb12->control;
	struct vmcb_control *c = &vmcb02->control;
	struct vmcb_save *g = &vmcb02->save;
	uint32_t asid = c12->guest_asid;
	/* Without the CPUID bit (nested=nonpt) NP_ENABLE is ignored, as KVM does. */
	bool np = (c12->np_control & SVM_NP_ENABLE) &&
		  (v->vm->cpu.ext[0xa].edx & CPUID8000000A_EDX_NP);
	uint64_t ncr3 = c12->n_cr3;
	bool flush;

	c->intercept_cr = SVM_MHV_CR_WRITE4 | l1->intercept_cr;
	/* Without V_INTR_MASKING L2's CR8 writes are L1's TPR: mhv's. */
	if (!(l1->int_ctl & SVM_INT_CTL_V_INTR_MASKING))
		c->intercept_cr |= SVM_MHV_CR_WRITE8;
	c->intercept_dr = l1->intercept_dr;
	c->intercept_exceptions = (1u << VEC_UD) | l1->intercept_exceptions;
	c->intercept_misc1 = SVM_MHV_MISC1 | l1->intercept_misc1 |
			     (vmcb01->control.intercept_misc1 & SVM_HIDE_MISC1);
	/*
	 * QEMU TCG checks no exception intercept for INT3 and INTO, only the
	 * INTn one: with L1's #BP or #OF intercept mhv takes INTn and routes
	 * all three itself (l2_software_interrupt).
	 */
	if (l1->intercept_exceptions & ((1u << VEC_BP) | (1u << VEC_OF)))
		c->intercept_misc1 |= SVM_INTERCEPT1_INTN;
	/* What L1's CPUID hides is #UD in L2 too (svm_nested_dispatch). */
	c->intercept_misc2 = SVM_MHV_MISC2 | l1->intercept_misc2 |
			     (vmcb01->control.intercept_misc2 & SVM_HIDE_MISC2);
	c->intercept_misc3 = l1->intercept_misc3 |
			     (vmcb01->control.intercept_misc3 & SVM_HIDE_MISC3);
	/*
	 * L1 has the PAUSE filter's count, not its threshold (CPUID). A CPU
	 * without the filter exits at every PAUSE and mhv counts instead.
	 */
	c->pause_filter_threshold = 0;
	c->pause_filter_count = c12->pause_filter_count;
	n->pause_left = c12->pause_filter_count;
	c->iopm_base_pa = vmcb01->control.iopm_base_pa;
	c->msrpm_base_pa = svm_msrpm_all_pa;
	c->tsc_offset = vmcb01->control.tsc_offset + c12->tsc_offset;
	c->guest_asid = asid ? L2_ASID : 0; /* 0 fails the check */
	/*
	 * All of L1's ASIDs share mhv's one: a change of ASID, L1's TLB
	 * control or an INVLPGA since the last run flush it, and with it
	 * the shadow of L1's NPT; so do a new N_CR3 and a change of NPT.
	 */
	flush = n->flush_l2 || c12->tlb_control || asid != n->asid12 ||
		np != npt_of(v)->on || (np && ncr3 != npt_of(v)->ncr3) ||
		c->tlb_control; /* L2 never ran on the last one (svm_run) */
	c->tlb_control = flush ? SVM_TLB_FLUSH_ALL : 0;
	n->flush_l2 = false;
	n->asid12 = asid;
	npt_of(v)->on = np;
	n->mhv_window = false;
	c->int_ctl =
		(l1->int_ctl & INT_CTL_L2_BITS) | SVM_INT_CTL_V_INTR_MASKING;
	c->int_vector = c12->int_vector & 0xff;
	c->int_state = c12->int_state & 1;
	c->exit_code = c->exit_info1 = c->exit_info2 = 0;
	c->exit_int_info = 0;
	c->np_control = SVM_NP_ENABLE;
	/* mhv's NPT, or its shadow of L1's (0 when out of memory: invalid). */
	c->n_cr3 = np ? svm_npt_enter(v, ncr3, flush) : vmcb01->control.n_cr3;
	c->event_inj = c12->event_inj;
	c->virt_ext = 0;
	c->clean_bits = 0;
	c->next_rip = 0;

	copy_vmrun_state(g, &vmcb12->save);
	/* The CPU derives LMA; a VMCB's LMA is not trusted (APM 15.5.1). */
	g->efer &= ~EFER_LMA;
	if ((g->efer & EFER_LME) && (g->cr0 & CR0_PG))
		g->efer |= EFER_LMA;
	/* What L1 left in the processor (its VMLOAD) is what L2 starts with. */
	copy_vmload_state(g, &vmcb01->save);
	/* With L1's NPT, L2's PAT is vmcb12's; without, L1's own. */
	g->g_pat = np ? vmcb12->save.g_pat : vmcb01->save.g_pat;
	g->dbgctl = 0;
}

void svm_l1_vmrun(struct vcpu *v, struct vmcb *vmcb01)
{
	struct svm_vcpu *s = v->arch;
	struct svm_nested *n = &s->nested;
	struct vmcb *vmcb12, *vmcb02 = n->vmcb02;
	uint64_t gpa;

	if (!l1_may_use_svm(v, vmcb01))
		return;
	vmcb12 = l1_vmcb_at_rax(v, vmcb01, &gpa);
	if (!vmcb12)
		return;
	/* L1 resumes after its VMRUN at the #VMEXIT: move it there now. */
	if (!svm_skip_instruction(v, &op_vmrun))
		return;
	read_l1_controls(&n->l1, &vmcb12->control);
	build_vmcb02(v, vmcb02, vmcb12, vmcb01);
	vmcb02->save.rax = vmcb12->save.rax;
	if (!l2_state_valid(v, vmcb02, &n->l1)) {
		/* L1 goes on after its VMRUN; GIF is unchanged (KVM alike). */
		vmcb12->control.exit_code = SVM_EXIT_INVALID;
		vmcb12->control.exit_info1 = 0;
		vmcb12->control.exit_info2 = 0;
		vmcb12->control.exit_int_info = 0;
		return;
	}
	/* The host state VMRUN saves: vmcb01 as it stands, RAX included. */
	vmcb01->save.rax = v->gpr[GPR_RAX];
	v->gpr[GPR_RAX] = vmcb02->save.rax;
	n->vmcb12_gpa = gpa;
	n->guest_mode = true;
	n->gif_clear = false; /* VMRUN sets GIF */
	s->vmcb = vmcb02;
	s->vmcb_pa = n->vmcb02_pa;
	v->events = true;
}

/* Take back the V_IRQ and VINTR intercept mhv lent itself. */
static void drop_window(struct svm_nested *n, struct vmcb_control *c)
{
	const uint32_t lent = SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_IGN_TPR;

	if (!n->mhv_window)
		return;
	n->mhv_window = false;
	c->int_ctl = (c->int_ctl & ~lent) | (n->l1.int_ctl & lent);
	c->intercept_misc1 = (c->intercept_misc1 & ~SVM_INTERCEPT1_VINTR) |
			     (n->l1.intercept_misc1 & SVM_INTERCEPT1_VINTR);
}

/*
 * #VMEXIT to L1 (APM vol. 2, 15.6): L2's state and the exit into vmcb12,
 * then L1 as VMRUN left it, after its VMRUN, with GIF clear. An event
 * whose delivery to L2 the exit cut short (svm_run put it back into
 * EVENTINJ) is L1's to deliver again: it goes to EXITINTINFO.
 */
static void vmexit_to_l1(struct vcpu *v, uint64_t code, uint64_t info1,
			 uint64_t info2, uint64_t next_rip)
{
	struct svm_vcpu *s = v->arch;
	struct svm_nested *n = &s->nested;
	struct vmcb *vmcb02 = n->vmcb02, *vmcb01 = s->vmcb01;
	/* It was L1's RAM at VMRUN, and RAM stays: never NULL. */
	struct vmcb *vmcb12 = guest_ram_ptr(v->vm, n->vmcb12_gpa, PAGE_SIZE);
	uint64_t cut_short = vmcb02->control.event_inj;

	drop_window(n, &vmcb02->control);
	copy_vmrun_state(&vmcb12->save, &vmcb02->save);
	vmcb12->save.rax = v->gpr[GPR_RAX];
	if (s->npt.on)
		vmcb12->save.g_pat = vmcb02->save.g_pat;
	vmcb12->control.int_ctl =
		(vmcb12->control.int_ctl & ~INT_CTL_WRITEBACK) |
		(vmcb02->control.int_ctl & INT_CTL_WRITEBACK);
	vmcb12->control.int_state = vmcb02->control.int_state & 1;
	vmcb12->control.exit_code = code;
	vmcb12->control.exit_info1 = info1;
	vmcb12->control.exit_info2 = info2;
	vmcb12->control.exit_int_info =
		(cut_short & SVM_EVENT_VALID) ? cut_short : 0;
	vmcb12->control.next_rip = next_rip;
	vmcb12->control.event_inj = 0;

	copy_vmload_state(&vmcb01->save, &vmcb02->save);
	/* Host breakpoints are off after #VMEXIT, as KVM gives it. */
	vmcb01->save.dr7 = DR7_RESET;
	v->gpr[GPR_RAX] = vmcb01->save.rax;
	n->guest_mode = false;
	n->gif_clear = true;
	s->vmcb = vmcb01;
	s->vmcb_pa = s->vmcb01_pa;
	v->events = true;
}

void svm_nested_vmexit(struct vcpu *v, uint64_t code, uint64_t info1,
		       uint64_t info2)
{
	vmexit_to_l1(v, code, info1, info2, 0);
}

/* One bit per port in L1's IOPM; an access of several bytes, any of them. */
static bool l1_iopm_intercepts(struct vcpu *v, uint64_t info1)
{
	unsigned int port = (uint16_t)(info1 >> SVM_IOIO_PORT_SHIFT);
	unsigned int size = (info1 >> SVM_IOIO_SIZE_SHIFT) & 7;
	uint64_t pa = nested_of(v)->l1.iopm_base_pa + port / 8;
	const uint8_t *p = guest_ram_ptr(v->vm, pa, 2);
	unsigned int mask;

	if (!p)
		return true; /* not RAM: as if all ones */
	size = size == 4 ? 4 : size == 2 ? 2 : 1;
	mask = ((1u << size) - 1) << (port % 8);
	return ((p[0] | (unsigned int)p[1] << 8) & mask) != 0;
}

/* Two bits per MSR (read, write) in three ranges; outside, always. */
static bool l1_msrpm_intercepts(struct vcpu *v, bool write)
{
	static const uint32_t range_base[] = {0, 0xc0000000, 0xc0010000};
	uint32_t msr = (uint32_t)v->gpr[GPR_RCX], bit;
	const uint8_t *p;

	for (unsigned int r = 0; r < ARRAY_SIZE(range_base); r++) {
		if (msr - range_base[r] >= 0x2000)
			continue;
		bit = (msr - range_base[r]) * 2 + write;
		p = guest_ram_ptr(v->vm,
				  nested_of(v)->l1.msrpm_base_pa + r * 0x800 +
					  bit / 8,
				  1);
		return !p || (*p >> (bit % 8)) & 1;
	}
	return true;
}

/*
 * Whether L1 asked for this exit (its intercept vectors, APM vol. 2,
 * appendix B and C). INTR, NMI and nested page faults are mhv's own: a
 * host interrupt, mhv's NPT (with L1's NPT, svm_npt_fault decides before
 * this is asked). L1's interrupts reach it through svm_nested_events.
 */
static bool l1_intercepts(struct vcpu *v, const struct vmcb *vmcb02,
			  uint64_t code)
{
	const struct svm_l1_controls *l1 = &nested_of(v)->l1;

	/* CR and DR reads in bits 15:0, writes in 31:16: the code's order. */
	if (code < 0x20)
		return l1->intercept_cr >> code & 1;
	if (code < 0x40)
		return l1->intercept_dr >> (code - 0x20) & 1;
	if (code < 0x60)
		return l1->intercept_exceptions >> (code - 0x40) & 1;
	switch (code) {
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
		return false;
	case SVM_EXIT_IOIO:
		return (l1->intercept_misc1 & SVM_INTERCEPT1_IOIO) &&
		       l1_iopm_intercepts(v, vmcb02->control.exit_info1);
	case SVM_EXIT_MSR:
		return (l1->intercept_misc1 & SVM_INTERCEPT1_MSR) &&
		       l1_msrpm_intercepts(v, vmcb02->control.exit_info1 & 1);
	}
	if (code < 0x80)
		return l1->intercept_misc1 >> (code - 0x60) & 1;
	if (code < 0xa0)
		return l1->intercept_misc2 >> (code - 0x80) & 1;
	if (code < 0xc0)
		return l1->intercept_misc3 >> (code - 0xa0) & 1;
	return false;
}

/*
 * The instructions whose intercept gives NRIP (APM vol. 2, 15.7.1), with
 * their opcodes for CPUs without NRIP save, where mhv decodes them.
 */
static const struct svm_opcode *nrip_opcode(uint64_t code, uint64_t info1)
{
	static const struct svm_opcode ops[] = {
		[SVM_EXIT_RDTSC - 0x6e] = {{0x0f, 0x31}, 2},
		[SVM_EXIT_RDPMC - 0x6e] = {{0x0f, 0x33}, 2},
		[SVM_EXIT_CPUID - 0x6e] = {{0x0f, 0xa2}, 2},
		[SVM_EXIT_INVD - 0x6e] = {{0x0f, 0x08}, 2},
		/* F3 90: its F3 is one of the prefixes the decoder skips. */
		[SVM_EXIT_PAUSE - 0x6e] = {{0x90}, 1},
		[SVM_EXIT_HLT - 0x6e] = {{0xf4}, 1},
		[SVM_EXIT_VMRUN - 0x6e] = {{0x0f, 0x01, 0xd8}, 3},
		[SVM_EXIT_VMMCALL - 0x6e] = {{0x0f, 0x01, 0xd9}, 3},
		[SVM_EXIT_VMLOAD - 0x6e] = {{0x0f, 0x01, 0xda}, 3},
		[SVM_EXIT_VMSAVE - 0x6e] = {{0x0f, 0x01, 0xdb}, 3},
		[SVM_EXIT_STGI - 0x6e] = {{0x0f, 0x01, 0xdc}, 3},
		[SVM_EXIT_CLGI - 0x6e] = {{0x0f, 0x01, 0xdd}, 3},
		[SVM_EXIT_SKINIT - 0x6e] = {{0x0f, 0x01, 0xde}, 3},
		[SVM_EXIT_INVLPGA - 0x6e] = {{0x0f, 0x01, 0xdf}, 3},
		[SVM_EXIT_RDTSCP - 0x6e] = {{0x0f, 0x01, 0xf9}, 3},
		[SVM_EXIT_ICEBP - 0x6e] = {{0xf1}, 1},
		[SVM_EXIT_WBINVD - 0x6e] = {{0x0f, 0x09}, 2},
		[SVM_EXIT_MONITOR - 0x6e] = {{0x0f, 0x01, 0xc8}, 3},
		[SVM_EXIT_MWAIT - 0x6e] = {{0x0f, 0x01, 0xc9}, 3},
		[SVM_EXIT_MWAIT_COND - 0x6e] = {{0x0f, 0x01, 0xc9}, 3},
		[SVM_EXIT_XSETBV - 0x6e] = {{0x0f, 0x01, 0xd1}, 3},
	};
	static const struct svm_opcode rdmsr = {{0x0f, 0x32}, 2};
	static const struct svm_opcode wrmsr = {{0x0f, 0x30}, 2};

	if (code == SVM_EXIT_MSR)
		return info1 & 1 ? &wrmsr : &rdmsr;
	if (code < 0x6e || code - 0x6e >= ARRAY_SIZE(ops) ||
	    !ops[code - 0x6e].len)
		return NULL;
	return &ops[code - 0x6e];
}

/* NRIP for L1, which CPUID tells has NRIP save, whatever the host has. */
static uint64_t l2_next_rip(struct vcpu *v, const struct vmcb *vmcb02,
			    uint64_t code)
{
	const struct svm_opcode *op;
	unsigned int len;

	if (code == SVM_EXIT_IOIO)
		return vmcb02->control.exit_info2;
	op = nrip_opcode(code, vmcb02->control.exit_info1);
	if (!op)
		return 0;
	if (svm_has_nrip_save && vmcb02->control.next_rip)
		return vmcb02->control.next_rip;
	len = svm_insn_length(v, op);
	return len ? vmcb02->save.rip + len : 0;
}

/*
 * A #UD raised by L2's instruction: L1's #VMEXIT if it intercepts #UD (the
 * intercept the CPU would have checked), else delivered in L2 at the
 * instruction. Injected events pass no intercept check, so mhv makes it.
 */
static void l2_raise_ud(struct vcpu *v)
{
	if (nested_of(v)->l1.intercept_exceptions & (1u << VEC_UD))
		vmexit_to_l1(v, SVM_EXIT_EXCP_BASE + VEC_UD, 0, 0, 0);
	else
		exit_inject_ud(v);
}

/*
 * Instructions L1's CPUID does not have: #UD whatever L1 intercepts, as on
 * a CPU without them (KVM alike). SKINIT and RDPRU are never offered;
 * RDTSCP and INVPCID when hide= took them, which vmcb01 intercepts then.
 */
static bool l1_lacks_insn(struct vcpu *v, uint64_t code)
{
	const struct vmcb_control *c01 =
		&((const struct svm_vcpu *)v->arch)->vmcb01->control;

	switch (code) {
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_RDPRU:
		return true;
	case SVM_EXIT_RDTSCP:
		return c01->intercept_misc2 & SVM_INTERCEPT2_RDTSCP;
	case SVM_EXIT_RDTSC: /* QEMU TCG's RDTSCP (svm_exit.c) */
		return (c01->intercept_misc2 & SVM_INTERCEPT2_RDTSCP) &&
		       svm_insn_is_rdtscp(v);
	case SVM_EXIT_INVPCID:
		return c01->intercept_misc3 & SVM_INTERCEPT3_INVPCID;
	default:
		return false;
	}
}

/*
 * L1's PAUSE intercept with its filter (APM vol. 2, 15.14.4): each PAUSE
 * counts the VMRUN's count down, and the one that reaches zero exits (a
 * count of 0: every PAUSE). Where the CPU does not count, every PAUSE
 * exits to mhv, which skips those before the last. Returns true when the
 * PAUSE was skipped.
 */
static bool pause_filtered(struct vcpu *v)
{
	static const struct svm_opcode op_pause = {{0x90}, 1}; /* F3 90 */
	struct svm_nested *n = nested_of(v);

	if (svm_has_pause_filter || n->pause_left <= 1)
		return false;
	n->pause_left--;
	svm_skip_instruction(v, &op_pause);
	return true;
}

/*
 * An L2 software interrupt that mhv's INTn intercept caught (build_vmcb02),
 * routed as the CPU routes it (APM vol. 2, 15.12 and 15.9): INT3 and INTO
 * are #BP and #OF for L1's exception intercepts, INT n is L1's if it
 * intercepts INTn. Otherwise it is delivered in L2 after the instruction,
 * as the software interrupt it is (its gate's DPL checked): RIP and NRIP
 * both past it, so that with or without NRIP save the CPU pushes that.
 */
static void l2_software_interrupt(struct vcpu *v, struct vmcb *vmcb02)
{
	const struct svm_l1_controls *l1 = &nested_of(v)->l1;
	uint8_t bytes[INSN_MAX_LEN];
	struct insn_prefixes p;
	struct vcpu_state s;
	unsigned int vector, len;
	uint64_t code;
	bool l1s;
	size_t n;

	svm_get_state(v, &s);
	n = guest_fetch_insn(v->vm, &s, bytes);
	if (insn_scan_prefixes(bytes, n, guest_cpu_mode(&s), &p) ||
	    (size_t)p.len >= n)
		goto undecodable;
	switch (bytes[p.len]) {
	case 0xcc:
		vector = VEC_BP;
		len = p.len + 1;
		break;
	case 0xce:
		vector = VEC_OF;
		len = p.len + 1;
		break;
	case 0xcd:
		if ((size_t)p.len + 1 >= n)
			goto undecodable;
		vector = bytes[p.len + 1];
		len = p.len + 2;
		break;
	default:
		goto undecodable;
	}
	if (bytes[p.len] == 0xcd) {
		code = SVM_EXIT_SWINT;
		l1s = l1->intercept_misc1 & SVM_INTERCEPT1_INTN;
	} else {
		code = SVM_EXIT_EXCP_BASE + vector;
		l1s = l1->intercept_exceptions & (1u << vector);
	}
	if (l1s) {
		vmexit_to_l1(v, code, 0, 0, vmcb02->save.rip + len);
		return;
	}
	vmcb02->save.rip += len;
	vmcb02->control.next_rip = vmcb02->save.rip;
	vmcb02->control.int_state &= ~1ULL;
	vmcb02->control.event_inj =
		SVM_EVENT_VALID | SVM_EVENT_TYPE_SOFT_INT | vector;
	return;
undecodable:
	exit_not_decodable(v, "L2's software interrupt not decodable");
}

/*
 * The exits routed before L1's intercepts are looked at: one test of a
 * mask keeps them off the path of the others (CPUID, I/O, MSRs...).
 */
#define L2_SPECIAL_BASE SVM_EXIT_RDTSC
#define L2_SPECIAL                                \
	(BIT(SVM_EXIT_RDTSC - L2_SPECIAL_BASE) |  \
	 BIT(SVM_EXIT_SWINT - L2_SPECIAL_BASE) |  \
	 BIT(SVM_EXIT_SKINIT - L2_SPECIAL_BASE) | \
	 BIT(SVM_EXIT_RDTSCP - L2_SPECIAL_BASE) | \
	 BIT(SVM_EXIT_RDPRU - L2_SPECIAL_BASE) |  \
	 BIT(SVM_EXIT_INVPCID - L2_SPECIAL_BASE))
_Static_assert(SVM_EXIT_INVPCID - L2_SPECIAL_BASE < 64, "one 64-bit mask");

/* Returns true when the exit was dealt with. */
static __cold_path bool l2_special(struct vcpu *v, struct vmcb *vmcb02,
				   uint64_t code)
{
	if (code == SVM_EXIT_SWINT) {
		vm_count_exit(v->vm, svm_exit_counter(code));
		l2_software_interrupt(v, vmcb02);
		return true;
	}
	if (l1_lacks_insn(v, code)) {
		vm_count_exit(v->vm, svm_exit_counter(code));
		l2_raise_ud(v);
		return true;
	}
	return false;
}

/* The exit as L1 sees it; CR/DR exits without decode assists' info. */
static void reflect(struct vcpu *v, const struct vmcb *vmcb02, uint64_t code)
{
	uint64_t info1 = code < 0x40 ? 0 : vmcb02->control.exit_info1;

	vmexit_to_l1(v, code, info1, vmcb02->control.exit_info2,
		     l2_next_rip(v, vmcb02, code));
}

/*
 * QEMU TCG reports L2's virtual interrupt (V_IRQ) whose delivery an exit
 * cut short (an NPF on the shadow of L1's NPT, say) as an exception with
 * the interrupt's vector, which VMRUN then refuses in EVENTINJ (no
 * exception has a vector above 31), and leaves V_IRQ set. The CPU had
 * taken it: it goes on as the external interrupt it is, in EVENTINJ (or
 * L1's EXITINTINFO), V_IRQ clear as the APM has it once it is taken.
 */
static void fix_cut_short_virq(struct vmcb_control *c)
{
	uint64_t ev = c->event_inj;
	unsigned int vec = ev & 0xff;

	if (!(ev & SVM_EVENT_VALID) || ((ev >> 8) & 7) != 3 || vec < 32)
		return;
	c->event_inj = SVM_EVENT_VALID | SVM_EVENT_TYPE_INTR | vec;
	if (vec == (c->int_vector & 0xff))
		c->int_ctl &= ~SVM_INT_CTL_V_IRQ;
}

__cold_path void svm_nested_dispatch(struct vcpu *v, struct vmcb *vmcb02)
{
	uint64_t code = vmcb02->control.exit_code;

	fix_cut_short_virq(&vmcb02->control);

	if ((uint32_t)code == 0xffffffffu) {
		/*
		 * The CPU refused what mhv's checks let through: L1 gets the
		 * VMEXIT_INVALID its VMRUN would have had.
		 */
		vm_count_exit(v->vm, svm_exit_counter(code));
		pr_warn("%s: VMRUN refused L2's state: VMEXIT_INVALID to L1\n",
			v->vm->opt.name);
		vmexit_to_l1(v, SVM_EXIT_INVALID, 0, 0, 0);
		return;
	}
	if (code == SVM_EXIT_VINTR && nested_of(v)->mhv_window) {
		/* mhv's own window (svm_nested_events): L1 never sees it. */
		vm_count_exit(v->vm, svm_exit_counter(code));
		((struct svm_vcpu *)v->arch)->window_open = true;
		v->events = true;
		return;
	}
	if (code == SVM_EXIT_NPF && npt_of(v)->on) {
		/* On the shadow of L1's NPT: L1's fault, or mhv's to fill. */
		vm_count_exit(v->vm, svm_exit_counter(code));
		svm_npt_fault(v, vmcb02);
		return;
	}
	if (code - L2_SPECIAL_BASE < 64 &&
	    (L2_SPECIAL >> (code - L2_SPECIAL_BASE) & 1) &&
	    l2_special(v, vmcb02, code))
		return;
	if (l1_intercepts(v, vmcb02, code)) {
		vm_count_exit(v->vm, svm_exit_counter(code));
		if (code == SVM_EXIT_PAUSE && pause_filtered(v))
			return;
		reflect(v, vmcb02, code);
		return;
	}
	switch (code) {
	case SVM_EXIT_VMMCALL:
		/*
		 * Not L1's to see and never an mhv hypercall: #UD in L2 at
		 * the VMMCALL (KVM's nested SVM rule; docs/nested.md).
		 */
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
		/* L2 is not offered SVM: L1 would have to provide it. */
		vm_count_exit(v->vm, svm_exit_counter(code));
		l2_raise_ud(v);
		return;
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
		/*
		 * What the CPU does with them unintercepted in a guest (KVM
		 * alike): rAX an L1-physical address, L2's state loaded or
		 * stored.
		 */
		vm_count_exit(v->vm, svm_exit_counter(code));
		svm_l1_vmload_vmsave(v, vmcb02);
		return;
	case SVM_EXIT_INVLPGA:
		vm_count_exit(v->vm, svm_exit_counter(code));
		svm_l1_invlpga(v, vmcb02);
		return;
	}
	/*
	 * mhv's own intercept, on L2's state: CPUID, I/O, MSRs, NPF, INTR...
	 * Through svm_handle_exit, so that svm_dispatch_exit keeps its two
	 * callers and stays inlined into L1's run loop.
	 */
	svm_handle_exit(v);
}

/*
 * Whether L1's physical interrupts may interrupt L2 now (APM vol. 2,
 * 15.21.1): with V_INTR_MASKING, L1's RFLAGS.IF as VMRUN saved it;
 * without, L2's own IF, which is then the real one.
 */
bool svm_nested_irq_gate(struct vcpu *v)
{
	const struct svm_vcpu *s = v->arch;

	if (s->nested.l1.int_ctl & SVM_INT_CTL_V_INTR_MASKING)
		return s->vmcb01->save.rflags & RFLAGS_IF;
	return s->nested.vmcb02->save.rflags & RFLAGS_IF;
}

/*
 * L1's interrupt or NMI while L2 runs (APM vol. 2, 15.21). A physical
 * interrupt of L1's is taken when svm_nested_irq_gate() allows: as
 * #VMEXIT(INTR) if L1 intercepts INTR (L1 takes the interrupt itself
 * after its STGI), else, when no interrupt shadow holds it, delivered
 * through L2's IDT. An NMI alike with the NMI intercept. What must wait for L2's
 * IF, its shadow or an event on its way gets the VINTR exit, on a V_IRQ
 * mhv lends itself while L1 does not use V_IRQ for this L2.
 */
__cold_path void svm_nested_events(struct vcpu *v, struct vmcb *vmcb02)
{
	struct svm_vcpu *s = v->arch;
	struct svm_nested *n = &s->nested;
	const struct svm_l1_controls *l1 = &n->l1;
	struct vmcb_control *c = &vmcb02->control;
	bool masking = l1->int_ctl & SVM_INT_CTL_V_INTR_MASKING;
	bool busy = c->event_inj & SVM_EVENT_VALID;
	bool shadow = (c->int_state & 1) && !s->window_open;
	int irq;

	s->window_open = false;
	__atomic_store_n(&v->events, false, __ATOMIC_SEQ_CST);
	host_timer_arm(vcpu_ticks_to_deadline(v));
	drop_window(n, c);
	/* Without V_INTR_MASKING, L2's CR8 is L1's TPR (build_vmcb02). */
	if (!masking)
		c->int_ctl = (c->int_ctl & ~SVM_INT_CTL_V_TPR_MASK) |
			     (v->apic.tpr >> 4);
	if (v->apic.nmi_pending) {
		if (l1->intercept_misc1 & SVM_INTERCEPT1_NMI) {
			vmexit_to_l1(v, SVM_EXIT_NMI, 0, 0, 0);
			return;
		}
		if (!busy && !shadow) {
			c->event_inj =
				SVM_EVENT_VALID | SVM_EVENT_TYPE_NMI | VEC_NMI;
			lapic_nmi_injected(v);
			busy = true;
		}
	}
	irq = irq_pending(v);
	if (irq < 0)
		return;
	/*
	 * L2's interrupt shadow holds off only what goes through L2's IDT:
	 * L1's interrupt that L1 intercepts leaves L2 as it is (the shadow
	 * goes to L1 in int_state). Waiting for it could be forever: QEMU
	 * 7.2 TCG shows mhv's own STI shadow from before VMRUN as the
	 * guest's at an exit before its first instruction, and L2's IF may
	 * keep a window from ever opening.
	 */
	if (svm_nested_irq_gate(v) &&
	    (l1->intercept_misc1 & SVM_INTERCEPT1_INTR)) {
		vmexit_to_l1(v, SVM_EXIT_INTR, 0, 0, 0);
		return;
	}
	if (svm_nested_irq_gate(v) && !shadow) {
		if (!busy) {
			c->event_inj = SVM_EVENT_VALID | SVM_EVENT_TYPE_INTR |
				       irq_acknowledge(v, irq);
			return;
		}
	}
	/*
	 * With V_INTR_MASKING and L1's IF clear nothing in L2 opens the
	 * gate: the interrupt waits for L2's next exit to L1.
	 */
	if ((masking && !svm_nested_irq_gate(v)) ||
	    (l1->int_ctl & SVM_INT_CTL_V_IRQ))
		return;
	n->mhv_window = true;
	c->int_ctl |= SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_IGN_TPR;
	c->intercept_misc1 |= SVM_INTERCEPT1_VINTR;
}

/*
 * INIT is held while GIF is clear (APM vol. 2, 15.17); while L2 runs and
 * L1 intercepts INIT it is #VMEXIT(INIT) instead, the INIT taken by the
 * exit (KVM, by contrast, keeps it latched for after L1's STGI).
 */
bool svm_nested_init_resets(struct vcpu *v)
{
	struct svm_nested *n = nested_of(v);

	if (n->guest_mode && (n->l1.intercept_misc1 & SVM_INTERCEPT1_INIT)) {
		__atomic_store_n(&v->init_pending, false, __ATOMIC_RELEASE);
		vmexit_to_l1(v, SVM_EXIT_INIT, 0, 0, 0);
		return false;
	}
	return !n->gif_clear;
}

void svm_l1_vmload_vmsave(struct vcpu *v, struct vmcb *vmcb)
{
	bool load = vmcb->control.exit_code == SVM_EXIT_VMLOAD;
	struct vmcb *other;
	uint64_t gpa;

	if (!l1_may_use_svm(v, vmcb))
		return;
	other = l1_vmcb_at_rax(v, vmcb, &gpa);
	if (!other || !svm_skip_instruction(v, load ? &op_vmload : &op_vmsave))
		return;
	if (load)
		copy_vmload_state(&vmcb->save, &other->save);
	else
		copy_vmload_state(&other->save, &vmcb->save);
}

/* STGI and CLGI: L1's GIF, which svm_events honours. */
void svm_l1_gif(struct vcpu *v, struct vmcb *vmcb)
{
	bool set = vmcb->control.exit_code == SVM_EXIT_STGI;

	if (!l1_may_use_svm(v, vmcb) ||
	    !svm_skip_instruction(v, set ? &op_stgi : &op_clgi))
		return;
	nested_of(v)->gif_clear = !set;
	if (set)
		v->events = true;
}

/* INVLPGA: mhv flushes L2's whole ASID before L2 runs again. */
void svm_l1_invlpga(struct vcpu *v, struct vmcb *vmcb)
{
	if (!l1_may_use_svm(v, vmcb) || !svm_skip_instruction(v, &op_invlpga))
		return;
	nested_of(v)->flush_l2 = true;
	/* L2's own, unintercepted: L2 runs again without a VMRUN between. */
	if (nested_of(v)->guest_mode)
		vmcb->control.tlb_control = SVM_TLB_FLUSH_ALL;
}

int svm_nested_read_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	const struct svm_nested *n = nested_of(v);

	*val = msr == MSR_VM_CR ? n->vm_cr : n->hsave_pa;
	return 0;
}

/*
 * EFER (its SVME only), VM_CR and VM_HSAVE_PA. VM_CR: with SVMDIS set,
 * neither it nor LOCK changes any more, and SVMDIS with EFER.SVME is #GP
 * both ways (APM vol. 2, 15.30.1; KVM alike). VM_HSAVE_PA takes a page
 * address within MAXPHYADDR; mhv keeps L1's host state itself and never
 * writes that page.
 */
int svm_nested_write_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct svm_nested *n = nested_of(v);
	uint64_t change = VM_CR_VALID;

	switch (msr) {
	case MSR_EFER:
		if (n->guest_mode)
			return 0; /* L2's: its VMCB keeps SVME set */
		if ((val & EFER_SVME) && (n->vm_cr & VM_CR_SVMDIS))
			return -1;
		n->svme = val & EFER_SVME;
		return 0;
	case MSR_VM_CR:
		if (val & ~VM_CR_VALID)
			return -1;
		if (n->vm_cr & VM_CR_SVMDIS)
			change &= ~(VM_CR_LOCK | VM_CR_SVMDIS);
		val = (n->vm_cr & ~change) | (val & change);
		if ((val & VM_CR_SVMDIS) && n->svme)
			return -1;
		n->vm_cr = val;
		return 0;
	default:
		if ((val & (PAGE_SIZE - 1)) || beyond_phys(v, val))
			return -1;
		n->hsave_pa = val;
		return 0;
	}
}
