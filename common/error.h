/* One error message per failure, filled in by library code and printed once by
 * vmm/main.c.  Library functions return a negative value and describe the
 * problem here; only main decides to exit, and the error's kind tells it
 * which status (README "Exit status"). */
#ifndef MINIVMM_COMMON_ERROR_H
#define MINIVMM_COMMON_ERROR_H

#include <stdarg.h>
#include <stdio.h>

/* Who can fix it.  Zero is ERROR_USER, so `struct error err = { 0 }` starts
 * as one. */
enum error_kind {
	/* The options, an image, /dev/kvm missing or unusable: exit 2. */
	ERROR_USER = 0,
	/* minivmm failed on the host for a reason the input did not give: out
	 * of memory, a KVM call refused.  The message names the call: exit 8. */
	ERROR_HOST,
};

struct error {
	char msg[512];
	enum error_kind kind;
};

static inline __attribute__((format(printf, 3, 0))) int
error_vset_as(struct error *err, enum error_kind kind, const char *fmt, va_list ap)
{
	if (err) {
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		err->kind = kind;
	}
	return -1;
}

/* Formats the message and returns -1 so callers can write
 * `return error_set(err, "...")`.  err may be NULL.  A user error. */
static inline __attribute__((format(printf, 2, 3))) int
error_set(struct error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset_as(err, ERROR_USER, fmt, ap);
	va_end(ap);
	return -1;
}

/* The same for a host failure (ERROR_HOST). */
static inline __attribute__((format(printf, 2, 3))) int
error_set_host(struct error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset_as(err, ERROR_HOST, fmt, ap);
	va_end(ap);
	return -1;
}

/* For a message that wraps another error's: keeps that error's kind. */
static inline __attribute__((format(printf, 3, 4))) int
error_set_as(struct error *err, enum error_kind kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset_as(err, kind, fmt, ap);
	va_end(ap);
	return -1;
}

#endif
