/* The device side of a split virtqueue (virtio 1.2 §2.7).  The rings are
 * guest RAM that the driver, on another CPU, may rewrite at any moment:
 * every field it writes is loaded once, atomically, into a local copy
 * that is checked and then used; nothing is read twice.
 *
 * What the driver must not do (§2.7.4.2, §2.7.5.2, §2.7.5.3.1, §2.7.6.1)
 * breaks the queue, as QEMU's virtio_error does: virtq_pop returns -1
 * naming the rule and refuses the queue until it is reset.  Decisions the
 * spec leaves to the device:
 *   - A zero-length buffer is accepted: no section forbids one, it carries
 *     nothing (host NULL, len 0) and the copies skip it, so refusing it
 *     (as QEMU does) would protect nothing.  It still counts towards the
 *     chain's length.  A zero-length indirect table is refused: it holds
 *     no descriptor at all.
 *   - An indirect descriptor may end a chain of direct ones (§2.7.5.3.2
 *     asks for it); its WRITE flag is ignored (same section).
 *   - The indirect table needs no alignment (none is required): its
 *     descriptors are then read byte by byte. */
#include <endian.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_ring.h>

#include "vmm/devices/virtio/virtq.h"

#define VIRTQ_DESC_SIZE ((uint32_t)sizeof(struct vring_desc))
#define VIRTQ_MAX_CHAIN_BYTES (1ULL << 32)   /* §2.7.5.2 */

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

/* Ring sizes (§2.7, table "Virtqueue Part"): avail is flags, idx,
 * ring[N] and, with EVENT_IDX only, used_event; used is flags, idx,
 * ring[N] of 8-byte elements and, with EVENT_IDX only, avail_event. */
static uint64_t virtq_avail_bytes(uint16_t n, bool event_idx)
{
	return 4 + 2 * (uint64_t)n + (event_idx ? 2 : 0);
}

static uint64_t virtq_used_bytes(uint16_t n, bool event_idx)
{
	return 4 + 8 * (uint64_t)n + (event_idx ? 2 : 0);
}

/* Guest-physical addresses of the fields (linux/virtio_ring.h layout). */
static uint64_t virtq_avail_idx_gpa(const struct virtq *vq)
{
	return vq->avail_gpa + offsetof(struct vring_avail, idx);
}

static uint64_t virtq_avail_ring_gpa(const struct virtq *vq, uint16_t slot)
{
	return vq->avail_gpa + offsetof(struct vring_avail, ring) + 2 * (uint64_t)slot;
}

static uint64_t virtq_used_event_gpa(const struct virtq *vq)
{
	return virtq_avail_ring_gpa(vq, vq->size);
}

static uint64_t virtq_used_elem_gpa(const struct virtq *vq, uint16_t slot)
{
	return vq->used_gpa + offsetof(struct vring_used, ring) +
	       sizeof(struct vring_used_elem) * (uint64_t)slot;
}

static uint64_t virtq_avail_event_gpa(const struct virtq *vq)
{
	return virtq_used_elem_gpa(vq, vq->size);
}

int virtq_start(struct virtq *vq, const struct guest_memory *mem, struct error *err)
{
	uint16_t n = vq->size;
	vq->mem = mem;
	vq->ready = false;
	if (n == 0 || n > VIRTQ_MAX_SIZE || (n & (n - 1)))
		return error_set(err, "virtqueue: queue size %u is not a power of two up to %u", n,
				 VIRTQ_MAX_SIZE);
	/* §2.7 "Virtqueue Part" alignments: 16, 2, 4. */
	if (vq->desc_gpa % 16 || vq->avail_gpa % 2 || vq->used_gpa % 4)
		return error_set(err, "virtqueue: misaligned rings (descriptors 0x%" PRIx64
				 " needs 16, avail 0x%" PRIx64 " needs 2, used 0x%" PRIx64
				 " needs 4)", vq->desc_gpa, vq->avail_gpa, vq->used_gpa);
	if (!guest_memory_ptr(mem, vq->desc_gpa, (uint64_t)n * VIRTQ_DESC_SIZE) ||
	    !guest_memory_ptr(mem, vq->avail_gpa, virtq_avail_bytes(n, vq->event_idx)) ||
	    !guest_memory_ptr(mem, vq->used_gpa, virtq_used_bytes(n, vq->event_idx)))
		return error_set(err, "virtqueue: rings outside guest RAM (descriptors 0x%" PRIx64
				 ", avail 0x%" PRIx64 ", used 0x%" PRIx64 ", size %u)",
				 vq->desc_gpa, vq->avail_gpa, vq->used_gpa, n);
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->signalled_used = 0;
	vq->signalled_valid = false;
	vq->broken = false;
	vq->ready = true;
	return 0;
}

