/* loader/elf.c: ELF64 vmlinux header checks (System V gABI "ELF Header",
 * "Program Header"), the PVH note (shared/reference F.7), placement,
 * relocation and the copy into guest RAM.  Images are built in memory. */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "boot/layout.h"
#include "tests/unit/unit.h"

/* ---- A small ELF builder ----------------------------------------------- */

struct seg {
	uint32_t type;
	uint64_t paddr, filesz, memsz, align;
	const uint8_t *bytes;   /* PT_NOTE contents; PT_LOAD bytes are generated */
};

struct elf_img {
	uint8_t *data;
	size_t size;
	size_t data_off[48];    /* file offset of each segment's bytes */
};

/* Ehdr, the program headers right after it, then each segment's bytes at
 * an 8-byte aligned offset.  PT_LOAD byte i of segment n holds
 * seg_byte(n, i). */
static uint8_t seg_byte(unsigned n, uint64_t i)
{
	return (uint8_t)(test_payload_byte((size_t)i) ^ (n * 0x35 + 1));
}

static void elf_make(struct elf_img *img, uint16_t type, uint64_t entry,
		     const struct seg *segs, unsigned n)
{
	ck_assert_uint_le(n, sizeof(img->data_off) / sizeof(img->data_off[0]));
	size_t off = sizeof(Elf64_Ehdr) + n * sizeof(Elf64_Phdr);
	for (unsigned i = 0; i < n; i++) {
		off = (off + 7) & ~(size_t)7;
		img->data_off[i] = off;
		off += segs[i].filesz;
	}
	img->size = off;
	img->data = calloc(1, off);
	ck_assert_ptr_nonnull(img->data);

	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
			     EV_CURRENT, ELFOSABI_SYSV },
		.e_type = type, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
		.e_entry = entry, .e_phoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = (uint16_t)n,
	};
	memcpy(img->data, &eh, sizeof(eh));
	for (unsigned i = 0; i < n; i++) {
		Elf64_Phdr ph = {
			.p_type = segs[i].type, .p_flags = PF_R, .p_offset = img->data_off[i],
			.p_vaddr = segs[i].paddr + 0xffffffff80000000ULL,
			.p_paddr = segs[i].paddr, .p_filesz = segs[i].filesz,
			.p_memsz = segs[i].memsz, .p_align = segs[i].align,
		};
		memcpy(img->data + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
		uint8_t *p = img->data + img->data_off[i];
		for (uint64_t b = 0; b < segs[i].filesz; b++)
			p[b] = segs[i].bytes ? segs[i].bytes[b] : seg_byte(i, b);
	}
}

static void elf_free(struct elf_img *img)
{
	free(img->data);
	memset(img, 0, sizeof(*img));
}

/* The header and program headers in place (calloc memory is aligned). */
static Elf64_Ehdr *ehdr(struct elf_img *img)
{
	return (Elf64_Ehdr *)img->data;
}

static Elf64_Phdr *phdr(struct elf_img *img, unsigned i)
{
	return (Elf64_Phdr *)(img->data + sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr));
}

/* Linux's PVH note: "Xen\0", type 18, 8-byte descriptor (F.7). */
#define PVH_ENTRY 0x1000850ULL
static const uint8_t pvh_note[] = {
	4, 0, 0, 0,  8, 0, 0, 0,  XEN_ELFNOTE_PHYS32_ENTRY, 0, 0, 0,
	'X', 'e', 'n', 0,
	0x50, 0x08, 0x00, 0x01, 0, 0, 0, 0,
};
/* The same note with a 2-byte descriptor. */
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

/* Shaped like a vmlinux: text+bss (2 MiB aligned, memsz past filesz), a
 * data segment with a gap before it, and the notes. */
#define SEG0_PADDR  0x1000000ULL
#define SEG0_FILESZ 0x3000ULL
#define SEG0_MEMSZ  0x5000ULL
#define SEG1_PADDR  0x1400000ULL
#define SEG1_SIZE   0x1000ULL
#define LINK_END    (SEG1_PADDR + SEG1_SIZE)
#define ALIGN_2M    0x200000ULL

static const struct seg vmlinux_segs[] = {
	{ PT_LOAD, SEG0_PADDR, SEG0_FILESZ, SEG0_MEMSZ, ALIGN_2M, NULL },
	{ PT_LOAD, SEG1_PADDR, SEG1_SIZE, SEG1_SIZE, 0x1000, NULL },
	{ PT_NOTE, 0, sizeof(pvh_note), 0, 4, pvh_note },
};
#define NSEGS 3

static void vmlinux_make(struct elf_img *img)
{
	elf_make(img, ET_EXEC, SEG0_PADDR, vmlinux_segs, NSEGS);
}

static int parse(struct elf_img *img, struct elf_kernel_info *info, struct error *err)
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

static struct image_file file_of(struct elf_img *img)
{
	return (struct image_file){ .path = "k", .origin = IMAGE_ORIGIN_FILE,
				    .data = img->data, .size = img->size };
}

static int load(struct test_ram *ram, struct image_list *list, struct elf_img *img,
		uint64_t load_address, uint64_t alignment, struct guest_kernel_image *k,
		struct error *err)
{
	struct image_file f = file_of(img);
	struct load_request req = { .load_address = load_address, .alignment = alignment,
				    .protocol = KERNEL_BOOT_AUTO };
	return elf_load(&ram->mem, list, &f, &req, k, err);
}

/* Expects elf_parse to fail with a message starting with prefix and
 * containing frag. */
