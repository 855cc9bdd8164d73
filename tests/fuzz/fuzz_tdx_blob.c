// SPDX-License-Identifier: MIT
/*
 * A TDX module image (TDX-BLOB) and its module line, arbitrary, for
 * tdx=update: seamldr_build_params() (tdx/seamldr.c) on its own, then all
 * of tdx_boot()'s update (tdx/tdx.c) against the SEAM model of the unit
 * tests (tests/unit/seam_model.c), which reads every page the loader is
 * given. The image lies in one buffer kept for the whole run (up to 2 MiB
 * allocated afresh for every input ran at 200 inputs/s), 4 KiB aligned
 * unless the input asks otherwise, with everything around it poisoned:
 * AddressSanitizer reports a read, or a page handed to the loader,
 * outside the image as it would past the end of an allocation of exactly
 * its size.
 *
 * Checked: whether the module line names a TDX-BLOB; that an image is
 * accepted exactly when it is one by a reference written here from the
 * layout in tdx/seam_abi.h (version 0x200, the signature, one sigstruct
 * page, 1-496 module pages, a length equal to what the header describes,
 * reserved bytes zero, page aligned); that a refused image builds nothing
 * (the parameters untouched, a reason given) and reaches no
 * SEAMLDR.INSTALL, leaving the running module as it was; that accepted
 * parameters point only inside the image, the sigstruct right after the
 * header and the module pages after it in order, up to the image's end,
 * their count the header's, every other field zero; and that the loader
 * gets exactly those, once, with the scenario the module's state calls
 * for, and no SEAM rule is broken on the way.
 *
 * Input: flags (u8), misalignment (u16), length (u32), module line length
 * (u8) and line, then the image's first bytes (the rest of it is zero).
 * Flags: bit 0 misaligns the image by the u16 (1 to 4095 bytes), bit 1
 * takes the length from the image's header instead, bit 2 has a module
 * running (an update, else a first load), bit 3 has no P-SEAMLDR, bit 4
 * sets IA32_VMX_BASIC[60], bit 5 also builds from a NULL image.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#include "boot/bootinfo.h"
#include "core/host/cpu_probe.h"
#include "core/x86.h"
#include "tdx/tdx.h"
#include "tests/fuzz/check.h"
#include "tests/fuzz/input.h"
#include "tests/unit/fake_serial.h"
#include "tests/unit/seam_model.h"

#define PG 4096ULL
/* One page past the largest image the loader takes. */
#define MAX_LEN (PG * (1 + 1 + REF_SEAMLDR_MAX_MODULE_PAGES + 1))
/* Room for the largest image at the largest misalignment. */
#define BUF_LEN (MAX_LEN + PG)
#define FILL 0xa5

