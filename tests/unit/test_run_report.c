/* The boot timeline, the console's tail and the --result-json file, read
 * back with jq (the project's CI installs it). */
#define _GNU_SOURCE   /* asprintf */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/run_report.h"

/* ---- The boot timeline ------------------------------------------------- */

START_TEST(timeline_marks_once_in_order)
{
	struct run_timeline tl;
	run_timeline_start(&tl);
	double ms;
	ck_assert(run_timeline_ms(&tl, RUN_EVENT_START, &ms));
	ck_assert(ms == 0.0);
	for (int ev = RUN_EVENT_IMAGES_LOADED; ev < RUN_EVENT_COUNT; ev++)
		ck_assert(!run_timeline_ms(&tl, (enum run_event)ev, &ms));
	ck_assert(tl.start_wall.tv_sec > 1600000000);   /* a real wall clock, not 0 */

	run_timeline_mark(&tl, RUN_EVENT_VM_CREATED);
	usleep(2000);
	run_timeline_mark(&tl, RUN_EVENT_FIRST_CONSOLE_BYTE);
	double created, first;
	ck_assert(run_timeline_ms(&tl, RUN_EVENT_VM_CREATED, &created));
	ck_assert(run_timeline_ms(&tl, RUN_EVENT_FIRST_CONSOLE_BYTE, &first));
	ck_assert(created >= 0.0 && first > created);
	/* Marking again keeps the first time. */
	usleep(2000);
	run_timeline_mark(&tl, RUN_EVENT_VM_CREATED);
	ck_assert(run_timeline_ms(&tl, RUN_EVENT_VM_CREATED, &ms));
	ck_assert(ms == created);
	ck_assert(!run_timeline_ms(&tl, RUN_EVENT_MARKER, &ms));
	/* Out-of-range events are ignored, not written past the array. */
	run_timeline_mark(&tl, RUN_EVENT_COUNT);
	ck_assert(!run_timeline_ms(&tl, RUN_EVENT_COUNT, &ms));

	/* Before run_timeline_start nothing is reached. */
	struct run_timeline zero = { 0 };
	run_timeline_mark(&zero, RUN_EVENT_END);
	ck_assert(!run_timeline_ms(&zero, RUN_EVENT_END, &ms));
}
END_TEST

struct racer {
	struct run_timeline *tl;
	pthread_barrier_t *go;
};

static void *race_mark(void *arg)
{
	struct racer *r = arg;
	pthread_barrier_wait(r->go);
	for (int i = 0; i < 1000; i++)
		run_timeline_mark(r->tl, RUN_EVENT_FIRST_CONSOLE_BYTE);
	return NULL;
}

/* Eight threads mark the same event 1000 times each: afterwards the event
 * has one recorded time, and a later mark keeps it (first mark only).  It
 * does not show that marking is atomic: a plain load-then-store would
 * pass too, as a race that lost a time would not be seen here. */
START_TEST(timeline_marks_from_threads)
{
	struct run_timeline tl;
	run_timeline_start(&tl);
	enum { N = 8 };
	pthread_t th[N];
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, N);
	struct racer r = { &tl, &go };
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, race_mark, &r), 0);
	for (int i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&go);
	double first, again;
	ck_assert(run_timeline_ms(&tl, RUN_EVENT_FIRST_CONSOLE_BYTE, &first));
	run_timeline_mark(&tl, RUN_EVENT_FIRST_CONSOLE_BYTE);
	ck_assert(run_timeline_ms(&tl, RUN_EVENT_FIRST_CONSOLE_BYTE, &again));
	ck_assert(first == again);
}
END_TEST

START_TEST(timeline_event_names)
{
	static const char *const want[RUN_EVENT_COUNT] = {
		"start", "images_loaded", "vm_created", "first_guest_instruction",
		"first_console_byte", "marker", "end",
	};
	for (int ev = 0; ev < RUN_EVENT_COUNT; ev++)
		ck_assert_str_eq(run_event_name((enum run_event)ev), want[ev]);
	ck_assert_str_eq(run_event_name(RUN_EVENT_COUNT), "unknown");
}
END_TEST

/* ---- The console's tail ------------------------------------------------ */

static void tail_feed(struct console_tail *t, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		console_tail_add(t, (uint8_t)s[i]);
}

static void tail_puts(struct console_tail *t, const char *s)
{
	tail_feed(t, s, strlen(s));
}

