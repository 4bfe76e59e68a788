/* vmm/devices/virtio/virtio_console.c played from both ends: the test is
 * the transport (queues, features, raise, fail, the lock) and the guest's
 * driver (split rings in fake RAM, virtio 1.2 §2.7), and walks the
 * multiport handshake of §5.3.6.2 as Linux's virtio_console does it. */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <linux/virtio_console.h>
#include <linux/virtio_ring.h>

#include "tests/unit/unit.h"
#include "vmm/devices/virtio/virtio_console.h"

#define T_RAM         (16 * MiB)
#define T_RING_BASE   0x10000ULL    /* queue q's rings at T_RING_BASE + q * T_RING_STRIDE */
#define T_RING_STRIDE 0x4000ULL
#define T_BUF_BASE    0x400000ULL   /* buffers, bump-allocated */
#define T_QSIZE       16            /* the driver's queue size */
#define T_CTRL_RX     2
#define T_CTRL_TX     3
#define T_STDOUT      "org.minivmm.stdout"

/* What the driver knows of one queue. */
struct t_drv {
	uint64_t desc, avail, used;
	uint16_t avail_idx, used_seen, next_desc;
	uint64_t head_gpa[T_QSIZE];   /* first buffer of the chain at each head */
	bool posted[T_QSIZE];         /* a chain at this head is the device's */
};

struct t_out {
	uint8_t data[16384];
	size_t len;
	int calls;
	int lock_busy;                /* calls made with dev.lock held */
};

static struct {
	struct test_ram ram;
	struct virtio_console con;
	struct virtq queues[VIRTIO_MAX_QUEUES];
	struct t_drv drv[VIRTIO_MAX_QUEUES];
	uint64_t buf_next;
	int raised[VIRTIO_MAX_QUEUES];
	int failed;
	struct t_out out[VIRTIO_CONSOLE_MAX_PORTS];
	char order[64];            /* '0' + port of each output call */
	size_t norder;
} F;

/* ---- The transport ---- */

static void t_raise(struct virtio_device *d, int q)
{
	ck_assert_ptr_eq(d, &F.con.dev);
	ck_assert_int_ge(q, 0);
	F.raised[q]++;
}

static void t_fail(struct virtio_device *d, const char *why)
{
	(void)d;
	(void)why;
	F.failed++;
}

static void t_output(void *opaque, const uint8_t *data, size_t len)
{
	struct t_out *o = opaque;
	ck_assert_uint_le(o->len + len, sizeof(o->data));
	memcpy(o->data + o->len, data, len);
	o->len += len;
	o->calls++;
	if (F.norder < sizeof(F.order) - 1)
		F.order[F.norder++] = (char)('0' + (o - F.out));
	if (pthread_mutex_trylock(&F.con.dev.lock) == EBUSY)
		o->lock_busy++;
	else
		pthread_mutex_unlock(&F.con.dev.lock);
}

/* A console of max_ports ports with none added yet, its transport fields
 * filled as virtio_pci would. */
static void t_setup(uint32_t max_ports)
{
	struct error err = { 0 };
	memset(&F, 0, sizeof(F));
	test_ram_init(&F.ram, T_RAM);
	F.buf_next = T_BUF_BASE;
	ck_assert_msg(virtio_console_init(&F.con, max_ports, &err) == 0, "%s", err.msg);
	F.con.dev.queues = F.queues;
	F.con.dev.raise = t_raise;
	F.con.dev.fail = t_fail;
}

/* Port 0 the console, port 1 named T_STDOUT; more unnamed ports up to
 * extra, with no output callback. */
static void t_setup_ports(uint32_t max_ports, uint32_t extra)
{
	struct error err = { 0 };
	t_setup(max_ports);
	ck_assert_int_eq(virtio_console_add_port(&F.con, NULL, true, t_output, &F.out[0], &err), 0);
	ck_assert_int_eq(virtio_console_add_port(&F.con, T_STDOUT, false, t_output, &F.out[1], &err),
			 1);
	for (uint32_t i = 0; i < extra; i++)
		ck_assert_int_eq(virtio_console_add_port(&F.con, NULL, false, NULL, NULL, &err),
				 (int)(2 + i));
}

static void t_teardown(void)
{
	ck_assert_int_eq(F.failed, 0);
	virtio_console_destroy(&F.con);
	test_ram_free(&F.ram);
}

static void *t_host(uint64_t gpa)
{
	return F.ram.host + gpa;
}

/* The driver sets queue q up and enables it (§4.1.5.1.3 as the transport
 * passes it on). */
static void t_enable(uint16_t q)
{
	struct error err = { 0 };
	struct virtq *vq = &F.queues[q];
	struct t_drv *d = &F.drv[q];
	ck_assert_uint_lt(q, F.con.dev.num_queues);
	memset(d, 0, sizeof(*d));
	d->desc = T_RING_BASE + q * T_RING_STRIDE;
	d->avail = d->desc + 0x1000;
	d->used = d->desc + 0x2000;
	memset(t_host(d->desc), 0, T_RING_STRIDE);
	virtq_reset(vq);
	vq->size = T_QSIZE;
	vq->desc_gpa = d->desc;
	vq->avail_gpa = d->avail;
	vq->used_gpa = d->used;
	ck_assert_msg(virtq_start(vq, &F.ram.mem, &err) == 0, "%s", err.msg);
}

static void t_enable_all(void)
{
	for (uint16_t q = 0; q < F.con.dev.num_queues; q++)
		t_enable(q);
}

static void t_driver_ok(uint64_t device_features)
{
	F.con.dev.features = device_features | 1ULL << VIRTIO_F_VERSION_1;
	pthread_mutex_lock(&F.con.dev.lock);
	F.con.dev.ops->start(&F.con.dev);
	pthread_mutex_unlock(&F.con.dev.lock);
}

