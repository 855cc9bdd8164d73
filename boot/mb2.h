/* SPDX-License-Identifier: MIT */
#ifndef MHV_BOOT_MB2_H
#define MHV_BOOT_MB2_H

#include <stddef.h>
#include <stdint.h>

#include "boot/bootinfo.h"

/*
 * Validate and decode a multiboot2 information block.
 *   info      readable copy of the block (in the kernel, the block itself)
 *   info_pa   its physical address (used for overlap checks)
 *   limit     bytes the caller allows the block to claim (total_size above
 *             it is refused)
 *   kernel_*  physical extent of the hypervisor image: modules may not
 *             overlap it, nor the info block, nor each other
 * Returns 0 on success; otherwise -1 with a human-readable reason in err.
 * Never reads outside [info, info + min(total_size, limit)).
 */
int mb2_parse(const void *info, uint64_t info_pa, size_t limit,
	      uint64_t kernel_start, uint64_t kernel_end, struct boot_info *bi,
	      char *err, size_t errlen);

#endif
