/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_VM_CPU_MODEL_H
#define MHV_CORE_VM_CPU_MODEL_H

/*
 * The CPU one VM sees, built once when the VM is created: the CPUID
 * answers and the facts the MSR rules follow both come from here, so the
 * two cannot disagree. Only what depends on guest state the exit has to
 * read (OSXSAVE, the APIC enable bit, XCR0-sized XSAVE leaves) is
 * completed at the CPUID exit.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/host/cpu.h"
#include "core/host/cpu_probe.h"

/* Leaves 0..0x1f and 0x80000000..0x8000001f are kept in the table. */
#define CPU_MODEL_LEAVES 32
/* Subleaves of leaf 7 kept (0: features, 1-2: more features). */
#define CPU_MODEL_LEAF7_SUBLEAVES 3
/* Room for every MSR the guest may reach without an exit. */
#define CPU_MODEL_MAX_PASSTHROUGH 16

/* What the guest has, as far as the MSR rules care: one bit each. */
enum cpu_fact {
	CPU_FACT_INTEL,
	CPU_FACT_AMD,
	CPU_FACT_TSC,	   /* CPUID.1:EDX[4]: TSC, IA32_TIME_STAMP_COUNTER */
	CPU_FACT_MCA,	   /* CPUID.1:EDX[14]: MCG_CAP, MCG_STATUS */
	CPU_FACT_MTRR,	   /* CPUID.1:EDX[12]: MTRRCAP, MTRR_DEF_TYPE */
	CPU_FACT_PAT,	   /* CPUID.1:EDX[16]: IA32_PAT */
	CPU_FACT_SYSENTER, /* CPUID.1:EDX[11]: SYSENTER_CS/ESP/EIP */
	CPU_FACT_X2APIC,   /* CPUID.1:ECX[21]: x2APIC mode, 0x800-0x8ff */
	CPU_FACT_TSC_DEADLINE, /* CPUID.1:ECX[24]: IA32_TSC_DEADLINE */
	CPU_FACT_TSC_ADJUST,   /* CPUID.7.0:EBX[1]: IA32_TSC_ADJUST */
	CPU_FACT_SPEC_CTRL,    /* any IA32_SPEC_CTRL bit advertised */
	CPU_FACT_IBPB,	       /* IA32_PRED_CMD */
	CPU_FACT_L1D_FLUSH,    /* CPUID.7.0:EDX[28]: IA32_FLUSH_CMD */
	CPU_FACT_ARCH_CAP,     /* CPUID.7.0:EDX[29]: IA32_ARCH_CAPABILITIES */
	CPU_FACT_NX,	       /* CPUID.80000001:EDX[20]: EFER.NXE */
	CPU_FACT_SYSCALL,      /* CPUID.80000001:EDX[11]: STAR, SFMASK */
	CPU_FACT_LM,	       /* CPUID.80000001:EDX[29]: LSTAR, CSTAR, FS/GS */
	CPU_FACT_TSC_AUX,      /* RDTSCP or RDPID: IA32_TSC_AUX */
	CPU_FACT_SVM,	       /* CPUID.80000001:ECX[2]: nested=on (SVM) */
	CPU_FACT_RDTSCP,       /* CPUID.80000001:EDX[27]: else RDTSCP #UD */
	CPU_FACT_INVPCID,      /* CPUID.7.0:EBX[10]: else INVPCID #UD */
};

#define CPU_FACT(f) (1u << (CPU_FACT_##f))

/* One MSR the guest reaches in hardware: reads, and writes if write. */
struct msr_passthrough {
	uint32_t msr;
	bool write;
};

struct cpu_model {
	enum cpu_vendor vendor;
	/* Facts (enum cpu_fact bits) and the values some rules need. */
	uint32_t facts;
	uint64_t spec_ctrl_bits; /* IBRS, STIBP, SSBD as advertised */
	uint64_t efer_allowed;	 /* EFER bits a guest WRMSR may set */
	uint64_t cr4_reserved;	 /* CR4 bits the guest's CPUID lacks */
	unsigned int cpus;	 /* in the package, one core each */
	bool no_xsave;		 /* hide=xsave: leaf 0xD is all zero */

