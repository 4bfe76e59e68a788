/* The virtio PCI transport (virtio 1.2 §4.1).  One memory BAR holds, each
 * in its own 4 KiB page:
 *
 *	0x0000 common configuration (§4.1.4.3)
 *	0x1000 ISR status (§4.1.4.5)
 *	0x2000 device-specific configuration (§4.1.4.6)
 *	0x3000 notifications, queue q at 0x3000 + 4 q (§4.1.4.4)
 *	0x4000 MSI-X table, 0x6000 its pending bits
 *
 * and a vendor capability per structure says where (§4.1.4).  Everything
 * the driver writes is checked; a rule it breaks sets DEVICE_NEEDS_RESET
 * (§2.1.2) and never reaches the host. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/virtio_pci.h>

#include "common/byteorder.h"
#include "vmm/devices/virtio/virtio_pci.h"

#define VP_BAR           0
#define VP_COMMON        0x0000
#define VP_COMMON_SIZE   0x3c     /* up to queue_reset: what virtio 1.2 defines */
#define VP_ISR           0x1000
#define VP_DEVICE        0x2000
#define VP_NOTIFY        0x3000
#define VP_NOTIFY_MULT   4
#define VP_MSIX_TABLE    0x4000
#define VP_MSIX_PBA      0x6000
#define VP_BAR_SIZE      0x8000
#define VP_PAGE          0x1000

#define VIRTIO_PCI_VENDOR       0x1af4
#define VIRTIO_PCI_DEVICE_BASE  0x1040   /* + device ID: modern (§4.1.2.1) */
#define VIRTIO_PCI_SUBSYSTEM    0x0040   /* non-transitional: >= 0x40 (§4.1.2.1) */

/* Ring features every device offers: the transport walks the rings. */
#define VP_RING_FEATURES (1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_RING_F_INDIRECT_DESC | \
			  1ULL << VIRTIO_RING_F_EVENT_IDX)

/* Class codes as QEMU gives its virtio functions (PCI Code and ID
 * Assignment spec): mass storage, communication, other. */
static uint32_t virtio_pci_class(uint16_t device_id)
{
	switch (device_id) {
	case VIRTIO_ID_BLOCK: return 0x010000;
	case VIRTIO_ID_CONSOLE: return 0x078000;
	default: return 0xff0000;
	}
}

static uint64_t virtio_pci_offered(const struct virtio_pci *vp)
{
	if (vp->vdev->ops->backend_queues)
		return vp->vdev->offered;
	return vp->vdev->offered | VP_RING_FEATURES;
}

/* A back end signals the vector's irqfd itself, so MSI-X masking does
 * not hold its interrupts: one raised while the entry is masked reaches
 * the route KVM last had, instead of setting the pending bit (PCI 3.0
 * §6.8.2.9).  Linux masks an entry only while it rewrites the message
 * (set-up, affinity), and its virtio interrupt handlers take spurious
 * interrupts, so this loses nothing; the route is first written at the
 * first unmask, before DRIVER_OK, and an irqfd on a GSI without a route
 * raises nothing.  QEMU instead swaps in a masked notifier with
 * SET_VRING_CALL (vhost-user.rst); not needed by the drivers we serve. */
static void virtio_pci_queue_fds(struct virtio_device *d, uint16_t q, int *kick, int *call)
{
	struct virtio_pci *vp = d->transport;
	*kick = *call = -1;
	if (q >= d->num_queues)
		return;
	*kick = vp->notify[q].fd;
	if (vp->queue_vector[q] < vp->msix.nvectors)
		*call = vp->msix.fd[vp->queue_vector[q]];
}

static void virtio_pci_raise(struct virtio_device *d, int q)
{
	struct virtio_pci *vp = d->transport;
	uint16_t vector;
	if (q == VIRTIO_RAISE_CONFIG) {
		vp->isr |= VIRTIO_PCI_ISR_CONFIG;
		vector = vp->config_vector;
	} else {
		vp->isr |= 1;   /* queue interrupt (§4.1.4.5) */
		vector = q >= 0 && q < d->num_queues ? vp->queue_vector[q] : VIRTIO_MSI_NO_VECTOR;
	}
	msix_raise(&vp->msix, vector);
}

