// SPDX-License-Identifier: MIT
/*
 * selftest=smp: proof that each AP works. Every usable AP runs a call
 * that reports its APIC ID, its CPU index and whether VMX/SVM is on there;
 * then an smp_kick() must reach it while it idles in HLT. One line per
 * check, PASS or FAIL, and a verdict line the boot matrix looks for.
 */
#include "core/host/apic.h"
#include "core/host/cpu.h"
#include "core/host/log.h"
#include "core/host/smp.h"
#include "core/host/smp_selftest.h"
#include "core/host/tsc.h"

/* How long a kicked CPU may take to run its handler. */
#define KICK_US 100000

struct ap_report {
	uint32_t apic_id;
	unsigned int index;
	bool virt_on;
};

static bool (*virt_check)(void);

static void report_in(void *arg)
{
	struct ap_report *r = arg;

	r->apic_id = apic_self_id();
	r->index = smp_this_cpu();
	r->virt_on = virt_check();
}

static const char *verdict(bool ok)
{
	return ok ? "PASS" : "FAIL";
}

static bool check_kick(unsigned int cpu)
{
	unsigned int before = smp_kicks(cpu);
	uint64_t start = rdtsc(), ticks = tsc_hz() / 1000000 * KICK_US;
	bool ok;

	smp_kick(cpu);
	while (smp_kicks(cpu) == before && rdtsc() - start < ticks)
		cpu_relax();
	ok = smp_kicks(cpu) != before && smp_idle(cpu);
	pr_info("selftest: smp: cpu %u: woken from HLT by smp_kick, idle "
		"again: %s\n",
		cpu, verdict(ok));
	return ok;
}

static bool check_call(unsigned int cpu, const char *what)
{
	struct ap_report r = {.apic_id = ~0u, .index = ~0u};
	bool ok;

	if (smp_call(cpu, report_in, &r)) {
		pr_info("selftest: smp: cpu %u: smp_call refused: FAIL\n", cpu);
		return false;
	}
	smp_wait(cpu);
	ok = r.apic_id == smp_apic_id(cpu) && r.index == cpu && r.virt_on;
	pr_info("selftest: smp: cpu %u: APIC ID %#x (expected %#x), index %u, "
		"%s %s: %s\n",
		cpu, r.apic_id, smp_apic_id(cpu), r.index, what,
		r.virt_on ? "on" : "off", verdict(ok));
	return ok;
}

bool smp_selftest(bool (*virt_on)(void), const char *what)
{
	unsigned int n = smp_cpu_count();
	bool ok = virt_on();

	virt_check = virt_on;
	pr_info("selftest: smp: %u CPU%s; cpu 0: APIC ID %#x, %s %s: %s\n", n,
		n == 1 ? "" : "s", smp_apic_id(0), what, ok ? "on" : "off",
		verdict(ok));
	for (unsigned int cpu = 1; cpu < n; cpu++) {
		ok &= check_call(cpu, what);
		ok &= check_kick(cpu);
	}
	pr_info("selftest: smp: %s\n", verdict(ok));
	return ok;
}
