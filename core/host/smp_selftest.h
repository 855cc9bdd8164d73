/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_SMP_SELFTEST_H
#define MHV_CORE_HOST_SMP_SELFTEST_H

#include <stdbool.h>

/*
 * selftest=smp (core/host/smp_selftest.c): every AP reports through
 * smp_call(), and wakes for smp_kick(); virt_on says whether VMX/SVM is
 * on the CPU running it, `what` names it. Logs "selftest: smp: ..." lines
 * and returns whether all passed.
 */
bool smp_selftest(bool (*virt_on)(void), const char *what);

#endif
