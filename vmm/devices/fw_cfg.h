/* QEMU's fw_cfg device on the x86 ports, with DMA (QEMU docs/specs/fw_cfg.rst,
 * hw/nvram/fw_cfg.c), announced in the DSDT as ACPI device QEMU0002 (as QEMU's
 * hw/i386/fw_cfg.c does), where Linux's qemu_fw_cfg driver finds it.
 *
 * Ports, relative to LAYOUT_PORT_FW_CFG (12 of them, QEMU's _CRS with DMA):
 *
 *   +0       16-bit write: the selector (little-endian, fw_cfg.rst "Selector
 *            Register"); it also rewinds the data offset
 *   +0, +1   8-bit read: the next byte of the selected item, 0 past its end
 *            ("Data Register"; `rep insb` arrives one byte at a time)
 *   +4..+11  the DMA address, big-endian: a 32-bit write at +4 latches the
 *            high half, one at +8 ORs in the low half and runs the transfer
 *            ("DMA Address Register"); reads spell "QEMU CFG"
 *
 * Items: the signature "QEMU" (0x00), the ID with the DMA bit (0x01), the
 * RAM size (0x03, u64 LE), the CPU count (0x05, u16 LE), the CPU limit
 * (0x0f, u16 LE), the file directory (0x19) and the files from 0x20 on,
 * numbered in name order as QEMU does ("File Directory").  Every guest
 * address a transfer uses goes through guest_memory; a bad one gives the
 * guest the ERROR bit, never a host fault. */
#ifndef MINIVMM_VMM_DEVICES_FW_CFG_H
#define MINIVMM_VMM_DEVICES_FW_CFG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"
#include "kvm/guest_memory.h"

#define FW_CFG_PORTS           12     /* selector, data, pad, DMA address */
#define FW_CFG_PORT_SELECTOR   0
#define FW_CFG_PORT_DATA       1
#define FW_CFG_PORT_DMA_HIGH   4
#define FW_CFG_PORT_DMA_LOW    8

/* Selector keys (fw_cfg.rst "Selector Register", QEMU's fw_cfg_keys.h). */
#define FW_CFG_SIGNATURE       0x00
#define FW_CFG_ID              0x01
#define FW_CFG_RAM_SIZE        0x03
#define FW_CFG_NB_CPUS         0x05
#define FW_CFG_MAX_CPUS        0x0f
#define FW_CFG_FILE_DIR        0x19
#define FW_CFG_FILE_FIRST      0x20
#define FW_CFG_WRITE_CHANNEL   0x4000 /* historical, ignored */
#define FW_CFG_ARCH_LOCAL      0x8000 /* x86 items: minivmm has none */
#define FW_CFG_ENTRY_MASK      0x3fff

/* FW_CFG_ID bits: the traditional interface, and DMA. */
#define FW_CFG_VERSION         0x01
#define FW_CFG_VERSION_DMA     0x02

/* QEMU's default number of file slots (FW_CFG_FILE_SLOTS_DFLT). */
#define FW_CFG_FILE_SLOTS      0x20
/* A file name, NUL included (FW_CFG_MAX_FILE_PATH): 55 characters. */
#define FW_CFG_NAME_SIZE       56
#define FW_CFG_NAME_MAX        (FW_CFG_NAME_SIZE - 1)
/* struct FWCfgFile: be32 size, be16 select, u16 reserved, name. */
#define FW_CFG_DIR_ENTRY_SIZE  64

/* struct FWCfgDmaAccess, all big-endian: be32 control, be32 length, be64
 * address ("DMA interface"). */
#define FW_CFG_DMA_ACCESS_SIZE 16
#define FW_CFG_DMA_CTL_ERROR   0x01
#define FW_CFG_DMA_CTL_READ    0x02
#define FW_CFG_DMA_CTL_SKIP    0x04
#define FW_CFG_DMA_CTL_SELECT  0x08
#define FW_CFG_DMA_CTL_WRITE   0x10
/* What the DMA address ports read as: "QEMU CFG" (big-endian). */
#define FW_CFG_DMA_SIGNATURE   0x51454d5520434647ULL

