/* The file behind shared guest RAM (kvm_vm_map_ram with shared set): a file
 * on a tmpfs of minivmm's own, mounted with huge=always, or a memfd when
 * that cannot be had.
 *
 * Why not always a memfd: a memfd lives on the kernel's internal shmem
 * mount, whose transparent huge pages follow
 * /sys/kernel/mm/transparent_hugepage/shmem_enabled, "never" by default
 * (Documentation/admin-guide/mm/transhuge.rst, "Hugepages in tmpfs/shmem").
 * KVM maps a guest page with a 2 MiB page only where the host maps one
 * (Documentation/virt/kvm/x86/mmu.rst), so with 4 KiB host pages every
 * first touch of a 4 KiB guest page is a nested page fault: some 18,000 in
 * a Debian cloud kernel's boot, which under nested virtualization cost
 * more than a second.  A tmpfs mounted with huge=always gets huge pages
 * whatever shmem_enabled says, unless it is "deny" (transhuge.rst: the
 * sysfs knob sets the internal mount only, deny and force override every
 * mount).
 *
 * The mount is made in a child in a mount namespace of its own, which
 * opens an unnamed file there (O_TMPFILE) and hands the descriptor back
 * over a socket (unix(7), SCM_RIGHTS) before it exits: nothing is mounted
 * where anyone else, or minivmm itself, would see it, and the file system
 * lives exactly as long as the file.  Mounting needs CAP_SYS_ADMIN (minivmm
 * runs as root in -- CMD mode, for virtiofsd); without it, or without
 * transparent huge pages in the kernel, the memfd it is. */
#define _GNU_SOURCE   /* memfd_create, unshare, O_TMPFILE */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvm/kvm.h"

/* Where the child mounts its tmpfs, in its own namespace only: a folder
 * every Linux system has. */
#define RAM_FILE_MOUNT_POINT "/tmp"
#define RAM_FILE_HUGE_PAGE (2ULL << 20)

/* One byte carrying one descriptor (SCM_RIGHTS, unix(7)), as the child
 * sends it and the parent receives it. */
struct fd_message {
	char byte;
	struct iovec iov;
	struct msghdr msg;
	/* Last: clang counts CMSG_SPACE as a variable size. */
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
};

static void fd_message_init(struct fd_message *m)
{
	memset(m, 0, sizeof(*m));
	m->iov = (struct iovec){ .iov_base = &m->byte, .iov_len = 1 };
	m->msg = (struct msghdr){ .msg_iov = &m->iov, .msg_iovlen = 1,
				  .msg_control = m->control.buf,
				  .msg_controllen = sizeof(m->control.buf) };
}

/* In the child: mount, open, send; the exit status says nothing, the
 * parent only looks for a descriptor. */
static void ram_file_child(int sock, uint64_t size)
{
	/* Room for the file and two huge pages more: a huge page that would
	 * reach past the end falls back to small ones, never to ENOSPC. */
	char opts[64];
	snprintf(opts, sizeof(opts), "huge=always,mode=0700,size=%llu",
		 (unsigned long long)size + RAM_FILE_HUGE_PAGE * 2);
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("minivmm-ram", RAM_FILE_MOUNT_POINT, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  opts) < 0)
		_exit(1);
	int fd = open(RAM_FILE_MOUNT_POINT, O_TMPFILE | O_RDWR, 0600);
	if (fd < 0)
		_exit(1);
	struct fd_message m;
	fd_message_init(&m);
	struct cmsghdr *c = CMSG_FIRSTHDR(&m.msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	_exit(sendmsg(sock, &m.msg, 0) == 1 ? 0 : 1);
}

/* The huge-page tmpfs file, or -1. */
static int ram_file_huge(uint64_t size)
{
	int sv[2];
	/* SOCK_SEQPACKET, not SOCK_DGRAM: a datagram socket never sees its
	 * peer go, so a child that cannot mount (no CAP_SYS_ADMIN) and exits
	 * would leave recvmsg waiting for ever (unix(7)). */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		ram_file_child(sv[1], size);
	}
	close(sv[1]);
	int fd = -1;
	if (pid > 0) {
		struct fd_message m;
		fd_message_init(&m);
		/* The child's exit closes its end: an empty read then. */
		if (recvmsg(sv[0], &m.msg, MSG_CMSG_CLOEXEC) == 1) {
			struct cmsghdr *c = CMSG_FIRSTHDR(&m.msg);
			if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
			    c->cmsg_len == CMSG_LEN(sizeof(int)))
				memcpy(&fd, CMSG_DATA(c), sizeof(int));
		}
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	close(sv[0]);
	return fd;
}

int ram_file_open(uint64_t size, bool *huge, struct error *err)
{
	int fd = ram_file_huge(size);
	*huge = fd >= 0;
	if (fd < 0)
		fd = memfd_create("minivmm-guest-ram", MFD_CLOEXEC);
	if (fd < 0)
		return error_set_host(err, "memfd_create for guest RAM failed: %s",
				      strerror(errno));
	if (ftruncate(fd, (off_t)size) < 0) {
		error_set_host(err, "ftruncate of the guest RAM file to %llu MiB failed: %s",
			       (unsigned long long)(size >> 20), strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
