/* SPDX-License-Identifier: MIT */
#ifndef MHV_TDX_TDX_H
#define MHV_TDX_TDX_H

/*
 * The SEAM-call layer: talking to the P-SEAMLDR and the TDX module on
 * TDX-capable Intel CPUs, following the rules Linux settled on
 * (shared/reference/seam-abi.md). Everything here is safe to call on a CPU
 * without SEAM: the SEAMCALL stubs turn #UD/#GP into status codes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdx/seam_abi.h"
#include "tdx/seamcall.h"

/* How many times a call that ran out of entropy is tried in all. */
#define SEAM_ENTROPY_TRIES 10
/* TDH.SYS.DISABLE keeps going through resumable/busy answers up to this. */
#define TDX_DISABLE_MAX_CALLS 1000000

/* --- status codes ----------------------------------------------------- */

/* A readable name for a status ("TDX_SYS_BUSY", "SEAMLDR_ENOENTROPY"). */
const char *seam_status_name(uint64_t status, bool loader);
/* "0x... (NAME)" or "0x... (class 0x.., details 0x..)" into buf. */
void seam_status_format(uint64_t status, bool loader, char *buf, size_t len);
/*
 * Software-defined codes (class 0xff): the stubs' (no SEAM answered at
 * all) and mhv's own SEAM_VMCS_RELOAD_FAILED.
 */
static inline bool seam_status_is_sw(uint64_t status)
{
	return (status & 0xffff000000000000ULL) == 0x8000000000000000ULL &&
	       ((status >> 40) & 0xff) == 0xff;
}

/* --- P-SEAMLDR -------------------------------------------------------- */

/*
 * Set once at boot from IA32_VMX_BASIC[60]: when clear, SEAMRET from the
 * P-SEAMLDR invalidates the current VMCS and every loader call must save
 * and restore it.
 */
void seamldr_set_vmcs_preserved(bool preserved);

/*
 * One P-SEAMLDR call with every rule applied: interrupts off, one CPU at a
 * time (a lock), the current VMCS saved with VMPTRST and reloaded with
 * VMPTRLD afterwards when it was valid (and the VMX backend told that its
 * launch state is clear when the loader ran), and SEAMLDR ENOENTROPY
 * retried (SEAM_ENTROPY_TRIES calls at most). Returns the loader's status,
 * or SEAM_VMCS_RELOAD_FAILED when that VMPTRLD failed.
 */
uint64_t seamldr_call(uint64_t leaf, struct seam_args *args);

uint64_t seamldr_get_info(struct seamldr_info *info); /* 256-byte aligned */
uint64_t seamldr_get_seaminfo(void *page); /* one 4 KiB-aligned page */
uint64_t seamldr_shutdown(void);
void seamldr_print_info(const struct seamldr_info *info);

/*
 * Validate a TDX-BLOB image (version 0x200 header, signature, page counts
 * within the loader's limits, sizes adding up, reserved bytes zero, 4 KiB
 * alignment) and build the seamldr_params for it. Returns 0, or -1 with the
 * reason in err: nothing has been sent to the loader then.
 */
int seamldr_build_params(const void *blob, size_t len, uint32_t scenario,
			 struct seamldr_params *params, char *err,
			 size_t errlen);
/*
 * SEAMLDR.INSTALL of a TDX-BLOB image. A malformed image is refused before
 * any SEAMCALL (returns TDX_SW_ERROR with the reason in err).
 */
uint64_t seamldr_install(const void *blob, size_t len, uint32_t scenario,
			 char *err, size_t errlen);

/*
 * A boot module whose line starts with "tdx-blob" is a TDX module image for
 * tdx=update, not a guest.
 */
struct boot_module;
bool tdx_module_is_blob(const struct boot_module *m);

/* --- TDX module ------------------------------------------------------- */

/* A module call with TDX_RND_NO_ENTROPY retried (SEAM_ENTROPY_TRIES). */
uint64_t tdx_module_call(uint64_t leaf, struct seam_args *args);

struct tdx_module_version {
	uint16_t major, minor, update, internal, build_num;
	uint32_t build_date;
};

uint64_t tdx_sys_init(void);
uint64_t tdx_sys_lp_init(void);
uint64_t tdx_sys_rd(uint64_t field, uint64_t *value);
uint64_t tdx_read_version(struct tdx_module_version *v);
uint64_t tdx_read_features(uint64_t *features0);
uint64_t tdx_sys_shutdown(uint64_t handoff_version);
uint64_t tdx_sys_update(void);
/*
 * TDH.SYS.DISABLE, repeated while the module answers
 * TDX_INTERRUPTED_RESUMABLE or TDX_SYS_BUSY; returns the final status and
 * how many calls it took in *calls (may be NULL).
 */
uint64_t tdx_sys_disable(unsigned long *calls);

/* --- boot ------------------------------------------------------------- */

struct cpu_info;
struct boot_module;

/* What the SEAM layer does at boot on a TDX-capable CPU (tdx=). */
enum tdx_request {
	TDX_REQ_INFO,	 /* report the P-SEAMLDR and module (the default) */
	TDX_REQ_OFF,	 /* no SEAMCALL at all */
	TDX_REQ_INIT,	 /* TDH.SYS.INIT and LP.INIT, then report */
	TDX_REQ_DISABLE, /* TDH.SYS.DISABLE */
	TDX_REQ_UPDATE,	 /* install the tdx-blob module through the P-SEAMLDR */
	TDX_REQ_FORCE_SEAMCALL, /* debug: one SEAMCALL whatever the CPU */
};

/*
 * The value of tdx= on mhv's command line ("" when absent: info). Returns
 * 0, or -1 with the reason in err (the accepted values named).
 */
int tdx_request_parse(const char *word, enum tdx_request *req, char *err,
		      size_t errlen);

/*
 * Detect SEAM, print one status line, and carry out the command-line
 * request. `blob` is the TDX-BLOB module for tdx=update (NULL if none);
 * `vmx_on` says VMXON was done (SEAMCALL is legal only in VMX root).
 * Returns 0, or -1 when a requested operation was refused or failed.
 */
int tdx_boot(const struct cpu_info *ci, enum tdx_request req,
	     const struct boot_module *blob, bool vmx_on);

#endif
