// SPDX-License-Identifier: MIT
/*
 * tdx_boot() (tdx/tdx.c), the tdx= boot operations, against the SEAM
 * model (seam_model.c): which SEAMCALLs each one makes and in what order,
 * what it logs (fake_serial.c), what it returns, and that a CPU without
 * SEAM never gets a SEAMCALL. Leaves are checked by the reference's
 * numbers (REF_*), not by tdx/seam_abi.h's names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/bootinfo.h"
#include "boot/cmdline.h"
#include "core/host/cpu_probe.h"
#include "core/x86.h"
#include "tdx/tdx.h"
#include "tests/unit/fake_serial.h"
#include "tests/unit/seam_model.h"

#define NO_VMCS (~0ULL)
#define TEST_VMCS 0x12345000ULL
#define PG 4096UL
#define KEYIDS 48
/* A VMX_BASIC value: revision 4, true controls; bit 60 clear. */
#define BASIC (VMX_BASIC_TRUE_CTLS | 4)
#define BASIC_BIT60 (BASIC | (1ULL << 60))

/*
 * core/host/cpu_probe.c executes CPUID and RDMSR, so it is not linked into a
 * hosted test: this stands in for its seamrr_enabled(), answering what
 * the test sets.
 */
static bool seamrr_on;

bool seamrr_enabled(const struct cpu_info *ci)
{
	(void)ci;
	return seamrr_on;
}

static void reset(const struct seam_model_config *cfg)
{
	seam_model_reset(cfg);
	seamldr_set_vmcs_preserved(false);
	seamrr_on = true;
	fake_serial_clear();
}

static int setup(void **state)
{
	(void)state;
	reset(NULL);
	return 0;
}

/* An Intel CPU with SEAMRR configured, enabled and locked. */
static struct cpu_info seam_cpu(uint64_t vmx_basic)
{
	return (struct cpu_info){
		.vendor = CPU_VENDOR_INTEL,
		.vmx = true,
		.feature_control_read = true,
		.vmx_basic = vmx_basic,
		.mtrrcap_read = true,
		.seamrr_supported = true,
		.seamrr_read = true,
		.seamrr_base = 0x80000000ULL | SEAMRR_BASE_CONFIGURED,
		.seamrr_mask = 0xfe000000ULL | SEAMRR_MASK_LOCKED |
			       SEAMRR_MASK_ENABLED,
		.keyid_read = true,
		.mktme_keyids = 15,
		.tdx_keyids = KEYIDS,
	};
}

static int boot(enum tdx_request req, const struct boot_module *blob)
{
	struct cpu_info ci = seam_cpu(BASIC);

	return tdx_boot(&ci, req, blob, true);
}

/* --- what was called --------------------------------------------------- */

static const char *leaf_name(uint64_t leaf)
{
	switch (leaf) {
	case REF_SEAMLDR_INFO:
		return "SEAMLDR.INFO";
	case REF_SEAMLDR_INSTALL:
		return "SEAMLDR.INSTALL";
	case REF_SEAMLDR_SHUTDOWN:
		return "SEAMLDR.SHUTDOWN";
	case REF_SEAMLDR_SEAMINFO:
		return "SEAMLDR.SEAMINFO";
	case REF_TDH_SYS_INIT:
		return "TDH.SYS.INIT";
	case REF_TDH_SYS_RD:
		return "TDH.SYS.RD";
	case REF_TDH_SYS_LP_INIT:
		return "TDH.SYS.LP.INIT";
	case REF_TDH_SYS_SHUTDOWN:
		return "TDH.SYS.SHUTDOWN";
	case REF_TDH_SYS_UPDATE:
		return "TDH.SYS.UPDATE";
	case REF_TDH_SYS_DISABLE:
		return "TDH.SYS.DISABLE";
	default:
		return "?";
	}
}

/* The SEAMCALLs made since call number `from` are `want`, in order. */
static void expect_calls(unsigned long from, const uint64_t *want, size_t n)
{
	unsigned long total = seam_model_total_calls();
	uint64_t leaf;

	for (size_t i = 0; i < n && from + i < total; i++) {
		assert_true(seam_model_call_leaf(from + i, &leaf));
		if (leaf != want[i])
			fail_msg("SEAMCALL %zu: %s (%#llx), expected %s", i,
				 leaf_name(leaf), (unsigned long long)leaf,
				 leaf_name(want[i]));
	}
	if (total - from != n)
		fail_msg("%lu SEAMCALLs, expected %zu", total - from, n);
}

