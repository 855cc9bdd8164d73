// SPDX-License-Identifier: MIT
/*
 * AMD SVM: enabling the CPU, building a guest's VMCB, and the VMRUN loop.
 * The exit handling itself is in svm_exit.c.
 */
#include "core/host/cpu.h"
#include "core/host/cpu_probe.h"
#include "core/exit/exits.h"
#include "core/host/log.h"
#include "core/host/memory.h"
#include "core/host/panic.h"
#include "core/x86.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "svm/svm.h"
#include "svm/svm_asm.h"

#define IOPM_SIZE (12 * 1024)
#define MSRPM_SIZE (8 * 1024)
#define GUEST_ASID 1

static uint64_t host_save_pa; /* VMSAVE area for the host's FS/GS/TR... */
static uint64_t iopm_pa, msrpm_pa;

static uint64_t alloc_zeroed(uint64_t size)
{
	uint64_t pa = pmm_alloc(&phys_mem, size, PAGE_SIZE);

	if (pa != PMM_NONE)
		memset((void *)pa, 0, size);
	return pa;
}

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
 * Pure guest state that VMLOAD/VMSAVE switch and mhv never uses: no exit
 * needed. The TSC is readable (with the VMCB's offset applied by the CPU);
 * writes are intercepted so they change the offset, not the host's TSC.
 * The base and SYSCALL-target MSRs are readable directly, but their writes
 * exit so that a non-canonical value gets its #GP whatever the CPU under
 * mhv checks (QEMU TCG does not).
 */
static const uint32_t passthrough_msrs[] = {
	MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,
	MSR_STAR,	 MSR_SFMASK,	   MSR_TSC_AUX,
};
static const uint32_t read_only_passthrough_msrs[] = {
	MSR_TSC,     MSR_LSTAR,	  MSR_CSTAR,
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
};

static int svm_enable(const struct cpu_info *ci, char *err, size_t errlen)
{
	const char *why = svm_blocker(ci);
	uint8_t *msrpm;

	if (why) {
		fmt_snprintf(err, errlen, "%s", why);
		return -1;
	}
	if (!ci->npt) {
		fmt_snprintf(err, errlen,
			     "SVM without nested paging (NPT) "
			     "is not supported");
		return -1;
	}
	svm_has_nrip_save = ci->nrip_save;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);

	uint64_t hsave = alloc_zeroed(PAGE_SIZE);

	host_save_pa = alloc_zeroed(PAGE_SIZE);
	iopm_pa = alloc_zeroed(IOPM_SIZE);
	msrpm_pa = alloc_zeroed(MSRPM_SIZE);
	if (!hsave || !host_save_pa || !iopm_pa || !msrpm_pa) {
		fmt_snprintf(err, errlen, "out of memory for SVM structures");
		return -1;
	}
	wrmsr(MSR_VM_HSAVE_PA, hsave);
	/* Every port and every MSR exits unless listed otherwise. */
	memset((void *)iopm_pa, 0xff, IOPM_SIZE);
	msrpm = (uint8_t *)msrpm_pa;
	memset(msrpm, 0xff, MSRPM_SIZE);
	for (unsigned int i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
		msrpm_pass(msrpm, passthrough_msrs[i], true);
	for (unsigned int i = 0; i < ARRAY_SIZE(read_only_passthrough_msrs);
	     i++)
		msrpm_pass(msrpm, read_only_passthrough_msrs[i], false);
	return 0;
}

static void set_seg(struct vmcb_seg *s, uint16_t sel, uint16_t attrib,
		    uint32_t limit)
{
	*s = (struct vmcb_seg){
		.selector = sel, .attrib = attrib, .limit = limit, .base = 0};
}

/*
 * The multiboot v1 entry state: 32-bit protected mode with flat segments,
 * paging off, interrupts off.
 */
static void init_guest_state(struct vmcb *vmcb, uint64_t entry)
{
	struct vmcb_save *g = &vmcb->save;

	set_seg(&g->cs, 0x08, 0xc9b,
		0xffffffff); /* code, 32-bit, 4 KiB gran. */
	set_seg(&g->ds, 0x10, 0xc93, 0xffffffff);
	set_seg(&g->es, 0x10, 0xc93, 0xffffffff);
	set_seg(&g->ss, 0x10, 0xc93, 0xffffffff);
	set_seg(&g->fs, 0x10, 0xc93, 0xffffffff);
	set_seg(&g->gs, 0x10, 0xc93, 0xffffffff);
	set_seg(&g->gdtr, 0, 0, 0xffff);
	set_seg(&g->idtr, 0, 0, 0x3ff);
	set_seg(&g->ldtr, 0, 0x82, 0xffff);
	set_seg(&g->tr, 0, 0x8b, 0xffff);
	g->cpl = 0;
	g->efer = EFER_SVME; /* required by VMRUN; hidden from the guest */
	g->cr0 = CR0_PE | CR0_ET;
	g->cr4 = 0;
	g->cr3 = 0;
	g->dr6 = DR6_RESET;
	g->dr7 = DR7_RESET;
	g->rflags = RFLAGS_FIXED1;
	g->rip = entry;
	g->g_pat = 0x0007040600070406ULL; /* the power-on PAT */
}

static int svm_vcpu_create(struct vcpu *v, uint64_t entry, char *err,
			   size_t errlen)
{
	static struct svm_vcpu svm_vcpus[1];
	struct svm_vcpu *s = &svm_vcpus[0];
	struct vmcb_control *c;

	s->vmcb_pa = alloc_zeroed(PAGE_SIZE);
	if (!s->vmcb_pa) {
		fmt_snprintf(err, errlen, "out of memory for the VMCB");
		return -1;
	}
	s->vmcb = (struct vmcb *)s->vmcb_pa;
	svm_insn_memo_clear(s);
	v->arch = s;

	c = &s->vmcb->control;
	c->intercept_cr = 1u << (16 + 4);  /* CR4 writes: svm_exit.c */
	c->intercept_exceptions = 1u << 6; /* #UD: svm_exit.c */
	c->intercept_misc1 = SVM_INTERCEPT1_NMI | SVM_INTERCEPT1_CPUID |
			     SVM_INTERCEPT1_HLT | SVM_INTERCEPT1_INVD |
			     SVM_INTERCEPT1_INVLPGA | SVM_INTERCEPT1_IOIO |
			     SVM_INTERCEPT1_MSR | SVM_INTERCEPT1_SHUTDOWN;
	/* VMMCALL always exits: mhv decides hypercall or #UD (see docs). */
	c->intercept_misc2 = SVM_INTERCEPT2_VMRUN | SVM_INTERCEPT2_VMMCALL |
			     SVM_INTERCEPT2_VMLOAD | SVM_INTERCEPT2_VMSAVE |
			     SVM_INTERCEPT2_STGI | SVM_INTERCEPT2_CLGI |
			     SVM_INTERCEPT2_SKINIT | SVM_INTERCEPT2_MONITOR |
			     SVM_INTERCEPT2_MWAIT | SVM_INTERCEPT2_MWAIT_COND;
	c->iopm_base_pa = iopm_pa;
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

	if (s && s->vmcb_pa)
		pmm_free(&phys_mem, s->vmcb_pa, PAGE_SIZE);
	v->arch = NULL;
}

static void svm_run(struct vcpu *v)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb *vmcb = s->vmcb;

	while (!v->vm->ended) {
		vmcb->save.rax = v->gpr[GPR_RAX];
		svm_vmrun(v->gpr, s->vmcb_pa, host_save_pa);
		v->gpr[GPR_RAX] = vmcb->save.rax;
		vmcb->control.tlb_control = 0;
		/*
		 * An event whose delivery was cut short by this exit (say, an
		 * exception whose IDT entry hit an NPF) must be delivered again.
		 */
		vmcb->control.event_inj = 0;
		if (vmcb->control.exit_int_info & SVM_EVENT_VALID)
			vmcb->control.event_inj = vmcb->control.exit_int_info;
		svm_dispatch_exit(v, vmcb);
	}
}

const struct vm_backend svm_backend = {
	.name = "AMD SVM",
	.enable = svm_enable,
	/* NPT entries are ordinary page-table entries, user bit included. */
	.gpt_leaf_flags = PTE_P | PTE_W | PTE_US,
	.gpt_table_flags = PTE_P | PTE_W | PTE_US,
	.vcpu_create = svm_vcpu_create,
	.vcpu_destroy = svm_vcpu_destroy,
	.run = svm_run,
	.inject_exception = svm_inject_exception,
	.advance_rip = svm_advance_rip,
	.get_state = svm_get_state,
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
