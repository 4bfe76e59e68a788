#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vmm/console.h"

/* The console whose terminal must be restored if the process exits by a
 * path that does not reach console_close. */
static struct console *console_to_restore;

static void console_restore_at_exit(void)
{
	if (console_to_restore)
		console_close(console_to_restore);
}

void console_restore_terminal(void)
{
	const struct console *c = console_to_restore;
	if (c && c->raw)
		tcsetattr(c->in_fd, TCSAFLUSH, &c->saved);
}

static void console_enter_raw(struct console *c)
{
	if (!isatty(c->in_fd) || tcgetattr(c->in_fd, &c->saved) < 0)
		return;
	struct termios raw = c->saved;
	/* Keys go to the guest as typed: no line editing, echo or signals;
	 * output processing stays so stray '\n' still starts a new line. */
	raw.c_iflag &= (tcflag_t) ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	raw.c_lflag &= (tcflag_t) ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	raw.c_cflag |= CS8;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(c->in_fd, TCSAFLUSH, &raw) < 0)
		return;
	c->raw = true;
	console_to_restore = c;
	static bool registered;
	if (!registered)
		registered = atexit(console_restore_at_exit) == 0;
}

int console_open(struct console *c, const struct vm_config *cfg, struct error *err)
{
	memset(c, 0, sizeof(*c));
	c->out_fd = -1;
	c->in_fd = -1;
	switch (cfg->console) {
	case CONSOLE_NONE:
		break;
	case CONSOLE_FILE:
		/* Not O_TRUNC: the file keeps its bytes until console_begin. */
		c->out_fd = open(cfg->console_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (c->out_fd < 0)
			return error_set(err, "console file %s: cannot open: %s", cfg->console_path,
					 strerror(errno));
		c->out_owned = true;
		c->out_buffered = true;
		c->out_path = cfg->console_path;
		break;
	case CONSOLE_STDERR:
		c->out_fd = STDERR_FILENO;
		c->out_buffered = !isatty(c->out_fd);
		break;
	case CONSOLE_STDIO:
		c->out_fd = STDOUT_FILENO;
		c->out_buffered = !isatty(c->out_fd);
		/* stdin feeding an image (--kernel -) is used up: no input. */
		if (!cfg->stdin_is_image) {
			c->in_fd = STDIN_FILENO;
			console_enter_raw(c);
		}
		break;
	}
	return 0;
}

static void console_prepare(struct console *c);

int console_begin(struct console *c, struct error *err)
{
	/* Where writes go is chosen now, at setup, not at the guest's first
	 * byte: that is a vCPU thread's, whose seccomp filter holds no
	 * open (seccomp_policy.c). */
	if (c->out_fd >= 0 && !c->out_prepared)
		console_prepare(c);
	struct stat st;
	if (!c->out_owned || fstat(c->out_fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (ftruncate(c->out_fd, 0) < 0)
		return error_set(err, "console file %s: cannot truncate: %s", c->out_path,
				 strerror(errno));
	return 0;
}

void console_close(struct console *c)
{
	console_drain(c, CONSOLE_END_WAIT_MS);
	if (c->out_prepared && c->out_wfd >= 0)
		close(c->out_wfd);
	c->out_prepared = false;
	c->out_wfd = -1;
	if (c->raw) {
		tcsetattr(c->in_fd, TCSAFLUSH, &c->saved);
		c->raw = false;
	}
	if (console_to_restore == c)
		console_to_restore = NULL;
	if (c->out_owned && c->out_fd >= 0)
		close(c->out_fd);
	c->out_owned = false;
	c->out_fd = -1;
}

/* Where writes go, chosen at the first one.  A pipe, FIFO or terminal
 * would block a write while its reader is behind, and O_NONBLOCK on
 * out_fd itself would change the open file description the caller shares
 * (the shell's terminal, a pipeline's other writers).  Opening
 * /proc/self/fd/N gives this process a description of its own for the same
 * pipe or device (proc(5), /proc/pid/fd), which may be non-blocking.
 * Failing that (no /proc, a socket), writes go to out_fd only as far as
 * poll(2) says they fit.  A regular file never waits for a reader. */
static void console_prepare(struct console *c)
{
	c->out_prepared = true;
	c->out_wfd = -1;
	struct stat st;
	if (fstat(c->out_fd, &st) < 0 || S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
		return;
	if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
		char path[32];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", c->out_fd);
		int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		struct stat again;
		if (fd >= 0 && fstat(fd, &again) == 0 && again.st_dev == st.st_dev &&
		    again.st_ino == st.st_ino && again.st_rdev == st.st_rdev) {
			c->out_wfd = fd;
			return;
		}
		if (fd >= 0)
			close(fd);
	}
	c->out_poll = true;
}

/* With out_poll: whether a write of up to PIPE_BUF bytes would not block
 * (for a pipe, POLLOUT means a free page-sized slot: fs/pipe.c pipe_poll);
 * an error or hangup also says yes, so that the write reports it. */
static bool console_out_ready(const struct console *c, int wait_ms)
{
	struct pollfd p = { .fd = c->out_fd, .events = POLLOUT };
	return poll(&p, 1, wait_ms) > 0 && p.revents != 0;
}

/* Everything pending counts as dropped. */
static void console_drop_pending(struct console *c)
{
	c->out_dropped += c->out_tail - c->out_head;
	c->out_head = c->out_tail = 0;
}

/* Writes what is pending, as far as the output takes it now. */
static void console_write_pending(struct console *c)
{
	if (!c->out_prepared)
		console_prepare(c);
	int fd = c->out_wfd >= 0 ? c->out_wfd : c->out_fd;
	c->out_since_try = 0;
	while (c->out_tail > c->out_head && !c->out_failed) {
		size_t len = c->out_tail - c->out_head;
		if (c->out_poll) {
			if (!console_out_ready(c, 0))
				break;
			if (len > PIPE_BUF)
				len = PIPE_BUF;
		}
		ssize_t n = write(fd, c->out_buf + c->out_head, len);
		if (n > 0) {
			c->out_head += (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			break;
		} else if (!(n < 0 && errno == EINTR)) {
			/* The guest keeps running without a console;
			 * machine_run names the failure at the end. */
			c->out_failed = true;
			c->out_error = n < 0 ? errno : EIO;
			console_drop_pending(c);
		}
	}
	if (c->out_head == c->out_tail)
		c->out_head = c->out_tail = 0;
}

void console_flush(struct console *c)
{
	if (c->out_fd >= 0 && c->out_tail > c->out_head)
		console_write_pending(c);
}

void console_drain(struct console *c, int wait_ms)
{
	console_flush(c);
	struct timespec now, end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += wait_ms / 1000;
	end.tv_nsec += (long)(wait_ms % 1000) * 1000000;
	while (c->out_tail > c->out_head && !c->out_failed && c->out_dropped == 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		int64_t left = (int64_t)(end.tv_sec - now.tv_sec) * 1000 +
			       (end.tv_nsec - now.tv_nsec) / 1000000;
		if (left <= 0)
			break;
		struct pollfd p = { .fd = c->out_wfd >= 0 ? c->out_wfd : c->out_fd, .events = POLLOUT };
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			break;
		console_write_pending(c);
	}
	console_drop_pending(c);
}

/* Before userspace opens the console Linux prints a byte at a time, and a
 * write per byte to a pipe wakes its reader per byte: in the KVM box that
 * doubled what each byte costs (~2 s of the cloud kernel's boot with
 * bench's run-timer reading).  So output to a pipe or file goes out a line
 * at a time, and a partial line (a prompt) at the main thread's next look,
 * within 20 ms (machine_wait).  A terminal gets every byte at once.  A
 * reader that is behind gets the bytes later; once it is CONSOLE_OUT_BUFFER
 * behind, new bytes are dropped and counted. */
void console_output(void *opaque, uint8_t byte)
{
	struct console *c = opaque;
	if (c->out_fd < 0)
		return;
	if (c->out_failed) {
		c->out_dropped++;
		return;
	}
	if (c->out_tail == sizeof(c->out_buf)) {
		if (c->out_head == 0) {
			c->out_dropped++;
			return;
		}
		memmove(c->out_buf, c->out_buf + c->out_head, c->out_tail - c->out_head);
		c->out_tail -= c->out_head;
		c->out_head = 0;
	}
	c->out_buf[c->out_tail++] = byte;
	c->out_since_try++;
	if (!c->out_buffered || byte == '\n' || c->out_since_try >= CONSOLE_OUT_LINE)
		console_write_pending(c);
}

size_t console_filter_input(struct console *c, const uint8_t *in, size_t len, uint8_t *out,
			    bool *quit)
{
	size_t n = 0;
	*quit = false;
	for (size_t i = 0; i < len; i++) {
		uint8_t b = in[i];
		if (!c->raw) {
			out[n++] = b;   /* no terminal: every byte is the guest's */
		} else if (c->escape_pending) {
			c->escape_pending = false;
			if (b == 'x') {
				*quit = true;
				return n;
			}
			if (b != CONSOLE_ESCAPE)
				out[n++] = CONSOLE_ESCAPE;
			out[n++] = b;
		} else if (b == CONSOLE_ESCAPE) {
			c->escape_pending = true;
		} else {
			out[n++] = b;
		}
	}
	return n;
}
