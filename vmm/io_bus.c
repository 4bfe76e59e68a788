#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <linux/kvm.h>

#include "vmm/io_bus.h"

void io_bus_init(struct io_bus *bus, uint64_t end)
{
	memset(bus, 0, sizeof(*bus));
	bus->end = end;
	pthread_mutex_init(&bus->lock, NULL);
}

void io_bus_destroy(struct io_bus *bus)
{
	pthread_mutex_destroy(&bus->lock);
}

int io_bus_add(struct io_bus *bus, uint64_t base, uint64_t len, io_handler_fn *handler,
	       void *opaque, const char *name)
{
	if (bus->nranges >= IO_BUS_MAX_RANGES || len == 0 || base >= bus->end ||
	    len > bus->end - base)
		return -1;
	for (int i = 0; i < bus->nranges; i++) {
		const struct io_range *r = &bus->ranges[i];
		if (base < r->base + r->len && r->base < base + len)
			return -1;
	}
	bus->ranges[bus->nranges++] = (struct io_range){ base, len, handler, opaque, name };
	return 0;
}

/* With bus->lock held. */
static void io_bus_dispatch(struct io_bus *bus, uint64_t addr, bool is_write, uint8_t *data,
			    uint32_t size)
{
	for (int i = 0; i < bus->nranges; i++) {
		const struct io_range *r = &bus->ranges[i];
		if (addr >= r->base && addr - r->base < r->len) {
			r->handler(r->opaque, addr - r->base, is_write, data, size);
			return;
		}
	}
	if (!is_write)
		memset(data, 0xff, size);
	if (bus->verbose)
		fprintf(stderr, "minivmm: unhandled %s %s 0x%" PRIx64 " size %u\n",
			bus->end == IO_BUS_PORTS_END ? "port" : "MMIO",
			is_write ? "write" : "read", addr, size);
}

void io_bus_access(struct io_bus *bus, uint64_t addr, bool is_write, uint8_t *data,
		   uint32_t size)
{
	pthread_mutex_lock(&bus->lock);
	io_bus_dispatch(bus, addr, is_write, data, size);
	pthread_mutex_unlock(&bus->lock);
}

/* The ring (api.rst 4.116): KVM appends at last, we consume from first;
 * first == last means empty.  The indices live in memory KVM shares with
 * us, so they are checked before use. */
void io_bus_drain_coalesced(struct io_bus *bus)
{
	struct kvm_coalesced_mmio_ring *ring = bus->ring;
	if (!ring || __atomic_load_n(&ring->first, __ATOMIC_RELAXED) ==
			     __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&bus->lock);
	uint32_t first = ring->first;
	uint32_t last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
	while (first != last && first < bus->ring_entries && last < bus->ring_entries) {
		struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[first];
		if (e->pio && e->phys_addr <= 0xffff && e->len >= 1 && e->len <= 4)
			io_bus_dispatch(bus, e->phys_addr, true, e->data, e->len);
		first = (first + 1) % bus->ring_entries;
		/* The entry is ours until first moves past it. */
		__atomic_store_n(&ring->first, first, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&bus->lock);
}
