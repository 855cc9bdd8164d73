// SPDX-License-Identifier: MIT
/*
 * Intel VMX: VMXON, a VMCS whose every control comes from the capability
 * MSRs, EPT, and the VM-entry loop. The exit handling is in vmx_exit.c.
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
#include "core/host/gdt.h"
#include "core/host/trap.h"
#include "core/x86.h"
#include "lib/bitops.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

#define PIN_EXTERNAL_INTERRUPT BIT(0)
#define PIN_NMI_EXITING BIT(3)
#define PIN_VIRTUAL_NMIS BIT(5)
#define PIN_PREEMPTION_TIMER BIT(6)
#define PROC_TSC_OFFSETTING BIT(3)
#define PROC_HLT_EXITING BIT(7)
#define PROC_CR8_LOAD_EXITING BIT(19)
#define PROC_CR8_STORE_EXITING BIT(20)
#define PROC_MWAIT_EXITING BIT(10)
#define PROC_UNCOND_IO_EXITING BIT(24)
#define PROC_MSR_BITMAPS BIT(28)
#define PROC_MONITOR_EXITING BIT(29)
#define PROC2_RDTSCP BIT(3)
#define PROC2_INVPCID BIT(12)
#define PROC2_ENCLS_EXITING BIT(15)
#define PROC2_XSAVES BIT(20)
#define EXIT_SAVE_DEBUG BIT(2)
#define EXIT_HOST_64BIT BIT(9)
#define EXIT_ACK_INTERRUPT BIT(15)
#define EXIT_SAVE_PAT BIT(18)
#define EXIT_LOAD_PAT BIT(19)
#define EXIT_SAVE_EFER BIT(20)
#define EXIT_LOAD_EFER BIT(21)
#define EXIT_SAVE_PREEMPTION_TIMER BIT(22)
#define ENTRY_LOAD_DEBUG BIT(2)
#define ENTRY_LOAD_PAT BIT(14)
#define ENTRY_LOAD_EFER BIT(15)

/* EPT: read/write/execute, write-back memory, 4-level walk. */
#define EPT_RWX 7ULL
#define EPT_MEMTYPE_WB (6ULL << 3)
#define EPTP_WB_4LEVEL (6ULL | (3ULL << 3))

extern char vmx_exit_point[];

struct vmx_caps {
	uint64_t pin, proc, proc2, exit, entry; /* allowed 0 (low), 1 (high) */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint32_t revision;
};

static struct vmx_caps caps;
static uint64_t msr_bitmap_pa;
/* Per CPU: its VMXON region, 0 until VMXON succeeded there. */
static uint64_t vmxon_region[MHV_MAX_CPUS];
static struct vmx_vcpu vmx_vcpus[VM_MAX_VCPUS];

__attribute__((noreturn, cold)) void vmcs_access_failed(enum vmcs_field field,
							bool write)
{
	uint64_t insn_err = 0;

	/* If even this read fails, there was no current VMCS at all. */
	if (vmread(VMCS_INSTRUCTION_ERROR, &insn_err))
		panic("VM%s of VMCS field %#x failed: no current VMCS",
		      write ? "WRITE" : "READ", field);
	panic("VM%s of VMCS field %#x failed, VM-instruction error %lu",
	      write ? "WRITE" : "READ", field, insn_err);
}

/*
 * A control value: the bits we want, plus those the CPU insists on, minus
 * those it cannot do. Returns -1 when a required bit is not available.
 */
static int adjust_controls(uint64_t cap, uint32_t want, uint32_t required,
			   uint32_t *out)
{
	uint32_t must = (uint32_t)cap, may = (uint32_t)(cap >> 32);

	if (required & ~may)
		return -1;
	*out = (want | must) & may;
	return 0;
}

