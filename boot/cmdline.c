/* The kernel command line at LAYOUT_CMDLINE (boot.rst "cmd_line_ptr",
 * "cmdline_size"). */
#include <string.h>

#include "boot/boot.h"

int cmdline_write(struct guest_memory *mem, const char *cmdline, uint32_t max_len,
		  struct error *err)
{
	if (!cmdline)
		cmdline = "";
	size_t len = strlen(cmdline);
	/* boot.rst "cmdline_size": the maximum size of the command line
	 * without the terminating zero. */
	if (len > max_len)
		return error_set(err, "command line is %zu bytes, the kernel accepts at most %u",
				 len, max_len);
	if (len >= LAYOUT_CMDLINE_MAX)
		return error_set(err, "command line is %zu bytes, minivmm has room for at most %llu",
				 len, LAYOUT_CMDLINE_MAX - 1);
	if (guest_memory_write(mem, LAYOUT_CMDLINE, cmdline, len + 1) < 0)
		return error_set(err, "guest RAM too small for the command line at 0x%llx",
				 LAYOUT_CMDLINE);
	return 0;
}
