/* The --result-json report.  One JSON object (RFC 8259), one member a line:
 *
 *   {
 *     "status": 0,                       minivmm's exit status
 *     "reason": "..." | null,            why the VM stopped
 *     "command_status": 0 | null,        only with -- CMD: the command's
 *                                        status (128+N: signal N), null when
 *                                        it never finished
 *     "expect": "..." | null,            --expect's string
 *     "expect_matched": true,            the console showed it
 *     "cpus": 1,
 *     "console_tail": ["...", ...],      the last CONSOLE_TAIL_LINES lines
 *                                        (with -- CMD, all the tail keeps:
 *                                        the kernel's log is not shown),
 *                                        oldest first
 *     "kernel_panic": "..." | null,      the kernel's panic line on the
 *                                        console (console_watch.h)
 *     "reports": [{"kind": "warning", "line": 812, "text": "WARNING: ..."},
 *                 ...],                  every problem report the console
 *                                        showed (console_watch.h), in order,
 *                                        at most CONSOLE_WATCH_REPORTS_MAX:
 *                                        its kind, its console line (from 1)
 *                                        and that line from its header on
 *     "reports_dropped": 0,              reports past those, only counted
 *     "console_bytes_dropped": 0,        console output never written
 *     "timings_ms": {"start": 0.000, "images_loaded": 1.234, "vm_created": ...,
 *                    "first_guest_instruction": ..., "first_console_byte": ...,
 *                    "marker": ..., "end": ...},
 *                                        ms after start (CLOCK_MONOTONIC),
 *                                        null when never reached
 *     "start_time": "2026-11-21T15:00:00.123Z",   wall clock at start, UTC
 *     "images": [...]                    image_list_print_json's array
 *   }
 *
 * Strings go through json_print_bytes, so any console bytes give valid JSON. */
#define _GNU_SOURCE   /* asprintf */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file_replace.h"
#include "common/json.h"
#include "common/write_all.h"
#include "vmm/run_report.h"

/* ---- The boot timeline ------------------------------------------------- */

static int64_t run_timeline_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	return ns > 0 ? ns : 1;   /* 0 means "not reached" */
}

void run_timeline_start(struct run_timeline *tl)
{
	memset(tl, 0, sizeof(*tl));
	clock_gettime(CLOCK_REALTIME, &tl->start_wall);
	run_timeline_mark(tl, RUN_EVENT_START);
}