/* cpu_probe.c reads MSRs, so it is not linked: SEAMRR is on. */
bool seamrr_enabled(const struct cpu_info *ci)
{
	(void)ci;
	return true;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static bool all_bytes(const void *p, size_t n, uint8_t b)
{
	const uint8_t *q = p;

	for (size_t i = 0; i < n; i++)
		if (q[i] != b)
			return false;
	return true;
}

/* The layout of tdx/seam_abi.h, by offsets: is this image one to load? */
static bool ref_accepts(const uint8_t *img, size_t len)
{
	uint32_t sig_pages, mod_pages;

	if (!img || len < PG || (uintptr_t)img % PG)
		return false;
	sig_pages = get32(img + 12);
	mod_pages = get32(img + 16);
	return img[0] == 0x00 && img[1] == 0x02 &&
	       !memcmp(img + 4, "TDX-BLOB", 8) && sig_pages == 1 &&
	       mod_pages >= 1 && mod_pages <= REF_SEAMLDR_MAX_MODULE_PAGES &&
	       len == PG * (1 + sig_pages + (uint64_t)mod_pages) &&
	       all_bytes(img + 20, PG - 20, 0);
}

static bool ref_is_blob_line(const char *s)
{
	return !strncmp(s, "tdx-blob", 8) && (s[8] == '\0' || s[8] == ' ');
}

/* Accepted parameters for img: everything in it, in order, nothing else. */
static void check_params(const struct seamldr_params *p, const uint8_t *img,
			 size_t len, uint32_t scenario)
{
	uint64_t base = (uint64_t)(uintptr_t)img, end = base + len;
	uint32_t n = get32(img + 16);

	CHECK(p->version == 0 && p->scenario == scenario &&
		      all_bytes(p->reserved, sizeof(p->reserved), 0),
	      "version %u, scenario %u (want %u), or reserved bytes set",
	      p->version, p->scenario, scenario);
	CHECK(p->sigstruct_pa == base + PG && base + 2 * PG <= end,
	      "sigstruct at %#llx, image [%#llx-%#llx)",
	      (unsigned long long)p->sigstruct_pa, (unsigned long long)base,
	      (unsigned long long)end);
	CHECK(p->num_module_pages == n, "%llu module pages, the header says %u",
	      (unsigned long long)p->num_module_pages, n);
	for (uint32_t i = 0; i < n; i++)
		CHECK(p->module_pages_pa[i] == base + PG * (2 + i) &&
			      p->module_pages_pa[i] + PG <= end,
		      "module page %u at %#llx, image [%#llx-%#llx)", i,
		      (unsigned long long)p->module_pages_pa[i],
		      (unsigned long long)base, (unsigned long long)end);
	CHECK(base + PG * (2 + (uint64_t)n) == end,
	      "the pages stop short of the image's end");
	for (uint32_t i = n; i < REF_SEAMLDR_MAX_MODULE_PAGES; i++)
		CHECK(!p->module_pages_pa[i], "module page slot %u set", i);
}

/* seamldr_build_params() alone; whether it accepted. */
static bool build(const uint8_t *img, size_t len, uint32_t scenario,
		  struct seamldr_params *p)
{
	char err[160];
	bool want = ref_accepts(img, len);
	int rc;

	memset(p, FILL, sizeof(*p));
	memset(err, 0, sizeof(err));
	rc = seamldr_build_params(img, len, scenario, p, err, sizeof(err));
	CHECK(rc == 0 || rc == -1, "seamldr_build_params returned %d", rc);
	CHECK(memchr(err, '\0', sizeof(err)), "unterminated message");
	CHECK(!rc == want, "image of %zu bytes %s, the reference %s it", len,
	      rc ? "refused" : "accepted", want ? "accepts" : "refuses");
	if (rc) {
		CHECK(err[0], "refused without a reason");
		CHECK(all_bytes(p, sizeof(*p), FILL),
		      "a refused image built parameters (%s)", err);
		return false;
	}
	check_params(p, img, len, scenario);
	return true;
}

/* No SEAM rule broken by the calls made. */
static void check_rules(void)
{
	CHECK(!seam_model_irq_violations() && !seam_model_overlaps() &&
		      !seam_model_bad_vmptrld() &&
		      !seam_model_irq_window_violations() &&
		      !seam_model_bad_launch_marks(),
	      "a SEAM rule was broken");
	CHECK(seam_model_irq_saves() == seam_model_irq_restores(),
	      "%lu interrupt saves, %lu restores", seam_model_irq_saves(),
	      seam_model_irq_restores());
}

static struct cpu_info seam_cpu(bool preserved)
{
	return (struct cpu_info){
		.vendor = CPU_VENDOR_INTEL,
		.vmx = true,
		.feature_control_read = true,
		.vmx_basic =
			VMX_BASIC_TRUE_CTLS | 4 |
			(preserved ? VMX_BASIC_NO_SEAMRET_VMCS_CLOBBER : 0),
		.mtrrcap_read = true,
		.seamrr_supported = true,
		.seamrr_read = true,
		.seamrr_base = 0x80000000ULL | SEAMRR_BASE_CONFIGURED,
		.seamrr_mask = 0xfe000000ULL | SEAMRR_MASK_LOCKED |
			       SEAMRR_MASK_ENABLED,
		.keyid_read = true,
		.mktme_keyids = 15,
		.tdx_keyids = 48,
	};
}

/* tdx=update with this image and line; `ok` is what build() said. */
static void update(uint8_t flags, const struct boot_module *mod, bool ok,
		   const struct seamldr_params *want)
{
	struct seam_model_config cfg = {.loader_absent = flags & 8};
	struct cpu_info ci = seam_cpu(flags & 16);
	bool running = flags & 4, is_blob = tdx_module_is_blob(mod);
	enum seam_model_module before;
	struct seamldr_params got;
	unsigned long from;
	int rc;

	seam_model_reset(&cfg);
	seamldr_set_vmcs_preserved(false);
	fake_serial_clear();
	if (running) {
		seam_model_set_module(SEAM_MODULE_LOADED);
		CHECK(!tdx_sys_init() && !tdx_sys_lp_init(),
		      "the model's module does not come up");
	}
	before = seam_model_module_state();
	from = seam_model_total_calls();

	rc = tdx_boot(&ci, TDX_REQ_UPDATE, is_blob ? mod : NULL, true);
	check_rules();
	if (cfg.loader_absent || !is_blob || !ok) {
		CHECK(rc == -1, "tdx=update went ahead (%d)", rc);
		CHECK(seam_model_total_calls() - from == 1 &&
			      seam_model_calls(REF_SEAMLDR_INFO) == 1,
		      "%lu SEAMCALLs for a refused update, not one "
		      "SEAMLDR.INFO",
		      seam_model_total_calls() - from);
		CHECK(seam_model_module_state() == before,
		      "a refused update changed the module's state");
		CHECK(fake_serial_contains("tdx=update"),
		      "refused without saying so: %s", fake_serial_output());
		return;
	}
	CHECK(rc == 0, "tdx=update of a good image failed: %s",
	      fake_serial_output());
	CHECK(seam_model_calls(REF_SEAMLDR_INSTALL) == 1 &&
		      seam_model_installs() == 1,
	      "%lu SEAMLDR.INSTALL calls",
	      seam_model_calls(REF_SEAMLDR_INSTALL));
	CHECK(seam_model_last_params(&got), "the loader got no parameters");
	CHECK(!memcmp(&got, want, sizeof(got)),
	      "the loader got other parameters than were built");
	CHECK(got.scenario == (running ? REF_SEAMLDR_SCENARIO_UPDATE
				       : REF_SEAMLDR_SCENARIO_LOAD),
	      "scenario %u with a module %s", got.scenario,
	      running ? "running" : "absent");
	CHECK(seam_model_module_state() == SEAM_MODULE_READY &&
		      seam_model_updates() == (running ? 1 : 0),
	      "the module is not up after the update");
}

/*
 * The image at off in the buffer, its first `n` bytes from src, the rest
 * zero (the buffer is all zero between inputs); all else poisoned.
 */
static uint8_t *place_image(size_t off, size_t len, const uint8_t *src,
			    size_t n)
{
	static uint8_t *buf;

	if (!buf) {
		CHECK(!posix_memalign((void **)&buf, PG, BUF_LEN),
		      "out of memory");
		memset(buf, 0, BUF_LEN);
	}
	ASAN_UNPOISON_MEMORY_REGION(buf, BUF_LEN);
	memcpy(buf + off, src, n < len ? n : len);
	ASAN_POISON_MEMORY_REGION(buf, off);
	ASAN_POISON_MEMORY_REGION(buf + off + len, BUF_LEN - off - len);
	return buf + off;
}

static void clear_image(uint8_t *img, size_t len, size_t n)
{
	memset(img, 0, n < len ? n : len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seamldr_params params, from_null;
	struct fuzz_in in = {data, size};
	uint8_t flags = in_u8(&in);
	uint16_t skew = in_u16(&in);
	size_t off = flags & 1 ? skew % (PG - 1) + 1 : 0;
	size_t len = in_u32(&in) % (MAX_LEN + 1), line_len = in_u8(&in);
	uint8_t head[20] = {0};
	uint32_t scenario = flags & 4 ? REF_SEAMLDR_SCENARIO_UPDATE
				      : REF_SEAMLDR_SCENARIO_LOAD;
	struct boot_module mod;
	char *line;
	uint8_t *img;
	bool ok;

	line = malloc(line_len + 1);
	CHECK(line, "out of memory");
	for (size_t i = 0; i < line_len; i++)
		line[i] = (char)in_u8(&in);
	line[line_len] = '\0';
	memcpy(head, in.p, in.n < sizeof(head) ? in.n : sizeof(head));
	if (flags & 2)
		len = PG * (1 + (uint64_t)get32(head + 12) + get32(head + 16));
	if (len > MAX_LEN)
		len = MAX_LEN;

	img = place_image(off, len, in.p, in.n);

	mod = (struct boot_module){
		.start = (uint64_t)(uintptr_t)img,
		.end = (uint64_t)(uintptr_t)img + len,
		.cmdline = line,
	};
	CHECK(tdx_module_is_blob(&mod) == ref_is_blob_line(line),
	      "'%s' taken for %s", line,
	      ref_is_blob_line(line) ? "a guest" : "a TDX-BLOB");

	ok = build(img, len, scenario, &params);
	if (flags & 32)
		CHECK(!build(NULL, len, scenario, &from_null),
		      "built from a NULL image");
	update(flags, &mod, ok, &params);

	clear_image(img, len, in.n);
	free(line);
	return 0;
}
