/* The checking guest: looks at the machine minivmm built, from the inside,
 * and reports over the serial console in lines tests/guests/run-tests.sh
 * compares with minivmm's --verbose output:
 *
 *   entry rsp=0x8ff0 rflags=0x2 cs=0x10 ds=0x18 ss=0x18   (information)
 *   long mode ok                       EFER.LME|LMA, CR0.PE|PG, CR4.PAE
 *   paging ok                          identity map of [0, 4 GiB)
 *   header ok                          boot_params.hdr is our own header
 *   e820 addr=0x... size=0x... type=N  one per entry, in table order
 *   cmdline "..."                      the string at cmd_line_ptr
 *   initrd addr=0x... size=0x...       or "initrd none"
 *   initrd-fnv=0x........              FNV-1a (32-bit) of the initrd bytes
 *   serial ok
 *
 * Then it exits through debug-exit with the value of `exit=N` on the command
 * line (decimal or 0x hex, default 0), written with the width `exitw=1|2|4`
 * (default 1).  Any failed check prints "FAIL: ..." and the exit value
 * becomes GUEST_EXIT_FAIL (status 255) instead.
 *
 * Boot-params offsets are spelled out from boot.rst/zero-page.rst (shared/
 * reference/boot-devices-dumps.md §F.1, §F.2) rather than taken from
 * <asm/bootparam.h>: the guest is an independent reading of the spec. */
#include "lib.h"

#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_E820_ENTRIES      0x1e8
#define BP_SENTINEL          0x1ef
#define BP_SETUP_SECTS       0x1f1
#define BP_BOOT_FLAG         0x1fe
#define BP_HEADER            0x202
#define BP_VERSION           0x206
#define BP_TYPE_OF_LOADER    0x210
#define BP_LOADFLAGS         0x211
#define BP_CODE32_START      0x214
#define BP_RAMDISK_IMAGE     0x218
#define BP_RAMDISK_SIZE      0x21c
#define BP_CMD_LINE_PTR      0x228
#define BP_INITRD_ADDR_MAX   0x22c
#define BP_KERNEL_ALIGNMENT  0x230
#define BP_XLOADFLAGS        0x236
#define BP_CMDLINE_SIZE      0x238
#define BP_PREF_ADDRESS      0x258
#define BP_INIT_SIZE         0x260
#define BP_E820_TABLE        0x2d0
#define BP_SIZE              0x1000

#define E820_MAX        128
#define E820_ENTRY_SIZE 20     /* packed {u64 addr; u64 size; u32 type} */
#define E820_RAM        1

#define HDRS_MAGIC 0x53726448  /* "HdrS" */

#define MSR_EFER   0xc0000080
#define EFER_LME   (1ULL << 8)
#define EFER_LMA   (1ULL << 10)
#define CR0_PE     (1ULL << 0)
#define CR0_PG     (1ULL << 31)
#define CR4_PAE    (1ULL << 5)
#define RFLAGS_IF  (1ULL << 9)

#define PTE_P         (1ULL << 0)
#define PTE_PS        (1ULL << 7)
#define PTE_ADDR      0x000ffffffffff000ULL
#define PTE_ADDR_2M   0x000fffffffe00000ULL
#define PTE_ADDR_1G   0x000fffffc0000000ULL

#define PAGE_SIZE     4096ULL
#define FOUR_GIB      0x100000000ULL
/* Hash at most this much initrd: emulated guest code runs ~1 us/insn. */
#define FNV_MAX_BYTES (1ULL << 20)

struct unaligned64 { uint64_t v; } __attribute__((packed, may_alias));
struct unaligned32 { uint32_t v; } __attribute__((packed, may_alias));
struct unaligned16 { uint16_t v; } __attribute__((packed, may_alias));

static uint8_t rd8(uint64_t pa)
{
	return *(const volatile uint8_t *)(uintptr_t)pa;
}

static uint16_t rd16(uint64_t pa)
{
	return ((const volatile struct unaligned16 *)(uintptr_t)pa)->v;
}

