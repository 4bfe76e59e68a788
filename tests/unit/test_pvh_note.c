/* loader/pvh_note.c: the PVH entry note (Xen's docs/misc/pvh.pandoc) among
 * the notes of one PT_NOTE segment (System V gABI "Note Section": namesz,
 * descsz, type, then name and desc each padded to 4 bytes). */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"

/* Appends one note at buf + len; returns the new length.  name_len bytes
 * of name are written (namesz says how many count), desc likewise. */
static size_t note_add(uint8_t *buf, size_t len, uint32_t namesz, const char *name,
		       size_t name_len, uint32_t type, const void *desc, uint32_t descsz)
{
	Elf64_Nhdr nh = { .n_namesz = namesz, .n_descsz = descsz, .n_type = type };
	memcpy(buf + len, &nh, sizeof(nh));
	len += sizeof(nh);
	memset(buf + len, 0, (name_len + 3) & ~(size_t)3);
	memcpy(buf + len, name, name_len);
	len += (name_len + 3) & ~(size_t)3;
	memset(buf + len, 0, (descsz + 3) & ~(size_t)3);
	if (desc)
		memcpy(buf + len, desc, descsz);
	return len + ((descsz + 3) & ~(size_t)3);
}

/* Linux's note: "Xen\0", type 18, an 8-byte _ASM_PTR holding the entry. */
static const uint8_t pvh_desc[8] = { 0x50, 0x08, 0x00, 0x01, 0, 0, 0, 0 };
#define PVH_ENTRY 0x1000850U

static size_t note_add_pvh(uint8_t *buf, size_t len)
{
	return note_add(buf, len, 4, "Xen", 4, XEN_ELFNOTE_PHYS32_ENTRY, pvh_desc, 8);
}

/* Runs pvh_note_find over an exact-size copy, so AddressSanitizer sees any
 * read past len. */
static int find(const uint8_t *buf, size_t len, uint32_t *entry, struct error *err)
{
	uint8_t *copy = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, buf, len);
	int rc = pvh_note_find(copy, len, "n", entry, err);
	free(copy);
	return rc;
}

START_TEST(test_empty)
{
	uint32_t entry = 7;
	struct error err = { 0 };
	ck_assert_int_eq(pvh_note_find(NULL, 0, "n", &entry, &err), 0);
	ck_assert_int_eq(find((const uint8_t *)"", 0, &entry, &err), 0);
	ck_assert_uint_eq(entry, 7);
}
END_TEST

START_TEST(test_found)
{
	uint8_t buf[64];
	size_t len = note_add_pvh(buf, 0);
	ck_assert_uint_eq(len, 12 + 4 + 8);
	uint32_t entry = 0;
	struct error err = { 0 };
	ck_assert_int_eq(find(buf, len, &entry, &err), 1);
	ck_assert_uint_eq(entry, PVH_ENTRY);
}
END_TEST

/* The entry is the low 32 bits, little-endian, whatever the high half. */
START_TEST(test_low_32_bits_little_endian)
{
	static const uint8_t desc[8] = { 0x78, 0x56, 0x34, 0x12, 0xff, 0xff, 0xff, 0xff };
	uint8_t buf[64];
	size_t len = note_add(buf, 0, 4, "Xen", 4, XEN_ELFNOTE_PHYS32_ENTRY, desc, 8);
	uint32_t entry = 0;
	struct error err = { 0 };
	ck_assert_int_eq(find(buf, len, &entry, &err), 1);
	ck_assert_uint_eq(entry, 0x12345678);
	/* Exactly 4 bytes is enough. */
	len = note_add(buf, 0, 4, "Xen", 4, XEN_ELFNOTE_PHYS32_ENTRY, desc, 4);
	ck_assert_int_eq(find(buf, len, &entry, &err), 1);
	ck_assert_uint_eq(entry, 0x12345678);
}
END_TEST

/* Real vmlinux PT_NOTEs carry other Xen notes and GNU notes first. */
START_TEST(test_found_after_others)
{
	static const uint8_t build_id[20] = { 1, 2, 3 };
	static const uint8_t word[8] = { 0xff, 0xff, 0xff, 0xff };
	uint8_t buf[256];
	size_t len = note_add(buf, 0, 4, "GNU", 4, NT_GNU_BUILD_ID, build_id, sizeof(build_id));
	len = note_add(buf, len, 6, "Linux", 6, 0x100, word, 4);
	len = note_add(buf, len, 4, "Xen", 4, 17, word, 8);           /* another Xen type */
	len = note_add(buf, len, 4, "XEN", 4, XEN_ELFNOTE_PHYS32_ENTRY, word, 8);
	len = note_add(buf, len, 3, "Xen", 3, XEN_ELFNOTE_PHYS32_ENTRY, word, 8); /* no NUL */
	len = note_add(buf, len, 0, "", 0, XEN_ELFNOTE_PHYS32_ENTRY, word, 8);
	uint32_t entry = 0;
	struct error err = { 0 };
	ck_assert_int_eq(find(buf, len, &entry, &err), 0);
	len = note_add_pvh(buf, len);
	len = note_add(buf, len, 4, "Xen", 4, XEN_ELFNOTE_PHYS32_ENTRY, word, 8); /* first wins */
	ck_assert_int_eq(find(buf, len, &entry, &err), 1);
	ck_assert_uint_eq(entry, PVH_ENTRY);
}
END_TEST

