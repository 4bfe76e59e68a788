/* libFuzzer target: the device side of a split virtqueue (virtio 1.2
 * §2.7) over rings and buffers the input writes into guest RAM, with the
 * queue parameters from its header (tests/fuzz/fuzz_virtq.h).  It starts
 * the queue, then pops until the ring is empty or broken, reading every
 * readable byte, writing a pattern into every writable one (which may be
 * the rings themselves, as a hostile driver can arrange), pushing each
 * chain and asking whether to interrupt.  Besides the sanitizers, it
 * checks the contract: a chain has 1..size buffers, readable ones first,
 * each inside one RAM region, lengths that add up, 4 GiB at most; a refused queue or
 * a broken rule gives one "virtqueue: " line and a queue that stays
 * broken.  See tests/fuzz/fuzz.mk. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/byteorder.h"
#include "tests/fuzz/fuzz_virtq.h"
#include "vmm/devices/virtio/virtq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check_message(const struct error *err)
{
	if (strncmp(err->msg, "virtqueue: ", 11) != 0 || strchr(err->msg, '\n'))
		__builtin_trap();
}

static void fuzz_check_chain(const struct virtq *vq, const struct virtq_chain *c,
			     const uint8_t *ram)
{
	if (c->head >= vq->size || c->nbufs == 0 || c->nbufs > vq->size ||
	    c->nreadable > c->nbufs || c->readable_len + c->writable_len > (1ULL << 32))
		__builtin_trap();
	uint64_t readable = 0, writable = 0;
	for (uint32_t i = 0; i < c->nbufs; i++) {
		const struct virtq_buf *b = &c->bufs[i];
		if (b->writable != (i >= c->nreadable))
			__builtin_trap();
		/* Inside one region: [0, HOLE_START) or the rest. */
		size_t end = b->host - ram < FUZZ_VIRTQ_HOLE_START ? FUZZ_VIRTQ_HOLE_START
								  : FUZZ_VIRTQ_RAM;
		if (b->len && (b->host < ram || (size_t)(b->host - ram) >= end ||
			       b->len > end - (size_t)(b->host - ram)))
			__builtin_trap();
		if (!b->len && b->host)
			__builtin_trap();
		*(b->writable ? &writable : &readable) += b->len;
	}
	if (readable != c->readable_len || writable != c->writable_len)
		__builtin_trap();
}

/* Every readable byte read, every writable byte written (in pieces, from
 * offsets that cross buffers). */
static void fuzz_use_chain(const struct virtq_chain *c)
{
	static uint8_t scratch[1000];
	for (uint64_t off = 0; off < c->readable_len; off += 1000) {
		uint64_t want = c->readable_len - off < 1000 ? c->readable_len - off : 1000;
		if (virtq_chain_read(c, off, scratch, want) != want)
			__builtin_trap();
	}
	if (virtq_chain_read(c, c->readable_len, scratch, 1) != 0)
		__builtin_trap();
	memset(scratch, 0x5a, sizeof(scratch));
	for (uint64_t off = 0; off < c->writable_len; off += 1000) {
		uint64_t want = c->writable_len - off < 1000 ? c->writable_len - off : 1000;
		if (virtq_chain_write(c, off, scratch, want) != want)
			__builtin_trap();
	}
	if (virtq_chain_write(c, c->writable_len, scratch, 1) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	static struct virtq_chain chain;
	if (size < FUZZ_VIRTQ_HEADER)
		return 0;
	if (!ram && !(ram = aligned_alloc(4096, FUZZ_VIRTQ_RAM)))
		abort();
	size_t ram_bytes = size - FUZZ_VIRTQ_HEADER;
	if (ram_bytes > FUZZ_VIRTQ_RAM)
		ram_bytes = FUZZ_VIRTQ_RAM;
	memset(ram, 0, FUZZ_VIRTQ_RAM);
	memcpy(ram, data + FUZZ_VIRTQ_HEADER, ram_bytes);
	struct guest_memory mem;
	if (guest_memory_init(&mem, ram, FUZZ_VIRTQ_RAM, FUZZ_VIRTQ_HOLE_START,
			      FUZZ_VIRTQ_HOLE_END, NULL) < 0)
		__builtin_trap();

	struct virtq vq;
	memset(&vq, 0, sizeof(vq));
	virtq_reset(&vq);
	uint8_t q = data[0];
	vq.size = (uint16_t)(1u << (q & FUZZ_VIRTQ_SIZE_LOG2));
	if (q & FUZZ_VIRTQ_ODD_SIZE)
		vq.size |= 1;
	vq.event_idx = q & FUZZ_VIRTQ_EVENT_IDX;
	vq.indirect = q & FUZZ_VIRTQ_INDIRECT;
	vq.desc_gpa = le_get(data + FUZZ_VIRTQ_OFF_DESC, 4);
	vq.avail_gpa = le_get(data + FUZZ_VIRTQ_OFF_AVAIL, 4);
	vq.used_gpa = le_get(data + FUZZ_VIRTQ_OFF_USED, 4);
	struct error err = { 0 };
	if (virtq_start(&vq, &mem, &err) < 0) {
		fuzz_check_message(&err);
		if (vq.ready || virtq_pop(&vq, &chain, &err) != 0)
			__builtin_trap();
		return 0;
	}
	vq.last_avail = vq.used_idx = (uint16_t)le_get(data + FUZZ_VIRTQ_OFF_START, 2);

	/* Each pop takes one of at most size pending chains, but the pattern
	 * written may move avail.idx: bound the rounds. */
	for (unsigned round = 0; round < 4u * vq.size + 4; round++) {
		int r = virtq_pop(&vq, &chain, &err);
		if (r == 0)
			break;
		if (r < 0) {
			fuzz_check_message(&err);
			if (!vq.broken || virtq_pop(&vq, &chain, &err) != -1 ||
			    virtq_should_interrupt(&vq))
				__builtin_trap();
			break;
		}
		if (r != 1 || vq.broken)
			__builtin_trap();
		fuzz_check_chain(&vq, &chain, ram);
		fuzz_use_chain(&chain);
		uint8_t w = data[FUZZ_VIRTQ_OFF_WRITTEN];
		uint16_t used = vq.used_idx;
		virtq_push(&vq, chain.head, w ? w : (uint32_t)chain.writable_len);
		if (vq.used_idx != (uint16_t)(used + 1))
			__builtin_trap();
		virtq_should_interrupt(&vq);
	}
	return 0;
}
