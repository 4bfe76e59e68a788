/* A hostile fw_cfg guest (QEMU docs/specs/fw_cfg.rst; Linux
 * drivers/firmware/qemu_fw_cfg.c).  Run with --mem 64M and
 * --fw-cfg opt/test,string=FWCFG_TEXT, it:
 *
 *   1. reads the signature, the ID, the RAM size and the CPU count through
 *      the ports, and the DMA register's "QEMU CFG";
 *   2. reads the file directory and opt/test with `rep insb` (count > 1
 *      in one exit), past opt/test's end too (zeros);
 *   3. reads both again with DMA, skips, and tries to write read-only
 *      items (ERROR);
 *   4. aims DMA buffers outside RAM, into the MMIO hole, across the end of
 *      RAM, at an address + length that wraps, with a 4 GiB length, and
 *      descriptors outside RAM and across its end: each must give ERROR
 *      (or, for a descriptor that is not RAM, change nothing), and the
 *      device must still answer after each;
 *   5. registers a vmcoreinfo note through a DMA write of etc/vmcoreinfo,
 *      as Linux's qemu_fw_cfg does, and reads it back.
 *
 * Prints "fwcfg: ..." lines and exits through debug-exit with
 * GUEST_EXIT_FWCFG_PASS (status 85), or "FAIL: fwcfg: ..." and
 * GUEST_EXIT_FAIL (status 255). */
#include "lib.h"

void guest_main(uint64_t bp);

/* What tests/guests/cases-fwcfg.sh gives minivmm. */
#define FWCFG_MEM  (64ULL << 20)
#define FWCFG_TEXT "fw_cfg from the host, commas, and all"
#define FWCFG_NAME "opt/test"

#define PORT_SELECTOR (GUEST_PORT_FW_CFG + 0)
#define PORT_DATA     (GUEST_PORT_FW_CFG + 1)
#define PORT_DMA_HIGH (GUEST_PORT_FW_CFG + 4)
#define PORT_DMA_LOW  (GUEST_PORT_FW_CFG + 8)

#define KEY_SIGNATURE 0x00
#define KEY_ID        0x01
#define KEY_RAM_SIZE  0x03
#define KEY_NB_CPUS   0x05
#define KEY_FILE_DIR  0x19

#define CTL_ERROR  0x01
#define CTL_READ   0x02
#define CTL_SKIP   0x04
#define CTL_SELECT 0x08
#define CTL_WRITE  0x10
#define SELECT(key) (((uint32_t)(key) << 16) | CTL_SELECT)

#define DIR_ENTRY   64
#define MAX_FILES   8
/* Linux 6.1's VMCOREINFO_NOTE_SIZE on x86 (include/linux/crash_core.h). */
#define NOTE_SIZE   4132

struct dma_access {
	uint32_t control, length;   /* big-endian */
	uint64_t address;
} __attribute__((packed));

static struct dma_access desc __attribute__((aligned(16)));
static uint8_t dir_ports[4 + MAX_FILES * DIR_ENTRY];
static uint8_t buf[512];
static uint8_t note[NOTE_SIZE];

__attribute__((noreturn)) static void fail(const char *what, uint64_t v)
{
	puts_("FAIL: fwcfg: ");
	puts_(what);
	puts_(" ");
	put_hex(v);
	puts_("\n");
	debug_exit(GUEST_EXIT_FAIL, 1);
}

static uint32_t be32(uint32_t v)
{
	return __builtin_bswap32(v);
}

