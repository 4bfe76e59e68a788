/* boot/pvh_start_info.c: hvm_start_info, the module list and the memory map
 * the PVH entry finds through EBX (Xen's public header
 * xen/include/public/arch-x86/hvm/start_info.h), read back from guest RAM
 * both as structs and as raw bytes at start_info.h's offsets. */
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "tests/unit/unit.h"

#define CMDLINE_MAX 0x7ff
#define RSDP        0xe0000ULL

/* The PVH page (start info, module list, memory map) filled with 0xff so
 * that unwritten bytes show. */
static void ram_init_dirty(struct test_ram *ram, uint64_t size)
{
	test_ram_init(ram, size);
	memset(ram->host + LAYOUT_PVH_START_INFO, 0xff, LAYOUT_ZERO_PAGE - LAYOUT_PVH_START_INFO);
}

static const struct hvm_start_info *start_info(const struct test_ram *ram)
{
	return (const struct hvm_start_info *)(ram->host + LAYOUT_PVH_START_INFO);
}

static uint32_t raw32(const struct test_ram *ram, uint64_t gpa)
{
	uint32_t v;
	memcpy(&v, ram->host + gpa, sizeof(v));
	return v;
}

static uint64_t raw64(const struct test_ram *ram, uint64_t gpa)
{
	uint64_t v;
	memcpy(&v, ram->host + gpa, sizeof(v));
	return v;
}

static int all_ff(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xff)
			return 0;
	return 1;
}

START_TEST(test_header_fields)
{
	struct test_ram ram;
	ram_init_dirty(&ram, 64 * MiB);
	struct error err = { 0 };
	ck_assert_msg(pvh_start_info_build(&ram.mem, NULL, "console=ttyS0", CMDLINE_MAX, RSDP,
					   &err) == 0, "%s", err.msg);
	const struct hvm_start_info *si = start_info(&ram);
	ck_assert_uint_eq(si->magic, 0x336ec578);
	ck_assert_uint_eq(si->version, 1);
	ck_assert_uint_eq(si->flags, 0);
	ck_assert_uint_eq(si->rsdp_paddr, RSDP);
	ck_assert_uint_eq(si->memmap_paddr, LAYOUT_PVH_MEMMAP);
	ck_assert_uint_gt(si->memmap_entries, 0);   /* Linux BUG()s on an empty map */
	ck_assert_uint_eq(si->reserved, 0);
	/* The same, at start_info.h's byte offsets. */
	uint64_t b = LAYOUT_PVH_START_INFO;
	ck_assert_uint_eq(raw32(&ram, b + 0), 0x336ec578);
	ck_assert_uint_eq(raw32(&ram, b + 4), 1);
	ck_assert_uint_eq(raw32(&ram, b + 8), 0);
	ck_assert_uint_eq(raw32(&ram, b + 12), 0);
	ck_assert_uint_eq(raw64(&ram, b + 16), 0);
	ck_assert_uint_eq(raw64(&ram, b + 24), LAYOUT_CMDLINE);
	ck_assert_uint_eq(raw64(&ram, b + 32), RSDP);
	ck_assert_uint_eq(raw64(&ram, b + 40), LAYOUT_PVH_MEMMAP);
	ck_assert_uint_eq(raw32(&ram, b + 48), 5);   /* e820_build's 5 entries for 64 MiB */
	ck_assert_uint_eq(raw32(&ram, b + 52), 0);
	/* 56 bytes and not one more. */
	ck_assert(all_ff(ram.host + b + 56, LAYOUT_PVH_MODLIST - b - 56));
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_no_rsdp)
{
	struct test_ram ram;
	ram_init_dirty(&ram, 64 * MiB);
	struct error err = { 0 };
	ck_assert_msg(pvh_start_info_build(&ram.mem, NULL, "", CMDLINE_MAX, 0, &err) == 0, "%s",
		      err.msg);
	ck_assert_uint_eq(start_info(&ram)->rsdp_paddr, 0);
	test_ram_free(&ram);
}
END_TEST

