// SPDX-License-Identifier: MIT
/*
 * Nested SVM (svm/svm_nested.c, svm/svm_npt.c) against a hostile L1
 * (issue #16): one vCPU of a nested=on guest, its VMCBs in ordinary
 * memory as test_svm_nested.c links them, living through a sequence of
 * steps. L1 writes what it likes into its RAM (its VMCB for L2, the
 * permission maps, its nested page tables, L2's code) and its SVM MSRs;
 * L1 exits through the real exit table with its SVM instructions and any
 * rAX; L2 exits through svm_nested_dispatch with the exits vmcb02 lets
 * the CPU make; L1's interrupts, NMIs and INIT arrive. After each step
 * the harness does what svm_run does (svm_events when v->events), then
 * checks the state the CPU would run next, as the isolation contract has
 * it:
 *
 * - L2 about to run: vmcb02 passes VMRUN's consistency checks (APM vol. 2,
 *   15.5.1), with mhv's permission maps, an ASID of L2's (never 0, never
 *   L1's 1), V_INTR_MASKING, mhv's own intercepts, and mhv's nested page
 *   table: its own for L1, or the shadow of L1's, every leaf of which
 *   maps a page of L1's RAM. A TLB flush whenever L2 could otherwise see
 *   a translation that is gone: its first run, after an INVLPGA, a new
 *   ASID or L1's TLB control, and whenever a shadow leaf was removed or
 *   changed (its tables freed) or N_CR3 changed since L2 last ran.
 * - L1 about to run: on vmcb01, EFER.SVME set, mhv's intercepts, maps,
 *   ASID and NPT as the vCPU was created with, VMRUN's checks passed.
 * - mhv's shared permission maps (all ones) never written; the shadow's
 *   tables all given back at the end.
 * - The rules of exit_check.c for an exit that stays at one level; a
 *   #VMEXIT resumes L1 after its VMRUN with its RAX and GIF clear.
 *
 * Input: flags (u8), then steps, each an operation byte and its operands
 * (see step()). Past the end of the input every value reads as zero.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/exit/exits.h"
#include "core/host/apic.h"
#include "core/host/cpu_probe.h"
#include "core/host/memory.h"
#include "core/x86.h"
#include "lib/bitops.h"
#include "lib/compiler.h"
#include "svm/svm.h"
#include "svm/svm_exit_codes.h"
#include "tests/fuzz/check.h"
#include "tests/fuzz/exit_check.h"
#include "tests/fuzz/svm_vmrun_check.h"
#include "tests/fuzz/fake_extable.h"
#include "tests/fuzz/input.h"
#include "tests/unit/fake_clock.h"
#include "tests/unit/fake_host_irq.h"
#include "tests/unit/fake_memory.h"
#include "tests/unit/fake_serial.h"
#include "tests/unit/svm_hosted_backend.h"

/* Defined by cpu_probe.c in the kernel, which needs the hardware. */
struct cpu_info boot_cpu;

/* Hosted: core/vm/backend.c (which picks a real backend) is not linked. */
const struct vm_backend *vm_backend;

/* L1's RAM and what the harness puts in it first (L1 may change it all). */
#define RAM_SIZE 0x80000ULL
#define L1_RIP 0x1000ULL
#define L1_PML4 0x2000ULL /* L1's own page tables: 0-2 MiB identity */
#define L2_RIP 0x8000ULL
#define VMCB12_GPA 0x10000ULL
#define IOPM_GPA 0x20000ULL  /* 12 KiB */
#define MSRPM_GPA 0x30000ULL /* 8 KiB */
#define NPT_GPA 0x40000ULL   /* L1's NPT: PML4, PDPT, PD, PT */
#define SAVE_GPA 0x50000ULL  /* a VMLOAD/VMSAVE area */
#define HSAVE_GPA 0x60000ULL
#define PHYS_BITS 40 /* L1's MAXPHYADDR */

/* Where mhv's own structures would be (never dereferenced as addresses). */
#define VMCB01_PA 0x111000ULL
#define VMCB02_PA 0x222000ULL
#define MHV_NPT_ROOT 0x444000ULL

#define MAX_STEPS 48
#define MAX_LEAVES 512
#define CS_L (1u << 9)
#define CS_D (1u << 10)

/* Input flags. */
#define F_LONG 0x01	    /* L1 in long mode (else 32-bit protected) */
#define F_NRIP 0x02	    /* the host CPU has NRIP save */
#define F_PAUSE_FILTER 0x04 /* the host CPU counts PAUSEs */
#define F_NONPT 0x08	    /* nested=nonpt */
#define F_HIDE 0x10	    /* hide=rdtscp,invpcid */
#define F_NP 0x20	    /* vmcb12 starts with NP_ENABLE */
#define F_L1_IF 0x40	    /* L1 runs with RFLAGS.IF */
#define F_SVME 0x80	    /* L1 has set EFER.SVME already */

static struct vm *vm;
static struct vcpu *v;
static struct svm_vcpu svm;
static struct vmcb *vmcb01, *vmcb02;
static uint8_t *ram;
/* mhv's permission maps, shared by every guest: all ones, never written. */
static uint8_t *msrpm_all, *iopm_mhv;
#define IOPM_SIZE (12 * 1024)
#define MSRPM_SIZE (8 * 1024)
/* CPU models: {NPT, nonpt} x {all, hidden}; CPUID is slow hosted. */
static struct cpu_model models[4];
static uint64_t phys_free; /* free_bytes with no shadow */

/* vmcb01's controls as svm_vcpu_create() left them. */
static struct vmcb_control created;