static void read_caps(const struct cpu_info *ci)
{
	bool true_ctls = ci->vmx_basic & VMX_BASIC_TRUE_CTLS;

	caps.revision = ci->vmx_basic & 0x7fffffff;
	caps.pin = rdmsr(true_ctls ? MSR_VMX_TRUE_PINBASED_CTLS
				   : MSR_VMX_PINBASED_CTLS);
	caps.proc = rdmsr(true_ctls ? MSR_VMX_TRUE_PROCBASED_CTLS
				    : MSR_VMX_PROCBASED_CTLS);
	caps.exit =
		rdmsr(true_ctls ? MSR_VMX_TRUE_EXIT_CTLS : MSR_VMX_EXIT_CTLS);
	caps.entry =
		rdmsr(true_ctls ? MSR_VMX_TRUE_ENTRY_CTLS : MSR_VMX_ENTRY_CTLS);
	caps.proc2 = rdmsr(MSR_VMX_PROCBASED_CTLS2);
	caps.cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	caps.cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	caps.cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	caps.cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
}

/* IA32_FEATURE_CONTROL: use it when locked on, set and lock it when unlocked. */
static int enable_feature_control(char *err, size_t errlen)
{
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);

	if (fc & FEATURE_CONTROL_LOCKED) {
		if (fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)
			return 0;
		fmt_snprintf(err, errlen,
			     "VMX is disabled and locked off by firmware "
			     "(IA32_FEATURE_CONTROL=%#lx); enable VT-x in the "
			     "firmware setup",
			     fc);
		return -1;
	}
	fc |= FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMX_OUTSIDE_SMX;
	if (wrmsr_safe(MSR_FEATURE_CONTROL, fc)) {
		fmt_snprintf(err, errlen, "cannot set IA32_FEATURE_CONTROL");
		return -1;
	}
	pr_info("vmx: IA32_FEATURE_CONTROL was unlocked: set to %#lx\n", fc);
	return 0;
}

/* Bitmap layout: read low, read high, write low, write high (1 KiB each). */
static void msr_bitmap_pass(uint8_t *bm, uint32_t msr, bool write_too)
{
	uint32_t off = msr >= 0xc0000000 ? 1024 : 0;
	uint32_t bit = msr & 0x1fff;

	bm[off + bit / 8] &= ~(1u << (bit % 8));
	if (write_too)
		bm[2048 + off + bit / 8] &= ~(1u << (bit % 8));
}

/*
 * The VM's pass-through list (core decides it, core/vm/msr_policy.c) as
 * the MSR bitmap: everything else exits. One bitmap serves the one VM
 * that exists at a time, encoded afresh for each.
 */
static void msr_bitmap_encode(const struct cpu_model *m)
{
	uint8_t *bm = (uint8_t *)msr_bitmap_pa;

	memset(bm, 0xff, PAGE_SIZE);
	for (unsigned int i = 0; i < m->passthrough_count; i++)
		msr_bitmap_pass(bm, m->passthrough[i].msr,
				m->passthrough[i].write);
}

static const char *vmx_unusable(const struct cpu_info *ci)
{
	const char *why = vmx_blocker(ci);

	if (why)
		return why;
	if (!ci->ept)
		return "VMX without EPT is not supported (mhv needs EPT and "
		       "unrestricted guest)";
	if (!ci->unrestricted_guest)
		return "VMX without unrestricted guest is not supported (mhv "
		       "needs EPT and unrestricted guest)";
	return NULL;
}

/* Once per system: the checks, the capabilities, the shared MSR bitmap. */
static int vmx_enable(const struct cpu_info *ci, char *err, size_t errlen)
{
	const char *why = vmx_unusable(ci);

	if (why) {
		fmt_snprintf(err, errlen, "%s", why);
		return -1;
	}
	read_caps(ci);
	msr_bitmap_pa = memory_alloc_zeroed(PAGE_SIZE);
	if (!msr_bitmap_pa) {
		fmt_snprintf(err, errlen, "out of memory for VMX structures");
		return -1;
	}
	return 0;
}

/*
 * Per CPU, on that CPU: the same checks on its own probe, its own
 * IA32_FEATURE_CONTROL and fixed CR0/CR4 bits (all per logical processor,
 * SDM vol. 3, 24.7 and 24.8), and its own VMXON region.
 */
