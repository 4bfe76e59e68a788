/* loader/elf.c, loading: placement, relocation, the copy into guest RAM,
 * the image list, and elf_describe.  Parsing is in test_elf.c.  Images are
 * built in memory (elf_builder.h). */
#include <elf.h>
#include <string.h>

#include "boot/layout.h"
#include "tests/unit/elf_builder.h"
#include "tests/unit/unit.h"

static struct image_file file_of(struct test_elf_img *img)
{
	return (struct image_file){ .path = "k", .origin = IMAGE_ORIGIN_FILE,
				    .data = img->data, .size = img->size };
}

/* What a load test works on: guest RAM, the image, and what the last
 * load() gave back. */
struct load_test {
	struct test_ram ram;
	struct test_elf_img img;
	struct guest_kernel_image k;
	struct error err;
};

/* 64 MiB of guest RAM that is dirty above 1 MiB, as reused RAM can be, and
 * the vmlinux image. */
static void load_test_init(struct load_test *t)
{
	memset(t, 0, sizeof(*t));
	test_ram_init(&t->ram, 64 * MiB);
	memset(t->ram.host + 0x100000, 0xaa, t->ram.size - 0x100000);
	test_elf_vmlinux_make(&t->img);
}

static void load_test_free(struct load_test *t)
{
	test_elf_free(&t->img);
	test_ram_free(&t->ram);
}

/* elf_load of t->img into t->ram at load_address (0: the link address),
 * recording into list (NULL: none). */
static int load(struct load_test *t, struct image_list *list, uint64_t load_address,
		uint64_t alignment)
{
	struct image_file f = file_of(&t->img);
	struct load_request req = { .load_address = load_address, .alignment = alignment,
				    .protocol = KERNEL_BOOT_AUTO };
	return elf_load(&t->ram.mem, list, &f, &req, &t->k, &t->err);
}

/* Expects load to succeed. */
#define expect_load_ok(t, list, load_address, alignment)                             \
	ck_assert_msg(load((t), (list), (load_address), (alignment)) == 0, "%s", \
		      (t)->err.msg)

/* Expects load to fail with exactly message. */
#define expect_load_message(t, list, load_address, alignment, message) do {        \
		ck_assert_int_eq(load((t), (list), (load_address), (alignment)), -1); \
		ck_assert_str_eq((t)->err.msg, (message));                            \
	} while (0)

/* Expects load to fail with a message starting with prefix and containing
 * frag. */
#define expect_load_error(t, list, load_address, alignment, prefix, frag) do {     \
		ck_assert_int_eq(load((t), (list), (load_address), (alignment)), -1); \
		test_assert_error((t)->err.msg, (prefix), (frag));                    \
	} while (0)

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Segment n of the vmlinux image at gpa: its file bytes, then zeros to
 * memsz, byte by byte; the bytes around it untouched (dirty RAM). */
static void check_segment(const struct load_test *t, uint64_t gpa, unsigned n)
{
	const struct test_elf_seg *seg = &test_elf_vmlinux_segs[n];
	const uint8_t *p = t->ram.host + gpa;
	for (uint64_t i = 0; i < seg->filesz; i++)
		ck_assert_msg(p[i] == test_elf_seg_byte(n, i), "segment %u byte 0x%llx", n,
			      (unsigned long long)i);
	for (uint64_t i = seg->filesz; i < seg->memsz; i++)
		ck_assert_msg(p[i] == 0, "segment %u bss byte 0x%llx is 0x%02x", n,
			      (unsigned long long)i, p[i]);
	ck_assert_uint_eq(p[seg->memsz], 0xaa);
	ck_assert_uint_eq(p[-1], 0xaa);
}

/* ---- Placement and relocation -------------------------------------------- */

