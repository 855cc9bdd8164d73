// SPDX-License-Identifier: MIT
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/exit/exits.h"
#include "core/exit/guest_paging.h"
#include "core/x86.h"
#include "tests/fuzz/check.h"
#include "tests/fuzz/exit_check.h"
#include "tests/fuzz/known_bugs.h"

void exit_ram_setup(struct vm *vm, const uint8_t *code, size_t len)
{
	uint64_t e;

	memset(vm->ram, 0, EXIT_RAM_SIZE);
	if (len > EXIT_CODE_MAX)
		len = EXIT_CODE_MAX;
	memcpy(vm->ram + EXIT_CODE_GPA, code, len);
	e = (EXIT_PML4_GPA + 0x1000) | 3; /* PML4[0] -> PDPT */
	memcpy(vm->ram + EXIT_PML4_GPA, &e, 8);
	e = (EXIT_PML4_GPA + 0x2000) | 3; /* PDPT[0] -> PD */
	memcpy(vm->ram + EXIT_PML4_GPA + 0x1000, &e, 8);
	e = 0x83; /* PD[0]: 2 MiB at 0, writable */
	memcpy(vm->ram + EXIT_PML4_GPA + 0x2000, &e, 8);
}

void exit_snapshot(struct vcpu *v, struct exit_before *b)
{
	memcpy(b->gpr, v->gpr, sizeof(b->gpr));
	b->gpr[GPR_RSP] = vm_backend->get_rsp(v);
	vm_backend->get_state(v, &b->s);
	b->exits = vm_exits_total(v->vm);
}

static bool has_error_code(unsigned int vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 ||
	       vector == 21;
}

static void check_ended(const struct vm *vm, const char *what)
{
	CHECK(vm->outcome != OUTCOME_LOAD_ERROR && vm->outcome < OUTCOME_COUNT,
	      "%s: outcome %d", what, vm->outcome);
	CHECK(memchr(vm->detail, '\0', sizeof(vm->detail)) && vm->detail[0],
	      "%s: the VM ended without a detail", what);
}

static void check_event(struct vcpu *v, const struct exit_before *b,
			const struct vcpu_state *s, const struct exit_event *ev,
			const char *what)
{
	uint64_t gpr[GPR_COUNT];
	bool pe = s->cr0 & CR0_PE;

	CHECK(ev->type == 3 && ev->vector < 32 && ev->vector != 2,
	      "%s: injects type %u vector %u", what, ev->type, ev->vector);
	/* SDM vol. 3, 26.2.1.3; real-mode exceptions push no error code. */
	CHECK(ev->has_error == (pe && has_error_code(ev->vector)) ||
		      (KNOWN_BUG_REAL_MODE_ERROR_CODE && !pe &&
		       ev->has_error == has_error_code(ev->vector)),
	      "%s: vector %u %s an error code with CR0.PE %d", what, ev->vector,
	      ev->has_error ? "with" : "without", pe);
	if (!exception_is_fault(ev->vector))
		return;
	memcpy(gpr, v->gpr, sizeof(gpr));
	gpr[GPR_RSP] = vm_backend->get_rsp(v);
	CHECK(s->rip == b->s.rip, "%s: fault %u after RIP moved %#llx -> %#llx",
	      what, ev->vector, (unsigned long long)b->s.rip,
	      (unsigned long long)s->rip);
	CHECK(!memcmp(gpr, b->gpr, sizeof(gpr)),
	      "%s: fault %u after registers changed", what, ev->vector);
	CHECK(s->rflags & RFLAGS_RF, "%s: fault %u without RFLAGS.RF", what,
	      ev->vector);
}

/* MHV_FUZZ_TRACE=1 in the environment: one line per exit, for a replay. */
static void trace(struct vcpu *v, const struct exit_event *ev, const char *what)
{
	static int on = -1;
	struct vcpu_state s;

	if (on < 0)
		on = getenv("MHV_FUZZ_TRACE") != NULL;
	if (!on)
		return;
	vm_backend->get_state(v, &s);
	fprintf(stderr, "%s: RIP %#llx%s%s, event %s%u\n", what,
		(unsigned long long)s.rip, v->vm->ended ? ", ended: " : "",
		v->vm->ended ? v->vm->detail : "", ev->valid ? "" : "none ",
		ev->valid ? ev->vector : 0);
}

bool exit_check_after(struct vcpu *v, const struct exit_before *b,
		      const struct exit_event *ev, const char *what)
{
	struct vcpu_state s;
	uint64_t delta;

	trace(v, ev, what);
	CHECK(vm_exits_total(v->vm) == b->exits + 1, "%s: counted %llu times",
	      what, (unsigned long long)(vm_exits_total(v->vm) - b->exits));
	if (v->vm->ended) {
		check_ended(v->vm, what);
		return false;
	}
	vm_backend->get_state(v, &s);
	delta = s.rip - b->s.rip;
	if (guest_cpu_mode(&s) != CPU_MODE_64)
		delta = (uint32_t)delta; /* EIP wraps */
	CHECK(delta <= INSN_MAX_LEN, "%s: RIP moved %#llx -> %#llx", what,
	      (unsigned long long)b->s.rip, (unsigned long long)s.rip);
	if (guest_cpu_mode(&s) != CPU_MODE_64 && b->s.rip >> 32 == 0)
		CHECK(s.rip >> 32 == 0,
		      "%s: RIP %#llx beyond 4 GiB outside 64-bit mode", what,
		      (unsigned long long)s.rip);
	if (ev->valid)
		check_event(v, b, &s, ev, what);
	return true;
}
