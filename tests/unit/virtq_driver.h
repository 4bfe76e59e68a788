/* The driver's side of a split virtqueue (virtio 1.2 §2.7.13, §2.7.14),
 * for tests that play the guest: rings and buffers laid out in fake guest
 * RAM (struct test_ram), chains built from direct or indirect descriptors,
 * the used ring read back.  Every field is written little-endian as a
 * driver would; the helpers fail the test when RAM runs out.  Tests that
 * break a rule write descriptors or ring fields directly (vdrv_desc,
 * vdrv_write_*). */
#ifndef MINIVMM_TESTS_UNIT_VIRTQ_DRIVER_H
#define MINIVMM_TESTS_UNIT_VIRTQ_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "kvm/guest_memory.h"
#include "vmm/devices/virtio/virtq.h"

struct vdrv {
	struct guest_memory *mem;
	uint16_t size;
	uint64_t desc, avail, used;   /* guest-physical */
	uint16_t avail_idx;           /* the driver's copy of avail.idx */
	uint16_t used_seen;           /* used entries read so far */
	uint16_t next_desc;           /* next free descriptor, round robin */
	uint64_t data, data_end;      /* buffer area, bump-allocated */
};

/* One buffer of a chain: gpa 0 asks vdrv_chain to allocate len bytes
 * (filled with fill) and is set to where they went. */
struct vdrv_buf {
	uint64_t gpa;
	uint32_t len;
	bool writable;
	uint8_t fill;
};

/* Rings of size entries at base (descriptors, then avail, then used,
 * each aligned as §2.7 asks), zeroed, and a buffer area of data_bytes
 * after them. */
void vdrv_init(struct vdrv *d, struct guest_memory *mem, uint16_t size, uint64_t base,
	       uint64_t data_bytes);

/* What the transport copies into the queue from the common config. */
void vdrv_setup(const struct vdrv *d, struct virtq *vq, bool event_idx, bool indirect);

/* Host pointer to [gpa, gpa + len): fails the test outside RAM. */
void *vdrv_host(const struct vdrv *d, uint64_t gpa, uint64_t len);

/* len bytes of the buffer area aligned to align, filled with fill. */
uint64_t vdrv_alloc(struct vdrv *d, uint64_t len, uint64_t align, uint8_t fill);

/* Descriptor i of the table at table_gpa (the ring's or an indirect one). */
void vdrv_write_desc(const struct vdrv *d, uint64_t table_gpa, uint16_t i, uint64_t addr,
		     uint32_t len, uint16_t flags, uint16_t next);
/* Descriptor i of the queue's own table. */
void vdrv_desc(const struct vdrv *d, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
	       uint16_t next);

/* A chain of n buffers in consecutive free descriptors (direct) or in a
 * new indirect table that one descriptor points at.  Returns the head;
 * not yet made available. */
uint16_t vdrv_chain(struct vdrv *d, struct vdrv_buf *bufs, unsigned n, bool indirect);

/* Puts head into the available ring and publishes avail.idx. */
void vdrv_publish(struct vdrv *d, uint16_t head);
/* Raw writes of the avail ring's fields: idx, ring[slot], flags,
 * used_event. */
void vdrv_write_avail_idx(struct vdrv *d, uint16_t idx);
void vdrv_write_avail_ring(const struct vdrv *d, uint16_t slot, uint16_t head);
void vdrv_write_avail_flags(const struct vdrv *d, uint16_t flags);
void vdrv_write_used_event(const struct vdrv *d, uint16_t event);

/* The used ring as the device left it. */
uint16_t vdrv_used_idx(const struct vdrv *d);
uint16_t vdrv_avail_event(const struct vdrv *d);
/* The next used element not read yet: true and id, len when there is one. */
bool vdrv_take_used(struct vdrv *d, uint32_t *id, uint32_t *len);

#endif
