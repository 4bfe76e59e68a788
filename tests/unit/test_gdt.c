/* boot/gdt.c: descriptors decoded field by field (SDM Vol. 3A, "Segment
 * Descriptors", "TSS Descriptor in 64-bit Mode") and the empty IDT. */
#include <string.h>

#include "boot/boot.h"
#include "tests/unit/unit.h"

static void build(struct test_ram *ram, uint64_t gdt[BOOT_GDT_ENTRIES])
{
	struct error err = { 0 };
	test_ram_init(ram, 64 * MiB);
	memset(ram->host + LAYOUT_GDT, 0xff, 0x100);  /* GDT and IDT area dirty */
	ck_assert_uint_le(LAYOUT_IDT + 16, LAYOUT_GDT + 0x100);
	ck_assert_msg(gdt_build(&ram->mem, &err) == 0, "%s", err.msg);
	memcpy(gdt, ram->host + LAYOUT_GDT, BOOT_GDT_ENTRIES * 8);
}

START_TEST(test_raw_descriptors)
{
	struct test_ram ram;
	uint64_t gdt[BOOT_GDT_ENTRIES];
	build(&ram, gdt);
	ck_assert_uint_eq(gdt[0], 0);
	ck_assert_uint_eq(gdt[1], 0);
	ck_assert_uint_eq(gdt[BOOT_GDT_CODE_SEL / 8], 0x00af9b000000ffffULL);
	ck_assert_uint_eq(gdt[BOOT_GDT_DATA_SEL / 8], 0x00cf93000000ffffULL);
	ck_assert_uint_eq(gdt[BOOT_GDT_TSS_SEL / 8], 0x00008b0000000067ULL);
	ck_assert_uint_eq(gdt[BOOT_GDT_TSS_SEL / 8 + 1], 0);
	ck_assert_uint_eq(gdt[BOOT_GDT_CODE32_SEL / 8], 0x00cf9b000000ffffULL);
	ck_assert_uint_eq(BOOT_GDT_CODE32_SEL, 0x30);
	ck_assert_uint_eq(BOOT_GDT_ENTRIES, 7);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_code_descriptor)
{
	struct test_ram ram;
	uint64_t gdt[BOOT_GDT_ENTRIES];
	build(&ram, gdt);
	struct test_descriptor d = test_decode_descriptor(gdt[BOOT_GDT_CODE_SEL / 8], 0);
	ck_assert_uint_eq(d.base, 0);
	ck_assert_uint_eq(d.limit, 0xfffff);
	ck_assert_uint_eq(d.g, 1);          /* 4 GiB flat */
	ck_assert_uint_eq(d.type, 0xb);     /* execute/read, accessed */
	ck_assert_uint_eq(d.s, 1);
	ck_assert_uint_eq(d.dpl, 0);
	ck_assert_uint_eq(d.p, 1);
	ck_assert_uint_eq(d.l, 1);          /* 64-bit code ... */
	ck_assert_uint_eq(d.db, 0);         /* ... which requires D = 0 */
	test_ram_free(&ram);
}
END_TEST

/* The PVH entry's CS (Xen's docs/misc/pvh.pandoc: "a 32-bit read/execute
 * code segment with a base of '0' and a limit of '0xFFFFFFFF'"). */
START_TEST(test_code32_descriptor)
{
	struct test_ram ram;
	uint64_t gdt[BOOT_GDT_ENTRIES];
	build(&ram, gdt);
	struct test_descriptor d = test_decode_descriptor(gdt[BOOT_GDT_CODE32_SEL / 8], 0);
	ck_assert_uint_eq(d.base, 0);
	ck_assert_uint_eq(d.limit, 0xfffff);
	ck_assert_uint_eq(d.g, 1);          /* 4 GiB flat */
	ck_assert_uint_eq(d.type, 0xb);     /* execute/read, accessed */
	ck_assert_uint_eq(d.s, 1);
	ck_assert_uint_eq(d.dpl, 0);
	ck_assert_uint_eq(d.p, 1);
	ck_assert_uint_eq(d.avl, 0);
	ck_assert_uint_eq(d.l, 0);          /* not 64-bit code ... */
	ck_assert_uint_eq(d.db, 1);         /* ... but 32-bit */
	test_ram_free(&ram);
}
END_TEST

