/* Image sources and pulling them into host memory.  A source is read in
 * chunks until a read comes back short, never trusting st_size and never
 * seeking, so pipes, FIFOs, process substitution and stdin ("-") work like
 * regular files (one of the image sources: a file, a stream read in chunks,
 * a buffer; the pull contract is Arm Iris image_loadDataRead's, Iris
 * Developer Guide, ARM 101196, §5.10.4). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/interrupt.h"
#include "common/prefault.h"
#include "loader/loader.h"

/* First buffer when the size is unknown (pipes); it doubles from there. */
#define IMAGE_FILE_FIRST_CHUNK (64 * 1024)
#define IMAGE_STDIN_NAME "<stdin>"

/* Fills buf unless the descriptor reaches its end: read() on a pipe may
 * return less than asked long before the data ends, but the source contract
 * says a short read means the end. */
static ssize_t image_source_fd_read(struct image_source *src, void *buf, size_t len,
				    struct error *err)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(src->fd, (uint8_t *)buf + got, len - got);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR && !interrupt_signal())
				continue;
			return error_set(err, "%s: cannot read: %s", src->name, strerror(errno));
		}
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static void image_source_fd_close(struct image_source *src)
{
	if (src->fd > 2)
		close(src->fd);
	src->fd = -1;
}

static ssize_t image_source_buffer_read(struct image_source *src, void *buf, size_t len,
					struct error *err)
{
	(void)err;
	size_t left = src->size - src->pos;
	size_t n = len < left ? len : left;
	memcpy(buf, src->data + src->pos, n);
	src->pos += n;
	return (ssize_t)n;
}

static void image_source_buffer_close(struct image_source *src)
{
	src->data = NULL;
}

int image_source_open(struct image_source *src, const char *path, struct error *err)
{
	memset(src, 0, sizeof(*src));
	src->read = image_source_fd_read;
	src->close = image_source_fd_close;
	if (strcmp(path, "-") == 0) {
		src->name = IMAGE_STDIN_NAME;
		src->origin = IMAGE_ORIGIN_CLIENT;
		src->fd = STDIN_FILENO;
		return 0;
	}
	src->name = path;
	src->origin = IMAGE_ORIGIN_FILE;
	do
		src->fd = open(path, O_RDONLY | O_CLOEXEC);
	while (src->fd < 0 && errno == EINTR && !interrupt_signal());
	if (src->fd < 0)
		return error_set(err, "%s: cannot open: %s", path, strerror(errno));
	struct stat st;
	if (fstat(src->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		image_source_fd_close(src);
		return error_set(err, "%s: is a directory", path);
	}
	return 0;
}

void image_source_buffer(struct image_source *src, const char *name, const void *data,
			 size_t size)
{
	memset(src, 0, sizeof(*src));
	src->name = name;
	src->origin = IMAGE_ORIGIN_CLIENT;
	src->read = image_source_buffer_read;
	src->close = image_source_buffer_close;
	src->fd = -1;
	src->data = data;
	src->size = size;
}

/* For a regular file, start with st_size + 1 so the read that comes back
 * short needs no extra growth; otherwise start small. */
static size_t image_file_first_capacity(const struct image_source *src)
{
	struct stat st;
	if (src->fd >= 0 && fstat(src->fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (unsigned long long)st.st_size < SIZE_MAX / 2)
		return (size_t)st.st_size + 1;
	if (src->data && src->size < SIZE_MAX)
		return src->size + 1;
	return IMAGE_FILE_FIRST_CHUNK;
}

static int image_file_pull_data(struct image_file *file, struct image_source *src,
				struct error *err)
{
	size_t capacity = image_file_first_capacity(src);
	for (;;) {
		uint8_t *data = realloc(file->data, capacity);
		if (!data)
			return error_set_host(err, "%s: out of memory reading %zu bytes", src->name,
					 capacity);
		file->data = data;
		size_t want = capacity - file->size;
		/* The first read of a file of known size fills the buffer,
		 * so it is faulted in at once (prefault.h); a pipe's doubling
		 * growth is not: it may stay empty. */
		if (file->size == 0)
			prefault_buffer(file->data, want);
		ssize_t n = src->read(src, file->data + file->size, want, err);
		if (n < 0)
			return -1;
		file->size += (size_t)n;
		if ((size_t)n < want)
			return 0;
		if (capacity > SIZE_MAX / 2)
			return error_set(err, "%s: too large to read into memory", src->name);
		capacity *= 2;
	}
}

int image_file_pull(struct image_file *file, struct image_source *src, struct error *err)
{
	memset(file, 0, sizeof(*file));
	int rc = image_file_pull_data(file, src, err);
	src->close(src);
	if (rc == 0 && file->size == 0)
		rc = error_set(err, "%s: file is empty", src->name);
	if (rc == 0 && !(file->path = strdup(src->name)))
		rc = error_set_host(err, "%s: out of memory", src->name);
	if (rc < 0) {
		image_file_free(file);
		return -1;
	}
	file->origin = src->origin;
	return 0;
}

int image_file_read(struct image_file *file, const char *path, struct error *err)
{
	struct image_source src;
	memset(file, 0, sizeof(*file));
	if (image_source_open(&src, path, err) < 0)
		return -1;
	return image_file_pull(file, &src, err);
}

void image_file_free(struct image_file *file)
{
	if (!file)
		return;
	bzimage_vmlinux_release(file);
	free(file->data);
	free(file->path);
	memset(file, 0, sizeof(*file));
}
