/* SPDX-License-Identifier: MIT */
#ifndef MHV_TDX_SEAM_ABI_H
#define MHV_TDX_SEAM_ABI_H

/*
 * SEAM ABI facts (shared/reference/seam-abi.md): leaves, status codes and
 * the in-memory structures of the P-SEAMLDR and TDX-module interfaces.
 */
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"

/* P-SEAMLDR leaves: bit 63 set. */
#define SEAMLDR_INFO 0x8000000000000000ULL
#define SEAMLDR_INSTALL 0x8000000000000001ULL
#define SEAMLDR_SHUTDOWN 0x8000000000000002ULL
#define SEAMLDR_SEAMINFO 0x8000000000000003ULL
#define SEAMLDR_CLEANUP 0x8000000000000004ULL
#define SEAMLDR_LEAF_BIT (1ULL << 63)

/* TDX-module host leaves. */
#define TDH_SYS_KEY_CONFIG 31ULL
#define TDH_SYS_INFO 32ULL
#define TDH_SYS_INIT 33ULL
#define TDH_SYS_RD 34ULL
#define TDH_SYS_LP_INIT 35ULL
#define TDH_SYS_TDMR_INIT 36ULL
#define TDH_SYS_RDALL 37ULL
#define TDH_SYS_LP_SHUTDOWN 44ULL
#define TDH_SYS_CONFIG 45ULL
#define TDH_SYS_SHUTDOWN 52ULL
#define TDH_SYS_UPDATE 53ULL
#define TDH_SYS_DISABLE 69ULL

/* TDX-module completion status: compare the upper 32 bits. */
#define TDX_STATUS_MASK 0xffffffff00000000ULL
#define TDX_SUCCESS 0ULL
#define TDX_INTERRUPTED_RESUMABLE 0x8000000300000000ULL
#define TDX_INTERRUPTED_RESTARTABLE 0x8000000400000000ULL
#define TDX_OPERAND_INVALID 0xc000010000000000ULL
#define TDX_OPERAND_BUSY 0x8000020000000000ULL
#define TDX_SYS_BUSY 0x8000020200000000ULL
#define TDX_RND_NO_ENTROPY 0x8000020300000000ULL
#define TDX_SYS_INIT_NOT_PENDING 0xc000050000000000ULL
#define TDX_SYS_LP_INIT_NOT_DONE 0xc000050200000000ULL
#define TDX_SYS_LP_INIT_DONE 0xc000050300000000ULL
#define TDX_SYS_NOT_READY 0xc000050500000000ULL
#define TDX_SYS_SHUTDOWN 0xc000050600000000ULL
#define TDX_SYS_KEY_CONFIG_NOT_PENDING 0xc000050700000000ULL
#define TDX_SYS_STATE_INCORRECT 0xc000050800000000ULL
#define TDX_SYS_INVALID_HANDOFF 0xc000050900000000ULL
#define TDX_SYS_CONFIG_NOT_PENDING 0xc000050c00000000ULL
#define TDX_KEY_CONFIGURED 0x0000081500000000ULL
#define TDX_KEY_GENERATION_FAILED 0x8000080000000000ULL

/*
 * Software-defined codes (class 0xff, never used by the TDX module), as
 * Linux defines them: what the SEAMCALL stubs return when the instruction
 * faulted (#UD, #GP) or failed with CF=1 (VMfailInvalid).
 */
#define TDX_SW_ERROR 0x8000ff0000000000ULL
#define TDX_SEAMCALL_VMFAILINVALID 0x8000ff00ffff0000ULL
#define TDX_SEAMCALL_GP 0x8000ff000000000dULL
#define TDX_SEAMCALL_UD 0x8000ff0000000006ULL

/*
 * mhv's own software-defined code: the same class 0xff, with details L1
 * set to 1 so that it can never equal one of Linux's codes (theirs use
 * L1 = 0). A P-SEAMLDR call came back, but the VMCS that was current
 * before it could not be made current again (VMPTRLD failed): whatever
 * the loader answered, the caller has lost its VMCS. The loader's own
 * status is in the log line that goes with it.
 */
#define SEAM_VMCS_RELOAD_FAILED 0x8000ff0100000000ULL

