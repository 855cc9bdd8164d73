// SPDX-License-Identifier: MIT
/*
 * The VM lifecycle: every GRUB module is one guest, created, loaded, run
 * to its end and destroyed in turn. Whatever a guest does, only that guest
 * stops; the summary at the end judges each against what was expected.
 */
#include "core/vm/acpi_tables.h"
#include "core/vm/bios.h"
#include "boot/bootinfo.h"
#include "core/host/cpu.h"
#include "core/host/cpu_probe.h"
#include "core/vm/cpu_reset.h"
#include "core/vm/entry_state.h"
#include "core/host/log.h"
#include "core/vm/mb1_loader.h"
#include "core/host/memory.h"
#include "core/host/tsc.h"
#include "core/host/smp.h"
#include "core/vm/vcpu_run.h"
#include "core/vm/vm.h"
#include "lib/bitops.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define MAX_GUESTS BOOT_MAX_MODULES

struct guest_result {
	char name[GUEST_NAME_MAX];
	bool pass;
	char detail[128];
};

static struct vm the_vm; /* one VM at a time: reused */
static struct guest_result results[MAX_GUESTS];

static void print_exit_counts(const struct vm *vm)
{
	char line[160];
	size_t pos = 0;

	pos += fmt_snprintf(line, sizeof(line), "%s: %lu exits:", vm->opt.name,
			    vm_exits_total(vm));
	for (unsigned int i = 0; i < VM_EXIT_COUNTERS; i++) {
		if (!vm->exit_counts[i])
			continue;
		if (pos > sizeof(line) - 32) {
			pr_info("%s\n", line);
			pos = fmt_snprintf(line, sizeof(line), "  ");
		}
		pos += fmt_snprintf(line + pos, sizeof(line) - pos, " %s %u",
				    vm_backend->exit_slot_name(i),
				    vm->exit_counts[i]);
	}
	pr_info("%s\n", line);
}

static void destroy_vm(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].arch)
			vm_backend->vcpu_destroy(&vm->vcpus[i]);
	guest_ram_destroy(vm);
}

/*
 * vCPU 0 is the BSP; the others wait for a start-up IPI, as APs do. One
 * VM runs at a time, vCPU i on host CPU i: no two vCPUs share a CPU.
 */
static int create_vcpus(struct vm *vm, char *err, size_t errlen)
{
	unsigned int n = vm->opt.cpus, have = smp_cpu_count();

	if (n > have) {
		fmt_snprintf(err, errlen,
			     "%u vCPUs asked, %u host CPU%s to run them on", n,
			     have, have == 1 ? "" : "s");
		return -1;
	}
	vm->nr_vcpus = n;
	for (unsigned int i = 0; i < n; i++)
		vm->vcpus[i] = (struct vcpu){
			.vm = vm,
			.index = i,
			.host_cpu = i,
			.state = i ? VCPU_WAIT_SIPI : VCPU_RUNNING,
		};
	return 0;
}

/* The guest-physical areas mhv writes at load time, made present first. */
static int prepare_ram(struct vm *vm, uint64_t gpa, uint64_t len, char *err,
		       size_t errlen)
{
	if (guest_ram_ptr(vm, gpa, len))
		return 0;
	fmt_snprintf(err, errlen,
		     "cannot prepare guest RAM [%#lx-%#lx) for the payload",
		     gpa, gpa + len);
	return -1;
}

/*
 * bios=on (core/vm/bios.h), once the devices are reset. A payload loaded
 * over the handlers keeps its bytes, and then the guest gets none of the
 * state: a timer ticking into an IVT that points into the payload would
 * be worse than no timer.
 */
static int firmware_state(struct vm *vm, const struct mb1_image *img, char *err,
			  size_t errlen)
{
	uint8_t *low;

	/* Page 0 (IVT, BDA) is never the payload's (mb1_loader.c). */
	if (img->load_start < BIOS_CODE_END &&
	    img->load_end > BIOS_CODE_START) {
		pr_warn("%s: payload covers the BIOS handlers [%#x-%#x): "
			"bios=on ignored\n",
			vm->opt.name, BIOS_CODE_START, BIOS_CODE_END);
		return 0;
	}
	low = guest_ram_ptr(vm, 0, BIOS_CODE_END);
	if (!low) {
		fmt_snprintf(err, errlen,
			     "bios=on: guest RAM below %#x is not there",
			     BIOS_CODE_END);
		return -1;
	}
	bios_write_memory(low);
	bios_program_devices(vm);
	pr_info("%s: bios=on: 8259, PIT, LAPIC and IVT as SeaBIOS leaves "
		"them\n",
		vm->opt.name);
	return 0;
}

