/* vmm/devices/virtio/virtq.c: the device side of a split virtqueue
 * (virtio 1.2 §2.7) against a driver (tests/unit/virtq_driver.h) that
 * builds honest chains, and breaks one rule per test. */
#include <stdarg.h>
#include <string.h>

#include <linux/virtio_ring.h>

#include "tests/unit/unit.h"
#include "tests/unit/virtq_driver.h"
#include "vmm/devices/virtio/virtq.h"

#define T_RAM   (16 * MiB)
#define T_RINGS 0x10000ULL
#define T_DATA  (4 * MiB)

static struct {
	struct test_ram ram;
	struct vdrv drv;
	struct virtq vq;
	struct virtq_chain chain;
	struct error err;
} T;

/* A started queue of size entries in T_RAM of RAM. */
static void t_start_in(uint64_t ram, uint16_t size, bool event_idx, bool indirect)
{
	memset(&T, 0, sizeof(T));
	test_ram_init(&T.ram, ram);
	vdrv_init(&T.drv, &T.ram.mem, size, T_RINGS, T_DATA);
	vdrv_setup(&T.drv, &T.vq, event_idx, indirect);
	ck_assert_msg(virtq_start(&T.vq, &T.ram.mem, &T.err) == 0, "%s", T.err.msg);
	ck_assert(T.vq.ready);
}

static void t_start(uint16_t size, bool event_idx, bool indirect)
{
	t_start_in(T_RAM, size, event_idx, indirect);
}

static void t_end(void)
{
	test_ram_free(&T.ram);
}

static int t_pop(void)
{
	memset(&T.err, 0, sizeof(T.err));
	return virtq_pop(&T.vq, &T.chain, &T.err);
}

/* The next pop names the broken rule (every fragment), and the queue
 * stays broken: nothing more is taken, pushed or signalled. */
#define t_expect_broken(...) t_expect_broken_impl(__LINE__, __VA_ARGS__, (const char *)NULL)
static void t_expect_broken_impl(int line, const char *frag, ...)
{
	uint16_t used = vdrv_used_idx(&T.drv);
	ck_assert_msg(t_pop() == -1, "line %d: the pop did not fail", line);
	ck_assert(T.vq.broken);
	test_assert_error(T.err.msg, "virtqueue: ", frag);
	va_list ap;
	va_start(ap, frag);
	for (const char *f; (f = va_arg(ap, const char *)) != NULL;)
		test_assert_error(T.err.msg, "virtqueue: ", f);
	va_end(ap);
	ck_assert_int_eq(t_pop(), -1);
	test_assert_error(T.err.msg, "virtqueue: broken until the device is reset");
	virtq_push(&T.vq, 0, 1);
	ck_assert_uint_eq(vdrv_used_idx(&T.drv), used);
	ck_assert(!virtq_should_interrupt(&T.vq));
}

static uint64_t t_buf(uint32_t len, uint8_t fill)
{
	return vdrv_alloc(&T.drv, len, 8, fill);
}

static void t_assert_buf(uint32_t i, uint64_t gpa, uint32_t len, bool writable)
{
	const struct virtq_buf *b = &T.chain.bufs[i];
	ck_assert_uint_eq(b->len, len);
	ck_assert_int_eq(b->writable, writable);
	if (len)
		ck_assert_ptr_eq(b->host, vdrv_host(&T.drv, gpa, len));
	else
		ck_assert_ptr_null(b->host);
}

/* ---- Honest chains ---- */

START_TEST(test_direct_chain)
{
	t_start(8, false, false);
	struct vdrv_buf b[] = {
		{ .len = 16, .fill = 1 }, { .len = 100, .fill = 2 },
		{ .len = 64, .writable = true }, { .len = 1, .writable = true },
	};
	uint16_t head = vdrv_chain(&T.drv, b, 4, false);
	vdrv_publish(&T.drv, head);
	ck_assert_int_eq(t_pop(), 1);
	ck_assert_uint_eq(T.chain.head, head);
	ck_assert_uint_eq(T.chain.nbufs, 4);
	ck_assert_uint_eq(T.chain.nreadable, 2);
	ck_assert_uint_eq(T.chain.readable_len, 116);
	ck_assert_uint_eq(T.chain.writable_len, 65);
	for (uint32_t i = 0; i < 4; i++)
		t_assert_buf(i, b[i].gpa, b[i].len, b[i].writable);
	ck_assert_int_eq(t_pop(), 0);   /* one chain was made available */
	ck_assert(!T.vq.broken);
	t_end();
}
END_TEST

START_TEST(test_pop_before_start_is_empty)
{
	struct virtq vq;
	struct virtq_chain c;
	memset(&vq, 0, sizeof(vq));
	ck_assert_int_eq(virtq_pop(&vq, &c, NULL), 0);
	ck_assert(!virtq_should_interrupt(&vq));
}
END_TEST

