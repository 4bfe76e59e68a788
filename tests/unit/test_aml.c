/* The AML encoder (boot/aml.h) against the byte encodings of ACPI 6.4
 * §20.2 and §6.4.2, and the sticky-error contract. */
#include <string.h>

#include "boot/aml.h"
#include "tests/unit/unit.h"

#define AML_TEST_MAX (4u << 20)

struct aml_test {
	struct aml_buf b;
	struct error err;
};

static void aml_test_init(struct aml_test *t, size_t max)
{
	memset(&t->err, 0, sizeof(t->err));
	aml_buf_init(&t->b, max, &t->err);
}

/* The buffer holds exactly want[0..n). */
#define assert_bytes(t, ...) do { \
	const uint8_t want_[] = { __VA_ARGS__ }; \
	assert_bytes_impl((t), want_, sizeof(want_), __LINE__); \
} while (0)

static void assert_bytes_impl(struct aml_test *t, const uint8_t *want, size_t n, int line)
{
	ck_assert_msg(aml_buf_status(&t->b) == 0, "line %d: %s", line, t->err.msg);
	ck_assert_msg(t->b.len == n, "line %d: %zu bytes, want %zu", line, t->b.len, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(t->b.data[i] == want[i], "line %d: byte %zu is 0x%02x, want 0x%02x",
			      line, i, t->b.data[i], want[i]);
}

/* ---- PkgLength (§20.2.4) ------------------------------------------------ */

static void assert_pkglength(size_t total, const uint8_t *want, int n)
{
	uint8_t out[4] = { 0 };
	ck_assert_int_eq(aml_pkglength_encode(out, total), n);
	ck_assert_mem_eq(out, want, (size_t)n);
}

START_TEST(test_pkglength_encode)
{
	assert_pkglength(0, (const uint8_t[]){ 0x00 }, 1);
	assert_pkglength(63, (const uint8_t[]){ 0x3f }, 1);
	/* Two bytes: bits 7:6 = 1, low nibble in the lead byte. */
	assert_pkglength(64, (const uint8_t[]){ 0x40, 0x04 }, 2);
	assert_pkglength(0x123, (const uint8_t[]){ 0x43, 0x12 }, 2);
	assert_pkglength(4095, (const uint8_t[]){ 0x4f, 0xff }, 2);
	assert_pkglength(4096, (const uint8_t[]){ 0x80, 0x00, 0x01 }, 3);
	assert_pkglength(0xfffff, (const uint8_t[]){ 0x8f, 0xff, 0xff }, 3);
	assert_pkglength(0x100000, (const uint8_t[]){ 0xc0, 0x00, 0x00, 0x01 }, 4);
	assert_pkglength(0xfffffff, (const uint8_t[]){ 0xcf, 0xff, 0xff, 0xff }, 4);
	uint8_t out[4];
	ck_assert_int_eq(aml_pkglength_encode(out, 0x10000000), 0);
}
END_TEST

/* Decodes the PkgLength at p: its value and its size. */
static size_t decode_pkglength(const uint8_t *p, int *size)
{
	int follow = p[0] >> 6;
	*size = 1 + follow;
	if (follow == 0)
		return p[0] & 0x3f;
	size_t v = p[0] & 0x0f;
	for (int i = 0; i < follow; i++)
		v |= (size_t)p[1 + i] << (4 + 8 * i);
	return v;
}

/* A Scope whose body (name included) is body bytes: the PkgLength counts
 * itself, so the size switches where body + size passes each maximum. */
static void assert_scope_pkglength(size_t body, int want_size)
{
	static uint8_t filler[0x100000];
	struct aml_test t;
	aml_test_init(&t, AML_TEST_MAX);
	struct aml_mark m = aml_scope_begin(&t.b, "ABCD");
	ck_assert_int_eq(aml_bytes(&t.b, filler, body - 4), 0);
	ck_assert_int_eq(aml_end(&t.b, m), 0);
	ck_assert_int_eq(aml_buf_status(&t.b), 0);
	ck_assert_uint_eq(t.b.data[0], 0x10);  /* ScopeOp */
	int size;
	size_t value = decode_pkglength(t.b.data + 1, &size);
	ck_assert_msg(size == want_size, "body %zu: PkgLength of %d bytes, want %d", body, size,
		      want_size);
	ck_assert_uint_eq(value, body + (size_t)size);
	ck_assert_uint_eq(t.b.len, 1 + value);
	ck_assert_mem_eq(t.b.data + 1 + size, "ABCD", 4);
	aml_buf_free(&t.b);
}

START_TEST(test_pkglength_boundaries)
{
	assert_scope_pkglength(4, 1);
	assert_scope_pkglength(62, 1);        /* 63: the 1-byte maximum */
	assert_scope_pkglength(63, 2);        /* 64 would not fit: 65 in 2 bytes */
	assert_scope_pkglength(4093, 2);      /* 4095 */
	assert_scope_pkglength(4094, 3);      /* 4096 would not fit */
	assert_scope_pkglength(0xffffc, 3);   /* 0xfffff */
	assert_scope_pkglength(0xffffd, 4);
}
END_TEST

/* ---- Names (§20.2.2) ---------------------------------------------------- */

START_TEST(test_name_strings)
{
	struct aml_test t;
	aml_test_init(&t, AML_TEST_MAX);
	aml_name_string(&t.b, "_HID");
	assert_bytes(&t, '_', 'H', 'I', 'D');
	aml_buf_free(&t.b);

	aml_test_init(&t, AML_TEST_MAX);
	aml_name_string(&t.b, "RTC");  /* padded with '_' */
	assert_bytes(&t, 'R', 'T', 'C', '_');
	aml_buf_free(&t.b);

	aml_test_init(&t, AML_TEST_MAX);
	aml_name_string(&t.b, "\\_SB");
	assert_bytes(&t, 0x5c, '_', 'S', 'B', '_');
	aml_buf_free(&t.b);

	aml_test_init(&t, AML_TEST_MAX);
	aml_name_string(&t.b, "\\_SB.COM1");  /* DualNamePrefix */
	assert_bytes(&t, 0x5c, 0x2e, '_', 'S', 'B', '_', 'C', 'O', 'M', '1');
	aml_buf_free(&t.b);

	aml_test_init(&t, AML_TEST_MAX);
	aml_name_string(&t.b, "\\_SB.PCI0.S1");  /* MultiNamePrefix, SegCount */
	assert_bytes(&t, 0x5c, 0x2f, 3, '_', 'S', 'B', '_', 'P', 'C', 'I', '0', 'S', '1', '_', '_');
	aml_buf_free(&t.b);

	aml_test_init(&t, AML_TEST_MAX);
	aml_name_string(&t.b, "^^FOO.X");
	assert_bytes(&t, 0x5e, 0x5e, 0x2e, 'F', 'O', 'O', '_', 'X', '_', '_', '_');
	aml_buf_free(&t.b);

	aml_test_init(&t, AML_TEST_MAX);
	aml_name_string(&t.b, "\\");  /* the root: RootChar NullName */
	assert_bytes(&t, 0x5c, 0x00);
	aml_buf_free(&t.b);
}
END_TEST

START_TEST(test_name_strings_refused)
{
	static const char *const bad[] = {
		"", "1ABC", "ABCDE", "abc", "A..B", "A.", ".A", "A-B", "\\^A", "^\\A", "\\\\A",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct aml_test t;
		aml_test_init(&t, AML_TEST_MAX);
		ck_assert_msg(aml_name_string(&t.b, bad[i]) == -1, "\"%s\" accepted", bad[i]);
		ck_assert_int_eq(aml_buf_status(&t.b), -1);
		test_assert_error(t.err.msg, "AML: ", "name");
		aml_buf_free(&t.b);
	}
}
END_TEST

/* ---- Data objects (§20.2.3) --------------------------------------------- */

static void assert_integer(uint64_t v, const uint8_t *want, size_t n)
{
	struct aml_test t;
	aml_test_init(&t, AML_TEST_MAX);
	ck_assert_int_eq(aml_integer(&t.b, v), 0);
	assert_bytes_impl(&t, want, n, __LINE__);
	aml_buf_free(&t.b);
}

START_TEST(test_integers)
{
	assert_integer(0, (const uint8_t[]){ 0x00 }, 1);  /* ZeroOp */
	assert_integer(1, (const uint8_t[]){ 0x01 }, 1);  /* OneOp */
	assert_integer(2, (const uint8_t[]){ 0x0a, 0x02 }, 2);
	assert_integer(0xff, (const uint8_t[]){ 0x0a, 0xff }, 2);
	assert_integer(0x100, (const uint8_t[]){ 0x0b, 0x00, 0x01 }, 3);
	assert_integer(0xffff, (const uint8_t[]){ 0x0b, 0xff, 0xff }, 3);
	assert_integer(0x10000, (const uint8_t[]){ 0x0c, 0x00, 0x00, 0x01, 0x00 }, 5);
	assert_integer(0xfec00000, (const uint8_t[]){ 0x0c, 0x00, 0x00, 0xc0, 0xfe }, 5);
	assert_integer(0x100000000ULL,
		       (const uint8_t[]){ 0x0e, 0, 0, 0, 0, 1, 0, 0, 0 }, 9);
	assert_integer(UINT64_MAX, (const uint8_t[]){ 0x0e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						      0xff, 0xff }, 9);
}
END_TEST

START_TEST(test_strings)
{
	struct aml_test t;
	aml_test_init(&t, AML_TEST_MAX);
	aml_string(&t.b, "QEMU0001");
	assert_bytes(&t, 0x0d, 'Q', 'E', 'M', 'U', '0', '0', '0', '1', 0x00);
	aml_buf_free(&t.b);

	aml_test_init(&t, AML_TEST_MAX);
	aml_string(&t.b, "");
	assert_bytes(&t, 0x0d, 0x00);
	aml_buf_free(&t.b);

	aml_test_init(&t, AML_TEST_MAX);
	ck_assert_int_eq(aml_string(&t.b, "caf\xc3\xa9"), -1);
	test_assert_error(t.err.msg, "AML: ", "not ASCII");
	aml_buf_free(&t.b);
}
END_TEST

static uint32_t eisaid(const char *id)
{
	struct aml_test t;
	aml_test_init(&t, AML_TEST_MAX);
	ck_assert_msg(aml_eisaid(&t.b, id) == 0, "%s: %s", id, t.err.msg);
	ck_assert_uint_eq(t.b.len, 5);
	ck_assert_uint_eq(t.b.data[0], 0x0c);  /* always a DWord */
	uint32_t v = (uint32_t)t.b.data[1] | (uint32_t)t.b.data[2] << 8 |
		     (uint32_t)t.b.data[3] << 16 | (uint32_t)t.b.data[4] << 24;
	aml_buf_free(&t.b);
	return v;
}

START_TEST(test_eisaid)
{
	/* The values iasl and Linux's acpi_ex_eisa_id_to_string agree on. */
	ck_assert_uint_eq(eisaid("PNP0501"), 0x0105D041);
	ck_assert_uint_eq(eisaid("PNP0303"), 0x0303D041);
	ck_assert_uint_eq(eisaid("PNP0B00"), 0x000BD041);
	ck_assert_uint_eq(eisaid("PNP0A03"), 0x030AD041);
	ck_assert_uint_eq(eisaid("ZZZFFFF"), 0xFFFF5A6B);

	static const char *const bad[] = { "pnp0501", "PNP050", "PNP05011", "PNP05G1",
					   "PN10501", "PNP0a03", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct aml_test t;
		aml_test_init(&t, AML_TEST_MAX);
		ck_assert_msg(aml_eisaid(&t.b, bad[i]) == -1, "\"%s\" accepted", bad[i]);
		test_assert_error(t.err.msg, "AML: EisaId");
		aml_buf_free(&t.b);
	}
}
END_TEST

/* ---- Named objects and packages (§20.2.5) ------------------------------- */

START_TEST(test_name_package)
{
	struct aml_test t;
	aml_test_init(&t, AML_TEST_MAX);
	aml_name(&t.b, "\\_S5");
	struct aml_mark pkg = aml_package_begin(&t.b, 4);
	aml_integer(&t.b, 5);
	aml_integer(&t.b, 5);
	aml_integer(&t.b, 0);
	aml_integer(&t.b, 0);
	aml_end(&t.b, pkg);
	/* NameOp \_S5_ PackageOp PkgLength NumElements 0x05 0x05 Zero Zero */
	assert_bytes(&t, 0x08, 0x5c, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a,
		     0x05, 0x00, 0x00);
	aml_buf_free(&t.b);
}
END_TEST

START_TEST(test_scope_device)
{
	struct aml_test t;
	aml_test_init(&t, AML_TEST_MAX);
	struct aml_mark sb = aml_scope_begin(&t.b, "\\_SB");
	struct aml_mark dev = aml_device_begin(&t.b, "COM1");
	aml_name(&t.b, "_UID");
	aml_integer(&t.b, 1);
	aml_end(&t.b, dev);
	aml_end(&t.b, sb);
	assert_bytes(&t, 0x10, 0x13, 0x5c, '_', 'S', 'B', '_',
		     0x5b, 0x82, 0x0b, 'C', 'O', 'M', '1',
		     0x08, '_', 'U', 'I', 'D', 0x01);
	aml_buf_free(&t.b);
}
END_TEST

/* ---- Resource templates (§6.4.2) ---------------------------------------- */

/* The End Tag's checksum makes the descriptors, tag included, sum to 0. */
static void assert_end_tag(const uint8_t *descriptors, size_t len)
{
	ck_assert_uint_ge(len, 2);
	ck_assert_uint_eq(descriptors[len - 2], 0x79);
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + descriptors[i]);
	ck_assert_uint_eq(sum, 0);
}

