/* The console watch: the kernel's panic line and problem reports found
 * however the console's reads cut them, with printk's prefixes, "\r\n" line
 * ends, each named by its most specific kind, listed within a bound, and
 * not in lines that only look like them. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "vmm/console_watch.h"

#define PANIC_VFS "Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)"

/* Feeds text in chunks of the given size (the whole text when 0); returns
 * how many bytes completed a panic line. */
static int feed(struct console_watch *w, const char *text, size_t chunk)
{
	size_t len = strlen(text);
	int hits = 0;
	if (chunk == 0)
		chunk = len ? len : 1;
	for (size_t at = 0; at < len; at += chunk)
		for (size_t i = at; i < len && i < at + chunk; i++)
			if (console_watch_feed(w, (uint8_t)text[i]) == CONSOLE_WATCH_PANIC)
				hits++;
	return hits;
}

/* The panic line the watch keeps after text (NULL: none), ended or not. */
static const char *panic_after(struct console_watch *w, const char *text)
{
	console_watch_init(w);
	feed(w, text, 0);
	console_watch_end(w);
	return console_watch_first(w, CONSOLE_WATCH_PANIC);
}

START_TEST(watch_finds_the_panic_line_with_printk_prefixes)
{
	static struct console_watch w;
	const char *lines[] = {
		PANIC_VFS "\r\n",
		"[    0.912345] " PANIC_VFS "\r\n",
		"[12345.000001] " PANIC_VFS "\n",
		"[    0.912345][    T1] " PANIC_VFS "\r\n",     /* CONFIG_PRINTK_CALLER */
		"[    0.912345][    C0] " PANIC_VFS "\r\n",
		"<0>[    0.912345] " PANIC_VFS "\r\n",           /* console_msg_format=syslog */
		"<0>" PANIC_VFS "\r\n",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const char *got = panic_after(&w, lines[i]);
		ck_assert_msg(got != NULL, "no panic found in '%s'", lines[i]);
		ck_assert_str_eq(got, PANIC_VFS);
	}
}
END_TEST

