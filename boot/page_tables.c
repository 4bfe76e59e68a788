/* Identity page tables for the 64-bit entry.  boot.rst "64-bit BOOT
 * PROTOCOL": the kernel's load range plus init_size, the zero page and the
 * command line must be identity mapped; mapping all of [0, 4 GiB) with
 * 2 MiB pages covers every one of them (all live in low RAM) with four page
 * directories.  Formats: SDM Vol. 3A, "4-Level Paging" (PML4E, PDPTE, and a
 * PDE with PS=1 mapping a 2-MByte page). */
#include <stdint.h>
#include <string.h>

#include "boot/boot.h"

#define PT_ENTRIES   512
#define PT_PRESENT   0x1ULL   /* P */
#define PT_WRITABLE  0x2ULL   /* R/W */
#define PT_LARGE     0x80ULL  /* PS: this PDE maps a 2 MiB page */
#define PT_TABLE     (PT_PRESENT | PT_WRITABLE)            /* 0x03 */
#define PT_PAGE_2M   (PT_PRESENT | PT_WRITABLE | PT_LARGE)  /* 0x83 */
#define PT_2M_SHIFT  21

static int page_tables_write(struct guest_memory *mem, uint64_t gpa,
			     const uint64_t table[PT_ENTRIES], struct error *err)
{
	if (guest_memory_write(mem, gpa, table, PT_ENTRIES * sizeof(uint64_t)) < 0)
		return error_set(err, "guest RAM too small for the page tables at 0x%llx",
				 (unsigned long long)gpa);
	return 0;
}

int page_tables_build(struct guest_memory *mem, struct error *err)
{
	uint64_t table[PT_ENTRIES];

	memset(table, 0, sizeof(table));
	table[0] = LAYOUT_PDPT | PT_TABLE;
	if (page_tables_write(mem, LAYOUT_PML4, table, err) < 0)
		return -1;

	memset(table, 0, sizeof(table));
	for (int i = 0; i < LAYOUT_PD_COUNT; i++)
		table[i] = (LAYOUT_PD + (uint64_t)i * sizeof(table)) | PT_TABLE;
	if (page_tables_write(mem, LAYOUT_PDPT, table, err) < 0)
		return -1;

	for (int i = 0; i < LAYOUT_PD_COUNT; i++) {
		for (int j = 0; j < PT_ENTRIES; j++) {
			uint64_t page = (uint64_t)i * PT_ENTRIES + (uint64_t)j;
			table[j] = (page << PT_2M_SHIFT) | PT_PAGE_2M;
		}
		if (page_tables_write(mem, LAYOUT_PD + (uint64_t)i * sizeof(table), table, err) < 0)
			return -1;
	}
	return 0;
}
