/* SPDX-License-Identifier: MIT */
#ifndef MHV_TESTS_UNIT_SEAM_MODEL_H
#define MHV_TESTS_UNIT_SEAM_MODEL_H

/*
 * A software model of SEAM hardware for hosted tests of tdx/: it DEFINES
 * the functions of tdx/seamcall.h (the SEAMCALL stubs, VMPTRST/VMPTRLD and
 * the interrupt flag), so the real tdx/ code runs against it unchanged.
 *
 * What it models (shared/reference/seam-abi.md):
 * - Per logical CPU (each pthread is one, state is thread-local): the
 *   current-VMCS pointer (all ones = none), RFLAGS.IF (on when a thread
 *   starts), whether TDH.SYS.LP.INIT ran on it.
 * - The stubs' contract: #UD/#GP become TDX_SEAMCALL_UD/TDX_SEAMCALL_GP,
 *   CF=1 becomes TDX_SEAMCALL_VMFAILINVALID with the argument block
 *   unchanged; otherwise RAX is the status and seamcall() writes no
 *   outputs, seamcall_ret() writes RCX, RDX, R8-R11, seamcall_saved_ret()
 *   writes the whole block.
 * - The P-SEAMLDR: INFO, INSTALL, SHUTDOWN, SEAMINFO, CLEANUP with their
 *   parameter checks; one CPU inside at a time (a second one gets
 *   VMfailInvalid, and the model counts the overlap); SEAMRET from it
 *   clears the current VMCS, as VMCLEAR would (no longer current, launch
 *   state clear), unless IA32_VMX_BASIC[60] is set. INSTALL is
 *   modelled as a single call (the real loader wants it on every CPU and
 *   installs on the last).
 * - The TDX module's system leaves: SYS.INIT, LP.INIT (per CPU), SYS.RD,
 *   SYS.SHUTDOWN, LP.SHUTDOWN, SYS.UPDATE, SYS.DISABLE, with the module's
 *   state machine. Leaves it does not model answer TDX_OPERAND_INVALID.
 *
 * Physical addresses are host pointers (identity map): the model reads and
 * writes through (void *)(uintptr_t)pa, so ASan catches a bad one.
 *
 * Every SEAMCALL is counted per leaf and kept in call order, every
 * P-SEAMLDR call is recorded (interrupt flag and current VMCS before and
 * after), and rule violations by the caller are counted: a loader call
 * with interrupts on, two CPUs in the loader at once, VMPTRLD of all ones
 * or of a misaligned address, interrupts back on before the VMCS the
 * loader cleared is reloaded, the VMX backend told a VMCS is clear while
 * the CPU has it launched.
 *
 * It also stands in for the VMX backend's launch-state hook
 * (seam_vmcs_launch_cleared), recording what the backend was told.
 */
#include <stdbool.h>
#include <stdint.h>

#include "tdx/seam_abi.h"

/*
 * Leaves and status codes as literals copied from
 * shared/reference/seam-abi.md. The model goes by these and never by
 * tdx/seam_abi.h's names, so that a wrong number in the header cannot be
 * shared by the code under test and its model (test_seam.c pins the
 * header to the same literals).
 */
#define REF_SEAMLDR_LEAF_BIT 0x8000000000000000ULL
#define REF_SEAMLDR_INFO 0x8000000000000000ULL
#define REF_SEAMLDR_INSTALL 0x8000000000000001ULL
#define REF_SEAMLDR_SHUTDOWN 0x8000000000000002ULL
#define REF_SEAMLDR_SEAMINFO 0x8000000000000003ULL
#define REF_SEAMLDR_CLEANUP 0x8000000000000004ULL

#define REF_TDH_SYS_INIT 33ULL
#define REF_TDH_SYS_RD 34ULL
#define REF_TDH_SYS_LP_INIT 35ULL
#define REF_TDH_SYS_LP_SHUTDOWN 44ULL
#define REF_TDH_SYS_SHUTDOWN 52ULL
#define REF_TDH_SYS_UPDATE 53ULL
#define REF_TDH_SYS_DISABLE 69ULL

#define REF_TDX_SUCCESS 0ULL
#define REF_TDX_INTERRUPTED_RESUMABLE 0x8000000300000000ULL
#define REF_TDX_OPERAND_INVALID 0xc000010000000000ULL
#define REF_TDX_SYS_BUSY 0x8000020200000000ULL
#define REF_TDX_RND_NO_ENTROPY 0x8000020300000000ULL
#define REF_TDX_SYS_INIT_NOT_PENDING 0xc000050000000000ULL
#define REF_TDX_SYS_LP_INIT_NOT_DONE 0xc000050200000000ULL
#define REF_TDX_SYS_LP_INIT_DONE 0xc000050300000000ULL
#define REF_TDX_SYS_NOT_READY 0xc000050500000000ULL
#define REF_TDX_SYS_SHUTDOWN 0xc000050600000000ULL
#define REF_TDX_SYS_STATE_INCORRECT 0xc000050800000000ULL
#define REF_TDX_SYS_INVALID_HANDOFF 0xc000050900000000ULL

