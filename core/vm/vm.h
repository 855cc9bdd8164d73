/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_VM_VM_H
#define MHV_CORE_VM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dev/devices.h"
#include "core/vm/cpu_model.h"
#include "core/vm/guest_options.h"
#include "core/host/pagetable.h"
#include "core/vm/guest_ram.h"

struct cpu_info;
struct entry_state;

/* General registers in hardware encoding order (ModRM reg numbers). */
enum gpr {
	GPR_RAX,
	GPR_RCX,
	GPR_RDX,
	GPR_RBX,
	GPR_RSP,
	GPR_RBP,
	GPR_RSI,
	GPR_RDI,
	GPR_R8,
	GPR_R9,
	GPR_R10,
	GPR_R11,
	GPR_R12,
	GPR_R13,
	GPR_R14,
	GPR_R15,
	GPR_COUNT,
};

/*
 * Guest state core/ reads on slow paths (MMIO decoding, state dumps). The
 * backend fills it on request: the common exits never pay for it.
 */
struct vcpu_state {
	uint64_t rip, rsp, rflags;
	uint64_t cr0, cr2, cr3, cr4, efer;
	uint64_t cs_base;
	uint16_t cs_sel;
	bool cs_long, cs_db; /* CS.L and CS.D/B */
	unsigned int cpl;
};

/*
 * One control register or EFER as the guest sees it, for the exits that
 * need a single field (CPUID's OSXSAVE, the MSR checks): a full
 * vcpu_state costs about 17 VMREADs on VMX.
 */
enum vcpu_control {
	VCPU_CR0,
	VCPU_CR4,
	VCPU_EFER,
};

/* One exit counter per dense exit code; codes beyond share the last slot. */
#define VM_EXIT_COUNTERS 256

/* The most vCPUs one VM may have (guest option cpus=). */
#define VM_MAX_VCPUS GUEST_MAX_CPUS

/*
 * Where a vCPU is in its life (SDM vol. 3, 9.4.2): an AP waits for a
 * start-up IPI after power-up and after every INIT; the BSP runs.
 */
enum vcpu_run_state {
	VCPU_RUNNING,
	VCPU_WAIT_SIPI,
};

struct vcpu {
	struct vm *vm;
	unsigned int index;    /* 0 is the BSP; the APIC ID is the index */
	unsigned int host_cpu; /* the host CPU it runs on, for its VM's life */
	/*
	 * RAX is kept here too (the backend syncs it on each exit); RSP lives
	 * in the VMCB/VMCS and gpr[GPR_RSP] is only meaningful inside slow
	 * paths that fetch it (MMIO emulation).
	 */
	uint64_t gpr[GPR_COUNT];
	void *arch; /* the backend's per-vCPU state (VMCB or VMCS) */
	/*
	 * Set by whatever may change what the vCPU is to be interrupted with
	 * (vcpu_kick); the run loop tests only this before an entry.
	 */
	bool events;
	enum vcpu_run_state state;
	/*
	 * INIT and SIPI sent by another vCPU's APIC, taken by this vCPU's run
	 * loop (vcpu_take_init_sipi), which alone changes `state`.
	 */
	bool init_pending, sipi_pending;
	uint8_t sipi_vector;
	uint64_t lapic_timer_at; /* host TSC of the LAPIC timer, 0 = off */
	/*
	 * The VM's TLB generation this vCPU has taken in (vm_tlb_shootdown),
	 * and whether its next entry must flush the guest's TLB for it.
	 */
	uint64_t tlb_seen;
	bool tlb_flush;
	struct lapic apic;
};

struct vm {
	unsigned int id;
	struct guest_options opt;
	/*
	 * mhv's window on guest RAM: guest-physical g at ram + g. Reached
	 * through guest_ram_ptr, which makes untouched chunks present first.
	 */
	uint8_t *ram;
	struct guest_ram mem;
	struct page_table gpt; /* NPT or EPT: guest-physical -> host-physical */
	unsigned int nr_vcpus;
	struct vcpu vcpus[VM_MAX_VCPUS];
	struct devices dev;
	struct cpu_model cpu; /* built once, before the vCPU */
	/* MSRs mhv emulates rather than passing through. */
	uint64_t msr_spec_ctrl, msr_mtrr_def_type, msr_misc_enable;
	uint64_t msr_tsc_adjust;

