/* vmm/devices/virtio/virtio_fs.c (virtio 1.2 §5.11) with the test as its
 * transport and a fake vhost-user back end (tests/unit/vhost_user_fake.h):
 * the configuration, the features offered, the rings handed over at
 * DRIVER_OK and taken back at reset, a back end failing at start. */
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/byteorder.h"
#include "kvm/kvm.h"
#include "tests/unit/unit.h"
#include "tests/unit/vhost_user_fake.h"
#include "vmm/devices/virtio/virtio_fs.h"

static struct {
	struct fake_backend b;
	struct kvm_vm vm;
	struct virtio_fs fs;
	struct virtq vq[VIRTIO_FS_NUM_QUEUES];
	int efd;
	int failed;
	char why[512];
} T;

static void t_fail(struct virtio_device *d, const char *why)
{
	ck_assert_ptr_eq(d, &T.fs.dev);
	if (T.failed++ == 0)
		snprintf(T.why, sizeof(T.why), "%s", why);
}

static void t_queue_fds(struct virtio_device *d, uint16_t q, int *kick, int *call)
{
	(void)d;
	(void)q;
	*kick = *call = T.efd;
}

static void t_setup_with(enum fake_fault fault, uint32_t request)
{
	struct error err = { 0 };
	memset(&T, 0, sizeof(T));
	const struct kvm_vm_config cfg = {
		.ram_size = 8 * MiB, .mmio_hole_start = 3 * GiB, .mmio_hole_end = 4 * GiB,
		.shared = true,
	};
	ck_assert_msg(kvm_vm_map_ram(&T.vm, &cfg, &err) == 0, "%s", err.msg);
	T.efd = eventfd(0, EFD_CLOEXEC);
	T.b.fault = fault;
	T.b.fault_request = request;
	fake_backend_start(&T.b, FAKE_VIRTIOFSD_FEATURES, FAKE_VIRTIOFSD_PROTOCOL);
	ck_assert_msg(virtio_fs_init(&T.fs, "myfs", &T.vm.mem, T.b.front_fd, "virtiofsd for /x",
				     &err) == 0, "%s", err.msg);
	struct virtio_device *d = &T.fs.dev;
	d->queues = T.vq;
	d->fail = t_fail;
	d->queue_fds = t_queue_fds;
	d->features = d->offered;
	for (int q = 0; q < VIRTIO_FS_NUM_QUEUES; q++) {
		T.vq[q].size = 16;
		T.vq[q].desc_gpa = 0x10000 * (q + 1);
		T.vq[q].avail_gpa = T.vq[q].desc_gpa + 0x1000;
		T.vq[q].used_gpa = T.vq[q].desc_gpa + 0x2000;
		T.vq[q].ready = true;
	}
}

static void t_teardown(void)
{
	virtio_fs_destroy(&T.fs);
	fake_backend_stop(&T.b);
	close(T.efd);
	kvm_vm_destroy(&T.vm);
}

START_TEST(config_and_features)
{
	t_setup_with(FAKE_OK, 0);
	const struct virtio_device_ops *ops = T.fs.dev.ops;
	ck_assert_uint_eq(ops->device_id, 26);
	ck_assert(ops->backend_queues);
	ck_assert_uint_eq(ops->config_size, 40);
	ck_assert_uint_eq(T.fs.dev.num_queues, 2);
	uint8_t c[40];
	ops->config_read(&T.fs.dev, 0, c, 40);
	ck_assert_mem_eq(c, "myfs\0\0\0\0", 8);
	for (int i = 4; i < 36; i++)
		ck_assert_uint_eq(c[i], 0);
	ck_assert_uint_eq(le_get(c + 36, 4), 1);   /* num_request_queues */
	ops->config_read(&T.fs.dev, 36, c, 4);
	ck_assert_uint_eq(le_get(c, 4), 1);
	/* virtiofsd's 0x175000000 less NOTIFY_ON_EMPTY, LOG_ALL and
	 * PROTOCOL_FEATURES: VERSION_1, INDIRECT_DESC, EVENT_IDX. */
	ck_assert_uint_eq(T.fs.dev.offered, 0x130000000ULL);
	t_teardown();
}
END_TEST