#define CALLS(from, ...)                                       \
	expect_calls(from, (const uint64_t[]){__VA_ARGS__},    \
		     sizeof((const uint64_t[]){__VA_ARGS__}) / \
			     sizeof(uint64_t))

/* How report_module() reads the version (6 fields) and TDX_FEATURES0. */
#define READ_VERSION                                                    \
	REF_TDH_SYS_RD, REF_TDH_SYS_RD, REF_TDH_SYS_RD, REF_TDH_SYS_RD, \
		REF_TDH_SYS_RD, REF_TDH_SYS_RD, REF_TDH_SYS_RD

static void no_seam_activity(void)
{
	assert_int_equal(seam_model_total_calls(), 0);
	assert_int_equal(seam_model_vmptrst_count(), 0);
	assert_int_equal(seam_model_vmptrld_count(), 0);
	assert_int_equal(seam_model_irq_saves(), 0);
}

/* --- what was logged --------------------------------------------------- */

static const char *logged(const char *line)
{
	const char *at = strstr(fake_serial_output(), line);

	if (!at)
		fail_msg("no \"%s\" in the log:\n%s", line,
			 fake_serial_output());
	return at;
}

static void logged_in_order(const char *const *lines, size_t n)
{
	const char *prev = NULL;

	for (size_t i = 0; i < n; i++) {
		const char *at = logged(lines[i]);

		if (prev && at < prev)
			fail_msg("\"%s\" logged before \"%s\"", lines[i],
				 lines[i - 1]);
		prev = at;
	}
}

#define LOGGED_IN_ORDER(...)                                         \
	logged_in_order((const char *const[]){__VA_ARGS__},          \
			sizeof((const char *const[]){__VA_ARGS__}) / \
				sizeof(const char *))

static void no_error_logged(void)
{
	if (strstr(fake_serial_output(), "error:"))
		fail_msg("an error was logged:\n%s", fake_serial_output());
}

/* --- the module image ---------------------------------------------------- */

struct blob {
	uint8_t *mem; /* page aligned */
	struct boot_module mod;
};

static struct blob make_blob(uint32_t mod_pages)
{
	struct blob b;
	struct tdx_blob_header *h;
	size_t len = PG * (2 + mod_pages);

	b.mem = aligned_alloc(PG, len);
	assert_non_null(b.mem);
	memset(b.mem, 0, len);
	h = (struct tdx_blob_header *)b.mem;
	h->version = 0x200;
	memcpy(h->signature, "TDX-BLOB", 8);
	h->sigstruct_pages = 1;
	h->module_pages = mod_pages;
	b.mod = (struct boot_module){
		.start = (uint64_t)(uintptr_t)b.mem,
		.end = (uint64_t)(uintptr_t)b.mem + len,
		.cmdline = "tdx-blob",
	};
	return b;
}

/* A module that answers: loaded, SYS.INIT and LP.INIT done. */
static void module_up(void)
{
	seam_model_set_module(SEAM_MODULE_LOADED);
	assert_int_equal(tdx_sys_init(), 0);
	assert_int_equal(tdx_sys_lp_init(), 0);
}

/* --- no SEAM ------------------------------------------------------------- */

static void test_off(void **state)
{
	struct cpu_info ci = seam_cpu(BASIC);

	(void)state;
	assert_int_equal(tdx_boot(&ci, TDX_REQ_OFF, NULL, true), 0);
	ci.vendor = CPU_VENDOR_AMD;
	assert_int_equal(tdx_boot(&ci, TDX_REQ_OFF, NULL, false), 0);
	assert_string_equal(fake_serial_output(),
			    "mhv: SEAM: not probed (tdx=off)\n"
			    "mhv: SEAM: not probed (tdx=off)\n");
	no_seam_activity();
}

enum absence {
	NOT_INTEL,
	NO_SEAMRR,
	SEAMRR_UNREADABLE,
	SEAMRR_OFF,
	VMX_OFF,
	ABSENCES,
};

