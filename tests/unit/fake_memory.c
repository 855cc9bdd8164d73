// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/host/memory.h"
#include "lib/compiler.h"
#include "lib/string.h"
#include "tests/unit/fake_memory.h"

struct pmm phys_mem;

#define WINDOW_SPAN GiB(64) /* address space only, never backed */

static int fd = -1;
static uint8_t *phys, *window;
static uint64_t phys_size;

static void *reserve(uint64_t size)
{
	uint8_t *p = mmap(NULL, size + MiB(2), PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED) {
		perror("fake_memory: mmap");
		abort();
	}
	return (void *)ALIGN_UP((uintptr_t)p, MiB(2));
}

void fake_memory_init(uint64_t size)
{
	fd = memfd_create("fake-phys", 0);
	if (fd < 0 || ftruncate(fd, (off_t)size)) {
		perror("fake_memory: memfd");
		abort();
	}
	phys_size = size;
	phys = reserve(size);
	if (mmap(phys, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		 0) == MAP_FAILED) {
		perror("fake_memory: mmap phys");
		abort();
	}
	window = reserve(WINDOW_SPAN);
	pmm_init(&phys_mem);
	pmm_add(&phys_mem, (uint64_t)phys + MiB(2), size - MiB(2));
}

void fake_memory_fini(void)
{
	munmap(phys, phys_size);
	munmap(window, WINDOW_SPAN);
	close(fd);
	fd = -1;
}

uint64_t fake_memory_base(void)
{
	return (uint64_t)phys;
}

uint64_t memory_alloc_zeroed(uint64_t size)
{
	uint64_t pa = pmm_alloc(&phys_mem, size, PAGE_SIZE);

	if (pa != PMM_NONE)
		memset((void *)pa, 0, size);
	return pa;
}

uint8_t *memory_window(void)
{
	return window;
}

int memory_window_map(uint64_t offset, uint64_t hpa, uint64_t len)
{
	if ((offset | hpa | len) & (MiB(2) - 1) || offset + len > WINDOW_SPAN ||
	    hpa < (uint64_t)phys || hpa + len > (uint64_t)phys + phys_size)
		return -1;
	return mmap(window + offset, len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_FIXED, fd,
		    (off_t)(hpa - (uint64_t)phys)) == MAP_FAILED
		       ? -1
		       : 0;
}

void memory_window_clear(uint64_t len)
{
	mmap(window, ALIGN_UP(len, MiB(2)), PROT_NONE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
}