START_TEST(watch_ignores_lines_that_only_look_alike)
{
	static struct console_watch w;
	const char *texts[] = {
		/* printed by panic() after the line itself */
		"[    0.9] ---[ end Kernel panic - not syncing: VFS: Unable to mount root fs ]---\r\n",
		"echo Kernel panic - not syncing: test\r\n",
		" Kernel panic - not syncing: indented\r\n",
		"Kernel panic - not syncing without the colon\r\n",
		"kernel panic - not syncing: lower case\r\n",
		"Kernel panic - not syncin\r\ng: split by a line end\r\n",
		"[ 0.9 x] Kernel panic - not syncing: not printk's prefix\r\n",
		"[    0.912345]  Kernel panic - not syncing: two spaces\r\n",
		"[    0.912345]",
		"",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		ck_assert_msg(panic_after(&w, texts[i]) == NULL, "a panic found in '%s'", texts[i]);
}
END_TEST

/* The console hands the watch a byte at a time but the guest writes in any
 * pieces: every chunk size finds the line once, when its '\n' comes. */
START_TEST(watch_finds_a_line_split_across_reads)
{
	const char *text = "[    1.000000] Run /init as init process\r\n"
			   "[    1.100000] " PANIC_VFS "\r\n"
			   "[    1.100001] CPU: 0 PID: 1 Comm: swapper/0\r\n";
	for (size_t chunk = 1; chunk <= strlen(text); chunk++) {
		static struct console_watch w;
		console_watch_init(&w);
		ck_assert_int_eq(feed(&w, text, chunk), 1);
		ck_assert_str_eq(console_watch_first(&w, CONSOLE_WATCH_PANIC), PANIC_VFS);
	}
}
END_TEST

START_TEST(watch_reports_the_byte_that_ends_the_line)
{
	static struct console_watch w;
	console_watch_init(&w);
	ck_assert_int_eq(feed(&w, "[    1.1] " PANIC_VFS, 0), 0);
	ck_assert_ptr_null(console_watch_first(&w, CONSOLE_WATCH_PANIC));
	ck_assert_int_eq(console_watch_feed(&w, '\r'), -1);
	ck_assert_int_eq(console_watch_feed(&w, '\n'), CONSOLE_WATCH_PANIC);
	ck_assert_str_eq(console_watch_first(&w, CONSOLE_WATCH_PANIC), PANIC_VFS);
	ck_assert_int_eq(console_watch_feed(&w, '\n'), -1);   /* an empty line */
}
END_TEST

/* A line the guest never ended (it stopped mid-line) still counts. */
START_TEST(watch_counts_an_unended_line_at_the_end)
{
	static struct console_watch w;
	console_watch_init(&w);
	feed(&w, "booting\r\n" PANIC_VFS, 0);
	ck_assert_ptr_null(console_watch_first(&w, CONSOLE_WATCH_PANIC));
	ck_assert_int_eq(console_watch_end(&w), CONSOLE_WATCH_PANIC);
	ck_assert_str_eq(console_watch_first(&w, CONSOLE_WATCH_PANIC), PANIC_VFS);
	ck_assert_int_eq(console_watch_end(&w), -1);   /* nothing left */
}
END_TEST

/* The first panic is the one reported; a second one (a panic while
 * panicking) does not replace it. */
START_TEST(watch_keeps_the_first_panic)
{
	static struct console_watch w;
	console_watch_init(&w);
	ck_assert_int_eq(feed(&w, "Kernel panic - not syncing: first\r\n"
				  "Kernel panic - not syncing: second\r\n", 0), 2);
	ck_assert_str_eq(console_watch_first(&w, CONSOLE_WATCH_PANIC),
			 "Kernel panic - not syncing: first");
}
END_TEST

/* What the guest wrote reaches stderr and the report: control bytes and
 * anything past ASCII become '?', trailing blanks go, and a line longer
 * than the watch keeps is cut. */
START_TEST(watch_trims_and_cleans_the_line)
{
	static struct console_watch w;
	const char *got = panic_after(&w, "Kernel panic - not syncing: a\033[31mb\x80\tc \t \r\n");
	ck_assert_str_eq(got, "Kernel panic - not syncing: a?[31mb??c");
	char lng[1000];
	strcpy(lng, "[    2.000000] Kernel panic - not syncing: ");
	size_t n = strlen(lng);
	memset(lng + n, 'x', sizeof(lng) - n - 3);
	strcpy(lng + sizeof(lng) - 3, "\r\n");
	got = panic_after(&w, lng);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(strlen(got), CONSOLE_WATCH_TEXT_MAX);
	ck_assert(strncmp(got, "Kernel panic - not syncing: xxx", 31) == 0);
	/* The next line after a long one is looked at from its start. */
	memset(lng, 'y', sizeof(lng) - 3);
	console_watch_init(&w);
	ck_assert_int_eq(feed(&w, lng, 0), 0);
	ck_assert_int_eq(feed(&w, "Kernel panic - not syncing: later\r\n", 0), 1);
}
END_TEST

START_TEST(watch_match_says_where_the_text_starts)
{
	enum console_watch_kind kind = CONSOLE_WATCH_KINDS;
	size_t start = 99;
	const char *line = "[    0.5][  T1] Kernel panic - not syncing: x";
	ck_assert(console_watch_match(line, strlen(line), &kind, &start));
	ck_assert_int_eq(kind, CONSOLE_WATCH_PANIC);
	ck_assert_uint_eq(start, 16);
	ck_assert(!console_watch_match("Kernel panic", 12, &kind, &start));
	ck_assert(!console_watch_match("", 0, &kind, &start));
}
END_TEST

/* Each kind with a line as Linux 6.1 prints it (the file in
 * console_watch.c's table), and what the line is: the first line of a
 * report of that kind. */
static const struct {
	enum console_watch_kind kind;
	const char *text;
} report_lines[] = {
	{ CONSOLE_WATCH_PANIC, PANIC_VFS },
	{ CONSOLE_WATCH_WARNING, "WARNING: CPU: 0 PID: 71 at drivers/misc/lkdtm/bugs.c:84 "
				 "lkdtm_WARNING+0x5/0x10" },
	{ CONSOLE_WATCH_WARNING, "WARNING: CPU: 1 PID: 1 at lkdtm_WARNING_MESSAGE+0x1a/0x20" },
	{ CONSOLE_WATCH_BUG, "BUG: kernel NULL pointer dereference, address: 0000000000000000" },
	{ CONSOLE_WATCH_BUG, "BUG: unable to handle page fault for address: ffffffffc0000000" },
	{ CONSOLE_WATCH_BUG, "BUG: scheduling while atomic: sh/70/0x00000002" },
	{ CONSOLE_WATCH_BUG, "kernel BUG at drivers/misc/lkdtm/bugs.c:78!" },
	{ CONSOLE_WATCH_BUG, "Kernel BUG at lkdtm_BUG+0x5/0x10 [verbose debug info unavailable]" },
	{ CONSOLE_WATCH_OOPS, "Oops: 0002 [#1] SMP NOPTI" },
	{ CONSOLE_WATCH_GPF, "general protection fault, probably for non-canonical address "
			     "0xdffffc0000000000: 0000 [#1] PREEMPT SMP KASAN NOPTI" },
	{ CONSOLE_WATCH_GPF, "general protection fault: 0000 [#1] SMP NOPTI" },
	{ CONSOLE_WATCH_GPF, "segment-related general protection fault: 0000 [#1] SMP" },
	{ CONSOLE_WATCH_KASAN, "BUG: KASAN: slab-out-of-bounds in kmalloc_oob_right+0x1b3/0x1d0" },
	{ CONSOLE_WATCH_KASAN, "BUG: KASAN: invalid-access" },
	{ CONSOLE_WATCH_KASAN, "KASAN: null-ptr-deref in range "
			       "[0x0000000000000000-0x0000000000000007]" },
	{ CONSOLE_WATCH_UBSAN, "UBSAN: array-index-out-of-bounds in drivers/misc/lkdtm/bugs.c:332:16" },
	{ CONSOLE_WATCH_LOCKDEP, "WARNING: possible circular locking dependency detected" },
	{ CONSOLE_WATCH_LOCKDEP, "WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected" },
	{ CONSOLE_WATCH_LOCKDEP, "WARNING: possible recursive locking detected" },
	{ CONSOLE_WATCH_LOCKDEP, "WARNING: sh/70 still has locks held!" },
	{ CONSOLE_WATCH_LOCKDEP, "WARNING: suspicious RCU usage" },
	{ CONSOLE_WATCH_RCU_STALL, "rcu: INFO: rcu_sched detected stalls on CPUs/tasks:" },
	{ CONSOLE_WATCH_RCU_STALL, "rcu: INFO: rcu_preempt self-detected stall on CPU" },
	{ CONSOLE_WATCH_RCU_STALL, "rcu: INFO: rcu_sched detected expedited stalls on CPUs/tasks: {" },
	{ CONSOLE_WATCH_RCU_STALL, "INFO: rcu_tasks detected stalls on tasks:" },
	{ CONSOLE_WATCH_RCU_STALL, "INFO: rcu_tasks_trace detected stalls on tasks:" },
	{ CONSOLE_WATCH_SOFT_LOCKUP, "watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [sh:75]" },
	{ CONSOLE_WATCH_HARD_LOCKUP, "NMI watchdog: Watchdog detected hard LOCKUP on cpu 1" },
	{ CONSOLE_WATCH_HUNG_TASK, "INFO: task sh:72 blocked for more than 2 seconds." },
	/* a comm is any 15 bytes: spaces and colons too */
	{ CONSOLE_WATCH_HUNG_TASK, "INFO: task a b: c blocked:9 blocked for more than 120 seconds." },
};
#define REPORT_LINES (sizeof(report_lines) / sizeof(report_lines[0]))

/* The prefixes printk puts before a record on the console
 * (kernel/printk/printk.c, info_print_prefix). */
static const char *const prefixes[] = {
	"",
	"[    0.912345] ",
	"[12345.000001] ",
	"[    0.912345][    T1] ",     /* CONFIG_PRINTK_CALLER, a task */
	"[    0.912345][    C1] ",     /* CONFIG_PRINTK_CALLER, a CPU in interrupt */
	"[ T71] ",                      /* caller id alone (printk.time=0) */
	"<4>[    0.912345] ",          /* console_msg_format=syslog */
	"<0>",
};

/* Every header, after every prefix, in every piece size the console's reads
 * may cut it into: one report of its kind, with its text from the header
 * on and its console line. */
START_TEST(watch_finds_each_report_kind_with_any_prefix_in_any_pieces)
{
	static struct console_watch w;
	for (size_t r = 0; r < REPORT_LINES; r++) {
		for (size_t p = 0; p < sizeof(prefixes) / sizeof(prefixes[0]); p++) {
			char text[512];
			snprintf(text, sizeof(text), "[    1.0] booting\r\n%s%s\r\n[    1.2] CPU: 0\r\n",
				 prefixes[p], report_lines[r].text);
			size_t len = strlen(text);
			for (size_t chunk = 1; chunk <= len; chunk += chunk < 8 ? 1 : 13) {
				console_watch_init(&w);
				int hits = 0, kind = -1;
				for (size_t at = 0; at < len; at += chunk)
					for (size_t i = at; i < len && i < at + chunk; i++) {
						int k = console_watch_feed(&w, (uint8_t)text[i]);
						if (k >= 0) {
							hits++;
							kind = k;
						}
					}
				ck_assert_msg(hits == 1 && kind == (int)report_lines[r].kind,
					      "'%s' after '%s' in pieces of %zu: %d hits, kind %d",
					      report_lines[r].text, prefixes[p], chunk, hits, kind);
				ck_assert_uint_eq(w.nreports, 1);
				ck_assert_int_eq(w.reports[0].kind, report_lines[r].kind);
				ck_assert_uint_eq(w.reports[0].line, 2);
				ck_assert_str_eq(w.reports[0].text, report_lines[r].text);
				ck_assert_str_eq(console_watch_first(&w, report_lines[r].kind),
						 report_lines[r].text);
				ck_assert_uint_eq(w.lines, 3);
			}
		}
	}
}
END_TEST

/* The most specific header names the line: a soft lockup is not merely a
 * BUG, a lockdep report not merely a WARNING, KASAN's BUG is KASAN's. */
START_TEST(watch_names_a_line_by_its_most_specific_kind)
{
	static const struct {
		const char *line;
		enum console_watch_kind kind;
	} cases[] = {
		{ "watchdog: BUG: soft lockup - CPU#0 stuck for 3s! [sh:70]", CONSOLE_WATCH_SOFT_LOCKUP },
		{ "WARNING: possible circular locking dependency detected", CONSOLE_WATCH_LOCKDEP },
		{ "WARNING: CPU: 0 PID: 1 at kernel/x.c:1 f+0x0/0x1", CONSOLE_WATCH_WARNING },
		{ "WARNING: possible circular locking", CONSOLE_WATCH_WARNING },
		{ "BUG: KASAN: use-after-free in f+0x1/0x2", CONSOLE_WATCH_KASAN },
		{ "BUG: KASAN", CONSOLE_WATCH_BUG },
		{ "BUG: soft lockup - CPU#0 stuck", CONSOLE_WATCH_BUG },   /* no "watchdog: " */
		{ "segment-related general protection fault: 0000", CONSOLE_WATCH_GPF },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum console_watch_kind kind = CONSOLE_WATCH_KINDS;
		size_t start = 99;
		ck_assert_msg(console_watch_match(cases[i].line, strlen(cases[i].line), &kind, &start),
			      "no match: '%s'", cases[i].line);
		ck_assert_msg(kind == cases[i].kind, "'%s' is %s, want %s", cases[i].line,
			      console_watch_kind_name(kind), console_watch_kind_name(cases[i].kind));
		ck_assert_uint_eq(start, 0);
	}
}
END_TEST

/* Lines that only look like reports: a header that is not at the start of
 * the record's text, a shell echoing the words, printk's end-of-report
 * marker, a header cut short or in other case. */
START_TEST(watch_ignores_lines_that_only_look_like_reports)
{
	static struct console_watch w;
	const char *texts[] = {
		"~ # echo WARNING: this is a test\r\n",
		"/ # echo 'BUG: nothing'\r\n",
		"[    1.0] ---[ end trace 0000000000000000 ]---\r\n",
		"---[ end trace ]---\r\n",
		"[    1.0] lkdtm: Performing direct entry BUG\r\n",
		"[    1.0] lkdtm: WARNING: found both current and init_task canaries nearby?!\r\n",
		"[    1.0] sh: BUG: not at the record start\r\n",
		"[    1.0]  BUG: two spaces after the stamp\r\n",
		" WARNING: indented\r\n",
		"\tOops: 0002 [#1]\r\n",
		"[    1.0] ------------[ cut here ]------------\r\n",
		"WARNING without the colon\r\n",
		"warning: lower case\r\n",
		"Bug: other case\r\n",
		"BUG\r\n",
		"Oops:0002 no space\r\n",
		"KASAN: no range\r\n",
		"INFO: task sh:70 blocked for more\r\n",
		"INFO: task sh:70 blocked for less than 2 seconds.\r\n",
		"rcu: INFO: rcu_sched detected stalls\r\n",
		"INFO: rcu_sched detected stalls on CPUs/tasks:\r\n",   /* no "rcu: " */
		"watchdog: BUG: soft lockup\r\n",
		"watchdog: Watchdog detected hard LOCKUP on cpu 1\r\n",
		"[    1.0] traps: sh[70] general protection fault ip:4011 sp:7ffc error:0\r\n",
		"[ 0.9 x] BUG: not printk's prefix\r\n",
		"WARN\r\nING: split by a line end\r\n",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		console_watch_init(&w);
		for (const char *c = texts[i]; *c; c++)
			ck_assert_msg(console_watch_feed(&w, (uint8_t)*c) == -1, "a report in '%s'",
				      texts[i]);
		ck_assert_int_eq(console_watch_end(&w), -1);
		ck_assert_uint_eq(w.nreports, 0);
		ck_assert_ptr_null(console_watch_earliest(&w, CONSOLE_WATCH_ALL_KINDS));
	}
}
END_TEST

/* The guest may print headers for ever: the list keeps the first
 * CONSOLE_WATCH_REPORTS_MAX and counts the rest, and each kind's first
 * report (with its line) is kept even when the list had no room for it. */
START_TEST(watch_bounds_the_report_list)
{
	static struct console_watch w;
	console_watch_init(&w);
	for (int i = 0; i < 100; i++) {
		char line[80];
		snprintf(line, sizeof(line), "[ %4d.000000] WARNING: CPU: 0 PID: %d at x\r\n", i, i);
		feed(&w, line, 0);
	}
	feed(&w, "ordinary line\r\nINFO: task sh:9 blocked for more than 2 seconds.\r\n", 0);
	ck_assert_uint_eq(w.nreports, CONSOLE_WATCH_REPORTS_MAX);
	ck_assert_uint_eq(w.reports_dropped, 101 - CONSOLE_WATCH_REPORTS_MAX);
	ck_assert_uint_eq(w.reports[0].line, 1);
	ck_assert_str_eq(w.reports[0].text, "WARNING: CPU: 0 PID: 0 at x");
	ck_assert_uint_eq(w.reports[CONSOLE_WATCH_REPORTS_MAX - 1].line, CONSOLE_WATCH_REPORTS_MAX);
	ck_assert_uint_eq(w.count[CONSOLE_WATCH_WARNING], 100);
	ck_assert_uint_eq(w.count[CONSOLE_WATCH_HUNG_TASK], 1);
	const struct console_watch_report *r =
		console_watch_earliest(&w, 1u << CONSOLE_WATCH_HUNG_TASK);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->line, 102);
	ck_assert_str_eq(r->text, "INFO: task sh:9 blocked for more than 2 seconds.");
	/* the earliest of several kinds is the one on the earliest line */
	r = console_watch_earliest(&w, CONSOLE_WATCH_ALL_KINDS);
	ck_assert_int_eq(r->kind, CONSOLE_WATCH_WARNING);
	ck_assert_uint_eq(r->line, 1);
	ck_assert_ptr_null(console_watch_earliest(&w, 1u << CONSOLE_WATCH_BUG));
	ck_assert_ptr_null(console_watch_earliest(&w, 0));
}
END_TEST