static const char *const absence_reason[ABSENCES] = {
	[NOT_INTEL] = "not an Intel CPU",
	[NO_SEAMRR] = "no SEAMRR",
	[SEAMRR_UNREADABLE] = "SEAMRR registers unreadable",
	[SEAMRR_OFF] = "SEAMRR not enabled and locked by firmware",
	[VMX_OFF] = "VMX is not on (SEAMCALL needs VMX root operation)",
};

/* tdx= values: the SEAM layer's own vocabulary, refused with the list. */
static void test_request_parse(void **state)
{
	static const struct {
		const char *word;
		enum tdx_request r;
	} ok[] = {
		{"", TDX_REQ_INFO},
		{"info", TDX_REQ_INFO},
		{"off", TDX_REQ_OFF},
		{"init", TDX_REQ_INIT},
		{"disable", TDX_REQ_DISABLE},
		{"update", TDX_REQ_UPDATE},
		{"force-seamcall", TDX_REQ_FORCE_SEAMCALL},
	};
	static const char *const bad[] = {"on", "INFO", "info ", "updat"};
	enum tdx_request r;
	char err[160];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		r = (enum tdx_request)99;
		assert_int_equal(
			tdx_request_parse(ok[i].word, &r, err, sizeof(err)), 0);
		assert_int_equal(r, ok[i].r);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(
			tdx_request_parse(bad[i], &r, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "bad value for tdx"));
		assert_non_null(strstr(err, "info|off|init|disable|update|"
					    "force-seamcall"));
	}
}

/*
 * Every reason a CPU cannot run SEAM software, for every request that
 * would make SEAMCALLs, with IA32_VMX_BASIC[60] clear and set: one status
 * line, no SEAMCALL (the model would answer #UD), no VMCS or interrupt
 * handling either; tdx=info is content with that, the others fail.
 */
static void test_not_supported(void **state)
{
	static const enum tdx_request reqs[] = {
		TDX_REQ_INFO, TDX_REQ_INIT, TDX_REQ_DISABLE, TDX_REQ_UPDATE};
	static const char *const req_name[] = {
		[TDX_REQ_INFO] = "info",
		[TDX_REQ_INIT] = "init",
		[TDX_REQ_DISABLE] = "disable",
		[TDX_REQ_UPDATE] = "update",
	};
	struct seam_model_config no_seam = {.seam_absent = true};
	struct blob b = make_blob(2);
	char line[200];

	(void)state;
	for (int why = 0; why < ABSENCES; why++) {
		for (size_t r = 0; r < sizeof(reqs) / sizeof(reqs[0]); r++) {
			for (int bit60 = 0; bit60 < 2; bit60++) {
				struct cpu_info ci =
					seam_cpu(bit60 ? BASIC_BIT60 : BASIC);
				bool vmx_on = why != VMX_OFF;
				int ret;

				reset(&no_seam);
				if (why == NOT_INTEL)
					ci.vendor = CPU_VENDOR_AMD;
				if (why == NO_SEAMRR)
					ci.seamrr_supported = false;
				if (why == SEAMRR_UNREADABLE)
					ci.seamrr_read = false;
				if (why == SEAMRR_OFF)
					seamrr_on = false;
				ret = tdx_boot(&ci, reqs[r], &b.mod, vmx_on);

				no_seam_activity();
				snprintf(line, sizeof(line),
					 "mhv: SEAM: not supported (%s)\n",
					 absence_reason[why]);
				logged(line);
				if (reqs[r] == TDX_REQ_INFO) {
					assert_int_equal(ret, 0);
					no_error_logged();
					continue;
				}
				assert_int_equal(ret, -1);
				snprintf(line, sizeof(line),
					 "mhv: error: tdx=%s refused: this CPU "
					 "cannot run SEAM software (%s)\n",
					 req_name[reqs[r]],
					 absence_reason[why]);
				logged(line);
			}
		}
	}
	free(b.mem);
}