START_TEST(test_chains_in_order)
{
	t_start(8, false, false);
	uint16_t heads[3];
	for (int i = 0; i < 3; i++) {
		struct vdrv_buf b[] = { { .len = (uint32_t)(10 + i), .writable = i == 2 } };
		heads[i] = vdrv_chain(&T.drv, b, 1, false);
		vdrv_publish(&T.drv, heads[i]);
	}
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(t_pop(), 1);
		ck_assert_uint_eq(T.chain.head, heads[i]);
		ck_assert_uint_eq(T.chain.bufs[0].len, 10 + i);
		ck_assert_uint_eq(T.chain.nreadable, i == 2 ? 0 : 1);
	}
	ck_assert_int_eq(t_pop(), 0);
	t_end();
}
END_TEST

START_TEST(test_indirect_chain)
{
	t_start(4, false, true);
	struct vdrv_buf b[] = {
		{ .len = 16 }, { .len = 512 }, { .len = 512, .writable = true },
		{ .len = 1, .writable = true },
	};
	uint16_t head = vdrv_chain(&T.drv, b, 4, true);
	vdrv_publish(&T.drv, head);
	ck_assert_int_eq(t_pop(), 1);
	ck_assert_uint_eq(T.chain.head, head);
	ck_assert_uint_eq(T.chain.nbufs, 4);
	ck_assert_uint_eq(T.chain.nreadable, 2);
	ck_assert_uint_eq(T.chain.readable_len, 528);
	ck_assert_uint_eq(T.chain.writable_len, 513);
	for (uint32_t i = 0; i < 4; i++)
		t_assert_buf(i, b[i].gpa, b[i].len, b[i].writable);
	t_end();
}
END_TEST

/* §2.7.5.3.2: direct descriptors ended by an indirect one; the WRITE flag
 * on the indirect descriptor itself is ignored. */
START_TEST(test_direct_then_indirect)
{
	t_start(8, false, true);
	uint64_t hdr = t_buf(16, 0), data = t_buf(8, 0), st = t_buf(1, 0);
	uint64_t table = vdrv_alloc(&T.drv, 32, 16, 0);
	vdrv_write_desc(&T.drv, table, 0, data, 8, VRING_DESC_F_NEXT, 1);
	vdrv_write_desc(&T.drv, table, 1, st, 1, VRING_DESC_F_WRITE, 0);
	vdrv_desc(&T.drv, 5, hdr, 16, VRING_DESC_F_NEXT, 2);
	vdrv_desc(&T.drv, 2, table, 32, VRING_DESC_F_INDIRECT | VRING_DESC_F_WRITE, 0);
	vdrv_publish(&T.drv, 5);
	ck_assert_int_eq(t_pop(), 1);
	ck_assert_uint_eq(T.chain.head, 5);
	ck_assert_uint_eq(T.chain.nbufs, 3);
	ck_assert_uint_eq(T.chain.nreadable, 2);
	t_assert_buf(0, hdr, 16, false);
	t_assert_buf(1, data, 8, false);
	t_assert_buf(2, st, 1, true);
	t_end();
}
END_TEST

/* No alignment is asked of an indirect table: one at an odd address reads
 * the same. */
START_TEST(test_unaligned_indirect_table)
{
	t_start(4, false, true);
	uint64_t r = t_buf(24, 0), w = t_buf(40, 0);
	uint64_t table = vdrv_alloc(&T.drv, 64, 16, 0) + 3;
	vdrv_write_desc(&T.drv, table, 0, r, 24, VRING_DESC_F_NEXT, 1);
	vdrv_write_desc(&T.drv, table, 1, w, 40, VRING_DESC_F_WRITE, 0);
	vdrv_desc(&T.drv, 1, table, 32, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&T.drv, 1);
	ck_assert_int_eq(t_pop(), 1);
	ck_assert_uint_eq(T.chain.nbufs, 2);
	t_assert_buf(0, r, 24, false);
	t_assert_buf(1, w, 40, true);
	t_end();
}
END_TEST

/* A zero-length buffer is allowed (no section forbids one): it carries
 * nothing, still counts as a buffer, and copies step over it. */
START_TEST(test_zero_length_buffer_accepted)
{
	t_start(4, false, false);
	struct vdrv_buf b[] = {
		{ .len = 2, .fill = 'a' }, { .gpa = 0x7fffffffffffULL, .len = 0 },
		{ .len = 2, .fill = 'b' }, { .len = 0, .writable = true, .gpa = 1 },
	};
	vdrv_publish(&T.drv, vdrv_chain(&T.drv, b, 4, false));
	ck_assert_int_eq(t_pop(), 1);
	ck_assert_uint_eq(T.chain.nbufs, 4);
	ck_assert_uint_eq(T.chain.nreadable, 3);
	ck_assert_uint_eq(T.chain.readable_len, 4);
	ck_assert_uint_eq(T.chain.writable_len, 0);
	t_assert_buf(1, 0, 0, false);
	t_assert_buf(3, 0, 0, true);
	char out[5] = { 0 };
	ck_assert_uint_eq(virtq_chain_read(&T.chain, 0, out, 4), 4);
	ck_assert_str_eq(out, "aabb");
	ck_assert_uint_eq(virtq_chain_write(&T.chain, 0, "x", 1), 0);
	t_end();
}
END_TEST