/* What the harness knows of the L2 runs (the flush rules). */
static struct {
	bool ran;	  /* L2 has run at least once */
	bool owe_flush;	  /* a flush is owed to L2's next run */
	uint64_t n_cr3;	  /* of its last run */
	uint32_t asid12;  /* L1's ASID at the last VMRUN that entered L2 */
	bool have_asid12; /* ... and there was one */
	unsigned int nr_leaves;
	bool leaves_overflow;
	uint64_t gpa[MAX_LEAVES], leaf[MAX_LEAVES];
} l2;

/* L1 as VMRUN left it, for the #VMEXIT. */
static uint64_t l1_resume_rip, l1_rax;

static struct {
	unsigned int nr;
	uint64_t gpa[MAX_LEAVES], leaf[MAX_LEAVES];
	bool overflow;
} walk;

static void build_model(struct cpu_model *m, bool npt, bool hide)
{
	cpu_model_from_host(m, CPU_VENDOR_AMD);
	if (hide)
		cpu_model_hide(m, HIDE(RDTSCP) | HIDE(INVPCID));
	cpu_model_finish(m);
	m->max_ext = 0x8000000a; /* the host's may be Intel's */
	m->ext[8].eax = PHYS_BITS;
	cpu_model_set_nested_svm(m, npt);
}

static void setup(void)
{
	if (vm)
		return;
	for (int i = 0; i < 4; i++)
		build_model(&models[i], !(i & 1), i & 2);
	vm = calloc(1, sizeof(*vm));
	/* Page-aligned: the shadow of L1's NPT maps its pages. */
	ram = aligned_alloc(PAGE_SIZE, RAM_SIZE);
	vmcb01 = aligned_alloc(PAGE_SIZE, sizeof(*vmcb01));
	vmcb02 = aligned_alloc(PAGE_SIZE, sizeof(*vmcb02));
	msrpm_all = malloc(MSRPM_SIZE);
	iopm_mhv = aligned_alloc(PAGE_SIZE, IOPM_SIZE);
	CHECK(vm && ram && vmcb01 && vmcb02 && msrpm_all && iopm_mhv,
	      "out of memory");
	memset(msrpm_all, 0xff, MSRPM_SIZE);
	memset(iopm_mhv, 0xff, IOPM_SIZE);
	svm_msrpm_all_pa = (uint64_t)(uintptr_t)msrpm_all;
	fake_memory_init(MiB(16)); /* the shadow's tables */
	phys_free = phys_mem.free_bytes;
	vm_backend = &svm_hosted_backend;
	boot_cpu = (struct cpu_info){.vendor = CPU_VENDOR_AMD};
	fake_extable_install();
}

/* vmcb01's controls as svm_vcpu_create() (svm/svm.c) makes them. */
static void create_controls(struct vmcb_control *c)
{
	c->intercept_cr = SVM_MHV_CR_WRITE4 | SVM_MHV_CR_WRITE8;
	c->intercept_exceptions = 1u << VEC_UD;
	c->intercept_misc1 = SVM_MHV_MISC1;
	c->intercept_misc2 = SVM_MHV_MISC2 | SVM_INTERCEPT2_RDPRU;
	if (!cpu_model_has(&vm->cpu, CPU_FACT(RDTSCP))) {
		c->intercept_misc2 |= SVM_INTERCEPT2_RDTSCP;
		c->intercept_misc1 |= SVM_INTERCEPT1_RDTSC;
	}
	if (!cpu_model_has(&vm->cpu, CPU_FACT(INVPCID)))
		c->intercept_misc3 |= SVM_INTERCEPT3_INVPCID;
	c->iopm_base_pa = (uint64_t)(uintptr_t)iopm_mhv;
	c->msrpm_base_pa = 0x555000;
	c->guest_asid = 1;
	c->tlb_control = SVM_TLB_FLUSH_ALL;
	c->int_ctl = SVM_INT_CTL_V_INTR_MASKING;
	c->np_control = SVM_NP_ENABLE;
	c->n_cr3 = MHV_NPT_ROOT;
}

static void put64(uint64_t gpa, uint64_t val)
{
	memcpy(ram + gpa, &val, 8);
}

static void set_pm32(struct vmcb_save *g, uint64_t rip)
{
	g->cs = (struct vmcb_seg){
		.selector = 0x08, .attrib = 0xc9b, .limit = 0xffffffff};
	g->ds = g->es = g->ss = (struct vmcb_seg){
		.selector = 0x10, .attrib = 0xc93, .limit = 0xffffffff};
	g->tr = (struct vmcb_seg){.attrib = 0x8b, .limit = 0xffff};
	g->ldtr = (struct vmcb_seg){.attrib = 0x82, .limit = 0xffff};
	g->gdtr.limit = g->idtr.limit = 0xffff;
	g->efer = EFER_SVME;
	g->cr0 = CR0_PE | CR0_ET;
	g->rflags = 0x2;
	g->rip = rip;
	g->dr6 = 0xffff0ff0;
	g->dr7 = DR7_RESET;
	g->g_pat = PAT_RESET;
}

/*
 * L1's RAM as a minimal L1 fills it: its page tables, a VMCB for L2
 * (VMRUN, VMMCALL, CPUID, HLT, I/O, MSR, INTR and #PF intercepted), IOPM
 * and MSRPM with a few bits, and a 4-level NPT mapping L2-physical 0-2
 * MiB one to one (beyond RAM: L1's devices, or nothing).
 */
