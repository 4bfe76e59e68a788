/* loader/bzimage_payload.c: finding a bzImage's payload (boot.rst
 * payload_offset/payload_length), telling its format by magic, and
 * decompressing it exactly to its trailing size with each library; every
 * way a hostile payload can be wrong.  Payloads are compressed in the test
 * with each library's own encoder (payload_builder.h).  Booting the vmlinux
 * inside is in test_bzimage_vmlinux.c, whose test case this suite runs. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/elf_builder.h"
#include "tests/unit/payload_builder.h"

TCase *bzimage_vmlinux_tcase(void);

#define HINT "(--boot linux64 lets the guest decompress it)"

/* bzimage_parse + bzimage_payload_decompress, as the loader runs them. */
static int decompress(struct test_bzimage *img, uint64_t max_size, struct bzimage_payload *out,
		      struct error *err)
{
	struct guest_kernel_image k;
	ck_assert_msg(bzimage_parse(img->data, img->size, "vmlinuz", &k, err) == 0, "%s", err->msg);
	return bzimage_payload_decompress(&k.setup_header, img->data, img->size, "vmlinuz",
					  max_size, NULL, 0, out, err);
}

/* What every format compresses: the vmlinux-shaped test ELF. */
static void vmlinux_bytes(struct test_elf_img *elf)
{
	test_elf_vmlinux_make(elf);
}

START_TEST(test_each_format_decompresses_to_the_same_bytes)
{
	enum bzimage_payload_format format = test_payload_formats[_i];
	struct test_elf_img elf;
	struct test_bzimage img;
	struct bzimage_payload out;
	struct error err = { 0 };
	vmlinux_bytes(&elf);
	test_payload_bzimage_of(&img, format, elf.data, elf.size);
	ck_assert_int_eq(bzimage_payload_detect(test_payload_bytes(&img), 16), format);
	ck_assert_msg(decompress(&img, BZIMAGE_PAYLOAD_MAX_SIZE, &out, &err) == 1, "%s: %s",
		      bzimage_payload_format_name(format), err.msg);
	ck_assert_int_eq(out.format, format);
	ck_assert_uint_eq(out.size, elf.size);
	ck_assert_mem_eq(out.data, elf.data, elf.size);
	bzimage_payload_free(&out);
	ck_assert_ptr_null(out.data);
	test_bzimage_free(&img);
	test_elf_free(&elf);
}
END_TEST

/* lz4's legacy frame in more than one 8 MiB block, with a second magic
 * between blocks (concatenated frames, as lib/decompress_unlz4.c allows). */
START_TEST(test_lz4_blocks_and_repeated_magic)
{
	size_t len = 9 * MiB + 123;
	uint8_t *data = malloc(len);
	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < len; i++)
		data[i] = test_payload_byte(i / 64);
	struct test_stream s;
	test_stream_compress(&s, BZIMAGE_PAYLOAD_LZ4, data, len);
	/* magic, block 0 (8 MiB), block 1: put a magic before block 1. */
	uint32_t c0 = s.data[4] | s.data[5] << 8 | s.data[6] << 16 | (uint32_t)s.data[7] << 24;
	size_t split = 8 + c0;
	uint8_t *two = malloc(s.size + 4);
	ck_assert_ptr_nonnull(two);
	memcpy(two, s.data, split);
	memcpy(two + split, s.data, 4);
	memcpy(two + split + 4, s.data + split, s.size - split);

	struct test_bzimage img;
	struct bzimage_payload out;
	struct error err = { 0 };
	test_payload_bzimage_make(&img, two, s.size + 4, (uint32_t)len);
	ck_assert_msg(decompress(&img, BZIMAGE_PAYLOAD_MAX_SIZE, &out, &err) == 1, "%s", err.msg);
	ck_assert_uint_eq(out.size, len);
	ck_assert_mem_eq(out.data, data, len);
	bzimage_payload_free(&out);
	test_bzimage_free(&img);
	free(two);
	test_stream_free(&s);
	free(data);
}
END_TEST

