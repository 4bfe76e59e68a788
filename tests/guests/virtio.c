/* A hostile virtio driver (virtio 1.2 §2.7, §4.1): finds minivmm's
 * virtio-rng on PCI through ECAM, checks that an honest request is
 * answered, then breaks the rules one at a time, each on a freshly reset
 * device:
 *
 *   descriptors pointing into the MMIO hole, or wrapping around;
 *   a chain that loops; an indirect table inside an indirect table; an
 *   indirect table longer than the queue; an avail index that jumps by
 *   more than the queue size; a queue size that is not a power of two;
 *   MSI-X table, PBA and config space writes out of range;
 *   the BAR moved over RAM and back.
 *
 * After each, the device must say DEVICE_NEEDS_RESET (or, where the rule
 * is not the driver's to break, ignore the write) and answer the next
 * honest request after a reset: minivmm keeps running.  Prints
 * "virtio: ..." lines and exits through debug-exit with
 * GUEST_EXIT_VIRTIO_PASS (status 83), or "FAIL: virtio: ..." and
 * GUEST_EXIT_FAIL (255).  Run with --mem 64M. */
#include "lib.h"

void guest_main(uint64_t bp);

#define ECAM        0xe0000000ULL          /* boot/layout.h LAYOUT_PCI_ECAM */
#define HOLE        0xd0000000ULL          /* inside the MMIO hole, no BAR there */
#define RNG_ID      0x10441af4u            /* device 0x1040 + 4, vendor 0x1af4 */

/* BAR 0 of minivmm's virtio functions (vmm/devices/virtio/virtio_pci.c). */
#define COMMON 0x0000
#define ISR    0x1000
#define NOTIFY 0x3000
#define MSIX   0x4000
#define PBA    0x6000

/* Common configuration (§4.1.4.3). */
#define DFSELECT 0x00
#define GFSELECT 0x08
#define GF       0x0c
#define STATUS   0x14
#define Q_SELECT 0x16
#define Q_SIZE   0x18
#define Q_ENABLE 0x1c
#define Q_DESC   0x20
#define Q_AVAIL  0x28
#define Q_USED   0x30

#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 0x40

#define F_NEXT 1
#define F_WRITE 2
#define F_INDIRECT 4

#define QSIZE 4

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static struct desc ring_desc[QSIZE] __attribute__((aligned(4096)));
static struct { uint16_t flags, idx, ring[QSIZE], used_event; } avail __attribute__((aligned(4096)));
static struct { uint16_t flags, idx; struct { uint32_t id, len; } ring[QSIZE]; uint16_t avail_event; }
	used __attribute__((aligned(4096)));
static struct desc table[2 * QSIZE] __attribute__((aligned(16)));
static struct desc inner[1] __attribute__((aligned(16)));
static uint8_t buf[64];
static uint8_t ram_page[4096] __attribute__((aligned(4096)));
static uint16_t next_avail;

static volatile uint8_t *bar;
static volatile uint32_t *config;   /* the function's ECAM page */

__attribute__((noreturn)) static void fail(const char *what)
{
	puts_("FAIL: virtio: ");
	puts_(what);
	puts_("\n");
	debug_exit(GUEST_EXIT_FAIL, 1);
}

static uint8_t rd8(uint32_t off) { return bar[off]; }
static void wr8(uint32_t off, uint8_t v) { bar[off] = v; }
static void wr16(uint32_t off, uint16_t v) { *(volatile uint16_t *)(bar + off) = v; }
static void wr32(uint32_t off, uint32_t v) { *(volatile uint32_t *)(bar + off) = v; }
static void wr64(uint32_t off, uint64_t v) { *(volatile uint64_t *)(bar + off) = v; }

static void barrier(void)
{
	__asm__ volatile("mfence" ::: "memory");
}

/* Reset, VERSION_1 and INDIRECT_DESC, queue 0 of size qsize, DRIVER_OK.
 * False when the device refused (NEEDS_RESET). */