#define REF_TDX_SEAMCALL_VMFAILINVALID 0x8000ff00ffff0000ULL
#define REF_TDX_SEAMCALL_GP 0x8000ff000000000dULL
#define REF_TDX_SEAMCALL_UD 0x8000ff0000000006ULL

#define REF_SEAMLDR_EBADPARAM 0x8000000000000000ULL
#define REF_SEAMLDR_EBADCALL 0x8000000000000003ULL
#define REF_SEAMLDR_EBADSIG 0x8000000000020000ULL
#define REF_SEAMLDR_EUNSPECERR 0x8000000000010003ULL
#define REF_SEAMLDR_ENOENTROPY 0x8000000000030001ULL

#define REF_SEAMLDR_SCENARIO_LOAD 0
#define REF_SEAMLDR_SCENARIO_UPDATE 1
#define REF_SEAMLDR_MAX_MODULE_PAGES 496

/* The TDX module's state, as the model keeps it. */
enum seam_model_module {
	SEAM_MODULE_ABSENT = 0,	   /* nothing loaded: VMfailInvalid */
	SEAM_MODULE_LOADED,	   /* installed, TDH.SYS.INIT pending */
	SEAM_MODULE_SYS_INIT_DONE, /* TDH.SYS.INIT done */
	SEAM_MODULE_READY,	   /* TDH.SYS.LP.INIT done on some CPU */
	SEAM_MODULE_SHUTDOWN, /* TDH.SYS.SHUTDOWN: only LP.SHUTDOWN works */
	SEAM_MODULE_DISABLED, /* TDH.SYS.DISABLE: VMfailInvalid */
};

/* A zeroed config: SEAM present, loader ready, no module, VMCS clobbered. */
struct seam_model_config {
	bool seam_absent;     /* no SEAM (or not in VMX operation): #UD */
	bool seamrr_disabled; /* SEAMRR not enabled by the BIOS: #GP */
	bool loader_absent;   /* no P-SEAMLDR: VMfailInvalid on loader leaves */
	bool vmcs_preserved;  /* IA32_VMX_BASIC[60] */
	enum seam_model_module module;	/* the module's state at start */
	unsigned long loader_hold_ns;	/* time each loader call stays inside */
	uint32_t num_remaining_updates; /* SEAMLDR.INFO */
	uint32_t acm_x2apicid;		/* SEAMLDR.INFO */
};

/* Not in tdx/seam_abi.h: the TDX module's own code (tdx_error_codes). */
#define SEAM_MODEL_SYS_LP_INIT_NOT_PENDING 0xc000050b00000000ULL

/* What the model answers. */
#define SEAM_MODEL_LDR_MAJOR 2
#define SEAM_MODEL_LDR_MINOR 1
#define SEAM_MODEL_LDR_UPDATE 3
#define SEAM_MODEL_LDR_BUILD_NUM 300
#define SEAM_MODEL_LDR_BUILD_DATE 20240131
#define SEAM_MODEL_MAJOR 1
#define SEAM_MODEL_MINOR 5
#define SEAM_MODEL_UPDATE 6
#define SEAM_MODEL_INTERNAL 0
#define SEAM_MODEL_BUILD_NUM 742
#define SEAM_MODEL_BUILD_DATE 20250101
#define SEAM_MODEL_FEATURES0 0x0000000000000a5bULL
#define SEAM_MODEL_MODULE_HV 1 /* the module's hand-off version */
#define SEAM_MODEL_SYS_ATTRIBUTES 0
/* TDH.SYS.RD's "next field" after the last one. */
#define SEAM_MODEL_MD_FIELD_NA (~0ULL)

/* The page SEAMLDR.SEAMINFO writes: byte i of it. */
static inline uint8_t seam_model_seaminfo_byte(unsigned int i)
{
	return (uint8_t)(0xa5 ^ (i * 7));
}

/* Forget everything: state from cfg (NULL: all defaults), counters zero,
 * knobs off, and the calling thread's CPU fresh (no VMCS, IF on). */
void seam_model_reset(const struct seam_model_config *cfg);

/* --- knobs ------------------------------------------------------------ */

enum seam_model_fault {
	SEAM_FAULT_UD,	   /* #UD */
	SEAM_FAULT_GP,	   /* #GP */
	SEAM_FAULT_VMFAIL, /* CF=1: VMfailInvalid */
};

/* The next n SEAMCALLs (any leaf) fault or fail this way. */
void seam_model_inject_fault(enum seam_model_fault fault, unsigned int n);
/*
 * The next n calls of `leaf` that reach their target answer `status`
 * (doing nothing else; a nonzero status leaves garbage in the output
 * registers RCX, RDX, R8-R11, which are undefined after a failure).
 * Several injections queue up in order.
 */
void seam_model_inject_status(uint64_t leaf, uint64_t status, unsigned int n);
/* The next n calls of `leaf` run out of entropy: SEAMLDR_ENOENTROPY for a
 * loader leaf, TDX_RND_NO_ENTROPY for a module leaf. */
void seam_model_inject_entropy(uint64_t leaf, unsigned int n);

