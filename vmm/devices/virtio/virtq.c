/* The device side of a split virtqueue (virtio 1.2 §2.7).  The rings are
 * guest RAM, written by the driver at any time: every field is read once,
 * checked, and used from the copy. */
#include <endian.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_ring.h>

#include "common/byteorder.h"
#include "vmm/devices/virtio/virtq.h"

#define VIRTQ_DESC_SIZE 16

void virtq_reset(struct virtq *vq)
{
	vq->ready = false;
	vq->broken = false;
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->signalled_used = 0;
	vq->signalled_valid = false;
	vq->desc_gpa = vq->avail_gpa = vq->used_gpa = 0;
}

/* Ring sizes (§2.7: descriptor table 16 N; avail 6 + 2 N with used_event;
 * used 6 + 8 N with avail_event). */
static uint64_t virtq_avail_bytes(uint16_t n) { return 6 + 2 * (uint64_t)n; }
static uint64_t virtq_used_bytes(uint16_t n) { return 6 + 8 * (uint64_t)n; }

int virtq_start(struct virtq *vq, const struct guest_memory *mem, struct error *err)
{
	uint16_t n = vq->size;
	vq->mem = mem;
	if (n == 0 || n > VIRTQ_MAX_SIZE || (n & (n - 1)))
		return error_set(err, "queue size %u is not a power of two up to %u", n,
				 VIRTQ_MAX_SIZE);
	if (vq->desc_gpa % 16 || vq->avail_gpa % 2 || vq->used_gpa % 4)
		return error_set(err, "misaligned rings (descriptors 0x%llx, avail 0x%llx, used 0x%llx)",
				 (unsigned long long)vq->desc_gpa, (unsigned long long)vq->avail_gpa,
				 (unsigned long long)vq->used_gpa);
	if (!guest_memory_ptr(mem, vq->desc_gpa, (uint64_t)n * VIRTQ_DESC_SIZE) ||
	    !guest_memory_ptr(mem, vq->avail_gpa, virtq_avail_bytes(n)) ||
	    !guest_memory_ptr(mem, vq->used_gpa, virtq_used_bytes(n)))
		return error_set(err, "rings outside guest RAM (descriptors 0x%llx, avail 0x%llx, "
				 "used 0x%llx, size %u)", (unsigned long long)vq->desc_gpa,
				 (unsigned long long)vq->avail_gpa, (unsigned long long)vq->used_gpa, n);
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->signalled_valid = false;
	vq->broken = false;
	vq->ready = true;
	return 0;
}

/* A little-endian field of the rings, checked in RAM at start. */
static uint16_t virtq_load16(const struct virtq *vq, uint64_t gpa, int order)
{
	uint16_t *p = guest_memory_ptr(vq->mem, gpa, 2);
	return le16toh(__atomic_load_n(p, order));
}

static void virtq_store16(const struct virtq *vq, uint64_t gpa, uint16_t v, int order)
{
	uint16_t *p = guest_memory_ptr(vq->mem, gpa, 2);
	__atomic_store_n(p, htole16(v), order);
}

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static void virtq_read_desc(const uint8_t *table, uint32_t i, struct virtq_desc *d)
{
	const uint8_t *p = table + (uint64_t)i * VIRTQ_DESC_SIZE;
	d->addr = le_get(p, 8);
	d->len = (uint32_t)le_get(p + 8, 4);
	d->flags = (uint16_t)le_get(p + 12, 2);
	d->next = (uint16_t)le_get(p + 14, 2);
}

static int virtq_broken(struct virtq *vq, struct error *err, const char *fmt, unsigned a,
			unsigned b)
{
	vq->broken = true;
	char msg[200];
	snprintf(msg, sizeof(msg), fmt, a, b);
	return error_set(err, "virtqueue: %s", msg);
}

