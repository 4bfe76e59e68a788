/* The PVH checking guest check-pvh.elf: pvh-start.S records the state it was
 * entered in, takes itself to long mode and calls pvh_main with EBX.  This
 * checks the entry state and hvm_start_info (Xen's docs/misc/pvh.pandoc and
 * public xen/include/public/arch-x86/hvm/start_info.h; offsets spelled out,
 * not taken from a header) and reports, besides the lines in checklib.h
 * (the memory map as "e820 ..." lines, the command line, module 0 as the
 * initrd):
 *
 *   entry ebx=0x6000 cr0=0x.. cr4=0x.. efer=0x.. eflags=0x.. cs=0x.. ds=0x.. es=0x.. ss=0x..
 *   pvh entry ok                       32-bit protected mode, paging off, EBX
 *   load addr=0x... entry=0x... end=0x...   the image and its PVH entry
 *   start_info version=1 flags=0x.. nr_modules=N rsdp=0x.. cmdline=0x..
 *   start_info ok                      magic, version, tables in RAM */
#include "checklib.h"

#define SI_MAGIC          0
#define SI_VERSION        4
#define SI_FLAGS          8
#define SI_NR_MODULES     12
#define SI_MODLIST        16
#define SI_CMDLINE        24
#define SI_RSDP           32
#define SI_MEMMAP         40
#define SI_MEMMAP_ENTRIES 48
#define SI_RESERVED       52
#define SI_SIZE           56

#define MOD_PADDR         0
#define MOD_SIZE          8
#define MOD_CMDLINE       16
#define MOD_RESERVED      24
#define MOD_ENTRY_SIZE    32

#define MEMMAP_ENTRY_SIZE 24   /* {u64 addr; u64 size; u32 type; u32 reserved} */

/* No cmdline_size in PVH: a bound for the scan only. */
#define PVH_CMDLINE_SCAN_MAX 4095

extern uint32_t pvh_entry_ebx, pvh_entry_cr0, pvh_entry_cr4, pvh_entry_efer, pvh_entry_eflags;
extern uint16_t pvh_entry_cs, pvh_entry_ds, pvh_entry_es, pvh_entry_ss;
extern char pvh_start32[], guest_link_start[];

static uint64_t image_start, image_size;

static void check_entry_state(void)
{
	int before = check_failures;

	puts_("entry ebx=");
	put_hex(pvh_entry_ebx);
	puts_(" cr0=");
	put_hex(pvh_entry_cr0);
	puts_(" cr4=");
	put_hex(pvh_entry_cr4);
	puts_(" efer=");
	put_hex(pvh_entry_efer);
	puts_(" eflags=");
	put_hex(pvh_entry_eflags);
	puts_(" cs=");
	put_hex(pvh_entry_cs);
	puts_(" ds=");
	put_hex(pvh_entry_ds);
	puts_(" es=");
	put_hex(pvh_entry_es);
	puts_(" ss=");
	put_hex(pvh_entry_ss);
	puts_("\n");
	if (pvh_entry_ebx != GUEST_EXPECT_START_INFO)
		fail_hex2("EBX (hvm_start_info) at entry", pvh_entry_ebx, GUEST_EXPECT_START_INFO);
	if (!(pvh_entry_cr0 & CR0_PE))
		fail_hex("CR0.PE clear at entry, not protected mode: CR0 =", pvh_entry_cr0);
	if (pvh_entry_cr0 & CR0_PG)
		fail_hex("CR0.PG set at entry, paging must be off: CR0 =", pvh_entry_cr0);
	/* "All the other writeable bits are cleared" (pvh.pandoc); ET is
	 * read-only on every CPU with long mode. */
	if (pvh_entry_cr0 & ~(uint32_t)(CR0_PE | CR0_ET))
		fail_hex("CR0 has writable bits other than PE set at entry: CR0 =", pvh_entry_cr0);
	if (pvh_entry_cr4 != 0)
		fail_hex("CR4 is not 0 at entry:", pvh_entry_cr4);
	if (pvh_entry_efer & (EFER_LME | EFER_LMA))
		fail_hex("EFER.LME or LMA set at entry: EFER =", pvh_entry_efer);
	if (pvh_entry_eflags & RFLAGS_IF)
		fail("interrupts enabled (EFLAGS.IF) at entry");
	if (check_failures == before)
		puts_("pvh entry ok\n");
}

static void report_load(void)
{
	image_start = (uint64_t)(uintptr_t)guest_link_start;
	image_size = (uint64_t)(uintptr_t)_end - image_start;
	puts_("load addr=");
	put_hex(image_start);
	puts_(" entry=");
	put_hex((uint64_t)(uintptr_t)pvh_start32);
	puts_(" end=");
	put_hex((uint64_t)(uintptr_t)_end);
	puts_("\n");
}

/* A table minivmm wrote must be RAM and clear of the guest's own image.
 * Returns 1 when it is. */
static int check_table(const char *what, uint64_t addr, uint64_t size)
{
	const char *why = NULL;

	if (!ram_contains(addr, size))
		why = " is not in RAM at ";
	else if (overlaps(addr, size, image_start, image_size))
		why = " overlaps the guest image at ";
	if (!why)
		return 1;
	puts_("FAIL: ");
	puts_(what);
	puts_(why);
	put_hex(addr);
	puts_("\n");
	check_failures++;
	return 0;
}

