/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_IDT_H
#define MHV_CORE_HOST_IDT_H

/* Build the IDT (one for every CPU) and load it on the boot CPU. */
void idt_init(void);
/* Load the IDT idt_init() built on this CPU (an AP). */
void idt_load(void);

#endif
