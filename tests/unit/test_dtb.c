/* boot/dtb*.c and boot/setup_data.c: the device tree read back with
 * libfdt, node by node; a user's tree given minivmm's /chosen; broken trees
 * refused with their file's name; the SETUP_DTB node linked into
 * boot_params; kernel_reads_dtb's marker. */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "boot/boot.h"
#include "tests/unit/unit.h"

#define CMDLINE "console=ttyS0 root=/dev/vda quiet"
#define INITRD_AT 0x3000000ULL
#define INITRD_SIZE 0x123456ULL

struct fixture {
	struct test_ram ram;
	struct guest_image initrd;
	struct dtb_machine m;
	uint8_t *buf;
};

static void fixture_init(struct fixture *f, uint64_t ram, int ncpus, bool pci, bool initrd)
{
	memset(f, 0, sizeof(*f));
	test_ram_init(&f->ram, ram);
	f->initrd = (struct guest_image){ .load_paddr = INITRD_AT, .alignment = 0x1000,
					  .size = INITRD_SIZE };
	f->m = (struct dtb_machine){
		.mem = &f->ram.mem, .ncpus = ncpus, .pci = pci, .cmdline = CMDLINE,
		.initrd = initrd ? &f->initrd : NULL,
	};
	f->buf = malloc(DTB_MAX_SIZE);
	ck_assert_ptr_nonnull(f->buf);
}

static void fixture_free(struct fixture *f)
{
	free(f->buf);
	test_ram_free(&f->ram);
}

