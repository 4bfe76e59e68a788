/* The options of a command run (README "Running a command"):
 * -- CMD [ARGS...], --share, --modules. */
#include <stdlib.h>
#include <string.h>

#include "vmm/config.h"

/* HOSTDIR[:GUESTDIR][,ro].  The host folder ends at the first ':' or at
 * a final ",ro"; whether it exists is the machine's check (setup). */
int options_add_share(struct vm_config *cfg, const char *v, struct error *err)
{
	static const char usage[] = "expected HOSTDIR[:GUESTDIR][,ro]";
	if (cfg->nshares == VM_SHARES_MAX)
		return error_set(err, "--share '%s': at most %d shares", v, VM_SHARES_MAX);
	size_t len = strlen(v);
	bool read_only = len >= 3 && strcmp(v + len - 3, ",ro") == 0;
	if (read_only)
		len -= 3;
	size_t host_len = strcspn(v, ":");
	if (host_len > len)
		host_len = len;
	const char *guest = host_len < len ? v + host_len + 1 : NULL;
	size_t guest_len = guest ? len - host_len - 1 : 0;
	if (host_len == 0 || (guest && (guest_len == 0 || guest[0] != '/')))
		return error_set(err, "--share '%s': %s (GUESTDIR absolute)", v, usage);
	struct share_option s = {
		.host_dir = strndup(v, host_len),
		.guest_dir = guest ? strndup(guest, guest_len) : NULL,
		.read_only = read_only,
	};
	if (!s.host_dir || (guest && !s.guest_dir)) {
		free(s.host_dir);
		free(s.guest_dir);
		return error_set_host(err, "--share: out of memory");
	}
	cfg->shares[cfg->nshares++] = s;
	return 0;
}

int options_finish_command(struct vm_config *cfg, struct error *err)
{
	if (!cfg->command) {
		if (cfg->nshares)
			return error_set(err, "--share needs a command to run: -- CMD [ARGS...]");
		if (cfg->modules_dir)
			return error_set(err, "--modules needs a command to run: -- CMD [ARGS...]");
		return 0;
	}
	if (cfg->stdin_is_image)
		return error_set(err, "-- CMD: stdin is the command's, it cannot also feed an "
				 "image ('-')");
	if (cfg->console_device == CONSOLE_DEVICE_VIRTIO)
		return error_set(err, "-- CMD: the virtio console carries the command's "
				 "stdio; the kernel's log stays on the serial port");
	/* stdout is the command's: the kernel's log goes to stderr with
	 * --verbose, otherwise only to the report and, when the run fails,
	 * to stderr at the end.  --console file:PATH still takes it. */
	if (cfg->console == CONSOLE_STDIO)
		cfg->console = cfg->verbose ? CONSOLE_STDERR : CONSOLE_NONE;
	return 0;
}

void options_free_shares(struct vm_config *cfg)
{
	for (size_t i = 0; i < cfg->nshares; i++) {
		free(cfg->shares[i].host_dir);
		free(cfg->shares[i].guest_dir);
	}
	cfg->nshares = 0;
}
