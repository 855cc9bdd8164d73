// SPDX-License-Identifier: MIT
#include <stdint.h>

#include "boot/bootinfo.h"
#include "boot/mb2.h"
#include "boot/kmain.h"
#include "boot/cmdline.h"
#include "core/host/console.h"
#include "core/host/cpu.h"
#include "core/host/apic.h"
#include "core/host/cpu_probe.h"
#include "core/host/log.h"
#include "core/host/memory.h"
#include "core/host/panic.h"
#include "core/host/serial.h"
#include "core/host/gdt.h"
#include "core/host/idt.h"
#include "core/host/smp.h"
#include "core/host/smp_selftest.h"
#include "core/host/trap.h"
#include "core/host/tsc.h"
#include "core/host/version.h"
#include "core/vm/vm.h"
#include "tdx/tdx.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289
/* A sane upper bound for GRUB's info block; anything bigger is hostile. */
#define MB2_INFO_LIMIT (1u << 20)

static struct boot_info boot_info;
static struct mhv_options options;
struct cpu_info boot_cpu;

static void print_boot_info(const struct boot_info *bi)
{
	pr_info("loader: %s, command line: \"%s\"\n",
		bi->loader_name ? bi->loader_name : "(unnamed)", bi->cmdline);
	if (bi->efi64 || bi->efi32)
		pr_info("firmware: UEFI (%s system table at %#lx)%s\n",
			bi->efi64 ? "64-bit" : "32-bit", bi->efi_systab,
			bi->efi_bs_active ? ", boot services still active"
					  : "");
	else
		pr_info("firmware: BIOS\n");
	if (bi->rsdp)
		pr_info("ACPI: RSDP revision %u in the boot information\n",
			bi->rsdp_revision);
	memory_print_map(bi);
	pr_info("modules: %u\n", bi->module_count);
	for (unsigned int i = 0; i < bi->module_count; i++)
		pr_info("  module %u: [%#lx-%#lx) \"%s\"\n", i,
			bi->modules[i].start, bi->modules[i].end,
			bi->modules[i].cmdline);
}

static void apply_options(const struct mhv_options *opt)
{
	log_set_level(opt->loglevel);
	machine_set_exit_mode(opt->exit_mode);
}

/* Debug behaviours that let the test suite prove its harness fails bad runs. */
static void run_selftest(enum selftest t)
{
	struct desc_ptr empty_idt = {0, 0};

	switch (t) {
	case SELFTEST_NONE:
	case SELFTEST_SMP: /* once the APs run: start_cpus() */
	case SELFTEST_AP_PANIC:
		return;
	case SELFTEST_HANG:
		pr_info("selftest: hanging on purpose\n");
		halt_forever();
	case SELFTEST_TRIPLE:
		pr_info("selftest: triple fault on purpose\n");
		lidt(&empty_idt);
		asm volatile("int3");
		break;
	case SELFTEST_FAIL:
		pr_info("selftest: finishing with failure on purpose\n");
		machine_finish(false);
	case SELFTEST_FAULT:
		pr_info("selftest: unexpected #GP on purpose\n");
		/* A non-canonical address faults on every CPU and emulator. */
		(void)*(volatile uint64_t *)0x8000000000000000ULL;
		break;
	}
	panic("selftest %d did not end the run", t);
}

/* An AP's part of the backend: its own probe, then VMXON / EFER.SVME. */
static int enable_virt_on_ap(char *err, size_t errlen)
{
	struct cpu_info ci;

	cpu_probe(&ci);
	return vm_backend->enable_cpu(&ci, err, errlen);
}

static void panic_here(void *arg)
{
	(void)arg;
	panic("selftest: panic on cpu %u on purpose", smp_this_cpu());
}