/* A little-endian 16-bit field of the rings: in RAM (checked by
 * virtq_start) and 2-aligned (the rings' alignment, and the host mapping
 * keeps guest alignment). */
static uint16_t virtq_load16(const struct virtq *vq, uint64_t gpa, int order)
{
	const uint16_t *p = guest_memory_ptr(vq->mem, gpa, 2);
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

/* One descriptor (struct vring_desc) at p, loaded once.  The descriptor
 * table is 16-aligned; an indirect table may be anywhere, so a misaligned
 * one is loaded a byte at a time (still one load per byte). */
static void virtq_read_desc(const uint8_t *p, struct virtq_desc *d)
{
	if (((uintptr_t)p & 7) == 0) {
		const struct vring_desc *v = (const void *)p;
		d->addr = le64toh(__atomic_load_n(&v->addr, __ATOMIC_RELAXED));
		d->len = le32toh(__atomic_load_n(&v->len, __ATOMIC_RELAXED));
		d->flags = le16toh(__atomic_load_n(&v->flags, __ATOMIC_RELAXED));
		d->next = le16toh(__atomic_load_n(&v->next, __ATOMIC_RELAXED));
		return;
	}
	uint8_t b[VIRTQ_DESC_SIZE];
	for (uint32_t i = 0; i < VIRTQ_DESC_SIZE; i++)
		b[i] = __atomic_load_n(p + i, __ATOMIC_RELAXED);
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
	memcpy(&addr, b + offsetof(struct vring_desc, addr), 8);
	memcpy(&len, b + offsetof(struct vring_desc, len), 4);
	memcpy(&flags, b + offsetof(struct vring_desc, flags), 2);
	memcpy(&next, b + offsetof(struct vring_desc, next), 2);
	d->addr = le64toh(addr);
	d->len = le32toh(len);
	d->flags = le16toh(flags);
	d->next = le16toh(next);
}

/* The driver broke a rule: the queue stops until reset, err names it. */
static __attribute__((format(printf, 3, 4))) int
virtq_broken(struct virtq *vq, struct error *err, const char *fmt, ...)
{
	char msg[sizeof(err->msg) - 16];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vq->broken = true;
	return error_set(err, "virtqueue: %s", msg);
}

/* Appends the buffer of d to chain: counted against the queue size
 * (§2.7.5.3.1, indirect ones included), no readable one after a writable
 * one (§2.7.4.2), inside RAM without wrapping, the chain 4 GiB at most
 * (§2.7.5.2). */
static int virtq_add_buf(struct virtq *vq, struct virtq_chain *c, const struct virtq_desc *d,
			 struct error *err)
{
	bool writable = d->flags & VRING_DESC_F_WRITE;
	if (c->nbufs >= vq->size || c->nbufs >= VIRTQ_MAX_SIZE)
		return virtq_broken(vq, err, "head %u: the descriptor chain is longer than the "
				    "queue size %u", c->head, vq->size);
	if (!writable && c->nbufs > c->nreadable)
		return virtq_broken(vq, err, "head %u: a readable buffer after a writable one",
				    c->head);
	uint8_t *host = NULL;
	if (d->len) {
		host = guest_memory_ptr(vq->mem, d->addr, d->len);
		if (!host)
			return virtq_broken(vq, err, "head %u: a buffer of %" PRIu32 " bytes at 0x%"
					    PRIx64 " outside guest RAM", c->head, d->len, d->addr);
	}
	if (c->readable_len + c->writable_len + d->len > VIRTQ_MAX_CHAIN_BYTES)
		return virtq_broken(vq, err, "head %u: the descriptor chain holds more than 4 GiB",
				    c->head);
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
		return virtq_broken(vq, err, "head %u: an indirect descriptor, but "
				    "VIRTIO_RING_F_INDIRECT_DESC was not negotiated", c->head);
	if (d->flags & VRING_DESC_F_NEXT)
		return virtq_broken(vq, err, "head %u: an indirect descriptor with NEXT set",
				    c->head);
	if (d->len == 0 || d->len % VIRTQ_DESC_SIZE)
		return virtq_broken(vq, err, "head %u: an indirect table of %" PRIu32 " bytes, not "
				    "a non-zero multiple of 16", c->head, d->len);
	const uint8_t *table = guest_memory_ptr(vq->mem, d->addr, d->len);
	if (!table)
		return virtq_broken(vq, err, "head %u: an indirect table of %" PRIu32 " bytes at 0x%"
				    PRIx64 " outside guest RAM", c->head, d->len, d->addr);
	uint32_t n = d->len / VIRTQ_DESC_SIZE;
	/* n steps visit each entry at most once; one more is a loop.  A
	 * table larger than the queue ends sooner, at the chain limit. */
	for (uint32_t i = 0, steps = 0;; steps++) {
		struct virtq_desc e;
		if (steps == n)
			return virtq_broken(vq, err, "head %u: the indirect table's chain loops",
					    c->head);
		virtq_read_desc(table + (uint64_t)i * VIRTQ_DESC_SIZE, &e);
		if (e.flags & VRING_DESC_F_INDIRECT)
			return virtq_broken(vq, err, "head %u: a nested indirect table (INDIRECT "
					    "inside an indirect table)", c->head);
		if (virtq_add_buf(vq, c, &e, err) < 0)
			return -1;
		if (!(e.flags & VRING_DESC_F_NEXT))
			return 0;
		if (e.next >= n)
			return virtq_broken(vq, err, "head %u: next %u past the indirect table of "
					    "%" PRIu32 " entries", c->head, e.next, n);
		i = e.next;
	}
}

/* The chain from head: direct descriptors, possibly ended by one
 * indirect table (§2.7.5.3.2). */
static int virtq_walk(struct virtq *vq, struct virtq_chain *c, struct error *err)
{
	const uint8_t *table = guest_memory_ptr(vq->mem, vq->desc_gpa,
						(uint64_t)vq->size * VIRTQ_DESC_SIZE);
	/* size steps visit each descriptor at most once; one more is a loop. */
	for (uint32_t i = c->head, steps = 0;; steps++) {
		struct virtq_desc d;
		if (steps == vq->size)
			return virtq_broken(vq, err, "head %u: the descriptor chain loops", c->head);
		virtq_read_desc(table + (uint64_t)i * VIRTQ_DESC_SIZE, &d);
		if (d.flags & VRING_DESC_F_INDIRECT)
			return virtq_walk_indirect(vq, c, &d, err);
		if (virtq_add_buf(vq, c, &d, err) < 0)
			return -1;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= vq->size)
			return virtq_broken(vq, err, "head %u: next %u past the queue size %u",
					    c->head, d.next, vq->size);
		i = d.next;
	}
}

