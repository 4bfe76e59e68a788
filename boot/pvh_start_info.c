/* The PVH start-of-day structure (Xen's public header
 * xen/include/public/arch-x86/hvm/start_info.h): hvm_start_info at
 * LAYOUT_PVH_START_INFO, the module list (the initrd) at LAYOUT_PVH_MODLIST
 * and the memory map at LAYOUT_PVH_MEMMAP, all in the page below the zero
 * page.  The memory map is the e820 map a 64-bit boot would get, so both
 * entries see the same RAM. */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "boot/boot.h"

/* start_info.h's layout: what the guest reads, field by field. */
_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info is 56 bytes");
_Static_assert(offsetof(struct hvm_start_info, magic) == 0, "magic at 0");
_Static_assert(offsetof(struct hvm_start_info, version) == 4, "version at 4");
_Static_assert(offsetof(struct hvm_start_info, flags) == 8, "flags at 8");
_Static_assert(offsetof(struct hvm_start_info, nr_modules) == 12, "nr_modules at 12");
_Static_assert(offsetof(struct hvm_start_info, modlist_paddr) == 16, "modlist_paddr at 16");
_Static_assert(offsetof(struct hvm_start_info, cmdline_paddr) == 24, "cmdline_paddr at 24");
_Static_assert(offsetof(struct hvm_start_info, rsdp_paddr) == 32, "rsdp_paddr at 32");
_Static_assert(offsetof(struct hvm_start_info, memmap_paddr) == 40, "memmap_paddr at 40");
_Static_assert(offsetof(struct hvm_start_info, memmap_entries) == 48,
	       "memmap_entries at 48");
_Static_assert(offsetof(struct hvm_start_info, reserved) == 52, "reserved at 52");

_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry is 32 bytes");
_Static_assert(offsetof(struct hvm_modlist_entry, paddr) == 0, "paddr at 0");
_Static_assert(offsetof(struct hvm_modlist_entry, size) == 8, "size at 8");
_Static_assert(offsetof(struct hvm_modlist_entry, cmdline_paddr) == 16,
	       "cmdline_paddr at 16");
_Static_assert(offsetof(struct hvm_modlist_entry, reserved) == 24, "reserved at 24");

_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24,
	       "hvm_memmap_table_entry is 24 bytes");
_Static_assert(offsetof(struct hvm_memmap_table_entry, addr) == 0, "addr at 0");
_Static_assert(offsetof(struct hvm_memmap_table_entry, size) == 8, "size at 8");
_Static_assert(offsetof(struct hvm_memmap_table_entry, type) == 16, "type at 16");
_Static_assert(offsetof(struct hvm_memmap_table_entry, reserved) == 20, "reserved at 20");

/* The three pieces follow one another without overlap, 8-byte aligned (the
 * guest reads them as u64 fields), and stop at the zero page. */
#define PVH_MODULES_MAX 1  /* the initrd */
_Static_assert(LAYOUT_PVH_START_INFO % 8 == 0 && LAYOUT_PVH_MODLIST % 8 == 0 &&
	       LAYOUT_PVH_MEMMAP % 8 == 0, "PVH structures are 8-byte aligned");
_Static_assert(LAYOUT_PVH_START_INFO + sizeof(struct hvm_start_info) <= LAYOUT_PVH_MODLIST,
	       "start info and module list overlap");
_Static_assert(LAYOUT_PVH_MODLIST + PVH_MODULES_MAX * sizeof(struct hvm_modlist_entry) <=
	       LAYOUT_PVH_MEMMAP, "module list and memory map overlap");
/* At least as many entries as the zero page's e820_table, so the PVH entry
 * never loses a region the 64-bit entry would have. */
_Static_assert(PVH_MEMMAP_MAX >= E820_MAX_ENTRIES_ZEROPAGE,
	       "the PVH memory map holds fewer entries than boot_params");

/* Builds the memory map into out; returns the entry count or -1. */
static int pvh_memmap_build(const struct guest_memory *mem,
			    struct hvm_memmap_table_entry out[PVH_MEMMAP_MAX], struct error *err)
{
	/* One entry more than fits, so that "too many" is told apart from
	 * e820_build's own errors. */
	struct boot_e820_entry e820[PVH_MEMMAP_MAX + 1];
	int n = e820_build(mem, e820, (int)PVH_MEMMAP_MAX + 1, err);
	if (n < 0)
		return -1;
	if ((size_t)n > PVH_MEMMAP_MAX)
		return error_set(err, "PVH memory map has room for %zu entries, the guest "
				 "needs more", (size_t)PVH_MEMMAP_MAX);
	/* Same entries, same types: start_info.h's memmap types are the e820 ones. */
	for (int i = 0; i < n; i++)
		out[i] = (struct hvm_memmap_table_entry){
			.addr = e820[i].addr, .size = e820[i].size, .type = e820[i].type,
		};
	return n;
}

int pvh_start_info_build(struct guest_memory *mem, const struct guest_image *initrd,
			 const char *cmdline, uint32_t cmdline_max, uint64_t rsdp_paddr,
			 struct error *err)
{
	struct hvm_memmap_table_entry memmap[PVH_MEMMAP_MAX];
	int n = pvh_memmap_build(mem, memmap, err);
	if (n < 0)
		return -1;
	if (cmdline_write(mem, cmdline, cmdline_max, err) < 0)
		return -1;

	/* Linux (arch/x86/platform/pvh/enlighten.c) rejects version 0 and an
	 * empty memory map on anything but Xen, and takes module 0 as the
	 * initrd.  Address 0 means "absent" (start_info.h). */
	struct hvm_start_info info = {
		.magic = PVH_START_MAGIC,
		.version = PVH_START_INFO_VERSION,
		.flags = 0,
		.cmdline_paddr = LAYOUT_CMDLINE,
		.rsdp_paddr = rsdp_paddr,
		.memmap_paddr = LAYOUT_PVH_MEMMAP,
		.memmap_entries = (uint32_t)n,
	};
	if (initrd) {
		struct hvm_modlist_entry module = {
			.paddr = initrd->load_paddr,
			.size = initrd->size,
			.cmdline_paddr = 0,
		};
		if (guest_memory_write(mem, LAYOUT_PVH_MODLIST, &module, sizeof(module)) < 0)
			return error_set(err, "guest RAM too small for the PVH module list at 0x%llx",
					 LAYOUT_PVH_MODLIST);
		info.nr_modules = 1;
		info.modlist_paddr = LAYOUT_PVH_MODLIST;
	}
	if (guest_memory_write(mem, LAYOUT_PVH_MEMMAP, memmap,
			       (uint64_t)n * sizeof(memmap[0])) < 0)
		return error_set(err, "guest RAM too small for the PVH memory map at 0x%llx",
				 LAYOUT_PVH_MEMMAP);
	if (guest_memory_write(mem, LAYOUT_PVH_START_INFO, &info, sizeof(info)) < 0)
		return error_set(err, "guest RAM too small for the PVH start info at 0x%llx",
				 LAYOUT_PVH_START_INFO);
	return 0;
}
