/* Bus 0 behind the host bridge: configuration space through conf1 and
 * ECAM, BAR placement and decoding, capability lists.  Every offset and
 * size the guest gives is checked here; a device sees only accesses that
 * fit its registers. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "boot/layout.h"
#include "common/byteorder.h"
#include "vmm/pci/pci.h"

/* Host bridge IDs: Intel's 8086:0d57, which Firecracker and Cloud
 * Hypervisor also give, is not one of the chipsets whose own MMCONFIG
 * registers Linux reads instead of MCFG. */
#define PCI_HOST_BRIDGE_VENDOR 0x8086
#define PCI_HOST_BRIDGE_DEVICE 0x0d57
#define PCI_CLASS_HOST_BRIDGE  0x0600   /* base class 06 bridge, subclass 00 host
					   (PCI Code and ID Assignment spec) */
#define PCI_CAP_FIRST 0x40   /* capabilities follow the type 0 header (PCI 3.0 §6.7) */

void pci_config_set8(struct pci_device *d, uint32_t offset, uint8_t v)
{
	d->config[offset] = v;
}

void pci_config_set16(struct pci_device *d, uint32_t offset, uint16_t v)
{
	le_put(d->config + offset, v, 2);
}

void pci_config_set32(struct pci_device *d, uint32_t offset, uint32_t v)
{
	le_put(d->config + offset, v, 4);
}

uint16_t pci_config_get16(const struct pci_device *d, uint32_t offset)
{
	return (uint16_t)le_get(d->config + offset, 2);
}

/* Each capability dword aligned and linked from the one before, the list
 * from the Capabilities Pointer, the status register saying there is one
 * (PCI 3.0 §6.7). */
