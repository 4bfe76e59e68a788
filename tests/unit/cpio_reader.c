/* A newc cpio reader for the tests (cpio_reader.h). */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/cpio_reader.h"
#include "tests/unit/unit.h"

static uint32_t field(const uint8_t *hdr, unsigned index)
{
	char text[9];
	memcpy(text, hdr + 6 + 8 * index, 8);
	text[8] = 0;
	for (unsigned i = 0; i < 8; i++)
		ck_assert_msg(strchr("0123456789ABCDEFabcdef", text[i]) && text[i],
			      "cpio header field %u is not hex: %s", index, text);
	return (uint32_t)strtoul(text, NULL, 16);
}

static size_t up4(size_t n) { return (n + 3) & ~(size_t)3; }

void test_cpio_parse(struct test_cpio *cpio, const uint8_t *data, size_t size, size_t start)
{
	memset(cpio, 0, sizeof(*cpio));
	size_t off = start;
	ck_assert_msg(off % 4 == 0, "archive starts at %zu, not 4-byte aligned", off);
	for (;;) {
		ck_assert_msg(off + 110 <= size, "truncated header at %zu", off);
		const uint8_t *hdr = data + off;
		ck_assert_msg(memcmp(hdr, "070701", 6) == 0, "bad magic at %zu", off);
		struct test_cpio_entry e = {
			.ino = field(hdr, 0), .mode = field(hdr, 1), .uid = field(hdr, 2),
			.gid = field(hdr, 3), .nlink = field(hdr, 4), .mtime = field(hdr, 5),
			.size = field(hdr, 6),
		};
		uint32_t namesize = field(hdr, 11);
		ck_assert_uint_eq(field(hdr, 12), 0);
		ck_assert_uint_gt(namesize, 1);
		ck_assert_msg(off + 110 + namesize <= size, "truncated name at %zu", off);
		const char *name = (const char *)hdr + 110;
		ck_assert_msg(name[namesize - 1] == 0 && strlen(name) == namesize - 1,
			      "name at %zu is not NUL-terminated at namesize", off);
		size_t data_off = up4(off + 110 + namesize);
		for (size_t i = off + 110 + namesize; i < data_off; i++)
			ck_assert_msg(data[i] == 0, "name padding at %zu is not zero", i);
		ck_assert_msg(data_off + e.size <= size, "truncated data of %s", name);
		e.data = data + data_off;
		size_t next = up4(data_off + e.size);
		ck_assert_msg(next <= size, "truncated data padding of %s", name);
		for (size_t i = data_off + e.size; i < next; i++)
			ck_assert_msg(data[i] == 0, "data padding at %zu is not zero", i);
		off = next;
		if (strcmp(name, "TRAILER!!!") == 0) {
			ck_assert_uint_eq(e.size, 0);
			cpio->end = off;
			return;
		}
		e.name = strdup(name);
		cpio->entries = realloc(cpio->entries, (cpio->count + 1) * sizeof(e));
		ck_assert_ptr_nonnull(cpio->entries);
		cpio->entries[cpio->count++] = e;
	}
}

void test_cpio_free(struct test_cpio *cpio)
{
	for (size_t i = 0; i < cpio->count; i++)
		free(cpio->entries[i].name);
	free(cpio->entries);
	memset(cpio, 0, sizeof(*cpio));
}

const struct test_cpio_entry *test_cpio_find(const struct test_cpio *cpio, const char *name)
{
	for (size_t i = 0; i < cpio->count; i++)
		if (strcmp(cpio->entries[i].name, name) == 0)
			return &cpio->entries[i];
	return NULL;
}
