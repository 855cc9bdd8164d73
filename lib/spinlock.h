/* SPDX-License-Identifier: MIT */
#ifndef MHV_LIB_SPINLOCK_H
#define MHV_LIB_SPINLOCK_H

#include <stdbool.h>

/*
 * A test-and-test-and-set lock. mhv runs on one CPU today; the lock marks
 * what must stay serialized when more CPUs arrive (the console, the
 * P-SEAMLDR).
 */
struct spinlock {
	volatile int locked;
};

#define SPINLOCK_INIT \
	{             \
		0     \
	}

static inline bool spin_trylock(struct spinlock *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_lock(struct spinlock *l)
{
	while (!spin_trylock(l))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(const struct spinlock *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED);
}

#endif
