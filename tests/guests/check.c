/* The checking guest for the 64-bit boot protocol, in three forms: the
 * bzImage check.bzimage (header.S), the ELF check-elf.elf (form-elf.S),
 * which minivmm enters like a vmlinux with a setup header of its own making,
 * and the ELF check-payload.elf (form-payload.S), the compressed payload of
 * the payload-*.bzimage guests, which minivmm decompresses and enters with
 * the outer bzImage's own setup header.
 * It looks at the machine minivmm built, from the inside, and reports over
 * the serial console (the shared lines are in checklib.h):
 *
 *   entry rsp=0x8ff0 rflags=0x2 cs=0x10 ds=0x18 ss=0x18   (information)
 *   load addr=0x... entry=0x... end=0x...  where the code runs (information)
 *   long mode ok                       EFER.LME|LMA, CR0.PE|PG, CR4.PAE
 *   paging ok                          identity map of [0, 4 GiB)
 *   header code32_start=0x... kernel_alignment=0x... version=0x...  (information)
 *   header ok                          boot_params.hdr is what the form expects
 *   e820 ..., cmdline "...", initrd ..., initrd-fnv=..., raw ..., serial ok
 *
 * The code is position-independent (guests.mk checks its objects), so it runs
 * wherever --kernel-addr puts it; it finds its own load address from the
 * run-time address of startup_32, the first byte of the loaded code.
 *
 * Boot-params offsets are spelled out from boot.rst/zero-page.rst rather
 * than taken from <asm/bootparam.h>: the guest is an independent reading of
 * the spec. */
#include "checklib.h"

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
#define BP_RELOCATABLE       0x234
#define BP_XLOADFLAGS        0x236
#define BP_CMDLINE_SIZE      0x238
#define BP_PAYLOAD_OFFSET    0x248
#define BP_PAYLOAD_LENGTH    0x24c
#define BP_PREF_ADDRESS      0x258
#define BP_INIT_SIZE         0x260
#define BP_E820_TABLE        0x2d0
#define BP_SIZE              0x1000

#define E820_ENTRY_SIZE 20     /* packed {u64 addr; u64 size; u32 type} */


#define PTE_P         (1ULL << 0)
#define PTE_PS        (1ULL << 7)
#define PTE_ADDR      0x000ffffffffff000ULL
#define PTE_ADDR_2M   0x000fffffffe00000ULL
#define PTE_ADDR_1G   0x000fffffc0000000ULL

/* start.S and the linker script: the first byte of the loaded code, the
 * 64-bit entry, the end of .bss. */
extern char startup_32[], startup_64[];
/* The form object: GUEST_FORM_BZIMAGE (header.S) or GUEST_FORM_ELF. */
extern const uint8_t guest_form;

/* Where the code runs, and the range the kernel owns from there: an ELF's
 * [load, _end); a bzImage's up to runtime_start + init_size, where
 * runtime_start = relocatable ? align_up(load, kernel_alignment) :
 * pref_address, and never below pref_address (boot.rst "init_size"). */
static uint64_t load_addr, kernel_span;

static uint64_t bzimage_span(void)
{
	uint64_t runtime = GUEST_LOAD_ADDR;   /* pref_address */

	if (guest_relocatable) {
		uint64_t aligned = (load_addr + GUEST_KERNEL_ALIGNMENT - 1) &
			~(uint64_t)(GUEST_KERNEL_ALIGNMENT - 1);
		if (aligned > runtime)
			runtime = aligned;
	}
	return runtime + GUEST_INIT_SIZE - load_addr;
}

static int is_elf(void)
{
	return guest_form == GUEST_FORM_ELF;
}

