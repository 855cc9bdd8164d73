// SPDX-License-Identifier: MIT
/*
 * SEAM at boot: detect it, say in one line what was found, and carry out
 * what the command line asked (tdx=). Full TDX-module bring-up (TDMRs,
 * PAMTs, KEY.CONFIG) is not done here: see docs/tdx.md.
 */
#include "boot/bootinfo.h"
#include "core/host/cpu_probe.h"
#include "core/host/log.h"
#include "core/x86.h"
#include "lib/compiler.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "tdx/tdx.h"

static const char *const request_names[] = {
	[TDX_REQ_INFO] = "info",
	[TDX_REQ_OFF] = "off",
	[TDX_REQ_INIT] = "init",
	[TDX_REQ_DISABLE] = "disable",
	[TDX_REQ_UPDATE] = "update",
	[TDX_REQ_FORCE_SEAMCALL] = "force-seamcall",
};

int tdx_request_parse(const char *word, enum tdx_request *req, char *err,
		      size_t errlen)
{
	if (!word[0]) {
		*req = TDX_REQ_INFO;
		return 0;
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(request_names); i++) {
		if (!strcmp(word, request_names[i])) {
			*req = (enum tdx_request)i;
			return 0;
		}
	}
	fmt_snprintf(err, errlen,
		     "bad value for tdx: '%s' (info|off|init|disable|update|"
		     "force-seamcall)",
		     word);
	return -1;
}

/* NULL when the CPU can run SEAM software; else why not. */
static const char *seam_absent_reason(const struct cpu_info *ci, bool vmx_on)
{
	if (ci->vendor != CPU_VENDOR_INTEL)
		return "not an Intel CPU";
	if (!ci->seamrr_supported)
		return "no SEAMRR";
	if (!ci->seamrr_read)
		return "SEAMRR registers unreadable";
	if (!seamrr_enabled(ci))
		return "SEAMRR not enabled and locked by firmware";
	if (!vmx_on)
		return "VMX is not on (SEAMCALL needs VMX root operation)";
	return NULL;
}

static void log_status(const char *what, uint64_t status, bool loader)
{
	char buf[96];

	seam_status_format(status, loader, buf, sizeof(buf));
	if (status)
		pr_err("seam: %s failed: %s\n", what, buf);
	else
		pr_info("seam: %s: done\n", what);
}

/* What the module says about itself, if it is there to say it. */
static void report_module(void)
{
	struct tdx_module_version v;
	uint64_t features = 0, ret = tdx_read_version(&v);
	char buf[96];

	if (ret == TDX_SEAMCALL_VMFAILINVALID) {
		pr_info("seam: TDX module: not loaded\n");
		return;
	}
	if ((ret & TDX_STATUS_MASK) == TDX_SYS_NOT_READY) {
		pr_info("seam: TDX module: loaded, not initialized\n");
		return;
	}
	if (ret) {
		seam_status_format(ret, false, buf, sizeof(buf));
		pr_info("seam: TDX module: cannot read its version: %s\n", buf);
		return;
	}
	tdx_read_features(&features);
	pr_info("seam: TDX module %u.%u.%u.%u build %u (%u), features0 %#lx\n",
		v.major, v.minor, v.update, v.internal, v.build_num,
		v.build_date, features);
}

static int report_loader(void)
{
	static struct seamldr_info info __aligned(256);
	uint64_t ret = seamldr_get_info(&info);

	if (ret == TDX_SEAMCALL_VMFAILINVALID) {
		pr_info("seam: P-SEAMLDR busy or absent (VMfailInvalid)\n");
		return -1;
	}
	if (ret) {
		log_status("SEAMLDR.INFO", ret, true);
		return -1;
	}
	seamldr_print_info(&info);
	return 0;
}

static int do_init(void)
{
	uint64_t ret = tdx_sys_init();

	log_status("TDH.SYS.INIT", ret, false);
	if (ret)
		return -1;
	ret = tdx_sys_lp_init();
	log_status("TDH.SYS.LP.INIT", ret, false);
	if (ret)
		return -1;
	report_module();
	return 0;
}

/*
 * TDH.SYS.DISABLE: a module that was never initialized, or is already
 * shut down, is safe too. A software-defined code means no module
 * answered at all, which is not worth an error line.
 */
