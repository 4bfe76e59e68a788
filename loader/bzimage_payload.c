/* A bzImage's compressed payload: the vmlinux the kernel's own decompressor
 * would unpack in the guest (boot.rst "Details of header fields":
 * payload_offset, payload_length, protocol 2.08+), found, identified by its
 * magic and decompressed on the host with Debian's libraries.
 *
 * What the kernel's build puts there (arch/x86/boot/compressed/Makefile,
 * scripts/Makefile.lib): the stripped vmlinux compressed as one stream, then
 * size_append, the uncompressed size as a little-endian u32; mkpiggy
 * publishes the whole file, trailer included, as z_input_len, which
 * header.S stores in payload_length.  gzip alone gets no size_append
 * (cmd_gzip): its stream already ends with that u32, ISIZE (RFC 1952
 * 2.3.1), so there the trailer is the stream's own last 4 bytes.  Every size here comes from the file
 * and is hostile: the output must be no larger than the caller allows, fill
 * exactly the trailing size, and the compressed stream must end exactly
 * where the trailer begins. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <bzlib.h>
#include <lz4.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "common/byteorder.h"
#include "common/prefault.h"
#include "loader/loader.h"

/* boot.rst "payload_offset": "Protocol: 2.08+". */
#define BZIMAGE_PAYLOAD_MIN_VERSION 0x0208
/* scripts/Makefile.lib size_append: a le32 after the compressed data. */
#define BZIMAGE_PAYLOAD_TRAILER     4
/* lz4's legacy frame (lz4 -l, what the kernel's cmd_lz4 writes; lz4's
 * doc/lz4_Frame_format.md "Legacy frame"): the magic, then blocks, each a
 * le32 compressed size and the block, each decompressing to at most 8 MiB. */
#define BZIMAGE_PAYLOAD_LZ4_MAGIC   0x184c2102U
#define BZIMAGE_PAYLOAD_LZ4_BLOCK   (8U << 20)
/* liblzma's memory limit: the kernel's xz (dict=32MiB) and lzma -9
 * (64 MiB dictionary) fit well below it; a hostile header asking for a
 * 1.5 GiB dictionary does not. */
#define BZIMAGE_PAYLOAD_LZMA_MEMLIMIT (256ULL << 20)
#define BZIMAGE_PAYLOAD_HINT "(--boot linux64 lets the guest decompress it)"

/* Why a stream did not decompress, for the one message. */
struct bzimage_payload_why {
	char text[256];
};

static int bzimage_payload_fail(struct bzimage_payload_why *why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int bzimage_payload_fail(struct bzimage_payload_why *why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why->text, sizeof(why->text), fmt, ap);
	va_end(ap);
	return -1;
}

const char *bzimage_payload_format_name(enum bzimage_payload_format format)
{
#define BZIMAGE_PAYLOAD_NAME(id, name) case BZIMAGE_PAYLOAD_##id: return name;
	switch (format) {
	case BZIMAGE_PAYLOAD_UNKNOWN: return "unknown";
	BZIMAGE_PAYLOAD_FORMATS(BZIMAGE_PAYLOAD_NAME)
	}
#undef BZIMAGE_PAYLOAD_NAME
	return "?";
}

/* The magics of lib/decompress.c's compressed_formats table, the kernel's
 * own list, spelled out to the length each format defines: gzip (RFC 1952
 * ID1 ID2 CM=8), bzip2 "BZh", legacy lzma (properties byte 0x5d, the
 * kernel's lc=3 lp=0 pb=2, then the dictionary size's low byte), xz (the
 * stream header magic), lzop, lz4 legacy, zstd (RFC 8878 frame magic). */
enum bzimage_payload_format bzimage_payload_detect(const uint8_t *data, size_t len)
{
	static const struct {
		enum bzimage_payload_format format;
		uint8_t len;
		uint8_t magic[9];
	} magics[] = {
		{ BZIMAGE_PAYLOAD_GZIP, 3, { 0x1f, 0x8b, 0x08 } },
		{ BZIMAGE_PAYLOAD_BZIP2, 3, { 'B', 'Z', 'h' } },
		{ BZIMAGE_PAYLOAD_LZMA, 2, { 0x5d, 0x00 } },
		{ BZIMAGE_PAYLOAD_XZ, 6, { 0xfd, '7', 'z', 'X', 'Z', 0x00 } },
		{ BZIMAGE_PAYLOAD_LZO, 9, { 0x89, 'L', 'Z', 'O', 0x00, 0x0d, 0x0a, 0x1a, 0x0a } },
		{ BZIMAGE_PAYLOAD_LZ4, 4, { 0x02, 0x21, 0x4c, 0x18 } },
		{ BZIMAGE_PAYLOAD_ZSTD, 4, { 0x28, 0xb5, 0x2f, 0xfd } },
	};
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (len >= magics[i].len && memcmp(data, magics[i].magic, magics[i].len) == 0)
			return magics[i].format;
	return BZIMAGE_PAYLOAD_UNKNOWN;
}