/* Debug: one TDH.SYS.RD whatever the CPU, its status printed. */
static void test_force_seamcall(void **state)
{
	struct seam_model_config no_seam = {.seam_absent = true};
	struct cpu_info ci = seam_cpu(BASIC);

	(void)state;
	reset(&no_seam);
	ci.vendor = CPU_VENDOR_AMD;
	assert_int_equal(tdx_boot(&ci, TDX_REQ_FORCE_SEAMCALL, NULL, false), 0);
	CALLS(0, REF_TDH_SYS_RD);
	assert_string_equal(fake_serial_output(),
			    "mhv: seam: forced SEAMCALL (TDH.SYS.RD) returned "
			    "0x8000ff0000000006 (TDX_SEAMCALL_UD)\n");
	assert_int_equal(seam_model_loader_calls(), 0);
	assert_int_equal(seam_model_vmptrst_count(), 0);
}

/* --- tdx=info ------------------------------------------------------------ */

static void test_info_no_module(void **state)
{
	(void)state;
	assert_int_equal(boot(TDX_REQ_INFO, NULL), 0);
	CALLS(0, REF_SEAMLDR_INFO, REF_TDH_SYS_RD);
	LOGGED_IN_ORDER("mhv: SEAM: SEAMRR enabled, 48 TDX KeyIDs\n",
			"mhv: seam: P-SEAMLDR 2.1.3 build 300 (20240131), "
			"vendor 0x8086, 0 updates left, ACM on x2APIC 0\n",
			"mhv: seam: loader ready, SEAM module not loaded\n",
			"mhv: seam: TDX module: not loaded\n");
	no_error_logged();
}

static void test_info_module_ready(void **state)
{
	unsigned long from;

	(void)state;
	module_up();
	from = seam_model_total_calls();
	assert_int_equal(boot(TDX_REQ_INFO, NULL), 0);
	CALLS(from, REF_SEAMLDR_INFO, READ_VERSION);
	LOGGED_IN_ORDER("mhv: seam: loader ready, SEAM module ready\n",
			"mhv: seam: TDX module 1.5.6.0 build 742 (20250101), "
			"features0 0xa5b\n");
	no_error_logged();
	assert_int_equal(seam_model_module_state(), SEAM_MODULE_READY);
}

static void test_info_module_not_initialized(void **state)
{
	(void)state;
	seam_model_set_module(SEAM_MODULE_LOADED);
	seam_model_inject_status(REF_TDH_SYS_RD, REF_TDX_SYS_NOT_READY, 1);
	assert_int_equal(boot(TDX_REQ_INFO, NULL), 0);
	CALLS(0, REF_SEAMLDR_INFO, REF_TDH_SYS_RD);
	logged("mhv: seam: TDX module: loaded, not initialized\n");
	no_error_logged();
	/* Only looked: nothing was initialized. */
	assert_int_equal(seam_model_module_state(), SEAM_MODULE_LOADED);
}

/* A loader that does not answer is worth a line, not a failure. */
static void test_info_loader_absent(void **state)
{
	struct seam_model_config cfg = {.loader_absent = true};

	(void)state;
	reset(&cfg);
	assert_int_equal(boot(TDX_REQ_INFO, NULL), 0);
	CALLS(0, REF_SEAMLDR_INFO, REF_TDH_SYS_RD);
	LOGGED_IN_ORDER("mhv: seam: P-SEAMLDR busy or absent (VMfailInvalid)\n",
			"mhv: seam: TDX module: not loaded\n");
	no_error_logged();
}

static void test_info_loader_error(void **state)
{
	(void)state;
	seam_model_inject_status(REF_SEAMLDR_INFO, REF_SEAMLDR_EUNSPECERR, 1);
	assert_int_equal(boot(TDX_REQ_INFO, NULL), 0);
	CALLS(0, REF_SEAMLDR_INFO, REF_TDH_SYS_RD);
	LOGGED_IN_ORDER("mhv: error: seam: SEAMLDR.INFO failed: "
			"0x8000000000010003 (SEAMLDR_EUNSPECERR)\n",
			"mhv: seam: TDX module: not loaded\n");
}

/*
 * IA32_VMX_BASIC[60], read by tdx_boot() from the CPU it is given. Clear:
 * the loader clobbers the current VMCS, so it is saved and reloaded, and
 * comes back not launched. Set: no VMPTRST/VMPTRLD at all.
 */
