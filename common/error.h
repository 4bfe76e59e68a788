/* One error message per failure, filled in by library code and printed once by
 * vmm/main.c.  Library functions return a negative value and describe the
 * problem here; only main decides to exit (DESIGN.md, "Rules"). */
#ifndef MINIVMM_COMMON_ERROR_H
#define MINIVMM_COMMON_ERROR_H

#include <stdarg.h>
#include <stdio.h>

struct error {
	char msg[512];
};

/* Formats the message and returns -1 so callers can write
 * `return error_set(err, "...")`.  err may be NULL. */
static inline __attribute__((format(printf, 2, 3))) int
error_set(struct error *err, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

#endif
