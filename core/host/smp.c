// SPDX-License-Identifier: MIT
/*
 * Bringing up the other CPUs and handing them work (core/host/smp.h).
 *
 * Start-up follows the SDM's MP initialization (vol. 3, 9.4.4.1, "typical
 * BSP initialization sequence"): an INIT IPI, 10 ms, a STARTUP IPI, 200
 * us, a second STARTUP IPI, 200 us; Linux does the same (smpboot.c,
 * wakeup_secondary_cpu_via_init). The delays are counted with the TSC,
 * whose rate is measured by then. One AP at a time: the trampoline's
 * parameters are one block, and an AP that never checks in is sent INIT
 * again so it cannot wake later on the next AP's stack.
 */
#include "core/host/acpi_find.h"
#include "core/host/apic.h"
#include "core/host/cpu.h"
#include "core/host/gdt.h"
#include "core/host/idt.h"
#include "core/host/log.h"
#include "core/host/madt.h"
#include "core/host/memory.h"
#include "core/host/percpu.h"
#include "core/host/smp.h"
#include "core/host/tsc.h"
#include "core/x86.h"
#include "lib/compiler.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define AP_STACK_SIZE KiB(16)
/* Real-mode pages the trampoline may use: not page 0, below the EBDA. */
#define TRAMP_LOWEST 0x1000ULL
#define TRAMP_LIMIT 0x9f000ULL
/* Bounds on an AP that does not answer (emulators under load are slow). */
#define CHECKIN_US 1000000
#define SETUP_US 2000000

struct __packed ap_tramp_params {
	uint64_t cr3, stack, percpu, entry;
	uint32_t boot_cr3, efer;
};

extern char ap_tramp_start[], ap_tramp_params[], ap_tramp_end[];
extern char boot_pml4[];

/* How far an AP got, written by the AP, read by the boot CPU. */
enum ap_progress {
	AP_NONE,
	AP_ALIVE,  /* in C, on its own stack and GDT */
	AP_READY,  /* VMX/SVM enabled: usable */
	AP_FAILED, /* its setup failed: reason in ap_error */
};

static struct percpu boot_percpu;
static struct percpu *cpus[MHV_MAX_CPUS];
static unsigned int cpu_count = 1;
static struct madt_cpus found = {.count = 1};
static volatile int stopping_cpu = -1;
static bool aps_started;

/* The boot CPU's state each AP copies, and one AP's start-up handshake. */
static struct {
	uint64_t cr0, cr4, efer, xcr0, pat;
	bool xsave, pat_valid;
	int (*cpu_setup)(char *err, size_t errlen);
	volatile int progress;
	char error[128];
} boot;

static unsigned int this_index(void)
{
	return this_cpu()->cpu;
}

void smp_init_boot_cpu(void)
{
	boot_percpu.self = &boot_percpu;
	boot_percpu.cpu = 0;
	wrmsr(MSR_GS_BASE, (uint64_t)&boot_percpu);
	gdt_init(&boot_percpu.gdt);
	cpus[0] = &boot_percpu;
}

static const struct boot_info *map_bi;

/* mhv's identity map: the low 4 GiB, and all RAM and ACPI memory. */
static const void *identity_map(void *ctx, uint64_t pa, uint64_t len)
{
	(void)ctx;
	if (!pa || pa + len < pa)
		return NULL;
	if (pa + len <= GiB(4))
		return (const void *)(uintptr_t)pa;
	for (unsigned int i = 0; i < map_bi->mmap_count; i++) {
		const struct mem_range *r = &map_bi->mmap[i];

		if ((r->type == MEM_USABLE || r->type == MEM_ACPI_RECLAIMABLE ||
		     r->type == MEM_NVS) &&
		    pa >= r->base && pa + len <= r->base + r->len)
			return (const void *)(uintptr_t)pa;
	}
	return NULL;
}

