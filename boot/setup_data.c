/* boot_params' setup_data list (boot.rst "Details of Header Fields",
 * setup_data, protocol 2.09+): a singly linked list of struct setup_data
 * nodes in guest memory, hdr.setup_data pointing at the first.  minivmm
 * links one node, the device tree (SETUP_DTB), at LAYOUT_DTB. */
#include <stddef.h>

#include <libfdt.h>

#include "boot/boot.h"

_Static_assert(LAYOUT_DTB >= LAYOUT_ACPI_END && LAYOUT_DTB_END <= LAYOUT_HIGH_MEMORY &&
	       LAYOUT_DTB >= LAYOUT_BIOS_START,
	       "the tree lies in the e820-reserved BIOS area, after the ACPI tables");
_Static_assert(LAYOUT_DTB % 8 == 0, "setup_data's 64-bit fields are aligned");

/* boot.rst: setup_data exists from boot protocol 2.09. */
#define SETUP_DATA_MIN_VERSION 0x0209

bool setup_data_supported(const struct setup_header *hdr)
{
	return hdr->version >= SETUP_DATA_MIN_VERSION;
}

int setup_data_add_dtb(struct guest_memory *mem, const void *fdt, struct error *err)
{
	uint64_t hdr_gpa = LAYOUT_ZERO_PAGE + offsetof(struct boot_params, hdr);
	struct setup_header hdr;
	if (guest_memory_read(mem, hdr_gpa, &hdr, sizeof(hdr)) < 0)
		return error_set(err, "guest RAM too small for boot_params at 0x%llx",
				 LAYOUT_ZERO_PAGE);
	if (!setup_data_supported(&hdr))
		return error_set(err, "the kernel's boot protocol %u.%02u has no setup_data for a "
				 "device tree (2.09 and later have)", hdr.version >> 8,
				 hdr.version & 0xff);
	uint32_t size = fdt_totalsize(fdt);
	if (size > DTB_MAX_SIZE)
		return error_set(err, "device tree of %u bytes: minivmm has room for %llu", size,
				 (unsigned long long)DTB_MAX_SIZE);
	/* In front of whatever the list held, so nothing is lost. */
	struct setup_data node = { .next = hdr.setup_data, .type = SETUP_DTB, .len = size };
	hdr.setup_data = LAYOUT_DTB;
	if (guest_memory_write(mem, LAYOUT_DTB, &node, sizeof(node)) < 0 ||
	    guest_memory_write(mem, LAYOUT_DTB + sizeof(node), fdt, size) < 0 ||
	    guest_memory_write(mem, hdr_gpa, &hdr, sizeof(hdr)) < 0)
		return error_set(err, "guest RAM too small for the device tree at 0x%llx",
				 LAYOUT_DTB);
	return 0;
}
