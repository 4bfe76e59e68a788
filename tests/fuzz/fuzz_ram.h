/* 64 MiB of fake guest RAM for the loader targets (MAP_NORESERVE, so
 * untouched pages cost nothing), with the layout's MMIO hole; made once. */
#ifndef MINIVMM_FUZZ_RAM_H
#define MINIVMM_FUZZ_RAM_H

#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "boot/layout.h"
#include "kvm/guest_memory.h"

#define FUZZ_RAM_SIZE (64ULL << 20)

static inline struct guest_memory *fuzz_ram(void)
{
	static struct guest_memory mem;
	static bool ready;
	if (!ready) {
		struct error err;
		void *host = mmap(NULL, FUZZ_RAM_SIZE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (host == MAP_FAILED ||
		    guest_memory_init(&mem, host, FUZZ_RAM_SIZE, LAYOUT_MMIO_HOLE_START,
				      LAYOUT_MMIO_HOLE_END, &err) < 0)
			abort();
		ready = true;
	}
	return &mem;
}

#endif
