/* Writes small seed inputs for the ELF, PVH-note, virtqueue, PCI, port
 * I/O, fw_cfg and modules fuzz targets (built with the host compiler by
 * tests/fuzz/fuzz.mk, no sanitizers):
 *
 *   fuzz_seeds ELF_DIR NOTE_DIR VIRTQ_DIR PCI_DIR PORTIO_DIR FW_CFG_DIR MODULES_DIR
 *              PORTIO_TRACE
 *
 * ELF_DIR gets two vmlinux look-alikes of a few hundred bytes: an ET_EXEC
 * with two PT_LOADs (one with a bss) and Linux's Xen notes including the
 * PVH entry (as Debian 6.1's vmlinux has them; Xen's docs/misc/pvh.pandoc),
 * and an ET_DYN asking, through its e_ident padding, for a relocated load
 * (see fuzz_elf.c).  NOTE_DIR gets the note bytes alone.  VIRTQ_DIR gets
 * honest split rings as a driver lays them out (virtio 1.2 §2.7): direct
 * chains, an indirect table with EVENT_IDX, indices about to wrap, and a
 * buffer across the hole in its RAM (input layout: fuzz_virtq.h).
 * PCI_DIR gets a driver bringing fuzz_pci.c's virtio device up (virtio
 * 1.2 §3.1.1 over §4.1) and using a queue, with and without the ring
 * features, and a few plain config accesses (layout: fuzz_pci.c).
 * PORTIO_DIR gets the port I/O a Linux boot does to each device (the
 * 8250 probe and console, the i8042 probe, rtc_cmos, PCI conf1, fw_cfg's
 * signature and DMA reads, the ACPI sleep registers) and the ways it ends,
 * and PORTIO_TRACE, a real boot's port I/O, replayed; FW_CFG_DIR the
 * fw_cfg part of each alone (layout: fuzz_portio.h).  MODULES_DIR
 * gets modules folders as -- CMD finds them (modules.order or
 * modules.dep, modules built in, a gzip-compressed module) and a command
 * (layout: fuzz_modules.h). */
#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#include "boot/layout.h"
#include "loader/loader.h"
#include "tests/fuzz/fuzz_modules.h"
#include "tests/fuzz/fuzz_portio.h"
#include "tests/fuzz/fuzz_virtq.h"
#include "vmm/devices/fw_cfg.h"

static unsigned char buf[1024];

static size_t note(size_t off, const char *name, uint32_t type, const void *desc,
		   uint32_t descsz)
{
	Elf64_Nhdr nh = { .n_namesz = (uint32_t)strlen(name) + 1, .n_descsz = descsz,
			  .n_type = type };
	memcpy(buf + off, &nh, sizeof(nh));
	off += sizeof(nh);
	memcpy(buf + off, name, nh.n_namesz);
	off += (nh.n_namesz + 3) & ~3u;
	memcpy(buf + off, desc, descsz);
	return off + ((descsz + 3) & ~3u);
}

/* Linux 6.1's Xen notes (arch/x86/xen/xen-head.S, platform/pvh/head.S):
 * GUEST_OS, XEN_VERSION, ENTRY, then PHYS32_ENTRY (8 bytes on x86-64). */
static size_t linux_notes(size_t off, uint64_t pvh_entry)
{
	static const uint64_t entry = 0xffffffff81000000ULL;
	off = note(off, "Xen", 6, "linux", 6);
	off = note(off, "Xen", 7, "xen-3.0", 8);
	off = note(off, "Xen", 1, &entry, 8);
	return note(off, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &pvh_entry, 8);
}

static void write_file(const char *dir, const char *name, const void *data, size_t size)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

struct seed_seg {
	uint32_t type;
	uint64_t paddr, filesz, memsz, align;
};

/* Ehdr, program headers, then each segment's bytes; PT_NOTE bytes are
 * Linux's notes, PT_LOAD bytes a counting pattern. */
static size_t elf(uint16_t type, uint64_t entry, const struct seed_seg *segs, unsigned n,
		  const unsigned char pad[3])
{
	memset(buf, 0, sizeof(buf));
	size_t off = sizeof(Elf64_Ehdr) + n * sizeof(Elf64_Phdr);
	for (unsigned i = 0; i < n; i++) {
		Elf64_Phdr ph = { .p_type = segs[i].type, .p_flags = PF_R | PF_X,
				  .p_offset = off, .p_vaddr = segs[i].paddr,
				  .p_paddr = segs[i].paddr, .p_filesz = segs[i].filesz,
				  .p_memsz = segs[i].memsz, .p_align = segs[i].align };
		if (segs[i].type == PT_NOTE) {
			ph.p_filesz = linux_notes(off, 0x1000010) - off;
		} else {
			for (uint64_t b = 0; b < segs[i].filesz; b++)
				buf[off + b] = (unsigned char)(b + i);
		}
		memcpy(buf + sizeof(Elf64_Ehdr) + i * sizeof(ph), &ph, sizeof(ph));
		off += (ph.p_filesz + 7) & ~7ULL;
	}
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
			     EV_CURRENT, ELFOSABI_SYSV, 0, pad[0], pad[1], pad[2] },
		.e_type = type, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
		.e_entry = entry, .e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(eh),
		.e_phentsize = sizeof(Elf64_Phdr), .e_phnum = (uint16_t)n,
	};
	memcpy(buf, &eh, sizeof(eh));
	return off;
}