/* Every CPU the MADT lists (cpus= at most) in VMX/SVM operation. */
static void start_cpus(bool backend_ok)
{
	smp_discover(&boot_info, options.cpus);
	if (backend_ok)
		smp_start(&boot_info, enable_virt_on_ap, vm_backend->name);
	else
		pr_info("smp: no virtualization: the other CPUs stay off\n");
	if (options.selftest == SELFTEST_AP_PANIC) {
		/* The AP's panic must stop this CPU, waiting in smp_wait. */
		if (smp_call(1, panic_here, NULL) == 0)
			smp_wait(1);
		panic_here(NULL);
	}
	if (options.selftest != SELFTEST_SMP)
		return;
	if (!backend_ok ||
	    !smp_selftest(vm_backend->cpu_enabled, vm_backend->name)) {
		pr_err("selftest: smp failed\n");
		machine_finish(false);
	}
}

static const struct boot_module *find_tdx_blob(const struct boot_info *bi)
{
	for (unsigned int i = 0; i < bi->module_count; i++)
		if (tdx_module_is_blob(&bi->modules[i]))
			return &bi->modules[i];
	return NULL;
}

static unsigned int count_guests(const struct boot_info *bi)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < bi->module_count; i++)
		n += !tdx_module_is_blob(&bi->modules[i]);
	return n;
}

__noreturn void kmain(uint32_t magic, uint32_t info_pa)
{
	bool backend_ok, tdx_ok, guests_ok;
	enum tdx_request tdx_req;
	char err[160];

	/*
	 * The TSC's rate is measured against the PIT over the boot below, not
	 * in a wait of its own: start counting first, finish before the first
	 * VM (core/host/tsc.c).
	 */
	smp_init_boot_cpu(); /* GS base, GDT and TSS: this_cpu() from here */
	tsc_calibrate_start();
	serial_init(&UART_COM1);
	idt_init();
	console_printf("\n");
	pr_info("mhv %s, a microhypervisor for x86-64\n", MHV_VERSION);

	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("not started by a multiboot2 loader (magic %#x)", magic);
	if (mb2_parse((const void *)(uintptr_t)info_pa, info_pa, MB2_INFO_LIMIT,
		      (uint64_t)__image_start, (uint64_t)__image_end,
		      &boot_info, err, sizeof(err))) {
		pr_err("%s\n", err);
		pr_err("refusing to run with bad boot information\n");
		machine_finish(false);
	}

	cmdline_defaults(&options);
	if (cmdline_parse(boot_info.cmdline, &options, err, sizeof(err))) {
		pr_err("command line: %s\n", err);
		pr_err("refusing to run with a bad command line; see "
		       "docs/usage.md\n");
		machine_finish(false);
	}
	if (tdx_request_parse(options.tdx, &tdx_req, err, sizeof(err))) {
		pr_err("command line: %s\n", err);
		pr_err("refusing to run with a bad command line; see "
		       "docs/usage.md\n");
		machine_finish(false);
	}
	apply_options(&options);
	console_setup(&boot_info, &options);
	print_boot_info(&boot_info);

	if (memory_init(&boot_info))
		machine_finish(false);
	console_late_setup(&boot_info);

	cpu_probe(&boot_cpu);
	cpu_probe_print(&boot_cpu);
	vm_backends_report(&boot_cpu);
	cpu_enable_features();
	apic_init();

	run_selftest(options.selftest);

	/* Guests and SEAMCALL both need the CPU's virtualization on. */
	backend_ok = !vm_backend_init(&boot_cpu, err, sizeof(err));
	if (!backend_ok)
		pr_warn("virtualization unavailable: %s\n", err);
	tdx_ok = !tdx_boot(&boot_cpu, tdx_req, find_tdx_blob(&boot_info),
			   backend_ok && vm_backend_is_vmx());
	/*
	 * Starting the APs needs the TSC's rate (the INIT-SIPI-SIPI delays),
	 * and guests need both rates (device clocks, time budgets, the host
	 * timer): the boot so far was the measurements' interval, so little
	 * or nothing is left to wait.
	 */
	tsc_calibrate_finish();
	apic_calibrate_finish();
	start_cpus(backend_ok);

	if (!count_guests(&boot_info)) {
		pr_info("no guests to run\n");
		machine_finish(tdx_ok);
	}
	if (!backend_ok) {
		pr_err("cannot run guests: %s\n", err);
		machine_finish(false);
	}
	guests_ok = vm_run_all(&boot_info, tdx_module_is_blob);
	machine_finish(guests_ok && tdx_ok);
}
