/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_X86_H
#define MHV_CORE_X86_H

/*
 * x86 architectural facts, each defined here and nowhere else (make test's
 * scripts/check-x86-facts keeps it so): register bits, MSR numbers and the
 * meaning of their bits, exception vectors, CPUID feature bits. Only what
 * the manuals say, no mhv policy. "SDM" is the Intel SDM, "APM" the AMD
 * APM. Formats that belong to one vendor's virtualization (VMCS encodings,
 * the VMCB, exit codes, event-injection fields) stay in svm/ and vmx/.
 *
 * MSRs are named MSR_ plus the manual's name without its IA32_ prefix.
 */
#include "lib/bitops.h"

/* CR0 (SDM vol. 3, 2.5). */
#define CR0_PE BIT(0)
#define CR0_MP BIT(1)
#define CR0_ET BIT(4)
#define CR0_NE BIT(5)
#define CR0_WP BIT(16)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CR0_PG BIT(31)

/* CR4 (SDM vol. 3, 2.5). */
#define CR4_PSE BIT(4)
#define CR4_PAE BIT(5)
#define CR4_PGE BIT(7)
#define CR4_PCE BIT(8)
#define CR4_UMIP BIT(11)
#define CR4_LA57 BIT(12)
#define CR4_VMXE BIT(13)
#define CR4_FSGSBASE BIT(16)
#define CR4_PCIDE BIT(17)
#define CR4_OSXSAVE BIT(18)
#define CR4_SMEP BIT(20)
#define CR4_SMAP BIT(21)
#define CR4_PKE BIT(22)
#define CR4_CET BIT(23)

/* EFER, MSR 0xc0000080 (APM vol. 2, 3.1.7). */
#define EFER_SCE BIT(0)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_NXE BIT(11)
#define EFER_SVME BIT(12)

/* RFLAGS (SDM vol. 1, 3.4.3): bit 1 reads as 1, the reserved bits as 0. */
#define RFLAGS_FIXED1 BIT(1)
#define RFLAGS_TF BIT(8)
#define RFLAGS_IF BIT(9)
#define RFLAGS_DF BIT(10)
#define RFLAGS_RF BIT(16)
#define RFLAGS_VM BIT(17)
#define RFLAGS_RESERVED 0xffffffffffc08028ULL /* 63:22, 15, 5, 3 */

/* Debug registers (SDM vol. 3, 18.2) and their values at power-up. */
#define DR6_BS BIT(14)
#define DR6_RESET 0xffff0ff0ULL
#define DR7_RESET 0x400ULL
/* IA32_PAT after RESET: WB, WT, UC-, UC twice (SDM vol. 3, 13.12.4). */
#define PAT_RESET 0x0007040600070406ULL
/* Memory types a PAT entry holds (SDM vol. 3, 13.12.2, table 13-10). */
#define PAT_UC 0x00ULL
#define PAT_WC 0x01ULL
#define PAT_WT 0x04ULL
#define PAT_WP 0x05ULL
#define PAT_WB 0x06ULL
#define PAT_UC_MINUS 0x07ULL

/* XCR0 state components (SDM vol. 1, 13.3): x87 alone at power-up. */
#define XCR0_X87 BIT(0)
#define XCR0_SSE BIT(1)

/*
 * Paging-structure entries (SDM vol. 3, 4.5), the same bits in 32-bit,
 * PAE, 4-level tables and AMD's nested page tables.
 */
#define PTE_P BIT(0)
#define PTE_W BIT(1)
#define PTE_US BIT(2)
/* With PAT bit 0, PWT and PCD pick the PAT entry (SDM vol. 3, 13.12.3). */
#define PTE_PWT BIT(3)
#define PTE_PCD BIT(4)
#define PTE_A BIT(5)
#define PTE_D BIT(6)
#define PTE_PS BIT(7)
/* The PAT bit: bit 7 in a 4 KiB leaf, bit 12 in a 2 MiB or 1 GiB one. */
#define PTE_PAT_4K BIT(7)
#define PTE_PAT_LARGE BIT(12)
#define PTE_NX BIT(63)
#define PTE_ADDR GENMASK(51, 12)

/* #PF error code (SDM vol. 3, 4.7), also AMD's NPF EXITINFO1 low bits. */
#define PF_ERR_P BIT(0)
#define PF_ERR_W BIT(1)
#define PF_ERR_U BIT(2)
#define PF_ERR_RSVD BIT(3)
#define PF_ERR_ID BIT(4)