void run_timeline_mark(struct run_timeline *tl, enum run_event ev)
{
	if ((unsigned)ev >= RUN_EVENT_COUNT)
		return;
	/* Cheap test first: the console path marks on every byte. */
	if (__atomic_load_n(&tl->at_ns[ev], __ATOMIC_RELAXED) != 0)
		return;
	int64_t unset = 0;
	__atomic_compare_exchange_n(&tl->at_ns[ev], &unset, run_timeline_now_ns(), false,
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

bool run_timeline_ms(const struct run_timeline *tl, enum run_event ev, double *ms)
{
	if ((unsigned)ev >= RUN_EVENT_COUNT)
		return false;
	int64_t start = __atomic_load_n(&tl->at_ns[RUN_EVENT_START], __ATOMIC_RELAXED);
	int64_t at = __atomic_load_n(&tl->at_ns[ev], __ATOMIC_RELAXED);
	if (start == 0 || at == 0)
		return false;
	*ms = (double)(at - start) / 1e6;
	return true;
}

const char *run_event_name(enum run_event ev)
{
	static const char *const names[RUN_EVENT_COUNT] = {
		[RUN_EVENT_START] = "start",
		[RUN_EVENT_IMAGES_LOADED] = "images_loaded",
		[RUN_EVENT_VM_CREATED] = "vm_created",
		[RUN_EVENT_FIRST_INSTRUCTION] = "first_guest_instruction",
		[RUN_EVENT_FIRST_CONSOLE_BYTE] = "first_console_byte",
		[RUN_EVENT_MARKER] = "marker",
		[RUN_EVENT_END] = "end",
	};
	return (unsigned)ev < RUN_EVENT_COUNT ? names[ev] : "unknown";
}

void run_timeline_print(const struct run_timeline *tl, FILE *out)
{
	double prev = 0;
	for (int ev = 0; ev < RUN_EVENT_COUNT; ev++) {
		const char *name = run_event_name((enum run_event)ev);
		double ms;
		if (!run_timeline_ms(tl, (enum run_event)ev, &ms)) {
			fprintf(out, "minivmm: trace: %10s ms  %-24s (not reached)\n", "-", name);
			continue;
		}
		fprintf(out, "minivmm: trace: %10.3f ms  %-24s +%.3f ms\n", ms, name, ms - prev);
		prev = ms;
	}
}

/* ---- The console's tail ------------------------------------------------ */

void console_tail_init(struct console_tail *t)
{
	t->next = 0;
	t->count = 0;
}

void console_tail_add(struct console_tail *t, uint8_t byte)
{
	t->ring[t->next] = byte;
	t->next = (t->next + 1) % CONSOLE_TAIL_SIZE;
	if (t->count < CONSOLE_TAIL_SIZE)
		t->count++;
}

int console_tail_lines(const struct console_tail *t, size_t max_lines,
		       struct console_lines *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	/* The held bytes in order, without the '\r' of "\r\n" line ends. */
	out->buf = malloc(t->count ? t->count : 1);
	if (!out->buf)
		return error_set_host(err, "out of memory for the console's last lines");
	size_t n = 0;
	size_t first = (t->next + CONSOLE_TAIL_SIZE - t->count) % CONSOLE_TAIL_SIZE;
	for (size_t i = 0; i < t->count; i++) {
		uint8_t b = t->ring[(first + i) % CONSOLE_TAIL_SIZE];
		if (b != '\r')
			out->buf[n++] = (char)b;
	}
	if (n == 0 || max_lines == 0)
		return 0;
	/* A final '\n' ends the last line; it does not start an empty one. */
	size_t end = out->buf[n - 1] == '\n' ? n - 1 : n;
	size_t room = max_lines < n + 1 ? max_lines : n + 1;
	out->lines = calloc(room, sizeof(*out->lines));
	if (!out->lines) {
		console_lines_free(out);
		return error_set_host(err, "out of memory for the console's last lines");
	}
	/* Backwards from the end, filling the array from its end. */
	size_t k = room;
	for (;;) {
		size_t start = end;
		while (start > 0 && out->buf[start - 1] != '\n')
			start--;
		out->lines[--k] = (struct console_line){ out->buf + start, end - start };
		if (start == 0 || k == 0)
			break;
		end = start - 1;   /* before that line's '\n' */
	}
	out->count = room - k;
	memmove(out->lines, out->lines + k, out->count * sizeof(*out->lines));
	return 0;
}

void console_lines_free(struct console_lines *l)
{
	free(l->buf);
	free(l->lines);
	memset(l, 0, sizeof(*l));
}

/* ---- The report file --------------------------------------------------- */

int run_report_open(struct run_report *r, const char *path, struct error *err)
{
	memset(r, 0, sizeof(*r));
	r->direct_fd = -1;
	r->path = strdup(path);
	if (!r->path || asprintf(&r->what, "--result-json %s", path) < 0) {
		r->what = NULL;
		run_report_close(r);
		return error_set_host(err, "--result-json %s: out of memory", path);
	}
	/* O_NONBLOCK: a FIFO nobody reads is an error now (ENXIO), not a
	 * setup that waits forever. */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK, 0666);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		error_set(err, "--result-json %s: cannot create: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		/* A device or a FIFO cannot be renamed over: write in place. */
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
			error_set(err, "--result-json %s: %s", path, strerror(errno));
			goto fail;
		}
		r->direct_fd = fd;
		return 0;
	}
	r->mode = st.st_mode & 07777;
	close(fd);
	fd = -1;
	/* The rename must land where the path leads, not replace a symlink. */
	r->target = realpath(path, NULL);
	if (!r->target) {
		error_set(err, "--result-json %s: %s", path, strerror(errno));
		goto fail;
	}
	/* The temporary file must be possible now, not only at the end. */
	char *tmp;
	int tfd = file_replace_begin(r->target, r->what, &tmp, err);
	if (tfd < 0)
		goto fail;
	file_replace_finish(tfd, tmp, r->target, r->what, false, err);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	run_report_close(r);
	return -1;
}

static void run_report_print_timings(FILE *out, const struct run_timeline *tl)
{
	fputs("  \"timings_ms\": {", out);
	for (int ev = 0; ev < RUN_EVENT_COUNT; ev++) {
		double ms;
		fprintf(out, "%s\"%s\": ", ev ? ", " : "", run_event_name((enum run_event)ev));
		if (tl && run_timeline_ms(tl, (enum run_event)ev, &ms))
			fprintf(out, "%.3f", ms);
		else
			fputs("null", out);
	}
	fputs("},\n", out);
	fputs("  \"start_time\": ", out);
	struct tm tm;
	char when[32];
	if (tl && tl->at_ns[RUN_EVENT_START] != 0 && gmtime_r(&tl->start_wall.tv_sec, &tm) &&
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm) > 0)
		fprintf(out, "\"%s.%03ldZ\",\n", when, tl->start_wall.tv_nsec / 1000000);
	else
		fputs("null,\n", out);
}