/* ---- Virtqueue seeds: header, then RAM from guest-physical 0 ---- */

static unsigned char vq[FUZZ_VIRTQ_HEADER + 4096];

static void put(size_t ram_off, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vq[FUZZ_VIRTQ_HEADER + ram_off + i] = (unsigned char)(v >> (8 * i));
}

static void vq_header(unsigned char q, unsigned char written, uint16_t start, uint32_t desc,
		      uint32_t avail, uint32_t used)
{
	memset(vq, 0, sizeof(vq));
	vq[0] = q;
	vq[FUZZ_VIRTQ_OFF_WRITTEN] = written;
	for (int i = 0; i < 4; i++) {
		if (i < 2)
			vq[FUZZ_VIRTQ_OFF_START + i] = (unsigned char)(start >> (8 * i));
		vq[FUZZ_VIRTQ_OFF_DESC + i] = (unsigned char)(desc >> (8 * i));
		vq[FUZZ_VIRTQ_OFF_AVAIL + i] = (unsigned char)(avail >> (8 * i));
		vq[FUZZ_VIRTQ_OFF_USED + i] = (unsigned char)(used >> (8 * i));
	}
}

static void vq_desc(uint32_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		    uint16_t next)
{
	put(table + 16 * i + offsetof(struct vring_desc, addr), addr, 8);
	put(table + 16 * i + offsetof(struct vring_desc, len), len, 4);
	put(table + 16 * i + offsetof(struct vring_desc, flags), flags, 2);
	put(table + 16 * i + offsetof(struct vring_desc, next), next, 2);
}

/* avail.ring[slot % size] = head for each head from slot start, and
 * avail.idx = start + n. */
static void vq_avail(uint32_t avail, unsigned size, uint16_t start, const uint16_t *heads,
		     unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		put(avail + offsetof(struct vring_avail, ring) + 2 * ((start + i) % size), heads[i], 2);
	put(avail + offsetof(struct vring_avail, idx), (uint16_t)(start + n), 2);
}

static void virtq_seeds(const char *dir)
{
	enum { R = 0, W = VRING_DESC_F_WRITE, N = VRING_DESC_F_NEXT };
	/* Size 8: a block-style request (header, data, status) at head 0 and
	 * one writable buffer at head 3. */
	static const uint16_t two[] = { 0, 3 };
	vq_header(3, 0, 0, 0x100, 0x200, 0x300);
	vq_desc(0x100, 0, 0x800, 16, R | N, 1);
	vq_desc(0x100, 1, 0xa00, 512, W | N, 2);
	vq_desc(0x100, 2, 0xc00, 1, W, 0);
	vq_desc(0x100, 3, 0xd00, 64, W, 0);
	vq_avail(0x200, 8, 0, two, 2);
	write_file(dir, "seed-direct.virtq", vq, sizeof(vq));

	/* Size 16, EVENT_IDX and INDIRECT_DESC: head 0 an indirect table of
	 * three, head 1 two direct buffers; used_event 0. */
	static const uint16_t ind[] = { 0, 1 };
	vq_header(4 | FUZZ_VIRTQ_EVENT_IDX | FUZZ_VIRTQ_INDIRECT, 0, 0, 0x100, 0x200, 0x240);
	vq_desc(0x400, 0, 0x800, 16, R | N, 1);
	vq_desc(0x400, 1, 0xa00, 512, W | N, 2);
	vq_desc(0x400, 2, 0xc00, 1, W, 0);
	vq_desc(0x100, 0, 0x400, 48, VRING_DESC_F_INDIRECT, 0);
	vq_desc(0x100, 1, 0xd00, 8, R | N, 2);
	vq_desc(0x100, 2, 0xe00, 8, W, 0);
	vq_avail(0x200, 16, 0, ind, 2);
	write_file(dir, "seed-indirect-event-idx.virtq", vq, sizeof(vq));

	/* Size 4 starting at index 65534: two chains take the avail index
	 * across 65536; used.len 3 each. */
	static const uint16_t wrap[] = { 2, 1 };
	vq_header(2 | FUZZ_VIRTQ_EVENT_IDX, 3, 65534, 0x100, 0x140, 0x180);
	vq_desc(0x100, 1, 0x800, 32, W, 0);
	vq_desc(0x100, 2, 0x900, 4, R | N, 3);
	vq_desc(0x100, 3, 0xa00, 4, W, 0);
	vq_avail(0x140, 4, 65534, wrap, 2);
	write_file(dir, "seed-wrap.virtq", vq, sizeof(vq));

	/* Size 2: a good buffer, then one across the hole (broken). */
	static const uint16_t hole[] = { 0, 1 };
	vq_header(1, 0, 0, 0x100, 0x200, 0x300);
	vq_desc(0x100, 0, 0x800, 64, W, 0);
	vq_desc(0x100, 1, FUZZ_VIRTQ_HOLE_START - 16, 32, W, 0);
	vq_avail(0x200, 2, 0, hole, 2);
	write_file(dir, "seed-hole.virtq", vq, sizeof(vq));
}