START_TEST(test_resource_template)
{
	struct aml_test t;
	aml_test_init(&t, AML_TEST_MAX);
	struct aml_mark crs = aml_resource_template_begin(&t.b);
	aml_io_decode16(&t.b, 0x3f8, 0x3f8, 1, 8);
	aml_irq_no_flags(&t.b, 4);
	aml_end(&t.b, crs);
	/* BufferOp PkgLength BufferSize(0x0d), IO, IRQNoFlags {4}, End Tag. */
	assert_bytes(&t, 0x11, 0x10, 0x0a, 0x0d,
		     0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,
		     0x22, 0x10, 0x00,
		     0x79, 0x0e);
	assert_end_tag(t.b.data + 4, 13);
	aml_buf_free(&t.b);

	/* Empty: the End Tag alone. */
	aml_test_init(&t, AML_TEST_MAX);
	crs = aml_resource_template_begin(&t.b);
	aml_end(&t.b, crs);
	assert_bytes(&t, 0x11, 0x05, 0x0a, 0x02, 0x79, 0x87);
	aml_buf_free(&t.b);

	/* IRQ 15 is the mask's top bit. */
	aml_test_init(&t, AML_TEST_MAX);
	aml_irq_no_flags(&t.b, 15);
	assert_bytes(&t, 0x22, 0x00, 0x80);
	aml_buf_free(&t.b);
}
END_TEST

