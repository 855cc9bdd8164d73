// SPDX-License-Identifier: MIT
/*
 * Extended register state does not leak between guests. Run twice, as two
 * VMs in a row: "write" leaves a pattern in XMM0 and a non-default MXCSR;
 * "check", in the next VM, must find XMM0 zero and MXCSR at its reset
 * value 0x1f80, as on a freshly reset CPU.
 */
#include "guest.h"

#define PATTERN 0x6d68762d786d6d30ULL /* "mhv-xmm0" */

static void enable_sse(void)
{
	uint64_t cr0, cr4;

	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	cr0 = (cr0 & ~(1ULL << 2)) | (1ULL << 1); /* EM off, MP on */
	cr4 |= (1ULL << 9) | (1ULL << 10);	  /* OSFXSR, OSXMMEXCPT */
	asm volatile("mov %0, %%cr0" ::"r"(cr0));
	asm volatile("mov %0, %%cr4" ::"r"(cr4));
}

int main(int argc, char **argv)
{
	bool write = argc > 1 && !strcmp(argv[1], "write");
	bool check = argc > 1 && !strcmp(argv[1], "check");
	uint64_t xmm0;
	uint32_t mxcsr = 0x1fa0;

	enable_sse();
	if (write) {
		asm volatile("movq %0, %%xmm0" ::"r"(PATTERN));
		asm volatile("ldmxcsr %0" ::"m"(mxcsr));
		asm volatile("movq %%xmm0, %0" : "=r"(xmm0));
		report(xmm0 == PATTERN,
		       "XMM0 holds the pattern for the next VM");
	} else if (check) {
		asm volatile("movq %%xmm0, %0" : "=r"(xmm0));
		asm volatile("stmxcsr %0" : "=m"(mxcsr));
		report(xmm0 == 0, "XMM0 is zero in a new VM (%#lx)", xmm0);
		report(mxcsr == 0x1f80, "MXCSR is 0x1f80 in a new VM (%#x)",
		       mxcsr);
	} else {
		report(false, "argument 'write' or 'check' needed");
	}
	return report_summary();
}
