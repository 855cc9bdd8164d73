// SPDX-License-Identifier: MIT
#include "guest.h"
#include "irq.h"

/* Local APIC, I/O APIC, 8259 pair: see irq.h. */
#define APIC_BASE_EXTD (1u << 10)
#define APIC_BASE_EN (1u << 11)
#define X2APIC_MSR(reg) (0x800 + (reg) / 16)

static bool x2apic;
static volatile unsigned int spurious;

bool cpu_has_x2apic(void)
{
	return cpuid(1).c & (1u << 21);
}

bool cpu_has_tsc_deadline(void)
{
	return cpuid(1).c & (1u << 24);
}

bool apic_is_x2apic(void)
{
	return x2apic;
}

uint32_t apic_read(unsigned int reg)
{
	if (x2apic)
		return rdmsr(X2APIC_MSR(reg));
	return readl(APIC_MMIO_BASE + reg);
}

void apic_write(unsigned int reg, uint32_t val)
{
	if (x2apic)
		wrmsr(X2APIC_MSR(reg), val);
	else
		writel(APIC_MMIO_BASE + reg, val);
}

uint32_t apic_id(void)
{
	uint32_t id = apic_read(APIC_ID);

	return x2apic ? id : id >> 24;
}

static void spurious_handler(struct irq_frame *f)
{
	/* No EOI: a spurious vector is not put in service (SDM vol. 3, 11.9). */
	spurious++;
}

unsigned int apic_spurious_count(void)
{
	return spurious;
}

void apic_init(void)
{
	/*
	 * The firmware leaves the 8259s programmed for real mode (IRQ0 at
	 * vector 8) and wired through LINT0: one PIT tick after STI would
	 * arrive as a #DF. Tests that want them call pic_init().
	 */
	pic_set_mask(0xffff);
	x2apic = rdmsr(IA32_APIC_BASE) & APIC_BASE_EXTD;
	set_irq_handler(APIC_SPURIOUS_VECTOR, spurious_handler);
	apic_write(APIC_SPIV, APIC_SPIV_ENABLE | APIC_SPURIOUS_VECTOR);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	apic_write(APIC_TMICT, 0);
	apic_write(APIC_LVT_ERROR, APIC_LVT_MASKED);
	(void)apic_esr();
}

bool apic_enable_x2apic(void)
{
	uint64_t base = rdmsr(IA32_APIC_BASE);

	if (!cpu_has_x2apic())
		return false;
	if (!wrmsr_checked(IA32_APIC_BASE,
			   base | APIC_BASE_EN | APIC_BASE_EXTD))
		return false;
	x2apic = true;
	return true;
}

void apic_icr_write(uint32_t lo, uint32_t dest)
{
	if (x2apic) {
		/* One 64-bit register; no delivery status (SDM vol. 3, 11.12.9). */
		wrmsr(X2APIC_MSR(APIC_ICR), (uint64_t)dest << 32 | lo);
		return;
	}
	for (int i = 0; i < 100000; i++) {
		if (!(apic_read(APIC_ICR) & APIC_DELIVERY_PENDING))
			break;
		cpu_relax();
	}
	apic_write(APIC_ICR2, dest << 24);
	apic_write(APIC_ICR, lo);
}

void apic_self_ipi(uint8_t vector)
{
	apic_icr_write(APIC_ICR_SELF | APIC_ICR_ASSERT | APIC_DM_FIXED | vector,
		       0);
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

static bool apic_bit(unsigned int base, unsigned int vector)
{
	return apic_read(base + 0x10 * (vector / 32)) & (1u << (vector % 32));
}

bool apic_irr(unsigned int vector)
{
	return apic_bit(APIC_IRR, vector);
}

bool apic_isr(unsigned int vector)
{
	return apic_bit(APIC_ISR, vector);
}

uint32_t apic_esr(void)
{
	/* Only 0 may be written in x2APIC mode (SDM vol. 3, 11.5.3). */
	apic_write(APIC_ESR, 0);
	return apic_read(APIC_ESR);
}

bool wait_count(volatile unsigned int *counter, unsigned int want,
		uint64_t timeout)
{
	uint64_t start = rdtsc();

	while (*counter < want) {
		if (rdtsc() - start > timeout)
			return false;
		cpu_relax();
	}
	return true;
}

uint32_t ioapic_read(unsigned int reg)
{
	writel(IOAPIC_MMIO_BASE, reg);
	return readl(IOAPIC_MMIO_BASE + 0x10);
}

void ioapic_write(unsigned int reg, uint32_t val)
{
	writel(IOAPIC_MMIO_BASE, reg);
	writel(IOAPIC_MMIO_BASE + 0x10, val);
}

void ioapic_set_redir(unsigned int pin, uint64_t entry)
{
	/*
	 * Mask first and write the low word (with the mask) last, so the pin
	 * never fires with half an entry written.
	 */
	ioapic_write(IOAPIC_REDTBL(pin), IOAPIC_MASKED);
	ioapic_write(IOAPIC_REDTBL(pin) + 1, entry >> 32);
	ioapic_write(IOAPIC_REDTBL(pin), (uint32_t)entry);
}

uint64_t ioapic_get_redir(unsigned int pin)
{
	return (uint64_t)ioapic_read(IOAPIC_REDTBL(pin) + 1) << 32 |
	       ioapic_read(IOAPIC_REDTBL(pin));
}

void pic_init(uint8_t master_base, uint8_t slave_base)
{
	outb(PIC_MASTER, 0x11); /* ICW1: edge, cascade, ICW4 follows */
	outb(PIC_SLAVE, 0x11);
	outb(PIC_MASTER + 1, master_base); /* ICW2: vector of IRQ0 */
	outb(PIC_SLAVE + 1, slave_base);
	outb(PIC_MASTER + 1, 1u << 2); /* ICW3: slave on IRQ2 */
	outb(PIC_SLAVE + 1, 2);	       /* ICW3: slave identity 2 */
	outb(PIC_MASTER + 1, 0x01);    /* ICW4: 8086 mode, normal EOI */
	outb(PIC_SLAVE + 1, 0x01);
	pic_set_mask(0xffff);
}

void pic_set_mask(uint16_t mask)
{
	outb(PIC_MASTER + 1, mask);
	outb(PIC_SLAVE + 1, mask >> 8);
}

void pic_eoi(unsigned int irq)
{
	if (irq >= 8)
		outb(PIC_SLAVE, 0x20);
	outb(PIC_MASTER, 0x20);
}

uint16_t pic_isr(void)
{
	uint16_t isr;

	outb(PIC_MASTER, 0x0b); /* OCW3: read ISR */
	outb(PIC_SLAVE, 0x0b);
	isr = inb(PIC_MASTER) | inb(PIC_SLAVE) << 8;
	outb(PIC_MASTER, 0x0a); /* back to reading IRR */
	outb(PIC_SLAVE, 0x0a);
	return isr;
}