/* A chain exactly as long as the queue, and one of exactly 4 GiB, are
 * fine: the limits are "longer than". */
START_TEST(test_limits_met_exactly)
{
	t_start(4, false, true);
	struct vdrv_buf b[4] = { { .len = 1 }, { .len = 1 }, { .len = 1 }, { .len = 1 } };
	vdrv_publish(&T.drv, vdrv_chain(&T.drv, b, 4, false));
	ck_assert_int_eq(t_pop(), 1);
	ck_assert_uint_eq(T.chain.nbufs, 4);
	struct vdrv_buf c[4] = { { .len = 1 }, { .len = 1 }, { .len = 1 }, { .len = 1 } };
	vdrv_publish(&T.drv, vdrv_chain(&T.drv, c, 4, true));
	ck_assert_int_eq(t_pop(), 1);
	ck_assert_uint_eq(T.chain.nbufs, 4);
	t_end();

	/* RAM above 4 GiB holds a buffer of 4 GiB - 1 bytes. */
	t_start_in(9 * GiB, 4, false, false);
	vdrv_desc(&T.drv, 0, 4 * GiB, 0xffffffffu, VRING_DESC_F_NEXT, 1);
	vdrv_desc(&T.drv, 1, 4 * GiB, 1, 0, 0);
	vdrv_publish(&T.drv, 0);
	ck_assert_int_eq(t_pop(), 1);
	ck_assert_uint_eq(T.chain.readable_len, 1ULL << 32);
	t_end();
}
END_TEST

/* ---- Every broken rule, one at a time ---- */

START_TEST(test_avail_index_jumps)
{
	t_start(4, false, false);
	vdrv_write_avail_idx(&T.drv, 5);
	t_expect_broken("avail index moved from 0 to 5", "more than the queue size 4");
	t_end();
}
END_TEST

START_TEST(test_head_past_size)
{
	t_start(4, false, false);
	vdrv_publish(&T.drv, 4);
	t_expect_broken("head 4 past the queue size 4");
	t_end();
}
END_TEST

START_TEST(test_next_past_size)
{
	t_start(4, false, false);
	vdrv_desc(&T.drv, 0, t_buf(8, 0), 8, VRING_DESC_F_NEXT, 9);
	vdrv_publish(&T.drv, 0);
	t_expect_broken("head 0: next 9 past the queue size 4");
	t_end();
}
END_TEST

/* next equal to the size is the first index past the table. */
START_TEST(test_next_equal_to_size)
{
	t_start(4, false, false);
	vdrv_desc(&T.drv, 0, t_buf(8, 0), 8, VRING_DESC_F_NEXT, 4);
	vdrv_publish(&T.drv, 0);
	t_expect_broken("head 0: next 4 past the queue size 4");
	t_end();
}
END_TEST

START_TEST(test_chain_loops)
{
	t_start(4, false, false);
	uint64_t b = t_buf(8, 0);
	vdrv_desc(&T.drv, 1, b, 8, VRING_DESC_F_NEXT, 2);
	vdrv_desc(&T.drv, 2, b, 8, VRING_DESC_F_NEXT, 1);
	vdrv_publish(&T.drv, 1);
	t_expect_broken("head 1: the descriptor chain loops");
	t_end();
}
END_TEST

START_TEST(test_self_loop)
{
	t_start(1, false, false);
	vdrv_desc(&T.drv, 0, t_buf(8, 0), 8, VRING_DESC_F_NEXT, 0);
	vdrv_publish(&T.drv, 0);
	t_expect_broken("head 0: the descriptor chain loops");
	t_end();
}
END_TEST

/* Direct and indirect buffers together past the queue size (§2.7.5.3.1). */
START_TEST(test_chain_longer_than_queue)
{
	t_start(4, false, true);
	uint64_t b = t_buf(8, 0), table = vdrv_alloc(&T.drv, 48, 16, 0);
	for (uint16_t i = 0; i < 3; i++)
		vdrv_write_desc(&T.drv, table, i, b, 8, i < 2 ? VRING_DESC_F_NEXT : 0,
				(uint16_t)(i + 1));
	vdrv_desc(&T.drv, 0, b, 8, VRING_DESC_F_NEXT, 1);
	vdrv_desc(&T.drv, 1, b, 8, VRING_DESC_F_NEXT, 2);
	vdrv_desc(&T.drv, 2, table, 48, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&T.drv, 0);
	t_expect_broken("head 0: the descriptor chain is longer than the queue size 4");
	t_end();
}
END_TEST

START_TEST(test_indirect_table_longer_than_queue)
{
	t_start(4, false, true);
	struct vdrv_buf b[5] = { { .len = 1 }, { .len = 1 }, { .len = 1 }, { .len = 1 },
				 { .len = 1 } };
	vdrv_publish(&T.drv, vdrv_chain(&T.drv, b, 5, true));
	t_expect_broken("longer than the queue size 4");
	t_end();
}
END_TEST

