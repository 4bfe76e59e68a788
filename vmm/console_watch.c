#include <string.h>

#include "vmm/console_watch.h"

/* The headers watched for, each at the start of a record's text (after
 * printk's prefix, console_watch_prefix), as Linux 6.1 prints them.  A
 * header is a prefix of the text; '*' in it stands for any bytes (a
 * "%s" or "%d" of the kernel's format: a task's comm may hold spaces).
 * What a file's pr_fmt() puts first is part of the header ("watchdog: ",
 * "rcu: "); a file without pr_fmt prints its format as it is.  Where a line
 * matches several headers, the one with the most bytes that are not '*'
 * names it.  The colon is part of most headers so that the words alone do
 * not count. */
static const struct {
	enum console_watch_kind kind;
	const char *header;
} console_watch_headers[] = {
	/* kernel/panic.c, panic(): "Kernel panic - not syncing: %s\n" */
	{ CONSOLE_WATCH_PANIC, "Kernel panic - not syncing:" },
	/* kernel/panic.c, __warn(): "WARNING: CPU: %d PID: %d at %s:%d %pS"
	 * (WARN_ON through lib/bug.c report_bug() or __WARN_printf); other
	 * code prints "WARNING: ..." headers of its own. */
	{ CONSOLE_WATCH_WARNING, "WARNING:" },
	/* "BUG: ..." from all over: arch/x86/mm/fault.c show_fault_oops() ("BUG:
	 * kernel NULL pointer dereference", "BUG: unable to handle page
	 * fault"), kernel/sched/core.c ("BUG: scheduling while atomic"), ...;
	 * lib/bug.c report_bug() (pr_fmt is fmt): "kernel BUG at %s:%u!" and
	 * "Kernel BUG at %pB [verbose debug info unavailable]". */
	{ CONSOLE_WATCH_BUG, "BUG:" },
	{ CONSOLE_WATCH_BUG, "kernel BUG at " },
	{ CONSOLE_WATCH_BUG, "Kernel BUG at " },
	/* arch/x86/kernel/dumpstack.c __die_header(): "%s: %04lx [#%d]...",
	 * with "Oops" from arch/x86/mm/fault.c page_fault_oops() and
	 * GPFSTR "general protection fault" (", probably for non-canonical
	 * address 0x...", or "segment-related " before it) from
	 * arch/x86/kernel/traps.c exc_general_protection(). */
	{ CONSOLE_WATCH_OOPS, "Oops: " },
	{ CONSOLE_WATCH_GPF, "general protection fault" },
	{ CONSOLE_WATCH_GPF, "segment-related general protection fault" },
	/* mm/kasan/report.c: "BUG: KASAN: %s in %pS", "BUG: KASAN:
	 * invalid-access", and kasan_non_canonical_hook()'s "KASAN: %s in
	 * range [...]" (on x86, after a general protection fault). */
	{ CONSOLE_WATCH_KASAN, "BUG: KASAN: " },
	{ CONSOLE_WATCH_KASAN, "KASAN: * in range [" },
	/* lib/ubsan.c ubsan_prologue(): "UBSAN: %s in %s:%d:%d" */
	{ CONSOLE_WATCH_UBSAN, "UBSAN: " },
	/* kernel/locking/lockdep.c, the headers of its reports (pr_warn, no
	 * pr_fmt), printed after debug_locks_off(). */
	{ CONSOLE_WATCH_LOCKDEP, "WARNING: possible circular locking dependency detected" },
	{ CONSOLE_WATCH_LOCKDEP, "WARNING: *-safe -> *-unsafe lock order detected" },
	{ CONSOLE_WATCH_LOCKDEP, "WARNING: possible recursive locking detected" },
	{ CONSOLE_WATCH_LOCKDEP, "WARNING: chain_key collision" },
	{ CONSOLE_WATCH_LOCKDEP, "WARNING: inconsistent lock state" },
	{ CONSOLE_WATCH_LOCKDEP, "WARNING: possible irq lock inversion dependency detected" },
	{ CONSOLE_WATCH_LOCKDEP, "WARNING: Nested lock was not taken" },
	{ CONSOLE_WATCH_LOCKDEP, "WARNING: bad unlock balance detected!" },
	{ CONSOLE_WATCH_LOCKDEP, "WARNING: bad contention detected!" },
	{ CONSOLE_WATCH_LOCKDEP, "WARNING: held lock freed!" },
	{ CONSOLE_WATCH_LOCKDEP, "WARNING: * still has locks held!" },
	{ CONSOLE_WATCH_LOCKDEP, "WARNING: lock held when returning to user space!" },
	{ CONSOLE_WATCH_LOCKDEP, "WARNING: suspicious RCU usage" },
	/* kernel/rcu/tree_stall.h and tree_exp.h, in tree.c (pr_fmt "rcu: "),
	 * with the flavour's name (rcu_sched, rcu_preempt); the RCU-tasks
	 * flavours' from kernel/rcu/tasks.h, in update.c (no pr_fmt). */
	{ CONSOLE_WATCH_RCU_STALL, "rcu: INFO: * detected stalls on CPUs/tasks:" },
	{ CONSOLE_WATCH_RCU_STALL, "rcu: INFO: * self-detected stall on CPU" },
	{ CONSOLE_WATCH_RCU_STALL, "rcu: INFO: * detected expedited stalls on CPUs/tasks:" },
	{ CONSOLE_WATCH_RCU_STALL, "INFO: rcu_tasks* detected stalls" },
	/* kernel/watchdog.c (pr_fmt "watchdog: "), watchdog_timer_fn():
	 * "BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]" */
	{ CONSOLE_WATCH_SOFT_LOCKUP, "watchdog: BUG: soft lockup - CPU#" },
	/* kernel/watchdog_hld.c (pr_fmt "NMI watchdog: "),
	 * watchdog_overflow_callback(): "Watchdog detected hard LOCKUP on cpu %d" */
	{ CONSOLE_WATCH_HARD_LOCKUP, "NMI watchdog: Watchdog detected hard LOCKUP on cpu " },
	/* kernel/hung_task.c check_hung_task() (no pr_fmt):
	 * "INFO: task %s:%d blocked for more than %ld seconds." */
	{ CONSOLE_WATCH_HUNG_TASK, "INFO: task * blocked for more than " },
};