/* avail.idx, acquired: the ring entries and descriptors it covers were
 * written before it (§2.7.13.3.1), so they are read after it. */
static uint16_t virtq_avail_idx(const struct virtq *vq)
{
	return virtq_load16(vq, virtq_avail_idx_gpa(vq), __ATOMIC_ACQUIRE);
}

int virtq_pop(struct virtq *vq, struct virtq_chain *chain, struct error *err)
{
	if (vq->broken)
		return error_set(err, "virtqueue: broken until the device is reset");
	if (!vq->ready)
		return 0;
	uint16_t avail_idx = virtq_avail_idx(vq);
	if (avail_idx == vq->last_avail) {
		if (!vq->event_idx)
			return 0;
		/* Ask for a notification at the next entry (§2.7.10), then
		 * look again: the driver may have added one after our load and
		 * read avail_event before our store.  The full barrier orders
		 * the store before the load, as the driver's own does
		 * (§2.7.13.4.1). */
		virtq_store16(vq, virtq_avail_event_gpa(vq), vq->last_avail, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		avail_idx = virtq_avail_idx(vq);
		if (avail_idx == vq->last_avail)
			return 0;
	}
	uint16_t pending = (uint16_t)(avail_idx - vq->last_avail);
	if (pending > vq->size)
		return virtq_broken(vq, err, "the avail index moved from %u to %u, by more than the "
				    "queue size %u", vq->last_avail, avail_idx, vq->size);
	/* Every chain taken is returned once: more in use than descriptors
	 * means the driver handed out a descriptor the device still holds. */
	if ((uint16_t)(vq->last_avail - vq->used_idx) >= vq->size)
		return virtq_broken(vq, err, "more chains in use than the queue size %u", vq->size);
	uint16_t head = virtq_load16(vq, virtq_avail_ring_gpa(vq, vq->last_avail % vq->size),
				     __ATOMIC_RELAXED);
	if (head >= vq->size)
		return virtq_broken(vq, err, "head %u past the queue size %u", head, vq->size);
	memset(chain, 0, offsetof(struct virtq_chain, bufs));
	chain->head = head;
	if (virtq_walk(vq, chain, err) < 0)
		return -1;
	vq->last_avail++;
	/* With EVENT_IDX, a notification when the driver adds past what we
	 * have taken (§2.7.10). */
	if (vq->event_idx)
		virtq_store16(vq, virtq_avail_event_gpa(vq), vq->last_avail, __ATOMIC_RELAXED);
	return 1;
}

void virtq_push(struct virtq *vq, uint16_t head, uint32_t written)
{
	if (!vq->ready || vq->broken)
		return;
	struct vring_used_elem *e = guest_memory_ptr(vq->mem,
						     virtq_used_elem_gpa(vq, vq->used_idx % vq->size),
						     sizeof(*e));
	__atomic_store_n(&e->id, htole32(head), __ATOMIC_RELAXED);
	__atomic_store_n(&e->len, htole32(written), __ATOMIC_RELAXED);
	/* The element before the index (§2.7.8.2: len set before used idx). */
	vq->used_idx++;
	virtq_store16(vq, vq->used_gpa + offsetof(struct vring_used, idx), vq->used_idx,
		      __ATOMIC_RELEASE);
}

bool virtq_should_interrupt(struct virtq *vq)
{
	if (!vq->ready || vq->broken)
		return false;
	/* Our used.idx store before our load of the driver's flags or
	 * used_event: the driver does the reverse (§2.7.14). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(virtq_load16(vq, vq->avail_gpa + offsetof(struct vring_avail, flags),
				      __ATOMIC_RELAXED) & VRING_AVAIL_F_NO_INTERRUPT);
	/* §2.7.7.2: interrupt when the entry at used_event was published
	 * since the previous call, i.e. used_event lies in [old, new)
	 * (vring_need_event).  The first call after start always does. */
	uint16_t event = virtq_load16(vq, virtq_used_event_gpa(vq), __ATOMIC_RELAXED);
	uint16_t now = vq->used_idx, old = vq->signalled_used;
	bool valid = vq->signalled_valid;
	vq->signalled_used = now;
	vq->signalled_valid = true;
	return !valid || vring_need_event(event, now, old);
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
