/* Debian's virtiofsd (qemu-system-common, QEMU 7.2's C daemon), started
 * and stopped by minivmm for one host folder: it serves a virtio-fs
 * device (vmm/devices/virtio/virtio_fs.h) over vhost-user on a socket
 * only minivmm holds.  A read-only share is made read-only by the kernel
 * (a read-only recursive bind mount in the daemon's own mount namespace),
 * not by trusting the daemon or the guest.
 *
 * Use:
 *	struct virtiofsd d;
 *	virtiofsd_start(&d, "/", true, &err);         d.fd: the connected socket
 *	virtio_fs_init(&fs, tag, &vm.mem, d.fd, d.name, &err);  takes d.fd
 *	d.fd = -1;
 *	io_thread_watch(io, d.exit_fd, ...);         -> virtiofsd_exited and
 *	                                                virtio_fs_backend_gone
 *	...
 *	virtio_fs_destroy(&fs);                      closes the socket: it exits
 *	virtiofsd_stop(&d, &err);
 * On a failure after the start (the handshake), virtiofsd_explain adds
 * what the daemon said to the error. */
#ifndef MINIVMM_VMM_VIRTIOFSD_H
#define MINIVMM_VMM_VIRTIOFSD_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

/* Where Debian puts it (qemu-system-common 7.2: /usr/lib/qemu; newer
 * packages and other distributions: /usr/libexec).  The environment
 * variable MINIVMM_VIRTIOFSD names another binary (tests). */
#define VIRTIOFSD_PATHS { "/usr/lib/qemu/virtiofsd", "/usr/libexec/virtiofsd" }

/* How long virtiofsd_stop waits for the daemon to leave after its
 * socket closed, before SIGKILL. */
#define VIRTIOFSD_STOP_MS 2000

struct virtiofsd {
	pid_t pid;            /* -1: not running */
	int fd;               /* the front end's connected socket; -1 once taken */
	int log_fd;           /* the daemon's stderr (a memfd), -1 */
	/* Readable once the daemon has exited (a pidfd, Linux 5.3; -1 where
	 * there is none): the machine's I/O thread watches it and calls
	 * virtio_fs_backend_gone, or the guest's requests would wait for
	 * ever.  Owned here, closed by virtiofsd_stop. */
	int exit_fd;
	char name[160];       /* "virtiofsd for DIR": the back end in messages */
};

/* Starts virtiofsd serving dir (read-only when read_only).  User errors
 * (ERROR_USER): dir missing or not a folder, virtiofsd not installed
 * ("install Debian's qemu-system-common"), not root (virtiofsd needs
 * root: "run minivmm as root").  Host errors otherwise.  On success d->fd
 * is connected; the daemon accepts it as soon as it runs. */
int virtiofsd_start(struct virtiofsd *d, const char *dir, bool read_only, struct error *err);

/* Closes d->fd if not taken, waits VIRTIOFSD_STOP_MS for the daemon to
 * exit, then kills it.  -1 with err when it did not exit with status 0
 * (its last line of stderr in the message).  Again: nothing. */
int virtiofsd_stop(struct virtiofsd *d, struct error *err);

/* For the exit_fd's handler on the I/O thread: a pidfd stays readable
 * once its process exited, so a level-triggered epoll would call the
 * handler for ever; this closes exit_fd, which takes it out of epoll.
 * virtiofsd_stop still reports how the daemon ended. */
void virtiofsd_exited(struct virtiofsd *d);

/* Appends "(virtiofsd said: LAST LINE)" to err when it wrote to stderr. */
void virtiofsd_explain(const struct virtiofsd *d, struct error *err);

#endif