static int setup(uint16_t qsize)
{
	wr8(COMMON + STATUS, 0);
	if (rd8(COMMON + STATUS) != 0)
		fail("status does not read 0 after a reset");
	memset(ring_desc, 0, sizeof(ring_desc));
	memset(&avail, 0, sizeof(avail));
	memset(&used, 0, sizeof(used));
	next_avail = 0;
	wr8(COMMON + STATUS, S_ACK | S_DRIVER);
	wr32(COMMON + GFSELECT, 0);
	wr32(COMMON + GF, 1u << 28);                 /* INDIRECT_DESC */
	wr32(COMMON + GFSELECT, 1);
	wr32(COMMON + GF, 1);                        /* VERSION_1 (bit 32) */
	wr8(COMMON + STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	if (!(rd8(COMMON + STATUS) & S_FEATURES_OK))
		fail("features refused");
	wr16(COMMON + Q_SELECT, 0);
	wr16(COMMON + Q_SIZE, qsize);
	wr64(COMMON + Q_DESC, (uint64_t)ring_desc);
	wr64(COMMON + Q_AVAIL, (uint64_t)&avail);
	wr64(COMMON + Q_USED, (uint64_t)&used);
	wr16(COMMON + Q_ENABLE, 1);
	wr8(COMMON + STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return !(rd8(COMMON + STATUS) & S_NEEDS_RESET);
}

/* Publishes head and notifies; waits until the device used it (1) or said
 * NEEDS_RESET (0).  The device works on another thread: poll RAM mostly. */
static int submit(uint16_t head, uint16_t idx_step)
{
	uint16_t before = used.idx;
	avail.ring[next_avail % QSIZE] = head;
	barrier();
	next_avail = (uint16_t)(next_avail + idx_step);
	avail.idx = next_avail;
	barrier();
	wr16(NOTIFY + 0, 0);
	for (uint64_t i = 0; i < 200000000; i++) {
		if (*(volatile uint16_t *)&used.idx != before)
			return 1;
		if (i % 4096 == 0 && (rd8(COMMON + STATUS) & S_NEEDS_RESET))
			return 0;
		__asm__ volatile("pause");
	}
	fail("the device neither answered nor asked for a reset");
}

static void set_desc(struct desc *d, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

/* An honest request: 64 bytes of entropy. */
static void honest(const char *after)
{
	if (!setup(QSIZE))
		fail("setup refused");
	memset(buf, 0, sizeof(buf));
	set_desc(&ring_desc[0], (uint64_t)buf, sizeof(buf), F_WRITE, 0);
	if (!submit(0, 1))
		fail("an honest request was refused");
	uint8_t any = 0;
	for (unsigned i = 0; i < sizeof(buf); i++)
		any |= buf[i];
	if (used.ring[0].id != 0 || used.ring[0].len == 0 || used.ring[0].len > sizeof(buf) || !any)
		fail("the honest request got no entropy");
	puts_("virtio: honest request after ");
	puts_(after);
	puts_(": ok\n");
}

/* The request in ring_desc from head must end in NEEDS_RESET. */
static void refused(const char *what, uint16_t head, uint16_t idx_step)
{
	if (submit(head, idx_step))
		fail(what);
	puts_("virtio: ");
	puts_(what);
	puts_(": needs reset\n");
	honest(what);
}

static void find_device(void)
{
	for (uint32_t slot = 1; slot < 32; slot++) {
		volatile uint32_t *c = (volatile uint32_t *)(ECAM + ((uint64_t)slot << 15));
		if (c[0] == RNG_ID) {
			config = c;
			bar = (volatile uint8_t *)(uint64_t)(c[4] & ~0xfu);
			puts_("virtio: virtio-rng in slot ");
			put_dec(slot);
			puts_(", BAR 0 at ");
			put_hex((uint64_t)bar);
			puts_("\n");
			return;
		}
	}
	fail("no virtio-rng on bus 0");
}

void guest_main(uint64_t bp)
{
	(void)bp;
	find_device();
	honest("nothing");

	setup(QSIZE);
	set_desc(&ring_desc[0], HOLE, 64, F_WRITE, 0);
	refused("a buffer in the MMIO hole", 0, 1);

	setup(QSIZE);
	set_desc(&ring_desc[0], 0xfffffffffffff000ULL, 0x2000, F_WRITE, 0);
	refused("a buffer that wraps around", 0, 1);

	setup(QSIZE);
	set_desc(&ring_desc[0], (uint64_t)buf, 8, F_WRITE | F_NEXT, 1);
	set_desc(&ring_desc[1], (uint64_t)buf, 8, F_WRITE | F_NEXT, 0);
	refused("a chain that loops", 0, 1);

	setup(QSIZE);
	set_desc(&inner[0], (uint64_t)buf, 8, F_WRITE, 0);
	set_desc(&table[0], (uint64_t)inner, sizeof(inner), F_INDIRECT, 0);
	set_desc(&ring_desc[0], (uint64_t)table, 16, F_INDIRECT, 0);
	refused("an indirect table inside an indirect table", 0, 1);

	setup(QSIZE);
	for (uint16_t i = 0; i < 2 * QSIZE; i++)
		set_desc(&table[i], (uint64_t)buf, 8, F_WRITE | (i + 1 < 2 * QSIZE ? F_NEXT : 0),
			 (uint16_t)(i + 1));
	set_desc(&ring_desc[0], (uint64_t)table, sizeof(table), F_INDIRECT, 0);
	refused("a chain longer than the queue", 0, 1);

	setup(QSIZE);
	set_desc(&ring_desc[0], (uint64_t)buf, 8, F_WRITE, 0);
	refused("an avail index that jumps by more than the queue size", 0, 100);

	if (setup(3))
		fail("a queue of size 3 was taken");
	puts_("virtio: a queue size that is not a power of two: needs reset\n");
	honest("a queue size of 3");

	/* Writes where nothing is: past the MSI-X table, into the PBA, the
	 * read-only IDs, extended config space.  Ignored. */
	wr32(MSIX + 16 * 100, 0xfee00000);
	wr32(MSIX + 0x1ff0, 1);
	wr64(PBA, ~0ULL);
	wr32(ISR, 0xff);
	config[0] = 0x12345678;
	for (uint32_t off = 0x100; off < 0x1000; off += 4)
		config[off / 4] = 0xffffffff;
	if (config[0] != RNG_ID || config[0x100 / 4] != 0)
		fail("config space took writes it should not");
	puts_("virtio: writes past MSI-X, the PBA and config space: ignored\n");
	honest("stray writes");

	/* The BAR over RAM: RAM wins, the device answers nowhere; back: it
	 * answers again. */
	uint32_t bar0 = config[4];
	for (unsigned i = 0; i < sizeof(ram_page); i++)
		ram_page[i] = (uint8_t)(0x5a ^ i);
	config[4] = (uint32_t)(uint64_t)ram_page;
	volatile uint8_t *moved = (volatile uint8_t *)ram_page;
	if (moved[COMMON + STATUS] != (uint8_t)(0x5a ^ STATUS))
		fail("a BAR over RAM hid the RAM");
	wr8(COMMON + STATUS, 0);   /* the old address: nothing there now */
	config[4] = bar0;
	puts_("virtio: the BAR over RAM and back: RAM stayed RAM\n");
	honest("the BAR moved");

	puts_("virtio: all checks passed\n");
	debug_exit(GUEST_EXIT_VIRTIO_PASS, 1);
}
