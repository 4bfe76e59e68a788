/* Guest RAM as one host mapping split into at most two guest-physical ranges
 * around the 32-bit MMIO hole, and the one checked translation from a
 * guest-physical range to a host pointer, as everything the guest controls
 * is hostile.  Pure: no ioctl, so loader/ and boot/ tests use it. */
#ifndef MINIVMM_KVM_GUEST_MEMORY_H
#define MINIVMM_KVM_GUEST_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define GUEST_MEMORY_MAX_REGIONS 2

struct guest_memory_region {
	uint64_t gpa;   /* first guest-physical byte */
	uint64_t size;  /* bytes */
	uint8_t *host;  /* host address of gpa */
};

struct guest_memory {
	uint8_t *host_base;  /* the one mapping, ram_size bytes */
	uint64_t ram_size;
	/* The file behind host_base when RAM is shared memory (kvm_vm_map_ram
	 * with shared set), -1 when it is anonymous.  A back end maps region
	 * r from this fd at offset r.host - host_base (vhost-user
	 * SET_MEM_TABLE's mmap_offset).  Owned by whoever mapped the RAM. */
	int fd;
	int nregions;
	struct guest_memory_region regions[GUEST_MEMORY_MAX_REGIONS];
};

/* Splits ram_size bytes at host over [0, hole_start) and, for what is left,
 * [hole_end, ...).  Does not allocate; mem->fd is -1 (the caller sets it
 * for shared RAM).  Fails on ram_size 0 or overflow. */
int guest_memory_init(struct guest_memory *mem, uint8_t *host, uint64_t ram_size,
		      uint64_t hole_start, uint64_t hole_end, struct error *err);

/* Host pointer for [gpa, gpa + len) when the whole range lies inside one RAM
 * region, NULL otherwise (overflow-safe; len 0 is refused). */
void *guest_memory_ptr(const struct guest_memory *mem, uint64_t gpa, uint64_t len);

/* Copies into / out of guest RAM; -1 when the range is not all RAM. */
int guest_memory_write(struct guest_memory *mem, uint64_t gpa, const void *src, uint64_t len);
int guest_memory_read(const struct guest_memory *mem, uint64_t gpa, void *dst, uint64_t len);

/* End (exclusive) of the RAM region that starts at 0: "low RAM". */
uint64_t guest_memory_low_end(const struct guest_memory *mem);

#endif
