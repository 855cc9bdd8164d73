// SPDX-License-Identifier: MIT
#include "guest.h"

/* A store beyond guest RAM where no device is: mhv must stop this VM. */
int main(int argc, char **argv)
{
	report_info("writing outside guest RAM");
	writel(0xc0000000, 0xdeadbeef);
	report(false, "still running after writing to 0xc0000000");
	return report_summary();
}
