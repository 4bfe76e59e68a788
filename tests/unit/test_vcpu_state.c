/* boot/vcpu_state.c: the registers for the 64-bit and the PVH entry, and
 * their agreement with the GDT that gdt_build writes; boot/boot_images.c:
 * the boot data records covering what those registers point at. */
#include <string.h>

#include "boot/boot.h"
#include "tests/unit/unit.h"

#define ENTRY 0x100200ULL
#define PVH_ENTRY 0x1000850ULL   /* Debian 6.1's XEN_ELFNOTE_PHYS32_ENTRY */

/* What KVM reports for a fresh vCPU (as far as this test cares): the
 * values minivmm does not set must survive. */
static void reset_sregs(struct kvm_sregs *s)
{
	memset(s, 0x5a, sizeof(*s));
	s->cr0 = 0x60000010;       /* CD | NW | ET */
	s->cr4 = 0x200;            /* OSFXSR, as a stand-in for any other bit */
	s->efer = 0x1;             /* SCE */
	s->apic_base = 0xfee00900;
}

START_TEST(test_general_registers)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	memset(&regs, 0x77, sizeof(regs));
	reset_sregs(&sregs);
	boot_vcpu_state_linux64(&regs, &sregs, ENTRY, LAYOUT_ZERO_PAGE);
	struct kvm_regs expect;
	memset(&expect, 0, sizeof(expect));
	expect.rip = ENTRY;
	expect.rsi = LAYOUT_ZERO_PAGE;
	expect.rsp = LAYOUT_BOOT_STACK;
	expect.rbp = LAYOUT_BOOT_STACK;
	expect.rflags = 0x2;
	ck_assert_mem_eq(&regs, &expect, sizeof(regs));
	ck_assert_uint_eq(regs.rflags & 0x200, 0);  /* IF = 0 */
}
END_TEST

START_TEST(test_control_registers)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	reset_sregs(&sregs);
	boot_vcpu_state_linux64(&regs, &sregs, ENTRY, LAYOUT_ZERO_PAGE);
	ck_assert_uint_eq(sregs.cr0, 0x80000031);   /* PG | NE | ET | PE, caches on */
	ck_assert_uint_eq(sregs.cr3, LAYOUT_PML4);
	ck_assert_uint_eq(sregs.cr4, 0x200 | 0x20);  /* kept | PAE */
	ck_assert_uint_eq(sregs.efer, 0x1 | 0x100 | 0x400);  /* kept | LME | LMA */
	ck_assert_uint_eq(sregs.apic_base, 0xfee00900);
	ck_assert_uint_eq(sregs.gdt.base, LAYOUT_GDT);
	ck_assert_uint_eq(sregs.gdt.limit, BOOT_GDT_ENTRIES * 8 - 1);
	ck_assert_uint_eq(sregs.idt.base, LAYOUT_IDT);
	ck_assert_uint_eq(sregs.idt.limit, 0);
}
END_TEST

/* A flat 4 GiB segment (base 0, G=1, present, DPL 0) of the given kind. */
static void assert_flat(const struct kvm_segment *seg, uint16_t selector, uint8_t type,
			uint8_t db, uint8_t l)
{
	ck_assert_uint_eq(seg->selector, selector);
	ck_assert_uint_eq(seg->type, type);
	ck_assert_uint_eq(seg->db, db);
	ck_assert_uint_eq(seg->l, l);
	ck_assert_uint_eq(seg->base, 0);
	ck_assert_uint_eq(seg->limit, 0xffffffff);
	ck_assert_uint_eq(seg->g, 1);
	ck_assert_uint_eq(seg->s, 1);
	ck_assert_uint_eq(seg->dpl, 0);
	ck_assert_uint_eq(seg->present, 1);
	ck_assert_uint_eq(seg->unusable, 0);
}

