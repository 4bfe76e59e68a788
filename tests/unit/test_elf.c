/* loader/elf.c, parsing: ELF64 vmlinux header checks (System V gABI "ELF
 * Header", "Program Header") and the PVH note (Xen's docs/misc/pvh.pandoc).
 * Placement, relocation and the copy into guest RAM are in
 * test_elf_load.c.  Images are built in memory (elf_builder.h). */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/elf_builder.h"
#include "tests/unit/unit.h"

/* The PVH note with a 2-byte descriptor. */
static const uint8_t short_pvh_note[] = {
	4, 0, 0, 0,  2, 0, 0, 0,  XEN_ELFNOTE_PHYS32_ENTRY, 0, 0, 0,
	'X', 'e', 'n', 0,
	0x50, 0x08, 0, 0,
};
/* A note whose namesz runs past the segment. */
static const uint8_t bad_note[] = {
	0x40, 0, 0, 0,  0, 0, 0, 0,  1, 0, 0, 0,
	'X', 'e', 'n', 0,
};

/* The vmlinux image with note (size bytes) as its PT_NOTE segment 2. */
static void vmlinux_make_with_note(struct test_elf_img *img, const uint8_t *note, size_t size)
{
	struct test_elf_seg segs[TEST_ELF_NSEGS];
	memcpy(segs, test_elf_vmlinux_segs, sizeof(segs));
	segs[2] = (struct test_elf_seg){ PT_NOTE, 0, size, 0, 4, note };
	test_elf_make(img, ET_EXEC, TEST_ELF_SEG0_PADDR, segs, TEST_ELF_NSEGS);
}

static int parse(struct test_elf_img *img, struct elf_kernel_info *info, struct error *err)
{
	return elf_parse(img->data, img->size, "k", info, err);
}

/* Parses an exact-size copy of the first n bytes (AddressSanitizer sees
 * any read past them). */
static int parse_cut(const uint8_t *data, size_t n, struct error *err)
{
	uint8_t *cut = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(cut);
	memcpy(cut, data, n);
	struct elf_kernel_info info;
	int rc = elf_parse(cut, n, "k", &info, err);
	free(cut);
	return rc;
}

/* Expects elf_parse to succeed, filling *info. */
#define expect_parse_ok(img, info) do {                                         \
		struct error err_ = { 0 };                                      \
		ck_assert_msg(parse((img), (info), &err_) == 0, "%s", err_.msg); \
	} while (0)

/* Expects elf_parse to fail with exactly message. */
#define expect_parse_message(img, message) do {                           \
		struct elf_kernel_info info_;                             \
		struct error err_ = { 0 };                                \
		ck_assert_int_eq(parse((img), &info_, &err_), -1);        \
		ck_assert_str_eq(err_.msg, (message));                    \
	} while (0)

/* Expects elf_parse to fail with a message starting with prefix and
 * containing frag. */
#define expect_parse_error(img, prefix, frag) do {                        \
		struct elf_kernel_info info_;                             \
		struct error err_ = { 0 };                                \
		ck_assert_int_eq(parse((img), &info_, &err_), -1);        \
		test_assert_error(err_.msg, (prefix), (frag));            \
	} while (0)

/* ---- Success ------------------------------------------------------------- */

START_TEST(test_parse_vmlinux)
{
	struct test_elf_img img;
	test_elf_vmlinux_make(&img);
	struct elf_kernel_info info;
	expect_parse_ok(&img, &info);
	ck_assert_uint_eq(info.entry, TEST_ELF_SEG0_PADDR);
	ck_assert_uint_eq(info.link_start, TEST_ELF_SEG0_PADDR);
	ck_assert_uint_eq(info.link_end, TEST_ELF_LINK_END);
	ck_assert_uint_eq(info.max_align, TEST_ELF_MAX_ALIGN);
	ck_assert_uint_eq(info.nsegments, 2);
	ck_assert_uint_eq(info.segments[0].index, 0);
	ck_assert_uint_eq(info.segments[0].offset, img.data_off[0]);
	ck_assert_uint_eq(info.segments[0].filesz, TEST_ELF_SEG0_FILESZ);
	ck_assert_uint_eq(info.segments[0].memsz, TEST_ELF_SEG0_MEMSZ);
	ck_assert_uint_eq(info.segments[0].paddr, TEST_ELF_SEG0_PADDR);
	ck_assert_uint_eq(info.segments[1].index, 1);
	ck_assert_uint_eq(info.segments[1].paddr, TEST_ELF_SEG1_PADDR);
	ck_assert(info.has_pvh_entry);
	ck_assert_uint_eq(info.pvh_entry, TEST_ELF_PVH_ENTRY);
	test_elf_free(&img);
}
END_TEST