/* ",\n  \"reports\": [...],\n  \"reports_dropped\": N", one report a line. */
static void run_report_print_reports(FILE *out, const struct console_watch *w)
{
	size_t n = w ? w->nreports : 0;
	fputs(",\n  \"reports\": [", out);
	for (size_t i = 0; i < n; i++) {
		const struct console_watch_report *rep = &w->reports[i];
		fprintf(out, "%s{\"kind\": \"%s\", \"line\": %" PRIu64 ", \"text\": ",
			i ? ",\n    " : "\n    ", console_watch_kind_name(rep->kind), rep->line);
		json_print_string(out, rep->text);
		fputc('}', out);
	}
	fprintf(out, "%s,\n  \"reports_dropped\": %" PRIu64, n ? "\n  ]" : "]",
		w ? w->reports_dropped : 0);
}

static void run_report_print(FILE *out, const struct run_report *r, int status,
			     const char *reason, const char *expect, bool expect_matched,
			     const struct run_timeline *tl, const struct console_lines *lines,
			     const struct image_list *images, int ncpus)
{
	fprintf(out, "{\n  \"status\": %d,\n  \"reason\": ", status);
	if (reason)
		json_print_string(out, reason);
	else
		fputs("null", out);
	if (r->command_run && r->command_status >= 0)
		fprintf(out, ",\n  \"command_status\": %d", r->command_status);
	else if (r->command_run)
		fputs(",\n  \"command_status\": null", out);
	fputs(",\n  \"expect\": ", out);
	if (expect)
		json_print_string(out, expect);
	else
		fputs("null", out);
	fprintf(out, ",\n  \"expect_matched\": %s,\n  \"cpus\": %d,\n  \"console_tail\": [",
		expect_matched ? "true" : "false", ncpus);
	for (size_t i = 0; i < lines->count; i++) {
		fputs(i ? ",\n    " : "\n    ", out);
		json_print_bytes(out, lines->lines[i].text, lines->lines[i].len);
	}
	fputs(lines->count ? "\n  ],\n" : "],\n", out);
	fputs("  \"kernel_panic\": ", out);
	if (r->kernel_panic)
		json_print_string(out, r->kernel_panic);
	else
		fputs("null", out);
	run_report_print_reports(out, r->watch);
	fprintf(out, ",\n  \"console_bytes_dropped\": %" PRIu64 ",\n", r->console_bytes_dropped);
	run_report_print_timings(out, tl);
	fputs("  \"images\": ", out);
	if (images)
		image_list_print_json(images, out);   /* ends with "]\n" */
	else
		fputs("[]\n", out);
	fputs("}\n", out);
}

int run_report_write(struct run_report *r, int status, const char *reason, const char *expect,
		     bool expect_matched, const struct run_timeline *tl,
		     const struct console_tail *tail, const struct image_list *images, int ncpus,
		     struct error *err)
{
	if (!r->path)
		return error_set(err, "internal error: --result-json report not opened");
	struct console_lines lines = { 0 };
	if (tail && console_tail_lines(tail, r->command_run ? SIZE_MAX : CONSOLE_TAIL_LINES,
					&lines, err) < 0)
		return -1;
	/* The whole text first: the file gets it in one go, or not at all. */
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out) {
		console_lines_free(&lines);
		return error_set_host(err, "--result-json %s: out of memory", r->path);
	}
	run_report_print(out, r, status, reason, expect, expect_matched, tl, &lines, images, ncpus);
	bool bad = ferror(out);
	if (fclose(out) != 0 || bad) {
		console_lines_free(&lines);
		free(text);
		return error_set_host(err, "--result-json %s: out of memory", r->path);
	}
	console_lines_free(&lines);

	int rc = 0;
	if (r->direct_fd >= 0) {
		if (write_all(r->direct_fd, text, len) < 0)
			rc = error_set(err, "--result-json %s: cannot write: %s", r->path,
				       strerror(errno));
		free(text);
		return rc;
	}
	char *tmp;
	int fd = file_replace_begin(r->target, r->what, &tmp, err);
	if (fd >= 0) {
		bool ok = fchmod(fd, r->mode) == 0 && write_all(fd, text, len) == 0;
		if (!ok)
			error_set(err, "%s: cannot write %s: %s", r->what, tmp, strerror(errno));
		rc = file_replace_finish(fd, tmp, r->target, r->what, ok, err);
	} else {
		rc = -1;
	}
	free(text);
	return rc;
}

void run_report_close(struct run_report *r)
{
	if (r->path && r->direct_fd >= 0)
		close(r->direct_fd);
	free(r->path);
	free(r->target);
	free(r->what);
	memset(r, 0, sizeof(*r));
	r->direct_fd = -1;
}