/* A long template needs a Word BufferSize and a 2-byte PkgLength. */
START_TEST(test_resource_template_long)
{
	struct aml_test t;
	aml_test_init(&t, AML_TEST_MAX);
	struct aml_mark crs = aml_resource_template_begin(&t.b);
	for (int i = 0; i < 40; i++)
		aml_io_decode16(&t.b, (uint16_t)(0x1000 + i), (uint16_t)(0x1000 + i), 1, 1);
	aml_end(&t.b, crs);
	ck_assert_int_eq(aml_buf_status(&t.b), 0);
	size_t data = 40 * 8 + 2;  /* 322 bytes */
	int size;
	size_t value = decode_pkglength(t.b.data + 1, &size);
	ck_assert_int_eq(size, 2);
	ck_assert_uint_eq(t.b.data[1 + size], 0x0b);  /* WordPrefix */
	ck_assert_uint_eq(t.b.data[2 + size] | t.b.data[3 + size] << 8, data);
	ck_assert_uint_eq(value, (size_t)size + 3 + data);
	ck_assert_uint_eq(t.b.len, 1 + value);
	assert_end_tag(t.b.data + 4 + size, data);
	aml_buf_free(&t.b);
}
END_TEST

START_TEST(test_resource_refused)
{
	struct aml_test t;
	aml_test_init(&t, AML_TEST_MAX);
	ck_assert_int_eq(aml_irq_no_flags(&t.b, 16), -1);
	test_assert_error(t.err.msg, "AML: IRQ 16");
	aml_buf_free(&t.b);

	aml_test_init(&t, AML_TEST_MAX);
	ck_assert_int_eq(aml_io_decode16(&t.b, 0x70, 0x6f, 1, 2), -1);
	test_assert_error(t.err.msg, "AML: IO range", "0x70", "0x6f");
	aml_buf_free(&t.b);
}
END_TEST

