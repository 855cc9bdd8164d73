// SPDX-License-Identifier: MIT
/*
 * The SEAM-call layer (tdx/seamldr.c, tdx/tdx_module.c, tdx/seam_status.c)
 * against a software model of the SEAM hardware (seam_model.c), which
 * stands in for the SEAMCALL stubs, VMPTRST/VMPTRLD and the interrupt
 * flag. Each pthread is a logical CPU. The log goes to fake_serial.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tdx/tdx.h"
#include "tests/unit/fake_serial.h"
#include "tests/unit/seam_model.h"

#define NO_VMCS (~0ULL)
#define TEST_VMCS 0x12345000ULL
#define PG 4096UL

static void reset(const struct seam_model_config *cfg)
{
	seam_model_reset(cfg);
	seamldr_set_vmcs_preserved(cfg ? cfg->vmcs_preserved : false);
	fake_serial_clear();
}

static int setup(void **state)
{
	(void)state;
	reset(NULL);
	return 0;
}

/* --- the ABI numbers, pinned ------------------------------------------- */

/*
 * Every leaf and status code mhv uses, against the literal copied from
 * shared/reference/seam-abi.md. The other tests share tdx/seam_abi.h with
 * the code, so without this a wrong number there would pass them all.
 */
struct pin {
	const char *name;
	uint64_t value;	  /* tdx/seam_abi.h */
	uint64_t literal; /* the reference */
};

#define PIN(name, literal)           \
	{                            \
#name, name, literal \
	}

static const struct pin abi_pins[] = {
	/* P-SEAMLDR leaves */
	PIN(SEAMLDR_INFO, 0x8000000000000000ULL),
	PIN(SEAMLDR_INSTALL, 0x8000000000000001ULL),
	PIN(SEAMLDR_SHUTDOWN, 0x8000000000000002ULL),
	PIN(SEAMLDR_SEAMINFO, 0x8000000000000003ULL),
	PIN(SEAMLDR_CLEANUP, 0x8000000000000004ULL),
	PIN(SEAMLDR_LEAF_BIT, 0x8000000000000000ULL),
	/* TDX-module host leaves */
	PIN(TDH_SYS_KEY_CONFIG, 31),
	PIN(TDH_SYS_INFO, 32),
	PIN(TDH_SYS_INIT, 33),
	PIN(TDH_SYS_RD, 34),
	PIN(TDH_SYS_LP_INIT, 35),
	PIN(TDH_SYS_TDMR_INIT, 36),
	PIN(TDH_SYS_RDALL, 37),
	PIN(TDH_SYS_LP_SHUTDOWN, 44),
	PIN(TDH_SYS_CONFIG, 45),
	PIN(TDH_SYS_SHUTDOWN, 52),
	PIN(TDH_SYS_UPDATE, 53),
	PIN(TDH_SYS_DISABLE, 69),
	/* TDX-module status */
	PIN(TDX_STATUS_MASK, 0xFFFFFFFF00000000ULL),
	PIN(TDX_SUCCESS, 0),
	PIN(TDX_INTERRUPTED_RESUMABLE, 0x8000000300000000ULL),
	PIN(TDX_INTERRUPTED_RESTARTABLE, 0x8000000400000000ULL),
	PIN(TDX_OPERAND_INVALID, 0xC000010000000000ULL),
	PIN(TDX_OPERAND_BUSY, 0x8000020000000000ULL),
	PIN(TDX_SYS_BUSY, 0x8000020200000000ULL),
	PIN(TDX_RND_NO_ENTROPY, 0x8000020300000000ULL),
	PIN(TDX_SYS_INIT_NOT_PENDING, 0xC000050000000000ULL),
	PIN(TDX_SYS_LP_INIT_NOT_DONE, 0xC000050200000000ULL),
	PIN(TDX_SYS_LP_INIT_DONE, 0xC000050300000000ULL),
	PIN(TDX_SYS_NOT_READY, 0xC000050500000000ULL),
	PIN(TDX_SYS_SHUTDOWN, 0xC000050600000000ULL),
	PIN(TDX_SYS_KEY_CONFIG_NOT_PENDING, 0xC000050700000000ULL),
	PIN(TDX_SYS_STATE_INCORRECT, 0xC000050800000000ULL),
	PIN(TDX_SYS_INVALID_HANDOFF, 0xC000050900000000ULL),
	PIN(TDX_SYS_CONFIG_NOT_PENDING, 0xC000050C00000000ULL),
	PIN(TDX_KEY_CONFIGURED, 0x0000081500000000ULL),
	PIN(TDX_KEY_GENERATION_FAILED, 0x8000080000000000ULL),
	/* software-defined (Linux's) */
	PIN(TDX_SW_ERROR, 0x8000FF0000000000ULL),
	PIN(TDX_SEAMCALL_VMFAILINVALID, 0x8000FF00FFFF0000ULL),
	PIN(TDX_SEAMCALL_GP, 0x8000FF000000000DULL),
	PIN(TDX_SEAMCALL_UD, 0x8000FF0000000006ULL),
	/* mhv's own: not in the reference, but in docs/tdx.md */
	PIN(SEAM_VMCS_RELOAD_FAILED, 0x8000FF0100000000ULL),
	/* P-SEAMLDR status */
	PIN(SEAMLDR_EBADPARAM, 0x8000000000000000ULL),
	PIN(SEAMLDR_EBADCALL, 0x8000000000000003ULL),
	PIN(SEAMLDR_EBADHANDOFF, 0x8000000000000004ULL),
	PIN(SEAMLDR_ECLEANUPREQ, 0x8000000000000005ULL),
	PIN(SEAMLDR_EUNSUPPORTED, 0x8000000000000006ULL),
	PIN(SEAMLDR_ENOMEM, 0x8000000000010002ULL),
	PIN(SEAMLDR_EUNSPECERR, 0x8000000000010003ULL),
	PIN(SEAMLDR_EUNSUPCPU, 0x8000000000010004ULL),
	PIN(SEAMLDR_EBADSIG, 0x8000000000020000ULL),
	PIN(SEAMLDR_EBADHASH, 0x8000000000020001ULL),
	PIN(SEAMLDR_EINTERRUPT, 0x8000000000030000ULL),
	PIN(SEAMLDR_ENOENTROPY, 0x8000000000030001ULL),
	/* seamldr_params and the TDX-BLOB */
	PIN(SEAMLDR_SCENARIO_LOAD, 0),
	PIN(SEAMLDR_SCENARIO_UPDATE, 1),
	PIN(SEAMLDR_MAX_MODULE_PAGES, 496),
	PIN(TDX_BLOB_VERSION, 0x200),
};