static int vmx_enable_cpu(const struct cpu_info *ci, char *err, size_t errlen)
{
	const char *why = vmx_unusable(ci);
	unsigned int cpu = smp_this_cpu();
	uint64_t vmxon_pa;

	if (why) {
		fmt_snprintf(err, errlen, "%s", why);
		return -1;
	}
	if ((ci->vmx_basic & 0x7fffffff) != caps.revision) {
		fmt_snprintf(err, errlen,
			     "VMCS revision %#lx differs from the "
			     "boot CPU's %#x",
			     ci->vmx_basic & 0x7fffffff, caps.revision);
		return -1;
	}
	if (enable_feature_control(err, errlen))
		return -1;
	/* VMXON requires the CR0/CR4 bits the capability MSRs fix to 1. */
	write_cr0((read_cr0() | rdmsr(MSR_VMX_CR0_FIXED0)) &
		  rdmsr(MSR_VMX_CR0_FIXED1));
	write_cr4((read_cr4() | rdmsr(MSR_VMX_CR4_FIXED0) | CR4_VMXE) &
		  rdmsr(MSR_VMX_CR4_FIXED1));

	vmxon_pa = memory_alloc_zeroed(PAGE_SIZE);
	if (!vmxon_pa) {
		fmt_snprintf(err, errlen, "out of memory for VMX structures");
		return -1;
	}
	*(uint32_t *)vmxon_pa = caps.revision;
	if (vmxon(vmxon_pa)) {
		fmt_snprintf(err, errlen, "VMXON failed");
		return -1;
	}
	vmxon_region[cpu] = vmxon_pa;
	return 0;
}

static bool vmx_cpu_enabled(void)
{
	return (read_cr4() & CR4_VMXE) && vmxon_region[smp_this_cpu()];
}

