/* fw_cfg (vmm/devices/fw_cfg.c) against QEMU's docs/specs/fw_cfg.rst and
 * hw/nvram/fw_cfg.c: the items and the directory through the ports, the
 * DMA rules, hostile descriptors and buffers, and etc/vmcoreinfo. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "boot/layout.h"
#include "common/byteorder.h"
#include "tests/unit/unit.h"
#include "vmm/devices/fw_cfg.h"

/* Guest RAM with a guard area on each side holding a pattern: whatever
 * the device does, the guards must come out as they went in. */
#define GUARD      (64 * 1024)
#define GUARD_BYTE 0x5a
#define RAM_SIZE   (1 * MiB)

struct guarded_ram {
	struct guest_memory mem;
	uint8_t *map;     /* GUARD, RAM_SIZE of RAM, GUARD */
	uint8_t *ram;
};

static void guarded_ram_init(struct guarded_ram *g)
{
	g->map = mmap(NULL, RAM_SIZE + 2 * GUARD, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(g->map != MAP_FAILED);
	memset(g->map, GUARD_BYTE, GUARD);
	memset(g->map + GUARD + RAM_SIZE, GUARD_BYTE, GUARD);
	g->ram = g->map + GUARD;
	struct error err = { 0 };
	ck_assert_int_eq(guest_memory_init(&g->mem, g->ram, RAM_SIZE, LAYOUT_MMIO_HOLE_START,
					   LAYOUT_MMIO_HOLE_END, &err), 0);
}

static void guarded_ram_check_free(struct guarded_ram *g)
{
	for (size_t i = 0; i < GUARD; i++) {
		ck_assert_msg(g->map[i] == GUARD_BYTE, "guard below RAM changed at -%zu",
			      GUARD - i);
		ck_assert_msg(g->map[GUARD + RAM_SIZE + i] == GUARD_BYTE,
			      "guard above RAM changed at +%zu", i);
	}
	munmap(g->map, RAM_SIZE + 2 * GUARD);
}

/* --- the guest's side of the ports --- */

static void sel(struct fw_cfg *fw, uint16_t key)
{
	uint8_t d[2] = { (uint8_t)key, (uint8_t)(key >> 8) };
	fw_cfg_io(fw, FW_CFG_PORT_SELECTOR, true, d, 2);
}

static uint8_t rd(struct fw_cfg *fw)
{
	uint8_t d = 0x77;
	fw_cfg_io(fw, FW_CFG_PORT_DATA, false, &d, 1);
	return d;
}

static void rd_n(struct fw_cfg *fw, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = rd(fw);
}

/* The two outl's Linux does: high half at +4, low half at +8, each as
 * iowrite32be puts it on the bus (big-endian bytes). */
static void dma_kick(struct fw_cfg *fw, uint64_t addr)
{
	uint8_t hi[4], lo[4];
	be_put(hi, addr >> 32, 4);
	be_put(lo, addr & 0xffffffffu, 4);
	fw_cfg_io(fw, FW_CFG_PORT_DMA_HIGH, true, hi, 4);
	fw_cfg_io(fw, FW_CFG_PORT_DMA_LOW, true, lo, 4);
}

#define DESC 0x1000ULL   /* where the tests put their descriptor */
#define BUF  0x2000ULL   /* and their buffer */

static void put_desc(uint8_t *ram, uint64_t at, uint32_t control, uint32_t length,
		     uint64_t address)
{
	be_put(ram + at, control, 4);
	be_put(ram + at + 4, length, 4);
	be_put(ram + at + 8, address, 8);
}

/* One DMA transfer with its descriptor at DESC; returns the control word
 * the device wrote back. */
static uint32_t dma(struct fw_cfg *fw, uint8_t *ram, uint32_t control, uint32_t length,
		    uint64_t address)
{
	put_desc(ram, DESC, control, length, address);
	dma_kick(fw, DESC);
	return (uint32_t)be_get(ram + DESC, 4);
}

#define SELECT(key) (((uint32_t)(key) << 16) | FW_CFG_DMA_CTL_SELECT)
#define READ  FW_CFG_DMA_CTL_READ
#define WRITE FW_CFG_DMA_CTL_WRITE
#define SKIP  FW_CFG_DMA_CTL_SKIP
#define ERROR FW_CFG_DMA_CTL_ERROR

/* A device with three files: etc/vmcoreinfo and two user files, added out
 * of name order. */
struct rig {
	struct guarded_ram g;
	struct fw_cfg fw;
};

static const char ZETA[] = "zeta's bytes";  /* 12 bytes, no NUL */
static const char ABC[] = "abc";

static void rig_init(struct rig *r)
{
	struct error err = { 0 };
	guarded_ram_init(&r->g);
	fw_cfg_init(&r->fw, &r->g.mem, 256 * MiB, 4);
	ck_assert_int_eq(fw_cfg_add_file(&r->fw, "opt/zeta", ZETA, strlen(ZETA), false, &err), 0);
	ck_assert_int_eq(fw_cfg_add_vmcoreinfo(&r->fw, &err), 0);
	ck_assert_int_eq(fw_cfg_add_file(&r->fw, "opt/abc", ABC, strlen(ABC), false, &err), 0);
}

static void rig_free(struct rig *r)
{
	fw_cfg_destroy(&r->fw);
	guarded_ram_check_free(&r->g);
}

/* Name order: etc/vmcoreinfo, opt/abc, opt/zeta. */
#define KEY_VMCOREINFO 0x20
#define KEY_ABC        0x21
#define KEY_ZETA       0x22

/* --- the items through the ports --- */

START_TEST(signature_id_and_keys)
{
	struct rig r;
	rig_init(&r);
	uint8_t b[16];
	/* Reset selects the signature (QEMU's fw_cfg_reset). */
	rd_n(&r.fw, b, 6);
	ck_assert_mem_eq(b, "QEMU\0\0", 6);
	sel(&r.fw, FW_CFG_SIGNATURE);
	rd_n(&r.fw, b, 4);
	ck_assert_mem_eq(b, "QEMU", 4);
	/* Byte reads at the selector port are data reads too (comb region). */
	sel(&r.fw, FW_CFG_SIGNATURE);
	uint8_t d = 0;
	fw_cfg_io(&r.fw, FW_CFG_PORT_SELECTOR, false, &d, 1);
	ck_assert_uint_eq(d, 'Q');
	ck_assert_uint_eq(rd(&r.fw), 'E');

	sel(&r.fw, FW_CFG_ID);
	rd_n(&r.fw, b, 4);
	ck_assert_mem_eq(b, "\x03\0\0\0", 4);
	sel(&r.fw, FW_CFG_RAM_SIZE);
	rd_n(&r.fw, b, 9);
	ck_assert_mem_eq(b, "\0\0\0\x10\0\0\0\0\0", 9);   /* 256 MiB, u64 LE */
	sel(&r.fw, FW_CFG_NB_CPUS);
	rd_n(&r.fw, b, 3);
	ck_assert_mem_eq(b, "\x04\0\0", 3);
	sel(&r.fw, FW_CFG_MAX_CPUS);
	rd_n(&r.fw, b, 2);
	ck_assert_mem_eq(b, "\x04\0", 2);
	/* The historical write-channel bit is masked off; arch-local keys and
	 * keys without an item read as zeros. */
	sel(&r.fw, FW_CFG_WRITE_CHANNEL | FW_CFG_SIGNATURE);
	rd_n(&r.fw, b, 4);
	ck_assert_mem_eq(b, "QEMU", 4);
	const uint16_t empty[] = { FW_CFG_ARCH_LOCAL, FW_CFG_ARCH_LOCAL | FW_CFG_ID, 0x02,
				   0x23, 0x3fff, 0xffff };
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		sel(&r.fw, empty[i]);
		rd_n(&r.fw, b, 4);
		ck_assert_msg(memcmp(b, "\0\0\0\0", 4) == 0, "key 0x%x is not empty", empty[i]);
	}
	rig_free(&r);
}
END_TEST

