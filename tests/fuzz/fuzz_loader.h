/* What the loader targets that load (fuzz_elf.c, fuzz_bzimage.c) share. */
#ifndef MINIVMM_FUZZ_LOADER_H
#define MINIVMM_FUZZ_LOADER_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "boot/layout.h"
#include "kvm/guest_memory.h"

#define FUZZ_RAM_SIZE (64ULL << 20)

/* 64 MiB of fake guest RAM (MAP_NORESERVE, so untouched pages cost
 * nothing), with the layout's MMIO hole; made once. */
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

/* A loader error names the file ("fuzz", as the targets call it) in one
 * line. */
static inline void fuzz_check_message(const struct error *err)
{
	if (strncmp(err->msg, "fuzz: ", 6) != 0 || strchr(err->msg, '\n'))
		__builtin_trap();
}

#endif
