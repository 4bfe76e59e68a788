/* The e820 memory map handed to the kernel in boot_params (zero-page.rst
 * "e820_table"), derived from the guest RAM regions so the two can never
 * disagree: the PC layout below 1 MiB (the EBDA and BIOS areas reserved, the
 * VGA/ROM hole absent), RAM from 1 MiB to the MMIO hole, the PCI ECAM
 * reserved inside the hole, RAM above 4 GiB. */
#include <inttypes.h>

#include "boot/boot.h"

/* The ECAM lies in the MMIO hole, after low RAM and before the RAM that
 * continues at 4 GiB: adding it between them keeps the table sorted. */
_Static_assert(LAYOUT_PCI_ECAM >= LAYOUT_MMIO_HOLE_START &&
	       LAYOUT_PCI_ECAM + LAYOUT_PCI_ECAM_SIZE <= LAYOUT_MMIO_HOLE_END,
	       "the PCI ECAM is inside the 32-bit MMIO hole");

struct e820_table {
	struct boot_e820_entry *entries;
	int count;
	int max;
};

static int e820_add(struct e820_table *t, uint64_t addr, uint64_t size, uint32_t type,
		    struct error *err)
{
	if (t->count >= t->max)
		return error_set(err, "e820 table full (%d entries)", t->max);
	t->entries[t->count++] = (struct boot_e820_entry){
		.addr = addr, .size = size, .type = type,
	};
	return 0;
}

int e820_build(const struct guest_memory *mem, struct boot_e820_entry *table,
	       int max, struct error *err)
{
	struct e820_table t = { .entries = table, .count = 0, .max = max };
	uint64_t low_end = guest_memory_low_end(mem);
	/* Linux runs from 1 MiB up (boot.rst, LOADED_HIGH): without RAM above
	 * it there is nothing to describe as usable memory. */
	if (low_end <= LAYOUT_HIGH_MEMORY)
		return error_set(err, "guest RAM of %" PRIu64 " KiB is too small: the kernel "
				 "needs RAM above 1 MiB", low_end >> 10);
	if (e820_add(&t, 0, LAYOUT_EBDA_START, E820_TYPE_RAM, err) < 0 ||
	    e820_add(&t, LAYOUT_EBDA_START, LAYOUT_VGA_START - LAYOUT_EBDA_START,
		     E820_TYPE_RESERVED, err) < 0 ||
	    e820_add(&t, LAYOUT_BIOS_START, LAYOUT_HIGH_MEMORY - LAYOUT_BIOS_START,
		     E820_TYPE_RESERVED, err) < 0 ||
	    e820_add(&t, LAYOUT_HIGH_MEMORY, low_end - LAYOUT_HIGH_MEMORY,
		     E820_TYPE_RAM, err) < 0)
		return -1;
	/* The ECAM the MCFG announces (PCI Firmware spec 3.2 §4.1.2): Linux
	 * uses an MCFG range only when the firmware also reserves it, in
	 * e820 or a motherboard device's _CRS.  Reserved even without PCI,
	 * so that the memory map does not change with the devices. */
	if (low_end > LAYOUT_PCI_ECAM)
		return error_set(err, "guest RAM below 4 GiB ends at 0x%" PRIx64 ", past the PCI "
				 "ECAM at 0x%llx", low_end, LAYOUT_PCI_ECAM);
	if (e820_add(&t, LAYOUT_PCI_ECAM, LAYOUT_PCI_ECAM_SIZE, E820_TYPE_RESERVED, err) < 0)
		return -1;
	/* Every other region (the RAM moved above the MMIO hole) as it is. */
	for (int i = 0; i < mem->nregions && i < GUEST_MEMORY_MAX_REGIONS; i++) {
		const struct guest_memory_region *r = &mem->regions[i];
		if (r->gpa != 0 && e820_add(&t, r->gpa, r->size, E820_TYPE_RAM, err) < 0)
			return -1;
	}
	return t.count;
}
