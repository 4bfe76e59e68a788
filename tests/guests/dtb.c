/* The device tree guest: an ELF kernel entered through the 64-bit boot
 * protocol (linked like check-elf.elf) that walks the tree minivmm hands
 * it in boot_params' setup_data (SETUP_DTB, boot.rst) with libfdt, built
 * freestanding into it from the libfdt sources in Debian's linux-source-6.1
 * (scripts/dtc/libfdt; guests.mk extracts them), and checks it against
 * what minivmm placed: /chosen bootargs is the command line at
 * cmd_line_ptr, linux,initrd-start/-end are ramdisk_image and
 * ramdisk_image + ramdisk_size, /memory@0's reg is the e820 map's RAM
 * ranges in order.  It prints
 *
 *   dtb: setup_data 0x... len N
 *   dtb: bootargs "..."
 *   dtb: initrd 0x...-0x...        (or "dtb: no initrd")
 *   dtb: memory 0x... size 0x...   one per range (or "dtb: no memory node")
 *   dtb: cpus N, model "..."
 *   dtb: all checks passed
 *
 * and exits through debug-exit with GUEST_EXIT_DTB_PASS (status 81), or
 * "FAIL: dtb: ..." and GUEST_EXIT_FAIL (255).  Without a tree it prints
 * Linux's own words (below) and exits with GUEST_EXIT_DTB_NONE (79).
 *
 * Linux's warning is also what minivmm's --dtb auto looks for in a kernel
 * (loader/kernel_dtb.c): this guest carries it, so auto passes it a tree. */
#include <libfdt.h>

#include "lib.h"

void guest_main(uint64_t bp);

#define BP_E820_ENTRIES  0x1e8
#define BP_RAMDISK_IMAGE 0x218
#define BP_RAMDISK_SIZE  0x21c
#define BP_CMD_LINE_PTR  0x228
#define BP_SETUP_DATA    0x250
#define BP_E820_TABLE    0x2d0
#define E820_ENTRY_SIZE  20
#define E820_RAM         1
#define SETUP_DTB        2     /* asm/bootparam.h */
#define SETUP_DATA_HDR   16    /* struct setup_data: next, type, len, then data */
#define SETUP_DATA_MAX   16    /* nodes walked before giving up on a loop */

static const char no_tree[] = "No valid device tree found, continuing without";

static uint32_t rd32(uint64_t a)
{
	return *(volatile uint32_t *)a;
}

static uint64_t rd64(uint64_t a)
{
	return *(volatile uint64_t *)a;
}