static void fill_ram(uint8_t flags)
{
	struct vmcb *vmcb12 = (struct vmcb *)(ram + VMCB12_GPA);
	const uint64_t table = PTE_P | PTE_W | PTE_US;

	memset(ram, 0, RAM_SIZE);
	put64(L1_PML4, (L1_PML4 + 0x1000) | 3);
	put64(L1_PML4 + 0x1000, (L1_PML4 + 0x2000) | 3);
	put64(L1_PML4 + 0x2000, 0x83);

	set_pm32(&vmcb12->save, L2_RIP);
	vmcb12->save.rax = 0x5678;
	vmcb12->control.guest_asid = 1;
	vmcb12->control.intercept_misc1 =
		SVM_INTERCEPT1_CPUID | SVM_INTERCEPT1_HLT |
		SVM_INTERCEPT1_IOIO | SVM_INTERCEPT1_MSR | SVM_INTERCEPT1_INTR;
	vmcb12->control.intercept_misc2 =
		SVM_INTERCEPT2_VMRUN | SVM_INTERCEPT2_VMMCALL;
	vmcb12->control.intercept_exceptions = 1u << VEC_PF;
	vmcb12->control.iopm_base_pa = IOPM_GPA;
	vmcb12->control.msrpm_base_pa = MSRPM_GPA;
	vmcb12->control.int_ctl = SVM_INT_CTL_V_INTR_MASKING;
	ram[IOPM_GPA + 0x80 / 8] = 1;	   /* port 0x80 */
	ram[MSRPM_GPA + 0x800 + 0x40] = 1; /* FS_BASE reads */
	if (flags & F_NP) {
		vmcb12->control.np_control = SVM_NP_ENABLE;
		vmcb12->control.n_cr3 = NPT_GPA;
	}
	put64(NPT_GPA, (NPT_GPA + 0x1000) | table);
	put64(NPT_GPA + 0x1000, (NPT_GPA + 0x2000) | table);
	put64(NPT_GPA + 0x2000, (NPT_GPA + 0x3000) | table);
	for (uint64_t i = 0; i < 512; i++)
		put64(NPT_GPA + 0x3000 + i * 8, (i << 12) | table);
}

static void reset(uint8_t flags)
{
	struct vmcb_save *g;

	/* The last input's shadow back first: every table of it. */
	svm_npt_destroy(&svm.npt);
	CHECK(phys_mem.free_bytes == phys_free,
	      "the shadow's tables leaked: %llu bytes",
	      (unsigned long long)(phys_free - phys_mem.free_bytes));
	memset(vm, 0, sizeof(*vm));
	snprintf(vm->opt.name, sizeof(vm->opt.name), "l1");
	vm->opt.mem_bytes = RAM_SIZE;
	vm->opt.nested = true;
	guest_ram_attach_flat(vm, ram, RAM_SIZE);
	vm->cpu = models[(flags & F_NONPT ? 1 : 0) | (flags & F_HIDE ? 2 : 0)];
	fill_ram(flags);

	memset(vmcb01, 0, sizeof(*vmcb01));
	memset(vmcb02, 0, sizeof(*vmcb02));
	svm = (struct svm_vcpu){.vmcb = vmcb01,
				.vmcb_pa = VMCB01_PA,
				.vmcb01 = vmcb01,
				.vmcb01_pa = VMCB01_PA,
				.nested.vmcb02 = vmcb02,
				.nested.vmcb02_pa = VMCB02_PA};
	svm_insn_memo_clear(&svm);
	v = &vm->vcpus[0];
	v->vm = vm;
	vm->nr_vcpus = 1;
	v->arch = &svm;
	fake_serial_clear();
	fake_host_irq_reset();
	fake_now = 1000000;
	vm->deadline_tsc = fake_now + 1000000000;
	devices_init(vm);
	create_controls(&vmcb01->control);
	created = vmcb01->control;

	g = &vmcb01->save;
	set_pm32(g, L1_RIP);
	if (flags & F_LONG) {
		g->cs.attrib = 0xa9b;
		g->cr0 |= CR0_PG;
		g->cr4 = CR4_PAE;
		g->cr3 = L1_PML4;
		g->efer |= EFER_LME | EFER_LMA | EFER_NXE;
	}
	if (flags & F_L1_IF)
		g->rflags |= RFLAGS_IF;
	svm_has_nrip_save = flags & F_NRIP;
	svm_has_pause_filter = flags & F_PAUSE_FILTER;
	/* L1's LAPIC software-enabled, so that its interrupts come. */
	xapic_write(v, APIC_SPIV, 0x1ff);
	if (flags & F_SVME)
		CHECK(!svm_write_state_msr(v, MSR_EFER, g->efer),
		      "EFER.SVME refused");
	memset(&l2, 0, sizeof(l2));
	memset(&walk, 0, sizeof(walk));
}

/* --- the checks ---------------------------------------------------------- */

/* A shadow leaf's host range lies wholly in L1's RAM. */
static bool l2_leaf_in_ram(uint64_t hpa, uint64_t size)
{
	uint64_t base = (uint64_t)(uintptr_t)ram;

	return hpa >= base && hpa - base < RAM_SIZE &&
	       size <= RAM_SIZE - (hpa - base);
}