/* ---- PCI seeds: fuzz_pci.c's 4 KiB of RAM, then 15-byte operations
 * {kind, size code, write, offset le32, value le64} ---- */

#define PCI_SEED_RAM 4096
enum { PCI_CONF1, PCI_ECAM, PCI_WINDOW, PCI_NOTIFY };
/* fuzz_pci.c's device is the only one on the bus: slot 1, its BAR 0 the
 * first in the window, laid out by vmm/devices/virtio/virtio_pci.c. */
#define PCI_SLOT1      (1u << 15)   /* ECAM offset of 00:01.0 */
#define PCI_BAR0       0x0000u      /* window offset; common configuration */
#define PCI_BAR_ISR    0x1000u
#define PCI_BAR_DEVICE 0x2000u
#define PCI_BAR_NOTIFY 0x3000u
#define PCI_BAR_TABLE  0x4000u
#define PCI_BAR_PBA    0x6000u
#define PCI_MSIX_CAP   0x84u        /* the fifth capability: after common, notify, ISR, device */

static unsigned char pci[PCI_SEED_RAM + 15 * 64];
static size_t pci_ops;

static void pci_put(size_t off, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pci[off + i] = (unsigned char)(v >> (8 * i));
}

static void pci_op(uint8_t kind, uint32_t size, int write, uint32_t off, uint64_t value)
{
	size_t at = PCI_SEED_RAM + 15 * pci_ops++;
	pci[at] = kind;
	pci[at + 1] = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
	pci[at + 2] = (unsigned char)write;
	pci_put(at + 3, off, 4);
	pci_put(at + 7, value, 8);
}

static void pci_common(uint32_t field, uint32_t size, uint64_t value)
{
	pci_op(PCI_WINDOW, size, 1, PCI_BAR0 + field, value);
}

static void pci_desc(uint32_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	pci_put(table + 16 * i + offsetof(struct vring_desc, addr), addr, 8);
	pci_put(table + 16 * i + offsetof(struct vring_desc, len), len, 4);
	pci_put(table + 16 * i + offsetof(struct vring_desc, flags), flags, 2);
	pci_put(table + 16 * i + offsetof(struct vring_desc, next), next, 2);
}

/* Linux's probe, roughly: the header through conf1 and ECAM, BAR sizing,
 * reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queue 0 (16 entries,
 * the device's size) at 0x000/0x100/0x200 with MSI-X vector 1, MSI-X on,
 * DRIVER_OK; then a notification, the ISR and the device configuration. */