static void t_notify(uint16_t q)
{
	pthread_mutex_lock(&F.con.dev.lock);
	F.con.dev.ops->notify(&F.con.dev, q);
	pthread_mutex_unlock(&F.con.dev.lock);
}

/* Status 0: the type's reset, then the transport resets the queues. */
static void t_reset(void)
{
	pthread_mutex_lock(&F.con.dev.lock);
	F.con.dev.ops->reset(&F.con.dev);
	for (uint16_t q = 0; q < VIRTIO_MAX_QUEUES; q++)
		virtq_reset(&F.queues[q]);
	F.con.dev.features = 0;
	pthread_mutex_unlock(&F.con.dev.lock);
}

/* ---- The driver ---- */

struct t_buf {
	uint64_t gpa;
	uint32_t len;
	bool writable;
};

static uint64_t t_alloc(size_t len)
{
	uint64_t gpa = F.buf_next;
	F.buf_next += (len + 15) & ~(size_t)15;
	ck_assert_uint_le(F.buf_next, T_RAM);
	return gpa;
}

static uint16_t t_post_chain(uint16_t q, const struct t_buf *bufs, int n)
{
	struct t_drv *d = &F.drv[q];
	struct vring_desc *desc = t_host(d->desc);
	struct vring_avail *avail = t_host(d->avail);
	uint16_t head = d->next_desc;
	for (int i = 0; i < n; i++) {
		uint16_t idx = (uint16_t)((head + i) % T_QSIZE);
		desc[idx].addr = htole64(bufs[i].gpa);
		desc[idx].len = htole32(bufs[i].len);
		desc[idx].flags = htole16((bufs[i].writable ? VRING_DESC_F_WRITE : 0) |
					  (i + 1 < n ? VRING_DESC_F_NEXT : 0));
		desc[idx].next = htole16((uint16_t)((idx + 1) % T_QSIZE));
	}
	d->next_desc = (uint16_t)((head + n) % T_QSIZE);
	d->head_gpa[head] = bufs[0].gpa;
	d->posted[head] = true;
	avail->ring[d->avail_idx % T_QSIZE] = htole16(head);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	d->avail_idx++;
	avail->idx = htole16(d->avail_idx);
	return head;
}

/* One writable buffer of len bytes; returns its address. */
static uint64_t t_post_in(uint16_t q, uint32_t len)
{
	struct t_buf b = { .gpa = t_alloc(len), .len = len, .writable = true };
	memset(t_host(b.gpa), 0xEE, len);
	t_post_chain(q, &b, 1);
	return b.gpa;
}

/* One readable buffer holding data. */
static void t_post_out(uint16_t q, const void *data, uint32_t len)
{
	struct t_buf b = { .gpa = t_alloc(len), .len = len, .writable = false };
	memcpy(t_host(b.gpa), data, len);
	t_post_chain(q, &b, 1);
}

/* The next used element of q: 1 with its first buffer and length. */
static int t_used(uint16_t q, const uint8_t **data, uint32_t *len)
{
	struct t_drv *d = &F.drv[q];
	struct vring_used *used = t_host(d->used);
	if (le16toh(used->idx) == d->used_seen)
		return 0;
	struct vring_used_elem e = used->ring[d->used_seen % T_QSIZE];
	d->used_seen++;
	uint32_t id = le32toh(e.id);
	ck_assert_uint_lt(id, T_QSIZE);
	/* Linux: "id %u is not a head!" */
	ck_assert_msg(d->posted[id], "queue %u: used id %u is not a head the driver posted", q, id);
	d->posted[id] = false;
	if (data)
		*data = t_host(d->head_gpa[id]);
	*len = le32toh(e.len);
	return 1;
}

static uint16_t t_used_idx(uint16_t q)
{
	return le16toh(((struct vring_used *)t_host(F.drv[q].used))->idx);
}

/* The driver sends one control message; the device returns its buffer
 * at once with nothing written. */
static void t_send_raw(const void *msg, uint32_t len)
{
	uint32_t n;
	t_post_out(T_CTRL_TX, msg, len);
	t_notify(T_CTRL_TX);
	ck_assert_int_eq(t_used(T_CTRL_TX, NULL, &n), 1);
	ck_assert_uint_eq(n, 0);
}

static void t_send(uint32_t id, uint16_t event, uint16_t value)
{
	struct virtio_console_control m = {
		.id = htole32(id), .event = htole16(event), .value = htole16(value),
	};
	t_send_raw(&m, sizeof(m));
}

static void t_post_ctrl_rx(int n)
{
	for (int i = 0; i < n; i++)
		t_post_in(T_CTRL_RX, 128);
	t_notify(T_CTRL_RX);
}

/* Asserts that the next control message from the device is (id, event,
 * value) followed by name (NULL: nothing follows). */
static void t_expect(uint32_t id, uint16_t event, uint16_t value, const char *name)
{
	const uint8_t *data;
	uint32_t len;
	ck_assert_msg(t_used(T_CTRL_RX, &data, &len) == 1, "no control message, expected event %u",
		      event);
	struct virtio_console_control m;
	ck_assert_uint_ge(len, sizeof(m));
	memcpy(&m, data, sizeof(m));
	ck_assert_uint_eq(le32toh(m.id), id);
	ck_assert_uint_eq(le16toh(m.event), event);
	ck_assert_uint_eq(le16toh(m.value), value);
	size_t name_len = name ? strlen(name) : 0;
	ck_assert_uint_eq(len, sizeof(m) + name_len);
	if (name)
		ck_assert(memcmp(data + sizeof(m), name, name_len) == 0);
}

static void t_expect_none(void)
{
	uint32_t len;
	ck_assert_int_eq(t_used(T_CTRL_RX, NULL, &len), 0);
}

