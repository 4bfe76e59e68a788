/* bzImages whose payload is compressed in the test with each library's own
 * encoder (for test_bzimage_payload.c and test_bzimage_vmlinux.c): what the
 * kernel's build makes with the command-line tools (scripts/Makefile.lib
 * cmd_gzip, cmd_bzip2, cmd_lzma, cmd_xzkern, cmd_lz4, cmd_zstd22, each
 * followed by size_append). */
#ifndef MINIVMM_TESTS_UNIT_PAYLOAD_BUILDER_H
#define MINIVMM_TESTS_UNIT_PAYLOAD_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "tests/unit/unit.h"

/* A compressed stream, malloc'd, without the trailing size. */
struct test_stream {
	uint8_t *data;
	size_t size;
};

/* The formats minivmm decompresses, in enum order. */
#define TEST_PAYLOAD_NFORMATS 6
extern const enum bzimage_payload_format test_payload_formats[TEST_PAYLOAD_NFORMATS];

/* Compresses [in, in + len) in `format` (lz4: the legacy frame, 8 MiB
 * blocks).  Fails the test on error. */
void test_stream_compress(struct test_stream *s, enum bzimage_payload_format format,
			  const uint8_t *in, size_t len);
void test_stream_free(struct test_stream *s);

/* Where the payload sits in the protected-mode code of a test bzImage:
 * after a "decompressor" of TEST_PAYLOAD_HEAD bytes, and followed by
 * TEST_PAYLOAD_TAIL more (as in a real bzImage, whose payload is in the
 * middle of the compressed kernel's image). */
#define TEST_PAYLOAD_HEAD 0x400
#define TEST_PAYLOAD_TAIL 0x100

/* test_bzimage_make's bzImage (setup_sects 1) holding `len` bytes of
 * stream and then the le32 `trailer` as its payload (payload_offset
 * TEST_PAYLOAD_HEAD, payload_length len + 4). */
void test_payload_bzimage_make(struct test_bzimage *img, const uint8_t *stream, size_t len,
			       uint32_t trailer);
/* The payload's first byte inside img->data. */
uint8_t *test_payload_bytes(struct test_bzimage *img);

/* The whole recipe: `in` compressed in `format`, then its true size. */
void test_payload_bzimage_of(struct test_bzimage *img, enum bzimage_payload_format format,
			     const uint8_t *in, size_t len);

#endif
