// SPDX-License-Identifier: MIT
#include <string.h>

#include "core/host/apic.h"
#include "tests/unit/fake_clock.h"
#include "tests/unit/fake_host_irq.h"

struct fake_host_irq fake_irq;

void fake_host_irq_reset(void)
{
	memset(&fake_irq, 0, sizeof(fake_irq));
}

/* As apic.c: the timer vector marks the expiry the exit then looks at. */
void host_irq_handle(unsigned int vector)
{
	if (fake_irq.handled_count < 8)
		fake_irq.handled[fake_irq.handled_count] = vector;
	fake_irq.handled_count++;
	if (vector == HOST_VEC_TIMER)
		fake_irq.timer_expired = true;
}

/* The IDT delivery that interrupt_window() would cause. */
void host_irq_take_pending(void)
{
	unsigned int vector = fake_irq.pending_vector;

	fake_irq.pending_vector = 0;
	if (vector)
		host_irq_handle(vector);
}

bool host_timer_usable(void)
{
	return true;
}

void host_timer_arm(uint64_t tsc_ticks)
{
	fake_irq.timer_armed = true;
	fake_irq.armed_ticks = tsc_ticks;
	fake_irq.arm_count++;
	fake_irq.timer_expired = false;
}

void host_timer_stop(void)
{
	fake_irq.timer_armed = false;
	fake_irq.timer_expired = false;
}

bool host_timer_take_expired(void)
{
	bool e = fake_irq.timer_expired;

	fake_irq.timer_expired = false;
	return e;
}

/* Waiting ends at the deadline: the fake clock jumps there. */
void host_wait(uint64_t deadline)
{
	fake_irq.waits++;
	if (fake_now < deadline)
		fake_now = deadline;
	fake_irq.timer_expired = true;
}

unsigned int smp_this_cpu(void)
{
	return fake_irq.this_cpu;
}

void smp_kick(unsigned int cpu)
{
	if (cpu < sizeof(fake_irq.kicks) / sizeof(fake_irq.kicks[0]))
		fake_irq.kicks[cpu]++;
}
