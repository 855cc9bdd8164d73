// SPDX-License-Identifier: MIT
#include "guest.h"

/* int3 with a zero-limit IDT: #GP, then #DF, then a triple fault. */
int main(int argc, char **argv)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed idtr = {0, 0};

	report_info("triple fault next");
	asm volatile("lidt %0; int3" : : "m"(idtr) : "memory");
	report(false, "still running after a triple fault");
	return report_summary();
}
