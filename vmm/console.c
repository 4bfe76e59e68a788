#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

int console_begin(struct console *c, struct error *err)
{
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
	console_flush(c);
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

static void console_write(struct console *c, const uint8_t *buf, size_t len)
{
	while (len > 0 && !c->out_failed) {
		ssize_t n = write(c->out_fd, buf, len);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			/* Say it once; the guest keeps running without a console. */
			c->out_failed = true;
			fprintf(stderr, "minivmm: console output failed: %s; dropping further output\n",
				n < 0 ? strerror(errno) : "short write");
		}
	}
}

void console_flush(struct console *c)
{
	if (c->out_len > 0 && c->out_fd >= 0)
		console_write(c, c->out_buf, c->out_len);
	c->out_len = 0;
}

/* Before userspace opens the console Linux prints a byte at a time, and a
 * write per byte to a pipe wakes its reader per byte: in the KVM box that
 * doubled what each byte costs (~2 s of the cloud kernel's boot with
 * bench's run-timer reading).  So output to a pipe or file goes out a line
 * at a time, and a partial line (a prompt) at the main thread's next look,
 * within 20 ms (machine_wait).  A terminal gets every byte at once. */
void console_output(void *opaque, uint8_t byte)
{
	struct console *c = opaque;
	if (c->out_fd < 0 || c->out_failed)
		return;
	if (!c->out_buffered) {
		console_write(c, &byte, 1);
		return;
	}
	c->out_buf[c->out_len++] = byte;
	if (byte == '\n' || c->out_len == sizeof(c->out_buf))
		console_flush(c);
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
