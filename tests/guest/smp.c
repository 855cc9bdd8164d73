// SPDX-License-Identifier: MIT
/*
 * Several vCPUs: the BSP finds them in fw_cfg and the MADT's count,
 * starts each AP with INIT-SIPI-SIPI through its local APIC (SDM vol. 3,
 * 9.4.4.1), and each AP, from real mode at the SIPI's page, counts itself
 * in under its own APIC ID and sends the BSP a fixed IPI (its own vector)
 * and an NMI; then
 * an INIT and a SIPI restart one AP, which counts itself in again.
 *
 *   smp -- N    the number of vCPUs the VM was given (cpus=N)
 */
#include "guest.h"
#include "irq.h"

#define TRAMPOLINE 0x8000u /* SIPI vector 0x08 */
#define SIPI_VECTOR (TRAMPOLINE >> 12)
#define IPI_VECTOR 0x40
#define MAX_CPUS 16
#define FW_CFG_NB_CPUS 0x05
#define APIC_DM_INIT (5u << 8)
#define APIC_DM_SIPI (6u << 8)
#define APIC_ICR_LEVEL (1u << 15)
/* 0.5 s at 2 GHz; Bochs runs tens of millions of instructions a second. */
#define AP_TIMEOUT (1ull << 30)

/*
 * The AP's code, copied to TRAMPOLINE: real mode to flat 32-bit
 * protected mode on a GDT of its own, then the count-in. Addresses are
 * absolute: the code only ever runs at TRAMPOLINE.
 */
extern const uint8_t ap_start[], ap_end[], ap_count[], ap_seen[];
#define AT(sym) "(" #sym " - ap_start + 0x8000)"
asm(".pushsection .rodata\n"
    ".balign 16\n"
    ".code16\n"
    "ap_start:\n"
    "	cli\n"
    "	xor %ax, %ax\n"
    "	mov %ax, %ds\n"
    "	lgdtl " AT(
	    ap_gdtr) "\n"
		     "	mov %cr0, %eax\n"
		     "	or $1, %eax\n"
		     "	mov %eax, %cr0\n"
		     "	ljmpl $0x08, $" AT(
			     ap_32) "\n"
				    ".code32\n"
				    "ap_32:\n"
				    "	mov $0x10, %ax\n"
				    "	mov %ax, %ds\n"
				    "	mov %ax, %es\n"
				    "	mov %ax, %ss\n"
				    "	lock incl " AT(
					    ap_count) "\n"
						      "	mov 0xfee00020, %ebx\n" /* APIC ID */
						      "	shr $24, %ebx\n"
						      "	and $15, %ebx\n"
						      "	lock incb " AT(
							      ap_seen) "(%ebx)"
								       "\n"
								       /* To APIC ID 0: a fixed IPI on vector 0x40 + own ID, an NMI. */
								       "	movl $0, 0xfee00310\n"
								       "	lea 0x40(%ebx), %eax\n"
								       "	mov %eax, 0xfee00300\n"
								       "	movl $0x400, 0xfee00300\n"
								       "1:	hlt\n"
								       "	jmp 1b\n"
								       ".balign"
								       " 8\n"
								       "ap_gdt:"
								       "\n"
								       "	.quad 0, 0x00cf9a000000ffff, 0x00cf92000000ffff\n"
								       "ap_"
								       "gdtr:\n"
								       "	.word 23\n"
								       "	.long " AT(
									       ap_gdt) "\n"
										       ".balign 4\n"
										       "ap_count: .long 0\n"
										       "ap_seen: .fill 16, 1, 0\n"
										       "ap_end:\n"
										       ".code64\n"
										       ".popsection\n");

static volatile unsigned int nmis;
static volatile uint32_t ipi_from; /* bit i: vector 0x40 + i came */

/*
 * One vector per AP: interrupts on one vector sent at once merge in the
 * IRR, on hardware as here (SDM vol. 3, 11.8.4), and so do NMIs.
 */
