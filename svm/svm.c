// SPDX-License-Identifier: MIT
/*
 * AMD SVM: enabling the CPU, building a guest's VMCB, and the VMRUN loop.
 * The exit handling itself is in svm_exit.c.
 */
#include "core/host/apic.h"
#include "core/host/cpu.h"
#include "core/host/cpu_probe.h"
#include "core/exit/exits.h"
#include "core/host/log.h"
#include "core/host/memory.h"
#include "core/host/panic.h"
#include "core/host/smp.h"
#include "core/vm/entry_state.h"
#include "core/x86.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "svm/svm.h"
#include "svm/svm_asm.h"

#define IOPM_SIZE (12 * 1024)
#define MSRPM_SIZE (8 * 1024)
#define GUEST_ASID 1

/*
 * Per CPU: the VMSAVE area for the host's FS/GS/TR... (VMSAVE before and
 * VMLOAD after each VMRUN keep the GS base, which points at the CPU's
 * struct percpu); 0 where svm_enable_cpu() has not succeeded.
 */
static uint64_t host_save_pa[MHV_MAX_CPUS];
static uint64_t iopm_pa, msrpm_pa;

/*
 * Let the guest reach an MSR directly (read, and write if asked). The
 * permission map covers three ranges of 8K MSRs, two bits each (APM vol.
 * 2, 15.11): 0-0x1fff, 0xc0000000-0xc0001fff, 0xc0010000-0xc0011fff. An
 * MSR outside them always exits; asking to pass one through is a bug.
 */
static void msrpm_pass(uint8_t *msrpm, uint32_t msr, bool write_too)
{
	static const uint32_t range_base[] = {0, 0xc0000000, 0xc0010000};
	uint32_t bit;

	for (unsigned int r = 0; r < ARRAY_SIZE(range_base); r++) {
		if (msr - range_base[r] >= 0x2000)
			continue;
		bit = (msr - range_base[r]) * 2;
		msrpm[r * 0x800 + bit / 8] &= ~(1u << (bit % 8));
		if (write_too)
			msrpm[r * 0x800 + bit / 8] &= ~(2u << (bit % 8));
		return;
	}
	panic("MSR %#x is outside the SVM permission map", msr);
}

/*
 * The VM's pass-through list (core decides it, core/vm/msr_policy.c) as
 * the permission map: everything else exits. One map serves the one VM
 * that exists at a time, encoded afresh for each; VMs that run at the same
 * time will each need their own.
 */
static void msrpm_encode(const struct cpu_model *m)
{
	uint8_t *msrpm = (uint8_t *)msrpm_pa;

	memset(msrpm, 0xff, MSRPM_SIZE);
	for (unsigned int i = 0; i < m->passthrough_count; i++)
		msrpm_pass(msrpm, m->passthrough[i].msr,
			   m->passthrough[i].write);
}

static const char *svm_unusable(const struct cpu_info *ci)
{
	const char *why = svm_blocker(ci);

	if (why)
		return why;
	if (!ci->npt)
		return "SVM without nested paging (NPT) is not supported";
	return NULL;
}

/* Once per system: the checks, and the I/O map every VMCB shares. */
static int svm_enable(const struct cpu_info *ci, char *err, size_t errlen)
{
	const char *why = svm_unusable(ci);

	if (why) {
		fmt_snprintf(err, errlen, "%s", why);
		return -1;
	}
	svm_has_nrip_save = ci->nrip_save;
	svm_has_pause_filter = ci->pause_filter;
	iopm_pa = memory_alloc_zeroed(IOPM_SIZE);
	msrpm_pa = memory_alloc_zeroed(MSRPM_SIZE);
	svm_msrpm_all_pa = memory_alloc_zeroed(MSRPM_SIZE);
	if (!iopm_pa || !msrpm_pa || !svm_msrpm_all_pa) {
		fmt_snprintf(err, errlen, "out of memory for SVM structures");
		return -1;
	}
	/* Every port exits; the MSRs per VM (msrpm_encode). */
	memset((void *)iopm_pa, 0xff, IOPM_SIZE);
	memset((void *)svm_msrpm_all_pa, 0xff, MSRPM_SIZE);
	return 0;
}

/*
 * Per CPU, on that CPU: the same checks on its own probe (VM_CR is per
 * CPU), EFER.SVME, and its own VM_HSAVE_PA page and host save area (APM
 * vol. 2, 15.30.4: the physical address VMRUN saves host state to).
 */