/* No note: no PVH entry.  p_align 0 and 1 mean none; max_align is still
 * at least a page.  Segments out of paddr order, and touching, are fine;
 * one with p_memsz 0 is skipped (its index is kept in the others). */
START_TEST(test_parse_plain)
{
	static const struct test_elf_seg segs[] = {
		{ PT_LOAD, 0x300000, 0x100, 0x1000, 0, NULL },
		{ PT_LOAD, 0x900000, 0x80, 0, 1, NULL },
		{ PT_LOAD, 0x200000, 0x1000, 0x100000, 1, NULL },
		{ PT_GNU_STACK, 0, 0, 0, 16, NULL },
	};
	struct test_elf_img img;
	test_elf_make(&img, ET_EXEC, 0x300010, segs, 4);
	struct elf_kernel_info info;
	expect_parse_ok(&img, &info);
	ck_assert(!info.has_pvh_entry);
	ck_assert_uint_eq(info.max_align, LOADER_PAGE_SIZE);
	ck_assert_uint_eq(info.nsegments, 2);
	ck_assert_uint_eq(info.segments[1].index, 2);
	ck_assert_uint_eq(info.link_start, 0x200000);
	ck_assert_uint_eq(info.link_end, 0x301000);
	test_elf_free(&img);
}
END_TEST

START_TEST(test_parse_et_dyn)
{
	struct test_elf_img img;
	test_elf_make(&img, ET_DYN, TEST_ELF_SEG0_PADDR, test_elf_vmlinux_segs, TEST_ELF_NSEGS);
	struct elf_kernel_info info;
	expect_parse_ok(&img, &info);
	test_elf_free(&img);
}
END_TEST

/* Only the first PVH note counts; a second PT_NOTE is still checked. */
START_TEST(test_parse_first_note_wins)
{
	static const uint8_t other[] = {
		4, 0, 0, 0,  4, 0, 0, 0,  XEN_ELFNOTE_PHYS32_ENTRY, 0, 0, 0,
		'X', 'e', 'n', 0,  0x00, 0x10, 0x00, 0x01,
	};
	struct test_elf_seg segs[] = {
		test_elf_vmlinux_segs[0], test_elf_vmlinux_segs[1], test_elf_vmlinux_segs[2],
		{ PT_NOTE, 0, sizeof(other), 0, 4, other },
	};
	struct test_elf_img img;
	test_elf_make(&img, ET_EXEC, TEST_ELF_SEG0_PADDR, segs, 4);
	struct elf_kernel_info info;
	expect_parse_ok(&img, &info);
	ck_assert_uint_eq(info.pvh_entry, TEST_ELF_PVH_ENTRY);
	test_elf_free(&img);

	segs[3] = (struct test_elf_seg){ PT_NOTE, 0, sizeof(bad_note), 0, 4, bad_note };
	test_elf_make(&img, ET_EXEC, TEST_ELF_SEG0_PADDR, segs, 4);
	expect_parse_error(&img, "k: segment 3: malformed ELF note at offset 0", "");
	test_elf_free(&img);
}
END_TEST

/* ---- The header ---------------------------------------------------------- */