static void build(struct fixture *f)
{
	struct error err = { 0 };
	ck_assert_msg(dtb_build(&f->m, f->buf, DTB_MAX_SIZE, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(fdt_check_full(f->buf, DTB_MAX_SIZE), 0);
}

static int node(const void *fdt, const char *path)
{
	int off = fdt_path_offset(fdt, path);
	ck_assert_msg(off >= 0, "%s: %s", path, fdt_strerror(off));
	return off;
}

static const void *prop(const void *fdt, const char *path, const char *name, int *len)
{
	const void *p = fdt_getprop(fdt, node(fdt, path), name, len);
	ck_assert_msg(p != NULL, "%s has no %s", path, name);
	return p;
}

static void assert_str(const void *fdt, const char *path, const char *name, const char *want)
{
	int len;
	const char *s = prop(fdt, path, name, &len);
	ck_assert_int_eq(len, (int)strlen(want) + 1);
	ck_assert_str_eq(s, want);
}

/* The property as big-endian cells, exactly `n` of them. */
static void assert_cells(const void *fdt, const char *path, const char *name,
			 const uint32_t *want, int n)
{
	int len;
	const fdt32_t *c = prop(fdt, path, name, &len);
	ck_assert_msg(len == n * 4, "%s %s: %d bytes, want %d", path, name, len, n * 4);
	for (int i = 0; i < n; i++)
		ck_assert_msg(fdt32_to_cpu(c[i]) == want[i], "%s %s cell %d: 0x%x, want 0x%x", path,
			      name, i, fdt32_to_cpu(c[i]), want[i]);
}

static void assert_u32(const void *fdt, const char *path, const char *name, uint32_t want)
{
	assert_cells(fdt, path, name, &want, 1);
}

static uint64_t get_u64(const void *fdt, const char *path, const char *name)
{
	int len;
	const fdt64_t *v = prop(fdt, path, name, &len);
	ck_assert_int_eq(len, 8);
	return fdt64_ld(v);
}

START_TEST(test_root_and_chosen)
{
	struct fixture f;
	fixture_init(&f, 64 * MiB, 1, true, true);
	build(&f);
	assert_u32(f.buf, "/", "#address-cells", 2);
	assert_u32(f.buf, "/", "#size-cells", 2);
	assert_str(f.buf, "/", "compatible", "minivmm,pc");
	assert_str(f.buf, "/", "model", "minivmm");
	assert_str(f.buf, "/chosen", "bootargs", CMDLINE);
	ck_assert_uint_eq(get_u64(f.buf, "/chosen", "linux,initrd-start"), INITRD_AT);
	ck_assert_uint_eq(get_u64(f.buf, "/chosen", "linux,initrd-end"), INITRD_AT + INITRD_SIZE);
	assert_str(f.buf, "/chosen", "stdout-path", "/isa@3f8/serial@i3f8");
	/* The path stdout-path names exists. */
	node(f.buf, "/isa@3f8/serial@i3f8");
	/* Packed: no room left over inside the blob. */
	ck_assert_uint_eq(fdt_totalsize(f.buf),
			  fdt_off_dt_strings(f.buf) + fdt_size_dt_strings(f.buf));
	fixture_free(&f);
}
END_TEST

START_TEST(test_no_initrd)
{
	struct fixture f;
	fixture_init(&f, 64 * MiB, 1, true, false);
	build(&f);
	int chosen = node(f.buf, "/chosen");
	ck_assert_ptr_null(fdt_getprop(f.buf, chosen, "linux,initrd-start", NULL));
	ck_assert_ptr_null(fdt_getprop(f.buf, chosen, "linux,initrd-end", NULL));
	assert_str(f.buf, "/chosen", "bootargs", CMDLINE);
	fixture_free(&f);
}
END_TEST

/* /memory@0 holds exactly the e820 map's RAM ranges, in order. */
static void check_memory(uint64_t ram_size)
{
	struct fixture f;
	fixture_init(&f, ram_size, 1, false, false);
	build(&f);
	struct boot_e820_entry e820[E820_MAX_ENTRIES_ZEROPAGE];
	int n = e820_build(&f.ram.mem, e820, E820_MAX_ENTRIES_ZEROPAGE, NULL);
	ck_assert_int_gt(n, 0);
	assert_str(f.buf, "/memory@0", "device_type", "memory");
	int len;
	const fdt64_t *reg = prop(f.buf, "/memory@0", "reg", &len);
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (e820[i].type != E820_TYPE_RAM)
			continue;
		ck_assert_int_ge(len, (k + 1) * 16);
		ck_assert_uint_eq(fdt64_ld(&reg[2 * k]), e820[i].addr);
		ck_assert_uint_eq(fdt64_ld(&reg[2 * k + 1]), e820[i].size);
		k++;
	}
	ck_assert_int_eq(len, k * 16);
	fixture_free(&f);
}

START_TEST(test_memory_low)
{
	check_memory(64 * MiB);
	/* Below 1 MiB and from 1 MiB up, nothing else: two ranges. */
	struct fixture f;
	fixture_init(&f, 64 * MiB, 1, false, false);
	build(&f);
	int len;
	const fdt64_t *reg = prop(f.buf, "/memory@0", "reg", &len);
	ck_assert_int_eq(len, 2 * 16);
	ck_assert_uint_eq(fdt64_ld(&reg[0]), 0);
	ck_assert_uint_eq(fdt64_ld(&reg[1]), LAYOUT_EBDA_START);
	ck_assert_uint_eq(fdt64_ld(&reg[2]), LAYOUT_HIGH_MEMORY);
	ck_assert_uint_eq(fdt64_ld(&reg[3]), 64 * MiB - LAYOUT_HIGH_MEMORY);
	fixture_free(&f);
}
END_TEST

START_TEST(test_memory_above_4g)
{
	/* RAM past the MMIO hole continues at 4 GiB: a third range. */
	check_memory(4 * GiB);
}
END_TEST

START_TEST(test_cpus)
{
	struct fixture f;
	fixture_init(&f, 64 * MiB, 3, false, false);
	build(&f);
	assert_u32(f.buf, "/cpus", "#address-cells", 1);
	assert_u32(f.buf, "/cpus", "#size-cells", 0);
	const char *names[] = { "/cpus/cpu@0", "/cpus/cpu@1", "/cpus/cpu@2" };
	for (uint32_t i = 0; i < 3; i++) {
		assert_str(f.buf, names[i], "device_type", "cpu");
		assert_u32(f.buf, names[i], "reg", i);
	}
	ck_assert_int_eq(fdt_path_offset(f.buf, "/cpus/cpu@3"), -FDT_ERR_NOTFOUND);
	int count = 0, child;
	fdt_for_each_subnode(child, f.buf, node(f.buf, "/cpus"))
		count++;
	ck_assert_int_eq(count, 3);
	fixture_free(&f);
}
END_TEST

/* 255 vCPUs, the most minivmm starts, fit the area with room to spare;
 * APIC ID 254 is cpu@fe. */
START_TEST(test_cpus_max)
{
	struct fixture f;
	fixture_init(&f, 64 * MiB, ACPI_MAX_CPUS, true, true);
	build(&f);
	assert_u32(f.buf, "/cpus/cpu@fe", "reg", 254);
	ck_assert_uint_lt(fdt_totalsize(f.buf), DTB_MAX_SIZE / 2);
	struct error err = { 0 };
	f.m.ncpus = ACPI_MAX_CPUS + 1;
	ck_assert_int_eq(dtb_build(&f.m, f.buf, DTB_MAX_SIZE, &err), -1);
	test_assert_error(err.msg, "device tree: 256 vCPUs");
	fixture_free(&f);
}
END_TEST

/* As arch/x86/kernel/devicetree.c reads them: compatible strings, reg, and
 * the IOAPIC as the UART's interrupt parent with two cells. */
START_TEST(test_apics_and_serial)
{
	struct fixture f;
	fixture_init(&f, 64 * MiB, 1, false, false);
	build(&f);
	const char *lapic = "/interrupt-controller@fee00000";
	const char *ioapic = "/interrupt-controller@fec00000";
	assert_str(f.buf, lapic, "compatible", "intel,ce4100-lapic");
	assert_cells(f.buf, lapic, "reg", (const uint32_t[]){ 0, 0xfee00000, 0, 0x1000 }, 4);
	assert_str(f.buf, ioapic, "compatible", "intel,ce4100-ioapic");
	assert_cells(f.buf, ioapic, "reg", (const uint32_t[]){ 0, 0xfec00000, 0, 0x1000 }, 4);
	assert_u32(f.buf, ioapic, "#interrupt-cells", 2);
	int len;
	prop(f.buf, ioapic, "interrupt-controller", &len);
	ck_assert_int_eq(len, 0);
	uint32_t phandle = fdt_get_phandle(f.buf, node(f.buf, ioapic));
	ck_assert_uint_ne(phandle, 0);
	ck_assert_int_eq(fdt_node_offset_by_compatible(f.buf, -1, "intel,ce4100-ioapic"),
			 node(f.buf, ioapic));

	assert_str(f.buf, "/isa@3f8", "device_type", "isa");
	assert_str(f.buf, "/isa@3f8", "compatible", "isa");
	assert_u32(f.buf, "/isa@3f8", "#address-cells", 2);
	assert_u32(f.buf, "/isa@3f8", "#size-cells", 1);
	/* The UART's I/O ports onto the same root addresses: how Linux turns
	 * its reg into port 0x3f8. */
	assert_cells(f.buf, "/isa@3f8", "ranges", (const uint32_t[]){ 1, 0x3f8, 0, 0x3f8, 8 }, 5);
	const char *uart = "/isa@3f8/serial@i3f8";
	assert_str(f.buf, uart, "compatible", "ns16550a");
	assert_cells(f.buf, uart, "reg", (const uint32_t[]){ 1, 0x3f8, 8 }, 3);
	assert_u32(f.buf, uart, "reg-shift", 0);
	assert_u32(f.buf, uart, "clock-frequency", 1843200);
	assert_u32(f.buf, uart, "interrupt-parent", phandle);
	/* Pin 4, sense 3: Linux's of_ioapic_type[3] is edge rising. */
	assert_cells(f.buf, uart, "interrupts", (const uint32_t[]){ 4, 3 }, 2);
	fixture_free(&f);
}
END_TEST

START_TEST(test_pci)
{
	struct fixture f;
	fixture_init(&f, 64 * MiB, 1, true, false);
	build(&f);
	const char *pci = "/pci@e0000000";
	assert_str(f.buf, pci, "compatible", "pci-host-ecam-generic");
	assert_str(f.buf, pci, "device_type", "pci");
	assert_u32(f.buf, pci, "#address-cells", 3);
	assert_u32(f.buf, pci, "#size-cells", 2);
	assert_cells(f.buf, pci, "reg", (const uint32_t[]){ 0, 0xe0000000, 0, 0x100000 }, 4);
	assert_cells(f.buf, pci, "bus-range", (const uint32_t[]){ 0, 0 }, 2);
	assert_cells(f.buf, pci, "ranges", (const uint32_t[]){
		0x02000000, 0, 0xc0000000, 0, 0xc0000000, 0, 0x20000000 }, 7);
	fixture_free(&f);

	/* No PCI device, no host bridge. */
	fixture_init(&f, 64 * MiB, 1, false, false);
	build(&f);
	ck_assert_int_eq(fdt_path_offset(f.buf, pci), -FDT_ERR_NOTFOUND);
	fixture_free(&f);
}
END_TEST

START_TEST(test_too_small)
{
	struct fixture f;
	fixture_init(&f, 64 * MiB, 1, true, true);
	struct error err = { 0 };
	ck_assert_int_eq(dtb_build(&f.m, f.buf, 256, &err), -1);
	test_assert_error(err.msg, "device tree: ", "FDT_ERR_NOSPACE", "room for 256 bytes");
	fixture_free(&f);
}
END_TEST

/* ---- a user's tree (--dtb FILE) ---------------------------------------- */

/* A small tree of a user's: /model-node with a property, and /chosen with
 * its own bootargs and (when stale) an initrd range; no /chosen at all when
 * with_chosen is false. */
static size_t user_tree(uint8_t *out, size_t size, bool with_chosen, bool stale)
{
	ck_assert_int_eq(fdt_create_empty_tree(out, (int)size), 0);
	int n = fdt_add_subnode(out, 0, "board");
	ck_assert_int_ge(n, 0);
	ck_assert_int_eq(fdt_setprop_string(out, n, "compatible", "acme,board"), 0);
	if (with_chosen) {
		int c = fdt_add_subnode(out, 0, "chosen");
		ck_assert_int_ge(c, 0);
		ck_assert_int_eq(fdt_setprop_string(out, c, "bootargs", "old"), 0);
		ck_assert_int_eq(fdt_setprop_string(out, c, "stdout-path", "/board"), 0);
		if (stale) {
			ck_assert_int_eq(fdt_setprop_u32(out, c, "linux,initrd-start", 0x1000), 0);
			ck_assert_int_eq(fdt_setprop_u32(out, c, "linux,initrd-end", 0x2000), 0);
		}
	}
	ck_assert_int_eq(fdt_pack(out), 0);
	return fdt_totalsize(out);
}

START_TEST(test_file_chosen_filled)
{
	struct fixture f;
	fixture_init(&f, 64 * MiB, 1, true, true);
	uint8_t user[4096];
	size_t size = user_tree(user, sizeof(user), true, true);
	struct error err = { 0 };
	ck_assert_msg(dtb_from_file(user, size, "my.dtb", &f.m, f.buf, DTB_MAX_SIZE, &err) == 0,
		      "%s", err.msg);
	ck_assert_int_eq(fdt_check_full(f.buf, DTB_MAX_SIZE), 0);
	assert_str(f.buf, "/chosen", "bootargs", CMDLINE);
	ck_assert_uint_eq(get_u64(f.buf, "/chosen", "linux,initrd-start"), INITRD_AT);
	ck_assert_uint_eq(get_u64(f.buf, "/chosen", "linux,initrd-end"), INITRD_AT + INITRD_SIZE);
	/* The user's own nodes and properties stay; minivmm adds no others. */
	assert_str(f.buf, "/board", "compatible", "acme,board");
	assert_str(f.buf, "/chosen", "stdout-path", "/board");
	ck_assert_int_eq(fdt_path_offset(f.buf, "/cpus"), -FDT_ERR_NOTFOUND);
	fixture_free(&f);
}
END_TEST

START_TEST(test_file_chosen_created)
{
	struct fixture f;
	fixture_init(&f, 64 * MiB, 1, true, true);
	uint8_t user[4096];
	size_t size = user_tree(user, sizeof(user), false, false);
	ck_assert_int_eq(fdt_path_offset(user, "/chosen"), -FDT_ERR_NOTFOUND);
	struct error err = { 0 };
	ck_assert_msg(dtb_from_file(user, size, "my.dtb", &f.m, f.buf, DTB_MAX_SIZE, &err) == 0,
		      "%s", err.msg);
	assert_str(f.buf, "/chosen", "bootargs", CMDLINE);
	ck_assert_uint_eq(get_u64(f.buf, "/chosen", "linux,initrd-start"), INITRD_AT);
	fixture_free(&f);
}
END_TEST

/* Without an initrd, a range the file carried would point at nothing. */
START_TEST(test_file_stale_initrd_removed)
{
	struct fixture f;
	fixture_init(&f, 64 * MiB, 1, true, false);
	uint8_t user[4096];
	size_t size = user_tree(user, sizeof(user), true, true);
	struct error err = { 0 };
	ck_assert_msg(dtb_from_file(user, size, "my.dtb", &f.m, f.buf, DTB_MAX_SIZE, &err) == 0,
		      "%s", err.msg);
	int chosen = node(f.buf, "/chosen");
	ck_assert_ptr_null(fdt_getprop(f.buf, chosen, "linux,initrd-start", NULL));
	ck_assert_ptr_null(fdt_getprop(f.buf, chosen, "linux,initrd-end", NULL));
	assert_str(f.buf, "/chosen", "bootargs", CMDLINE);
	fixture_free(&f);
}
END_TEST

static void assert_file_refused(const void *data, size_t size, const char *fragment)
{
	struct fixture f;
	fixture_init(&f, 64 * MiB, 1, true, true);
	struct error err = { 0 };
	ck_assert_int_eq(dtb_from_file(data, size, "bad.dtb", &f.m, f.buf, DTB_MAX_SIZE, &err), -1);
	test_assert_error(err.msg, "bad.dtb: ", fragment);
	ck_assert_int_eq(err.kind, ERROR_USER);
	ck_assert_ptr_null(strchr(err.msg, '\n'));
	fixture_free(&f);
}

START_TEST(test_file_malformed)
{
	uint8_t good[4096];
	size_t size = user_tree(good, sizeof(good), true, false);
	uint8_t bad[4096];

	assert_file_refused("hello", 5, "not a device tree blob: 5 bytes");
	memset(bad, 0, sizeof(bad));
	assert_file_refused(bad, 64, "not a device tree blob: no device tree magic");
	/* Cut short: the header promises more than the file has. */
	assert_file_refused(good, size - 8, "truncated device tree");
	/* The structure block's first token (FDT_BEGIN_NODE) overwritten. */
	memcpy(bad, good, size);
	fdt32_t junk = cpu_to_fdt32(0x77);
	memcpy(bad + fdt_off_dt_struct(bad), &junk, 4);
	assert_file_refused(bad, size, "malformed device tree");
	/* A strings block said to run past the blob. */
	memcpy(bad, good, size);
	fdt_set_size_dt_strings(bad, (uint32_t)size);
	assert_file_refused(bad, size, "bad.dtb: ");
}
END_TEST

START_TEST(test_file_too_large)
{
	size_t big = DTB_MAX_SIZE + 4096;
	uint8_t *user = malloc(big);
	ck_assert_ptr_nonnull(user);
	ck_assert_int_eq(fdt_create_empty_tree(user, (int)big), 0);
	static uint8_t blob[DTB_MAX_SIZE];
	ck_assert_int_eq(fdt_setprop(user, 0, "blob", blob, sizeof(blob)), 0);
	ck_assert_int_eq(fdt_pack(user), 0);
	assert_file_refused(user, fdt_totalsize(user), "minivmm has room for");
	free(user);
}
END_TEST

/* ---- setup_data and the ACPI tables ------------------------------------ */

static void boot_params_at(struct fixture *f, uint16_t version)
{
	struct test_bzimage img;
	struct guest_kernel_image kernel;
	struct error err = { 0 };
	test_bzimage_make(&img, 4, 4096);
	ck_assert_msg(test_bzimage_load(&f->ram.mem, img.data, img.size, "k", 0x2000000, &kernel,
					&err) == 0, "%s", err.msg);
	test_bzimage_free(&img);
	/* The header boot_params copies: only setup_data_add_dtb reads it. */
	kernel.setup_header.version = version;
	ck_assert_msg(boot_params_build(&f->ram.mem, &kernel, NULL, CMDLINE, 0, &err) == 0, "%s",
		      err.msg);
}

START_TEST(test_setup_data_linked)
{
	struct fixture f;
	fixture_init(&f, 64 * MiB, 2, true, true);
	build(&f);
	boot_params_at(&f, 0x020f);
	struct error err = { 0 };
	ck_assert_msg(setup_data_add_dtb(&f.ram.mem, f.buf, &err) == 0, "%s", err.msg);
	const struct boot_params *bp = (const void *)(f.ram.host + LAYOUT_ZERO_PAGE);
	ck_assert_uint_eq(bp->hdr.setup_data, LAYOUT_DTB);
	const struct setup_data *sd = (const void *)(f.ram.host + LAYOUT_DTB);
	ck_assert_uint_eq(sd->next, 0);
	ck_assert_uint_eq(sd->type, SETUP_DTB);
	ck_assert_uint_eq(sd->len, fdt_totalsize(f.buf));
	ck_assert_mem_eq(sd->data, f.buf, fdt_totalsize(f.buf));
	ck_assert_int_eq(fdt_check_full(sd->data, sd->len), 0);
	/* The whole node lies in one e820-reserved range. */
	struct boot_e820_entry e820[E820_MAX_ENTRIES_ZEROPAGE];
	int n = e820_build(&f.ram.mem, e820, E820_MAX_ENTRIES_ZEROPAGE, NULL);
	bool reserved = false;
	for (int i = 0; i < n; i++)
		reserved |= e820[i].type == E820_TYPE_RESERVED && e820[i].addr <= LAYOUT_DTB &&
			    e820[i].addr + e820[i].size >= LAYOUT_DTB + sizeof(*sd) + sd->len;
	ck_assert(reserved);
	fixture_free(&f);
}
END_TEST

START_TEST(test_setup_data_old_protocol)
{
	struct fixture f;
	fixture_init(&f, 64 * MiB, 1, true, false);
	build(&f);
	boot_params_at(&f, 0x0208);
	struct error err = { 0 };
	ck_assert_int_eq(setup_data_add_dtb(&f.ram.mem, f.buf, &err), -1);
	test_assert_error(err.msg, "the kernel's boot protocol 2.08 has no setup_data");
	const struct boot_params *bp = (const void *)(f.ram.host + LAYOUT_ZERO_PAGE);
	ck_assert_uint_eq(bp->hdr.setup_data, 0);
	fixture_free(&f);
}
END_TEST

/* With a tree the XSDT lists no MADT, and no "APIC" table is anywhere in
 * the ACPI area; the FADT and MCFG remain. */
START_TEST(test_acpi_without_madt)
{
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	uint64_t rsdp = 0;
	struct error err = { 0 };
	ck_assert_msg(acpi_tables_build_madt(&ram.mem, 4, true, false, &rsdp, &err) == 0, "%s",
		      err.msg);
	uint64_t xsdt;
	memcpy(&xsdt, ram.host + rsdp + 24, 8);
	const uint8_t *x = ram.host + xsdt;
	ck_assert_mem_eq(x, "XSDT", 4);
	uint32_t len;
	memcpy(&len, x + 4, 4);
	ck_assert_uint_eq(len, 36 + 2 * 8);
	const char *want[] = { "FACP", "MCFG" };
	for (int i = 0; i < 2; i++) {
		uint64_t t;
		memcpy(&t, x + 36 + 8 * i, 8);
		ck_assert_mem_eq(ram.host + t, want[i], 4);
	}
	for (uint64_t at = LAYOUT_ACPI_TABLES; at < LAYOUT_ACPI_END; at += 16)
		ck_assert_msg(memcmp(ram.host + at, "APIC", 4) != 0, "an MADT at 0x%llx",
			      (unsigned long long)at);
	test_ram_free(&ram);
}
END_TEST

/* ---- which kernels read a tree (loader/kernel_dtb.c) ------------------- */

START_TEST(test_kernel_reads_dtb)
{
	static const char marker[] = "No valid device tree found, continuing without";
	uint8_t elf[4096] = { 0x7f, 'E', 'L', 'F' };
	struct image_file k = { .path = "vmlinux", .data = elf, .size = sizeof(elf) };
	ck_assert(!kernel_reads_dtb(&k));
	/* As pr_warn compiles it: KERN_SOH "4", the "OF: fdt: " prefix. */
	memcpy(elf + 1000, "\001" "4OF: fdt: ", 11);
	memcpy(elf + 1011, marker, sizeof(marker));
	ck_assert(kernel_reads_dtb(&k));
	/* The same bytes in a bzImage booted as it is: minivmm cannot tell. */
	struct test_bzimage img;
	test_bzimage_make(&img, 4, 4096);
	memcpy(img.data + img.setup_size + 100, marker, sizeof(marker));
	struct image_file b = { .path = "bzImage", .data = img.data, .size = img.size };
	ck_assert(!kernel_reads_dtb(&b));
	test_bzimage_free(&img);
}
END_TEST

/* With section headers only .rodata is searched, where a vmlinux keeps its
 * strings: the marker elsewhere does not count. */
START_TEST(test_kernel_reads_dtb_rodata)
{
	static const char marker[] = "No valid device tree found, continuing without";
	static const char names[] = "\0.rodata\0.shstrtab";
	static uint8_t elf[8192];
	memset(elf, 0, sizeof(elf));
	Elf64_Ehdr *eh = (Elf64_Ehdr *)elf;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_shoff = 4096;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = 3;
	eh->e_shstrndx = 2;
	Elf64_Shdr *sh = (Elf64_Shdr *)(elf + 4096);
	sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_PROGBITS, .sh_offset = 1024,
			      .sh_size = 1024 };
	sh[2] = (Elf64_Shdr){ .sh_name = 9, .sh_type = SHT_STRTAB, .sh_offset = 3072,
			      .sh_size = sizeof(names) };
	memcpy(elf + 3072, names, sizeof(names));
	struct image_file k = { .path = "vmlinux", .data = elf, .size = sizeof(elf) };
	memcpy(elf + 2500, marker, sizeof(marker));     /* after .rodata */
	ck_assert(!kernel_reads_dtb(&k));
	memcpy(elf + 1500, marker, sizeof(marker));     /* inside it */
	ck_assert(kernel_reads_dtb(&k));
	/* A .rodata said to run past the file: the whole file is searched. */
	sh[1].sh_size = 1 << 20;
	memset(elf + 1500, 0, sizeof(marker));
	ck_assert(kernel_reads_dtb(&k));
	sh[1].sh_size = 1024;
	ck_assert(!kernel_reads_dtb(&k));
}
END_TEST