static void virtio_pci_fail(struct virtio_device *d, const char *why)
{
	struct virtio_pci *vp = d->transport;
	/* Once a run: a guest that breaks the rules again and again must not
	 * flood stderr. */
	if (!vp->fail_reported)
		fprintf(stderr, "minivmm: %s (PCI 00:%02x.0): %s: the device needs a reset "
			"(said once)\n", d->ops->name, vp->pci.slot, why);
	vp->fail_reported = true;
	if (vp->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		return;
	vp->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	if (vp->status & VIRTIO_CONFIG_S_DRIVER_OK)
		virtio_pci_raise(d, VIRTIO_RAISE_CONFIG);
}

/* Status 0 (§2.4): queues, features and vectors back to their reset
 * values.  MSI-X is the PCI function's and stays. */
static void virtio_pci_reset(struct virtio_pci *vp)
{
	struct virtio_device *d = vp->vdev;
	if (d->ops->reset)
		d->ops->reset(d);
	for (uint16_t q = 0; q < d->num_queues; q++) {
		virtq_reset(&vp->queues[q]);
		vp->queues[q].size = d->queue_max_size;
		vp->queue_vector[q] = VIRTIO_MSI_NO_VECTOR;
	}
	vp->config_vector = VIRTIO_MSI_NO_VECTOR;
	vp->device_feature_select = vp->driver_feature_select = 0;
	vp->driver_features = 0;
	d->features = 0;
	vp->queue_select = 0;
	vp->status = 0;
	vp->isr = 0;
}

static void virtio_pci_write_status(struct virtio_pci *vp, uint8_t status)
{
	struct virtio_device *d = vp->vdev;
	if (status == 0) {
		virtio_pci_reset(vp);
		return;
	}
	uint8_t was = vp->status;
	/* FEATURES_OK only for features offered, VERSION_1 among them
	 * (§2.2, §6.1): otherwise the bit stays clear and the driver sees
	 * the refusal (§3.1.1). */
	if ((status & VIRTIO_CONFIG_S_FEATURES_OK) && !(was & VIRTIO_CONFIG_S_FEATURES_OK)) {
		uint64_t f = vp->driver_features;
		if ((f & ~virtio_pci_offered(vp)) || !(f >> VIRTIO_F_VERSION_1 & 1))
			status &= (uint8_t)~VIRTIO_CONFIG_S_FEATURES_OK;
		else
			d->features = f;
	}
	vp->status = status | (was & VIRTIO_CONFIG_S_NEEDS_RESET);
	if ((status & VIRTIO_CONFIG_S_DRIVER_OK) && !(was & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    (vp->status & VIRTIO_CONFIG_S_FEATURES_OK) && d->ops->start)
		d->ops->start(d);
}

static void virtio_pci_enable_queue(struct virtio_pci *vp, struct virtq *vq)
{
	struct virtio_device *d = vp->vdev;
	struct error err = { 0 };
	vq->event_idx = d->features >> VIRTIO_RING_F_EVENT_IDX & 1;
	vq->indirect = d->features >> VIRTIO_RING_F_INDIRECT_DESC & 1;
	if (vq->size > d->queue_max_size) {
		virtio_pci_fail(d, "queue size larger than the device offered");
		return;
	}
	if (virtq_start(vq, vp->mem, &err) < 0)
		virtio_pci_fail(d, err.msg);
}

/* The common configuration as the driver reads it now, little-endian. */
static void virtio_pci_common_image(struct virtio_pci *vp, uint8_t *b)
{
	struct virtio_device *d = vp->vdev;
	uint16_t q = vp->queue_select;
	const struct virtq *vq = q < d->num_queues ? &vp->queues[q] : NULL;
	uint32_t dsel = vp->device_feature_select, gsel = vp->driver_feature_select;
	memset(b, 0, VP_COMMON_SIZE);
	le_put(b + VIRTIO_PCI_COMMON_DFSELECT, dsel, 4);
	le_put(b + VIRTIO_PCI_COMMON_DF, dsel < 2 ? virtio_pci_offered(vp) >> (32 * dsel) : 0, 4);
	le_put(b + VIRTIO_PCI_COMMON_GFSELECT, gsel, 4);
	le_put(b + VIRTIO_PCI_COMMON_GF, gsel < 2 ? vp->driver_features >> (32 * gsel) : 0, 4);
	le_put(b + VIRTIO_PCI_COMMON_MSIX, vp->config_vector, 2);
	le_put(b + VIRTIO_PCI_COMMON_NUMQ, d->num_queues, 2);
	b[VIRTIO_PCI_COMMON_STATUS] = vp->status;
	b[VIRTIO_PCI_COMMON_CFGGENERATION] = vp->config_generation;
	le_put(b + VIRTIO_PCI_COMMON_Q_SELECT, q, 2);
	if (!vq)
		return;   /* queue_size 0: no such queue (§4.1.4.3) */
	le_put(b + VIRTIO_PCI_COMMON_Q_SIZE, vq->size, 2);
	le_put(b + VIRTIO_PCI_COMMON_Q_MSIX, vp->queue_vector[q], 2);
	le_put(b + VIRTIO_PCI_COMMON_Q_ENABLE, vq->ready, 2);
	le_put(b + VIRTIO_PCI_COMMON_Q_NOFF, q, 2);
	le_put(b + VIRTIO_PCI_COMMON_Q_DESCLO, vq->desc_gpa, 8);
	le_put(b + VIRTIO_PCI_COMMON_Q_AVAILLO, vq->avail_gpa, 8);
	le_put(b + VIRTIO_PCI_COMMON_Q_USEDLO, vq->used_gpa, 8);
}

/* A 64-bit field written whole or as either 32-bit half. */
static void virtio_pci_set_half(uint64_t *field, uint32_t at, uint32_t base, uint64_t v,
				uint32_t size)
{
	if (size == 8 && at == base)
		*field = v;
	else if (size == 4 && at == base)
		*field = (*field & 0xffffffff00000000ULL) | v;
	else if (size == 4 && at == base + 4)
		*field = (*field & 0xffffffffULL) | v << 32;
}

static uint16_t virtio_pci_vector(const struct virtio_pci *vp, uint64_t v)
{
	/* A vector the table does not have reads back as NO_VECTOR: the
	 * driver's sign of refusal (§4.1.4.3). */
	return v < vp->msix.nvectors ? (uint16_t)v : VIRTIO_MSI_NO_VECTOR;
}

/* Writes as the spec lays the fields out: each at its own size (or a
 * 64-bit address in 32-bit halves); others are ignored. */
static void virtio_pci_common_write(struct virtio_pci *vp, uint32_t at, uint64_t v,
				    uint32_t size)
{
	struct virtio_device *d = vp->vdev;
	uint16_t q = vp->queue_select;
	struct virtq *vq = q < d->num_queues ? &vp->queues[q] : NULL;
	switch (size << 8 | at) {
	case 4 << 8 | VIRTIO_PCI_COMMON_DFSELECT: vp->device_feature_select = (uint32_t)v; return;
	case 4 << 8 | VIRTIO_PCI_COMMON_GFSELECT: vp->driver_feature_select = (uint32_t)v; return;
	case 4 << 8 | VIRTIO_PCI_COMMON_GF:
		if (vp->driver_feature_select < 2 && !(vp->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
			unsigned shift = 32 * vp->driver_feature_select;
			vp->driver_features = (vp->driver_features & ~(0xffffffffULL << shift)) |
					      v << shift;
		}
		return;
	case 2 << 8 | VIRTIO_PCI_COMMON_MSIX: vp->config_vector = virtio_pci_vector(vp, v); return;
	case 1 << 8 | VIRTIO_PCI_COMMON_STATUS: virtio_pci_write_status(vp, (uint8_t)v); return;
	case 2 << 8 | VIRTIO_PCI_COMMON_Q_SELECT: vp->queue_select = (uint16_t)v; return;
	}
	/* The queue's fields, while it is not enabled (§4.1.4.3.2). */
	if (!vq || vq->ready)
		return;
	switch (size << 8 | at) {
	case 2 << 8 | VIRTIO_PCI_COMMON_Q_SIZE: vq->size = (uint16_t)v; return;
	case 2 << 8 | VIRTIO_PCI_COMMON_Q_MSIX: vp->queue_vector[q] = virtio_pci_vector(vp, v); return;
	case 2 << 8 | VIRTIO_PCI_COMMON_Q_ENABLE:
		if (v == 1)
			virtio_pci_enable_queue(vp, vq);
		return;
	}
	virtio_pci_set_half(&vq->desc_gpa, at, VIRTIO_PCI_COMMON_Q_DESCLO, v, size);
	virtio_pci_set_half(&vq->avail_gpa, at, VIRTIO_PCI_COMMON_Q_AVAILLO, v, size);
	virtio_pci_set_half(&vq->used_gpa, at, VIRTIO_PCI_COMMON_Q_USEDLO, v, size);
}

void virtio_pci_notify_queue(struct virtio_pci *vp, uint16_t q)
{
	struct virtio_device *d = vp->vdev;
	pthread_mutex_lock(&d->lock);
	if (q < d->num_queues && (vp->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(vp->status & VIRTIO_CONFIG_S_NEEDS_RESET) && vp->queues[q].ready &&
	    !vp->queues[q].broken)
		d->ops->notify(d, q);
	pthread_mutex_unlock(&d->lock);
}

/* The I/O thread: KVM signalled a notification's eventfd. */
static void virtio_pci_notified(void *opaque)
{
	struct virtio_pci_notify *n = opaque;
	uint64_t count;
	if (read(n->fd, &count, sizeof(count)) == (ssize_t)sizeof(count))
		virtio_pci_notify_queue(n->vp, n->q);
}

static void virtio_pci_bar_access(struct pci_device *pd, int bar, uint64_t offset, bool is_write,
				  uint8_t *data, uint32_t size)
{
	struct virtio_pci *vp = (struct virtio_pci *)pd;
	struct virtio_device *d = vp->vdev;
	uint64_t page = offset & ~(uint64_t)(VP_PAGE - 1), at = offset - page;
	if (!is_write)
		memset(data, 0, size);
	if (bar != VP_BAR)
		return;
	if (page == VP_NOTIFY) {
		/* A notification KVM's ioeventfd did not take (another size):
		 * handed to the I/O thread all the same. */
		uint64_t q = at / VP_NOTIFY_MULT, one = 1;
		if (is_write && q < d->num_queues &&
		    write(vp->notify[q].fd, &one, sizeof(one)) < 0)
			fprintf(stderr, "minivmm: %s: notification lost: %s\n", d->ops->name,
				strerror(errno));
		return;
	}
	pthread_mutex_lock(&d->lock);
	if (page == VP_COMMON && at + size <= VP_COMMON_SIZE) {
		if (is_write) {
			virtio_pci_common_write(vp, (uint32_t)at, le_get(data, size), size);
		} else {
			uint8_t image[VP_COMMON_SIZE];
			virtio_pci_common_image(vp, image);
			memcpy(data, image + at, size);
		}
	} else if (page == VP_ISR && !is_write) {
		data[0] = vp->isr;   /* reading clears it (§4.1.4.5) */
		vp->isr = 0;
	} else if (page == VP_DEVICE && at + size <= d->ops->config_size) {
		if (!is_write)
			d->ops->config_read(d, (uint32_t)at, data, size);
		else if (d->ops->config_write)
			d->ops->config_write(d, (uint32_t)at, data, size);
	} else if (offset >= VP_MSIX_TABLE && offset < VP_MSIX_PBA) {
		msix_table_access(&vp->msix, offset - VP_MSIX_TABLE, is_write, data, size);
	} else if (offset >= VP_MSIX_PBA) {
		msix_pba_access(&vp->msix, offset - VP_MSIX_PBA, is_write, data, size);
	}
	pthread_mutex_unlock(&d->lock);
}

static uint8_t vp_msix_cap(const struct virtio_pci *vp)
{
	for (uint32_t p = vp->pci.config[PCI_CAPABILITY_LIST]; p; p = vp->pci.config[p + 1])
		if (vp->pci.config[p] == PCI_CAP_ID_MSIX)
			return (uint8_t)p;
	return 0;
}

/* Message Control's enable and mask bits (PCI 3.0 §6.8.2.3). */
static void virtio_pci_config_written(struct pci_device *pd, uint32_t offset, uint32_t size)
{
	struct virtio_pci *vp = (struct virtio_pci *)pd;
	uint32_t control = vp_msix_cap(vp) + PCI_MSIX_FLAGS;
	if (offset + size <= control || offset >= control + 2)
		return;
	pthread_mutex_lock(&vp->vdev->lock);
	msix_control_write(&vp->msix, pci_config_get16(pd, control));
	pthread_mutex_unlock(&vp->vdev->lock);
}

/* The notification addresses follow the BAR (§4.1.4.4): KVM signals each
 * queue's eventfd for a 16-bit write there, what Linux's vp_notify does. */
static void virtio_pci_bar_moved(struct pci_device *pd, int bar, uint64_t old, uint64_t now)
{
	struct virtio_pci *vp = (struct virtio_pci *)pd;
	struct virtio_device *d = vp->vdev;
	if (bar != VP_BAR || !vp->host->ioeventfd)
		return;
	for (uint16_t q = 0; q < d->num_queues; q++) {
		struct error err = { 0 };
		uint64_t off = VP_NOTIFY + (uint64_t)q * VP_NOTIFY_MULT;
		if (old != PCI_BAR_NONE)
			vp->host->ioeventfd(vp->host->opaque, old + off, 2, vp->notify[q].fd, false, &err);
		/* Refused (another BAR put over this one): the write exits
		 * and virtio_pci_bar_access passes it on. */
		if (now != PCI_BAR_NONE &&
		    vp->host->ioeventfd(vp->host->opaque, now + off, 2, vp->notify[q].fd, true, &err) < 0)
			fprintf(stderr, "minivmm: %s: %s: notifications exit to minivmm\n", d->ops->name,
				err.msg);
	}
}

static void virtio_pci_cap(struct virtio_pci *vp, uint8_t type, uint32_t offset, uint32_t length,
			   bool notify)
{
	struct virtio_pci_notify_cap c;
	memset(&c, 0, sizeof(c));
	c.cap.cap_vndr = PCI_CAP_ID_VNDR;
	c.cap.cap_len = notify ? sizeof(c) : sizeof(c.cap);
	c.cap.cfg_type = type;
	c.cap.bar = VP_BAR;
	le_put(&c.cap.offset, offset, 4);
	le_put(&c.cap.length, length, 4);
	le_put(&c.notify_off_multiplier, VP_NOTIFY_MULT, 4);
	pci_config_add_cap(&vp->pci, &c, c.cap.cap_len);
}

static void virtio_pci_config_space(struct virtio_pci *vp)
{
	struct pci_device *pd = &vp->pci;
	const struct virtio_device *d = vp->vdev;
	pci_config_set16(pd, PCI_VENDOR_ID, VIRTIO_PCI_VENDOR);
	pci_config_set16(pd, PCI_DEVICE_ID, VIRTIO_PCI_DEVICE_BASE + d->ops->device_id);
	pci_config_set8(pd, PCI_REVISION_ID, 1);   /* modern (§4.1.2.1) */
	pci_config_set32(pd, PCI_CLASS_REVISION,
			 virtio_pci_class(d->ops->device_id) << 8 | 1);
	pci_config_set16(pd, PCI_SUBSYSTEM_VENDOR_ID, VIRTIO_PCI_VENDOR);
	pci_config_set16(pd, PCI_SUBSYSTEM_ID, VIRTIO_PCI_SUBSYSTEM);
	pd->bar_size[VP_BAR] = VP_BAR_SIZE;
	virtio_pci_cap(vp, VIRTIO_PCI_CAP_COMMON_CFG, VP_COMMON, VP_COMMON_SIZE, false);
	virtio_pci_cap(vp, VIRTIO_PCI_CAP_NOTIFY_CFG, VP_NOTIFY,
		       (uint32_t)d->num_queues * VP_NOTIFY_MULT, true);
	virtio_pci_cap(vp, VIRTIO_PCI_CAP_ISR_CFG, VP_ISR, 1, false);
	if (d->ops->config_size)
		virtio_pci_cap(vp, VIRTIO_PCI_CAP_DEVICE_CFG, VP_DEVICE, d->ops->config_size, false);
	/* MSI-X (PCI 3.0 §6.8.2.1): table size - 1; table and PBA in BAR 0. */
	uint8_t msix[MSIX_CAP_SIZE] = { PCI_CAP_ID_MSIX };
	le_put(msix + PCI_MSIX_FLAGS, vp->msix.nvectors - 1u, 2);
	le_put(msix + PCI_MSIX_TABLE, VP_MSIX_TABLE | VP_BAR, 4);
	le_put(msix + PCI_MSIX_PBA, VP_MSIX_PBA | VP_BAR, 4);
	uint8_t at = pci_config_add_cap(pd, msix, sizeof(msix));
	le_put(pd->wmask + at + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 2);
}

static int virtio_pci_vectors(struct virtio_pci *vp, struct pci_bus *bus, struct error *err)
{
	struct msix *x = &vp->msix;
	uint32_t first;
	/* One vector per queue and one for configuration changes: what
	 * Linux asks for first (§4.1.5.1.2, vp_find_vqs_msix). */
	x->nvectors = (uint16_t)(vp->vdev->num_queues + 1);
	x->host = vp->host;
	for (int v = 0; v < MSIX_MAX_VECTORS; v++)
		x->fd[v] = -1;
	msix_reset(x);
	if (pci_bus_alloc_gsis(bus, x->nvectors, &first, err) < 0)
		return -1;
	for (uint16_t v = 0; v < x->nvectors; v++) {
		x->gsi[v] = first + v;
		x->fd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (x->fd[v] < 0)
			return error_set_host(err, "%s: eventfd: %s", vp->vdev->ops->name,
					      strerror(errno));
		if (vp->host->irqfd && vp->host->irqfd(vp->host->opaque, x->fd[v], x->gsi[v], err) < 0)
			return -1;
	}
	return 0;
}

int virtio_pci_init(struct virtio_pci *vp, struct virtio_device *d,
		    const struct guest_memory *mem, const struct pci_host *host,
		    struct pci_bus *bus, struct io_thread *io, struct error *err)
{
	memset(vp, 0, sizeof(*vp));
	vp->vdev = d;
	vp->mem = mem;
	vp->host = host;
	for (int q = 0; q < VIRTIO_MAX_QUEUES; q++)
		vp->notify[q].fd = -1;
	if (d->num_queues == 0 || d->num_queues > VIRTIO_MAX_QUEUES ||
	    d->num_queues + 1 > MSIX_MAX_VECTORS)
		return error_set_host(err, "%s: %u queues: not supported", d->ops->name,
				      d->num_queues);
	d->transport = vp;
	d->queues = vp->queues;
	d->raise = virtio_pci_raise;
	d->fail = virtio_pci_fail;
	d->queue_fds = virtio_pci_queue_fds;
	virtio_pci_reset(vp);
	for (uint16_t q = 0; q < d->num_queues; q++) {
		struct virtio_pci_notify *n = &vp->notify[q];
		n->vp = vp;
		n->q = q;
		n->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (n->fd < 0)
			return error_set_host(err, "%s: eventfd: %s", d->ops->name, strerror(errno));
		/* A back end reads the eventfd itself (SET_VRING_KICK). */
		if (io && !d->ops->backend_queues &&
		    io_thread_watch(io, n->fd, virtio_pci_notified, n, err) < 0)
			return -1;
	}
	if (virtio_pci_vectors(vp, bus, err) < 0)
		return -1;
	vp->pci.name = d->ops->name;
	vp->pci.bar_access = virtio_pci_bar_access;
	vp->pci.config_written = virtio_pci_config_written;
	vp->pci.bar_moved = virtio_pci_bar_moved;
	virtio_pci_config_space(vp);
	return pci_bus_add(bus, &vp->pci, err);
}

void virtio_pci_destroy(struct virtio_pci *vp)
{
	for (int q = 0; q < VIRTIO_MAX_QUEUES; q++)
		if (vp->notify[q].fd >= 0)
			close(vp->notify[q].fd);
	for (int v = 0; v < vp->msix.nvectors; v++)
		if (vp->msix.fd[v] >= 0)
			close(vp->msix.fd[v]);
}
