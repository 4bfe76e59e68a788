/* minivmm-init: the /init of the initramfs layer that `minivmm --kernel K
 * -- CMD` generates (issue 15).  The kernel runs it as PID 1
 * (Documentation/filesystems/ramfs-rootfs-initramfs.rst, "populating
 * initramfs": /init in the initramfs is run as the first process).  It
 *
 *  1. mounts devtmpfs, proc and sysfs in the initramfs;
 *  2. reads /minivmm/command (guest/command.h) and loads its modules;
 *  3. opens the four named virtio-console ports (virtio 1.2 spec 5.3,
 *     multiport: each port is /dev/vportNpM, its name in sysfs);
 *  4. mounts the host's root read-only over virtio-fs (spec 5.11) under a
 *     tmpfs overlay (Documentation/filesystems/overlayfs.rst) and switches
 *     root into it, then mounts /run, /dev/shm, /dev/pts and the shares;
 *  5. runs the command in the host's working directory with the ports as
 *     its stdin, stdout and stderr (guest/run.c);
 *  6. reaps children until the command ends, syncs, writes "exit N" or
 *     "signal N" on the status port and powers off.
 *
 * Any failure before the command runs is one line in the kernel log and
 * "error MESSAGE" on the status port when it is open, then power off.  main
 * never returns: the kernel panics when PID 1 exits (kernel/exit.c,
 * "Attempted to kill init!"). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/module.h>

#include "guest/command.h"
#include "guest/init.h"
#include "guest/run.h"

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4   /* include/uapi/linux/module.h, Linux 5.17 */
#endif

#define COMMAND_FILE "/minivmm/command"
#define MESSAGE_MAX 512

static int log_fd = -1;      /* /dev/kmsg, else /dev/console, else none */
static bool log_is_kmsg;
static int status_fd = -1;   /* the minivmm.status port once open */

/* One line in the kernel log.  Through /dev/kmsg at level 3 (KERN_ERR), which
 * `quiet` still prints on the console (Documentation/ABI/testing/dev-kmsg:
 * a "<N>" prefix sets the level). */
