/* A newc cpio archive written into memory: the format the kernel unpacks as
 * an initramfs (Documentation/driver-api/early-userspace/buffer-format.rst).
 *
 * Each entry is a 110-byte ASCII header ("070701" and thirteen 8-digit hex
 * fields: ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor,
 * rdevmajor, rdevminor, namesize, check), the NUL-terminated name padded so
 * that header + name is a multiple of 4 bytes, then the data padded to a
 * multiple of 4.  The archive ends with an entry named "TRAILER!!!".
 * Names are stored without a leading '/', as cpio and the kernel's own
 * usr/gen_init_cpio write them: the unpacker resolves them from the root. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/prefault.h"
#include "loader/loader.h"

#define CPIO_NEWC_MAGIC "070701"
#define CPIO_HEADER_SIZE 110
#define CPIO_TRAILER "TRAILER!!!"

static size_t cpio_pad4(size_t n) { return (4 - (n & 3)) & 3; }

void cpio_writer_init(struct cpio_writer *w)
{
	memset(w, 0, sizeof(*w));
	w->next_ino = 1;
}

void cpio_writer_free(struct cpio_writer *w)
{
	free(w->data);
	memset(w, 0, sizeof(*w));
}

/* Makes room for `more` bytes after w->size; doubles the buffer. */
static int cpio_reserve(struct cpio_writer *w, size_t more, struct error *err)
{
	size_t need;
	if (__builtin_add_overflow(w->size, more, &need))
		return error_set_host(err, "cpio archive: size overflow");
	if (need <= w->capacity)
		return 0;
	size_t cap = w->capacity ? w->capacity : 4096;
	while (cap < need) {
		if (__builtin_mul_overflow(cap, 2, &cap))
			return error_set_host(err, "cpio archive: size overflow");
	}
	uint8_t *data = realloc(w->data, cap);
	if (!data)
		return error_set_host(err, "cpio archive: out of memory for %zu bytes", cap);
	w->data = data;
	w->capacity = cap;
	/* Written from end to end but the last half, at most. */
	prefault_buffer(w->data + w->size, cap - w->size);
	return 0;
}

static void cpio_put(struct cpio_writer *w, const void *bytes, size_t len)
{
	if (len)
		memcpy(w->data + w->size, bytes, len);
	w->size += len;
}

static void cpio_put_zeros(struct cpio_writer *w, size_t len)
{
	memset(w->data + w->size, 0, len);
	w->size += len;
}

/* One entry: header, name, padding, data, padding. */
static int cpio_add(struct cpio_writer *w, const char *path, uint32_t mode, uint32_t nlink,
		    const void *data, size_t size, struct error *err)
{
	if (w->finished)
		return error_set(err, "cpio archive: %s added after the trailer", path);
	while (*path == '/')
		path++;
	size_t namelen = strlen(path);
	if (namelen == 0)
		return error_set(err, "cpio archive: an entry has an empty name");
	/* The unpacker stops at the first entry of that name
	 * (buffer-format.rst): only cpio_finish may write it. */
	if (mode != 0 && strcmp(path, CPIO_TRAILER) == 0)
		return error_set(err, "cpio archive: an entry named " CPIO_TRAILER " would end "
				 "the archive");
	/* namesize and filesize are 32-bit fields (8 hex digits). */
	if (namelen + 1 > UINT32_MAX)
		return error_set(err, "cpio archive: name too long");
	if (size > UINT32_MAX)
		return error_set(err, "cpio archive: %s is %zu bytes; newc holds at most "
				 "4 GiB - 1 per file", path, size);
	size_t name_end = CPIO_HEADER_SIZE + namelen + 1;
	size_t total = name_end + cpio_pad4(name_end) + size + cpio_pad4(size);
	if (cpio_reserve(w, total, err) < 0)
		return -1;

	char header[CPIO_HEADER_SIZE + 1];
	snprintf(header, sizeof(header),
		 "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 CPIO_NEWC_MAGIC, w->next_ino++, mode, 0u /* uid */, 0u /* gid */, nlink,
		 0u /* mtime */, (unsigned)size, 0u, 0u, 0u, 0u, (unsigned)(namelen + 1),
		 0u /* check: only the "070702" format uses it */);
	cpio_put(w, header, CPIO_HEADER_SIZE);
	cpio_put(w, path, namelen + 1);
	cpio_put_zeros(w, cpio_pad4(name_end));
	cpio_put(w, data, size);
	cpio_put_zeros(w, cpio_pad4(size));
	return 0;
}

int cpio_add_dir(struct cpio_writer *w, const char *path, uint32_t perm, struct error *err)
{
	return cpio_add(w, path, S_IFDIR | (perm & 07777), 2, NULL, 0, err);
}

int cpio_add_file(struct cpio_writer *w, const char *path, uint32_t perm, const void *data,
		  size_t size, struct error *err)
{
	return cpio_add(w, path, S_IFREG | (perm & 07777), 1, data, size, err);
}

int cpio_finish(struct cpio_writer *w, struct error *err)
{
	if (cpio_add(w, CPIO_TRAILER, 0, 1, NULL, 0, err) < 0)
		return -1;
	w->finished = true;
	return 0;
}