static int setup_controls(struct vmx_vcpu *x, const struct cpu_model *m,
			  bool vpid, char *err, size_t errlen)
{
	uint32_t pin, proc, proc2, exit, entry;
	uint32_t want2 = VMX_PROC2_EPT | VMX_PROC2_UNRESTRICTED | PROC2_RDTSCP |
			 PROC2_INVPCID | PROC2_XSAVES | PROC2_ENCLS_EXITING;

	/*
	 * The preemption timer counts down only while the guest runs, and
	 * with "save VMX-preemption timer value" it goes on from where the
	 * last exit left it rather than from the VMCS value at each entry
	 * (SDM vol. 3, 26.5.1, 28.3): without the save control a guest
	 * exiting often would never see it fire. Both or neither.
	 */
	bool preempt = (caps.pin >> 32) & PIN_PREEMPTION_TIMER &&
		       (caps.exit >> 32) & EXIT_SAVE_PREEMPTION_TIMER;
	/*
	 * Virtual NMIs: the CPU tracks the guest's NMI blocking (set by an
	 * injected NMI, cleared by its IRET) and NMI-window exiting exists
	 * (SDM vol. 3, 25.3 and 26.7.6).
	 */
	uint32_t want_pin =
		PIN_EXTERNAL_INTERRUPT | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS;
	uint32_t want_exit = EXIT_SAVE_DEBUG | EXIT_HOST_64BIT |
			     EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_PAT |
			     EXIT_LOAD_PAT | EXIT_ACK_INTERRUPT;

	if (vpid)
		want2 |= VMX_PROC2_VPID;
	/*
	 * A feature hide= took away #UDs without these controls (SDM vol. 3,
	 * 26.6.2: RDTSCP and RDPID, INVPCID).
	 */
	if (!cpu_model_has(m, CPU_FACT(TSC_AUX)))
		want2 &= ~PROC2_RDTSCP;
	if (!cpu_model_has(m, CPU_FACT(INVPCID)))
		want2 &= ~PROC2_INVPCID;
	if (preempt) {
		want_pin |= PIN_PREEMPTION_TIMER;
		want_exit |= EXIT_SAVE_PREEMPTION_TIMER;
	}
	/*
	 * External interrupts exit, acknowledged (SDM vol. 3, 28.2.2): the
	 * vector is in the exit information and mhv runs its handler there;
	 * nothing is left pending for the guest to see.
	 */
	/*
	 * Virtual NMIs are required: with NMI exiting and without them, the
	 * blocking an injected NMI leaves is never ended by the guest's IRET
	 * (SDM vol. 3, 25.3), so its next NMI would wait forever. Every VMX
	 * CPU with EPT and unrestricted guest has them.
	 */
	if (adjust_controls(caps.pin, want_pin,
			    PIN_EXTERNAL_INTERRUPT | PIN_NMI_EXITING |
				    PIN_VIRTUAL_NMIS,
			    &pin) ||
	    /*
	     * Without a TPR shadow, MOV to CR8 would load the host's own TPR
	     * and could keep mhv's timer from ever interrupting the guest:
	     * CR8 accesses exit, to the guest's LAPIC.
	     */
	    adjust_controls(
		    caps.proc,
		    PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING |
			    PROC_MSR_BITMAPS | VMX_PROC_SECONDARY |
			    PROC_MWAIT_EXITING | PROC_MONITOR_EXITING |
			    PROC_TSC_OFFSETTING | PROC_CR8_LOAD_EXITING |
			    PROC_CR8_STORE_EXITING,
		    PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING |
			    PROC_MSR_BITMAPS | VMX_PROC_SECONDARY |
			    PROC_TSC_OFFSETTING | PROC_CR8_LOAD_EXITING |
			    PROC_CR8_STORE_EXITING,
		    &proc) ||
	    adjust_controls(caps.proc2, want2,
			    VMX_PROC2_EPT | VMX_PROC2_UNRESTRICTED, &proc2) ||
	    /*
	     * DR7 and DEBUGCTL are the guest's only through the debug-control
	     * save/load: without it the next VM would inherit them.
	     */
	    adjust_controls(caps.exit, want_exit,
			    EXIT_SAVE_DEBUG | EXIT_HOST_64BIT | EXIT_SAVE_EFER |
				    EXIT_LOAD_EFER | EXIT_ACK_INTERRUPT,
			    &exit) ||
	    adjust_controls(caps.entry,
			    ENTRY_LOAD_DEBUG | ENTRY_LOAD_EFER | ENTRY_LOAD_PAT,
			    ENTRY_LOAD_DEBUG | ENTRY_LOAD_EFER, &entry)) {
		fmt_snprintf(err, errlen,
			     "a required VMX control is not available");
		return -1;
	}
	/* CR3 load/store exiting may be forced on by non-true controls. */
	vmcs_write(VMCS_PIN_CONTROLS, pin);
	vmcs_write(VMCS_PROC_CONTROLS, proc);
	vmcs_write(VMCS_PROC_CONTROLS2, proc2);
	vmcs_write(VMCS_EXIT_CONTROLS, exit);
	vmcs_write(VMCS_ENTRY_CONTROLS, entry);
	x->entry_controls = entry;
	x->proc_controls = proc;
	x->nmi_window = (pin & PIN_VIRTUAL_NMIS) &&
			((caps.proc >> 32) & VMX_PROC_NMI_WINDOW);
	x->preemption_timer = preempt;
	x->preemption_shift = rdmsr(MSR_VMX_MISC) & 0x1f;
	/*
	 * The VMCS format is the CPU's (SDM vol. 3, 25.2): nothing says a
	 * field reads 0 after VMCLEAR of a zeroed region, so every field mhv
	 * relies on is written, not assumed.
	 */
	vmcs_write(VMCS_EXCEPTION_BITMAP, 0);
	vmcs_write(VMCS_PF_ERROR_MASK, 0);
	vmcs_write(VMCS_PF_ERROR_MATCH, 0);
	vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write(VMCS_TSC_OFFSET, 0); /* a guest WRMSR to the TSC moves it */
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_MSR_BITMAP, msr_bitmap_pa);
	if (vpid)
		vmcs_write(VMCS_VPID, 1);
	return 0;
}

