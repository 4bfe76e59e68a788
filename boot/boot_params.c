/* boot_params, the "zero page" (zero-page.rst, boot.rst "THE REAL-MODE
 * KERNEL HEADER" and "64-bit BOOT PROTOCOL"): a zeroed page holding the
 * kernel's own setup header plus the fields a boot loader must write. */
#include <inttypes.h>
#include <string.h>

#include "boot/boot.h"

/* boot.rst "type_of_loader": 0xff means "undefined" — minivmm has no
 * assigned loader ID. */
#define BOOT_PARAMS_LOADER_UNDEFINED 0xff
/* boot.rst "heap_end_ptr": end of the setup stack/heap relative to the
 * real-mode start, minus 0x200.  Only the 16-bit entry uses it; 0xfe00 is
 * the customary full segment value. */
#define BOOT_PARAMS_HEAP_END         0xfe00
/* boot.rst "vid_mode": 0xffff means "normal" (the video mode the loader
 * found); obligatory to fill. */
#define BOOT_PARAMS_VID_NORMAL       0xffff
/* The fields boot.rst marks "write (obligatory)" or "write" for a loader. */
static void boot_params_loader_fields(struct boot_params *bp, uint64_t load_paddr)
{
	struct setup_header *hdr = &bp->hdr;
	hdr->type_of_loader = BOOT_PARAMS_LOADER_UNDEFINED;
	hdr->loadflags |= CAN_USE_HEAP;
	hdr->heap_end_ptr = BOOT_PARAMS_HEAP_END;
	hdr->vid_mode = BOOT_PARAMS_VID_NORMAL;
	hdr->code32_start = (uint32_t)load_paddr;
	hdr->cmd_line_ptr = (uint32_t)LAYOUT_CMDLINE;
	bp->ext_cmd_line_ptr = (uint32_t)(LAYOUT_CMDLINE >> 32);
	/* The image may carry anything here; minivmm passes none of these. */
	hdr->ramdisk_image = 0;
	hdr->ramdisk_size = 0;
	hdr->setup_data = 0;
	hdr->hardware_subarch = X86_SUBARCH_PC;
	hdr->hardware_subarch_data = 0;
}

/* ramdisk_image/size hold the low 32 bits, ext_ramdisk_* the high ones
 * (zero-page.rst 0x0c0, 0x0c4). */
static void boot_params_ramdisk(struct boot_params *bp, const struct guest_image *initrd)
{
	bp->hdr.ramdisk_image = (uint32_t)initrd->load_paddr;
	bp->ext_ramdisk_image = (uint32_t)(initrd->load_paddr >> 32);
	bp->hdr.ramdisk_size = (uint32_t)initrd->size;
	bp->ext_ramdisk_size = (uint32_t)(initrd->size >> 32);
}

int boot_params_build(struct guest_memory *mem, const struct guest_kernel_image *kernel,
		      const struct guest_image *initrd, const char *cmdline,
		      uint64_t rsdp_paddr, struct error *err)
{
	/* code32_start is 32 bits wide. */
	if (kernel->image.load_paddr > UINT32_MAX)
		return error_set(err, "kernel load address 0x%" PRIx64 " is above 4 GiB",
				 kernel->image.load_paddr);

	/* Built zeroed on the host and written once: only the setup header is
	 * copied from the image, so the sentinel at 0x1ef stays 0 (boot.rst:
	 * the kernel treats a nonzero sentinel as a sloppy loader). */
	struct boot_params bp;
	memset(&bp, 0, sizeof(bp));
	bp.hdr = kernel->setup_header;
	boot_params_loader_fields(&bp, kernel->image.load_paddr);
	if (initrd)
		boot_params_ramdisk(&bp, initrd);
	/* zero-page.rst 0x070: read by kernels of boot protocol 2.14 and later,
	 * which then skip the scan of the BIOS area. */
	bp.acpi_rsdp_addr = rsdp_paddr;

	int n = e820_build(mem, bp.e820_table, E820_MAX_ENTRIES_ZEROPAGE, err);
	if (n < 0)
		return -1;
	bp.e820_entries = (uint8_t)n;

	if (cmdline_write(mem, cmdline, cmdline_limit(&kernel->setup_header), err) < 0)
		return -1;
	if (guest_memory_write(mem, LAYOUT_ZERO_PAGE, &bp, sizeof(bp)) < 0)
		return error_set(err, "guest RAM too small for boot_params at 0x%llx",
				 LAYOUT_ZERO_PAGE);
	return 0;
}
