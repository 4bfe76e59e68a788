/* fw_cfg as QEMU's hw/nvram/fw_cfg.c behaves on x86 (the I/O port "comb"
 * at 0x510 and the DMA address register at 0x514) and as Linux's
 * drivers/firmware/qemu_fw_cfg.c uses it: the signature and ID through
 * the data port, the directory with `rep insb`, and etc/vmcoreinfo written
 * with one DMA transfer. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/byteorder.h"
#include "vmm/devices/fw_cfg.h"

/* The directory as fw_cfg.rst "File Directory" gives it: a be32 count,
 * then per file be32 size, be16 select, u16 reserved and the name padded
 * with NULs to 56 bytes, in key order (= name order). */
static void fw_cfg_build_dir(struct fw_cfg *fw)
{
	memset(fw->dir, 0, sizeof(fw->dir));
	be_put(fw->dir, (uint64_t)fw->nfiles, 4);
	for (int i = 0; i < fw->nfiles; i++) {
		uint8_t *e = fw->dir + 4 + (size_t)i * FW_CFG_DIR_ENTRY_SIZE;
		be_put(e, fw->files[i].size, 4);
		be_put(e + 4, (uint64_t)(FW_CFG_FILE_FIRST + i), 2);
		memcpy(e + 8, fw->files[i].name, FW_CFG_NAME_SIZE);
	}
	fw->dir_size = 4 + (uint32_t)fw->nfiles * FW_CFG_DIR_ENTRY_SIZE;
}

void fw_cfg_init(struct fw_cfg *fw, struct guest_memory *mem, uint64_t ram_size, int ncpus)
{
	memset(fw, 0, sizeof(*fw));
	fw->mem = mem;
	fw->log = stderr;
	memcpy(fw->signature, "QEMU", 4);
	le_put(fw->id, FW_CFG_VERSION | FW_CFG_VERSION_DMA, 4);
	le_put(fw->ram_size, ram_size, 8);
	/* On x86 QEMU's MAX_CPUS is the APIC ID limit: with APIC ID = index,
	 * the vCPU count. */
	le_put(fw->nb_cpus, (uint64_t)ncpus, 2);
	le_put(fw->max_cpus, (uint64_t)ncpus, 2);
	fw_cfg_build_dir(fw);
	fw->selector = FW_CFG_SIGNATURE;
}

void fw_cfg_destroy(struct fw_cfg *fw)
{
	for (int i = 0; i < fw->nfiles; i++)
		free(fw->files[i].data);
	fw->nfiles = 0;
	fw->vmcoreinfo = NULL;
	fw->vmcoreinfo_valid = false;
}

int fw_cfg_add_file(struct fw_cfg *fw, const char *name, const void *data, size_t size,
		    bool writable, struct error *err)
{
	size_t len = strlen(name);
	if (len == 0 || len > FW_CFG_NAME_MAX)
		return error_set(err, "fw_cfg file name '%s': must be 1 to %d characters", name,
				 FW_CFG_NAME_MAX);
	/* The directory's size field is a be32. */
	if (size >= UINT32_MAX)
		return error_set(err, "fw_cfg file %s: %zu bytes, more than fw_cfg can describe",
				 name, size);
	int at = 0;
	for (; at < fw->nfiles; at++) {
		int c = strcmp(name, fw->files[at].name);
		if (c == 0)
			return error_set(err, "fw_cfg file %s: given twice", name);
		if (c < 0)
			break;
	}
	if (fw->nfiles >= FW_CFG_FILE_SLOTS)
		return error_set(err, "fw_cfg file %s: fw_cfg holds at most %d files", name,
				 FW_CFG_FILE_SLOTS);
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return error_set_host(err, "fw_cfg file %s: out of memory for %zu bytes", name, size);
	if (size)
		memcpy(copy, data, size);
	/* Sorted by name, the keys renumbered, as QEMU does for current
	 * machine types (fw_cfg_add_file_callback). */
	memmove(&fw->files[at + 1], &fw->files[at],
		(size_t)(fw->nfiles - at) * sizeof(fw->files[0]));
	struct fw_cfg_file *f = &fw->files[at];
	memset(f, 0, sizeof(*f));
	memcpy(f->name, name, len);
	f->data = copy;
	f->size = (uint32_t)size;
	f->writable = writable;
	fw->nfiles++;
	fw_cfg_build_dir(fw);
	return 0;
}