#define expect_parse_error(img, prefix, frag) do {                        \
		struct elf_kernel_info info_;                             \
		struct error err_ = { { 0 } };                            \
		ck_assert_int_eq(parse((img), &info_, &err_), -1);        \
		test_assert_error(err_.msg, (prefix), (frag));            \
	} while (0)

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* ---- Parse: success ---------------------------------------------------- */

START_TEST(test_parse_vmlinux)
{
	struct elf_img img;
	vmlinux_make(&img);
	struct elf_kernel_info info;
	struct error err = { { 0 } };
	ck_assert_msg(parse(&img, &info, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(info.entry, SEG0_PADDR);
	ck_assert_uint_eq(info.link_start, SEG0_PADDR);
	ck_assert_uint_eq(info.link_end, LINK_END);
	ck_assert_uint_eq(info.max_align, ALIGN_2M);
	ck_assert_uint_eq(info.nsegments, 2);
	ck_assert_uint_eq(info.segments[0].index, 0);
	ck_assert_uint_eq(info.segments[0].offset, img.data_off[0]);
	ck_assert_uint_eq(info.segments[0].filesz, SEG0_FILESZ);
	ck_assert_uint_eq(info.segments[0].memsz, SEG0_MEMSZ);
	ck_assert_uint_eq(info.segments[0].paddr, SEG0_PADDR);
	ck_assert_uint_eq(info.segments[1].index, 1);
	ck_assert_uint_eq(info.segments[1].paddr, SEG1_PADDR);
	ck_assert(info.has_pvh_entry);
	ck_assert_uint_eq(info.pvh_entry, PVH_ENTRY);
	elf_free(&img);
}
END_TEST

/* No note: no PVH entry.  p_align 0 and 1 mean none; max_align is still
 * at least a page.  Segments out of paddr order, and touching, are fine;
 * one with p_memsz 0 is skipped (its index is kept in the others). */
START_TEST(test_parse_plain)
{
	static const struct seg segs[] = {
		{ PT_LOAD, 0x300000, 0x100, 0x1000, 0, NULL },
		{ PT_LOAD, 0x900000, 0x80, 0, 1, NULL },
		{ PT_LOAD, 0x200000, 0x1000, 0x100000, 1, NULL },
		{ PT_GNU_STACK, 0, 0, 0, 16, NULL },
	};
	struct elf_img img;
	elf_make(&img, ET_EXEC, 0x300010, segs, 4);
	struct elf_kernel_info info;
	struct error err = { { 0 } };
	ck_assert_msg(parse(&img, &info, &err) == 0, "%s", err.msg);
	ck_assert(!info.has_pvh_entry);
	ck_assert_uint_eq(info.max_align, LOADER_PAGE_SIZE);
	ck_assert_uint_eq(info.nsegments, 2);
	ck_assert_uint_eq(info.segments[1].index, 2);
	ck_assert_uint_eq(info.link_start, 0x200000);
	ck_assert_uint_eq(info.link_end, 0x301000);
	elf_free(&img);
}
END_TEST

START_TEST(test_parse_et_dyn)
{
	struct elf_img img;
	elf_make(&img, ET_DYN, SEG0_PADDR, vmlinux_segs, NSEGS);
	struct elf_kernel_info info;
	struct error err = { { 0 } };
	ck_assert_msg(parse(&img, &info, &err) == 0, "%s", err.msg);
	elf_free(&img);
}
END_TEST

/* Only the first PVH note counts; a second PT_NOTE is still checked. */
START_TEST(test_parse_first_note_wins)
{
	static const uint8_t other[] = {
		4, 0, 0, 0,  4, 0, 0, 0,  XEN_ELFNOTE_PHYS32_ENTRY, 0, 0, 0,
		'X', 'e', 'n', 0,  0x00, 0x10, 0x00, 0x01,
	};
	struct seg segs[] = {
		vmlinux_segs[0], vmlinux_segs[1], vmlinux_segs[2],
		{ PT_NOTE, 0, sizeof(other), 0, 4, other },
	};
	struct elf_img img;
	elf_make(&img, ET_EXEC, SEG0_PADDR, segs, 4);
	struct elf_kernel_info info;
	struct error err = { { 0 } };
	ck_assert_msg(parse(&img, &info, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(info.pvh_entry, PVH_ENTRY);
	elf_free(&img);

	segs[3] = (struct seg){ PT_NOTE, 0, sizeof(bad_note), 0, 4, bad_note };
	elf_make(&img, ET_EXEC, SEG0_PADDR, segs, 4);
	expect_parse_error(&img, "k: segment 3: malformed ELF note at offset 0", "");
	elf_free(&img);
}
END_TEST

/* ---- Parse: the header -------------------------------------------------- */

START_TEST(test_not_elf)
{
	struct elf_img img;
	vmlinux_make(&img);
	struct elf_kernel_info info;
	struct error err = { { 0 } };
	img.data[1] = 'e';
	ck_assert_int_eq(parse(&img, &info, &err), -1);
	ck_assert_str_eq(err.msg, "k: not an ELF file");
	ck_assert_int_eq(elf_parse(NULL, 0, "k", &info, &err), -1);
	ck_assert_str_eq(err.msg, "k: not an ELF file");
	img.data[1] = 'E';
	for (size_t n = 0; n < SELFMAG; n++) {
		ck_assert_int_eq(parse_cut(img.data, n, &err), -1);
		ck_assert_str_eq(err.msg, "k: not an ELF file");
	}
	elf_free(&img);
}
END_TEST

START_TEST(test_wrong_class)
{
	struct elf_img img;
	vmlinux_make(&img);
	img.data[EI_CLASS] = ELFCLASS32;
	struct elf_kernel_info info;
	struct error err = { { 0 } };
	ck_assert_int_eq(parse(&img, &info, &err), -1);
	ck_assert_str_eq(err.msg, "k: wrong class: ELF32, minivmm loads ELF64 only");
	/* An ELF32 header is 52 bytes: still called by its class. */
	ck_assert_int_eq(parse_cut(img.data, 52, &err), -1);
	ck_assert_str_eq(err.msg, "k: wrong class: ELF32, minivmm loads ELF64 only");
	img.data[EI_CLASS] = ELFCLASSNONE;
	expect_parse_error(&img, "k: wrong class: invalid (0)", "ELF64 only");
	elf_free(&img);
}
END_TEST

START_TEST(test_wrong_data_encoding)
{
	struct elf_img img;
	vmlinux_make(&img);
	img.data[EI_DATA] = ELFDATA2MSB;
	expect_parse_error(&img, "k: wrong data encoding 2", "little-endian");
	elf_free(&img);
}
END_TEST

START_TEST(test_wrong_version)
{
	struct elf_img img;
	vmlinux_make(&img);
	img.data[EI_VERSION] = EV_NONE;
	expect_parse_error(&img, "k: wrong ELF version 0", "EV_CURRENT");
	img.data[EI_VERSION] = EV_CURRENT;
	ehdr(&img)->e_version = 2;
	expect_parse_error(&img, "k: wrong ELF version 2", "EV_CURRENT");
	elf_free(&img);
}
END_TEST

START_TEST(test_wrong_machine)
{
	struct elf_img img;
	vmlinux_make(&img);
	ehdr(&img)->e_machine = EM_386;
	struct elf_kernel_info info;
	struct error err = { { 0 } };
	ck_assert_int_eq(parse(&img, &info, &err), -1);
	ck_assert_str_eq(err.msg, "k: wrong machine 3, expected x86-64 (62)");
	ehdr(&img)->e_machine = EM_AARCH64;
	expect_parse_error(&img, "k: wrong machine 183, expected x86-64 (62)", "");
	elf_free(&img);
}
END_TEST

START_TEST(test_wrong_type)
{
	static const uint16_t types[] = { ET_NONE, ET_REL, ET_CORE, 0xfe00, 0xffff };
	struct elf_img img;
	vmlinux_make(&img);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ehdr(&img)->e_type = types[i];
		char expect[64];
		snprintf(expect, sizeof(expect), "k: wrong ELF type %u,", types[i]);
		expect_parse_error(&img, expect, "ET_EXEC");
	}
	elf_free(&img);
}
END_TEST

START_TEST(test_truncated_header)
{
	struct elf_img img;
	vmlinux_make(&img);
	struct error err = { { 0 } };
	for (size_t n = SELFMAG; n < EI_NIDENT; n++) {
		ck_assert_int_eq(parse_cut(img.data, n, &err), -1);
		test_assert_error(err.msg, "k: truncated: ", "identification");
	}
	for (size_t n = EI_NIDENT; n < sizeof(Elf64_Ehdr); n++) {
		ck_assert_int_eq(parse_cut(img.data, n, &err), -1);
		test_assert_error(err.msg, "k: truncated: ", "too short for an ELF64 header");
	}
	/* Header whole, program headers cut. */
	for (size_t n = sizeof(Elf64_Ehdr); n < sizeof(Elf64_Ehdr) + NSEGS * sizeof(Elf64_Phdr);
	     n++) {
		ck_assert_int_eq(parse_cut(img.data, n, &err), -1);
		test_assert_error(err.msg, "k: truncated: 3 program headers at offset 0x40",
				  "past the end of the file");
	}
	elf_free(&img);
}
END_TEST

START_TEST(test_bad_header_sizes)
{
	struct elf_img img;
	vmlinux_make(&img);
	ehdr(&img)->e_ehsize = 52;
	expect_parse_error(&img, "k: corrupt header: e_ehsize 52, expected 64", "");
	ehdr(&img)->e_ehsize = 64;
	ehdr(&img)->e_phentsize = 32;
	expect_parse_error(&img, "k: corrupt header: e_phentsize 32, expected 56", "");
	ehdr(&img)->e_phentsize = 64;
	expect_parse_error(&img, "k: corrupt header: e_phentsize 64, expected 56", "");
	elf_free(&img);
}
END_TEST

START_TEST(test_phnum)
{
	struct elf_img img;
	vmlinux_make(&img);
	ehdr(&img)->e_phnum = 0;
	expect_parse_error(&img, "k: no program headers (e_phnum 0)", "");
	ehdr(&img)->e_phnum = PN_XNUM;
	expect_parse_error(&img, "k: e_phnum PN_XNUM", "not supported");
	elf_free(&img);
}
END_TEST

START_TEST(test_phdrs_past_file)
{
	struct elf_img img;
	vmlinux_make(&img);
	ehdr(&img)->e_phoff = img.size - 10;
	expect_parse_error(&img, "k: truncated: 3 program headers", "past the end of the file");
	/* e_phoff + the table would wrap around to a small number. */
	ehdr(&img)->e_phoff = UINT64_MAX - 100;
	expect_parse_error(&img, "k: truncated: 3 program headers", "0xffffffffffffff9b");
	ehdr(&img)->e_phoff = 64;
	ehdr(&img)->e_phnum = 0xfffe;
	expect_parse_error(&img, "k: truncated: 65534 program headers", "");
	elf_free(&img);
}
END_TEST

/* ---- Parse: segments ----------------------------------------------------- */

START_TEST(test_segment_past_file)
{
	struct elf_img img;
	vmlinux_make(&img);
	phdr(&img, 1)->p_offset = img.size - 0x10;
	expect_parse_error(&img, "k: segment 1: p_offset", "runs past the end of the file");
	phdr(&img, 1)->p_offset = UINT64_MAX - 0x10;   /* offset + filesz wraps */
	expect_parse_error(&img, "k: segment 1: p_offset 0xffffffffffffffef", "past the end");
	phdr(&img, 1)->p_offset = img.data_off[1];
	phdr(&img, 1)->p_filesz = img.size;
	phdr(&img, 1)->p_memsz = img.size;
	expect_parse_error(&img, "k: segment 1: p_offset", "past the end");
	elf_free(&img);
}
END_TEST

START_TEST(test_filesz_above_memsz)
{
	struct elf_img img;
	vmlinux_make(&img);
	phdr(&img, 0)->p_memsz = SEG0_FILESZ - 1;
	expect_parse_error(&img, "k: segment 0: p_filesz 0x3000 is larger than p_memsz 0x2fff",
			   "");
	elf_free(&img);
}
END_TEST

START_TEST(test_paddr_overflow)
{
	struct elf_img img;
	vmlinux_make(&img);
	phdr(&img, 1)->p_paddr = UINT64_MAX - 0x800;
	expect_parse_error(&img, "k: segment 1: p_paddr 0xfffffffffffff7ff + p_memsz 0x1000",
			   "overflows");
	/* Ending exactly at 2^64 wraps too. */
	phdr(&img, 1)->p_paddr = 0ULL - SEG1_SIZE;
	expect_parse_error(&img, "k: segment 1: p_paddr", "overflows");
	elf_free(&img);
}
END_TEST

START_TEST(test_bad_p_align)
{
	static const uint64_t bad[] = { 3, 0x3000, 0x200001, 0xffffffffffffffffULL };
	struct elf_img img;
	vmlinux_make(&img);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		phdr(&img, 1)->p_align = bad[i];
		expect_parse_error(&img, "k: segment 1: p_align", "is not a power of two");
	}
	elf_free(&img);
}
END_TEST

START_TEST(test_overlapping_segments)
{
	struct elf_img img;
	vmlinux_make(&img);
	/* Segment 1 starts inside segment 0's bss. */
	phdr(&img, 1)->p_paddr = SEG0_PADDR + SEG0_MEMSZ - 1;
	struct elf_kernel_info info;
	struct error err = { { 0 } };
	ck_assert_int_eq(parse(&img, &info, &err), -1);
	ck_assert_str_eq(err.msg, "k: segments 0 and 1 overlap: [0x1000000, 0x1005000) and "
			 "[0x1004fff, 0x1005fff)");
	/* Segment 1 around all of segment 0. */
	phdr(&img, 1)->p_paddr = SEG0_PADDR - 1;
	phdr(&img, 1)->p_memsz = SEG0_MEMSZ + 2;
	expect_parse_error(&img, "k: segments 0 and 1 overlap", "");
	/* Touching is not overlapping. */
	phdr(&img, 1)->p_paddr = SEG0_PADDR + SEG0_MEMSZ;
	phdr(&img, 1)->p_memsz = SEG1_SIZE;
	ck_assert_msg(parse(&img, &info, &err) == 0, "%s", err.msg);
	elf_free(&img);
}
END_TEST

START_TEST(test_too_many_segments)
{
	struct seg segs[ELF_MAX_LOAD_SEGMENTS + 1];
	for (unsigned i = 0; i < ELF_MAX_LOAD_SEGMENTS + 1; i++)
		segs[i] = (struct seg){ PT_LOAD, 0x100000 + i * 0x1000ULL, 16, 0x1000, 0x1000,
					NULL };
	struct elf_img img;
	elf_make(&img, ET_EXEC, 0x100000, segs, ELF_MAX_LOAD_SEGMENTS);
	struct elf_kernel_info info;
	struct error err = { { 0 } };
	ck_assert_msg(parse(&img, &info, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(info.nsegments, ELF_MAX_LOAD_SEGMENTS);
	elf_free(&img);
	elf_make(&img, ET_EXEC, 0x100000, segs, ELF_MAX_LOAD_SEGMENTS + 1);
	expect_parse_error(&img, "k: more than 32 PT_LOAD segments", "");
	elf_free(&img);
}
END_TEST

START_TEST(test_no_load_segment)
{
	static const struct seg segs[] = {
		{ PT_LOAD, 0x100000, 0, 0, 0x1000, NULL },
		{ PT_NOTE, 0, sizeof(pvh_note), 0, 4, pvh_note },
	};
	struct elf_img img;
	elf_make(&img, ET_EXEC, 0x100000, segs, 2);
	expect_parse_error(&img, "k: no PT_LOAD segment with memory to load", "");
	elf_free(&img);
}
END_TEST

START_TEST(test_entry_outside)
{
	struct elf_img img;
	vmlinux_make(&img);
	struct elf_kernel_info info;
	struct error err = { { 0 } };
	ehdr(&img)->e_entry = SEG0_PADDR + SEG0_MEMSZ;   /* the gap, just past the bss */
	ck_assert_int_eq(parse(&img, &info, &err), -1);
	ck_assert_str_eq(err.msg, "k: entry point 0x1005000 is outside every PT_LOAD segment");
	ehdr(&img)->e_entry = 0xffffffff81000000ULL;      /* a virtual address */
	expect_parse_error(&img, "k: entry point 0xffffffff81000000 is outside", "");
	ehdr(&img)->e_entry = SEG0_PADDR - 1;
	expect_parse_error(&img, "k: entry point 0xffffff is outside", "");
	/* The last byte of the bss and of the last segment are inside. */
	ehdr(&img)->e_entry = SEG0_PADDR + SEG0_MEMSZ - 1;
	ck_assert_msg(parse(&img, &info, &err) == 0, "%s", err.msg);
	ehdr(&img)->e_entry = LINK_END - 1;
	ck_assert_msg(parse(&img, &info, &err) == 0, "%s", err.msg);
	elf_free(&img);
}
END_TEST

START_TEST(test_pvh_entry_outside)
{
	uint8_t note[sizeof(pvh_note)];
	memcpy(note, pvh_note, sizeof(note));
	note[16] = 0x00; note[17] = 0x00; note[18] = 0x20; note[19] = 0x01;  /* 0x1200000 */
	struct seg segs[] = { vmlinux_segs[0], vmlinux_segs[1], vmlinux_segs[2] };
	segs[2].bytes = note;
	struct elf_img img;
	elf_make(&img, ET_EXEC, SEG0_PADDR, segs, 3);
	struct elf_kernel_info info;
	struct error err = { { 0 } };
	ck_assert_int_eq(parse(&img, &info, &err), -1);
	ck_assert_str_eq(err.msg, "k: PVH entry point 0x1200000 is outside every PT_LOAD "
			 "segment");
	elf_free(&img);
}
END_TEST

START_TEST(test_pvh_note_too_short)
{
	struct seg segs[] = { vmlinux_segs[0], vmlinux_segs[1], vmlinux_segs[2] };
	segs[2] = (struct seg){ PT_NOTE, 0, sizeof(short_pvh_note), 0, 4, short_pvh_note };
	struct elf_img img;
	elf_make(&img, ET_EXEC, SEG0_PADDR, segs, 3);
	struct elf_kernel_info info;
	struct error err = { { 0 } };
	ck_assert_int_eq(parse(&img, &info, &err), -1);
	ck_assert_str_eq(err.msg, "k: segment 2: PVH entry note too short (2 bytes)");
	elf_free(&img);
}
END_TEST

START_TEST(test_malformed_note)
{
	struct seg segs[] = { vmlinux_segs[0], vmlinux_segs[1], vmlinux_segs[2] };
	segs[2] = (struct seg){ PT_NOTE, 0, sizeof(bad_note), 0, 4, bad_note };
	struct elf_img img;
	elf_make(&img, ET_EXEC, SEG0_PADDR, segs, 3);
	struct elf_kernel_info info;
	struct error err = { { 0 } };
	ck_assert_int_eq(parse(&img, &info, &err), -1);
	ck_assert_str_eq(err.msg, "k: segment 2: malformed ELF note at offset 0");
	elf_free(&img);

	/* The good note cut short by p_filesz. */
	vmlinux_make(&img);
	phdr(&img, 2)->p_filesz = sizeof(pvh_note) - 1;
	expect_parse_error(&img, "k: segment 2: malformed ELF note at offset 0", "");
	/* Its bytes past the end of the file. */
	phdr(&img, 2)->p_filesz = sizeof(pvh_note);
	phdr(&img, 2)->p_offset = img.size - 4;
	expect_parse_error(&img, "k: segment 2: p_offset", "past the end of the file");
	elf_free(&img);
}
END_TEST

/* ---- Load ---------------------------------------------------------------- */

/* Guest RAM that is dirty, as reused RAM can be. */
static void ram_dirty(struct test_ram *ram, uint64_t size)
{
	test_ram_init(ram, size);
	memset(ram->host + 0x100000, 0xaa, size - 0x100000);
}

/* Segment n of the vmlinux image at gpa: its file bytes, then zeros to
 * memsz, byte by byte; the byte after it untouched. */
static void check_segment(const struct test_ram *ram, uint64_t gpa, unsigned n,
			  uint64_t filesz, uint64_t memsz)
{
	const uint8_t *p = ram->host + gpa;
	for (uint64_t i = 0; i < filesz; i++)
		ck_assert_msg(p[i] == seg_byte(n, i), "segment %u byte 0x%llx", n,
			      (unsigned long long)i);
	for (uint64_t i = filesz; i < memsz; i++)
		ck_assert_msg(p[i] == 0, "segment %u bss byte 0x%llx is 0x%02x", n,
			      (unsigned long long)i, p[i]);
	ck_assert_uint_eq(p[memsz], 0xaa);
	ck_assert_uint_eq(p[-1], 0xaa);
}

START_TEST(test_load_at_paddr)
{
	struct test_ram ram;
	ram_dirty(&ram, 64 * MiB);
	struct elf_img img;
	vmlinux_make(&img);
	struct guest_kernel_image k;
	struct error err = { { 0 } };
	ck_assert_msg(load(&ram, NULL, &img, 0, 0, &k, &err) == 0, "%s", err.msg);
	check_segment(&ram, SEG0_PADDR, 0, SEG0_FILESZ, SEG0_MEMSZ);
	check_segment(&ram, SEG1_PADDR, 1, SEG1_SIZE, SEG1_SIZE);
	/* The gap between the segments is not written. */
	ck_assert(all_bytes(ram.host + SEG0_PADDR + SEG0_MEMSZ, SEG1_PADDR - SEG0_PADDR -
			    SEG0_MEMSZ, 0xaa));

	ck_assert_int_eq(k.format, KERNEL_FORMAT_ELF);
	ck_assert_uint_eq(k.image.load_paddr, SEG0_PADDR);
	ck_assert_uint_eq(k.image.alignment, ALIGN_2M);
	ck_assert_uint_eq(k.image.size, LINK_END - SEG0_PADDR);
	ck_assert_uint_eq(k.reserved_end, LINK_END);
	ck_assert_int_eq(k.relocation_offset, 0);
	ck_assert_uint_eq(k.linux64_entry, SEG0_PADDR);
	ck_assert_uint_eq(k.entry, SEG0_PADDR);
	ck_assert(k.has_pvh_entry);
	ck_assert_uint_eq(k.pvh_entry, PVH_ENTRY);
	ck_assert_int_eq(k.protocol, KERNEL_BOOT_AUTO);   /* kernel_choose_protocol's job */

	const struct setup_header *h = &k.setup_header;
	ck_assert_uint_eq(h->boot_flag, 0xaa55);
	ck_assert_uint_eq(h->header, 0x53726448);
	ck_assert_uint_eq(h->version, 0x020c);
	ck_assert_uint_eq(h->loadflags, LOADED_HIGH);
	ck_assert_uint_eq(h->code32_start, SEG0_PADDR);
	ck_assert_uint_eq(h->kernel_alignment, ALIGN_2M);
	ck_assert_uint_eq(h->relocatable_kernel, 0);
	ck_assert_uint_eq(h->cmdline_size, 2047);
	ck_assert_uint_eq(h->initrd_addr_max, 0x7fffffff);
	ck_assert_uint_eq(h->xloadflags, XLF_KERNEL_64);
	ck_assert_uint_eq(h->pref_address, SEG0_PADDR);
	ck_assert_uint_eq(h->init_size, LINK_END - SEG0_PADDR);
	ck_assert_uint_eq(h->setup_sects, 0);
	ck_assert_uint_eq(h->cmd_line_ptr, 0);
	elf_free(&img);
	test_ram_free(&ram);
}
END_TEST

/* load_address 0x2100000 with 2 MiB alignment: base 0x2200000; everything
 * moves by 0x1200000, the link address is left alone. */
START_TEST(test_load_relocated)
{
	struct test_ram ram;
	ram_dirty(&ram, 64 * MiB);
	struct elf_img img;
	vmlinux_make(&img);
	struct guest_kernel_image k;
	struct error err = { { 0 } };
	ck_assert_msg(load(&ram, NULL, &img, 0x2100000, ALIGN_2M, &k, &err) == 0, "%s",
		      err.msg);
	const uint64_t off = 0x1200000;
	ck_assert_uint_eq(k.image.load_paddr, 0x2200000);
	ck_assert_uint_eq(k.image.alignment, ALIGN_2M);
	ck_assert_uint_eq(k.image.size, LINK_END - SEG0_PADDR);
	ck_assert_uint_eq(k.reserved_end, LINK_END + off);
	ck_assert_int_eq(k.relocation_offset, (int64_t)off);
	ck_assert_uint_eq(k.linux64_entry, SEG0_PADDR + off);
	ck_assert_uint_eq(k.entry, SEG0_PADDR + off);
	ck_assert_uint_eq(k.pvh_entry, PVH_ENTRY + off);
	ck_assert_uint_eq(k.setup_header.code32_start, 0x2200000);
	ck_assert_uint_eq(k.setup_header.pref_address, SEG0_PADDR);
	check_segment(&ram, SEG0_PADDR + off, 0, SEG0_FILESZ, SEG0_MEMSZ);
	check_segment(&ram, SEG1_PADDR + off, 1, SEG1_SIZE, SEG1_SIZE);
	ck_assert(all_bytes(ram.host + SEG0_PADDR, SEG0_MEMSZ, 0xaa));
	elf_free(&img);
	test_ram_free(&ram);
}
END_TEST

/* Without an alignment the image's own (max_align) rounds; a base below
 * the link address gives a negative offset; an aligned load_address stays. */
START_TEST(test_load_relocated_own_alignment)
{
	struct test_ram ram;
	ram_dirty(&ram, 64 * MiB);
	struct elf_img img;
	vmlinux_make(&img);
	struct guest_kernel_image k;
	struct error err = { { 0 } };
	ck_assert_msg(load(&ram, NULL, &img, 0x2000001, 0, &k, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(k.image.load_paddr, 0x2200000);
	ck_assert_uint_eq(k.image.alignment, ALIGN_2M);
	ck_assert_uint_eq(k.setup_header.kernel_alignment, ALIGN_2M);

	ck_assert_msg(load(&ram, NULL, &img, 0x400000, 0, &k, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(k.image.load_paddr, 0x400000);
	ck_assert_int_eq(k.relocation_offset, -(int64_t)0xc00000);
	ck_assert_uint_eq(k.linux64_entry, 0x400000);
	ck_assert_uint_eq(k.pvh_entry, PVH_ENTRY - 0xc00000);
	check_segment(&ram, 0x400000, 0, SEG0_FILESZ, SEG0_MEMSZ);

	/* A smaller alignment than the image's own is the caller's choice. */
	ck_assert_msg(load(&ram, NULL, &img, 0x2801000, 0x1000, &k, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(k.image.load_paddr, 0x2801000);
	ck_assert_uint_eq(k.image.alignment, 0x1000);
	elf_free(&img);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_load_address_overflow)
{
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	struct elf_img img;
	vmlinux_make(&img);
	struct guest_kernel_image k;
	struct error err = { { 0 } };
	ck_assert_int_eq(load(&ram, NULL, &img, 0xfffffffffffff000ULL, ALIGN_2M, &k, &err), -1);
	test_assert_error(err.msg, "k: load address 0xfffffffffffff000 rounded up to alignment "
			  "0x200000 is out of range", "");
	/* Aligned, but the image does not fit below 2^64. */
	ck_assert_int_eq(load(&ram, NULL, &img, 0xfffffffffff00000ULL, 0x100000, &k, &err), -1);
	test_assert_error(err.msg, "k: kernel of 0x401000 bytes at 0xfffffffffff00000",
			  "past the end of the address space");
	/* Moving a kernel linked near 2^64 down to RAM does not fit in int64. */
	static const struct seg high[] = {
		{ PT_LOAD, 0xffffffff81000000ULL, 0x100, 0x1000, 0x1000, NULL },
	};
	elf_free(&img);
	elf_make(&img, ET_EXEC, 0xffffffff81000000ULL, high, 1);
	ck_assert_int_eq(load(&ram, NULL, &img, 0x100000, 0, &k, &err), -1);
	test_assert_error(err.msg, "k: moving the kernel from 0xffffffff81000000 to 0x100000",
			  "out of range");
	elf_free(&img);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_load_bad_alignment)
{
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	struct elf_img img;
	vmlinux_make(&img);
	struct guest_kernel_image k;
	struct error err = { { 0 } };
	ck_assert_int_eq(load(&ram, NULL, &img, 0x2000000, 0x3000, &k, &err), -1);
	ck_assert_str_eq(err.msg, "k: alignment 0x3000 is not a power of two");
	ck_assert_int_eq(load(&ram, NULL, &img, 0x2000000, 0x800, &k, &err), -1);
	ck_assert_str_eq(err.msg, "k: alignment 0x800 is below the 4 KiB page size");
	/* Checked even without a load address. */
	ck_assert_int_eq(load(&ram, NULL, &img, 0, 0x800, &k, &err), -1);
	test_assert_error(err.msg, "k: alignment 0x800", "4 KiB");
	elf_free(&img);
	test_ram_free(&ram);
}
END_TEST

/* The second segment does not fit: nothing at all is written, not even the
 * first one. */
START_TEST(test_load_segment_past_ram)
{
	struct test_ram ram;
	ram_dirty(&ram, 64 * MiB);
	struct elf_img img;
	vmlinux_make(&img);
	struct guest_kernel_image k;
	struct error err = { { 0 } };
	/* 64 MiB - 0x400000 + 2 MiB alignment: segment 1 ends past RAM. */
	ck_assert_int_eq(load(&ram, NULL, &img, 64 * MiB - 0x400000, 0, &k, &err), -1);
	ck_assert_str_eq(err.msg, "k: segment 1 (0x4000000-0x4001000) is outside guest RAM");
	ck_assert(all_bytes(ram.host + 64 * MiB - 0x400000, 0x5000, 0xaa));
	/* At its own address, in RAM too small for it. */
	test_ram_free(&ram);
	test_ram_init(&ram, 16 * MiB);
	ck_assert_int_eq(load(&ram, NULL, &img, 0, 0, &k, &err), -1);
	ck_assert_str_eq(err.msg, "k: segment 0 (0x1000000-0x1005000) is outside guest RAM");
	elf_free(&img);
	test_ram_free(&ram);
}
END_TEST

/* The 32-bit MMIO hole [3 GiB, 4 GiB) is not RAM, even when RAM goes on
 * above it; a segment above it is fine. */
START_TEST(test_load_segment_in_hole)
{
	struct test_ram ram;
	test_ram_init(&ram, 4 * GiB);
	static const struct seg segs[] = {
		{ PT_LOAD, LAYOUT_MMIO_HOLE_START - 0x100000, 0x1000, 0x200000, 0x1000, NULL },
	};
	struct elf_img img;
	elf_make(&img, ET_EXEC, LAYOUT_MMIO_HOLE_START - 0x100000, segs, 1);
	struct guest_kernel_image k;
	struct error err = { { 0 } };
	ck_assert_int_eq(load(&ram, NULL, &img, 0, 0, &k, &err), -1);
	ck_assert_str_eq(err.msg, "k: segment 0 (0xbff00000-0xc0100000) is outside guest RAM");
	ck_assert_int_eq(load(&ram, NULL, &img, LAYOUT_MMIO_HOLE_START + 0x1000, 0, &k, &err),
			 -1);
	test_assert_error(err.msg, "k: segment 0 (0xc0001000-", "outside guest RAM");
	ck_assert_msg(load(&ram, NULL, &img, LAYOUT_MMIO_HOLE_END, 0, &k, &err) == 0, "%s",
		      err.msg);
	ck_assert_uint_eq(k.image.load_paddr, LAYOUT_MMIO_HOLE_END);
	ck_assert_uint_eq(k.linux64_entry, LAYOUT_MMIO_HOLE_END);
	/* RAM above the hole starts at host offset 3 GiB. */
	ck_assert_uint_eq(ram.host[LAYOUT_MMIO_HOLE_START + 5], seg_byte(0, 5));
	elf_free(&img);
	test_ram_free(&ram);
}
END_TEST

static void list_add(struct image_list *list, enum image_kind kind, const char *path,
		     uint64_t start, uint64_t end)
{
	struct image_record rec = { .kind = kind, .origin = IMAGE_ORIGIN_FILE,
				    .path = (char *)path,
				    .image = { .load_paddr = start, .size = end - start },
				    .claim_end = end };
	struct error err = { { 0 } };
	ck_assert_msg(image_list_add(list, &rec, &err) == 0, "%s", err.msg);
}

START_TEST(test_load_overlaps_list)
{
	struct test_ram ram;
	ram_dirty(&ram, 64 * MiB);
	struct elf_img img;
	vmlinux_make(&img);
	struct guest_kernel_image k;
	struct error err = { { 0 } };
	struct image_list list;
	image_list_init(&list);

	/* On segment 0's bss. */
	list_add(&list, IMAGE_KIND_INITRD, "i", SEG0_PADDR + 0x4000, SEG0_PADDR + 0x6000);
	ck_assert_int_eq(load(&ram, &list, &img, 0, 0, &k, &err), -1);
	test_assert_error(err.msg, "k: segment 0 at [0x1000000, 0x1005000) overlaps initrd i",
			  "");
	ck_assert(all_bytes(ram.host + SEG0_PADDR, SEG0_MEMSZ, 0xaa));
	ck_assert_uint_eq(list.count, 1);
	image_list_free(&list);

	/* In the gap between the segments: the kernel's span is its own. */
	image_list_init(&list);
	list_add(&list, IMAGE_KIND_RAW, "r", 0x1200000, 0x1201000);
	ck_assert_int_eq(load(&ram, &list, &img, 0, 0, &k, &err), -1);
	test_assert_error(err.msg, "k: kernel at [0x1000000, 0x1401000) overlaps raw r", "");

	/* Relocated clear of it: loaded and recorded. */
	ck_assert_msg(load(&ram, &list, &img, 0x2000000, 0, &k, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(list.count, 2);
	const struct image_record *r = &list.items[1];
	ck_assert_int_eq(r->kind, IMAGE_KIND_KERNEL);
	ck_assert_int_eq(r->origin, IMAGE_ORIGIN_FILE);
	ck_assert_str_eq(r->path, "k");
	ck_assert_uint_eq(r->image.load_paddr, 0x2000000);
	ck_assert_uint_eq(r->image.alignment, ALIGN_2M);
	ck_assert_uint_eq(r->image.size, LINK_END - SEG0_PADDR);
	ck_assert_uint_eq(r->claim_end, 0x2000000 + LINK_END - SEG0_PADDR);
	ck_assert(!r->has_raw_addr);
	/* Loading it again over itself is refused by that record. */
	ck_assert_int_eq(load(&ram, &list, &img, 0x2000000, 0, &k, &err), -1);
	test_assert_error(err.msg, "k: segment 0 at [0x2000000, 0x2005000) overlaps kernel k",
			  "");
	image_list_free(&list);
	elf_free(&img);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_load_et_dyn)
{
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	struct elf_img img;
	elf_make(&img, ET_DYN, SEG0_PADDR, vmlinux_segs, NSEGS);
	struct guest_kernel_image k;
	struct error err = { { 0 } };
	ck_assert_msg(load(&ram, NULL, &img, 0x2000000, 0, &k, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(k.setup_header.relocatable_kernel, 1);
	ck_assert_uint_eq(k.image.load_paddr, 0x2000000);
	elf_free(&img);
	test_ram_free(&ram);
}
END_TEST

/* elf_describe: the same numbers as a load, with no RAM; NULL request is
 * the link address with the protocol still to be chosen. */
START_TEST(test_describe)
{
	struct elf_img img;
	vmlinux_make(&img);
	struct image_file f = file_of(&img);
	struct guest_kernel_image k;
	struct error err = { { 0 } };
	ck_assert_msg(elf_describe(&f, NULL, &k, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(k.format, KERNEL_FORMAT_ELF);
	ck_assert_int_eq(k.protocol, KERNEL_BOOT_AUTO);
	ck_assert_uint_eq(k.image.load_paddr, SEG0_PADDR);
	ck_assert_uint_eq(k.reserved_end, LINK_END);
	ck_assert_uint_eq(k.pvh_entry, PVH_ENTRY);
	struct load_request req = { .load_address = 0x2100000, .alignment = ALIGN_2M,
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
	elf_free(&img);
}
END_TEST

/* A p_align past 32 bits cannot be kernel_alignment; 2 GiB still divides
 * it.  The real alignment is in image.alignment. */
START_TEST(test_describe_huge_alignment)
{
	struct seg segs[] = { vmlinux_segs[0], vmlinux_segs[1] };
	segs[0].align = 1ULL << 40;
	struct elf_img img;
	elf_make(&img, ET_EXEC, SEG0_PADDR, segs, 2);
	struct image_file f = file_of(&img);
	struct guest_kernel_image k;
	struct error err = { { 0 } };
	ck_assert_msg(elf_describe(&f, NULL, &k, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(k.image.alignment, 1ULL << 40);
	ck_assert_uint_eq(k.setup_header.kernel_alignment, 0x80000000U);
	ck_assert(!k.has_pvh_entry);
	elf_free(&img);
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

	tc = tcase_create("load");
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
