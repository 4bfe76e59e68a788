/* virtio_blk_open (vmm/devices/virtio/virtio_blk.c): the flock rules
 * (exclusive read-write, shared read-only) and one user error, naming
 * the file, for each way a disk cannot be opened. */
#define _GNU_SOURCE   /* setresuid */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "vmm/devices/virtio/virtio_blk.h"

#define T_SIZE (1 * MiB)

static struct {
	char path[4096];
} T;

/* A temporary file of size bytes in T.path. */
static void t_make_file(uint64_t size)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(T.path, sizeof(T.path), "%s/minivmm-blk-XXXXXX", dir);
	int fd = mkstemp(T.path);
	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	close(fd);
}

static int t_open_error(bool read_only, const char *serial, struct error *err)
{
	struct virtio_blk b;
	memset(err, 0, sizeof(*err));
	int r = virtio_blk_open(&b, T.path, read_only, serial, err);
	if (r == 0)
		virtio_blk_close(&b);
	return r;
}

/* flock: read-write exclusive, read-only shared (locks belong to the
 * open file, so one process can hold two). */
START_TEST(test_locks)
{
	t_make_file(T_SIZE);
	struct virtio_blk a, b;
	struct error err = { 0 };
	char want[4200];
	snprintf(want, sizeof(want), "--disk %s: locked: another VM uses it?", T.path);

	ck_assert_int_eq(virtio_blk_open(&a, T.path, false, NULL, &err), 0);
	ck_assert_int_eq(virtio_blk_open(&b, T.path, false, NULL, &err), -1);
	ck_assert_str_eq(err.msg, want);
	ck_assert_int_eq(err.kind, ERROR_USER);
	ck_assert_int_eq(virtio_blk_open(&b, T.path, true, NULL, &err), -1);
	ck_assert_str_eq(err.msg, want);
	virtio_blk_close(&b);   /* nothing to close: harmless */
	virtio_blk_close(&a);

	ck_assert_int_eq(virtio_blk_open(&a, T.path, true, NULL, &err), 0);
	ck_assert_int_eq(virtio_blk_open(&b, T.path, true, NULL, &err), 0);
	virtio_blk_close(&b);
	ck_assert_int_eq(virtio_blk_open(&b, T.path, false, NULL, &err), -1);
	ck_assert_str_eq(err.msg, want);
	virtio_blk_close(&a);

	/* Closing let go of every lock. */
	ck_assert_int_eq(virtio_blk_open(&a, T.path, false, NULL, &err), 0);
	virtio_blk_close(&a);
	unlink(T.path);
}
END_TEST

START_TEST(test_open_missing)
{
	snprintf(T.path, sizeof(T.path), "/nonexistent-minivmm/disk.img");
	struct error err;
	ck_assert_int_eq(t_open_error(false, NULL, &err), -1);
	ck_assert_str_eq(err.msg, "--disk /nonexistent-minivmm/disk.img: cannot open it to read and "
			 "write: No such file or directory");
	ck_assert_int_eq(t_open_error(true, NULL, &err), -1);
	ck_assert_str_eq(err.msg, "--disk /nonexistent-minivmm/disk.img: cannot open it to read: "
			 "No such file or directory");
}
END_TEST

/* As a user that may not read it (root reads anything: the child drops
 * to nobody first). */
static int t_unreadable_body(void)
{
	if (geteuid() == 0 && setresuid(65534, 65534, 65534) < 0)
		return 2;
	struct error err;
	if (t_open_error(true, NULL, &err) != -1)
		return 3;
	char want[4200];
	snprintf(want, sizeof(want), "--disk %s: cannot open it to read: Permission denied", T.path);
	return strcmp(err.msg, want) == 0 ? 0 : 4;
}

START_TEST(test_open_unreadable)
{
	t_make_file(T_SIZE);
	ck_assert_int_eq(chmod(T.path, 0), 0);
	ck_assert_int_eq(test_run_in_child(t_unreadable_body), 0);
	unlink(T.path);
}
END_TEST

START_TEST(test_open_directory)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(T.path, sizeof(T.path), "%s", dir);
	char want[4200];
	snprintf(want, sizeof(want), "--disk %s: is a directory", dir);
	struct error err;
	ck_assert_int_eq(t_open_error(false, NULL, &err), -1);
	ck_assert_str_eq(err.msg, want);
	ck_assert_int_eq(t_open_error(true, NULL, &err), -1);
	ck_assert_str_eq(err.msg, want);
}
END_TEST

START_TEST(test_open_not_a_disk)
{
	snprintf(T.path, sizeof(T.path), "/dev/null");
	struct error err;
	ck_assert_int_eq(t_open_error(true, NULL, &err), -1);
	ck_assert_str_eq(err.msg, "--disk /dev/null: not a regular file or a block device");
}
END_TEST

/* A FIFO named as the disk: refused at once, read-only too, where an
 * open to read would wait for a writer that never comes. */
START_TEST(test_open_fifo)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(T.path, sizeof(T.path), "%s/minivmm-blk-fifo-%d", dir, (int)getpid());
	unlink(T.path);
	ck_assert_int_eq(mkfifo(T.path, 0600), 0);
	char want[4200];
	snprintf(want, sizeof(want), "--disk %s: not a regular file or a block device", T.path);
	struct error err;
	for (int ro = 0; ro < 2; ro++) {
		ck_assert_int_eq(t_open_error(ro, NULL, &err), -1);
		ck_assert_str_eq(err.msg, want);
	}
	unlink(T.path);
}
END_TEST

static void t_expect_open_error(uint64_t size, const char *serial, const char *what)
{
	t_make_file(size);
	char want[4200];
	snprintf(want, sizeof(want), "--disk %s: %s", T.path, what);
	struct error err;
	for (int ro = 0; ro < 2; ro++) {
		ck_assert_int_eq(t_open_error(ro, serial, &err), -1);
		ck_assert_str_eq(err.msg, want);
		ck_assert_int_eq(err.kind, ERROR_USER);
	}
	/* Nothing kept open: the exclusive lock is free. */
	ck_assert_int_eq(t_open_error(false, NULL, &err), size && size % 512 == 0 ? 0 : -1);
	unlink(T.path);
}

START_TEST(test_open_empty)
{
	t_expect_open_error(0, NULL, "the disk is empty");
}
END_TEST

START_TEST(test_open_size_not_sectors)
{
	t_expect_open_error(1000, NULL, "its size, 1000 bytes, is not a multiple of 512");
}
END_TEST

START_TEST(test_open_serial_too_long)
{
	t_expect_open_error(T_SIZE, "ABCDEFGHIJKLMNOPQRSTU",
			    "serial=ABCDEFGHIJKLMNOPQRSTU is longer than 20 bytes");
}
END_TEST

Suite *virtio_blk_open_suite(void)
{
	Suite *s = suite_create("virtio_blk_open");
	TCase *tc = tcase_create("open");
	tcase_add_test(tc, test_locks);
	tcase_add_test(tc, test_open_missing);
	tcase_add_test(tc, test_open_unreadable);
	tcase_add_test(tc, test_open_directory);
	tcase_add_test(tc, test_open_not_a_disk);
	tcase_add_test(tc, test_open_fifo);
	tcase_add_test(tc, test_open_empty);
	tcase_add_test(tc, test_open_size_not_sectors);
	tcase_add_test(tc, test_open_serial_too_long);
	suite_add_tcase(s, tc);
	return s;
}
