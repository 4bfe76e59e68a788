/* What the checking guests share: check.c (a bzImage or an ELF entered
 * through the 64-bit protocol, looking at boot_params) and pvh.c (entered
 * through the PVH note, looking at hvm_start_info).  Both report the machine
 * in the same serial lines, which tests/guests/run-tests.sh compares with
 * minivmm's --verbose output:
 *
 *   e820 addr=0x... size=0x... type=N  one per memory map entry, in order
 *   cmdline "..."                      the command line
 *   initrd addr=0x... size=0x...       or "initrd none"
 *   initrd-fnv=0x........              FNV-1a (32-bit) of the initrd bytes
 *   raw addr=0x... size=0x... fnv=0x........   with raw=ADDR,SIZE
 *   serial ok
 *
 * and exit through debug-exit with the command line's exit=N, written with
 * the width exitw=1|2|4, or GUEST_EXIT_FAIL after any "FAIL: ..." line. */
#ifndef MINIVMM_TESTS_GUEST_CHECKLIB_H
#define MINIVMM_TESTS_GUEST_CHECKLIB_H

#include "lib.h"

#define E820_MAX      128
#define E820_RAM      1
#define PAGE_SIZE     4096ULL
#define FOUR_GIB      0x100000000ULL
/* Hash at most this much: emulated guest code runs ~1 us/insn. */
#define FNV_MAX_BYTES (1ULL << 20)

#define MSR_EFER   X86_MSR_EFER
#define EFER_LME   X86_EFER_LME
#define EFER_LMA   X86_EFER_LMA
#define CR0_PE     (1ULL << 0)
#define CR0_ET     (1ULL << 4)
#define CR0_PG     (1ULL << 31)
#define CR4_PAE    (1ULL << 5)
#define RFLAGS_IF  (1ULL << 9)

struct unaligned64 { uint64_t v; } __attribute__((packed, may_alias));
struct unaligned32 { uint32_t v; } __attribute__((packed, may_alias));
struct unaligned16 { uint16_t v; } __attribute__((packed, may_alias));

/* Guest-physical reads (the whole 4 GiB is identity mapped). */
static inline uint8_t rd8(uint64_t pa)
{
	return *(const volatile uint8_t *)(uintptr_t)pa;
}

static inline uint16_t rd16(uint64_t pa)
{
	return ((const volatile struct unaligned16 *)(uintptr_t)pa)->v;
}

static inline uint32_t rd32(uint64_t pa)
{
	return ((const volatile struct unaligned32 *)(uintptr_t)pa)->v;
}

static inline uint64_t rd64(uint64_t pa)
{
	return ((const volatile struct unaligned64 *)(uintptr_t)pa)->v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

#define READ_CR(n) ({ uint64_t v_; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v_)); v_; })

/* --- failures and the way out --- */

extern int check_failures;
void fail(const char *what);
void fail_hex(const char *what, uint64_t v);                  /* "FAIL: what 0x.." */
void fail_hex2(const char *what, uint64_t got, uint64_t want); /* "... is 0x.., expected 0x.." */
/* Prints "serial ok" and exits: GUEST_EXIT_FAIL after any failure, else the
 * command line's exit=/exitw= (0 and 1 when there is no command line). */
__attribute__((noreturn)) void check_finish(void);

/* --- the memory map --- */

/* Records, prints and checks (non-empty, sorted, no overlap) one entry,
 * in table order; fails past E820_MAX entries. */
void e820_add(uint64_t addr, uint64_t size, uint32_t type);
int e820_entries(void);
/* [addr, addr + len) lies inside one recorded RAM entry. */
int ram_contains(uint64_t addr, uint64_t len);
/* Bytes from addr to the end of the RAM entry holding it (0: not RAM). */
uint64_t ram_left(uint64_t addr);
int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen);

/* --- the command line (after the memory map: checked against RAM) --- */

/* Prints `cmdline "..."` for the NUL-terminated string at ptr (at most max
 * bytes before the NUL) and keeps it for the parameters below.  Returns its
 * length, or -1 after a failure. */
int64_t cmdline_report(uint64_t ptr, uint64_t max);
/* The value of the last "name=N" (decimal or 0x hex); dflt when absent. */
uint64_t cmdline_number(const char *name, uint64_t dflt);
/* raw=ADDR,SIZE: prints "raw addr=0x.. size=0x.. fnv=0x........" for that
 * guest-physical range (which must be RAM); nothing without raw=. */
void raw_report(void);

/* --- images --- */

/* Prints "initrd addr=0x.. size=0x.." ("initrd none" when both are 0) and
 * checks that it is non-empty, page aligned and inside one RAM entry.
 * Returns 1 when the caller may go on to look at its bytes. */
int initrd_report(uint64_t addr, uint64_t size);
/* FNV-1a (32-bit) of [addr, addr + size). */
uint32_t fnv1a(uint64_t addr, uint64_t size);
/* Prints "<prefix>0x........", or "<prefix>skipped (... larger than 1 MiB)". */
void fnv_report(const char *prefix, const char *what, uint64_t addr, uint64_t size);

#endif