static void test_abi_pinned(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(abi_pins) / sizeof(abi_pins[0]); i++)
		if (abi_pins[i].value != abi_pins[i].literal)
			fail_msg("%s is %#llx in tdx/seam_abi.h, %#llx in the "
				 "reference",
				 abi_pins[i].name,
				 (unsigned long long)abi_pins[i].value,
				 (unsigned long long)abi_pins[i].literal);
	/* mhv's code is a software one that no other code can be */
	assert_true(seam_status_is_sw(SEAM_VMCS_RELOAD_FAILED));
	for (size_t i = 0; i < sizeof(abi_pins) / sizeof(abi_pins[0]); i++)
		if (strcmp(abi_pins[i].name, "SEAM_VMCS_RELOAD_FAILED") &&
		    abi_pins[i].value == SEAM_VMCS_RELOAD_FAILED)
			fail_msg("SEAM_VMCS_RELOAD_FAILED equals %s",
				 abi_pins[i].name);
}

/* --- TDX-BLOB images ---------------------------------------------------- */

struct blob {
	uint8_t *mem; /* page aligned */
	size_t len;
};

/* A well-formed image: header, sigstruct pages, module pages. */
static struct blob make_blob(uint32_t sig_pages, uint32_t mod_pages)
{
	struct blob b;
	struct tdx_blob_header *h;

	b.len = PG * (1 + sig_pages + mod_pages);
	/* one spare page, for the misaligned-copy case */
	b.mem = aligned_alloc(PG, b.len + PG);
	assert_non_null(b.mem);
	memset(b.mem, 0, b.len + PG);
	h = (struct tdx_blob_header *)b.mem;
	h->version = TDX_BLOB_VERSION;
	memcpy(h->signature, TDX_BLOB_SIGNATURE, 8);
	h->sigstruct_pages = sig_pages;
	h->module_pages = mod_pages;
	for (uint32_t i = 0; i < sig_pages; i++)
		memset(b.mem + PG * (1 + i), 0x5a, PG);
	for (uint32_t i = 0; i < mod_pages; i++)
		memset(b.mem + PG * (1 + sig_pages + i), (int)(i + 1), PG);
	return b;
}

static struct tdx_blob_header *hdr(struct blob *b)
{
	return (struct tdx_blob_header *)b->mem;
}

/* --- P-SEAMLDR calls: VMCS, interrupts ---------------------------------- */

enum loader_op { OP_INFO, OP_SEAMINFO, OP_INSTALL, OP_SHUTDOWN, OP_COUNT };

static const uint64_t op_leaf[OP_COUNT] = {
	[OP_INFO] = SEAMLDR_INFO,
	[OP_SEAMINFO] = SEAMLDR_SEAMINFO,
	[OP_INSTALL] = SEAMLDR_INSTALL,
	[OP_SHUTDOWN] = SEAMLDR_SHUTDOWN,
};

static struct seamldr_info info_buf __attribute__((aligned(256)));
static uint8_t seaminfo_page[4096] __attribute__((aligned(4096)));

static uint64_t run_op(enum loader_op op)
{
	static struct blob b;
	char err[128] = "";

	switch (op) {
	case OP_INFO:
		return seamldr_get_info(&info_buf);
	case OP_SEAMINFO:
		return seamldr_get_seaminfo(seaminfo_page);
	case OP_INSTALL:
		if (!b.mem)
			b = make_blob(1, 2); /* kept for the whole run */
		return seamldr_install(b.mem, b.len, SEAMLDR_SCENARIO_LOAD, err,
				       sizeof(err));
	case OP_SHUTDOWN:
		return seamldr_shutdown();
	default:
		fail();
	}
	return 0;
}

static void last_record(struct seam_model_loader_call *rec)
{
	unsigned long n = seam_model_loader_calls();

	assert_true(n > 0);
	assert_true(seam_model_loader_record(n - 1, rec));
}

/*
 * After the last loader call: the model cleared the launch state of `pa`,
 * and the backend was told (and told nothing the CPU contradicts).
 */
static bool rec_launch_cleared_and_told(uint64_t pa)
{
	struct seam_model_loader_call rec;

	last_record(&rec);
	return rec.launch_cleared && rec.vmcs_before == pa &&
	       !seam_model_vmcs_launched(pa) &&
	       !seam_model_backend_vmcs_launched(pa) &&
	       seam_model_bad_launch_marks() == 0;
}

/*
 * IA32_VMX_BASIC[60] clear: SEAMRET from the loader clears the current
 * VMCS. After each call it must be the one we had, and the model must have
 * cleared it (so the layer really reloaded it), with interrupts off in the
 * loader and back as they were afterwards. The VMCS comes back clear, not
 * launched, and the VMX backend must have been told so: its next entry on
 * it is VMLAUNCH.
 */
static void check_vmcs_restored(bool irq_before)
{
	for (int op = 0; op < OP_COUNT; op++) {
		struct seam_model_loader_call rec;
		unsigned long clobbers = seam_model_vmcs_clobbers();
		unsigned long loads = seam_model_vmptrld_count();
		unsigned long marks = seam_model_launch_marks();

		assert_int_equal(seam_vmptrld(TEST_VMCS), 0);
		seam_model_set_vmcs_launched(TEST_VMCS); /* a guest ran on it */
		seam_model_set_irq(irq_before);
		assert_int_equal(run_op(op), 0);

		assert_true(rec_launch_cleared_and_told(TEST_VMCS));
		assert_int_equal(seam_model_launch_marks(), marks + 1);

		assert_int_equal(seam_vmptrst(), TEST_VMCS);
		last_record(&rec);
		assert_int_equal(rec.leaf, op_leaf[op]);
		assert_true(rec.entered);
		assert_int_equal(rec.vmcs_before, TEST_VMCS);
		assert_int_equal(rec.vmcs_after,
				 NO_VMCS); /* the loader cleared it */
		assert_false(rec.irq_on);
		assert_int_equal(seam_model_vmcs_clobbers(), clobbers + 1);
		/* ours, and the layer's reload */
		assert_int_equal(seam_model_vmptrld_count(), loads + 2);
		assert_int_equal(seam_model_irq_violations(), 0);
		assert_int_equal(seam_model_irq_window_violations(), 0);
		assert_int_equal(seam_model_bad_vmptrld(), 0);
		assert_int_equal(seam_model_irq_enabled(), irq_before);
	}
	assert_int_equal(seam_model_installs(), 1);
	assert_int_equal(seam_model_overlaps(), 0);
}

static void test_loader_restores_vmcs_irq_on(void **state)
{
	(void)state;
	check_vmcs_restored(true);
}

static void test_loader_restores_vmcs_irq_off(void **state)
{
	(void)state;
	check_vmcs_restored(false);
	assert_int_equal(seam_model_irq_saves(), seam_model_irq_restores());
}

