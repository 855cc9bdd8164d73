/* SPDX-License-Identifier: MIT */
#ifndef MHV_SVM_VMCB_H
#define MHV_SVM_VMCB_H

#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"

/* The VMCB (AMD APM vol. 2, appendix B): 4 KiB, control area then save area. */

struct __packed vmcb_seg {
	uint16_t selector;
	uint16_t
		attrib; /* type 3:0, S 4, DPL 6:5, P 7, AVL 8, L 9, DB 10, G 11 */
	uint32_t limit;
	uint64_t base;
};

struct __packed vmcb_control {
	uint32_t intercept_cr;	       /* 0x000: reads 15:0, writes 31:16 */
	uint32_t intercept_dr;	       /* 0x004 */
	uint32_t intercept_exceptions; /* 0x008 */
	uint32_t intercept_misc1;      /* 0x00c */
	uint32_t intercept_misc2;      /* 0x010 */
	uint32_t intercept_misc3;      /* 0x014 */
	uint8_t reserved_018[0x03c - 0x018];
	uint16_t pause_filter_threshold; /* 0x03c */
	uint16_t pause_filter_count;	 /* 0x03e */
	uint64_t iopm_base_pa;		 /* 0x040 */
	uint64_t msrpm_base_pa;		 /* 0x048 */
	uint64_t tsc_offset;		 /* 0x050 */
	uint32_t guest_asid;		 /* 0x058 */
	uint8_t tlb_control;		 /* 0x05c */
	uint8_t reserved_05d[3];
	uint32_t int_ctl;	/* 0x060 */
	uint32_t int_vector;	/* 0x064 */
	uint64_t int_state;	/* 0x068: bit 0 interrupt shadow */
	uint64_t exit_code;	/* 0x070 */
	uint64_t exit_info1;	/* 0x078 */
	uint64_t exit_info2;	/* 0x080 */
	uint64_t exit_int_info; /* 0x088 */
	uint64_t np_control;	/* 0x090: bit 0 nested paging */
	uint64_t avic_apic_bar; /* 0x098 */
	uint64_t ghcb_pa;	/* 0x0a0 */
	uint64_t event_inj;	/* 0x0a8 */
	uint64_t n_cr3;		/* 0x0b0 */
	uint64_t virt_ext;	/* 0x0b8 */
	uint32_t clean_bits;	/* 0x0c0 */
	uint32_t reserved_0c4;
	uint64_t next_rip;	/* 0x0c8 */
	uint8_t insn_len;	/* 0x0d0 */
	uint8_t insn_bytes[15]; /* 0x0d1 */
	uint8_t reserved_0e0[0x400 - 0x0e0];
};

struct __packed vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs; /* 0x400 */
	struct vmcb_seg gdtr, ldtr, idtr, tr;	/* 0x460 */
	uint8_t reserved_4a0[0x4cb - 0x4a0];
	uint8_t cpl; /* 0x4cb */
	uint32_t reserved_4cc;
	uint64_t efer; /* 0x4d0 */
	uint8_t reserved_4d8[0x548 - 0x4d8];
	uint64_t cr4;	 /* 0x548 */
	uint64_t cr3;	 /* 0x550 */
	uint64_t cr0;	 /* 0x558 */
	uint64_t dr7;	 /* 0x560 */
	uint64_t dr6;	 /* 0x568 */
	uint64_t rflags; /* 0x570 */
	uint64_t rip;	 /* 0x578 */
	uint8_t reserved_580[0x5d8 - 0x580];
	uint64_t rsp;					  /* 0x5d8 */
	uint64_t s_cet, ssp, isst_addr;			  /* 0x5e0 */
	uint64_t rax;					  /* 0x5f8 */
	uint64_t star, lstar, cstar, sfmask;		  /* 0x600 */
	uint64_t kernel_gs_base;			  /* 0x620 */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip; /* 0x628 */
	uint64_t cr2;					  /* 0x640 */
	uint8_t reserved_648[0x668 - 0x648];
	uint64_t g_pat;					       /* 0x668 */
	uint64_t dbgctl;				       /* 0x670 */
	uint64_t br_from, br_to, last_excp_from, last_excp_to; /* 0x678 */
	uint8_t reserved_698[0x1000 - 0x698];
};

struct __packed vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
};

