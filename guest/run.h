/* Running the command as minivmm-init's child and reading how it ended
 * (issue 15): the part of the init that is the same whether or not it runs
 * as PID 1, so the unit tests run it on the host with pipes and files in
 * place of the virtio-console ports. */
#ifndef MINIVMM_GUEST_RUN_H
#define MINIVMM_GUEST_RUN_H

#include <stddef.h>
#include <sys/types.h>

#include "guest/command.h"

/* What the init adds to the command's environment when the env records do
 * not name them. */
#define RUN_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define RUN_DEFAULT_HOME "/root"

/* The command's environment, NULL-terminated: exactly cmd's env records,
 * then PATH and HOME when no record set them.  NULL when out of memory;
 * free() the array (the strings are cmd's or static). */
const char **run_environment(const struct command *cmd);

/* Forks the command: the child starts a session, takes fd_in, fd_out and
 * fd_err as its 0, 1 and 2 (whatever numbers they have here) and runs ARGS
 * by execvp with run_environment(cmd).  When that fails it runs
 *   SHELL -c 'exec "$@"' sh ARGS...
 * so that a missing command gets the shell's own "not found" line and
 * status 127.  Without SHELL (ENOENT) it writes "minivmm-init: ARG0:
 * REASON" on fd_err and exits 127 (not found) or 126 (anything else), as a
 * shell would.
 * Returns the child's pid, or -1 with errno set when fork or the
 * environment's allocation failed. */
pid_t run_start(const struct command *cmd, const char *shell, int fd_in, int fd_out,
		int fd_err);

/* Reaps every child with waitpid(-1) (an init inherits orphans and must
 * reap them) until pid itself ends; its wait status in *wstatus.  0, or -1
 * with errno set when waitpid fails other than by EINTR. */
int run_wait(pid_t pid, int *wstatus);

/* The status port's line for a wait status: "exit N\n" or "signal N\n".
 * Returns its length (< size). */
size_t run_status_line(int wstatus, char *buf, size_t size);

/* write(2) until all len bytes are written, retrying EINTR and short
 * writes; 0, or -1 with errno set. */
int run_write_all(int fd, const void *buf, size_t len);

#endif