__attribute__((noreturn)) static void fail(const char *what, uint64_t v)
{
	puts_("FAIL: dtb: ");
	puts_(what);
	puts_(" ");
	put_hex(v);
	puts_("\n");
	debug_exit(GUEST_EXIT_FAIL, 1);
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static const void *getprop(const void *fdt, const char *path, const char *name, int *len)
{
	int node = fdt_path_offset(fdt, path);
	if (node < 0)
		fail(path, (uint64_t)-node);
	const void *p = fdt_getprop(fdt, node, name, len);
	if (!p)
		fail(name, (uint64_t)-*len);
	return p;
}

/* The first SETUP_DTB node of the setup_data list, 0 when there is none. */
static uint64_t find_dtb(uint64_t bp, uint32_t *len)
{
	uint64_t node = rd64(bp + BP_SETUP_DATA);
	for (int i = 0; node && i < SETUP_DATA_MAX; i++) {
		if (rd32(node + 8) == SETUP_DTB) {
			*len = rd32(node + 12);
			return node;
		}
		node = rd64(node);
	}
	return 0;
}

static void check_chosen(const void *fdt, uint64_t bp)
{
	int len;
	const char *args = getprop(fdt, "/chosen", "bootargs", &len);
	const char *cmdline = (const char *)(uint64_t)rd32(bp + BP_CMD_LINE_PTR);
	puts_("dtb: bootargs \"");
	puts_(args);
	puts_("\"\n");
	if (len < 1 || args[len - 1] != '\0' || !streq(args, cmdline))
		fail("bootargs differ from the command line at", (uint64_t)cmdline);

	uint64_t image = rd32(bp + BP_RAMDISK_IMAGE), size = rd32(bp + BP_RAMDISK_SIZE);
	int chosen = fdt_path_offset(fdt, "/chosen");
	const fdt64_t *start = fdt_getprop(fdt, chosen, "linux,initrd-start", &len);
	if (!image) {
		if (start)
			fail("an initrd range without an initrd:", fdt64_ld(start));
		puts_("dtb: no initrd\n");
		return;
	}
	if (!start || len != 8)
		fail("linux,initrd-start missing or not 64-bit, length", (uint64_t)len);
	const fdt64_t *end = getprop(fdt, "/chosen", "linux,initrd-end", &len);
	if (len != 8)
		fail("linux,initrd-end not 64-bit, length", (uint64_t)len);
	puts_("dtb: initrd ");
	put_hex(fdt64_ld(start));
	puts_("-");
	put_hex(fdt64_ld(end));
	puts_("\n");
	if (fdt64_ld(start) != image)
		fail("linux,initrd-start is not ramdisk_image", image);
	if (fdt64_ld(end) != image + size)
		fail("linux,initrd-end is not ramdisk_image + ramdisk_size", image + size);
}

/* A user's tree (--dtb FILE) may describe no memory: then nothing to
 * compare. */
static void check_memory(const void *fdt, uint64_t bp)
{
	int len;
	if (fdt_path_offset(fdt, "/memory@0") == -FDT_ERR_NOTFOUND) {
		puts_("dtb: no memory node\n");
		return;
	}
	const fdt64_t *reg = getprop(fdt, "/memory@0", "reg", &len);
	int nreg = len / 16, k = 0;
	if (len % 16)
		fail("/memory@0 reg is not (address, size) pairs, length", (uint64_t)len);
	unsigned n = *(volatile uint8_t *)(bp + BP_E820_ENTRIES);
	for (unsigned i = 0; i < n; i++) {
		uint64_t e = bp + BP_E820_TABLE + (uint64_t)i * E820_ENTRY_SIZE;
		if (rd32(e + 16) != E820_RAM)
			continue;
		if (k >= nreg)
			fail("/memory@0 lacks the e820 RAM range at", rd64(e));
		uint64_t addr = fdt64_ld(&reg[2 * k]), size = fdt64_ld(&reg[2 * k + 1]);
		puts_("dtb: memory ");
		put_hex(addr);
		puts_(" size ");
		put_hex(size);
		puts_("\n");
		if (addr != rd64(e) || size != rd64(e + 8))
			fail("/memory@0 range differs from e820's at", rd64(e));
		k++;
	}
	if (k != nreg)
		fail("/memory@0 has ranges e820 does not give as RAM:", (uint64_t)(nreg - k));
}

void guest_main(uint64_t bp)
{
	uint32_t len = 0;
	uint64_t node = find_dtb(bp, &len);
	if (!node) {
		puts_("dtb: ");
		puts_(no_tree);
		puts_("\n");
		debug_exit(GUEST_EXIT_DTB_NONE, 1);
	}
	const void *fdt = (const void *)(node + SETUP_DATA_HDR);
	puts_("dtb: setup_data ");
	put_hex(node);
	puts_(" len ");
	put_dec(len);
	puts_("\n");
	int rc = fdt_check_header(fdt);
	if (rc < 0)
		fail("fdt_check_header:", (uint64_t)-rc);
	if (fdt_totalsize(fdt) != len)
		fail("the tree's totalsize is not setup_data's len:", fdt_totalsize(fdt));
	check_chosen(fdt, bp);
	check_memory(fdt, bp);
	int cpus = 0, child, parent = fdt_path_offset(fdt, "/cpus");
	if (parent >= 0)
		fdt_for_each_subnode(child, fdt, parent)
			cpus++;
	const char *model = fdt_getprop(fdt, 0, "model", NULL);
	if (!model)
		model = "";
	puts_("dtb: cpus ");
	put_dec((uint64_t)cpus);
	puts_(", model \"");
	puts_(model);
	puts_("\"\n");
	puts_("dtb: all checks passed\n");
	debug_exit(GUEST_EXIT_DTB_PASS, 1);
}
