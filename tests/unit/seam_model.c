// SPDX-License-Identifier: MIT
/*
 * A software model of the SEAM hardware behind tdx/seamcall.h: the
 * SEAMCALL instruction (with the stubs' fault fixups), the P-SEAMLDR, the
 * TDX module's system leaves, VMPTRST/VMPTRLD and the interrupt flag. See
 * seam_model.h for what it models and records.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "tdx/seamcall.h"
#include "tests/unit/seam_model.h"

#define NO_VMCS (~0ULL)
#define MAX_INJECT 32
#define LEAF_SLOTS 512
#define MAX_VMCS 16

/* One logical CPU: a thread. */
struct model_cpu {
	uint64_t vmcs;
	bool irq_on;
	unsigned int lp_gen; /* == model.gen once LP.INIT ran here */
	bool vmcs_lost; /* the loader cleared a valid VMCS, not reloaded yet */
};

static _Thread_local struct model_cpu cpu = {
	.vmcs = NO_VMCS,
	.irq_on = true,
};

struct inject {
	uint64_t leaf, status;
	unsigned int left;
};

/* One VMCS's launch state: the CPU's, and the VMX backend's copy of it. */
struct launch_state {
	uint64_t pa; /* 0: free slot */
	bool cpu_launched, backend_launched;
};

/* Global state: mutable fields under `lock`, counters atomic. */
static struct {
	pthread_mutex_t lock;
	struct seam_model_config cfg;
	enum seam_model_module module;
	unsigned int gen; /* bumped whenever LP.INIT state is lost */
	uint32_t install_scenario;
	bool updated; /* TDH.SYS.UPDATE done since the last install */
	struct inject inject[MAX_INJECT];
	enum seam_model_fault fault;
	unsigned int fault_left;
	struct seam_model_disable disable;
	struct seamldr_params last_params;
	bool have_params;
	uint64_t last_handoff;
	unsigned long installs, updates;

	unsigned int vmptrld_fail_left;
	struct launch_state launch[MAX_VMCS];

	int inside; /* CPUs inside the P-SEAMLDR */
	unsigned long calls[LEAF_SLOTS], total;
	unsigned long loader_calls, irq_violations, overlaps, clobbers;
	unsigned long vmptrst, vmptrld, bad_vmptrld, irq_saves, irq_restores;
	unsigned long irq_window;
	unsigned long launch_clears, launch_marks, bad_launch_marks;
	uint64_t trace[SEAM_MODEL_MAX_RECORDS]; /* leaves, in call order */
	struct seam_model_loader_call records[SEAM_MODEL_MAX_RECORDS];
} model = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.gen = 1,
};

