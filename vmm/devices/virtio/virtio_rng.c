#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "vmm/devices/virtio/virtio_rng.h"

/* Fills the chain's writable buffers (§5.4.6: at least one byte).  The
 * kernel's pool is initialised long before a VM runs; GRND_NONBLOCK keeps
 * the I/O thread from ever waiting on it all the same. */
static uint32_t virtio_rng_fill(const struct virtq_chain *c)
{
	uint32_t written = 0;
	for (uint32_t i = 0; i < c->nbufs; i++) {
		const struct virtq_buf *b = &c->bufs[i];
		for (uint32_t done = 0; b->writable && done < b->len;) {
			ssize_t n = getrandom(b->host + done, b->len - done, GRND_NONBLOCK);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return written;
			done += (uint32_t)n;
			written += (uint32_t)n;
		}
	}
	return written;
}

static void virtio_rng_notify(struct virtio_device *d, uint16_t q)
{
	struct virtio_rng *r = (struct virtio_rng *)d;
	while (virtio_device_pop(d, q, &r->chain) == 1)
		virtio_device_used(d, q, r->chain.head, virtio_rng_fill(&r->chain));
}

static const struct virtio_device_ops virtio_rng_ops = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.notify = virtio_rng_notify,
};

void virtio_rng_init(struct virtio_rng *r)
{
	memset(r, 0, sizeof(*r));
	r->dev.ops = &virtio_rng_ops;
	r->dev.num_queues = 1;
	r->dev.queue_max_size = VIRTQ_MAX_SIZE;
	pthread_mutex_init(&r->dev.lock, NULL);
}

void virtio_rng_destroy(struct virtio_rng *r)
{
	if (r->dev.ops)
		pthread_mutex_destroy(&r->dev.lock);
}