START_TEST(other_port_accesses)
{
	struct rig r;
	rig_init(&r);
	/* The DMA address register reads as "QEMU CFG", whatever the width. */
	uint8_t b[8];
	for (unsigned i = 0; i < 8; i++) {
		b[i] = 0;
		fw_cfg_io(&r.fw, (uint16_t)(FW_CFG_PORT_DMA_HIGH + i), false, &b[i], 1);
	}
	ck_assert_mem_eq(b, "QEMU CFG", 8);
	fw_cfg_io(&r.fw, FW_CFG_PORT_DMA_HIGH, false, b, 4);
	ck_assert_mem_eq(b, "QEMU", 4);
	fw_cfg_io(&r.fw, FW_CFG_PORT_DMA_LOW, false, b, 4);
	ck_assert_mem_eq(b, " CFG", 4);
	/* A read running off the last port: ours, then nobody's. */
	fw_cfg_io(&r.fw, FW_CFG_PORTS - 2, false, b, 4);
	ck_assert_mem_eq(b, "FG\xff\xff", 4);
	/* The two padding ports and wide reads of the comb are nobody's. */
	fw_cfg_io(&r.fw, 2, false, b, 2);
	ck_assert_mem_eq(b, "\xff\xff", 2);
	fw_cfg_io(&r.fw, FW_CFG_PORT_SELECTOR, false, b, 2);
	ck_assert_mem_eq(b, "\xff\xff", 2);
	fw_cfg_io(&r.fw, FW_CFG_PORT_DATA, false, b, 2);
	ck_assert_mem_eq(b, "\xff\xff", 2);
	/* One running from the comb into the DMA register: byte by byte. */
	fw_cfg_io(&r.fw, FW_CFG_PORT_DATA, false, b, 4);
	ck_assert_mem_eq(b, "\xff\xff\xffQ", 4);

	/* Data writes do nothing since QEMU 2.4, nor does a byte write to the
	 * selector; the offset in the item stays where it was. */
	sel(&r.fw, KEY_ABC);
	ck_assert_uint_eq(rd(&r.fw), 'a');
	uint8_t w = 'X';
	fw_cfg_io(&r.fw, FW_CFG_PORT_DATA, true, &w, 1);
	fw_cfg_io(&r.fw, FW_CFG_PORT_SELECTOR, true, &w, 1);
	ck_assert_uint_eq(rd(&r.fw), 'b');
	sel(&r.fw, KEY_ABC);
	ck_assert_uint_eq(rd(&r.fw), 'a');

	/* Only 32-bit writes at +4 and +8 move the DMA address: narrower ones
	 * at +8 start nothing. */
	put_desc(r.g.ram, DESC, SELECT(KEY_ABC) | READ, 3, BUF);
	uint8_t lo[4];
	be_put(lo, DESC, 4);
	fw_cfg_io(&r.fw, FW_CFG_PORT_DMA_LOW, true, lo + 2, 2);
	fw_cfg_io(&r.fw, FW_CFG_PORT_DMA_LOW, true, lo + 3, 1);
	fw_cfg_io(&r.fw, FW_CFG_PORT_DMA_LOW + 1, true, lo, 4);
	ck_assert_uint_eq(be_get(r.g.ram + DESC, 4), SELECT(KEY_ABC) | READ);
	ck_assert_mem_eq(r.g.ram + BUF, "\0\0\0", 3);
	rig_free(&r);
}
END_TEST

