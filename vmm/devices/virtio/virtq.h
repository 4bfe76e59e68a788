/* A split virtqueue seen from the device (virtio 1.2 §2.7): the driver's
 * descriptor table, available ring and used ring live in guest RAM, which
 * the guest controls, so every index, address and length is checked before
 * use.  Pure code over struct guest_memory: no ioctl, unit-tested and
 * fuzzed without /dev/kvm.  One thread at a time per queue (the I/O
 * thread); the transport sets it up while the queue is not in use. */
#ifndef MINIVMM_VMM_DEVICES_VIRTIO_VIRTQ_H
#define MINIVMM_VMM_DEVICES_VIRTIO_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "kvm/guest_memory.h"

/* The largest queue any minivmm device offers (queue_size at reset); the
 * driver may choose a smaller power of two.  A chain holds at most this
 * many buffers, indirect ones included (§2.7.5.3.1: no longer than the
 * queue without a device limit). */
#define VIRTQ_MAX_SIZE 256

/* One buffer of a chain: host pointer to guest RAM, checked to lie in RAM. */
struct virtq_buf {
	uint8_t *host;
	uint32_t len;
	bool writable;   /* VRING_DESC_F_WRITE: device writes it */
};

/* One request: the buffers of a descriptor chain in order, readable ones
 * first (§2.7.4.2: a device-readable buffer after a device-writable one is
 * the driver's error). */
struct virtq_chain {
	uint16_t head;              /* descriptor index, for virtq_push */
	uint32_t nbufs;
	uint32_t nreadable;         /* bufs[0..nreadable) readable, the rest writable */
	uint64_t readable_len;      /* bytes in the readable / writable buffers */
	uint64_t writable_len;
	struct virtq_buf bufs[VIRTQ_MAX_SIZE];
};

struct virtq {
	const struct guest_memory *mem;
	/* Set by the transport from what the driver wrote (common config). */
	uint16_t size;              /* power of two, 1..VIRTQ_MAX_SIZE */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	bool event_idx;             /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;              /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	/* The device's own state. */
	bool ready;                 /* virtq_start succeeded */
	bool broken;                /* the driver broke a rule: no more use until reset */
	uint16_t last_avail;        /* next available-ring entry to take */
	uint16_t used_idx;          /* next used-ring entry to fill */
	uint16_t signalled_used;    /* used_idx at the last interrupt (event_idx) */
	bool signalled_valid;
};

/* Back to the state after reset: not ready, not broken, indices 0. */
void virtq_reset(struct virtq *vq);

/* Checks size and that the three rings lie in guest RAM with their
 * alignment (§2.7: 16, 2, 4), then marks the queue ready.  -1 with err
 * naming what is wrong (the transport then sets DEVICE_NEEDS_RESET). */
int virtq_start(struct virtq *vq, const struct guest_memory *mem, struct error *err);

/* Takes the next available chain into *chain.  1: got one; 0: the ring is
 * empty; -1: the driver broke a rule (vq->broken is set and err says
 * which: an avail index that moved by more than size, a head or next
 * index >= size, a loop or a chain longer than size, nested indirect
 * tables, INDIRECT with NEXT, an indirect table whose length is 0 or not a
 * multiple of 16, a readable buffer after a writable one, a buffer outside
 * RAM or wrapping, INDIRECT not negotiated, a chain over 4 GiB, more
 * chains taken and not yet pushed than size).  Zero-length buffers are
 * accepted (host NULL, len 0).  Every chain taken is to be pushed once. */
int virtq_pop(struct virtq *vq, struct virtq_chain *chain, struct error *err);

/* Returns chain head to the driver with written bytes in its writable
 * buffers (§2.7.8): the used element first, then the index. */
void virtq_push(struct virtq *vq, uint16_t head, uint32_t written);

/* Whether the driver wants an interrupt for what was pushed since the
 * previous call (§2.7.7.2: used_event with EVENT_IDX, else the avail
 * ring's NO_INTERRUPT flag).  Call it once after one or more pushes. */
bool virtq_should_interrupt(struct virtq *vq);

/* Copies between a chain's readable / writable buffers and flat memory,
 * starting offset bytes into them.  Return the bytes copied (fewer when
 * the buffers end first). */
uint64_t virtq_chain_read(const struct virtq_chain *chain, uint64_t offset, void *dst,
			  uint64_t len);
uint64_t virtq_chain_write(const struct virtq_chain *chain, uint64_t offset, const void *src,
			   uint64_t len);

#endif
