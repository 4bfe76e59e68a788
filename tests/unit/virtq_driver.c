/* The driver's side of a split virtqueue for tests (virtq_driver.h). */
#include <endian.h>
#include <stddef.h>
#include <string.h>

#include <linux/virtio_ring.h>

#include "tests/unit/unit.h"
#include "tests/unit/virtq_driver.h"

static uint64_t vdrv_align(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

void *vdrv_host(const struct vdrv *d, uint64_t gpa, uint64_t len)
{
	void *p = guest_memory_ptr(d->mem, gpa, len);
	/* ck_abort only: Check records every passing ck_assert, and the
	 * helpers run many thousand times in a test. */
	if (!p)
		ck_abort_msg("test driver: 0x%llx+%llu outside RAM", (unsigned long long)gpa,
			     (unsigned long long)len);
	return p;
}

static void vdrv_put16(const struct vdrv *d, uint64_t gpa, uint16_t v)
{
	uint16_t le = htole16(v);
	memcpy(vdrv_host(d, gpa, 2), &le, 2);
}

static uint16_t vdrv_get16(const struct vdrv *d, uint64_t gpa)
{
	uint16_t le;
	memcpy(&le, vdrv_host(d, gpa, 2), 2);
	return le16toh(le);
}

static uint32_t vdrv_get32(const struct vdrv *d, uint64_t gpa)
{
	uint32_t le;
	memcpy(&le, vdrv_host(d, gpa, 4), 4);
	return le32toh(le);
}

void vdrv_init(struct vdrv *d, struct guest_memory *mem, uint16_t size, uint64_t base,
	       uint64_t data_bytes)
{
	memset(d, 0, sizeof(*d));
	d->mem = mem;
	d->size = size;
	d->desc = vdrv_align(base, 16);
	d->avail = vdrv_align(d->desc + 16ULL * size, 2);
	d->used = vdrv_align(d->avail + 6 + 2ULL * size, 4);
	uint64_t end = d->used + 6 + 8ULL * size;
	memset(vdrv_host(d, d->desc, end - d->desc), 0, end - d->desc);
	d->data = vdrv_align(end, 64);
	d->data_end = d->data + data_bytes;
	vdrv_host(d, d->data, data_bytes);
}

void vdrv_setup(const struct vdrv *d, struct virtq *vq, bool event_idx, bool indirect)
{
	vq->size = d->size;
	vq->desc_gpa = d->desc;
	vq->avail_gpa = d->avail;
	vq->used_gpa = d->used;
	vq->event_idx = event_idx;
	vq->indirect = indirect;
}

uint64_t vdrv_alloc(struct vdrv *d, uint64_t len, uint64_t align, uint8_t fill)
{
	uint64_t gpa = vdrv_align(d->data, align ? align : 1);
	if (gpa + len > d->data_end)
		ck_abort_msg("test driver: buffer area full");
	d->data = gpa + len;
	if (len)
		memset(vdrv_host(d, gpa, len), fill, len);
	return gpa;
}

void vdrv_write_desc(const struct vdrv *d, uint64_t table_gpa, uint16_t i, uint64_t addr,
		     uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc v = {
		.addr = htole64(addr), .len = htole32(len), .flags = htole16(flags),
		.next = htole16(next),
	};
	memcpy(vdrv_host(d, table_gpa + 16ULL * i, 16), &v, 16);
}

void vdrv_desc(const struct vdrv *d, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
	       uint16_t next)
{
	vdrv_write_desc(d, d->desc, i, addr, len, flags, next);
}

uint16_t vdrv_chain(struct vdrv *d, struct vdrv_buf *bufs, unsigned n, bool indirect)
{
	for (unsigned i = 0; i < n; i++)
		if (bufs[i].gpa == 0)
			bufs[i].gpa = vdrv_alloc(d, bufs[i].len, 8, bufs[i].fill);
	if (indirect) {
		uint64_t table = vdrv_alloc(d, 16ULL * n, 16, 0);
		for (unsigned i = 0; i < n; i++)
			vdrv_write_desc(d, table, (uint16_t)i, bufs[i].gpa, bufs[i].len,
					(uint16_t)((bufs[i].writable ? VRING_DESC_F_WRITE : 0) |
						   (i + 1 < n ? VRING_DESC_F_NEXT : 0)),
					(uint16_t)(i + 1 < n ? i + 1 : 0));
		uint16_t head = d->next_desc;
		d->next_desc = (uint16_t)((d->next_desc + 1) % d->size);
		vdrv_desc(d, head, table, (uint32_t)(16 * n), VRING_DESC_F_INDIRECT, 0);
		return head;
	}
	if (n > d->size)
		ck_abort_msg("test driver: a direct chain of %u in a queue of %u", n, d->size);
	uint16_t head = d->next_desc;
	for (unsigned i = 0; i < n; i++) {
		uint16_t at = d->next_desc;
		d->next_desc = (uint16_t)((d->next_desc + 1) % d->size);
		vdrv_desc(d, at, bufs[i].gpa, bufs[i].len,
			  (uint16_t)((bufs[i].writable ? VRING_DESC_F_WRITE : 0) |
				     (i + 1 < n ? VRING_DESC_F_NEXT : 0)),
			  i + 1 < n ? d->next_desc : 0);
	}
	return head;
}

void vdrv_write_avail_ring(const struct vdrv *d, uint16_t slot, uint16_t head)
{
	vdrv_put16(d, d->avail + offsetof(struct vring_avail, ring) + 2ULL * slot, head);
}

void vdrv_write_avail_idx(struct vdrv *d, uint16_t idx)
{
	d->avail_idx = idx;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vdrv_put16(d, d->avail + offsetof(struct vring_avail, idx), idx);
}

void vdrv_publish(struct vdrv *d, uint16_t head)
{
	vdrv_write_avail_ring(d, d->avail_idx % d->size, head);
	vdrv_write_avail_idx(d, (uint16_t)(d->avail_idx + 1));
}

void vdrv_write_avail_flags(const struct vdrv *d, uint16_t flags)
{
	vdrv_put16(d, d->avail + offsetof(struct vring_avail, flags), flags);
}

void vdrv_write_used_event(const struct vdrv *d, uint16_t event)
{
	vdrv_put16(d, d->avail + offsetof(struct vring_avail, ring) + 2ULL * d->size, event);
}

uint16_t vdrv_used_idx(const struct vdrv *d)
{
	return vdrv_get16(d, d->used + offsetof(struct vring_used, idx));
}

uint16_t vdrv_avail_event(const struct vdrv *d)
{
	return vdrv_get16(d, d->used + offsetof(struct vring_used, ring) + 8ULL * d->size);
}

bool vdrv_take_used(struct vdrv *d, uint32_t *id, uint32_t *len)
{
	if (vdrv_used_idx(d) == d->used_seen)
		return false;
	uint64_t e = d->used + offsetof(struct vring_used, ring) + 8ULL * (d->used_seen % d->size);
	*id = vdrv_get32(d, e);
	*len = vdrv_get32(d, e + 4);
	d->used_seen++;
	return true;
}