/* Both entries: DS/ES/FS/GS/SS flat data at 0x18, TR the busy TSS at 0x20. */
static void assert_data_and_tss(const struct kvm_sregs *sregs)
{
	const struct kvm_segment *data[] = { &sregs->ds, &sregs->es, &sregs->fs, &sregs->gs,
					     &sregs->ss };
	for (size_t i = 0; i < sizeof(data) / sizeof(data[0]); i++)
		assert_flat(data[i], 0x18, 0x3, 1, 0);
	ck_assert_uint_eq(sregs->tr.selector, 0x20);
	ck_assert_uint_eq(sregs->tr.type, 11);
	ck_assert_uint_eq(sregs->tr.base, 0);
	ck_assert_uint_eq(sregs->tr.limit, 0x67);
	ck_assert_uint_eq(sregs->tr.s, 0);
	ck_assert_uint_eq(sregs->tr.present, 1);
	ck_assert_uint_eq(sregs->tr.g, 0);
}

START_TEST(test_segment_registers)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	reset_sregs(&sregs);
	struct kvm_segment ldt = sregs.ldt;
	boot_vcpu_state_linux64(&regs, &sregs, ENTRY, LAYOUT_ZERO_PAGE);
	assert_flat(&sregs.cs, 0x10, 0xb, 0, 1);
	assert_data_and_tss(&sregs);
	ck_assert_mem_eq(&sregs.ldt, &ldt, sizeof(ldt));
}
END_TEST

/* The hidden state KVM gets must be what loading each selector from the
 * GDT in guest memory would give (SDM: the limit is scaled by G). */
static void assert_matches_gdt(const struct test_ram *ram, const struct kvm_sregs *sregs,
			       const struct kvm_segment *seg)
{
	ck_assert_uint_le(seg->selector + (seg->s ? 7u : 15u), sregs->gdt.limit);
	uint64_t lo, hi;
	memcpy(&lo, ram->host + sregs->gdt.base + seg->selector, 8);
	memcpy(&hi, ram->host + sregs->gdt.base + seg->selector + 8, 8);
	struct test_descriptor d = test_decode_descriptor(lo, seg->s ? 0 : hi);
	uint64_t limit = d.g ? ((uint64_t)d.limit << 12) | 0xfff : d.limit;
	ck_assert_uint_eq(seg->base, d.base);
	ck_assert_uint_eq(seg->limit, limit);
	ck_assert_uint_eq(seg->type, d.type);
	ck_assert_uint_eq(seg->s, d.s);
	ck_assert_uint_eq(seg->dpl, d.dpl);
	ck_assert_uint_eq(seg->present, d.p);
	ck_assert_uint_eq(seg->l, d.l);
	ck_assert_uint_eq(seg->db, d.db);
	ck_assert_uint_eq(seg->g, d.g);
	ck_assert_uint_eq(seg->avl, d.avl);
}

/* Every segment register of an entry state against the GDT gdt_build
 * writes. */
static void assert_state_matches_gdt(const struct kvm_sregs *sregs)
{
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	struct error err = { 0 };
	ck_assert_int_eq(gdt_build(&ram.mem, &err), 0);
	const struct kvm_segment *segs[] = { &sregs->cs, &sregs->ds, &sregs->es, &sregs->fs,
					     &sregs->gs, &sregs->ss, &sregs->tr };
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
		assert_matches_gdt(&ram, sregs, segs[i]);
	test_ram_free(&ram);
}

START_TEST(test_segments_match_gdt)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	reset_sregs(&sregs);
	boot_vcpu_state_linux64(&regs, &sregs, ENTRY, LAYOUT_ZERO_PAGE);
	assert_state_matches_gdt(&sregs);
}
END_TEST

/* ---- PVH (Xen's docs/misc/pvh.pandoc, the entry's machine state) --------- */

START_TEST(test_pvh_general_registers)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	memset(&regs, 0x77, sizeof(regs));
	reset_sregs(&sregs);
	boot_vcpu_state_pvh(&regs, &sregs, PVH_ENTRY, LAYOUT_PVH_START_INFO);
	struct kvm_regs expect;
	memset(&expect, 0, sizeof(expect));
	expect.rip = PVH_ENTRY;
	expect.rbx = LAYOUT_PVH_START_INFO;
	expect.rflags = 0x2;
	ck_assert_mem_eq(&regs, &expect, sizeof(regs));
	/* IF, TF and VM clear. */
	ck_assert_uint_eq(regs.rflags & (0x200 | 0x100 | 0x20000), 0);
}
END_TEST

