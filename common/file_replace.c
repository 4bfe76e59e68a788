#define _GNU_SOURCE   /* mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/file_replace.h"

#define FILE_REPLACE_SUFFIX ".tmp-XXXXXX"

int file_replace_begin(const char *target, const char *what, char **tmp, struct error *err)
{
	size_t len = strlen(target);
	*tmp = malloc(len + sizeof(FILE_REPLACE_SUFFIX));
	if (!*tmp)
		return error_set_host(err, "%s: out of memory for a file name", what);
	memcpy(*tmp, target, len);
	memcpy(*tmp + len, FILE_REPLACE_SUFFIX, sizeof(FILE_REPLACE_SUFFIX));
	int fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0) {
		error_set(err, "%s: cannot create %s: %s", what, *tmp, strerror(errno));
		free(*tmp);
		*tmp = NULL;
	}
	return fd;
}

int file_replace_finish(int fd, char *tmp, const char *target, const char *what, bool ok,
			struct error *err)
{
	int rc = ok ? 0 : -1;
	/* close() reports delayed write errors on some file systems (NFS). */
	if (close(fd) < 0 && rc == 0)
		rc = error_set(err, "%s: cannot write %s: %s", what, tmp, strerror(errno));
	if (rc == 0 && rename(tmp, target) < 0)
		rc = error_set(err, "%s: cannot rename %s to %s: %s", what, tmp, target,
			       strerror(errno));
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}
