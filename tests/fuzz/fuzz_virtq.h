/* The input of the virtqueue fuzz target (fuzz_virtq.c), shared with the
 * seed writer (fuzz_seeds.c): a 16-byte header of queue parameters, then
 * the first bytes of guest RAM (FUZZ_VIRTQ_RAM bytes, the rest zero; the
 * host bytes past FUZZ_VIRTQ_HOLE_START are guest RAM from
 * FUZZ_VIRTQ_HOLE_END on).
 * Multi-byte fields are little-endian. */
#ifndef MINIVMM_TESTS_FUZZ_FUZZ_VIRTQ_H
#define MINIVMM_TESTS_FUZZ_FUZZ_VIRTQ_H

#define FUZZ_VIRTQ_RAM     (64 * 1024)
#define FUZZ_VIRTQ_HEADER  16
/* The RAM lies in two regions around a hole, as a VM's does around the
 * MMIO hole: [0, HOLE_START) and [HOLE_END, HOLE_END + RAM - HOLE_START),
 * so buffers, tables and rings can straddle it. */
#define FUZZ_VIRTQ_HOLE_START  (32 * 1024)
#define FUZZ_VIRTQ_HOLE_END    (40 * 1024)

/* Byte 0: the queue. */
#define FUZZ_VIRTQ_SIZE_LOG2   0x0f   /* queue size 1 << this (above 256 is refused) */
#define FUZZ_VIRTQ_EVENT_IDX   0x10   /* VIRTIO_RING_F_EVENT_IDX negotiated */
#define FUZZ_VIRTQ_INDIRECT    0x20   /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
#define FUZZ_VIRTQ_ODD_SIZE    0x40   /* size | 1: not a power of two past 1 */
/* Byte 1: used.len of each push: 0 the writable bytes, else this value.
 * Bytes 2-3: the queue's indices when it starts (last_avail and used_idx,
 * as if that many chains had gone through: index wrap-around).
 * Bytes 4-7, 8-11, 12-15: the descriptor table, avail and used rings'
 * guest-physical addresses. */
#define FUZZ_VIRTQ_OFF_WRITTEN 1
#define FUZZ_VIRTQ_OFF_START   2
#define FUZZ_VIRTQ_OFF_DESC    4
#define FUZZ_VIRTQ_OFF_AVAIL   8
#define FUZZ_VIRTQ_OFF_USED    12

#endif