static uint32_t rd32(uint64_t pa)
{
	return ((const volatile struct unaligned32 *)(uintptr_t)pa)->v;
}

static uint64_t rd64(uint64_t pa)
{
	return ((const volatile struct unaligned64 *)(uintptr_t)pa)->v;
}

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

#define READ_CR(n) ({ uint64_t v_; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v_)); v_; })

static int failures;

static void fail(const char *what)
{
	puts_("FAIL: ");
	puts_(what);
	puts_("\n");
	failures++;
}

static void fail_hex(const char *what, uint64_t v)
{
	puts_("FAIL: ");
	puts_(what);
	puts_(" ");
	put_hex(v);
	puts_("\n");
	failures++;
}

static void fail_hex2(const char *what, uint64_t got, uint64_t want)
{
	puts_("FAIL: ");
	puts_(what);
	puts_(" is ");
	put_hex(got);
	puts_(", expected ");
	put_hex(want);
	puts_("\n");
	failures++;
}

__attribute__((noreturn)) static void finish(uint32_t exit_value, int exit_width)
{
	if (failures) {
		puts_("check: ");
		put_dec((uint64_t)failures);
		puts_(" check(s) failed\n");
	}
	puts_("serial ok\n");
	if (serial_was_stuck())
		debug_exit(GUEST_EXIT_SERIAL, 1);
	if (failures)
		debug_exit(GUEST_EXIT_FAIL, 1);
	debug_exit(exit_value, exit_width);
}

/* --- the e820 table, kept for range checks --- */

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
};

static struct e820_entry e820[E820_MAX];
static int e820_count;

/* [addr, addr + len) lies inside one e820 RAM entry. */
static int ram_contains(uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len;

	if (len == 0 || end < addr)
		return 0;
	for (int i = 0; i < e820_count; i++) {
		const struct e820_entry *e = &e820[i];
		if (e->type == E820_RAM && addr >= e->addr && end <= e->addr + e->size)
			return 1;
	}
	return 0;
}

/* Bytes from addr to the end of the e820 RAM entry holding it (0: not RAM). */
static uint64_t ram_left(uint64_t addr)
{
	for (int i = 0; i < e820_count; i++) {
		const struct e820_entry *e = &e820[i];
		if (e->type == E820_RAM && addr >= e->addr && addr - e->addr < e->size)
			return e->size - (addr - e->addr);
	}
	return 0;
}

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static void check_entry_state(void)
{
	puts_("entry rsp=");
	put_hex(entry_rsp);
	puts_(" rflags=");
	put_hex(entry_rflags);
	puts_(" cs=");
	put_hex(entry_cs);
	puts_(" ds=");
	put_hex(entry_ds);
	puts_(" ss=");
	put_hex(entry_ss);
	puts_("\n");
	if (entry_rsp != GUEST_EXPECT_RSP)
		fail_hex2("RSP at entry", entry_rsp, GUEST_EXPECT_RSP);
	if (entry_rflags & RFLAGS_IF)
		fail("interrupts enabled (RFLAGS.IF) at entry");
}

static void check_long_mode(void)
{
	uint64_t efer = rdmsr(MSR_EFER), cr0 = READ_CR(0), cr4 = READ_CR(4);
	int before = failures;

	if (!(efer & EFER_LMA))
		fail_hex("EFER.LMA clear: long mode not active, EFER =", efer);
	if (!(efer & EFER_LME))
		fail_hex("EFER.LME clear, EFER =", efer);
	if (!(cr0 & CR0_PG) || !(cr0 & CR0_PE))
		fail_hex("CR0.PG or CR0.PE clear, CR0 =", cr0);
	if (!(cr4 & CR4_PAE))
		fail_hex("CR4.PAE clear, CR4 =", cr4);
	if (failures == before)
		puts_("long mode ok\n");
}