/* No current VMCS (VMPTRST gives all ones): nothing to reload. */
static void test_loader_no_vmcs_no_reload(void **state)
{
	(void)state;
	for (int op = 0; op < OP_COUNT; op++)
		assert_int_equal(run_op(op), 0);
	assert_int_equal(seam_model_vmptrst_count(), OP_COUNT);
	assert_int_equal(seam_model_vmptrld_count(), 0);
	assert_int_equal(seam_model_bad_vmptrld(), 0);
	assert_int_equal(seam_vmptrst(), NO_VMCS);
	assert_int_equal(seam_model_irq_violations(), 0);
	assert_int_equal(seam_model_launch_marks(), 0);
}

/*
 * The launch state follows what the loader did (fix for issue #11): clear
 * whenever the loader ran, on any answer and after retries; untouched when
 * the SEAMCALL never entered it (#UD, #GP, VMfailInvalid), because
 * VMLAUNCH of a launched VMCS fails just as VMRESUME of a clear one does.
 */
static void test_loader_launch_state(void **state)
{
	struct seam_model_config no_loader = {.loader_absent = true};
	struct seam_model_loader_call rec;

	(void)state;
	seam_vmptrld(TEST_VMCS);
	seam_model_set_vmcs_launched(TEST_VMCS);
	seam_model_inject_status(SEAMLDR_INFO, SEAMLDR_EUNSPECERR, 1);
	assert_int_equal(seamldr_get_info(&info_buf), SEAMLDR_EUNSPECERR);
	assert_true(rec_launch_cleared_and_told(TEST_VMCS));
	assert_int_equal(seam_model_launch_marks(), 1);

	/* Retries: the first try cleared it, the later ones found none. */
	seam_model_set_vmcs_launched(TEST_VMCS);
	seam_model_inject_entropy(SEAMLDR_INFO, 2);
	assert_int_equal(seamldr_get_info(&info_buf), 0);
	assert_int_equal(seam_model_loader_calls(), 4);
	assert_true(seam_model_loader_record(1, &rec));
	assert_true(rec.launch_cleared);
	assert_false(seam_model_vmcs_launched(TEST_VMCS));
	assert_false(seam_model_backend_vmcs_launched(TEST_VMCS));
	assert_int_equal(seam_model_bad_launch_marks(), 0);
	assert_int_equal(seam_model_launch_marks(), 2); /* once per call */
	assert_int_equal(seam_vmptrst(), TEST_VMCS);

	/* Not entered: the VMCS stays launched and the backend must know. */
	seam_model_set_vmcs_launched(TEST_VMCS);
	seam_model_inject_fault(SEAM_FAULT_UD, 1);
	assert_int_equal(seamldr_get_info(&info_buf), TDX_SEAMCALL_UD);
	seam_model_inject_fault(SEAM_FAULT_GP, 1);
	assert_int_equal(seamldr_shutdown(), TDX_SEAMCALL_GP);
	seam_model_inject_fault(SEAM_FAULT_VMFAIL, 1);
	assert_int_equal(seamldr_get_seaminfo(seaminfo_page),
			 TDX_SEAMCALL_VMFAILINVALID);
	assert_int_equal(seam_model_launch_marks(), 2);
	assert_true(seam_model_vmcs_launched(TEST_VMCS));
	assert_true(seam_model_backend_vmcs_launched(TEST_VMCS));

	reset(&no_loader);
	seam_vmptrld(TEST_VMCS);
	seam_model_set_vmcs_launched(TEST_VMCS);
	assert_int_equal(seamldr_get_info(&info_buf),
			 TDX_SEAMCALL_VMFAILINVALID);
	assert_int_equal(seam_model_launch_marks(), 0);
	assert_true(seam_model_backend_vmcs_launched(TEST_VMCS));
	assert_int_equal(seam_model_bad_launch_marks(), 0);
	assert_int_equal(seam_vmptrst(), TEST_VMCS);
}

/*
 * VMPTRLD after the call fails (fix for issue #11): the caller gets
 * SEAM_VMCS_RELOAD_FAILED, never the loader's status, and the log says
 * which VMCS and what the loader had answered.
 */
static void test_loader_vmcs_reload_fails(void **state)
{
	struct blob b = make_blob(1, 1);
	char line[128];

	(void)state;
	for (int op = 0; op < OP_COUNT; op++) {
		fake_serial_clear();
		assert_int_equal(seam_vmptrld(TEST_VMCS), 0);
		seam_model_fail_vmptrld(1);
		assert_int_equal(run_op(op), SEAM_VMCS_RELOAD_FAILED);
		assert_int_equal(seam_vmptrst(), NO_VMCS);
		assert_true(seam_model_irq_enabled());
		snprintf(line, sizeof(line),
			 "mhv: error: seam: cannot reload VMCS %#llx after "
			 "P-SEAMLDR leaf %#llx, which returned 0 "
			 "(SEAMLDR_SUCCESS)\n",
			 TEST_VMCS, (unsigned long long)op_leaf[op]);
		if (!fake_serial_contains(line))
			fail_msg("no \"%s\" in \"%s\"", line,
				 fake_serial_output());
	}

	/* A loader error is not what the caller sees either. */
	fake_serial_clear();
	assert_int_equal(seam_vmptrld(TEST_VMCS), 0);
	seam_model_inject_status(SEAMLDR_INSTALL, SEAMLDR_EBADSIG, 1);
	seam_model_fail_vmptrld(1);
	assert_int_equal(
		seamldr_install(b.mem, b.len, SEAMLDR_SCENARIO_LOAD, NULL, 0),
		SEAM_VMCS_RELOAD_FAILED);
	assert_true(fake_serial_contains(
		"which returned 0x8000000000020000 (SEAMLDR_EBADSIG)"));

	/* Nor when the SEAMCALL faulted and VMPTRLD failed anyway. */
	assert_int_equal(seam_vmptrld(TEST_VMCS), 0);
	seam_model_inject_fault(SEAM_FAULT_UD, 1);
	seam_model_fail_vmptrld(1);
	assert_int_equal(seamldr_get_info(&info_buf), SEAM_VMCS_RELOAD_FAILED);

	/* The next call, whose VMPTRLD works, is back to normal. */
	assert_int_equal(seam_vmptrld(TEST_VMCS), 0);
	assert_int_equal(seamldr_get_info(&info_buf), 0);
	assert_int_equal(seam_vmptrst(), TEST_VMCS);
	assert_string_equal(seam_status_name(SEAM_VMCS_RELOAD_FAILED, true),
			    "SEAM_VMCS_RELOAD_FAILED");
	free(b.mem);
}