static void check_memmap(uint64_t si)
{
	uint64_t map = rd64(si + SI_MEMMAP);
	uint32_t n = rd32(si + SI_MEMMAP_ENTRIES);

	/* Linux BUG()s without a memory map on a non-Xen hypervisor. */
	if (map == 0 || n == 0) {
		fail("start_info has no memory map (memmap_paddr or memmap_entries 0)");
		return;
	}
	if (n > E820_MAX) {
		fail_hex("memmap_entries out of range:", n);
		return;
	}
	if (map + (uint64_t)n * MEMMAP_ENTRY_SIZE > FOUR_GIB) {
		fail_hex("memory map beyond 4 GiB at", map);
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint64_t ea = map + (uint64_t)i * MEMMAP_ENTRY_SIZE;

		e820_add(rd64(ea), rd64(ea + 8), rd32(ea + 16));
		if (rd32(ea + 20) != 0)
			fail_hex("memory map entry with reserved field set at", rd64(ea));
	}
	check_table("the memory map", map, (uint64_t)n * MEMMAP_ENTRY_SIZE);
}

static void check_start_info(uint64_t si)
{
	int before = check_failures;

	puts_("start_info version=");
	put_dec(rd32(si + SI_VERSION));
	puts_(" flags=");
	put_hex(rd32(si + SI_FLAGS));
	puts_(" nr_modules=");
	put_dec(rd32(si + SI_NR_MODULES));
	puts_(" rsdp=");
	put_hex(rd64(si + SI_RSDP));
	puts_(" cmdline=");
	put_hex(rd64(si + SI_CMDLINE));
	puts_("\n");
	if (rd32(si + SI_VERSION) != 1)
		fail_hex2("start_info version", rd32(si + SI_VERSION), 1);
	if (rd32(si + SI_RESERVED) != 0)
		fail_hex("start_info reserved field is not 0:", rd32(si + SI_RESERVED));
	check_memmap(si);
	check_table("hvm_start_info", si, SI_SIZE);
	if (check_failures == before)
		puts_("start_info ok\n");
}

static void check_module(uint64_t si, uint64_t cmdline, uint64_t cmdline_len)
{
	uint32_t n = rd32(si + SI_NR_MODULES);
	uint64_t list = rd64(si + SI_MODLIST), addr, size;

	if (n == 0) {
		initrd_report(0, 0);
		return;
	}
	if (n != 1)
		fail_hex("nr_modules is not 1 (minivmm passes the initrd only):", n);
	if (list == 0) {
		fail("modules without a module list (modlist_paddr 0)");
		return;
	}
	if (!check_table("the module list", list, MOD_ENTRY_SIZE))
		return;
	addr = rd64(list + MOD_PADDR);
	size = rd64(list + MOD_SIZE);
	if (rd64(list + MOD_RESERVED) != 0)
		fail("module 0's reserved field is not 0");
	if (!initrd_report(addr, size))
		return;
	if (rd64(list + MOD_CMDLINE) != 0 && !ram_contains(rd64(list + MOD_CMDLINE), 1))
		fail_hex("module 0's command line is not in RAM:", rd64(list + MOD_CMDLINE));
	if (overlaps(addr, size, image_start, image_size))
		fail("initrd overlaps the guest image");
	if (overlaps(addr, size, si, SI_SIZE))
		fail("initrd overlaps hvm_start_info");
	if (overlaps(addr, size, list, MOD_ENTRY_SIZE))
		fail("initrd overlaps the module list");
	if (cmdline && overlaps(addr, size, cmdline, cmdline_len + 1))
		fail("initrd overlaps the command line");
	fnv_report("initrd-fnv=", "initrd", addr, size);
}

void pvh_main(uint32_t start_info);

void pvh_main(uint32_t start_info)
{
	uint64_t si = start_info, cmdline;
	int64_t cmdline_len;

	puts_("check-pvh: start\n");
	check_entry_state();
	report_load();
	if (si != GUEST_EXPECT_START_INFO) {
		/* A wild pointer may be MMIO or nothing: do not touch it. */
		check_finish();
	}
	if (rd32(si + SI_MAGIC) != GUEST_PVH_START_MAGIC) {
		fail_hex2("start_info magic", rd32(si + SI_MAGIC), GUEST_PVH_START_MAGIC);
		check_finish();
	}
	check_start_info(si);
	if (!ram_contains(image_start, image_size))
		fail_hex("the memory map does not give the guest image as RAM at", image_start);
	cmdline = rd64(si + SI_CMDLINE);
	cmdline_len = cmdline_report(cmdline, PVH_CMDLINE_SCAN_MAX);
	if (cmdline_len >= 0)
		check_table("the command line", cmdline, (uint64_t)cmdline_len + 1);
	check_module(si, cmdline_len >= 0 ? cmdline : 0, cmdline_len >= 0 ? (uint64_t)cmdline_len : 0);
	raw_report();
	check_finish();
}
