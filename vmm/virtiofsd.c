/* Starting and stopping Debian's virtiofsd (vmm/virtiofsd.h).
 *
 * The socket: a listening AF_UNIX socket bound in a private folder
 * (mode 0700, root's), connected to at once and then unlinked with its
 * folder, so that our connection is the only one that can ever reach the
 * daemon (it serves one connection and exits when it closes).  The
 * daemon inherits the listening socket as --fd=N.
 *
 * Its options, and why:
 *	-o source=DIR            the share
 *	-o sandbox=namespace     the default: pivot_root into DIR in new
 *	                         mount, PID and network namespaces
 *	-o cache=always (ro)     nothing changes a read-only share through
 *	                         the guest, and the host's files do not change
 *	                         under a command run: the guest keeps what it
 *	                         looked up and read, no revalidation
 *	-o cache=auto (rw)       the default: the guest revalidates, so files
 *	                         the host changes are seen
 *	-o announce_submounts    (not for the host's root) each host mount is
 *	                         its own submount in the guest: st_dev and
 *	                         inode numbers stay unique (hard-link detection
 *	                         in cp, tar, du).  The root is the lower layer
 *	                         of the guest's overlay, which refuses a lower
 *	                         folder with submounts in it (automount
 *	                         dentries: EREMOTE, overlayfs.rst)
 *	-o log_level=err         quiet unless it fails; its stderr goes to a
 *	                         memfd that we read only then, so it never
 *	                         mixes into the guest command's stderr
 * --thread-pool-size stays at its default 0 (each queue's thread does
 * the I/O itself), the fastest for the guest's sequential reads. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mount.h>

#include "vmm/virtiofsd.h"

/* The daemon's file descriptor for the listening socket. */
#define VIRTIOFSD_SOCKET_FD 3

/* Where the host's root is attached for the daemon: its namespace
 * sandbox cannot take "/" itself (pivot_root(".", ".") into the root
 * mount is EBUSY, measured with virtiofsd 7.2), so a clone of the root's
 * whole mount tree goes over /tmp in our mount namespace, and the daemon
 * serves that.  Only the daemon's namespace sees it there. */
#define VIRTIOFSD_ROOT_ATTACH "/tmp"

