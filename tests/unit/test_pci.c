/* The PCI bus (conf1, ECAM, BARs, capabilities), MSI-X and the virtio PCI
 * transport, driven as a guest driver would, with KVM faked. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/virtio_pci.h>

#include "boot/layout.h"
#include "common/byteorder.h"
#include "tests/unit/unit.h"
#include "vmm/devices/virtio/virtio_pci.h"

/* ---- KVM, faked ----------------------------------------------------- */

struct fake_host {
	uint32_t routes, irqfds, ioeventfds_on, ioeventfds_off;
	uint64_t last_route_addr, last_ioeventfd_addr;
	uint32_t last_route_gsi, last_route_data;
};

static int fake_route(void *o, uint32_t gsi, uint64_t addr, uint32_t data, struct error *err)
{
	struct fake_host *h = o;
	(void)err;
	h->routes++;
	h->last_route_gsi = gsi;
	h->last_route_addr = addr;
	h->last_route_data = data;
	return 0;
}

static int fake_irqfd(void *o, int fd, uint32_t gsi, struct error *err)
{
	struct fake_host *h = o;
	(void)fd, (void)gsi, (void)err;
	h->irqfds++;
	return 0;
}

static int fake_ioeventfd(void *o, uint64_t addr, uint32_t len, int fd, bool assign,
			  struct error *err)
{
	struct fake_host *h = o;
	(void)fd, (void)err;
	ck_assert_uint_eq(len, 2);
	if (assign) {
		h->ioeventfds_on++;
		h->last_ioeventfd_addr = addr;
	} else {
		h->ioeventfds_off++;
	}
	return 0;
}

/* ---- a device type of two queues that answers every chain ------------ */

struct echo {
	struct virtio_device dev;
	uint32_t notified, started, resets;
	uint8_t config[8];
};

static void echo_config_read(struct virtio_device *d, uint32_t off, void *data, uint32_t size)
{
	memcpy(data, ((struct echo *)d)->config + off, size);
}

static void echo_notify(struct virtio_device *d, uint16_t q)
{
	struct echo *e = (struct echo *)d;
	static struct virtq_chain chain;
	e->notified++;
	while (virtio_device_pop(d, q, &chain) == 1)
		virtio_device_used(d, q, chain.head, 0);
}

static void echo_start(struct virtio_device *d)
{
	((struct echo *)d)->started++;
}

static void echo_reset(struct virtio_device *d)
{
	((struct echo *)d)->resets++;
}

static const struct virtio_device_ops echo_ops = {
	.name = "echo", .device_id = VIRTIO_ID_RNG, .config_size = 8,
	.config_read = echo_config_read, .start = echo_start, .notify = echo_notify,
	.reset = echo_reset,
};

struct rig {
	struct test_ram ram;
	struct fake_host fake;
	struct pci_host host;
	struct pci_bus bus;
	struct echo echo;
	struct virtio_pci vp;
};

static void rig_init_with(struct rig *r, const struct virtio_device_ops *ops,
			  struct io_thread *io)
{
	memset(r, 0, sizeof(*r));
	test_ram_init(&r->ram, 64 * MiB);
	r->host = (struct pci_host){ &r->fake, fake_route, fake_irqfd, fake_ioeventfd };
	pci_bus_init(&r->bus);
	r->echo.dev.ops = ops;
	pthread_mutex_init(&r->echo.dev.lock, NULL);
	r->echo.dev.num_queues = 2;
	r->echo.dev.queue_max_size = 64;
	r->echo.dev.offered = 1ULL << 3;
	memcpy(r->echo.config, "ABCDEFGH", 8);
	struct error err = { 0 };
	ck_assert_msg(virtio_pci_init(&r->vp, &r->echo.dev, &r->ram.mem, &r->host, &r->bus, io,
				      &err) == 0, "%s", err.msg);
}

static void rig_init(struct rig *r)
{
	rig_init_with(r, &echo_ops, NULL);
}

