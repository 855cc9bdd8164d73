// SPDX-License-Identifier: MIT
/* TDX-module system calls: initialization, metadata, shutdown, disable. */
#include "tdx/tdx.h"

static bool is_status(uint64_t ret, uint64_t code)
{
	return (ret & TDX_STATUS_MASK) == code;
}

uint64_t tdx_module_call(uint64_t leaf, struct seam_args *args)
{
	struct seam_args in = *args;
	uint64_t ret;
	int tries = 0;

	do {
		*args = in;
		ret = seamcall_ret(leaf, args);
	} while (is_status(ret, TDX_RND_NO_ENTROPY) &&
		 ++tries < SEAM_ENTROPY_TRIES);
	return ret;
}

uint64_t tdx_sys_init(void)
{
	struct seam_args args = {.rcx = 0}; /* attributes: none */

	return tdx_module_call(TDH_SYS_INIT, &args);
}

uint64_t tdx_sys_lp_init(void)
{
	struct seam_args args = {0};

	return tdx_module_call(TDH_SYS_LP_INIT, &args);
}

uint64_t tdx_sys_rd(uint64_t field, uint64_t *value)
{
	struct seam_args args = {.rdx = field};
	uint64_t ret = tdx_module_call(TDH_SYS_RD, &args);

	if (!ret)
		*value = args.r8;
	return ret;
}

uint64_t tdx_read_version(struct tdx_module_version *v)
{
	static const struct {
		uint64_t field;
		size_t offset;
	} fields[] = {
		{MD_FIELD_MAJOR_VERSION,
		 offsetof(struct tdx_module_version, major)},
		{MD_FIELD_MINOR_VERSION,
		 offsetof(struct tdx_module_version, minor)},
		{MD_FIELD_UPDATE_VERSION,
		 offsetof(struct tdx_module_version, update)},
		{MD_FIELD_INTERNAL_VERSION,
		 offsetof(struct tdx_module_version, internal)},
		{MD_FIELD_BUILD_NUM,
		 offsetof(struct tdx_module_version, build_num)},
	};
	uint64_t val, ret;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		ret = tdx_sys_rd(fields[i].field, &val);
		if (ret)
			return ret;
		*(uint16_t *)((char *)v + fields[i].offset) = (uint16_t)val;
	}
	ret = tdx_sys_rd(MD_FIELD_BUILD_DATE, &val);
	if (!ret)
		v->build_date = (uint32_t)val;
	return ret;
}

uint64_t tdx_read_features(uint64_t *features0)
{
	return tdx_sys_rd(MD_FIELD_TDX_FEATURES0, features0);
}

uint64_t tdx_sys_shutdown(uint64_t handoff_version)
{
	struct seam_args args = {.rcx = handoff_version};

	return tdx_module_call(TDH_SYS_SHUTDOWN, &args);
}

uint64_t tdx_sys_update(void)
{
	struct seam_args args = {0};

	return tdx_module_call(TDH_SYS_UPDATE, &args);
}

/*
 * The module guarantees forward progress between resumable answers, and
 * SYS_BUSY only means another TDH.SYS call held it for a moment; anything
 * else is final. The bound only keeps a broken module from hanging mhv.
 */
uint64_t tdx_sys_disable(unsigned long *calls)
{
	unsigned long n = 0;
	uint64_t ret;

	do {
		struct seam_args args = {0};

		ret = seamcall(TDH_SYS_DISABLE, &args);
		n++;
	} while ((is_status(ret, TDX_INTERRUPTED_RESUMABLE) ||
		  is_status(ret, TDX_SYS_BUSY)) &&
		 n < TDX_DISABLE_MAX_CALLS);
	if (calls)
		*calls = n;
	return ret;
}
