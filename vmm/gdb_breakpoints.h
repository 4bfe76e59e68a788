/* The debugger's breakpoints and watchpoints, pure: software breakpoints
 * (the byte an int3 replaced) and the four debug-register slots with the
 * DR7 value that arms them (Intel SDM Vol. 3B 18.2 "Debug Registers"). */
#ifndef MINIVMM_VMM_GDB_BREAKPOINTS_H
#define MINIVMM_VMM_GDB_BREAKPOINTS_H

#include <stdbool.h>
#include <stdint.h>

#define GDB_SW_BREAKPOINTS_MAX 64
#define GDB_HW_SLOTS 4

/* gdb's Z types (GDB manual, "Packets" z/Z): 1 hardware breakpoint, 2 write
 * watchpoint, 3 read watchpoint, 4 access watchpoint. */
enum gdb_hw_kind { GDB_HW_EXEC = 1, GDB_HW_WRITE = 2, GDB_HW_READ = 3, GDB_HW_ACCESS = 4 };

struct gdb_sw_breakpoint {
	uint64_t addr;   /* guest-virtual, as gdb gave it */
	uint64_t gpa;    /* where the int3 went */
	uint8_t saved;   /* the byte it replaced */
};

struct gdb_hw_slot {
	bool used;
	enum gdb_hw_kind kind;
	uint64_t addr;
	unsigned len;    /* 1, 2, 4 or 8 */
};

struct gdb_breakpoints {
	struct gdb_sw_breakpoint sw[GDB_SW_BREAKPOINTS_MAX];
	int nsw;
	struct gdb_hw_slot hw[GDB_HW_SLOTS];
};

void gdb_breakpoints_init(struct gdb_breakpoints *b);

/* Software breakpoints.  find: index or -1.  add: -1 when full or already
 * there.  remove: the entry is taken out and returned in *out. */
int gdb_sw_find(const struct gdb_breakpoints *b, uint64_t addr);
int gdb_sw_add(struct gdb_breakpoints *b, uint64_t addr, uint64_t gpa, uint8_t saved);
int gdb_sw_remove(struct gdb_breakpoints *b, uint64_t addr, struct gdb_sw_breakpoint *out);

/* Hardware slots.  add: the slot used, -1 when none is free or the request
 * is one the hardware cannot do (a read-only watch, a length not 1/2/4/8,
 * an address not aligned to it).  An exec breakpoint is length 1.  remove:
 * -1 when no slot matches kind, addr and len. */
int gdb_hw_add(struct gdb_breakpoints *b, enum gdb_hw_kind kind, uint64_t addr, unsigned len);
int gdb_hw_remove(struct gdb_breakpoints *b, enum gdb_hw_kind kind, uint64_t addr, unsigned len);

/* DR7 for the used slots: Gn, RWn and LENn, bit 10 and GE set, as QEMU
 * and Firecracker arm them; and DR0-DR3 into dr[0..3]. */
uint64_t gdb_hw_dr7(const struct gdb_breakpoints *b, uint64_t dr[4]);

/* Which slot a #DB fired for, from DR6's B0-B3 (bits 0-3); -1 if none of
 * the used ones. */
int gdb_hw_hit(const struct gdb_breakpoints *b, uint64_t dr6);

#endif