static void setup_host_state(void)
{
	struct desc_ptr gdtr, idtr;

	asm volatile("sgdt %0" : "=m"(gdtr));
	asm volatile("sidt %0" : "=m"(idtr));
	vmcs_write(VMCS_HOST_CR0, read_cr0());
	vmcs_write(VMCS_HOST_CR3, read_cr3());
	vmcs_write(VMCS_HOST_CR4, read_cr4());
	vmcs_write(VMCS_HOST_CS_SEL, 0x08);
	vmcs_write(VMCS_HOST_SS_SEL, 0x10);
	vmcs_write(VMCS_HOST_DS_SEL, 0x10);
	vmcs_write(VMCS_HOST_ES_SEL, 0x10);
	vmcs_write(VMCS_HOST_FS_SEL, 0);
	vmcs_write(VMCS_HOST_GS_SEL, 0);
	vmcs_write(VMCS_HOST_TR_SEL, 0x18);
	vmcs_write(VMCS_HOST_FS_BASE, 0);
	/*
	 * This CPU's own: its struct percpu (the GS base), TSS and GDT. A
	 * VMCS is set up on the CPU that runs it, and stays there.
	 */
	vmcs_write(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmcs_write(VMCS_HOST_TR_BASE, gdt_tss_base());
	vmcs_write(VMCS_HOST_GDTR_BASE, gdtr.base);
	vmcs_write(VMCS_HOST_IDTR_BASE, idtr.base);
	vmcs_write(VMCS_HOST_SYSENTER_CS, 0);
	vmcs_write(VMCS_HOST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_HOST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	vmcs_write(VMCS_HOST_PAT, rdmsr(MSR_PAT));
	vmcs_write(VMCS_HOST_RIP, (uint64_t)vmx_exit_point);
}

/*
 * The VMCS access-rights format: the descriptor's access byte in bits 0-7,
 * its flags in bits 12-15, bit 16 "unusable" (SDM vol. 3, 25.4.1).
 */
#define VMX_AR_UNUSABLE (1u << 16)

static void set_guest_seg(enum vmcs_field sel, const struct seg_reg *s)
{
	/* Selector, limit, AR and base fields share the segment's index. */
	unsigned int idx = sel - VMCS_GUEST_ES_SEL;
	uint32_t ar = (s->attr & 0xffu) | (uint32_t)(s->attr & 0xf00u) << 4;

	/* A null LDTR selector: no LDT, which VMX calls unusable. */
	if (sel == VMCS_GUEST_LDTR_SEL && !(s->sel & ~3u))
		ar = VMX_AR_UNUSABLE;
	vmcs_write(sel, s->sel);
	vmcs_write(VMCS_GUEST_ES_LIMIT + idx, s->limit);
	vmcs_write(VMCS_GUEST_ES_AR + idx, ar);
	vmcs_write(VMCS_GUEST_ES_BASE + idx, s->base);
}

/*
 * The entry state core describes (paging off needs unrestricted guest),
 * with the CR0/CR4 bits VMX forces on hidden behind the read shadows.
 */
static void setup_guest_state(struct vcpu *v, const struct entry_state *e)
{
	/*
	 * The host owns the bits VMX fixes to 1 (NE; VMXE) and CR0.PG: a
	 * guest turning paging on or off exits, so EFER.LMA and the IA-32e
	 * entry control are kept in step by mhv itself.
	 */
	uint64_t cr0_forced = caps.cr0_fixed0 & ~(CR0_PE | CR0_PG);
	uint64_t cr0_mask = cr0_forced | CR0_PG;
	/*
	 * CR4 bits the CPU has but the guest's CPUID hides (VMXE, SMXE, CET,
	 * PKS...) exit too, so that setting one raises #GP as it would on a
	 * CPU without the feature.
	 */
	uint64_t cr4_mask =
		caps.cr4_fixed0 | (cr4_guest_reserved(v) & caps.cr4_fixed1);

	set_guest_seg(VMCS_GUEST_CS_SEL, &e->cs);
	set_guest_seg(VMCS_GUEST_DS_SEL, &e->ds);
	set_guest_seg(VMCS_GUEST_ES_SEL, &e->es);
	set_guest_seg(VMCS_GUEST_SS_SEL, &e->ss);
	set_guest_seg(VMCS_GUEST_FS_SEL, &e->fs);
	set_guest_seg(VMCS_GUEST_GS_SEL, &e->gs);
	set_guest_seg(VMCS_GUEST_LDTR_SEL, &e->ldtr);
	set_guest_seg(VMCS_GUEST_TR_SEL, &e->tr);
	vmcs_write(VMCS_GUEST_GDTR_BASE, e->gdtr.base);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, e->gdtr.limit);
	vmcs_write(VMCS_GUEST_IDTR_BASE, e->idtr.base);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, e->idtr.limit);

	/* The guest sees its own CR0/CR4; NE and VMXE stay set underneath. */
	vmcs_write(VMCS_CR0_GUEST_HOST_MASK, cr0_mask);
	vmcs_write(VMCS_CR0_READ_SHADOW, e->cr0);
	vmcs_write(VMCS_GUEST_CR0, e->cr0 | cr0_forced);
	vmcs_write(VMCS_CR4_GUEST_HOST_MASK, cr4_mask);
	vmcs_write(VMCS_CR4_READ_SHADOW, e->cr4);
	vmcs_write(VMCS_GUEST_CR4, e->cr4 | caps.cr4_fixed0);
	vmcs_write(VMCS_GUEST_CR3, e->cr3);
	/* DR6 is not in the VMCS: core/vm/cpu_reset.c loads it. */
	vmcs_write(VMCS_GUEST_DR7, e->dr7);
	vmcs_write(VMCS_GUEST_RFLAGS, e->rflags);
	vmcs_write(VMCS_GUEST_RIP, e->rip);
	vmcs_write(VMCS_GUEST_RSP, e->rsp);
	vmcs_write(VMCS_GUEST_EFER, e->efer);
	vmcs_write(VMCS_GUEST_PAT, e->pat);
	vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmcs_write(VMCS_GUEST_PENDING_DEBUG, 0);
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
}

