// SPDX-License-Identifier: MIT
/*
 * Calls to the P-SEAMLDR. Its rules, all in seamldr_call(): interrupts
 * off, one CPU inside at a time, the current VMCS saved before and
 * reloaded after (SEAMRET from the loader clears it unless
 * IA32_VMX_BASIC[60] says otherwise) and known to the VMX backend as not
 * launched, and ENOENTROPY retried.
 */
#include "core/host/log.h"
#include "lib/fmt.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "tdx/tdx.h"

#define NO_VMCS (~0ULL)

static struct spinlock seamldr_lock = SPINLOCK_INIT;
static bool vmcs_preserved;

void seamldr_set_vmcs_preserved(bool preserved)
{
	vmcs_preserved = preserved;
}

/*
 * The stubs' own codes (class 0xff, which the P-SEAMLDR never uses: its
 * codes are class 0) mean the SEAMCALL faulted or failed with CF=1: the
 * loader was not entered, and no SEAMRET touched the current VMCS.
 */
static bool loader_entered(uint64_t stub_ret)
{
	return !seam_status_is_sw(stub_ret);
}

uint64_t seamldr_call(uint64_t leaf, struct seam_args *args)
{
	struct seam_args in = *args;
	uint64_t flags, vmcs = NO_VMCS, ret;
	bool entered = false, reloaded = true;
	int tries = 0;

	flags = seam_irq_save();
	spin_lock(&seamldr_lock);
	if (!vmcs_preserved)
		vmcs = seam_vmptrst();
	do {
		*args = in; /* a failed try may have changed the outputs */
		ret = seamcall_ret(leaf, args);
		entered |= loader_entered(ret);
	} while (ret == SEAMLDR_ENOENTROPY && ++tries < SEAM_ENTROPY_TRIES);
	/* Reload only a pointer that was valid: VMPTRST gives all ones if none. */
	if (vmcs != NO_VMCS) {
		/*
		 * SEAMRET from the loader left that VMCS clear, as VMCLEAR
		 * would (TDX CPU Architectural Extensions, ch. 2.3): VMPTRLD
		 * brings it back, but not launched.
		 */
		if (entered)
			seam_vmcs_launch_cleared(vmcs);
		reloaded = !seam_vmptrld(vmcs);
	}
	spin_unlock(&seamldr_lock);
	seam_irq_restore(flags);
	if (!reloaded) {
		char buf[96];

		/* The loader's answer would hide that the VMCS is gone. */
		seam_status_format(ret, true, buf, sizeof(buf));
		pr_err("seam: cannot reload VMCS %#lx after P-SEAMLDR leaf "
		       "%#lx, which returned %s\n",
		       vmcs, leaf, buf);
		return SEAM_VMCS_RELOAD_FAILED;
	}
	return ret;
}

uint64_t seamldr_get_info(struct seamldr_info *info)
{
	struct seam_args args = {.rcx = (uint64_t)(uintptr_t)info};

	return seamldr_call(SEAMLDR_INFO, &args);
}

uint64_t seamldr_get_seaminfo(void *page)
{
	struct seam_args args = {.rcx = (uint64_t)(uintptr_t)page};

	return seamldr_call(SEAMLDR_SEAMINFO, &args);
}

uint64_t seamldr_shutdown(void)
{
	struct seam_args args = {0};

	return seamldr_call(SEAMLDR_SHUTDOWN, &args);
}

void seamldr_print_info(const struct seamldr_info *i)
{
	pr_info("seam: P-SEAMLDR %u.%u.%u build %u (%u)%s, vendor %#x, "
		"%u updates left, ACM on x2APIC %u\n",
		i->major_version, i->minor_version, i->update_version,
		i->build_num, i->build_date,
		i->attributes & (1u << 31) ? " debug" : "", i->vendor_id,
		i->num_remaining_updates, i->acm_x2apicid);
	pr_info("seam: loader %s, SEAM module %s%s\n",
		i->p_seamldr_ready ? "ready" : "not ready",
		i->seam_ready ? "ready" : "not loaded",
		i->seam_debug ? " (debug)" : "");
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

int seamldr_build_params(const void *blob, size_t len, uint32_t scenario,
			 struct seamldr_params *params, char *err,
			 size_t errlen)
{
	const struct tdx_blob_header *h = blob;
	uint64_t base = (uint64_t)(uintptr_t)blob;
	uint64_t want;

	if (!blob || len < sizeof(*h)) {
		fmt_snprintf(err, errlen,
			     "TDX-BLOB of %lu bytes is shorter than its 4 KiB "
			     "header",
			     (unsigned long)len);
		return -1;
	}
	if (base & (PAGE_SIZE - 1)) {
		fmt_snprintf(err, errlen,
			     "TDX-BLOB at %#lx is not 4 KiB aligned (the "
			     "loader takes page addresses)",
			     base);
		return -1;
	}
	if (memcmp(h->signature, TDX_BLOB_SIGNATURE, sizeof(h->signature))) {
		fmt_snprintf(err, errlen, "not a TDX-BLOB (bad signature)");
		return -1;
	}
	if (h->version != TDX_BLOB_VERSION) {
		fmt_snprintf(err, errlen,
			     "TDX-BLOB version %#x is not supported (only "
			     "%#x)",
			     h->version, TDX_BLOB_VERSION);
		return -1;
	}
	if (h->sigstruct_pages < 1 ||
	    h->sigstruct_pages > SEAMLDR_MAX_SIGSTRUCT_PAGES ||
	    h->module_pages < 1 || h->module_pages > SEAMLDR_MAX_MODULE_PAGES) {
		fmt_snprintf(err, errlen,
			     "TDX-BLOB has %u sigstruct and %u module pages "
			     "(the loader takes 1 and 1-%u)",
			     h->sigstruct_pages, h->module_pages,
			     SEAMLDR_MAX_MODULE_PAGES);
		return -1;
	}
	want = PAGE_SIZE * (1ULL + h->sigstruct_pages + h->module_pages);
	if (len != want) {
		fmt_snprintf(err, errlen,
			     "TDX-BLOB is %lu bytes but its header describes "
			     "%lu",
			     (unsigned long)len, want);
		return -1;
	}
	if (!all_zero(h->reserved, sizeof(h->reserved))) {
		fmt_snprintf(err, errlen,
			     "TDX-BLOB header has non-zero reserved bytes");
		return -1;
	}

	memset(params, 0, sizeof(*params));
	params->version = 0;
	params->scenario = scenario;
	params->sigstruct_pa = base + PAGE_SIZE;
	params->num_module_pages = h->module_pages;
	for (uint32_t i = 0; i < h->module_pages; i++)
		params->module_pages_pa[i] =
			base + PAGE_SIZE * (1ULL + h->sigstruct_pages + i);
	return 0;
}

uint64_t seamldr_install(const void *blob, size_t len, uint32_t scenario,
			 char *err, size_t errlen)
{
	static struct seamldr_params params __aligned(4096);
	struct seam_args args = {.rcx = (uint64_t)(uintptr_t)&params};

	if (seamldr_build_params(blob, len, scenario, &params, err, errlen))
		return TDX_SW_ERROR;
	return seamldr_call(SEAMLDR_INSTALL, &args);
}
