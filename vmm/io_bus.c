#include <stdio.h>
#include <string.h>

#include "vmm/io_bus.h"

void io_bus_init(struct io_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
	pthread_mutex_init(&bus->lock, NULL);
}

void io_bus_destroy(struct io_bus *bus)
{
	pthread_mutex_destroy(&bus->lock);
}

int io_bus_add(struct io_bus *bus, uint16_t base, uint16_t len, io_handler_fn *handler,
	       void *opaque, const char *name)
{
	if (bus->nranges >= IO_BUS_MAX_RANGES || len == 0 || (uint32_t)base + len > 0x10000)
		return -1;
	for (int i = 0; i < bus->nranges; i++) {
		const struct io_range *r = &bus->ranges[i];
		if (base < r->base + r->len && r->base < base + len)
			return -1;
	}
	bus->ranges[bus->nranges++] = (struct io_range){ base, len, handler, opaque, name };
	return 0;
}

void io_bus_access(struct io_bus *bus, uint16_t port, bool is_write, uint8_t *data,
		   uint32_t size)
{
	for (int i = 0; i < bus->nranges; i++) {
		const struct io_range *r = &bus->ranges[i];
		if (port >= r->base && port - r->base < r->len) {
			pthread_mutex_lock(&bus->lock);
			r->handler(r->opaque, (uint16_t)(port - r->base), is_write, data, size);
			pthread_mutex_unlock(&bus->lock);
			return;
		}
	}
	if (!is_write)
		memset(data, 0xff, size);
	if (bus->verbose)
		fprintf(stderr, "minivmm: unhandled port %s 0x%x size %u\n",
			is_write ? "write" : "read", port, size);
}
