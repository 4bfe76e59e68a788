/* What the parts of minivmm-init share (guest/minivmm-init.c): its one-line
 * reports, in the kernel log and on the status port. */
#ifndef MINIVMM_GUEST_INIT_H
#define MINIVMM_GUEST_INIT_H

#include "guest/command.h"

/* One line in the kernel log ("minivmm-init: MSG"). */
void init_log(const char *msg);

/* A failure before the command runs: the kernel log, "error MESSAGE" on the
 * status port when it is open, then power off. */
_Noreturn __attribute__((format(printf, 1, 2))) void init_fail(const char *fmt, ...);

/* A failure before the status port is open: logged now, and the first one
 * is reported by main once the port is open. */
__attribute__((format(printf, 1, 2))) void init_defer_error(const char *fmt, ...);

/* The named virtio-console ports (guest/init_ports.c). */
enum { PORT_STDIN, PORT_STDOUT, PORT_STDERR, PORT_STATUS, PORT_COUNT };

/* Waits (bounded) for the four ports and opens them close-on-exec; a port
 * not found is -1, with a deferred error naming it. */
void init_ports_open(int fds[PORT_COUNT]);

/* The mounts (guest/init_mounts.c); each failure is init_fail. */
void init_switch_root(const struct command *cmd);
void init_mount_new_root(const struct command *cmd);

#endif