static void check_header(uint64_t bp)
{
	int before = failures;

	if (rd8(bp + BP_SENTINEL) != 0)
		fail_hex("boot_params sentinel (0x1ef) is not 0:", rd8(bp + BP_SENTINEL));
	if (rd8(bp + BP_SETUP_SECTS) != guest_setup_sects)
		fail_hex2("hdr.setup_sects", rd8(bp + BP_SETUP_SECTS), guest_setup_sects);
	if (rd16(bp + BP_BOOT_FLAG) != 0xaa55)
		fail_hex2("hdr.boot_flag", rd16(bp + BP_BOOT_FLAG), 0xaa55);
	if (rd16(bp + BP_VERSION) != GUEST_BOOT_VERSION)
		fail_hex2("hdr.version", rd16(bp + BP_VERSION), GUEST_BOOT_VERSION);
	if (!(rd8(bp + BP_LOADFLAGS) & 1))
		fail_hex("hdr.loadflags lost LOADED_HIGH:", rd8(bp + BP_LOADFLAGS));
	if (rd32(bp + BP_CODE32_START) != GUEST_LOAD_ADDR)
		fail_hex2("hdr.code32_start", rd32(bp + BP_CODE32_START), GUEST_LOAD_ADDR);
	if (rd32(bp + BP_INITRD_ADDR_MAX) != GUEST_INITRD_ADDR_MAX)
		fail_hex2("hdr.initrd_addr_max", rd32(bp + BP_INITRD_ADDR_MAX), GUEST_INITRD_ADDR_MAX);
	if (rd32(bp + BP_KERNEL_ALIGNMENT) != GUEST_KERNEL_ALIGNMENT)
		fail_hex2("hdr.kernel_alignment", rd32(bp + BP_KERNEL_ALIGNMENT), GUEST_KERNEL_ALIGNMENT);
	if (!(rd16(bp + BP_XLOADFLAGS) & 1))
		fail_hex("hdr.xloadflags lost XLF_KERNEL_64:", rd16(bp + BP_XLOADFLAGS));
	if (rd32(bp + BP_CMDLINE_SIZE) != GUEST_CMDLINE_SIZE)
		fail_hex2("hdr.cmdline_size", rd32(bp + BP_CMDLINE_SIZE), GUEST_CMDLINE_SIZE);
	if (rd64(bp + BP_PREF_ADDRESS) != GUEST_LOAD_ADDR)
		fail_hex2("hdr.pref_address", rd64(bp + BP_PREF_ADDRESS), GUEST_LOAD_ADDR);
	if (rd32(bp + BP_INIT_SIZE) != GUEST_INIT_SIZE)
		fail_hex2("hdr.init_size", rd32(bp + BP_INIT_SIZE), GUEST_INIT_SIZE);
	puts_("loader type=");
	put_hex(rd8(bp + BP_TYPE_OF_LOADER));
	puts_("\n");
	if (failures == before)
		puts_("header ok\n");
}

static void check_e820(uint64_t bp)
{
	int n = rd8(bp + BP_E820_ENTRIES);

	if (n == 0 || n > E820_MAX) {
		fail_hex("e820_entries out of range:", (uint64_t)n);
		n = 0;
	}
	for (int i = 0; i < n; i++) {
		uint64_t ea = bp + BP_E820_TABLE + (uint64_t)i * E820_ENTRY_SIZE;
		struct e820_entry *e = &e820[i];

		e->addr = rd64(ea);
		e->size = rd64(ea + 8);
		e->type = rd32(ea + 16);
		puts_("e820 addr=");
		put_hex(e->addr);
		puts_(" size=");
		put_hex(e->size);
		puts_(" type=");
		put_dec(e->type);
		puts_("\n");
		if (e->size == 0 || e->addr + e->size < e->addr)
			fail_hex("e820 entry with empty or wrapping range at", e->addr);
		if (i > 0 && e->addr < e820[i - 1].addr + e820[i - 1].size)
			fail_hex("e820 entries unsorted or overlapping at", e->addr);
	}
	e820_count = n;
	if (!ram_contains(bp, BP_SIZE))
		fail_hex("e820 does not give the zero page as RAM:", bp);
	if (!ram_contains(GUEST_LOAD_ADDR, GUEST_INIT_SIZE))
		fail_hex("e820 does not give [load, load + init_size) as RAM at", GUEST_LOAD_ADDR);
}