static int prepare_guest(struct vm *vm, const struct boot_module *payload,
			 const struct boot_module *extra, char *err,
			 size_t errlen)
{
	struct mb1_image img;
	struct entry_state entry;
	struct mb1_module mod;
	char cmdline[GUEST_NAME_MAX + GUEST_ARGS_MAX + 2];
	uint32_t info;

	uint64_t low;

	if (create_vcpus(vm, err, errlen) ||
	    guest_ram_create(vm, vm->opt.mem_bytes, err, errlen))
		return -1;
	low = vm->mem.low_size;
	/* Where the image goes first, so that only that RAM is cleared. */
	if (mb1_load(NULL, low, (const void *)payload->start,
		     payload->end - payload->start, &img, err, errlen) ||
	    prepare_ram(vm, img.load_start, img.load_end - img.load_start, err,
			errlen) ||
	    prepare_ram(vm, MB1_BOOT_AREA_START,
			MB1_BOOT_AREA_END - MB1_BOOT_AREA_START, err, errlen) ||
	    prepare_ram(vm, ACPI_TABLES_START,
			ACPI_TABLES_END - ACPI_TABLES_START, err, errlen))
		return -1;
	if (mb1_load(vm->ram, low, (const void *)payload->start,
		     payload->end - payload->start, &img, err, errlen))
		return -1;
	/* A payload loaded over the BIOS area keeps its bytes: no ACPI then. */
	if (img.load_start < 0x100000 && img.load_end > 0xe0000)
		pr_warn("%s: payload covers 0xe0000-0xfffff: no ACPI tables\n",
			vm->opt.name);
	else
		acpi_build_tables(vm->ram, low, GUEST_PM_TIMER_PORT,
				  vm->nr_vcpus);
	/* argv[0] is the payload's name, as kvm-unit-tests expects. */
	fmt_snprintf(cmdline, sizeof(cmdline), "%s%s%s", vm->opt.name,
		     vm->opt.args[0] ? " " : "", vm->opt.args);
	if (extra)
		mod = (struct mb1_module){
			.data = (const void *)extra->start,
			.len = extra->end - extra->start,
			.cmdline = extra->cmdline,
		};
	if (mb1_build_info(vm->ram, low, vm->mem.high_size, cmdline,
			   extra ? &mod : NULL, &info, err, errlen))
		return -1;
	cpu_model_from_host(&vm->cpu, boot_cpu.vendor);
	cpu_model_hide(&vm->cpu, vm->opt.hide);
	cpu_model_finish(&vm->cpu);
	cpu_model_set_cpus(&vm->cpu, vm->nr_vcpus);
	if (vm->opt.nested && vm_backend->nested_svm)
		cpu_model_set_nested_svm(&vm->cpu, !vm->opt.nested_no_npt);
	else if (vm->opt.nested)
		pr_warn("%s: nested=on: mhv offers nested virtualization on "
			"AMD SVM only; this guest runs without it\n",
			vm->opt.name);
	vm->msr_mtrr_def_type = 0xc06; /* MTRRs on, default WB */
	/* Fast strings, perf monitoring, no BTS, no PEBS: KVM's defaults. */
	vm->msr_misc_enable = BIT(0) | BIT(7) | BIT(11) | BIT(12);
	/* Nor what stays in the CPU between VMs (registers, MSRs). */
	cpu_reset_guest_state();
	vm->vcpus[0].gpr[GPR_RAX] = MB1_BOOTLOADER_MAGIC;
	vm->vcpus[0].gpr[GPR_RBX] = info;
	devices_init(vm);
	if (vm->opt.bios && firmware_state(vm, &img, err, errlen))
		return -1;
	entry_state_multiboot(&entry, img.entry);
	return vm_backend->vcpu_create(&vm->vcpus[0], &entry, err, errlen);
}

/*
 * Printed once, just before the first guest instruction: how many TSC
 * ticks (instructions under QEMU -icount and Bochs) mhv took from its entry.
 */
static void note_first_entry(const struct vm *vm)
{
	extern uint64_t boot_tsc;
	static bool done;

	if (done)
		return;
	done = true;
	/* Printed whatever the log level: a quiet boot is what it measures. */
	console_printf("mhv: boot: %lu TSC ticks from mhv's entry to the first "
		       "guest entry\n",
		       rdtsc() - boot_tsc);
}