void smp_discover(const struct boot_info *bi, unsigned int max)
{
	const struct acpi_mem mem = {identity_map, NULL};
	uint32_t boot_id = apic_present() ? apic_self_id() : 0;
	const uint8_t *t;
	uint32_t len;
	char err[120];
	int r;

	boot_percpu.apic_id = boot_id;
	found = (struct madt_cpus){.count = 1, .apic_id = {boot_id}};
	if (!apic_present()) {
		pr_info("smp: no local APIC: one CPU\n");
		return;
	}
	map_bi = bi;
	r = acpi_find_table(&mem, bi->rsdp, bi->rsdp_len, "APIC", &t, &len, err,
			    sizeof(err));
	if (r <= 0) {
		pr_info("smp: %s%s: one CPU\n", r ? "ACPI: " : "no MADT",
			r ? err : "");
		return;
	}
	if (madt_parse(t, len, boot_id, &found, err, sizeof(err))) {
		pr_warn("smp: ACPI: %s: one CPU\n", err);
		found = (struct madt_cpus){.count = 1, .apic_id = {boot_id}};
		return;
	}
	if (!found.boot_listed)
		pr_warn("smp: the MADT does not list the boot CPU (APIC ID "
			"%#x)\n",
			boot_id);
	pr_info("smp: MADT lists %u enabled CPU%s (%u online-capable left "
		"alone)%s; boot CPU APIC ID %#x\n",
		found.listed, found.listed == 1 ? "" : "s",
		found.online_capable,
		found.listed > found.count ? ", more than mhv keeps" : "",
		boot_id);
	if (max && found.count > max) {
		pr_info("smp: cpus=%u: starting %u of them\n", max, max);
		found.count = max;
	}
}

unsigned int smp_cpu_count(void)
{
	return cpu_count;
}

unsigned int smp_this_cpu(void)
{
	return this_index();
}

uint32_t smp_apic_id(unsigned int cpu)
{
	return cpu < cpu_count ? cpus[cpu]->apic_id : ~0u;
}

/* Wait `us` microseconds on the TSC (interrupts stay off). */
static void delay_us(uint64_t us)
{
	uint64_t start = rdtsc(), ticks = tsc_hz() / 1000000 * us;

	while (rdtsc() - start < ticks)
		cpu_relax();
}

/* Wait up to `us` for the AP's progress to leave `from`. */
static int wait_progress(int from, uint64_t us)
{
	uint64_t start = rdtsc(), ticks = tsc_hz() / 1000000 * us;
	int p;

	while ((p = __atomic_load_n(&boot.progress, __ATOMIC_ACQUIRE)) ==
		       from &&
	       rdtsc() - start < ticks)
		cpu_relax();
	return p;
}

/*
 * Idle: HLT with interrupts on until a call is posted. The check and the
 * HLT are race-free: the IPI that posts a call is sent after the store
 * (smp_call), and one arriving between the check and STI stays pending
 * through the STI's shadow and ends the HLT at once.
 */
static __noreturn void ap_idle(struct percpu *pc)
{
	for (;;) {
		void (*fn)(void *);
		unsigned int from;

		while (__atomic_load_n(&pc->call_state, __ATOMIC_ACQUIRE) !=
		       SMP_CALL_PENDING)
			asm volatile("sti; hlt; cli" ::: "memory");
		fn = pc->call_fn;
		from = pc->call_from;
		pc->call_state = SMP_CALL_RUNNING;
		fn(pc->call_arg);
		__atomic_store_n(&pc->call_state, SMP_CALL_IDLE,
				 __ATOMIC_RELEASE);
		/* The caller may wait in HLT (smp_wait): wake it. */
		apic_send_ipi(cpus[from]->apic_id, HOST_VEC_KICK);
	}
}

static void copy_boot_cpu_state(void)
{
	write_cr0(boot.cr0);
	write_cr4(boot.cr4);
	wrmsr(MSR_EFER, boot.efer);
	if (boot.xsave)
		xsetbv_safe(0, boot.xcr0);
	/*
	 * mhv's PAT, loaded as SDM vol. 3, 13.12.4 asks: caches and TLB
	 * flushed around the write (core/host/memory.c does the same).
	 */
	if (boot.pat_valid) {
		write_cr0((boot.cr0 | CR0_CD) & ~CR0_NW);
		wbinvd();
		write_cr3(read_cr3());
		wrmsr(MSR_PAT, boot.pat);
		wbinvd();
		write_cr3(read_cr3());
		write_cr0(boot.cr0);
	}
}

/* Where the trampoline lands, on the AP's own stack: never returns. */
__noreturn void smp_ap_main(struct percpu *pc);
__noreturn void smp_ap_main(struct percpu *pc)
{
	int rc;

	wrmsr(MSR_GS_BASE, (uint64_t)pc);
	gdt_init(&pc->gdt);
	idt_load();
	copy_boot_cpu_state();
	__atomic_store_n(&boot.progress, AP_ALIVE, __ATOMIC_RELEASE);
	if (apic_init_ap() || apic_self_id() != pc->apic_id) {
		fmt_snprintf(boot.error, sizeof(boot.error),
			     "its local APIC (ID %#x) is not as expected",
			     apic_present() ? apic_self_id() : ~0u);
		rc = -1;
	} else {
		rc = boot.cpu_setup(boot.error, sizeof(boot.error));
	}
	__atomic_store_n(&boot.progress, rc ? AP_FAILED : AP_READY,
			 __ATOMIC_RELEASE);
	if (rc)
		halt_forever();
	ap_idle(pc);
}

