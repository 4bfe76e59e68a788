/* virtio-fs (virtio 1.2 §5.11) over vhost-user: the configuration and the
 * feature negotiation are ours, the queues the back end's. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/byteorder.h"
#include "vmm/devices/virtio/virtio_fs.h"

/* What we let through of the back end's features: the ring features our
 * transport can describe (split rings only, virtq.c), VERSION_1 (§6.1).
 * Hidden: LOG_ALL and PROTOCOL_FEATURES, which are vhost-user's own
 * (vhost-user.rst), and VIRTIO_FS_F_NOTIFICATION (§5.11.3), which needs
 * a notification queue and a config field we do not present. */
#define VIRTIO_FS_PASSED_FEATURES (1ULL << VIRTIO_F_VERSION_1 | \
				   1ULL << VIRTIO_RING_F_INDIRECT_DESC | \
				   1ULL << VIRTIO_RING_F_EVENT_IDX)

static void virtio_fs_config_read(struct virtio_device *d, uint32_t offset, void *data,
				  uint32_t size)
{
	struct virtio_fs *fs = (struct virtio_fs *)d;
	uint8_t config[VIRTIO_FS_CONFIG_SIZE];
	memcpy(config, fs->tag, VIRTIO_FS_TAG_SIZE);
	/* §5.11.4: num_request_queues, le32; virtiofsd 7.2 serves one. */
	le_put(config + VIRTIO_FS_TAG_SIZE, VIRTIO_FS_NUM_QUEUES - 1, 4);
	memcpy(data, config + offset, size);
}

/* Takes the rings back from the back end; a back end that does not
 * answer is said once on stderr (the guest's reset goes on regardless). */
static void virtio_fs_stop(struct virtio_fs *fs)
{
	struct error err = { 0 };
	if (!fs->started)
		return;
	fs->started = false;
	if (vhost_user_stop(&fs->vu, fs->rings, fs->nrings, &err) < 0)
		fprintf(stderr, "minivmm: virtio-fs %s: %s\n", fs->tag, err.msg);
}

/* DRIVER_OK: the rings the driver enabled go to the back end. */
static void virtio_fs_start(struct virtio_device *d)
{
	struct virtio_fs *fs = (struct virtio_fs *)d;
	struct error err = { 0 };
	virtio_fs_stop(fs);
	fs->nrings = 0;
	for (uint16_t q = 0; q < VIRTIO_FS_NUM_QUEUES; q++) {
		const struct virtq *vq = &d->queues[q];
		if (!vq->ready)
			continue;
		struct vhost_user_ring *r = &fs->rings[fs->nrings++];
		*r = (struct vhost_user_ring){
			.index = q, .size = vq->size, .desc_gpa = vq->desc_gpa,
			.avail_gpa = vq->avail_gpa, .used_gpa = vq->used_gpa,
		};
		d->queue_fds(d, q, &r->kick_fd, &r->call_fd);
	}
	if (vhost_user_start(&fs->vu, d->features, fs->mem, fs->rings, fs->nrings, &err) < 0) {
		/* DEVICE_NEEDS_RESET, and the transport's one line on stderr. */
		(d->fail)(d, err.msg);
		return;
	}
	fs->started = true;
}

static void virtio_fs_reset(struct virtio_device *d)
{
	virtio_fs_stop((struct virtio_fs *)d);
}

/* Never called (backend_queues): the back end reads the kick eventfds. */
static void virtio_fs_notify(struct virtio_device *d, uint16_t q)
{
	(void)d;
	(void)q;
}

static const struct virtio_device_ops virtio_fs_ops = {
	.name = "virtio-fs",
	.device_id = VIRTIO_ID_FS,
	.config_size = VIRTIO_FS_CONFIG_SIZE,
	.config_read = virtio_fs_config_read,
	.start = virtio_fs_start,
	.notify = virtio_fs_notify,
	.reset = virtio_fs_reset,
	.backend_queues = true,
};

int virtio_fs_init(struct virtio_fs *fs, const char *tag, const struct guest_memory *mem,
		   int backend_fd, const char *backend_name, struct error *err)
{
	memset(fs, 0, sizeof(*fs));
	fs->vu.fd = -1;
	size_t len = strlen(tag);
	if (len == 0 || len > VIRTIO_FS_TAG_SIZE || strchr(tag, '\n')) {
		if (backend_fd >= 0)
			close(backend_fd);
		return error_set(err, "virtio-fs tag '%s': want 1 to %d bytes, no newline", tag,
				 VIRTIO_FS_TAG_SIZE);
	}
	memcpy(fs->tag, tag, len);   /* NUL-padded, unterminated when 36 bytes long */
	fs->mem = mem;
	if (mem->fd < 0) {
		if (backend_fd >= 0)
			close(backend_fd);
		return error_set_host(err, "virtio-fs %s: guest RAM is not shared memory, "
				      "the back end cannot map it", tag);
	}
	if (vhost_user_init(&fs->vu, backend_fd, backend_name, err) < 0) {
		vhost_user_close(&fs->vu);
		return -1;
	}
	if (!(fs->vu.features >> VIRTIO_F_VERSION_1 & 1) ||
	    (fs->vu.queue_num && fs->vu.queue_num < VIRTIO_FS_NUM_QUEUES)) {
		error_set_host(err, "vhost-user back end %s: features 0x%llx, %llu queues: not a "
			       "virtio 1 device with a hiprio and a request queue", backend_name,
			       (unsigned long long)fs->vu.features,
			       (unsigned long long)fs->vu.queue_num);
		vhost_user_close(&fs->vu);
		return -1;
	}
	fs->dev.ops = &virtio_fs_ops;
	fs->dev.offered = fs->vu.features & VIRTIO_FS_PASSED_FEATURES;
	fs->dev.num_queues = VIRTIO_FS_NUM_QUEUES;
	fs->dev.queue_max_size = VIRTQ_MAX_SIZE;
	pthread_mutex_init(&fs->dev.lock, NULL);
	return 0;
}

void virtio_fs_backend_gone(struct virtio_fs *fs, const char *why)
{
	pthread_mutex_lock(&fs->dev.lock);
	vhost_user_close(&fs->vu);
	fs->started = false;
	(fs->dev.fail)(&fs->dev, why);
	pthread_mutex_unlock(&fs->dev.lock);
}

void virtio_fs_destroy(struct virtio_fs *fs)
{
	vhost_user_close(&fs->vu);
	if (fs->dev.ops)
		pthread_mutex_destroy(&fs->dev.lock);
	fs->dev.ops = NULL;
}
