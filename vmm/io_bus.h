/* A bus: which device answers which range of addresses.  Two of them carry
 * the guest's accesses (DESIGN "Devices"): port I/O (the x86 I/O ports,
 * KVM_EXIT_IO) and MMIO (guest-physical addresses that are not RAM,
 * KVM_EXIT_MMIO). */
#ifndef MINIVMM_VMM_IO_BUS_H
#define MINIVMM_VMM_IO_BUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* offset: address - base.  data: size bytes (1, 2 or 4 for ports; up to 8
 * for MMIO), little-endian. */
typedef void io_handler_fn(void *opaque, uint64_t offset, bool is_write, uint8_t *data,
			   uint32_t size);

struct io_range {
	uint64_t base;
	uint64_t len;
	io_handler_fn *handler;
	void *opaque;
	const char *name;
};

#define IO_BUS_MAX_RANGES 16

struct kvm_coalesced_mmio_ring;

/* Ranges are added before the vCPUs run and never after; accesses come
 * from every vCPU thread at once and are serialized by lock, since the
 * devices were written for one caller at a time. */
struct io_bus {
	uint64_t end;   /* ranges lie below it: IO_BUS_PORTS_END, IO_BUS_MMIO_END */
	int nranges;
	struct io_range ranges[IO_BUS_MAX_RANGES];
	bool verbose;   /* name accesses to ports nobody owns */
	pthread_mutex_t lock;
	/* KVM's coalesced ring (NULL: none), where port writes to a zone
	 * registered with kvm_vm_coalesce_pio wait instead of exiting. */
	struct kvm_coalesced_mmio_ring *ring;
	uint32_t ring_entries;
};

#define IO_BUS_PORTS_END 0x10000ULL
#define IO_BUS_MMIO_END  UINT64_MAX

/* An empty bus of addresses below end. */
void io_bus_init(struct io_bus *bus, uint64_t end);
void io_bus_destroy(struct io_bus *bus);

/* -1 when the table is full, the range reaches past the bus's end or
 * overlaps one already there. */
int io_bus_add(struct io_bus *bus, uint64_t base, uint64_t len, io_handler_fn *handler,
	       void *opaque, const char *name);

/* Dispatches one access, one vCPU at a time.  An address nobody owns reads
 * as all ones and ignores writes, as an empty ISA or PCI bus does. */
void io_bus_access(struct io_bus *bus, uint64_t addr, bool is_write, uint8_t *data,
		   uint32_t size);

/* Dispatches the port writes waiting in bus->ring, oldest first.  Called
 * after every return from KVM_RUN, before the exit is handled, so devices
 * see accesses in the guest's order; and when the run ends. */
void io_bus_drain_coalesced(struct io_bus *bus);

#endif
