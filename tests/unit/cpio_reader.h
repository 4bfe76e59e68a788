/* A newc cpio reader for the tests (buffer-format.rst), written apart from
 * loader/cpio.c so that the writer is checked against the format, not
 * against itself.  Fails the test on any malformed header or padding. */
#ifndef MINIVMM_TESTS_UNIT_CPIO_READER_H
#define MINIVMM_TESTS_UNIT_CPIO_READER_H

#include <stddef.h>
#include <stdint.h>

struct test_cpio_entry {
	char *name;
	uint32_t ino, mode, uid, gid, nlink, mtime;
	const uint8_t *data;   /* points into the archive */
	size_t size;
};

struct test_cpio {
	struct test_cpio_entry *entries;   /* the trailer excluded */
	size_t count;
	size_t end;                        /* offset just past the trailer */
};

/* Parses data from offset `start` up to and including the trailer, which
 * must be there. */
void test_cpio_parse(struct test_cpio *cpio, const uint8_t *data, size_t size, size_t start);
void test_cpio_free(struct test_cpio *cpio);
/* The entry named `name`, or NULL. */
const struct test_cpio_entry *test_cpio_find(const struct test_cpio *cpio, const char *name);

#endif