	/*
	 * The TSC value at which the time budget (opt.timeout_ms) runs out,
	 * counted from the first entry: guest time and mhv's handling of its
	 * exits alike. Checked only when the budget timer fires.
	 */
	uint64_t deadline_tsc;

	/*
	 * Bumped by each change to the nested page tables that takes a
	 * mapping away (vm_tlb_shootdown): a vCPU whose tlb_seen is older
	 * flushes the guest's TLB before it enters again.
	 */
	uint64_t tlb_gen;

	/*
	 * Set once, by whichever vCPU ends the VM first (vm_end claims it
	 * with end_claimed, writes the outcome, then sets ended); every
	 * vCPU's run loop stops when it sees it.
	 */
	bool end_claimed;
	bool ended;
	enum guest_outcome outcome;
	uint32_t exit_status; /* with OUTCOME_EXIT */
	char detail[128];     /* one line of why it ended, for the summary */

	uint32_t exit_counts[VM_EXIT_COUNTERS];
	uint64_t unhandled_io, unhandled_mmio;
};

/*
 * What a virtualization backend (svm/, vmx/) provides. Picked once at boot
 * from CPUID; core/ never includes a backend header.
 */
/*
 * The VM-wide devices (8259, PIT, I/O APIC, UART, fw_cfg ...) are shared
 * by its vCPUs: one lock around every use, taken only when there is more
 * than one vCPU, so a single vCPU's exits stay as short as they were. A
 * vCPU's own LAPIC needs none (core/dev/dev_lapic.c says why).
 */
static inline bool vm_dev_lock(struct vm *vm)
{
	bool shared = vm->nr_vcpus > 1;

	if (unlikely(shared))
		spin_lock(&vm->dev.lock);
	return shared;
}

/* `locked`: what vm_dev_lock returned (kept in a register across calls). */
static inline void vm_dev_unlock(struct vm *vm, bool locked)
{
	if (unlikely(locked))
		spin_unlock(&vm->dev.lock);
}

/* guest_ram_ptr_slow, with the usual case inline (core/vm/guest_ram.h). */
static inline void *guest_ram_ptr(struct vm *vm, uint64_t gpa, uint64_t len)
{
	void *p = guest_ram_ptr_inline(&vm->mem, vm->ram, gpa, len);

	return p ? p : guest_ram_ptr_slow(vm, gpa, len);
}

struct vm_backend {
	const char *name;
	/* Log what the CPU offers this backend and whether it can run. */
	void (*probe_report)(const struct cpu_info *ci);
	/*
	 * Once per system, on the boot CPU: the checks on the boot CPU's
	 * probe and the structures all CPUs share (IOPM/MSRPM, MSR bitmap).
	 * Returns -1 with the reason in err.
	 */
	int (*enable)(const struct cpu_info *ci, char *err, size_t errlen);
	/*
	 * Per CPU, run on that CPU after enable: the same checks on its own
	 * probe `ci`, then VMXON (its own region) or EFER.SVME with its own
	 * VM_HSAVE_PA and host save area. Returns -1 with the reason in err.
	 */
	int (*enable_cpu)(const struct cpu_info *ci, char *err, size_t errlen);
	/* Whether enable_cpu succeeded on the CPU running this. */
	bool (*cpu_enabled)(void);
	/* Whether nested=on gives the guest SVM (svm/svm_nested.c). */
	bool nested_svm;
	/* Leaf and table flags for guest-physical page tables (NPT/EPT). */
	uint64_t gpt_leaf_flags, gpt_table_flags;
	/* A vCPU in state `entry` (core/vm/entry_state.h). */
	int (*vcpu_create)(struct vcpu *v, const struct entry_state *entry,
			   char *err, size_t errlen);
	void (*vcpu_destroy)(struct vcpu *v);
	/* Run until the VM ends (vm->ended is set by a handler). */
	void (*run)(struct vcpu *v);
	void (*inject_exception)(struct vcpu *v, unsigned int vector,
				 bool has_error, uint32_t error);
	/* The whole state, for decoding and dumps; get_control for one field. */
	void (*get_state)(struct vcpu *v, struct vcpu_state *s);
	uint64_t (*get_control)(struct vcpu *v, enum vcpu_control which);
	uint64_t (*get_rsp)(struct vcpu *v);
	/* Base of segment register seg (enum insn_seg order: ES CS SS DS FS GS). */
	uint64_t (*seg_base)(struct vcpu *v, unsigned int seg);
	void (*set_rsp)(struct vcpu *v, uint64_t rsp);
	/* The backend's name for an exit code, for logs ("CPUID", "NPF"). */
	const char *(*exit_name)(uint64_t code);
	/* Counter slot of an exit code (see VM_EXIT_COUNTERS), and back. */
	unsigned int (*exit_counter)(uint64_t code);
	const char *(*exit_slot_name)(unsigned int slot);
	/* The VM's TSC offset (guest TSC = host TSC + offset). */
	uint64_t (*get_tsc_offset)(struct vcpu *v);
	void (*set_tsc_offset)(struct vcpu *v, uint64_t offset);
	/* Vendor MSR state kept in the VMCB/VMCS rather than in hardware. */
	int (*read_state_msr)(struct vcpu *v, uint32_t msr, uint64_t *val);
	int (*write_state_msr)(struct vcpu *v, uint32_t msr, uint64_t val);
};