static void rig_free(struct rig *r)
{
	virtio_pci_destroy(&r->vp);
	test_ram_free(&r->ram);
}

static uint32_t conf1_read(struct pci_bus *bus, uint32_t slot, uint32_t reg, uint32_t size)
{
	uint8_t a[4], d[4] = { 0 };
	le_put(a, 0x80000000u | slot << 11 | (reg & 0xfc), 4);
	pci_conf1_io(bus, 0, true, a, 4);
	pci_conf1_io(bus, 4 + (reg & 3), false, d, size);
	return (uint32_t)le_get(d, size);
}

static void conf1_write(struct pci_bus *bus, uint32_t slot, uint32_t reg, uint32_t v,
			uint32_t size)
{
	uint8_t a[4], d[4];
	le_put(a, 0x80000000u | slot << 11 | (reg & 0xfc), 4);
	pci_conf1_io(bus, 0, true, a, 4);
	le_put(d, v, size);
	pci_conf1_io(bus, 4 + (reg & 3), true, d, size);
}

static uint32_t ecam_read(struct pci_bus *bus, uint32_t slot, uint32_t fn, uint32_t reg,
			  uint32_t size)
{
	uint8_t d[4] = { 0 };
	pci_ecam_mmio(bus, (uint64_t)slot << 15 | fn << 12 | reg, false, d, size);
	return (uint32_t)le_get(d, size);
}

/* BAR 0 of the rig's device, through the window as the guest sees it. */
static uint64_t bar_read(struct rig *r, uint64_t off, uint32_t size)
{
	uint8_t d[8] = { 0 };
	pci_window_mmio(&r->bus, r->vp.pci.bar_addr[0] + off - LAYOUT_PCI_MMIO_START, false, d, size);
	return le_get(d, size);
}

static void bar_write(struct rig *r, uint64_t off, uint64_t v, uint32_t size)
{
	uint8_t d[8];
	le_put(d, v, size);
	pci_window_mmio(&r->bus, r->vp.pci.bar_addr[0] + off - LAYOUT_PCI_MMIO_START, true, d, size);
}

START_TEST(pci_conf1_probe_and_host_bridge)
{
	struct pci_bus bus;
	pci_bus_init(&bus);
	/* Linux's pci_check_type1: a byte to 0xcfb, then the dword back. */
	uint8_t b = 0x01, a[4];
	pci_conf1_io(&bus, 3, true, &b, 1);
	le_put(a, 0x80000000u, 4);
	pci_conf1_io(&bus, 0, true, a, 4);
	memset(a, 0, 4);
	pci_conf1_io(&bus, 0, false, a, 4);
	ck_assert_uint_eq(le_get(a, 4), 0x80000000u);
	ck_assert_uint_eq(conf1_read(&bus, 0, PCI_VENDOR_ID, 2), 0x8086);
	ck_assert_uint_eq(conf1_read(&bus, 0, PCI_CLASS_DEVICE, 2), 0x0600);
	ck_assert_uint_eq(conf1_read(&bus, 0, PCI_HEADER_TYPE, 1), 0);
	/* Empty slots and other functions: all ones. */
	ck_assert_uint_eq(conf1_read(&bus, 5, PCI_VENDOR_ID, 4), 0xffffffffu);
	ck_assert_uint_eq(ecam_read(&bus, 0, 1, PCI_VENDOR_ID, 4), 0xffffffffu);
	/* Without the enable bit no config cycle happens. */
	le_put(a, 0x00000000u, 4);
	pci_conf1_io(&bus, 0, true, a, 4);
	pci_conf1_io(&bus, 4, false, a, 2);
	ck_assert_uint_eq(le_get(a, 2), 0xffff);
}
END_TEST