/* Directory entries: be32 size, be16 select, u16 reserved, name[56]. */
static void check_dir_entry(const uint8_t *e, uint32_t size, uint16_t key, const char *name)
{
	ck_assert_uint_eq(be_get(e, 4), size);
	ck_assert_uint_eq(be_get(e + 4, 2), key);
	ck_assert_uint_eq(be_get(e + 6, 2), 0);
	uint8_t want[FW_CFG_NAME_SIZE] = { 0 };
	memcpy(want, name, strlen(name));
	ck_assert_mem_eq(e + 8, want, FW_CFG_NAME_SIZE);
}

START_TEST(directory_encoding)
{
	struct rig r;
	rig_init(&r);
	uint8_t dir[4 + 3 * 64 + 4];
	sel(&r.fw, FW_CFG_FILE_DIR);
	rd_n(&r.fw, dir, sizeof(dir));
	ck_assert_mem_eq(dir, "\0\0\0\x03", 4);   /* big-endian count */
	check_dir_entry(dir + 4, FW_CFG_VMCOREINFO_SIZE, KEY_VMCOREINFO, "etc/vmcoreinfo");
	check_dir_entry(dir + 4 + 64, 3, KEY_ABC, "opt/abc");
	check_dir_entry(dir + 4 + 128, 12, KEY_ZETA, "opt/zeta");
	ck_assert_mem_eq(dir + 4 + 192, "\0\0\0\0", 4);   /* past the end */

	/* Each key holds its file. */
	uint8_t b[16];
	sel(&r.fw, KEY_ZETA);
	rd_n(&r.fw, b, 14);
	ck_assert_mem_eq(b, "zeta's bytes\0\0", 14);
	sel(&r.fw, KEY_VMCOREINFO);
	rd_n(&r.fw, b, 16);
	ck_assert_mem_eq(b, "\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);  /* host_format ELF */

	/* The longest name fits with its NUL; the next key follows in order. */
	char longest[FW_CFG_NAME_MAX + 1];
	memset(longest, 'z', FW_CFG_NAME_MAX);
	memcpy(longest, "opt/", 4);
	longest[FW_CFG_NAME_MAX] = '\0';
	struct error err = { 0 };
	ck_assert_int_eq(fw_cfg_add_file(&r.fw, longest, "", 0, false, &err), 0);
	uint8_t dir4[4 + 4 * 64];
	sel(&r.fw, FW_CFG_FILE_DIR);
	rd_n(&r.fw, dir4, sizeof(dir4));
	ck_assert_mem_eq(dir4, "\0\0\0\x04", 4);
	check_dir_entry(dir4 + 4 + 192, 0, 0x23, longest);
	/* An empty file reads as zeros. */
	sel(&r.fw, 0x23);
	ck_assert_uint_eq(rd(&r.fw), 0);
	rig_free(&r);
}
END_TEST

START_TEST(add_file_refusals)
{
	struct rig r;
	rig_init(&r);
	struct error err = { 0 };
	ck_assert_int_lt(fw_cfg_add_file(&r.fw, "opt/abc", "x", 1, false, &err), 0);
	test_assert_error(err.msg, "fw_cfg file opt/abc", "given twice");
	ck_assert_int_lt(fw_cfg_add_vmcoreinfo(&r.fw, &err), 0);
	test_assert_error(err.msg, "fw_cfg file etc/vmcoreinfo", "given twice");
	char too_long[FW_CFG_NAME_SIZE + 1];
	memset(too_long, 'a', FW_CFG_NAME_SIZE);
	too_long[FW_CFG_NAME_SIZE] = '\0';
	ck_assert_int_lt(fw_cfg_add_file(&r.fw, too_long, "x", 1, false, &err), 0);
	test_assert_error(err.msg, "fw_cfg file name", "1 to 55 characters");
	ck_assert_int_lt(fw_cfg_add_file(&r.fw, "", "x", 1, false, &err), 0);
	ck_assert_int_lt(fw_cfg_add_file(&r.fw, "opt/huge", "x", (size_t)UINT32_MAX, false, &err), 0);
	test_assert_error(err.msg, "fw_cfg file opt/huge", "more than fw_cfg can describe");
	/* The slots run out at QEMU's default count. */
	for (int i = 3; i < FW_CFG_FILE_SLOTS; i++) {
		char name[32];
		snprintf(name, sizeof(name), "opt/f%02d", i);
		ck_assert_int_eq(fw_cfg_add_file(&r.fw, name, "x", 1, false, &err), 0);
	}
	ck_assert_int_lt(fw_cfg_add_file(&r.fw, "opt/one-more", "x", 1, false, &err), 0);
	test_assert_error(err.msg, "fw_cfg file opt/one-more", "at most 32 files");
	uint8_t count[4];
	sel(&r.fw, FW_CFG_FILE_DIR);
	rd_n(&r.fw, count, 4);
	ck_assert_uint_eq(be_get(count, 4), FW_CFG_FILE_SLOTS);
	rig_free(&r);
}
END_TEST

/* --- DMA --- */

START_TEST(dma_read_select_and_zero_fill)
{
	struct rig r;
	rig_init(&r);
	uint8_t *ram = r.g.ram;
	/* The directory, as the port gives it. */
	uint8_t dir[4 + 3 * 64];
	sel(&r.fw, FW_CFG_FILE_DIR);
	rd_n(&r.fw, dir, sizeof(dir));
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(FW_CFG_FILE_DIR) | READ, sizeof(dir), BUF), 0);
	ck_assert_mem_eq(ram + BUF, dir, sizeof(dir));

	/* Past the item's end a read fills zeros; the byte after the buffer
	 * is left alone. */
	memset(ram + BUF, 0xaa, 16);
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(KEY_ABC) | READ, 10, BUF), 0);
	ck_assert_mem_eq(ram + BUF, "abc\0\0\0\0\0\0\0\xaa", 11);

	/* Without SELECT a transfer goes on where the last one stopped, and
	 * so do the port reads after it. */
	sel(&r.fw, KEY_ZETA);
	ck_assert_uint_eq(rd(&r.fw), 'z');
	ck_assert_uint_eq(dma(&r.fw, ram, READ, 3, BUF), 0);
	ck_assert_mem_eq(ram + BUF, "eta", 3);
	ck_assert_uint_eq(rd(&r.fw), '\'');

	/* READ wins over WRITE and SKIP (QEMU's precedence). */
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(KEY_ABC) | READ | WRITE | SKIP, 2, BUF), 0);
	ck_assert_mem_eq(ram + BUF, "ab", 2);

	/* No operation bit: only the selection happens, whatever the length. */
	memset(ram + BUF, 0xaa, 4);
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(KEY_ZETA), 4, BUF), 0);
	ck_assert_mem_eq(ram + BUF, "\xaa\xaa\xaa\xaa", 4);
	ck_assert_uint_eq(rd(&r.fw), 'z');

	/* Keys without an item read as zeros, without an error. */
	memset(ram + BUF, 0xaa, 4);
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(0x3fff) | READ, 4, BUF), 0);
	ck_assert_mem_eq(ram + BUF, "\0\0\0\0", 4);
	rig_free(&r);
}
END_TEST

