/* The console's output never waits for its reader: a pipe or socket that
 * nobody reads costs output (counted), never a blocked vCPU or a stop that
 * cannot finish.  A blocked write would hang the test until Check's
 * per-test timeout fails it. */
#define _GNU_SOURCE   /* F_GETPIPE_SZ */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmm/console.h"

/* More than any pipe or socket here holds plus the console's own buffer. */
#define FLOOD (4 * CONSOLE_OUT_BUFFER + 3 * 65536)

static struct console *console_on(int fd, bool buffered)
{
	struct console *c = calloc(1, sizeof(*c));
	ck_assert_ptr_nonnull(c);
	c->out_fd = fd;
	c->in_fd = -1;
	c->out_buffered = buffered;
	return c;
}

/* Line i of the flood: "NNNNNN.........\n", 64 bytes, numbered so that
 * order and gaps show. */
static void flood_line(char *line, unsigned i)
{
	memset(line, '.', 64);
	char num[16];
	int n = snprintf(num, sizeof(num), "%06u", i);
	memcpy(line, num, (size_t)n);
	line[63] = '\n';
}

static void output_lines(struct console *c, unsigned from, unsigned count)
{
	char line[64];
	for (unsigned i = from; i < from + count; i++) {
		flood_line(line, i);
		for (int k = 0; k < 64; k++)
			console_output(c, (uint8_t)line[k]);
	}
}

/* Reads everything the fd holds now (it must be non-blocking). */
static size_t read_all(int fd, char *buf, size_t size)
{
	size_t got = 0;
	for (;;) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n <= 0)
			return got;
		got += (size_t)n;
	}
}

/* What was read is whole lines, numbered from 0 without a gap. */
static unsigned check_lines(const char *buf, size_t len)
{
	ck_assert_uint_eq(len % 64, 0);
	char want[64];
	for (unsigned i = 0; i < len / 64; i++) {
		flood_line(want, i);
		ck_assert_msg(memcmp(buf + (size_t)i * 64, want, 64) == 0, "line %u differs", i);
	}
	return (unsigned)(len / 64);
}

static void flood_then_read(int wfd, int rfd)
{
	struct console *c = console_on(wfd, true);
	unsigned lines = FLOOD / 64;
	output_lines(c, 0, lines);             /* returns: nothing waits */
	ck_assert_uint_gt(c->out_dropped, 0);
	ck_assert(!c->out_failed);
	size_t pending = c->out_tail - c->out_head;
	ck_assert_uint_gt(pending, 0);
	char *buf = malloc(FLOOD);
	ck_assert_int_eq(fcntl(rfd, F_SETFL, O_NONBLOCK), 0);
	size_t got = read_all(rfd, buf, FLOOD);
	ck_assert_uint_eq(got + pending + c->out_dropped, FLOOD);
	/* The reader came back: what waited goes out, in order, as fast as
	 * the reader takes it; what was dropped came after it. */
	while (c->out_tail > c->out_head) {
		console_flush(c);
		size_t n = read_all(rfd, buf + got, FLOOD - got);
		ck_assert_uint_gt(n, 0);
		got += n;
	}
	ck_assert_uint_eq(got + c->out_dropped, FLOOD);
	unsigned whole = check_lines(buf, got);
	ck_assert_uint_lt(whole, lines);
	console_close(c);
	free(buf);
	free(c);
}

START_TEST(console_output_never_waits_for_a_pipe)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);   /* a blocking pipe, as a shell makes */
	flood_then_read(fds[1], fds[0]);
	/* out_fd itself stays blocking: the caller's description is not
	 * changed (the shell shares it). */
	ck_assert_int_eq(fcntl(fds[1], F_GETFL) & O_NONBLOCK, 0);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* A socket cannot be opened again through /proc: writes go only as far as
 * poll(2) says they fit. */
START_TEST(console_output_never_waits_for_a_socket)
{
	int fds[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	flood_then_read(fds[1], fds[0]);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* A terminal gets each byte at once, and when it takes no more (stopped
 * with Ctrl-S) the bytes wait instead of the vCPU. */
START_TEST(console_unbuffered_output_waits_in_the_buffer)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	struct console *c = console_on(fds[1], false);
	console_output(c, 'a');
	char b[2];
	ck_assert_int_eq(read(fds[0], b, 2), 1);   /* at once, no newline needed */
	int size = fcntl(fds[1], F_GETPIPE_SZ);
	ck_assert_int_gt(size, 0);
	for (int i = 0; i < size + 10; i++)
		console_output(c, 'b');
	ck_assert_uint_eq(c->out_tail - c->out_head, 10);
	ck_assert_uint_eq(c->out_dropped, 0);
	console_close(c);
	ck_assert_uint_eq(c->out_dropped, 10);   /* the end waited, then gave up */
	free(c);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* The end of a run: what a live reader takes in time is written; once
 * output was dropped, the end does not wait at all. */
START_TEST(console_drain_writes_what_is_left_or_counts_it)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	struct console *c = console_on(fds[1], true);
	for (const char *p = "partial"; *p; p++)
		console_output(c, (uint8_t)*p);
	console_drain(c, 0);
	char b[16];
	ck_assert_int_eq(read(fds[0], b, sizeof(b)), 7);
	ck_assert_uint_eq(c->out_dropped, 0);

	/* Fill the pipe and the buffer until a byte is dropped. */
	while (c->out_dropped == 0)
		console_output(c, 'x');
	size_t left = c->out_tail - c->out_head;
	ck_assert_uint_gt(left, 0);
	/* A long wait would fail the test by Check's timeout: there is none. */
	console_drain(c, 60 * 1000);
	ck_assert_uint_eq(c->out_tail - c->out_head, 0);
	ck_assert_uint_eq(c->out_dropped, 1 + left);
	console_close(c);
	free(c);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* A reader that went away: the write fails once (EPIPE, SIGPIPE ignored
 * as machine_run does), the failure is kept, and every later byte counts
 * as dropped without another write. */
START_TEST(console_counts_output_after_a_failed_write)
{
	signal(SIGPIPE, SIG_IGN);
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	close(fds[0]);
	struct console *c = console_on(fds[1], true);
	for (const char *p = "abc\n"; *p; p++)
		console_output(c, (uint8_t)*p);
	ck_assert(c->out_failed);
	ck_assert_int_eq(c->out_error, EPIPE);
	ck_assert_uint_eq(c->out_dropped, 4);
	for (const char *p = "de\n"; *p; p++)
		console_output(c, (uint8_t)*p);
	ck_assert_uint_eq(c->out_dropped, 7);
	console_close(c);
	ck_assert_uint_eq(c->out_dropped, 7);
	free(c);
	close(fds[1]);
}
END_TEST

Suite *console_suite(void)
{
	Suite *s = suite_create("console");
	TCase *t = tcase_create("console");
	tcase_add_test(t, console_output_never_waits_for_a_pipe);
	tcase_add_test(t, console_output_never_waits_for_a_socket);
	tcase_add_test(t, console_unbuffered_output_waits_in_the_buffer);
	tcase_add_test(t, console_drain_writes_what_is_left_or_counts_it);
	tcase_add_test(t, console_counts_output_after_a_failed_write);
	suite_add_tcase(s, t);
	return s;
}
