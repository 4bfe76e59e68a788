/* Breakpoint bookkeeping for the gdb stub; the guest memory and the KVM
 * calls are gdb_stub.c's. */
#include <string.h>

#include "vmm/gdb_breakpoints.h"

void gdb_breakpoints_init(struct gdb_breakpoints *b)
{
	memset(b, 0, sizeof(*b));
}

int gdb_sw_find(const struct gdb_breakpoints *b, uint64_t addr)
{
	for (int i = 0; i < b->nsw; i++)
		if (b->sw[i].addr == addr)
			return i;
	return -1;
}

int gdb_sw_add(struct gdb_breakpoints *b, uint64_t addr, uint64_t gpa, uint8_t saved)
{
	if (b->nsw >= GDB_SW_BREAKPOINTS_MAX || gdb_sw_find(b, addr) >= 0)
		return -1;
	b->sw[b->nsw++] = (struct gdb_sw_breakpoint){ addr, gpa, saved };
	return 0;
}

int gdb_sw_remove(struct gdb_breakpoints *b, uint64_t addr, struct gdb_sw_breakpoint *out)
{
	int i = gdb_sw_find(b, addr);
	if (i < 0)
		return -1;
	*out = b->sw[i];
	b->sw[i] = b->sw[--b->nsw];
	return 0;
}

int gdb_hw_add(struct gdb_breakpoints *b, enum gdb_hw_kind kind, uint64_t addr, unsigned len)
{
	if (kind == GDB_HW_EXEC)
		len = 1;
	else if (kind == GDB_HW_READ)
		return -1;   /* x86 has no read-only watch (SDM 18.2.4, RW 10 is I/O) */
	else if (kind != GDB_HW_WRITE && kind != GDB_HW_ACCESS)
		return -1;
	if ((len != 1 && len != 2 && len != 4 && len != 8) || (addr & (len - 1)))
		return -1;
	for (int i = 0; i < GDB_HW_SLOTS; i++) {
		if (!b->hw[i].used) {
			b->hw[i] = (struct gdb_hw_slot){ true, kind, addr, len };
			return i;
		}
	}
	return -1;
}

int gdb_hw_remove(struct gdb_breakpoints *b, enum gdb_hw_kind kind, uint64_t addr, unsigned len)
{
	if (kind == GDB_HW_EXEC)
		len = 1;
	for (int i = 0; i < GDB_HW_SLOTS; i++) {
		struct gdb_hw_slot *s = &b->hw[i];
		if (s->used && s->kind == kind && s->addr == addr && s->len == len) {
			s->used = false;
			return 0;
		}
	}
	return -1;
}

uint64_t gdb_hw_dr7(const struct gdb_breakpoints *b, uint64_t dr[4])
{
	/* SDM Vol. 3B 18.2.4: R/W 00 execute, 01 write, 11 read or write;
	 * LEN 00 1 byte, 01 2, 11 4, 10 8. */
	static const unsigned len_bits[9] = { [1] = 0, [2] = 1, [4] = 3, [8] = 2 };
	uint64_t dr7 = 0;
	for (int i = 0; i < GDB_HW_SLOTS; i++) {
		const struct gdb_hw_slot *s = &b->hw[i];
		dr[i] = s->used ? s->addr : 0;
		if (!s->used)
			continue;
		uint64_t rw = s->kind == GDB_HW_EXEC ? 0 : s->kind == GDB_HW_WRITE ? 1 : 3;
		uint64_t len = s->kind == GDB_HW_EXEC ? 0 : len_bits[s->len];
		dr7 |= 2ULL << (2 * i);
		dr7 |= rw << (16 + 4 * i);
		dr7 |= len << (18 + 4 * i);
	}
	return dr7 ? dr7 | 0x600 : 0x400;
}

int gdb_hw_hit(const struct gdb_breakpoints *b, uint64_t dr6)
{
	for (int i = 0; i < GDB_HW_SLOTS; i++)
		if ((dr6 & (1ULL << i)) && b->hw[i].used)
			return i;
	return -1;
}