static int svm_enable_cpu(const struct cpu_info *ci, char *err, size_t errlen)
{
	const char *why = svm_unusable(ci);
	unsigned int cpu = smp_this_cpu();
	uint64_t hsave, save;

	if (why) {
		fmt_snprintf(err, errlen, "%s", why);
		return -1;
	}
	if (ci->nrip_save != svm_has_nrip_save) {
		fmt_snprintf(err, errlen,
			     "NRIP save differs from the boot "
			     "CPU's");
		return -1;
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	hsave = memory_alloc_zeroed(PAGE_SIZE);
	save = memory_alloc_zeroed(PAGE_SIZE);
	if (!hsave || !save) {
		fmt_snprintf(err, errlen, "out of memory for SVM structures");
		return -1;
	}
	wrmsr(MSR_VM_HSAVE_PA, hsave);
	host_save_pa[cpu] = save;
	return 0;
}

static bool svm_cpu_enabled(void)
{
	return (rdmsr(MSR_EFER) & EFER_SVME) && host_save_pa[smp_this_cpu()] &&
	       rdmsr(MSR_VM_HSAVE_PA);
}

static void set_seg(struct vmcb_seg *d, const struct seg_reg *s)
{
	*d = (struct vmcb_seg){.selector = s->sel,
			       .attrib = s->attr,
			       .limit = s->limit,
			       .base = s->base};
}

static void set_dtable(struct vmcb_seg *d, const struct dtable_reg *s)
{
	*d = (struct vmcb_seg){.limit = s->limit, .base = s->base};
}

static void init_guest_state(struct vmcb *vmcb, const struct entry_state *e)
{
	struct vmcb_save *g = &vmcb->save;

	set_seg(&g->cs, &e->cs);
	set_seg(&g->ds, &e->ds);
	set_seg(&g->es, &e->es);
	set_seg(&g->ss, &e->ss);
	set_seg(&g->fs, &e->fs);
	set_seg(&g->gs, &e->gs);
	set_seg(&g->ldtr, &e->ldtr);
	set_seg(&g->tr, &e->tr);
	set_dtable(&g->gdtr, &e->gdtr);
	set_dtable(&g->idtr, &e->idtr);
	g->cpl = (e->ss.attr >> 5) & 3; /* SS.DPL */
	g->efer = e->efer |
		  EFER_SVME; /* required by VMRUN; hidden from the guest */
	g->cr0 = e->cr0;
	g->cr4 = e->cr4;
	g->cr3 = e->cr3;
	g->dr6 = e->dr6;
	g->dr7 = e->dr7;
	g->rflags = e->rflags;
	g->rip = e->rip;
	g->rsp = e->rsp;
	g->g_pat = e->pat;
}

static int svm_vcpu_create(struct vcpu *v, const struct entry_state *entry,
			   char *err, size_t errlen)
{
	static struct svm_vcpu svm_vcpus[VM_MAX_VCPUS];
	struct svm_vcpu *s = &svm_vcpus[v->index];
	struct vmcb_control *c;

	*s = (struct svm_vcpu){0};
	s->vmcb_pa = memory_alloc_zeroed(PAGE_SIZE);
	if (!s->vmcb_pa) {
		fmt_snprintf(err, errlen, "out of memory for the VMCB");
		return -1;
	}
	s->vmcb = (struct vmcb *)s->vmcb_pa;
	s->vmcb01 = s->vmcb;
	s->vmcb01_pa = s->vmcb_pa;
	svm_insn_memo_clear(s);
	v->arch = s;
	if (cpu_model_has(&v->vm->cpu, CPU_FACT(SVM))) {
		/* nested=on: the VMCB its L2s run on (svm_nested.c). */
		s->nested.vmcb02_pa = memory_alloc_zeroed(PAGE_SIZE);
		if (!s->nested.vmcb02_pa) {
			fmt_snprintf(err, errlen, "out of memory for the VMCB");
			return -1;
		}
		s->nested.vmcb02 = (struct vmcb *)s->nested.vmcb02_pa;
	}

	c = &s->vmcb->control;
	/* CR4 and CR8 (the TPR) writes: svm_exit.c. */
	c->intercept_cr = SVM_MHV_CR_WRITE4 | SVM_MHV_CR_WRITE8;
	c->intercept_exceptions = 1u << 6; /* #UD: svm_exit.c */
	/* INTR: mhv's own interrupts (its budget timer) exit, see svm_run. */
	c->intercept_misc1 = SVM_MHV_MISC1;
	/*
	 * What the CPU model hides must #UD: RDPRU always (a CPU without it
	 * #UDs before the intercept is looked at), RDTSCP and INVPCID per
	 * hide=.
	 */
	c->intercept_misc2 = SVM_MHV_MISC2 | SVM_INTERCEPT2_RDPRU;
	if (!cpu_model_has(&v->vm->cpu, CPU_FACT(RDTSCP))) {
		c->intercept_misc2 |= SVM_INTERCEPT2_RDTSCP;
		/* QEMU TCG exits RDTSCP as RDTSC (svm_exit.c, handle_rdtsc). */
		c->intercept_misc1 |= SVM_INTERCEPT1_RDTSC;
	}
	if (!cpu_model_has(&v->vm->cpu, CPU_FACT(INVPCID)))
		c->intercept_misc3 |= SVM_INTERCEPT3_INVPCID;
	c->iopm_base_pa = iopm_pa;
	msrpm_encode(&v->vm->cpu);
	c->msrpm_base_pa = msrpm_pa;
	c->guest_asid = GUEST_ASID;
	/* ASID 1 is reused by each VM in turn: start with a clean TLB. */
	c->tlb_control = SVM_TLB_FLUSH_ALL;
	c->int_ctl = SVM_INT_CTL_V_INTR_MASKING;
	c->np_control = SVM_NP_ENABLE;
	c->n_cr3 = v->vm->gpt.root;
	init_guest_state(s->vmcb, entry);
	return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
	struct svm_vcpu *s = v->arch;

	if (s && s->vmcb01_pa)
		pmm_free(&phys_mem, s->vmcb01_pa, PAGE_SIZE);
	if (s && s->nested.vmcb02_pa)
		pmm_free(&phys_mem, s->nested.vmcb02_pa, PAGE_SIZE);
	if (s)
		svm_npt_destroy(&s->npt);
	v->arch = NULL;
}

/*
 * A shootdown (vm_tlb_shootdown): every ASID's translations go at the
 * next VMRUN, L1's and L2's alike, and the shadow of L1's NPT, which
 * copied mhv's mappings, with them.
 */
static __cold_path void svm_flush_guest_tlb(struct vcpu *v)
{
	struct svm_vcpu *s = v->arch;

	s->vmcb->control.tlb_control = SVM_TLB_FLUSH_ALL;
	s->nested.flush_l2 = true;
	if (s->nested.guest_mode && s->npt.on)
		s->vmcb->control.n_cr3 = svm_npt_enter(v, s->npt.ncr3, true);
}

static void svm_run(struct vcpu *v)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb *vmcb;
	uint64_t host_save = host_save_pa[smp_this_cpu()];

	/*
	 * SVM has no preemption timer: the host APIC timer guards the budget
	 * and the device timers (armed in svm_events).
	 */
	if (!host_timer_usable())
		pr_warn("%s: no host timer: its time budget is not enforced\n",
			v->vm->opt.name);
	v->events = true;
	while (!v->vm->ended) {
		if (v->events) {
			/*
			 * INIT: core resets the vCPU (core/vm/vcpu_run.c),
			 * unless L1 holds it or takes it as an exit.
			 */
			if (v->init_pending && svm_nested_init_resets(v))
				break;
			svm_events(v, s->vmcb);
			if (vcpu_tlb_flush_due(v))
				svm_flush_guest_tlb(v);
		}
		/* vmcb01, or vmcb02 while the guest's own guest runs. */
		vmcb = s->vmcb;
		vmcb->save.rax = v->gpr[GPR_RAX];
		svm_vmrun(v->gpr, s->vmcb_pa, host_save);
		v->gpr[GPR_RAX] = vmcb->save.rax;
		vmcb->control.tlb_control = 0;
		/*
		 * An event whose delivery was cut short by this exit (say, an
		 * exception whose IDT entry hit an NPF) must be delivered again.
		 */
		vmcb->control.event_inj = 0;
		if (vmcb->control.exit_int_info & SVM_EVENT_VALID)
			vmcb->control.event_inj = vmcb->control.exit_int_info;
		if (unlikely(s->nested.guest_mode))
			svm_nested_dispatch(v, vmcb);
		else
			svm_dispatch_exit(v, vmcb);
	}
	host_timer_stop();
}

const struct vm_backend svm_backend = {
	.name = "AMD SVM",
	.nested_svm = true,
	.probe_report = svm_probe_report,
	.enable = svm_enable,
	.enable_cpu = svm_enable_cpu,
	.cpu_enabled = svm_cpu_enabled,
	/* NPT entries are ordinary page-table entries, user bit included. */
	.gpt_leaf_flags = PTE_P | PTE_W | PTE_US,
	.gpt_table_flags = PTE_P | PTE_W | PTE_US,
	.vcpu_create = svm_vcpu_create,
	.vcpu_destroy = svm_vcpu_destroy,
	.run = svm_run,
	.inject_exception = svm_inject_exception,
	.get_state = svm_get_state,
	.get_control = svm_get_control,
	.get_rsp = svm_get_rsp,
	.seg_base = svm_seg_base,
	.set_rsp = svm_set_rsp,
	.get_tsc_offset = svm_get_tsc_offset,
	.set_tsc_offset = svm_set_tsc_offset,
	.exit_name = svm_exit_name,
	.exit_counter = svm_exit_counter,
	.exit_slot_name = svm_exit_slot_name,
	.read_state_msr = svm_read_state_msr,
	.write_state_msr = svm_write_state_msr,
};