static bool judge(const struct vm *vm)
{
	if (vm->outcome != vm->opt.expect)
		return false;
	return vm->outcome != OUTCOME_EXIT ||
	       vm->exit_status == vm->opt.expect_status;
}

/*
 * Every vCPU on its own host CPU, the BSP's here; back when all of them
 * stopped (vm_end kicks the others).
 */
static void run_vcpus(struct vm *vm)
{
	unsigned int started = 1;

	for (; started < vm->nr_vcpus; started++)
		if (smp_call(vm->vcpus[started].host_cpu, vcpu_thread,
			     &vm->vcpus[started])) {
			vm_end(vm, OUTCOME_ENTRY_FAILED,
			       "host CPU %u is busy: vCPU %u cannot run",
			       vm->vcpus[started].host_cpu, started);
			break;
		}
	vcpu_thread(&vm->vcpus[0]);
	for (unsigned int i = 1; i < started; i++)
		smp_wait(vm->vcpus[i].host_cpu);
}

/* Run module `index` (and its extra module) as guest number `id`. */
static void run_guest(unsigned int id, const struct boot_module *payload,
		      const struct boot_module *extra,
		      const struct guest_options *opt, struct guest_result *res)
{
	struct vm *vm = &the_vm;
	uint64_t free_before;
	char err[160];

	memset(vm, 0, sizeof(*vm));
	vm->id = id;
	vm->opt = *opt;
	pr_info("guest %u (%s): %lu MiB, %u vCPU%s, hypercalls %s, %lu ms, "
		"expecting %s\n",
		id, opt->name, opt->mem_bytes >> 20, opt->cpus,
		opt->cpus == 1 ? "" : "s", opt->hypercalls ? "on" : "off",
		opt->timeout_ms, guest_outcome_name(opt->expect));
	free_before = phys_mem.free_bytes;
	if (prepare_guest(vm, payload, extra, err, sizeof(err))) {
		pr_err("%s: %s\n", opt->name, err);
		vm_end(vm, OUTCOME_LOAD_ERROR, "refused: %s", err);
	} else {
		pr_info("%s: hypervisor memory for this VM: %lu KiB besides "
			"its RAM\n",
			opt->name,
			(free_before - phys_mem.free_bytes -
			 guest_ram_size(&vm->mem)) >>
				10);
		note_first_entry(vm);
		/* At most 24h of a TSC below 200 GHz: no overflow. */
		vm->deadline_tsc =
			rdtsc() + opt->timeout_ms * (tsc_hz() / 1000);
		run_vcpus(vm);
		devices_flush(vm);
		print_exit_counts(vm);
	}
	destroy_vm(vm);

	res->pass = judge(vm);
	memcpy(res->name, opt->name, sizeof(res->name));
	fmt_snprintf(res->detail, sizeof(res->detail), "%s: %s",
		     guest_outcome_name(vm->outcome), vm->detail);
	pr_info("guest %u (%s): %s (%s)\n", id, opt->name,
		res->pass ? "PASS" : "FAIL", res->detail);
}

bool vm_run_all(const struct boot_info *bi,
		bool (*not_a_guest)(const struct boot_module *m))
{
	unsigned int count = 0, passed = 0;
	struct guest_options opt;
	char err[160], name[16];

	for (unsigned int i = 0; i < bi->module_count; i++) {
		const struct boot_module *extra = NULL;
		struct guest_result *res = &results[count];

		if (not_a_guest && not_a_guest(&bi->modules[i]))
			continue;
		fmt_snprintf(name, sizeof(name), "guest%u", count + 1);
		if (guest_options_parse(bi->modules[i].cmdline, name, &opt, err,
					sizeof(err))) {
			pr_err("module %u: %s\n", i, err);
			*res = (struct guest_result){.pass = false};
			memcpy(res->name, name, sizeof(name));
			fmt_snprintf(res->detail, sizeof(res->detail),
				     "bad module line: %s", err);
			count++;
			continue;
		}
		if (opt.takes_next_module && i + 1 < bi->module_count)
			extra = &bi->modules[++i];
		run_guest(count + 1, &bi->modules[i - (extra ? 1 : 0)], extra,
			  &opt, res);
		count++;
	}

	pr_info("summary of %u guest%s on %s:\n", count, count == 1 ? "" : "s",
		vm_backend->name);
	for (unsigned int i = 0; i < count; i++) {
		pr_info("  %-20s %s  %s\n", results[i].name,
			results[i].pass ? "PASS" : "FAIL", results[i].detail);
		passed += results[i].pass;
	}
	pr_info("guests: %u passed, %u failed\n", passed, count - passed);
	return passed == count;
}