START_TEST(test_pvh_control_registers)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	reset_sregs(&sregs);
	sregs.cr3 = 0x1234000;
	sregs.efer = 0x1 | 0x100 | 0x400;   /* SCE | LME | LMA: none may survive */
	boot_vcpu_state_pvh(&regs, &sregs, PVH_ENTRY, LAYOUT_PVH_START_INFO);
	ck_assert_uint_eq(sregs.cr0, 0x11);  /* PE | ET: no PG, and CD/NW cleared */
	ck_assert_uint_eq(sregs.cr3, 0);
	ck_assert_uint_eq(sregs.cr4, 0);
	ck_assert_uint_eq(sregs.efer, 0);
	ck_assert_uint_eq(sregs.apic_base, 0xfee00900);
	ck_assert_uint_eq(sregs.gdt.base, LAYOUT_GDT);
	ck_assert_uint_eq(sregs.gdt.limit, BOOT_GDT_ENTRIES * 8 - 1);
	ck_assert_uint_eq(sregs.idt.base, LAYOUT_IDT);
	ck_assert_uint_eq(sregs.idt.limit, 0);
}
END_TEST

START_TEST(test_pvh_segment_registers)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	reset_sregs(&sregs);
	struct kvm_segment ldt = sregs.ldt;
	boot_vcpu_state_pvh(&regs, &sregs, PVH_ENTRY, LAYOUT_PVH_START_INFO);
	assert_flat(&sregs.cs, 0x30, 0xb, 1, 0);
	/* pvh.pandoc: "tr: must be a 32-bit TSS (active) with a base of '0' and a
	 * limit of '0x67'". */
	assert_data_and_tss(&sregs);
	ck_assert_mem_eq(&sregs.ldt, &ldt, sizeof(ldt));
}
END_TEST

START_TEST(test_pvh_segments_match_gdt)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	reset_sregs(&sregs);
	boot_vcpu_state_pvh(&regs, &sregs, PVH_ENTRY, LAYOUT_PVH_START_INFO);
	assert_state_matches_gdt(&sregs);
}
END_TEST

/* ---- boot_reserve_images ------------------------------------------------ */

#define CMDLINE_LEN 13   /* "console=ttyS0" */

static const struct image_record *find_record(const struct image_list *list, const char *path)
{
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i].path, path) == 0)
			return &list->items[i];
	return NULL;
}

static void reserve(struct image_list *list, enum kernel_boot_protocol protocol)
{
	struct error err = { 0 };
	image_list_init(list);
	ck_assert_msg(boot_reserve_images(list, protocol, CMDLINE_LEN, &err) == 0, "%s", err.msg);
}

/* Every record is generated boot data owning exactly its bytes, and no two
 * of them overlap. */
static void assert_records_sane(const struct image_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		const struct image_record *r = &list->items[i];
		ck_assert_int_eq(r->kind, IMAGE_KIND_BOOT_DATA);
		ck_assert_int_eq(r->origin, IMAGE_ORIGIN_GENERATED);
		ck_assert_uint_gt(r->image.size, 0);
		ck_assert_uint_eq(r->claim_end, r->image.load_paddr + r->image.size);
		ck_assert(!r->has_raw_addr);
		ck_assert(r->image.alignment >= 1 &&
			  (r->image.alignment & (r->image.alignment - 1)) == 0);
		ck_assert_uint_eq(r->image.load_paddr % r->image.alignment, 0);
		for (size_t j = 0; j < i; j++) {
			const struct image_record *o = &list->items[j];
			ck_assert_msg(r->claim_end <= o->image.load_paddr ||
				      o->claim_end <= r->image.load_paddr,
				      "%s overlaps %s", r->path, o->path);
		}
	}
}

static void assert_record(const struct image_list *list, const char *path, uint64_t paddr,
			  uint64_t size)
{
	const struct image_record *r = find_record(list, path);
	ck_assert_msg(r != NULL, "no record %s", path);
	ck_assert_uint_eq(r->image.load_paddr, paddr);
	ck_assert_uint_eq(r->image.size, size);
}