/* IA32_VMX_BASIC[60] set: the loader keeps the VMCS; no save/restore. */
static void test_loader_vmcs_preserved(void **state)
{
	struct seam_model_config cfg = {.vmcs_preserved = true};

	(void)state;
	reset(&cfg);
	seam_model_set_current_vmcs(TEST_VMCS);
	seam_model_set_vmcs_launched(TEST_VMCS);
	for (int op = 0; op < OP_COUNT; op++) {
		assert_int_equal(run_op(op), 0);
		assert_int_equal(seam_model_current_vmcs(), TEST_VMCS);
		assert_true(seam_model_irq_enabled());
	}
	assert_int_equal(seam_model_vmptrst_count(), 0);
	assert_int_equal(seam_model_vmptrld_count(), 0);
	assert_int_equal(seam_model_vmcs_clobbers(), 0);
	/* still launched, and the backend still VMRESUMEs it */
	assert_int_equal(seam_model_launch_clears(), 0);
	assert_int_equal(seam_model_launch_marks(), 0);
	assert_true(seam_model_vmcs_launched(TEST_VMCS));
	assert_true(seam_model_backend_vmcs_launched(TEST_VMCS));
	assert_int_equal(seam_model_irq_violations(), 0);
	assert_int_equal(seam_model_loader_calls(), OP_COUNT);
}

/* --- entropy ------------------------------------------------------------- */

static void test_loader_entropy_retried(void **state)
{
	(void)state;
	seam_vmptrld(TEST_VMCS);
	seam_model_inject_entropy(SEAMLDR_INFO, 3);
	assert_int_equal(seamldr_get_info(&info_buf), 0);
	assert_int_equal(seam_model_calls(SEAMLDR_INFO), 4);
	assert_int_equal(info_buf.vendor_id, 0x8086);
	assert_int_equal(seam_vmptrst(), TEST_VMCS);
	assert_int_equal(seam_model_irq_violations(), 0);
}

static void test_loader_entropy_gives_up(void **state)
{
	(void)state;
	seam_vmptrld(TEST_VMCS);
	seam_model_inject_entropy(SEAMLDR_INFO, 20);
	assert_int_equal(seamldr_get_info(&info_buf), SEAMLDR_ENOENTROPY);
	assert_int_equal(seam_model_calls(SEAMLDR_INFO), SEAM_ENTROPY_TRIES);
	assert_int_equal(seam_vmptrst(), TEST_VMCS);
	assert_true(seam_model_irq_enabled());
}

static void module_up(void)
{
	seam_model_set_module(SEAM_MODULE_LOADED);
	assert_int_equal(tdx_sys_init(), 0);
	assert_int_equal(tdx_sys_lp_init(), 0);
}

static void test_module_entropy_retried(void **state)
{
	uint64_t v = 0;

	(void)state;
	module_up();
	seam_model_inject_entropy(TDH_SYS_RD, 3);
	assert_int_equal(tdx_sys_rd(MD_FIELD_MAJOR_VERSION, &v), 0);
	assert_int_equal(v, SEAM_MODEL_MAJOR);
	assert_int_equal(seam_model_calls(TDH_SYS_RD), 4);

	/* Compared by the upper 32 bits: an operand ID does not matter. */
	seam_model_inject_status(TDH_SYS_RD, TDX_RND_NO_ENTROPY | 0x12, 2);
	assert_int_equal(tdx_sys_rd(MD_FIELD_MINOR_VERSION, &v), 0);
	assert_int_equal(v, SEAM_MODEL_MINOR);
	assert_int_equal(seam_model_calls(TDH_SYS_RD), 4 + 3);
}

static void test_module_entropy_gives_up(void **state)
{
	uint64_t v = 0xdead;

	(void)state;
	module_up();
	seam_model_inject_entropy(TDH_SYS_RD, 20);
	assert_int_equal(tdx_sys_rd(MD_FIELD_MAJOR_VERSION, &v),
			 TDX_RND_NO_ENTROPY);
	assert_int_equal(seam_model_calls(TDH_SYS_RD), SEAM_ENTROPY_TRIES);
	assert_int_equal(v, 0xdead); /* not written on failure */
}

/* Each target has its own entropy code; the other one is final. */
static void test_entropy_codes_not_crossed(void **state)
{
	uint64_t v;

	(void)state;
	module_up();
	seam_model_inject_status(TDH_SYS_RD, SEAMLDR_ENOENTROPY, 5);
	assert_int_equal(tdx_sys_rd(MD_FIELD_MAJOR_VERSION, &v),
			 SEAMLDR_ENOENTROPY);
	assert_int_equal(seam_model_calls(TDH_SYS_RD), 1);

	seam_model_inject_status(SEAMLDR_INFO, TDX_RND_NO_ENTROPY, 5);
	assert_int_equal(seamldr_get_info(&info_buf), TDX_RND_NO_ENTROPY);
	assert_int_equal(seam_model_calls(SEAMLDR_INFO), 1);
}

/* --- TDH.SYS.DISABLE ---------------------------------------------------- */

static void test_disable_loops_until_done(void **state)
{
	struct seam_model_disable d = {.resumable = 3, .busy = 2};
	unsigned long calls = 0;
	uint64_t v;

	(void)state;
	module_up();
	seam_model_set_disable(&d);
	assert_int_equal(tdx_sys_disable(&calls), 0);
	assert_int_equal(calls, 6);
	assert_int_equal(seam_model_calls(TDH_SYS_DISABLE), 6);
	assert_int_equal(seam_model_module_state(), SEAM_MODULE_DISABLED);
	/* Every SEAMCALL fails afterwards. */
	assert_int_equal(tdx_sys_rd(MD_FIELD_MAJOR_VERSION, &v),
			 TDX_SEAMCALL_VMFAILINVALID);
}

static void test_disable_interleaved(void **state)
{
	struct seam_model_disable d = {
		.resumable = 4, .busy = 3, .interleave = true};
	unsigned long calls = 0;

	(void)state;
	module_up();
	seam_model_set_disable(&d);
	assert_int_equal(tdx_sys_disable(&calls), 0);
	assert_int_equal(calls, 8);
	assert_int_equal(seam_model_module_state(), SEAM_MODULE_DISABLED);
	/* NULL for the count is allowed */
	assert_int_equal(tdx_sys_disable(NULL), TDX_SEAMCALL_VMFAILINVALID);
}

static void test_disable_stops_on_final_error(void **state)
{
	struct seam_model_disable old = {.final_status = TDX_OPERAND_INVALID};
	struct seam_model_disable late = {.resumable = 2,
					  .final_status = TDX_OPERAND_INVALID};
	unsigned long calls = 0;

	(void)state;
	module_up();
	seam_model_set_disable(&old);
	assert_int_equal(tdx_sys_disable(&calls), TDX_OPERAND_INVALID);
	assert_int_equal(calls, 1);

	seam_model_set_disable(&late);
	assert_int_equal(tdx_sys_disable(&calls), TDX_OPERAND_INVALID);
	assert_int_equal(calls, 3);
	assert_int_equal(seam_model_module_state(), SEAM_MODULE_READY);
}

static void test_disable_not_ready_or_shut_down(void **state)
{
	unsigned long calls = 0;

	(void)state;
	seam_model_set_module(SEAM_MODULE_LOADED); /* never initialized */
	assert_int_equal(tdx_sys_disable(&calls), TDX_SYS_NOT_READY);
	assert_int_equal(calls, 1);

	module_up();
	assert_int_equal(tdx_sys_shutdown(SEAM_MODEL_MODULE_HV), 0);
	assert_int_equal(tdx_sys_disable(&calls), TDX_SYS_SHUTDOWN);
	assert_int_equal(calls, 1);
	assert_int_equal(seam_model_calls(TDH_SYS_DISABLE), 2);
}

