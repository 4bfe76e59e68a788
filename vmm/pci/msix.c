/* MSI-X (PCI Local Bus spec 3.0 §6.8.2): the vector table and pending bit
 * array a function exposes in a memory BAR, and the Message Control bits
 * in its capability.  A vector fires by writing its eventfd, which KVM
 * turns into the message (irqfd, routed per vector); a masked one sets its
 * pending bit instead and fires when unmasked (§6.8.2.9). */
#include <string.h>
#include <unistd.h>

#include "common/byteorder.h"
#include "vmm/pci/pci.h"

#define MSIX_ENTRY_SIZE 16

void msix_reset(struct msix *x)
{
	memset(x->table, 0, sizeof(x->table));
	for (int v = 0; v < MSIX_MAX_VECTORS; v++)
		x->table[v].control = PCI_MSIX_ENTRY_CTRL_MASKBIT;
	memset(x->pending, 0, sizeof(x->pending));
	x->enabled = false;
	x->masked = false;
}

static bool msix_pending(const struct msix *x, uint16_t v)
{
	return (x->pending[v / 64] >> (v % 64)) & 1;
}

static void msix_set_pending(struct msix *x, uint16_t v, bool on)
{
	if (on)
		x->pending[v / 64] |= 1ULL << (v % 64);
	else
		x->pending[v / 64] &= ~(1ULL << (v % 64));
}

static bool msix_may_fire(const struct msix *x, uint16_t v)
{
	return x->enabled && !x->masked && !(x->table[v].control & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static void msix_fire(struct msix *x, uint16_t v)
{
	uint64_t one = 1;
	x->fired++;
	if (x->fd[v] >= 0 && write(x->fd[v], &one, sizeof(one)) < 0) {
		/* An eventfd's counter cannot overflow from single increments
		 * before the guest has taken ~2^64 interrupts. */
	}
}

void msix_raise(struct msix *x, uint16_t v)
{
	if (v >= x->nvectors)
		return;
	if (msix_may_fire(x, v))
		msix_fire(x, v);
	else
		msix_set_pending(x, v, true);
}

/* A vector that became unmasked with its pending bit set fires now. */
static void msix_deliver_pending(struct msix *x)
{
	for (uint16_t v = 0; v < x->nvectors; v++)
		if (msix_pending(x, v) && msix_may_fire(x, v)) {
			msix_set_pending(x, v, false);
			msix_fire(x, v);
		}
}

/* The route of vector v is what its entry says now; KVM needs it before
 * the vector can fire (§6.8.2.6-8: address, data). */
static void msix_update_route(struct msix *x, uint16_t v)
{
	const struct msix_entry *e = &x->table[v];
	struct error err = { 0 };
	if (x->host && x->host->msi_route)
		x->host->msi_route(x->host->opaque, x->gsi[v],
				   (uint64_t)e->address_hi << 32 | e->address_lo, e->data, &err);
}

/* Entries are four dwords; the guest may access them as dwords or, for
 * the address, a qword (§6.8.2: "aligned full DWORD or aligned full QWORD
 * transactions").  Other accesses read zeroes and write nothing. */
void msix_table_access(struct msix *x, uint64_t offset, bool is_write, uint8_t *data,
		       uint32_t size)
{
	uint64_t v = offset / MSIX_ENTRY_SIZE;
	if ((size != 4 && size != 8) || offset % size || v >= x->nvectors) {
		if (!is_write)
			memset(data, 0, size);
		return;
	}
	uint32_t *regs = &x->table[v].address_lo;
	uint32_t first = (uint32_t)(offset % MSIX_ENTRY_SIZE) / 4;
	if (!is_write) {
		for (uint32_t i = 0; i < size / 4; i++)
			le_put(data + 4 * i, regs[first + i], 4);
		return;
	}
	for (uint32_t i = 0; i < size / 4; i++)
		regs[first + i] = (uint32_t)le_get(data + 4 * i, 4);
	/* Only the mask bit of Vector Control is writable (§6.8.2.9).  A
	 * masked vector cannot fire, so its route waits for the unmask:
	 * Linux masks an entry while it writes the message. */
	x->table[v].control &= PCI_MSIX_ENTRY_CTRL_MASKBIT;
	if (!(x->table[v].control & PCI_MSIX_ENTRY_CTRL_MASKBIT))
		msix_update_route(x, (uint16_t)v);
	msix_deliver_pending(x);
}

/* The PBA is read-only (§6.8.2.10): 64 vectors a qword. */
void msix_pba_access(struct msix *x, uint64_t offset, bool is_write, uint8_t *data,
		     uint32_t size)
{
	if (is_write)
		return;
	memset(data, 0, size);
	for (uint32_t i = 0; i < size; i++)
		if (offset + i < sizeof(x->pending))
			data[i] = (uint8_t)(x->pending[(offset + i) / 8] >> (8 * ((offset + i) % 8)));
}

void msix_control_write(struct msix *x, uint16_t control)
{
	x->enabled = control & PCI_MSIX_FLAGS_ENABLE;
	x->masked = control & PCI_MSIX_FLAGS_MASKALL;
	msix_deliver_pending(x);
}