/*
 * TDH.SYS.DISABLE on an initialized module: `resumable` answers of
 * TDX_INTERRUPTED_RESUMABLE and `busy` of TDX_SYS_BUSY (all resumable
 * first, or alternating when `interleave`), then success (the module is
 * DISABLED) or, when final_status is nonzero, that status on every call
 * from then on (an old module: TDX_OPERAND_INVALID).
 */
struct seam_model_disable {
	unsigned int resumable, busy;
	bool interleave;
	uint64_t final_status;
};
void seam_model_set_disable(const struct seam_model_disable *d);

/* Put the module in a state (every CPU loses its LP.INIT). */
void seam_model_set_module(enum seam_model_module state);
/* How long each P-SEAMLDR call stays inside the loader (sleeping, so
 * other threads run and can collide with it even on one host CPU). */
void seam_model_set_hold_ns(unsigned long ns);

/* The calling CPU, without counting as VMPTRST/VMPTRLD/CLI/STI. */
void seam_model_set_current_vmcs(uint64_t pa);
uint64_t seam_model_current_vmcs(void);
void seam_model_set_irq(bool on);
bool seam_model_irq_enabled(void);

/*
 * The next n VMPTRLDs of a valid address fail (VMfailValid, as for a VMCS
 * with the wrong revision identifier): the CPU's current VMCS is left as
 * it was.
 */
void seam_model_fail_vmptrld(unsigned int n);

/*
 * VMCS launch state. The CPU keeps it in the VMCS (clear after VMCLEAR,
 * launched after VMLAUNCH); the VMX backend keeps its own copy to choose
 * VMLAUNCH or VMRESUME. The model keeps both, for up to 16 VMCSes: the
 * CPU's, which SEAMRET from the P-SEAMLDR clears with the current VMCS,
 * and the backend's, which seam_vmcs_launch_cleared() (the hook the SEAM
 * layer calls, defined by the model in place of vmx/) clears.
 *
 * A guest has run on the VMCS at pa: launched, for the CPU and the backend.
 */
void seam_model_set_vmcs_launched(uint64_t pa);
bool seam_model_vmcs_launched(uint64_t pa);	    /* the CPU's state */
bool seam_model_backend_vmcs_launched(uint64_t pa); /* the backend's */

/* --- what happened ---------------------------------------------------- */

enum seam_model_module seam_model_module_state(void);
/* SEAMCALLs of this leaf (RAX), faulted or not; all SEAMCALLs. */
unsigned long seam_model_calls(uint64_t leaf);
unsigned long seam_model_total_calls(void);

/* One SEAMCALL to the P-SEAMLDR. */
struct seam_model_loader_call {
	uint64_t leaf;
	uint64_t status;      /* what the stub returned */
	uint64_t vmcs_before; /* the CPU's current VMCS at SEAMCALL */
	uint64_t vmcs_after;  /* and when the stub returned */
	bool irq_on;	      /* RFLAGS.IF was set: a violation */
	bool entered;	      /* reached the loader (not a fault, not busy) */
	bool launch_cleared; /* SEAMRET left vmcs_before's launch state clear */
};
#define SEAM_MODEL_MAX_RECORDS 1024
/* Loader calls so far (records are kept for the first 1024). */
unsigned long seam_model_loader_calls(void);
bool seam_model_loader_record(unsigned long i,
			      struct seam_model_loader_call *out);

unsigned long seam_model_irq_violations(void); /* loader calls with IF=1 */
unsigned long seam_model_overlaps(void); /* loader calls that found it busy */
unsigned long seam_model_vmcs_clobbers(void); /* valid VMCS cleared on return */
unsigned long seam_model_vmptrst_count(void);
unsigned long seam_model_vmptrld_count(void);
unsigned long seam_model_bad_vmptrld(void); /* of ~0 or misaligned */
unsigned long seam_model_irq_saves(void);
unsigned long seam_model_irq_restores(void);
/* Interrupts turned back on while a VMCS the loader cleared is not yet
 * reloaded: an interrupt handler would find no current VMCS. */
unsigned long seam_model_irq_window_violations(void);

/* Valid VMCSes whose launch state SEAMRET from the loader cleared. */
unsigned long seam_model_launch_clears(void);
/* seam_vmcs_launch_cleared() calls; and those for a VMCS the CPU still has
 * launched, after which the backend's VMLAUNCH would fail. */
unsigned long seam_model_launch_marks(void);
unsigned long seam_model_bad_launch_marks(void);

/* The leaf (RAX) of SEAMCALL number i, in the order they were made, faulted
 * or not (the first SEAM_MODEL_MAX_RECORDS); false past the end. */
bool seam_model_call_leaf(unsigned long i, uint64_t *leaf);

unsigned long seam_model_installs(void); /* successful SEAMLDR.INSTALLs */
/* The seamldr_params of the last SEAMLDR.INSTALL that reached the loader
 * (a copy taken during the call); false if none did. */
bool seam_model_last_params(struct seamldr_params *out);
uint64_t seam_model_last_handoff(void); /* TDH.SYS.SHUTDOWN's RCX */
unsigned long seam_model_updates(void); /* successful TDH.SYS.UPDATEs */

#endif