START_TEST(test_indirect_table_loops)
{
	t_start(4, false, true);
	uint64_t b = t_buf(8, 0), table = vdrv_alloc(&T.drv, 48, 16, 0);
	vdrv_write_desc(&T.drv, table, 0, b, 8, VRING_DESC_F_NEXT, 1);
	vdrv_write_desc(&T.drv, table, 1, b, 8, VRING_DESC_F_NEXT, 2);
	vdrv_write_desc(&T.drv, table, 2, b, 8, VRING_DESC_F_NEXT, 1);
	vdrv_desc(&T.drv, 0, table, 48, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&T.drv, 0);
	t_expect_broken("head 0: the indirect table's chain loops");
	t_end();
}
END_TEST

START_TEST(test_indirect_next_past_table)
{
	t_start(4, false, true);
	uint64_t b = t_buf(8, 0), table = vdrv_alloc(&T.drv, 32, 16, 0);
	vdrv_write_desc(&T.drv, table, 0, b, 8, VRING_DESC_F_NEXT, 2);
	vdrv_desc(&T.drv, 0, table, 32, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&T.drv, 0);
	t_expect_broken("head 0: next 2 past the indirect table of 2 entries");
	t_end();
}
END_TEST

START_TEST(test_nested_indirect)
{
	t_start(4, false, true);
	uint64_t inner = vdrv_alloc(&T.drv, 16, 16, 0), outer = vdrv_alloc(&T.drv, 16, 16, 0);
	vdrv_write_desc(&T.drv, inner, 0, t_buf(8, 0), 8, 0, 0);
	vdrv_write_desc(&T.drv, outer, 0, inner, 16, VRING_DESC_F_INDIRECT, 0);
	vdrv_desc(&T.drv, 0, outer, 16, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&T.drv, 0);
	t_expect_broken("head 0: a nested indirect table");
	t_end();
}
END_TEST

