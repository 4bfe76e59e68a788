/* PCI: one host bridge with bus 0 behind it (PCI Local Bus spec 3.0;
 * config access through conf1 ports 0xcf8/0xcfc and ECAM, PCI Express
 * Base spec §7.2.2), its devices' configuration spaces, 32-bit memory
 * BARs in the window layout.h gives, and MSI-X (PCI Local Bus spec 3.0
 * §6.8.2).  The bus assigns slots, BAR addresses and interrupt vectors;
 * a device describes itself in struct pci_device and answers its BARs.
 * Pure: what needs KVM (routes, irqfds, ioeventfds) goes through struct
 * pci_host, which tests can fake. */
#ifndef MINIVMM_VMM_PCI_PCI_H
#define MINIVMM_VMM_PCI_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/pci_regs.h>

#include "common/error.h"

#define PCI_SLOTS        32     /* devices on bus 0; slot 0 is the host bridge */
#define PCI_BARS         6
#define PCI_CONFIG_SIZE  256    /* conventional config space; ECAM reads 0 above */
#define PCI_BAR_NONE     UINT64_MAX

/* What the bus needs from KVM (or from a test). */
struct pci_host {
	void *opaque;
	/* GSI gsi raises the message (address, data). */
	int (*msi_route)(void *opaque, uint32_t gsi, uint64_t address, uint32_t data,
			 struct error *err);
	/* A write to eventfd fd raises gsi. */
	int (*irqfd)(void *opaque, int fd, uint32_t gsi, struct error *err);
	/* Writes of len bytes to addr signal fd (assign) or no longer do. */
	int (*ioeventfd)(void *opaque, uint64_t addr, uint32_t len, int fd, bool assign,
			 struct error *err);
};

/* ---- MSI-X (vmm/pci/msix.c) ------------------------------------------ */

#define MSIX_MAX_VECTORS 128
#define MSIX_CAP_SIZE    12

struct msix_entry {
	uint32_t address_lo, address_hi, data, control;
};

/* A function's MSI-X table and pending bits.  Each vector has its GSI and
 * an eventfd that KVM turns into the interrupt (irqfd); msix_raise writes
 * it when the vector may fire, and otherwise sets its pending bit, which
 * fires once the guest unmasks it (§6.8.2.9). */
struct msix {
	uint16_t nvectors;
	uint32_t gsi[MSIX_MAX_VECTORS];
	int fd[MSIX_MAX_VECTORS];          /* eventfds; -1 in tests that read pending */
	struct msix_entry table[MSIX_MAX_VECTORS];
	uint64_t pending[(MSIX_MAX_VECTORS + 63) / 64];
	bool enabled, masked;              /* Message Control bits 15 and 14 */
	const struct pci_host *host;
	uint32_t fired;                    /* interrupts sent, for tests */
};

/* Every entry masked, nothing pending, MSI-X off (§6.8.2.3, reset). */
void msix_reset(struct msix *x);
/* Table and PBA accesses at offset inside each; any size, any offset: a
 * guest's access that does not fit reads as zeroes and writes nothing. */
void msix_table_access(struct msix *x, uint64_t offset, bool is_write, uint8_t *data,
		       uint32_t size);
void msix_pba_access(struct msix *x, uint64_t offset, bool is_write, uint8_t *data,
		     uint32_t size);
/* The guest wrote Message Control: enable and function mask. */
void msix_control_write(struct msix *x, uint16_t control);
/* Raise vector v (>= nvectors, e.g. virtio's NO_VECTOR: nothing). */
void msix_raise(struct msix *x, uint16_t v);

/* ---- devices and the bus (vmm/pci/pci_bus.c) ------------------------- */

struct pci_device {
	const char *name;
	/* The device fills the header fields it owns with pci_config_* at
	 * setup (IDs, class, capabilities); the bus adds the rest. */
	uint8_t config[PCI_CONFIG_SIZE];
	uint8_t wmask[PCI_CONFIG_SIZE];    /* bits the guest may write */
	uint32_t bar_size[PCI_BARS];       /* memory BARs: powers of two >= 4 KiB; 0 none */
	uint16_t cap_end;                  /* where the next capability goes (0: 0x40) */
	/* Set by the bus. */
	uint8_t slot;
	uint64_t bar_addr[PCI_BARS];       /* where the BAR decodes: PCI_BAR_NONE while
					      memory decoding is off or it lies outside
					      the window */
	/* The guest's access inside BAR bar (decoding), offset from its start. */
	void (*bar_access)(struct pci_device *d, int bar, uint64_t offset, bool is_write,
			   uint8_t *data, uint32_t size);
	/* The guest wrote config bytes [offset, offset + size) (after the
	 * bus applied wmask): capability registers with side effects. */
	void (*config_written)(struct pci_device *d, uint32_t offset, uint32_t size);
	/* Where BAR bar decodes changed (old or new may be PCI_BAR_NONE):
	 * move what KVM knows of it (ioeventfds). */
	void (*bar_moved)(struct pci_device *d, int bar, uint64_t old, uint64_t new_addr);
};

struct pci_bus {
	struct pci_device host_bridge;
	struct pci_device *slots[PCI_SLOTS];
	uint32_t conf1_address;            /* the last value written to 0xcf8 */
	uint64_t next_bar;                 /* where the next BAR goes */
	uint32_t next_gsi;
	bool verbose;
};

/* An empty bus with the host bridge in slot 0. */
void pci_bus_init(struct pci_bus *bus);
/* Puts d in the next free slot and its BARs in the window, decoding
 * (command register's memory bit on, as firmware leaves them).  Errors:
 * no free slot, no room in the window. */
int pci_bus_add(struct pci_bus *bus, struct pci_device *d, struct error *err);
/* n GSIs for a device's MSI-X vectors, from LAYOUT_MSI_GSI_FIRST on. */
int pci_bus_alloc_gsis(struct pci_bus *bus, uint32_t n, uint32_t *first, struct error *err);

/* The guest's accesses: conf1 ports (offset from 0xcf8), ECAM (offset from
 * LAYOUT_PCI_ECAM), the BAR window (offset from LAYOUT_PCI_MMIO_START).
 * opaque is the struct pci_bus.  io_bus handlers (vmm/io_bus.h). */
void pci_conf1_io(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size);
void pci_ecam_mmio(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size);
void pci_window_mmio(void *opaque, uint64_t offset, bool is_write, uint8_t *data,
		     uint32_t size);

/* Config space helpers for a device's setup. */
void pci_config_set8(struct pci_device *d, uint32_t offset, uint8_t v);
void pci_config_set16(struct pci_device *d, uint32_t offset, uint16_t v);
void pci_config_set32(struct pci_device *d, uint32_t offset, uint32_t v);
uint16_t pci_config_get16(const struct pci_device *d, uint32_t offset);
/* Appends a capability of len bytes (data[0] its ID; data[1], the next
 * pointer, is filled in) and returns its offset, or 0 when config space
 * is full. */
uint8_t pci_config_add_cap(struct pci_device *d, const void *data, uint8_t len);

#endif