int bzimage_payload_find(const struct setup_header *hdr, const uint8_t *data, size_t size,
			 const char *name, struct bzimage_payload_span *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	if (hdr->version < BZIMAGE_PAYLOAD_MIN_VERSION || hdr->payload_length == 0)
		return 0;
	/* boot.rst "payload_offset": "the offset from the beginning of the
	 * protected-mode code to the payload"; the protected-mode code starts
	 * at (setup_sects + 1) * 512 ("LOADING THE REST OF THE KERNEL"). */
	uint64_t start = X86_BOOT_SETUP_SIZE((uint64_t)hdr->setup_sects) + hdr->payload_offset;
	uint64_t end = start + hdr->payload_length;   /* both under 2^34: no overflow */
	if (end > size)
		return error_set(err, "%s: corrupt header: the payload at [0x%" PRIx64 ", 0x%" PRIx64
				 ") (payload_offset 0x%x, payload_length 0x%x) runs past the end "
				 "of the file (0x%zx bytes) " BZIMAGE_PAYLOAD_HINT, name, start, end,
				 hdr->payload_offset, hdr->payload_length, size);
	out->format = bzimage_payload_detect(data + start, hdr->payload_length);
	out->offset = start;
	out->length = hdr->payload_length;
	return 1;
}

/* ---- One decompressor per format ---------------------------------------- *
 * Each gets the compressed stream without its trailer and an output buffer
 * of exactly the trailing size, and succeeds only when the stream ends
 * exactly at the end of its input having filled the buffer exactly. */

static int bzimage_payload_short(struct bzimage_payload_why *why, uint64_t got, size_t want)
{
	return bzimage_payload_fail(why, "it decompresses to 0x%" PRIx64 " bytes, not the 0x%zx "
				    "its trailing size says", got, want);
}

static int bzimage_payload_long(struct bzimage_payload_why *why, size_t want)
{
	return bzimage_payload_fail(why, "it decompresses to more than the 0x%zx bytes its "
				    "trailing size says", want);
}

/* The stream wanted more input than the payload holds. */
static int bzimage_payload_cut(struct bzimage_payload_why *why, uint64_t in, uint64_t out)
{
	return bzimage_payload_fail(why, "the compressed stream is cut short: it ends after 0x%"
				    PRIx64 " bytes, 0x%" PRIx64 " bytes decompressed", in, out);
}

static int bzimage_payload_leftover(struct bzimage_payload_why *why, size_t left)
{
	return bzimage_payload_fail(why, "0x%zx bytes follow the end of the compressed stream "
				    "before the trailing size", left);
}

/* How a streaming decoder (zlib, liblzma, libbz2) stopped: ended (it saw
 * the stream's end) or stuck (it can make no more progress), with
 * in_left bytes of input and out_left bytes of output room unused.  0: a
 * clean end; -1 with why set; 1: neither ended nor stuck, the decoder's
 * own error, which the caller names. */
static int bzimage_payload_stopped(bool ended, bool stuck, size_t in_left, size_t out_left,
				   uint64_t total_in, uint64_t total_out, size_t out_len,
				   struct bzimage_payload_why *why)
{
	if (ended && in_left)
		return bzimage_payload_leftover(why, in_left);
	if (ended && out_left)
		return bzimage_payload_short(why, total_out, out_len);
	if (ended)
		return 0;
	if (stuck && !in_left)
		return bzimage_payload_cut(why, total_in, total_out);
	if (stuck)
		return bzimage_payload_long(why, out_len);
	return 1;
}

/* gzip (RFC 1952) through zlib: windowBits 16 + 15 reads the gzip wrapper
 * and checks its CRC-32 and ISIZE. */
