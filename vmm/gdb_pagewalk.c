/* The 4-level page walk (Intel SDM Vol. 3A, 4.5 "4-Level Paging and
 * 5-Level Paging"): each entry read through the checked guest_memory_read,
 * so a guest's table pointing outside RAM is a failed translation, never a
 * host read out of bounds. */
#include "vmm/gdb_pagewalk.h"

#define PG_PRESENT 0x1ULL
#define PG_PS      0x80ULL
#define PG_ADDR    0x000ffffffffff000ULL
#define CR0_PG     (1ULL << 31)
#define CR4_LA57   (1ULL << 12)
#define EFER_LMA   (1ULL << 10)

int gdb_pagewalk(const struct guest_memory *mem, const struct gdb_paging *pg, uint64_t va,
		 uint64_t *pa, uint64_t *page_left)
{
	if (!(pg->cr0 & CR0_PG)) {
		*pa = va & 0xffffffffULL;
		*page_left = 0x1000 - (va & 0xfff);
		return 0;
	}
	if (!(pg->efer & EFER_LMA) || (pg->cr4 & CR4_LA57))
		return -1;
	uint64_t table = pg->cr3 & PG_ADDR;
	for (int level = 3; level >= 0; level--) {
		int shift = 12 + 9 * level;
		uint64_t e;
		if (guest_memory_read(mem, table + ((va >> shift) & 511) * 8, &e, sizeof(e)) < 0)
			return -1;
		if (!(e & PG_PRESENT))
			return -1;
		/* PS at PDPTE (1 GiB) and PDE (2 MiB); reserved in the PML4E. */
		if (level == 0 || ((level == 1 || level == 2) && (e & PG_PS))) {
			uint64_t size = 1ULL << shift;
			*pa = (e & PG_ADDR & ~(size - 1)) | (va & (size - 1));
			*page_left = size - (va & (size - 1));
			return 0;
		}
		table = e & PG_ADDR;
	}
	return -1;
}
