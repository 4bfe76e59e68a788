/* cmd-init — /init of the QEMU guest in `make bench` part 7: QEMU running
 * one command in a guest the way virtme-ng does it, the peer of
 * `minivmm --kernel K -- CMD`.  A static program of the host's compiler,
 * alone in a tiny initramfs (bench/guests/cmd-initramfs.sh) with the
 * modules it loads.
 *
 *   1. devtmpfs on /dev, /dev/console as stdin, stdout and stderr (the
 *      initramfs has no device nodes of its own);
 *   2. loads the modules named in /modules/load-order, one a line, in that
 *      order (dependencies first), with finit_module(2): a module already
 *      there (EEXIST) is fine;
 *   3. mounts the virtio-fs file system whose tag is ROOTFS (virtio spec
 *      1.2 section 5.11: the tag is the device's name for the guest)
 *      read-only on /lower, a tmpfs on /rw, and an overlay of both on
 *      /newroot, so that the command can write anywhere and the host's
 *      files never change (as minivmm does, and virtme-ng for most
 *      folders); proc and devtmpfs inside it;
 *   4. runs the command (its argv: the words after `--` on the kernel
 *      command line, which the kernel hands to init) chrooted in /newroot,
 *      in the folder of the environment variable CMD_CWD (a `CMD_CWD=DIR`
 *      word on the command line; default /), PATH the usual one;
 *   5. prints
 *          BENCH-CMD-STATUS N
 *      with the command's exit status (128 + the signal that ended it),
 *      only once it has ended: the bench checks for status 0;
 *   6. powers off (reboot(RB_POWER_OFF): ACPI S5 on microvm, QEMU exits).
 *
 * A step that fails prints `BENCH-CMD-FAIL why` and powers off too. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CMD_TAG "ROOTFS"

static void cmd_poweroff(void)
{
	fflush(NULL);
	sync();
	reboot(RB_POWER_OFF);
	/* Only if the kernel refused: PID 1 must not return. */
	for (;;)
		pause();
}

static void cmd_fail(const char *what, int err)
{
	printf("BENCH-CMD-FAIL %s: %s\n", what, strerror(err));
	cmd_poweroff();
}

static void cmd_console(void)
{
	int fd;

	mkdir("/dev", 0755);
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0 && errno != EBUSY)
		return; /* no console to say it on */
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static void cmd_load_modules(void)
{
	char name[256], path[300];
	FILE *order = fopen("/modules/load-order", "r");

	if (!order)
		return; /* a kernel with the drivers built in */
	while (fgets(name, sizeof(name), order)) {
		int fd;

		name[strcspn(name, "\n")] = '\0';
		if (!name[0])
			continue;
		snprintf(path, sizeof(path), "/modules/%s.ko", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			cmd_fail(path, errno);
		if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
			cmd_fail(path, errno);
		close(fd);
	}
	fclose(order);
}

static void cmd_mount(const char *src, const char *dst, const char *type, unsigned long flags,
		      const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) != 0) {
		char what[200];

		snprintf(what, sizeof(what), "mount -t %s %s %s", type, src, dst);
		cmd_fail(what, errno);
	}
}

int main(int argc, char **argv)
{
	const char *cwd = getenv("CMD_CWD");
	int status, tries;
	pid_t pid;

	cmd_console();
	if (argc < 2) {
		printf("BENCH-CMD-FAIL no command: put it after -- on the kernel command line\n");
		cmd_poweroff();
	}
	cmd_load_modules();
	/* The device is probed while its driver's module loads; a short
	 * retry covers a probe the kernel deferred anyway. */
	mkdir("/lower", 0755);
	for (tries = 0; mount(CMD_TAG, "/lower", "virtiofs", MS_RDONLY, NULL) != 0; tries++) {
		struct timespec ms10 = { 0, 10 * 1000 * 1000 };

		if (tries >= 200)
			cmd_fail("mount -t virtiofs " CMD_TAG " /lower", errno);
		nanosleep(&ms10, NULL);
	}
	cmd_mount("tmpfs", "/rw", "tmpfs", 0, "mode=0755");
	mkdir("/rw/upper", 0755);
	mkdir("/rw/work", 0755);
	cmd_mount("overlay", "/newroot", "overlay", 0,
		  "lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work");
	cmd_mount("proc", "/newroot/proc", "proc", 0, NULL);
	cmd_mount("devtmpfs", "/newroot/dev", "devtmpfs", 0, NULL);

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		cmd_fail("fork", errno);
	if (pid == 0) {
		if (chroot("/newroot") != 0)
			cmd_fail("chroot /newroot", errno);
		if (chdir(cwd && cwd[0] ? cwd : "/") != 0)
			cmd_fail("chdir CMD_CWD", errno);
		setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
		execvp(argv[1], argv + 1);
		printf("BENCH-CMD-FAIL exec %s: %s\n", argv[1], strerror(errno));
		fflush(NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			cmd_fail("waitpid", errno);
	printf("BENCH-CMD-STATUS %d\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	cmd_poweroff();
	return 0;
}