START_TEST(dma_skip)
{
	struct rig r;
	rig_init(&r);
	uint8_t *ram = r.g.ram;
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(KEY_ZETA) | SKIP, 5, BUF), 0);
	ck_assert_uint_eq(dma(&r.fw, ram, READ, 3, BUF), 0);
	ck_assert_mem_eq(ram + BUF, "s b", 3);
	/* SKIP writes nothing, even when its address is no RAM. */
	ck_assert_uint_eq(dma(&r.fw, ram, SKIP, 2, UINT64_MAX), 0);
	ck_assert_uint_eq(rd(&r.fw), 'e');
	/* Skipping past the end is no error; the item is then used up. */
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(KEY_ZETA) | SKIP, 0xffffffffu, BUF), 0);
	ck_assert_uint_eq(rd(&r.fw), 0);
	rig_free(&r);
}
END_TEST

START_TEST(dma_write_rules)
{
	struct rig r;
	rig_init(&r);
	uint8_t *ram = r.g.ram;
	uint8_t b[16];
	/* A read-only item refuses, and keeps its bytes. */
	memcpy(ram + BUF, "XYZ", 3);
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(KEY_ABC) | WRITE, 3, BUF), ERROR);
	sel(&r.fw, KEY_ABC);
	rd_n(&r.fw, b, 3);
	ck_assert_mem_eq(b, "abc", 3);
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(FW_CFG_FILE_DIR) | WRITE, 4, BUF), ERROR);
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(FW_CFG_SIGNATURE) | WRITE, 4, BUF), ERROR);
	/* Nor can a key without an item be written. */
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(0x3000) | WRITE, 1, BUF), ERROR);

	/* A writable item takes a write inside it, at the offset reached ... */
	for (int i = 0; i < 16; i++)
		ram[BUF + i] = (uint8_t)(0xb0 + i);
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(KEY_VMCOREINFO) | SKIP, 4, BUF), 0);
	ck_assert_uint_eq(dma(&r.fw, ram, WRITE, 4, BUF), 0);
	sel(&r.fw, KEY_VMCOREINFO);
	rd_n(&r.fw, b, 16);
	ck_assert_mem_eq(b, "\x01\0\0\0\xb0\xb1\xb2\xb3\0\0\0\0\0\0\0\0", 16);
	/* ... but not one running past its end: refused whole. */
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(KEY_VMCOREINFO) | SKIP, 12, BUF), 0);
	ck_assert_uint_eq(dma(&r.fw, ram, WRITE, 8, BUF), ERROR);
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(KEY_VMCOREINFO) | WRITE, 17, BUF), ERROR);
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(KEY_VMCOREINFO) | WRITE, 0xffffffffu, BUF), ERROR);
	/* At the end there is nothing left to write. */
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(KEY_VMCOREINFO) | SKIP, 16, BUF), 0);
	ck_assert_uint_eq(dma(&r.fw, ram, WRITE, 1, BUF), ERROR);
	sel(&r.fw, KEY_VMCOREINFO);
	rd_n(&r.fw, b, 16);
	ck_assert_mem_eq(b, "\x01\0\0\0\xb0\xb1\xb2\xb3\0\0\0\0\0\0\0\0", 16);
	/* A write of length 0 is nothing, and no error. */
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(KEY_ABC) | WRITE, 0, BUF), 0);
	rig_free(&r);
}
END_TEST