START_TEST(test_load_at_paddr)
{
	struct load_test t;
	load_test_init(&t);
	expect_load_ok(&t, NULL, 0, 0);
	check_segment(&t, TEST_ELF_SEG0_PADDR, 0);
	check_segment(&t, TEST_ELF_SEG1_PADDR, 1);
	/* The gap between the segments is not written. */
	const uint64_t seg0_end = TEST_ELF_SEG0_PADDR + TEST_ELF_SEG0_MEMSZ;
	ck_assert(all_bytes(t.ram.host + seg0_end, TEST_ELF_SEG1_PADDR - seg0_end, 0xaa));

	const struct guest_kernel_image *k = &t.k;
	ck_assert_int_eq(k->format, KERNEL_FORMAT_ELF);
	ck_assert_uint_eq(k->image.load_paddr, TEST_ELF_SEG0_PADDR);
	ck_assert_uint_eq(k->image.alignment, TEST_ELF_MAX_ALIGN);
	ck_assert_uint_eq(k->image.size, TEST_ELF_LINK_END - TEST_ELF_SEG0_PADDR);
	ck_assert_uint_eq(k->reserved_end, TEST_ELF_LINK_END);
	ck_assert_int_eq(k->relocation_offset, 0);
	ck_assert_uint_eq(k->linux64_entry, TEST_ELF_SEG0_PADDR);
	ck_assert_uint_eq(k->entry, TEST_ELF_SEG0_PADDR);
	ck_assert(k->has_pvh_entry);
	ck_assert_uint_eq(k->pvh_entry, TEST_ELF_PVH_ENTRY);
	ck_assert_int_eq(k->protocol, KERNEL_BOOT_AUTO);   /* kernel_choose_protocol's job */

	const struct setup_header *h = &k->setup_header;
	ck_assert_uint_eq(h->boot_flag, 0xaa55);
	ck_assert_uint_eq(h->header, 0x53726448);   /* "HdrS" (boot.rst) */
	ck_assert_uint_eq(h->version, 0x020c);
	ck_assert_uint_eq(h->loadflags, LOADED_HIGH);
	ck_assert_uint_eq(h->code32_start, TEST_ELF_SEG0_PADDR);
	ck_assert_uint_eq(h->kernel_alignment, TEST_ELF_MAX_ALIGN);
	ck_assert_uint_eq(h->relocatable_kernel, 0);
	ck_assert_uint_eq(h->cmdline_size, 2047);
	ck_assert_uint_eq(h->initrd_addr_max, 0x7fffffff);
	ck_assert_uint_eq(h->xloadflags, XLF_KERNEL_64);
	ck_assert_uint_eq(h->pref_address, TEST_ELF_SEG0_PADDR);
	ck_assert_uint_eq(h->init_size, TEST_ELF_LINK_END - TEST_ELF_SEG0_PADDR);
	ck_assert_uint_eq(h->setup_sects, 0);
	ck_assert_uint_eq(h->cmd_line_ptr, 0);
	load_test_free(&t);
}
END_TEST

/* load_address 0x2100000 with 2 MiB alignment: base 0x2200000; everything
 * moves by 0x1200000, the link address is left alone. */
START_TEST(test_load_relocated)
{
	struct load_test t;
	load_test_init(&t);
	expect_load_ok(&t, NULL, 0x2100000, 2 * MiB);
	const uint64_t off = 0x1200000;
	const struct guest_kernel_image *k = &t.k;
	ck_assert_uint_eq(k->image.load_paddr, 0x2200000);
	ck_assert_uint_eq(k->image.alignment, 2 * MiB);
	ck_assert_uint_eq(k->image.size, TEST_ELF_LINK_END - TEST_ELF_SEG0_PADDR);
	ck_assert_uint_eq(k->reserved_end, TEST_ELF_LINK_END + off);
	ck_assert_int_eq(k->relocation_offset, (int64_t)off);
	ck_assert_uint_eq(k->linux64_entry, TEST_ELF_SEG0_PADDR + off);
	ck_assert_uint_eq(k->entry, TEST_ELF_SEG0_PADDR + off);
	ck_assert_uint_eq(k->pvh_entry, TEST_ELF_PVH_ENTRY + off);
	ck_assert_uint_eq(k->setup_header.code32_start, 0x2200000);
	ck_assert_uint_eq(k->setup_header.pref_address, TEST_ELF_SEG0_PADDR);
	check_segment(&t, TEST_ELF_SEG0_PADDR + off, 0);
	check_segment(&t, TEST_ELF_SEG1_PADDR + off, 1);
	ck_assert(all_bytes(t.ram.host + TEST_ELF_SEG0_PADDR, TEST_ELF_SEG0_MEMSZ, 0xaa));
	load_test_free(&t);
}
END_TEST