static void test_disable_without_module(void **state)
{
	struct seam_model_config no_seam = {.seam_absent = true};
	unsigned long calls = 0;

	(void)state;
	assert_int_equal(tdx_sys_disable(&calls), TDX_SEAMCALL_VMFAILINVALID);
	assert_int_equal(calls, 1);

	reset(&no_seam);
	assert_int_equal(tdx_sys_disable(&calls), TDX_SEAMCALL_UD);
	assert_int_equal(calls, 1);
}

/* --- SEAMLDR.INSTALL of a TDX-BLOB -------------------------------------- */

/* Refused before any SEAMCALL, with a reason naming `why`. */
static void refused(const void *mem, size_t len, const char *why)
{
	struct seamldr_params params;
	char err[160] = "";

	assert_int_equal(seamldr_install(mem, len, SEAMLDR_SCENARIO_LOAD, err,
					 sizeof(err)),
			 TDX_SW_ERROR);
	if (!strstr(err, why))
		fail_msg("error \"%s\" does not mention \"%s\"", err, why);
	assert_int_equal(seam_model_total_calls(), 0);
	assert_int_equal(seam_model_loader_calls(), 0);

	err[0] = '\0';
	assert_int_equal(seamldr_build_params(mem, len, SEAMLDR_SCENARIO_LOAD,
					      &params, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, why));
}

static void test_install_refuses_malformed(void **state)
{
	struct blob b = make_blob(1, 2);
	struct blob big = make_blob(1, SEAMLDR_MAX_MODULE_PAGES + 1);
	struct blob two_sig = make_blob(2, 2);

	(void)state;
	hdr(&b)->version = 0x100;
	refused(b.mem, b.len, "version");
	hdr(&b)->version = TDX_BLOB_VERSION;

	hdr(&b)->signature[0] = 'X';
	refused(b.mem, b.len, "signature");
	hdr(&b)->signature[0] = 'T';

	hdr(&b)->module_pages = 0;
	refused(b.mem, PG * 2, "module pages");
	hdr(&b)->module_pages = 2;

	refused(big.mem, big.len, "module pages"); /* 497 */
	refused(two_sig.mem, two_sig.len, "sigstruct");
	hdr(&b)->sigstruct_pages = 0;
	refused(b.mem, PG * 3, "sigstruct");
	hdr(&b)->sigstruct_pages = 1;

	refused(b.mem, b.len - PG, "bytes");
	refused(b.mem, b.len + PG, "bytes");
	refused(b.mem, b.len - 1, "bytes");

	hdr(&b)->reserved[100] = 1;
	refused(b.mem, b.len, "reserved");
	hdr(&b)->reserved[100] = 0;

	/* the same image, 64 bytes off a page boundary */
	memmove(b.mem + 64, b.mem, b.len);
	refused(b.mem + 64, b.len, "aligned");
	memmove(b.mem, b.mem + 64, b.len);

	refused(b.mem, PG - 1, "shorter");
	refused(b.mem, 0, "shorter");
	refused(NULL, b.len, "shorter");

	/* and the image itself was fine all along */
	assert_int_equal(
		seamldr_install(b.mem, b.len, SEAMLDR_SCENARIO_LOAD, NULL, 0),
		0);
	assert_int_equal(seam_model_installs(), 1);
	free(b.mem);
	free(big.mem);
	free(two_sig.mem);
}

static void check_params(const struct seamldr_params *p, const struct blob *b,
			 uint32_t mod_pages, uint32_t scenario)
{
	uint64_t base = (uint64_t)(uintptr_t)b->mem;

	assert_int_equal(p->version, 0);
	assert_int_equal(p->scenario, scenario);
	assert_int_equal(p->sigstruct_pa, base + PG);
	assert_int_equal(p->num_module_pages, mod_pages);
	for (uint32_t i = 0; i < mod_pages; i++)
		assert_int_equal(p->module_pages_pa[i], base + PG * (2 + i));
	for (uint32_t i = mod_pages; i < SEAMLDR_MAX_MODULE_PAGES; i++)
		assert_int_equal(p->module_pages_pa[i], 0);
	for (size_t i = 0; i < sizeof(p->reserved); i++)
		assert_int_equal(p->reserved[i], 0);
}

static void test_install_good_blob(void **state)
{
	struct blob b = make_blob(1, 3);
	struct blob max = make_blob(1, SEAMLDR_MAX_MODULE_PAGES);
	struct seamldr_params p;
	char err[128] = "";

	(void)state;
	seam_vmptrld(TEST_VMCS);
	assert_int_equal(seamldr_install(b.mem, b.len, SEAMLDR_SCENARIO_LOAD,
					 err, sizeof(err)),
			 0);
	assert_int_equal(seam_model_calls(SEAMLDR_INSTALL), 1);
	assert_int_equal(seam_model_installs(), 1);
	assert_int_equal(seam_model_module_state(), SEAM_MODULE_LOADED);
	assert_true(seam_model_last_params(&p));
	check_params(&p, &b, 3, SEAMLDR_SCENARIO_LOAD);
	/* the pages it points at are the image's */
	assert_int_equal(*(uint8_t *)(uintptr_t)p.sigstruct_pa, 0x5a);
	assert_int_equal(*(uint8_t *)(uintptr_t)p.module_pages_pa[2], 3);
	assert_int_equal(seam_vmptrst(), TEST_VMCS);

	assert_int_equal(seamldr_build_params(max.mem, max.len,
					      SEAMLDR_SCENARIO_UPDATE, &p, err,
					      sizeof(err)),
			 0);
	check_params(&p, &max, SEAMLDR_MAX_MODULE_PAGES,
		     SEAMLDR_SCENARIO_UPDATE);
	assert_int_equal(seamldr_install(max.mem, max.len,
					 SEAMLDR_SCENARIO_UPDATE, err,
					 sizeof(err)),
			 0);
	assert_int_equal(seam_model_installs(), 2);
	assert_true(seam_model_last_params(&p));
	check_params(&p, &max, SEAMLDR_MAX_MODULE_PAGES,
		     SEAMLDR_SCENARIO_UPDATE);
	free(b.mem);
	free(max.mem);
}

/* A loader that refuses the params: its status comes back unchanged. */
static void test_install_loader_refuses(void **state)
{
	struct blob b = make_blob(1, 1);

	(void)state;
	seam_model_inject_status(SEAMLDR_INSTALL, SEAMLDR_EBADSIG, 1);
	assert_int_equal(
		seamldr_install(b.mem, b.len, SEAMLDR_SCENARIO_LOAD, NULL, 0),
		SEAMLDR_EBADSIG);
	assert_int_equal(seam_model_calls(SEAMLDR_INSTALL), 1);
	assert_int_equal(seam_model_installs(), 0);
	free(b.mem);
}

