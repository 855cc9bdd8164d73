// SPDX-License-Identifier: MIT
#include "guest.h"

/* Platform I/O a kvm-unit-tests guest touches: fw_cfg, PCI, 8259, others. */
static void test_fw_cfg(void)
{
	char sig[5] = {0};
	uint64_t ram, expect, a, b;

	fw_cfg_select(0x0000);
	fw_cfg_read(sig, 4);
	report(strcmp(sig, "QEMU") == 0, "fw_cfg signature \"%s\"", sig);

	a = fw_cfg_read_le(0x0005, 2);
	report(a == 1, "fw_cfg number of CPUs = %lu", a);

	ram = fw_cfg_read_le(0x0003, 8);
	expect = ((uint64_t)boot_mem_upper() + 1024) * 1024;
	report(ram == expect,
	       "fw_cfg RAM size %#lx == (mem_upper + 1 MiB) %#lx", ram, expect);

	a = fw_cfg_read_le(0x7777, 8);
	b = fw_cfg_read_le(0x7777, 8);
	report_info("fw_cfg unknown key 0x7777 reads %#lx", a);
	report(a == b, "fw_cfg unknown key reads consistently");
}

int main(int argc, char **argv)
{
	uint32_t v;

	test_fw_cfg();

	outl(0xcf8, 0x80000000u | (3u << 11)); /* bus 0, device 3, fn 0 */
	v = inl(0xcfc);
	report(v == 0xffffffff, "PCI 00:03.0 absent reads %#x", v);

	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	report(true, "8259 masks written");

	v = inb(0x2e0);
	report(v == 0xff, "unemulated port 0x2e0 reads %#x", v);
	return report_summary();
}