int fw_cfg_add_vmcoreinfo(struct fw_cfg *fw, struct error *err)
{
	uint8_t info[FW_CFG_VMCOREINFO_SIZE] = { 0 };
	le_put(info, FW_CFG_VMCOREINFO_FORMAT_ELF, 2);
	if (fw_cfg_add_file(fw, FW_CFG_VMCOREINFO_FILE, info, sizeof(info), true, err) < 0)
		return -1;
	for (int i = 0; i < fw->nfiles; i++)
		if (strcmp(fw->files[i].name, FW_CFG_VMCOREINFO_FILE) == 0)
			fw->vmcoreinfo = fw->files[i].data;
	fw->vmcoreinfo_valid = false;
	return 0;
}

bool fw_cfg_vmcoreinfo(const struct fw_cfg *fw, uint64_t *paddr, uint32_t *size)
{
	if (!fw->vmcoreinfo || !fw->vmcoreinfo_valid ||
	    le_get(fw->vmcoreinfo + 2, 2) != FW_CFG_VMCOREINFO_FORMAT_ELF)
		return false;
	*size = (uint32_t)le_get(fw->vmcoreinfo + 4, 4);
	*paddr = le_get(fw->vmcoreinfo + 8, 8);
	return true;
}

/* The item a key names: its bytes, size and whether DMA may write it.
 * QEMU masks off the historical write-channel bit; the arch-local keys
 * name x86 items minivmm does not have.  Unknown keys read as nothing. */
struct fw_cfg_item {
	uint8_t *data;
	uint32_t size;
	bool writable;
};

static bool fw_cfg_lookup(struct fw_cfg *fw, uint16_t key, struct fw_cfg_item *it)
{
	if (key & FW_CFG_ARCH_LOCAL)
		return false;
	key &= FW_CFG_ENTRY_MASK;
	*it = (struct fw_cfg_item){ NULL, 0, false };
	switch (key) {
	case FW_CFG_SIGNATURE: it->data = fw->signature; it->size = sizeof(fw->signature); break;
	case FW_CFG_ID: it->data = fw->id; it->size = sizeof(fw->id); break;
	case FW_CFG_RAM_SIZE: it->data = fw->ram_size; it->size = sizeof(fw->ram_size); break;
	case FW_CFG_NB_CPUS: it->data = fw->nb_cpus; it->size = sizeof(fw->nb_cpus); break;
	case FW_CFG_MAX_CPUS: it->data = fw->max_cpus; it->size = sizeof(fw->max_cpus); break;
	case FW_CFG_FILE_DIR: it->data = fw->dir; it->size = fw->dir_size; break;
	default:
		if (key < FW_CFG_FILE_FIRST || key - FW_CFG_FILE_FIRST >= fw->nfiles)
			return false;
		struct fw_cfg_file *f = &fw->files[key - FW_CFG_FILE_FIRST];
		it->data = f->data;
		it->size = f->size;
		it->writable = f->writable;
		break;
	}
	return true;
}

/* "Selector Register": a new key, read from its start. */
static void fw_cfg_select(struct fw_cfg *fw, uint16_t key)
{
	fw->selector = key;
	fw->offset = 0;
}

/* "Data Register": the next byte of the item, 0 once past its end. */
static uint8_t fw_cfg_data_read(struct fw_cfg *fw)
{
	struct fw_cfg_item it;
	if (!fw_cfg_lookup(fw, fw->selector, &it) || fw->offset >= it.size)
		return 0;
	return it.data[fw->offset++];
}