/* --- one CPU at a time ------------------------------------------------- */

#define THREADS 4
#define CALLS 50

static pthread_barrier_t start;

struct worker {
	int id;
	bool raw; /* the model's SEAMCALL without the layer */
	unsigned long ok, vmfail, other, vmcs_lost;
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	struct seamldr_info *info = aligned_alloc(256, sizeof(*info));
	uint64_t vmcs = 0x100000ULL * (uint64_t)(w->id + 1);

	/* each CPU has its own current VMCS */
	seam_vmptrld(vmcs);
	pthread_barrier_wait(&start);
	for (int i = 0; i < CALLS; i++) {
		uint64_t ret;

		if (w->raw) {
			struct seam_args a = {.rcx = (uintptr_t)info};

			seam_model_set_irq(false);
			ret = seamcall_ret(SEAMLDR_INFO, &a);
		} else {
			ret = seamldr_get_info(info);
			if (seam_vmptrst() != vmcs)
				w->vmcs_lost++;
		}
		if (ret == 0)
			w->ok++;
		else if (ret == TDX_SEAMCALL_VMFAILINVALID)
			w->vmfail++;
		else
			w->other++;
	}
	free(info);
	return NULL;
}

static void run_workers(struct worker *w, bool raw)
{
	pthread_t t[THREADS];

	pthread_barrier_init(&start, NULL, THREADS);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){.id = i, .raw = raw};
		assert_int_equal(pthread_create(&t[i], NULL, worker, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start);
}

static void test_loader_serialized(void **state)
{
	struct worker w[THREADS];

	(void)state;
	seam_model_set_hold_ns(50 * 1000);
	run_workers(w, false);
	assert_int_equal(seam_model_overlaps(), 0);
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(w[i].ok, CALLS);
		assert_int_equal(w[i].vmcs_lost, 0);
	}
	assert_int_equal(seam_model_loader_calls(), THREADS * CALLS);
	assert_int_equal(seam_model_irq_violations(), 0);
	assert_int_equal(seam_model_irq_window_violations(), 0);
	assert_int_equal(seam_model_vmcs_clobbers(), THREADS * CALLS);
	assert_int_equal(seam_model_launch_marks(), THREADS * CALLS);
	assert_int_equal(seam_model_bad_launch_marks(), 0);
}

/* The check above could fail: without the lock the model sees overlaps. */
static void test_model_catches_overlap(void **state)
{
	struct worker w[THREADS];
	unsigned long vmfail = 0, ok = 0;

	(void)state;
	seam_model_set_hold_ns(200 * 1000);
	run_workers(w, true);
	for (int i = 0; i < THREADS; i++) {
		vmfail += w[i].vmfail;
		ok += w[i].ok;
		assert_int_equal(w[i].other, 0);
	}
	assert_true(seam_model_overlaps() > 0);
	assert_int_equal(vmfail, seam_model_overlaps());
	assert_int_equal(ok + vmfail, THREADS * CALLS);
}

/* --- faults ---------------------------------------------------------------- */

static void test_seam_absent(void **state)
{
	struct seam_model_config cfg = {.seam_absent = true};

	(void)state;
	reset(&cfg);
	seam_vmptrld(TEST_VMCS);
	seam_model_set_vmcs_launched(TEST_VMCS);
	assert_int_equal(seamldr_get_info(&info_buf), TDX_SEAMCALL_UD);
	assert_int_equal(seam_model_calls(SEAMLDR_INFO), 1);
	assert_int_equal(seam_vmptrst(), TEST_VMCS);
	assert_true(seam_model_backend_vmcs_launched(TEST_VMCS));
	assert_true(seam_model_irq_enabled());
	assert_int_equal(seam_model_irq_violations(), 0);
	assert_int_equal(seam_model_vmcs_clobbers(), 0);
	assert_int_equal(tdx_sys_init(), TDX_SEAMCALL_UD);
	assert_int_equal(seam_model_calls(TDH_SYS_INIT), 1);
}

static void test_seamrr_disabled(void **state)
{
	struct seam_model_config cfg = {.seamrr_disabled = true,
					.module = SEAM_MODULE_LOADED};

	(void)state;
	reset(&cfg);
	seam_vmptrld(TEST_VMCS);
	assert_int_equal(seamldr_get_info(&info_buf), TDX_SEAMCALL_GP);
	assert_int_equal(seam_vmptrst(), TEST_VMCS);
	assert_int_equal(tdx_sys_init(), TDX_SEAMCALL_GP);
	assert_int_equal(seam_model_total_calls(), 2);
}

static void test_injected_faults(void **state)
{
	struct seam_args a = {.rcx = 0x1111, .rdx = 0x2222, .r8 = 0x3333};

	(void)state;
	seam_vmptrld(TEST_VMCS);
	seam_model_inject_fault(SEAM_FAULT_GP, 1);
	assert_int_equal(seamldr_get_info(&info_buf), TDX_SEAMCALL_GP);
	assert_int_equal(seamldr_get_info(&info_buf), 0);
	assert_int_equal(seam_vmptrst(), TEST_VMCS);

	seam_model_inject_fault(SEAM_FAULT_UD, 1);
	assert_int_equal(seamldr_shutdown(), TDX_SEAMCALL_UD);

	/* VMfailInvalid: the block is left as it was */
	module_up();
	seam_model_inject_fault(SEAM_FAULT_VMFAIL, 1);
	a.rdx = MD_FIELD_MAJOR_VERSION;
	assert_int_equal(seamcall_ret(TDH_SYS_RD, &a),
			 TDX_SEAMCALL_VMFAILINVALID);
	assert_int_equal(a.rcx, 0x1111);
	assert_int_equal(a.rdx, MD_FIELD_MAJOR_VERSION);
	assert_int_equal(a.r8, 0x3333);
}

static void test_loader_absent(void **state)
{
	struct seam_model_config cfg = {.loader_absent = true};

	(void)state;
	reset(&cfg);
	seam_vmptrld(TEST_VMCS);
	assert_int_equal(seamldr_get_info(&info_buf),
			 TDX_SEAMCALL_VMFAILINVALID);
	assert_int_equal(seam_model_calls(SEAMLDR_INFO), 1); /* not retried */
	assert_int_equal(seam_vmptrst(), TEST_VMCS);
	assert_true(seam_model_irq_enabled());
}

/* --- status names ---------------------------------------------------------- */