/* --- hostile DMA --- */

START_TEST(dma_bad_buffers)
{
	struct rig r;
	rig_init(&r);
	uint8_t *ram = r.g.ram;
	/* Buffers outside RAM, across its end, wrapping around 2^64, in the
	 * MMIO hole: ERROR, and no byte moves. */
	const struct { uint64_t addr; uint32_t len; } bad[] = {
		{ RAM_SIZE, 1 },
		{ RAM_SIZE - 2, 3 },
		{ RAM_SIZE - 1, 0xffffffffu },
		{ LAYOUT_MMIO_HOLE_START, 4 },
		{ LAYOUT_LAPIC, 4 },
		{ UINT64_MAX, 1 },
		{ UINT64_MAX - 1, 3 },
		{ 0xfffffffffffff000ULL, 0x2000 },
	};
	memset(ram + RAM_SIZE - 4, 0xcc, 4);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(dma(&r.fw, ram, SELECT(FW_CFG_FILE_DIR) | READ, bad[i].len,
				  bad[i].addr) == ERROR, "read at 0x%llx + 0x%x",
			      (unsigned long long)bad[i].addr, bad[i].len);
		uint32_t wlen = bad[i].len > 16 ? 16 : bad[i].len;
		ck_assert_msg(dma(&r.fw, ram, SELECT(KEY_VMCOREINFO) | WRITE, wlen,
				  bad[i].addr) == ERROR, "write from 0x%llx",
			      (unsigned long long)bad[i].addr);
		/* The zero fill past an item checks its buffer too. */
		ck_assert_msg(dma(&r.fw, ram, SELECT(0x3fff) | READ, bad[i].len,
				  bad[i].addr) == ERROR, "zero fill at 0x%llx",
			      (unsigned long long)bad[i].addr);
	}
	ck_assert_mem_eq(ram + RAM_SIZE - 4, "\xcc\xcc\xcc\xcc", 4);

	/* 4 GiB less one from a good address: the item's bytes land, the
	 * zeros after them would leave RAM: ERROR, and nothing past the item
	 * is written (two steps, no host loop). */
	memset(ram + BUF, 0xaa, 8);
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(KEY_ABC) | READ, 0xffffffffu, BUF), ERROR);
	ck_assert_mem_eq(ram + BUF, "abc\xaa\xaa", 5);
	/* The whole of RAM is a good buffer, the last byte included. */
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(KEY_ABC) | READ, 1, RAM_SIZE - 1), 0);
	ck_assert_uint_eq(ram[RAM_SIZE - 1], 'a');
	ck_assert_uint_eq(dma(&r.fw, ram, SELECT(0x3fff) | READ, RAM_SIZE, 0), 0);
	ck_assert_uint_eq(ram[RAM_SIZE - 1], 0);
	rig_free(&r);
}
END_TEST