START_TEST(test_not_elf)
{
	struct test_elf_img img;
	test_elf_vmlinux_make(&img);
	img.data[1] = 'e';
	expect_parse_message(&img, "k: not an ELF file");
	struct elf_kernel_info info;
	struct error err = { 0 };
	ck_assert_int_eq(elf_parse(NULL, 0, "k", &info, &err), -1);
	ck_assert_str_eq(err.msg, "k: not an ELF file");
	img.data[1] = 'E';
	for (size_t n = 0; n < SELFMAG; n++) {
		ck_assert_int_eq(parse_cut(img.data, n, &err), -1);
		ck_assert_str_eq(err.msg, "k: not an ELF file");
	}
	test_elf_free(&img);
}
END_TEST

START_TEST(test_wrong_class)
{
	struct test_elf_img img;
	test_elf_vmlinux_make(&img);
	img.data[EI_CLASS] = ELFCLASS32;
	expect_parse_message(&img, "k: wrong class: ELF32, minivmm loads ELF64 only");
	/* An ELF32 header is 52 bytes: still called by its class. */
	struct error err = { 0 };
	ck_assert_int_eq(parse_cut(img.data, 52, &err), -1);
	ck_assert_str_eq(err.msg, "k: wrong class: ELF32, minivmm loads ELF64 only");
	img.data[EI_CLASS] = ELFCLASSNONE;
	expect_parse_error(&img, "k: wrong class: invalid (0)", "ELF64 only");
	test_elf_free(&img);
}
END_TEST

START_TEST(test_wrong_data_encoding)
{
	struct test_elf_img img;
	test_elf_vmlinux_make(&img);
	img.data[EI_DATA] = ELFDATA2MSB;
	expect_parse_error(&img, "k: wrong data encoding 2", "little-endian");
	test_elf_free(&img);
}
END_TEST

START_TEST(test_wrong_version)
{
	struct test_elf_img img;
	test_elf_vmlinux_make(&img);
	img.data[EI_VERSION] = EV_NONE;
	expect_parse_error(&img, "k: wrong ELF version 0", "EV_CURRENT");
	img.data[EI_VERSION] = EV_CURRENT;
	test_elf_ehdr(&img)->e_version = 2;
	expect_parse_error(&img, "k: wrong ELF version 2", "EV_CURRENT");
	test_elf_free(&img);
}
END_TEST

START_TEST(test_wrong_machine)
{
	struct test_elf_img img;
	test_elf_vmlinux_make(&img);
	test_elf_ehdr(&img)->e_machine = EM_386;
	expect_parse_message(&img, "k: wrong machine 3, expected x86-64 (62)");
	test_elf_ehdr(&img)->e_machine = EM_AARCH64;
	expect_parse_error(&img, "k: wrong machine 183, expected x86-64 (62)", "");
	test_elf_free(&img);
}
END_TEST

START_TEST(test_wrong_type)
{
	static const uint16_t types[] = { ET_NONE, ET_REL, ET_CORE, 0xfe00, 0xffff };
	struct test_elf_img img;
	test_elf_vmlinux_make(&img);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		test_elf_ehdr(&img)->e_type = types[i];
		char expect[64];
		snprintf(expect, sizeof(expect), "k: wrong ELF type %u,", types[i]);
		expect_parse_error(&img, expect, "ET_EXEC");
	}
	test_elf_free(&img);
}
END_TEST

START_TEST(test_truncated_header)
{
	struct test_elf_img img;
	test_elf_vmlinux_make(&img);
	struct error err = { 0 };
	for (size_t n = SELFMAG; n < EI_NIDENT; n++) {
		ck_assert_int_eq(parse_cut(img.data, n, &err), -1);
		test_assert_error(err.msg, "k: truncated: ", "identification");
	}
	for (size_t n = EI_NIDENT; n < sizeof(Elf64_Ehdr); n++) {
		ck_assert_int_eq(parse_cut(img.data, n, &err), -1);
		test_assert_error(err.msg, "k: truncated: ", "too short for an ELF64 header");
	}
	/* Header whole, program headers cut. */
	for (size_t n = sizeof(Elf64_Ehdr);
	     n < sizeof(Elf64_Ehdr) + TEST_ELF_NSEGS * sizeof(Elf64_Phdr); n++) {
		ck_assert_int_eq(parse_cut(img.data, n, &err), -1);
		test_assert_error(err.msg, "k: truncated: 3 program headers at offset 0x40",
				  "past the end of the file");
	}
	test_elf_free(&img);
}
END_TEST