static void walk_table(uint64_t table, int level, uint64_t gpa)
{
	uint64_t base = fake_memory_base();
	const uint64_t *t = (const uint64_t *)(uintptr_t)table;

	CHECK(table >= base + MiB(2) && table < base + MiB(16) &&
		      !(table & (PAGE_SIZE - 1)),
	      "shadow table %#llx is not one of mhv's pages",
	      (unsigned long long)table);
	for (unsigned int i = 0; i < 512; i++) {
		uint64_t e = t[i], size = 1ULL << (12 + 9 * (level - 1));
		uint64_t va = gpa + i * size;

		if (!(e & PTE_P))
			continue;
		if (level > 1 && !(e & PTE_PS)) {
			walk_table(e & PTE_ADDR, level - 1, va);
			continue;
		}
		CHECK(level < 4, "a PS entry in the shadow's PML4");
		CHECK(l2_leaf_in_ram(e & PTE_ADDR, size),
		      "shadow leaf L2-physical %#llx -> %#llx (%llu bytes) "
		      "outside L1's RAM",
		      (unsigned long long)va, (unsigned long long)e,
		      (unsigned long long)size);
		if (walk.nr < MAX_LEAVES) {
			walk.gpa[walk.nr] = va;
			walk.leaf[walk.nr++] = e;
		} else {
			walk.overflow = true;
		}
	}
}

/* Whether a leaf of the last L2 run is gone or different now. */
static bool leaves_lost(void)
{
	unsigned int j = 0;

	if (l2.leaves_overflow || walk.overflow)
		return true;
	for (unsigned int i = 0; i < l2.nr_leaves; i++) {
		while (j < walk.nr && walk.gpa[j] < l2.gpa[i])
			j++;
		if (j == walk.nr || walk.gpa[j] != l2.gpa[i] ||
		    walk.leaf[j] != l2.leaf[i])
			return true;
	}
	return false;
}

/* L1's guest about to run on vmcb02 (APM vol. 2, 15.5 and the contract). */
static void check_l2_runs(const char *what)
{
	const struct vmcb_control *c = &vmcb02->control;
	const struct vmcb_control *c01 = &vmcb01->control;
	const char *why = svm_vmrun_refuses(vmcb02, true);
	uint32_t h1 = c01->intercept_misc1 & SVM_HIDE_MISC1;
	uint32_t h2 = c01->intercept_misc2 & SVM_HIDE_MISC2;
	uint32_t h3 = c01->intercept_misc3 & SVM_HIDE_MISC3;
	bool owe;

	CHECK(svm.vmcb == vmcb02 && svm.vmcb_pa == VMCB02_PA,
	      "%s: L2 runs on another VMCB", what);
	CHECK(!why, "%s: VMRUN would refuse vmcb02: %s", what, why);
	CHECK(c->iopm_base_pa == c01->iopm_base_pa,
	      "%s: vmcb02's IOPM %#llx is not mhv's", what,
	      (unsigned long long)c->iopm_base_pa);
	CHECK(c->msrpm_base_pa == svm_msrpm_all_pa,
	      "%s: vmcb02's MSRPM %#llx is not mhv's", what,
	      (unsigned long long)c->msrpm_base_pa);
	CHECK(c->guest_asid != 1, "%s: L2 runs with L1's ASID", what);
	CHECK(c->int_ctl & SVM_INT_CTL_V_INTR_MASKING,
	      "%s: L2 runs without V_INTR_MASKING", what);
	CHECK((c->intercept_misc1 & SVM_MHV_MISC1) == SVM_MHV_MISC1 &&
		      (c->intercept_misc2 & SVM_MHV_MISC2) == SVM_MHV_MISC2 &&
		      (c->intercept_cr & SVM_MHV_CR_WRITE4) &&
		      (c->intercept_exceptions & (1u << VEC_UD)),
	      "%s: mhv's intercepts missing in vmcb02 (%#x %#x %#x %#x)", what,
	      c->intercept_misc1, c->intercept_misc2, c->intercept_cr,
	      c->intercept_exceptions);
	/* What L1's CPUID lacks is #UD in L2: vmcb01's hide intercepts. */
	CHECK((c->intercept_misc1 & h1) == h1 &&
		      (c->intercept_misc2 & h2) == h2 &&
		      (c->intercept_misc3 & h3) == h3,
	      "%s: a hidden instruction is not intercepted in L2", what);
	CHECK(c->np_control & SVM_NP_ENABLE, "%s: L2 runs without an NPT",
	      what);
	walk.nr = 0;
	walk.overflow = false;
	if (svm.npt.on) {
		CHECK(c->n_cr3 && c->n_cr3 == svm.npt.shadow.root,
		      "%s: N_CR3 %#llx is not the shadow's root %#llx", what,
		      (unsigned long long)c->n_cr3,
		      (unsigned long long)svm.npt.shadow.root);
		walk_table(c->n_cr3, 4, 0);
	} else {
		CHECK(c->n_cr3 == c01->n_cr3,
		      "%s: N_CR3 %#llx is neither mhv's NPT nor its shadow",
		      what, (unsigned long long)c->n_cr3);
	}
	/* A translation gone must not outlive it in the TLB. */
	owe = l2.owe_flush || !l2.ran || c->n_cr3 != l2.n_cr3 ||
	      (l2.nr_leaves && leaves_lost());
	CHECK(!owe || c->tlb_control == SVM_TLB_FLUSH_ALL,
	      "%s: L2 runs without the TLB flush it is owed (first %d, "
	      "INVLPGA/ASID/TLB control %d, N_CR3 %d)",
	      what, !l2.ran, l2.owe_flush, c->n_cr3 != l2.n_cr3);
	l2.ran = true;
	l2.owe_flush = false;
	l2.n_cr3 = c->n_cr3;
	l2.nr_leaves = walk.nr;
	l2.leaves_overflow = walk.overflow;
	memcpy(l2.gpa, walk.gpa, walk.nr * sizeof(walk.gpa[0]));
	memcpy(l2.leaf, walk.leaf, walk.nr * sizeof(walk.leaf[0]));
}