/* A DMA write reached etc/vmcoreinfo: the registration counts only when
 * all 16 bytes were written and guest_format is not NONE (QEMU's
 * hw/misc/vmcoreinfo.c fw_cfg_vmci_write); any other write withdraws it. */
static void fw_cfg_vmcoreinfo_written(struct fw_cfg *fw, uint32_t offset, uint32_t len)
{
	const uint8_t *v = fw->vmcoreinfo;
	fw->vmcoreinfo_valid = offset == 0 && len == FW_CFG_VMCOREINFO_SIZE &&
			       le_get(v + 2, 2) != FW_CFG_VMCOREINFO_FORMAT_NONE;
	if (fw->verbose && fw->vmcoreinfo_valid)
		fprintf(fw->log, "minivmm: fw_cfg: the guest registered its vmcoreinfo: "
			"paddr=0x%" PRIx64 " size=0x%" PRIx64 " format=%" PRIu64 "\n",
			le_get(v + 8, 8), le_get(v + 4, 4),
			le_get(v + 2, 2));
}

/* The ERROR bit is the guest's answer; --verbose says so once, since a
 * guest can ask in a loop. */
static uint32_t fw_cfg_dma_fault(struct fw_cfg *fw, const char *what, uint64_t addr,
				 uint64_t len)
{
	if (fw->verbose && !fw->dma_error_noted) {
		fw->dma_error_noted = true;
		fprintf(fw->log, "minivmm: fw_cfg: guest DMA refused (%s, address 0x%" PRIx64
			", length 0x%" PRIx64 "): the guest sees the ERROR bit (said once)\n",
			what, addr, len);
	}
	return FW_CFG_DMA_CTL_ERROR;
}

/* One FWCfgDmaAccess, run to its end as QEMU's fw_cfg_dma_transfer does
 * ("DMA interface"): read the descriptor; SELECT first; then READ, WRITE
 * or SKIP (in that precedence; none of them: nothing); past the item's
 * end a read gives zeros, a skip moves on, a write fails; a write must be
 * allowed and fit the item whole.  Then control is written back as 0 or
 * ERROR.  Each step covers at most the item and then the rest at once, so
 * a 4 GiB length costs two steps; every buffer is checked by guest_memory
 * before a byte moves. */
