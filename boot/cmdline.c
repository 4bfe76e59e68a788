/* The kernel command line at LAYOUT_CMDLINE (boot.rst "cmd_line_ptr",
 * "cmdline_size"). */
#include <string.h>

#include "boot/boot.h"

/* boot.rst "cmdline_size" appeared in 2.06; before it the limit is 255. */
#define CMDLINE_V_CMDLINE_SIZE 0x0206
#define CMDLINE_OLD_MAX        255

uint32_t cmdline_limit(const struct setup_header *hdr)
{
	return hdr->version >= CMDLINE_V_CMDLINE_SIZE ? hdr->cmdline_size : CMDLINE_OLD_MAX;
}

int cmdline_check(const char *cmdline, uint32_t max_len, struct error *err)
{
	size_t len = strlen(cmdline);
	/* boot.rst "cmdline_size": the maximum size of the command line
	 * without the terminating zero. */
	if (len > max_len)
		return error_set(err, "command line is %zu bytes, the kernel accepts at most %u",
				 len, max_len);
	if (len >= LAYOUT_CMDLINE_MAX)
		return error_set(err, "command line is %zu bytes, minivmm has room for at most %llu",
				 len, LAYOUT_CMDLINE_MAX - 1);
	return 0;
}

int cmdline_write(struct guest_memory *mem, const char *cmdline, uint32_t max_len,
		  struct error *err)
{
	if (!cmdline)
		cmdline = "";
	if (cmdline_check(cmdline, max_len, err) < 0)
		return -1;
	size_t len = strlen(cmdline);
	if (guest_memory_write(mem, LAYOUT_CMDLINE, cmdline, len + 1) < 0)
		return error_set(err, "guest RAM too small for the command line at 0x%llx",
				 LAYOUT_CMDLINE);
	return 0;
}
