// SPDX-License-Identifier: MIT
#include "guest.h"

/*
 * The vendor's virtualization instructions raise #UD in a guest of mhv,
 * at their own RIP (as on bare hardware with SVM/VMX off). RAX, RCX = 0;
 * memory operands point at a scratch page.
 */
static uint8_t scratch[4096] __aligned(4096);

#define UD_TEST(name, insn)                                         \
	DECLARE_INSN_LABEL(name##_insn);                            \
	static void name##_fn(void *arg)                            \
	{                                                           \
		asm volatile(INSN_LABEL(name##_insn, insn)          \
			     :                                      \
			     : "a"(0), "b"(scratch), "c"(0), "d"(0) \
			     : "memory");                           \
	}

UD_TEST(vmrun, "vmrun")
UD_TEST(vmload, "vmload")
UD_TEST(vmsave, "vmsave")
UD_TEST(stgi, "stgi")
UD_TEST(clgi, "clgi")
UD_TEST(skinit, "skinit")
UD_TEST(invlpga, "invlpga")

UD_TEST(vmxon, "vmxon (%%rbx)")
UD_TEST(vmxoff, "vmxoff")
UD_TEST(vmclear, "vmclear (%%rbx)")
UD_TEST(vmptrld, "vmptrld (%%rbx)")
UD_TEST(vmptrst, "vmptrst (%%rbx)")
UD_TEST(vmread, "vmread %%rax, (%%rbx)")
UD_TEST(vmwrite, "vmwrite (%%rbx), %%rax")
UD_TEST(vmlaunch, "vmlaunch")
UD_TEST(vmresume, "vmresume")
UD_TEST(invept, "invept (%%rbx), %%rax")
UD_TEST(invvpid, "invvpid (%%rbx), %%rax")
UD_TEST(vmfunc, ".byte 0x0f, 0x01, 0xd4")
UD_TEST(getsec, ".byte 0x0f, 0x37")

static void expect_ud(const char *name, void (*fn)(void *), const char *insn)
{
	struct fault f = catch_fault(fn, NULL);

	report(f.raised && f.vector == UD_VECTOR && f.rip == (uint64_t)insn,
	       "%s raises #UD at its RIP (raised %d, vector %u, rip %#lx, "
	       "expected %#lx)",
	       name, f.raised, f.vector, f.rip, (uint64_t)insn);
}

#define EXPECT_UD(name) expect_ud(#name, name##_fn, name##_insn)

static void test_amd(void)
{
	EXPECT_UD(vmrun);
	EXPECT_UD(vmload);
	EXPECT_UD(vmsave);
	EXPECT_UD(stgi);
	EXPECT_UD(clgi);
	EXPECT_UD(skinit);
	EXPECT_UD(invlpga);
}

static void test_intel(void)
{
	EXPECT_UD(vmxon);
	EXPECT_UD(vmxoff);
	EXPECT_UD(vmclear);
	EXPECT_UD(vmptrld);
	EXPECT_UD(vmptrst);
	EXPECT_UD(vmread);
	EXPECT_UD(vmwrite);
	EXPECT_UD(vmlaunch);
	EXPECT_UD(vmresume);
	EXPECT_UD(invept);
	EXPECT_UD(invvpid);
	EXPECT_UD(vmfunc);
	EXPECT_UD(getsec);
}

int main(int argc, char **argv)
{
	if (is_amd())
		test_amd();
	else if (is_intel())
		test_intel();
	else
		report_skip("neither AMD nor Intel");
	return report_summary();
}