/* The highest free real-mode page: usable RAM, no boot data on it. */
static uint64_t pick_trampoline(const struct boot_info *bi)
{
	for (uint64_t pa = TRAMP_LIMIT - PAGE_SIZE; pa >= TRAMP_LOWEST;
	     pa -= PAGE_SIZE) {
		bool usable = false, taken = false;

		for (unsigned int i = 0; i < bi->mmap_count; i++)
			usable |= bi->mmap[i].type == MEM_USABLE &&
				  pa >= bi->mmap[i].base &&
				  pa + PAGE_SIZE <=
					  bi->mmap[i].base + bi->mmap[i].len;
		taken = pa < bi->info_end && pa + PAGE_SIZE > bi->info_start;
		for (unsigned int i = 0; i < bi->module_count; i++)
			taken |= pa < bi->modules[i].end &&
				 pa + PAGE_SIZE > bi->modules[i].start;
		if (usable && !taken)
			return pa;
	}
	return 0;
}

static void send_init_sipi(uint32_t apic_id, uint64_t tramp)
{
	uint32_t sipi = APIC_ICR_STARTUP | (uint32_t)(tramp >> 12);

	apic_send_ipi(apic_id,
		      APIC_ICR_INIT | APIC_ICR_LEVEL | APIC_ICR_ASSERT);
	delay_us(10000);
	apic_send_ipi(apic_id, sipi);
	delay_us(200);
	apic_send_ipi(apic_id, sipi);
	delay_us(200);
}

static struct percpu *alloc_percpu(unsigned int index, uint32_t apic_id)
{
	uint64_t pa =
		memory_alloc_zeroed(ALIGN_UP(sizeof(struct percpu), PAGE_SIZE));
	uint64_t stack = memory_alloc_zeroed(AP_STACK_SIZE);
	struct percpu *pc = (struct percpu *)pa;

	if (!pa || !stack)
		return NULL;
	pc->self = pc;
	pc->cpu = index;
	pc->apic_id = apic_id;
	pc->stack_top = stack + AP_STACK_SIZE;
	return pc;
}

/* Start one AP as CPU `index`; true when it is usable. */
static bool start_ap(uint32_t apic_id, unsigned int index, uint64_t tramp,
		     const char *virt)
{
	struct ap_tramp_params *p =
		(struct ap_tramp_params *)(tramp +
					   (ap_tramp_params - ap_tramp_start));
	struct percpu *pc = alloc_percpu(index, apic_id);
	int progress;

	if (!pc) {
		pr_warn("smp: cpu %u (APIC ID %#x): out of memory: left out\n",
			index, apic_id);
		return false;
	}
	p->stack = pc->stack_top;
	p->percpu = (uint64_t)pc;
	boot.progress = AP_NONE;
	boot.error[0] = '\0';
	send_init_sipi(apic_id, tramp);
	progress = wait_progress(AP_NONE, CHECKIN_US);
	if (progress == AP_ALIVE)
		progress = wait_progress(AP_ALIVE, SETUP_US);
	switch (progress) {
	case AP_READY:
		cpus[index] = pc;
		pr_info("smp: cpu %u (APIC ID %#x) started, %s enabled\n",
			index, apic_id, virt);
		return true;
	case AP_FAILED:
		pr_warn("smp: cpu %u (APIC ID %#x): %s: left out\n", index,
			apic_id, boot.error);
		return false;
	default:
		/* Back to wait-for-SIPI, so it cannot run on later APs' data. */
		apic_send_ipi(apic_id,
			      APIC_ICR_INIT | APIC_ICR_LEVEL | APIC_ICR_ASSERT);
		pr_warn("smp: cpu %u (APIC ID %#x) did not %s: left out\n",
			index, apic_id,
			progress == AP_NONE ? "start" : "finish its setup");
		return false;
	}
}