static int bzimage_payload_gunzip(const uint8_t *in, size_t in_len, uint8_t *out,
				  size_t out_len, struct bzimage_payload_why *why)
{
	z_stream s;
	memset(&s, 0, sizeof(s));
	if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
		return bzimage_payload_fail(why, "zlib cannot start (out of memory?)");
	/* Both lengths are below 4 GiB (payload_length is a u32, the output
	 * at most BZIMAGE_PAYLOAD_MAX_SIZE): they fit zlib's uInt. */
	s.next_in = (Bytef *)in;
	s.avail_in = (uInt)in_len;
	s.next_out = out;
	s.avail_out = (uInt)out_len;
	int ret;
	do
		ret = inflate(&s, Z_FINISH);
	while (ret == Z_OK);
	int rc = bzimage_payload_stopped(ret == Z_STREAM_END, ret == Z_BUF_ERROR, s.avail_in,
					 s.avail_out, s.total_in, s.total_out, out_len, why);
	if (rc > 0)
		rc = bzimage_payload_fail(why, "zlib: %s at input offset 0x%lx",
					  s.msg ? s.msg : zError(ret), s.total_in);
	inflateEnd(&s);
	return rc;
}

static const char *bzimage_payload_lzma_error(lzma_ret ret)
{
	switch (ret) {
	case LZMA_MEM_ERROR: return "out of memory";
	case LZMA_MEMLIMIT_ERROR: return "it needs more than 256 MiB of memory to decompress";
	case LZMA_FORMAT_ERROR: return "not in the format its magic says";
	case LZMA_OPTIONS_ERROR: return "unsupported compression options";
	case LZMA_DATA_ERROR: return "corrupt compressed data";
	default: return "decoder error";
	}
}

/* xz (the .xz file format: stream header, blocks, index, footer; its check,
 * CRC32 for the kernel's --check=crc32, is verified) or legacy lzma (the
 * .lzma "alone" format: 13-byte header, raw LZMA1), through liblzma. */
static int bzimage_payload_unxz(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
				bool legacy, struct bzimage_payload_why *why)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret ret = legacy ? lzma_alone_decoder(&s, BZIMAGE_PAYLOAD_LZMA_MEMLIMIT)
			      : lzma_stream_decoder(&s, BZIMAGE_PAYLOAD_LZMA_MEMLIMIT, 0);
	if (ret != LZMA_OK)
		return bzimage_payload_fail(why, "liblzma cannot start: %s",
					    bzimage_payload_lzma_error(ret));
	s.next_in = in;
	s.avail_in = in_len;
	s.next_out = out;
	s.avail_out = out_len;
	/* liblzma keeps going while it makes progress (the index and footer
	 * need no room in the output) and says LZMA_BUF_ERROR when it cannot. */
	do
		ret = lzma_code(&s, LZMA_FINISH);
	while (ret == LZMA_OK);
	int rc = bzimage_payload_stopped(ret == LZMA_STREAM_END, ret == LZMA_BUF_ERROR,
					 s.avail_in, s.avail_out, s.total_in, s.total_out,
					 out_len, why);
	if (rc > 0)
		rc = bzimage_payload_fail(why, "liblzma: %s at input offset 0x%" PRIx64,
					  bzimage_payload_lzma_error(ret), (uint64_t)s.total_in);
	lzma_end(&s);
	return rc;
}

/* zstd (RFC 8878) in one shot: libzstd decompresses every frame of the
 * input (skippable frames skipped, checksums verified) straight into `out`
 * and fails on anything after the last frame or on output past its end. */
static int bzimage_payload_unzstd(const uint8_t *in, size_t in_len, uint8_t *out,
				  size_t out_len, struct bzimage_payload_why *why)
{
	size_t n = ZSTD_decompress(out, out_len, in, in_len);
	if (ZSTD_isError(n)) {
		if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall)
			return bzimage_payload_long(why, out_len);
		return bzimage_payload_fail(why, "libzstd: %s", ZSTD_getErrorName(n));
	}
	if (n != out_len)
		return bzimage_payload_short(why, n, out_len);
	return 0;
}

/* lz4's legacy frame, as the kernel's lib/decompress_unlz4.c reads it: a
 * repeated magic (concatenated frames) is skipped; every block must fit
 * LZ4_compressBound of a full 8 MiB block and lie inside the input. */
