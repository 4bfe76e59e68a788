/* See prefault.h. */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/prefault.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23   /* include/uapi/asm-generic/mman-common.h */
#endif

void prefault_buffer(void *p, size_t len)
{
	if (len < PREFAULT_MIN)
		return;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t end = ((uintptr_t)p + len) & ~(page - 1);
	if (end <= start)
		return;
	madvise((void *)start, end - start, MADV_HUGEPAGE);
	madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}