unsigned int smp_start(const struct boot_info *bi,
		       int (*cpu_setup)(char *err, size_t errlen),
		       const char *what)
{
	struct ap_tramp_params *p;
	uint64_t tramp;
	unsigned int asked = found.count;

	if (asked <= 1)
		return cpu_count;
	tramp = pick_trampoline(bi);
	if (!tramp) {
		pr_warn("smp: no free page below %#llx for the AP trampoline: "
			"one CPU\n",
			(unsigned long long)TRAMP_LIMIT);
		return cpu_count;
	}
	boot.cr0 = read_cr0();
	boot.cr4 = read_cr4() & ~CR4_VMXE; /* the backend sets it per CPU */
	boot.efer = rdmsr(MSR_EFER) & ~(EFER_SVME | EFER_LMA);
	boot.xsave = boot.cr4 & CR4_OSXSAVE;
	boot.xcr0 = boot.xsave ? xgetbv(0) : 0;
	boot.pat_valid = !rdmsr_safe(MSR_PAT, &boot.pat);
	boot.cpu_setup = cpu_setup;
	memcpy((void *)tramp, ap_tramp_start,
	       (size_t)(ap_tramp_end - ap_tramp_start));
	p = (struct ap_tramp_params *)(tramp +
				       (ap_tramp_params - ap_tramp_start));
	p->cr3 = read_cr3();
	p->boot_cr3 = (uint32_t)(uintptr_t)boot_pml4;
	p->efer = (uint32_t)(boot.efer & (EFER_LME | EFER_NXE | EFER_SCE)) |
		  EFER_LME;
	p->entry = (uint64_t)smp_ap_main;
	pr_info("smp: starting %u AP%s through the trampoline at %#lx\n",
		asked - 1, asked == 2 ? "" : "s", tramp);
	/* APs print too from here on: lines say which CPU. */
	log_set_cpu_hook(this_index);
	aps_started = true;
	for (unsigned int i = 1; i < asked; i++)
		if (start_ap(found.apic_id[i], cpu_count, tramp, what))
			cpu_count++;
	pr_info("smp: %u of %u CPU%s usable\n", cpu_count, asked,
		asked == 1 ? "" : "s");
	return cpu_count;
}

int smp_call(unsigned int cpu, void (*fn)(void *), void *arg)
{
	struct percpu *pc;

	if (cpu == 0 || cpu >= cpu_count || cpu == this_index())
		return -1;
	pc = cpus[cpu];
	if (__atomic_load_n(&pc->call_state, __ATOMIC_ACQUIRE) != SMP_CALL_IDLE)
		return -1;
	pc->call_fn = fn;
	pc->call_arg = arg;
	pc->call_from = this_index();
	__atomic_store_n(&pc->call_state, SMP_CALL_PENDING, __ATOMIC_RELEASE);
	apic_send_ipi(pc->apic_id, HOST_VEC_KICK);
	return 0;
}

bool smp_idle(unsigned int cpu)
{
	return cpu < cpu_count &&
	       __atomic_load_n(&cpus[cpu]->call_state, __ATOMIC_ACQUIRE) ==
		       SMP_CALL_IDLE;
}

/*
 * HLT rather than spin (under QEMU TCG a spinning CPU slows the others):
 * the AP kicks its caller when fn returned, after storing "idle"; a kick
 * that comes before the HLT stays pending and ends it at once.
 */
void smp_wait(unsigned int cpu)
{
	if (cpu == 0 || cpu >= cpu_count)
		return;
	while (!smp_idle(cpu))
		asm volatile("sti; hlt; cli" ::: "memory");
}

void smp_kick(unsigned int cpu)
{
	if (cpu < cpu_count)
		apic_send_ipi(cpus[cpu]->apic_id, HOST_VEC_KICK);
}

unsigned int smp_kicks(unsigned int cpu)
{
	return cpu < cpu_count ? cpus[cpu]->kicks : 0;
}

void smp_stop_others(void)
{
	int me = (int)this_index(), none = -1;

	if (!__atomic_compare_exchange_n(&stopping_cpu, &none, me, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ||
	    !aps_started)
		return;
	/* Every CPU the MADT gave, usable or not: a left-out one may run. */
	for (unsigned int i = 0; i < found.count; i++)
		if (found.apic_id[i] != this_cpu()->apic_id)
			apic_send_ipi(found.apic_id[i], APIC_ICR_NMI);
}

bool smp_stopping(void)
{
	int s = __atomic_load_n(&stopping_cpu, __ATOMIC_ACQUIRE);

	return s >= 0 && s != (int)this_index();
}