static void pci_bring_up(uint32_t features_lo)
{
	pci_op(PCI_CONF1, 4, 1, 0, 0x80000000u | 1u << 11 | PCI_VENDOR_ID);
	pci_op(PCI_CONF1, 4, 0, 4, 0);
	pci_op(PCI_ECAM, 4, 0, PCI_SLOT1 | PCI_BASE_ADDRESS_0, 0);
	pci_op(PCI_ECAM, 4, 1, PCI_SLOT1 | PCI_BASE_ADDRESS_0, 0xffffffffu);
	pci_op(PCI_ECAM, 4, 0, PCI_SLOT1 | PCI_BASE_ADDRESS_0, 0);
	pci_op(PCI_ECAM, 4, 1, PCI_SLOT1 | PCI_BASE_ADDRESS_0, LAYOUT_PCI_MMIO_START);
	pci_op(PCI_ECAM, 2, 1, PCI_SLOT1 | PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	pci_op(PCI_ECAM, 1, 0, PCI_SLOT1 | PCI_CAPABILITY_LIST, 0);
	pci_common(VIRTIO_PCI_COMMON_STATUS, 1, 0);
	pci_common(VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	pci_common(VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	pci_common(VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	pci_op(PCI_WINDOW, 4, 0, PCI_BAR0 + VIRTIO_PCI_COMMON_DF, 0);
	pci_common(VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	pci_common(VIRTIO_PCI_COMMON_GF, 4, features_lo);
	pci_common(VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	pci_common(VIRTIO_PCI_COMMON_GF, 4, 1);                     /* VERSION_1 */
	pci_common(VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE |
		   VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	pci_op(PCI_WINDOW, 1, 0, PCI_BAR0 + VIRTIO_PCI_COMMON_STATUS, 0);
	pci_common(VIRTIO_PCI_COMMON_MSIX, 2, 0);
	pci_common(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	pci_op(PCI_WINDOW, 2, 0, PCI_BAR0 + VIRTIO_PCI_COMMON_Q_SIZE, 0);
	pci_common(VIRTIO_PCI_COMMON_Q_MSIX, 2, 1);
	pci_common(VIRTIO_PCI_COMMON_Q_DESCLO, 4, 0x000);
	pci_common(VIRTIO_PCI_COMMON_Q_DESCHI, 4, 0);
	pci_common(VIRTIO_PCI_COMMON_Q_AVAILLO, 4, 0x100);
	pci_common(VIRTIO_PCI_COMMON_Q_USEDLO, 4, 0x200);
	pci_common(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	pci_op(PCI_WINDOW, 4, 1, PCI_BAR_TABLE + 16, 0xfee00000u);  /* entry 1 */
	pci_op(PCI_WINDOW, 4, 1, PCI_BAR_TABLE + 16 + 8, 0x41);
	pci_op(PCI_WINDOW, 4, 1, PCI_BAR_TABLE + 16 + 12, 0);       /* unmasked */
	pci_op(PCI_ECAM, 2, 1, PCI_SLOT1 | (PCI_MSIX_CAP + PCI_MSIX_FLAGS), PCI_MSIX_FLAGS_ENABLE);
	pci_common(VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE |
		   VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
	pci_op(PCI_NOTIFY, 2, 1, 0, 0);
	pci_op(PCI_WINDOW, 2, 1, PCI_BAR_NOTIFY, 0);
	pci_op(PCI_WINDOW, 1, 0, PCI_BAR_ISR, 0);
	pci_op(PCI_WINDOW, 4, 0, PCI_BAR_DEVICE, 0);
	pci_op(PCI_WINDOW, 8, 0, PCI_BAR_DEVICE + 8, 0);
	pci_op(PCI_WINDOW, 8, 0, PCI_BAR_PBA, 0);
}

static void pci_seeds(const char *dir)
{
	/* One request waiting in queue 0: a readable then a writable buffer. */
	memset(pci, 0, sizeof(pci));
	pci_ops = 0;
	pci_desc(0, 0, 0x400, 16, VRING_DESC_F_NEXT, 1);
	pci_desc(0, 1, 0x500, 64, VRING_DESC_F_WRITE, 0);
	pci_put(0x100 + offsetof(struct vring_avail, idx), 1, 2);
	pci_bring_up(0);
	write_file(dir, "seed-bring-up.pci", pci, PCI_SEED_RAM + 15 * pci_ops);

	/* INDIRECT_DESC and EVENT_IDX: the request through a table; then a
	 * reset. */
	memset(pci, 0, sizeof(pci));
	pci_ops = 0;
	pci_desc(0, 0, 0x400, 32, VRING_DESC_F_INDIRECT, 0);
	pci_desc(0x400, 0, 0x500, 16, VRING_DESC_F_NEXT, 1);
	pci_desc(0x400, 1, 0x600, 64, VRING_DESC_F_WRITE, 0);
	pci_put(0x100 + offsetof(struct vring_avail, idx), 1, 2);
	pci_bring_up(1u << VIRTIO_RING_F_INDIRECT_DESC | 1u << VIRTIO_RING_F_EVENT_IDX);
	pci_common(VIRTIO_PCI_COMMON_STATUS, 1, 0);
	write_file(dir, "seed-indirect-event-idx.pci", pci, PCI_SEED_RAM + 15 * pci_ops);

	/* A few accesses: the host bridge probed as Linux does, the device's
	 * header, the number of queues. */
	memset(pci, 0, sizeof(pci));
	pci_ops = 0;
	pci_op(PCI_CONF1, 1, 1, 3, 1);
	pci_op(PCI_CONF1, 4, 1, 0, 0x80000000u);
	pci_op(PCI_CONF1, 4, 0, 4, 0);
	pci_op(PCI_ECAM, 4, 0, PCI_SLOT1 | PCI_VENDOR_ID, 0);
	pci_op(PCI_ECAM, 2, 0, PCI_SLOT1 | PCI_STATUS, 0);
	pci_op(PCI_WINDOW, 2, 0, PCI_BAR0 + VIRTIO_PCI_COMMON_NUMQ, 0);
	write_file(dir, "seed-config.pci", pci, PCI_SEED_RAM + 15 * pci_ops);
}

/* ---- Port I/O seeds: 512 bytes of RAM, then 7-byte operations
 * {port le16, flags, value le32} (fuzz_portio.h) ---- */

/* As many operations as libFuzzer's default input size holds. */
#define PIO_MAX_OPS ((4096 - FUZZ_PORTIO_RAM_FILL) / FUZZ_PORTIO_OP)
static unsigned char pio[FUZZ_PORTIO_RAM_FILL + FUZZ_PORTIO_OP * PIO_MAX_OPS];
static size_t pio_ops;

static void pio_op(uint16_t port, uint8_t flags, uint32_t value)
{
	size_t at = FUZZ_PORTIO_RAM_FILL + FUZZ_PORTIO_OP * pio_ops++;
	pio[at] = (unsigned char)port;
	pio[at + 1] = (unsigned char)(port >> 8);
	pio[at + 2] = flags;
	for (int i = 0; i < 4; i++)
		pio[at + 3 + i] = (unsigned char)(value >> (8 * i));
}

static void pio_out8(uint16_t port, uint8_t v) { pio_op(port, FUZZ_PORTIO_WRITE, v); }
static void pio_in8(uint16_t port) { pio_op(port, 0, 0); }

static void pio_ram_be(size_t off, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pio[off + i] = (unsigned char)(v >> (8 * (n - 1 - i)));
}

static void pio_write(const char *dir, const char *name)
{
	write_file(dir, name, pio, FUZZ_PORTIO_RAM_FILL + FUZZ_PORTIO_OP * pio_ops);
	memset(pio, 0, sizeof(pio));
	pio_ops = 0;
}

/* fw_cfg (QEMU docs/specs/fw_cfg.rst), as Linux's qemu_fw_cfg driver and
 * its kdump registration use it: the signature and ID through the
 * selector and data ports, the DMA signature, then DMA reads of the file
 * directory and a file, and a DMA write of etc/vmcoreinfo (key 0x20, the
 * first file by name in fuzz_portio.c).  Descriptors at 0x100, 0x120 and
 * 0x140; buffers at 0x180 and up. */
static void pio_fw_cfg(void)
{
	const uint16_t base = LAYOUT_PORT_FW_CFG;
	pio_op(base + FW_CFG_PORT_SELECTOR, FUZZ_PORTIO_WRITE | FUZZ_PORTIO_SIZE2, FW_CFG_SIGNATURE);
	pio_op(base + FW_CFG_PORT_DATA, FUZZ_PORTIO_COUNT(4), 0);            /* rep insb */
	pio_op(base + FW_CFG_PORT_SELECTOR, FUZZ_PORTIO_WRITE | FUZZ_PORTIO_SIZE2, FW_CFG_ID);
	pio_op(base + FW_CFG_PORT_DATA, FUZZ_PORTIO_COUNT(4), 0);
	pio_op(base + FW_CFG_PORT_DMA_HIGH, FUZZ_PORTIO_SIZE4, 0);
	pio_op(base + FW_CFG_PORT_DMA_LOW, FUZZ_PORTIO_SIZE4, 0);
	pio_ram_be(0x100, (uint32_t)FW_CFG_FILE_DIR << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 4);
	pio_ram_be(0x104, 4 + 3 * FW_CFG_DIR_ENTRY_SIZE, 4);
	pio_ram_be(0x108, 0x180, 8);
	pio_ram_be(0x120, (uint32_t)0x22 << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 4);
	pio_ram_be(0x124, 32, 4);
	pio_ram_be(0x128, 0x1c0, 8);
	pio_ram_be(0x140, (uint32_t)0x20 << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE, 4);
	pio_ram_be(0x144, FW_CFG_VMCOREINFO_SIZE, 4);
	pio_ram_be(0x148, 0x1e0, 8);
	/* { le16 host_format, le16 guest_format ELF, le32 size, le64 paddr } */
	pio[0x1e2] = FW_CFG_VMCOREINFO_FORMAT_ELF;
	pio[0x1e5] = 0x10;
	pio[0x1e9] = 0x10;
	for (uint32_t d = 0x100; d <= 0x140; d += 0x20) {
		pio_op(base + FW_CFG_PORT_DMA_HIGH, FUZZ_PORTIO_WRITE | FUZZ_PORTIO_SIZE4, 0);
		pio_op(base + FW_CFG_PORT_DMA_LOW, FUZZ_PORTIO_WRITE | FUZZ_PORTIO_SIZE4,
		       __builtin_bswap32(d));
	}
}

static void portio_seeds(const char *dir, const char *fw_cfg_dir)
{
	/* Linux's 8250 probe and set-up (drivers/tty/serial/8250/8250_port.c
	 * autoconfig, over the PC16550D registers): IER scratch test, the
	 * loopback test through MCR and MSR, the FIFO test through FCR and
	 * IIR, the divisor latch for 115200 8n1, the interrupts on, a line
	 * written polling LSR, the input read, the IIR read. */
	const uint16_t com = LAYOUT_PORT_COM1;
	pio_in8(com + 1);
	pio_out8(com + 1, 0);
	pio_in8(com + 1);
	pio_out8(com + 1, 0x0f);
	pio_in8(com + 1);
	pio_out8(com + 7, 0xa5);
	pio_in8(com + 7);
	pio_out8(com + 4, 0x10 | 0x0a);         /* loopback, OUT2, RTS */
	pio_in8(com + 6);
	pio_out8(com + 4, 0x0b);
	pio_out8(com + 2, 0x07);                /* FIFO on, both cleared */
	pio_in8(com + 2);
	pio_out8(com + 3, 0x80);                /* DLAB */
	pio_out8(com + 0, 0x01);
	pio_out8(com + 1, 0x00);
	pio_out8(com + 3, 0x03);                /* 8n1 */
	pio_out8(com + 1, 0x03);                /* RDI, THRI */
	pio_in8(com + 2);
	for (const char *c = "Linux\r\n"; *c; c++) {
		pio_in8(com + 5);
		pio_out8(com + 0, (uint8_t)*c);
	}
	/* THRI off: the console's writes wait in KVM's coalesced ring. */
	pio_out8(com + 1, 0x01);
	for (const char *c = "[    0.000000] Linux version 6.1.0\r\n"; *c; c++)
		pio_op(com + 0, FUZZ_PORTIO_WRITE | FUZZ_PORTIO_COALESCED, (uint8_t)*c);
	pio_op(com + 0, FUZZ_PORTIO_COUNT(6), 0);
	pio_in8(com + 5);
	pio_in8(com + 2);
	/* The i8042 probe Linux's i8042 driver does: status, the CTR read and
	 * written back, the controller self test. */
	pio_in8(LAYOUT_PORT_I8042_COMMAND);
	pio_out8(LAYOUT_PORT_I8042_COMMAND, 0x20);
	pio_in8(LAYOUT_PORT_I8042_DATA);
	pio_out8(LAYOUT_PORT_I8042_COMMAND, 0x60);
	pio_out8(LAYOUT_PORT_I8042_DATA, 0x45);
	pio_out8(LAYOUT_PORT_I8042_COMMAND, 0xaa);
	pio_in8(LAYOUT_PORT_I8042_DATA);
	/* rtc_cmos: register A (update in progress?), B, the time, and a
	 * CMOS byte written and read back (MC146818 data sheet). */
	static const uint8_t rtc_regs[] = { 0x0a, 0x0b, 0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x0d };
	for (size_t i = 0; i < sizeof(rtc_regs); i++) {
		pio_out8(LAYOUT_PORT_RTC, rtc_regs[i]);
		pio_in8(LAYOUT_PORT_RTC + 1);
	}
	pio_out8(LAYOUT_PORT_RTC, 0x0b);
	pio_out8(LAYOUT_PORT_RTC + 1, 0x02);
	pio_out8(LAYOUT_PORT_RTC, 0x40);
	pio_out8(LAYOUT_PORT_RTC + 1, 0x99);
	pio_in8(LAYOUT_PORT_RTC + 1);
	/* PCI conf1: the host bridge's ID, then an empty slot. */
	pio_op(LAYOUT_PORT_PCI_CONFIG, FUZZ_PORTIO_WRITE | FUZZ_PORTIO_SIZE4, 0x80000000u);
	pio_op(LAYOUT_PORT_PCI_CONFIG + 4, FUZZ_PORTIO_SIZE4, 0);
	pio_op(LAYOUT_PORT_PCI_CONFIG, FUZZ_PORTIO_WRITE | FUZZ_PORTIO_SIZE4, 0x80000800u);
	pio_op(LAYOUT_PORT_PCI_CONFIG + 6, FUZZ_PORTIO_SIZE2, 0);
	pio_fw_cfg();
	/* pvpanic's events read; ACPI (6.4 §4.8.3.7): WAK_STS cleared, a
	 * sleep to S3 (answered by a wake), then S5 soft off. */
	pio_in8(LAYOUT_PORT_PVPANIC);
	pio_out8(LAYOUT_PORT_ACPI_SLEEP_STATUS, 0x80);
	pio_out8(LAYOUT_PORT_ACPI_SLEEP_CONTROL, 3 << 2 | 1 << 5);
	pio_in8(LAYOUT_PORT_ACPI_SLEEP_STATUS);
	pio_out8(LAYOUT_PORT_ACPI_SLEEP_CONTROL, 5 << 2 | 1 << 5);
	pio_write(dir, "seed-boot.portio");

	/* The ends: a panic reported, a reset through the i8042 and ACPI, a
	 * debug exit. */
	pio_out8(LAYOUT_PORT_PVPANIC, 1);
	pio_out8(LAYOUT_PORT_I8042_COMMAND, 0xfe);
	pio_out8(LAYOUT_PORT_ACPI_RESET, 0x0e);
	pio_out8(LAYOUT_PORT_DEBUG_EXIT, 0x21);
	pio_write(dir, "seed-ends.portio");

	pio_fw_cfg();
	pio_write(fw_cfg_dir, "seed-dma.fw_cfg");
	pio_fw_cfg();
	pio_write(dir, "seed-fw_cfg.portio");
}

/* A recorded boot (scripts/record-portio.sh: "r|w PORT SIZE COUNT VALUE"
 * lines, hex), replayed: into PORTIO_DIR in pieces of PIO_MAX_OPS
 * accesses, and its fw_cfg accesses alone into FW_CFG_DIR.  Its RAM fill
 * is zeros: the trace holds no guest memory, so its DMA addresses point
 * outside the fuzz RAM.  KVM reports no exit for the writes it coalesces;
 * they are not in the trace. */
static void pio_trace_seeds(const char *trace, const char *dir, const char *fw_cfg_dir)
{
	FILE *f = fopen(trace, "r");
	if (!f) {
		perror(trace);
		exit(1);
	}
	static unsigned char fw[sizeof(pio)];
	size_t fw_len = FUZZ_PORTIO_RAM_FILL, line = 0;
	unsigned piece = 0;
	char text[256], name[64];
	while (fgets(text, sizeof(text), f)) {
		line++;
		char dir_c;
		unsigned port, size, count, value;
		if (text[0] == '#')
			continue;
		if (sscanf(text, "%c %x %u %u %x", &dir_c, &port, &size, &count, &value) != 5 ||
		    (dir_c != 'r' && dir_c != 'w') || port > 0xffff ||
		    (size != 1 && size != 2 && size != 4) || count < 1) {
			fprintf(stderr, "%s:%zu: not an access line\n", trace, line);
			exit(1);
		}
		uint8_t flags = (uint8_t)((size == 1 ? FUZZ_PORTIO_SIZE1 : size == 2 ? FUZZ_PORTIO_SIZE2
					   : FUZZ_PORTIO_SIZE4) |
					  (dir_c == 'w' ? FUZZ_PORTIO_WRITE : 0) |
					  FUZZ_PORTIO_COUNT(count > 8 ? 8 : count));
		pio_op((uint16_t)port, flags, value);
		if (port >= LAYOUT_PORT_FW_CFG && port < LAYOUT_PORT_FW_CFG + 12 &&
		    fw_len + FUZZ_PORTIO_OP <= FUZZ_PORTIO_RAM_FILL + FUZZ_PORTIO_OP * PIO_MAX_OPS) {
			memcpy(fw + fw_len, pio + FUZZ_PORTIO_RAM_FILL + FUZZ_PORTIO_OP * (pio_ops - 1),
			       FUZZ_PORTIO_OP);
			fw_len += FUZZ_PORTIO_OP;
		}
		if (pio_ops == PIO_MAX_OPS) {
			snprintf(name, sizeof(name), "seed-trace-%02u.portio", piece++);
			pio_write(dir, name);
		}
	}
	fclose(f);
	if (pio_ops) {
		snprintf(name, sizeof(name), "seed-trace-%02u.portio", piece);
		pio_write(dir, name);
	}
	write_file(fw_cfg_dir, "seed-trace.fw_cfg", fw, fw_len);
}

/* ---- Modules seeds: a modules folder and a command (fuzz_modules.h) ---- */

static unsigned char mods[8192];
static size_t mods_len;

static void mods_part(const void *data, size_t len)
{
	if (mods_len)
		mods_len += (size_t)sprintf((char *)mods + mods_len, "%s", FUZZ_MODULES_SEP);
	memcpy(mods + mods_len, data, len);
	mods_len += len;
}

static void mods_text(const char *text) { mods_part(text, strlen(text)); }

/* A kernel module as modpost and the linker leave it, reduced: an ET_REL
 * x86-64 ELF64 with sections null, .modinfo ("key=value" strings with
 * their NULs, include/linux/moduleparam.h MODULE_INFO) and .shstrtab. */
static size_t ko(unsigned char *out, const char *name, const char *depends)
{
	static const char shstrtab[] = "\0.modinfo\0.shstrtab";
	char info[256];
	int n = snprintf(info, sizeof(info), "license=GPL%cdepends=%s%cretpoline=Y%cname=%s%c"
			 "vermagic=6.1.0-fuzz-amd64 SMP preempt mod_unload modversions %c", 0,
			 depends, 0, 0, name, 0, 0);
	size_t info_off = sizeof(Elf64_Ehdr), str_off = info_off + (size_t)n;
	size_t shoff = (str_off + sizeof(shstrtab) + 7) & ~(size_t)7;
	memset(out, 0, shoff + 3 * sizeof(Elf64_Shdr));
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
			     EV_CURRENT, ELFOSABI_SYSV },
		.e_type = ET_REL, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
		.e_shoff = shoff, .e_ehsize = sizeof(Elf64_Ehdr),
		.e_shentsize = sizeof(Elf64_Shdr), .e_shnum = 3, .e_shstrndx = 2,
	};
	Elf64_Shdr sh[3] = {
		{ 0 },
		{ .sh_name = 1, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC,
		  .sh_offset = info_off, .sh_size = (uint64_t)n, .sh_addralign = 1 },
		{ .sh_name = 10, .sh_type = SHT_STRTAB, .sh_offset = str_off,
		  .sh_size = sizeof(shstrtab), .sh_addralign = 1 },
	};
	memcpy(out, &eh, sizeof(eh));
	memcpy(out + info_off, info, (size_t)n);
	memcpy(out + str_off, shstrtab, sizeof(shstrtab));
	memcpy(out + shoff, sh, sizeof(sh));
	return shoff + sizeof(sh);
}

static void mods_ko(const char *name, const char *depends)
{
	unsigned char k[1024];
	mods_part(k, ko(k, name, depends));
}

static uint32_t crc32(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int b = 0; b < 8; b++)
			c = c >> 1 ^ (0xedb88320u & -(c & 1));
	}
	return ~c;
}

/* fuse.ko.gz as gzip -n writes a member (RFC 1952), its deflate data one
 * stored block (RFC 1951 3.2.4), enough for zlib's inflate. */
static void mods_ko_gz(const char *name, const char *depends)
{
	unsigned char k[1024], gz[1100];
	size_t n = ko(k, name, depends), g = 0;
	static const unsigned char head[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
	memcpy(gz, head, sizeof(head));
	g = sizeof(head);
	gz[g++] = 1;   /* BFINAL, stored */
	gz[g++] = (unsigned char)n;
	gz[g++] = (unsigned char)(n >> 8);
	gz[g++] = (unsigned char)~n;
	gz[g++] = (unsigned char)(~n >> 8);
	memcpy(gz + g, k, n);
	g += n;
	uint32_t crc = crc32(k, n);
	for (int i = 0; i < 4; i++)
		gz[g++] = (unsigned char)(crc >> (8 * i));
	for (int i = 0; i < 4; i++)
		gz[g++] = (unsigned char)(n >> (8 * i));
	mods_part(gz, g);
}

static void modules_seeds(const char *dir)
{
	static const char order[] = "kernel/drivers/virtio_pci.ko\nkernel/drivers/virtio_console.ko\n"
		"kernel/fs/virtiofs.ko\nkernel/fs/overlay.ko\nkernel/fs/fuse.ko\n";
	static const char command[] = "sh\n-c\necho hello; ls /mnt\ncwd=/home/user\n"
		"env=PATH=/usr/bin:/bin\nenv=TERM=dumb\nshare=minivmm-share0,/mnt";

	/* Debian's cloud kernel, roughly: the virtio core built in, the rest
	 * modules found through modules.order, fuse compressed; depends= in
	 * .modinfo gives virtiofs -> fuse. */
	mods_len = 0;
	mods_text("kernel/drivers/virtio/virtio.ko\nkernel/drivers/virtio/virtio_ring.ko\n"
		  "kernel/drivers/virtio/virtio_pci_modern_dev.ko\n");
	mods_text("");
	mods_text(order);
	mods_ko("virtio_pci", "virtio_pci_modern_dev");
	mods_ko("virtio_console", "");
	mods_ko("virtiofs", "fuse");
	mods_ko("overlay", "");
	mods_ko_gz("fuse", "");
	mods_text(command);
	write_file(dir, "seed-order.modules", mods, mods_len);

	/* modules.dep(5) instead, virtio_pci_modern_dev built in. */
	mods_len = 0;
	mods_text("kernel/drivers/virtio/virtio_pci_modern_dev.ko\n");
	mods_text("kernel/drivers/virtio_pci.ko:\nkernel/drivers/virtio_console.ko:\n"
		  "kernel/fs/virtiofs.ko: kernel/fs/fuse.ko.gz\nkernel/fs/overlay.ko:\n"
		  "kernel/fs/fuse.ko.gz:\n");
	mods_text(order);
	mods_ko("virtio_pci", "virtio_pci_modern_dev");
	mods_ko("virtio_console", "");
	mods_ko("virtiofs", "fuse");
	mods_ko("overlay", "");
	mods_ko_gz("fuse", "");
	mods_text("true");
	write_file(dir, "seed-dep.modules", mods, mods_len);

	/* Everything built in: no module at all. */
	mods_len = 0;
	mods_text("kernel/drivers/virtio/virtio_pci.ko\nkernel/drivers/char/virtio_console.ko\n"
		  "kernel/fs/fuse/virtiofs.ko\nkernel/fs/overlayfs/overlay.ko\n");
	for (int i = 1; i < FUZZ_MODULES_COMMAND; i++)
		mods_text("");
	mods_text(command);
	write_file(dir, "seed-builtin.modules", mods, mods_len);
}

int main(int argc, char **argv)
{
	if (argc != 9) {
		fprintf(stderr, "usage: %s ELF_DIR NOTE_DIR VIRTQ_DIR PCI_DIR PORTIO_DIR FW_CFG_DIR "
			"MODULES_DIR PORTIO_TRACE\n", argv[0]);
		return 2;
	}
	static const struct seed_seg vmlinux[] = {
		{ PT_LOAD, 0x1000000, 0x40, 0x2000, 0x200000 },
		{ PT_LOAD, 0x1200000, 0x20, 0x20, 0x1000 },
		{ PT_NOTE, 0, 0, 0, 4 },
	};
	static const unsigned char at_link[3] = { 0, 0, 0 };
	static const unsigned char relocated[3] = { 0x00, 0x21, 21 };  /* 0x2100000, 2 MiB */
	write_file(argv[1], "seed-vmlinux-pvh.elf", buf,
		   elf(ET_EXEC, 0x1000000, vmlinux, 3, at_link));
	write_file(argv[1], "seed-dyn-relocated.elf", buf,
		   elf(ET_DYN, 0x1000008, vmlinux, 2, relocated));
	memset(buf, 0, sizeof(buf));
	write_file(argv[2], "seed-linux-xen.note", buf, linux_notes(0, 0x1000010));
	virtq_seeds(argv[3]);
	pci_seeds(argv[4]);
	portio_seeds(argv[5], argv[6]);
	pio_trace_seeds(argv[8], argv[5], argv[6]);
	modules_seeds(argv[7]);
	return 0;
}