static const char *const console_watch_kind_names[CONSOLE_WATCH_KINDS] = {
	[CONSOLE_WATCH_PANIC] = "panic",
	[CONSOLE_WATCH_WARNING] = "warning",
	[CONSOLE_WATCH_BUG] = "bug",
	[CONSOLE_WATCH_OOPS] = "oops",
	[CONSOLE_WATCH_GPF] = "gpf",
	[CONSOLE_WATCH_KASAN] = "kasan",
	[CONSOLE_WATCH_UBSAN] = "ubsan",
	[CONSOLE_WATCH_LOCKDEP] = "lockdep",
	[CONSOLE_WATCH_RCU_STALL] = "rcu-stall",
	[CONSOLE_WATCH_SOFT_LOCKUP] = "soft-lockup",
	[CONSOLE_WATCH_HARD_LOCKUP] = "hard-lockup",
	[CONSOLE_WATCH_HUNG_TASK] = "hung-task",
};

const char *console_watch_kind_name(enum console_watch_kind kind)
{
	return (unsigned)kind < CONSOLE_WATCH_KINDS ? console_watch_kind_names[kind] : "unknown";
}

int console_watch_kind_parse(const char *name, size_t len)
{
	for (int k = 0; k < CONSOLE_WATCH_KINDS; k++)
		if (strlen(console_watch_kind_names[k]) == len &&
		    memcmp(console_watch_kind_names[k], name, len) == 0)
			return k;
	return -1;
}

void console_watch_init(struct console_watch *w)
{
	memset(w, 0, sizeof(*w));
}

static bool console_watch_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* What printk puts before a record's text on a console
 * (kernel/printk/printk.c, info_print_prefix): "<N>" with
 * console_msg_format=syslog (print_syslog), "[%5lu.%06lu]" with
 * CONFIG_PRINTK_TIME (print_time), "[%6s]" holding "T<pid>" or "C<cpu>"
 * with CONFIG_PRINTK_CALLER (print_caller), and one space after those two.
 * Returns where the record's text starts; anything else in front leaves
 * the text where a header cannot be. */