static void check_paging(void)
{
	uint64_t pml4 = READ_CR(3) & PTE_ADDR, pdpt, e;
	int before = failures;

	if (!ram_contains(pml4, PAGE_SIZE)) {
		fail_hex("PML4 (CR3) is not in RAM:", pml4);
		return;
	}
	e = rd64(pml4);
	if (!(e & PTE_P)) {
		fail("PML4[0] not present");
		return;
	}
	pdpt = e & PTE_ADDR;
	if (!ram_contains(pdpt, PAGE_SIZE)) {
		fail_hex("PDPT is not in RAM:", pdpt);
		return;
	}
	for (uint64_t i = 0; i < 4; i++) {
		uint64_t pdpte = rd64(pdpt + 8 * i), pd;

		if (!(pdpte & PTE_P)) {
			fail_hex("no mapping (PDPT entry not present) for", i << 30);
			return;
		}
		if (pdpte & PTE_PS) {   /* a 1 GiB page */
			if ((pdpte & PTE_ADDR_1G) != i << 30)
				fail_hex("1 GiB page not identity at", i << 30);
			continue;
		}
		pd = pdpte & PTE_ADDR;
		if (!ram_contains(pd, PAGE_SIZE)) {
			fail_hex("page directory is not in RAM:", pd);
			return;
		}
		for (uint64_t j = 0; j < 512; j++) {
			uint64_t want = (i << 30) | (j << 21), pde = *(const volatile uint64_t *)(uintptr_t)(pd + 8 * j);

			if (!(pde & PTE_P) || !(pde & PTE_PS) || (pde & PTE_ADDR_2M) != want) {
				fail_hex("no 2 MiB identity page at", want);
				return;
			}
		}
	}
	if (failures == before)
		puts_("paging ok\n");
}

/* Prints the command line and returns its length, or -1. */
static int64_t check_cmdline(uint64_t bp, uint64_t *ptr_out)
{
	uint64_t ptr = rd32(bp + BP_CMD_LINE_PTR) | (uint64_t)rd32(bp + BP_EXT_CMD_LINE_PTR) << 32;
	uint64_t max = rd32(bp + BP_CMDLINE_SIZE), avail = ram_left(ptr), len;

	*ptr_out = ptr;
	if (ptr == 0) {
		fail("cmd_line_ptr is 0");
		return -1;
	}
	for (len = 0; len <= max; len++) {
		if (len >= avail) {
			fail_hex("command line runs out of RAM at", ptr + len);
			return -1;
		}
		if (rd8(ptr + len) == 0)
			break;
	}
	if (len > max) {
		fail_hex("command line not NUL-terminated within cmdline_size at", ptr);
		return -1;
	}
	puts_("cmdline \"");
	for (uint64_t i = 0; i < len; i++) {
		char c = (char)rd8(ptr + i);
		serial_putc(c >= 0x20 && c < 0x7f ? c : '?');
	}
	puts_("\"\n");
	return (int64_t)len;
}

static int is_digit(char c, int base)
{
	return (c >= '0' && c <= '9') || (base == 16 && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
}

static uint32_t digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return (uint32_t)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (uint32_t)(c - 'a' + 10);
	return (uint32_t)(c - 'A' + 10);
}

/* Value of the last "name=N" token on the command line; dflt when absent. */
static uint32_t cmdline_number(uint64_t ptr, uint64_t len, const char *name, uint32_t dflt)
{
	uint32_t result = dflt;
	uint64_t i = 0;

	while (i < len) {
		uint64_t j = 0;

		while (name[j] && i + j < len && (char)rd8(ptr + i + j) == name[j])
			j++;
		if (!name[j] && (i == 0 || rd8(ptr + i - 1) == ' ')) {
			uint64_t k = i + j;
			uint32_t base = 10, v = 0;
			int ok = 0;

			if (k + 1 < len && rd8(ptr + k) == '0' && (rd8(ptr + k + 1) == 'x' || rd8(ptr + k + 1) == 'X')) {
				base = 16;
				k += 2;
			}
			while (k < len && is_digit((char)rd8(ptr + k), (int)base)) {
				v = v * base + digit_value((char)rd8(ptr + k));
				k++;
				ok = 1;
			}
			if (ok && (k == len || rd8(ptr + k) == ' '))
				result = v;
			else
				fail("malformed number on the command line");
		}
		i++;
	}
	return result;
}