/* ---- Address space descriptors (§6.4.3.5) ------------------------------- */

/* Each as iasl compiles the ASL in its comment, byte for byte. */
START_TEST(test_address_space)
{
	struct aml_test t;
	/* WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
	 * 0, 0, 0, 0, 1): tag 0x88, length 13, type 2, flags _MIF|_MAF, then
	 * _GRA, _MIN, _MAX, _TRA, _LEN as Words. */
	aml_test_init(&t, AML_TEST_MAX);
	ck_assert_int_eq(aml_word_bus_number(&t.b, AML_RESOURCE_PRODUCER, 0, 0), 0);
	assert_bytes(&t, 0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00,
		     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00);
	aml_buf_free(&t.b);

	/* WordBusNumber (..., 0, 0x10, 0xff, 0, 0xf0). */
	aml_test_init(&t, AML_TEST_MAX);
	aml_word_bus_number(&t.b, AML_RESOURCE_PRODUCER, 0x10, 0xff);
	assert_bytes(&t, 0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00,
		     0x00, 0x00, 0x10, 0x00, 0xff, 0x00, 0x00, 0x00, 0xf0, 0x00);
	aml_buf_free(&t.b);

	/* WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
	 * 0, 0xd00, 0xffff, 0, 0xf300): type 1, _RNG 3. */
	aml_test_init(&t, AML_TEST_MAX);
	aml_word_io(&t.b, AML_RESOURCE_PRODUCER, 0x0d00, 0xffff);
	assert_bytes(&t, 0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03,
		     0x00, 0x00, 0x00, 0x0d, 0xff, 0xff, 0x00, 0x00, 0x00, 0xf3);
	aml_buf_free(&t.b);

	/* ResourceConsumer sets General Flags bit 0. */
	aml_test_init(&t, AML_TEST_MAX);
	aml_word_io(&t.b, AML_RESOURCE_CONSUMER, 0, 0xcf7);
	assert_bytes(&t, 0x88, 0x0d, 0x00, 0x01, 0x0d, 0x03,
		     0x00, 0x00, 0x00, 0x00, 0xf7, 0x0c, 0x00, 0x00, 0xf8, 0x0c);
	aml_buf_free(&t.b);

	/* DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed,
	 * NonCacheable, ReadWrite, 0, 0xc0000000, 0xdfffffff, 0, 0x20000000):
	 * tag 0x87, length 23, type 0, _RW 1, then DWords. */
	aml_test_init(&t, AML_TEST_MAX);
	aml_dword_memory(&t.b, AML_RESOURCE_PRODUCER, 0xc0000000, 0xdfffffff);
	assert_bytes(&t, 0x87, 0x17, 0x00, 0x00, 0x0c, 0x01,
		     0x00, 0x00, 0x00, 0x00,   /* _GRA */
		     0x00, 0x00, 0x00, 0xc0,   /* _MIN */
		     0xff, 0xff, 0xff, 0xdf,   /* _MAX */
		     0x00, 0x00, 0x00, 0x00,   /* _TRA */
		     0x00, 0x00, 0x00, 0x20);  /* _LEN */
	aml_buf_free(&t.b);

	aml_test_init(&t, AML_TEST_MAX);
	aml_dword_memory(&t.b, AML_RESOURCE_CONSUMER, 0xfed00000, 0xfed003ff);
	assert_bytes(&t, 0x87, 0x17, 0x00, 0x00, 0x0d, 0x01,
		     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd0, 0xfe, 0xff, 0x03, 0xd0, 0xfe,
		     0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00);
	aml_buf_free(&t.b);
}
END_TEST