/* [gpa, gpa + len) lies inside one record. */
static void assert_covered(const struct image_list *list, uint64_t gpa, uint64_t len)
{
	const struct image_record *r = image_list_overlap(list, gpa, gpa + len);
	ck_assert_msg(r != NULL, "0x%llx not covered", (unsigned long long)gpa);
	ck_assert_uint_le(r->image.load_paddr, gpa);
	ck_assert_uint_ge(r->claim_end, gpa + len);
}

START_TEST(test_reserve_linux64)
{
	struct image_list list;
	reserve(&list, KERNEL_BOOT_LINUX64);
	ck_assert_uint_eq(list.count, 7);
	assert_records_sane(&list);
	assert_record(&list, "gdt+idt", LAYOUT_GDT, LAYOUT_IDT + 8 - LAYOUT_GDT);
	assert_record(&list, "acpi-tables", LAYOUT_ACPI_TABLES, LAYOUT_ACPI_END - LAYOUT_ACPI_TABLES);
	assert_record(&list, "device-tree", LAYOUT_DTB, LAYOUT_DTB_END - LAYOUT_DTB);
	assert_record(&list, "zero-page", LAYOUT_ZERO_PAGE, 0x1000);
	assert_record(&list, "boot-stack", 0x8000, 0x1000);
	assert_record(&list, "page-tables", LAYOUT_PML4, (2 + LAYOUT_PD_COUNT) * 0x1000);
	assert_record(&list, "cmdline", LAYOUT_CMDLINE, CMDLINE_LEN + 1);
	ck_assert_ptr_null(find_record(&list, "pvh-start-info"));
	ck_assert_ptr_null(image_list_overlap(&list, LAYOUT_PVH_START_INFO, LAYOUT_ZERO_PAGE));
	/* What the 64-bit state points at is all reserved. */
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	reset_sregs(&sregs);
	boot_vcpu_state_linux64(&regs, &sregs, ENTRY, LAYOUT_ZERO_PAGE);
	assert_covered(&list, sregs.gdt.base, sregs.gdt.limit + 1u);
	assert_covered(&list, sregs.idt.base, 8);
	assert_covered(&list, regs.rsi, sizeof(struct boot_params));
	assert_covered(&list, regs.rsp - 8, 8);
	assert_covered(&list, sregs.cr3, 0x1000);
	assert_covered(&list, LAYOUT_PD, LAYOUT_PD_COUNT * 0x1000);
	image_list_free(&list);
}
END_TEST

START_TEST(test_reserve_pvh)
{
	struct image_list list;
	reserve(&list, KERNEL_BOOT_PVH);
	ck_assert_uint_eq(list.count, 4);
	assert_records_sane(&list);
	assert_record(&list, "gdt+idt", LAYOUT_GDT, LAYOUT_IDT + 8 - LAYOUT_GDT);
	assert_record(&list, "acpi-tables", LAYOUT_ACPI_TABLES, LAYOUT_ACPI_END - LAYOUT_ACPI_TABLES);
	assert_record(&list, "pvh-start-info", LAYOUT_PVH_START_INFO, 0x1000);
	assert_record(&list, "cmdline", LAYOUT_CMDLINE, CMDLINE_LEN + 1);
	/* No zero page, stack or page tables: the PVH entry uses none; nor
	 * a device tree, which only boot_params' setup_data carries. */
	ck_assert_ptr_null(find_record(&list, "zero-page"));
	ck_assert_ptr_null(find_record(&list, "device-tree"));
	ck_assert_ptr_null(find_record(&list, "boot-stack"));
	ck_assert_ptr_null(find_record(&list, "page-tables"));
	ck_assert_ptr_null(image_list_overlap(&list, LAYOUT_ZERO_PAGE, LAYOUT_CMDLINE));
	/* Start info, module list and the longest memory map are covered. */
	assert_covered(&list, LAYOUT_PVH_START_INFO, sizeof(struct hvm_start_info));
	assert_covered(&list, LAYOUT_PVH_MODLIST, sizeof(struct hvm_modlist_entry));
	assert_covered(&list, LAYOUT_PVH_MEMMAP,
		       PVH_MEMMAP_MAX * sizeof(struct hvm_memmap_table_entry));
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	reset_sregs(&sregs);
	boot_vcpu_state_pvh(&regs, &sregs, PVH_ENTRY, LAYOUT_PVH_START_INFO);
	assert_covered(&list, regs.rbx, sizeof(struct hvm_start_info));
	assert_covered(&list, sregs.gdt.base, sregs.gdt.limit + 1u);
	assert_covered(&list, sregs.idt.base, 8);
	image_list_free(&list);
}
END_TEST