static void ipi_handler(struct irq_frame *f)
{
	ipi_from |= 1u << (f->vector - IPI_VECTOR);
	apic_eoi();
}

static bool wait_mask(volatile uint32_t *p, uint32_t want)
{
	uint64_t t0 = rdtsc();

	while ((*p & want) != want && rdtsc() - t0 < AP_TIMEOUT)
		cpu_relax();
	return (*p & want) == want;
}

static void nmi_handler(struct irq_frame *f)
{
	nmis++;
}

static volatile uint32_t *count_at(void)
{
	return (volatile uint32_t *)(uintptr_t)(TRAMPOLINE +
						(ap_count - ap_start));
}

static volatile uint8_t *seen_at(void)
{
	return (volatile uint8_t *)(uintptr_t)(TRAMPOLINE +
					       (ap_seen - ap_start));
}

static bool wait_for(volatile uint32_t *p, uint32_t want)
{
	uint64_t t0 = rdtsc();

	while (*p < want && rdtsc() - t0 < AP_TIMEOUT)
		cpu_relax();
	return *p >= want;
}

/* INIT assert, INIT de-assert, then two SIPIs, as the SDM's example. */
static void start_ap(uint32_t id)
{
	apic_icr_write(APIC_DM_INIT | APIC_ICR_ASSERT | APIC_ICR_LEVEL, id);
	apic_icr_write(APIC_DM_INIT | APIC_ICR_LEVEL, id);
	apic_icr_write(APIC_DM_SIPI | SIPI_VECTOR, id);
	apic_icr_write(APIC_DM_SIPI | SIPI_VECTOR, id);
}

static unsigned int decimal(const char *p)
{
	unsigned int n = 0;

	while (*p >= '0' && *p <= '9')
		n = n * 10 + (unsigned int)(*p++ - '0');
	return n;
}

int main(int argc, char **argv)
{
	unsigned int want = argc > 1 ? decimal(argv[1]) : 0;
	unsigned int n = (unsigned int)fw_cfg_read_le(FW_CFG_NB_CPUS, 2);
	bool all_seen = true, ok;

	report(want >= 2 && want <= MAX_CPUS, "asked for %u vCPUs", want);
	report(n == want, "fw_cfg says %u CPUs (want %u)", n, want);
	if (n < 2 || n > MAX_CPUS)
		return report_summary();

	memcpy((void *)(uintptr_t)TRAMPOLINE, ap_start,
	       (size_t)(ap_end - ap_start));
	apic_init();
	for (unsigned int id = 1; id < n; id++)
		set_irq_handler(IPI_VECTOR + id, ipi_handler);
	set_irq_handler(NMI_VECTOR, nmi_handler);
	report(apic_id() == 0, "the BSP's APIC ID is %u", apic_id());
	sti();

	for (uint32_t id = 1; id < n; id++)
		start_ap(id);
	ok = wait_for(count_at(), n - 1);
	report(ok, "%u of %u APs counted in", *count_at(), n - 1);
	for (unsigned int id = 0; id < n; id++)
		all_seen &= seen_at()[id] == (id ? 1 : 0);
	report(all_seen, "each AP counted in once under its own APIC ID");
	ok = wait_mask(&ipi_from, (1u << n) - 2);
	report(ok, "a fixed IPI from each AP (%#x)", ipi_from);
	ok = wait_count(&nmis, 1, AP_TIMEOUT);
	report(ok && nmis <= n - 1, "NMIs from the APs: %u (%u sent)", nmis,
	       n - 1);

	/* An INIT puts AP 1 back to waiting; a SIPI starts it over. */
	ipi_from = 0;
	start_ap(1);
	ok = wait_for(count_at(), n);
	report(ok, "INIT and SIPI restart AP 1 (%u in)", *count_at());
	report(seen_at()[1] == 2, "AP 1 counted in twice (%u)", seen_at()[1]);
	ok = wait_mask(&ipi_from, 1u << 1);
	report(ok && ipi_from == 1u << 1, "its IPI again, nobody else's (%#x)",
	       ipi_from);
	cli();
	return report_summary();
}
