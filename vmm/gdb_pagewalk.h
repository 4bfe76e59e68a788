/* Guest-virtual to guest-physical, as the guest's MMU would see it, for
 * the debugger's memory reads (pure, over struct guest_memory). */
#ifndef MINIVMM_VMM_GDB_PAGEWALK_H
#define MINIVMM_VMM_GDB_PAGEWALK_H

#include <stdint.h>

#include "kvm/guest_memory.h"

struct gdb_paging {
	uint64_t cr0, cr3, cr4, efer;
};

/* Translates va: identity with CR0.PG clear; the 4-level walk with
 * EFER.LMA (SDM Vol. 3A 4.5, 4 KiB, 2 MiB and 1 GiB pages).  *page_left
 * is the number of bytes from va to the end of its page.  -1 when not
 * present, a table lies outside RAM, or the mode is one minivmm does not
 * walk (32-bit and PAE paging, 5-level paging). */
int gdb_pagewalk(const struct guest_memory *mem, const struct gdb_paging *pg, uint64_t va,
		 uint64_t *pa, uint64_t *page_left);

#endif