	/*
	 * CPUID. A leaf whose bit is set in basic_table/ext_table is answered
	 * from basic[]/ext[] whatever the subleaf; leaf 7 from leaf7[] below
	 * leaf7_count. Anything else (the subleaf leaves 4, 0xB, 0xD, 0x1F...,
	 * leaves past the table) is asked of the CPU at the exit and filtered
	 * there: such leaves are rare and some (0xD) follow the guest's XCR0,
	 * which stays in the register while mhv runs.
	 */
	uint32_t max_basic, max_ext;
	uint32_t basic_table, ext_table;
	uint32_t leaf7_count;
	struct cpuid_regs basic[CPU_MODEL_LEAVES];
	struct cpuid_regs ext[CPU_MODEL_LEAVES];
	struct cpuid_regs leaf7[CPU_MODEL_LEAF7_SUBLEAVES];
	struct cpuid_regs hv; /* 0x40000000: the mhv signature */

	/*
	 * The MSRs the guest reaches without an exit, by the rule in
	 * core/vm/msr_policy.c; svm/ and vmx/ only encode it into their
	 * permission map / MSR bitmap.
	 */
	unsigned int passthrough_count;
	struct msr_passthrough passthrough[CPU_MODEL_MAX_PASSTHROUGH];
};

/*
 * What the host offers, the vendor, and what mhv chooses to show (x2APIC:
 * emulated by core/dev/dev_xapic.c whatever the host has). Separate from
 * cpu_model_finish() so that tests can change a host answer in between.
 */
void cpu_model_from_host(struct cpu_model *m, enum cpu_vendor vendor);
/*
 * hide= (enum guest_hide bits): take features out of the leaves, between
 * cpu_model_from_host() and cpu_model_finish() so that the facts, the CR4
 * mask and the MSR rules follow. The backends read the facts to make the
 * instructions #UD (docs/usage.md).
 */
void cpu_model_hide(struct cpu_model *m, uint32_t hide);
/* Derive the facts, masks and the pass-through list from the leaves. */
void cpu_model_finish(struct cpu_model *m);
/* Both: what VM creation calls. */
void cpu_model_init(struct cpu_model *m, enum cpu_vendor vendor);

/*
 * The VM's CPU count in the topology CPUID describes: one package of n
 * cores of one thread, APIC IDs 0..n-1 (leaf 1 EBX[23:16] and HTT, leaves
 * 0xB/0x1F, AMD's 0x80000008 ECX and CmpLegacy). Each vCPU's own APIC ID
 * is filled in at the exit.
 */
void cpu_model_set_cpus(struct cpu_model *m, unsigned int n);

/*
 * nested=on on an SVM host: the guest sees SVM (leaf 0x80000001 ECX[2],
 * leaf 0x8000000A with what svm/svm_nested.c provides: NRIP save, ASIDs,
 * the PAUSE filter, nested paging unless !npt (nested=nonpt)), may set
 * EFER.SVME and has
 * VM_CR and VM_HSAVE_PA.
 */
void cpu_model_set_nested_svm(struct cpu_model *m, bool npt);

/* The pass-through list from the facts (core/vm/msr_policy.c). */
void msr_passthrough_derive(struct cpu_model *m);

static inline bool cpu_model_has(const struct cpu_model *m, uint32_t facts)
{
	return (m->facts & facts) == facts;
}

/* The guest's MAXPHYADDR: CPUID 0x80000008 EAX[7:0], else 36 (SDM 4.1.4). */
static inline unsigned int cpu_model_phys_bits(const struct cpu_model *m)
{
	unsigned int bits = m->ext[8].eax & 0xff;

	return bits ? bits : 36;
}

/*
 * The table's answer, or NULL: then the CPU is asked at the exit
 * (cpu_model_ask_cpu). Inline: it is the CPUID exit's fast path.
 */
static inline const struct cpuid_regs *
cpu_model_entry(const struct cpu_model *m, uint32_t leaf, uint32_t subleaf)
{
	uint32_t ext = leaf - 0x80000000u;

	if (leaf < CPU_MODEL_LEAVES) {
		if (m->basic_table & (1u << leaf))
			return &m->basic[leaf];
		if (leaf == 7 && subleaf < m->leaf7_count)
			return &m->leaf7[subleaf];
	} else if (ext < CPU_MODEL_LEAVES && (m->ext_table & (1u << ext))) {
		return &m->ext[ext];
	}
	return NULL;
}

/* A leaf the table does not hold: the CPU's answer, filtered. */
struct cpuid_regs cpu_model_ask_cpu(const struct cpu_model *m, uint32_t leaf,
				    uint32_t subleaf);

/*
 * The guest's CPUID without the bits that follow its state (leaf 1's
 * OSXSAVE and APIC): what the CR4 check and the tests compare against.
 */
struct cpuid_regs cpu_model_cpuid(const struct cpu_model *m, uint32_t leaf,
				  uint32_t subleaf);

#endif