Suite *dtb_suite(void)
{
	Suite *s = suite_create("dtb");
	TCase *tc = tcase_create("build");
	tcase_add_test(tc, test_root_and_chosen);
	tcase_add_test(tc, test_no_initrd);
	tcase_add_test(tc, test_memory_low);
	tcase_add_test(tc, test_memory_above_4g);
	tcase_add_test(tc, test_cpus);
	tcase_add_test(tc, test_cpus_max);
	tcase_add_test(tc, test_apics_and_serial);
	tcase_add_test(tc, test_pci);
	tcase_add_test(tc, test_too_small);
	suite_add_tcase(s, tc);
	tc = tcase_create("file");
	tcase_add_test(tc, test_file_chosen_filled);
	tcase_add_test(tc, test_file_chosen_created);
	tcase_add_test(tc, test_file_stale_initrd_removed);
	tcase_add_test(tc, test_file_malformed);
	tcase_add_test(tc, test_file_too_large);
	suite_add_tcase(s, tc);
	tc = tcase_create("boot");
	tcase_add_test(tc, test_setup_data_linked);
	tcase_add_test(tc, test_setup_data_old_protocol);
	tcase_add_test(tc, test_acpi_without_madt);
	tcase_add_test(tc, test_kernel_reads_dtb);
	tcase_add_test(tc, test_kernel_reads_dtb_rodata);
	suite_add_tcase(s, tc);
	return s;
}
