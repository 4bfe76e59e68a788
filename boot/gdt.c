/* The boot GDT and an empty IDT.  boot.rst "64-bit BOOT PROTOCOL": "a GDT
 * must be loaded with the descriptors for selectors __BOOT_CS(0x10) and
 * __BOOT_DS(0x18); both descriptors must be 4G flat segment; __BOOT_CS must
 * have execute/read permission, and __BOOT_DS must have read/write
 * permission".  Descriptor format: SDM Vol. 3A, "Segment Descriptors"
 * (Figure 3-8) and "TSS Descriptor in 64-bit Mode".
 *
 *   bits 15:0  limit 15:0        bits 39:16 base 23:0
 *   bits 47:40 access: P(47) DPL(46:45) S(44) type(43:40)
 *   bits 51:48 limit 19:16       bits 55:52 flags: G(55) D/B(54) L(53) AVL(52)
 *   bits 63:56 base 31:24
 *
 *   [0] 0x00: null (required)
 *   [1] 0x08: null, so that the code and data selectors are the documented ones
 *   [2] 0x10: 0x00af9b000000ffff  code: P, S, type 0xb (execute/read,
 *             accessed), G=1, L=1, D=0 (SDM: "L=1 requires D=0"), limit
 *             0xfffff pages = 4 GiB, base 0
 *   [3] 0x18: 0x00cf93000000ffff  data: P, S, type 0x3 (read/write,
 *             accessed), G=1, D/B=1, limit 4 GiB, base 0
 *   [4] 0x20: 0x00008b0000000067  TSS: P, S=0, type 0xb (busy 64-bit TSS,
 *             as VM entry requires of TR in IA-32e mode), G=0, limit 0x67
 *             (104-byte 64-bit TSS), base 0
 *   [5]     : 0 — bits 127:64 of the TSS descriptor: base 63:32 and the
 *             reserved type field that must be 0
 *   [6] 0x30: 0x00cf9b000000ffff  code32: P, S, type 0xb (execute/read,
 *             accessed), G=1, D=1, L=0, limit 4 GiB, base 0 — the flat
 *             32-bit code segment of the PVH entry (Xen's
 *             docs/misc/pvh.pandoc: "a 32-bit read/execute code segment")
 * The PVH entry runs in 32-bit protected mode with the same table: the
 * first 8 bytes of the TSS descriptor read as a legacy busy 32-bit TSS
 * (type 0xb, SDM Vol. 3A "TSS Descriptor") of the same base and limit, and
 * slot 5 then reads as a null descriptor.
 * The kernel loads its own GDT at once; these exist so that the hidden
 * segment state KVM receives (boot_vcpu_state_linux64, boot_vcpu_state_pvh)
 * has a real descriptor behind it. */
#include <stdint.h>

#include "boot/boot.h"
#include "common/x86.h"

/* Descriptor bits and segment types: common/x86.h. */
#define GDT_FLAT_LIMIT      0xfffffU
#define GDT_TSS_LIMIT       0x67U

_Static_assert(BOOT_GDT_TSS_SEL / 8 + 2 <= BOOT_GDT_ENTRIES,
	       "the 16-byte TSS descriptor must fit in the GDT");
_Static_assert(BOOT_GDT_CODE32_SEL / 8 < BOOT_GDT_ENTRIES,
	       "the 32-bit code descriptor must fit in the GDT");
_Static_assert(BOOT_GDT_CODE32_SEL / 8 != BOOT_GDT_CODE_SEL / 8 &&
	       BOOT_GDT_CODE32_SEL / 8 != BOOT_GDT_DATA_SEL / 8 &&
	       BOOT_GDT_CODE32_SEL / 8 != BOOT_GDT_TSS_SEL / 8 &&
	       BOOT_GDT_CODE32_SEL / 8 != BOOT_GDT_TSS_SEL / 8 + 1,
	       "the 32-bit code descriptor must not share a slot with another one");
_Static_assert(BOOT_GDT_CODE_SEL % 8 == 0 && BOOT_GDT_DATA_SEL % 8 == 0 &&
	       BOOT_GDT_TSS_SEL % 8 == 0 && BOOT_GDT_CODE32_SEL % 8 == 0,
	       "selectors are GDT offsets with TI = 0 and RPL = 0");
_Static_assert(LAYOUT_IDT >= LAYOUT_GDT + BOOT_GDT_ENTRIES * 8,
	       "the IDT must not overlap the GDT");

static uint64_t gdt_descriptor(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (uint64_t)(limit & 0xffff) |
	       (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)access << 40 |
	       (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)(flags & 0xf) << 52 |
	       (uint64_t)(base >> 24) << 56;
}

int gdt_build(struct guest_memory *mem, struct error *err)
{
	uint64_t gdt[BOOT_GDT_ENTRIES] = { 0 };
	gdt[BOOT_GDT_CODE_SEL / 8] = gdt_descriptor(0, GDT_FLAT_LIMIT,
		X86_DESC_ACCESS_P | X86_DESC_ACCESS_S | X86_SEG_TYPE_CODE_XRA,
		X86_DESC_FLAG_G | X86_DESC_FLAG_L);
	gdt[BOOT_GDT_DATA_SEL / 8] = gdt_descriptor(0, GDT_FLAT_LIMIT,
		X86_DESC_ACCESS_P | X86_DESC_ACCESS_S | X86_SEG_TYPE_DATA_RWA,
		X86_DESC_FLAG_G | X86_DESC_FLAG_DB);
	gdt[BOOT_GDT_TSS_SEL / 8] = gdt_descriptor(0, GDT_TSS_LIMIT,
		X86_DESC_ACCESS_P | X86_SEG_TYPE_TSS_BUSY, 0);
	gdt[BOOT_GDT_TSS_SEL / 8 + 1] = 0;  /* base 63:32 = 0, reserved = 0 */
	gdt[BOOT_GDT_CODE32_SEL / 8] = gdt_descriptor(0, GDT_FLAT_LIMIT,
		X86_DESC_ACCESS_P | X86_DESC_ACCESS_S | X86_SEG_TYPE_CODE_XRA,
		X86_DESC_FLAG_G | X86_DESC_FLAG_DB);

	/* An IDT of limit 0: no vector is usable, so any exception before the
	 * kernel installs its own IDT ends in a triple fault, which the VMM
	 * reports, rather than in a jump through garbage. */
	uint64_t idt = 0;
	if (guest_memory_write(mem, LAYOUT_GDT, gdt, sizeof(gdt)) < 0 ||
	    guest_memory_write(mem, LAYOUT_IDT, &idt, sizeof(idt)) < 0)
		return error_set(err, "guest RAM too small for the GDT at 0x%llx", LAYOUT_GDT);
	return 0;
}
