/* vmm/devices/virtio/vhost_user.c against a fake back end
 * (tests/unit/vhost_user_fake.h): the exact messages of the handshake, of
 * starting and of stopping two rings (vhost-user.rst), and a back end
 * that closes, answers short, answers another request, says nothing or
 * refuses. */
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kvm/kvm.h"
#include "tests/unit/unit.h"
#include "tests/unit/vhost_user_fake.h"
#include "vmm/devices/virtio/vhost_user.h"

#define ACKED (1ULL << 32 | 1ULL << 29)   /* VERSION_1, EVENT_IDX */

static struct {
	struct fake_backend b;
	struct vhost_user vu;
	struct kvm_vm vm;     /* only its shared RAM: no /dev/kvm */
	struct vhost_user_ring rings[2];
} T;

static void t_setup(void)
{
	struct error err = { 0 };
	memset(&T, 0, sizeof(T));
	const struct kvm_vm_config cfg = {
		.ram_size = 16 * MiB, .mmio_hole_start = 8 * MiB, .mmio_hole_end = 32 * MiB,
		.shared = true,
	};
	ck_assert_msg(kvm_vm_map_ram(&T.vm, &cfg, &err) == 0, "%s", err.msg);
	for (int i = 0; i < 2; i++) {
		uint64_t base = i == 0 ? 0x100000 : 32 * MiB + 0x100000;   /* one ring per region */
		T.rings[i] = (struct vhost_user_ring){
			.index = (uint16_t)i, .size = 128, .desc_gpa = base,
			.avail_gpa = base + 0x800, .used_gpa = base + 0x1000,
			.kick_fd = eventfd(0, EFD_CLOEXEC), .call_fd = eventfd(0, EFD_CLOEXEC),
		};
	}
	T.rings[1].call_fd = -1;   /* NO_VECTOR */
}

static void t_teardown(void)
{
	vhost_user_close(&T.vu);
	fake_backend_stop(&T.b);
	for (int i = 0; i < 2; i++) {
		close(T.rings[i].kick_fd);
		if (T.rings[i].call_fd >= 0)
			close(T.rings[i].call_fd);
	}
	kvm_vm_destroy(&T.vm);
}

static const struct fake_msg *t_msg(int i, uint32_t request, uint32_t flags, uint32_t size)
{
	ck_assert_int_gt(T.b.nmsgs, i);
	const struct fake_msg *m = &T.b.msgs[i];
	ck_assert_msg(m->request == request && m->flags == flags && m->size == size,
		      "message %d: request %u flags 0x%x size %u, want %u 0x%x %u", i, m->request,
		      m->flags, m->size, request, flags, size);
	return m;
}

static uint64_t t_u64(const struct fake_msg *m, unsigned at)
{
	uint64_t v;
	memcpy(&v, m->payload + at, 8);
	return v;
}

static uint32_t t_u32(const struct fake_msg *m, unsigned at)
{
	uint32_t v;
	memcpy(&v, m->payload + at, 4);
	return v;
}

/* Whether fd (received) is the same eventfd as ours. */
static void t_same_eventfd(int received, int ours)
{
	uint64_t one = 1, got = 0;
	ck_assert_int_eq(write(received, &one, 8), 8);
	ck_assert_int_eq(read(ours, &got, 8), 8);
	ck_assert_uint_eq(got, 1);
}

#define V  VHOST_USER_VERSION
#define NR (VHOST_USER_VERSION | VHOST_USER_NEED_REPLY)