START_TEST(dma_bad_descriptors)
{
	struct rig r;
	rig_init(&r);
	uint8_t *ram = r.g.ram;
	/* A descriptor that is not all RAM is not read.  When its control
	 * word is RAM, ERROR goes there, as QEMU does ... */
	be_put(ram + RAM_SIZE - 8, SELECT(KEY_ABC) | READ, 4);
	be_put(ram + RAM_SIZE - 4, 3, 4);
	memset(ram + BUF, 0xaa, 3);
	dma_kick(&r.fw, RAM_SIZE - 8);
	ck_assert_uint_eq(be_get(ram + RAM_SIZE - 8, 4), ERROR);
	ck_assert_uint_eq(be_get(ram + RAM_SIZE - 4, 4), 3);
	ck_assert_mem_eq(ram + BUF, "\xaa\xaa\xaa", 3);
	/* ... when it is not, nothing happens at all. */
	memset(ram + RAM_SIZE - 3, 0xee, 3);
	const uint64_t outside[] = { RAM_SIZE - 3, RAM_SIZE, LAYOUT_MMIO_HOLE_START,
				     UINT64_MAX, UINT64_MAX - 15, 0xffffffff00000000ULL };
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++)
		dma_kick(&r.fw, outside[i]);
	ck_assert_mem_eq(ram + RAM_SIZE - 3, "\xee\xee\xee", 3);
	/* The device still works, on the item selected before. */
	sel(&r.fw, KEY_ZETA);
	ck_assert_uint_eq(dma(&r.fw, ram, READ, 4, BUF), 0);
	ck_assert_mem_eq(ram + BUF, "zeta", 4);
	rig_free(&r);
}
END_TEST

/* The address latch: high half, then the low half starts the transfer and
 * clears the latch (QEMU sets dma_addr to 0 before the transfer). */