static void test_status_names(void **state)
{
	char buf[128];

	(void)state;
	assert_string_equal(seam_status_name(TDX_SEAMCALL_UD, false),
			    "TDX_SEAMCALL_UD");
	assert_string_equal(seam_status_name(TDX_SEAMCALL_UD, true),
			    "TDX_SEAMCALL_UD");
	assert_string_equal(seam_status_name(TDX_SEAMCALL_GP, true),
			    "TDX_SEAMCALL_GP");
	assert_string_equal(seam_status_name(TDX_SEAMCALL_VMFAILINVALID, false),
			    "TDX_SEAMCALL_VMFAILINVALID");
	assert_string_equal(seam_status_name(SEAMLDR_ENOENTROPY, true),
			    "SEAMLDR_ENOENTROPY");
	assert_string_equal(seam_status_name(SEAMLDR_EBADPARAM, true),
			    "SEAMLDR_EBADPARAM");
	assert_string_equal(seam_status_name(TDX_SYS_BUSY | 0x1234, false),
			    "TDX_SYS_BUSY");
	assert_string_equal(seam_status_name(TDX_RND_NO_ENTROPY, false),
			    "TDX_RND_NO_ENTROPY");
	assert_string_equal(seam_status_name(TDX_SUCCESS, false),
			    "TDX_SUCCESS");

	/* unknown: class and details spelled out */
	seam_status_format(0xc000123400000056ULL, false, buf, sizeof(buf));
	assert_non_null(strstr(buf, "0xc000123400000056"));
	assert_non_null(strstr(buf, "class 0x12"));
	assert_non_null(strstr(buf, "0x34"));
	assert_non_null(strstr(buf, "0x56"));
	seam_status_format(TDX_SYS_BUSY | 0x1234, false, buf, sizeof(buf));
	assert_non_null(strstr(buf, "TDX_SYS_BUSY"));
	assert_non_null(strstr(buf, "0x8000020200001234"));
	/* a loader code is not a module code, and the other way round */
	seam_status_format(SEAMLDR_ENOENTROPY, false, buf, sizeof(buf));
	assert_null(strstr(buf, "SEAMLDR"));
	seam_status_format(TDX_SYS_BUSY, true, buf, sizeof(buf));
	assert_null(strstr(buf, "TDX_SYS_BUSY"));
	/* a short buffer stays terminated */
	seam_status_format(TDX_SYS_BUSY, false, buf, 8);
	assert_true(strlen(buf) < 8);

	assert_true(seam_status_is_sw(TDX_SEAMCALL_UD));
	assert_true(seam_status_is_sw(TDX_SEAMCALL_VMFAILINVALID));
	assert_true(seam_status_is_sw(TDX_SW_ERROR));
	assert_false(seam_status_is_sw(TDX_SYS_BUSY));
	assert_false(seam_status_is_sw(SEAMLDR_ENOENTROPY));
	assert_false(seam_status_is_sw(0));
}

/* --- the TDX module -------------------------------------------------------- */

static void test_module_flow(void **state)
{
	struct tdx_module_version v;
	struct seam_args a = {0};
	uint64_t val, features = 0;

	(void)state;
	seam_model_set_module(SEAM_MODULE_LOADED);
	assert_int_equal(tdx_sys_rd(MD_FIELD_MAJOR_VERSION, &val),
			 TDX_SYS_LP_INIT_NOT_DONE);
	assert_int_equal(tdx_sys_lp_init(), SEAM_MODEL_SYS_LP_INIT_NOT_PENDING);
	assert_int_equal(tdx_sys_init(), 0);
	assert_int_equal(tdx_sys_init(), TDX_SYS_INIT_NOT_PENDING);
	assert_int_equal(tdx_sys_lp_init(), 0);
	assert_int_equal(tdx_sys_lp_init(), TDX_SYS_LP_INIT_DONE);

	memset(&v, 0xff, sizeof(v));
	assert_int_equal(tdx_read_version(&v), 0);
	assert_int_equal(v.major, 1);
	assert_int_equal(v.minor, 5);
	assert_int_equal(v.update, 6);
	assert_int_equal(v.internal, 0);
	assert_int_equal(v.build_num, 742);
	assert_int_equal(v.build_date, 20250101);
	assert_int_equal(tdx_read_features(&features), 0);
	assert_int_equal(features, SEAM_MODEL_FEATURES0);
	assert_int_equal(tdx_sys_rd(0x1234, &val), TDX_OPERAND_INVALID);

	assert_int_equal(tdx_sys_rd(MD_FIELD_MODULE_HV, &val), 0);
	assert_int_equal(tdx_sys_shutdown(val), 0);
	assert_int_equal(seam_model_last_handoff(), SEAM_MODEL_MODULE_HV);
	assert_int_equal(seam_model_module_state(), SEAM_MODULE_SHUTDOWN);

	assert_int_equal(tdx_sys_init(), TDX_SYS_SHUTDOWN);
	assert_int_equal(tdx_sys_lp_init(), TDX_SYS_SHUTDOWN);
	assert_int_equal(tdx_sys_rd(MD_FIELD_MAJOR_VERSION, &val),
			 TDX_SYS_SHUTDOWN);
	assert_int_equal(tdx_read_version(&v), TDX_SYS_SHUTDOWN);
	assert_int_equal(tdx_sys_shutdown(0), TDX_SYS_SHUTDOWN);
	assert_int_equal(tdx_sys_update(), TDX_SYS_SHUTDOWN);
	assert_int_equal(tdx_sys_disable(NULL), TDX_SYS_SHUTDOWN);
	/* all but LP.SHUTDOWN */
	assert_int_equal(seamcall(TDH_SYS_LP_SHUTDOWN, &a), 0);
}

/* LP.INIT is per logical CPU. */
static void *other_cpu(void *arg)
{
	uint64_t *ret = arg, val;

	ret[0] = tdx_sys_rd(MD_FIELD_MAJOR_VERSION, &val);
	ret[1] = tdx_sys_lp_init();
	ret[2] = tdx_sys_rd(MD_FIELD_MAJOR_VERSION, &val);
	ret[3] = val;
	return NULL;
}

static void test_module_lp_init_per_cpu(void **state)
{
	uint64_t ret[4] = {0};
	pthread_t t;

	(void)state;
	module_up();
	assert_int_equal(pthread_create(&t, NULL, other_cpu, ret), 0);
	pthread_join(t, NULL);
	assert_int_equal(ret[0], TDX_SYS_LP_INIT_NOT_DONE);
	assert_int_equal(ret[1], 0);
	assert_int_equal(ret[2], 0);
	assert_int_equal(ret[3], SEAM_MODEL_MAJOR);
}

