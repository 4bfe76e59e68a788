/* Writing a file whole, so that a reader finds the old version or the new
 * one, never half of one: the new bytes go to a temporary file in the same
 * folder, renamed over the target once complete (rename(2) is atomic
 * within a file system).  Used by --result-json and the vmcore dumps. */
#ifndef MINIVMM_COMMON_FILE_REPLACE_H
#define MINIVMM_COMMON_FILE_REPLACE_H

#include <stdbool.h>

#include "common/error.h"

/* Creates "<target>.tmp-XXXXXX" (mode 0600, close-on-exec) and returns its
 * descriptor, with its name in *tmp for file_replace_finish.  -1 with err
 * ("<what>: cannot create <tmp>: <why>") when it cannot. */
int file_replace_begin(const char *target, const char *what, char **tmp, struct error *err);

/* Closes fd; when ok (the caller wrote everything) and the close reports no
 * delayed write error, renames tmp over target.  Otherwise, or when the
 * rename fails, the temporary file is removed and the target left as it
 * was.  Frees tmp.  Returns 0, or -1: with err set when the failure was
 * found here, untouched when the caller's own (!ok). */
int file_replace_finish(int fd, char *tmp, const char *target, const char *what, bool ok,
			struct error *err);

#endif