/* Exception vectors (SDM vol. 3, 6.3.1). */
enum {
	VEC_DE = 0,
	VEC_DB = 1,
	VEC_NMI = 2,
	VEC_BP = 3,
	VEC_OF = 4,
	VEC_BR = 5,
	VEC_UD = 6,
	VEC_NM = 7,
	VEC_DF = 8,
	VEC_TS = 10,
	VEC_NP = 11,
	VEC_SS = 12,
	VEC_GP = 13,
	VEC_PF = 14,
	VEC_MF = 16,
	VEC_AC = 17,
	VEC_MC = 18,
	VEC_XM = 19,
	VEC_VE = 20,
	VEC_CP = 21,
};

/* CPUID feature bits, as masks of the register that holds them. */
#define CPUID1_ECX_MONITOR BIT(3)
#define CPUID1_ECX_FMA BIT(12)
#define CPUID1_ECX_PCID BIT(17)
#define CPUID1_ECX_VMX BIT(5)
#define CPUID1_ECX_SMX BIT(6)
#define CPUID1_ECX_PDCM BIT(15)
#define CPUID1_ECX_X2APIC BIT(21)
#define CPUID1_ECX_TSC_DEADLINE BIT(24)
#define CPUID1_ECX_XSAVE BIT(26)
#define CPUID1_ECX_OSXSAVE BIT(27)
#define CPUID1_ECX_AVX BIT(28)
#define CPUID1_ECX_F16C BIT(29)
#define CPUID1_ECX_HYPERVISOR BIT(31)
#define CPUID1_EDX_APIC BIT(9)
#define CPUID1_EDX_MTRR BIT(12)
#define CPUID1_EDX_PAT BIT(16)
#define CPUID1_EDX_HTT BIT(28)
#define CPUID80000001_ECX_CMP_LEGACY BIT(1)
/* CPUID 0xB/0x1F ECX[15:8]: the level's type. */
#define CPUID_TOPO_SMT 1u
#define CPUID_TOPO_CORE 2u
#define CPUID80000001_ECX_SVM BIT(2)
#define CPUID80000001_ECX_XOP BIT(11)
#define CPUID80000001_ECX_SKINIT BIT(12)
#define CPUID80000001_ECX_FMA4 BIT(16)
#define CPUID80000001_EDX_RDTSCP BIT(27)
#define CPUID80000008_EBX_RDPRU BIT(4)
/* CPUID 7.0 (SDM vol. 2, CPUID, table 3-8). */
#define CPUID7_EBX_FSGSBASE BIT(0)
#define CPUID7_EBX_SMEP BIT(7)
#define CPUID7_EBX_INVPCID BIT(10)
#define CPUID7_EBX_SMAP BIT(20)
#define CPUID7_ECX_UMIP BIT(2)
#define CPUID7_ECX_PKU BIT(3)
#define CPUID7_ECX_OSPKE BIT(4)
#define CPUID7_ECX_RDPID BIT(22)
/*
 * Leaf 7 bits of instructions that need XSAVE-managed state (AVX and its
 * successors, AMX): 7.0 EBX, ECX, EDX and 7.1 EAX.
 */
#define CPUID7_EBX_XSAVE_FEATURES                                             \
	(BIT(5) | BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) | BIT(28) | \
	 BIT(30) | BIT(31))
#define CPUID7_ECX_XSAVE_FEATURES \
	(BIT(1) | BIT(6) | BIT(9) | BIT(10) | BIT(11) | BIT(12) | BIT(14))
#define CPUID7_EDX_XSAVE_FEATURES \
	(BIT(2) | BIT(3) | BIT(8) | BIT(22) | BIT(23) | BIT(24) | BIT(25))
#define CPUID7_1_EAX_XSAVE_FEATURES (BIT(4) | BIT(5))
/* CPUID 0x8000000A EDX: SVM features (APM vol. 3, appendix E.4.9). */
#define CPUID8000000A_EDX_NP BIT(0)
#define CPUID8000000A_EDX_NRIPS BIT(3)
#define CPUID8000000A_EDX_PAUSE_FILTER BIT(10)
#define CPUID80000001_EDX_NX BIT(20)
#define CPUID80000001_EDX_PAGE1GB BIT(26)
#define CPUIDD1_EAX_XSAVES BIT(3) /* leaf 0xd, subleaf 1 */

