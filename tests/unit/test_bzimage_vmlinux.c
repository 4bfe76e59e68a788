/* loader/bzimage_vmlinux.c and its use in kernel_parse/kernel_load: with
 * --boot auto and the default placement, a bzImage whose payload
 * decompresses to an ELF linked at pref_address is loaded as that ELF, with
 * the bzImage's own setup header; --kernel-addr, --kernel-align, --boot
 * linux64, an unsupported format or an ELF linked elsewhere keep the
 * bzImage as it is.  A test case of the bzimage_payload suite. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/elf_builder.h"
#include "tests/unit/payload_builder.h"

TCase *bzimage_vmlinux_tcase(void);

#define HINT "(--boot linux64 lets the guest decompress it)"
/* The test ELF ends at TEST_ELF_LINK_END; the bzImage claims init_size
 * from pref_address, which reaches further. */
#define PAYLOAD_RESERVED_END (TEST_PREF_ADDR + TEST_INIT_SIZE)

/* A bzImage carrying the vmlinux-shaped test ELF, and its file. */
struct vm_test {
	struct test_elf_img elf;
	struct test_bzimage img;
	struct image_file file;
	struct test_ram ram;
	struct image_list list;
	struct guest_kernel_image k;
	struct error err;
};

static void vm_test_init(struct vm_test *t, enum bzimage_payload_format format)
{
	memset(t, 0, sizeof(*t));
	test_elf_vmlinux_make(&t->elf);
	test_payload_bzimage_of(&t->img, format, t->elf.data, t->elf.size);
	t->file = (struct image_file){ .path = "vmlinuz", .origin = IMAGE_ORIGIN_FILE,
				       .data = t->img.data, .size = t->img.size };
	test_ram_init(&t->ram, 64 * MiB);
	memset(t->ram.host + 0x100000, 0xaa, t->ram.size - 0x100000);
	image_list_init(&t->list);
}

static void vm_test_free(struct vm_test *t)
{
	bzimage_vmlinux_release(&t->file);
	image_list_free(&t->list);
	test_ram_free(&t->ram);
	test_bzimage_free(&t->img);
	test_elf_free(&t->elf);
}

static int parse(struct vm_test *t, struct load_request req)
{
	return kernel_parse(&t->file, &req, &t->ram.mem, &t->k, &t->err);
}

static int load(struct vm_test *t, struct load_request req)
{
	return kernel_load(&t->ram.mem, &t->list, &t->file, &req, &t->k, &t->err);
}

static const struct load_request AUTO = { .protocol = KERNEL_BOOT_AUTO };

/* What both kernel_parse and kernel_load say of the payload's vmlinux. */
static void expect_payload_kernel(const struct vm_test *t, enum bzimage_payload_format format)
{
	const struct guest_kernel_image *k = &t->k;
	ck_assert_int_eq(k->format, KERNEL_FORMAT_BZIMAGE_PAYLOAD);
	ck_assert_int_eq(k->payload_format, format);
	ck_assert_uint_eq(k->image.load_paddr, TEST_ELF_SEG0_PADDR);
	ck_assert_uint_eq(k->image.size, TEST_ELF_LINK_END - TEST_ELF_SEG0_PADDR);
	ck_assert_uint_eq(k->image.alignment, TEST_ELF_MAX_ALIGN);
	ck_assert_uint_eq(k->relocation_offset, 0);
	/* The 64-bit entry at e_entry, although the ELF has a PVH note: the
	 * bzImage's header goes to the kernel in boot_params. */
	ck_assert_int_eq(k->protocol, KERNEL_BOOT_LINUX64);
	ck_assert_uint_eq(k->entry, TEST_ELF_SEG0_PADDR);
	ck_assert_uint_eq(k->linux64_entry, TEST_ELF_SEG0_PADDR);
	ck_assert(!k->has_pvh_entry);
	ck_assert_uint_eq(k->reserved_end, PAYLOAD_RESERVED_END);
	ck_assert_mem_eq(&k->setup_header, test_bzimage_header((struct test_bzimage *)&t->img),
			 sizeof(k->setup_header));
}

