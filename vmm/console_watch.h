/* Watches the guest's console for the lines the kernel prints when it is in
 * trouble, so that a boot that failed is never read as a success whether or
 * not the guest has a driver that tells the host (pvpanic), and so that a
 * run can be failed on the kernel's own problem reports (--fail-on).
 *
 * A header counts only at the start of a line, after what printk itself
 * puts in front of a record on the console (kernel/printk/printk.c,
 * info_print_prefix: an optional "<N>" syslog level, "[seconds.micros]"
 * with CONFIG_PRINTK_TIME, "[ T123]" with CONFIG_PRINTK_CALLER, then one
 * space), so "---[ end Kernel panic - not syncing: ... ]---", a shell
 * echoing the words or "BUG:" in the middle of a line do not count.  The
 * headers, each with the kernel file that prints it, are the table in
 * console_watch.c; a line that matches several is of the most specific
 * one (the longest header): "BUG: KASAN:" is kasan, not bug. */
#ifndef MINIVMM_VMM_CONSOLE_WATCH_H
#define MINIVMM_VMM_CONSOLE_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kinds of report, by their names on the command line and in the
 * report (console_watch_kind_name).  CONSOLE_WATCH_PANIC stays first. */
enum console_watch_kind {
	CONSOLE_WATCH_PANIC,        /* panic: "Kernel panic - not syncing:" */
	CONSOLE_WATCH_WARNING,      /* warning: "WARNING:" (WARN_ON and others) */
	CONSOLE_WATCH_BUG,          /* bug: "BUG:", "kernel BUG at" */
	CONSOLE_WATCH_OOPS,         /* oops: "Oops:" (a page fault's die) */
	CONSOLE_WATCH_GPF,          /* gpf: "general protection fault" */
	CONSOLE_WATCH_KASAN,        /* kasan: "BUG: KASAN:", "KASAN: ... in range" */
	CONSOLE_WATCH_UBSAN,        /* ubsan: "UBSAN:" */
	CONSOLE_WATCH_LOCKDEP,      /* lockdep: its "WARNING: ..." headers */
	CONSOLE_WATCH_RCU_STALL,    /* rcu-stall: "rcu: INFO: ... detected stalls" */
	CONSOLE_WATCH_SOFT_LOCKUP,  /* soft-lockup: "watchdog: BUG: soft lockup" */
	CONSOLE_WATCH_HARD_LOCKUP,  /* hard-lockup: "NMI watchdog: Watchdog detected hard LOCKUP" */
	CONSOLE_WATCH_HUNG_TASK,    /* hung-task: "INFO: task ... blocked for more than" */
	CONSOLE_WATCH_KINDS
};

/* Every kind's bit, as --fail-on all means them. */
#define CONSOLE_WATCH_ALL_KINDS ((1u << CONSOLE_WATCH_KINDS) - 1)

/* Bytes of a line looked at (prefix included); a longer line is cut.
 * The text kept of a matched line is shorter still (CONSOLE_WATCH_TEXT_MAX)
 * so that it fits in a stop reason with words before it. */
#define CONSOLE_WATCH_LINE_MAX 256
#define CONSOLE_WATCH_TEXT_MAX 200

/* Reports kept in the list: the guest is hostile and may print headers
 * for ever.  Past this, reports are only counted (and still seen as the
 * first of their kind). */
#define CONSOLE_WATCH_REPORTS_MAX 64

/* One report: a line of a watched kind. */
struct console_watch_report {
	enum console_watch_kind kind;
	uint64_t line;      /* the console line it is, counted from 1 */
	/* From its header on, trimmed, bytes outside printable ASCII as '?'. */
	char text[CONSOLE_WATCH_TEXT_MAX + 1];
};

struct console_watch {
	char line[CONSOLE_WATCH_LINE_MAX];   /* the current line, '\r' left out */
	size_t len;
	uint64_t lines;                      /* lines ended so far */
	/* The first report of each kind (when its count is not 0), and how
	 * many of that kind there were. */
	struct console_watch_report first[CONSOLE_WATCH_KINDS];
	uint64_t count[CONSOLE_WATCH_KINDS];
	/* Every report in console order, up to CONSOLE_WATCH_REPORTS_MAX,
	 * and how many more there were. */
	struct console_watch_report reports[CONSOLE_WATCH_REPORTS_MAX];
	size_t nreports;
	uint64_t reports_dropped;
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

/* The earliest report of any kind in kinds (bits 1u << kind), or NULL. */
const struct console_watch_report *console_watch_earliest(const struct console_watch *w,
							  unsigned kinds);

/* A kind's name ("soft-lockup"), or "unknown".  console_watch_kind_parse
 * is the reverse, for the len bytes at name: the kind, or -1. */
const char *console_watch_kind_name(enum console_watch_kind kind);
int console_watch_kind_parse(const char *name, size_t len);

/* Pure: whether line (len bytes, no '\n' nor '\r') is a line of a watched
 * kind.  On a match, *kind is set (the most specific header's) and
 * *text_start is where its header begins (after printk's prefix). */
bool console_watch_match(const char *line, size_t len, enum console_watch_kind *kind,
			 size_t *text_start);

#endif