START_TEST(test_reserve_cmdline_sizes)
{
	struct image_list list;
	struct error err = { 0 };
	image_list_init(&list);
	ck_assert_int_eq(boot_reserve_images(&list, KERNEL_BOOT_PVH, 0, &err), 0);
	assert_record(&list, "cmdline", LAYOUT_CMDLINE, 1);   /* the NUL alone */
	image_list_free(&list);

	image_list_init(&list);
	ck_assert_int_eq(boot_reserve_images(&list, KERNEL_BOOT_LINUX64, LAYOUT_CMDLINE_MAX - 1,
					     &err), 0);
	assert_record(&list, "cmdline", LAYOUT_CMDLINE, LAYOUT_CMDLINE_MAX);
	image_list_free(&list);

	image_list_init(&list);
	ck_assert_int_eq(boot_reserve_images(&list, KERNEL_BOOT_LINUX64, LAYOUT_CMDLINE_MAX,
					     &err), -1);
	ck_assert_str_eq(err.msg, "command line is 65536 bytes, minivmm has room for at most 65535");
	ck_assert_int_eq(boot_reserve_images(&list, KERNEL_BOOT_LINUX64, SIZE_MAX, &err), -1);
	image_list_free(&list);
}
END_TEST

START_TEST(test_reserve_needs_settled_protocol)
{
	struct image_list list;
	struct error err = { 0 };
	image_list_init(&list);
	ck_assert_int_eq(boot_reserve_images(&list, KERNEL_BOOT_AUTO, 0, &err), -1);
	test_assert_error(err.msg, "boot protocol", "no boot data layout");
	ck_assert_uint_eq(list.count, 0);
	image_list_free(&list);
}
END_TEST

/* Appends: what the list held before stays. */
START_TEST(test_reserve_appends)
{
	struct image_list list;
	struct error err = { 0 };
	image_list_init(&list);
	struct image_record kernel = {
		.kind = IMAGE_KIND_KERNEL, .origin = IMAGE_ORIGIN_FILE, .path = "vmlinux",
		.image = { .load_paddr = 0x1000000, .alignment = 0x200000, .size = 0x100000 },
		.claim_end = 0x1100000,
	};
	ck_assert_int_eq(image_list_add(&list, &kernel, &err), 0);
	ck_assert_int_eq(boot_reserve_images(&list, KERNEL_BOOT_PVH, 4, &err), 0);
	ck_assert_uint_eq(list.count, 5);
	ck_assert_str_eq(list.items[0].path, "vmlinux");
	image_list_free(&list);
}
END_TEST

Suite *vcpu_state_suite(void)
{
	Suite *s = suite_create("vcpu_state");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_general_registers);
	tcase_add_test(tc, test_control_registers);
	tcase_add_test(tc, test_segment_registers);
	tcase_add_test(tc, test_segments_match_gdt);
	suite_add_tcase(s, tc);

	TCase *pvh = tcase_create("pvh");
	tcase_add_test(pvh, test_pvh_general_registers);
	tcase_add_test(pvh, test_pvh_control_registers);
	tcase_add_test(pvh, test_pvh_segment_registers);
	tcase_add_test(pvh, test_pvh_segments_match_gdt);
	suite_add_tcase(s, pvh);

	TCase *images = tcase_create("boot_images");
	tcase_add_test(images, test_reserve_linux64);
	tcase_add_test(images, test_reserve_pvh);
	tcase_add_test(images, test_reserve_cmdline_sizes);
	tcase_add_test(images, test_reserve_needs_settled_protocol);
	tcase_add_test(images, test_reserve_appends);
	suite_add_tcase(s, images);
	return s;
}
