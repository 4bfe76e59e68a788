/* The structures boot/ writes at fixed addresses (layout.h), recorded in the
 * loader's image list as generated boot data, so that an image the user
 * places (--load FILE@ADDR, an initrd at a given address) is refused with a
 * message naming what it would overwrite, and --print-images shows them.
 * Each record covers exactly what the builders for that protocol write
 * (gdt.c, boot_params.c, page_tables.c, cmdline.c, pvh_start_info.c), plus
 * the 64-bit entry's initial stack, which the guest writes, the whole
 * ACPI area (acpi_tables.c), whose use grows with the vCPU count, and for
 * the 64-bit entry the device tree's area (setup_data.c). */
#include <stdbool.h>

#include "boot/boot.h"

#define BOOT_IMAGES_PAGE 0x1000ULL

/* What gdt_build writes: the GDT and the 8-byte empty IDT after it. */
#define BOOT_IMAGES_GDT_END      (LAYOUT_IDT + 8)
/* boot_params is one page (zero-page.rst). */
#define BOOT_IMAGES_ZERO_PAGE_SIZE sizeof(struct boot_params)
/* The page RSP/RBP start in (vcpu_state.c): the stack grows down from
 * LAYOUT_BOOT_STACK, so its page is the guest's until it sets its own. */
#define BOOT_IMAGES_STACK_PAGE   (LAYOUT_BOOT_STACK & ~(BOOT_IMAGES_PAGE - 1))
/* PML4, PDPT and LAYOUT_PD_COUNT page directories, one page each,
 * contiguous (page_tables.c). */
#define BOOT_IMAGES_PT_END       (LAYOUT_PD + LAYOUT_PD_COUNT * BOOT_IMAGES_PAGE)

_Static_assert(sizeof(struct boot_params) == BOOT_IMAGES_PAGE, "boot_params is 4 KiB");
_Static_assert(LAYOUT_PDPT == LAYOUT_PML4 + BOOT_IMAGES_PAGE &&
	       LAYOUT_PD == LAYOUT_PDPT + BOOT_IMAGES_PAGE,
	       "the page tables are one contiguous block");
_Static_assert(LAYOUT_PVH_START_INFO % BOOT_IMAGES_PAGE == 0 &&
	       LAYOUT_PVH_START_INFO + BOOT_IMAGES_PAGE == LAYOUT_ZERO_PAGE,
	       "the PVH area is the page below the zero page");
_Static_assert(BOOT_IMAGES_STACK_PAGE >= LAYOUT_ZERO_PAGE + BOOT_IMAGES_PAGE &&
	       BOOT_IMAGES_STACK_PAGE + BOOT_IMAGES_PAGE <= LAYOUT_PML4,
	       "the boot stack page lies between the zero page and the page tables");

static int boot_images_add(struct image_list *list, const char *what, uint64_t paddr,
			   uint64_t size, uint64_t alignment, struct error *err)
{
	struct image_record rec = {
		.kind = IMAGE_KIND_BOOT_DATA,
		.origin = IMAGE_ORIGIN_GENERATED,
		.path = (char *)what,  /* image_list_add copies it */
		.image = { .load_paddr = paddr, .alignment = alignment, .size = size },
		.claim_end = paddr + size,
		.has_raw_addr = false,
	};
	return image_list_add(list, &rec, err);
}

int boot_reserve_images(struct image_list *list, enum kernel_boot_protocol protocol,
			size_t cmdline_len, struct error *err)
{
	bool linux64 = protocol == KERNEL_BOOT_LINUX64;
	bool pvh = protocol == KERNEL_BOOT_PVH;
	if (!linux64 && !pvh)
		return error_set(err, "boot protocol %d has no boot data layout",
				 (int)protocol);
	/* The same limit cmdline_check applies; it also keeps len + 1 from
	 * overflowing. */
	if (cmdline_len >= LAYOUT_CMDLINE_MAX)
		return error_set(err, "command line is %zu bytes, minivmm has room for at most %llu",
				 cmdline_len, LAYOUT_CMDLINE_MAX - 1);

	/* Both entries load the one GDT (vcpu_state.c). */
	if (boot_images_add(list, "gdt+idt", LAYOUT_GDT, BOOT_IMAGES_GDT_END - LAYOUT_GDT, 8,
			    err) < 0)
		return -1;
	if (pvh && boot_images_add(list, "pvh-start-info", LAYOUT_PVH_START_INFO,
				   BOOT_IMAGES_PAGE, BOOT_IMAGES_PAGE, err) < 0)
		return -1;
	if (linux64 &&
	    (boot_images_add(list, "zero-page", LAYOUT_ZERO_PAGE, BOOT_IMAGES_ZERO_PAGE_SIZE,
			     BOOT_IMAGES_PAGE, err) < 0 ||
	     boot_images_add(list, "boot-stack", BOOT_IMAGES_STACK_PAGE, BOOT_IMAGES_PAGE,
			     BOOT_IMAGES_PAGE, err) < 0 ||
	     boot_images_add(list, "page-tables", LAYOUT_PML4, BOOT_IMAGES_PT_END - LAYOUT_PML4,
			     BOOT_IMAGES_PAGE, err) < 0))
		return -1;
	/* Both entries find the RSDP (boot_params.acpi_rsdp_addr or the
	 * start info's rsdp_paddr), and the tables stay the guest's for good:
	 * the e820 map reserves them (e820.c). */
	if (boot_images_add(list, "acpi-tables", LAYOUT_ACPI_TABLES,
			    LAYOUT_ACPI_END - LAYOUT_ACPI_TABLES, 16, err) < 0)
		return -1;
	/* The device tree's setup_data node (setup_data.c), whether or not
	 * this boot passes one: the area is the BIOS's, reserved in e820. */
	if (linux64 && boot_images_add(list, "device-tree", LAYOUT_DTB,
				       LAYOUT_DTB_END - LAYOUT_DTB, 8, err) < 0)
		return -1;
	/* The string and its NUL (cmdline_write). */
	return boot_images_add(list, "cmdline", LAYOUT_CMDLINE, (uint64_t)cmdline_len + 1, 1, err);
}
