/* libFuzzer target: the guest's side of PCI, as hostile as it gets: conf1
 * and ECAM config accesses, the BAR window (virtio common configuration,
 * ISR, device configuration, notifications, the MSI-X table and PBA) and
 * queue notifications, on a bus with one virtio device whose queues walk
 * rings in guest RAM the input also fills.  Only the sanitizers judge.
 * See tests/fuzz/fuzz.mk. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/layout.h"
#include "common/byteorder.h"
#include "vmm/devices/virtio/virtio_pci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_RAM (256 * 1024)

/* A device type that answers every chain, writing into its buffers. */
static void fuzz_notify(struct virtio_device *d, uint16_t q)
{
	static struct virtq_chain chain;
	while (virtio_device_pop(d, q, &chain) == 1) {
		uint8_t fill[64];
		memset(fill, 0xa5, sizeof(fill));
		uint64_t n = virtq_chain_write(&chain, 0, fill, sizeof(fill));
		virtio_device_used(d, q, chain.head, (uint32_t)n);
	}
}

static void fuzz_config_read(struct virtio_device *d, uint32_t off, void *data, uint32_t size)
{
	(void)d;
	memset(data, (int)off, size);
}

static const struct virtio_device_ops fuzz_ops = {
	.name = "fuzz", .device_id = VIRTIO_ID_RNG, .config_size = 16,
	.config_read = fuzz_config_read, .notify = fuzz_notify,
};

static int fuzz_route(void *o, uint32_t gsi, uint64_t a, uint32_t d, struct error *e)
{
	(void)o, (void)gsi, (void)a, (void)d, (void)e;
	return 0;
}

/* Each operation: kind, size, write?, offset (le32), value (le64). */
#define FUZZ_OP 15

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	if (!ram)
		ram = malloc(FUZZ_RAM);
	size_t ram_bytes = size < 4096 ? size : 4096;
	memset(ram, 0, FUZZ_RAM);
	memcpy(ram, data, ram_bytes);
	data += ram_bytes;
	size -= ram_bytes;

	struct guest_memory mem;
	if (guest_memory_init(&mem, ram, FUZZ_RAM, LAYOUT_MMIO_HOLE_START, LAYOUT_MMIO_HOLE_END,
			      NULL) < 0)
		__builtin_trap();
	struct pci_host host = { .msi_route = fuzz_route };
	struct pci_bus bus;
	pci_bus_init(&bus);
	struct virtio_device dev = {
		.ops = &fuzz_ops, .num_queues = 3, .queue_max_size = 16, .offered = 1,
	};
	pthread_mutex_init(&dev.lock, NULL);
	struct virtio_pci *vp = malloc(sizeof(*vp));
	if (!vp || virtio_pci_init(vp, &dev, &mem, &host, &bus, NULL, NULL) < 0)
		__builtin_trap();
	for (; size >= FUZZ_OP; data += FUZZ_OP, size -= FUZZ_OP) {
		uint8_t v[8];
		memcpy(v, data + 7, 8);
		uint32_t len = 1u << (data[1] % 4);    /* 1, 2, 4, 8 */
		uint32_t off = (uint32_t)le_get(data + 3, 4);
		bool is_write = data[2] & 1;
		switch (data[0] % 4) {
		case 0: pci_conf1_io(&bus, off % 8, is_write, v, len > 4 ? 4 : len); break;
		case 1: pci_ecam_mmio(&bus, off % LAYOUT_PCI_ECAM_SIZE, is_write, v, len > 4 ? 4 : len); break;
		case 2: pci_window_mmio(&bus, off % 0x40000, is_write, v, len); break;
		case 3: virtio_pci_notify_queue(vp, (uint16_t)(off % 4)); break;
		}
	}
	virtio_pci_destroy(vp);
	free(vp);
	pthread_mutex_destroy(&dev.lock);
	return 0;
}