/* Linux's probe: every queue, DRIVER_OK, control buffers, DEVICE_READY,
 * then PORT_READY for each port it is told of; with open, it also opens
 * each port (as hvc does for a console port at once). */
static void t_handshake(bool open)
{
	t_enable_all();
	t_driver_ok(1ULL << VIRTIO_CONSOLE_F_MULTIPORT);
	t_post_ctrl_rx(T_QSIZE / 2);
	t_send(VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY, 1);
	for (uint32_t p = 0; p < F.con.nports; p++)
		t_expect(p, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
	t_expect_none();
	for (uint32_t p = 0; p < F.con.nports; p++) {
		t_send(p, VIRTIO_CONSOLE_PORT_READY, 1);
		uint32_t len;
		while (t_used(T_CTRL_RX, NULL, &len))
			;
		t_post_ctrl_rx(2);
		if (open)
			t_send(p, VIRTIO_CONSOLE_PORT_OPEN, 1);
	}
}

static uint8_t t_pattern(size_t i)
{
	return (uint8_t)(i * 13 + 7);
}

/* ---- Tests ---- */

START_TEST(test_init_and_config)
{
	struct error err = { 0 };
	t_setup(3);
	const struct virtio_device *d = &F.con.dev;
	ck_assert_uint_eq(d->ops->device_id, VIRTIO_ID_CONSOLE);
	ck_assert_uint_eq(d->ops->config_size, sizeof(struct virtio_console_config));
	ck_assert_uint_eq(d->num_queues, 8);               /* 2 * (3 + 1) */
	ck_assert_uint_eq(d->queue_max_size, 256);
	/* Only the type's own bits: the transport adds VERSION_1. */
	ck_assert_uint_eq(d->offered, 1ULL << VIRTIO_CONSOLE_F_MULTIPORT);

	struct virtio_console_config cfg;
	memset(&cfg, 0xAA, sizeof(cfg));
	d->ops->config_read(&F.con.dev, 0, &cfg, sizeof(cfg));
	ck_assert_uint_eq(le16toh(cfg.cols), 0);
	ck_assert_uint_eq(le16toh(cfg.rows), 0);
	ck_assert_uint_eq(le32toh(cfg.max_nr_ports), 3);
	ck_assert_uint_eq(le32toh(cfg.emerg_wr), 0);
	uint8_t b[4];
	d->ops->config_read(&F.con.dev, offsetof(struct virtio_console_config, max_nr_ports), b, 4);
	ck_assert_uint_eq(b[0], 3);
	ck_assert_uint_eq(b[1] | b[2] | b[3], 0);
	d->ops->config_read(&F.con.dev, 5, b, 1);
	ck_assert_uint_eq(b[0], 0);
	t_teardown();

	struct virtio_console *c = &F.con;
	ck_assert_int_eq(virtio_console_init(c, 0, &err), -1);
	test_assert_error(err.msg, "virtio-console: 0 ports", NULL);
	ck_assert_int_eq(virtio_console_init(c, VIRTIO_CONSOLE_MAX_PORTS + 1, &err), -1);
	ck_assert_int_eq(virtio_console_init(c, VIRTIO_CONSOLE_MAX_PORTS, &err), 0);
	ck_assert_uint_eq(c->dev.num_queues, VIRTIO_MAX_QUEUES);
	virtio_console_destroy(c);
}
END_TEST

START_TEST(test_add_port_rules)
{
	struct error err = { 0 };
	char name[VIRTIO_CONSOLE_NAME_MAX + 2];
	t_setup(3);
	struct virtio_console *c = &F.con;
	ck_assert_int_eq(virtio_console_add_port(c, "", false, NULL, NULL, &err), -1);
	test_assert_error(err.msg, "virtio-console port name ''", NULL);
	ck_assert_int_eq(virtio_console_add_port(c, "a/b", false, NULL, NULL, &err), -1);
	ck_assert_int_eq(virtio_console_add_port(c, "a b", false, NULL, NULL, &err), -1);
	ck_assert_int_eq(virtio_console_add_port(c, "a\nb", false, NULL, NULL, &err), -1);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';                     /* NAME_MAX + 1 characters */
	ck_assert_int_eq(virtio_console_add_port(c, name, false, NULL, NULL, &err), -1);
	ck_assert_uint_eq(c->nports, 0);

	ck_assert_int_eq(virtio_console_add_port(c, NULL, true, NULL, NULL, &err), 0);
	name[VIRTIO_CONSOLE_NAME_MAX] = '\0';              /* NAME_MAX characters */
	ck_assert_int_eq(virtio_console_add_port(c, name, false, NULL, NULL, &err), 1);
	ck_assert_int_eq(virtio_console_add_port(c, name, false, NULL, NULL, &err), -1);
	test_assert_error(err.msg, "virtio-console port name", "already taken", NULL);
	ck_assert_int_eq(virtio_console_add_port(c, "org.x", false, NULL, NULL, &err), 2);
	ck_assert_int_eq(virtio_console_add_port(c, "org.y", false, NULL, NULL, &err), -1);
	test_assert_error(err.msg, "virtio-console: no port left for 'org.y'", NULL);
	ck_assert_uint_eq(c->nports, 3);
	t_teardown();
}
END_TEST

START_TEST(test_handshake)
{
	t_setup_ports(2, 0);
	t_enable_all();
	t_driver_ok(1ULL << VIRTIO_CONSOLE_F_MULTIPORT);
	/* Nothing to say before DEVICE_READY, even with buffers there. */
	t_post_ctrl_rx(8);
	t_expect_none();
	ck_assert(!virtio_console_guest_open(&F.con, 0));

	t_send(VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY, 1);
	t_expect(0, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
	t_expect(1, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
	t_expect_none();
	ck_assert_int_gt(F.raised[T_CTRL_RX], 0);

	/* The console port: CONSOLE_PORT, no name, the host side open. */
	t_send(0, VIRTIO_CONSOLE_PORT_READY, 1);
	t_expect(0, VIRTIO_CONSOLE_CONSOLE_PORT, 1, NULL);
	t_expect(0, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
	t_expect_none();
	/* The named port: its name (§5.3.6.2: no NUL), not a console. */
	t_send(1, VIRTIO_CONSOLE_PORT_READY, 1);
	t_expect(1, VIRTIO_CONSOLE_PORT_NAME, 1, T_STDOUT);
	t_expect(1, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
	t_expect_none();

	/* The guest's side opens and closes. */
	ck_assert(!virtio_console_guest_open(&F.con, 0));
	t_send(0, VIRTIO_CONSOLE_PORT_OPEN, 1);
	ck_assert(virtio_console_guest_open(&F.con, 0));
	ck_assert(!virtio_console_guest_open(&F.con, 1));
	t_send(1, VIRTIO_CONSOLE_PORT_OPEN, 1);
	ck_assert(virtio_console_guest_open(&F.con, 1));
	t_send(1, VIRTIO_CONSOLE_PORT_OPEN, 0);
	ck_assert(!virtio_console_guest_open(&F.con, 1));
	ck_assert(!virtio_console_guest_open(&F.con, 2));  /* no such port */
	t_expect_none();
	ck_assert_uint_eq(F.con.stats.ctrl_bad_port + F.con.stats.ctrl_unknown +
			  F.con.stats.ctrl_short + F.con.stats.ctrl_guest_failed, 0);
	t_teardown();
}
END_TEST

START_TEST(test_control_messages_wait_for_buffers)
{
	t_setup_ports(2, 0);
	t_enable_all();
	t_driver_ok(1ULL << VIRTIO_CONSOLE_F_MULTIPORT);
	t_send(VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY, 1);
	ck_assert_uint_eq(t_used_idx(T_CTRL_RX), 0);
	ck_assert_int_eq(F.raised[T_CTRL_RX], 0);
	/* One buffer at a time: the messages come in order. */
	t_post_ctrl_rx(1);
	t_expect(0, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
	t_expect_none();
	t_post_ctrl_rx(1);
	t_expect(1, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
	t_expect_none();
	/* A buffer too small for PORT_NAME gets what fits, the next message
	 * the next buffer. */
	t_send(1, VIRTIO_CONSOLE_PORT_READY, 1);
	ck_assert_uint_eq(t_used_idx(T_CTRL_RX), 2);
	uint64_t small = t_post_in(T_CTRL_RX, 10);
	t_notify(T_CTRL_RX);
	const uint8_t *data;
	uint32_t len;
	ck_assert_int_eq(t_used(T_CTRL_RX, &data, &len), 1);
	ck_assert_uint_eq(len, 10);
	ck_assert_ptr_eq(data, t_host(small));
	ck_assert_uint_eq(le16toh(((const struct virtio_console_control *)data)->event),
			  VIRTIO_CONSOLE_PORT_NAME);
	ck_assert(memcmp(data + 8, T_STDOUT, 2) == 0);
	t_expect_none();
	t_post_ctrl_rx(1);
	t_expect(1, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
	t_expect_none();
	t_teardown();
}
END_TEST

START_TEST(test_repeated_messages_are_bounded)
{
	t_setup_ports(3, 1);
	t_enable_all();
	t_driver_ok(1ULL << VIRTIO_CONSOLE_F_MULTIPORT);
	/* A driver that repeats itself without ever taking the answers. */
	for (int i = 0; i < 1000; i++) {
		t_send(VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY, 1);
		t_send(0, VIRTIO_CONSOLE_PORT_READY, 1);
		t_send(1, VIRTIO_CONSOLE_PORT_READY, 1);
	}
	ck_assert_uint_le(F.con.ctrl_len, VIRTIO_CONSOLE_CTRL_FIFO);
	t_post_ctrl_rx(T_QSIZE);
	t_expect(0, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
	t_expect(1, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
	t_expect(2, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
	t_expect(0, VIRTIO_CONSOLE_CONSOLE_PORT, 1, NULL);
	t_expect(0, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
	t_expect(1, VIRTIO_CONSOLE_PORT_NAME, 1, T_STDOUT);
	t_expect(1, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
	t_expect_none();
	t_teardown();
}
END_TEST

START_TEST(test_output_reaches_its_port)
{
	t_setup_ports(3, 1);
	t_handshake(true);
	uint32_t len;

	/* The console's transmit queue, one chain of two buffers. */
	struct t_buf bufs[2] = {
		{ .gpa = t_alloc(6), .len = 6 },
		{ .gpa = t_alloc(5), .len = 5 },
	};
	memcpy(t_host(bufs[0].gpa), "hello ", 6);
	memcpy(t_host(bufs[1].gpa), "world", 5);
	t_post_chain(1, bufs, 2);
	t_notify(1);
	ck_assert_uint_eq(F.out[0].len, 11);
	ck_assert(memcmp(F.out[0].data, "hello world", 11) == 0);
	ck_assert_int_eq(F.out[0].lock_busy, F.out[0].calls);   /* under dev.lock */
	ck_assert_int_eq(t_used(1, NULL, &len), 1);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_gt(F.raised[1], 0);
	ck_assert_uint_eq(F.out[1].len, 0);

	/* The named port's transmit queue: 2 * 1 + 3. */
	t_post_out(5, "out1", 4);
	t_post_out(5, "out2", 4);
	t_notify(5);
	ck_assert_uint_eq(F.out[1].len, 8);
	ck_assert(memcmp(F.out[1].data, "out1out2", 8) == 0);
	ck_assert_uint_eq(F.out[0].len, 11);
	ck_assert_int_eq(t_used(5, NULL, &len), 1);
	ck_assert_int_eq(t_used(5, NULL, &len), 1);
	ck_assert_uint_eq(len, 0);

	/* A writable buffer has no place in a transmit queue (§5.3.6.1):
	 * only the readable bytes go out. */
	struct t_buf mixed[2] = {
		{ .gpa = t_alloc(2), .len = 2 },
		{ .gpa = t_alloc(2), .len = 2, .writable = true },
	};
	memcpy(t_host(mixed[0].gpa), "ro", 2);
	memcpy(t_host(mixed[1].gpa), "XX", 2);
	t_post_chain(5, mixed, 2);
	t_notify(5);
	ck_assert_int_eq(t_used(5, NULL, &len), 1);
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(F.out[1].len, 10);
	ck_assert(memcmp(F.out[1].data, "out1out2ro", 10) == 0);
	ck_assert(memcmp(t_host(mixed[1].gpa), "XX", 2) == 0);

	/* A port without an output callback: used, dropped, counted. */
	t_post_out(7, "lost", 4);
	t_notify(7);
	ck_assert_int_eq(t_used(7, NULL, &len), 1);
	ck_assert_uint_eq(F.con.stats.tx_dropped, 1);
	ck_assert_uint_eq(F.out[0].len + F.out[1].len, 21);
	t_teardown();
}
END_TEST

/* Any transmit notification empties every transmit queue, in port order:
 * what the guest wrote to an earlier port arrives first, whichever queue's
 * notification the host takes first. */
START_TEST(test_output_in_port_order)
{
	t_setup_ports(3, 1);
	F.con.ports[2].output = t_output;
	F.con.ports[2].opaque = &F.out[2];
	t_handshake(true);
	t_post_out(5, "one", 3);      /* port 1 */
	t_post_out(7, "two", 3);      /* port 2 */
	t_post_out(1, "con", 3);      /* port 0 */
	t_notify(7);                  /* port 2's notification comes first */
	ck_assert_str_eq(F.order, "012");
	ck_assert(F.out[1].len == 3 && memcmp(F.out[1].data, "one", 3) == 0);
	ck_assert(F.out[2].len == 3 && memcmp(F.out[2].data, "two", 3) == 0);
	t_notify(5);                  /* nothing left */
	ck_assert_str_eq(F.order, "012");
	t_teardown();
}
END_TEST

START_TEST(test_input_held_until_buffers_and_open)
{
	const uint8_t *data;
	uint32_t len;
	t_setup_ports(2, 0);
	/* Before the guest even runs. */
	ck_assert_uint_eq(virtio_console_input_room(&F.con, 1), VIRTIO_CONSOLE_INPUT_SIZE);
	ck_assert_uint_eq(virtio_console_input(&F.con, 1, (const uint8_t *)"abc", 3), 3);
	ck_assert_uint_eq(virtio_console_input_room(&F.con, 1), VIRTIO_CONSOLE_INPUT_SIZE - 3);

	t_handshake(false);
	/* Buffers, but the guest's side is not open: Linux would drop it. */
	uint64_t b1 = t_post_in(4, 64);
	t_notify(4);
	ck_assert_uint_eq(t_used_idx(4), 0);
	t_send(1, VIRTIO_CONSOLE_PORT_OPEN, 1);
	ck_assert_int_eq(t_used(4, &data, &len), 1);
	ck_assert_uint_eq(len, 3);
	ck_assert_ptr_eq(data, t_host(b1));
	ck_assert(memcmp(data, "abc", 3) == 0);
	ck_assert_int_gt(F.raised[4], 0);
	ck_assert_uint_eq(virtio_console_input_room(&F.con, 1), VIRTIO_CONSOLE_INPUT_SIZE);

	/* Open, but no buffer: held until one comes. */
	ck_assert_uint_eq(virtio_console_input(&F.con, 1, (const uint8_t *)"xyz", 3), 3);
	ck_assert_uint_eq(t_used_idx(4), 1);
	t_post_in(4, 64);
	t_notify(4);
	ck_assert_int_eq(t_used(4, &data, &len), 1);
	ck_assert_uint_eq(len, 3);
	ck_assert(memcmp(data, "xyz", 3) == 0);

	/* Open with a buffer waiting: at once; port 0 is its own queue. */
	t_post_in(4, 64);
	t_post_in(0, 64);
	t_send(0, VIRTIO_CONSOLE_PORT_OPEN, 1);
	ck_assert_uint_eq(virtio_console_input(&F.con, 0, (const uint8_t *)"con", 3), 3);
	ck_assert_int_eq(t_used(0, &data, &len), 1);
	ck_assert(len == 3 && memcmp(data, "con", 3) == 0);
	ck_assert_uint_eq(t_used_idx(4), 2);

	/* Closed again: held again. */
	t_send(1, VIRTIO_CONSOLE_PORT_OPEN, 0);
	ck_assert_uint_eq(virtio_console_input(&F.con, 1, (const uint8_t *)"q", 1), 1);
	ck_assert_uint_eq(t_used_idx(4), 2);
	ck_assert_uint_eq(virtio_console_input_room(&F.con, 1), VIRTIO_CONSOLE_INPUT_SIZE - 1);

	/* No such port. */
	ck_assert_uint_eq(virtio_console_input(&F.con, 2, (const uint8_t *)"q", 1), 0);
	ck_assert_uint_eq(virtio_console_input_room(&F.con, 2), 0);
	ck_assert_uint_eq(virtio_console_input_room(&F.con, UINT32_MAX), 0);
	t_teardown();
}
END_TEST

/* The host's input ends: PORT_OPEN 0 follows the bytes already given, and
 * only after the handshake said the port was open. */
START_TEST(test_input_end_closes_the_host_side)
{
	const uint8_t *data;
	uint32_t len;
	t_setup_ports(3, 1);
	/* Port 1: ended before the guest runs, nothing given. */
	virtio_console_input_end(&F.con, 1);
	/* Port 2: bytes, then the end. */
	ck_assert_uint_eq(virtio_console_input(&F.con, 2, (const uint8_t *)"abc", 3), 3);
	virtio_console_input_end(&F.con, 2);

	t_enable_all();
	t_driver_ok(1ULL << VIRTIO_CONSOLE_F_MULTIPORT);
	t_post_ctrl_rx(T_QSIZE / 2);
	t_send(VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY, 1);
	for (uint32_t p = 0; p < 3; p++)
		t_expect(p, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
	t_expect_none();
	t_send(1, VIRTIO_CONSOLE_PORT_READY, 1);
	t_expect(1, VIRTIO_CONSOLE_PORT_NAME, 1, T_STDOUT);
	t_expect(1, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
	t_expect(1, VIRTIO_CONSOLE_PORT_OPEN, 0, NULL);
	t_expect_none();
	/* Port 2 has bytes waiting: open, and no close yet. */
	t_send(2, VIRTIO_CONSOLE_PORT_READY, 1);
	t_expect(2, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
	t_expect_none();
	t_send(2, VIRTIO_CONSOLE_PORT_OPEN, 1);
	t_expect_none();
	t_post_in(6, 64);
	t_notify(6);
	ck_assert_int_eq(t_used(6, &data, &len), 1);
	ck_assert(len == 3 && memcmp(data, "abc", 3) == 0);
	t_expect(2, VIRTIO_CONSOLE_PORT_OPEN, 0, NULL);
	t_expect_none();
	/* Once only, and not for a port whose input goes on. */
	virtio_console_input_end(&F.con, 2);
	t_post_ctrl_rx(2);
	t_send(0, VIRTIO_CONSOLE_PORT_READY, 1);
	t_expect(0, VIRTIO_CONSOLE_CONSOLE_PORT, 1, NULL);
	t_expect(0, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
	t_expect_none();
	/* A reset starts the handshake over; the end is remembered. */
	t_reset();
	t_handshake(false);
	ck_assert(F.con.ports[1].host_closed && F.con.ports[2].host_closed);
	ck_assert(!F.con.ports[0].host_closed);
	virtio_console_input_end(&F.con, 7);   /* no such port: nothing */
	t_teardown();
}
END_TEST

START_TEST(test_input_room_and_order)
{
	static uint8_t src[6000];
	const uint8_t *data;
	uint32_t len;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = t_pattern(i);
	t_setup_ports(2, 0);
	t_handshake(true);

	/* Only the room is taken. */
	ck_assert_uint_eq(virtio_console_input(&F.con, 1, src, 5000), VIRTIO_CONSOLE_INPUT_SIZE);
	ck_assert_uint_eq(virtio_console_input_room(&F.con, 1), 0);
	ck_assert_uint_eq(virtio_console_input(&F.con, 1, src, 10), 0);
	ck_assert_uint_eq(virtio_console_input_room(&F.con, 0), VIRTIO_CONSOLE_INPUT_SIZE);

	/* Two small buffers take the first 2000 bytes, in order. */
	t_post_in(4, 1000);
	t_post_in(4, 1000);
	t_notify(4);
	size_t off = 0;
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(t_used(4, &data, &len), 1);
		ck_assert_uint_eq(len, 1000);
		for (uint32_t j = 0; j < len; j++)
			ck_assert_uint_eq(data[j], t_pattern(off + j));
		off += len;
	}
	ck_assert_uint_eq(virtio_console_input_room(&F.con, 1), 2000);

	/* More input goes in behind, across the end of the host's ring. */
	ck_assert_uint_eq(virtio_console_input(&F.con, 1, src + VIRTIO_CONSOLE_INPUT_SIZE, 1500),
			  1500);
	ck_assert_uint_eq(virtio_console_input_room(&F.con, 1), 500);
	/* One chain of two writable buffers takes the rest. */
	struct t_buf bufs[2] = {
		{ .gpa = t_alloc(3000), .len = 3000, .writable = true },
		{ .gpa = t_alloc(3000), .len = 3000, .writable = true },
	};
	memset(t_host(bufs[0].gpa), 0xEE, 3000);
	memset(t_host(bufs[1].gpa), 0xEE, 3000);
	t_post_chain(4, bufs, 2);
	t_notify(4);
	ck_assert_int_eq(t_used(4, &data, &len), 1);
	ck_assert_uint_eq(len, VIRTIO_CONSOLE_INPUT_SIZE + 1500 - 2000);
	const uint8_t *b0 = t_host(bufs[0].gpa), *b1 = t_host(bufs[1].gpa);
	for (uint32_t j = 0; j < len; j++)
		ck_assert_uint_eq(j < 3000 ? b0[j] : b1[j - 3000], t_pattern(off + j));
	ck_assert_uint_eq(b1[len - 3000], 0xEE);        /* nothing past the length */
	ck_assert_uint_eq(virtio_console_input_room(&F.con, 1), VIRTIO_CONSOLE_INPUT_SIZE);
	t_teardown();
}
END_TEST

START_TEST(test_hostile_control_messages)
{
	t_setup_ports(4, 1);          /* ports 0..2 defined, 3 not */
	t_enable_all();
	t_driver_ok(1ULL << VIRTIO_CONSOLE_F_MULTIPORT);
	t_post_ctrl_rx(T_QSIZE / 2);
	const struct virtio_console_stats *s = &F.con.stats;

	/* Before DEVICE_READY no port is announced. */
	t_send(0, VIRTIO_CONSOLE_PORT_READY, 1);
	ck_assert_uint_eq(s->ctrl_bad_port, 1);
	/* The driver failed: nothing to announce. */
	t_send(VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY, 0);
	ck_assert_uint_eq(s->ctrl_guest_failed, 1);
	t_expect_none();

	t_send(VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY, 1);
	for (uint32_t p = 0; p < 3; p++)
		t_expect(p, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
	t_expect_none();

	/* Short: 0, 4 and 7 bytes. */
	uint8_t raw[8] = { 0 };
	t_send_raw(raw, 4);
	t_send_raw(raw, 7);
	struct t_buf empty = { .gpa = t_alloc(1), .len = 1, .writable = true };
	t_post_chain(T_CTRL_TX, &empty, 1);     /* no readable byte at all */
	t_notify(T_CTRL_TX);
	uint32_t len;
	ck_assert_int_eq(t_used(T_CTRL_TX, NULL, &len), 1);
	ck_assert_uint_eq(s->ctrl_short, 3);

	/* Ports that are not there: undefined, at max_nr_ports, far out. */
	t_send(3, VIRTIO_CONSOLE_PORT_READY, 1);
	t_send(4, VIRTIO_CONSOLE_PORT_READY, 1);
	t_send(VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_PORT_READY, 1);
	t_send(0x80000000u, VIRTIO_CONSOLE_PORT_OPEN, 1);
	/* Open before ready. */
	t_send(1, VIRTIO_CONSOLE_PORT_OPEN, 1);
	ck_assert_uint_eq(s->ctrl_bad_port, 6);
	ck_assert(!virtio_console_guest_open(&F.con, 1));

	/* Events the device sends, or nobody does. */
	t_send(0, VIRTIO_CONSOLE_PORT_ADD, 1);
	t_send(0, VIRTIO_CONSOLE_PORT_REMOVE, 1);
	t_send(0, VIRTIO_CONSOLE_CONSOLE_PORT, 1);
	t_send(0, VIRTIO_CONSOLE_RESIZE, 1);
	t_send(0, VIRTIO_CONSOLE_PORT_NAME, 1);
	t_send(0, 0xFFFF, 1);
	t_send(0, 8, 1);
	ck_assert_uint_eq(s->ctrl_unknown, 7);
	t_expect_none();

	/* A port that fails after it was ready is not ready any more. */
	t_send(1, VIRTIO_CONSOLE_PORT_READY, 1);
	t_expect(1, VIRTIO_CONSOLE_PORT_NAME, 1, T_STDOUT);
	t_expect(1, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
	t_send(1, VIRTIO_CONSOLE_PORT_READY, 0);
	ck_assert_uint_eq(s->ctrl_guest_failed, 2);
	t_send(1, VIRTIO_CONSOLE_PORT_OPEN, 1);
	ck_assert_uint_eq(s->ctrl_bad_port, 7);
	ck_assert(!virtio_console_guest_open(&F.con, 1));
	t_expect_none();

	/* An open with a value that is not 0 or 1. */
	t_send(0, VIRTIO_CONSOLE_PORT_READY, 1);
	t_expect(0, VIRTIO_CONSOLE_CONSOLE_PORT, 1, NULL);
	t_expect(0, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
	t_send(0, VIRTIO_CONSOLE_PORT_OPEN, 2);
	ck_assert_uint_eq(s->ctrl_unknown, 8);
	ck_assert(!virtio_console_guest_open(&F.con, 0));

	/* A longer message is read by its first 8 bytes. */
	uint8_t longer[12];
	struct virtio_console_control m = {
		.id = htole32(0), .event = htole16(VIRTIO_CONSOLE_PORT_OPEN), .value = htole16(1),
	};
	memcpy(longer, &m, sizeof(m));
	memset(longer + sizeof(m), 0xFF, 4);
	t_send_raw(longer, sizeof(longer));
	ck_assert(virtio_console_guest_open(&F.con, 0));
	t_expect_none();
	t_teardown();
}
END_TEST

START_TEST(test_reset)
{
	const uint8_t *data;
	uint32_t len;
	t_setup_ports(2, 0);
	t_handshake(true);
	ck_assert(virtio_console_guest_open(&F.con, 1));
	/* Input held when the reset comes (no receive buffer)... */
	ck_assert_uint_eq(virtio_console_input(&F.con, 1, (const uint8_t *)"kept", 4), 4);
	/* ...and announcements waiting for buffers. */
	for (int i = 0; i < T_QSIZE && F.con.ctrl_len == 0; i++)
		t_send(VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY, 1);
	ck_assert_uint_gt(F.con.ctrl_len, 0);

	t_reset();
	ck_assert(!virtio_console_guest_open(&F.con, 0));
	ck_assert(!virtio_console_guest_open(&F.con, 1));
	ck_assert_uint_eq(F.con.nports, 2);
	/* Input from before the reset is kept (the driver resets the device
	 * as it probes it), and input while it starts over joins it. */
	ck_assert_uint_eq(virtio_console_input_room(&F.con, 1), VIRTIO_CONSOLE_INPUT_SIZE - 4);
	ck_assert_uint_eq(virtio_console_input(&F.con, 1, (const uint8_t *)"+new", 4), 4);

	/* The same ports, announced afresh; nothing from before the reset. */
	t_enable_all();
	t_driver_ok(1ULL << VIRTIO_CONSOLE_F_MULTIPORT);
	t_post_ctrl_rx(T_QSIZE / 2);
	t_expect_none();
	/* Not ready any more: PORT_OPEN from the old life is refused. */
	t_send(1, VIRTIO_CONSOLE_PORT_OPEN, 1);
	ck_assert_uint_eq(F.con.stats.ctrl_bad_port, 1);
	t_send(VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY, 1);
	t_expect(0, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
	t_expect(1, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
	t_expect_none();
	/* Announced but not ready yet: the old PORT_READY does not count. */
	t_send(1, VIRTIO_CONSOLE_PORT_OPEN, 1);
	ck_assert_uint_eq(F.con.stats.ctrl_bad_port, 2);
	ck_assert(!virtio_console_guest_open(&F.con, 1));
	t_send(1, VIRTIO_CONSOLE_PORT_READY, 1);
	t_expect(1, VIRTIO_CONSOLE_PORT_NAME, 1, T_STDOUT);
	t_expect(1, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
	t_post_in(4, 16);
	t_notify(4);
	ck_assert_uint_eq(t_used_idx(4), 0);
	t_send(1, VIRTIO_CONSOLE_PORT_OPEN, 1);
	ck_assert_int_eq(t_used(4, &data, &len), 1);
	ck_assert(len == 8 && memcmp(data, "kept+new", 8) == 0);
	t_teardown();
}
END_TEST

START_TEST(test_nothing_before_driver_ok)
{
	t_setup_ports(2, 0);
	ck_assert_uint_eq(virtio_console_input(&F.con, 0, (const uint8_t *)"early", 5), 5);
	t_enable_all();
	t_post_in(0, 16);
	t_post_out(1, "tx", 2);
	ck_assert_uint_eq(virtio_console_input(&F.con, 0, (const uint8_t *)"!", 1), 1);
	t_notify(0);
	t_notify(1);
	ck_assert_uint_eq(t_used_idx(0), 0);
	ck_assert_uint_eq(t_used_idx(1), 0);
	ck_assert_uint_eq(F.out[0].len, 0);
	ck_assert_int_eq(F.raised[0] + F.raised[1], 0);
	/* DRIVER_OK without MULTIPORT: port 0 alone, open at once, and what
	 * was posted before is taken. */
	t_driver_ok(0);
	const uint8_t *data;
	uint32_t len;
	ck_assert_int_eq(t_used(0, &data, &len), 1);
	ck_assert(len == 6 && memcmp(data, "early!", 6) == 0);
	ck_assert_uint_eq(F.out[0].len, 2);
	ck_assert(memcmp(F.out[0].data, "tx", 2) == 0);
	t_teardown();
}
END_TEST

START_TEST(test_without_multiport)
{
	const uint8_t *data;
	uint32_t len;
	t_setup_ports(2, 0);
	t_enable_all();              /* a hostile driver enables the lot */
	t_driver_ok(0);
	ck_assert(virtio_console_guest_open(&F.con, 0));
	ck_assert(!virtio_console_guest_open(&F.con, 1));

	t_post_out(1, "plain", 5);
	t_notify(1);
	ck_assert_uint_eq(F.out[0].len, 5);
	ck_assert(memcmp(F.out[0].data, "plain", 5) == 0);
	t_post_in(0, 16);
	t_notify(0);
	ck_assert_uint_eq(virtio_console_input(&F.con, 0, (const uint8_t *)"in", 2), 2);
	ck_assert_int_eq(t_used(0, &data, &len), 1);
	ck_assert(len == 2 && memcmp(data, "in", 2) == 0);

	/* No control queues (§5.3.2), and port 1's are not there either. */
	t_post_ctrl_rx(2);
	struct virtio_console_control m = {
		.id = htole32(VIRTIO_CONSOLE_BAD_ID),
		.event = htole16(VIRTIO_CONSOLE_DEVICE_READY), .value = htole16(1),
	};
	t_post_out(T_CTRL_TX, &m, sizeof(m));
	t_notify(T_CTRL_TX);
	ck_assert_uint_eq(t_used_idx(T_CTRL_TX), 0);
	ck_assert_uint_eq(t_used_idx(T_CTRL_RX), 0);
	t_post_out(5, "p1", 2);
	t_notify(5);
	ck_assert_uint_eq(t_used_idx(5), 0);
	ck_assert_uint_eq(F.out[1].len, 0);
	ck_assert_uint_eq(virtio_console_input(&F.con, 1, (const uint8_t *)"p1", 2), 2);
	t_post_in(4, 16);
	t_notify(4);
	ck_assert_uint_eq(t_used_idx(4), 0);
	t_teardown();
}
END_TEST

START_TEST(test_broken_queue_fails_the_device)
{
	t_setup_ports(2, 0);
	t_handshake(true);
	/* The driver publishes a head index past the queue's size. */
	struct t_drv *d = &F.drv[5];
	struct vring_avail *avail = t_host(d->avail);
	avail->ring[d->avail_idx % T_QSIZE] = htole16(T_QSIZE + 3);
	d->avail_idx++;
	avail->idx = htole16(d->avail_idx);
	t_notify(5);
	ck_assert_int_eq(F.failed, 1);
	ck_assert_uint_eq(F.out[1].len, 0);
	/* Further input / notifications leave the broken queue alone. */
	t_notify(5);
	ck_assert_int_le(F.failed, 1);
	F.failed = 0;
	t_teardown();
}
END_TEST

Suite *virtio_console_suite(void)
{
	Suite *s = suite_create("virtio_console");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_init_and_config);
	tcase_add_test(tc, test_add_port_rules);
	tcase_add_test(tc, test_handshake);
	tcase_add_test(tc, test_control_messages_wait_for_buffers);
	tcase_add_test(tc, test_repeated_messages_are_bounded);
	tcase_add_test(tc, test_output_reaches_its_port);
	tcase_add_test(tc, test_output_in_port_order);
	tcase_add_test(tc, test_input_held_until_buffers_and_open);
	tcase_add_test(tc, test_input_end_closes_the_host_side);
	tcase_add_test(tc, test_input_room_and_order);
	tcase_add_test(tc, test_hostile_control_messages);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_nothing_before_driver_ok);
	tcase_add_test(tc, test_without_multiport);
	tcase_add_test(tc, test_broken_queue_fails_the_device);
	suite_add_tcase(s, tc);
	return s;
}
