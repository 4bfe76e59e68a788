/* vmm/virtiofsd.c, virtio_fs.c and vhost_user.c against Debian's real
 * virtiofsd: guest RAM as a memfd (two regions), the test as transport and
 * as the guest's driver (tests/unit/virtq_driver.h), FUSE requests
 * (linux/fuse.h) on the request queue, the kick eventfd written as KVM
 * would, the answer awaited on the call eventfd.  These checks carry the
 * tag "virtiofsd": they need root and /usr/lib/qemu/virtiofsd, and where
 * either is missing they are left out with a line saying they did not run
 * (unit_main.c, tests/with-virtiofsd.sh), never counted as passed.  The
 * bad-input checks at the end run anywhere. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fuse.h>

#include "kvm/kvm.h"
#include "tests/unit/unit.h"
#include "tests/unit/virtq_driver.h"
#include "vmm/devices/virtio/virtio_fs.h"
#include "vmm/virtiofsd.h"

#define UNIT_TAG_VIRTIOFSD "virtiofsd"

static struct {
	struct kvm_vm vm;
	struct virtiofsd d;
	struct virtio_fs fs;
	struct virtq vq[VIRTIO_FS_NUM_QUEUES];
	struct vdrv drv[VIRTIO_FS_NUM_QUEUES];
	int kick[VIRTIO_FS_NUM_QUEUES], call[VIRTIO_FS_NUM_QUEUES];
	int failed;
	char why[512];
	char dir[64];
	bool own_dir;         /* made by l_start, removed by l_stop */
	uint64_t unique;
} L;

static void l_raise(struct virtio_device *d, int q)
{
	(void)d;
	(void)q;
}

static void l_fail(struct virtio_device *d, const char *why)
{
	(void)d;
	if (L.failed++ == 0)
		snprintf(L.why, sizeof(L.why), "%s", why);
}

static void l_queue_fds(struct virtio_device *d, uint16_t q, int *kick, int *call)
{
	(void)d;
	*kick = L.kick[q];
	*call = L.call[q];
}

/* A virtiofsd serving dir (NULL: a fresh folder with one file, "kept"),
 * and the device started as the guest's driver would (DRIVER_OK). */
