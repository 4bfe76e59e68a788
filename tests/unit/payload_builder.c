/* Compressed payloads and the bzImages that carry them (payload_builder.h). */
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include <bzlib.h>
#include <lz4.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "common/byteorder.h"
#include "tests/unit/payload_builder.h"

#define TEST_LZ4_MAGIC 0x184c2102U
#define TEST_LZ4_BLOCK (8U << 20)

const enum bzimage_payload_format test_payload_formats[TEST_PAYLOAD_NFORMATS] = {
	BZIMAGE_PAYLOAD_GZIP, BZIMAGE_PAYLOAD_BZIP2, BZIMAGE_PAYLOAD_LZMA,
	BZIMAGE_PAYLOAD_XZ, BZIMAGE_PAYLOAD_LZ4, BZIMAGE_PAYLOAD_ZSTD,
};

/* gzip -9 (RFC 1952 wrapper: windowBits 16 + 15). */
static void compress_gzip(struct test_stream *s, const uint8_t *in, size_t len)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	ck_assert_int_eq(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	size_t cap = deflateBound(&z, (uLong)len);
	s->data = malloc(cap);
	ck_assert_ptr_nonnull(s->data);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = s->data;
	z.avail_out = (uInt)cap;
	ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	s->size = z.total_out;
	deflateEnd(&z);
}

static void compress_bzip2(struct test_stream *s, const uint8_t *in, size_t len)
{
	unsigned cap = (unsigned)(len + len / 100 + 600);
	s->data = malloc(cap);
	ck_assert_ptr_nonnull(s->data);
	ck_assert_int_eq(BZ2_bzBuffToBuffCompress((char *)s->data, &cap, (char *)in,
						  (unsigned)len, 9, 0, 0), BZ_OK);
	s->size = cap;
}

/* xz --check=crc32 (the kernel's cmd_xzkern), or the legacy .lzma format
 * (cmd_lzma: lzma -9). */
static void compress_xz(struct test_stream *s, const uint8_t *in, size_t len, bool legacy)
{
	size_t cap = lzma_stream_buffer_bound(len) + 64;
	s->data = malloc(cap);
	ck_assert_ptr_nonnull(s->data);
	if (!legacy) {
		size_t pos = 0;
		ck_assert_int_eq(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, len,
							 s->data, &pos, cap), LZMA_OK);
		s->size = pos;
		return;
	}
	lzma_options_lzma opt;
	ck_assert_int_eq(lzma_lzma_preset(&opt, 6), 0);
	lzma_stream z = LZMA_STREAM_INIT;
	ck_assert_int_eq(lzma_alone_encoder(&z, &opt), LZMA_OK);
	z.next_in = in;
	z.avail_in = len;
	z.next_out = s->data;
	z.avail_out = cap;
	lzma_ret ret;
	do
		ret = lzma_code(&z, LZMA_FINISH);
	while (ret == LZMA_OK);
	ck_assert_int_eq(ret, LZMA_STREAM_END);
	s->size = z.total_out;
	lzma_end(&z);
}

/* lz4 -l: the legacy frame's magic, then one block per 8 MiB of input. */
static void compress_lz4(struct test_stream *s, const uint8_t *in, size_t len)
{
	size_t nblocks = len / TEST_LZ4_BLOCK + 1;
	size_t cap = 4 + nblocks * (4 + (size_t)LZ4_compressBound(TEST_LZ4_BLOCK));
	s->data = malloc(cap);
	ck_assert_ptr_nonnull(s->data);
	le_put(s->data, TEST_LZ4_MAGIC, 4);
	s->size = 4;
	for (size_t off = 0; off < len; off += TEST_LZ4_BLOCK) {
		size_t n = len - off < TEST_LZ4_BLOCK ? len - off : TEST_LZ4_BLOCK;
		int c = LZ4_compress_default((const char *)in + off, (char *)s->data + s->size + 4,
					     (int)n, (int)(cap - s->size - 4));
		ck_assert_int_gt(c, 0);
		le_put(s->data + s->size, (uint32_t)c, 4);
		s->size += 4 + (size_t)c;
	}
}

/* zstd -19 with the content checksum the command-line tool adds by
 * default (the kernel's cmd_zstd22 runs the tool). */
static void compress_zstd(struct test_stream *s, const uint8_t *in, size_t len)
{
	size_t cap = ZSTD_compressBound(len);
	s->data = malloc(cap);
	ck_assert_ptr_nonnull(s->data);
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	ck_assert_ptr_nonnull(cctx);
	ck_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 19)));
	ck_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)));
	s->size = ZSTD_compress2(cctx, s->data, cap, in, len);
	ck_assert(!ZSTD_isError(s->size));
	ZSTD_freeCCtx(cctx);
}

void test_stream_compress(struct test_stream *s, enum bzimage_payload_format format,
			  const uint8_t *in, size_t len)
{
	memset(s, 0, sizeof(*s));
	switch (format) {
	case BZIMAGE_PAYLOAD_GZIP: compress_gzip(s, in, len); return;
	case BZIMAGE_PAYLOAD_BZIP2: compress_bzip2(s, in, len); return;
	case BZIMAGE_PAYLOAD_LZMA: compress_xz(s, in, len, true); return;
	case BZIMAGE_PAYLOAD_XZ: compress_xz(s, in, len, false); return;
	case BZIMAGE_PAYLOAD_LZ4: compress_lz4(s, in, len); return;
	case BZIMAGE_PAYLOAD_ZSTD: compress_zstd(s, in, len); return;
	default: break;
	}
	ck_abort_msg("no encoder for format %d", format);
}

void test_stream_free(struct test_stream *s)
{
	free(s->data);
	memset(s, 0, sizeof(*s));
}

void test_payload_bzimage_make(struct test_bzimage *img, const uint8_t *stream, size_t len,
			       uint32_t trailer)
{
	/* gzip carries the size as its own last 4 bytes (ISIZE), which the
	 * kernel's build does not repeat: the trailer replaces them. */
	bool gzip = len >= 4 && stream[0] == 0x1f && stream[1] == 0x8b;
	size_t total = gzip ? len : len + 4;
	test_bzimage_make(img, 1, TEST_PAYLOAD_HEAD + total + TEST_PAYLOAD_TAIL);
	struct setup_header *h = test_bzimage_header(img);
	h->payload_offset = TEST_PAYLOAD_HEAD;
	h->payload_length = (uint32_t)total;
	uint8_t *p = test_payload_bytes(img);
	memcpy(p, stream, len);
	le_put(p + total - 4, trailer, 4);
}

uint8_t *test_payload_bytes(struct test_bzimage *img)
{
	return img->data + img->setup_size + TEST_PAYLOAD_HEAD;
}

void test_payload_bzimage_of(struct test_bzimage *img, enum bzimage_payload_format format,
			     const uint8_t *in, size_t len)
{
	struct test_stream s;
	test_stream_compress(&s, format, in, len);
	test_payload_bzimage_make(img, s.data, s.size, (uint32_t)len);
	test_stream_free(&s);
}