START_TEST(test_indirect_with_next)
{
	t_start(4, false, true);
	uint64_t table = vdrv_alloc(&T.drv, 16, 16, 0);
	vdrv_write_desc(&T.drv, table, 0, t_buf(8, 0), 8, 0, 0);
	vdrv_desc(&T.drv, 0, table, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	vdrv_desc(&T.drv, 1, t_buf(8, 0), 8, 0, 0);
	vdrv_publish(&T.drv, 0);
	t_expect_broken("head 0: an indirect descriptor with NEXT set");
	t_end();
}
END_TEST

START_TEST(test_indirect_len_zero)
{
	t_start(4, false, true);
	vdrv_desc(&T.drv, 0, vdrv_alloc(&T.drv, 16, 16, 0), 0, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&T.drv, 0);
	t_expect_broken("head 0: an indirect table of 0 bytes", "multiple of 16");
	t_end();
}
END_TEST

START_TEST(test_indirect_len_not_multiple_of_16)
{
	t_start(4, false, true);
	vdrv_desc(&T.drv, 0, vdrv_alloc(&T.drv, 32, 16, 0), 24, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&T.drv, 0);
	t_expect_broken("head 0: an indirect table of 24 bytes", "multiple of 16");
	t_end();
}
END_TEST

START_TEST(test_indirect_not_negotiated)
{
	t_start(4, false, false);
	struct vdrv_buf b[] = { { .len = 8 } };
	vdrv_publish(&T.drv, vdrv_chain(&T.drv, b, 1, true));
	t_expect_broken("an indirect descriptor", "VIRTIO_RING_F_INDIRECT_DESC was not negotiated");
	t_end();
}
END_TEST

START_TEST(test_readable_after_writable)
{
	t_start(4, false, false);
	struct vdrv_buf b[] = { { .len = 8 }, { .len = 8, .writable = true }, { .len = 8 } };
	vdrv_publish(&T.drv, vdrv_chain(&T.drv, b, 3, false));
	t_expect_broken("head 0: a readable buffer after a writable one");
	t_end();
}
END_TEST

START_TEST(test_readable_after_writable_indirect)
{
	t_start(4, false, true);
	struct vdrv_buf b[] = { { .len = 8, .writable = true }, { .len = 8 } };
	vdrv_publish(&T.drv, vdrv_chain(&T.drv, b, 2, true));
	t_expect_broken("a readable buffer after a writable one");
	t_end();
}
END_TEST

/* A writable buffer ahead of an indirect table's readable ones breaks the
 * order too: the table continues the same chain. */
START_TEST(test_readable_after_writable_across_indirect)
{
	t_start(4, false, true);
	uint64_t table = vdrv_alloc(&T.drv, 16, 16, 0);
	vdrv_write_desc(&T.drv, table, 0, t_buf(8, 0), 8, 0, 0);
	vdrv_desc(&T.drv, 0, t_buf(8, 0), 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	vdrv_desc(&T.drv, 1, table, 16, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&T.drv, 0);
	t_expect_broken("a readable buffer after a writable one");
	t_end();
}
END_TEST

START_TEST(test_buffer_past_ram)
{
	t_start(4, false, false);
	vdrv_desc(&T.drv, 0, T_RAM - 8, 16, 0, 0);
	vdrv_publish(&T.drv, 0);
	t_expect_broken("head 0: a buffer of 16 bytes at 0xfffff8 outside guest RAM");
	t_end();
}
END_TEST

START_TEST(test_buffer_in_mmio_hole)
{
	t_start_in(5 * GiB, 4, false, false);
	vdrv_desc(&T.drv, 0, 3 * GiB - 4, 8, VRING_DESC_F_WRITE, 0);   /* RAM, then the hole */
	vdrv_publish(&T.drv, 0);
	t_expect_broken("a buffer of 8 bytes at 0xbffffffc outside guest RAM");
	t_end();
}
END_TEST

START_TEST(test_buffer_wraps)
{
	t_start(4, false, false);
	vdrv_desc(&T.drv, 0, 0xfffffffffffffff0ULL, 0x20, VRING_DESC_F_WRITE, 0);
	vdrv_publish(&T.drv, 0);
	t_expect_broken("a buffer of 32 bytes at 0xfffffffffffffff0 outside guest RAM");
	t_end();
}
END_TEST

START_TEST(test_indirect_table_outside_ram)
{
	t_start(4, false, true);
	vdrv_desc(&T.drv, 0, T_RAM - 16, 32, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&T.drv, 0);
	t_expect_broken("an indirect table of 32 bytes at 0xfffff0 outside guest RAM");
	t_end();
}
END_TEST

/* §2.7.5.2: no chain longer than 2^32 bytes in total. */
START_TEST(test_chain_over_4gib)
{
	t_start_in(9 * GiB, 4, false, false);
	vdrv_desc(&T.drv, 0, 4 * GiB, 0xffffffffu, VRING_DESC_F_NEXT, 1);
	vdrv_desc(&T.drv, 1, 4 * GiB, 2, VRING_DESC_F_WRITE, 0);
	vdrv_publish(&T.drv, 0);
	t_expect_broken("head 0: the descriptor chain holds more than 4 GiB");
	t_end();
}
END_TEST

/* The device holds every descriptor: a further chain can only reuse one. */
START_TEST(test_more_in_use_than_size)
{
	t_start(4, false, false);
	for (int i = 0; i < 4; i++) {
		struct vdrv_buf b[] = { { .len = 8, .writable = true } };
		vdrv_publish(&T.drv, vdrv_chain(&T.drv, b, 1, false));
		ck_assert_int_eq(t_pop(), 1);
	}
	vdrv_publish(&T.drv, 0);
	t_expect_broken("more chains in use than the queue size 4");
	t_end();
}
END_TEST

/* After a reset and a new start the queue works again. */
START_TEST(test_reset_clears_broken)
{
	t_start(4, false, false);
	vdrv_publish(&T.drv, 7);
	t_expect_broken("head 7");
	virtq_reset(&T.vq);
	ck_assert(!T.vq.broken);
	ck_assert(!T.vq.ready);
	ck_assert_int_eq(t_pop(), 0);
	vdrv_init(&T.drv, &T.ram.mem, 4, T_RINGS, T_DATA);
	vdrv_setup(&T.drv, &T.vq, false, false);
	ck_assert_int_eq(virtq_start(&T.vq, &T.ram.mem, &T.err), 0);
	struct vdrv_buf b[] = { { .len = 8, .writable = true } };
	vdrv_publish(&T.drv, vdrv_chain(&T.drv, b, 1, false));
	ck_assert_int_eq(t_pop(), 1);
	virtq_push(&T.vq, T.chain.head, 8);
	ck_assert_uint_eq(vdrv_used_idx(&T.drv), 1);
	t_end();
}
END_TEST

/* ---- virtq_start ---- */

static void t_expect_start_error(const char *frag)
{
	memset(&T.err, 0, sizeof(T.err));
	ck_assert_int_eq(virtq_start(&T.vq, &T.ram.mem, &T.err), -1);
	ck_assert(!T.vq.ready);
	test_assert_error(T.err.msg, "virtqueue: ", frag);
	ck_assert_int_eq(t_pop(), 0);
}

START_TEST(test_start_refuses_sizes)
{
	static const uint16_t bad[] = { 0, 3, 6, 512, 32768 };
	t_start(4, false, false);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T.vq.size = bad[i];
		t_expect_start_error("is not a power of two up to 256");
	}
	t_end();
}
END_TEST

START_TEST(test_start_refuses_misaligned_rings)
{
	t_start(4, false, false);
	T.vq.desc_gpa += 8;
	t_expect_start_error("misaligned rings");
	vdrv_setup(&T.drv, &T.vq, false, false);
	T.vq.avail_gpa += 1;
	t_expect_start_error("misaligned rings");
	vdrv_setup(&T.drv, &T.vq, false, false);
	T.vq.used_gpa += 2;
	t_expect_start_error("misaligned rings");
	t_end();
}
END_TEST

START_TEST(test_start_refuses_rings_outside_ram)
{
	t_start(4, false, false);
	T.vq.desc_gpa = T_RAM - 48;   /* 64 bytes of descriptors */
	t_expect_start_error("rings outside guest RAM");
	vdrv_setup(&T.drv, &T.vq, false, false);
	T.vq.avail_gpa = T_RAM - 10;  /* 12 bytes without used_event */
	t_expect_start_error("rings outside guest RAM");
	vdrv_setup(&T.drv, &T.vq, false, false);
	T.vq.used_gpa = 0xfffffffffffffff0ULL;
	t_expect_start_error("rings outside guest RAM");
	t_end();
}
END_TEST

/* The event fields exist only with EVENT_IDX: rings that end at the end
 * of RAM are fine without it, and too short with it. */
START_TEST(test_start_event_fields_in_ram)
{
	t_start(4, false, false);
	T.vq.avail_gpa = T_RAM - 12;   /* flags, idx, ring[4] */
	T.vq.used_gpa = T_RAM - 36 - 12;   /* flags, idx, ring[4]: ends at T_RAM - 12 */
	ck_assert_int_eq(virtq_start(&T.vq, &T.ram.mem, &T.err), 0);
	T.vq.event_idx = true;
	t_expect_start_error("rings outside guest RAM");
	T.vq.avail_gpa = T_RAM - 14 - 64;
	T.vq.used_gpa = T_RAM - 36;   /* ... then avail_event: 2 bytes short */
	t_expect_start_error("rings outside guest RAM");
	T.vq.used_gpa = T_RAM - 40;   /* 4-aligned, 38 bytes fit */
	ck_assert_int_eq(virtq_start(&T.vq, &T.ram.mem, &T.err), 0);
	t_end();
}
END_TEST

/* A start begins the queue afresh whatever its indices were: both rings
 * count from 0 (§2.7.6, §2.7.8), so the first chain is at avail slot 0. */
START_TEST(test_start_resets_indices)
{
	t_start(4, false, false);
	T.vq.last_avail = T.vq.used_idx = 7;
	T.vq.broken = true;
	ck_assert_int_eq(virtq_start(&T.vq, &T.ram.mem, &T.err), 0);
	ck_assert_uint_eq(T.vq.last_avail, 0);
	ck_assert_uint_eq(T.vq.used_idx, 0);
	ck_assert(!T.vq.broken);
	struct vdrv_buf b[] = { { .len = 8, .writable = true } };
	uint16_t head = vdrv_chain(&T.drv, b, 1, false);
	vdrv_publish(&T.drv, head);
	ck_assert_int_eq(t_pop(), 1);
	ck_assert_uint_eq(T.chain.head, head);
	virtq_push(&T.vq, head, 8);
	ck_assert_uint_eq(vdrv_used_idx(&T.drv), 1);
	t_end();
}
END_TEST

/* ---- The used ring ---- */

START_TEST(test_used_ring_contents)
{
	t_start(4, false, false);
	uint16_t heads[3];
	for (int i = 0; i < 3; i++) {
		struct vdrv_buf b[] = { { .len = 8, .writable = true } };
		heads[i] = vdrv_chain(&T.drv, b, 1, false);
		vdrv_publish(&T.drv, heads[i]);
	}
	/* Out of order, as a device may (§2.7.8). */
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(t_pop(), 1);
	virtq_push(&T.vq, heads[2], 7);
	virtq_push(&T.vq, heads[0], 0);
	ck_assert_uint_eq(vdrv_used_idx(&T.drv), 2);
	uint32_t id, len;
	ck_assert(vdrv_take_used(&T.drv, &id, &len));
	ck_assert_uint_eq(id, heads[2]);
	ck_assert_uint_eq(len, 7);
	ck_assert(vdrv_take_used(&T.drv, &id, &len));
	ck_assert_uint_eq(id, heads[0]);
	ck_assert_uint_eq(len, 0);
	ck_assert(!vdrv_take_used(&T.drv, &id, &len));
	virtq_push(&T.vq, heads[1], 0xffffffffu);
	ck_assert(vdrv_take_used(&T.drv, &id, &len));
	ck_assert_uint_eq(id, heads[1]);
	ck_assert_uint_eq(len, 0xffffffffu);
	t_end();
}
END_TEST

/* 70000 chains through a queue of 4: avail and used indices wrap at
 * 65536 (§2.7.13.3) and the slots at 4; EVENT_IDX's avail_event follows
 * and used_event at the current index always asks for an interrupt. */
START_TEST(test_index_wrap)
{
	t_start(4, true, false);
	/* Plain ifs in the loop: Check records every passing ck_assert. */
	for (uint32_t i = 0; i < 70000; i++) {
		struct vdrv_buf b[] = { { .len = 4, .writable = true } };
		uint16_t head = vdrv_chain(&T.drv, b, 1, false);
		T.drv.data -= 4;   /* the same buffer every time */
		vdrv_publish(&T.drv, head);
		if (t_pop() != 1 || T.chain.head != head)
			ck_abort_msg("round %u: pop failed: %s", i, T.err.msg);
		if (vdrv_avail_event(&T.drv) != (uint16_t)(i + 1))
			ck_abort_msg("round %u: avail_event %u", i, vdrv_avail_event(&T.drv));
		vdrv_write_used_event(&T.drv, (uint16_t)i);
		virtq_push(&T.vq, head, i & 0xff);
		if (!virtq_should_interrupt(&T.vq))
			ck_abort_msg("round %u: no interrupt at used_event", i);
		uint32_t id, len;
		if (!vdrv_take_used(&T.drv, &id, &len) || id != head || len != (i & 0xff))
			ck_abort_msg("round %u: used element wrong", i);
		if (t_pop() != 0)
			ck_abort_msg("round %u: more than one chain", i);
	}
	ck_assert_uint_eq(vdrv_used_idx(&T.drv), (uint16_t)70000);
	ck_assert_uint_eq(T.vq.last_avail, (uint16_t)70000);
	t_end();
}
END_TEST

/* ---- Interrupt suppression (§2.7.7) ---- */

static void t_push_one(void)
{
	struct vdrv_buf b[] = { { .len = 4, .writable = true } };
	vdrv_publish(&T.drv, vdrv_chain(&T.drv, b, 1, false));
	ck_assert_int_eq(t_pop(), 1);
	virtq_push(&T.vq, T.chain.head, 4);
}

START_TEST(test_no_interrupt_flag)
{
	t_start(8, false, false);
	t_push_one();
	ck_assert(virtq_should_interrupt(&T.vq));
	vdrv_write_avail_flags(&T.drv, VRING_AVAIL_F_NO_INTERRUPT);
	t_push_one();
	ck_assert(!virtq_should_interrupt(&T.vq));
	vdrv_write_avail_flags(&T.drv, 0);
	t_push_one();
	ck_assert(virtq_should_interrupt(&T.vq));
	/* used_event means nothing without EVENT_IDX. */
	vdrv_write_used_event(&T.drv, 100);
	t_push_one();
	ck_assert(virtq_should_interrupt(&T.vq));
	t_end();
}
END_TEST

START_TEST(test_event_idx)
{
	t_start(8, true, false);
	vdrv_write_used_event(&T.drv, 5);
	t_push_one();                                /* used idx 1: the first always */
	ck_assert(virtq_should_interrupt(&T.vq));
	vdrv_write_avail_flags(&T.drv, VRING_AVAIL_F_NO_INTERRUPT);   /* ignored */
	vdrv_write_used_event(&T.drv, 2);            /* when entry 2 is written */
	t_push_one();                                /* entry 1 */
	ck_assert(!virtq_should_interrupt(&T.vq));
	t_push_one();                                /* entry 2 */
	ck_assert(virtq_should_interrupt(&T.vq));
	t_push_one();                                /* entry 3 */
	ck_assert(!virtq_should_interrupt(&T.vq));
	/* Several pushes, one question: entry 5 is among 4..6. */
	vdrv_write_used_event(&T.drv, 5);
	t_push_one();
	t_push_one();
	t_push_one();
	ck_assert(virtq_should_interrupt(&T.vq));
	/* An event already behind: no interrupt until the index comes round. */
	vdrv_write_used_event(&T.drv, 3);
	t_push_one();
	ck_assert(!virtq_should_interrupt(&T.vq));
	t_end();
}
END_TEST

/* With EVENT_IDX the device asks for a notification at the next entry
 * (§2.7.10), also when it finds the ring empty. */
START_TEST(test_avail_event)
{
	t_start(8, true, false);
	ck_assert_int_eq(t_pop(), 0);
	ck_assert_uint_eq(vdrv_avail_event(&T.drv), 0);
	t_push_one();
	ck_assert_uint_eq(vdrv_avail_event(&T.drv), 1);
	/* Scribbled over (the used ring is the device's, but RAM is the
	 * guest's): an empty pop writes it again. */
	uint16_t junk = 0x1234;
	memcpy(vdrv_host(&T.drv, T.drv.used + 4 + 8 * 8, 2), &junk, 2);
	ck_assert_int_eq(t_pop(), 0);
	ck_assert_uint_eq(vdrv_avail_event(&T.drv), 1);
	t_end();
}
END_TEST

START_TEST(test_no_avail_event_without_event_idx)
{
	t_start(8, false, false);
	t_push_one();
	ck_assert_int_eq(t_pop(), 0);
	ck_assert_uint_eq(vdrv_avail_event(&T.drv), 0);
	t_end();
}
END_TEST

/* ---- Copies across buffers ---- */

START_TEST(test_chain_read_write)
{
	t_start(8, false, false);
	struct vdrv_buf b[] = {
		{ .len = 3 }, { .len = 0 }, { .len = 5 },
		{ .len = 2, .writable = true, .fill = '.' }, { .len = 4, .writable = true, .fill = '.' },
	};
	b[1].gpa = 1;
	uint16_t head = vdrv_chain(&T.drv, b, 5, false);
	memcpy(vdrv_host(&T.drv, b[0].gpa, 3), "abc", 3);
	memcpy(vdrv_host(&T.drv, b[2].gpa, 5), "defgh", 5);
	vdrv_publish(&T.drv, head);
	ck_assert_int_eq(t_pop(), 1);

	char out[16];
	memset(out, 0, sizeof(out));
	ck_assert_uint_eq(virtq_chain_read(&T.chain, 0, out, 8), 8);
	ck_assert_str_eq(out, "abcdefgh");
	memset(out, 0, sizeof(out));
	ck_assert_uint_eq(virtq_chain_read(&T.chain, 2, out, 4), 4);
	ck_assert_str_eq(out, "cdef");
	memset(out, 0, sizeof(out));
	ck_assert_uint_eq(virtq_chain_read(&T.chain, 6, out, 100), 2);   /* short */
	ck_assert_str_eq(out, "gh");
	ck_assert_uint_eq(virtq_chain_read(&T.chain, 8, out, 1), 0);
	ck_assert_uint_eq(virtq_chain_read(&T.chain, 1000, out, 1), 0);

	ck_assert_uint_eq(virtq_chain_write(&T.chain, 1, "WXYZ", 4), 4);
	ck_assert_int_eq(memcmp(vdrv_host(&T.drv, b[3].gpa, 2), ".W", 2), 0);
	ck_assert_int_eq(memcmp(vdrv_host(&T.drv, b[4].gpa, 4), "XYZ.", 4), 0);
	ck_assert_uint_eq(virtq_chain_write(&T.chain, 0, "0123456789", 10), 6);   /* short */
	ck_assert_int_eq(memcmp(vdrv_host(&T.drv, b[3].gpa, 2), "01", 2), 0);
	ck_assert_int_eq(memcmp(vdrv_host(&T.drv, b[4].gpa, 4), "2345", 4), 0);
	ck_assert_uint_eq(virtq_chain_write(&T.chain, 6, "x", 1), 0);
	/* Readable buffers are never written (§2.7.5.1). */
	ck_assert_int_eq(memcmp(vdrv_host(&T.drv, b[0].gpa, 3), "abc", 3), 0);
	ck_assert_int_eq(memcmp(vdrv_host(&T.drv, b[2].gpa, 5), "defgh", 5), 0);
	t_end();
}
END_TEST

Suite *virtq_suite(void)
{
	Suite *s = suite_create("virtq");
	TCase *tc = tcase_create("chains");
	tcase_add_test(tc, test_direct_chain);
	tcase_add_test(tc, test_pop_before_start_is_empty);
	tcase_add_test(tc, test_chains_in_order);
	tcase_add_test(tc, test_indirect_chain);
	tcase_add_test(tc, test_direct_then_indirect);
	tcase_add_test(tc, test_unaligned_indirect_table);
	tcase_add_test(tc, test_zero_length_buffer_accepted);
	tcase_add_test(tc, test_limits_met_exactly);
	suite_add_tcase(s, tc);

	tc = tcase_create("broken rules");
	tcase_add_test(tc, test_avail_index_jumps);
	tcase_add_test(tc, test_head_past_size);
	tcase_add_test(tc, test_next_past_size);
	tcase_add_test(tc, test_next_equal_to_size);
	tcase_add_test(tc, test_chain_loops);
	tcase_add_test(tc, test_self_loop);
	tcase_add_test(tc, test_chain_longer_than_queue);
	tcase_add_test(tc, test_indirect_table_longer_than_queue);
	tcase_add_test(tc, test_indirect_table_loops);
	tcase_add_test(tc, test_indirect_next_past_table);
	tcase_add_test(tc, test_nested_indirect);
	tcase_add_test(tc, test_indirect_with_next);
	tcase_add_test(tc, test_indirect_len_zero);
	tcase_add_test(tc, test_indirect_len_not_multiple_of_16);
	tcase_add_test(tc, test_indirect_not_negotiated);
	tcase_add_test(tc, test_readable_after_writable);
	tcase_add_test(tc, test_readable_after_writable_indirect);
	tcase_add_test(tc, test_readable_after_writable_across_indirect);
	tcase_add_test(tc, test_buffer_past_ram);
	tcase_add_test(tc, test_buffer_in_mmio_hole);
	tcase_add_test(tc, test_buffer_wraps);
	tcase_add_test(tc, test_indirect_table_outside_ram);
	tcase_add_test(tc, test_chain_over_4gib);
	tcase_add_test(tc, test_more_in_use_than_size);
	tcase_add_test(tc, test_reset_clears_broken);
	suite_add_tcase(s, tc);

	tc = tcase_create("start");
	tcase_add_test(tc, test_start_refuses_sizes);
	tcase_add_test(tc, test_start_refuses_misaligned_rings);
	tcase_add_test(tc, test_start_refuses_rings_outside_ram);
	tcase_add_test(tc, test_start_event_fields_in_ram);
	tcase_add_test(tc, test_start_resets_indices);
	suite_add_tcase(s, tc);

	tc = tcase_create("used ring and interrupts");
	tcase_add_test(tc, test_used_ring_contents);
	tcase_add_test(tc, test_index_wrap);
	tcase_add_test(tc, test_no_interrupt_flag);
	tcase_add_test(tc, test_event_idx);
	tcase_add_test(tc, test_avail_event);
	tcase_add_test(tc, test_no_avail_event_without_event_idx);
	tcase_add_test(tc, test_chain_read_write);
	suite_add_tcase(s, tc);
	return s;
}