static int is_payload(void)
{
	return guest_form == GUEST_FORM_PAYLOAD;
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

static void check_load(void)
{
	load_addr = (uint64_t)(uintptr_t)startup_32;
	kernel_span = is_elf() || is_payload() ? (uint64_t)(uintptr_t)_end - load_addr
					       : bzimage_span();
	puts_("load addr=");
	put_hex(load_addr);
	puts_(" entry=");
	put_hex((uint64_t)(uintptr_t)startup_64);
	puts_(" end=");
	put_hex((uint64_t)(uintptr_t)_end);
	puts_("\n");
	if (guest_form != GUEST_FORM_BZIMAGE && guest_form != GUEST_FORM_ELF && !is_payload())
		fail_hex("no form object linked in: guest_form is", guest_form);
	/* Nothing relocates the payload's ELF: it runs where it is linked. */
	if (is_payload() && load_addr != GUEST_PAYLOAD_LINK_ADDR)
		fail_hex2("the payload's load address", load_addr, GUEST_PAYLOAD_LINK_ADDR);
}

static void check_long_mode(void)
{
	uint64_t efer = rdmsr(MSR_EFER), cr0 = READ_CR(0), cr4 = READ_CR(4);
	int before = check_failures;

	if (!(efer & EFER_LMA))
		fail_hex("EFER.LMA clear: long mode not active, EFER =", efer);
	if (!(efer & EFER_LME))
		fail_hex("EFER.LME clear, EFER =", efer);
	if (!(cr0 & CR0_PG) || !(cr0 & CR0_PE))
		fail_hex("CR0.PG or CR0.PE clear, CR0 =", cr0);
	if (!(cr4 & CR4_PAE))
		fail_hex("CR4.PAE clear, CR4 =", cr4);
	if (check_failures == before)
		puts_("long mode ok\n");
}

/* The fields a bzImage's header carries through unchanged, and the one
 * minivmm writes back (code32_start: the load address).  The payload's ELF
 * gets the outer bzImage's header, which says where the ELF is linked and
 * where its payload lies: minivmm made none of it up. */
static void check_header_bzimage(uint64_t bp)
{
	uint64_t pref = is_payload() ? GUEST_PAYLOAD_LINK_ADDR : GUEST_LOAD_ADDR;

	if (rd8(bp + BP_SETUP_SECTS) != guest_setup_sects)
		fail_hex2("hdr.setup_sects", rd8(bp + BP_SETUP_SECTS), guest_setup_sects);
	if (rd16(bp + BP_BOOT_FLAG) != 0xaa55)
		fail_hex2("hdr.boot_flag", rd16(bp + BP_BOOT_FLAG), 0xaa55);
	if (rd16(bp + BP_VERSION) != GUEST_BOOT_VERSION)
		fail_hex2("hdr.version", rd16(bp + BP_VERSION), GUEST_BOOT_VERSION);
	if (!(rd8(bp + BP_LOADFLAGS) & 1))
		fail_hex("hdr.loadflags lost LOADED_HIGH:", rd8(bp + BP_LOADFLAGS));
	if (rd8(bp + BP_RELOCATABLE) != guest_relocatable)
		fail_hex2("hdr.relocatable_kernel", rd8(bp + BP_RELOCATABLE), guest_relocatable);
	if (rd32(bp + BP_KERNEL_ALIGNMENT) != GUEST_KERNEL_ALIGNMENT)
		fail_hex2("hdr.kernel_alignment", rd32(bp + BP_KERNEL_ALIGNMENT), GUEST_KERNEL_ALIGNMENT);
	if (!(rd16(bp + BP_XLOADFLAGS) & 1))
		fail_hex("hdr.xloadflags lost XLF_KERNEL_64:", rd16(bp + BP_XLOADFLAGS));
	if (rd64(bp + BP_PREF_ADDRESS) != pref)
		fail_hex2("hdr.pref_address", rd64(bp + BP_PREF_ADDRESS), pref);
	if (rd32(bp + BP_INIT_SIZE) != GUEST_INIT_SIZE)
		fail_hex2("hdr.init_size", rd32(bp + BP_INIT_SIZE), GUEST_INIT_SIZE);
	if (is_payload() && (!rd32(bp + BP_PAYLOAD_OFFSET) || !rd32(bp + BP_PAYLOAD_LENGTH)))
		fail("hdr.payload_offset/payload_length are 0: not the outer bzImage's header");
	if (!is_payload() && (rd32(bp + BP_PAYLOAD_OFFSET) || rd32(bp + BP_PAYLOAD_LENGTH)))
		fail("hdr.payload_offset/payload_length are not the image's 0");
}

/* An ELF has no header: minivmm synthesizes one with protocol 2.12, and the
 * alignment it used (which the load address must honour). */
static void check_header_elf(uint64_t bp)
{
	uint32_t align = rd32(bp + BP_KERNEL_ALIGNMENT);

	if (rd16(bp + BP_VERSION) != GUEST_ELF_BOOT_VERSION)
		fail_hex2("synthesized hdr.version", rd16(bp + BP_VERSION), GUEST_ELF_BOOT_VERSION);
	if (align < PAGE_SIZE || (align & (align - 1)))
		fail_hex("synthesized hdr.kernel_alignment is not a power of two >= 4 KiB:", align);
	else if (load_addr % align)
		fail_hex2("load address modulo hdr.kernel_alignment", load_addr % align, 0);
}

static void check_header(uint64_t bp)
{
	int before = check_failures;

	puts_("header code32_start=");
	put_hex(rd32(bp + BP_CODE32_START));
	puts_(" kernel_alignment=");
	put_hex(rd32(bp + BP_KERNEL_ALIGNMENT));
	puts_(" version=");
	put_hex(rd16(bp + BP_VERSION));
	puts_(" loader type=");
	put_hex(rd8(bp + BP_TYPE_OF_LOADER));
	puts_(" payload_offset=");
	put_hex(rd32(bp + BP_PAYLOAD_OFFSET));
	puts_(" payload_length=");
	put_hex(rd32(bp + BP_PAYLOAD_LENGTH));
	puts_("\n");
	if (rd8(bp + BP_SENTINEL) != 0)
		fail_hex("boot_params sentinel (0x1ef) is not 0:", rd8(bp + BP_SENTINEL));
	if (rd32(bp + BP_CODE32_START) != load_addr)
		fail_hex2("hdr.code32_start (the load address)", rd32(bp + BP_CODE32_START), load_addr);
	if (rd32(bp + BP_INITRD_ADDR_MAX) != GUEST_INITRD_ADDR_MAX)
		fail_hex2("hdr.initrd_addr_max", rd32(bp + BP_INITRD_ADDR_MAX), GUEST_INITRD_ADDR_MAX);
	if (rd32(bp + BP_CMDLINE_SIZE) != GUEST_CMDLINE_SIZE)
		fail_hex2("hdr.cmdline_size", rd32(bp + BP_CMDLINE_SIZE), GUEST_CMDLINE_SIZE);
	if (is_elf())
		check_header_elf(bp);
	else
		check_header_bzimage(bp);
	if (check_failures == before)
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

		e820_add(rd64(ea), rd64(ea + 8), rd32(ea + 16));
	}
	if (!ram_contains(bp, BP_SIZE))
		fail_hex("e820 does not give the zero page as RAM:", bp);
	if (!ram_contains(load_addr, kernel_span))
		fail_hex("e820 does not give the kernel's range as RAM at", load_addr);
}

