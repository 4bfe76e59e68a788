/* A virtio device as its transport (vmm/devices/virtio/virtio_pci.c) and
 * its type (virtio_blk.c, virtio_rng.c, virtio_console.c) share it
 * (virtio 1.2 §2 "Basic Facilities of a Virtio Device").  The type knows
 * nothing of PCI: it answers its device configuration, handles its queues
 * when the driver notifies them, and reports used buffers through
 * virtio_device_used.  The transport owns the queues, the status and the
 * feature negotiation, and turns raise/fail into interrupts and
 * DEVICE_NEEDS_RESET.  Tests can play the transport: set queues and the
 * two callbacks, and call the ops. */
#ifndef MINIVMM_VMM_DEVICES_VIRTIO_VIRTIO_H
#define MINIVMM_VMM_DEVICES_VIRTIO_VIRTIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

#include "vmm/devices/virtio/virtq.h"

#define VIRTIO_MAX_QUEUES 64

struct virtio_device;

/* What a device type is.  Every op runs with d->lock held: the transport
 * takes it for the driver's register accesses (vCPU threads) and for
 * notifications (the I/O thread), so an op never races the driver
 * resetting the device. */
struct virtio_device_ops {
	const char *name;           /* "virtio-blk": messages, ACPI-free */
	uint16_t device_id;         /* VIRTIO_ID_* (§5) */
	uint32_t config_size;       /* bytes of device-specific configuration */
	/* offset + size <= config_size, checked by the transport; reads fill
	 * data, little-endian as the spec lays the fields out. */
	void (*config_read)(struct virtio_device *d, uint32_t offset, void *data, uint32_t size);
	/* NULL: the configuration is read-only, writes are ignored. */
	void (*config_write)(struct virtio_device *d, uint32_t offset, const void *data,
			     uint32_t size);
	/* The driver set DRIVER_OK: d->features holds what it accepted and
	 * every queue it enabled is ready.  NULL: nothing to do. */
	void (*start)(struct virtio_device *d);
	/* The driver notified queue q (its index is < d->num_queues and the
	 * queue is ready).  Runs on the I/O thread. */
	void (*notify)(struct virtio_device *d, uint16_t q);
	/* The driver reset the device (status 0): forget in-flight state.
	 * The queues are reset by the transport.  NULL: nothing to do. */
	void (*reset)(struct virtio_device *d);
	/* An external back end serves the queues (vhost-user, e.g.
	 * virtio_fs.c): the transport does not watch their notifications
	 * (notify is never called), offers exactly d->offered (the back end
	 * walks the rings, so only it can say which ring features it has),
	 * and gives the device each queue's eventfds through d->queue_fds. */
	bool backend_queues;
};

struct virtio_device {
	const struct virtio_device_ops *ops;
	/* Filled by the device type before the transport takes it. */
	uint64_t offered;           /* device feature bits; the transport adds
				       VIRTIO_F_VERSION_1 and the ring's bits */
	uint16_t num_queues;        /* 1..VIRTIO_MAX_QUEUES */
	uint16_t queue_max_size;    /* power of two <= VIRTQ_MAX_SIZE */
	/* The transport's (or a test's). */
	uint64_t features;          /* negotiated; valid from ops->start */
	struct virtq *queues;       /* num_queues of them */
	void *transport;
	/* Interrupt the driver for queue q (q >= 0) or for a configuration
	 * change (q == VIRTIO_RAISE_CONFIG). */
	void (*raise)(struct virtio_device *d, int q);
	/* The driver broke a rule or the device cannot go on: the transport
	 * sets DEVICE_NEEDS_RESET (§2.1.1) and names why on stderr once. */
	void (*fail)(struct virtio_device *d, const char *why);
	/* For ops->backend_queues, valid from ops->start: *kick is the
	 * eventfd the driver's notifications of queue q signal (KVM's
	 * ioeventfd), *call the eventfd whose signal interrupts the driver
	 * for queue q (its MSI-X vector's irqfd), -1 for NO_VECTOR. */
	void (*queue_fds)(struct virtio_device *d, uint16_t q, int *kick, int *call);
	/* The device type initialises it (its input from other threads
	 * takes it too); the transport takes it around every op. */
	pthread_mutex_t lock;
};

#define VIRTIO_RAISE_CONFIG (-1)

static inline bool virtio_device_has(const struct virtio_device *d, unsigned bit)
{
	return (d->features >> bit) & 1;
}

/* Returns a chain to the driver and interrupts it when it asked for that
 * (virtq_should_interrupt). */
static inline void virtio_device_used(struct virtio_device *d, uint16_t q, uint16_t head,
				      uint32_t written)
{
	virtq_push(&d->queues[q], head, written);
	if (virtq_should_interrupt(&d->queues[q]))
		d->raise(d, q);
}

/* Takes the next chain of queue q; on a broken rule the device fails
 * (d->fail with the reason) and 0 is returned, as for an empty queue. */
static inline int virtio_device_pop(struct virtio_device *d, uint16_t q,
				    struct virtq_chain *chain)
{
	struct error err = { 0 };
	int r = virtq_pop(&d->queues[q], chain, &err);
	if (r < 0) {
		(d->fail)(d, err.msg);   /* parenthesized: Check's fail() is a macro */
		return 0;
	}
	return r;
}

#endif