/* In a ResourceTemplate: the End Tag's checksum covers large descriptors
 * too, and the BufferSize counts them. */
START_TEST(test_address_space_template)
{
	struct aml_test t;
	aml_test_init(&t, AML_TEST_MAX);
	struct aml_mark crs = aml_resource_template_begin(&t.b);
	aml_word_bus_number(&t.b, AML_RESOURCE_PRODUCER, 0, 0);
	aml_dword_memory(&t.b, AML_RESOURCE_PRODUCER, 0xc0000000, 0xdfffffff);
	aml_end(&t.b, crs);
	ck_assert_int_eq(aml_buf_status(&t.b), 0);
	size_t data = 16 + 26 + 2;
	/* BufferOp, PkgLength (1 byte: 3 + 44 = 47), BytePrefix BufferSize. */
	ck_assert_uint_eq(t.b.len, 4 + data);
	ck_assert_uint_eq(t.b.data[0], 0x11);
	ck_assert_uint_eq(t.b.data[1], 3 + data);
	ck_assert_uint_eq(t.b.data[2], 0x0a);
	ck_assert_uint_eq(t.b.data[3], data);
	ck_assert_uint_eq(t.b.data[4], 0x88);
	ck_assert_uint_eq(t.b.data[4 + 16], 0x87);
	assert_end_tag(t.b.data + 4, data);
	aml_buf_free(&t.b);
}
END_TEST