/* etc/vmcoreinfo (QEMU docs/specs/vmcoreinfo.rst): 16 bytes, little-endian
 * { u16 host_format, u16 guest_format, u32 size, u64 paddr }. */
#define FW_CFG_VMCOREINFO_FILE        "etc/vmcoreinfo"
#define FW_CFG_VMCOREINFO_SIZE        16
#define FW_CFG_VMCOREINFO_FORMAT_NONE 0
#define FW_CFG_VMCOREINFO_FORMAT_ELF  1

struct fw_cfg_file {
	char name[FW_CFG_NAME_SIZE];  /* NUL-padded */
	uint8_t *data;                /* owned */
	uint32_t size;
	bool writable;                /* through DMA writes only */
};

struct fw_cfg {
	struct guest_memory *mem;
	FILE *log;            /* stderr; replaceable for tests */
	bool verbose;         /* notes for --verbose */
	bool dma_error_noted;

	/* The fixed items' bytes, as the guest reads them. */
	uint8_t signature[4];
	uint8_t id[4];
	uint8_t ram_size[8];
	uint8_t nb_cpus[2];
	uint8_t max_cpus[2];
	/* The directory: be32 count, then one entry per file.  Its size is
	 * bounded by the file slots, never by the guest. */
	uint8_t dir[4 + FW_CFG_FILE_SLOTS * FW_CFG_DIR_ENTRY_SIZE];
	uint32_t dir_size;

	/* Sorted by name; files[i] has key FW_CFG_FILE_FIRST + i. */
	struct fw_cfg_file files[FW_CFG_FILE_SLOTS];
	int nfiles;

	/* The guest's state: selected key and offset in it, and the DMA
	 * address as latched so far. */
	uint16_t selector;
	uint32_t offset;
	uint64_t dma_addr;

	/* etc/vmcoreinfo: its bytes (inside files[]), and whether the
	 * guest's last write to it was a registration (QEMU's
	 * has_vmcoreinfo). */
	const uint8_t *vmcoreinfo;
	bool vmcoreinfo_valid;
};

/* The fixed items for a machine with ram_size bytes of RAM (what --mem
 * asked for, as QEMU's ram_size) and ncpus vCPUs; no files yet.  Selects
 * the signature, as QEMU's reset does. */
void fw_cfg_init(struct fw_cfg *fw, struct guest_memory *mem, uint64_t ram_size, int ncpus);
void fw_cfg_destroy(struct fw_cfg *fw);

/* Adds a copy of [data, data + size) as file name (at most FW_CFG_NAME_MAX
 * characters), writable through DMA or not.  Refuses a duplicate name, a
 * size of 4 GiB or more, and more than FW_CFG_FILE_SLOTS files.  Files are
 * added before the guest runs. */
int fw_cfg_add_file(struct fw_cfg *fw, const char *name, const void *data, size_t size,
		    bool writable, struct error *err);

/* Adds the writable etc/vmcoreinfo, host_format ELF, the rest 0 (QEMU's
 * vmcoreinfo device after reset). */
int fw_cfg_add_vmcoreinfo(struct fw_cfg *fw, struct error *err);

/* io_bus handler for the FW_CFG_PORTS ports; opaque is the struct fw_cfg. */
void fw_cfg_io(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size);

/* Where the guest registered its VMCOREINFO ELF note: true after a DMA
 * write of all 16 bytes of etc/vmcoreinfo with a guest_format other than
 * NONE (QEMU's has_vmcoreinfo; any later partial write or guest_format 0
 * withdraws it), and only when that format is ELF, the one a dump can use
 * (QEMU's dump skips the others).  paddr and size are the guest's, not
 * checked here.  Not locked: call it with the io_bus lock held or the
 * vCPUs stopped. */
bool fw_cfg_vmcoreinfo(const struct fw_cfg *fw, uint64_t *paddr, uint32_t *size);

#endif