START_TEST(test_parse_and_load_the_payload)
{
	enum bzimage_payload_format format = test_payload_formats[_i];
	struct vm_test t;
	vm_test_init(&t, format);
	ck_assert_msg(parse(&t, AUTO) == 0, "%s", t.err.msg);
	expect_payload_kernel(&t, format);
	/* Kept for kernel_load, in guest RAM where the kernel's own
	 * decompressor would write it. */
	const struct bzimage_payload *kept = bzimage_vmlinux_payload(&t.file);
	ck_assert_ptr_nonnull(kept);
	ck_assert(kept->borrowed);
	ck_assert_ptr_eq(kept->data, t.ram.host + TEST_PREF_ADDR);
	ck_assert_mem_eq(kept->data, t.elf.data, t.elf.size);

	memset(&t.k, 0, sizeof(t.k));
	ck_assert_msg(load(&t, AUTO) == 0, "%s", t.err.msg);
	expect_payload_kernel(&t, format);
	ck_assert_ptr_null(t.file.vmlinux);      /* freed once loaded */
	/* Every segment at its link address, the bss tail zeroed over dirty
	 * RAM, the gap between segments left alone. */
	const uint8_t *seg0 = t.ram.host + TEST_ELF_SEG0_PADDR;
	for (uint64_t i = 0; i < TEST_ELF_SEG0_FILESZ; i++)
		ck_assert_uint_eq(seg0[i], test_elf_seg_byte(0, i));
	for (uint64_t i = TEST_ELF_SEG0_FILESZ; i < TEST_ELF_SEG0_MEMSZ; i++)
		ck_assert_uint_eq(seg0[i], 0);
	ck_assert_uint_eq(seg0[TEST_ELF_SEG0_MEMSZ], 0xaa);
	const uint8_t *seg1 = t.ram.host + TEST_ELF_SEG1_PADDR;
	for (uint64_t i = 0; i < TEST_ELF_SEG1_SIZE; i++)
		ck_assert_uint_eq(seg1[i], test_elf_seg_byte(1, i));
	/* One record, the bzImage's, saying what was done. */
	ck_assert_uint_eq(t.list.count, 1);
	const struct image_record *r = &t.list.items[0];
	ck_assert_int_eq(r->kind, IMAGE_KIND_KERNEL);
	ck_assert_int_eq(r->origin, IMAGE_ORIGIN_FILE);
	ck_assert_str_eq(r->path, "vmlinuz");
	char name[32];
	snprintf(name, sizeof(name), "bzImage+%s", bzimage_payload_format_name(format));
	ck_assert_str_eq(r->format, name);
	ck_assert_str_eq(kernel_format_name(&t.k), name);
	ck_assert_uint_eq(r->image.load_paddr, TEST_ELF_SEG0_PADDR);
	ck_assert_uint_eq(r->claim_end, PAYLOAD_RESERVED_END);
	vm_test_free(&t);
}
END_TEST

/* kernel_load alone (no kernel_parse before it) decompresses by itself. */
START_TEST(test_load_without_parse)
{
	struct vm_test t;
	vm_test_init(&t, BZIMAGE_PAYLOAD_LZ4);
	ck_assert_msg(load(&t, AUTO) == 0, "%s", t.err.msg);
	expect_payload_kernel(&t, BZIMAGE_PAYLOAD_LZ4);
	ck_assert_ptr_null(t.file.vmlinux);
	ck_assert_uint_eq(t.ram.host[TEST_ELF_SEG1_PADDR], test_elf_seg_byte(1, 0));
	vm_test_free(&t);
}
END_TEST

/* --kernel-addr, --kernel-align and --boot linux64 keep today's bzImage
 * path, without decompressing anything; --boot pvh is refused as before. */