/* Appends the buffer of d to chain: in RAM, no readable after writable. */
static int virtq_add_buf(struct virtq *vq, struct virtq_chain *c, const struct virtq_desc *d,
			 struct error *err)
{
	bool writable = d->flags & VRING_DESC_F_WRITE;
	if (c->nbufs == VIRTQ_MAX_SIZE || c->nbufs >= vq->size)
		return virtq_broken(vq, err, "descriptor chain of head %u longer than the queue "
				    "(%u)", c->head, vq->size);
	if (!writable && c->nbufs > c->nreadable)
		return virtq_broken(vq, err, "descriptor chain of head %u: a readable buffer after "
				    "a writable one", c->head, 0);
	uint8_t *host = d->len ? guest_memory_ptr(vq->mem, d->addr, d->len) : NULL;
	if (d->len && !host)
		return virtq_broken(vq, err, "descriptor chain of head %u: a buffer of %u bytes "
				    "outside guest RAM", c->head, d->len);
	c->bufs[c->nbufs++] = (struct virtq_buf){ host, d->len, writable };
	if (writable) {
		c->writable_len += d->len;
	} else {
		c->nreadable++;
		c->readable_len += d->len;
	}
	return 0;
}

/* The buffers of an indirect table (§2.7.5.3): its own descriptors,
 * chained from entry 0, none of them indirect. */
static int virtq_walk_indirect(struct virtq *vq, struct virtq_chain *c,
			       const struct virtq_desc *d, struct error *err)
{
	if (!vq->indirect)
		return virtq_broken(vq, err, "head %u: an indirect descriptor, not negotiated",
				    c->head, 0);
	if (d->flags & VRING_DESC_F_NEXT)
		return virtq_broken(vq, err, "head %u: INDIRECT together with NEXT", c->head, 0);
	if (d->len == 0 || d->len % VIRTQ_DESC_SIZE)
		return virtq_broken(vq, err, "head %u: an indirect table of %u bytes, not a "
				    "multiple of 16", c->head, d->len);
	const uint8_t *table = guest_memory_ptr(vq->mem, d->addr, d->len);
	if (!table)
		return virtq_broken(vq, err, "head %u: an indirect table of %u bytes outside "
				    "guest RAM", c->head, d->len);
	uint32_t n = d->len / VIRTQ_DESC_SIZE;
	for (uint32_t i = 0, steps = 0;; steps++) {
		struct virtq_desc e;
		if (steps == n)
			return virtq_broken(vq, err, "head %u: the indirect table loops (%u entries)",
					    c->head, n);
		virtq_read_desc(table, i, &e);
		if (e.flags & VRING_DESC_F_INDIRECT)
			return virtq_broken(vq, err, "head %u: an indirect table inside an "
					    "indirect table", c->head, 0);
		if (virtq_add_buf(vq, c, &e, err) < 0)
			return -1;
		if (!(e.flags & VRING_DESC_F_NEXT))
			return 0;
		if (e.next >= n)
			return virtq_broken(vq, err, "head %u: next %u past the indirect table",
					    c->head, e.next);
		i = e.next;
	}
}

