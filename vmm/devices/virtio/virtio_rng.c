/* virtio-rng requests (virtio 1.2 §5.4.6): each chain's writable buffers
 * get random bytes, used.len says how many. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "vmm/devices/virtio/virtio_rng.h"

/* Random bytes into [p, p + len): fewer when getrandom(2) cannot give
 * them now.  GRND_NONBLOCK: the host's pool is initialised long before a
 * VM runs, but the I/O thread must never wait on it all the same; an
 * uninitialised pool gives the guest a short (even empty) answer, which
 * §5.4.6 lets the driver handle.  Interrupted and short reads go on. */
static uint32_t virtio_rng_get(struct virtio_rng *r, uint8_t *p, uint32_t len)
{
	uint32_t done = 0;
	while (done < len) {
		ssize_t n = getrandom(p + done, len - done, GRND_NONBLOCK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && !r->error_reported) {
				fprintf(stderr, "minivmm: virtio-rng: getrandom failed: %s (the guest "
					"gets fewer random bytes; said once)\n", strerror(errno));
				r->error_reported = true;
			}
			break;
		}
		done += (uint32_t)n;
	}
	return done;
}

/* Fills the writable buffers in order, VIRTIO_RNG_MAX_REQUEST bytes at
 * most: used.len counts from the first writable byte (§2.7.8.2). */
static uint32_t virtio_rng_fill(struct virtio_rng *r)
{
	const struct virtq_chain *c = &r->chain;
	uint32_t written = 0;
	for (uint32_t i = c->nreadable; i < c->nbufs && written < VIRTIO_RNG_MAX_REQUEST; i++) {
		const struct virtq_buf *b = &c->bufs[i];
		uint32_t want = b->len;
		if (want > VIRTIO_RNG_MAX_REQUEST - written)
			want = VIRTIO_RNG_MAX_REQUEST - written;
		uint32_t got = virtio_rng_get(r, b->host, want);
		written += got;
		if (got < want)
			break;
	}
	return written;
}

static void virtio_rng_notify(struct virtio_device *d, uint16_t q)
{
	struct virtio_rng *r = (struct virtio_rng *)d;
	while (virtio_device_pop(d, q, &r->chain) == 1) {
		/* §5.4.6.1: the driver MUST NOT place device-readable buffers. */
		if (r->chain.nreadable) {
			d->queues[q].broken = true;
			(d->fail)(d, "virtio-rng: a device-readable buffer in the request queue");
			return;
		}
		virtio_device_used(d, q, r->chain.head, virtio_rng_fill(r));
	}
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
	r->dev.offered = 0;   /* §5.4.3: none defined */
	r->dev.num_queues = 1;
	r->dev.queue_max_size = VIRTQ_MAX_SIZE;
	pthread_mutex_init(&r->dev.lock, NULL);
}

void virtio_rng_destroy(struct virtio_rng *r)
{
	if (r->dev.ops)
		pthread_mutex_destroy(&r->dev.lock);
	r->dev.ops = NULL;
}