static uint64_t be64(uint64_t v)
{
	return __builtin_bswap64(v);
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int same(const uint8_t *a, const char *b, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (a[i] != (uint8_t)b[i])
			return 0;
	return 1;
}

static uint64_t length_of(const char *s)
{
	uint64_t n = 0;
	while (s[n])
		n++;
	return n;
}

static uint64_t pa(const volatile void *p)
{
	return (uint64_t)(uintptr_t)p;   /* the first 4 GiB are identity mapped */
}

/* --- the traditional interface --- */

static void select_key(uint16_t key)
{
	outw(PORT_SELECTOR, key);
}

/* count bytes from the data port with one `rep insb` (Linux's
 * ioread8_rep): KVM hands them to minivmm as one exit with count > 1. */
static void read_rep(void *dst, uint64_t count)
{
	__asm__ volatile("rep insb" : "+D"(dst), "+c"(count) : "d"((uint16_t)PORT_DATA)
			 : "memory");
}

static uint64_t read_le(uint16_t key, int n)
{
	uint8_t b[8];
	select_key(key);
	for (int i = 0; i < n; i++)
		b[i] = inb(PORT_DATA);
	return get_le(b, n);
}

/* The device answers: the signature reads "QEMU" again. */
static void still_there(const char *after)
{
	select_key(KEY_SIGNATURE);
	uint8_t b[4];
	read_rep(b, 4);
	if (!same(b, "QEMU", 4))
		fail(after, get_le(b, 4));
}

/* --- DMA --- */

/* The device reads and writes guest memory during the outl: the compiler
 * must neither sink the descriptor's stores past it nor hoist loads of
 * what the device wrote above it (lib.h's outl has no memory clobber). */
static inline void barrier(void)
{
	__asm__ volatile("" : : : "memory");
}

static void dma_high(uint32_t hi)
{
	barrier();
	outl(PORT_DMA_HIGH, be32(hi));
}

static void dma_low(uint32_t lo)
{
	barrier();
	outl(PORT_DMA_LOW, be32(lo));
	barrier();
}

/* The descriptor's address as Linux writes it (iowrite32be): the high
 * half at +4, then the low half at +8, which starts the transfer. */
static void kick(uint64_t desc_pa)
{
	dma_high((uint32_t)(desc_pa >> 32));
	dma_low((uint32_t)desc_pa);
}

/* One transfer with its descriptor at d; returns the control word the
 * device wrote back. */
static uint32_t dma_at(volatile struct dma_access *d, uint32_t control, uint32_t length,
		       uint64_t address)
{
	d->control = be32(control);
	d->length = be32(length);
	d->address = be64(address);
	kick(pa(d));
	return be32(d->control);
}

static uint32_t dma(uint32_t control, uint32_t length, uint64_t address)
{
	return dma_at(&desc, control, length, address);
}

static void expect_control(const char *what, uint32_t got, uint32_t want)
{
	if (got != want) {
		puts_("FAIL: fwcfg: ");
		puts_(what);
		puts_(": control ");
		put_hex(got);
		puts_(", expected ");
		put_hex(want);
		puts_("\n");
		debug_exit(GUEST_EXIT_FAIL, 1);
	}
	puts_("fwcfg: ");
	puts_(what);
	puts_(want == CTL_ERROR ? ": ERROR\n" : ": ok\n");
}

/* --- the steps --- */

static void check_items(void)
{
	select_key(KEY_SIGNATURE);
	uint8_t sig[8];
	for (int i = 0; i < 4; i++)
		sig[i] = inb(PORT_DATA);
	if (!same(sig, "QEMU", 4))
		fail("signature", get_le(sig, 4));
	for (int i = 0; i < 8; i++)
		sig[i] = inb((uint16_t)(PORT_DMA_HIGH + i));
	if (!same(sig, "QEMU CFG", 8))
		fail("DMA register signature", get_be(sig, 8));
	uint64_t id = read_le(KEY_ID, 4), ram = read_le(KEY_RAM_SIZE, 8);
	uint64_t cpus = read_le(KEY_NB_CPUS, 2);
	puts_("fwcfg: signature QEMU, DMA signature QEMU CFG, id ");
	put_hex(id);
	puts_(", ram ");
	put_hex(ram);
	puts_(", cpus ");
	put_dec(cpus);
	puts_("\n");
	if (id != 3)
		fail("FW_CFG_ID is not traditional + DMA:", id);
	if (ram != FWCFG_MEM)
		fail("FW_CFG_RAM_SIZE is not --mem 64M:", ram);
	if (cpus != 1)
		fail("FW_CFG_NB_CPUS is not 1:", cpus);
}

/* The directory through the ports; returns the key and size of name. */
static uint16_t find_file(const char *name, uint32_t *size)
{
	uint32_t n = (uint32_t)get_be(dir_ports, 4);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = dir_ports + 4 + i * DIR_ENTRY;
		uint64_t len = length_of(name);
		if (same(e + 8, name, len + 1)) {
			*size = (uint32_t)get_be(e, 4);
			return (uint16_t)get_be(e + 4, 2);
		}
	}
	fail("no such file in the directory:", n);
}

static uint32_t read_directory(void)
{
	select_key(KEY_FILE_DIR);
	read_rep(dir_ports, 4);
	uint32_t n = (uint32_t)get_be(dir_ports, 4);
	if (n < 2 || n > MAX_FILES)
		fail("directory count", n);
	read_rep(dir_ports + 4, n * DIR_ENTRY);
	puts_("fwcfg: directory of ");
	put_dec(n);
	puts_(" files:");
	for (uint32_t i = 0; i < n; i++) {
		puts_(" ");
		puts_((const char *)dir_ports + 4 + i * DIR_ENTRY + 8);
	}
	puts_("\n");
	return n;
}