START_TEST(test_bad_header_sizes)
{
	struct test_elf_img img;
	test_elf_vmlinux_make(&img);
	test_elf_ehdr(&img)->e_ehsize = 52;
	expect_parse_error(&img, "k: corrupt header: e_ehsize 52, expected 64", "");
	test_elf_ehdr(&img)->e_ehsize = 64;
	test_elf_ehdr(&img)->e_phentsize = 32;
	expect_parse_error(&img, "k: corrupt header: e_phentsize 32, expected 56", "");
	test_elf_ehdr(&img)->e_phentsize = 64;
	expect_parse_error(&img, "k: corrupt header: e_phentsize 64, expected 56", "");
	test_elf_free(&img);
}
END_TEST

START_TEST(test_phnum)
{
	struct test_elf_img img;
	test_elf_vmlinux_make(&img);
	test_elf_ehdr(&img)->e_phnum = 0;
	expect_parse_error(&img, "k: no program headers (e_phnum 0)", "");
	test_elf_ehdr(&img)->e_phnum = PN_XNUM;
	expect_parse_error(&img, "k: e_phnum PN_XNUM", "not supported");
	test_elf_free(&img);
}
END_TEST

START_TEST(test_phdrs_past_file)
{
	struct test_elf_img img;
	test_elf_vmlinux_make(&img);
	test_elf_ehdr(&img)->e_phoff = img.size - 10;
	expect_parse_error(&img, "k: truncated: 3 program headers", "past the end of the file");
	/* e_phoff + the table would wrap around to a small number. */
	test_elf_ehdr(&img)->e_phoff = UINT64_MAX - 100;
	expect_parse_error(&img, "k: truncated: 3 program headers", "0xffffffffffffff9b");
	test_elf_ehdr(&img)->e_phoff = 64;
	test_elf_ehdr(&img)->e_phnum = 0xfffe;
	expect_parse_error(&img, "k: truncated: 65534 program headers", "");
	test_elf_free(&img);
}
END_TEST

/* ---- Segments ------------------------------------------------------------ */

START_TEST(test_segment_past_file)
{
	struct test_elf_img img;
	test_elf_vmlinux_make(&img);
	Elf64_Phdr *ph = test_elf_phdr(&img, 1);
	ph->p_offset = img.size - 0x10;
	expect_parse_error(&img, "k: segment 1: p_offset", "runs past the end of the file");
	ph->p_offset = UINT64_MAX - 0x10;   /* offset + filesz wraps */
	expect_parse_error(&img, "k: segment 1: p_offset 0xffffffffffffffef", "past the end");
	ph->p_offset = img.data_off[1];
	ph->p_filesz = img.size;
	ph->p_memsz = img.size;
	expect_parse_error(&img, "k: segment 1: p_offset", "past the end");
	test_elf_free(&img);
}
END_TEST

START_TEST(test_filesz_above_memsz)
{
	struct test_elf_img img;
	test_elf_vmlinux_make(&img);
	test_elf_phdr(&img, 0)->p_memsz = TEST_ELF_SEG0_FILESZ - 1;
	expect_parse_error(&img, "k: segment 0: p_filesz 0x3000 is larger than p_memsz 0x2fff",
			   "");
	test_elf_free(&img);
}
END_TEST

START_TEST(test_paddr_overflow)
{
	struct test_elf_img img;
	test_elf_vmlinux_make(&img);
	test_elf_phdr(&img, 1)->p_paddr = UINT64_MAX - 0x800;
	expect_parse_error(&img, "k: segment 1: p_paddr 0xfffffffffffff7ff + p_memsz 0x1000",
			   "overflows");
	/* Ending exactly at 2^64 wraps too. */
	test_elf_phdr(&img, 1)->p_paddr = 0ULL - TEST_ELF_SEG1_SIZE;
	expect_parse_error(&img, "k: segment 1: p_paddr", "overflows");
	test_elf_free(&img);
}
END_TEST