START_TEST(test_placement_and_protocol_keep_the_bzimage)
{
	struct vm_test t;
	vm_test_init(&t, BZIMAGE_PAYLOAD_LZ4);
	struct load_request addr = { .load_address = 0x2000000, .protocol = KERNEL_BOOT_AUTO };
	ck_assert_msg(parse(&t, addr) == 0, "%s", t.err.msg);
	ck_assert_int_eq(t.k.format, KERNEL_FORMAT_BZIMAGE);
	ck_assert_ptr_null(t.file.vmlinux);
	ck_assert_msg(load(&t, addr) == 0, "%s", t.err.msg);
	ck_assert_int_eq(t.k.format, KERNEL_FORMAT_BZIMAGE);
	ck_assert_uint_eq(t.k.image.load_paddr, 0x2000000);
	ck_assert_uint_eq(t.k.entry, 0x2000000 + X86_BOOT_ENTRY64_OFFSET);
	ck_assert_str_eq(t.list.items[0].format, "bzImage");
	ck_assert_str_eq(kernel_format_name(&t.k), "bzImage");
	ck_assert_ptr_null(t.file.vmlinux);
	image_list_free(&t.list);

	struct load_request align = { .alignment = 0x400000, .protocol = KERNEL_BOOT_AUTO };
	ck_assert_msg(parse(&t, align) == 0, "%s", t.err.msg);
	ck_assert_int_eq(t.k.format, KERNEL_FORMAT_BZIMAGE);
	ck_assert_msg(load(&t, align) == 0, "%s", t.err.msg);
	ck_assert_int_eq(t.k.format, KERNEL_FORMAT_BZIMAGE);
	image_list_free(&t.list);

	struct load_request linux64 = { .protocol = KERNEL_BOOT_LINUX64 };
	ck_assert_msg(parse(&t, linux64) == 0, "%s", t.err.msg);
	ck_assert_int_eq(t.k.format, KERNEL_FORMAT_BZIMAGE);
	ck_assert_msg(load(&t, linux64) == 0, "%s", t.err.msg);
	ck_assert_int_eq(t.k.format, KERNEL_FORMAT_BZIMAGE);
	ck_assert_uint_eq(t.k.image.load_paddr, TEST_CODE32);
	ck_assert_uint_eq(t.k.entry, TEST_CODE32 + X86_BOOT_ENTRY64_OFFSET);
	ck_assert_ptr_null(t.file.vmlinux);
	image_list_free(&t.list);

	struct load_request pvh = { .protocol = KERNEL_BOOT_PVH };
	ck_assert_int_eq(parse(&t, pvh), -1);
	test_assert_error(t.err.msg, "vmlinuz: --boot pvh", "a bzImage never has one");
	vm_test_free(&t);
}
END_TEST

/* The decompressor relocates a vmlinux linked elsewhere; minivmm does not,
 * so such a bzImage boots as it is.  So does an unsupported format. */
START_TEST(test_falls_back_to_the_bzimage)
{
	struct vm_test t;
	vm_test_init(&t, BZIMAGE_PAYLOAD_GZIP);
	test_bzimage_header(&t.img)->pref_address = 0x2000000;
	ck_assert_msg(parse(&t, AUTO) == 0, "%s", t.err.msg);
	ck_assert_int_eq(t.k.format, KERNEL_FORMAT_BZIMAGE);
	ck_assert_msg(load(&t, AUTO) == 0, "%s", t.err.msg);
	ck_assert_int_eq(t.k.format, KERNEL_FORMAT_BZIMAGE);
	ck_assert_uint_eq(t.k.image.load_paddr, TEST_CODE32);
	ck_assert_str_eq(t.list.items[0].format, "bzImage");
	vm_test_free(&t);

	vm_test_init(&t, BZIMAGE_PAYLOAD_GZIP);
	static const uint8_t lzo[] = { 0x89, 'L', 'Z', 'O', 0, 0x0d, 0x0a, 0x1a, 0x0a, 0x10, 0x30 };
	memcpy(test_payload_bytes(&t.img), lzo, sizeof(lzo));
	ck_assert_msg(parse(&t, AUTO) == 0, "%s", t.err.msg);
	ck_assert_int_eq(t.k.format, KERNEL_FORMAT_BZIMAGE);
	ck_assert_msg(load(&t, AUTO) == 0, "%s", t.err.msg);
	ck_assert_int_eq(t.k.format, KERNEL_FORMAT_BZIMAGE);
	vm_test_free(&t);
}
END_TEST

/* A payload that is no x86-64 ELF64 is what a kernel other than Linux may
 * carry (boot.rst "payload_offset": only Linux's is "currently always
 * ELF"): a non-relocatable bzImage with one boots through its own 64-bit
 * entry at its own address, code32_start + 0x200, as GRUB and QEMU boot
 * it. */
static void vm_test_payload(struct vm_test *t, const uint8_t *in, size_t len)
{
	test_bzimage_free(&t->img);
	test_payload_bzimage_of(&t->img, BZIMAGE_PAYLOAD_GZIP, in, len);
	t->file.data = t->img.data;
	t->file.size = t->img.size;
}