static int bzimage_payload_unlz4(const uint8_t *in, size_t in_len, uint8_t *out,
				 size_t out_len, struct bzimage_payload_why *why)
{
	const size_t bound = (size_t)LZ4_compressBound(BZIMAGE_PAYLOAD_LZ4_BLOCK);
	size_t pos = 4, done = 0;   /* past the magic, which detect checked */
	for (unsigned block = 0; pos < in_len; block++) {
		if (in_len - pos < 4)
			return bzimage_payload_fail(why, "block %u's size at offset 0x%zx is cut "
						    "short", block, pos);
		uint32_t csize = (uint32_t)le_get(in + pos, 4);
		if (csize == BZIMAGE_PAYLOAD_LZ4_MAGIC) {
			pos += 4;
			continue;
		}
		if (csize == 0 || csize > bound)
			return bzimage_payload_fail(why, "block %u at offset 0x%zx: compressed size "
						    "0x%x is outside (0, 0x%zx]", block, pos,
						    csize, bound);
		pos += 4;
		if (csize > in_len - pos)
			return bzimage_payload_fail(why, "block %u at offset 0x%zx: 0x%x bytes run "
						    "past the end of the payload (0x%zx bytes)",
						    block, pos - 4, csize, in_len);
		if (done == out_len)
			return bzimage_payload_long(why, out_len);
		size_t room = out_len - done;
		if (room > BZIMAGE_PAYLOAD_LZ4_BLOCK)
			room = BZIMAGE_PAYLOAD_LZ4_BLOCK;
		int n = LZ4_decompress_safe((const char *)in + pos, (char *)out + done, (int)csize,
					    (int)room);
		if (n < 0)
			return bzimage_payload_fail(why, "block %u at offset 0x%zx does not decompress "
						    "into the 0x%zx bytes left for it (corrupt, or "
						    "longer than its trailing size says)", block,
						    pos - 4, room);
		done += (size_t)n;
		pos += csize;
	}
	if (done != out_len)
		return bzimage_payload_short(why, done, out_len);
	return 0;
}

/* bzip2 through libbz2's stream API, which checks every block's CRC and
 * the stream's combined CRC; the buffer-to-buffer call would not say
 * whether input was left over. */
static int bzimage_payload_bunzip2(const uint8_t *in, size_t in_len, uint8_t *out,
				   size_t out_len, struct bzimage_payload_why *why)
{
	bz_stream s;
	memset(&s, 0, sizeof(s));
	if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK)
		return bzimage_payload_fail(why, "libbz2 cannot start (out of memory?)");
	s.next_in = (char *)in;
	s.avail_in = (unsigned)in_len;
	s.next_out = (char *)out;
	s.avail_out = (unsigned)out_len;
	int ret;
	unsigned before_in, before_out;
	do {
		before_in = s.avail_in;
		before_out = s.avail_out;
		ret = BZ2_bzDecompress(&s);
	} while (ret == BZ_OK && (s.avail_in != before_in || s.avail_out != before_out));
	uint64_t total_out = (uint64_t)s.total_out_hi32 << 32 | s.total_out_lo32;
	/* BZ_OK without progress: stuck. */
	int rc = bzimage_payload_stopped(ret == BZ_STREAM_END, ret == BZ_OK, s.avail_in,
					 s.avail_out, in_len - s.avail_in, total_out, out_len, why);
	if (rc > 0 && ret == BZ_MEM_ERROR)
		rc = bzimage_payload_fail(why, "libbz2: out of memory");
	else if (rc > 0)
		rc = bzimage_payload_fail(why, "libbz2: corrupt compressed data (error %d) at input "
					  "offset 0x%zx", ret, in_len - s.avail_in);
	BZ2_bzDecompressEnd(&s);
	return rc;
}

static int bzimage_payload_run(enum bzimage_payload_format format, const uint8_t *in,
			       size_t in_len, uint8_t *out, size_t out_len,
			       struct bzimage_payload_why *why)
{
	switch (format) {
	case BZIMAGE_PAYLOAD_GZIP: return bzimage_payload_gunzip(in, in_len, out, out_len, why);
	case BZIMAGE_PAYLOAD_BZIP2: return bzimage_payload_bunzip2(in, in_len, out, out_len, why);
	case BZIMAGE_PAYLOAD_LZMA: return bzimage_payload_unxz(in, in_len, out, out_len, true, why);
	case BZIMAGE_PAYLOAD_XZ: return bzimage_payload_unxz(in, in_len, out, out_len, false, why);
	case BZIMAGE_PAYLOAD_LZ4: return bzimage_payload_unlz4(in, in_len, out, out_len, why);
	case BZIMAGE_PAYLOAD_ZSTD: return bzimage_payload_unzstd(in, in_len, out, out_len, why);
	case BZIMAGE_PAYLOAD_LZO:
	case BZIMAGE_PAYLOAD_UNKNOWN:
		break;
	}
	return bzimage_payload_fail(why, "no decompressor");
}

