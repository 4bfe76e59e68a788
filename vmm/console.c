#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
		c->out_fd = open(cfg->console_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (c->out_fd < 0)
			return error_set(err, "console file %s: cannot open: %s", cfg->console_path,
					 strerror(errno));
		c->out_owned = true;
		break;
	case CONSOLE_STDIO:
		c->out_fd = STDOUT_FILENO;
		/* stdin feeding an image (--kernel -) is used up: no input. */
		if (!cfg->stdin_is_image) {
			c->in_fd = STDIN_FILENO;
			console_enter_raw(c);
		}
		break;
	}
	return 0;
}

void console_close(struct console *c)
{
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

void console_output(void *opaque, uint8_t byte)
{
	struct console *c = opaque;
	if (c->out_fd < 0 || c->out_failed)
		return;
	for (;;) {
		ssize_t n = write(c->out_fd, &byte, 1);
		if (n == 1)
			return;
		if (n < 0 && errno == EINTR)
			continue;
		/* Say it once; the guest keeps running without a console. */
		c->out_failed = true;
		fprintf(stderr, "minivmm: console output failed: %s; dropping further output\n",
			n < 0 ? strerror(errno) : "short write");
		return;
	}
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
