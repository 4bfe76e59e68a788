/* loader/image_file.c: whole files from paths, pipes and stdin. */
#define _GNU_SOURCE  /* asprintf */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/unit.h"

static char *temp_path(const char *tag)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *path;
	ck_assert_int_ge(asprintf(&path, "%s/minivmm-unit-%s-XXXXXX", dir, tag), 0);
	return path;
}

/* A regular file with n pattern bytes. */
static char *write_temp_file(size_t n)
{
	char *path = temp_path("file");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	uint8_t *buf = malloc(n + 1);
	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < n; i++)
		buf[i] = test_payload_byte(i);
	ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
	free(buf);
	close(fd);
	return path;
}

/* Forks a child that writes n pattern bytes to fd in odd-sized pieces. */
static pid_t spawn_writer(int fd, size_t n)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		uint8_t chunk[4099];
		for (size_t done = 0; done < n;) {
			size_t len = n - done < sizeof(chunk) ? n - done : sizeof(chunk);
			for (size_t i = 0; i < len; i++)
				chunk[i] = test_payload_byte(done + i);
			ssize_t w = write(fd, chunk, len);
			if (w <= 0)
				_exit(1);
			done += (size_t)w;
		}
		_exit(0);
	}
	return pid;
}

static void assert_pattern(const struct image_file *f, size_t n)
{
	ck_assert_uint_eq(f->size, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(f->data[i] == test_payload_byte(i), "byte %zu differs", i);
}

START_TEST(test_reads_regular_file)
{
	size_t n = 200 * 1024 + 3;
	char *path = write_temp_file(n);
	struct image_file f;
	struct error err = { { 0 } };
	ck_assert_int_eq(image_file_read(&f, path, &err), 0);
	assert_pattern(&f, n);
	ck_assert_str_eq(f.path, path);
	image_file_free(&f);
	ck_assert_ptr_null(f.data);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_reads_fifo_in_chunks)
{
	/* A named pipe has no size: the buffer must grow past its first chunk. */
	size_t n = 1024 * 1024 + 17;
	char *path = temp_path("fifo");
	ck_assert_ptr_nonnull(mkdtemp(path));
	char *fifo;
	ck_assert_int_ge(asprintf(&fifo, "%s/pipe", path), 0);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(fifo, O_WRONLY);
		if (fd < 0)
			_exit(1);
		waitpid(spawn_writer(fd, n), NULL, 0);
		_exit(0);
	}
	struct image_file f;
	struct error err = { { 0 } };
	ck_assert_msg(image_file_read(&f, fifo, &err) == 0, "%s", err.msg);
	waitpid(pid, NULL, 0);
	assert_pattern(&f, n);
	image_file_free(&f);
	unlink(fifo);
	rmdir(path);
	free(fifo);
	free(path);
}
END_TEST

START_TEST(test_reads_stdin_dash)
{
	size_t n = 300 * 1024;
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	int saved = dup(0);
	ck_assert_int_eq(dup2(p[0], 0), 0);
	close(p[0]);
	pid_t pid = spawn_writer(p[1], n);
	close(p[1]);
	struct image_file f;
	struct error err = { { 0 } };
	int rc = image_file_read(&f, "-", &err);
	dup2(saved, 0);
	close(saved);
	waitpid(pid, NULL, 0);
	ck_assert_msg(rc == 0, "%s", err.msg);
	ck_assert_str_eq(f.path, "<stdin>");
	assert_pattern(&f, n);
	image_file_free(&f);
}
END_TEST

START_TEST(test_empty_stdin_is_an_error)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	close(p[1]);
	int saved = dup(0);
	dup2(p[0], 0);
	close(p[0]);
	struct image_file f;
	struct error err = { { 0 } };
	int rc = image_file_read(&f, "-", &err);
	dup2(saved, 0);
	close(saved);
	ck_assert_int_eq(rc, -1);
	ck_assert_str_eq(err.msg, "<stdin>: file is empty");
}
END_TEST

START_TEST(test_empty_file_is_an_error)
{
	char *path = write_temp_file(0);
	struct image_file f;
	struct error err = { { 0 } };
	ck_assert_int_eq(image_file_read(&f, path, &err), -1);
	test_assert_error(err.msg, path, ": file is empty");
	ck_assert_ptr_null(f.data);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_missing_file_names_cause)
{
	struct image_file f;
	struct error err = { { 0 } };
	ck_assert_int_eq(image_file_read(&f, "/nonexistent/minivmm/bzImage", &err), -1);
	ck_assert_str_eq(err.msg, "/nonexistent/minivmm/bzImage: cannot open: "
			 "No such file or directory");
}
END_TEST

START_TEST(test_directory_is_a_read_error)
{
	struct image_file f;
	struct error err = { { 0 } };
	ck_assert_int_eq(image_file_read(&f, "/", &err), -1);
	ck_assert_str_eq(err.msg, "/: cannot read: Is a directory");
}
END_TEST

START_TEST(test_free_is_idempotent)
{
	struct image_file f = { 0 };
	image_file_free(&f);
	image_file_free(&f);
	image_file_free(NULL);
	ck_assert_ptr_null(f.data);
}
END_TEST

Suite *image_file_suite(void)
{
	Suite *s = suite_create("image_file");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_reads_regular_file);
	tcase_add_test(tc, test_reads_fifo_in_chunks);
	tcase_add_test(tc, test_reads_stdin_dash);
	tcase_add_test(tc, test_empty_stdin_is_an_error);
	tcase_add_test(tc, test_empty_file_is_an_error);
	tcase_add_test(tc, test_missing_file_names_cause);
	tcase_add_test(tc, test_directory_is_a_read_error);
	tcase_add_test(tc, test_free_is_idempotent);
	suite_add_tcase(s, tc);
	return s;
}
