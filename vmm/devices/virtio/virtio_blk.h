/* virtio-blk (virtio 1.2 §5.2) on a raw image file or a block device:
 * read, write, flush (fdatasync), discard and write-zeroes (holes
 * punched; zeroed in place without unmap), get-id (the serial number).
 * One request queue, no MQ; requests run on the I/O thread,
 * synchronously.  Offered: SEG_MAX, BLK_SIZE (512), FLUSH, and DISCARD
 * with WRITE_ZEROES read-write or RO read-only; the transport adds
 * VERSION_1 and the ring features. */
#ifndef MINIVMM_VMM_DEVICES_VIRTIO_VIRTIO_BLK_H
#define MINIVMM_VMM_DEVICES_VIRTIO_VIRTIO_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include <linux/virtio_blk.h>

#include "common/error.h"
#include "vmm/devices/virtio/virtio.h"

/* The configuration the device answers (§5.2.4): up to the write-zeroes
 * fields and their padding, what the features offered cover. */
#define VIRTIO_BLK_CONFIG_SIZE \
	(offsetof(struct virtio_blk_config, unused1) + sizeof(((struct virtio_blk_config *)0)->unused1))

struct virtio_blk {
	struct virtio_device dev;
	const char *path;
	int fd;
	bool read_only;
	uint64_t capacity;                   /* 512-byte sectors */
	char serial[VIRTIO_BLK_ID_BYTES];    /* NUL-padded, no NUL needed at the end */
	bool io_error_reported;
	struct virtq_chain chain;            /* scratch, under dev.lock */
	struct iovec iov[VIRTQ_MAX_SIZE];
};

/* Opens path (O_RDONLY read-only, O_RDWR otherwise) and locks it (flock,
 * exclusive for read-write, shared for read-only, as QEMU locks its
 * images, so two VMs never write one disk) and fills the virtio device.
 * A user error naming path, on one line: a serial longer than 20 bytes
 * (VIRTIO_BLK_ID_BYTES), missing, unreadable, a directory, not a regular
 * file or block device, locked by another process, empty, a size that is
 * not a multiple of 512 bytes.  path must outlive b. */
int virtio_blk_open(struct virtio_blk *b, const char *path, bool read_only, const char *serial,
		    struct error *err);
/* Closes the file (dropping the lock); nothing for a disk that did not
 * open. */
void virtio_blk_close(struct virtio_blk *b);

#endif