/* Without an alignment the image's own (max_align) rounds; a base below
 * the link address gives a negative offset; an aligned load_address stays. */
START_TEST(test_load_relocated_own_alignment)
{
	struct load_test t;
	load_test_init(&t);
	expect_load_ok(&t, NULL, 0x2000001, 0);
	ck_assert_uint_eq(t.k.image.load_paddr, 0x2200000);
	ck_assert_uint_eq(t.k.image.alignment, TEST_ELF_MAX_ALIGN);
	ck_assert_uint_eq(t.k.setup_header.kernel_alignment, TEST_ELF_MAX_ALIGN);

	expect_load_ok(&t, NULL, 0x400000, 0);
	ck_assert_uint_eq(t.k.image.load_paddr, 0x400000);
	ck_assert_int_eq(t.k.relocation_offset, -(int64_t)0xc00000);
	ck_assert_uint_eq(t.k.linux64_entry, 0x400000);
	ck_assert_uint_eq(t.k.pvh_entry, TEST_ELF_PVH_ENTRY - 0xc00000);
	check_segment(&t, 0x400000, 0);

	/* A smaller alignment than the image's own is the caller's choice. */
	expect_load_ok(&t, NULL, 0x2801000, 0x1000);
	ck_assert_uint_eq(t.k.image.load_paddr, 0x2801000);
	ck_assert_uint_eq(t.k.image.alignment, 0x1000);
	load_test_free(&t);
}
END_TEST

START_TEST(test_load_address_overflow)
{
	struct load_test t;
	load_test_init(&t);
	expect_load_error(&t, NULL, 0xfffffffffffff000ULL, 2 * MiB,
			  "k: load address 0xfffffffffffff000 rounded up to alignment 0x200000 "
			  "is out of range", "");
	/* Aligned, but the image does not fit below 2^64. */
	expect_load_error(&t, NULL, 0xfffffffffff00000ULL, 0x100000,
			  "k: kernel of 0x401000 bytes at 0xfffffffffff00000",
			  "past the end of the address space");
	/* Moving a kernel linked near 2^64 down to RAM does not fit in int64. */
	static const struct test_elf_seg high[] = {
		{ PT_LOAD, 0xffffffff81000000ULL, 0x100, 0x1000, 0x1000, NULL },
	};
	test_elf_free(&t.img);
	test_elf_make(&t.img, ET_EXEC, 0xffffffff81000000ULL, high, 1);
	expect_load_error(&t, NULL, 0x100000, 0,
			  "k: moving the kernel from 0xffffffff81000000 to 0x100000",
			  "out of range");
	load_test_free(&t);
}
END_TEST

START_TEST(test_load_bad_alignment)
{
	struct load_test t;
	load_test_init(&t);
	expect_load_message(&t, NULL, 0x2000000, 0x3000,
			    "k: alignment 0x3000 is not a power of two");
	expect_load_message(&t, NULL, 0x2000000, 0x800,
			    "k: alignment 0x800 is below the 4 KiB page size");
	/* Checked even without a load address. */
	expect_load_error(&t, NULL, 0, 0x800, "k: alignment 0x800", "4 KiB");
	load_test_free(&t);
}
END_TEST

/* ---- Guest RAM ------------------------------------------------------------ */

/* The second segment does not fit: nothing at all is written, not even the
 * first one. */
START_TEST(test_load_segment_past_ram)
{
	struct load_test t;
	load_test_init(&t);
	/* 64 MiB - 0x400000 + 2 MiB alignment: segment 1 ends past RAM. */
	expect_load_message(&t, NULL, 64 * MiB - 0x400000, 0,
			    "k: segment 1 (0x4000000-0x4001000) is outside guest RAM");
	ck_assert(all_bytes(t.ram.host + 64 * MiB - 0x400000, 0x5000, 0xaa));
	/* At its own address, in RAM too small for it. */
	test_ram_free(&t.ram);
	test_ram_init(&t.ram, 16 * MiB);
	expect_load_message(&t, NULL, 0, 0,
			    "k: segment 0 (0x1000000-0x1005000) is outside guest RAM");
	load_test_free(&t);
}
END_TEST