START_TEST(test_detect_by_magic)
{
	static const struct { const char *bytes; size_t len; enum bzimage_payload_format f; } m[] = {
		{ "\x1f\x8b\x08\x00", 4, BZIMAGE_PAYLOAD_GZIP },
		{ "\x1f\x8b\x07\x00", 4, BZIMAGE_PAYLOAD_UNKNOWN },   /* not deflate */
		{ "BZh9", 4, BZIMAGE_PAYLOAD_BZIP2 },
		{ "\x5d\x00\x00\x00\x04", 5, BZIMAGE_PAYLOAD_LZMA },
		{ "\xfd" "7zXZ\x00\x00", 7, BZIMAGE_PAYLOAD_XZ },
		{ "\xfd" "7zXY\x00", 6, BZIMAGE_PAYLOAD_UNKNOWN },
		{ "\x89LZO\x00\x0d\x0a\x1a\x0a", 9, BZIMAGE_PAYLOAD_LZO },
		{ "\x02\x21\x4c\x18", 4, BZIMAGE_PAYLOAD_LZ4 },
		{ "\x04\x22\x4d\x18", 4, BZIMAGE_PAYLOAD_UNKNOWN },   /* lz4's frame format */
		{ "\x28\xb5\x2f\xfd", 4, BZIMAGE_PAYLOAD_ZSTD },
		{ "\x7f" "ELF", 4, BZIMAGE_PAYLOAD_UNKNOWN },          /* uncompressed */
		{ "\x28\xb5\x2f", 3, BZIMAGE_PAYLOAD_UNKNOWN },        /* too short */
		{ "", 0, BZIMAGE_PAYLOAD_UNKNOWN },
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		ck_assert_msg(bzimage_payload_detect((const uint8_t *)m[i].bytes, m[i].len) == m[i].f,
			      "magic %zu", i);
	ck_assert(!bzimage_payload_supported(BZIMAGE_PAYLOAD_LZO));
	ck_assert(!bzimage_payload_supported(BZIMAGE_PAYLOAD_UNKNOWN));
	for (int i = 0; i < TEST_PAYLOAD_NFORMATS; i++)
		ck_assert(bzimage_payload_supported(test_payload_formats[i]));
	ck_assert_str_eq(bzimage_payload_format_name(BZIMAGE_PAYLOAD_LZ4), "lz4");
	ck_assert_str_eq(bzimage_payload_format_name(BZIMAGE_PAYLOAD_LZO), "lzo");
}
END_TEST

/* An uncompressed ELF, an LZO stream, or anything else: nothing minivmm
 * decompresses, and no error: the guest's own decompressor is used. */
START_TEST(test_unsupported_is_not_an_error)
{
	struct test_elf_img elf;
	struct test_bzimage img;
	struct bzimage_payload out;
	struct error err = { 0 };
	vmlinux_bytes(&elf);
	test_payload_bzimage_make(&img, elf.data, elf.size, (uint32_t)elf.size);
	ck_assert_int_eq(decompress(&img, BZIMAGE_PAYLOAD_MAX_SIZE, &out, &err), 0);
	ck_assert_int_eq(out.format, BZIMAGE_PAYLOAD_UNKNOWN);
	ck_assert_ptr_null(out.data);
	test_bzimage_free(&img);

	static const uint8_t lzo[] = { 0x89, 'L', 'Z', 'O', 0, 0x0d, 0x0a, 0x1a, 0x0a, 0x10, 0x30 };
	test_payload_bzimage_make(&img, lzo, sizeof(lzo), 0x1000);
	ck_assert_int_eq(decompress(&img, BZIMAGE_PAYLOAD_MAX_SIZE, &out, &err), 0);
	ck_assert_int_eq(out.format, BZIMAGE_PAYLOAD_LZO);
	ck_assert_ptr_null(out.data);
	test_bzimage_free(&img);
	test_elf_free(&elf);
}
END_TEST

/* boot.rst: payload_offset/payload_length exist from 2.08; an older
 * header, or a zero length, declares no payload. */
START_TEST(test_no_payload_declared)
{
	struct test_bzimage img;
	struct bzimage_payload out;
	struct bzimage_payload_span span;
	struct error err = { 0 };
	static const uint8_t gz[] = { 0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0 };
	test_payload_bzimage_make(&img, gz, sizeof(gz), 100);
	struct setup_header hdr = *test_bzimage_header(&img);
	hdr.version = 0x0207;
	ck_assert_int_eq(bzimage_payload_find(&hdr, img.data, img.size, "k", &span, &err), 0);
	ck_assert_int_eq(bzimage_payload_decompress(&hdr, img.data, img.size, "k",
						    BZIMAGE_PAYLOAD_MAX_SIZE, NULL, 0, &out,
						    &err), 0);
	hdr.version = 0x0208;
	ck_assert_int_eq(bzimage_payload_find(&hdr, img.data, img.size, "k", &span, &err), 1);
	ck_assert_int_eq(span.format, BZIMAGE_PAYLOAD_GZIP);
	ck_assert_uint_eq(span.offset, img.setup_size + TEST_PAYLOAD_HEAD);
	ck_assert_uint_eq(span.length, sizeof(gz));   /* gzip: no size appended */
	hdr.payload_length = 0;
	ck_assert_int_eq(bzimage_payload_find(&hdr, img.data, img.size, "k", &span, &err), 0);
	/* The test bzImage itself has no payload fields set. */
	test_bzimage_free(&img);
	test_bzimage_make(&img, 1, 0x1000);
	ck_assert_int_eq(decompress(&img, BZIMAGE_PAYLOAD_MAX_SIZE, &out, &err), 0);
	test_bzimage_free(&img);
}
END_TEST

/* The payload must lie inside the file: every sum from hostile u32s, with
 * setup_sects 0 meaning 4 (boot.rst). */
START_TEST(test_payload_outside_the_file)
{
	struct test_bzimage img;
	struct bzimage_payload out;
	struct error err = { 0 };
	static const uint8_t gz[] = { 0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0 };
	test_payload_bzimage_make(&img, gz, sizeof(gz), 100);
	struct setup_header *h = test_bzimage_header(&img);
	h->payload_offset = 0xffffffff;
	ck_assert_int_eq(decompress(&img, BZIMAGE_PAYLOAD_MAX_SIZE, &out, &err), -1);
	test_assert_error(err.msg, "vmlinuz: corrupt header: the payload at", "payload_offset "
			  "0xffffffff", "runs past the end of the file", HINT);
	h->payload_offset = TEST_PAYLOAD_HEAD;
	h->payload_length = 0xffffffff;
	ck_assert_int_eq(decompress(&img, BZIMAGE_PAYLOAD_MAX_SIZE, &out, &err), -1);
	test_assert_error(err.msg, "vmlinuz: corrupt header", "payload_length 0xffffffff");
	/* Exactly up to the end of the file is inside it. */
	h->payload_length = (uint32_t)(img.size - img.setup_size - TEST_PAYLOAD_HEAD);
	struct bzimage_payload_span span;
	ck_assert_int_eq(bzimage_payload_find(h, img.data, img.size, "k", &span, &err), 1);
	h->payload_length++;
	ck_assert_int_eq(bzimage_payload_find(h, img.data, img.size, "k", &span, &err), -1);
	/* setup_sects 0 is 4 sectors: the payload moves 3 sectors further. */
	test_bzimage_free(&img);
	test_bzimage_make(&img, 1, 0x2000);
	h = test_bzimage_header(&img);
	h->payload_offset = TEST_PAYLOAD_HEAD;
	h->payload_length = (uint32_t)(img.size - img.setup_size - TEST_PAYLOAD_HEAD - 3 * 512);
	h->setup_sects = 0;
	ck_assert_int_eq(bzimage_payload_find(h, img.data, img.size, "k", &span, &err), 1);
	ck_assert_uint_eq(span.offset, 5 * 512 + TEST_PAYLOAD_HEAD);
	h->payload_length++;
	ck_assert_int_eq(bzimage_payload_find(h, img.data, img.size, "k", &span, &err), -1);
	test_bzimage_free(&img);
}
END_TEST

/* One compressed ELF per format, for the corruption tests below. */
struct corrupt_case {
	enum bzimage_payload_format format;
	struct test_elf_img elf;
	struct test_stream s;
	struct test_bzimage img;
	struct bzimage_payload out;
	struct error err;
};

static void corrupt_case_init(struct corrupt_case *c, int i)
{
	memset(c, 0, sizeof(*c));
	c->format = test_payload_formats[i];
	vmlinux_bytes(&c->elf);
	test_stream_compress(&c->s, c->format, c->elf.data, c->elf.size);
}

static void corrupt_case_free(struct corrupt_case *c)
{
	bzimage_payload_free(&c->out);
	test_bzimage_free(&c->img);
	test_stream_free(&c->s);
	test_elf_free(&c->elf);
}

/* The stream's first `len` bytes (or more, when len is past its end: the
 * rest zeros) with trailer `declared`: -1 with a message naming the file
 * and the format, and what is wrong. */
static void expect_corrupt(struct corrupt_case *c, size_t len, uint32_t declared,
			   const char *what)
{
	uint8_t *bytes = calloc(1, len);
	ck_assert_ptr_nonnull(bytes);
	memcpy(bytes, c->s.data, len < c->s.size ? len : c->s.size);
	test_bzimage_free(&c->img);
	test_payload_bzimage_make(&c->img, bytes, len, declared);
	free(bytes);
	char prefix[128];
	snprintf(prefix, sizeof(prefix), "vmlinuz: the bzImage's %s payload is corrupt: ",
		 bzimage_payload_format_name(c->format));
	ck_assert_msg(decompress(&c->img, BZIMAGE_PAYLOAD_MAX_SIZE, &c->out, &c->err) == -1,
		      "%s: %s was accepted", bzimage_payload_format_name(c->format), what);
	test_assert_error(c->err.msg, prefix, HINT);
	ck_assert_ptr_null(c->out.data);
}

START_TEST(test_truncated)
{
	struct corrupt_case c;
	corrupt_case_init(&c, _i);
	expect_corrupt(&c, c.s.size / 2, (uint32_t)c.elf.size, "half a stream");
	expect_corrupt(&c, c.s.size - 1, (uint32_t)c.elf.size, "a stream less its last byte");
	corrupt_case_free(&c);
}
END_TEST

/* The trailing size must be what the stream decompresses to, exactly:
 * smaller would overflow the buffer it sizes, larger leaves bytes the
 * stream never wrote. */
START_TEST(test_wrong_trailing_size)
{
	struct corrupt_case c;
	corrupt_case_init(&c, _i);
	expect_corrupt(&c, c.s.size, (uint32_t)c.elf.size - 1, "a trailing size 1 too small");
	ck_assert_msg(strstr(c.err.msg, "more than the") || strstr(c.err.msg, "longer than") ||
		      strstr(c.err.msg, "incorrect length check"), "%s", c.err.msg);
	expect_corrupt(&c, c.s.size, 1, "a trailing size of 1");
	expect_corrupt(&c, c.s.size, (uint32_t)c.elf.size + 1, "a trailing size 1 too large");
	/* gzip's trailer is its own ISIZE, which zlib checks first. */
	ck_assert_msg(strstr(c.err.msg, "not the") || strstr(c.err.msg, "more than") ||
		      strstr(c.err.msg, "incorrect length check"), "%s", c.err.msg);
	corrupt_case_free(&c);
}
END_TEST

/* Bytes between the end of the stream and the trailer: the kernel's build
 * puts none there, so they mean the length or the stream is wrong. */
START_TEST(test_bytes_after_the_stream)
{
	struct corrupt_case c;
	corrupt_case_init(&c, _i);
	expect_corrupt(&c, c.s.size + 8, (uint32_t)c.elf.size, "8 zero bytes after the stream");
	corrupt_case_free(&c);
}
END_TEST

/* The right magic, then garbage: every library's checks (CRCs, block
 * sizes, headers) must refuse it, and none may write past the buffer
 * (ASan). */
START_TEST(test_garbage_after_the_magic)
{
	struct corrupt_case c;
	corrupt_case_init(&c, _i);
	for (size_t i = 13; i < c.s.size; i++)
		c.s.data[i] = test_payload_byte(i * 31);
	expect_corrupt(&c, c.s.size, (uint32_t)c.elf.size, "garbage");
	/* One flipped bit in the middle of the stream, caught by the
	 * stream's own check or structure. */
	corrupt_case_free(&c);
	corrupt_case_init(&c, _i);
	c.s.data[c.s.size / 2] ^= 0x10;
	uint8_t *saved = malloc(c.s.size);
	ck_assert_ptr_nonnull(saved);
	memcpy(saved, c.s.data, c.s.size);
	test_payload_bzimage_make(&c.img, saved, c.s.size, (uint32_t)c.elf.size);
	free(saved);
	int rc = decompress(&c.img, BZIMAGE_PAYLOAD_MAX_SIZE, &c.out, &c.err);
	/* lz4's legacy frame and lzma's alone format have no checksum: a
	 * flipped literal may decompress "fine" to other bytes, which the
	 * ELF check after it must then catch. */
	if ((c.format == BZIMAGE_PAYLOAD_LZ4 || c.format == BZIMAGE_PAYLOAD_LZMA) && rc == 1)
		ck_assert(memcmp(c.out.data, c.elf.data, c.elf.size) != 0);
	else
		ck_assert_msg(rc == -1, "%s: a flipped bit was accepted",
			      bzimage_payload_format_name(c.format));
	corrupt_case_free(&c);
}
END_TEST

/* lz4 block sizes: zero, above LZ4_compressBound(8 MiB), past the end. */
START_TEST(test_lz4_bad_blocks)
{
	static const uint8_t zero[] = { 0x02, 0x21, 0x4c, 0x18, 0, 0, 0, 0 };
	static const uint8_t huge[] = { 0x02, 0x21, 0x4c, 0x18, 0xff, 0xff, 0xff, 0x7f, 0 };
	static const uint8_t past[] = { 0x02, 0x21, 0x4c, 0x18, 0x10, 0, 0, 0, 0x10, 0x41 };
	static const uint8_t cut[] = { 0x02, 0x21, 0x4c, 0x18, 0x10, 0 };
	static const uint8_t empty[] = { 0x02, 0x21, 0x4c, 0x18 };
	struct test_bzimage img;
	struct bzimage_payload out;
	struct error err = { 0 };
	test_payload_bzimage_make(&img, zero, sizeof(zero), 100);
	ck_assert_int_eq(decompress(&img, BZIMAGE_PAYLOAD_MAX_SIZE, &out, &err), -1);
	test_assert_error(err.msg, "vmlinuz: the bzImage's lz4 payload is corrupt: block 0 at "
			  "offset 0x4: compressed size 0x0 is outside");
	test_bzimage_free(&img);
	test_payload_bzimage_make(&img, huge, sizeof(huge), 100);
	ck_assert_int_eq(decompress(&img, BZIMAGE_PAYLOAD_MAX_SIZE, &out, &err), -1);
	test_assert_error(err.msg, "vmlinuz: the bzImage's lz4 payload is corrupt", "0x7fffffff");
	test_bzimage_free(&img);
	test_payload_bzimage_make(&img, past, sizeof(past), 100);
	ck_assert_int_eq(decompress(&img, BZIMAGE_PAYLOAD_MAX_SIZE, &out, &err), -1);
	test_assert_error(err.msg, "vmlinuz: the bzImage's lz4 payload is corrupt",
			  "run past the end of the payload");
	test_bzimage_free(&img);
	test_payload_bzimage_make(&img, cut, sizeof(cut), 100);
	ck_assert_int_eq(decompress(&img, BZIMAGE_PAYLOAD_MAX_SIZE, &out, &err), -1);
	test_assert_error(err.msg, "vmlinuz: the bzImage's lz4 payload is corrupt",
			  "block 0's size at offset 0x4 is cut short");
	test_bzimage_free(&img);
	test_payload_bzimage_make(&img, empty, sizeof(empty), 100);
	ck_assert_int_eq(decompress(&img, BZIMAGE_PAYLOAD_MAX_SIZE, &out, &err), -1);
	test_assert_error(err.msg, "vmlinuz: the bzImage's lz4 payload is corrupt",
			  "decompresses to 0x0 bytes, not the 0x64");
	test_bzimage_free(&img);
}
END_TEST

/* The trailing size is checked before anything is allocated: above
 * max_size, above 1 GiB whatever max_size says, or 0. */
START_TEST(test_declared_size_bounds)
{
	struct corrupt_case c;
	corrupt_case_init(&c, 0);
	test_payload_bzimage_make(&c.img, c.s.data, c.s.size, (uint32_t)c.elf.size);
	ck_assert_int_eq(decompress(&c.img, c.elf.size - 1, &c.out, &c.err), -1);
	test_assert_error(c.err.msg, "vmlinuz: the bzImage's gzip payload says it decompresses "
			  "to", "more than minivmm unpacks here", HINT);
	ck_assert_int_eq(decompress(&c.img, c.elf.size, &c.out, &c.err), 1);
	bzimage_payload_free(&c.out);
	test_bzimage_free(&c.img);

	test_payload_bzimage_make(&c.img, c.s.data, c.s.size, 0x40000001);
	ck_assert_int_eq(decompress(&c.img, UINT64_MAX, &c.out, &c.err), -1);
	test_assert_error(c.err.msg, "vmlinuz: the bzImage's gzip payload says it decompresses "
			  "to 0x40000001 bytes", "(0x40000000: 1 GiB at most");
	test_bzimage_free(&c.img);

	test_payload_bzimage_make(&c.img, c.s.data, c.s.size, 0);
	ck_assert_int_eq(decompress(&c.img, UINT64_MAX, &c.out, &c.err), -1);
	test_assert_error(c.err.msg, "vmlinuz: the bzImage's gzip payload is corrupt: its "
			  "trailing size is 0", HINT);
	test_bzimage_free(&c.img);

	/* Shorter than a magic and a trailer. */
	test_payload_bzimage_make(&c.img, c.s.data, 1, 100);
	test_bzimage_header(&c.img)->payload_length = 5;
	ck_assert_int_eq(decompress(&c.img, UINT64_MAX, &c.out, &c.err), 0);   /* no magic */
	memcpy(test_payload_bytes(&c.img), "\x28\xb5\x2f\xfd\x00", 5);
	ck_assert_int_eq(decompress(&c.img, UINT64_MAX, &c.out, &c.err), -1);
	test_assert_error(c.err.msg, "vmlinuz: the bzImage's zstd payload is corrupt: "
			  "payload_length 0x5 is too short");
	corrupt_case_free(&c);
}
END_TEST

Suite *bzimage_payload_suite(void)
{
	Suite *s = suite_create("bzimage_payload");
	TCase *tc = tcase_create("decompress");
	tcase_add_loop_test(tc, test_each_format_decompresses_to_the_same_bytes, 0,
			    TEST_PAYLOAD_NFORMATS);
	tcase_add_test(tc, test_lz4_blocks_and_repeated_magic);
	tcase_add_test(tc, test_detect_by_magic);
	tcase_add_test(tc, test_unsupported_is_not_an_error);
	tcase_add_test(tc, test_no_payload_declared);
	tcase_add_test(tc, test_payload_outside_the_file);
	tcase_add_loop_test(tc, test_truncated, 0, TEST_PAYLOAD_NFORMATS);
	tcase_add_loop_test(tc, test_wrong_trailing_size, 0, TEST_PAYLOAD_NFORMATS);
	tcase_add_loop_test(tc, test_bytes_after_the_stream, 0, TEST_PAYLOAD_NFORMATS);
	tcase_add_loop_test(tc, test_garbage_after_the_magic, 0, TEST_PAYLOAD_NFORMATS);
	tcase_add_test(tc, test_lz4_bad_blocks);
	tcase_add_test(tc, test_declared_size_bounds);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, bzimage_vmlinux_tcase());
	return s;
}