static void check_file_ports(uint16_t key, uint32_t size)
{
	uint64_t len = length_of(FWCFG_TEXT);
	if (size != len)
		fail("opt/test's size in the directory is", size);
	memset(buf, 0xaa, sizeof(buf));
	select_key(key);
	read_rep(buf, size + 4);
	if (!same(buf, FWCFG_TEXT, len))
		fail("opt/test through rep insb differs; first byte", buf[0]);
	if (get_le(buf + len, 4) != 0)
		fail("bytes past opt/test's end are not 0:", get_le(buf + len, 4));
	puts_("fwcfg: opt/test through rep insb: \"");
	buf[len] = 0;
	puts_((const char *)buf);
	puts_("\"\n");
}

static void check_dma_reads(uint16_t key, uint32_t nfiles)
{
	uint32_t dir_len = 4 + nfiles * DIR_ENTRY;
	memset(buf, 0, sizeof(buf));
	expect_control("DMA read of the directory", dma(SELECT(KEY_FILE_DIR) | CTL_READ, dir_len,
							pa(buf)), 0);
	for (uint32_t i = 0; i < dir_len; i++)
		if (buf[i] != dir_ports[i])
			fail("the directory through DMA differs at byte", i);
	uint64_t len = length_of(FWCFG_TEXT);
	memset(buf, 0xaa, sizeof(buf));
	expect_control("DMA read of opt/test and 8 bytes past it",
		       dma(SELECT(key) | CTL_READ, (uint32_t)len + 8, pa(buf)), 0);
	if (!same(buf, FWCFG_TEXT, len) || get_le(buf + len, 8) != 0 || buf[len + 8] != 0xaa)
		fail("DMA read of opt/test: wrong bytes or zero fill; byte after", buf[len + 8]);
	expect_control("DMA skip 3", dma(SELECT(key) | CTL_SKIP, 3, 0), 0);
	expect_control("DMA read 4 after it", dma(CTL_READ, 4, pa(buf)), 0);
	if (!same(buf, &FWCFG_TEXT[3], 4))
		fail("DMA read after the skip gives", get_le(buf, 4));
	expect_control("DMA write to read-only opt/test", dma(SELECT(key) | CTL_WRITE, 4, pa(buf)),
		       CTL_ERROR);
	expect_control("DMA write to the directory",
		       dma(SELECT(KEY_FILE_DIR) | CTL_WRITE, 4, pa(buf)), CTL_ERROR);
}

static void bad_read(uint16_t key, const char *what, uint64_t addr, uint32_t len)
{
	expect_control(what, dma(SELECT(key) | CTL_READ, len, addr), CTL_ERROR);
	still_there(what);
}

static void check_bad_buffers(uint16_t key, uint16_t vmci)
{
	/* Called one by one: a table of strings would need relocations. */
	bad_read(key, "DMA read into a buffer past the end of RAM", FWCFG_MEM + 0x1000, 16);
	bad_read(key, "DMA read into the MMIO hole (IOAPIC)", 0xfec00000, 16);
	bad_read(key, "DMA read into a buffer across the end of RAM", FWCFG_MEM - 4, 8);
	bad_read(key, "DMA read at an address + length that wraps", 0xfffffffffffffff0ULL, 0x100);
	bad_read(key, "DMA read above 4 GiB", 0x100000000ULL, 4);
	/* 4 GiB less one: the item fits, the zero fill after it leaves RAM. */
	expect_control("DMA read of length 0xffffffff", dma(SELECT(key) | CTL_READ, 0xffffffffu,
							       pa(buf)), CTL_ERROR);
	still_there("the 4 GiB read");
	expect_control("DMA skip of length 0xffffffff", dma(SELECT(key) | CTL_SKIP, 0xffffffffu, 0),
		       0);
	expect_control("DMA write of length 0xffffffff to etc/vmcoreinfo",
		       dma(SELECT(vmci) | CTL_WRITE, 0xffffffffu, pa(buf)), CTL_ERROR);
	expect_control("DMA write to etc/vmcoreinfo from past the end of RAM",
		       dma(SELECT(vmci) | CTL_WRITE, 16, FWCFG_MEM - 8), CTL_ERROR);
	still_there("the bad writes");
}