static void fw_cfg_dma(struct fw_cfg *fw, uint64_t desc_addr)
{
	uint8_t desc[FW_CFG_DMA_ACCESS_SIZE];
	if (guest_memory_read(fw->mem, desc_addr, desc, sizeof(desc)) < 0) {
		/* QEMU writes ERROR into the control word when at least that
		 * much is RAM; when it is not, the guest learns nothing. */
		uint8_t error[4];
		be_put(error, FW_CFG_DMA_CTL_ERROR, 4);
		guest_memory_write(fw->mem, desc_addr, error, sizeof(error));
		fw_cfg_dma_fault(fw, "descriptor outside guest RAM", desc_addr, sizeof(desc));
		return;
	}
	uint32_t control = (uint32_t)be_get(desc, 4);
	uint32_t length = (uint32_t)be_get(desc + 4, 4);
	uint64_t address = be_get(desc + 8, 8);

	if (control & FW_CFG_DMA_CTL_SELECT)
		fw_cfg_select(fw, (uint16_t)(control >> 16));
	bool read = false, write = false;
	if (control & FW_CFG_DMA_CTL_READ)
		read = true;
	else if (control & FW_CFG_DMA_CTL_WRITE)
		write = true;
	else if (!(control & FW_CFG_DMA_CTL_SKIP))
		length = 0;

	struct fw_cfg_item it;
	bool have = fw_cfg_lookup(fw, fw->selector, &it);
	uint32_t result = 0;
	while (length > 0 && !(result & FW_CFG_DMA_CTL_ERROR)) {
		uint32_t len;
		if (!have || fw->offset >= it.size) {
			/* Nothing left of the item: zeros, or nothing. */
			len = length;
			if (read) {
				void *dst = guest_memory_ptr(fw->mem, address, len);
				if (dst)
					memset(dst, 0, len);
				else
					result |= fw_cfg_dma_fault(fw, "read buffer outside guest RAM",
								   address, len);
			} else if (write) {
				result |= fw_cfg_dma_fault(fw, "write past the item's end",
							   address, len);
			}
		} else {
			uint32_t left = it.size - fw->offset;
			len = length < left ? length : left;
			if (read) {
				void *dst = guest_memory_ptr(fw->mem, address, len);
				if (dst)
					memcpy(dst, it.data + fw->offset, len);
				else
					result |= fw_cfg_dma_fault(fw, "read buffer outside guest RAM",
								   address, len);
			} else if (write) {
				/* Items are never resized: a write that would run
				 * past the end is refused whole. */
				const void *src = guest_memory_ptr(fw->mem, address, len);
				if (!it.writable) {
					result |= fw_cfg_dma_fault(fw, "write to a read-only item",
								   address, length);
				} else if (len != length) {
					result |= fw_cfg_dma_fault(fw, "write past the item's end",
								   address, length);
				} else if (!src) {
					result |= fw_cfg_dma_fault(fw, "write buffer outside guest RAM",
								   address, len);
				} else {
					memcpy(it.data + fw->offset, src, len);
					if (it.data == fw->vmcoreinfo)
						fw_cfg_vmcoreinfo_written(fw, fw->offset, len);
				}
			}
			/* QEMU moves on by len whether or not the copy worked. */
			fw->offset += len;
		}
		address += len;
		length -= len;
	}
	uint8_t done[4];
	be_put(done, result, 4);
	guest_memory_write(fw->mem, desc_addr, done, sizeof(done));
}

/* Reads of the DMA address register spell the DMA signature, byte i of
 * the register at port offset FW_CFG_PORT_DMA_HIGH + i (QEMU's
 * fw_cfg_dma_mem_read on a big-endian region). */
static uint8_t fw_cfg_dma_signature_byte(unsigned i)
{
	return (uint8_t)(FW_CFG_DMA_SIGNATURE >> (8 * (7 - i)));
}

void fw_cfg_io(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	struct fw_cfg *fw = opaque;
	if (size == 0)
		return;
	if (!is_write) {
		memset(data, 0xff, size);
		/* QEMU's comb region (fw_cfg_comb_valid): byte reads at the
		 * selector or data port are data reads; wider ones are not
		 * accepted. */
		if (offset <= FW_CFG_PORT_DATA && size == 1) {
			data[0] = fw_cfg_data_read(fw);
			return;
		}
		for (uint32_t i = 0; i < size; i++) {
			uint32_t port = (uint32_t)offset + i;
			if (port >= FW_CFG_PORT_DMA_HIGH && port < FW_CFG_PORTS)
				data[i] = fw_cfg_dma_signature_byte(port - FW_CFG_PORT_DMA_HIGH);
		}
		return;
	}
	/* Writes: a 16-bit selector; byte writes to the data port do nothing
	 * since QEMU 2.4; the DMA address in two big-endian halves, as Linux
	 * writes them with iowrite32be (fw_cfg_dma_mem_write: only 32-bit
	 * writes at +4 and +8 count on x86, which has no 64-bit port I/O). */
	if (offset == FW_CFG_PORT_SELECTOR && size == 2) {
		fw_cfg_select(fw, (uint16_t)le_get(data, 2));
	} else if (offset == FW_CFG_PORT_DMA_HIGH && size == 4) {
		fw->dma_addr = be_get(data, 4) << 32;
	} else if (offset == FW_CFG_PORT_DMA_LOW && size == 4) {
		/* The latched address is cleared before the transfer, so the
		 * next one starts from a zero high half. */
		uint64_t addr = fw->dma_addr | be_get(data, 4);
		fw->dma_addr = 0;
		fw_cfg_dma(fw, addr);
	}
}