static void check_initrd(uint64_t bp, uint64_t cmdline_ptr, uint64_t cmdline_len)
{
	uint64_t addr = rd32(bp + BP_RAMDISK_IMAGE) | (uint64_t)rd32(bp + BP_EXT_RAMDISK_IMAGE) << 32;
	uint64_t size = rd32(bp + BP_RAMDISK_SIZE) | (uint64_t)rd32(bp + BP_EXT_RAMDISK_SIZE) << 32;
	uint32_t h = 0x811c9dc5;

	if (addr == 0 && size == 0) {
		puts_("initrd none\n");
		return;
	}
	puts_("initrd addr=");
	put_hex(addr);
	puts_(" size=");
	put_hex(size);
	puts_("\n");
	if (size == 0) {
		fail("initrd with address but size 0");
		return;
	}
	if (addr % PAGE_SIZE)
		fail_hex("initrd not page aligned:", addr);
	if (!ram_contains(addr, size)) {
		fail("initrd is not inside one e820 RAM entry");
		return;
	}
	if (addr + size - 1 > rd32(bp + BP_INITRD_ADDR_MAX))
		fail_hex("initrd ends above initrd_addr_max:", addr + size - 1);
	if (overlaps(addr, size, GUEST_LOAD_ADDR, GUEST_INIT_SIZE))
		fail("initrd overlaps [load, load + init_size)");
	if (overlaps(addr, size, bp, BP_SIZE))
		fail("initrd overlaps the zero page");
	if (cmdline_ptr && overlaps(addr, size, cmdline_ptr, cmdline_len + 1))
		fail("initrd overlaps the command line");
	if (size > FNV_MAX_BYTES) {
		puts_("initrd-fnv=skipped (initrd larger than 1 MiB)\n");
		return;
	}
	for (uint64_t i = 0; i < size; i++) {
		h ^= rd8(addr + i);
		h *= 0x01000193;
	}
	puts_("initrd-fnv=");
	put_hex32(h);
	puts_("\n");
}

void guest_main(uint64_t bp);

void guest_main(uint64_t bp)
{
	uint64_t cmdline_ptr = 0;
	int64_t cmdline_len;
	uint32_t exit_value = 0, exit_width = 1;

	puts_("check: start\n");
	check_entry_state();
	check_long_mode();
	if (bp != GUEST_EXPECT_ZERO_PAGE) {
		/* A wild pointer may be MMIO or nothing: do not touch it. */
		fail_hex2("RSI (boot_params)", bp, GUEST_EXPECT_ZERO_PAGE);
		finish(0, 1);
	}
	if (rd32(bp + BP_HEADER) != HDRS_MAGIC) {
		fail_hex("no \"HdrS\" at boot_params + 0x202, found", rd32(bp + BP_HEADER));
		finish(0, 1);
	}
	check_e820(bp);
	check_paging();
	check_header(bp);
	cmdline_len = check_cmdline(bp, &cmdline_ptr);
	if (cmdline_len >= 0) {
		exit_value = cmdline_number(cmdline_ptr, (uint64_t)cmdline_len, "exit=", 0);
		exit_width = cmdline_number(cmdline_ptr, (uint64_t)cmdline_len, "exitw=", 1);
		if (exit_width != 1 && exit_width != 2 && exit_width != 4) {
			fail_hex("exitw= must be 1, 2 or 4, got", exit_width);
			exit_width = 1;
		}
	}
	check_initrd(bp, cmdline_ptr, cmdline_len >= 0 ? (uint64_t)cmdline_len : 0);
	finish(exit_value, (int)exit_width);
}