/* Linux's update order on one CPU. */
static void test_update_flow(void **state)
{
	struct blob b = make_blob(1, 4);
	uint64_t hv;

	(void)state;
	module_up();
	seam_vmptrld(TEST_VMCS);
	assert_int_equal(tdx_sys_update(), TDX_SYS_INVALID_HANDOFF);
	assert_int_equal(tdx_sys_rd(MD_FIELD_MODULE_HV, &hv), 0);
	assert_int_equal(tdx_sys_shutdown(hv), 0);
	assert_int_equal(
		seamldr_install(b.mem, b.len, SEAMLDR_SCENARIO_UPDATE, NULL, 0),
		0);
	assert_int_equal(seam_vmptrst(), TEST_VMCS);
	assert_int_equal(seamldr_get_info(&info_buf), 0);
	assert_int_equal(info_buf.seam_ready, 1);
	assert_int_equal(tdx_sys_init(), 0);
	assert_int_equal(tdx_sys_lp_init(), 0);
	assert_int_equal(tdx_sys_update(), 0);
	assert_int_equal(seam_model_updates(), 1);
	assert_int_equal(tdx_sys_update(), TDX_SYS_STATE_INCORRECT);
	free(b.mem);
}

/* The model's register contract, which the layer relies on. */
static void test_seamcall_outputs(void **state)
{
	struct seam_args a;

	(void)state;
	module_up();
	a = (struct seam_args){.rdx = MD_FIELD_MAJOR_VERSION, .r8 = 7};
	assert_int_equal(seamcall(TDH_SYS_RD, &a), 0);
	assert_int_equal(a.r8, 7); /* no outputs */
	assert_int_equal(seamcall_ret(TDH_SYS_RD, &a), 0);
	assert_int_equal(a.r8, SEAM_MODEL_MAJOR);
	assert_int_equal(a.rdx, MD_FIELD_UPDATE_VERSION); /* the next one */
	a = (struct seam_args){.rdx = MD_FIELD_MODULE_HV, .r12 = 12};
	assert_int_equal(seamcall_saved_ret(TDH_SYS_RD, &a), 0);
	assert_int_equal(a.r8, SEAM_MODEL_MODULE_HV);
	assert_int_equal(a.rdx, ~0ULL); /* the last field */
	assert_int_equal(a.r12, 12);
}

/* --- the loader's answers -------------------------------------------------- */

static void test_loader_info(void **state)
{
	struct seam_model_config cfg = {.num_remaining_updates = 7,
					.acm_x2apicid = 3};
	struct seam_args a;

	(void)state;
	reset(&cfg);
	memset(&info_buf, 0xcc, sizeof(info_buf));
	assert_int_equal(seamldr_get_info(&info_buf), 0);
	assert_int_equal(info_buf.vendor_id, 0x8086);
	assert_int_equal(info_buf.major_version, SEAM_MODEL_LDR_MAJOR);
	assert_int_equal(info_buf.p_seamldr_ready, 1);
	assert_int_equal(info_buf.seam_ready, 0);
	assert_int_equal(info_buf.num_remaining_updates, 7);
	assert_int_equal(info_buf.acm_x2apicid, 3);

	seamldr_print_info(&info_buf);
	assert_true(fake_serial_contains("vendor 0x8086"));
	assert_true(fake_serial_contains("7 updates left"));
	assert_true(fake_serial_contains("not loaded"));

	seam_model_set_module(SEAM_MODULE_LOADED);
	assert_int_equal(seamldr_get_info(&info_buf), 0);
	assert_int_equal(info_buf.seam_ready, 1);

	/* misaligned output buffer, unknown leaf */
	seam_vmptrld(TEST_VMCS);
	a = (struct seam_args){.rcx = (uintptr_t)&info_buf + 16};
	assert_int_equal(seamldr_call(SEAMLDR_INFO, &a), SEAMLDR_EBADPARAM);
	a = (struct seam_args){0};
	assert_int_equal(seamldr_call(SEAMLDR_LEAF_BIT | 0x77, &a),
			 SEAMLDR_EBADCALL);
	assert_int_equal(seam_vmptrst(), TEST_VMCS);
	assert_int_equal(seam_model_irq_violations(), 0);
}

static void test_loader_seaminfo_and_shutdown(void **state)
{
	(void)state;
	memset(seaminfo_page, 0, sizeof(seaminfo_page));
	assert_int_equal(seamldr_get_seaminfo(seaminfo_page), 0);
	for (unsigned int i = 0; i < sizeof(seaminfo_page); i++)
		assert_int_equal(seaminfo_page[i], seam_model_seaminfo_byte(i));
	assert_int_equal(seamldr_get_seaminfo(seaminfo_page + 256),
			 SEAMLDR_EBADPARAM);

	seam_model_set_module(SEAM_MODULE_LOADED);
	assert_int_equal(seamldr_shutdown(), 0);
	assert_int_equal(seam_model_module_state(), SEAM_MODULE_ABSENT);
	assert_int_equal(tdx_sys_init(), TDX_SEAMCALL_VMFAILINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abi_pinned),
		cmocka_unit_test_setup(test_loader_restores_vmcs_irq_on, setup),
		cmocka_unit_test_setup(test_loader_restores_vmcs_irq_off,
				       setup),
		cmocka_unit_test_setup(test_loader_no_vmcs_no_reload, setup),
		cmocka_unit_test_setup(test_loader_vmcs_preserved, setup),
		cmocka_unit_test_setup(test_loader_launch_state, setup),
		cmocka_unit_test_setup(test_loader_vmcs_reload_fails, setup),
		cmocka_unit_test_setup(test_loader_entropy_retried, setup),
		cmocka_unit_test_setup(test_loader_entropy_gives_up, setup),
		cmocka_unit_test_setup(test_module_entropy_retried, setup),
		cmocka_unit_test_setup(test_module_entropy_gives_up, setup),
		cmocka_unit_test_setup(test_entropy_codes_not_crossed, setup),
		cmocka_unit_test_setup(test_disable_loops_until_done, setup),
		cmocka_unit_test_setup(test_disable_interleaved, setup),
		cmocka_unit_test_setup(test_disable_stops_on_final_error,
				       setup),
		cmocka_unit_test_setup(test_disable_not_ready_or_shut_down,
				       setup),
		cmocka_unit_test_setup(test_disable_without_module, setup),
		cmocka_unit_test_setup(test_install_refuses_malformed, setup),
		cmocka_unit_test_setup(test_install_good_blob, setup),
		cmocka_unit_test_setup(test_install_loader_refuses, setup),
		cmocka_unit_test_setup(test_loader_serialized, setup),
		cmocka_unit_test_setup(test_model_catches_overlap, setup),
		cmocka_unit_test_setup(test_seam_absent, setup),
		cmocka_unit_test_setup(test_seamrr_disabled, setup),
		cmocka_unit_test_setup(test_injected_faults, setup),
		cmocka_unit_test_setup(test_loader_absent, setup),
		cmocka_unit_test_setup(test_status_names, setup),
		cmocka_unit_test_setup(test_module_flow, setup),
		cmocka_unit_test_setup(test_module_lp_init_per_cpu, setup),
		cmocka_unit_test_setup(test_update_flow, setup),
		cmocka_unit_test_setup(test_seamcall_outputs, setup),
		cmocka_unit_test_setup(test_loader_info, setup),
		cmocka_unit_test_setup(test_loader_seaminfo_and_shutdown,
				       setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