/* The 32-bit MMIO hole [3 GiB, 4 GiB) is not RAM, even when RAM goes on
 * above it; a segment above it is fine. */
START_TEST(test_load_segment_in_hole)
{
	static const struct test_elf_seg segs[] = {
		{ PT_LOAD, LAYOUT_MMIO_HOLE_START - 0x100000, 0x1000, 0x200000, 0x1000, NULL },
	};
	struct load_test t = { 0 };
	test_ram_init(&t.ram, 4 * GiB);
	test_elf_make(&t.img, ET_EXEC, LAYOUT_MMIO_HOLE_START - 0x100000, segs, 1);
	expect_load_message(&t, NULL, 0, 0,
			    "k: segment 0 (0xbff00000-0xc0100000) is outside guest RAM");
	expect_load_error(&t, NULL, LAYOUT_MMIO_HOLE_START + 0x1000, 0,
			  "k: segment 0 (0xc0001000-", "outside guest RAM");
	expect_load_ok(&t, NULL, LAYOUT_MMIO_HOLE_END, 0);
	ck_assert_uint_eq(t.k.image.load_paddr, LAYOUT_MMIO_HOLE_END);
	ck_assert_uint_eq(t.k.linux64_entry, LAYOUT_MMIO_HOLE_END);
	/* RAM above the hole starts at host offset 3 GiB. */
	ck_assert_uint_eq(t.ram.host[LAYOUT_MMIO_HOLE_START + 5], test_elf_seg_byte(0, 5));
	load_test_free(&t);
}
END_TEST

/* ---- The image list -------------------------------------------------------- */

static void list_add(struct image_list *list, enum image_kind kind, const char *path,
		     uint64_t start, uint64_t end)
{
	struct image_record rec = { .kind = kind, .origin = IMAGE_ORIGIN_FILE,
				    .path = (char *)path,
				    .image = { .load_paddr = start, .size = end - start },
				    .claim_end = end };
	struct error err = { 0 };
	ck_assert_msg(image_list_add(list, &rec, &err) == 0, "%s", err.msg);
}

START_TEST(test_load_overlaps_list)
{
	struct load_test t;
	load_test_init(&t);
	struct image_list list;
	image_list_init(&list);

	/* On segment 0's bss. */
	list_add(&list, IMAGE_KIND_INITRD, "i", TEST_ELF_SEG0_PADDR + 0x4000,
		 TEST_ELF_SEG0_PADDR + 0x6000);
	expect_load_error(&t, &list, 0, 0,
			  "k: segment 0 at [0x1000000, 0x1005000) overlaps initrd i", "");
	ck_assert(all_bytes(t.ram.host + TEST_ELF_SEG0_PADDR, TEST_ELF_SEG0_MEMSZ, 0xaa));
	ck_assert_uint_eq(list.count, 1);
	image_list_free(&list);

	/* In the gap between the segments: the kernel's span is its own. */
	image_list_init(&list);
	list_add(&list, IMAGE_KIND_RAW, "r", 0x1200000, 0x1201000);
	expect_load_error(&t, &list, 0, 0, "k: kernel at [0x1000000, 0x1401000) overlaps raw r",
			  "");

	/* Relocated clear of it: loaded and recorded. */
	expect_load_ok(&t, &list, 0x2000000, 0);
	ck_assert_uint_eq(list.count, 2);
	const struct image_record *r = &list.items[1];
	ck_assert_int_eq(r->kind, IMAGE_KIND_KERNEL);
	ck_assert_int_eq(r->origin, IMAGE_ORIGIN_FILE);
	ck_assert_str_eq(r->path, "k");
	ck_assert_uint_eq(r->image.load_paddr, 0x2000000);
	ck_assert_uint_eq(r->image.alignment, TEST_ELF_MAX_ALIGN);
	ck_assert_uint_eq(r->image.size, TEST_ELF_LINK_END - TEST_ELF_SEG0_PADDR);
	ck_assert_uint_eq(r->claim_end, 0x2000000 + TEST_ELF_LINK_END - TEST_ELF_SEG0_PADDR);
	ck_assert(!r->has_raw_addr);
	/* Loading it again over itself is refused by that record. */
	expect_load_error(&t, &list, 0x2000000, 0,
			  "k: segment 0 at [0x2000000, 0x2005000) overlaps kernel k", "");
	image_list_free(&list);
	load_test_free(&t);
}
END_TEST