/* In 32-bit protected mode (the PVH entry) the TSS slot is read as a legacy
 * 8-byte descriptor: a busy 32-bit TSS (type 0xb, SDM Vol. 3A "TSS
 * Descriptor"), and the slot after it as null. */
START_TEST(test_tss_as_32bit_descriptor)
{
	struct test_ram ram;
	uint64_t gdt[BOOT_GDT_ENTRIES];
	build(&ram, gdt);
	struct test_descriptor d = test_decode_descriptor(gdt[BOOT_GDT_TSS_SEL / 8], 0);
	ck_assert_uint_eq(d.base, 0);
	ck_assert_uint_eq(d.limit, 0x67);   /* at least 0x67 for a 32-bit TSS */
	ck_assert_uint_eq(d.type, 0xb);
	ck_assert_uint_eq(d.s, 0);
	ck_assert_uint_eq(d.p, 1);
	ck_assert_uint_eq(d.g, 0);
	ck_assert_uint_eq(gdt[BOOT_GDT_TSS_SEL / 8 + 1], 0);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_data_descriptor)
{
	struct test_ram ram;
	uint64_t gdt[BOOT_GDT_ENTRIES];
	build(&ram, gdt);
	struct test_descriptor d = test_decode_descriptor(gdt[BOOT_GDT_DATA_SEL / 8], 0);
	ck_assert_uint_eq(d.base, 0);
	ck_assert_uint_eq(d.limit, 0xfffff);
	ck_assert_uint_eq(d.g, 1);
	ck_assert_uint_eq(d.type, 0x3);     /* read/write, accessed */
	ck_assert_uint_eq(d.s, 1);
	ck_assert_uint_eq(d.dpl, 0);
	ck_assert_uint_eq(d.p, 1);
	ck_assert_uint_eq(d.l, 0);
	ck_assert_uint_eq(d.db, 1);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_tss_descriptor)
{
	struct test_ram ram;
	uint64_t gdt[BOOT_GDT_ENTRIES];
	build(&ram, gdt);
	struct test_descriptor d = test_decode_descriptor(gdt[BOOT_GDT_TSS_SEL / 8],
							  gdt[BOOT_GDT_TSS_SEL / 8 + 1]);
	ck_assert_uint_eq(d.base, 0);
	ck_assert_uint_eq(d.limit, 0x67);
	ck_assert_uint_eq(d.g, 0);
	ck_assert_uint_eq(d.type, 0xb);     /* busy 64-bit TSS */
	ck_assert_uint_eq(d.s, 0);          /* system descriptor */
	ck_assert_uint_eq(d.p, 1);
	/* Bits 12:8 of the upper dword must be zero (SDM). */
	ck_assert_uint_eq((gdt[BOOT_GDT_TSS_SEL / 8 + 1] >> 40) & 0x1f, 0);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_idt_empty_and_apart)
{
	struct test_ram ram;
	uint64_t gdt[BOOT_GDT_ENTRIES];
	build(&ram, gdt);
	uint64_t idt;
	memcpy(&idt, ram.host + LAYOUT_IDT, sizeof(idt));
	ck_assert_uint_eq(idt, 0);
	/* Neither table overwrites the other. */
	ck_assert_uint_ge(LAYOUT_IDT, LAYOUT_GDT + BOOT_GDT_ENTRIES * 8);
	ck_assert_uint_eq(gdt[BOOT_GDT_TSS_SEL / 8], 0x00008b0000000067ULL);
	/* Nothing written past the IDT. */
	ck_assert_uint_eq(ram.host[LAYOUT_IDT + 8], 0xff);
	test_ram_free(&ram);
}
END_TEST

Suite *gdt_suite(void)
{
	Suite *s = suite_create("gdt");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_raw_descriptors);
	tcase_add_test(tc, test_code_descriptor);
	tcase_add_test(tc, test_code32_descriptor);
	tcase_add_test(tc, test_tss_as_32bit_descriptor);
	tcase_add_test(tc, test_data_descriptor);
	tcase_add_test(tc, test_tss_descriptor);
	tcase_add_test(tc, test_idt_empty_and_apart);
	suite_add_tcase(s, tc);
	return s;
}
