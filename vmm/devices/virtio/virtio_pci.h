/* The virtio PCI transport (virtio 1.2 §4.1): a modern, non-transitional
 * PCI function per virtio device, with its common, notify, ISR and device
 * configuration structures and its MSI-X table in one memory BAR.  Queue
 * notifications arrive through ioeventfds on the I/O thread; interrupts
 * leave through MSI-X vectors (irqfd). */
#ifndef MINIVMM_VMM_DEVICES_VIRTIO_VIRTIO_PCI_H
#define MINIVMM_VMM_DEVICES_VIRTIO_VIRTIO_PCI_H

#include "kvm/guest_memory.h"
#include "vmm/devices/virtio/virtio.h"
#include "vmm/io_thread.h"
#include "vmm/pci/pci.h"

struct virtio_pci;

/* A notification eventfd and the queue it is for. */
struct virtio_pci_notify {
	struct virtio_pci *vp;
	uint16_t q;
	int fd;
};

struct virtio_pci {
	struct pci_device pci;
	struct virtio_device *vdev;
	struct msix msix;
	const struct guest_memory *mem;
	const struct pci_host *host;
	struct virtq queues[VIRTIO_MAX_QUEUES];
	uint16_t queue_vector[VIRTIO_MAX_QUEUES];
	struct virtio_pci_notify notify[VIRTIO_MAX_QUEUES];
	uint32_t device_feature_select, driver_feature_select;
	uint64_t driver_features;
	uint16_t config_vector, queue_select;
	uint8_t status, isr, config_generation;
	bool fail_reported;
};

/* Makes vdev (filled by its type) a PCI function on bus with its MSI-X
 * vectors wired through host, and its notifications watched by io.  The
 * caller keeps vp where it is until virtio_pci_destroy. */
int virtio_pci_init(struct virtio_pci *vp, struct virtio_device *vdev,
		    const struct guest_memory *mem, const struct pci_host *host,
		    struct pci_bus *bus, struct io_thread *io, struct error *err);
void virtio_pci_destroy(struct virtio_pci *vp);

/* The notification for queue q as KVM would signal it (tests, and a
 * notify write that reached us instead of the ioeventfd). */
void virtio_pci_notify_queue(struct virtio_pci *vp, uint16_t q);

#endif
