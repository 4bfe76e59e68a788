/* virtio-fs (virtio 1.2 §5.11, device ID 26) served by a vhost-user back
 * end (Debian's virtiofsd, vmm/virtiofsd.h): minivmm answers the device
 * configuration (tag, number of request queues) and the feature
 * negotiation; the back end serves the two queues (hiprio and one request
 * queue) straight from guest RAM, which must be shared memory.
 *
 * Machine wiring:
 *	kvm_vm_config.shared = true;            guest RAM as a memfd
 *	virtiofsd_start(&d, dir, ro, &err);     the back end, d.fd connected
 *	virtio_fs_init(&fs, tag, &vm.mem, d.fd, d.name, &err);   takes d.fd
 *	d.fd = -1;
 *	virtio_pci_init(&vp, &fs.dev, &vm.mem, host, bus, io, &err);
 *	io_thread_watch(io, d.exit_fd, handler, ...);
 *		handler: virtiofsd_exited(&d); virtio_fs_backend_gone(&fs, "virtiofsd for DIR exited");
 *	...
 *	virtio_pci_destroy(&vp); virtio_fs_destroy(&fs); virtiofsd_stop(&d, &err);
 */
#ifndef MINIVMM_VMM_DEVICES_VIRTIO_VIRTIO_FS_H
#define MINIVMM_VMM_DEVICES_VIRTIO_VIRTIO_FS_H

#include <stdbool.h>

#include "vmm/devices/virtio/vhost_user.h"
#include "vmm/devices/virtio/virtio.h"

#define VIRTIO_FS_TAG_SIZE      36   /* §5.11.4: tag[36], UTF-8, NUL-padded */
#define VIRTIO_FS_CONFIG_SIZE   40   /* tag + num_request_queues */
#define VIRTIO_FS_NUM_QUEUES    2    /* hiprio (0) + one request queue (1) */

struct virtio_fs {
	struct virtio_device dev;
	struct vhost_user vu;
	const struct guest_memory *mem;
	char tag[VIRTIO_FS_TAG_SIZE];
	/* The rings handed to the back end at the last start, for the stop. */
	struct vhost_user_ring rings[VIRTIO_FS_NUM_QUEUES];
	unsigned nrings;
	bool started;
};

/* A virtio-fs device named tag (1..36 bytes, no newline: Linux refuses
 * others) whose queues the back end on backend_fd (a connected vhost-user
 * socket, taken even on failure) serves, named backend_name in messages.
 * Says hello to the back end (vhost_user_init) and offers the guest what
 * it offers, less the vhost-user bits.  mem must be shared (mem->fd). */
int virtio_fs_init(struct virtio_fs *fs, const char *tag, const struct guest_memory *mem,
		   int backend_fd, const char *backend_name, struct error *err);
/* The back end is gone (virtiofsd's exit_fd became readable): the
 * device fails (DEVICE_NEEDS_RESET and the transport's one line, naming
 * why), and every later start fails at once.  Takes dev.lock: call it
 * from the I/O thread, after the transport took the device. */
void virtio_fs_backend_gone(struct virtio_fs *fs, const char *why);
/* Closes the back end's socket (it then exits) and the lock. */
void virtio_fs_destroy(struct virtio_fs *fs);

#endif
