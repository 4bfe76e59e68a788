/* virtio-rng (virtio 1.2 §5.4): one queue of writable buffers, filled with
 * the host's getrandom(2). */
#ifndef MINIVMM_VMM_DEVICES_VIRTIO_VIRTIO_RNG_H
#define MINIVMM_VMM_DEVICES_VIRTIO_VIRTIO_RNG_H

#include "vmm/devices/virtio/virtio.h"

struct virtio_rng {
	struct virtio_device dev;
	struct virtq_chain chain;   /* scratch, under dev.lock */
};

void virtio_rng_init(struct virtio_rng *r);
void virtio_rng_destroy(struct virtio_rng *r);

#endif
