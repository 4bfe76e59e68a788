/* The AML encoder (aml.h).  Opcodes and encodings: ACPI 6.4 §20.2 "AML
 * Grammar Definition"; resource descriptors: §6.4.2 "Small Resource Data
 * Type" and §6.4.3 "Large Resource Data Type". */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "boot/aml.h"

/* §20.2.3 Data Objects Encoding, §20.2.5 Term Objects Encoding. */
#define AML_ZERO_OP          0x00
#define AML_ONE_OP           0x01
#define AML_NAME_OP          0x08
#define AML_BYTE_PREFIX      0x0a
#define AML_WORD_PREFIX      0x0b
#define AML_DWORD_PREFIX     0x0c
#define AML_STRING_PREFIX    0x0d
#define AML_QWORD_PREFIX     0x0e
#define AML_SCOPE_OP         0x10
#define AML_BUFFER_OP        0x11
#define AML_PACKAGE_OP       0x12
#define AML_EXT_OP_PREFIX    0x5b
#define AML_DEVICE_OP        0x82  /* after AML_EXT_OP_PREFIX */
/* §20.2.2 Name Objects Encoding. */
#define AML_NULL_NAME        0x00
#define AML_DUAL_NAME_PREFIX 0x2e
#define AML_MULTI_NAME_PREFIX 0x2f
#define AML_ROOT_CHAR        '\\'
#define AML_PARENT_PREFIX    '^'
#define AML_NAME_SEG_LEN     4

/* §6.4.2: a small descriptor's first byte is (type << 3) | length. */
#define AML_RES_IRQ_NO_FLAGS 0x22  /* type 0x04, 2 bytes: the IRQ mask */
#define AML_RES_IO           0x47  /* type 0x08, 7 bytes */
#define AML_RES_IO_DECODE16  0x01  /* information byte bit 0 */
#define AML_RES_END_TAG      0x79  /* type 0x0f, 1 byte: the checksum */

/* §6.4.3: a large descriptor's first byte is 0x80 | its type, then a
 * 16-bit length of the bytes after those three. */
#define AML_RES_DWORD_ADDRESS 0x87  /* §6.4.3.5.2 */
#define AML_RES_WORD_ADDRESS  0x88  /* §6.4.3.5.3 */
/* §6.4.3.5.1-3 Resource Type (byte 3). */
#define AML_ADDR_TYPE_MEMORY  0
#define AML_ADDR_TYPE_IO      1
#define AML_ADDR_TYPE_BUS     2
/* General Flags (byte 4): bit 0 as iasl writes ResourceUsage, _DEC (bit 1)
 * 0 for positive decoding, _MIF (bit 2) and _MAF (bit 3). */
#define AML_ADDR_CONSUMER     0x01
#define AML_ADDR_MIN_FIXED    0x04
#define AML_ADDR_MAX_FIXED    0x08
/* §6.4.3.5.5 Resource Type Specific Flags (byte 5).  Memory: _RW (bit 0)
 * read-write, _MEM (bits 2:1) 0 non-cacheable, _MTP (4:3) 0
 * AddressRangeMemory, _TTP (5) 0.  I/O: _RNG (bits 1:0) 3, the entire
 * range, _TTP and _TRS 0.  Bus numbers: none. */
#define AML_ADDR_MEM_READ_WRITE  0x01
#define AML_ADDR_IO_ENTIRE_RANGE 0x03
/* _GRA, _MIN, _MAX, _TRA, _LEN follow, each as wide as the descriptor. */
#define AML_ADDR_FIELDS       5

/* §20.2.4: the largest PkgLength of each encoding size (1..4 bytes); the
 * lead byte holds 6 bits alone, or 4 bits followed by 1..3 whole bytes. */
static const size_t aml_pkglength_max[5] = { 0, 0x3f, 0xfff, 0xfffff, 0xfffffff };

