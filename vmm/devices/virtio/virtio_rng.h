/* virtio-rng (virtio 1.2 §5.4): one request queue of device-writable
 * buffers, filled with the host's getrandom(2).  No feature bits and no
 * configuration of its own (§5.4.3, §5.4.4): the transport offers
 * VERSION_1 and the ring features. */
#ifndef MINIVMM_VMM_DEVICES_VIRTIO_VIRTIO_RNG_H
#define MINIVMM_VMM_DEVICES_VIRTIO_VIRTIO_RNG_H

#include <stdbool.h>

#include "vmm/devices/virtio/virtio.h"

/* The most one request gets (§5.4.6.2: the device MAY use less than the
 * whole buffer), so a guest offering gigabytes cannot hold the I/O
 * thread. */
#define VIRTIO_RNG_MAX_REQUEST (64 * 1024)

struct virtio_rng {
	struct virtio_device dev;
	struct virtq_chain chain;   /* scratch, under dev.lock */
	bool error_reported;        /* a getrandom failure was said on stderr */
};

/* Fills r->dev for a transport: ops, one queue of up to VIRTQ_MAX_SIZE
 * entries, no device features, the lock. */
void virtio_rng_init(struct virtio_rng *r);
void virtio_rng_destroy(struct virtio_rng *r);

#endif