int virtq_pop(struct virtq *vq, struct virtq_chain *chain, struct error *err)
{
	if (vq->broken)
		return error_set(err, "virtqueue: broken until the device is reset");
	if (!vq->ready)
		return 0;
	/* avail.idx, then the ring entry it covers (§2.7.13.2: the driver
	 * writes the entry before the index). */
	uint16_t avail_idx = virtq_load16(vq, vq->avail_gpa + 2, __ATOMIC_ACQUIRE);
	uint16_t pending = (uint16_t)(avail_idx - vq->last_avail);
	if (pending == 0)
		return 0;
	if (pending > vq->size)
		return virtq_broken(vq, err, "the avail index moved by %u, more than the queue "
				    "size %u", pending, vq->size);
	uint16_t head = virtq_load16(vq, vq->avail_gpa + 4 + 2 * (uint64_t)(vq->last_avail % vq->size),
				     __ATOMIC_RELAXED);
	if (head >= vq->size)
		return virtq_broken(vq, err, "head %u past the queue size %u", head, vq->size);
	memset(chain, 0, offsetof(struct virtq_chain, bufs));
	chain->head = head;
	const uint8_t *table = guest_memory_ptr(vq->mem, vq->desc_gpa,
						(uint64_t)vq->size * VIRTQ_DESC_SIZE);
	for (uint32_t i = head, steps = 0;; steps++) {
		struct virtq_desc d;
		if (steps == vq->size)
			return virtq_broken(vq, err, "descriptor chain of head %u loops", head, 0);
		virtq_read_desc(table, i, &d);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (virtq_walk_indirect(vq, chain, &d, err) < 0)
				return -1;
			break;
		}
		if (virtq_add_buf(vq, chain, &d, err) < 0)
			return -1;
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		if (d.next >= vq->size)
			return virtq_broken(vq, err, "next %u past the queue size %u", d.next, vq->size);
		i = d.next;
	}
	vq->last_avail++;
	/* With EVENT_IDX, tell the driver how far we read (§2.7.10). */
	if (vq->event_idx)
		virtq_store16(vq, vq->used_gpa + 4 + 8 * (uint64_t)vq->size, vq->last_avail,
			      __ATOMIC_RELEASE);
	return 1;
}

void virtq_push(struct virtq *vq, uint16_t head, uint32_t written)
{
	if (!vq->ready || vq->broken)
		return;
	uint64_t elem = vq->used_gpa + 4 + 8 * (uint64_t)(vq->used_idx % vq->size);
	uint8_t *p = guest_memory_ptr(vq->mem, elem, 8);
	le_put(p, head, 4);
	le_put(p + 4, written, 4);
	/* The element before the index (§2.7.8). */
	vq->used_idx++;
	virtq_store16(vq, vq->used_gpa + 2, vq->used_idx, __ATOMIC_RELEASE);
}

bool virtq_should_interrupt(struct virtq *vq)
{
	if (!vq->ready || vq->broken)
		return false;
	/* Our used.idx store before the driver's flags or used_event. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(virtq_load16(vq, vq->avail_gpa, __ATOMIC_RELAXED) & VRING_AVAIL_F_NO_INTERRUPT);
	/* vring_need_event (§2.7.10): interrupt when used_event lies in
	 * [old, new) of the entries published since the last interrupt. */
	uint16_t event = virtq_load16(vq, vq->avail_gpa + 4 + 2 * (uint64_t)vq->size, __ATOMIC_RELAXED);
	uint16_t now = vq->used_idx, old = vq->signalled_used;
	bool valid = vq->signalled_valid;
	vq->signalled_used = now;
	vq->signalled_valid = true;
	return !valid || (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

static uint64_t virtq_chain_copy(const struct virtq_chain *c, bool writable, uint64_t offset,
				 uint8_t *flat, uint64_t len, bool to_chain)
{
	uint64_t done = 0;
	for (uint32_t i = 0; i < c->nbufs && done < len; i++) {
		const struct virtq_buf *b = &c->bufs[i];
		if (b->writable != writable)
			continue;
		if (offset >= b->len) {
			offset -= b->len;
			continue;
		}
		uint64_t n = b->len - offset;
		if (n > len - done)
			n = len - done;
		if (to_chain)
			memcpy(b->host + offset, flat + done, n);
		else
			memcpy(flat + done, b->host + offset, n);
		done += n;
		offset = 0;
	}
	return done;
}

uint64_t virtq_chain_read(const struct virtq_chain *chain, uint64_t offset, void *dst,
			  uint64_t len)
{
	return virtq_chain_copy(chain, false, offset, dst, len, false);
}

uint64_t virtq_chain_write(const struct virtq_chain *chain, uint64_t offset, const void *src,
			   uint64_t len)
{
	return virtq_chain_copy(chain, true, offset, (uint8_t *)src, len, true);
}
