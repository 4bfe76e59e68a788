/* run-timer — time a command from its start, for scripts/bench.sh.
 *
 *   run-timer [--timeout SECONDS] -- COMMAND [ARG...]
 *       Runs COMMAND to its end, its stdout on /dev/null, and prints
 *       "MS STATUS": the milliseconds from just before it was started to its
 *       end, and its exit status (128 + the signal when a signal ended it).
 *
 *   run-timer --marker STRING [--timeout SECONDS] -- COMMAND [ARG...]
 *       Runs COMMAND with its stdout on a pipe, watches that output for
 *       STRING and prints "MS": the milliseconds from just before the start
 *       to the moment the marker was read; then kills COMMAND (SIGKILL) and
 *       reaps it.  The same method for every VMM: the clock stops when the
 *       marker reaches the VMM's console, whatever the VMM does after.
 *
 * COMMAND's stdin is /dev/null; its stderr is ours.  SECONDS (default
 * 300, at most a day) bounds the wait: past it COMMAND is killed.  Exit
 * status 0 when the measure was taken; 1 with one line on stderr (the tail
 * of COMMAND's output too, with --marker) when it timed out, the marker
 * never came, or COMMAND could not run; 2 for a usage error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How much of COMMAND's last output is shown when the marker never came. */
#define TIMER_TAIL_SIZE 2048

static double timer_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void usage(void)
{
	fprintf(stderr, "usage: run-timer [--marker STRING] [--timeout SECONDS] -- COMMAND [ARG...]\n");
	exit(2);
}

/* Starts argv with stdin /dev/null and stdout out_fd (-1: /dev/null).
 * The pipe's own ends are close-on-exec: the command holds only its stdout,
 * so the pipe ends (EOF) when the command does. */
static pid_t timer_spawn(char **argv, int out_fd)
{
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "run-timer: fork: %s\n", strerror(errno));
		exit(1);
	}
	if (pid == 0) {
		int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null_fd < 0 || dup2(null_fd, 0) < 0 ||
		    dup2(out_fd >= 0 ? out_fd : null_fd, 1) < 0) {
			fprintf(stderr, "run-timer: %s: cannot set up stdin/stdout: %s\n", argv[0],
				strerror(errno));
			_exit(127);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "run-timer: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

static int timer_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 255;
}

static void timer_alarm(int sig)
{
	(void)sig;   /* only interrupts waitpid */
}

/* Start to exit.  A blocking waitpid wakes the moment COMMAND ends; the
 * timeout is a SIGALRM that interrupts it (no SA_RESTART). */
static int timer_to_exit(char **argv, double timeout_s)
{
	struct sigaction sa = { .sa_handler = timer_alarm };
	sigaction(SIGALRM, &sa, NULL);
	double start = timer_now_ms();
	pid_t pid = timer_spawn(argv, -1);
	alarm((unsigned)(timeout_s + 0.999));   /* whole seconds, rounded up */
	int wstatus;
	pid_t r = waitpid(pid, &wstatus, 0);
	double end = timer_now_ms();
	alarm(0);
	if (r == pid) {
		printf("%.3f %d\n", end - start, timer_status(wstatus));
		return 0;
	}
	int err = errno;
	kill(pid, SIGKILL);
	waitpid(pid, &wstatus, 0);
	if (err == EINTR)
		fprintf(stderr, "run-timer: %s did not end within %.0f s\n", argv[0], timeout_s);
	else
		fprintf(stderr, "run-timer: waitpid: %s\n", strerror(err));
	return 1;
}

/* The last TIMER_TAIL_SIZE bytes of output, for the failure message. */
struct timer_tail {
	char buf[TIMER_TAIL_SIZE];
	size_t len;
};

static void timer_tail_add(struct timer_tail *t, const char *data, size_t n)
{
	if (n >= sizeof(t->buf)) {
		memcpy(t->buf, data + n - sizeof(t->buf), sizeof(t->buf));
		t->len = sizeof(t->buf);
		return;
	}
	if (t->len + n > sizeof(t->buf)) {
		size_t drop = t->len + n - sizeof(t->buf);
		memmove(t->buf, t->buf + drop, t->len - drop);
		t->len -= drop;
	}
	memcpy(t->buf + t->len, data, n);
	t->len += n;
}

/* Start to marker. */
static int timer_to_marker(char **argv, const char *marker, double timeout_ms)
{
	size_t mlen = strlen(marker);
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		fprintf(stderr, "run-timer: pipe: %s\n", strerror(errno));
		return 1;
	}
	double start = timer_now_ms();
	pid_t pid = timer_spawn(argv, fds[1]);
	close(fds[1]);

	/* The marker may straddle two reads: the search window keeps the last
	 * mlen - 1 bytes of the previous read in front of the new ones. */
	size_t cap = mlen + 65536;
	char *window = malloc(cap);
	if (!window) {
		fprintf(stderr, "run-timer: out of memory\n");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return 1;
	}
	size_t kept = 0;
	struct timer_tail tail = { .len = 0 };
	const char *why = NULL;
	double found_ms = -1;
	for (;;) {
		double left = timeout_ms - (timer_now_ms() - start);
		if (left <= 0) {
			why = "timed out";
			break;
		}
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		int pr = poll(&pfd, 1, left > 1000 ? 1000 : (int)left + 1);
		if (pr < 0 && errno != EINTR) {
			why = "poll failed";
			break;
		}
		if (pr <= 0)
			continue;
		ssize_t n = read(fds[0], window + kept, cap - kept);
		double now = timer_now_ms();
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			why = "ended its output";
			break;
		}
		timer_tail_add(&tail, window + kept, (size_t)n);
		size_t have = kept + (size_t)n;
		if (memmem(window, have, marker, mlen)) {
			found_ms = now - start;
			break;
		}
		kept = have < mlen ? have : mlen - 1;
		memmove(window, window + have - kept, kept);
	}
	free(window);
	kill(pid, SIGKILL);
	int wstatus = 0;
	waitpid(pid, &wstatus, 0);
	close(fds[0]);
	if (found_ms >= 0) {
		printf("%.3f\n", found_ms);
		return 0;
	}
	fprintf(stderr, "run-timer: %s %s before printing '%s' (after %.0f ms); its last output:\n",
		argv[0], why, marker, timer_now_ms() - start);
	fwrite(tail.buf, 1, tail.len, stderr);
	fputc('\n', stderr);
	return 1;
}

int main(int argc, char **argv)
{
	const char *marker = NULL;
	double timeout_s = 300;
	int i = 1;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--marker") && i + 1 < argc) {
			marker = argv[++i];
			if (!*marker)
				usage();
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			char *end;
			timeout_s = strtod(argv[++i], &end);
			if (end == argv[i] || *end || !(timeout_s > 0) || timeout_s > 86400)
				usage();
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else {
			usage();
		}
	}
	if (i >= argc)
		usage();
	if (marker)
		return timer_to_marker(argv + i, marker, timeout_s * 1e3);
	return timer_to_exit(argv + i, timeout_s);
}
