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

/* Output kept while the reader is behind: a reader that falls further
 * behind than this (and the pipe's own buffer) loses output, counted in
 * out_dropped; the guest never waits for it. */
#define CONSOLE_OUT_BUFFER (64 * 1024)
/* A partial line this long goes out without waiting for its newline. */
#define CONSOLE_OUT_LINE 4096
/* How long the end of a run waits for a slow reader to take what is left. */
#define CONSOLE_END_WAIT_MS 200

struct console {
	int out_fd;             /* -1: output dropped (--console none) */
	bool out_owned;         /* out_fd is our file, to close */
	const char *out_path;   /* its path, for messages */
	bool out_failed;        /* a write failed: out_error says why */
	int out_error;
	/* Writes never wait for the reader (console_output runs on a vCPU
	 * thread under the UART's lock, and the stop must never wait behind
	 * a full pipe): out_wfd is out_fd opened again with O_NONBLOCK, or
	 * out_fd itself with out_poll set when that cannot be done.  Set up
	 * at the first write (out_prepared). */
	bool out_prepared;
	bool out_poll;          /* write only what poll(2) says fits */
	int out_wfd;            /* our own descriptor (closed with the console), or -1 */
	/* Output to anything but a terminal is kept here up to a newline
	 * (console_output) or the main thread's next look (console_flush);
	 * to any output, while the reader is behind.  Pending bytes are
	 * out_buf[out_head, out_tail). */
	bool out_buffered;
	size_t out_head, out_tail;
	size_t out_since_try;   /* bytes added since the last write attempt */
	uint64_t out_dropped;   /* bytes that never reached out_fd */
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
/* console_drain, then restores the terminal and closes a console file.
 * Safe to call twice. */
void console_close(struct console *c);
/* Puts back the terminal of the console that made it raw, from a signal
 * handler (the seccomp trap's, seccomp_on_trap): only tcsetattr, which
 * POSIX lists as async-signal-safe. */
void console_restore_terminal(void);

/* Serial output sink: opaque is the struct console.  Called under the
 * UART's lock. */
void console_output(void *opaque, uint8_t byte);

/* Writes out what console_output kept, as much as the output takes now
 * without waiting: under the UART's lock, or once no vCPU runs. */
void console_flush(struct console *c);

/* Once no vCPU runs: waits up to wait_ms for the output to take what is
 * left, unless output was dropped already (the reader is not keeping up:
 * waiting would only hold up the exit); what is still left then counts as
 * dropped. */
void console_drain(struct console *c, int wait_ms);

/* Copies typed input to out (room for 2 * len bytes: a pending Ctrl-A may be
 * replayed) without the escape sequence.  Returns the bytes for the guest;
 * *quit is set when Ctrl-A x was typed. */
size_t console_filter_input(struct console *c, const uint8_t *in, size_t len, uint8_t *out,
			    bool *quit);

#endif