static void check_bad_descriptors(uint16_t key)
{
	/* Across the end of RAM: the control word is RAM, so ERROR goes there. */
	volatile uint8_t *end = (volatile uint8_t *)(uintptr_t)FWCFG_MEM;
	volatile uint32_t *ctl = (volatile uint32_t *)(end - 8);
	ctl[0] = be32(SELECT(key) | CTL_READ);
	ctl[1] = be32(4);
	kick(FWCFG_MEM - 8);
	expect_control("descriptor across the end of RAM", be32(ctl[0]), CTL_ERROR);
	/* Not even the control word is RAM: nothing may change. */
	end[-2] = 0xee;
	end[-1] = 0xee;
	kick(FWCFG_MEM - 2);
	if (end[-2] != 0xee || end[-1] != 0xee)
		fail("a descriptor 2 bytes before the end of RAM changed RAM:", end[-2]);
	still_there("a descriptor 2 bytes before the end of RAM");
	const uint64_t outside[] = { FWCFG_MEM, 0xfee00000, 0x100000000ULL, 0xfffffffffffffff8ULL };
	for (unsigned i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		kick(outside[i]);
		still_there("a descriptor outside RAM");
	}
	puts_("fwcfg: descriptors outside RAM: ignored, still running\n");
	/* After a transfer the latched address is 0 again: a lone low half
	 * now means a high half of 0 (it would be 1, above 4 GiB, otherwise). */
	volatile struct dma_access *d = &desc;
	d->control = be32(SELECT(key) | CTL_READ);
	d->length = be32(4);
	d->address = be64(pa(buf));
	dma_high(1);
	dma_low((uint32_t)pa(d));
	if (be32(d->control) != (SELECT(key) | CTL_READ))
		fail("a descriptor at 4 GiB + x was taken from x; control", be32(d->control));
	dma_low((uint32_t)pa(d));
	expect_control("the low half alone after a transfer", be32(d->control), 0);
	if (!same(buf, FWCFG_TEXT, 4))
		fail("the low-half transfer read", get_le(buf, 4));
}

/* Linux's fw_cfg_write_vmcoreinfo (drivers/firmware/qemu_fw_cfg.c):
 * host_format 0, guest_format ELF, the note's size and physical address, in
 * one DMA write with SELECT. */
static void register_vmcoreinfo(uint16_t vmci, uint32_t size)
{
	if (size != 16)
		fail("etc/vmcoreinfo's size is", size);
	uint8_t info[16];
	select_key(vmci);
	read_rep(info, 16);
	if (get_le(info, 2) != 1 || get_le(info + 2, 2) != 0 || get_le(info + 8, 8) != 0)
		fail("etc/vmcoreinfo before the write: host_format/guest_format/paddr",
		     get_le(info, 8));
	uint8_t *v = buf;
	memset(v, 0, 16);
	v[2] = 1;
	v[4] = (uint8_t)NOTE_SIZE;
	v[5] = (uint8_t)(NOTE_SIZE >> 8);
	uint64_t note_pa = pa(note);
	for (int i = 0; i < 8; i++)
		v[8 + i] = (uint8_t)(note_pa >> (8 * i));
	expect_control("DMA write of etc/vmcoreinfo", dma(SELECT(vmci) | CTL_WRITE, 16, pa(v)), 0);
	uint8_t back[16];
	select_key(vmci);
	read_rep(back, 16);
	for (int i = 0; i < 16; i++)
		if (back[i] != v[i])
			fail("etc/vmcoreinfo reads back differently at byte", (uint64_t)i);
	puts_("fwcfg: registered vmcoreinfo paddr=");
	put_hex(note_pa);
	puts_(" size=");
	put_hex(NOTE_SIZE);
	puts_("\n");
}

void guest_main(uint64_t bp)
{
	(void)bp;
	check_items();
	uint32_t nfiles = read_directory();
	uint32_t test_size, vmci_size;
	uint16_t test_key = find_file(FWCFG_NAME, &test_size);
	uint16_t vmci_key = find_file("etc/vmcoreinfo", &vmci_size);
	check_file_ports(test_key, test_size);
	check_dma_reads(test_key, nfiles);
	check_bad_buffers(test_key, vmci_key);
	check_bad_descriptors(test_key);
	register_vmcoreinfo(vmci_key, vmci_size);
	puts_("fwcfg: all checks passed\n");
	debug_exit(GUEST_EXIT_FWCFG_PASS, 1);
}