START_TEST(pci_ecam_matches_conf1)
{
	struct rig r;
	rig_init(&r);
	uint32_t slot = r.vp.pci.slot;
	ck_assert_uint_eq(slot, 1);
	for (uint32_t reg = 0; reg < 0x40; reg += 4)
		ck_assert_uint_eq(ecam_read(&r.bus, slot, 0, reg, 4), conf1_read(&r.bus, slot, reg, 4));
	ck_assert_uint_eq(ecam_read(&r.bus, slot, 0, PCI_VENDOR_ID, 2), 0x1af4);
	ck_assert_uint_eq(ecam_read(&r.bus, slot, 0, PCI_DEVICE_ID, 2), 0x1040 + VIRTIO_ID_RNG);
	ck_assert_uint_ge(ecam_read(&r.bus, slot, 0, PCI_REVISION_ID, 1), 1);
	ck_assert_uint_ge(ecam_read(&r.bus, slot, 0, PCI_SUBSYSTEM_ID, 2), 0x40);
	/* Extended space: an empty capability list.  Misaligned: ones. */
	ck_assert_uint_eq(ecam_read(&r.bus, slot, 0, 0x100, 4), 0);
	ck_assert_uint_eq(ecam_read(&r.bus, slot, 0, 0x3, 2), 0xffff);
	rig_free(&r);
}
END_TEST