/* The last max lines of what was fed, joined with '|'. */
static char *tail_joined(const struct console_tail *t, size_t max)
{
	struct console_lines l;
	struct error err = { 0 };
	ck_assert_int_eq(console_tail_lines(t, max, &l, &err), 0);
	char *s = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&s, &n);
	for (size_t i = 0; i < l.count; i++) {
		if (i)
			fputc('|', out);
		fwrite(l.lines[i].text, 1, l.lines[i].len, out);
	}
	fclose(out);
	console_lines_free(&l);
	return s;
}

static void check_tail(const char *fed, size_t max, const char *want)
{
	struct console_tail *t = malloc(sizeof(*t));
	console_tail_init(t);
	tail_puts(t, fed);
	char *got = tail_joined(t, max);
	ck_assert_msg(strcmp(got, want) == 0, "fed '%s', %zu lines: got '%s', want '%s'", fed, max,
		      got, want);
	free(got);
	free(t);
}

START_TEST(tail_lines)
{
	check_tail("", 20, "");
	check_tail("\r\r", 20, "");
	check_tail("one\r\ntwo\r\n", 20, "one|two");
	check_tail("one\ntwo", 20, "one|two");           /* a line still open counts */
	check_tail("one\ntwo\n", 1, "two");
	check_tail("one\ntwo", 1, "two");
	check_tail("one\ntwo\n", 0, "");
	check_tail("\n", 20, "");                         /* one empty line ... */
	check_tail("\n\nx\n", 20, "||x");
	check_tail("a\r\rb\n", 20, "ab");                 /* every '\r' goes */
	check_tail("\x1b[1mbold\x1b[0m\n", 20, "\x1b[1mbold\x1b[0m");

	struct console_tail *t = malloc(sizeof(*t));
	console_tail_init(t);
	tail_puts(t, "\n");
	struct console_lines l;
	struct error err = { 0 };
	ck_assert_int_eq(console_tail_lines(t, 20, &l, &err), 0);
	ck_assert_uint_eq(l.count, 1);                    /* ... is one line */
	ck_assert_uint_eq(l.lines[0].len, 0);
	console_lines_free(&l);
	free(t);
}
END_TEST

START_TEST(tail_keeps_the_last_lines)
{
	struct console_tail *t = malloc(sizeof(*t));
	console_tail_init(t);
	char line[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(line, sizeof(line), "line %d\r\n", i);
		tail_puts(t, line);
	}
	struct console_lines l;
	struct error err = { 0 };
	ck_assert_int_eq(console_tail_lines(t, CONSOLE_TAIL_LINES, &l, &err), 0);
	ck_assert_uint_eq(l.count, CONSOLE_TAIL_LINES);
	for (size_t i = 0; i < l.count; i++) {
		snprintf(line, sizeof(line), "line %zu", 1000 - CONSOLE_TAIL_LINES + i);
		ck_assert_uint_eq(l.lines[i].len, strlen(line));
		ck_assert(memcmp(l.lines[i].text, line, l.lines[i].len) == 0);
	}
	console_lines_free(&l);
	/* More lines asked for than the ring holds: all of them, the oldest cut. */
	ck_assert_int_eq(console_tail_lines(t, (size_t)-1, &l, &err), 0);
	ck_assert_uint_gt(l.count, 500);
	ck_assert_uint_lt(l.count, 1000);
	ck_assert_uint_le(l.lines[0].len, strlen("line 999"));
	console_lines_free(&l);
	free(t);
}
END_TEST

START_TEST(tail_cuts_long_lines)
{
	struct console_tail *t = malloc(sizeof(*t));
	struct console_lines l;
	struct error err = { 0 };

	/* 10000 bytes of one line, then a short one: the long one keeps what
	 * the ring still holds of its end. */
	console_tail_init(t);
	for (int i = 0; i < 10000; i++)
		console_tail_add(t, (uint8_t)('a' + i % 26));
	tail_puts(t, "\nend");
	ck_assert_int_eq(console_tail_lines(t, 20, &l, &err), 0);
	ck_assert_uint_eq(l.count, 2);
	ck_assert_uint_eq(l.lines[0].len, CONSOLE_TAIL_SIZE - 4);
	ck_assert_int_eq(l.lines[0].text[l.lines[0].len - 1], 'a' + 9999 % 26);
	ck_assert_uint_eq(l.lines[1].len, 3);
	console_lines_free(&l);

	/* One line longer than the ring, never ended. */
	console_tail_init(t);
	for (int i = 0; i < 3 * CONSOLE_TAIL_SIZE + 5; i++)
		console_tail_add(t, 'x');
	ck_assert_int_eq(console_tail_lines(t, 20, &l, &err), 0);
	ck_assert_uint_eq(l.count, 1);
	ck_assert_uint_eq(l.lines[0].len, CONSOLE_TAIL_SIZE);
	console_lines_free(&l);

	/* NUL bytes are line content. */
	console_tail_init(t);
	tail_feed(t, "a\0b\n", 4);
	ck_assert_int_eq(console_tail_lines(t, 20, &l, &err), 0);
	ck_assert_uint_eq(l.count, 1);
	ck_assert_uint_eq(l.lines[0].len, 3);
	ck_assert(memcmp(l.lines[0].text, "a\0b", 3) == 0);
	console_lines_free(&l);
	free(t);
}
END_TEST