static void expect_own_entry(struct vm_test *t)
{
	ck_assert_msg(parse(t, AUTO) == 0, "%s", t->err.msg);
	ck_assert_int_eq(t->k.format, KERNEL_FORMAT_BZIMAGE);
	ck_assert_msg(load(t, AUTO) == 0, "%s", t->err.msg);
	ck_assert_int_eq(t->k.format, KERNEL_FORMAT_BZIMAGE);
	ck_assert_int_eq(t->k.protocol, KERNEL_BOOT_LINUX64);
	ck_assert_uint_eq(t->k.image.load_paddr, TEST_CODE32);
	ck_assert_uint_eq(t->k.entry, TEST_CODE32 + X86_BOOT_ENTRY64_OFFSET);
	ck_assert_str_eq(t->list.items[0].format, "bzImage");
	/* The bzImage's own code, not the payload, is at the entry. */
	ck_assert_uint_eq(t->ram.host[TEST_CODE32], test_payload_byte(0));
	/* The verdict kept for the file: boot the bzImage as it is. */
	ck_assert_int_eq(bzimage_vmlinux_prepare(&t->file, NULL, 64 * MiB, &t->err), 0);
}

START_TEST(test_foreign_payload_boots_its_own_entry)
{
	struct vm_test t;
	uint8_t junk[4096];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = test_payload_byte(i);
	vm_test_init(&t, BZIMAGE_PAYLOAD_GZIP);
	vm_test_payload(&t, junk, sizeof(junk));
	test_bzimage_header(&t.img)->relocatable_kernel = 0;
	test_bzimage_header(&t.img)->pref_address = TEST_CODE32;
	expect_own_entry(&t);
	vm_test_free(&t);

	/* An ELF32 (a 32-bit kernel's payload), or an ELF64 for another
	 * machine, is no vmlinux minivmm loads either. */
	for (int variant = 0; variant < 2; variant++) {
		vm_test_init(&t, BZIMAGE_PAYLOAD_GZIP);
		struct test_elf_img elf;
		test_elf_vmlinux_make(&elf);
		if (variant == 0)
			elf.data[EI_CLASS] = ELFCLASS32;
		else
			elf.data[18] = 0xb7;   /* e_machine EM_AARCH64 */
		vm_test_payload(&t, elf.data, elf.size);
		expect_own_entry(&t);
		test_elf_free(&elf);
		vm_test_free(&t);
	}
}
END_TEST

/* A broken x86-64 ELF64 payload, or a corrupt stream, is Linux's and would
 * fail in its own decompressor too: an error that names the way out;
 * --boot linux64 takes it. */
START_TEST(test_bad_payload_is_an_error)
{
	struct vm_test t;
	vm_test_init(&t, BZIMAGE_PAYLOAD_GZIP);
	struct test_elf_img elf;
	test_elf_vmlinux_make(&elf);
	elf.data[EI_VERSION] = 7;
	vm_test_payload(&t, elf.data, elf.size);
	test_elf_free(&elf);
	ck_assert_int_eq(parse(&t, AUTO), -1);
	test_assert_error(t.err.msg, "vmlinuz: the bzImage's gzip payload: wrong ELF version 7", HINT);
	ck_assert_ptr_null(t.file.vmlinux);
	ck_assert_int_eq(load(&t, AUTO), -1);
	test_assert_error(t.err.msg, "vmlinuz: the bzImage's gzip payload: wrong ELF version 7", HINT);
	ck_assert_uint_eq(t.list.count, 0);
	struct load_request linux64 = { .protocol = KERNEL_BOOT_LINUX64 };
	ck_assert_msg(parse(&t, linux64) == 0, "%s", t.err.msg);
	ck_assert_msg(load(&t, linux64) == 0, "%s", t.err.msg);
	ck_assert_int_eq(t.k.format, KERNEL_FORMAT_BZIMAGE);
	vm_test_free(&t);

	vm_test_init(&t, BZIMAGE_PAYLOAD_LZ4);
	test_bzimage_header(&t.img)->payload_length -= 10;   /* the trailer moves into the stream */
	ck_assert_int_eq(parse(&t, AUTO), -1);
	test_assert_error(t.err.msg, "vmlinuz: the bzImage's lz4 payload is corrupt: ", HINT);
	struct load_request addr = { .load_address = 0x2000000, .protocol = KERNEL_BOOT_AUTO };
	ck_assert_msg(parse(&t, addr) == 0, "%s", t.err.msg);
	vm_test_free(&t);
}
END_TEST