static void test_info_vmx_basic_bit60(void **state)
{
	struct seam_model_config keeps = {.vmcs_preserved = true};
	struct cpu_info ci = seam_cpu(BASIC);

	(void)state;
	seamldr_set_vmcs_preserved(true); /* tdx_boot must undo this */
	seam_model_set_current_vmcs(TEST_VMCS);
	seam_model_set_vmcs_launched(TEST_VMCS);
	assert_int_equal(tdx_boot(&ci, TDX_REQ_INFO, NULL, true), 0);
	CALLS(0, REF_SEAMLDR_INFO, REF_TDH_SYS_RD);
	assert_int_equal(seam_model_vmptrst_count(), 1);
	assert_int_equal(seam_model_vmptrld_count(), 1);
	assert_int_equal(seam_model_vmcs_clobbers(), 1);
	assert_int_equal(seam_model_current_vmcs(), TEST_VMCS);
	assert_false(seam_model_vmcs_launched(TEST_VMCS));
	assert_false(seam_model_backend_vmcs_launched(TEST_VMCS));
	assert_int_equal(seam_model_bad_launch_marks(), 0);
	assert_int_equal(seam_model_irq_violations(), 0);

	reset(&keeps);
	ci = seam_cpu(BASIC_BIT60);
	seam_model_set_current_vmcs(TEST_VMCS);
	seam_model_set_vmcs_launched(TEST_VMCS);
	assert_int_equal(tdx_boot(&ci, TDX_REQ_INFO, NULL, true), 0);
	CALLS(0, REF_SEAMLDR_INFO, REF_TDH_SYS_RD);
	assert_int_equal(seam_model_vmptrst_count(), 0);
	assert_int_equal(seam_model_vmptrld_count(), 0);
	assert_int_equal(seam_model_current_vmcs(), TEST_VMCS);
	assert_true(seam_model_vmcs_launched(TEST_VMCS));
	assert_true(seam_model_backend_vmcs_launched(TEST_VMCS));
	assert_int_equal(seam_model_launch_marks(), 0);
	no_error_logged();
}

/* The VMCS lost after SEAMLDR.INFO: an error line, whatever INFO said. */
static void test_info_vmcs_reload_fails(void **state)
{
	(void)state;
	seam_model_set_current_vmcs(TEST_VMCS);
	seam_model_fail_vmptrld(1);
	assert_int_equal(boot(TDX_REQ_INFO, NULL), 0);
	LOGGED_IN_ORDER("mhv: error: seam: cannot reload VMCS 0x12345000 "
			"after P-SEAMLDR leaf 0x8000000000000000, which "
			"returned 0 (SEAMLDR_SUCCESS)\n",
			"mhv: error: seam: SEAMLDR.INFO failed: "
			"0x8000ff0100000000 (SEAM_VMCS_RELOAD_FAILED)\n");
}

/* --- tdx=init ------------------------------------------------------------ */

static void test_init(void **state)
{
	(void)state;
	seam_model_set_module(SEAM_MODULE_LOADED);
	assert_int_equal(boot(TDX_REQ_INIT, NULL), 0);
	CALLS(0, REF_SEAMLDR_INFO, REF_TDH_SYS_INIT, REF_TDH_SYS_LP_INIT,
	      READ_VERSION);
	LOGGED_IN_ORDER("mhv: SEAM: SEAMRR enabled, 48 TDX KeyIDs\n",
			"mhv: seam: loader ready, SEAM module ready\n",
			"mhv: seam: TDH.SYS.INIT: done\n",
			"mhv: seam: TDH.SYS.LP.INIT: done\n",
			"mhv: seam: TDX module 1.5.6.0 build 742 (20250101), "
			"features0 0xa5b\n");
	no_error_logged();
	assert_int_equal(seam_model_module_state(), SEAM_MODULE_READY);
}

