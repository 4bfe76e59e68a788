/* The console watch: the kernel's panic line found however the console's
 * reads cut it, with printk's prefixes, "\r\n" line ends, and not in lines
 * that only look like it. */
#include <check.h>
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
	suite_add_tcase(s, t);
	return s;
}