/* Architectural MSRs (SDM vol. 4, table 2-2). */
#define MSR_TSC 0x10 /* IA32_TIME_STAMP_COUNTER */
#define MSR_APIC_BASE 0x1b
#define MSR_FEATURE_CONTROL 0x3a
#define MSR_TSC_ADJUST 0x3b
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_SPEC_CTRL 0x48
#define MSR_PRED_CMD 0x49
#define MSR_MKTME_KEYID_PARTITIONING 0x87
#define MSR_BIOS_SIGN_ID 0x8b
#define MSR_MTRRCAP 0xfe
#define MSR_ARCH_CAPABILITIES 0x10a
#define MSR_FLUSH_CMD 0x10b
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_MCG_CAP 0x179
#define MSR_MCG_STATUS 0x17a
#define MSR_MISC_ENABLE 0x1a0
#define MSR_DEBUGCTL 0x1d9
#define MSR_PAT 0x277
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_SEAMRR_PHYS_BASE 0x1400
#define MSR_SEAMRR_PHYS_MASK 0x1401

/* VMX capability MSRs (SDM vol. 3, appendix A). */
#define MSR_VMX_BASIC 0x480
#define MSR_VMX_PINBASED_CTLS 0x481
#define MSR_VMX_PROCBASED_CTLS 0x482
#define MSR_VMX_EXIT_CTLS 0x483
#define MSR_VMX_ENTRY_CTLS 0x484
#define MSR_VMX_MISC 0x485
#define MSR_VMX_CR0_FIXED0 0x486
#define MSR_VMX_CR0_FIXED1 0x487
#define MSR_VMX_CR4_FIXED0 0x488
#define MSR_VMX_CR4_FIXED1 0x489
#define MSR_VMX_VMCS_ENUM 0x48a
#define MSR_VMX_PROCBASED_CTLS2 0x48b
#define MSR_VMX_EPT_VPID_CAP 0x48c
#define MSR_VMX_TRUE_PINBASED_CTLS 0x48d
#define MSR_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_VMX_TRUE_EXIT_CTLS 0x48f
#define MSR_VMX_TRUE_ENTRY_CTLS 0x490
#define MSR_VMX_VMFUNC 0x491

/* The x2APIC registers: MSR 0x800 + xAPIC offset / 16 (SDM vol. 3, 11.12). */
#define MSR_X2APIC_FIRST 0x800
#define MSR_X2APIC_SPIV 0x80f
#define MSR_X2APIC_LAST 0x8ff

/* Long-mode MSRs (APM vol. 2, 6.1.1 and 4.5.3; SDM vol. 4, table 2-2). */
#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084 /* the SDM's IA32_FMASK */
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX 0xc0000103

/* AMD: the legacy performance counters, PerfEvtSel0-3 then PerfCtr0-3. */
#define MSR_AMD_PERFEVTSEL0 0xc0010000
#define MSR_AMD_PERFCTR3 0xc0010007

/* AMD SVM (APM vol. 2, 15.30). */
#define MSR_VM_CR 0xc0010114
#define MSR_VM_HSAVE_PA 0xc0010117

/* IA32_FEATURE_CONTROL (SDM vol. 3, 24.7). */
#define FEATURE_CONTROL_LOCKED BIT(0)
#define FEATURE_CONTROL_VMX_IN_SMX BIT(1)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX BIT(2)

/* IA32_APIC_BASE (SDM vol. 3, 11.4.4) and the spurious-vector register. */
#define APIC_BASE_BSP BIT(8)
#define APIC_BASE_EXTD BIT(10)
#define APIC_BASE_EN BIT(11)
#define APIC_SPIV_ENABLE BIT(8)

/*
 * Local APIC registers by xAPIC MMIO offset (SDM vol. 3, table 11-1); in
 * x2APIC mode register `offset` is MSR_X2APIC_FIRST + offset / 16 (11.12.1.2).
 * Used by mhv's own APIC (core/host/apic.c) and the guests' (core/dev).
 */