START_TEST(test_load_et_dyn)
{
	struct load_test t;
	load_test_init(&t);
	test_elf_ehdr(&t.img)->e_type = ET_DYN;
	expect_load_ok(&t, NULL, 0x2000000, 0);
	ck_assert_uint_eq(t.k.setup_header.relocatable_kernel, 1);
	ck_assert_uint_eq(t.k.image.load_paddr, 0x2000000);
	load_test_free(&t);
}
END_TEST

/* ---- elf_describe ---------------------------------------------------------- */

/* The same numbers as a load, with no RAM; NULL request is the link
 * address with the protocol still to be chosen. */
START_TEST(test_describe)
{
	struct test_elf_img img;
	test_elf_vmlinux_make(&img);
	struct image_file f = file_of(&img);
	struct guest_kernel_image k;
	struct error err = { 0 };
	ck_assert_msg(elf_describe(&f, NULL, &k, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(k.format, KERNEL_FORMAT_ELF);
	ck_assert_int_eq(k.protocol, KERNEL_BOOT_AUTO);
	ck_assert_uint_eq(k.image.load_paddr, TEST_ELF_SEG0_PADDR);
	ck_assert_uint_eq(k.reserved_end, TEST_ELF_LINK_END);
	ck_assert_uint_eq(k.pvh_entry, TEST_ELF_PVH_ENTRY);
	struct load_request req = { .load_address = 0x2100000, .alignment = 2 * MiB,
				    .protocol = KERNEL_BOOT_LINUX64 };
	ck_assert_msg(elf_describe(&f, &req, &k, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(k.image.load_paddr, 0x2200000);
	ck_assert_int_eq(k.protocol, KERNEL_BOOT_LINUX64);
	req.alignment = 0x1800;
	ck_assert_int_eq(elf_describe(&f, &req, &k, &err), -1);
	test_assert_error(err.msg, "k: alignment 0x1800", "power of two");
	img.data[0] = 0;
	ck_assert_int_eq(elf_describe(&f, NULL, &k, &err), -1);
	ck_assert_str_eq(err.msg, "k: not an ELF file");
	test_elf_free(&img);
}
END_TEST

/* A p_align past 32 bits cannot be kernel_alignment; 2 GiB still divides
 * it.  The real alignment is in image.alignment. */
START_TEST(test_describe_huge_alignment)
{
	struct test_elf_seg segs[] = { test_elf_vmlinux_segs[0], test_elf_vmlinux_segs[1] };
	segs[0].align = 1ULL << 40;
	struct test_elf_img img;
	test_elf_make(&img, ET_EXEC, TEST_ELF_SEG0_PADDR, segs, 2);
	struct image_file f = file_of(&img);
	struct guest_kernel_image k;
	struct error err = { 0 };
	ck_assert_msg(elf_describe(&f, NULL, &k, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(k.image.alignment, 1ULL << 40);
	ck_assert_uint_eq(k.setup_header.kernel_alignment, 0x80000000U);
	ck_assert(!k.has_pvh_entry);
	test_elf_free(&img);
}
END_TEST

Suite *elf_load_suite(void)
{
	Suite *s = suite_create("elf_load");
	TCase *tc = tcase_create("load");
	tcase_add_test(tc, test_load_at_paddr);
	tcase_add_test(tc, test_load_relocated);
	tcase_add_test(tc, test_load_relocated_own_alignment);
	tcase_add_test(tc, test_load_address_overflow);
	tcase_add_test(tc, test_load_bad_alignment);
	tcase_add_test(tc, test_load_segment_past_ram);
	tcase_add_test(tc, test_load_segment_in_hole);
	tcase_add_test(tc, test_load_overlaps_list);
	tcase_add_test(tc, test_load_et_dyn);
	tcase_add_test(tc, test_describe);
	tcase_add_test(tc, test_describe_huge_alignment);
	suite_add_tcase(s, tc);
	return s;
}
