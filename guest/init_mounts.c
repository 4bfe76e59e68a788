/* minivmm-init's mounts: the host's root under an overlay, the switch into
 * it, and the mounts of the new root. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest/init.h"

/* Inside the initramfs: the host's root, the overlay's writable tmpfs, and
 * the overlay that becomes the new root. */
#define HOST_DIR  "/run/minivmm/host"
#define RW_DIR    "/run/minivmm/rw"
#define ROOT_DIR  "/run/minivmm/root"

/* mkdir -p, mode 0755; 0 or -1 with errno. */
static int mkdir_p(const char *path)
{
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = c;
		if (c == '\0')
			return 0;
	}
}

/* mount(2) on a directory made first (MS_MOVE: type is NULL); fails the
 * run with a line naming what and where. */
static void mount_at(const char *source, const char *target, const char *type,
		     unsigned long flags, const char *data)
{
	if (mkdir_p(target) < 0)
		init_fail("cannot create %s: %s", target, strerror(errno));
	if (mount(source, target, type, flags, data) == 0)
		return;
	if (flags & MS_MOVE)
		init_fail("cannot move %s to %s: %s", source, target, strerror(errno));
	init_fail("cannot mount %s %s on %s: %s", type, source, target, strerror(errno));
}

/* Step 4: the host's root read-only, a tmpfs for every write, the overlay
 * of the two as the new root (Documentation/filesystems/overlayfs.rst:
 * upperdir and workdir on the same filesystem), then switch_root's way into
 * it: the initramfs (rootfs) cannot be pivot_root'ed, so the new root is
 * moved onto / and chroot'ed into (ramfs-rootfs-initramfs.rst, "What is
 * rootfs?"; util-linux and busybox switch_root do the same). */
void init_switch_root(const struct command *cmd)
{
	mount_at(cmd->root, HOST_DIR, "virtiofs", MS_RDONLY, NULL);
	mount_at("tmpfs", RW_DIR, "tmpfs", 0, "mode=0755");
	if (mkdir_p(RW_DIR "/upper") < 0 || mkdir_p(RW_DIR "/work") < 0)
		init_fail("cannot create the overlay's directories in %s: %s", RW_DIR,
		     strerror(errno));
	mount_at("overlay", ROOT_DIR, "overlay", 0,
		 "lowerdir=" HOST_DIR ",upperdir=" RW_DIR "/upper,workdir=" RW_DIR "/work");

	/* The early mounts move along (the new root's own /dev, /proc and /sys
	 * are the host's empty mount points, or made in the overlay). */
	static const char *const moved[] = { "/dev", "/proc", "/sys" };
	for (size_t i = 0; i < sizeof(moved) / sizeof(moved[0]); i++) {
		char target[64];
		snprintf(target, sizeof(target), ROOT_DIR "%s", moved[i]);
		mount_at(moved[i], target, NULL, MS_MOVE, NULL);
	}

	if (chdir(ROOT_DIR) < 0)
		init_fail("cannot enter %s: %s", ROOT_DIR, strerror(errno));
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		init_fail("cannot move %s onto /: %s", ROOT_DIR, strerror(errno));
	if (chroot(".") < 0 || chdir("/") < 0)
		init_fail("cannot chroot into the new root: %s", strerror(errno));
}

/* In the new root, so that the host's absolute symlinks on a share's path
 * resolve as they do on the host.  The shares come after /run and the rest,
 * so that a share below /run is not hidden by the tmpfs. */
void init_mount_new_root(const struct command *cmd)
{
	mount_at("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	mount_at("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	/* gid 5 is Debian's tty group, as its initramfs-tools mount devpts. */
	mount_at("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		 "gid=5,mode=0620,ptmxmode=0666");
	for (size_t i = 0; i < cmd->nshares; i++) {
		const struct command_share *s = &cmd->shares[i];
		mount_at(s->tag, s->guestdir, "virtiofs", s->ro ? MS_RDONLY : 0, NULL);
	}
}

