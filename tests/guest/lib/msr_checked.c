// SPDX-License-Identifier: MIT
#include "guest.h"

/* RDMSR/WRMSR that report #GP instead of dying of it. */
struct msr_op {
	uint32_t msr;
	uint64_t val;
};

static void do_rdmsr(void *arg)
{
	struct msr_op *op = arg;

	op->val = rdmsr(op->msr);
}

static void do_wrmsr(void *arg)
{
	struct msr_op *op = arg;

	wrmsr(op->msr, op->val);
}

static bool msr_checked(void (*fn)(void *), struct msr_op *op, const char *insn)
{
	struct fault f = catch_fault(fn, op);

	if (!f.raised)
		return true;
	if (f.vector != GP_VECTOR)
		report(false,
		       "%s %#x raised vector %u (error code %#lx), not #GP",
		       insn, op->msr, f.vector, f.error_code);
	return false;
}

bool rdmsr_checked(uint32_t msr, uint64_t *val)
{
	struct msr_op op = {.msr = msr};
	bool ok = msr_checked(do_rdmsr, &op, "RDMSR");

	if (ok && val)
		*val = op.val;
	return ok;
}

bool wrmsr_checked(uint32_t msr, uint64_t val)
{
	struct msr_op op = {.msr = msr, .val = val};

	return msr_checked(do_wrmsr, &op, "WRMSR");
}