static const uint64_t memmap_sizes[] = { 64 * MiB, 3584 * MiB, 8 * GiB };

START_TEST(test_memmap_is_e820)
{
	struct test_ram ram;
	ram_init_dirty(&ram, memmap_sizes[_i]);
	struct error err = { 0 };
	ck_assert_msg(pvh_start_info_build(&ram.mem, NULL, "", CMDLINE_MAX, 0, &err) == 0, "%s",
		      err.msg);
	struct boot_e820_entry e820[E820_MAX_ENTRIES_ZEROPAGE];
	int n = e820_build(&ram.mem, e820, E820_MAX_ENTRIES_ZEROPAGE, &err);
	ck_assert_msg(n > 0, "%s", err.msg);
	const struct hvm_start_info *si = start_info(&ram);
	ck_assert_uint_eq(si->memmap_entries, (uint32_t)n);
	ck_assert_uint_eq(si->memmap_paddr, LAYOUT_PVH_MEMMAP);
	const struct hvm_memmap_table_entry *m =
		(const struct hvm_memmap_table_entry *)(ram.host + LAYOUT_PVH_MEMMAP);
	for (int i = 0; i < n; i++) {
		ck_assert_uint_eq(m[i].addr, e820[i].addr);
		ck_assert_uint_eq(m[i].size, e820[i].size);
		ck_assert_uint_eq(m[i].type, e820[i].type);
		ck_assert_uint_eq(m[i].reserved, 0);
		/* start_info.h's entry layout: addr at 0, size at 8, type at 16. */
		uint64_t at = LAYOUT_PVH_MEMMAP + (uint64_t)i * 24;
		ck_assert_uint_eq(raw64(&ram, at), e820[i].addr);
		ck_assert_uint_eq(raw64(&ram, at + 8), e820[i].size);
		ck_assert_uint_eq(raw32(&ram, at + 16), e820[i].type);
	}
	/* Nothing past the last entry. */
	ck_assert(all_ff(ram.host + LAYOUT_PVH_MEMMAP + (uint64_t)n * 24, 24));
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_initrd_is_module_0)
{
	struct test_ram ram;
	ram_init_dirty(&ram, 64 * MiB);
	struct error err = { 0 };
	struct guest_image initrd = { .load_paddr = 0x3000000, .alignment = 0x1000,
				      .size = 0x123456 };
	ck_assert_msg(pvh_start_info_build(&ram.mem, &initrd, "", CMDLINE_MAX, 0, &err) == 0,
		      "%s", err.msg);
	const struct hvm_start_info *si = start_info(&ram);
	ck_assert_uint_eq(si->nr_modules, 1);
	ck_assert_uint_eq(si->modlist_paddr, LAYOUT_PVH_MODLIST);
	const struct hvm_modlist_entry *mod =
		(const struct hvm_modlist_entry *)(ram.host + LAYOUT_PVH_MODLIST);
	ck_assert_uint_eq(mod->paddr, 0x3000000);
	ck_assert_uint_eq(mod->size, 0x123456);
	ck_assert_uint_eq(mod->cmdline_paddr, 0);
	ck_assert_uint_eq(mod->reserved, 0);
	/* start_info.h's entry layout: paddr, size, cmdline_paddr, reserved; 32 bytes. */
	ck_assert_uint_eq(raw64(&ram, LAYOUT_PVH_MODLIST), 0x3000000);
	ck_assert_uint_eq(raw64(&ram, LAYOUT_PVH_MODLIST + 8), 0x123456);
	ck_assert_uint_eq(raw64(&ram, LAYOUT_PVH_MODLIST + 16), 0);
	ck_assert_uint_eq(raw64(&ram, LAYOUT_PVH_MODLIST + 24), 0);
	ck_assert(all_ff(ram.host + LAYOUT_PVH_MODLIST + 32,
			 LAYOUT_PVH_MEMMAP - LAYOUT_PVH_MODLIST - 32));
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_no_initrd_no_modules)
{
	struct test_ram ram;
	ram_init_dirty(&ram, 64 * MiB);
	struct error err = { 0 };
	ck_assert_msg(pvh_start_info_build(&ram.mem, NULL, "", CMDLINE_MAX, 0, &err) == 0, "%s",
		      err.msg);
	ck_assert_uint_eq(start_info(&ram)->nr_modules, 0);
	ck_assert_uint_eq(start_info(&ram)->modlist_paddr, 0);   /* start_info.h: 0 means absent */
	ck_assert(all_ff(ram.host + LAYOUT_PVH_MODLIST, LAYOUT_PVH_MEMMAP - LAYOUT_PVH_MODLIST));
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_cmdline_written_and_pointed_at)
{
	struct test_ram ram;
	ram_init_dirty(&ram, 64 * MiB);
	memset(ram.host + LAYOUT_CMDLINE, 0xff, 64);
	struct error err = { 0 };
	ck_assert_msg(pvh_start_info_build(&ram.mem, NULL, "console=ttyS0 quiet", CMDLINE_MAX, 0,
					   &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(start_info(&ram)->cmdline_paddr, LAYOUT_CMDLINE);
	ck_assert_str_eq((const char *)ram.host + start_info(&ram)->cmdline_paddr,
			 "console=ttyS0 quiet");
	/* No command line: an empty one, still pointed at. */
	ram.host[LAYOUT_CMDLINE] = 'z';
	ck_assert_msg(pvh_start_info_build(&ram.mem, NULL, NULL, CMDLINE_MAX, 0, &err) == 0, "%s",
		      err.msg);
	ck_assert_uint_eq(start_info(&ram)->cmdline_paddr, LAYOUT_CMDLINE);
	ck_assert_uint_eq(ram.host[LAYOUT_CMDLINE], 0);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_cmdline_too_long)
{
	struct test_ram ram;
	ram_init_dirty(&ram, 64 * MiB);
	char *line = malloc(CMDLINE_MAX + 2);
	ck_assert_ptr_nonnull(line);
	memset(line, 'x', CMDLINE_MAX + 1);
	line[CMDLINE_MAX + 1] = '\0';
	struct error err = { 0 };
	ck_assert_int_eq(pvh_start_info_build(&ram.mem, NULL, line, CMDLINE_MAX, 0, &err), -1);
	ck_assert_str_eq(err.msg, "command line is 2048 bytes, the kernel accepts at most 2047");
	/* Refused before any start info was written. */
	ck_assert(all_ff(ram.host + LAYOUT_PVH_START_INFO, sizeof(struct hvm_start_info)));
	/* One byte shorter is accepted. */
	line[CMDLINE_MAX] = '\0';
	ck_assert_msg(pvh_start_info_build(&ram.mem, NULL, line, CMDLINE_MAX, 0, &err) == 0, "%s",
		      err.msg);
	free(line);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_ram_too_small)
{
	struct test_ram ram;
	ram_init_dirty(&ram, 1 * MiB);
	struct error err = { 0 };
	ck_assert_int_eq(pvh_start_info_build(&ram.mem, NULL, "", CMDLINE_MAX, 0, &err), -1);
	test_assert_error(err.msg, "guest RAM of 1024 KiB is too small");
	ck_assert(all_ff(ram.host + LAYOUT_PVH_START_INFO,
			 LAYOUT_ZERO_PAGE - LAYOUT_PVH_START_INFO));
	test_ram_free(&ram);
}
END_TEST

Suite *pvh_suite(void)
{
	Suite *s = suite_create("pvh");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_header_fields);
	tcase_add_test(tc, test_no_rsdp);
	tcase_add_loop_test(tc, test_memmap_is_e820, 0,
			    sizeof(memmap_sizes) / sizeof(memmap_sizes[0]));
	tcase_add_test(tc, test_initrd_is_module_0);
	tcase_add_test(tc, test_no_initrd_no_modules);
	tcase_add_test(tc, test_cmdline_written_and_pointed_at);
	tcase_add_test(tc, test_cmdline_too_long);
	tcase_add_test(tc, test_ram_too_small);
	suite_add_tcase(s, tc);
	return s;
}
