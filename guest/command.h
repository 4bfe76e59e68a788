/* The records of /minivmm/command, the run that minivmm hands its guest init
 * (issue 15): a sequence of NUL-terminated `key=value` records that the host
 * side writes into the initramfs layer it generates.  Keys, in the host's
 * order:
 *
 *   module=/minivmm/modules/NAME.ko   repeated, in load order
 *   root=TAG                          virtio-fs tag of the host's root
 *   share=TAG,rw|ro,GUESTDIR          repeated; GUESTDIR is the rest, commas and all
 *   cwd=ABSPATH                       the command's working directory
 *   env=NAME=VALUE                    repeated; the command's whole environment
 *   arg=STRING                        repeated, argv in order, at least one
 *
 * Pure code over a buffer: the unit tests run it on the host. */
#ifndef MINIVMM_GUEST_COMMAND_H
#define MINIVMM_GUEST_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

struct command_share {
	const char *tag;
	const char *guestdir;   /* absolute */
	bool ro;
};

/* Every string points into the buffer given to command_parse, which must
 * outlive the struct.  The arrays are NULL-terminated (args and env are
 * ready for execve). */
struct command {
	const char **modules;
	size_t nmodules;
	const char *root;
	struct command_share *shares;
	size_t nshares;
	const char *cwd;
	const char **env;
	size_t nenv;
	const char **args;
	size_t nargs;
};

#define COMMAND_ERROR_MAX 160

/* Parses len bytes of records.  0 on success.  -1 on bad input with a
 * one-line message in err (at most COMMAND_ERROR_MAX bytes with its NUL):
 * "unknown record KEY", "no arg record", ...; cmd then still holds every
 * record read before the bad one, so that the init can load the modules
 * that bring up the port the message is reported on.  -1 with "out of
 * memory" when an allocation fails.  Free with command_free either way. */
int command_parse(char *buf, size_t len, struct command *cmd, char err[COMMAND_ERROR_MAX]);

void command_free(struct command *cmd);

#endif