START_TEST(handshake_start_and_stop_as_the_protocol_says)
{
	struct error err = { 0 };
	fake_backend_start(&T.b, FAKE_VIRTIOFSD_FEATURES, FAKE_VIRTIOFSD_PROTOCOL);
	ck_assert_msg(vhost_user_init(&T.vu, T.b.front_fd, "fake", &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(T.vu.features, FAKE_VIRTIOFSD_FEATURES);
	ck_assert_uint_eq(T.vu.protocol_features, 1u << 0 | 1u << 3);
	ck_assert_uint_eq(T.vu.queue_num, 2);
	int i = 0;
	t_msg(i++, VHOST_USER_GET_FEATURES, V, 0);
	t_msg(i++, VHOST_USER_GET_PROTOCOL_FEATURES, V, 0);
	ck_assert_uint_eq(t_u64(t_msg(i++, VHOST_USER_SET_PROTOCOL_FEATURES, V, 8), 0), 0x9);
	t_msg(i++, VHOST_USER_GET_QUEUE_NUM, V, 0);
	t_msg(i++, VHOST_USER_SET_OWNER, NR, 0);
	ck_assert_int_eq(T.b.nmsgs, i);

	ck_assert_msg(vhost_user_start(&T.vu, ACKED, &T.vm.mem, T.rings, 2, &err) == 0, "%s",
		      err.msg);
	ck_assert_uint_eq(t_u64(t_msg(i++, VHOST_USER_SET_FEATURES, NR, 8), 0), ACKED | 1ULL << 30);
	const struct fake_msg *m = t_msg(i++, VHOST_USER_SET_MEM_TABLE, NR, 8 + 2 * 32);
	ck_assert_uint_eq(t_u32(m, 0), 2);
	ck_assert_int_eq(m->nfds, 2);
	const struct guest_memory *mem = &T.vm.mem;
	for (int r = 0; r < 2; r++) {
		ck_assert_uint_eq(t_u64(m, 8 + 32 * r), mem->regions[r].gpa);
		ck_assert_uint_eq(t_u64(m, 16 + 32 * r), mem->regions[r].size);
		ck_assert_uint_eq(t_u64(m, 24 + 32 * r), (uintptr_t)mem->regions[r].host);
		ck_assert_uint_eq(t_u64(m, 32 + 32 * r), r == 0 ? 0 : 8 * MiB);
	}
	for (int q = 0; q < 2; q++) {
		m = t_msg(i++, VHOST_USER_SET_VRING_NUM, NR, 8);
		ck_assert_uint_eq(t_u32(m, 0), q);
		ck_assert_uint_eq(t_u32(m, 4), 128);
		m = t_msg(i++, VHOST_USER_SET_VRING_BASE, NR, 8);
		ck_assert_uint_eq(t_u32(m, 0), q);
		ck_assert_uint_eq(t_u32(m, 4), 0);
		/* Our addresses of the rings, in the order desc, used, avail. */
		m = t_msg(i++, VHOST_USER_SET_VRING_ADDR, NR, 40);
		ck_assert_uint_eq(t_u32(m, 0), q);
		ck_assert_uint_eq(t_u32(m, 4), 0);
		ck_assert_uint_eq(t_u64(m, 8), (uintptr_t)guest_memory_ptr(mem, T.rings[q].desc_gpa, 1));
		ck_assert_uint_eq(t_u64(m, 16), (uintptr_t)guest_memory_ptr(mem, T.rings[q].used_gpa, 1));
		ck_assert_uint_eq(t_u64(m, 24), (uintptr_t)guest_memory_ptr(mem, T.rings[q].avail_gpa, 1));
		m = t_msg(i++, VHOST_USER_SET_VRING_KICK, NR, 8);
		ck_assert_uint_eq(t_u64(m, 0), q);
		ck_assert_int_eq(m->nfds, 1);
		t_same_eventfd(m->fds[0], T.rings[q].kick_fd);
		m = t_msg(i++, VHOST_USER_SET_VRING_CALL, NR, 8);
		if (q == 0) {
			ck_assert_uint_eq(t_u64(m, 0), 0);
			ck_assert_int_eq(m->nfds, 1);
			t_same_eventfd(m->fds[0], T.rings[0].call_fd);
		} else {
			ck_assert_uint_eq(t_u64(m, 0), 1 | VHOST_USER_VRING_NOFD);
			ck_assert_int_eq(m->nfds, 0);
		}
	}
	for (int q = 0; q < 2; q++) {
		m = t_msg(i++, VHOST_USER_SET_VRING_ENABLE, NR, 8);
		ck_assert_uint_eq(t_u32(m, 0), q);
		ck_assert_uint_eq(t_u32(m, 4), 1);
	}
	ck_assert_int_eq(T.b.nmsgs, i);

	ck_assert_msg(vhost_user_stop(&T.vu, T.rings, 2, &err) == 0, "%s", err.msg);
	for (int q = 0; q < 2; q++) {
		m = t_msg(i++, VHOST_USER_SET_VRING_ENABLE, NR, 8);
		ck_assert_uint_eq(t_u32(m, 0), q);
		ck_assert_uint_eq(t_u32(m, 4), 0);
		m = t_msg(i++, VHOST_USER_GET_VRING_BASE, V, 8);
		ck_assert_uint_eq(t_u32(m, 0), q);
	}
	ck_assert_int_eq(T.b.nmsgs, i);
}
END_TEST

/* A back end without protocol features: no acks asked, no queue count,
 * rings enabled by their kick, SET_FEATURES without bit 30. */
START_TEST(a_back_end_without_protocol_features)
{
	struct error err = { 0 };
	fake_backend_start(&T.b, 1ULL << 32, 0);
	ck_assert_msg(vhost_user_init(&T.vu, T.b.front_fd, "fake", &err) == 0, "%s", err.msg);
	ck_assert_msg(vhost_user_start(&T.vu, 1ULL << 32, &T.vm.mem, T.rings, 1, &err) == 0, "%s",
		      err.msg);
	ck_assert_msg(vhost_user_stop(&T.vu, T.rings, 1, &err) == 0, "%s", err.msg);
	vhost_user_close(&T.vu);
	fake_backend_stop(&T.b);
	const uint32_t want[] = { VHOST_USER_GET_FEATURES, VHOST_USER_SET_OWNER,
				  VHOST_USER_SET_FEATURES, VHOST_USER_SET_MEM_TABLE,
				  VHOST_USER_SET_VRING_NUM, VHOST_USER_SET_VRING_BASE,
				  VHOST_USER_SET_VRING_ADDR, VHOST_USER_SET_VRING_KICK,
				  VHOST_USER_SET_VRING_CALL, VHOST_USER_GET_VRING_BASE };
	ck_assert_int_eq(T.b.nmsgs, sizeof(want) / sizeof(want[0]));
	for (int i = 0; i < T.b.nmsgs; i++) {
		ck_assert_uint_eq(T.b.msgs[i].request, want[i]);
		ck_assert_uint_eq(T.b.msgs[i].flags, V);
	}
	ck_assert_uint_eq(t_u64(&T.b.msgs[2], 0), 1ULL << 32);
	T.b.nmsgs = 0;   /* stopped already */
}
END_TEST

/* Each fault at its request gives an error naming the back end, the
 * request and the reason. */
static void t_fault(uint32_t request, enum fake_fault fault, const char *reason)
{
	struct error err = { 0 };
	T.b.fault_request = request;
	T.b.fault = fault;
	fake_backend_start(&T.b, FAKE_VIRTIOFSD_FEATURES, FAKE_VIRTIOFSD_PROTOCOL);
	int r = vhost_user_init(&T.vu, T.b.front_fd, "virtiofsd for /srv", &err);
	if (r == 0) {
		T.vu.timeout_ms = 200;
		r = vhost_user_start(&T.vu, ACKED, &T.vm.mem, T.rings, 2, &err);
	}
	ck_assert_int_eq(r, -1);
	ck_assert_int_eq(err.kind, ERROR_HOST);
	test_assert_error(err.msg, "vhost-user back end virtiofsd for /srv: ", reason);
}

START_TEST(a_back_end_that_closes)
{
	t_fault(VHOST_USER_GET_FEATURES, FAKE_CLOSE,
		"GET_FEATURES: the back end closed the connection");
}
END_TEST

START_TEST(a_short_reply)
{
	t_fault(VHOST_USER_GET_PROTOCOL_FEATURES, FAKE_SHORT_REPLY,
		"GET_PROTOCOL_FEATURES: reply of 4 bytes, want 8");
	/* The stream is lost: the connection is closed, later calls fail. */
	ck_assert_int_eq(T.vu.fd, -1);
}
END_TEST

START_TEST(a_reply_to_another_request)
{
	t_fault(VHOST_USER_GET_QUEUE_NUM, FAKE_WRONG_REQUEST,
		"GET_QUEUE_NUM: the reply is for request 18");
}
END_TEST

START_TEST(no_reply_in_time)
{
	t_fault(VHOST_USER_SET_VRING_ADDR, FAKE_NO_REPLY, "SET_VRING_ADDR: no reply within 200 ms");
}
END_TEST

START_TEST(a_refused_message)
{
	t_fault(VHOST_USER_SET_MEM_TABLE, FAKE_NACK, "SET_MEM_TABLE: refused (status 1)");
}
END_TEST

START_TEST(rings_outside_ram_and_private_ram_are_refused)
{
	struct error err = { 0 };
	fake_backend_start(&T.b, FAKE_VIRTIOFSD_FEATURES, FAKE_VIRTIOFSD_PROTOCOL);
	ck_assert_msg(vhost_user_init(&T.vu, T.b.front_fd, "fake", &err) == 0, "%s", err.msg);
	T.rings[1].used_gpa = 8 * MiB - 0x100;   /* runs into the hole */
	ck_assert_int_eq(vhost_user_start(&T.vu, ACKED, &T.vm.mem, T.rings, 2, &err), -1);
	test_assert_error(err.msg, "vhost-user back end fake: SET_VRING_ADDR: ",
			  "ring 1 is not in guest RAM");
	struct test_ram ram;
	test_ram_init(&ram, 4 * MiB);
	ck_assert_int_eq(vhost_user_start(&T.vu, ACKED, &ram.mem, T.rings, 1, &err), -1);
	test_assert_error(err.msg, "vhost-user back end fake: SET_MEM_TABLE: ",
			  "guest RAM is not shared memory");
	test_ram_free(&ram);
}
END_TEST

Suite *vhost_user_suite(void)
{
	Suite *s = suite_create("vhost_user");
	TCase *t = tcase_create("vhost_user");
	tcase_add_checked_fixture(t, t_setup, t_teardown);
	tcase_add_test(t, handshake_start_and_stop_as_the_protocol_says);
	tcase_add_test(t, a_back_end_without_protocol_features);
	tcase_add_test(t, a_back_end_that_closes);
	tcase_add_test(t, a_short_reply);
	tcase_add_test(t, a_reply_to_another_request);
	tcase_add_test(t, no_reply_in_time);
	tcase_add_test(t, a_refused_message);
	tcase_add_test(t, rings_outside_ram_and_private_ram_are_refused);
	suite_add_tcase(s, t);
	return s;
}
