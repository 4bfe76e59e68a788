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
	struct error err = { 0 };
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
	struct error err = { 0 };
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
	struct error err = { 0 };
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
	struct error err = { 0 };
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
	struct error err = { 0 };
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
	struct error err = { 0 };
	ck_assert_int_eq(image_file_read(&f, "/nonexistent/minivmm/bzImage", &err), -1);
	ck_assert_str_eq(err.msg, "/nonexistent/minivmm/bzImage: cannot open: "
			 "No such file or directory");
}
END_TEST

START_TEST(test_directory_is_refused)
{
	struct image_file f;
	struct error err = { 0 };
	ck_assert_int_eq(image_file_read(&f, "/", &err), -1);
	ck_assert_str_eq(err.msg, "/: is a directory");
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

/* A client's source that hands out its data in pieces of at most `piece`
 * bytes and counts how it is used. */
struct counting_source {
	struct image_source src;
	size_t total, piece, given;
	int reads, closes, reads_after_short;
	bool short_seen, fail;
};

static ssize_t counting_read(struct image_source *src, void *buf, size_t len, struct error *err)
{
	struct counting_source *c = (struct counting_source *)src;
	c->reads++;
	if (c->short_seen)
		c->reads_after_short++;
	if (c->fail)
		return error_set(err, "%s: the client went away", src->name);
	size_t n = c->total - c->given;
	if (n > len)
		n = len;
	for (size_t i = 0; i < n; i++)
		((uint8_t *)buf)[i] = test_payload_byte(c->given + i);
	c->given += n;
	if (n < len)
		c->short_seen = true;
	return (ssize_t)n;
}

static void counting_close(struct image_source *src)
{
	((struct counting_source *)src)->closes++;
}

static struct counting_source counting_source(size_t total)
{
	struct counting_source c = { .total = total };
	c.src.name = "client.img";
	c.src.origin = IMAGE_ORIGIN_CLIENT;
	c.src.read = counting_read;
	c.src.close = counting_close;
	c.src.fd = -1;
	return c;
}

/* The pull contract: reads until one comes back short, never after it, and
 * closes exactly once. */
START_TEST(test_pull_stops_at_short_read)
{
	static const size_t sizes[] = { 1, 65535, 65536, 65537, 300000 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct counting_source c = counting_source(sizes[i]);
		struct image_file f;
		struct error err = { 0 };
		ck_assert_msg(image_file_pull(&f, &c.src, &err) == 0, "%s", err.msg);
		assert_pattern(&f, sizes[i]);
		ck_assert_str_eq(f.path, "client.img");
		ck_assert_int_eq(f.origin, IMAGE_ORIGIN_CLIENT);
		ck_assert_int_eq(c.closes, 1);
		ck_assert_int_eq(c.reads_after_short, 0);
		image_file_free(&f);
	}
}
END_TEST

START_TEST(test_pull_error_and_empty_still_close)
{
	struct image_file f;
	struct error err = { 0 };
	struct counting_source c = counting_source(100);
	c.fail = true;
	ck_assert_int_eq(image_file_pull(&f, &c.src, &err), -1);
	ck_assert_str_eq(err.msg, "client.img: the client went away");
	ck_assert_int_eq(c.closes, 1);
	ck_assert_ptr_null(f.data);
	c = counting_source(0);
	ck_assert_int_eq(image_file_pull(&f, &c.src, &err), -1);
	ck_assert_str_eq(err.msg, "client.img: file is empty");
	ck_assert_int_eq(c.closes, 1);
}
END_TEST

START_TEST(test_buffer_source)
{
	uint8_t data[70000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = test_payload_byte(i);
	struct image_source src;
	image_source_buffer(&src, "buffer", data, sizeof(data));
	struct image_file f;
	struct error err = { 0 };
	ck_assert_int_eq(image_file_pull(&f, &src, &err), 0);
	assert_pattern(&f, sizeof(data));
	ck_assert_int_eq(f.origin, IMAGE_ORIGIN_CLIENT);
	ck_assert_ptr_ne(f.data, data);   /* a copy: the client keeps its buffer */
	image_file_free(&f);
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
	tcase_add_test(tc, test_directory_is_refused);
	tcase_add_test(tc, test_free_is_idempotent);
	tcase_add_test(tc, test_pull_stops_at_short_read);
	tcase_add_test(tc, test_pull_error_and_empty_still_close);
	tcase_add_test(tc, test_buffer_source);
	suite_add_tcase(s, tc);
	return s;
}