/* tdx=init asked for a module: none is a failure, and said as one. */
static void test_init_failures(void **state)
{
	(void)state;
	assert_int_equal(boot(TDX_REQ_INIT, NULL), -1);
	CALLS(0, REF_SEAMLDR_INFO, REF_TDH_SYS_INIT);
	logged("mhv: error: seam: TDH.SYS.INIT failed: 0x8000ff00ffff0000 "
	       "(TDX_SEAMCALL_VMFAILINVALID)\n");

	reset(NULL);
	seam_model_set_module(SEAM_MODULE_LOADED);
	seam_model_inject_status(REF_TDH_SYS_LP_INIT, REF_TDX_SYS_BUSY, 1);
	assert_int_equal(boot(TDX_REQ_INIT, NULL), -1);
	CALLS(0, REF_SEAMLDR_INFO, REF_TDH_SYS_INIT, REF_TDH_SYS_LP_INIT);
	LOGGED_IN_ORDER("mhv: seam: TDH.SYS.INIT: done\n",
			"mhv: error: seam: TDH.SYS.LP.INIT failed: "
			"0x8000020200000000 (TDX_SYS_BUSY)\n");
}

/* --- tdx=disable --------------------------------------------------------- */

static void test_disable(void **state)
{
	struct seam_model_disable d = {.resumable = 2, .busy = 1};
	unsigned long from;

	(void)state;
	module_up();
	seam_model_set_disable(&d);
	from = seam_model_total_calls();
	assert_int_equal(boot(TDX_REQ_DISABLE, NULL), 0);
	CALLS(from, REF_SEAMLDR_INFO, REF_TDH_SYS_DISABLE, REF_TDH_SYS_DISABLE,
	      REF_TDH_SYS_DISABLE, REF_TDH_SYS_DISABLE);
	logged("mhv: seam: TDX module disabled (0 (TDX_SUCCESS) after 4 "
	       "calls)\n");
	no_error_logged();
	assert_int_equal(seam_model_module_state(), SEAM_MODULE_DISABLED);
}

/* Never initialized, or already shut down: safe, so done. */
static void test_disable_safe_states(void **state)
{
	unsigned long from;

	(void)state;
	seam_model_set_module(SEAM_MODULE_LOADED);
	assert_int_equal(boot(TDX_REQ_DISABLE, NULL), 0);
	CALLS(0, REF_SEAMLDR_INFO, REF_TDH_SYS_DISABLE);
	logged("mhv: seam: TDX module disabled (0xc000050500000000 "
	       "(TDX_SYS_NOT_READY) after 1 call)\n");

	module_up();
	assert_int_equal(tdx_sys_shutdown(SEAM_MODEL_MODULE_HV), 0);
	from = seam_model_total_calls();
	assert_int_equal(boot(TDX_REQ_DISABLE, NULL), 0);
	CALLS(from, REF_SEAMLDR_INFO, REF_TDH_SYS_DISABLE);
	logged("mhv: seam: TDX module disabled (0xc000050600000000 "
	       "(TDX_SYS_SHUTDOWN) after 1 call)\n");
	no_error_logged();
}

/*
 * A software-defined code from TDH.SYS.DISABLE (VMfailInvalid: no module;
 * #UD, #GP: no SEAM answered) is logged as information, not as an error,
 * and tdx=disable succeeds: there is nothing to disable.
 */