START_TEST(driver_ok_hands_the_rings_over_and_reset_takes_them_back)
{
	t_setup_with(FAKE_OK, 0);
	T.vq[0].ready = false;   /* a queue the driver did not enable stays ours */
	T.fs.dev.ops->start(&T.fs.dev);
	ck_assert_msg(T.failed == 0, "%s", T.why);
	ck_assert(T.fs.started);
	ck_assert_uint_eq(T.fs.nrings, 1);
	ck_assert_uint_eq(T.fs.rings[0].index, 1);
	ck_assert_uint_eq(T.fs.rings[0].size, 16);
	T.fs.dev.ops->reset(&T.fs.dev);
	ck_assert(!T.fs.started);
	T.fs.dev.ops->reset(&T.fs.dev);   /* again: nothing sent */
	virtio_fs_destroy(&T.fs);
	fake_backend_stop(&T.b);
	const uint32_t want[] = {
		VHOST_USER_GET_FEATURES, VHOST_USER_GET_PROTOCOL_FEATURES,
		VHOST_USER_SET_PROTOCOL_FEATURES, VHOST_USER_GET_QUEUE_NUM, VHOST_USER_SET_OWNER,
		VHOST_USER_SET_FEATURES, VHOST_USER_SET_MEM_TABLE, VHOST_USER_SET_VRING_NUM,
		VHOST_USER_SET_VRING_BASE, VHOST_USER_SET_VRING_ADDR, VHOST_USER_SET_VRING_KICK,
		VHOST_USER_SET_VRING_CALL, VHOST_USER_SET_VRING_ENABLE, VHOST_USER_SET_VRING_ENABLE,
		VHOST_USER_GET_VRING_BASE,
	};
	ck_assert_int_eq(T.b.nmsgs, sizeof(want) / sizeof(want[0]));
	for (int i = 0; i < T.b.nmsgs; i++)
		ck_assert_uint_eq(T.b.msgs[i].request, want[i]);
	uint64_t acked;
	memcpy(&acked, T.b.msgs[5].payload, 8);
	ck_assert_uint_eq(acked, 0x130000000ULL | 1ULL << 30);
	T.b.nmsgs = 0;
	close(T.efd);
	kvm_vm_destroy(&T.vm);
}
END_TEST

START_TEST(a_back_end_failing_at_start_fails_the_device)
{
	t_setup_with(FAKE_NACK, VHOST_USER_SET_VRING_ADDR);
	T.fs.dev.ops->start(&T.fs.dev);
	ck_assert_int_eq(T.failed, 1);
	ck_assert_str_eq(T.why, "vhost-user back end virtiofsd for /x: SET_VRING_ADDR: refused "
			 "(status 1)");
	ck_assert(!T.fs.started);
	t_teardown();
}
END_TEST

START_TEST(a_back_end_gone_fails_the_device_and_later_starts)
{
	t_setup_with(FAKE_OK, 0);
	T.fs.dev.ops->start(&T.fs.dev);
	ck_assert_int_eq(T.failed, 0);
	virtio_fs_backend_gone(&T.fs, "virtiofsd for /x exited");
	ck_assert_int_eq(T.failed, 1);
	ck_assert_str_eq(T.why, "virtiofsd for /x exited");
	ck_assert(!T.fs.started);
	T.fs.dev.ops->reset(&T.fs.dev);   /* nothing to stop */
	T.fs.dev.ops->start(&T.fs.dev);
	ck_assert_int_eq(T.failed, 2);
	t_teardown();
}
END_TEST

Suite *virtio_fs_suite(void)
{
	Suite *s = suite_create("virtio_fs");
	TCase *t = tcase_create("virtio_fs");
	tcase_add_test(t, config_and_features);
	tcase_add_test(t, driver_ok_hands_the_rings_over_and_reset_takes_them_back);
	tcase_add_test(t, a_back_end_failing_at_start_fails_the_device);
	tcase_add_test(t, a_back_end_gone_fails_the_device_and_later_starts);
	suite_add_tcase(s, t);
	return s;
}
