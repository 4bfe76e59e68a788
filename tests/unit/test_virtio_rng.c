/* vmm/devices/virtio/virtio_rng.c (virtio 1.2 §5.4) with the test as its
 * transport (queues, features, raise, fail) and as the guest's driver
 * (tests/unit/virtq_driver.h). */
#include <string.h>

#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

#include "tests/unit/unit.h"
#include "tests/unit/virtq_driver.h"
#include "vmm/devices/virtio/virtio_rng.h"

#define T_RAM   (16 * MiB)
#define T_RINGS 0x10000ULL
#define T_DATA  (4 * MiB)

static struct {
	struct test_ram ram;
	struct vdrv drv;
	struct virtq vq;
	struct virtio_rng rng;
	int raised, failed;
	char why[512];
} T;

static void t_raise(struct virtio_device *d, int q)
{
	ck_assert_ptr_eq(d, &T.rng.dev);
	ck_assert_int_eq(q, 0);
	T.raised++;
}

static void t_fail(struct virtio_device *d, const char *why)
{
	ck_assert_ptr_eq(d, &T.rng.dev);
	if (T.failed++ == 0)
		snprintf(T.why, sizeof(T.why), "%s", why);
}

/* What virtio_pci does between FEATURES_OK and DRIVER_OK: features, the
 * queue from the driver's addresses, started. */
static void t_setup(bool event_idx)
{
	struct error err = { 0 };
	memset(&T, 0, sizeof(T));
	test_ram_init(&T.ram, T_RAM);
	virtio_rng_init(&T.rng);
	struct virtio_device *d = &T.rng.dev;
	d->queues = &T.vq;
	d->raise = t_raise;
	d->fail = t_fail;
	d->features = 1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_RING_F_INDIRECT_DESC |
		      (event_idx ? 1ULL << VIRTIO_RING_F_EVENT_IDX : 0);
	vdrv_init(&T.drv, &T.ram.mem, 16, T_RINGS, T_DATA);
	vdrv_setup(&T.drv, &T.vq, event_idx, true);
	ck_assert_msg(virtq_start(&T.vq, &T.ram.mem, &err) == 0, "%s", err.msg);
}

static void t_teardown(void)
{
	virtio_rng_destroy(&T.rng);
	test_ram_free(&T.ram);
}

static void t_notify(void)
{
	T.rng.dev.ops->notify(&T.rng.dev, 0);
}

static bool t_any_nonzero(uint64_t gpa, uint32_t len)
{
	const uint8_t *p = vdrv_host(&T.drv, gpa, len);
	for (uint32_t i = 0; i < len; i++)
		if (p[i])
			return true;
	return false;
}

START_TEST(test_device)
{
	struct virtio_rng r;
	virtio_rng_init(&r);
	ck_assert_str_eq(r.dev.ops->name, "virtio-rng");
	ck_assert_uint_eq(r.dev.ops->device_id, VIRTIO_ID_RNG);
	ck_assert_uint_eq(r.dev.ops->config_size, 0);
	ck_assert_ptr_nonnull(r.dev.ops->notify);
	ck_assert_uint_eq(r.dev.num_queues, 1);
	ck_assert_uint_eq(r.dev.queue_max_size, VIRTQ_MAX_SIZE);
	/* Only device bits, and virtio-rng has none: the transport adds
	 * VERSION_1 and the ring features. */
	ck_assert_uint_eq(r.dev.offered, 0);
	virtio_rng_destroy(&r);
}
END_TEST

START_TEST(test_fills_writable_buffers)
{
	t_setup(false);
	struct vdrv_buf b[] = {
		{ .len = 16, .writable = true }, { .len = 0, .writable = true, .gpa = 1 },
		{ .len = 40, .writable = true },
	};
	uint16_t head = vdrv_chain(&T.drv, b, 3, false);
	vdrv_publish(&T.drv, head);
	t_notify();
	uint32_t id, len;
	ck_assert(vdrv_take_used(&T.drv, &id, &len));
	ck_assert_uint_eq(id, head);
	ck_assert_uint_eq(len, 56);
	ck_assert(t_any_nonzero(b[0].gpa, 16));
	ck_assert(t_any_nonzero(b[2].gpa, 40));
	ck_assert_int_eq(T.raised, 1);
	ck_assert_int_eq(T.failed, 0);

	/* Another request, other bytes. */
	struct vdrv_buf c[] = { { .len = 16, .writable = true } };
	vdrv_publish(&T.drv, vdrv_chain(&T.drv, c, 1, true));
	t_notify();
	ck_assert(vdrv_take_used(&T.drv, &id, &len));
	ck_assert_uint_eq(len, 16);
	ck_assert_int_ne(memcmp(vdrv_host(&T.drv, b[0].gpa, 16), vdrv_host(&T.drv, c[0].gpa, 16),
				16), 0);
	t_teardown();
}
END_TEST

/* Every chain made available is answered by one notification. */
START_TEST(test_several_chains)
{
	t_setup(false);
	uint16_t heads[5];
	for (int i = 0; i < 5; i++) {
		struct vdrv_buf b[] = { { .len = (uint32_t)(8 * (i + 1)), .writable = true } };
		heads[i] = vdrv_chain(&T.drv, b, 1, i % 2);
		vdrv_publish(&T.drv, heads[i]);
	}
	t_notify();
	for (int i = 0; i < 5; i++) {
		uint32_t id, len;
		ck_assert(vdrv_take_used(&T.drv, &id, &len));
		ck_assert_uint_eq(id, heads[i]);
		ck_assert_uint_eq(len, 8 * (i + 1));
	}
	ck_assert_int_eq(T.raised, 5);
	t_notify();   /* a spurious notification: nothing to do */
	ck_assert_uint_eq(vdrv_used_idx(&T.drv), 5);
	t_teardown();
}
END_TEST