void init_log(const char *msg)
{
	char line[MESSAGE_MAX + 32];
	int n = snprintf(line, sizeof(line), "%sminivmm-init: %s\n", log_is_kmsg ? "<3>" : "",
			 msg);
	if (log_fd >= 0 && n > 0)
		run_write_all(log_fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void log_open(void)
{
	log_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	log_is_kmsg = log_fd >= 0;
	if (log_fd < 0)
		log_fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
}

static _Noreturn void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	init_log("reboot(RB_POWER_OFF) failed; halting here");
	for (;;)
		pause();
}

/* The status port's "error MESSAGE" line: one line, so any control byte in
 * the message (a path may hold a newline) is shown as '?'. */
static void status_error(const char *msg)
{
	if (status_fd < 0)
		return;
	char line[MESSAGE_MAX + 8];
	int n = snprintf(line, sizeof(line), "error %s", msg);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(line) - 1 ? (size_t)n : sizeof(line) - 2;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	line[len++] = '\n';
	if (run_write_all(status_fd, line, len) < 0)
		init_log("cannot write on the status port");
}

static _Noreturn void fail_msg(const char *msg)
{
	init_log(msg);
	status_error(msg);
	power_off();
}

_Noreturn void init_fail(const char *fmt, ...)
{
	char msg[MESSAGE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg(msg);
}

/* Remembers the first failure of the steps that come before the status port
 * is open, to be reported once it is. */
static char first_error[MESSAGE_MAX];

void init_defer_error(const char *fmt, ...)
{
	char msg[MESSAGE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	init_log(msg);
	if (!first_error[0])
		snprintf(first_error, sizeof(first_error), "%s", msg);
}

/* Step 1.  The kernel mounts devtmpfs itself only on a root that is not an
 * initramfs (CONFIG_DEVTMPFS_MOUNT, drivers/base/devtmpfs.c), so EBUSY
 * (already there) is the only error let through. */
static void mount_early(void)
{
	static const struct { const char *type, *dir; } early[] = {
		{ "devtmpfs", "/dev" }, { "proc", "/proc" }, { "sysfs", "/sys" },
	};
	char msg[MESSAGE_MAX] = "";
	for (size_t i = 0; i < sizeof(early) / sizeof(early[0]); i++) {
		mkdir(early[i].dir, 0755);
		if (mount(early[i].type, early[i].dir, early[i].type, MS_NOSUID, NULL) < 0 &&
		    errno != EBUSY && !msg[0])
			snprintf(msg, sizeof(msg), "cannot mount %s on %s: %s", early[i].type,
				 early[i].dir, strerror(errno));
	}
	log_open();
	/* Without /dev/console in the initramfs the kernel starts init with
	 * nothing on 0, 1 and 2 (init/main.c, console_on_rootfs); fill them so
	 * that no port lands there. */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			open("/dev/null", O_RDWR);
	if (msg[0])
		init_defer_error("%s", msg);
}

/* The whole of COMMAND_FILE in a malloc'd buffer; NULL on error (deferred). */
static char *read_command(size_t *len)
{
	int fd = open(COMMAND_FILE, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		init_defer_error("cannot read %s: %s", COMMAND_FILE, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (buf && got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (!buf || got != (size_t)st.st_size) {
		init_defer_error("cannot read %s: %s", COMMAND_FILE,
			    buf ? "short read" : "out of memory");
		free(buf);
		close(fd);
		return NULL;
	}
	close(fd);
	*len = got;
	return buf;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Step 2: each module in order, by finit_module(2).  A compressed one is
 * handed over as it is with MODULE_INIT_COMPRESSED_FILE, which the kernel
 * decompresses itself (CONFIG_MODULE_DECOMPRESS).  EEXIST: already loaded. */
static void load_modules(const struct command *cmd)
{
	for (size_t i = 0; i < cmd->nmodules; i++) {
		const char *path = cmd->modules[i];
		int flags = 0;
		if (ends_with(path, ".ko.xz") || ends_with(path, ".ko.zst") ||
		    ends_with(path, ".ko.gz"))
			flags |= MODULE_INIT_COMPRESSED_FILE;
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			init_defer_error("cannot open module %s: %s", path, strerror(errno));
			continue;
		}
		if (syscall(SYS_finit_module, fd, "", flags) < 0 && errno != EEXIST)
			init_defer_error("cannot load module %s: %s", path, strerror(errno));
		close(fd);
	}
}

int main(void)
{
	mount_early();

	size_t len = 0;
	char *buf = read_command(&len);
	struct command cmd = { 0 };
	char perr[COMMAND_ERROR_MAX] = "";
	if (buf) {
		if (command_parse(buf, len, &cmd, perr) < 0) {
			init_log(perr);
			/* The command's own error comes first: the ones after it
			 * may be its consequences. */
			snprintf(first_error, sizeof(first_error), "%s", perr);
		}
		load_modules(&cmd);   /* those read before any bad record */
	}

	int ports[PORT_COUNT];
	init_ports_open(ports);
	status_fd = ports[PORT_STATUS];
	if (first_error[0])
		fail_msg(first_error);

	init_switch_root(&cmd);
	init_mount_new_root(&cmd);
	if (chdir(cmd.cwd) < 0)
		init_fail("cannot enter the working directory %s: %s", cmd.cwd, strerror(errno));

	pid_t pid = run_start(&cmd, "/bin/sh", ports[PORT_STDIN], ports[PORT_STDOUT],
			      ports[PORT_STDERR]);
	if (pid < 0)
		init_fail("cannot start the command: %s", strerror(errno));
	/* The command holds the data ports now; closing ours lets the host see
	 * them close (PORT_OPEN 0) when the command and its children do. */
	close(ports[PORT_STDIN]);
	close(ports[PORT_STDOUT]);
	close(ports[PORT_STDERR]);

	int wstatus;
	if (run_wait(pid, &wstatus) < 0)
		init_fail("cannot wait for the command: %s", strerror(errno));
	/* Writes to the shares reach the host before the host acts on the
	 * status line. */
	sync();
	char line[32];
	size_t n = run_status_line(wstatus, line, sizeof(line));
	if (run_write_all(status_fd, line, n) < 0)
		init_log("cannot write the command's status on the status port");
	power_off();
}
