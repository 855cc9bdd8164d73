/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_IDT_H
#define MHV_CORE_HOST_IDT_H

/* Load the IDT: every vector, exception or interrupt, into trap_dispatch(). */
void idt_init(void);

#endif