/* ---- The report file --------------------------------------------------- */

static char *temp_dir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir = NULL;
	ck_assert_int_ge(asprintf(&dir, "%s/minivmm-unit-report-XXXXXX", base ? base : "/tmp"), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static void remove_tree(const char *dir)
{
	char *cmd = NULL;
	ck_assert_int_ge(asprintf(&cmd, "rm -rf '%s'", dir), 0);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* Entries in dir besides "." and "..". */
static int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static off_t file_size(const char *path)
{
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_size;
}

/* jq -e FILTER FILE succeeds: the filter's last output is neither false
 * nor null.  Filters are written without single quotes. */
static bool jq_true(const char *path, const char *filter)
{
	char *cmd = NULL;
	ck_assert_int_ge(asprintf(&cmd, "jq -e '%s' '%s' >/dev/null", filter, path), 0);
	int rc = system(cmd);
	free(cmd);
	return rc == 0;
}

#define ck_jq(path, filter) ck_assert_msg(jq_true((path), (filter)), "jq: %s", (filter))

/* jq -j FILTER FILE's raw output. */
static char *jq_raw(const char *path, const char *filter, size_t *len)
{
	char *cmd = NULL;
	ck_assert_int_ge(asprintf(&cmd, "jq -j '%s' '%s'", filter, path), 0);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	char *out = malloc(1 << 16);
	*len = fread(out, 1, 1 << 16, p);
	ck_assert_int_eq(pclose(p), 0);
	free(cmd);
	return out;
}

static void sample_images(struct image_list *list)
{
	struct error err = { 0 };
	image_list_init(list);
	struct image_record k = {
		.kind = IMAGE_KIND_KERNEL, .origin = IMAGE_ORIGIN_FILE, .path = "guests/spin.bzimage",
		.image = { .load_paddr = 0x100000, .alignment = 0x200000, .size = 0x3000 },
	};
	struct image_record z = {
		.kind = IMAGE_KIND_BOOT_DATA, .origin = IMAGE_ORIGIN_GENERATED, .path = "zero-page",
		.image = { .load_paddr = 0x7000, .alignment = 0x1000, .size = 0x1000 },
	};
	ck_assert_int_eq(image_list_add(list, &k, &err), 0);
	ck_assert_int_eq(image_list_add(list, &z, &err), 0);
}

START_TEST(report_full_run)
{
	char *dir = temp_dir(), *path = NULL;
	ck_assert_int_ge(asprintf(&path, "%s/result.json", dir), 0);
	/* A stale result from an earlier run is gone at setup. */
	FILE *f = fopen(path, "w");
	fputs("{\"status\": 99}\n", f);
	fclose(f);

	struct run_report r;
	struct error err = { 0 };
	ck_assert_int_eq(run_report_open(&r, path, &err), 0);
	ck_assert_int_eq(file_size(path), 0);
	ck_assert_int_eq(dir_entries(dir), 1);

	struct run_timeline tl;
	run_timeline_start(&tl);
	for (int ev = RUN_EVENT_IMAGES_LOADED; ev < RUN_EVENT_COUNT; ev++) {
		usleep(1000);
		run_timeline_mark(&tl, (enum run_event)ev);
	}
	struct console_tail *tail = malloc(sizeof(*tail));
	console_tail_init(tail);
	for (int i = 0; i < 30; i++)
		tail_puts(tail, "[    0.000000] Linux version 6.1\r\n");
	tail_puts(tail, "spin: looping forever\r\n");
	struct image_list images;
	sample_images(&images);

	ck_assert_int_eq(run_report_write(&r, 0, "--expect matched: \"spin: looping forever\"",
					  "spin: looping forever", true, &tl, tail, &images, 2, &err),
			 0);
	ck_jq(path, ".status == 0");
	ck_jq(path, ".reason == \"--expect matched: \\\"spin: looping forever\\\"\"");
	ck_jq(path, ".expect == \"spin: looping forever\"");
	ck_jq(path, ".expect_matched == true");
	ck_jq(path, ".cpus == 2");
	ck_jq(path, ".console_tail | length == 20");
	ck_jq(path, ".console_tail[-1] == \"spin: looping forever\"");
	ck_jq(path, ".console_tail[0] == \"[    0.000000] Linux version 6.1\"");
	ck_jq(path, ".timings_ms | keys_unsorted == [\"start\", \"images_loaded\", \"vm_created\", "
	      "\"first_guest_instruction\", \"first_console_byte\", \"marker\", \"end\"]");
	ck_jq(path, ".timings_ms.start == 0");
	ck_jq(path, ".timings_ms | [.[]] | all(type == \"number\") and . == sort and .[6] > 0");
	ck_jq(path, ".start_time | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
	      "[.][0-9]{3}Z$\")");
	ck_jq(path, ".images | length == 2");
	ck_jq(path, ".images[0] | .kind == \"kernel\" and .path == \"guests/spin.bzimage\" "
	      "and .load_paddr == 1048576");
	ck_jq(path, "keys_unsorted == [\"status\", \"reason\", \"expect\", \"expect_matched\", "
	      "\"cpus\", \"console_tail\", \"kernel_panic\", \"reports\", \"reports_dropped\", "
	      "\"console_bytes_dropped\", \"timings_ms\", \"start_time\", \"images\"]");
	/* No panic line seen, no report, nothing dropped. */
	ck_jq(path, ".kernel_panic == null and .console_bytes_dropped == 0");
	ck_jq(path, ".reports == [] and .reports_dropped == 0");
	/* The temporary file is gone; the report kept the created file's mode. */
	ck_assert_int_eq(dir_entries(dir), 1);

	/* Written again (the lead may rewrite): replaced whole. */
	ck_assert_int_eq(run_report_write(&r, 124, "timeout", NULL, false, &tl, tail, &images, 1,
					  &err), 0);
	ck_jq(path, ".status == 124 and .expect == null and .expect_matched == false");
	ck_assert_int_eq(dir_entries(dir), 1);

	run_report_close(&r);
	run_report_close(&r);   /* twice is harmless */
	image_list_free(&images);
	free(tail);
	remove_tree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(report_null_fields)
{
	char *dir = temp_dir(), *path = NULL;
	ck_assert_int_ge(asprintf(&path, "%s/r.json", dir), 0);
	struct run_report r;
	struct error err = { 0 };
	ck_assert_int_eq(run_report_open(&r, path, &err), 0);
	/* A run stopped before the guest said anything: no console, no marker. */
	struct run_timeline tl;
	run_timeline_start(&tl);
	run_timeline_mark(&tl, RUN_EVENT_IMAGES_LOADED);
	run_timeline_mark(&tl, RUN_EVENT_VM_CREATED);
	run_timeline_mark(&tl, RUN_EVENT_FIRST_INSTRUCTION);
	run_timeline_mark(&tl, RUN_EVENT_END);
	struct console_tail *tail = malloc(sizeof(*tail));
	console_tail_init(tail);
	struct image_list empty;
	image_list_init(&empty);
	ck_assert_int_eq(run_report_write(&r, 124, NULL, "login:", false, &tl, tail, &empty, 1,
					  &err), 0);
	ck_jq(path, ".reason == null and .expect == \"login:\" and .expect_matched == false");
	ck_jq(path, ".console_tail == [] and .images == []");
	ck_jq(path, ".timings_ms | .first_console_byte == null and .marker == null");
	ck_jq(path, ".timings_ms | [.start, .images_loaded, .vm_created, "
	      ".first_guest_instruction, .end] | all(type == \"number\") and . == sort");

	/* No timeline, tail or images at all. */
	ck_assert_int_eq(run_report_write(&r, 2, "setup failed", NULL, false, NULL, NULL, NULL, 1,
					  &err), 0);
	ck_jq(path, ".status == 2 and .console_tail == [] and .images == [] and .start_time == null");
	ck_jq(path, ".timings_ms | [.[]] | all(. == null)");
	run_report_close(&r);
	image_list_free(&empty);
	free(tail);
	remove_tree(dir);
	free(path);
	free(dir);
}
END_TEST

#define REPORT_STR_(x) #x
#define REPORT_STR(x) REPORT_STR_(x)

/* The kernel's problem reports: each with its kind, console line and text
 * (bytes the guest chose, escaped), in console order, at most
 * CONSOLE_WATCH_REPORTS_MAX and the rest counted. */
START_TEST(report_lists_the_kernel_problem_reports)
{
	char *dir = temp_dir(), *path = NULL;
	ck_assert_int_ge(asprintf(&path, "%s/r.json", dir), 0);
	struct run_report r;
	struct error err = { 0 };
	ck_assert_int_eq(run_report_open(&r, path, &err), 0);
	struct console_watch *w = malloc(sizeof(*w));
	console_watch_init(w);
	static const char text[] =
		"[    1.0] Run /init as init process\r\n"
		"[    2.5] WARNING: CPU: 0 PID: 70 at drivers/misc/lkdtm/bugs.c:84 \"q\"\\\r\n"
		"[    3.0] watchdog: BUG: soft lockup - CPU#1 stuck for 3s! [sh:75]\r\n";
	for (const char *c = text; *c; c++)
		console_watch_feed(w, (uint8_t)*c);
	r.watch = w;
	ck_assert_int_eq(run_report_write(&r, 10, "reported", NULL, false, NULL, NULL, NULL, 1, &err),
			 0);
	ck_jq(path, ".reports | length == 2");
	ck_jq(path, ".reports[0] == {\"kind\": \"warning\", \"line\": 2, \"text\": "
	      "\"WARNING: CPU: 0 PID: 70 at drivers/misc/lkdtm/bugs.c:84 \\\"q\\\"\\\\\"}");
	ck_jq(path, ".reports[1] | keys_unsorted == [\"kind\", \"line\", \"text\"] and "
	      ".kind == \"soft-lockup\" and .line == 3 and "
	      ".text == \"watchdog: BUG: soft lockup - CPU#1 stuck for 3s! [sh:75]\"");
	ck_jq(path, ".reports_dropped == 0 and .kernel_panic == null");

	/* A guest that prints headers for ever: the list stays bounded. */
	for (int i = 0; i < 200; i++) {
		static const char bug[] = "BUG: again\r\n";
		for (const char *c = bug; *c; c++)
			console_watch_feed(w, (uint8_t)*c);
	}
	ck_assert_int_eq(run_report_write(&r, 10, "reported", NULL, false, NULL, NULL, NULL, 1, &err),
			 0);
	ck_jq(path, ".reports | length == " REPORT_STR(CONSOLE_WATCH_REPORTS_MAX));
	ck_jq(path, ".reports_dropped == 202 - " REPORT_STR(CONSOLE_WATCH_REPORTS_MAX));
	ck_jq(path, ".reports[-1] | .kind == \"bug\" and .line == " REPORT_STR(CONSOLE_WATCH_REPORTS_MAX) " + 1");
	run_report_close(&r);
	free(w);
	remove_tree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(report_escapes_console_bytes)
{
	char *dir = temp_dir(), *path = NULL;
	ck_assert_int_ge(asprintf(&path, "%s/r.json", dir), 0);
	struct run_report r;
	struct error err = { 0 };
	ck_assert_int_eq(run_report_open(&r, path, &err), 0);
	struct console_tail *tail = malloc(sizeof(*tail));
	console_tail_init(tail);
	static const char line[] = "q\"b\\t\tc\x01" "e\xc3\xa9 bad\xff\xc0\xaf cut\xe2\x82";
	tail_feed(tail, line, sizeof(line) - 1);
	struct run_timeline tl;
	run_timeline_start(&tl);
	r.kernel_panic = "Kernel panic - not syncing: \"quoted\"";
	r.console_bytes_dropped = 5000000000ULL;   /* past 32 bits */
	ck_assert_int_eq(run_report_write(&r, 4, "guest kernel panicked\n\x80", "\"x\"\\", false,
					  &tl, tail, NULL, 1, &err), 0);
	ck_jq(path, ".kernel_panic == \"Kernel panic - not syncing: \\\"quoted\\\"\"");
	ck_jq(path, ".console_bytes_dropped == 5000000000");
	/* jq gives back the bytes, each bad one as U+FFFD (EF BF BD). */
	size_t len;
	char *got = jq_raw(path, ".console_tail[0]", &len);
	static const char want[] = "q\"b\\t\tc\x01" "e\xc3\xa9 bad\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
				   " cut\xef\xbf\xbd\xef\xbf\xbd";
	ck_assert_uint_eq(len, sizeof(want) - 1);
	ck_assert(memcmp(got, want, len) == 0);
	free(got);
	ck_jq(path, ".reason == \"guest kernel panicked\\n\\ufffd\"");
	ck_jq(path, ".expect == \"\\\"x\\\"\\\\\"");
	run_report_close(&r);
	free(tail);
	remove_tree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(report_bad_paths)
{
	char *dir = temp_dir(), *path = NULL;
	struct run_report r;
	struct error err = { 0 };
	ck_assert_int_ge(asprintf(&path, "%s/no-such-dir/r.json", dir), 0);
	ck_assert_int_lt(run_report_open(&r, path, &err), 0);
	ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "No such file"), "%s", err.msg);
	ck_assert_ptr_null(r.path);
	run_report_close(&r);
	/* A folder is no file. */
	ck_assert_int_lt(run_report_open(&r, dir, &err), 0);
	ck_assert_msg(strstr(err.msg, dir) != NULL, "%s", err.msg);
	/* Not opened: an error, not a crash. */
	ck_assert_int_lt(run_report_write(&r, 0, "x", NULL, false, NULL, NULL, NULL, 1, &err), 0);
	run_report_close(&r);
	remove_tree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(report_through_symlink_keeps_mode)
{
	char *dir = temp_dir(), *real = NULL, *link = NULL;
	ck_assert_int_ge(asprintf(&real, "%s/real.json", dir), 0);
	ck_assert_int_ge(asprintf(&link, "%s/link.json", dir), 0);
	int fd = open(real, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(chmod(real, 0640), 0);
	ck_assert_int_eq(symlink("real.json", link), 0);
	struct run_report r;
	struct error err = { 0 };
	ck_assert_int_eq(run_report_open(&r, link, &err), 0);
	ck_assert_int_eq(run_report_write(&r, 0, "off", NULL, false, NULL, NULL, NULL, 1, &err), 0);
	struct stat st;
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq(stat(real, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	ck_jq(link, ".reason == \"off\"");
	ck_assert_int_eq(dir_entries(dir), 2);
	run_report_close(&r);
	remove_tree(dir);
	free(real);
	free(link);
	free(dir);
}
END_TEST

/* A FIFO (or /dev/stderr) cannot be renamed over: written in place. */
START_TEST(report_into_a_fifo)
{
	char *dir = temp_dir(), *path = NULL;
	ck_assert_int_ge(asprintf(&path, "%s/pipe", dir), 0);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	int reader = open(path, O_RDONLY | O_NONBLOCK);
	ck_assert_int_ge(reader, 0);
	struct run_report r;
	struct error err = { 0 };
	ck_assert_int_eq(run_report_open(&r, path, &err), 0);
	ck_assert_int_eq(run_report_write(&r, 8, "host failed", NULL, false, NULL, NULL, NULL, 1,
					  &err), 0);
	char buf[4096];
	ssize_t n = read(reader, buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_ptr_nonnull(strstr(buf, "\"status\": 8"));
	ck_assert_ptr_nonnull(strstr(buf, "\"reason\": \"host failed\""));
	struct stat st;
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISFIFO(st.st_mode));
	run_report_close(&r);
	close(reader);
	remove_tree(dir);
	free(path);
	free(dir);
}
END_TEST

Suite *run_report_suite(void)
{
	Suite *s = suite_create("run_report");
	TCase *t = tcase_create("timeline");
	tcase_add_test(t, timeline_marks_once_in_order);
	tcase_add_test(t, timeline_marks_from_threads);
	tcase_add_test(t, timeline_event_names);
	suite_add_tcase(s, t);
	t = tcase_create("console_tail");
	tcase_add_test(t, tail_lines);
	tcase_add_test(t, tail_keeps_the_last_lines);
	tcase_add_test(t, tail_cuts_long_lines);
	suite_add_tcase(s, t);
	t = tcase_create("report");
	tcase_add_test(t, report_full_run);
	tcase_add_test(t, report_null_fields);
	tcase_add_test(t, report_escapes_console_bytes);
	tcase_add_test(t, report_lists_the_kernel_problem_reports);
	tcase_add_test(t, report_bad_paths);
	tcase_add_test(t, report_through_symlink_keeps_mode);
	tcase_add_test(t, report_into_a_fifo);
	suite_add_tcase(s, t);
	return s;
}