static __attribute__((format(printf, 2, 3))) int aml_fail(struct aml_buf *b,
							  const char *fmt, ...)
{
	if (b->failed)
		return -1;
	b->failed = 1;
	if (b->err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(b->err->msg, sizeof(b->err->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

void aml_buf_init(struct aml_buf *b, size_t max, struct error *err)
{
	*b = (struct aml_buf){ .max = max, .open = AML_NO_MARK, .err = err };
}

void aml_buf_free(struct aml_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int aml_buf_status(struct aml_buf *b)
{
	if (b->failed)
		return -1;
	if (b->open != AML_NO_MARK)
		return aml_fail(b, "AML: a Scope, Device, Package or ResourceTemplate was left open");
	return 0;
}

/* Room for n more bytes. */
static int aml_reserve(struct aml_buf *b, size_t n)
{
	if (b->failed)
		return -1;
	if (n > b->max - b->len)
		return aml_fail(b, "AML: more than the %zu bytes allowed", b->max);
	if (b->len + n <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	if (cap > b->max)
		cap = b->max;
	while (cap < b->len + n)
		cap = cap > b->max / 2 ? b->max : cap * 2;
	uint8_t *data = realloc(b->data, cap);
	if (!data)
		return aml_fail(b, "AML: out of memory for %zu bytes", cap);
	b->data = data;
	b->cap = cap;
	return 0;
}

int aml_bytes(struct aml_buf *b, const void *bytes, size_t n)
{
	if (aml_reserve(b, n) < 0)
		return -1;
	if (n == 0)
		return 0;
	memcpy(b->data + b->len, bytes, n);
	b->len += n;
	return 0;
}

static int aml_byte(struct aml_buf *b, uint8_t byte)
{
	return aml_bytes(b, &byte, 1);
}

/* Inserts n bytes at pos, moving what follows. */
static int aml_insert(struct aml_buf *b, size_t pos, const uint8_t *bytes, size_t n)
{
	if (aml_reserve(b, n) < 0)
		return -1;
	memmove(b->data + pos + n, b->data + pos, b->len - pos);
	memcpy(b->data + pos, bytes, n);
	b->len += n;
	return 0;
}

int aml_pkglength_encode(uint8_t out[4], size_t total)
{
	if (total <= aml_pkglength_max[1]) {
		out[0] = (uint8_t)total;
		return 1;
	}
	int n = 2;
	while (n <= 4 && total > aml_pkglength_max[n])
		n++;
	if (n > 4)
		return 0;
	/* Lead byte: bits 7:6 the count of bytes that follow, 3:0 the low
	 * nibble; then the rest, least significant byte first. */
	out[0] = (uint8_t)(((n - 1) << 6) | (total & 0x0f));
	for (int i = 1; i < n; i++)
		out[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	return n;
}

/* Writes the PkgLength for content bytes at pos.  The PkgLength counts its
 * own bytes, so the size is the smallest n whose maximum holds content + n. */
static int aml_insert_pkglength(struct aml_buf *b, size_t pos, size_t content)
{
	for (int n = 1; n <= 4; n++) {
		if (content + n > aml_pkglength_max[n])
			continue;
		uint8_t enc[4];
		int got = aml_pkglength_encode(enc, content + n);
		return aml_insert(b, pos, enc, (size_t)got);
	}
	return aml_fail(b, "AML: a package of %zu bytes is past PkgLength's 28-bit limit",
			content);
}

static int aml_is_lead_char(char c)
{
	return (c >= 'A' && c <= 'Z') || c == '_';
}

static int aml_is_name_char(char c)
{
	return aml_is_lead_char(c) || (c >= '0' && c <= '9');
}

/* Appends the segment starting at s, len characters, padded with '_'. */
static int aml_name_seg(struct aml_buf *b, const char *path, const char *s, size_t len)
{
	if (len == 0 || len > AML_NAME_SEG_LEN || !aml_is_lead_char(s[0]))
		return aml_fail(b, "AML: bad name \"%s\": each segment is 1 to 4 characters, "
				"starting with A-Z or _", path);
	char seg[AML_NAME_SEG_LEN] = { '_', '_', '_', '_' };
	for (size_t i = 0; i < len; i++) {
		if (!aml_is_name_char(s[i]))
			return aml_fail(b, "AML: bad name \"%s\": only A-Z, 0-9 and _ are allowed",
					path);
		seg[i] = s[i];
	}
	return aml_bytes(b, seg, sizeof(seg));
}

int aml_name_string(struct aml_buf *b, const char *path)
{
	const char *p = path;
	if (*p == AML_ROOT_CHAR) {
		p++;
	} else {
		while (*p == AML_PARENT_PREFIX)
			p++;
	}
	if (aml_bytes(b, path, (size_t)(p - path)) < 0)
		return -1;
	if (*p == '\0') {
		if (p == path)
			return aml_fail(b, "AML: empty name");
		return aml_byte(b, AML_NULL_NAME);  /* "\" or "^": the prefix alone */
	}

	size_t segs = 1;
	for (const char *q = p; *q; q++)
		segs += *q == '.';
	if (segs > 255)
		return aml_fail(b, "AML: name \"%.40s...\" has more than 255 segments", path);
	if (segs == 2) {
		aml_byte(b, AML_DUAL_NAME_PREFIX);
	} else if (segs > 2) {
		aml_byte(b, AML_MULTI_NAME_PREFIX);
		aml_byte(b, (uint8_t)segs);
	}
	while (1) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (aml_name_seg(b, path, p, len) < 0)
			return -1;
		if (!dot)
			break;
		p = dot + 1;
	}
	return b->failed ? -1 : 0;
}

/* The shortest encoding of value (§20.2.3); returns its size, 1..9. */
static size_t aml_integer_encode(uint8_t out[9], uint64_t value)
{
	if (value == 0 || value == 1) {
		out[0] = value ? AML_ONE_OP : AML_ZERO_OP;
		return 1;
	}
	size_t size;
	if (value <= UINT8_MAX) {
		out[0] = AML_BYTE_PREFIX;
		size = 1;
	} else if (value <= UINT16_MAX) {
		out[0] = AML_WORD_PREFIX;
		size = 2;
	} else if (value <= UINT32_MAX) {
		out[0] = AML_DWORD_PREFIX;
		size = 4;
	} else {
		out[0] = AML_QWORD_PREFIX;
		size = 8;
	}
	for (size_t i = 0; i < size; i++)
		out[1 + i] = (uint8_t)(value >> (8 * i));
	return 1 + size;
}

int aml_integer(struct aml_buf *b, uint64_t value)
{
	uint8_t enc[9];
	return aml_bytes(b, enc, aml_integer_encode(enc, value));
}

int aml_string(struct aml_buf *b, const char *s)
{
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p > 0x7f)
			return aml_fail(b, "AML: string \"%s\" is not ASCII", s);
	aml_byte(b, AML_STRING_PREFIX);
	return aml_bytes(b, s, strlen(s) + 1);
}

static int aml_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int aml_eisaid(struct aml_buf *b, const char *id)
{
	/* §19.6.35: "UUUNNNN", U an uppercase letter, N a hex digit.  The
	 * letters are compressed to 5 bits each (A = 1) in bits 30:16 of a
	 * big-endian DWord, the digits fill bits 15:0; AML stores the DWord
	 * little-endian, hence the byte swap. */
	if (strlen(id) != 7)
		return aml_fail(b, "AML: EisaId \"%s\" is not 7 characters", id);
	uint32_t v = 0;
	for (int i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z')
			return aml_fail(b, "AML: EisaId \"%s\" does not start with 3 letters A-Z", id);
		v |= (uint32_t)(id[i] - 0x40) << (26 - 5 * i);
	}
	for (int i = 3; i < 7; i++) {
		int d = aml_hex_digit(id[i]);
		if (d < 0)
			return aml_fail(b, "AML: EisaId \"%s\" does not end with 4 hex digits 0-9A-F",
					id);
		v |= (uint32_t)d << (4 * (6 - i));
	}
	/* Always a DWord, as iasl writes it, even when the value would fit a
	 * Word: disassemblers recognise an EisaId by it. */
	v = __builtin_bswap32(v);
	uint8_t enc[5] = { AML_DWORD_PREFIX, (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			   (uint8_t)(v >> 24) };
	return aml_bytes(b, enc, sizeof(enc));
}

int aml_name(struct aml_buf *b, const char *name)
{
	aml_byte(b, AML_NAME_OP);
	return aml_name_string(b, name);
}

/* Opens a mark at the current end (where the PkgLength will go). */
static struct aml_mark aml_open(struct aml_buf *b, enum aml_mark_kind kind)
{
	struct aml_mark m = { .pos = b->len, .outer = b->open, .kind = kind };
	if (b->failed)
		m.pos = AML_NO_MARK;
	else
		b->open = m.pos;
	return m;
}

struct aml_mark aml_scope_begin(struct aml_buf *b, const char *path)
{
	aml_byte(b, AML_SCOPE_OP);
	struct aml_mark m = aml_open(b, AML_MARK_PKGLENGTH);
	aml_name_string(b, path);
	return m;
}

struct aml_mark aml_device_begin(struct aml_buf *b, const char *name)
{
	uint8_t op[2] = { AML_EXT_OP_PREFIX, AML_DEVICE_OP };
	aml_bytes(b, op, sizeof(op));
	struct aml_mark m = aml_open(b, AML_MARK_PKGLENGTH);
	aml_name_string(b, name);
	return m;
}

struct aml_mark aml_package_begin(struct aml_buf *b, uint8_t count)
{
	aml_byte(b, AML_PACKAGE_OP);
	struct aml_mark m = aml_open(b, AML_MARK_PKGLENGTH);
	aml_byte(b, count);  /* NumElements */
	return m;
}

struct aml_mark aml_resource_template_begin(struct aml_buf *b)
{
	aml_byte(b, AML_BUFFER_OP);
	return aml_open(b, AML_MARK_RESOURCE_TEMPLATE);
}

int aml_io_decode16(struct aml_buf *b, uint16_t min, uint16_t max, uint8_t alignment,
		    uint8_t length)
{
	if (min > max)
		return aml_fail(b, "AML: IO range minimum 0x%x above its maximum 0x%x", min, max);
	uint8_t d[8] = { AML_RES_IO, AML_RES_IO_DECODE16, (uint8_t)min, (uint8_t)(min >> 8),
			 (uint8_t)max, (uint8_t)(max >> 8), alignment, length };
	return aml_bytes(b, d, sizeof(d));
}

int aml_irq_no_flags(struct aml_buf *b, unsigned irq)
{
	if (irq > 15)
		return aml_fail(b, "AML: IRQ %u is not an ISA IRQ 0-15", irq);
	uint16_t mask = (uint16_t)(1u << irq);
	uint8_t d[3] = { AML_RES_IRQ_NO_FLAGS, (uint8_t)mask, (uint8_t)(mask >> 8) };
	return aml_bytes(b, d, sizeof(d));
}

/* A Word (width 2) or DWord (width 4) address space descriptor for the
 * fixed window [min, max] (aml.h). */
static int aml_address_space(struct aml_buf *b, const char *what, uint8_t tag, int width,
			     uint8_t type, enum aml_resource_usage usage, uint8_t type_flags,
			     uint64_t min, uint64_t max)
{
	uint64_t limit = width == 2 ? UINT16_MAX : UINT32_MAX;
	if (min > max)
		return aml_fail(b, "AML: %s minimum 0x%llx above its maximum 0x%llx", what,
				(unsigned long long)min, (unsigned long long)max);
	if (min == 0 && max == limit)
		return aml_fail(b, "AML: %s 0x%llx-0x%llx: its length does not fit %d bytes", what,
				(unsigned long long)min, (unsigned long long)max, width);
	uint8_t general = AML_ADDR_MIN_FIXED | AML_ADDR_MAX_FIXED;
	if (usage == AML_RESOURCE_CONSUMER)
		general |= AML_ADDR_CONSUMER;
	const uint64_t fields[AML_ADDR_FIELDS] = { 0, min, max, 0, max - min + 1 };
	uint16_t length = (uint16_t)(3 + AML_ADDR_FIELDS * width);
	uint8_t d[6 + AML_ADDR_FIELDS * 4] = { tag, (uint8_t)length, (uint8_t)(length >> 8), type,
					       general, type_flags };
	size_t n = 6;
	for (int f = 0; f < AML_ADDR_FIELDS; f++)
		for (int i = 0; i < width; i++)
			d[n++] = (uint8_t)(fields[f] >> (8 * i));
	return aml_bytes(b, d, n);
}

int aml_word_bus_number(struct aml_buf *b, enum aml_resource_usage usage, uint16_t min,
			uint16_t max)
{
	return aml_address_space(b, "WordBusNumber", AML_RES_WORD_ADDRESS, 2, AML_ADDR_TYPE_BUS,
				 usage, 0, min, max);
}

int aml_word_io(struct aml_buf *b, enum aml_resource_usage usage, uint16_t min, uint16_t max)
{
	return aml_address_space(b, "WordIO", AML_RES_WORD_ADDRESS, 2, AML_ADDR_TYPE_IO, usage,
				 AML_ADDR_IO_ENTIRE_RANGE, min, max);
}

int aml_dword_memory(struct aml_buf *b, enum aml_resource_usage usage, uint32_t min,
		     uint32_t max)
{
	return aml_address_space(b, "DWordMemory", AML_RES_DWORD_ADDRESS, 4,
				 AML_ADDR_TYPE_MEMORY, usage, AML_ADDR_MEM_READ_WRITE, min, max);
}

/* Ends the descriptors after pos with the End Tag, then puts the Buffer's
 * PkgLength and BufferSize in front of them. */
static int aml_end_resource_template(struct aml_buf *b, size_t pos)
{
	/* §6.4.2.9: the checksum makes all the descriptors' bytes, the tag
	 * included, sum to zero. */
	uint8_t sum = AML_RES_END_TAG;
	for (size_t i = pos; i < b->len; i++)
		sum = (uint8_t)(sum + b->data[i]);
	uint8_t tag[2] = { AML_RES_END_TAG, (uint8_t)-sum };
	if (aml_bytes(b, tag, sizeof(tag)) < 0)
		return -1;
	/* BufferSize (a TermArg, here an Integer) goes first, then the
	 * PkgLength in front of it covers both. */
	uint8_t size_enc[9];
	size_t size_len = aml_integer_encode(size_enc, b->len - pos);
	if (aml_insert(b, pos, size_enc, size_len) < 0)
		return -1;
	return aml_insert_pkglength(b, pos, b->len - pos);
}

int aml_end(struct aml_buf *b, struct aml_mark m)
{
	if (b->failed)
		return -1;
	if (m.pos != b->open)
		return aml_fail(b, "AML: constructs closed out of order");
	b->open = m.outer;
	if (m.kind == AML_MARK_RESOURCE_TEMPLATE)
		return aml_end_resource_template(b, m.pos);
	return aml_insert_pkglength(b, m.pos, b->len - m.pos);
}
