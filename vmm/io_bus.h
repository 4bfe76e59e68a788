/* The port-I/O bus: which device answers which x86 I/O port range. */
#ifndef MINIVMM_VMM_IO_BUS_H
#define MINIVMM_VMM_IO_BUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* offset: port - base.  data: size bytes (1, 2 or 4), little-endian. */
typedef void io_handler_fn(void *opaque, uint16_t offset, bool is_write, uint8_t *data,
			   uint32_t size);

struct io_range {
	uint16_t base;
	uint16_t len;
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
	int nranges;
	struct io_range ranges[IO_BUS_MAX_RANGES];
	bool verbose;   /* name accesses to ports nobody owns */
	pthread_mutex_t lock;
	/* KVM's coalesced ring (NULL: none), where port writes to a zone
	 * registered with kvm_vm_coalesce_pio wait instead of exiting. */
	struct kvm_coalesced_mmio_ring *ring;
	uint32_t ring_entries;
};

/* An empty bus. */
void io_bus_init(struct io_bus *bus);
void io_bus_destroy(struct io_bus *bus);

/* -1 when the table is full or the range overlaps one already there. */
int io_bus_add(struct io_bus *bus, uint16_t base, uint16_t len, io_handler_fn *handler,
	       void *opaque, const char *name);

/* Dispatches one access, one vCPU at a time.  A port nobody owns reads as
 * all ones and ignores writes, as an empty ISA bus does. */
void io_bus_access(struct io_bus *bus, uint16_t port, bool is_write, uint8_t *data,
		   uint32_t size);

/* Dispatches the port writes waiting in bus->ring, oldest first.  Called
 * after every return from KVM_RUN, before the exit is handled, so devices
 * see accesses in the guest's order; and when the run ends. */
void io_bus_drain_coalesced(struct io_bus *bus);

#endif