START_TEST(test_address_space_refused)
{
	struct aml_test t;
	aml_test_init(&t, AML_TEST_MAX);
	ck_assert_int_eq(aml_word_bus_number(&t.b, AML_RESOURCE_PRODUCER, 1, 0), -1);
	test_assert_error(t.err.msg, "AML: WordBusNumber minimum 0x1 above its maximum 0x0");
	ck_assert_uint_eq(t.b.len, 0);
	aml_buf_free(&t.b);

	aml_test_init(&t, AML_TEST_MAX);
	ck_assert_int_eq(aml_word_io(&t.b, AML_RESOURCE_PRODUCER, 0xd00, 0xcff), -1);
	test_assert_error(t.err.msg, "AML: WordIO minimum 0xd00 above its maximum 0xcff");
	aml_buf_free(&t.b);

	aml_test_init(&t, AML_TEST_MAX);
	ck_assert_int_eq(aml_dword_memory(&t.b, AML_RESOURCE_PRODUCER, 0xe0000000, 0xc0000000),
			 -1);
	test_assert_error(t.err.msg, "AML: DWordMemory minimum 0xe0000000 above its maximum "
			  "0xc0000000");
	aml_buf_free(&t.b);

	/* A length of 0x10000 (or 4 GiB) does not fit the descriptor's _LEN. */
	aml_test_init(&t, AML_TEST_MAX);
	ck_assert_int_eq(aml_word_io(&t.b, AML_RESOURCE_PRODUCER, 0, 0xffff), -1);
	test_assert_error(t.err.msg, "AML: WordIO 0x0-0xffff", "does not fit 2 bytes");
	aml_buf_free(&t.b);

	aml_test_init(&t, AML_TEST_MAX);
	ck_assert_int_eq(aml_dword_memory(&t.b, AML_RESOURCE_CONSUMER, 0, 0xffffffff), -1);
	test_assert_error(t.err.msg, "AML: DWordMemory 0x0-0xffffffff", "does not fit 4 bytes");
	ck_assert_uint_eq(t.b.len, 0);
	aml_buf_free(&t.b);

	/* One short of the whole range fits. */
	aml_test_init(&t, AML_TEST_MAX);
	ck_assert_int_eq(aml_word_io(&t.b, AML_RESOURCE_PRODUCER, 1, 0xffff), 0);
	ck_assert_int_eq(aml_dword_memory(&t.b, AML_RESOURCE_PRODUCER, 0, 0xfffffffe), 0);
	ck_assert_int_eq(aml_buf_status(&t.b), 0);
	ck_assert_uint_eq(t.b.data[14] | t.b.data[15] << 8, 0xffff);
	ck_assert_uint_eq((uint32_t)t.b.data[16 + 22] | (uint32_t)t.b.data[16 + 23] << 8 |
			  (uint32_t)t.b.data[16 + 24] << 16 | (uint32_t)t.b.data[16 + 25] << 24,
			  0xffffffffu);
	aml_buf_free(&t.b);
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

/* The first error sticks: later calls write nothing and fail. */
START_TEST(test_errors_stick)
{
	struct aml_test t;
	aml_test_init(&t, AML_TEST_MAX);
	aml_integer(&t.b, 2);
	struct aml_mark dev = aml_device_begin(&t.b, "bad");
	size_t len = t.b.len;
	ck_assert_int_eq(aml_integer(&t.b, 7), -1);
	ck_assert_int_eq(aml_end(&t.b, dev), -1);
	ck_assert_uint_eq(t.b.len, len);
	ck_assert_int_eq(aml_buf_status(&t.b), -1);
	test_assert_error(t.err.msg, "AML: bad name \"bad\"");
	aml_buf_free(&t.b);
}
END_TEST

START_TEST(test_marks_nest)
{
	struct aml_test t;
	aml_test_init(&t, AML_TEST_MAX);
	struct aml_mark outer = aml_scope_begin(&t.b, "A");
	struct aml_mark inner = aml_device_begin(&t.b, "B");
	(void)inner;
	ck_assert_int_eq(aml_end(&t.b, outer), -1);
	test_assert_error(t.err.msg, "AML: ", "out of order");
	aml_buf_free(&t.b);

	aml_test_init(&t, AML_TEST_MAX);
	outer = aml_scope_begin(&t.b, "A");
	(void)outer;
	ck_assert_int_eq(aml_buf_status(&t.b), -1);
	test_assert_error(t.err.msg, "AML: ", "left open");
	aml_buf_free(&t.b);
}
END_TEST

/* The limit holds for appended and for inserted bytes (PkgLength). */
START_TEST(test_limit)
{
	struct aml_test t;
	aml_test_init(&t, 8);
	ck_assert_int_eq(aml_bytes(&t.b, "12345678", 8), 0);
	ck_assert_int_eq(aml_bytes(&t.b, "9", 1), -1);
	test_assert_error(t.err.msg, "AML: more than the 8 bytes allowed");
	aml_buf_free(&t.b);

	/* ScopeOp and the name fill the 5 bytes: no room for the PkgLength. */
	aml_test_init(&t, 5);
	struct aml_mark m = aml_scope_begin(&t.b, "ABCD");
	ck_assert_uint_eq(t.b.len, 5);
	ck_assert_int_eq(aml_end(&t.b, m), -1);
	test_assert_error(t.err.msg, "AML: more than the 5 bytes allowed");
	aml_buf_free(&t.b);
}
END_TEST

Suite *aml_suite(void)
{
	Suite *s = suite_create("aml");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_pkglength_encode);
	tcase_add_test(tc, test_pkglength_boundaries);
	tcase_add_test(tc, test_name_strings);
	tcase_add_test(tc, test_name_strings_refused);
	tcase_add_test(tc, test_integers);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_eisaid);
	tcase_add_test(tc, test_name_package);
	tcase_add_test(tc, test_scope_device);
	tcase_add_test(tc, test_resource_template);
	tcase_add_test(tc, test_resource_template_long);
	tcase_add_test(tc, test_resource_refused);
	tcase_add_test(tc, test_address_space);
	tcase_add_test(tc, test_address_space_template);
	tcase_add_test(tc, test_address_space_refused);
	tcase_add_test(tc, test_errors_stick);
	tcase_add_test(tc, test_marks_nest);
	tcase_add_test(tc, test_limit);
	suite_add_tcase(s, tc);
	return s;
}
