// SPDX-License-Identifier: MIT
/*
 * The CPU state that stays in the processor between VMs. VMRUN (with
 * VMLOAD) and VM entry load most of a guest's state from the VMCB or VMCS,
 * which mhv builds from zero for each VM; what they leave alone is listed
 * here and reset by hand. The full table, with what resets each row, is in
 * docs/exits.md.
 */
#include "core/host/cpu.h"
#include "core/vm/cpu_reset.h"
#include "core/x86.h"
#include "lib/bitops.h"

/*
 * The MSRs a guest reaches without an exit on either backend (SVM's MSR
 * permission map, VMX's MSR bitmap). On SVM, VMLOAD reloads all but
 * TSC_AUX from the VMCB; on VMX none of them is in the VMCS but the
 * SYSENTER ones. Writing them costs a few hundred cycles per VM, not per
 * exit. A CPU without one of them (no TSC_AUX, an Intel CPU's CSTAR that
 * ignores writes) makes wrmsr_safe fail harmlessly.
 */
static const uint32_t passed_through_msrs[] = {
	MSR_SYSENTER_CS, MSR_SYSENTER_ESP,   MSR_SYSENTER_EIP,
	MSR_STAR,	 MSR_LSTAR,	     MSR_CSTAR,
	MSR_SFMASK,	 MSR_KERNEL_GS_BASE, MSR_TSC_AUX,
};

/*
 * Extended register state (x87, SSE, AVX...) is not switched by VMRUN or
 * VM entry, and mhv never uses it: a guest's registers and XCR0 stay in
 * the CPU after it ends.
 */
static void reset_extended_state(void)
{
	/*
	 * The legacy FXSAVE image: x87 and MXCSR at their reset values.
	 * XRSTOR takes MXCSR from it even when it initializes SSE state.
	 * Followed by a zero XSAVE header (XSTATE_BV = 0: "initialize all").
	 */
	static const struct __packed {
		uint16_t fcw, fsw;
		uint8_t ftw, rsvd;
		uint16_t fop;
		uint64_t fip, fdp;
		uint32_t mxcsr, mxcsr_mask;
		uint8_t rest[480];
		uint8_t xsave_header[64];
	} init_image __aligned(64) = {.fcw = 0x37f, .mxcsr = 0x1f80};
	_Static_assert(sizeof(init_image) == 576, "XSAVE legacy area + header");
	const void *xsave_init = &init_image, *fxsave_init = &init_image;

	if (read_cr4() & CR4_OSXSAVE) {
		/*
		 * Initialize every component the last guest enabled, and SSE
		 * (its registers work whatever XCR0 says), before narrowing
		 * XCR0: a component switched off and on again may keep its
		 * contents, and XRSTOR only touches what XCR0 enables.
		 */
		uint64_t xcr0 = xgetbv(0) | XCR0_SSE;

		xsetbv_safe(0, xcr0);
		xrstor_init(xsave_init, xcr0);
		xsetbv_safe(0, XCR0_X87);
	} else {
		fxrstor(fxsave_init);
	}
}

void cpu_reset_guest_state(void)
{
	reset_extended_state();
	/* Neither VMRUN nor VM entry loads CR2 or DR0-DR3; VM entry not DR6. */
	write_cr2(0);
	for (unsigned int n = 0; n < 4; n++)
		write_dr(n, 0);
	write_dr(6, DR6_RESET);
	write_dr(7, DR7_RESET);
	for (unsigned int i = 0; i < ARRAY_SIZE(passed_through_msrs); i++)
		wrmsr_safe(passed_through_msrs[i], 0);
}