static void check_l1_runs(const char *what)
{
	const struct vmcb_control *c = &vmcb01->control;
	const char *why = svm_vmrun_refuses(vmcb01, true);

	CHECK(svm.vmcb == vmcb01 && svm.vmcb_pa == VMCB01_PA,
	      "%s: L1 runs on another VMCB", what);
	CHECK(vmcb01->save.efer & EFER_SVME, "%s: vmcb01 without EFER.SVME",
	      what);
	CHECK(!why, "%s: VMRUN would refuse vmcb01: %s", what, why);
	CHECK((c->intercept_cr & created.intercept_cr) ==
			      created.intercept_cr &&
		      (c->intercept_dr & created.intercept_dr) ==
			      created.intercept_dr &&
		      (c->intercept_exceptions &
		       created.intercept_exceptions) ==
			      created.intercept_exceptions &&
		      (c->intercept_misc1 & created.intercept_misc1) ==
			      created.intercept_misc1 &&
		      (c->intercept_misc2 & created.intercept_misc2) ==
			      created.intercept_misc2 &&
		      (c->intercept_misc3 & created.intercept_misc3) ==
			      created.intercept_misc3,
	      "%s: mhv's intercepts changed in vmcb01", what);
	CHECK(c->iopm_base_pa == created.iopm_base_pa &&
		      c->msrpm_base_pa == created.msrpm_base_pa &&
		      c->guest_asid == created.guest_asid &&
		      c->np_control == created.np_control &&
		      c->n_cr3 == created.n_cr3 &&
		      (c->int_ctl & SVM_INT_CTL_V_INTR_MASKING),
	      "%s: vmcb01's maps, ASID, NPT or V_INTR_MASKING changed", what);
}

static bool all_ones(const uint8_t *p, size_t n)
{
	uint64_t w;

	for (size_t i = 0; i < n; i += 8) {
		memcpy(&w, p + i, 8);
		if (w != ~0ULL)
			return false;
	}
	return true;
}

/* What the CPU would run now: checked, then "run" (TLB control used). */
static void check_run(const char *what)
{
	CHECK(all_ones(msrpm_all, MSRPM_SIZE) && all_ones(iopm_mhv, IOPM_SIZE),
	      "%s: mhv's shared permission maps were written", what);
	if (svm.nested.guest_mode)
		check_l2_runs(what);
	else
		check_l1_runs(what);
	svm.vmcb->control.tlb_control = 0;
}

static void check_ended(const char *what)
{
	CHECK(vm->outcome != OUTCOME_LOAD_ERROR && vm->outcome < OUTCOME_COUNT,
	      "%s: outcome %d", what, vm->outcome);
	CHECK(memchr(vm->detail, '\0', sizeof(vm->detail)) && vm->detail[0],
	      "%s: the VM ended without a detail", what);
}

/* L1 is back after a #VMEXIT: after its VMRUN, its RAX, GIF clear. */
static void check_vmexit(const char *what)
{
	CHECK(vmcb01->save.rip == l1_resume_rip,
	      "%s: L1 resumes at %#llx, not after its VMRUN (%#llx)", what,
	      (unsigned long long)vmcb01->save.rip,
	      (unsigned long long)l1_resume_rip);
	CHECK(v->gpr[GPR_RAX] == l1_rax,
	      "%s: L1's RAX %#llx after #VMEXIT, %#llx at VMRUN", what,
	      (unsigned long long)v->gpr[GPR_RAX], (unsigned long long)l1_rax);
	CHECK(svm.nested.gif_clear, "%s: GIF set after #VMEXIT", what);
	CHECK(vmcb01->save.dr7 == DR7_RESET, "%s: L1's DR7 %#llx after #VMEXIT",
	      what, (unsigned long long)vmcb01->save.dr7);
}

/* --- the steps ----------------------------------------------------------- */

static void plant(uint64_t gpa, const uint8_t *bytes, size_t n)
{
	if (gpa < RAM_SIZE && n <= RAM_SIZE - gpa)
		memcpy(ram + gpa, bytes, n);
}

/* Opcode bytes for the intercepts mhv may decode (no NRIP save). */
static size_t opcode_of(uint64_t code, uint64_t info1, uint8_t *b)
{
	static const struct {
		uint16_t code;
		uint8_t len, bytes[4];
	} ops[] = {
		{SVM_EXIT_WRITE_CR0 + 4, 3, {0x0f, 0x22, 0xe0}},
		{SVM_EXIT_WRITE_CR0 + 8, 4, {0x44, 0x0f, 0x22, 0xc0}},
		{SVM_EXIT_RDTSC, 2, {0x0f, 0x31}},
		{SVM_EXIT_RDPMC, 2, {0x0f, 0x33}},
		{SVM_EXIT_CPUID, 2, {0x0f, 0xa2}},
		{SVM_EXIT_INVD, 2, {0x0f, 0x08}},
		{SVM_EXIT_PAUSE, 2, {0xf3, 0x90}},
		{SVM_EXIT_HLT, 1, {0xf4}},
		{SVM_EXIT_INVLPGA, 3, {0x0f, 0x01, 0xdf}},
		{SVM_EXIT_VMRUN, 3, {0x0f, 0x01, 0xd8}},
		{SVM_EXIT_VMMCALL, 3, {0x0f, 0x01, 0xd9}},
		{SVM_EXIT_VMLOAD, 3, {0x0f, 0x01, 0xda}},
		{SVM_EXIT_VMSAVE, 3, {0x0f, 0x01, 0xdb}},
		{SVM_EXIT_STGI, 3, {0x0f, 0x01, 0xdc}},
		{SVM_EXIT_CLGI, 3, {0x0f, 0x01, 0xdd}},
		{SVM_EXIT_SKINIT, 3, {0x0f, 0x01, 0xde}},
		{SVM_EXIT_RDTSCP, 3, {0x0f, 0x01, 0xf9}},
		{SVM_EXIT_ICEBP, 1, {0xf1}},
		{SVM_EXIT_WBINVD, 2, {0x0f, 0x09}},
		{SVM_EXIT_MONITOR, 3, {0x0f, 0x01, 0xc8}},
		{SVM_EXIT_MWAIT, 3, {0x0f, 0x01, 0xc9}},
		{SVM_EXIT_MWAIT_COND, 3, {0x0f, 0x01, 0xc9}},
		{SVM_EXIT_XSETBV, 3, {0x0f, 0x01, 0xd1}},
		{SVM_EXIT_RDPRU, 3, {0x0f, 0x01, 0xfd}},
		{SVM_EXIT_INVPCID, 4, {0x66, 0x0f, 0x38, 0x82}},
	};

	if (code == SVM_EXIT_MSR) {
		b[0] = 0x0f;
		b[1] = info1 & 1 ? 0x30 : 0x32;
		return 2;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (ops[i].code == code) {
			memcpy(b, ops[i].bytes, ops[i].len);
			return ops[i].len;
		}
	}
	return 0;
}