/* Console lines are counted from 1, empty ones too, and the line the guest
 * never ended counts at the end. */
START_TEST(watch_numbers_the_console_lines)
{
	static struct console_watch w;
	console_watch_init(&w);
	feed(&w, "one\r\n\r\nthree\nOops: 0002 [#1] SMP\r\nfive\r\nBUG: unended", 0);
	ck_assert_uint_eq(w.nreports, 1);
	ck_assert_uint_eq(w.reports[0].line, 4);
	ck_assert_int_eq(console_watch_end(&w), CONSOLE_WATCH_BUG);
	ck_assert_uint_eq(w.nreports, 2);
	ck_assert_uint_eq(w.reports[1].line, 6);
	ck_assert_str_eq(w.reports[1].text, "BUG: unended");
	ck_assert_uint_eq(w.lines, 6);
}
END_TEST

/* The names --fail-on and the report use, both ways. */
START_TEST(watch_kind_names_round_trip)
{
	for (int k = 0; k < CONSOLE_WATCH_KINDS; k++) {
		const char *name = console_watch_kind_name((enum console_watch_kind)k);
		ck_assert_str_ne(name, "unknown");
		ck_assert_int_eq(console_watch_kind_parse(name, strlen(name)), k);
	}
	ck_assert_str_eq(console_watch_kind_name(CONSOLE_WATCH_SOFT_LOCKUP), "soft-lockup");
	ck_assert_str_eq(console_watch_kind_name(CONSOLE_WATCH_KINDS), "unknown");
	ck_assert_int_eq(console_watch_kind_parse("soft-lockupx", 11), CONSOLE_WATCH_SOFT_LOCKUP);
	ck_assert_int_eq(console_watch_kind_parse("soft", 4), -1);
	ck_assert_int_eq(console_watch_kind_parse("BUG", 3), -1);
	ck_assert_int_eq(console_watch_kind_parse("all", 3), -1);
	ck_assert_int_eq(console_watch_kind_parse("", 0), -1);
}
END_TEST

Suite *console_watch_suite(void)
{
	Suite *s = suite_create("console_watch");
	TCase *t = tcase_create("console_watch");
	tcase_add_test(t, watch_finds_the_panic_line_with_printk_prefixes);
	tcase_add_test(t, watch_ignores_lines_that_only_look_alike);
	tcase_add_test(t, watch_finds_a_line_split_across_reads);
	tcase_add_test(t, watch_reports_the_byte_that_ends_the_line);
	tcase_add_test(t, watch_counts_an_unended_line_at_the_end);
	tcase_add_test(t, watch_keeps_the_first_panic);
	tcase_add_test(t, watch_trims_and_cleans_the_line);
	tcase_add_test(t, watch_match_says_where_the_text_starts);
	tcase_add_test(t, watch_finds_each_report_kind_with_any_prefix_in_any_pieces);
	tcase_add_test(t, watch_names_a_line_by_its_most_specific_kind);
	tcase_add_test(t, watch_ignores_lines_that_only_look_like_reports);
	tcase_add_test(t, watch_bounds_the_report_list);
	tcase_add_test(t, watch_numbers_the_console_lines);
	tcase_add_test(t, watch_kind_names_round_trip);
	suite_add_tcase(s, t);
	return s;
}
