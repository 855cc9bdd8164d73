// SPDX-License-Identifier: MIT
/*
 * The CPU operations behind tdx/seamcall.h besides SEAMCALL itself. The
 * SEAM layer reaches vmx/ only through these: VMPTRST, VMPTRLD and the
 * backend's launch-state hook.
 */
#include "core/host/cpu.h"
#include "core/x86.h"
#include "tdx/seamcall.h"
#include "vmx/vmx.h"
#include "vmx/vmx_asm.h"

uint64_t seam_vmptrst(void)
{
	return vmptrst();
}

int seam_vmptrld(uint64_t pa)
{
	return vmptrld(pa);
}

void seam_vmcs_launch_cleared(uint64_t pa)
{
	vmx_vmcs_launch_cleared(pa);
}

uint64_t seam_irq_save(void)
{
	uint64_t flags = read_rflags() & RFLAGS_IF;

	cli();
	return flags;
}

void seam_irq_restore(uint64_t flags)
{
	if (flags & RFLAGS_IF)
		sti();
}