/* Whether the CPU could make this exit of L2's with vmcb02 as it is. */
static bool l2_may_exit(uint64_t code)
{
	const struct vmcb_control *c = &vmcb02->control;

	if (code == SVM_EXIT_INVALID || code == SVM_EXIT_NPF)
		return true;
	if (code < 0x20)
		return c->intercept_cr >> code & 1;
	if (code < 0x40)
		return c->intercept_dr >> (code - 0x20) & 1;
	if (code < 0x60)
		return c->intercept_exceptions >> (code - 0x40) & 1;
	if (code < 0x80)
		return c->intercept_misc1 >> (code - 0x60) & 1;
	if (code < 0xa0)
		return c->intercept_misc2 >> (code - 0x80) & 1;
	if (code < 0xc0)
		return c->intercept_misc3 >> (code - 0xa0) & 1;
	return false;
}

/* The instruction's length at RIP: where NRIP and IOIO's EXITINFO2 point. */
static uint64_t next_rip_of(const struct vmcb *vmcb, unsigned int len)
{
	uint64_t next = vmcb->save.rip + len;

	if (!(vmcb->save.cs.attrib & CS_L) || !(vmcb->save.efer & EFER_LMA))
		next = (uint32_t)next;
	return next;
}

/* One L1 exit through the real table; its instruction's bytes at RIP. */
static void l1_exit(uint64_t code, uint64_t info1, const uint8_t *bytes,
		    size_t len)
{
	struct vmcb_control *c = &vmcb01->control;
	struct exit_before b;
	struct exit_event ev;
	bool was_invlpga = code == SVM_EXIT_INVLPGA;
	struct vmcb *vmcb12;
	uint32_t asid = 0;
	uint8_t tlb = 0;
	char what[40];

	/* L1 jumped to its code page for this one. */
	vmcb01->save.rip = L1_RIP;
	plant(L1_RIP, bytes, len);
	c->exit_code = code;
	c->exit_info1 = info1;
	c->exit_info2 = 0;
	c->exit_int_info = 0;
	c->event_inj = 0;
	c->next_rip = svm_has_nrip_save ? next_rip_of(vmcb01, len) : 0;
	/* What VMRUN will read of vmcb12, if it reads one. */
	if (code == SVM_EXIT_VMRUN && !(v->gpr[GPR_RAX] & 0xfff) &&
	    (uint32_t)v->gpr[GPR_RAX] < RAM_SIZE) {
		vmcb12 = (struct vmcb *)(ram + (uint32_t)v->gpr[GPR_RAX]);
		asid = vmcb12->control.guest_asid;
		tlb = vmcb12->control.tlb_control;
	}
	snprintf(what, sizeof(what), "L1 exit %#llx", (unsigned long long)code);
	exit_snapshot(v, &b);
	svm_handle_exit(v);
	if (svm.nested.guest_mode) {
		/* VMRUN entered L2: the TLB rules of the L2 it runs. */
		CHECK(vm_exits_total(vm) == b.exits + 1, "%s: counted %llu",
		      what, (unsigned long long)(vm_exits_total(vm) - b.exits));
		CHECK(vmcb01->save.rip == L1_RIP + len,
		      "%s: L1 resumes at %#llx", what,
		      (unsigned long long)vmcb01->save.rip);
		l1_resume_rip = vmcb01->save.rip;
		l1_rax = vmcb01->save.rax;
		if (tlb || !l2.have_asid12 || asid != l2.asid12)
			l2.owe_flush = true;
		l2.asid12 = asid;
		l2.have_asid12 = true;
		return;
	}
	ev = (struct exit_event){
		.valid = c->event_inj & SVM_EVENT_VALID,
		.type = (c->event_inj >> 8) & 7,
		.vector = c->event_inj & 0xff,
		.has_error = c->event_inj & SVM_EVENT_ERROR_VALID,
	};
	if (!exit_check_after(v, &b, &ev, what))
		return;
	/* INVLPGA done: L2's next run flushes. */
	if (was_invlpga && !ev.valid && vmcb01->save.rip != b.s.rip)
		l2.owe_flush = true;
}