START_TEST(dma_address_latch)
{
	struct test_ram big;
	test_ram_init(&big, LAYOUT_MMIO_HOLE_START + 1 * MiB);   /* RAM resumes at 4 GiB */
	struct fw_cfg fw;
	struct error err = { 0 };
	fw_cfg_init(&fw, &big.mem, big.size, 1);
	ck_assert_int_eq(fw_cfg_add_file(&fw, "opt/abc", ABC, 3, false, &err), 0);
	uint8_t *high = guest_memory_ptr(&big.mem, LAYOUT_MMIO_HOLE_END, 1 * MiB);
	ck_assert_ptr_nonnull(high);
	/* A descriptor and its buffer above 4 GiB. */
	put_desc(high, 0x100, SELECT(0x20) | READ, 3, LAYOUT_MMIO_HOLE_END + 0x200);
	dma_kick(&fw, LAYOUT_MMIO_HOLE_END + 0x100);
	ck_assert_uint_eq(be_get(high + 0x100, 4), 0);
	ck_assert_mem_eq(high + 0x200, "abc", 3);
	/* The low half alone now means a high half of 0. */
	put_desc(big.host, 0x100, SELECT(0x20) | READ, 3, 0x300);
	put_desc(high, 0x100, SELECT(0x20) | READ, 3, LAYOUT_MMIO_HOLE_END + 0x400);
	uint8_t lo[4];
	be_put(lo, 0x100, 4);
	fw_cfg_io(&fw, FW_CFG_PORT_DMA_LOW, true, lo, 4);
	ck_assert_uint_eq(be_get(big.host + 0x100, 4), 0);
	ck_assert_mem_eq(big.host + 0x300, "abc", 3);
	ck_assert_mem_eq(high + 0x400, "\0\0\0", 3);
	/* A buffer across the MMIO hole is two regions, not one: ERROR. */
	put_desc(big.host, 0x100, SELECT(0x20) | READ, 3, LAYOUT_MMIO_HOLE_START - 1);
	dma_kick(&fw, 0x100);
	ck_assert_uint_eq(be_get(big.host + 0x100, 4), ERROR);
	/* A descriptor across the hole is not read. */
	be_put(big.host + LAYOUT_MMIO_HOLE_START - 8, SELECT(0x20) | READ, 4);
	be_put(big.host + LAYOUT_MMIO_HOLE_START - 4, 3, 4);
	dma_kick(&fw, LAYOUT_MMIO_HOLE_START - 8);
	ck_assert_uint_eq(be_get(big.host + LAYOUT_MMIO_HOLE_START - 8, 4), ERROR);
	ck_assert_mem_eq(big.host + 0x500, "\0\0\0", 3);
	fw_cfg_destroy(&fw);
	test_ram_free(&big);
}
END_TEST

/* --- etc/vmcoreinfo --- */

static uint32_t write_vmcoreinfo(struct rig *r, uint32_t control, uint32_t length,
				 uint16_t guest_format, uint32_t size, uint64_t paddr)
{
	uint8_t *v = r->g.ram + BUF;
	v[0] = 0;   /* Linux writes host_format 0; the host ignores it */
	v[1] = 0;
	v[2] = (uint8_t)guest_format;
	v[3] = (uint8_t)(guest_format >> 8);
	for (int i = 0; i < 4; i++)
		v[4 + i] = (uint8_t)(size >> (8 * i));
	for (int i = 0; i < 8; i++)
		v[8 + i] = (uint8_t)(paddr >> (8 * i));
	return dma(&r->fw, r->g.ram, control, length, BUF);
}