START_TEST(pci_bar_sizing_and_moves)
{
	struct rig r;
	rig_init(&r);
	uint32_t slot = r.vp.pci.slot, bar = PCI_BASE_ADDRESS_0;
	uint32_t addr = conf1_read(&r.bus, slot, bar, 4);
	ck_assert_uint_eq(addr, LAYOUT_PCI_MMIO_START);
	ck_assert_uint_eq(r.vp.pci.bar_addr[0], addr);
	uint32_t queues_on = r.fake.ioeventfds_on;
	ck_assert_uint_eq(queues_on, 2);
	/* Linux sizes with decoding off: nothing moves in KVM meanwhile. */
	conf1_write(&r.bus, slot, PCI_COMMAND, 0, 2);
	ck_assert_uint_eq(r.vp.pci.bar_addr[0], PCI_BAR_NONE);
	ck_assert_uint_eq(r.fake.ioeventfds_off, 2);
	conf1_write(&r.bus, slot, bar, 0xffffffffu, 4);
	ck_assert_uint_eq(conf1_read(&r.bus, slot, bar, 4), 0xffff8000u);   /* 32 KiB, 32-bit memory */
	conf1_write(&r.bus, slot, bar, addr + 0x100000, 4);
	conf1_write(&r.bus, slot, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert_uint_eq(r.vp.pci.bar_addr[0], addr + 0x100000);
	ck_assert_uint_eq(r.fake.ioeventfds_on, 4);
	ck_assert_uint_eq(r.fake.last_ioeventfd_addr, addr + 0x100000 + 0x3000 + 4);
	ck_assert_uint_eq(bar_read(&r, 0x2000, 4), le_get("ABCD", 4));
	/* Over RAM (a hostile guest): decodes nowhere, the window is quiet. */
	conf1_write(&r.bus, slot, bar, 0x100000, 4);
	ck_assert_uint_eq(r.vp.pci.bar_addr[0], PCI_BAR_NONE);
	uint8_t d[4];
	pci_window_mmio(&r.bus, 0x2000 + 0x100000, false, d, 4);
	ck_assert_uint_eq(le_get(d, 4), 0xffffffffu);
	/* Unimplemented BARs read 0 and take nothing. */
	conf1_write(&r.bus, slot, PCI_BASE_ADDRESS_1, 0xffffffffu, 4);
	ck_assert_uint_eq(conf1_read(&r.bus, slot, PCI_BASE_ADDRESS_1, 4), 0);
	rig_free(&r);
}
END_TEST

START_TEST(pci_capabilities_describe_virtio)
{
	struct rig r;
	rig_init(&r);
	const uint8_t *c = r.vp.pci.config;
	ck_assert(le_get(c + PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	unsigned seen = 0, n = 0;
	for (unsigned p = c[PCI_CAPABILITY_LIST]; p; p = c[p + 1], n++) {
		ck_assert_uint_eq(p % 4, 0);
		ck_assert_uint_ge(p, 0x40);
		ck_assert_uint_lt(n, 8);
		if (c[p] == PCI_CAP_ID_VNDR) {
			const struct virtio_pci_cap *v = (const void *)(c + p);
			seen |= 1u << v->cfg_type;
			ck_assert_uint_eq(v->bar, 0);
			if (v->cfg_type == VIRTIO_PCI_CAP_NOTIFY_CFG)
				ck_assert_uint_eq(le_get(c + p + 16, 4), 4);   /* multiplier */
		} else if (c[p] == PCI_CAP_ID_MSIX) {
			ck_assert_uint_eq(le_get(c + p + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE, 2);
			seen |= 1u << 15;
		}
	}
	ck_assert_uint_eq(seen, 1u << VIRTIO_PCI_CAP_COMMON_CFG | 1u << VIRTIO_PCI_CAP_NOTIFY_CFG |
			  1u << VIRTIO_PCI_CAP_ISR_CFG | 1u << VIRTIO_PCI_CAP_DEVICE_CFG | 1u << 15);
	rig_free(&r);
}
END_TEST

/* Status, features and one queue, as Linux's virtio_pci_modern does it. */
static void driver_setup_queue(struct rig *r, uint16_t q, uint16_t size, uint64_t desc)
{
	bar_write(r, VIRTIO_PCI_COMMON_Q_SELECT, q, 2);
	bar_write(r, VIRTIO_PCI_COMMON_Q_SIZE, size, 2);
	bar_write(r, VIRTIO_PCI_COMMON_Q_DESCLO, desc, 4);
	bar_write(r, VIRTIO_PCI_COMMON_Q_DESCHI, 0, 4);
	bar_write(r, VIRTIO_PCI_COMMON_Q_AVAILLO, desc + 16 * size, 8);
	bar_write(r, VIRTIO_PCI_COMMON_Q_USEDLO, desc + 0x1000, 8);
	bar_write(r, VIRTIO_PCI_COMMON_Q_MSIX, q, 2);
	bar_write(r, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
}

static void driver_features(struct rig *r, uint64_t f)
{
	bar_write(r, VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
	bar_write(r, VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	bar_write(r, VIRTIO_PCI_COMMON_GF, (uint32_t)f, 4);
	bar_write(r, VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	bar_write(r, VIRTIO_PCI_COMMON_GF, f >> 32, 4);
	bar_write(r, VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		  VIRTIO_CONFIG_S_FEATURES_OK, 1);
}

START_TEST(virtio_pci_features_need_version_1)
{
	struct rig r;
	rig_init(&r);
	bar_write(&r, VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
	ck_assert_uint_eq(bar_read(&r, VIRTIO_PCI_COMMON_DF, 4) & 1, 1);   /* VERSION_1 is bit 32 */
	bar_write(&r, VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
	ck_assert_uint_eq(bar_read(&r, VIRTIO_PCI_COMMON_DF, 4) & (1u << 3), 1u << 3);
	ck_assert_uint_eq(bar_read(&r, VIRTIO_PCI_COMMON_NUMQ, 2), 2);
	/* A legacy driver's features: refused, FEATURES_OK reads clear. */
	driver_features(&r, 1u << 3);
	ck_assert_uint_eq(bar_read(&r, VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_FEATURES_OK, 0);
	/* A feature not offered: refused too. */
	bar_write(&r, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	driver_features(&r, 1ULL << VIRTIO_F_VERSION_1 | 1u << 5);
	ck_assert_uint_eq(bar_read(&r, VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_FEATURES_OK, 0);
	bar_write(&r, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	ck_assert_uint_eq(bar_read(&r, VIRTIO_PCI_COMMON_STATUS, 1), 0);
	ck_assert_uint_ge(r.echo.resets, 2);
	driver_features(&r, 1ULL << VIRTIO_F_VERSION_1 | 1u << 3);
	ck_assert_uint_eq(bar_read(&r, VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_FEATURES_OK,
			  VIRTIO_CONFIG_S_FEATURES_OK);
	ck_assert_uint_eq(r.echo.dev.features, 1ULL << VIRTIO_F_VERSION_1 | 1u << 3);
	rig_free(&r);
}
END_TEST

START_TEST(virtio_pci_bad_queue_needs_reset)
{
	struct rig r;
	rig_init(&r);
	driver_features(&r, 1ULL << VIRTIO_F_VERSION_1);
	driver_setup_queue(&r, 0, 3, 0x100000);          /* not a power of two */
	ck_assert(bar_read(&r, VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	ck_assert_uint_eq(bar_read(&r, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	bar_write(&r, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	driver_features(&r, 1ULL << VIRTIO_F_VERSION_1);
	driver_setup_queue(&r, 1, 128, 0x100000);        /* larger than offered */
	ck_assert(bar_read(&r, VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	bar_write(&r, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	driver_features(&r, 1ULL << VIRTIO_F_VERSION_1);
	driver_setup_queue(&r, 1, 64, LAYOUT_MMIO_HOLE_START - 0x800);  /* rings off RAM's end */
	ck_assert(bar_read(&r, VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* A queue index the device does not have: size 0, writes vanish. */
	bar_write(&r, VIRTIO_PCI_COMMON_Q_SELECT, 7, 2);
	ck_assert_uint_eq(bar_read(&r, VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
	bar_write(&r, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	virtio_pci_notify_queue(&r.vp, 7);
	ck_assert_uint_eq(r.echo.notified, 0);
	rig_free(&r);
}
END_TEST

/* One chain of one writable buffer in queue 0 (size 4) at ring. */
static void driver_post(struct rig *r, uint64_t ring, uint16_t idx)
{
	uint8_t desc[16];
	le_put(desc, 0x200000, 8);
	le_put(desc + 8, 64, 4);
	le_put(desc + 12, VRING_DESC_F_WRITE, 2);
	le_put(desc + 14, 0, 2);
	guest_memory_write(&r->ram.mem, ring + 16 * (idx % 4), desc, 16);
	uint8_t e[2];
	le_put(e, idx % 4, 2);
	guest_memory_write(&r->ram.mem, ring + 64 + 4 + 2 * (idx % 4), e, 2);
	le_put(e, (uint16_t)(idx + 1), 2);
	guest_memory_write(&r->ram.mem, ring + 64 + 2, e, 2);
}

START_TEST(virtio_pci_msix_masking_and_pending)
{
	struct rig r;
	rig_init(&r);
	uint64_t ring = 0x100000;
	driver_features(&r, 1ULL << VIRTIO_F_VERSION_1);
	driver_setup_queue(&r, 0, 4, ring);
	ck_assert_uint_eq(bar_read(&r, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	ck_assert_uint_eq(bar_read(&r, VIRTIO_PCI_COMMON_Q_MSIX, 2), 0);
	bar_write(&r, VIRTIO_PCI_COMMON_Q_MSIX, 99, 2);    /* no such vector: refused */
	ck_assert_uint_eq(bar_read(&r, VIRTIO_PCI_COMMON_Q_MSIX, 2), 0);
	bar_write(&r, VIRTIO_PCI_COMMON_STATUS, 0x0f, 1);
	ck_assert_uint_eq(r.echo.started, 1);
	/* MSI-X off: the interrupt waits in the PBA. */
	driver_post(&r, ring, 0);
	virtio_pci_notify_queue(&r.vp, 0);
	ck_assert_uint_eq(r.echo.notified, 1);
	ck_assert_uint_eq(r.vp.msix.fired, 0);
	ck_assert_uint_eq(bar_read(&r, 0x6000, 8) & 1, 1);
	ck_assert_uint_eq(bar_read(&r, 0x1000, 1), 1);      /* ISR: queue, then clear */
	ck_assert_uint_eq(bar_read(&r, 0x1000, 1), 0);
	/* Enable MSI-X, program vector 0 (still masked), then unmask: fires. */
	uint32_t ctl = 0;
	for (unsigned p = r.vp.pci.config[PCI_CAPABILITY_LIST]; p; p = r.vp.pci.config[p + 1])
		if (r.vp.pci.config[p] == PCI_CAP_ID_MSIX)
			ctl = p + PCI_MSIX_FLAGS;
	ck_assert_uint_ne(ctl, 0);
	conf1_write(&r.bus, r.vp.pci.slot, ctl, PCI_MSIX_FLAGS_ENABLE, 2);
	ck_assert(r.vp.msix.enabled);
	bar_write(&r, 0x4000, 0xfee00000, 4);
	bar_write(&r, 0x4008, 0x41, 4);
	ck_assert_uint_eq(r.fake.routes, 0);                /* masked: no route yet */
	bar_write(&r, 0x400c, 0, 4);
	ck_assert_uint_eq(r.fake.routes, 1);
	ck_assert_uint_eq(r.fake.last_route_addr, 0xfee00000);
	ck_assert_uint_eq(r.fake.last_route_data, 0x41);
	ck_assert_uint_eq(r.fake.last_route_gsi, r.vp.msix.gsi[0]);
	ck_assert_uint_eq(r.vp.msix.fired, 1);
	ck_assert_uint_eq(bar_read(&r, 0x6000, 8) & 1, 0);
	/* Unmasked: the next one fires at once. */
	driver_post(&r, ring, 1);
	virtio_pci_notify_queue(&r.vp, 0);
	ck_assert_uint_eq(r.vp.msix.fired, 2);
	/* Hostile table accesses: past the table, odd sizes, the PBA written. */
	bar_write(&r, 0x4000 + 16 * 100, 1, 4);
	bar_write(&r, 0x4001, 1, 2);
	bar_write(&r, 0x6000, ~0ULL, 8);
	ck_assert_uint_eq(bar_read(&r, 0x4000 + 16 * 100, 4), 0);
	ck_assert_uint_eq(bar_read(&r, 0x6000, 8), 0);
	rig_free(&r);
}
END_TEST

START_TEST(virtio_pci_device_config_bounds)
{
	struct rig r;
	rig_init(&r);
	ck_assert_uint_eq(bar_read(&r, 0x2004, 4), le_get("EFGH", 4));
	ck_assert_uint_eq(bar_read(&r, 0x2006, 4), 0);      /* runs past the 8 bytes */
	ck_assert_uint_eq(bar_read(&r, 0x2100, 1), 0);
	bar_write(&r, 0x2000, 0, 4);                       /* read-only: ignored */
	ck_assert_uint_eq(bar_read(&r, 0x2000, 4), le_get("ABCD", 4));
	ck_assert_uint_eq(bar_read(&r, VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	/* An access through the window's end is nobody's. */
	uint8_t d[8];
	pci_window_mmio(&r.bus, r.vp.pci.bar_addr[0] + 0x8000 - 4 - LAYOUT_PCI_MMIO_START, false, d, 8);
	ck_assert_uint_eq(le_get(d, 8), ~0ULL);
	rig_free(&r);
}
END_TEST

/* A device whose queues a vhost-user back end serves (virtio_fs.c). */
static const struct virtio_device_ops backend_ops = {
	.name = "backend", .device_id = VIRTIO_ID_FS, .config_size = 8,
	.config_read = echo_config_read, .start = echo_start, .notify = echo_notify,
	.reset = echo_reset, .backend_queues = true,
};

START_TEST(virtio_pci_backend_queues_go_to_the_back_end)
{
	struct rig r;
	struct io_thread io;
	struct error err = { 0 };
	/* The I/O thread watches an ordinary device's notifications... */
	ck_assert_msg(io_thread_init(&io, &err) == 0, "%s", err.msg);
	rig_init_with(&r, &echo_ops, &io);
	ck_assert_int_eq(io.nwatches, 2);
	rig_free(&r);
	io_thread_destroy(&io);
	/* ...and none of a back end's: it reads the eventfds itself. */
	ck_assert_msg(io_thread_init(&io, &err) == 0, "%s", err.msg);
	rig_init_with(&r, &backend_ops, &io);
	ck_assert_int_eq(io.nwatches, 0);
	/* Offered: exactly the device's bits, no ring features of ours. */
	r.echo.dev.offered = 1ULL << VIRTIO_F_VERSION_1 | 1u << 3;
	bar_write(&r, VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
	ck_assert_uint_eq(bar_read(&r, VIRTIO_PCI_COMMON_DF, 4), 1u << 3);
	bar_write(&r, VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
	ck_assert_uint_eq(bar_read(&r, VIRTIO_PCI_COMMON_DF, 4), 1);
	driver_features(&r, 1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_RING_F_EVENT_IDX);
	ck_assert_uint_eq(bar_read(&r, VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_FEATURES_OK, 0);
	bar_write(&r, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	driver_features(&r, 1ULL << VIRTIO_F_VERSION_1);
	driver_setup_queue(&r, 0, 4, 0x100000);
	driver_setup_queue(&r, 1, 4, 0x110000);
	bar_write(&r, VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
	bar_write(&r, VIRTIO_PCI_COMMON_STATUS, 0x0f, 1);
	ck_assert_uint_eq(r.echo.started, 1);
	/* The eventfds: kick = the notification's, call = the vector's. */
	int kick, call;
	r.echo.dev.queue_fds(&r.echo.dev, 0, &kick, &call);
	ck_assert_int_eq(kick, r.vp.notify[0].fd);
	ck_assert_int_eq(call, r.vp.msix.fd[0]);
	r.echo.dev.queue_fds(&r.echo.dev, 1, &kick, &call);
	ck_assert_int_eq(kick, r.vp.notify[1].fd);
	ck_assert_int_eq(call, r.vp.msix.fd[1]);
	r.echo.dev.queue_fds(&r.echo.dev, 9, &kick, &call);
	ck_assert_int_eq(kick, -1);
	ck_assert_int_eq(call, -1);
	/* A notification that exits to us lands in the kick eventfd. */
	bar_write(&r, 0x3000 + 4, 1, 2);
	uint64_t count = 0;
	ck_assert_int_eq(read(r.vp.notify[1].fd, &count, sizeof(count)), sizeof(count));
	ck_assert_uint_eq(count, 1);
	ck_assert_uint_eq(r.echo.notified, 0);
	/* NO_VECTOR: no call eventfd. */
	bar_write(&r, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	driver_features(&r, 1ULL << VIRTIO_F_VERSION_1);
	bar_write(&r, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	bar_write(&r, VIRTIO_PCI_COMMON_Q_MSIX, VIRTIO_MSI_NO_VECTOR, 2);
	r.echo.dev.queue_fds(&r.echo.dev, 0, &kick, &call);
	ck_assert_int_eq(call, -1);
	rig_free(&r);
	io_thread_destroy(&io);
}
END_TEST

Suite *pci_suite(void)
{
	Suite *s = suite_create("pci");
	TCase *t = tcase_create("bus");
	tcase_add_test(t, pci_conf1_probe_and_host_bridge);
	tcase_add_test(t, pci_ecam_matches_conf1);
	tcase_add_test(t, pci_bar_sizing_and_moves);
	tcase_add_test(t, pci_capabilities_describe_virtio);
	suite_add_tcase(s, t);
	t = tcase_create("virtio-pci");
	tcase_add_test(t, virtio_pci_features_need_version_1);
	tcase_add_test(t, virtio_pci_bad_queue_needs_reset);
	tcase_add_test(t, virtio_pci_msix_masking_and_pending);
	tcase_add_test(t, virtio_pci_device_config_bounds);
	tcase_add_test(t, virtio_pci_backend_queues_go_to_the_back_end);
	suite_add_tcase(s, t);
	return s;
}