/*
 * Every VM reuses the same VPID and may get the same EPT root as an earlier
 * one: drop whatever translations the CPU still caches for them.
 */
static void flush_guest_tlbs(uint64_t eptp, bool vpid)
{
	uint64_t cap = rdmsr(MSR_VMX_EPT_VPID_CAP);

	if (cap & BIT(26))
		invept(2, 0); /* all contexts */
	else if (cap & BIT(25))
		invept(1, eptp); /* this context */
	if (vpid && (cap & BIT(42)))
		invvpid(2, 0);
	else if (vpid && (cap & BIT(41)))
		invvpid(1, 1);
}

static int vmx_vcpu_create(struct vcpu *v, const struct entry_state *entry,
			   char *err, size_t errlen)
{
	struct vmx_vcpu *x = &vmx_vcpus[v->index];

	*x = (struct vmx_vcpu){
		.cr0_fixed0 = caps.cr0_fixed0,
		.cr0_fixed1 = caps.cr0_fixed1,
		.cr4_fixed0 = caps.cr4_fixed0,
		.cr4_fixed1 = caps.cr4_fixed1,
	};
	x->vmcs_pa = memory_alloc_zeroed(PAGE_SIZE);
	if (!x->vmcs_pa) {
		fmt_snprintf(err, errlen, "out of memory for the VMCS");
		return -1;
	}
	v->arch = x;
	*(uint32_t *)x->vmcs_pa = caps.revision;
	if (vmclear(x->vmcs_pa) || vmptrld(x->vmcs_pa)) {
		fmt_snprintf(err, errlen, "VMCLEAR/VMPTRLD of the VMCS failed");
		return -1;
	}
	if (setup_controls(x, &v->vm->cpu, boot_cpu.vpid, err, errlen))
		return -1;
	setup_host_state();
	setup_guest_state(v, entry);
	msr_bitmap_encode(&v->vm->cpu);
	vmcs_write(VMCS_EPT_POINTER, v->vm->gpt.root | EPTP_WB_4LEVEL);
	flush_guest_tlbs(v->vm->gpt.root | EPTP_WB_4LEVEL, boot_cpu.vpid);
	return 0;
}