bool bzimage_payload_supported(enum bzimage_payload_format format)
{
	return format != BZIMAGE_PAYLOAD_UNKNOWN && format != BZIMAGE_PAYLOAD_LZO;
}

int bzimage_payload_decompress(const struct setup_header *hdr, const uint8_t *data, size_t size,
			       const char *name, uint64_t max_size, uint8_t *room,
			       size_t room_size, struct bzimage_payload *out, struct error *err)
{
	struct bzimage_payload_span span;
	memset(out, 0, sizeof(*out));
	int found = bzimage_payload_find(hdr, data, size, name, &span, err);
	if (found <= 0)
		return found;
	out->format = span.format;
	if (!bzimage_payload_supported(span.format))
		return 0;
	const char *fmt = bzimage_payload_format_name(span.format);
	const uint8_t *in = data + span.offset;
	/* The magic is at least 2 bytes; anything shorter than magic plus
	 * trailer cannot be a stream. */
	if (span.length < BZIMAGE_PAYLOAD_TRAILER + 2)
		return error_set(err, "%s: the bzImage's %s payload is corrupt: payload_length 0x%x "
				 "is too short for a stream and its trailing size "
				 BZIMAGE_PAYLOAD_HINT, name, fmt, span.length);
	size_t in_len = span.format == BZIMAGE_PAYLOAD_GZIP ? span.length
							    : span.length - BZIMAGE_PAYLOAD_TRAILER;
	uint32_t declared = (uint32_t)le_get(in + span.length - BZIMAGE_PAYLOAD_TRAILER, 4);
	if (declared == 0)
		return error_set(err, "%s: the bzImage's %s payload is corrupt: its trailing size "
				 "is 0 " BZIMAGE_PAYLOAD_HINT, name, fmt);
	if (max_size > BZIMAGE_PAYLOAD_MAX_SIZE)
		max_size = BZIMAGE_PAYLOAD_MAX_SIZE;
	if (declared > max_size)
		return error_set(err, "%s: the bzImage's %s payload says it decompresses to 0x%x "
				 "bytes, more than minivmm unpacks here (0x%" PRIx64 ": 1 GiB at "
				 "most, and no more than guest RAM) " BZIMAGE_PAYLOAD_HINT, name,
				 fmt, declared, max_size);
	uint8_t *buf = room;
	if (room && declared <= room_size) {
		out->borrowed = true;
	} else {
		/* Its own mapping, faulted in at once: tens of MiB written
		 * once, where a fault for every 4 KiB costs more than the
		 * decompression (prefault.h). */
		buf = mmap(NULL, declared, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
		if (buf == MAP_FAILED)
			return error_set_host(err, "%s: out of memory for the 0x%x bytes of the "
					      "bzImage's %s payload", name, declared, fmt);
		prefault_buffer(buf, declared);
	}
	struct bzimage_payload_why why = { { 0 } };
	out->data = buf;
	out->size = declared;
	if (bzimage_payload_run(span.format, in, in_len, buf, declared, &why) < 0) {
		bzimage_payload_free(out);
		return error_set(err, "%s: the bzImage's %s payload is corrupt: %s "
				 BZIMAGE_PAYLOAD_HINT, name, fmt, why.text);
	}
	return 1;
}

int bzimage_payload_own(struct bzimage_payload *payload, const char *name, struct error *err)
{
	if (!payload->borrowed)
		return 0;
	uint8_t *buf = mmap(NULL, payload->size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return error_set_host(err, "%s: out of memory for the 0x%zx bytes of the bzImage's "
				      "%s payload", name, payload->size,
				      bzimage_payload_format_name(payload->format));
	memcpy(buf, payload->data, payload->size);
	payload->data = buf;
	payload->borrowed = false;
	return 0;
}

void bzimage_payload_free(struct bzimage_payload *payload)
{
	if (!payload)
		return;
	if (payload->data && !payload->borrowed)
		munmap(payload->data, payload->size);
	memset(payload, 0, sizeof(*payload));
}