/* One L2 exit as svm_run hands it over: svm_nested_dispatch. */
static void l2_exit(uint64_t code, uint64_t info1, uint64_t info2,
		    uint64_t int_info, unsigned int len)
{
	struct vmcb_control *c = &vmcb02->control;
	struct exit_before b;
	struct exit_event ev;
	uint64_t inj_before;
	bool was_invlpga = code == SVM_EXIT_INVLPGA;
	char what[40];

	if (code == SVM_EXIT_IOIO)
		info2 = next_rip_of(vmcb02, len);
	c->exit_code = code;
	c->exit_info1 = info1;
	c->exit_info2 = info2;
	c->exit_int_info = int_info;
	c->next_rip =
		svm_has_nrip_save && opcode_of(code, info1, (uint8_t[4]){})
			? next_rip_of(vmcb02, len)
			: 0;
	/* As svm_run: the event the exit cut short goes in again. */
	c->event_inj = int_info & SVM_EVENT_VALID ? int_info : 0;
	inj_before = c->event_inj;
	snprintf(what, sizeof(what), "L2 exit %#llx", (unsigned long long)code);
	exit_snapshot(v, &b);
	svm_nested_dispatch(v, vmcb02);
	if (!svm.nested.guest_mode) {
		CHECK(vm_exits_total(vm) == b.exits + 1, "%s: counted %llu",
		      what, (unsigned long long)(vm_exits_total(vm) - b.exits));
		if (vm->ended)
			check_ended(what);
		else
			check_vmexit(what);
		return;
	}
	/* Only an event this exit raised is held to exit_check.c's rules. */
	ev = (struct exit_event){
		.valid = (c->event_inj & SVM_EVENT_VALID) &&
			 c->event_inj != inj_before &&
			 ((c->event_inj >> 8) & 7) == 3,
		.type = (c->event_inj >> 8) & 7,
		.vector = c->event_inj & 0xff,
		.has_error = c->event_inj & SVM_EVENT_ERROR_VALID,
	};
	if (!exit_check_after(v, &b, &ev, what))
		return;
	if (was_invlpga && !ev.valid && vmcb02->save.rip != b.s.rip)
		l2.owe_flush = true;
}

/* RAM write: base, offset, length, bytes. */
static void step_write(struct fuzz_in *in)
{
	static const uint64_t base[] = {
		VMCB12_GPA, VMCB12_GPA + 0x400, IOPM_GPA, MSRPM_GPA,
		NPT_GPA,    NPT_GPA + 0x3000,	L2_RIP,	  0};
	uint8_t sel = in_u8(in);
	uint64_t gpa = base[sel & 7] + in_u16(in);
	size_t len = in_u8(in) % 24 + 1, n = len < in->n ? len : in->n;

	if ((sel & 7) == 7) /* anywhere */
		gpa = (gpa << 3) % RAM_SIZE;
	plant(gpa, in->p, n);
	in->p += n;
	in->n -= n;
}

static uint32_t msr_of(uint8_t sel)
{
	static const uint32_t msrs[] = {
		MSR_EFER,	    MSR_VM_CR,	MSR_VM_HSAVE_PA, MSR_FS_BASE,
		MSR_KERNEL_GS_BASE, 0xc0010117, 0xc0010114,	 0x10};

	return msrs[sel & 7];
}

/* RDMSR/WRMSR at either level: the real MSR path. */
static void step_msr(struct fuzz_in *in)
{
	uint8_t sel = in_u8(in);
	uint64_t val = in_u64(in), info1 = !(sel & 0x80);
	uint8_t bytes[4];
	size_t len = opcode_of(SVM_EXIT_MSR, info1, bytes);

	v->gpr[GPR_RCX] = msr_of(sel);
	v->gpr[GPR_RAX] = (uint32_t)val;
	v->gpr[GPR_RDX] = val >> 32;
	if (!svm.nested.guest_mode) {
		l1_exit(SVM_EXIT_MSR, info1, bytes, len);
		return;
	}
	plant(vmcb02->save.rip, bytes, len);
	l2_exit(SVM_EXIT_MSR, info1, 0, 0, len);
}

/* An SVM instruction or VMMCALL, rAX one of a few or anything. */
static void step_svm_insn(struct fuzz_in *in)
{
	static const uint16_t codes[] = {
		SVM_EXIT_VMRUN,	  SVM_EXIT_VMLOAD, SVM_EXIT_VMSAVE,
		SVM_EXIT_STGI,	  SVM_EXIT_CLGI,   SVM_EXIT_INVLPGA,
		SVM_EXIT_VMMCALL, SVM_EXIT_VMRUN,
	};
	uint8_t sel = in_u8(in);
	uint64_t code = codes[sel & 7], rax;
	uint8_t bytes[4];
	size_t len = opcode_of(code, 0, bytes);

	switch ((sel >> 3) & 3) {
	case 0:
		rax = VMCB12_GPA;
		break;
	case 1:
		rax = SAVE_GPA;
		break;
	case 2:
		rax = (uint64_t)in_u16(in) << 12; /* in RAM or not */
		break;
	default:
		rax = in_u64(in);
		break;
	}
	v->gpr[GPR_RAX] = rax;
	if (!svm.nested.guest_mode) {
		l1_exit(code, 0, bytes, len);
		return;
	}
	if (!l2_may_exit(code))
		return;
	plant(vmcb02->save.rip, bytes, len);
	l2_exit(code, 0, 0, 0, len);
}

/*
 * EXITINTINFO as the CPU writes it: an interrupt, an NMI (vector 2), an
 * exception (never vector 2) or a software interrupt. QEMU reports a
 * cut-short V_IRQ as an "exception" with its vector: 32-255 too.
 */
