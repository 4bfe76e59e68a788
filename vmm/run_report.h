/* What a run leaves for CI (--result-json) and for --trace-boot: when each
 * stage of the boot was first reached, the last lines the guest printed, and
 * the outcome written as one JSON object. */
#ifndef MINIVMM_VMM_RUN_REPORT_H
#define MINIVMM_VMM_RUN_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "common/error.h"
#include "loader/loader.h"
#include "vmm/console_watch.h"

/* ---- The boot timeline ------------------------------------------------- */

enum run_event {
	RUN_EVENT_START,                /* minivmm started (run_timeline_start) */
	RUN_EVENT_IMAGES_LOADED,        /* every image and the boot data are in
					   guest RAM (before /dev/kvm is opened) */
	RUN_EVENT_VM_CREATED,           /* the KVM VM exists, with that RAM */
	RUN_EVENT_FIRST_INSTRUCTION,    /* the first KVM_RUN of the boot vCPU */
	RUN_EVENT_FIRST_CONSOLE_BYTE,   /* the guest's first console byte */
	RUN_EVENT_MARKER,               /* --expect matched */
	RUN_EVENT_END,                  /* the VM stopped */
	RUN_EVENT_COUNT
};

struct run_timeline {
	struct timespec start_wall;     /* CLOCK_REALTIME at RUN_EVENT_START */
	/* CLOCK_MONOTONIC in ns when each event was first marked; 0: not yet.
	 * Written with atomics, so any thread may mark. */
	int64_t at_ns[RUN_EVENT_COUNT];
};

/* Clears the timeline, takes the wall-clock time and marks RUN_EVENT_START. */
void run_timeline_start(struct run_timeline *tl);

/* Records CLOCK_MONOTONIC for ev the first time only; later marks of the
 * same event change nothing.  Safe from several threads at once. */
void run_timeline_mark(struct run_timeline *tl, enum run_event ev);

/* Milliseconds from RUN_EVENT_START to ev in *ms; false when either was
 * never marked. */
bool run_timeline_ms(const struct run_timeline *tl, enum run_event ev, double *ms);

/* The event's name in the report: "start", "vm_created", "images_loaded",
 * "first_guest_instruction", "first_console_byte", "marker", "end". */
const char *run_event_name(enum run_event ev);

/* --trace-boot: every event on its own line, "minivmm: trace:" first, with
 * ms from start and from the event before; an event never reached says so. */
void run_timeline_print(const struct run_timeline *tl, FILE *out);

/* ---- The console's tail ------------------------------------------------ */

#define CONSOLE_TAIL_SIZE  8192   /* bytes kept */
#define CONSOLE_TAIL_LINES 20     /* lines in the report */

/* The last CONSOLE_TAIL_SIZE bytes of console output, in a ring.  Not
 * locked: fed from the serial output path (under the UART's lock), read once
 * the vCPUs have stopped. */
struct console_tail {
	uint8_t ring[CONSOLE_TAIL_SIZE];
	size_t next;    /* where the next byte goes */
	size_t count;   /* bytes held, up to CONSOLE_TAIL_SIZE */
};

void console_tail_init(struct console_tail *t);
void console_tail_add(struct console_tail *t, uint8_t byte);

/* Lines cut out of the tail: lines[i] is len bytes at text (no '\n', every
 * '\r' removed; may hold any other byte, NUL included). */
struct console_line {
	const char *text;
	size_t len;
};

struct console_lines {
	char *buf;
	struct console_line *lines;
	size_t count;
};

/* The last max_lines lines of the tail, oldest first.  A line still open
 * (no '\n' yet) counts; a line whose start has left the ring is kept cut.
 * -1 with err set when memory runs out.  Free with console_lines_free. */
int console_tail_lines(const struct console_tail *t, size_t max_lines,
		       struct console_lines *out, struct error *err);
void console_lines_free(struct console_lines *l);

/* ---- The report file --------------------------------------------------- */

struct run_report {
	char *path;        /* as the user gave it, for messages */
	char *target;      /* where it is written: the path with symlinks resolved */
	char *what;        /* "--result-json PATH", how messages name it */
	mode_t mode;       /* the file's permissions as created */
	int direct_fd;     /* not a regular file (/dev/stderr, a FIFO): written
			    * in place through this descriptor; else -1 */
	/* Set before run_report_write, if at all (run_report_open clears
	 * them): the kernel's panic line seen on the console (NULL: none),
	 * and the console output that could not be written. */
	const char *kernel_panic;
	uint64_t console_bytes_dropped;
	/* The kernel's problem reports seen on the console (NULL: the list
	 * is empty). */
	const struct console_watch *watch;
	/* -- CMD: the command's status, -1 when it never finished. */
	bool command_run;
	int command_status;
};

/* At setup, before the guest runs: creates (or truncates) path, so that a
 * bad path is a setup error and no stale result survives, and checks that a
 * temporary file can be made beside it.  -1 with err naming the path. */
int run_report_open(struct run_report *r, const char *path, struct error *err);

/* Writes the outcome as one JSON object (the schema is in run_report.c):
 * into a temporary file in the same folder, renamed over the path, so a
 * reader never sees half a report.  expect is --expect's string or NULL;
 * reason may be NULL.  Mark RUN_EVENT_END first.  -1 with err set. */
int run_report_write(struct run_report *r, int status, const char *reason, const char *expect,
		     bool expect_matched, const struct run_timeline *tl,
		     const struct console_tail *tail, const struct image_list *images, int ncpus,
		     struct error *err);

/* Frees r; the file stays.  Safe on a zeroed or closed report. */
void run_report_close(struct run_report *r);

#endif