START_TEST(vmcoreinfo_rules)
{
	struct rig r;
	rig_init(&r);
	uint64_t paddr = 0;
	uint32_t size = 0;
	ck_assert(!fw_cfg_vmcoreinfo(&r.fw, &paddr, &size));
	/* A part of the struct does not count, even with the right bytes. */
	ck_assert_uint_eq(write_vmcoreinfo(&r, SELECT(KEY_VMCOREINFO) | WRITE, 8, 1, 4132,
					   0x1234000), 0);
	ck_assert(!fw_cfg_vmcoreinfo(&r.fw, &paddr, &size));
	/* guest_format NONE does not count (nor would it as a format). */
	ck_assert_uint_eq(write_vmcoreinfo(&r, SELECT(KEY_VMCOREINFO) | WRITE, 16, 0, 4132,
					   0x1234000), 0);
	ck_assert(!r.fw.vmcoreinfo_valid);
	ck_assert(!fw_cfg_vmcoreinfo(&r.fw, &paddr, &size));
	/* The whole struct with ELF does, as Linux writes it. */
	ck_assert_uint_eq(write_vmcoreinfo(&r, SELECT(KEY_VMCOREINFO) | WRITE, 16, 1, 4132,
					   0x1234000), 0);
	ck_assert(fw_cfg_vmcoreinfo(&r.fw, &paddr, &size));
	ck_assert_uint_eq(paddr, 0x1234000);
	ck_assert_uint_eq(size, 4132);
	/* The guest reads back what it wrote. */
	uint8_t b[16];
	sel(&r.fw, KEY_VMCOREINFO);
	rd_n(&r.fw, b, 16);
	ck_assert_mem_eq(b, r.g.ram + BUF, 16);
	/* A later partial write withdraws it (QEMU recomputes on each
	 * write), a full one brings it back; a failed write changes nothing. */
	ck_assert_uint_eq(dma(&r.fw, r.g.ram, SELECT(KEY_VMCOREINFO) | SKIP, 8, BUF), 0);
	ck_assert_uint_eq(write_vmcoreinfo(&r, WRITE, 8, 1, 4132, 0x1234000), 0);
	ck_assert(!fw_cfg_vmcoreinfo(&r.fw, &paddr, &size));
	ck_assert_uint_eq(write_vmcoreinfo(&r, SELECT(KEY_VMCOREINFO) | WRITE, 16, 1, 4132,
					   0x5678000), 0);
	ck_assert(fw_cfg_vmcoreinfo(&r.fw, &paddr, &size));
	ck_assert_uint_eq(write_vmcoreinfo(&r, SELECT(KEY_VMCOREINFO) | WRITE, 17, 1, 1, 1),
			  ERROR);
	ck_assert(fw_cfg_vmcoreinfo(&r.fw, &paddr, &size));
	ck_assert_uint_eq(paddr, 0x5678000);
	/* Another format is registered, but no ELF note a dump can use. */
	ck_assert_uint_eq(write_vmcoreinfo(&r, SELECT(KEY_VMCOREINFO) | WRITE, 16, 2, 4132,
					   0x5678000), 0);
	ck_assert(r.fw.vmcoreinfo_valid);
	ck_assert(!fw_cfg_vmcoreinfo(&r.fw, &paddr, &size));
	/* Without the file there is nothing to register. */
	struct fw_cfg bare;
	fw_cfg_init(&bare, &r.g.mem, RAM_SIZE, 1);
	ck_assert(!fw_cfg_vmcoreinfo(&bare, &paddr, &size));
	fw_cfg_destroy(&bare);
	rig_free(&r);
}
END_TEST

/* --verbose: one note for the first refused transfer, one per
 * registration; nothing without it. */
START_TEST(verbose_notes)
{
	struct rig r;
	rig_init(&r);
	char *text = NULL;
	size_t len = 0;
	FILE *log = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(log);
	r.fw.log = log;
	ck_assert_uint_eq(dma(&r.fw, r.g.ram, SELECT(KEY_ABC) | READ, 3, RAM_SIZE), ERROR);
	ck_assert_uint_eq(write_vmcoreinfo(&r, SELECT(KEY_VMCOREINFO) | WRITE, 16, 1, 4132,
					   0x1234000), 0);
	fflush(log);
	ck_assert_uint_eq(len, 0);
	r.fw.verbose = true;
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(dma(&r.fw, r.g.ram, SELECT(KEY_ABC) | READ, 3, RAM_SIZE), ERROR);
	ck_assert_uint_eq(write_vmcoreinfo(&r, SELECT(KEY_VMCOREINFO) | WRITE, 16, 1, 4132,
					   0x1234000), 0);
	fclose(log);
	ck_assert_str_eq(text,
			 "minivmm: fw_cfg: guest DMA refused (read buffer outside guest RAM, "
			 "address 0x100000, length 0x3): the guest sees the ERROR bit (said once)\n"
			 "minivmm: fw_cfg: the guest registered its vmcoreinfo: paddr=0x1234000 "
			 "size=0x1024 format=1\n");
	free(text);
	rig_free(&r);
}
END_TEST

Suite *fw_cfg_suite(void)
{
	Suite *s = suite_create("fw_cfg");
	TCase *t = tcase_create("fw_cfg");
	tcase_add_test(t, signature_id_and_keys);
	tcase_add_test(t, other_port_accesses);
	tcase_add_test(t, directory_encoding);
	tcase_add_test(t, add_file_refusals);
	tcase_add_test(t, dma_read_select_and_zero_fill);
	tcase_add_test(t, dma_skip);
	tcase_add_test(t, dma_write_rules);
	tcase_add_test(t, dma_bad_buffers);
	tcase_add_test(t, dma_bad_descriptors);
	tcase_add_test(t, dma_address_latch);
	tcase_add_test(t, vmcoreinfo_rules);
	tcase_add_test(t, verbose_notes);
	suite_add_tcase(s, t);
	return s;
}
