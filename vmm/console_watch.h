/* Watches the guest's console for the lines the kernel prints when it is in
 * trouble, so that a boot that failed is never read as a success whether or
 * not the guest has a driver that tells the host (pvpanic).
 *
 * Today one header is watched: "Kernel panic - not syncing:" (Linux's
 * kernel/panic.c, panic()).  A header counts only at the start of a line,
 * after what printk itself puts in front of a record on the console
 * (kernel/printk/printk.c, info_print_prefix: an optional "<N>" syslog
 * level, "[seconds.micros]" with CONFIG_PRINTK_TIME, "[ T123]" with
 * CONFIG_PRINTK_CALLER, then one space), so "---[ end Kernel panic - not
 * syncing: ... ]---" or a shell echoing the words does not count.  To watch
 * another header (WARNING:, BUG:, Oops:), add a kind and a row to the table
 * in console_watch.c. */
#ifndef MINIVMM_VMM_CONSOLE_WATCH_H
#define MINIVMM_VMM_CONSOLE_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum console_watch_kind {
	CONSOLE_WATCH_PANIC,      /* "Kernel panic - not syncing:" */
	CONSOLE_WATCH_KINDS
};

/* Bytes of a line looked at (prefix included); a longer line is cut.
 * The text kept of a matched line is shorter still (CONSOLE_WATCH_TEXT_MAX)
 * so that it fits in a stop reason with words before it. */
#define CONSOLE_WATCH_LINE_MAX 256
#define CONSOLE_WATCH_TEXT_MAX 200

struct console_watch {
	char line[CONSOLE_WATCH_LINE_MAX];   /* the current line, '\r' left out */
	size_t len;
	/* The first line of each kind, from its header on, trimmed, with
	 * bytes outside printable ASCII as '?'; "" until one is seen. */
	char first[CONSOLE_WATCH_KINDS][CONSOLE_WATCH_TEXT_MAX + 1];
};

void console_watch_init(struct console_watch *w);

/* Feeds the next console byte.  Returns the kind of the line this byte
 * ended ('\n') when it is one the watch looks for, else -1.  Not locked:
 * one thread at a time (the serial output path runs under the UART's lock). */
int console_watch_feed(struct console_watch *w, uint8_t byte);

/* The guest stopped: a line it never ended counts as it stands.  Returns
 * its kind, or -1.  The watch may be fed again afterwards. */
int console_watch_end(struct console_watch *w);

/* The first line of that kind seen so far, or NULL. */
const char *console_watch_first(const struct console_watch *w, enum console_watch_kind kind);

/* Pure: whether line (len bytes, no '\n' nor '\r') is a line of a watched
 * kind.  On a match, *kind is set and *text_start is where its header
 * begins (after printk's prefix). */
bool console_watch_match(const char *line, size_t len, enum console_watch_kind *kind,
			 size_t *text_start);

#endif
