/* SPDX-License-Identifier: MIT */
#ifndef MHV_GUEST_IRQ_H
#define MHV_GUEST_IRQ_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The interrupt controllers and timers of a PC as the guests program them:
 * the local APIC (xAPIC MMIO or x2APIC MSRs, whichever mode it is in), the
 * I/O APIC, the 8259 pair and the 8254 PIT. Separate from guest.h because
 * older tests name some of these registers themselves.
 */

/* Local APIC registers by xAPIC MMIO offset (SDM vol. 3, table 11-1). */
#define APIC_MMIO_BASE 0xfee00000ull
#define APIC_ID 0x20
#define APIC_VERSION 0x30
#define APIC_TPR 0x80
#define APIC_PPR 0xa0
#define APIC_EOI 0xb0
#define APIC_SPIV 0xf0
#define APIC_ISR 0x100 /* 8 registers, 0x10 apart: vector v in v / 32 */
#define APIC_TMR 0x180
#define APIC_IRR 0x200
#define APIC_ESR 0x280
#define APIC_ICR 0x300
#define APIC_ICR2 0x310 /* xAPIC only: the destination in bits 31:24 */
#define APIC_LVTT 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TMICT 0x380
#define APIC_TMCCT 0x390
#define APIC_TDCR 0x3e0
#define APIC_SELF_IPI 0x3f0 /* x2APIC only */

#define APIC_SPIV_ENABLE (1u << 8)
#define APIC_SPURIOUS_VECTOR 0xff

/* LVT entries and the ICR (SDM vol. 3, 11.5.1 and 11.6.1). */
#define APIC_DM_FIXED (0u << 8)
#define APIC_DM_NMI (4u << 8)
#define APIC_DM_EXTINT (7u << 8)
#define APIC_DELIVERY_PENDING (1u << 12)
#define APIC_ICR_ASSERT (1u << 14)
#define APIC_ICR_SELF (1u << 18)
#define APIC_LVT_MASKED (1u << 16)
#define APIC_LVTT_ONESHOT (0u << 17)
#define APIC_LVTT_PERIODIC (1u << 17)
#define APIC_LVTT_TSC_DEADLINE (2u << 17)

/* Divide configuration: bits 0, 1 and 3 (SDM vol. 3, figure 11-10). */
#define APIC_TDCR_DIV1 0xb
#define APIC_TDCR_DIV2 0x0
#define APIC_TDCR_DIV16 0x3
#define APIC_TDCR_DIV128 0xa

/* ESR bits (SDM vol. 3, 11.5.3). */
#define APIC_ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define APIC_ESR_RECV_ILLEGAL_VECTOR (1u << 6)

#define IA32_APIC_BASE 0x1b
#define IA32_TSC_DEADLINE 0x6e0

bool cpu_has_x2apic(void);
bool cpu_has_tsc_deadline(void);

/*
 * Mask the 8259s; software-enable the APIC (SPIV, spurious vector 0xff
 * with a handler that counts them), TPR 0, LVT timer and error masked,
 * ESR cleared.
 */
void apic_init(void);
/* Switch to x2APIC mode; false if the CPU has none or refuses. */
bool apic_enable_x2apic(void);
bool apic_is_x2apic(void);
unsigned int apic_spurious_count(void);

/* reg is the xAPIC offset; in x2APIC mode the MSR 0x800 + reg / 16. */
uint32_t apic_read(unsigned int reg);
void apic_write(unsigned int reg, uint32_t val);
uint32_t apic_id(void);
/*
 * The ICR: low word (vector, delivery mode, shorthand...) and destination
 * APIC ID. Waits for the previous IPI to be sent first (xAPIC).
 */
void apic_icr_write(uint32_t lo, uint32_t dest);
/* A fixed interrupt to this CPU through the ICR's self shorthand. */
void apic_self_ipi(uint8_t vector);
void apic_eoi(void);
bool apic_irr(unsigned int vector);
bool apic_isr(unsigned int vector);
/* Write the ESR, then read it: the errors since the previous write. */
uint32_t apic_esr(void);

/*
 * Spin with interrupts as they are until *counter reaches want or
 * timeout TSC ticks pass; true if it got there.
 */
bool wait_count(volatile unsigned int *counter, unsigned int want,
		uint64_t timeout);

/* I/O APIC at 0xfec00000: IOREGSEL / IOWIN (82093AA datasheet, 3.0). */
#define IOAPIC_MMIO_BASE 0xfec00000ull
#define IOAPIC_VERSION 0x01
#define IOAPIC_REDTBL(pin) (0x10 + 2 * (pin))
#define IOAPIC_MASKED (1ull << 16)

uint32_t ioapic_read(unsigned int reg);
void ioapic_write(unsigned int reg, uint32_t val);
void ioapic_set_redir(unsigned int pin, uint64_t entry);
uint64_t ioapic_get_redir(unsigned int pin);

/* 8259 pair: master at 0x20, slave at 0xa0 (8259A datasheet). */
#define PIC_MASTER 0x20
#define PIC_SLAVE 0xa0

/* Initialize both (edge, cascaded on IRQ2, 8086 mode), all IRQs masked. */
void pic_init(uint8_t master_base, uint8_t slave_base);
/* Bit n masks IRQ n; bits 8-15 are the slave's. */
void pic_set_mask(uint16_t mask);
/* Non-specific EOI to the master (and the slave for IRQ 8-15). */
void pic_eoi(unsigned int irq);
/* The in-service registers, master in bits 0-7 (OCW3 read ISR). */
uint16_t pic_isr(void);

/* 8254 PIT: input clock 1.193182 MHz, ports 0x40-0x43; port 0x61. */
#define PIT_HZ 1193182ull
#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_MODE 0x43
#define PORT_61 0x61
#define PORT_61_GATE2 0x01
#define PORT_61_SPEAKER 0x02
#define PORT_61_OUT2 0x20

#endif
