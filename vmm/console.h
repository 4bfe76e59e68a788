/* The guest's console on the host: where serial output goes (stdout, a file
 * or nowhere) and where input comes from (stdin, in raw mode when it is a
 * terminal, restored on every way out). */
#ifndef MINIVMM_VMM_CONSOLE_H
#define MINIVMM_VMM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "common/error.h"
#include "vmm/config.h"

#define CONSOLE_ESCAPE 0x01   /* Ctrl-A, then x quits (as kvmtool and QEMU) */

#define CONSOLE_OUT_BUFFER 4096

struct console {
	int out_fd;             /* -1: output dropped (--console none) */
	bool out_owned;         /* out_fd is our file, to close */
	const char *out_path;   /* its path, for messages */
	bool out_failed;        /* a write failed; said once */
	/* Output to anything but a terminal is kept here up to a newline
	 * (console_output) or the main thread's next look (console_flush). */
	bool out_buffered;
	size_t out_len;
	uint8_t out_buf[CONSOLE_OUT_BUFFER];
	int in_fd;              /* -1: no input */
	bool raw;               /* the terminal is in raw mode and must be restored */
	bool escape_pending;    /* Ctrl-A typed, waiting for the next key */
	struct termios saved;
};

int console_open(struct console *c, const struct vm_config *cfg, struct error *err);
/* Once setup has succeeded: empties a --console file:PATH that is a
 * regular file.  console_open leaves its bytes alone, so that a setup
 * error cannot cost the user the file's old contents. */
int console_begin(struct console *c, struct error *err);
/* Restores the terminal and closes a console file.  Safe to call twice. */
void console_close(struct console *c);

/* Serial output sink: opaque is the struct console.  Called under the
 * UART's lock. */
void console_output(void *opaque, uint8_t byte);

/* Writes out what console_output kept: under the UART's lock, or once no
 * vCPU runs. */
void console_flush(struct console *c);

/* Copies typed input to out (room for 2 * len bytes: a pending Ctrl-A may be
 * replayed) without the escape sequence.  Returns the bytes for the guest;
 * *quit is set when Ctrl-A x was typed. */
size_t console_filter_input(struct console *c, const uint8_t *in, size_t len, uint8_t *out,
			    bool *quit);

#endif