START_TEST(test_bad_p_align)
{
	static const uint64_t bad[] = { 3, 0x3000, 0x200001, 0xffffffffffffffffULL };
	struct test_elf_img img;
	test_elf_vmlinux_make(&img);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		test_elf_phdr(&img, 1)->p_align = bad[i];
		expect_parse_error(&img, "k: segment 1: p_align", "is not a power of two");
	}
	test_elf_free(&img);
}
END_TEST

START_TEST(test_overlapping_segments)
{
	struct test_elf_img img;
	test_elf_vmlinux_make(&img);
	Elf64_Phdr *ph = test_elf_phdr(&img, 1);
	/* Segment 1 starts inside segment 0's bss. */
	ph->p_paddr = TEST_ELF_SEG0_PADDR + TEST_ELF_SEG0_MEMSZ - 1;
	expect_parse_message(&img, "k: segments 0 and 1 overlap: [0x1000000, 0x1005000) and "
			     "[0x1004fff, 0x1005fff)");
	/* Segment 1 around all of segment 0. */
	ph->p_paddr = TEST_ELF_SEG0_PADDR - 1;
	ph->p_memsz = TEST_ELF_SEG0_MEMSZ + 2;
	expect_parse_error(&img, "k: segments 0 and 1 overlap", "");
	/* Touching is not overlapping. */
	ph->p_paddr = TEST_ELF_SEG0_PADDR + TEST_ELF_SEG0_MEMSZ;
	ph->p_memsz = TEST_ELF_SEG1_SIZE;
	struct elf_kernel_info info;
	expect_parse_ok(&img, &info);
	test_elf_free(&img);
}
END_TEST

START_TEST(test_too_many_segments)
{
	struct test_elf_seg segs[ELF_MAX_LOAD_SEGMENTS + 1];
	for (unsigned i = 0; i < ELF_MAX_LOAD_SEGMENTS + 1; i++)
		segs[i] = (struct test_elf_seg){ PT_LOAD, 0x100000 + i * 0x1000ULL, 16, 0x1000,
						 0x1000, NULL };
	struct test_elf_img img;
	test_elf_make(&img, ET_EXEC, 0x100000, segs, ELF_MAX_LOAD_SEGMENTS);
	struct elf_kernel_info info;
	expect_parse_ok(&img, &info);
	ck_assert_uint_eq(info.nsegments, ELF_MAX_LOAD_SEGMENTS);
	test_elf_free(&img);
	test_elf_make(&img, ET_EXEC, 0x100000, segs, ELF_MAX_LOAD_SEGMENTS + 1);
	expect_parse_error(&img, "k: more than 32 PT_LOAD segments", "");
	test_elf_free(&img);
}
END_TEST

START_TEST(test_no_load_segment)
{
	static const struct test_elf_seg segs[] = {
		{ PT_LOAD, 0x100000, 0, 0, 0x1000, NULL },
		{ PT_NOTE, 0, sizeof(test_elf_pvh_note), 0, 4, test_elf_pvh_note },
	};
	struct test_elf_img img;
	test_elf_make(&img, ET_EXEC, 0x100000, segs, 2);
	expect_parse_error(&img, "k: no PT_LOAD segment with memory to load", "");
	test_elf_free(&img);
}
END_TEST