uint8_t pci_config_add_cap(struct pci_device *d, const void *data, uint8_t len)
{
	uint32_t at = d->cap_end ? d->cap_end : PCI_CAP_FIRST;
	if (len < 2 || at + len > PCI_CONFIG_SIZE)
		return 0;
	memcpy(d->config + at, data, len);
	d->config[at + PCI_CAP_LIST_NEXT] = 0;
	if (!d->config[PCI_CAPABILITY_LIST]) {
		d->config[PCI_CAPABILITY_LIST] = (uint8_t)at;
	} else {
		uint32_t p = d->config[PCI_CAPABILITY_LIST];
		while (d->config[p + PCI_CAP_LIST_NEXT])
			p = d->config[p + PCI_CAP_LIST_NEXT];
		d->config[p + PCI_CAP_LIST_NEXT] = (uint8_t)at;
	}
	d->config[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	d->cap_end = (uint16_t)((at + len + 3) & ~3u);
	return (uint8_t)at;
}

/* The registers of the type 0 header the guest may write (PCI 3.0 §6.2):
 * the command bits for memory and I/O decoding, bus mastering and INTx
 * disable, the cache line size and interrupt line scratch registers, and
 * each BAR's address bits above its size (§6.2.5.1: what sizing reads). */
static void pci_header_wmask(struct pci_device *d)
{
	le_put(d->wmask + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
	       PCI_COMMAND_INTX_DISABLE, 2);
	d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
	for (int i = 0; i < PCI_BARS; i++)
		if (d->bar_size[i])
			le_put(d->wmask + PCI_BASE_ADDRESS_0 + 4 * i,
			       ~(d->bar_size[i] - 1) & PCI_BASE_ADDRESS_MEM_MASK, 4);
}

void pci_bus_init(struct pci_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
	bus->next_bar = LAYOUT_PCI_MMIO_START;
	bus->next_gsi = LAYOUT_MSI_GSI_FIRST;
	struct pci_device *hb = &bus->host_bridge;
	hb->name = "host-bridge";
	pci_config_set16(hb, PCI_VENDOR_ID, PCI_HOST_BRIDGE_VENDOR);
	pci_config_set16(hb, PCI_DEVICE_ID, PCI_HOST_BRIDGE_DEVICE);
	pci_config_set16(hb, PCI_CLASS_DEVICE, PCI_CLASS_HOST_BRIDGE);
	le_put(hb->wmask + PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
	for (int i = 0; i < PCI_BARS; i++)
		hb->bar_addr[i] = PCI_BAR_NONE;
	bus->slots[0] = hb;
}

/* Where BAR i decodes now: nowhere while memory decoding is off (Linux
 * turns it off while it sizes the BARs, PCI 3.0 §6.2.5.1), nor outside
 * the window the host bridge forwards (over RAM, KVM would never exit). */
static uint64_t pci_bar_decode(const struct pci_device *d, int i)
{
	uint32_t size = d->bar_size[i];
	if (!size || !(pci_config_get16(d, PCI_COMMAND) & PCI_COMMAND_MEMORY))
		return PCI_BAR_NONE;
	uint64_t addr = le_get(d->config + PCI_BASE_ADDRESS_0 + 4 * i, 4) & PCI_BASE_ADDRESS_MEM_MASK;
	if (addr < LAYOUT_PCI_MMIO_START || addr > LAYOUT_PCI_MMIO_END - size)
		return PCI_BAR_NONE;
	return addr;
}

static void pci_update_bars(struct pci_device *d)
{
	for (int i = 0; i < PCI_BARS; i++) {
		uint64_t now = pci_bar_decode(d, i), old = d->bar_addr[i];
		if (now == old)
			continue;
		d->bar_addr[i] = now;
		if (d->bar_moved)
			d->bar_moved(d, i, old, now);
	}
}

int pci_bus_add(struct pci_bus *bus, struct pci_device *d, struct error *err)
{
	int slot = 1;
	while (slot < PCI_SLOTS && bus->slots[slot])
		slot++;
	if (slot == PCI_SLOTS)
		return error_set(err, "%s: no free PCI slot (bus 0 has %d)", d->name, PCI_SLOTS);
	uint64_t next = bus->next_bar;
	for (int i = 0; i < PCI_BARS; i++) {
		uint32_t size = d->bar_size[i];
		d->bar_addr[i] = PCI_BAR_NONE;
		if (!size)
			continue;
		next = (next + size - 1) & ~(uint64_t)(size - 1);
		if (next + size > LAYOUT_PCI_MMIO_END)
			return error_set(err, "%s: no room for its BARs in the PCI window", d->name);
		pci_config_set32(d, PCI_BASE_ADDRESS_0 + 4 * i, (uint32_t)next);
		next += size;
	}
	bus->next_bar = next;
	d->slot = (uint8_t)slot;
	pci_header_wmask(d);
	pci_config_set16(d, PCI_COMMAND, PCI_COMMAND_MEMORY);
	bus->slots[slot] = d;
	pci_update_bars(d);
	return 0;
}

int pci_bus_alloc_gsis(struct pci_bus *bus, uint32_t n, uint32_t *first, struct error *err)
{
	if (n > LAYOUT_MSI_GSI_END - bus->next_gsi)
		return error_set(err, "no GSIs left for %u more MSI-X vectors", n);
	*first = bus->next_gsi;
	bus->next_gsi += n;
	return 0;
}

/* Function 0 of slot on bus 0, or NULL: nothing answers there. */
static struct pci_device *pci_find(struct pci_bus *bus, uint32_t bus_nr, uint32_t slot,
				   uint32_t fn)
{
	if (bus_nr != 0 || fn != 0 || slot >= PCI_SLOTS)
		return NULL;
	return bus->slots[slot];
}

/* One config access at offset (any offset below 4 KiB, sizes 1, 2, 4 at
 * natural alignment).  No function: reads all ones (PCI 3.0 §6.1, how
 * software finds empty slots).  Beyond the 256 bytes of conventional
 * space: zeroes, an empty extended capability list (PCIe Base §7.6). */
static void pci_config_access(struct pci_device *d, uint32_t offset,
			      bool is_write, uint8_t *data, uint32_t size)
{
	bool fits = (size == 1 || size == 2 || size == 4) && offset % size == 0;
	if (!d || !fits || offset + size > PCI_CONFIG_SIZE) {
		if (!is_write)
			memset(data, d && fits ? 0x00 : 0xff, size);
		return;
	}
	if (!is_write) {
		memcpy(data, d->config + offset, size);
		return;
	}
	for (uint32_t i = 0; i < size; i++) {
		uint8_t m = d->wmask[offset + i];
		d->config[offset + i] = (uint8_t)((d->config[offset + i] & ~m) | (data[i] & m));
	}
	if (offset < PCI_COMMAND + 2 ||
	    (offset < PCI_BASE_ADDRESS_5 + 4 && offset + size > PCI_BASE_ADDRESS_0))
		pci_update_bars(d);
	if (d->config_written)
		d->config_written(d, offset, size);
}

/* conf1 (PCI 3.0 §3.2.2.3.2): a dword write to 0xcf8 latches the address
 * (enable bit 31, bus 23:16, device 15:11, function 10:8, register 7:2);
 * 0xcfc-0xcff are the data bytes of that dword.  Other accesses to 0xcf8
 * are not config cycles: Linux's probe writes a byte to 0xcfb and expects
 * the dword it wrote back (arch/x86 pci_check_type1). */
void pci_conf1_io(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	struct pci_bus *bus = opaque;
	if (offset < 4) {
		if (offset == 0 && size == 4) {
			if (is_write)
				bus->conf1_address = (uint32_t)le_get(data, 4);
			else
				le_put(data, bus->conf1_address, 4);
		} else if (!is_write) {
			memset(data, 0xff, size);
		}
		return;
	}
	uint32_t a = bus->conf1_address, byte = (uint32_t)offset - 4;
	if (!(a & 0x80000000u) || byte + size > 4) {
		if (!is_write)
			memset(data, 0xff, size);
		return;
	}
	struct pci_device *d = pci_find(bus, (a >> 16) & 0xff, (a >> 11) & 0x1f, (a >> 8) & 7);
	pci_config_access(d, (a & 0xfc) + byte, is_write, data, size);
}

/* ECAM (PCIe Base §7.2.2): bus 27:20, device 19:15, function 14:12,
 * register 11:0 of the offset. */
void pci_ecam_mmio(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	struct pci_bus *bus = opaque;
	struct pci_device *d = pci_find(bus, (uint32_t)(offset >> 20), (offset >> 15) & 0x1f,
					(offset >> 12) & 7);
	pci_config_access(d, offset & 0xfff, is_write, data, size);
}

/* The device BAR that decodes gpa, or NULL. */
static struct pci_device *pci_window_find(struct pci_bus *bus, uint64_t gpa, int *bar)
{
	for (int s = 1; s < PCI_SLOTS; s++) {
		struct pci_device *d = bus->slots[s];
		for (int i = 0; d && i < PCI_BARS; i++) {
			uint64_t base = d->bar_addr[i];
			if (base != PCI_BAR_NONE && gpa >= base && gpa - base < d->bar_size[i]) {
				*bar = i;
				return d;
			}
		}
	}
	return NULL;
}

/* The BAR window: the device whose BAR decodes the address answers; an
 * access that runs past the BAR's end, or hits nothing, reads all ones. */
void pci_window_mmio(void *opaque, uint64_t offset, bool is_write, uint8_t *data,
		     uint32_t size)
{
	struct pci_bus *bus = opaque;
	uint64_t gpa = LAYOUT_PCI_MMIO_START + offset;
	int bar;
	struct pci_device *d = pci_window_find(bus, gpa, &bar);
	if (d && d->bar_access && gpa - d->bar_addr[bar] + size <= d->bar_size[bar]) {
		d->bar_access(d, bar, gpa - d->bar_addr[bar], is_write, data, size);
		return;
	}
	if (!is_write)
		memset(data, 0xff, size);
	if (bus->verbose)
		fprintf(stderr, "minivmm: PCI: unclaimed MMIO %s at 0x%" PRIx64 " size %u\n",
			is_write ? "write" : "read", gpa, size);
}