static const char *virtiofsd_binary(void)
{
	const char *env = getenv("MINIVMM_VIRTIOFSD");
	if (env && *env)
		return access(env, X_OK) == 0 ? env : NULL;
	static const char *const paths[] = VIRTIOFSD_PATHS;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* "source=DIR" with ',' and '\' escaped by a backslash: libfuse's option
 * parser splits -o on commas. */
static char *virtiofsd_source_option(const char *dir)
{
	size_t len = strlen(dir);
	char *opt = malloc(sizeof("source=") + 2 * len);
	if (!opt)
		return NULL;
	char *p = stpcpy(opt, "source=");
	for (const char *s = dir; *s; s++) {
		if (*s == ',' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	*p = '\0';
	return opt;
}

/* A listening socket in a fresh private folder, our connection to it
 * queued, its name gone.  Returns the listening fd; *client the
 * connected one. */
static int virtiofsd_socket(int *client, struct error *err)
{
	char dir[] = "/tmp/minivmm-virtiofsd-XXXXXX";
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int lfd = -1, cfd = -1;
	if (!mkdtemp(dir))
		return error_set_host(err, "virtiofsd: cannot make a folder for its socket: %s",
				      strerror(errno));
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/socket", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r = lfd < 0 || cfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		listen(lfd, 1) < 0 || connect(cfd, (struct sockaddr *)&a, sizeof(a)) < 0 ? -1 : 0;
	int saved = errno;
	unlink(a.sun_path);
	rmdir(dir);
	if (r < 0) {
		if (lfd >= 0)
			close(lfd);
		if (cfd >= 0)
			close(cfd);
		return error_set_host(err, "virtiofsd: cannot set up its socket: %s",
				      strerror(saved));
	}
	*client = cfd;
	return lfd;
}

/* What the child tells the parent when it cannot exec: the step and errno. */
struct virtiofsd_child_error {
	int step;
	int error;
};

enum { STEP_FDS = 1, STEP_UNSHARE, STEP_PRIVATE, STEP_BIND, STEP_RDONLY, STEP_ATTACH, STEP_EXEC };

static const char *virtiofsd_step_name(int step)
{
	switch (step) {
	case STEP_FDS: return "setting up its file descriptors";
	case STEP_UNSHARE: return "unshare(CLONE_NEWNS)";
	case STEP_PRIVATE: return "making / private in its mount namespace";
	case STEP_BIND: return "bind-mounting the share on itself";
	case STEP_RDONLY: return "making the share read-only (mount_setattr)";
	case STEP_ATTACH: return "attaching a clone of / at " VIRTIOFSD_ROOT_ATTACH;
	default: return "exec";
	}
}

static __attribute__((noreturn)) void virtiofsd_child_fail(int report_fd, int step)
{
	struct virtiofsd_child_error e = { step, errno };
	if (write(report_fd, &e, sizeof(e)) < 0) {
		/* the parent reads EOF and says "exited" */
	}
	_exit(127);
}

/* In the child, between fork and exec: only system calls.  In a mount
 * namespace of the daemon's own (private, so nothing leaks back to the
 * host), a read-only share becomes a read-only recursive bind mount of
 * itself (mount_setattr(2), Linux 5.12), which the daemon's sandbox then
 * pivots into: the kernel refuses every write, whatever the daemon is
 * asked.  The host's root is cloned (open_tree(2)) and attached at
 * VIRTIOFSD_ROOT_ATTACH instead. */
static __attribute__((noreturn)) void virtiofsd_child(const char *binary, char *const *argv,
						      const char *dir, bool is_root,
						      bool read_only, int lfd, int null_fd,
						      int log_fd, int report_fd)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
	sigset_t none;
	/* minivmm's threads run with signals blocked; the daemon must not. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0 || dup2(log_fd, 2) < 0 ||
	    dup2(lfd, VIRTIOFSD_SOCKET_FD) < 0)
		virtiofsd_child_fail(report_fd, STEP_FDS);
	if (read_only || is_root) {
		if (unshare(CLONE_NEWNS) < 0)
			virtiofsd_child_fail(report_fd, STEP_UNSHARE);
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			virtiofsd_child_fail(report_fd, STEP_PRIVATE);
	}
	if (is_root) {
		int tree = (int)syscall(SYS_open_tree, AT_FDCWD, "/",
					OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (tree < 0)
			virtiofsd_child_fail(report_fd, STEP_BIND);
		if (read_only && syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE,
					 &attr, sizeof(attr)) < 0)
			virtiofsd_child_fail(report_fd, STEP_RDONLY);
		if (syscall(SYS_move_mount, tree, "", AT_FDCWD, VIRTIOFSD_ROOT_ATTACH,
			    MOVE_MOUNT_F_EMPTY_PATH) < 0)
			virtiofsd_child_fail(report_fd, STEP_ATTACH);
	} else if (read_only) {
		if (mount(dir, dir, NULL, MS_BIND | MS_REC, NULL) < 0)
			virtiofsd_child_fail(report_fd, STEP_BIND);
		if (syscall(SYS_mount_setattr, AT_FDCWD, dir, AT_RECURSIVE, &attr, sizeof(attr)) < 0)
			virtiofsd_child_fail(report_fd, STEP_RDONLY);
	}
	execv(binary, argv);
	virtiofsd_child_fail(report_fd, STEP_EXEC);
}

/* The child's report: nothing (exec happened, the pipe closed) or why
 * not. */
static int virtiofsd_wait_exec(struct virtiofsd *d, int report_fd, struct error *err)
{
	struct virtiofsd_child_error e;
	ssize_t n;
	do
		n = read(report_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n != (ssize_t)sizeof(e))
		return error_set_host(err, "%s: cannot read its start-up report", d->name);
	return error_set_host(err, "%s: %s failed: %s", d->name, virtiofsd_step_name(e.step),
			      strerror(e.error));
}

static void virtiofsd_reset(struct virtiofsd *d)
{
	memset(d, 0, sizeof(*d));
	d->pid = -1;
	d->fd = d->log_fd = d->exit_fd = -1;
}

int virtiofsd_start(struct virtiofsd *d, const char *dir, bool read_only, struct error *err)
{
	struct stat st;
	virtiofsd_reset(d);
	snprintf(d->name, sizeof(d->name), "virtiofsd for %s", dir);
	if (stat(dir, &st) < 0)
		return error_set(err, "share %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return error_set(err, "share %s: not a folder", dir);
	struct stat root;
	bool is_root = stat("/", &root) == 0 && root.st_dev == st.st_dev && root.st_ino == st.st_ino;
	const char *binary = virtiofsd_binary();
	if (!binary)
		return error_set(err, "virtiofsd not found: install Debian's qemu-system-common "
				 "(it puts virtiofsd in /usr/lib/qemu)");
	/* It needs CAP_SYS_ADMIN for its sandbox and to serve files as their
	 * owners (DAC_OVERRIDE, CHOWN, SETUID...); so do our mounts. */
	if (geteuid() != 0)
		return error_set(err, "virtiofsd needs root (its sandbox and the share's file "
				 "owners): run minivmm as root, e.g. with sudo");

	char fd_opt[32], *source = virtiofsd_source_option(is_root ? VIRTIOFSD_ROOT_ATTACH : dir);
	snprintf(fd_opt, sizeof(fd_opt), "--fd=%d", VIRTIOFSD_SOCKET_FD);
	char *argv[] = {
		(char *)binary, fd_opt, "-o", source, "-o", "sandbox=namespace",
		"-o", read_only ? "cache=always" : "cache=auto", "-o", "log_level=err",
		is_root ? NULL : "-o", "announce_submounts", NULL,
	};
	int report[2] = { -1, -1 }, null_fd = -1, lfd = -1;
	if (!source) {
		error_set_host(err, "%s: out of memory", d->name);
		goto fail;
	}
	d->log_fd = memfd_create("virtiofsd-stderr", MFD_CLOEXEC);
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (d->log_fd < 0 || null_fd < 0 || pipe2(report, O_CLOEXEC) < 0) {
		error_set_host(err, "%s: %s", d->name, strerror(errno));
		goto fail;
	}
	lfd = virtiofsd_socket(&d->fd, err);
	if (lfd < 0)
		goto fail;
	d->pid = fork();
	if (d->pid == 0)
		virtiofsd_child(binary, argv, dir, is_root, read_only, lfd, null_fd, d->log_fd,
				report[1]);
	if (d->pid < 0) {
		error_set_host(err, "%s: fork: %s", d->name, strerror(errno));
		goto fail;
	}
	d->exit_fd = (int)syscall(SYS_pidfd_open, d->pid, 0);
	if (d->exit_fd >= 0)
		fcntl(d->exit_fd, F_SETFD, FD_CLOEXEC);   /* pidfds are, from Linux 5.10 on */
	close(report[1]);
	report[1] = -1;
	if (virtiofsd_wait_exec(d, report[0], err) < 0)
		goto fail;
	close(report[0]);
	close(null_fd);
	close(lfd);
	free(source);
	return 0;
fail:
	free(source);
	for (int i = 0; i < 2; i++)
		if (report[i] >= 0)
			close(report[i]);
	if (null_fd >= 0)
		close(null_fd);
	if (lfd >= 0)
		close(lfd);
	struct error ignored;
	virtiofsd_stop(d, &ignored);
	return -1;
}

/* The last non-empty line the daemon wrote on stderr, into buf. */
static bool virtiofsd_last_line(const struct virtiofsd *d, char *buf, size_t size)
{
	char tail[512];
	if (d->log_fd < 0)
		return false;
	off_t end = lseek(d->log_fd, 0, SEEK_END);
	off_t from = end > (off_t)sizeof(tail) - 1 ? end - (off_t)sizeof(tail) + 1 : 0;
	ssize_t n = end > 0 ? pread(d->log_fd, tail, (size_t)(end - from), from) : 0;
	if (n <= 0)
		return false;
	tail[n] = '\0';
	while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == '\r'))
		tail[--n] = '\0';
	if (n == 0)
		return false;
	const char *line = strrchr(tail, '\n');
	line = line ? line + 1 : tail;
	size_t len = strlen(line) < size - 1 ? strlen(line) : size - 1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	return true;
}

void virtiofsd_explain(const struct virtiofsd *d, struct error *err)
{
	char line[256];
	if (err && virtiofsd_last_line(d, line, sizeof(line))) {
		size_t len = strlen(err->msg);
		snprintf(err->msg + len, sizeof(err->msg) - len, " (virtiofsd said: %s)", line);
	}
}

/* waitpid for up to ms milliseconds; the status in *status.  A pidfd
 * (Linux 5.3) wakes us the moment the daemon exits; without one, a
 * 10 ms poll. */
static bool virtiofsd_wait(pid_t pid, int pidfd, int ms, int *status)
{
	if (pidfd >= 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int r;
		do
			r = poll(&p, 1, ms);
		while (r < 0 && errno == EINTR);
		if (r == 0)
			return false;
	}
	for (int waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return r == pid;
		if (waited >= ms)
			return false;
		struct timespec ten_ms = { 0, 10 * 1000 * 1000 };
		nanosleep(&ten_ms, NULL);
	}
}

void virtiofsd_exited(struct virtiofsd *d)
{
	if (d->exit_fd >= 0)
		close(d->exit_fd);
	d->exit_fd = -1;
}

int virtiofsd_stop(struct virtiofsd *d, struct error *err)
{
	int r = 0;
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (d->pid > 0) {
		int status = 0;
		if (!virtiofsd_wait(d->pid, d->exit_fd, VIRTIOFSD_STOP_MS, &status)) {
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &status, 0);
			r = error_set_host(err, "%s did not exit within %d ms of its socket "
					   "closing: killed", d->name, VIRTIOFSD_STOP_MS);
		} else if (WIFSIGNALED(status)) {
			r = error_set_host(err, "%s was killed by signal %d", d->name,
					   WTERMSIG(status));
		} else if (WEXITSTATUS(status) != 0) {
			r = error_set_host(err, "%s exited with status %d", d->name,
					   WEXITSTATUS(status));
		}
		if (r < 0)
			virtiofsd_explain(d, err);
	}
	d->pid = -1;
	if (d->log_fd >= 0)
		close(d->log_fd);
	if (d->exit_fd >= 0)
		close(d->exit_fd);
	d->log_fd = d->exit_fd = -1;
	return r;
}