static void test_disable_quiet_on_software_codes(void **state)
{
	static const struct {
		uint64_t status;
		const char *line;
	} cases[] = {
		{REF_TDX_SEAMCALL_VMFAILINVALID,
		 "mhv: seam: no TDX module to disable (0x8000ff00ffff0000 "
		 "(TDX_SEAMCALL_VMFAILINVALID))\n"},
		{REF_TDX_SEAMCALL_UD,
		 "mhv: seam: no TDX module to disable (0x8000ff0000000006 "
		 "(TDX_SEAMCALL_UD))\n"},
		{REF_TDX_SEAMCALL_GP,
		 "mhv: seam: no TDX module to disable (0x8000ff000000000d "
		 "(TDX_SEAMCALL_GP))\n"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reset(NULL);
		if (cases[i].status != REF_TDX_SEAMCALL_VMFAILINVALID) {
			module_up();
			seam_model_inject_status(REF_TDH_SYS_DISABLE,
						 cases[i].status, 1);
			fake_serial_clear();
		}
		assert_int_equal(boot(TDX_REQ_DISABLE, NULL), 0);
		logged(cases[i].line);
		no_error_logged();
		assert_int_equal(seam_model_calls(REF_TDH_SYS_DISABLE), 1);
	}
}

static void test_disable_fails(void **state)
{
	struct seam_model_disable old = {.final_status =
						 REF_TDX_OPERAND_INVALID};
	unsigned long from;

	(void)state;
	module_up();
	seam_model_set_disable(&old);
	from = seam_model_total_calls();
	assert_int_equal(boot(TDX_REQ_DISABLE, NULL), -1);
	CALLS(from, REF_SEAMLDR_INFO, REF_TDH_SYS_DISABLE);
	logged("mhv: error: seam: TDH.SYS.DISABLE failed after 1 call: "
	       "0xc000010000000000 (TDX_OPERAND_INVALID)\n");
}

/* --- tdx=update ---------------------------------------------------------- */

/* A running module: Linux's order, hand-off version and all. */
static void test_update_running_module(void **state)
{
	struct blob b = make_blob(3);
	struct seamldr_params p;
	unsigned long from;

	(void)state;
	module_up();
	from = seam_model_total_calls();
	assert_int_equal(boot(TDX_REQ_UPDATE, &b.mod), 0);
	CALLS(from, REF_SEAMLDR_INFO, REF_TDH_SYS_RD, REF_TDH_SYS_SHUTDOWN,
	      REF_SEAMLDR_INSTALL, REF_TDH_SYS_INIT, REF_TDH_SYS_LP_INIT,
	      READ_VERSION, REF_TDH_SYS_UPDATE);
	assert_int_equal(seam_model_last_handoff(), SEAM_MODEL_MODULE_HV);
	assert_true(seam_model_last_params(&p));
	assert_int_equal(p.scenario, REF_SEAMLDR_SCENARIO_UPDATE);
	assert_int_equal(p.num_module_pages, 3);
	assert_int_equal(p.sigstruct_pa, b.mod.start + PG);
	assert_int_equal(seam_model_installs(), 1);
	assert_int_equal(seam_model_updates(), 1);
	LOGGED_IN_ORDER("mhv: seam: TDH.SYS.SHUTDOWN: done\n",
			"mhv: seam: SEAMLDR.INSTALL: done\n",
			"mhv: seam: TDH.SYS.INIT: done\n",
			"mhv: seam: TDH.SYS.LP.INIT: done\n",
			"mhv: seam: TDX module 1.5.6.0",
			"mhv: seam: TDH.SYS.UPDATE: done\n");
	no_error_logged();
	free(b.mem);
}

/* No module yet (VMfailInvalid on the hand-off read): a plain load. */
static void test_update_plain_load(void **state)
{
	struct blob b = make_blob(1);
	struct seamldr_params p;

	(void)state;
	assert_int_equal(boot(TDX_REQ_UPDATE, &b.mod), 0);
	CALLS(0, REF_SEAMLDR_INFO, REF_TDH_SYS_RD, REF_SEAMLDR_INSTALL,
	      REF_TDH_SYS_INIT, REF_TDH_SYS_LP_INIT, READ_VERSION);
	assert_true(seam_model_last_params(&p));
	assert_int_equal(p.scenario, REF_SEAMLDR_SCENARIO_LOAD);
	assert_int_equal(seam_model_updates(), 0);
	assert_int_equal(seam_model_module_state(), SEAM_MODULE_READY);
	no_error_logged();
	free(b.mem);
}

/* Refused after SEAMLDR.INFO, before anything touches the module. */
static void test_update_refused(void **state)
{
	struct seam_model_config no_loader = {.loader_absent = true};
	struct blob b = make_blob(1);
	unsigned long from;

	(void)state;
	module_up();
	from = seam_model_total_calls();
	assert_int_equal(boot(TDX_REQ_UPDATE, NULL), -1);
	CALLS(from, REF_SEAMLDR_INFO);
	logged("mhv: error: seam: tdx=update needs a module line starting "
	       "with 'tdx-blob' (see docs/tdx.md)\n");

	fake_serial_clear();
	/* the signature, after version and checksum */
	b.mem[4] = 'X';
	from = seam_model_total_calls();
	assert_int_equal(boot(TDX_REQ_UPDATE, &b.mod), -1);
	CALLS(from, REF_SEAMLDR_INFO);
	logged("mhv: error: seam: tdx=update refused: not a TDX-BLOB (bad "
	       "signature)\n");
	assert_int_equal(seam_model_module_state(), SEAM_MODULE_READY);
	b.mem[4] = 'T';

	reset(&no_loader);
	assert_int_equal(boot(TDX_REQ_UPDATE, &b.mod), -1);
	CALLS(0, REF_SEAMLDR_INFO);
	LOGGED_IN_ORDER("mhv: seam: P-SEAMLDR busy or absent (VMfailInvalid)\n",
			"mhv: error: seam: tdx=update refused: the P-SEAMLDR "
			"does not answer\n");
	free(b.mem);
}

/* The first failure ends the update. */
static void test_update_stops_at_first_failure(void **state)
{
	struct blob b = make_blob(1);
	unsigned long from;

	(void)state;
	module_up();
	seam_model_inject_status(REF_TDH_SYS_RD, REF_TDX_OPERAND_INVALID, 1);
	from = seam_model_total_calls();
	assert_int_equal(boot(TDX_REQ_UPDATE, &b.mod), -1);
	CALLS(from, REF_SEAMLDR_INFO, REF_TDH_SYS_RD);
	logged("mhv: error: seam: reading the hand-off version failed: "
	       "0xc000010000000000 (TDX_OPERAND_INVALID)\n");

	fake_serial_clear();
	seam_model_inject_status(REF_TDH_SYS_SHUTDOWN, REF_TDX_SYS_BUSY, 1);
	from = seam_model_total_calls();
	assert_int_equal(boot(TDX_REQ_UPDATE, &b.mod), -1);
	CALLS(from, REF_SEAMLDR_INFO, REF_TDH_SYS_RD, REF_TDH_SYS_SHUTDOWN);
	logged("mhv: error: seam: TDH.SYS.SHUTDOWN failed: 0x8000020200000000 "
	       "(TDX_SYS_BUSY)\n");

	fake_serial_clear();
	seam_model_inject_status(REF_SEAMLDR_INSTALL, REF_SEAMLDR_EBADSIG, 1);
	from = seam_model_total_calls();
	assert_int_equal(boot(TDX_REQ_UPDATE, &b.mod), -1);
	CALLS(from, REF_SEAMLDR_INFO, REF_TDH_SYS_RD, REF_TDH_SYS_SHUTDOWN,
	      REF_SEAMLDR_INSTALL);
	logged("mhv: error: seam: SEAMLDR.INSTALL failed: 0x8000000000020000 "
	       "(SEAMLDR_EBADSIG)\n");
	assert_int_equal(seam_model_installs(), 0);
	assert_int_equal(seam_model_updates(), 0);
	free(b.mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_off, setup),
		cmocka_unit_test_setup(test_not_supported, setup),
		cmocka_unit_test_setup(test_force_seamcall, setup),
		cmocka_unit_test_setup(test_info_no_module, setup),
		cmocka_unit_test_setup(test_info_module_ready, setup),
		cmocka_unit_test_setup(test_info_module_not_initialized, setup),
		cmocka_unit_test_setup(test_info_loader_absent, setup),
		cmocka_unit_test_setup(test_info_loader_error, setup),
		cmocka_unit_test_setup(test_info_vmx_basic_bit60, setup),
		cmocka_unit_test_setup(test_info_vmcs_reload_fails, setup),
		cmocka_unit_test_setup(test_init, setup),
		cmocka_unit_test_setup(test_init_failures, setup),
		cmocka_unit_test_setup(test_disable, setup),
		cmocka_unit_test_setup(test_disable_safe_states, setup),
		cmocka_unit_test_setup(test_disable_quiet_on_software_codes,
				       setup),
		cmocka_unit_test(test_request_parse),
		cmocka_unit_test_setup(test_disable_fails, setup),
		cmocka_unit_test_setup(test_update_running_module, setup),
		cmocka_unit_test_setup(test_update_plain_load, setup),
		cmocka_unit_test_setup(test_update_refused, setup),
		cmocka_unit_test_setup(test_update_stops_at_first_failure,
				       setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
