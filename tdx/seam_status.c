// SPDX-License-Identifier: MIT
/* Readable names for SEAM status codes, for the log. */
#include "lib/compiler.h"
#include "lib/fmt.h"
#include "tdx/tdx.h"

struct status_name {
	uint64_t code;
	const char *name;
};

#define NAME(c)       \
	{             \
		c, #c \
	}

/* TDX-module codes compare by their upper 32 bits. */
static const struct status_name module_codes[] = {
	NAME(TDX_SUCCESS),
	NAME(TDX_INTERRUPTED_RESUMABLE),
	NAME(TDX_INTERRUPTED_RESTARTABLE),
	NAME(TDX_OPERAND_INVALID),
	NAME(TDX_OPERAND_BUSY),
	NAME(TDX_SYS_BUSY),
	NAME(TDX_RND_NO_ENTROPY),
	NAME(TDX_SYS_INIT_NOT_PENDING),
	NAME(TDX_SYS_LP_INIT_NOT_DONE),
	NAME(TDX_SYS_LP_INIT_DONE),
	NAME(TDX_SYS_NOT_READY),
	NAME(TDX_SYS_SHUTDOWN),
	NAME(TDX_SYS_KEY_CONFIG_NOT_PENDING),
	NAME(TDX_SYS_STATE_INCORRECT),
	NAME(TDX_SYS_INVALID_HANDOFF),
	NAME(TDX_SYS_CONFIG_NOT_PENDING),
	NAME(TDX_KEY_CONFIGURED),
	NAME(TDX_KEY_GENERATION_FAILED),
};

/* P-SEAMLDR codes are whole 64-bit values. */
static const struct status_name loader_codes[] = {
	{0, "SEAMLDR_SUCCESS"},	   NAME(SEAMLDR_EBADPARAM),
	NAME(SEAMLDR_EBADCALL),	   NAME(SEAMLDR_EBADHANDOFF),
	NAME(SEAMLDR_ECLEANUPREQ), NAME(SEAMLDR_EUNSUPPORTED),
	NAME(SEAMLDR_ENOMEM),	   NAME(SEAMLDR_EUNSPECERR),
	NAME(SEAMLDR_EUNSUPCPU),   NAME(SEAMLDR_EBADSIG),
	NAME(SEAMLDR_EBADHASH),	   NAME(SEAMLDR_EINTERRUPT),
	NAME(SEAMLDR_ENOENTROPY),
};

/* The stubs' own codes, for either target, and mhv's. */
static const struct status_name software_codes[] = {
	NAME(TDX_SEAMCALL_VMFAILINVALID),
	NAME(TDX_SEAMCALL_GP),
	NAME(TDX_SEAMCALL_UD),
	NAME(TDX_SW_ERROR),
	NAME(SEAM_VMCS_RELOAD_FAILED),
};

static const char *lookup(const struct status_name *t, size_t n, uint64_t code,
			  uint64_t mask)
{
	for (size_t i = 0; i < n; i++)
		if ((t[i].code & mask) == (code & mask))
			return t[i].name;
	return NULL;
}

const char *seam_status_name(uint64_t status, bool loader)
{
	const char *n = lookup(software_codes, ARRAY_SIZE(software_codes),
			       status, ~0ULL);

	if (n)
		return n;
	if (loader)
		return lookup(loader_codes, ARRAY_SIZE(loader_codes), status,
			      ~0ULL);
	return lookup(module_codes, ARRAY_SIZE(module_codes), status,
		      TDX_STATUS_MASK);
}

void seam_status_format(uint64_t status, bool loader, char *buf, size_t len)
{
	const char *n = seam_status_name(status, loader);

	if (n)
		fmt_snprintf(buf, len, "%#lx (%s)", status, n);
	else
		fmt_snprintf(buf, len, "%#lx (class %#lx, details %#lx/%#lx)",
			     status, (status >> 40) & 0xff,
			     (status >> 32) & 0xff, status & 0xffffffff);
}
