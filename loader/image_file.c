/* Reading a whole image into host memory.  Reads in chunks until read()
 * returns 0 rather than trusting st_size, so pipes, process substitution and
 * stdin ("-") work as well as regular files (DESIGN.md: "image sources (a
 * file, a stream read in chunks, a buffer)"). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/loader.h"

/* First buffer when the size is unknown (pipes); it doubles from there. */
#define IMAGE_FILE_FIRST_CHUNK (64 * 1024)

struct image_file_buffer {
	uint8_t *data;
	size_t size;
	size_t capacity;
};

/* For a regular file, start with st_size + 1 so the final read() that
 * returns 0 needs no extra growth; otherwise start small. */
static size_t image_file_first_capacity(int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (unsigned long long)st.st_size < SIZE_MAX / 2)
		return (size_t)st.st_size + 1;
	return IMAGE_FILE_FIRST_CHUNK;
}

static int image_file_grow(struct image_file_buffer *buf, const char *name,
			   struct error *err)
{
	if (buf->capacity > SIZE_MAX / 2)
		return error_set(err, "%s: file too large to read into memory", name);
	size_t capacity = buf->capacity * 2;
	uint8_t *data = realloc(buf->data, capacity);
	if (!data)
		return error_set(err, "%s: out of memory reading %zu bytes", name, capacity);
	buf->data = data;
	buf->capacity = capacity;
	return 0;
}

static int image_file_read_fd(int fd, const char *name, struct image_file_buffer *buf,
			      struct error *err)
{
	size_t first = image_file_first_capacity(fd);
	buf->data = malloc(first);
	if (!buf->data)
		return error_set(err, "%s: out of memory reading %zu bytes", name, first);
	buf->capacity = first;
	for (;;) {
		if (buf->size == buf->capacity && image_file_grow(buf, name, err) < 0)
			return -1;
		ssize_t n = read(fd, buf->data + buf->size, buf->capacity - buf->size);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return error_set(err, "%s: cannot read: %s", name, strerror(errno));
		}
		buf->size += (size_t)n;
	}
}

int image_file_read(struct image_file *file, const char *path, struct error *err)
{
	memset(file, 0, sizeof(*file));
	int is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	int fd = 0;
	if (!is_stdin) {
		do
			fd = open(path, O_RDONLY | O_CLOEXEC);
		while (fd < 0 && errno == EINTR);
		if (fd < 0)
			return error_set(err, "%s: cannot open: %s", name, strerror(errno));
	}

	struct image_file_buffer buf = { 0 };
	int rc = image_file_read_fd(fd, name, &buf, err);
	if (!is_stdin)
		close(fd);
	if (rc == 0 && buf.size == 0)
		rc = error_set(err, "%s: file is empty", name);
	char *copy = rc == 0 ? strdup(name) : NULL;
	if (rc == 0 && !copy)
		rc = error_set(err, "%s: out of memory", name);
	if (rc < 0) {
		free(buf.data);
		return -1;
	}
	file->path = copy;
	file->data = buf.data;
	file->size = buf.size;
	return 0;
}

void image_file_free(struct image_file *file)
{
	if (!file)
		return;
	free(file->data);
	free(file->path);
	memset(file, 0, sizeof(*file));
}