static void inc(unsigned long *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static unsigned long get(const unsigned long *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* Loader leaves in 256..510, module leaves in 0..255, the rest in 511. */
static unsigned int leaf_slot(uint64_t leaf)
{
	uint64_t nr = leaf & ~REF_SEAMLDR_LEAF_BIT;

	if (leaf & REF_SEAMLDR_LEAF_BIT)
		return nr < 255 ? 256 + (unsigned int)nr : LEAF_SLOTS - 1;
	return nr < 256 ? (unsigned int)nr : LEAF_SLOTS - 1;
}

static void *pa_ptr(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

void seam_model_reset(const struct seam_model_config *cfg)
{
	pthread_mutex_lock(&model.lock);
	memset(&model.cfg, 0, sizeof(model.cfg));
	if (cfg)
		model.cfg = *cfg;
	model.module = model.cfg.module;
	model.gen++;
	model.install_scenario = REF_SEAMLDR_SCENARIO_LOAD;
	model.updated = false;
	memset(model.inject, 0, sizeof(model.inject));
	model.fault_left = 0;
	memset(&model.disable, 0, sizeof(model.disable));
	memset(&model.last_params, 0, sizeof(model.last_params));
	model.have_params = false;
	model.last_handoff = 0;
	model.installs = 0;
	model.updates = 0;
	__atomic_store_n(&model.inside, 0, __ATOMIC_RELAXED);
	memset(model.calls, 0, sizeof(model.calls));
	model.total = 0;
	model.loader_calls = 0;
	model.irq_violations = 0;
	model.overlaps = 0;
	model.clobbers = 0;
	model.vmptrst = 0;
	model.vmptrld = 0;
	model.bad_vmptrld = 0;
	model.irq_saves = 0;
	model.irq_restores = 0;
	model.irq_window = 0;
	model.vmptrld_fail_left = 0;
	memset(model.launch, 0, sizeof(model.launch));
	model.launch_clears = 0;
	model.launch_marks = 0;
	model.bad_launch_marks = 0;
	memset(model.trace, 0, sizeof(model.trace));
	memset(model.records, 0, sizeof(model.records));
	pthread_mutex_unlock(&model.lock);

	cpu.vmcs = NO_VMCS;
	cpu.irq_on = true;
	cpu.lp_gen = 0;
	cpu.vmcs_lost = false;
}

/* --- knobs ------------------------------------------------------------ */

void seam_model_inject_fault(enum seam_model_fault fault, unsigned int n)
{
	pthread_mutex_lock(&model.lock);
	model.fault = fault;
	model.fault_left = n;
	pthread_mutex_unlock(&model.lock);
}

void seam_model_inject_status(uint64_t leaf, uint64_t status, unsigned int n)
{
	pthread_mutex_lock(&model.lock);
	for (unsigned int i = 0; i < MAX_INJECT; i++) {
		if (!model.inject[i].left) {
			model.inject[i] = (struct inject){leaf, status, n};
			break;
		}
	}
	pthread_mutex_unlock(&model.lock);
}

void seam_model_inject_entropy(uint64_t leaf, unsigned int n)
{
	seam_model_inject_status(leaf,
				 leaf & REF_SEAMLDR_LEAF_BIT
					 ? REF_SEAMLDR_ENOENTROPY
					 : REF_TDX_RND_NO_ENTROPY,
				 n);
}

void seam_model_set_disable(const struct seam_model_disable *d)
{
	pthread_mutex_lock(&model.lock);
	model.disable = *d;
	pthread_mutex_unlock(&model.lock);
}

void seam_model_set_module(enum seam_model_module state)
{
	pthread_mutex_lock(&model.lock);
	model.module = state;
	model.gen++;
	pthread_mutex_unlock(&model.lock);
}

void seam_model_set_hold_ns(unsigned long ns)
{
	pthread_mutex_lock(&model.lock);
	model.cfg.loader_hold_ns = ns;
	pthread_mutex_unlock(&model.lock);
}

void seam_model_set_current_vmcs(uint64_t pa)
{
	cpu.vmcs = pa;
	cpu.vmcs_lost = false;
}

uint64_t seam_model_current_vmcs(void)
{
	return cpu.vmcs;
}

void seam_model_set_irq(bool on)
{
	cpu.irq_on = on;
}

bool seam_model_irq_enabled(void)
{
	return cpu.irq_on;
}

void seam_model_fail_vmptrld(unsigned int n)
{
	pthread_mutex_lock(&model.lock);
	model.vmptrld_fail_left = n;
	pthread_mutex_unlock(&model.lock);
}

/* The slot for pa, taking a free one if `add` (lock held). */
static struct launch_state *launch_slot(uint64_t pa, bool add)
{
	struct launch_state *free_slot = NULL;

	for (unsigned int i = 0; i < MAX_VMCS; i++) {
		if (model.launch[i].pa == pa)
			return &model.launch[i];
		if (!model.launch[i].pa && !free_slot)
			free_slot = &model.launch[i];
	}
	if (!add || !free_slot)
		return NULL;
	*free_slot = (struct launch_state){.pa = pa};
	return free_slot;
}

void seam_model_set_vmcs_launched(uint64_t pa)
{
	struct launch_state *ls;

	pthread_mutex_lock(&model.lock);
	ls = launch_slot(pa, true);
	if (ls) {
		ls->cpu_launched = true;
		ls->backend_launched = true;
	}
	pthread_mutex_unlock(&model.lock);
}

/* A VMCS the model was never told about was never launched. */
bool seam_model_vmcs_launched(uint64_t pa)
{
	struct launch_state *ls;
	bool launched;

	pthread_mutex_lock(&model.lock);
	ls = launch_slot(pa, false);
	launched = ls && ls->cpu_launched;
	pthread_mutex_unlock(&model.lock);
	return launched;
}

bool seam_model_backend_vmcs_launched(uint64_t pa)
{
	struct launch_state *ls;
	bool launched;

	pthread_mutex_lock(&model.lock);
	ls = launch_slot(pa, false);
	launched = ls && ls->backend_launched;
	pthread_mutex_unlock(&model.lock);
	return launched;
}

/* --- what happened ---------------------------------------------------- */

enum seam_model_module seam_model_module_state(void)
{
	enum seam_model_module s;

	pthread_mutex_lock(&model.lock);
	s = model.module;
	pthread_mutex_unlock(&model.lock);
	return s;
}

unsigned long seam_model_calls(uint64_t leaf)
{
	return get(&model.calls[leaf_slot(leaf)]);
}

unsigned long seam_model_total_calls(void)
{
	return get(&model.total);
}

unsigned long seam_model_loader_calls(void)
{
	return get(&model.loader_calls);
}

bool seam_model_loader_record(unsigned long i,
			      struct seam_model_loader_call *out)
{
	if (i >= seam_model_loader_calls() || i >= SEAM_MODEL_MAX_RECORDS)
		return false;
	pthread_mutex_lock(&model.lock);
	*out = model.records[i];
	pthread_mutex_unlock(&model.lock);
	return true;
}

unsigned long seam_model_irq_violations(void)
{
	return get(&model.irq_violations);
}

unsigned long seam_model_overlaps(void)
{
	return get(&model.overlaps);
}

unsigned long seam_model_vmcs_clobbers(void)
{
	return get(&model.clobbers);
}

unsigned long seam_model_vmptrst_count(void)
{
	return get(&model.vmptrst);
}

unsigned long seam_model_vmptrld_count(void)
{
	return get(&model.vmptrld);
}

unsigned long seam_model_bad_vmptrld(void)
{
	return get(&model.bad_vmptrld);
}

unsigned long seam_model_irq_saves(void)
{
	return get(&model.irq_saves);
}

unsigned long seam_model_irq_restores(void)
{
	return get(&model.irq_restores);
}

unsigned long seam_model_irq_window_violations(void)
{
	return get(&model.irq_window);
}

unsigned long seam_model_launch_clears(void)
{
	return get(&model.launch_clears);
}

unsigned long seam_model_launch_marks(void)
{
	return get(&model.launch_marks);
}

unsigned long seam_model_bad_launch_marks(void)
{
	return get(&model.bad_launch_marks);
}

bool seam_model_call_leaf(unsigned long i, uint64_t *leaf)
{
	if (i >= seam_model_total_calls() || i >= SEAM_MODEL_MAX_RECORDS)
		return false;
	pthread_mutex_lock(&model.lock);
	*leaf = model.trace[i];
	pthread_mutex_unlock(&model.lock);
	return true;
}

unsigned long seam_model_installs(void)
{
	return get(&model.installs);
}

bool seam_model_last_params(struct seamldr_params *out)
{
	bool have;

	pthread_mutex_lock(&model.lock);
	have = model.have_params;
	if (have)
		*out = model.last_params;
	pthread_mutex_unlock(&model.lock);
	return have;
}

uint64_t seam_model_last_handoff(void)
{
	uint64_t hv;

	pthread_mutex_lock(&model.lock);
	hv = model.last_handoff;
	pthread_mutex_unlock(&model.lock);
	return hv;
}

unsigned long seam_model_updates(void)
{
	return get(&model.updates);
}

/* --- the CPU operations ----------------------------------------------- */

uint64_t seam_vmptrst(void)
{
	inc(&model.vmptrst);
	return cpu.vmcs;
}

/*
 * VMPTRLD of all ones or of a misaligned address: VMfailInvalid. An
 * injected failure: VMfailValid. Either way the current VMCS stays.
 */
int seam_vmptrld(uint64_t pa)
{
	bool fail;

	inc(&model.vmptrld);
	if (pa == NO_VMCS || (pa & 0xfff)) {
		inc(&model.bad_vmptrld);
		return 1;
	}
	pthread_mutex_lock(&model.lock);
	fail = model.vmptrld_fail_left > 0;
	if (fail)
		model.vmptrld_fail_left--;
	pthread_mutex_unlock(&model.lock);
	if (fail)
		return 2;
	cpu.vmcs = pa;
	cpu.vmcs_lost = false;
	return 0;
}

/*
 * In place of vmx/'s hook: the backend will VMLAUNCH this VMCS next. Only
 * right when the CPU has it clear: VMLAUNCH of a launched VMCS fails.
 */
void seam_vmcs_launch_cleared(uint64_t pa)
{
	struct launch_state *ls;

	inc(&model.launch_marks);
	pthread_mutex_lock(&model.lock);
	ls = launch_slot(pa, true);
	if (ls) {
		if (ls->cpu_launched)
			inc(&model.bad_launch_marks);
		ls->backend_launched = false;
	}
	pthread_mutex_unlock(&model.lock);
}

uint64_t seam_irq_save(void)
{
	bool was = cpu.irq_on;

	inc(&model.irq_saves);
	cpu.irq_on = false;
	return was ? 1 : 0;
}

/* Like the hypervisor's: STI when the saved state had IF set. */
void seam_irq_restore(uint64_t flags)
{
	inc(&model.irq_restores);
	if (!flags)
		return;
	if (cpu.vmcs_lost)
		inc(&model.irq_window);
	cpu.irq_on = true;
}

/* --- SEAMCALL --------------------------------------------------------- */

/*
 * How a SEAMCALL ended: `done` when the target ran and SEAMRET came back
 * (CF=0, RAX = status); otherwise the stub's own code in status.
 */
struct outcome {
	bool done;
	uint64_t status;
};

static struct outcome stub_code(uint64_t code)
{
	return (struct outcome){false, code};
}

static struct outcome answered(uint64_t status)
{
	return (struct outcome){true, status};
}

/* The instruction's own checks, before any SEAM software runs. */
static bool instruction_faults(struct outcome *o)
{
	bool fault = false;

	pthread_mutex_lock(&model.lock);
	if (model.fault_left) {
		model.fault_left--;
		fault = true;
		*o = stub_code(model.fault == SEAM_FAULT_UD
				       ? REF_TDX_SEAMCALL_UD
			       : model.fault == SEAM_FAULT_GP
				       ? REF_TDX_SEAMCALL_GP
				       : REF_TDX_SEAMCALL_VMFAILINVALID);
	} else if (model.cfg.seam_absent) {
		fault = true;
		*o = stub_code(REF_TDX_SEAMCALL_UD);
	} else if (model.cfg.seamrr_disabled) {
		fault = true;
		*o = stub_code(REF_TDX_SEAMCALL_GP);
	}
	pthread_mutex_unlock(&model.lock);
	return fault;
}

/* An injected answer for this leaf, if one is queued (lock held). */
static bool injected(uint64_t leaf, uint64_t *status)
{
	for (unsigned int i = 0; i < MAX_INJECT; i++) {
		struct inject *in = &model.inject[i];

		if (in->left && in->leaf == leaf) {
			in->left--;
			*status = in->status;
			return true;
		}
	}
	return false;
}

/*
 * Output registers are undefined when a call fails: an injected failure
 * leaves garbage in them, so a caller that retries must reload its inputs.
 */
static void scribble(struct seam_args *r)
{
	r->rcx = 0xbad0bad0bad0bad1ULL;
	r->rdx = 0xbad0bad0bad0bad2ULL;
	r->r8 = 0xbad0bad0bad0bad3ULL;
	r->r9 = 0xbad0bad0bad0bad4ULL;
	r->r10 = 0xbad0bad0bad0bad5ULL;
	r->r11 = 0xbad0bad0bad0bad6ULL;
}

/* Take an injected answer, outputs undefined if it fails (lock held). */
static bool injected_answer(uint64_t leaf, struct seam_args *r,
			    uint64_t *status)
{
	if (!injected(leaf, status))
		return false;
	if (*status)
		scribble(r);
	return true;
}

static bool page_aligned(uint64_t pa)
{
	return pa && !(pa & 0xfff);
}

static bool module_loaded(void)
{
	return model.module == SEAM_MODULE_LOADED ||
	       model.module == SEAM_MODULE_SYS_INIT_DONE ||
	       model.module == SEAM_MODULE_READY;
}

/* --- the P-SEAMLDR (lock held) ----------------------------------------- */

static uint64_t loader_info(struct seam_args *r)
{
	struct seamldr_info *info;

	if (!r->rcx || (r->rcx & 0xff))
		return REF_SEAMLDR_EBADPARAM;
	info = pa_ptr(r->rcx);
	memset(info, 0, sizeof(*info));
	info->version = 0;
	info->attributes = 0;
	info->vendor_id = 0x8086;
	info->build_date = SEAM_MODEL_LDR_BUILD_DATE;
	info->build_num = SEAM_MODEL_LDR_BUILD_NUM;
	info->minor_version = SEAM_MODEL_LDR_MINOR;
	info->major_version = SEAM_MODEL_LDR_MAJOR;
	info->update_version = SEAM_MODEL_LDR_UPDATE;
	info->acm_x2apicid = model.cfg.acm_x2apicid;
	info->num_remaining_updates = model.cfg.num_remaining_updates;
	info->seam_info[0] = model.module != SEAM_MODULE_ABSENT; /* valid */
	info->seam_ready = module_loaded();
	info->seam_debug = 0;
	info->p_seamldr_ready = 1;
	info->features0 = 1ULL << 1; /* CLEANUP supported */
	return 0;
}

static uint64_t loader_seaminfo(struct seam_args *r)
{
	uint8_t *page;

	if (!page_aligned(r->rcx))
		return REF_SEAMLDR_EBADPARAM;
	page = pa_ptr(r->rcx);
	for (unsigned int i = 0; i < 4096; i++)
		page[i] = seam_model_seaminfo_byte(i);
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* The loader reads the pages it is given: ASan checks they exist. */
static void touch_page(uint64_t pa)
{
	const volatile uint8_t *p = pa_ptr(pa);

	(void)p[0];
	(void)p[4095];
}

static uint64_t loader_install(struct seam_args *r)
{
	const struct seamldr_params *p;

	if (!page_aligned(r->rcx))
		return REF_SEAMLDR_EBADPARAM;
	p = pa_ptr(r->rcx);
	model.last_params = *p;
	model.have_params = true;
	if (p->version != 0 || p->scenario > REF_SEAMLDR_SCENARIO_UPDATE ||
	    !page_aligned(p->sigstruct_pa) ||
	    !all_zero(p->reserved, sizeof(p->reserved)) ||
	    p->num_module_pages < 1 ||
	    p->num_module_pages > REF_SEAMLDR_MAX_MODULE_PAGES)
		return REF_SEAMLDR_EBADPARAM;
	for (uint64_t i = 0; i < p->num_module_pages; i++)
		if (!page_aligned(p->module_pages_pa[i]))
			return REF_SEAMLDR_EBADPARAM;
	touch_page(p->sigstruct_pa);
	for (uint64_t i = 0; i < p->num_module_pages; i++)
		touch_page(p->module_pages_pa[i]);
	model.module = SEAM_MODULE_LOADED;
	model.gen++;
	model.install_scenario = p->scenario;
	model.updated = false;
	inc(&model.installs);
	return 0;
}

static uint64_t loader_leaf(uint64_t leaf, struct seam_args *r)
{
	uint64_t status;

	if (injected_answer(leaf, r, &status))
		return status;
	switch (leaf) {
	case REF_SEAMLDR_INFO:
		return loader_info(r);
	case REF_SEAMLDR_SEAMINFO:
		return loader_seaminfo(r);
	case REF_SEAMLDR_INSTALL:
		return loader_install(r);
	case REF_SEAMLDR_SHUTDOWN:
	case REF_SEAMLDR_CLEANUP:
		model.module = SEAM_MODULE_ABSENT;
		model.gen++;
		return 0;
	default:
		return REF_SEAMLDR_EBADCALL;
	}
}

static void hold(unsigned long ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000UL,
			      .tv_nsec = ns % 1000000000UL};

	if (ns)
		while (nanosleep(&ts, &ts))
			;
}

static void clear_launch_state(uint64_t pa)
{
	struct launch_state *ls;

	inc(&model.launch_clears);
	pthread_mutex_lock(&model.lock);
	ls = launch_slot(pa, true);
	if (ls)
		ls->cpu_launched = false;
	pthread_mutex_unlock(&model.lock);
}

static struct outcome loader_call(uint64_t leaf, struct seam_args *r)
{
	struct seam_model_loader_call rec = {
		.leaf = leaf,
		.vmcs_before = cpu.vmcs,
		.irq_on = cpu.irq_on,
	};
	unsigned long idx =
		__atomic_fetch_add(&model.loader_calls, 1, __ATOMIC_RELAXED);
	struct outcome o;
	bool absent, preserved;
	unsigned long hold_ns;

	if (cpu.irq_on)
		inc(&model.irq_violations);
	pthread_mutex_lock(&model.lock);
	absent = model.cfg.loader_absent;
	preserved = model.cfg.vmcs_preserved;
	hold_ns = model.cfg.loader_hold_ns;
	pthread_mutex_unlock(&model.lock);

	if (instruction_faults(&o)) {
		/* no SEAM entry: nothing changes */
	} else if (absent) {
		o = stub_code(REF_TDX_SEAMCALL_VMFAILINVALID);
	} else if (__atomic_fetch_add(&model.inside, 1, __ATOMIC_ACQ_REL)) {
		/* Another CPU is inside: VMfailInvalid, as the hardware. */
		__atomic_fetch_sub(&model.inside, 1, __ATOMIC_ACQ_REL);
		inc(&model.overlaps);
		o = stub_code(REF_TDX_SEAMCALL_VMFAILINVALID);
	} else {
		hold(hold_ns);
		pthread_mutex_lock(&model.lock);
		o = answered(loader_leaf(leaf, r));
		pthread_mutex_unlock(&model.lock);
		/*
		 * SEAMRET from the P-SEAMLDR clears the current VMCS, as
		 * VMCLEAR would: no longer current, launch state clear.
		 */
		if (!preserved) {
			if (cpu.vmcs != NO_VMCS) {
				inc(&model.clobbers);
				clear_launch_state(cpu.vmcs);
				rec.launch_cleared = true;
				cpu.vmcs_lost = true;
			}
			cpu.vmcs = NO_VMCS;
		}
		rec.entered = true;
		__atomic_fetch_sub(&model.inside, 1, __ATOMIC_ACQ_REL);
	}
	rec.status = o.status;
	rec.vmcs_after = cpu.vmcs;
	if (idx < SEAM_MODEL_MAX_RECORDS) {
		pthread_mutex_lock(&model.lock);
		model.records[idx] = rec;
		pthread_mutex_unlock(&model.lock);
	}
	return o;
}

/* --- the TDX module (lock held) ----------------------------------------- */

static const struct {
	uint64_t field, value;
} sys_fields[] = {
	{MD_FIELD_SYS_ATTRIBUTES, SEAM_MODEL_SYS_ATTRIBUTES},
	{MD_FIELD_TDX_FEATURES0, SEAM_MODEL_FEATURES0},
	{MD_FIELD_BUILD_DATE, SEAM_MODEL_BUILD_DATE},
	{MD_FIELD_BUILD_NUM, SEAM_MODEL_BUILD_NUM},
	{MD_FIELD_MINOR_VERSION, SEAM_MODEL_MINOR},
	{MD_FIELD_MAJOR_VERSION, SEAM_MODEL_MAJOR},
	{MD_FIELD_UPDATE_VERSION, SEAM_MODEL_UPDATE},
	{MD_FIELD_INTERNAL_VERSION, SEAM_MODEL_INTERNAL},
	{MD_FIELD_MODULE_HV, SEAM_MODEL_MODULE_HV},
};

static bool lp_initialized(void)
{
	return cpu.lp_gen == model.gen;
}

/* TDH.SYS.RD: RDX = field -> R8 = value, RDX = the next field. */
static uint64_t sys_rd(struct seam_args *r)
{
	uint64_t field = r->rdx;
	size_t n = sizeof(sys_fields) / sizeof(sys_fields[0]);

	r->rdx = SEAM_MODEL_MD_FIELD_NA;
	r->r8 = 0;
	/* LP.INIT on this CPU, which implies SYS.INIT (the module's check). */
	if (!lp_initialized())
		return REF_TDX_SYS_LP_INIT_NOT_DONE;
	for (size_t i = 0; i < n; i++) {
		if (sys_fields[i].field == field) {
			r->r8 = sys_fields[i].value;
			if (i + 1 < n)
				r->rdx = sys_fields[i + 1].field;
			return REF_TDX_SUCCESS;
		}
	}
	return REF_TDX_OPERAND_INVALID;
}

static uint64_t sys_disable(void)
{
	struct seam_model_disable *d = &model.disable;

	if (model.module == SEAM_MODULE_LOADED)
		return REF_TDX_SYS_NOT_READY; /* never initialized */
	if (d->resumable && d->busy && d->interleave) {
		/* alternate, resumable first */
		if (d->resumable >= d->busy) {
			d->resumable--;
			return REF_TDX_INTERRUPTED_RESUMABLE;
		}
		d->busy--;
		return REF_TDX_SYS_BUSY;
	}
	if (d->resumable) {
		d->resumable--;
		return REF_TDX_INTERRUPTED_RESUMABLE;
	}
	if (d->busy) {
		d->busy--;
		return REF_TDX_SYS_BUSY;
	}
	if (d->final_status)
		return d->final_status;
	model.module = SEAM_MODULE_DISABLED;
	model.gen++;
	return REF_TDX_SUCCESS;
}

static uint64_t module_leaf(uint64_t leaf, struct seam_args *r)
{
	uint64_t status;

	if (injected_answer(leaf, r, &status))
		return status;
	/* Bits 63:24 reserved; the model knows version 0 of each leaf. */
	if (leaf >> 16)
		return REF_TDX_OPERAND_INVALID;
	if (model.module == SEAM_MODULE_SHUTDOWN &&
	    leaf != REF_TDH_SYS_LP_SHUTDOWN)
		return REF_TDX_SYS_SHUTDOWN;

	switch (leaf) {
	case REF_TDH_SYS_INIT:
		if (r->rcx)
			return REF_TDX_OPERAND_INVALID; /* attributes: none known */
		if (model.module != SEAM_MODULE_LOADED)
			return REF_TDX_SYS_INIT_NOT_PENDING;
		model.module = SEAM_MODULE_SYS_INIT_DONE;
		return REF_TDX_SUCCESS;
	case REF_TDH_SYS_LP_INIT:
		if (model.module != SEAM_MODULE_SYS_INIT_DONE &&
		    model.module != SEAM_MODULE_READY)
			return SEAM_MODEL_SYS_LP_INIT_NOT_PENDING;
		if (lp_initialized())
			return REF_TDX_SYS_LP_INIT_DONE;
		cpu.lp_gen = model.gen;
		model.module = SEAM_MODULE_READY;
		return REF_TDX_SUCCESS;
	case REF_TDH_SYS_RD:
		return sys_rd(r);
	case REF_TDH_SYS_LP_SHUTDOWN:
		cpu.lp_gen = 0;
		return REF_TDX_SUCCESS;
	case REF_TDH_SYS_SHUTDOWN:
		if (model.module != SEAM_MODULE_READY)
			return REF_TDX_SYS_NOT_READY;
		if (!lp_initialized())
			return REF_TDX_SYS_LP_INIT_NOT_DONE;
		if (r->rcx > SEAM_MODEL_MODULE_HV)
			return REF_TDX_OPERAND_INVALID;
		model.last_handoff = r->rcx;
		model.module = SEAM_MODULE_SHUTDOWN;
		return REF_TDX_SUCCESS;
	case REF_TDH_SYS_UPDATE:
		if (model.module != SEAM_MODULE_READY)
			return REF_TDX_SYS_NOT_READY;
		if (!lp_initialized())
			return REF_TDX_SYS_LP_INIT_NOT_DONE;
		if (model.install_scenario != REF_SEAMLDR_SCENARIO_UPDATE)
			return REF_TDX_SYS_INVALID_HANDOFF; /* nothing handed off */
		if (model.updated)
			return REF_TDX_SYS_STATE_INCORRECT;
		model.updated = true;
		inc(&model.updates);
		return REF_TDX_SUCCESS;
	case REF_TDH_SYS_DISABLE:
		return sys_disable();
	default:
		return REF_TDX_OPERAND_INVALID;
	}
}

static struct outcome module_call(uint64_t leaf, struct seam_args *r)
{
	struct outcome o;

	if (instruction_faults(&o))
		return o;
	pthread_mutex_lock(&model.lock);
	if (model.module == SEAM_MODULE_ABSENT ||
	    model.module == SEAM_MODULE_DISABLED)
		o = stub_code(REF_TDX_SEAMCALL_VMFAILINVALID);
	else
		o = answered(module_leaf(leaf, r));
	pthread_mutex_unlock(&model.lock);
	return o;
}

enum outputs { OUT_NONE, OUT_RET, OUT_ALL };

static uint64_t model_seamcall(uint64_t leaf, struct seam_args *args,
			       enum outputs out)
{
	struct seam_args regs = *args;
	struct outcome o;
	unsigned long idx =
		__atomic_fetch_add(&model.total, 1, __ATOMIC_RELAXED);

	inc(&model.calls[leaf_slot(leaf)]);
	if (idx < SEAM_MODEL_MAX_RECORDS) {
		pthread_mutex_lock(&model.lock);
		model.trace[idx] = leaf;
		pthread_mutex_unlock(&model.lock);
	}
	if (leaf & REF_SEAMLDR_LEAF_BIT)
		o = loader_call(leaf, &regs);
	else
		o = module_call(leaf, &regs);
	if (!o.done)
		return o.status; /* faulted or CF=1: the block is unchanged */
	if (out == OUT_ALL) {
		*args = regs;
	} else if (out == OUT_RET) {
		args->rcx = regs.rcx;
		args->rdx = regs.rdx;
		args->r8 = regs.r8;
		args->r9 = regs.r9;
		args->r10 = regs.r10;
		args->r11 = regs.r11;
	}
	return o.status;
}

uint64_t seamcall(uint64_t leaf, struct seam_args *args)
{
	return model_seamcall(leaf, args, OUT_NONE);
}

uint64_t seamcall_ret(uint64_t leaf, struct seam_args *args)
{
	return model_seamcall(leaf, args, OUT_RET);
}

uint64_t seamcall_saved_ret(uint64_t leaf, struct seam_args *args)
{
	return model_seamcall(leaf, args, OUT_ALL);
}