static void vmx_vcpu_destroy(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;

	if (x && x->vmcs_pa) {
		vmclear(x->vmcs_pa);
		pmm_free(&phys_mem, x->vmcs_pa, PAGE_SIZE);
	}
	v->arch = NULL;
}

/*
 * VMRESUME of a VMCS whose launch state is clear fails (VM-instruction
 * error 5, SDM Vol. 3C "VM Instruction Error Numbers"), so `launched` must
 * follow the CPU when something else clears it.
 */
void vmx_vmcs_launch_cleared(uint64_t vmcs_pa)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(vmx_vcpus); i++)
		if (vmx_vcpus[i].vmcs_pa == vmcs_pa)
			vmx_vcpus[i].launched = false;
}

/* An event whose delivery this exit interrupted must be delivered again. */
static void reinject_vectoring_event(void)
{
	uint64_t info = vmcs_read(VMCS_IDT_VECTORING_INFO);

	if (!(info & VMX_INTR_VALID))
		return;
	if (info & VMX_INTR_ERROR_VALID)
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR,
			   vmcs_read(VMCS_IDT_VECTORING_ERROR));
	vmcs_write(VMCS_ENTRY_INSTRUCTION_LEN,
		   vmcs_read(VMCS_EXIT_INSTRUCTION_LEN));
	vmcs_write(VMCS_ENTRY_INTR_INFO, info & ~(1u << 12));
}

static void vmx_run(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;

	if (!x->preemption_timer && !host_timer_usable())
		pr_warn("%s: no preemption timer and no host timer: its time "
			"budget is not enforced\n",
			v->vm->opt.name);
	v->events = true;
	while (!v->vm->ended) {
		int rc;

		if (v->events) {
			/* INIT: core resets the vCPU (core/vm/vcpu_run.c). */
			if (v->init_pending)
				break;
			vmx_events(v);
			/* A shootdown (vm_tlb_shootdown) since the last entry. */
			if (vcpu_tlb_flush_due(v))
				flush_guest_tlbs(v->vm->gpt.root |
							 EPTP_WB_4LEVEL,
						 boot_cpu.vpid);
		}
		rc = vmx_vmenter(v->gpr, x->launched);
		if (rc) {
			uint64_t e = 0;

			if (rc == VMX_FAIL_VALID)
				vmread(VMCS_INSTRUCTION_ERROR, &e);
			pr_err("%s: VM%s failed: %s, VM-instruction error "
			       "%lu\n",
			       v->vm->opt.name,
			       x->launched ? "RESUME" : "LAUNCH",
			       rc == VMX_FAIL_INVALID ? "VMfailInvalid"
						      : "VMfailValid",
			       e);
			vm_dump_state(v);
			vm_end(v->vm, OUTCOME_ENTRY_FAILED,
			       "VM entry instruction failed (VM-instruction "
			       "error %lu)",
			       e);
			break;
		}
		x->launched = true;
		/* VM exits clear the valid bit of the entry event themselves. */
		reinject_vectoring_event();
		vmx_handle_exit(v);
	}
	host_timer_stop();
}

const struct vm_backend vmx_backend = {
	.name = "Intel VMX",
	.probe_report = vmx_probe_report,
	.enable = vmx_enable,
	.enable_cpu = vmx_enable_cpu,
	.cpu_enabled = vmx_cpu_enabled,
	.gpt_leaf_flags = EPT_RWX | EPT_MEMTYPE_WB,
	.gpt_table_flags = EPT_RWX,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_destroy = vmx_vcpu_destroy,
	.run = vmx_run,
	.inject_exception = vmx_inject_exception,
	.get_state = vmx_get_state,
	.get_control = vmx_get_control,
	.get_rsp = vmx_get_rsp,
	.seg_base = vmx_seg_base,
	.set_rsp = vmx_set_rsp,
	.get_tsc_offset = vmx_get_tsc_offset,
	.set_tsc_offset = vmx_set_tsc_offset,
	.exit_name = vmx_exit_name,
	.exit_counter = vmx_exit_counter,
	.exit_slot_name = vmx_exit_slot_name,
	.read_state_msr = vmx_read_state_msr,
	.write_state_msr = vmx_write_state_msr,
};
