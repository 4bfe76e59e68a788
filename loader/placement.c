/* Rules every placement shares: alignments are powers of two of at least a
 * page, because guest RAM is handed out and mapped in pages. */
#include <inttypes.h>

#include "loader/loader.h"

int loader_check_alignment(uint64_t alignment, const char *name, struct error *err)
{
	if (alignment == 0)
		return 0;
	if (alignment & (alignment - 1))
		return error_set(err, "%s: alignment 0x%" PRIx64 " is not a power of two",
				 name, alignment);
	if (alignment < LOADER_PAGE_SIZE)
		return error_set(err, "%s: alignment 0x%" PRIx64 " is below the 4 KiB page size",
				 name, alignment);
	return 0;
}