START_TEST(test_no_interrupt)
{
	t_setup(false);
	vdrv_write_avail_flags(&T.drv, VRING_AVAIL_F_NO_INTERRUPT);
	struct vdrv_buf b[] = { { .len = 8, .writable = true } };
	vdrv_publish(&T.drv, vdrv_chain(&T.drv, b, 1, false));
	t_notify();
	ck_assert_uint_eq(vdrv_used_idx(&T.drv), 1);
	ck_assert_int_eq(T.raised, 0);
	t_teardown();
}
END_TEST

/* With EVENT_IDX: one interrupt when the entry at used_event is used. */
START_TEST(test_event_idx)
{
	t_setup(true);
	vdrv_write_used_event(&T.drv, 2);
	for (int i = 0; i < 4; i++) {
		struct vdrv_buf b[] = { { .len = 8, .writable = true } };
		vdrv_publish(&T.drv, vdrv_chain(&T.drv, b, 1, false));
	}
	t_notify();
	ck_assert_uint_eq(vdrv_used_idx(&T.drv), 4);
	ck_assert_int_eq(T.raised, 2);   /* the first push ever, and entry 2 */
	ck_assert_uint_eq(vdrv_avail_event(&T.drv), 4);
	t_teardown();
}
END_TEST

/* A huge buffer gets VIRTIO_RNG_MAX_REQUEST bytes (§5.4.6.2: MAY use
 * less); what lies past them is untouched. */
START_TEST(test_request_capped)
{
	t_setup(false);
	struct vdrv_buf b[] = {
		{ .len = VIRTIO_RNG_MAX_REQUEST - 8, .writable = true, .fill = 0 },
		{ .len = 100000, .writable = true, .fill = 0xa5 },
	};
	vdrv_publish(&T.drv, vdrv_chain(&T.drv, b, 2, false));
	t_notify();
	uint32_t id, len;
	ck_assert(vdrv_take_used(&T.drv, &id, &len));
	ck_assert_uint_eq(len, VIRTIO_RNG_MAX_REQUEST);
	const uint8_t *p = vdrv_host(&T.drv, b[1].gpa, 100000);
	ck_assert(t_any_nonzero(b[1].gpa, 8));
	for (uint32_t i = 8; i < 100000; i++)
		if (p[i] != 0xa5)
			ck_abort_msg("byte %u past the cap was written", i);
	t_teardown();
}
END_TEST

/* A chain with no writable byte cannot get any: used.len 0. */
START_TEST(test_empty_writable)
{
	t_setup(false);
	struct vdrv_buf b[] = { { .len = 0, .writable = true, .gpa = 1 } };
	vdrv_publish(&T.drv, vdrv_chain(&T.drv, b, 1, false));
	t_notify();
	uint32_t id, len;
	ck_assert(vdrv_take_used(&T.drv, &id, &len));
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(T.failed, 0);
	t_teardown();
}
END_TEST

/* §5.4.6.1: the driver MUST NOT place device-readable buffers.  The device
 * fails, writes nothing and returns nothing, and takes no more chains. */
START_TEST(test_readable_buffer_fails)
{
	t_setup(false);
	struct vdrv_buf b[] = { { .len = 8, .fill = 0x11 }, { .len = 8, .writable = true } };
	vdrv_publish(&T.drv, vdrv_chain(&T.drv, b, 2, false));
	struct vdrv_buf c[] = { { .len = 8, .writable = true } };
	vdrv_publish(&T.drv, vdrv_chain(&T.drv, c, 1, false));
	t_notify();
	ck_assert_int_eq(T.failed, 1);
	ck_assert_str_eq(T.why, "virtio-rng: a device-readable buffer in the request queue");
	ck_assert_uint_eq(vdrv_used_idx(&T.drv), 0);
	ck_assert(!t_any_nonzero(b[1].gpa, 8));
	ck_assert(!t_any_nonzero(c[0].gpa, 8));
	ck_assert_int_eq(memcmp(vdrv_host(&T.drv, b[0].gpa, 8), "\x11\x11\x11\x11\x11\x11\x11\x11",
				8), 0);
	ck_assert(T.vq.broken);
	ck_assert_int_eq(T.raised, 0);
	t_teardown();
}
END_TEST

/* A broken ring rule reaches the transport's fail with virtq's reason. */
START_TEST(test_ring_rule_fails)
{
	t_setup(false);
	vdrv_publish(&T.drv, 99);
	t_notify();
	ck_assert_int_eq(T.failed, 1);
	ck_assert_str_eq(T.why, "virtqueue: head 99 past the queue size 16");
	ck_assert_uint_eq(vdrv_used_idx(&T.drv), 0);
	t_teardown();
}
END_TEST

Suite *virtio_rng_suite(void)
{
	Suite *s = suite_create("virtio_rng");
	TCase *tc = tcase_create("requests");
	tcase_add_test(tc, test_device);
	tcase_add_test(tc, test_fills_writable_buffers);
	tcase_add_test(tc, test_several_chains);
	tcase_add_test(tc, test_no_interrupt);
	tcase_add_test(tc, test_event_idx);
	tcase_add_test(tc, test_request_capped);
	tcase_add_test(tc, test_empty_writable);
	tcase_add_test(tc, test_readable_buffer_fails);
	tcase_add_test(tc, test_ring_rule_fails);
	suite_add_tcase(s, tc);
	return s;
}