/* P-SEAMLDR status codes. */
#define SEAMLDR_EBADPARAM 0x8000000000000000ULL
#define SEAMLDR_EBADCALL 0x8000000000000003ULL
#define SEAMLDR_EBADHANDOFF 0x8000000000000004ULL
#define SEAMLDR_ECLEANUPREQ 0x8000000000000005ULL
#define SEAMLDR_EUNSUPPORTED 0x8000000000000006ULL
#define SEAMLDR_ENOMEM 0x8000000000010002ULL
#define SEAMLDR_EUNSPECERR 0x8000000000010003ULL
#define SEAMLDR_EUNSUPCPU 0x8000000000010004ULL
#define SEAMLDR_EBADSIG 0x8000000000020000ULL
#define SEAMLDR_EBADHASH 0x8000000000020001ULL
#define SEAMLDR_EINTERRUPT 0x8000000000030000ULL
#define SEAMLDR_ENOENTROPY 0x8000000000030001ULL

/* TDH.SYS.RD field IDs (global metadata, as Linux reads them). */
#define MD_FIELD_SYS_ATTRIBUTES 0x0a00000200000000ULL
#define MD_FIELD_TDX_FEATURES0 0x0a00000300000008ULL
#define MD_FIELD_BUILD_DATE 0x8800000200000001ULL
#define MD_FIELD_BUILD_NUM 0x8800000100000002ULL
#define MD_FIELD_MINOR_VERSION 0x0800000100000003ULL
#define MD_FIELD_MAJOR_VERSION 0x0800000100000004ULL
#define MD_FIELD_UPDATE_VERSION 0x0800000100000005ULL
#define MD_FIELD_INTERNAL_VERSION 0x0800000100000006ULL
#define MD_FIELD_MODULE_HV 0x8900000100000000ULL

/* SEAMLDR.INFO output: 256 bytes, 256-byte aligned. */
struct __packed seamldr_info {
	uint32_t version;
	uint32_t attributes; /* bit 31: debug loader */
	uint32_t vendor_id;  /* 0x8086 */
	uint32_t build_date; /* yyyymmdd */
	uint16_t build_num;
	uint16_t minor_version;
	uint16_t major_version;
	uint16_t update_version;
	uint32_t acm_x2apicid;
	uint32_t num_remaining_updates;
	uint8_t seam_info[128]; /* the loaded module's identity */
	uint8_t seam_ready;
	uint8_t seam_debug;
	uint8_t p_seamldr_ready;
	uint8_t reserved_a3[5];
	uint64_t features0; /* bit 1: SEAMLDR.CLEANUP supported */
	uint8_t reserved_b0[80];
};
_Static_assert(sizeof(struct seamldr_info) == 256, "seamldr_info size");
_Static_assert(offsetof(struct seamldr_info, acm_x2apicid) == 24, "acm");
_Static_assert(offsetof(struct seamldr_info, seam_info) == 32, "seam_info");
_Static_assert(offsetof(struct seamldr_info, seam_ready) == 160, "ready");
_Static_assert(offsetof(struct seamldr_info, features0) == 168, "features0");

#define SEAMLDR_MAX_MODULE_PAGES 496
#define SEAMLDR_MAX_SIGSTRUCT_PAGES 1
#define SEAMLDR_SCENARIO_LOAD 0
#define SEAMLDR_SCENARIO_UPDATE 1

/* SEAMLDR.INSTALL input: one 4 KiB-aligned page. */
struct __packed seamldr_params {
	uint32_t version; /* 0 */
	uint32_t scenario;
	uint64_t sigstruct_pa;
	uint8_t reserved[104];
	uint64_t num_module_pages;
	uint64_t module_pages_pa[SEAMLDR_MAX_MODULE_PAGES];
};
_Static_assert(sizeof(struct seamldr_params) == 4096, "seamldr_params");
_Static_assert(offsetof(struct seamldr_params, num_module_pages) == 120,
	       "num_module_pages");

/*
 * A TDX module image ("TDX-BLOB", version 0x200): a 4 KiB header, then the
 * sigstruct pages, then the module pages.
 */
#define TDX_BLOB_VERSION 0x200
#define TDX_BLOB_SIGNATURE "TDX-BLOB"

struct __packed tdx_blob_header {
	uint16_t version;
	uint16_t checksum;
	char signature[8];
	uint32_t sigstruct_pages;
	uint32_t module_pages;
	uint8_t reserved[4076];
};
_Static_assert(sizeof(struct tdx_blob_header) == 4096, "TDX-BLOB header");

#endif