#define VMCB_CHECK(field, off)                                \
	_Static_assert(offsetof(struct vmcb, field) == (off), \
		       "VMCB offset of " #field)
VMCB_CHECK(control.intercept_misc1, 0x00c);
VMCB_CHECK(control.pause_filter_count, 0x03e);
VMCB_CHECK(control.iopm_base_pa, 0x040);
VMCB_CHECK(control.msrpm_base_pa, 0x048);
VMCB_CHECK(control.tsc_offset, 0x050);
VMCB_CHECK(control.guest_asid, 0x058);
VMCB_CHECK(control.tlb_control, 0x05c);
VMCB_CHECK(control.int_ctl, 0x060);
VMCB_CHECK(control.int_state, 0x068);
VMCB_CHECK(control.exit_code, 0x070);
VMCB_CHECK(control.exit_info1, 0x078);
VMCB_CHECK(control.exit_info2, 0x080);
VMCB_CHECK(control.exit_int_info, 0x088);
VMCB_CHECK(control.np_control, 0x090);
VMCB_CHECK(control.event_inj, 0x0a8);
VMCB_CHECK(control.n_cr3, 0x0b0);
VMCB_CHECK(control.clean_bits, 0x0c0);
VMCB_CHECK(control.next_rip, 0x0c8);
VMCB_CHECK(control.insn_len, 0x0d0);
VMCB_CHECK(save.es, 0x400);
VMCB_CHECK(save.cs, 0x410);
VMCB_CHECK(save.gdtr, 0x460);
VMCB_CHECK(save.idtr, 0x480);
VMCB_CHECK(save.tr, 0x490);
VMCB_CHECK(save.cpl, 0x4cb);
VMCB_CHECK(save.efer, 0x4d0);
VMCB_CHECK(save.cr4, 0x548);
VMCB_CHECK(save.cr3, 0x550);
VMCB_CHECK(save.cr0, 0x558);
VMCB_CHECK(save.dr7, 0x560);
VMCB_CHECK(save.rflags, 0x570);
VMCB_CHECK(save.rip, 0x578);
VMCB_CHECK(save.rsp, 0x5d8);
VMCB_CHECK(save.rax, 0x5f8);
VMCB_CHECK(save.star, 0x600);
VMCB_CHECK(save.kernel_gs_base, 0x620);
VMCB_CHECK(save.cr2, 0x640);
VMCB_CHECK(save.g_pat, 0x668);
_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");

/* Intercept bits (misc1 at 0x00c, misc2 at 0x010). */
#define SVM_INTERCEPT1_INTR (1u << 0)
#define SVM_INTERCEPT1_NMI (1u << 1)
#define SVM_INTERCEPT1_SMI (1u << 2)
#define SVM_INTERCEPT1_INIT (1u << 3)
#define SVM_INTERCEPT1_VINTR (1u << 4)
#define SVM_INTERCEPT1_IRET (1u << 20)
#define SVM_INTERCEPT1_CPUID (1u << 18)
#define SVM_INTERCEPT1_INTN (1u << 21)
#define SVM_INTERCEPT1_INVD (1u << 22)
#define SVM_INTERCEPT1_RDTSC (1u << 14)
#define SVM_INTERCEPT1_PAUSE (1u << 23)
#define SVM_INTERCEPT1_HLT (1u << 24)
#define SVM_INTERCEPT1_INVLPGA (1u << 26)
#define SVM_INTERCEPT1_IOIO (1u << 27)
#define SVM_INTERCEPT1_MSR (1u << 28)
#define SVM_INTERCEPT1_TASK_SWITCH (1u << 29)
#define SVM_INTERCEPT1_SHUTDOWN (1u << 31)
#define SVM_INTERCEPT2_VMRUN (1u << 0)
#define SVM_INTERCEPT2_VMMCALL (1u << 1)
#define SVM_INTERCEPT2_VMLOAD (1u << 2)
#define SVM_INTERCEPT2_VMSAVE (1u << 3)
#define SVM_INTERCEPT2_STGI (1u << 4)
#define SVM_INTERCEPT2_CLGI (1u << 5)
#define SVM_INTERCEPT2_SKINIT (1u << 6)
#define SVM_INTERCEPT2_MONITOR (1u << 10)
#define SVM_INTERCEPT2_MWAIT (1u << 11)
#define SVM_INTERCEPT2_MWAIT_COND (1u << 12)
#define SVM_INTERCEPT2_XSETBV (1u << 13)
#define SVM_INTERCEPT2_RDTSCP (1u << 7)
#define SVM_INTERCEPT2_RDPRU (1u << 14)
#define SVM_INTERCEPT3_INVPCID (1u << 2)

#define SVM_INT_CTL_V_TPR_MASK 0xfu
#define SVM_INT_CTL_V_IRQ (1u << 8)
#define SVM_INT_CTL_V_IGN_TPR (1u << 20)
#define SVM_INT_CTL_V_INTR_MASKING (1u << 24)
#define SVM_NP_ENABLE (1ULL << 0)
#define SVM_TLB_FLUSH_ALL 1

/* EVENTINJ and EXITINTINFO share a format. */
#define SVM_EVENT_VALID (1ULL << 31)
#define SVM_EVENT_ERROR_VALID (1ULL << 11)
#define SVM_EVENT_TYPE_INTR (0ULL << 8)
#define SVM_EVENT_TYPE_NMI (2ULL << 8)
#define SVM_EVENT_TYPE_EXCEPTION (3ULL << 8)
#define SVM_EVENT_TYPE_SOFT_INT (4ULL << 8)
#define SVM_EVENT_TYPE_MASK (7ULL << 8)

/* IOIO exit_info1. */
#define SVM_IOIO_IN (1u << 0)
#define SVM_IOIO_STR (1u << 2)
#define SVM_IOIO_REP (1u << 3)
#define SVM_IOIO_SIZE_SHIFT 4 /* bits 6:4 one-hot: 1, 2, 4 bytes */
#define SVM_IOIO_PORT_SHIFT 16

/* NPF exit_info1 (a #PF-style error code). */
#define SVM_NPF_WRITE (1ULL << 1)
#define SVM_NPF_FETCH (1ULL << 4)

#endif
