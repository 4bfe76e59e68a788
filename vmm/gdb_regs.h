/* The x86-64 registers as gdb sees them, pure: the target description
 * minivmm serves (qXfer:features:read:target.xml) and the `g` packet
 * layout it implies, to and from KVM's kvm_regs/kvm_sregs through the
 * vCPU context API (kvm/kvm.h).  GDB manual, "Target Descriptions" >
 * "i386 Features" and "Standard Target Features". */
#ifndef MINIVMM_VMM_GDB_REGS_H
#define MINIVMM_VMM_GDB_REGS_H

#include <stddef.h>
#include <stdint.h>

#include "kvm/kvm.h"

/* gdb register numbers, in the order of target.xml. */
enum {
	GDB_REG_RIP = 16, GDB_REG_EFLAGS = 17, GDB_REG_CS = 18,
	GDB_REG_ST0 = 24, GDB_REG_FCTRL = 32, GDB_REG_FS_BASE = 40, GDB_REG_GS_BASE = 41,
	GDB_REG_CR0 = 42, GDB_REG_EFER = 47,
	GDB_REG_COUNT = 48,
};

/* Bytes of the whole `g` reply's data (before hex): 276 for the core
 * feature, 16 for the segment bases, 48 for cr0, cr2, cr3, cr4, cr8, efer. */
#define GDB_REGS_BYTES 340

/* The target description, a NUL-terminated string. */
const char *gdb_target_xml(void);

/* Size in bytes and offset in the `g` data of register n; -1 for n out
 * of range. */
int gdb_reg_size(int n);
int gdb_reg_offset(int n);

/* The `g` reply's text: 2 * GDB_REGS_BYTES chars into out (room at least
 * that plus one; NUL-terminated).  The x87 registers, which minivmm does
 * not read, are "xx" (unavailable, GDB manual "Packets" g). */
void gdb_regs_format(const struct kvm_regs *regs, const struct kvm_sregs *sregs, char *out);

/* One register's value as hex into out (room 2 * 10 + 1), NUL-terminated. */
int gdb_reg_format(const struct kvm_regs *regs, const struct kvm_sregs *sregs, int n, char *out);

/* Writes register n from value bytes (little-endian, gdb_reg_size(n) of
 * them) through vcpu_context_set_reg, which checks it.  x87 registers are
 * accepted and ignored.  -1 with err when refused. */
int gdb_reg_store(struct kvm_regs *regs, struct kvm_sregs *sregs, int n, const uint8_t *value,
		  struct error *err);

/* A `G` packet's hex (len chars): every register whose value differs from
 * the current one is stored, so a `G` that repeats a value the setter
 * would refuse (a stale unavailable byte) changes nothing.  -1 on bad hex,
 * a wrong length or a refused value; the structs are then unchanged. */
int gdb_regs_parse(struct kvm_regs *regs, struct kvm_sregs *sregs, const char *hex, size_t len,
		   struct error *err);

#endif