START_TEST(test_entry_outside)
{
	struct test_elf_img img;
	test_elf_vmlinux_make(&img);
	Elf64_Ehdr *eh = test_elf_ehdr(&img);
	eh->e_entry = TEST_ELF_SEG0_PADDR + TEST_ELF_SEG0_MEMSZ;   /* the gap, just past the bss */
	expect_parse_message(&img, "k: entry point 0x1005000 is outside every PT_LOAD segment");
	eh->e_entry = 0xffffffff81000000ULL;                       /* a virtual address */
	expect_parse_error(&img, "k: entry point 0xffffffff81000000 is outside", "");
	eh->e_entry = TEST_ELF_SEG0_PADDR - 1;
	expect_parse_error(&img, "k: entry point 0xffffff is outside", "");
	/* The last byte of the bss and of the last segment are inside. */
	struct elf_kernel_info info;
	eh->e_entry = TEST_ELF_SEG0_PADDR + TEST_ELF_SEG0_MEMSZ - 1;
	expect_parse_ok(&img, &info);
	eh->e_entry = TEST_ELF_LINK_END - 1;
	expect_parse_ok(&img, &info);
	test_elf_free(&img);
}
END_TEST

START_TEST(test_pvh_entry_outside)
{
	uint8_t note[sizeof(test_elf_pvh_note)];
	memcpy(note, test_elf_pvh_note, sizeof(note));
	note[16] = 0x00; note[17] = 0x00; note[18] = 0x20; note[19] = 0x01;  /* 0x1200000 */
	struct test_elf_img img;
	vmlinux_make_with_note(&img, note, sizeof(note));
	expect_parse_message(&img, "k: PVH entry point 0x1200000 is outside every PT_LOAD "
			     "segment");
	test_elf_free(&img);
}
END_TEST

START_TEST(test_pvh_note_too_short)
{
	struct test_elf_img img;
	vmlinux_make_with_note(&img, short_pvh_note, sizeof(short_pvh_note));
	expect_parse_message(&img, "k: segment 2: PVH entry note too short (2 bytes)");
	test_elf_free(&img);
}
END_TEST

START_TEST(test_malformed_note)
{
	struct test_elf_img img;
	vmlinux_make_with_note(&img, bad_note, sizeof(bad_note));
	expect_parse_message(&img, "k: segment 2: malformed ELF note at offset 0");
	test_elf_free(&img);

	/* The good note cut short by p_filesz. */
	test_elf_vmlinux_make(&img);
	Elf64_Phdr *ph = test_elf_phdr(&img, 2);
	ph->p_filesz = sizeof(test_elf_pvh_note) - 1;
	expect_parse_error(&img, "k: segment 2: malformed ELF note at offset 0", "");
	/* Its bytes past the end of the file. */
	ph->p_filesz = sizeof(test_elf_pvh_note);
	ph->p_offset = img.size - 4;
	expect_parse_error(&img, "k: segment 2: p_offset", "past the end of the file");
	test_elf_free(&img);
}
END_TEST

Suite *elf_suite(void)
{
	Suite *s = suite_create("elf");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_vmlinux);
	tcase_add_test(tc, test_parse_plain);
	tcase_add_test(tc, test_parse_et_dyn);
	tcase_add_test(tc, test_parse_first_note_wins);
	tcase_add_test(tc, test_not_elf);
	tcase_add_test(tc, test_wrong_class);
	tcase_add_test(tc, test_wrong_data_encoding);
	tcase_add_test(tc, test_wrong_version);
	tcase_add_test(tc, test_wrong_machine);
	tcase_add_test(tc, test_wrong_type);
	tcase_add_test(tc, test_truncated_header);
	tcase_add_test(tc, test_bad_header_sizes);
	tcase_add_test(tc, test_phnum);
	tcase_add_test(tc, test_phdrs_past_file);
	tcase_add_test(tc, test_segment_past_file);
	tcase_add_test(tc, test_filesz_above_memsz);
	tcase_add_test(tc, test_paddr_overflow);
	tcase_add_test(tc, test_bad_p_align);
	tcase_add_test(tc, test_overlapping_segments);
	tcase_add_test(tc, test_too_many_segments);
	tcase_add_test(tc, test_no_load_segment);
	tcase_add_test(tc, test_entry_outside);
	tcase_add_test(tc, test_pvh_entry_outside);
	tcase_add_test(tc, test_pvh_note_too_short);
	tcase_add_test(tc, test_malformed_note);
	suite_add_tcase(s, tc);
	return s;
}