static size_t console_watch_prefix(const char *s, size_t len)
{
	size_t i = 0;
	if (len > 0 && s[0] == '<') {
		size_t j = 1;
		while (j < len && j <= 4 && console_watch_digit(s[j]))
			j++;
		if (j > 1 && j < len && s[j] == '>')
			i = j + 1;
	}
	bool bracketed = false;
	for (int group = 0; group < 2 && i < len && s[i] == '['; group++) {
		size_t j = i + 1;
		while (j < len && j - i <= 24 &&
		       (console_watch_digit(s[j]) || s[j] == ' ' || s[j] == '.' || s[j] == 'T' ||
			s[j] == 'C'))
			j++;
		if (j >= len || s[j] != ']')
			return i;
		i = j + 1;
		bracketed = true;
	}
	if (bracketed && i < len && s[i] == ' ')
		i++;
	return i;
}

/* Whether header (with its '*'s) is a prefix of the len bytes at s.
 * A '*' takes as few bytes as it can, and one more each time the rest does
 * not match: at most len times the header's length steps. */
static bool console_watch_header_at(const char *header, const char *s, size_t len)
{
	const char *p = header, *after_star = NULL;
	size_t i = 0, star_from = 0;
	for (;;) {
		if (*p == '\0')
			return true;
		if (*p == '*') {
			after_star = ++p;
			star_from = i;
			continue;
		}
		if (i < len && *p == s[i]) {
			p++;
			i++;
			continue;
		}
		if (!after_star || star_from >= len)
			return false;
		p = after_star;
		i = ++star_from;
	}
}

/* How specific a header is: its bytes that are not '*'. */
static size_t console_watch_header_weight(const char *header)
{
	size_t n = 0;
	for (; *header; header++)
		n += *header != '*';
	return n;
}

bool console_watch_match(const char *line, size_t len, enum console_watch_kind *kind,
			 size_t *text_start)
{
	size_t start = console_watch_prefix(line, len);
	size_t best = 0;
	for (size_t h = 0; h < sizeof(console_watch_headers) / sizeof(console_watch_headers[0]); h++) {
		const char *header = console_watch_headers[h].header;
		size_t weight = console_watch_header_weight(header);
		if (weight > best && console_watch_header_at(header, line + start, len - start)) {
			best = weight;
			*kind = console_watch_headers[h].kind;
		}
	}
	if (best == 0)
		return false;
	*text_start = start;
	return true;
}

/* The current line is complete: a report when it is of a watched kind,
 * kept in the list while it has room and as the first of its kind.  The
 * guest chose its bytes and they end up on the user's terminal (stderr)
 * and in the report: anything but printable ASCII becomes '?'. */
static int console_watch_line_done(struct console_watch *w)
{
	enum console_watch_kind kind = CONSOLE_WATCH_PANIC;
	size_t start;
	size_t len = w->len;
	w->len = 0;
	w->lines++;
	if (len == 0 || !console_watch_match(w->line, len, &kind, &start))
		return -1;
	struct console_watch_report r = { .kind = kind, .line = w->lines };
	while (len > start && (unsigned char)w->line[len - 1] <= ' ')
		len--;   /* trailing blanks and control bytes */
	size_t n = 0;
	for (size_t i = start; i < len && n < CONSOLE_WATCH_TEXT_MAX; i++) {
		unsigned char c = (unsigned char)w->line[i];
		r.text[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	r.text[n] = '\0';
	if (w->count[kind]++ == 0)
		w->first[kind] = r;
	if (w->nreports < CONSOLE_WATCH_REPORTS_MAX)
		w->reports[w->nreports++] = r;
	else
		w->reports_dropped++;
	return (int)kind;
}

int console_watch_feed(struct console_watch *w, uint8_t byte)
{
	/* The 8250 console ends lines with "\r\n" (uart_console_write). */
	if (byte == '\r')
		return -1;
	if (byte == '\n')
		return console_watch_line_done(w);
	if (w->len < sizeof(w->line))
		w->line[w->len++] = (char)byte;
	return -1;
}

int console_watch_end(struct console_watch *w)
{
	return w->len ? console_watch_line_done(w) : -1;
}

const char *console_watch_first(const struct console_watch *w, enum console_watch_kind kind)
{
	if ((unsigned)kind >= CONSOLE_WATCH_KINDS || w->count[kind] == 0)
		return NULL;
	return w->first[kind].text;
}

const struct console_watch_report *console_watch_earliest(const struct console_watch *w,
							  unsigned kinds)
{
	const struct console_watch_report *best = NULL;
	for (int k = 0; k < CONSOLE_WATCH_KINDS; k++)
		if ((kinds & (1u << k)) && w->count[k] && (!best || w->first[k].line < best->line))
			best = &w->first[k];
	return best;
}