static void check_paging(void)
{
	uint64_t pml4 = READ_CR(3) & PTE_ADDR, pdpt, e;
	int before = check_failures;

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
			uint64_t want = (i << 30) | (j << 21), pde = rd64(pd + 8 * j);

			if (!(pde & PTE_P) || !(pde & PTE_PS) || (pde & PTE_ADDR_2M) != want) {
				fail_hex("no 2 MiB identity page at", want);
				return;
			}
		}
	}
	if (check_failures == before)
		puts_("paging ok\n");
}

static void check_initrd(uint64_t bp, uint64_t cmdline_ptr, uint64_t cmdline_len)
{
	uint64_t addr = rd32(bp + BP_RAMDISK_IMAGE) | (uint64_t)rd32(bp + BP_EXT_RAMDISK_IMAGE) << 32;
	uint64_t size = rd32(bp + BP_RAMDISK_SIZE) | (uint64_t)rd32(bp + BP_EXT_RAMDISK_SIZE) << 32;

	if (!initrd_report(addr, size))
		return;
	if (addr + size - 1 > rd32(bp + BP_INITRD_ADDR_MAX))
		fail_hex("initrd ends above initrd_addr_max:", addr + size - 1);
	if (overlaps(addr, size, load_addr, kernel_span))
		fail("initrd overlaps the kernel's range");
	if (overlaps(addr, size, bp, BP_SIZE))
		fail("initrd overlaps the zero page");
	if (cmdline_ptr && overlaps(addr, size, cmdline_ptr, cmdline_len + 1))
		fail("initrd overlaps the command line");
	fnv_report("initrd-fnv=", "initrd", addr, size);
}

void guest_main(uint64_t bp);

void guest_main(uint64_t bp)
{
	uint64_t cmdline_ptr;
	int64_t cmdline_len;

	puts_("check: start\n");
	check_entry_state();
	check_load();
	check_long_mode();
	if (bp != GUEST_EXPECT_ZERO_PAGE) {
		/* A wild pointer may be MMIO or nothing: do not touch it. */
		fail_hex2("RSI (boot_params)", bp, GUEST_EXPECT_ZERO_PAGE);
		check_finish();
	}
	/* A bzImage's header is copied from the image; an ELF's is made up
	 * and need not say "HdrS". */
	if (!is_elf() && rd32(bp + BP_HEADER) != 0x53726448) {   /* "HdrS", boot.rst */
		fail_hex("no \"HdrS\" at boot_params + 0x202, found", rd32(bp + BP_HEADER));
		check_finish();
	}
	check_e820(bp);
	check_paging();
	check_header(bp);
	cmdline_ptr = rd32(bp + BP_CMD_LINE_PTR) | (uint64_t)rd32(bp + BP_EXT_CMD_LINE_PTR) << 32;
	cmdline_len = cmdline_report(cmdline_ptr, rd32(bp + BP_CMDLINE_SIZE));
	check_initrd(bp, cmdline_len >= 0 ? cmdline_ptr : 0, cmdline_len >= 0 ? (uint64_t)cmdline_len : 0);
	raw_report();
	check_finish();
}
