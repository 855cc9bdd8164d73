// SPDX-License-Identifier: MIT
#include "guest.h"
#include "core/vm/hypercall_abi.h"

/* What mhv's CPUID shows a guest: a hypervisor, itself, no nested virt. */
int main(int argc, char **argv)
{
	struct cpuid r = cpuid(1), hv;
	char sig[13] = {0};

	report(r.c & (1u << 31), "hypervisor bit CPUID.1:ECX[31] set");
	report(!(r.c & (1u << 5)), "VMX hidden (CPUID.1:ECX[5] clear)");
	r = cpuid(0x80000001);
	report(!(r.c & (1u << 2)), "SVM hidden (CPUID.80000001:ECX[2] clear)");

	hv = cpuid(MHV_CPUID_BASE);
	memcpy(sig, &hv.b, 4);
	memcpy(sig + 4, &hv.c, 4);
	memcpy(sig + 8, &hv.d, 4);
	report(strcmp(sig, MHV_CPUID_SIGNATURE) == 0,
	       "CPUID 0x40000000 signature \"%s\"", sig);
	report(hv.a >= MHV_CPUID_BASE, "CPUID 0x40000000 max leaf %#x", hv.a);

	report(is_intel() || is_amd(),
	       "vendor is GenuineIntel or AuthenticAMD");
	return report_summary();
}