extern const struct vm_backend *vm_backend;

/* End the VM (first reason wins) with a one-line detail for the summary. */
void vm_end(struct vm *vm, enum guest_outcome outcome, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Print guest state for an unexpected stop: registers, control state. */
void vm_dump_state(struct vcpu *v);

/*
 * Run every guest module as its own VM, one after another, and print the
 * summary; modules for which not_a_guest (may be NULL) is true belong to
 * someone else and are skipped. Returns true when every guest ended the
 * way it was expected to.
 */
struct boot_info;
struct boot_module;
bool vm_run_all(const struct boot_info *bi,
		bool (*not_a_guest)(const struct boot_module *m));

/*
 * Pick the backend this CPU supports and enable it (sets vm_backend).
 * Returns -1 with the reason in err when neither VMX nor SVM can run.
 */
int vm_backend_init(const struct cpu_info *ci, char *err, size_t errlen);
/* Every backend's probe report (vm_backend_init has not run yet). */
void vm_backends_report(const struct cpu_info *ci);
/* True once the VMX backend is enabled (the CPU is in VMX root operation). */
bool vm_backend_is_vmx(void);

/*
 * A general register by its encoding number, the one rule for every
 * handler that decodes a register operand: RSP lives in the VMCB/VMCS, and
 * gpr[GPR_RSP] is stale outside the paths that sync it.
 */
static inline uint64_t vcpu_gpr(struct vcpu *v, unsigned int n)
{
	return n == GPR_RSP ? vm_backend->get_rsp(v) : v->gpr[n];
}

static inline void vcpu_set_gpr(struct vcpu *v, unsigned int n, uint64_t val)
{
	if (n == GPR_RSP)
		vm_backend->set_rsp(v, val);
	else
		v->gpr[n] = val;
}

static inline void vm_count_exit(struct vm *vm, unsigned int slot)
{
	vm->exit_counts[slot < VM_EXIT_COUNTERS ? slot
						: VM_EXIT_COUNTERS - 1]++;
}

/* Summed when asked: one increment less on every exit. */
/*
 * A mapping of the VM's nested page tables was taken away (a discarded
 * RAM chunk): every vCPU flushes the guest's TLB before it runs guest code
 * again, and `self` returns only once all of them have taken it in (each
 * vCPU in the guest is kicked out of it; vCPUs in mhv answer from their
 * run or wait loop). SDM vol. 3, 29.4.3.4; APM vol. 2, 15.16.
 */
void vm_tlb_shootdown(struct vcpu *self);

/*
 * Take in the VM's TLB generation: vCPUs waiting in mhv (halted, waiting
 * for a SIPI, or in a shootdown of their own) answer a shootdown with it
 * and flush at their next entry.
 */
static inline void vcpu_tlb_ack(struct vcpu *v)
{
	uint64_t gen = __atomic_load_n(&v->vm->tlb_gen, __ATOMIC_ACQUIRE);

	if (v->tlb_seen != gen) {
		v->tlb_flush = true;
		__atomic_store_n(&v->tlb_seen, gen, __ATOMIC_RELEASE);
	}
}

/*
 * The run loops, on an entry with events set: whether the guest's TLB is
 * to be flushed before it (a shootdown since the last entry).
 */
static inline bool vcpu_tlb_flush_due(struct vcpu *v)
{
	vcpu_tlb_ack(v);
	if (__builtin_expect(!v->tlb_flush, 1))
		return false;
	v->tlb_flush = false;
	return true;
}

static inline uint64_t vm_exits_total(const struct vm *vm)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < VM_EXIT_COUNTERS; i++)
		total += vm->exit_counts[i];
	return total;
}

#endif