/* The vmlinux may be no larger than guest RAM, checked before decompressing
 * when kernel_load runs alone and against the kept copy after kernel_parse
 * (which knows no RAM size). */
START_TEST(test_no_larger_than_guest_ram)
{
	struct vm_test t;
	vm_test_init(&t, BZIMAGE_PAYLOAD_LZ4);
	test_ram_free(&t.ram);
	test_ram_init(&t.ram, 8 * MiB);
	size_t big = 9 * MiB;
	uint8_t *padded = calloc(1, big);   /* an ELF with 9 MiB of zeros after it */
	ck_assert_ptr_nonnull(padded);
	memcpy(padded, t.elf.data, t.elf.size);
	test_bzimage_free(&t.img);
	test_payload_bzimage_of(&t.img, BZIMAGE_PAYLOAD_LZ4, padded, big);
	free(padded);
	t.file.data = t.img.data;
	t.file.size = t.img.size;
	ck_assert_int_eq(load(&t, AUTO), -1);
	test_assert_error(t.err.msg, "vmlinuz: the bzImage's lz4 payload says it decompresses to "
			  "0x900000 bytes, more than minivmm unpacks here (0x800000", HINT);
	ck_assert_msg(parse(&t, AUTO) == 0, "%s", t.err.msg);
	ck_assert_int_eq(load(&t, AUTO), -1);
	test_assert_error(t.err.msg, "vmlinuz: the bzImage's lz4 payload decompresses to 0x900000 "
			  "bytes, more than guest RAM (0x800000)", HINT);
	vm_test_free(&t);
}
END_TEST

/* The claim reaches pref_address + init_size: it must be RAM and free. */
START_TEST(test_claim_must_be_ram_and_free)
{
	struct vm_test t;
	vm_test_init(&t, BZIMAGE_PAYLOAD_ZSTD);
	struct image_record blob = {
		.kind = IMAGE_KIND_RAW, .origin = IMAGE_ORIGIN_FILE, .path = "blob",
		.image = { 0x1600000, 1, 0x1000 }, .claim_end = 0x1601000,
	};
	ck_assert_int_eq(image_list_add(&t.list, &blob, &t.err), 0);
	ck_assert_int_eq(load(&t, AUTO), -1);
	ck_assert_str_eq(t.err.msg, "vmlinuz: kernel at [0x1000000, 0x1800000) overlaps raw blob "
			 "at [0x1600000, 0x1601000)");
	ck_assert_uint_eq(t.ram.host[TEST_ELF_SEG0_PADDR], 0xaa);   /* nothing copied */
	vm_test_free(&t);

	vm_test_init(&t, BZIMAGE_PAYLOAD_ZSTD);
	test_ram_free(&t.ram);
	test_ram_init(&t.ram, 0x1700000);
	ck_assert_int_eq(load(&t, AUTO), -1);
	ck_assert_str_eq(t.err.msg, "vmlinuz: the kernel needs guest RAM up to 0x1800000 (its "
			 "vmlinux and init_size 0x800000) but RAM ends at 0x1700000");
	vm_test_free(&t);
}
END_TEST

START_TEST(test_format_names)
{
	struct guest_kernel_image k = { .format = KERNEL_FORMAT_BZIMAGE };
	ck_assert_str_eq(kernel_format_name(&k), "bzImage");
	k.format = KERNEL_FORMAT_ELF;
	ck_assert_str_eq(kernel_format_name(&k), "ELF");
	k.format = KERNEL_FORMAT_BZIMAGE_PAYLOAD;
	static const char *const names[] = { "bzImage+?", "bzImage+gzip", "bzImage+bzip2",
					     "bzImage+lzma", "bzImage+xz", "bzImage+lzo",
					     "bzImage+lz4", "bzImage+zstd" };
	for (int f = BZIMAGE_PAYLOAD_UNKNOWN; f <= BZIMAGE_PAYLOAD_ZSTD; f++) {
		k.payload_format = (enum bzimage_payload_format)f;
		ck_assert_str_eq(kernel_format_name(&k), names[f]);
	}
}
END_TEST

