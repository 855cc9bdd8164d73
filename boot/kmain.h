/* SPDX-License-Identifier: MIT */
#ifndef MHV_BOOT_KMAIN_H
#define MHV_BOOT_KMAIN_H

#include <stdint.h>

#include "lib/compiler.h"

/* Called once by boot/boot.asm in long mode, on the boot stack. */
__noreturn void kmain(uint32_t magic, uint32_t info_pa);

#endif
