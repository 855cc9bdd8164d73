// SPDX-License-Identifier: MIT
#include "guest.h"
#include "core/vm/hypercall_abi.h"

/*
 * The mhv hypercall ABI. argv "granted": the VM's policy allows hypercalls;
 * "denied": VMCALL/VMMCALL must raise #UD like on bare hardware.
 */
#define AMD_EXIT_CPUID 0x72
#define INTEL_EXIT_CPUID 10

DECLARE_INSN_LABEL(hc_vmmcall);
DECLARE_INSN_LABEL(hc_vmcall);

/*
 * Returns the value of ESI set by the instruction after the hypercall.
 * noinline: the asm labels must be emitted once.
 */
static __attribute__((noinline, noclone)) uint32_t ping_then_mark(void)
{
	uint64_t rax = MHV_HC_PING;
	uint32_t mark = 0;

	if (is_amd())
		asm volatile(
			INSN_LABEL(hc_vmmcall, "vmmcall") "movl $0x600d, %%esi"
			: "+a"(rax), "+S"(mark)
			: "b"(0), "c"(0), "d"(0)
			: "memory");
	else
		asm volatile(
			INSN_LABEL(hc_vmcall, "vmcall") "movl $0x600d, %%esi"
			: "+a"(rax), "+S"(mark)
			: "b"(0), "c"(0), "d"(0)
			: "memory");
	return mark;
}

static void do_ping(void *arg)
{
	ping_then_mark();
}

static void test_granted(void)
{
	uint64_t code = is_amd() ? AMD_EXIT_CPUID : INTEL_EXIT_CPUID;
	uint64_t r;

	r = hypercall(MHV_HC_PING, 0, 0, 0);
	report(r == MHV_HC_PING_REPLY, "PING returns %#lx", r);
	r = hypercall(MHV_HC_VERSION, 0, 0, 0);
	report(r == MHV_HC_ABI_VERSION, "VERSION returns %lu", r);
	r = hypercall(0x1234, 0, 0, 0);
	report(r == MHV_HC_ENOSYS, "unknown hypercall returns ENOSYS (%#lx)",
	       r);
	for (int i = 0; i < 3; i++)
		cpuid(0);
	r = hypercall(MHV_HC_EXIT_COUNT, code, 0, 0);
	report(r >= 3 && r != MHV_HC_EINVAL && r != MHV_HC_ENOSYS,
	       "EXIT_COUNT(CPUID exit %#lx) = %lu >= 3", code, r);
	report(ping_then_mark() == 0x600d,
	       "execution continues after the instruction");
}

static void test_denied(void)
{
	const char *insn = is_amd() ? hc_vmmcall : hc_vmcall;
	struct fault f = catch_fault(do_ping, NULL);

	report(f.raised && f.vector == UD_VECTOR && f.rip == (uint64_t)insn,
	       "%s raises #UD at its RIP (raised %d, vector %u, rip %#lx, "
	       "expected %#lx)",
	       is_amd() ? "VMMCALL" : "VMCALL", f.raised, f.vector, f.rip,
	       (uint64_t)insn);
}

int main(int argc, char **argv)
{
	bool granted = false, denied = false;

	for (int i = 1; i < argc; i++) {
		granted |= strcmp(argv[i], "granted") == 0;
		denied |= strcmp(argv[i], "denied") == 0;
	}
	if (granted)
		test_granted();
	else if (denied)
		test_denied();
	else
		report(false, "pass \"granted\" or \"denied\" on the command "
			      "line");
	return report_summary();
}