enum {
	APIC_ID = 0x20,
	APIC_VERSION = 0x30,
	APIC_TPR = 0x80,
	APIC_APR = 0x90,
	APIC_PPR = 0xa0,
	APIC_EOI = 0xb0,
	APIC_LDR = 0xd0,
	APIC_DFR = 0xe0,
	APIC_SPIV = 0xf0,
	APIC_ISR = 0x100, /* 8 registers of 32 vectors, 16 bytes apart */
	APIC_TMR = 0x180,
	APIC_IRR = 0x200,
	APIC_ESR = 0x280,
	APIC_LVT_CMCI = 0x2f0,
	APIC_ICR_LO = 0x300,
	APIC_ICR_HI = 0x310,
	APIC_LVT_TIMER = 0x320,
	APIC_LVT_THERMAL = 0x330,
	APIC_LVT_PERF = 0x340,
	APIC_LVT_LINT0 = 0x350,
	APIC_LVT_LINT1 = 0x360,
	APIC_LVT_ERROR = 0x370,
	APIC_TIMER_INITIAL = 0x380,
	APIC_TIMER_CURRENT = 0x390,
	APIC_TIMER_DIVIDE = 0x3e0,
	APIC_SELF_IPI = 0x3f0, /* x2APIC only */
};
/* An LVT entry's mask bit (SDM vol. 3, 11.5.1); 0 in 18:17 is one-shot. */
#define APIC_LVT_MASKED BIT(16)
/* The divide configuration for divide by 1 (SDM vol. 3, 11.5.4). */
#define APIC_TIMER_DIVIDE_BY_1 0xb
/* LVT fields (11.5.1): vector 7:0, delivery mode 10:8, level 15, timer mode. */
#define APIC_LVT_LEVEL BIT(15)
#define APIC_LVT_TIMER_MODE(lvt) (((lvt) >> 17) & 3)
#define APIC_TIMER_ONESHOT 0
#define APIC_TIMER_PERIODIC 1
#define APIC_TIMER_TSC_DEADLINE 2
/* ICR fields (11.6.1) beyond the vector and delivery mode. */
#define APIC_ICR_LOGICAL BIT(11)
#define APIC_ICR_BUSY BIT(12)
#define APIC_ICR_ASSERT BIT(14)
#define APIC_ICR_LEVEL BIT(15)
#define APIC_ICR_SHORTHAND(icr) (((icr) >> 18) & 3)
/* ICR delivery modes in bits 10:8, as mhv's own APIC sends them (11.6.1). */
#define APIC_ICR_FIXED (0u << 8)
#define APIC_ICR_NMI (4u << 8)
#define APIC_ICR_INIT (5u << 8)
#define APIC_ICR_STARTUP (6u << 8)
/* ESR bits (11.5.3). */
#define APIC_ESR_SEND_ILLEGAL_VECTOR BIT(5)
#define APIC_ESR_RECV_ILLEGAL_VECTOR BIT(6)
#define APIC_ESR_ILLEGAL_REGISTER BIT(7)
/* SPIV: focus processor checking disabled (9), EOI broadcast suppression (12). */
#define APIC_SPIV_NO_FOCUS BIT(9)

/* VM_CR (APM vol. 2, 15.30.1). */
#define VM_CR_LOCK BIT(3)
#define VM_CR_SVMDIS BIT(4)
#define VM_CR_VALID 0x1fULL /* DPD, R_INIT, DIS_A20M, LOCK, SVMDIS */

/* SEAM range registers (Intel TDX module and CPU architecture specs). */
#define SEAMRR_BASE_CONFIGURED BIT(3)
#define SEAMRR_MASK_LOCKED BIT(10)
#define SEAMRR_MASK_ENABLED BIT(11)

/* IA32_VMX_BASIC (SDM vol. 3, A.1; bit 60 from the TDX module spec). */
#define VMX_BASIC_TRUE_CTLS BIT(55)
#define VMX_BASIC_NO_SEAMRET_VMCS_CLOBBER BIT(60)

/*
 * VM-execution controls read both by the CPU probe and by vmx/ (SDM vol.
 * 3, 25.6.2); allowed-1 settings are the high half of the capability MSR.
 */
#define VMX_PROC_INTR_WINDOW BIT(2)
#define VMX_PROC_NMI_WINDOW BIT(22)
#define VMX_PROC_SECONDARY BIT(31)
#define VMX_PROC2_EPT BIT(1)
#define VMX_PROC2_VPID BIT(5)
#define VMX_PROC2_UNRESTRICTED BIT(7)

#endif