static uint64_t int_info_of(uint32_t raw)
{
	static const uint64_t types[] = {0, 2, 3, 4};
	uint64_t type = types[(raw >> 8) & 3], vec = raw & 0xff;

	if (!(raw & SVM_EVENT_VALID))
		return 0;
	if (type == 2 || (type == 3 && vec == VEC_NMI)) {
		type = 2;
		vec = VEC_NMI;
	}
	if (type == 3 && (raw & SVM_EVENT_ERROR_VALID))
		return SVM_EVENT_VALID | type << 8 | vec |
		       SVM_EVENT_ERROR_VALID |
		       (uint64_t)(raw >> 12 & 0xffff) << 32;
	return SVM_EVENT_VALID | type << 8 | vec;
}

/* Any exit of L2's that vmcb02 allows, with the values the CPU gives. */
static void step_l2_exit(struct fuzz_in *in)
{
	uint16_t raw = in_u16(in);
	uint64_t code = raw == 0xffff ? SVM_EXIT_INVALID : raw;
	unsigned int len = in_u8(in) % 15 + 1, flags = in_u8(in);
	uint64_t info1 = in_u64(in), info2 = in_u64(in);
	uint32_t int_info = flags & 0x80 ? in_u32(in) | SVM_EVENT_VALID : 0;
	uint8_t bytes[15];
	size_t n;

	if (!svm.nested.guest_mode || !l2_may_exit(code))
		return;
	if (flags & 1) {
		n = opcode_of(code, info1, bytes);
		if (n)
			len = (unsigned int)n;
	} else {
		n = len < in->n ? len : in->n;
		memcpy(bytes, in->p, n);
		in->p += n;
		in->n -= n;
	}
	if (flags & 2)
		v->gpr[(flags >> 2) & 15] = in_u64(in);
	plant(vmcb02->save.rip, bytes, n);
	l2_exit(code, info1, info2, int_info_of(int_info), len);
}

/*
 * A nested page fault of L2's on the shadow, at a low address, which
 * the CPU makes only where the shadow does not allow the access.
 */
static void step_npf(struct fuzz_in *in)
{
	uint8_t acc = in_u8(in);
	uint64_t gpa = in_u32(in) & (MiB(4) - 1), pa, leaf;
	uint64_t info1 = PF_ERR_U | (acc & (PF_ERR_W | PF_ERR_ID)) |
			 (acc & 0x80 ? BIT(33) : BIT(32));

	if (!svm.nested.guest_mode || !svm.npt.on)
		return;
	if (!pt_lookup(&svm.npt.shadow, gpa & PTE_ADDR, &pa, &leaf)) {
		if ((!(info1 & PF_ERR_W) || (leaf & PTE_W)) &&
		    (!(info1 & PF_ERR_ID) || !(leaf & PTE_NX)))
			return;
		info1 |= PF_ERR_P;
	}
	l2_exit(SVM_EXIT_NPF, info1, gpa, 0, 1);
}

/* L1's interrupt, NMI or INIT, then the host interrupt that brings it. */
static void step_event(struct fuzz_in *in)
{
	uint8_t kind = in_u8(in), vec = in_u8(in);
	uint8_t none[1] = {0x90};

	switch (kind & 3) {
	case 0:
		lapic_deliver(v, APIC_DM_FIXED, vec | 0x10, false);
		break;
	case 1:
		lapic_deliver(v, APIC_DM_NMI, 0, false);
		break;
	case 2:
		v->init_pending = true;
		v->events = true;
		break;
	default:
		/* L1 sets or clears its IF (STI/CLI). */
		if (!svm.nested.guest_mode)
			vmcb01->save.rflags ^= RFLAGS_IF;
		return;
	}
	if (svm.nested.guest_mode)
		l2_exit(SVM_EXIT_INTR, 0, 0, 0, 1);
	else
		l1_exit(SVM_EXIT_INTR, 0, none, 0);
}

/* A register of the level that runs, or L1's CPL. */
static void step_reg(struct fuzz_in *in)
{
	uint8_t reg = in_u8(in);
	uint64_t val = in_u64(in);

	if (reg & 0x80) {
		if (!svm.nested.guest_mode)
			vmcb01->save.cpl = val & 3;
		return;
	}
	v->gpr[reg & 15] = val;
}

static bool settle(const char *what);

/* One step; false once the vCPU stops (the VM ended, or INIT resets it). */
static bool step(struct fuzz_in *in)
{
	uint8_t op = in_u8(in);
	char what[24];

	snprintf(what, sizeof(what), "step op %u", op % 7);
	switch (op % 7) {
	case 0:
		step_write(in);
		break;
	case 1:
		step_msr(in);
		break;
	case 2:
		step_svm_insn(in);
		break;
	case 3:
		step_l2_exit(in);
		break;
	case 4:
		step_npf(in);
		break;
	case 5:
		step_event(in);
		break;
	default:
		step_reg(in);
		break;
	}
	return settle(what);
}

/*
 * What svm_run does before its next VMRUN: INIT first, then the events
 * for the entry; then the checks on what the CPU would run.
 */
static bool settle(const char *what)
{
	if (vm->ended) {
		check_ended(what);
		return false;
	}
	if (v->events) {
		bool was_l2 = svm.nested.guest_mode;

		if (v->init_pending && svm_nested_init_resets(v))
			return false;
		svm_events(v, svm.vmcb);
		if (was_l2 && !svm.nested.guest_mode)
			check_vmexit(what);
	}
	if (vm->ended) {
		check_ended(what);
		return false;
	}
	check_run(what);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};

	setup();
	reset(in_u8(&in));
	if (!settle("start"))
		return 0;
	for (int i = 0; i < MAX_STEPS && in.n && step(&in); i++)
		;
	return 0;
}