static int do_disable(void)
{
	unsigned long calls;
	uint64_t ret = tdx_sys_disable(&calls), s = ret & TDX_STATUS_MASK;
	char buf[96];

	seam_status_format(ret, false, buf, sizeof(buf));
	if (!ret || s == TDX_SYS_NOT_READY || s == TDX_SYS_SHUTDOWN) {
		pr_info("seam: TDX module disabled (%s after %lu call%s)\n",
			buf, calls, calls == 1 ? "" : "s");
		return 0;
	}
	if (seam_status_is_sw(ret)) {
		pr_info("seam: no TDX module to disable (%s)\n", buf);
		return 0;
	}
	pr_err("seam: TDH.SYS.DISABLE failed after %lu call%s: %s\n", calls,
	       calls == 1 ? "" : "s", buf);
	return -1;
}

/*
 * Update on one CPU, Linux's order, stopping at the first failure:
 * SYS.SHUTDOWN (with the module's own hand-off version), SEAMLDR.INSTALL,
 * SYS.INIT, LP.INIT, SYS.UPDATE. Without a running module: a plain load.
 */
static int do_update(const struct boot_module *blob)
{
	static struct seamldr_params check;
	uint64_t hv, ret;
	uint32_t scenario = SEAMLDR_SCENARIO_UPDATE;
	char err[128];

	if (!blob) {
		pr_err("seam: tdx=update needs a module line starting with "
		       "'tdx-blob' (see docs/tdx.md)\n");
		return -1;
	}
	/* Refuse a malformed image before touching the running module. */
	if (seamldr_build_params((const void *)blob->start,
				 blob->end - blob->start, scenario, &check, err,
				 sizeof(err))) {
		pr_err("seam: tdx=update refused: %s\n", err);
		return -1;
	}
	ret = tdx_sys_rd(MD_FIELD_MODULE_HV, &hv);
	if (ret == TDX_SEAMCALL_VMFAILINVALID) {
		scenario = SEAMLDR_SCENARIO_LOAD;
	} else if (ret) {
		log_status("reading the hand-off version", ret, false);
		return -1;
	} else {
		ret = tdx_sys_shutdown(hv);
		log_status("TDH.SYS.SHUTDOWN", ret, false);
		if (ret)
			return -1;
	}
	ret = seamldr_install((const void *)blob->start,
			      blob->end - blob->start, scenario, err,
			      sizeof(err));
	log_status("SEAMLDR.INSTALL", ret, true);
	if (ret)
		return -1;
	if (do_init())
		return -1;
	if (scenario == SEAMLDR_SCENARIO_UPDATE) {
		ret = tdx_sys_update();
		log_status("TDH.SYS.UPDATE", ret, false);
		if (ret)
			return -1;
	}
	return 0;
}

/* Debug: one SEAMCALL whatever the CPU, to show the fault-to-status path. */
static void force_seamcall(void)
{
	uint64_t val, ret = tdx_sys_rd(MD_FIELD_MAJOR_VERSION, &val);
	char buf[96];

	seam_status_format(ret, false, buf, sizeof(buf));
	pr_info("seam: forced SEAMCALL (TDH.SYS.RD) returned %s\n", buf);
}

int tdx_boot(const struct cpu_info *ci, enum tdx_request req,
	     const struct boot_module *blob, bool vmx_on)
{
	const char *why;

	if (req == TDX_REQ_OFF) {
		pr_info("SEAM: not probed (tdx=off)\n");
		return 0;
	}
	if (req == TDX_REQ_FORCE_SEAMCALL) {
		force_seamcall();
		return 0;
	}
	why = seam_absent_reason(ci, vmx_on);
	if (why) {
		pr_info("SEAM: not supported (%s)\n", why);
		if (req == TDX_REQ_INFO)
			return 0;
		pr_err("tdx=%s refused: this CPU cannot run SEAM software "
		       "(%s)\n",
		       request_names[req], why);
		return -1;
	}
	pr_info("SEAM: SEAMRR enabled, %u TDX KeyIDs\n", ci->tdx_keyids);
	seamldr_set_vmcs_preserved(ci->vmx_basic &
				   VMX_BASIC_NO_SEAMRET_VMCS_CLOBBER);
	if (report_loader() && req == TDX_REQ_UPDATE) {
		pr_err("seam: tdx=update refused: the P-SEAMLDR does not "
		       "answer\n");
		return -1;
	}
	switch (req) {
	case TDX_REQ_INIT:
		return do_init();
	case TDX_REQ_DISABLE:
		return do_disable();
	case TDX_REQ_UPDATE:
		return do_update(blob);
	default:
		report_module();
		return 0;
	}
}

bool tdx_module_is_blob(const struct boot_module *m)
{
	return !strncmp(m->cmdline, "tdx-blob", 8) &&
	       (m->cmdline[8] == '\0' || m->cmdline[8] == ' ');
}