START_TEST(test_unaligned_buffer)
{
	uint8_t buf[64];
	size_t len = note_add_pvh(buf, 1) - 1;
	uint32_t entry = 0;
	struct error err = { 0 };
	ck_assert_int_eq(pvh_note_find(buf + 1, len, "n", &entry, &err), 1);
	ck_assert_uint_eq(entry, PVH_ENTRY);
}
END_TEST

START_TEST(test_too_short)
{
	uint8_t buf[64];
	uint32_t entry = 0;
	struct error err = { 0 };
	size_t len = note_add(buf, 0, 4, "Xen", 4, XEN_ELFNOTE_PHYS32_ENTRY, pvh_desc, 2);
	ck_assert_int_eq(find(buf, len, &entry, &err), -1);
	ck_assert_str_eq(err.msg, "n: PVH entry note too short (2 bytes)");
	len = note_add(buf, 0, 4, "Xen", 4, XEN_ELFNOTE_PHYS32_ENTRY, NULL, 0);
	ck_assert_int_eq(find(buf, len, &entry, &err), -1);
	ck_assert_str_eq(err.msg, "n: PVH entry note too short (0 bytes)");
	ck_assert_uint_eq(entry, 0);
}
END_TEST

/* Cuts of a 24-byte note and a second one behind it: every cut that ends
 * inside a note's header, name, desc or their padding is malformed, and
 * names the offset of the note it cuts. */
START_TEST(test_malformed_cuts)
{
	static const uint8_t word[4] = { 1, 2, 3, 4 };
	uint8_t buf[128];
	size_t first = note_add(buf, 0, 5, "Linux", 5, 1, word, 3);  /* 12 + 8 + 4 */
	ck_assert_uint_eq(first, 24);
	size_t len = note_add_pvh(buf, first);
	uint32_t entry = 0;
	struct error err = { 0 };
	char expect[64];
	for (size_t cut = 1; cut < len; cut++) {
		if (cut == first)
			continue;
		memset(&err, 0, sizeof(err));
		ck_assert_msg(find(buf, cut, &entry, &err) == -1, "cut %zu", cut);
		snprintf(expect, sizeof(expect), "n: malformed ELF note at offset %zu",
			 cut < first ? (size_t)0 : first);
		ck_assert_str_eq(err.msg, expect);
	}
	ck_assert_int_eq(find(buf, first, &entry, &err), 0);
	ck_assert_int_eq(find(buf, len, &entry, &err), 1);
}
END_TEST

/* Sizes near 2^32 must not wrap when padded or added to the offset. */
START_TEST(test_huge_sizes)
{
	static const uint32_t sizes[] = { 0xffffffff, 0xfffffffd, 0x80000000, 0x7fffffff, 25 };
	uint8_t buf[64];
	uint32_t entry = 0;
	struct error err = { 0 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = note_add_pvh(buf, 0);
		Elf64_Nhdr nh;
		memcpy(&nh, buf, sizeof(nh));
		nh.n_namesz = sizes[i];
		memcpy(buf, &nh, sizeof(nh));
		ck_assert_int_eq(find(buf, len, &entry, &err), -1);
		ck_assert_str_eq(err.msg, "n: malformed ELF note at offset 0");
		nh.n_namesz = 4;
		nh.n_descsz = sizes[i];
		memcpy(buf, &nh, sizeof(nh));
		ck_assert_int_eq(find(buf, len, &entry, &err), -1);
		ck_assert_str_eq(err.msg, "n: malformed ELF note at offset 0");
	}
}
END_TEST

Suite *pvh_note_suite(void)
{
	Suite *s = suite_create("pvh_note");
	TCase *tc = tcase_create("find");
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_found);
	tcase_add_test(tc, test_low_32_bits_little_endian);
	tcase_add_test(tc, test_found_after_others);
	tcase_add_test(tc, test_unaligned_buffer);
	tcase_add_test(tc, test_too_short);
	tcase_add_test(tc, test_malformed_cuts);
	tcase_add_test(tc, test_huge_sizes);
	suite_add_tcase(s, tc);
	return s;
}