/* A file read the ordinary way and parsed, then freed without a load:
 * image_file_free frees the kept vmlinux too (LeakSanitizer in make asan). */
START_TEST(test_file_free_releases_the_payload)
{
	struct test_elf_img elf;
	struct test_bzimage img;
	struct image_source src;
	struct image_file file;
	struct guest_kernel_image k;
	struct error err = { 0 };
	test_elf_vmlinux_make(&elf);
	test_payload_bzimage_of(&img, BZIMAGE_PAYLOAD_XZ, elf.data, elf.size);
	image_source_buffer(&src, "vmlinuz", img.data, img.size);
	ck_assert_int_eq(image_file_pull(&file, &src, &err), 0);
	ck_assert_msg(kernel_parse(&file, &AUTO, NULL, &k, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(file.vmlinux);
	image_file_free(&file);
	ck_assert_ptr_null(file.vmlinux);
	test_bzimage_free(&img);
	test_elf_free(&elf);
}
END_TEST

/* A vmlinux whose first segment, moved in place from where the payload was
 * decompressed, would land on the bytes of the second before they move: the
 * payload leaves guest RAM for a mapping of its own, and both segments
 * arrive whole. */
START_TEST(test_segments_that_cannot_move_in_place)
{
	static const struct test_elf_seg segs[] = {
		{ PT_LOAD, TEST_PREF_ADDR + 0x2000, 0x1000, 0x1000, 0x1000, NULL },
		{ PT_LOAD, TEST_PREF_ADDR, 0x1000, 0x2000, 0x1000, NULL },
	};
	struct vm_test t;
	vm_test_init(&t, BZIMAGE_PAYLOAD_GZIP);
	test_bzimage_free(&t.img);
	test_elf_free(&t.elf);
	test_elf_make(&t.elf, ET_EXEC, TEST_PREF_ADDR, segs, 2);
	/* Segment 0 goes to 0x2000 and segment 1's bytes lie below 0x20b0. */
	ck_assert_uint_gt(t.elf.data_off[1] + 0x1000, 0x2000);
	test_payload_bzimage_of(&t.img, BZIMAGE_PAYLOAD_GZIP, t.elf.data, t.elf.size);
	t.file.data = t.img.data;
	t.file.size = t.img.size;

	ck_assert_msg(parse(&t, AUTO) == 0, "%s", t.err.msg);
	const struct bzimage_payload *kept = bzimage_vmlinux_payload(&t.file);
	ck_assert_ptr_nonnull(kept);
	ck_assert(!kept->borrowed);
	ck_assert_mem_eq(kept->data, t.elf.data, t.elf.size);
	ck_assert_msg(load(&t, AUTO) == 0, "%s", t.err.msg);
	const uint8_t *ram = t.ram.host + TEST_PREF_ADDR;
	for (uint64_t i = 0; i < 0x1000; i++) {
		ck_assert_uint_eq(ram[i], test_elf_seg_byte(1, i));
		ck_assert_uint_eq(ram[0x1000 + i], 0);
		ck_assert_uint_eq(ram[0x2000 + i], test_elf_seg_byte(0, i));
	}
	vm_test_free(&t);
}
END_TEST

TCase *bzimage_vmlinux_tcase(void)
{
	TCase *tc = tcase_create("vmlinux");
	tcase_add_loop_test(tc, test_parse_and_load_the_payload, 0, TEST_PAYLOAD_NFORMATS);
	tcase_add_test(tc, test_load_without_parse);
	tcase_add_test(tc, test_placement_and_protocol_keep_the_bzimage);
	tcase_add_test(tc, test_falls_back_to_the_bzimage);
	tcase_add_test(tc, test_foreign_payload_boots_its_own_entry);
	tcase_add_test(tc, test_bad_payload_is_an_error);
	tcase_add_test(tc, test_no_larger_than_guest_ram);
	tcase_add_test(tc, test_claim_must_be_ram_and_free);
	tcase_add_test(tc, test_format_names);
	tcase_add_test(tc, test_file_free_releases_the_payload);
	tcase_add_test(tc, test_segments_that_cannot_move_in_place);
	return tc;
}