static void l_start_dir(const char *dir, bool read_only)
{
	struct error err = { 0 };
	memset(&L, 0, sizeof(L));
	if (dir) {
		snprintf(L.dir, sizeof(L.dir), "%s", dir);
	} else {
		snprintf(L.dir, sizeof(L.dir), "/tmp/minivmm-vfs-test-XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(L.dir));
		L.own_dir = true;
		char path[128];
		snprintf(path, sizeof(path), "%s/kept", L.dir);
		int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		ck_assert_int_ge(fd, 0);
		close(fd);
	}
	/* Two RAM regions around a small hole: the mem table carries both. */
	const struct kvm_vm_config cfg = {
		.ram_size = 24 * MiB, .mmio_hole_start = 16 * MiB, .mmio_hole_end = 32 * MiB,
		.shared = true,
	};
	ck_assert_msg(kvm_vm_map_ram(&L.vm, &cfg, &err) == 0, "%s", err.msg);
	ck_assert_msg(virtiofsd_start(&L.d, L.dir, read_only, &err) == 0, "%s", err.msg);
	int r = virtio_fs_init(&L.fs, "test", &L.vm.mem, L.d.fd, L.d.name, &err);
	L.d.fd = -1;
	if (r < 0)
		virtiofsd_explain(&L.d, &err);
	ck_assert_msg(r == 0, "%s", err.msg);

	struct virtio_device *d = &L.fs.dev;
	d->queues = L.vq;
	d->raise = l_raise;
	d->fail = l_fail;
	d->queue_fds = l_queue_fds;
	d->features = d->offered;   /* the driver takes all */
	ck_assert(virtio_device_has(d, VIRTIO_F_VERSION_1));
	for (int q = 0; q < VIRTIO_FS_NUM_QUEUES; q++) {
		L.kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		L.call[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		uint64_t base = q == 0 ? 0x100000 : 32 * MiB + 0x100000;
		vdrv_init(&L.drv[q], &L.vm.mem, 64, base, 2 * MiB);
		vdrv_setup(&L.drv[q], &L.vq[q], virtio_device_has(d, VIRTIO_RING_F_EVENT_IDX),
			   virtio_device_has(d, VIRTIO_RING_F_INDIRECT_DESC));
		ck_assert_msg(virtq_start(&L.vq[q], &L.vm.mem, &err) == 0, "%s", err.msg);
	}
	d->ops->start(d);
	ck_assert_msg(L.failed == 0, "%s", L.why);
}

static void l_start(bool read_only)
{
	l_start_dir(NULL, read_only);
}

/* One FUSE request on the request queue; the reply's header and body
 * into out.  Returns the bytes the daemon wrote. */
static uint32_t l_request(uint32_t opcode, uint64_t nodeid, const void *arg, uint32_t arg_len,
			  void *out, uint32_t out_len)
{
	struct vdrv *drv = &L.drv[1];
	struct fuse_in_header in = {
		.len = (uint32_t)sizeof(in) + arg_len, .opcode = opcode, .unique = ++L.unique,
		.nodeid = nodeid, .uid = 0, .gid = 0, .pid = 1,
	};
	struct vdrv_buf bufs[2] = { { .len = in.len }, { .len = out_len, .writable = true } };
	uint16_t head = vdrv_chain(drv, bufs, 2, false);
	uint8_t *p = vdrv_host(drv, bufs[0].gpa, in.len);
	memcpy(p, &in, sizeof(in));
	memcpy(p + sizeof(in), arg, arg_len);
	vdrv_publish(drv, head);
	uint64_t one = 1;
	ck_assert_int_eq(write(L.kick[1], &one, sizeof(one)), sizeof(one));
	/* The call eventfd says the used ring moved (SET_VRING_CALL also
	 * signals it once at start: the used ring is what counts). */
	uint32_t id, len;
	for (int tries = 0; !vdrv_take_used(drv, &id, &len); tries++) {
		ck_assert_msg(tries < 100, "no reply from virtiofsd within 10 s (opcode %u)",
			      opcode);
		struct pollfd pf = { .fd = L.call[1], .events = POLLIN };
		if (poll(&pf, 1, 100) == 1) {
			uint64_t count;
			ck_assert_int_eq(read(L.call[1], &count, sizeof(count)), sizeof(count));
		}
	}
	ck_assert_uint_eq(id, head);
	ck_assert_uint_le(len, out_len);
	memcpy(out, vdrv_host(drv, bufs[1].gpa, out_len), len);
	const struct fuse_out_header *oh = out;
	ck_assert_uint_eq(oh->unique, in.unique);
	ck_assert_uint_eq(oh->len, len);
	return len;
}

static void l_init(void)
{
	struct fuse_init_in init = {
		.major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION,
		.max_readahead = 128 * 1024,
	};
	struct {
		struct fuse_out_header h;
		struct fuse_init_out init;
	} out;
	memset(&out, 0xaa, sizeof(out));
	uint32_t n = l_request(FUSE_INIT, 0, &init, sizeof(init), &out, sizeof(out));
	ck_assert_uint_ge(n, sizeof(out.h) + 8);
	ck_assert_int_eq(out.h.error, 0);
	ck_assert_uint_eq(out.init.major, 7);
	ck_assert_uint_ge(out.init.minor, 31);
}

/* FUSE_MKNOD of name in the share's root: the reply's error. */
static int32_t l_mknod(const char *name)
{
	uint8_t arg[sizeof(struct fuse_mknod_in) + 64];
	struct fuse_mknod_in mk = { .mode = S_IFREG | 0644, .umask = 022 };
	memcpy(arg, &mk, sizeof(mk));
	size_t len = strlen(name) + 1;
	memcpy(arg + sizeof(mk), name, len);
	struct {
		struct fuse_out_header h;
		uint8_t entry[sizeof(struct fuse_entry_out)];
	} out;
	l_request(FUSE_MKNOD, FUSE_ROOT_ID, arg, (uint32_t)(sizeof(mk) + len), &out, sizeof(out));
	return out.h.error;
}

/* FUSE_LOOKUP of name in the share's root: the reply's error. */
static int32_t l_lookup(const char *name)
{
	struct {
		struct fuse_out_header h;
		uint8_t entry[sizeof(struct fuse_entry_out)];
	} out;
	l_request(FUSE_LOOKUP, FUSE_ROOT_ID, name, (uint32_t)strlen(name) + 1, &out, sizeof(out));
	return out.h.error;
}

static int32_t l_create(const char *name)
{
	uint8_t arg[sizeof(struct fuse_create_in) + 64];
	struct fuse_create_in c = { .flags = O_WRONLY | O_CREAT, .mode = S_IFREG | 0644,
				    .umask = 022 };
	memcpy(arg, &c, sizeof(c));
	size_t len = strlen(name) + 1;
	memcpy(arg + sizeof(c), name, len);
	struct {
		struct fuse_out_header h;
		uint8_t body[sizeof(struct fuse_entry_out) + sizeof(struct fuse_open_out)];
	} out;
	l_request(FUSE_CREATE, FUSE_ROOT_ID, arg, (uint32_t)(sizeof(c) + len), &out, sizeof(out));
	return out.h.error;
}

/* The names in the share on the host, sorted into one string. */
static void l_host_listing(char *buf, size_t size)
{
	DIR *dir = opendir(L.dir);
	ck_assert_ptr_nonnull(dir);
	buf[0] = '\0';
	struct dirent *e;
	char names[8][256];
	int n = 0;
	while ((e = readdir(dir)) && n < 8)
		if (e->d_name[0] != '.')
			snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
	closedir(dir);
	qsort(names, (size_t)n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	for (int i = 0; i < n; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? " " : "", names[i]);
}

/* Rings back (ENABLE 0, GET_VRING_BASE), socket closed, daemon gone with
 * status 0; the share removed. */
static void l_stop(void)
{
	struct error err = { 0 };
	ck_assert(L.fs.started);
	ck_assert_msg(vhost_user_stop(&L.fs.vu, L.fs.rings, L.fs.nrings, &err) == 0, "%s", err.msg);
	L.fs.started = false;
	virtio_fs_destroy(&L.fs);
	ck_assert_msg(virtiofsd_stop(&L.d, &err) == 0, "%s", err.msg);
	for (int q = 0; q < VIRTIO_FS_NUM_QUEUES; q++) {
		close(L.kick[q]);
		close(L.call[q]);
	}
	kvm_vm_destroy(&L.vm);
	if (L.own_dir) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", L.dir);
		ck_assert_int_eq(system(cmd), 0);
	}
}

START_TEST(virtiofsd_answers_fuse_init)
{
	l_start(false);
	ck_assert_uint_eq(L.fs.nrings, 2);
	l_init();
	/* A second request on the same ring, and a read-write share writes. */
	ck_assert_int_eq(l_mknod("made"), 0);
	ck_assert_int_eq(l_lookup("kept"), 0);
	ck_assert_int_eq(l_lookup("absent"), -ENOENT);
	char listing[256];
	l_host_listing(listing, sizeof(listing));
	ck_assert_str_eq(listing, "kept made");
	l_stop();
}
END_TEST

START_TEST(a_read_only_share_refuses_writes)
{
	l_start(true);
	l_init();
	ck_assert_int_eq(l_mknod("nope"), -EROFS);
	ck_assert_int_eq(l_create("nope2"), -EROFS);
	char listing[256];
	l_host_listing(listing, sizeof(listing));
	ck_assert_str_eq(listing, "kept");
	/* The host's own view of the folder stays writable: only the
	 * daemon's mount namespace has it read-only. */
	char path[128];
	snprintf(path, sizeof(path), "%s/host-side", L.dir);
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	l_stop();
}
END_TEST

/* A stand-in for virtiofsd: a shell script of text, named by
 * MINIVMM_VIRTIOFSD; its path in script. */
static void fake_daemon(char *script, const char *text)
{
	int fd = mkstemp(script);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	fchmod(fd, 0755);
	close(fd);
	setenv("MINIVMM_VIRTIOFSD", script, 1);
}

/* A daemon that stays after its socket closed is killed, and said so. */
START_TEST(a_daemon_that_stays_is_killed)
{
	struct error err = { 0 };
	char script[] = "/tmp/minivmm-fake-virtiofsd-XXXXXX";
	fake_daemon(script, "#!/bin/sh\nexec sleep 60\n");
	struct virtiofsd d;
	ck_assert_msg(virtiofsd_start(&d, "/tmp", false, &err) == 0, "%s", err.msg);
	pid_t pid = d.pid;
	struct pollfd pf = { .fd = d.exit_fd, .events = POLLIN };
	ck_assert_int_eq(poll(&pf, 1, 0), 0);   /* still there */
	ck_assert_int_eq(virtiofsd_stop(&d, &err), -1);
	ck_assert_str_eq(err.msg, "virtiofsd for /tmp did not exit within 2000 ms of its socket "
			 "closing: killed");
	ck_assert_int_eq(kill(pid, 0), -1);   /* gone and reaped */
	ck_assert_int_eq(d.pid, -1);
	ck_assert_int_eq(virtiofsd_stop(&d, &err), 0);   /* again: nothing */
	unsetenv("MINIVMM_VIRTIOFSD");
	unlink(script);
}
END_TEST

/* The host's root, read-only, as `minivmm -- CMD` shares it: the bind
 * mount lies over / itself and still holds, submounts (/tmp...)
 * included. */
START_TEST(the_hosts_root_read_only)
{
	l_start_dir("/", true);
	l_init();
	/* The host's root it is (not the folder it is attached at). */
	ck_assert_int_eq(l_lookup("etc"), 0);
	ck_assert_int_eq(l_lookup("usr"), 0);
	ck_assert_int_eq(l_mknod("minivmm-test-must-not-exist"), -EROFS);
	ck_assert_int_eq(access("/minivmm-test-must-not-exist", F_OK), -1);
	l_stop();
}
END_TEST

/* A daemon that dies at start: the handshake fails, and the stop says
 * what it wrote on stderr. */
START_TEST(a_daemon_that_fails_is_explained)
{
	struct error err = { 0 };
	char script[] = "/tmp/minivmm-fake-virtiofsd-XXXXXX";
	fake_daemon(script, "#!/bin/sh\necho 'first line' >&2\necho 'source is gone' >&2\nexit 3\n");
	struct virtiofsd d;
	struct virtio_fs fs;
	struct test_ram ram;
	test_ram_init(&ram, 4 * MiB);
	ram.mem.fd = 1;   /* only checked, never mapped: the handshake fails first */
	ck_assert_msg(virtiofsd_start(&d, "/tmp", false, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(virtio_fs_init(&fs, "t", &ram.mem, d.fd, d.name, &err), -1);
	d.fd = -1;
	test_assert_error(err.msg, "vhost-user back end virtiofsd for /tmp: GET_FEATURES: ",
			  "closed the connection", NULL);
	/* Its exit_fd says it is gone. */
	ck_assert_int_ge(d.exit_fd, 0);
	struct pollfd pf = { .fd = d.exit_fd, .events = POLLIN };
	ck_assert_int_eq(poll(&pf, 1, 5000), 1);
	virtiofsd_exited(&d);   /* what the I/O thread's handler does */
	ck_assert_int_eq(d.exit_fd, -1);
	ck_assert_int_eq(virtiofsd_stop(&d, &err), -1);
	test_assert_error(err.msg, "virtiofsd for /tmp exited with status 3",
			  "(virtiofsd said: source is gone)", NULL);
	unsetenv("MINIVMM_VIRTIOFSD");
	unlink(script);
	test_ram_free(&ram);
}
END_TEST

START_TEST(bad_input_is_one_clear_line)
{
	struct virtiofsd d;
	struct error err = { 0 };
	ck_assert_int_eq(virtiofsd_start(&d, "/nonexistent-share", true, &err), -1);
	ck_assert_int_eq(err.kind, ERROR_USER);
	ck_assert_str_eq(err.msg, "share /nonexistent-share: No such file or directory");
	ck_assert_int_eq(virtiofsd_start(&d, "/etc/hostname", true, &err), -1);
	ck_assert_str_eq(err.msg, "share /etc/hostname: not a folder");
	setenv("MINIVMM_VIRTIOFSD", "/nonexistent/virtiofsd", 1);
	ck_assert_int_eq(virtiofsd_start(&d, "/tmp", true, &err), -1);
	ck_assert_int_eq(err.kind, ERROR_USER);
	test_assert_error(err.msg, "virtiofsd not found: install Debian's qemu-system-common", NULL);
	unsetenv("MINIVMM_VIRTIOFSD");
	/* Tags Linux would refuse. */
	struct test_ram ram;
	test_ram_init(&ram, 4 * MiB);
	struct virtio_fs fs;
	ck_assert_int_eq(virtio_fs_init(&fs, "", &ram.mem, -1, "x", &err), -1);
	test_assert_error(err.msg, "virtio-fs tag '': want 1 to 36 bytes", NULL);
	ck_assert_int_eq(virtio_fs_init(&fs, "a\nb", &ram.mem, -1, "x", &err), -1);
	ck_assert_int_eq(virtio_fs_init(&fs, "0123456789012345678901234567890123456", &ram.mem, -1,
				    "x", &err), -1);
	/* Private RAM: the back end could not map it. */
	ck_assert_int_eq(virtio_fs_init(&fs, "ok", &ram.mem, -1, "x", &err), -1);
	test_assert_error(err.msg, "virtio-fs ok: guest RAM is not shared memory", NULL);
	test_ram_free(&ram);
}
END_TEST

/* Not root: the error says what to do.  Run as nobody in a child when
 * the test runs as root. */
static int start_as_nobody(void)
{
	struct virtiofsd d;
	struct error err = { 0 };
	if (geteuid() == 0 && setuid(65534) < 0)
		return 10;
	setenv("MINIVMM_VIRTIOFSD", "/bin/true", 1);
	if (virtiofsd_start(&d, "/tmp", true, &err) == 0)
		return 11;
	if (err.kind != ERROR_USER)
		return 12;
	if (strcmp(err.msg, "virtiofsd needs root (its sandbox and the share's file owners): "
		   "run minivmm as root, e.g. with sudo") != 0)
		return 13;
	return 0;
}

START_TEST(not_root_says_to_run_as_root)
{
	ck_assert_int_eq(test_run_in_child(start_as_nobody), 0);
}
END_TEST

Suite *virtiofsd_suite(void)
{
	Suite *s = suite_create("virtiofsd");
	TCase *t = tcase_create("virtiofsd-live");
	tcase_set_tags(t, UNIT_TAG_VIRTIOFSD);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, virtiofsd_answers_fuse_init);
	tcase_add_test(t, a_read_only_share_refuses_writes);
	tcase_add_test(t, the_hosts_root_read_only);
	tcase_add_test(t, a_daemon_that_fails_is_explained);
	tcase_add_test(t, a_daemon_that_stays_is_killed);
	suite_add_tcase(s, t);
	t = tcase_create("virtiofsd-input");
	tcase_add_test(t, bad_input_is_one_clear_line);
	tcase_add_test(t, not_root_says_to_run_as_root);
	suite_add_tcase(s, t);
	return s;
}
