/* vmm/devices/virtio/virtio_blk.c (virtio 1.2 §5.2) on temporary image
 * files, with the test as its transport (queues, features, raise, fail)
 * and as the guest's driver (tests/unit/virtq_driver.h): requests of
 * every type, the rules a request can break, the configuration.
 * virtio_blk_open's locks and errors: test_virtio_blk_open.c. */
#define _GNU_SOURCE   /* SEEK_HOLE, fallocate */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

#include "tests/unit/unit.h"
#include "tests/unit/virtq_driver.h"
#include "vmm/devices/virtio/virtio_blk.h"

#define T_RAM   (16 * MiB)
#define T_RINGS 0x10000ULL
#define T_DATA  (8 * MiB)
#define T_SIZE  (1 * MiB)      /* the default image: 2048 sectors */
#define T_RANGE_MAX 0x7fffffu  /* max_discard_sectors, max_write_zeroes_sectors */

static struct {
	char path[4096];
	uint8_t *image;            /* what the file held when made */
	uint64_t image_size;
	struct test_ram ram;
	struct vdrv drv;
	struct virtq vq;
	struct virtio_blk blk;
	int raised, failed;
	char why[512];
} T;

/* ---- The image file ---- */

static uint8_t t_pattern(uint64_t i)
{
	return (uint8_t)(i * 31 + (i >> 9) + 1);   /* never a sector of zeroes */
}

static void t_make_file(char *path, uint64_t size)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(path, sizeof(T.path), "%s/minivmm-blk-XXXXXX", dir);
	int fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	free(T.image);
	T.image = malloc(size ? size : 1);
	ck_assert_ptr_nonnull(T.image);
	T.image_size = size;
	for (uint64_t i = 0; i < size; i++)
		T.image[i] = t_pattern(i);
	ck_assert_int_eq(write(fd, T.image, size), (ssize_t)size);
	close(fd);
}

/* The file's bytes now. */
static uint8_t *t_file_bytes(uint64_t *size)
{
	int fd = open(T.path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	*size = (uint64_t)st.st_size;
	uint8_t *p = malloc(*size ? *size : 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pread(fd, p, *size, 0), (ssize_t)*size);
	close(fd);
	return p;
}

static void t_assert_file_unchanged(void)
{
	uint64_t size;
	uint8_t *now = t_file_bytes(&size);
	ck_assert_uint_eq(size, T.image_size);
	ck_assert_msg(memcmp(now, T.image, size) == 0, "the image file changed");
	free(now);
}

/* ---- The transport ---- */

static void t_raise(struct virtio_device *d, int q)
{
	ck_assert_ptr_eq(d, &T.blk.dev);
	ck_assert_int_eq(q, 0);
	T.raised++;
}

static void t_fail(struct virtio_device *d, const char *why)
{
	ck_assert_ptr_eq(d, &T.blk.dev);
	if (T.failed++ == 0)
		snprintf(T.why, sizeof(T.why), "%s", why);
}

/* Opens T.path and plays virtio_pci up to DRIVER_OK: the driver accepts
 * every feature offered (with VERSION_1 and the ring's), or those minus
 * drop; queue 0 from the driver's rings. */
static void t_open_dropping(bool read_only, const char *serial, uint64_t drop)
{
	struct error err = { 0 };
	ck_assert_msg(virtio_blk_open(&T.blk, T.path, read_only, serial, &err) == 0, "%s",
		      err.msg);
	struct virtio_device *d = &T.blk.dev;
	d->queues = &T.vq;
	d->raise = t_raise;
	d->fail = t_fail;
	d->features = (d->offered | 1ULL << VIRTIO_F_VERSION_1 |
		       1ULL << VIRTIO_RING_F_INDIRECT_DESC | 1ULL << VIRTIO_RING_F_EVENT_IDX) & ~drop;
	test_ram_init(&T.ram, T_RAM);
	vdrv_init(&T.drv, &T.ram.mem, 16, T_RINGS, T_DATA);
	vdrv_setup(&T.drv, &T.vq, true, true);
	ck_assert_msg(virtq_start(&T.vq, &T.ram.mem, &err) == 0, "%s", err.msg);
}

static void t_open(bool read_only, const char *serial)
{
	t_open_dropping(read_only, serial, 0);
}

/* A disk of size bytes, opened. */
static void t_setup_size(uint64_t size, bool read_only, const char *serial)
{
	memset(&T, 0, sizeof(T));
	t_make_file(T.path, size);
	t_open(read_only, serial);
}

static void t_setup(bool read_only)
{
	t_setup_size(T_SIZE, read_only, NULL);
}

static void t_teardown(void)
{
	ck_assert_int_eq(T.failed, 0);
	virtio_blk_close(&T.blk);
	test_ram_free(&T.ram);
	unlink(T.path);
	free(T.image);
	T.image = NULL;
}

/* ---- Requests as Linux's virtio_blk makes them ---- */

struct t_req {
	uint32_t type;
	uint64_t sector;
	const void *out;      /* data after the header */
	uint32_t out_len;
	uint32_t in_len;      /* writable data before the status byte */
	bool indirect;
};

struct t_done {
	uint8_t status;
	uint32_t len;         /* used.len */
	uint64_t in_gpa[2];   /* where the writable data went (two buffers) */
	uint32_t in_split;    /* bytes in the first */
};

/* The header, the data split over two buffers, the status byte in its own
 * buffer; one notification; the used element. */
static struct t_done t_request(const struct t_req *r)
{
	struct t_done done = { 0 };
	struct vdrv_buf b[6];
	unsigned n = 0;
	struct virtio_blk_outhdr hdr = { .type = htole32(r->type), .sector = htole64(r->sector) };
	b[n++] = (struct vdrv_buf){ .len = sizeof(hdr) };
	uint32_t out_split = r->out_len / 3;
	if (r->out_len) {
		b[n++] = (struct vdrv_buf){ .len = out_split };
		b[n++] = (struct vdrv_buf){ .len = r->out_len - out_split };
	}
	done.in_split = r->in_len / 3;
	if (r->in_len) {
		b[n++] = (struct vdrv_buf){ .len = done.in_split, .writable = true, .fill = 0xee };
		b[n++] = (struct vdrv_buf){ .len = r->in_len - done.in_split, .writable = true,
					    .fill = 0xee };
	}
	b[n++] = (struct vdrv_buf){ .len = 1, .writable = true, .fill = 0xff };
	for (unsigned i = 0; i < n; i++)
		b[i].gpa = vdrv_alloc(&T.drv, b[i].len ? b[i].len : 1, 8, b[i].fill);
	memcpy(vdrv_host(&T.drv, b[0].gpa, sizeof(hdr)), &hdr, sizeof(hdr));
	if (r->out_len) {
		if (out_split)
			memcpy(vdrv_host(&T.drv, b[1].gpa, out_split), r->out, out_split);
		memcpy(vdrv_host(&T.drv, b[2].gpa, r->out_len - out_split),
		       (const uint8_t *)r->out + out_split, r->out_len - out_split);
	}
	if (r->in_len) {
		done.in_gpa[0] = b[n - 3].gpa;
		done.in_gpa[1] = b[n - 2].gpa;
	}
	uint16_t head = vdrv_chain(&T.drv, b, n, r->indirect);
	vdrv_publish(&T.drv, head);
	T.blk.dev.ops->notify(&T.blk.dev, 0);
	uint32_t id;
	ck_assert_msg(vdrv_take_used(&T.drv, &id, &done.len), "no used element (failed: %s)",
		      T.why);
	ck_assert_uint_eq(id, head);
	done.status = *(uint8_t *)vdrv_host(&T.drv, b[n - 1].gpa, 1);
	return done;
}

/* The writable data a request got, flat. */
static void t_in_data(const struct t_done *d, uint32_t in_len, uint8_t *out)
{
	if (d->in_split)
		memcpy(out, vdrv_host(&T.drv, d->in_gpa[0], d->in_split), d->in_split);
	memcpy(out + d->in_split, vdrv_host(&T.drv, d->in_gpa[1], in_len - d->in_split),
	       in_len - d->in_split);
}

static struct t_done t_read(uint64_t sector, uint32_t len, uint8_t *out)
{
	struct t_req r = { .type = VIRTIO_BLK_T_IN, .sector = sector, .in_len = len };
	struct t_done d = t_request(&r);
	if (out && d.status == VIRTIO_BLK_S_OK)
		t_in_data(&d, len, out);
	return d;
}

static struct t_done t_write(uint64_t sector, const void *data, uint32_t len)
{
	struct t_req r = { .type = VIRTIO_BLK_T_OUT, .sector = sector, .out = data, .out_len = len };
	return t_request(&r);
}

static struct t_done t_range(uint32_t type, uint64_t sector, uint32_t sectors, uint32_t flags)
{
	struct virtio_blk_discard_write_zeroes seg = {
		.sector = htole64(sector), .num_sectors = htole32(sectors), .flags = htole32(flags),
	};
	struct t_req r = { .type = type, .out = &seg, .out_len = sizeof(seg) };
	return t_request(&r);
}

static void t_assert_done(struct t_done d, uint8_t status, uint32_t len)
{
	ck_assert_uint_eq(d.status, status);
	ck_assert_uint_eq(d.len, len);
}

/* ---- The device ---- */

START_TEST(test_device_read_write)
{
	t_setup(false);
	const struct virtio_device *d = &T.blk.dev;
	ck_assert_str_eq(d->ops->name, "virtio-blk");
	ck_assert_uint_eq(d->ops->device_id, VIRTIO_ID_BLOCK);
	ck_assert_uint_eq(d->ops->config_size, 60);
	ck_assert_ptr_null(d->ops->config_write);
	ck_assert_uint_eq(d->num_queues, 1);
	ck_assert_uint_eq(d->queue_max_size, VIRTQ_MAX_SIZE);
	/* Device bits only (the transport adds VERSION_1 and the ring's). */
	ck_assert_uint_eq(d->offered, 1ULL << VIRTIO_BLK_F_SEG_MAX | 1ULL << VIRTIO_BLK_F_BLK_SIZE |
			  1ULL << VIRTIO_BLK_F_FLUSH | 1ULL << VIRTIO_BLK_F_DISCARD |
			  1ULL << VIRTIO_BLK_F_WRITE_ZEROES);
	t_teardown();
}
END_TEST

START_TEST(test_device_read_only)
{
	t_setup(true);
	ck_assert_uint_eq(T.blk.dev.offered, 1ULL << VIRTIO_BLK_F_SEG_MAX |
			  1ULL << VIRTIO_BLK_F_BLK_SIZE | 1ULL << VIRTIO_BLK_F_FLUSH |
			  1ULL << VIRTIO_BLK_F_RO);
	t_teardown();
}
END_TEST

/* §5.2.4, little-endian, read whole and in pieces. */
START_TEST(test_config)
{
	t_setup_size(3 * MiB + 512, false, NULL);
	uint8_t c[60];
	memset(c, 0xcc, sizeof(c));
	T.blk.dev.ops->config_read(&T.blk.dev, 0, c, sizeof(c));
	struct virtio_blk_config cfg;
	memcpy(&cfg, c, sizeof(c));
	ck_assert_uint_eq(le64toh(cfg.capacity), 6 * 1024 + 1);
	ck_assert_uint_eq(le32toh(cfg.size_max), 0);
	ck_assert_uint_eq(le32toh(cfg.seg_max), VIRTQ_MAX_SIZE - 2);
	ck_assert_uint_eq(le32toh(cfg.blk_size), 512);
	ck_assert_uint_eq(cfg.wce, 0);
	ck_assert_uint_eq(cfg.unused, 0);
	ck_assert_uint_eq(le16toh(cfg.num_queues), 1);
	ck_assert_uint_eq(le32toh(cfg.max_discard_sectors), T_RANGE_MAX);
	ck_assert_uint_eq(le32toh(cfg.max_discard_seg), 1);
	ck_assert_uint_eq(le32toh(cfg.discard_sector_alignment), 8);
	ck_assert_uint_eq(le32toh(cfg.max_write_zeroes_sectors), T_RANGE_MAX);
	ck_assert_uint_eq(le32toh(cfg.max_write_zeroes_seg), 1);
	ck_assert_uint_eq(cfg.write_zeroes_may_unmap, 1);
	ck_assert(c[57] == 0 && c[58] == 0 && c[59] == 0);
	uint8_t piece[4];
	T.blk.dev.ops->config_read(&T.blk.dev, 20, piece, 4);
	ck_assert_int_eq(memcmp(piece, "\x00\x02\x00\x00", 4), 0);
	T.blk.dev.ops->config_read(&T.blk.dev, 1, piece, 2);
	ck_assert_int_eq(memcmp(piece, "\x18\x00", 2), 0);   /* capacity 0x1801 */
	t_teardown();
}
END_TEST

/* ---- Requests ---- */

START_TEST(test_read)
{
	t_setup(false);
	uint8_t out[1536];
	t_assert_done(t_read(5, 1536, out), VIRTIO_BLK_S_OK, 1537);
	ck_assert_int_eq(memcmp(out, T.image + 5 * 512, 1536), 0);
	/* The last sector, through an indirect table; the driver asks for an
	 * interrupt at this entry (EVENT_IDX). */
	vdrv_write_used_event(&T.drv, 1);
	struct t_req r = { .type = VIRTIO_BLK_T_IN, .sector = 2047, .in_len = 512, .indirect = true };
	struct t_done d = t_request(&r);
	t_assert_done(d, VIRTIO_BLK_S_OK, 513);
	t_in_data(&d, 512, out);
	ck_assert_int_eq(memcmp(out, T.image + 2047 * 512, 512), 0);
	ck_assert_int_eq(T.raised, 2);
	t_teardown();
}
END_TEST

START_TEST(test_write_read_back)
{
	t_setup(false);
	uint8_t data[2048], back[2048];
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ 0x5a);
	t_assert_done(t_write(100, data, sizeof(data)), VIRTIO_BLK_S_OK, 1);
	uint64_t size;
	uint8_t *now = t_file_bytes(&size);
	ck_assert_uint_eq(size, T_SIZE);
	ck_assert_int_eq(memcmp(now + 100 * 512, data, sizeof(data)), 0);
	ck_assert_int_eq(memcmp(now, T.image, 100 * 512), 0);
	ck_assert_int_eq(memcmp(now + 104 * 512, T.image + 104 * 512, T_SIZE - 104 * 512), 0);
	free(now);
	t_assert_done(t_read(100, sizeof(back), back), VIRTIO_BLK_S_OK, sizeof(back) + 1);
	ck_assert_int_eq(memcmp(back, data, sizeof(data)), 0);
	t_teardown();
}
END_TEST

/* Without FLUSH negotiated, writes are made stable as they complete
 * (§5.2.6.2); they land all the same. */
START_TEST(test_write_without_flush_feature)
{
	memset(&T, 0, sizeof(T));
	t_make_file(T.path, T_SIZE);
	t_open_dropping(false, NULL, 1ULL << VIRTIO_BLK_F_FLUSH);
	uint8_t data[512];
	memset(data, 0x42, sizeof(data));
	t_assert_done(t_write(7, data, sizeof(data)), VIRTIO_BLK_S_OK, 1);
	uint64_t size;
	uint8_t *now = t_file_bytes(&size);
	ck_assert_int_eq(memcmp(now + 7 * 512, data, sizeof(data)), 0);
	free(now);
	t_teardown();
}
END_TEST

/* §5.2.6.2: a write to a read-only disk fails and writes nothing; nor do
 * discard or write-zeroes, never offered read-only. */
START_TEST(test_read_only_refuses_writes)
{
	t_setup(true);
	uint8_t data[1024];
	memset(data, 0, sizeof(data));
	t_assert_done(t_write(0, data, sizeof(data)), VIRTIO_BLK_S_IOERR, 1);
	ck_assert(!T.blk.io_error_reported);   /* refused by the device, not tried on the host */
	t_assert_done(t_range(VIRTIO_BLK_T_DISCARD, 0, 8, 0), VIRTIO_BLK_S_UNSUPP, 1);
	t_assert_done(t_range(VIRTIO_BLK_T_WRITE_ZEROES, 0, 8, 0), VIRTIO_BLK_S_UNSUPP, 1);
	struct t_req flush = { .type = VIRTIO_BLK_T_FLUSH };
	t_assert_done(t_request(&flush), VIRTIO_BLK_S_OK, 1);
	t_assert_file_unchanged();
	uint8_t out[512];
	t_assert_done(t_read(1, 512, out), VIRTIO_BLK_S_OK, 513);
	ck_assert_int_eq(memcmp(out, T.image + 512, 512), 0);
	t_teardown();
}
END_TEST

START_TEST(test_flush)
{
	t_setup(false);
	struct t_req flush = { .type = VIRTIO_BLK_T_FLUSH };
	t_assert_done(t_request(&flush), VIRTIO_BLK_S_OK, 1);
	t_assert_file_unchanged();
	t_teardown();
}
END_TEST

/* Whether this file system punches holes (tmpfs, ext4, xfs do). */
static bool t_can_punch(void)
{
	int fd = open(T.path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	/* Past the end with KEEP_SIZE: changes nothing where it works. */
	bool ok = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 2 * T_SIZE, 4096) == 0;
	close(fd);
	return ok;
}

static bool t_is_hole(uint64_t pos, uint64_t len)
{
	int fd = open(T.path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	off_t hole = lseek(fd, (off_t)pos, SEEK_HOLE);
	off_t data = lseek(fd, (off_t)pos, SEEK_DATA);
	close(fd);
	return hole == (off_t)pos && (data < 0 || (uint64_t)data >= pos + len);
}

START_TEST(test_discard_punches_hole)
{
	t_setup(false);
	bool punch = t_can_punch();
	t_assert_done(t_range(VIRTIO_BLK_T_DISCARD, 256, 512, 0), VIRTIO_BLK_S_OK, 1);
	uint64_t size;
	uint8_t *now = t_file_bytes(&size);
	ck_assert_uint_eq(size, T_SIZE);   /* FALLOC_FL_KEEP_SIZE */
	ck_assert_int_eq(memcmp(now, T.image, 256 * 512), 0);
	ck_assert_int_eq(memcmp(now + 768 * 512, T.image + 768 * 512, T_SIZE - 768 * 512), 0);
	free(now);
	if (punch)
		ck_assert_msg(t_is_hole(256 * 512, 512 * 512), "no hole at the discarded range");
	else
		printf("skip the hole check: %s cannot punch holes\n", T.path);
	t_teardown();
}
END_TEST

/* §5.2.6.2: zeroes read back after WRITE_ZEROES, with or without unmap. */
START_TEST(test_write_zeroes)
{
	t_setup(false);
	uint8_t out[4096], zero[4096] = { 0 };
	t_assert_done(t_range(VIRTIO_BLK_T_WRITE_ZEROES, 16, 8, 0), VIRTIO_BLK_S_OK, 1);
	t_assert_done(t_range(VIRTIO_BLK_T_WRITE_ZEROES, 33, 3, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP),
		      VIRTIO_BLK_S_OK, 1);
	t_assert_done(t_read(16, 4096, out), VIRTIO_BLK_S_OK, 4097);
	ck_assert_int_eq(memcmp(out, zero, 4096), 0);
	t_assert_done(t_read(32, 2560, out), VIRTIO_BLK_S_OK, 2561);
	ck_assert_int_eq(memcmp(out, T.image + 32 * 512, 512), 0);
	ck_assert_int_eq(memcmp(out + 512, zero, 1536), 0);
	ck_assert_int_eq(memcmp(out + 2048, T.image + 36 * 512, 512), 0);
	/* Zero sectors: nothing to do. */
	t_assert_done(t_range(VIRTIO_BLK_T_WRITE_ZEROES, 2048, 0, 0), VIRTIO_BLK_S_OK, 1);
	t_teardown();
}
END_TEST

static blkcnt_t t_file_blocks(void)
{
	int fd = open(T.path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fsync(fd), 0);   /* delayed allocation settled */
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	close(fd);
	return st.st_blocks;
}

/* §5.2.6.2: only "if the unmap is set" may the device deallocate for a
 * write-zeroes.  Without it (Linux's REQ_NOUNMAP, e.g. a guest's
 * fallocate(FALLOC_FL_ZERO_RANGE)) the guest wants zeroes that keep
 * their space: the blocks stay allocated.  With it, a hole is fine. */
START_TEST(test_write_zeroes_without_unmap_keeps_blocks)
{
	t_setup(false);
	bool punch = t_can_punch();
	blkcnt_t blocks = t_file_blocks();
	t_assert_done(t_range(VIRTIO_BLK_T_WRITE_ZEROES, 256, 512, 0), VIRTIO_BLK_S_OK, 1);
	ck_assert_int_eq(t_file_blocks(), blocks);
	uint8_t out[4096], zero[4096] = { 0 };
	t_assert_done(t_read(256, 4096, out), VIRTIO_BLK_S_OK, 4097);
	ck_assert_int_eq(memcmp(out, zero, 4096), 0);
	t_assert_done(t_range(VIRTIO_BLK_T_WRITE_ZEROES, 1024, 512, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP),
		      VIRTIO_BLK_S_OK, 1);
	if (punch)
		ck_assert_msg(t_is_hole(1024 * 512, 512 * 512), "no hole with unmap");
	t_assert_done(t_read(1024, 4096, out), VIRTIO_BLK_S_OK, 4097);
	ck_assert_int_eq(memcmp(out, zero, 4096), 0);
	t_teardown();
}
END_TEST

/* max_discard_sectors and max_write_zeroes_sectors (0x7fffff) hold on a
 * disk larger than them (a sparse file of 4 GiB and 4 KiB). */
START_TEST(test_range_limit_on_large_disk)
{
	memset(&T, 0, sizeof(T));
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(T.path, sizeof(T.path), "%s/minivmm-blk-XXXXXX", dir);
	int fd = mkstemp(T.path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)(T_RANGE_MAX + 1 + 8) * 512), 0);
	close(fd);
	t_open(false, NULL);
	t_assert_done(t_range(VIRTIO_BLK_T_DISCARD, 0, T_RANGE_MAX + 1, 0), VIRTIO_BLK_S_IOERR, 1);
	t_assert_done(t_range(VIRTIO_BLK_T_WRITE_ZEROES, 8, T_RANGE_MAX + 1,
			      VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP), VIRTIO_BLK_S_IOERR, 1);
	t_assert_done(t_range(VIRTIO_BLK_T_DISCARD, 8, T_RANGE_MAX, 0), VIRTIO_BLK_S_OK, 1);
	ck_assert(!T.blk.io_error_reported);
	t_teardown();
}
END_TEST

START_TEST(test_range_flags)
{
	t_setup(false);
	/* §5.2.6.2: unmap on a discard, and unknown flags, are UNSUPP. */
	t_assert_done(t_range(VIRTIO_BLK_T_DISCARD, 0, 8, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP),
		      VIRTIO_BLK_S_UNSUPP, 1);
	t_assert_done(t_range(VIRTIO_BLK_T_DISCARD, 0, 8, 2), VIRTIO_BLK_S_UNSUPP, 1);
	t_assert_done(t_range(VIRTIO_BLK_T_WRITE_ZEROES, 0, 8, 0x80000001u), VIRTIO_BLK_S_UNSUPP, 1);
	t_assert_file_unchanged();
	t_teardown();
}
END_TEST

START_TEST(test_range_checks)
{
	t_setup(false);
	static const uint32_t types[] = { VIRTIO_BLK_T_DISCARD, VIRTIO_BLK_T_WRITE_ZEROES };
	for (int i = 0; i < 2; i++) {
		uint32_t t = types[i];
		t_assert_done(t_range(t, 2040, 9, 0), VIRTIO_BLK_S_IOERR, 1);     /* past the end */
		t_assert_done(t_range(t, 2049, 0, 0), VIRTIO_BLK_S_IOERR, 1);
		t_assert_done(t_range(t, ~0ULL - 3, 8, 0), VIRTIO_BLK_S_IOERR, 1); /* wraps */
		t_assert_done(t_range(t, 0, T_RANGE_MAX + 1, 0), VIRTIO_BLK_S_IOERR, 1);
		/* Two segments (max_*_seg is 1), and half a segment. */
		struct virtio_blk_discard_write_zeroes two[2] = {
			{ .num_sectors = htole32(8) }, { .sector = htole64(8), .num_sectors = htole32(8) },
		};
		struct t_req r = { .type = t, .out = two, .out_len = sizeof(two) };
		t_assert_done(t_request(&r), VIRTIO_BLK_S_UNSUPP, 1);
		r.out_len = 8;
		t_assert_done(t_request(&r), VIRTIO_BLK_S_IOERR, 1);
		r.out_len = 0;
		t_assert_done(t_request(&r), VIRTIO_BLK_S_IOERR, 1);
	}
	/* The whole disk is fine. */
	t_assert_done(t_range(VIRTIO_BLK_T_WRITE_ZEROES, 0, 2048, 0), VIRTIO_BLK_S_OK, 1);
	t_teardown();
}
END_TEST

/* §5.2.6: the serial, NUL-padded to 20 bytes, no NUL when it is 20 long. */
START_TEST(test_get_id)
{
	memset(&T, 0, sizeof(T));
	t_make_file(T.path, T_SIZE);
	t_open(false, "minivmm-disk-1");
	struct t_req r = { .type = VIRTIO_BLK_T_GET_ID, .in_len = VIRTIO_BLK_ID_BYTES };
	struct t_done d = t_request(&r);
	t_assert_done(d, VIRTIO_BLK_S_OK, 21);
	uint8_t id[VIRTIO_BLK_ID_BYTES];
	t_in_data(&d, sizeof(id), id);
	ck_assert_int_eq(memcmp(id, "minivmm-disk-1\0\0\0\0\0\0", 20), 0);
	/* A shorter buffer gets what fits. */
	r.in_len = 8;
	d = t_request(&r);
	t_assert_done(d, VIRTIO_BLK_S_OK, 9);
	t_in_data(&d, 8, id);
	ck_assert_int_eq(memcmp(id, "minivmm-", 8), 0);
	/* A longer one gets the 20 bytes and nothing past them. */
	uint8_t longer[32];
	r.in_len = sizeof(longer);
	d = t_request(&r);
	t_assert_done(d, VIRTIO_BLK_S_OK, 21);
	t_in_data(&d, sizeof(longer), longer);
	ck_assert_int_eq(memcmp(longer, "minivmm-disk-1\0\0\0\0\0\0", 20), 0);
	for (int i = 20; i < 32; i++)
		ck_assert_uint_eq(longer[i], 0xee);
	virtio_blk_close(&T.blk);
	test_ram_free(&T.ram);

	t_open(true, "ABCDEFGHIJKLMNOPQRST");
	r.in_len = VIRTIO_BLK_ID_BYTES;
	d = t_request(&r);
	t_in_data(&d, sizeof(id), id);
	ck_assert_int_eq(memcmp(id, "ABCDEFGHIJKLMNOPQRST", 20), 0);
	virtio_blk_close(&T.blk);
	test_ram_free(&T.ram);

	t_open(false, NULL);
	d = t_request(&r);
	t_assert_done(d, VIRTIO_BLK_S_OK, 21);
	t_in_data(&d, sizeof(id), id);
	ck_assert_int_eq(memcmp(id, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20), 0);
	t_teardown();
}
END_TEST

/* A request past the end, or of part of a sector, fails and touches
 * nothing; sector offsets that overflow too. */
START_TEST(test_out_of_range)
{
	t_setup(false);
	uint8_t data[1024];
	memset(data, 0x77, sizeof(data));
	t_assert_done(t_read(2047, 1024, NULL), VIRTIO_BLK_S_IOERR, 1);
	t_assert_done(t_read(2048, 512, NULL), VIRTIO_BLK_S_IOERR, 1);
	t_assert_done(t_read(1ULL << 63, 512, NULL), VIRTIO_BLK_S_IOERR, 1);
	t_assert_done(t_read(~0ULL, 512, NULL), VIRTIO_BLK_S_IOERR, 1);
	t_assert_done(t_read(0, 100, NULL), VIRTIO_BLK_S_IOERR, 1);
	t_assert_done(t_write(2047, data, 1024), VIRTIO_BLK_S_IOERR, 1);
	t_assert_done(t_write((1ULL << 55) - 1, data, 1024), VIRTIO_BLK_S_IOERR, 1);
	t_assert_done(t_write(0, data, 513), VIRTIO_BLK_S_IOERR, 1);
	t_assert_file_unchanged();
	/* No data at the very end: nothing to do, fine. */
	t_assert_done(t_read(2048, 0, NULL), VIRTIO_BLK_S_OK, 1);
	ck_assert_int_eq(T.failed, 0);
	t_teardown();
}
END_TEST

START_TEST(test_unsupported_types)
{
	t_setup(false);
	/* SCSI (legacy), 3, GET_LIFETIME (10: §5.2.6, newer than some UAPI
	 * headers), SECURE_ERASE, ZONE_REPORT, unknown, IN and OUT with the
	 * legacy BARRIER bit. */
	static const uint32_t types[] = { 2, 3, 10, VIRTIO_BLK_T_SECURE_ERASE, 16, 99,
					  VIRTIO_BLK_T_BARRIER, VIRTIO_BLK_T_BARRIER | VIRTIO_BLK_T_OUT };
	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct t_req r = { .type = types[i], .in_len = 512 };
		t_assert_done(t_request(&r), VIRTIO_BLK_S_UNSUPP, 1);
	}
	t_assert_file_unchanged();
	t_teardown();
}
END_TEST

/* §2.7.4: no layout assumed: the header in two pieces, the data and the
 * status byte in one writable buffer (its last byte). */
START_TEST(test_any_layout)
{
	t_setup(false);
	struct virtio_blk_outhdr hdr = { .type = htole32(VIRTIO_BLK_T_IN), .sector = htole64(3) };
	uint64_t h = vdrv_alloc(&T.drv, 16, 8, 0), w = vdrv_alloc(&T.drv, 1025, 8, 0xee);
	memcpy(vdrv_host(&T.drv, h, 16), &hdr, 16);
	vdrv_desc(&T.drv, 4, h, 5, VRING_DESC_F_NEXT, 9);
	vdrv_desc(&T.drv, 9, h + 5, 11, VRING_DESC_F_NEXT, 2);
	vdrv_desc(&T.drv, 2, w, 1025, VRING_DESC_F_WRITE, 0);
	vdrv_publish(&T.drv, 4);
	T.blk.dev.ops->notify(&T.blk.dev, 0);
	uint32_t id, len;
	ck_assert(vdrv_take_used(&T.drv, &id, &len));
	ck_assert_uint_eq(id, 4);
	ck_assert_uint_eq(len, 1025);
	const uint8_t *p = vdrv_host(&T.drv, w, 1025);
	ck_assert_int_eq(memcmp(p, T.image + 3 * 512, 1024), 0);
	ck_assert_uint_eq(p[1024], VIRTIO_BLK_S_OK);
	t_teardown();
}
END_TEST

/* Not a request: the device fails (the transport sets NEEDS_RESET), uses
 * nothing and takes no more chains. */
static void t_expect_malformed(const char *why)
{
	struct vdrv_buf ok[] = { { .len = 16 }, { .len = 1, .writable = true } };
	vdrv_publish(&T.drv, vdrv_chain(&T.drv, ok, 2, false));
	T.blk.dev.ops->notify(&T.blk.dev, 0);
	ck_assert_int_eq(T.failed, 1);
	ck_assert_str_eq(T.why, why);
	ck_assert_uint_eq(vdrv_used_idx(&T.drv), 0);
	ck_assert(T.vq.broken);
	T.failed = 0;
}

START_TEST(test_no_status_byte)
{
	t_setup(false);
	struct vdrv_buf b[] = { { .len = 16 }, { .len = 512 } };
	vdrv_publish(&T.drv, vdrv_chain(&T.drv, b, 2, false));
	t_expect_malformed("virtio-blk: a request without a writable status byte");
	t_teardown();
}
END_TEST

START_TEST(test_short_header)
{
	t_setup(false);
	struct vdrv_buf b[] = { { .len = 8 }, { .len = 7 }, { .len = 1, .writable = true } };
	vdrv_publish(&T.drv, vdrv_chain(&T.drv, b, 3, false));
	t_expect_malformed("virtio-blk: a request shorter than its 16-byte header");
	t_teardown();
}
END_TEST

/* Several requests in one notification; EVENT_IDX decides interrupts. */
START_TEST(test_several_requests)
{
	t_setup(false);
	uint64_t st[4];
	uint16_t heads[4];
	vdrv_write_used_event(&T.drv, 3);
	for (int i = 0; i < 4; i++) {
		struct virtio_blk_outhdr hdr = { .type = htole32(VIRTIO_BLK_T_IN),
						 .sector = htole64((uint64_t)i) };
		struct vdrv_buf b[] = { { .len = 16 }, { .len = 512, .writable = true },
					{ .len = 1, .writable = true, .fill = 0xff } };
		heads[i] = vdrv_chain(&T.drv, b, 3, i % 2);
		memcpy(vdrv_host(&T.drv, b[0].gpa, 16), &hdr, 16);
		st[i] = b[2].gpa;
		vdrv_publish(&T.drv, heads[i]);
	}
	T.blk.dev.ops->notify(&T.blk.dev, 0);
	for (int i = 0; i < 4; i++) {
		uint32_t id, len;
		ck_assert(vdrv_take_used(&T.drv, &id, &len));
		ck_assert_uint_eq(id, heads[i]);
		ck_assert_uint_eq(len, 513);
		ck_assert_uint_eq(*(uint8_t *)vdrv_host(&T.drv, st[i], 1), VIRTIO_BLK_S_OK);
	}
	ck_assert_int_eq(T.raised, 2);   /* the first, and entry 3 */
	t_teardown();
}
END_TEST

/* A host I/O error is the guest's IOERR and one line on stderr, once:
 * here the file shrinks under the device. */
START_TEST(test_host_error_said_once)
{
	t_setup(false);
	ck_assert_int_eq(truncate(T.path, 4096), 0);
	char log[] = "/tmp/minivmm-blk-err-XXXXXX";
	int lfd = mkstemp(log);
	ck_assert_int_ge(lfd, 0);
	fflush(stderr);
	int saved = dup(2);
	ck_assert_int_eq(dup2(lfd, 2), 2);
	struct t_done a = t_read(100, 512, NULL);
	struct t_done b = t_read(200, 1024, NULL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	t_assert_done(a, VIRTIO_BLK_S_IOERR, 1);
	t_assert_done(b, VIRTIO_BLK_S_IOERR, 1);
	char text[1024] = { 0 };
	ck_assert_int_ge(pread(lfd, text, sizeof(text) - 1, 0), 0);
	close(lfd);
	unlink(log);
	char want[4200];
	snprintf(want, sizeof(want), "minivmm: --disk %s: read failed: Input/output error (the "
		 "guest sees I/O errors; said once)\n", T.path);
	ck_assert_str_eq(text, want);
	t_teardown();
}
END_TEST

/* The smallest disk: one sector. */
START_TEST(test_one_sector)
{
	t_setup_size(512, false, NULL);
	uint8_t out[512];
	t_assert_done(t_read(0, 512, out), VIRTIO_BLK_S_OK, 513);
	ck_assert_int_eq(memcmp(out, T.image, 512), 0);
	t_assert_done(t_read(1, 512, out), VIRTIO_BLK_S_IOERR, 1);
	t_teardown();
}
END_TEST

Suite *virtio_blk_suite(void)
{
	Suite *s = suite_create("virtio_blk");
	TCase *tc = tcase_create("device");
	tcase_add_test(tc, test_device_read_write);
	tcase_add_test(tc, test_device_read_only);
	tcase_add_test(tc, test_config);
	suite_add_tcase(s, tc);

	tc = tcase_create("requests");
	tcase_add_test(tc, test_read);
	tcase_add_test(tc, test_write_read_back);
	tcase_add_test(tc, test_write_without_flush_feature);
	tcase_add_test(tc, test_read_only_refuses_writes);
	tcase_add_test(tc, test_flush);
	tcase_add_test(tc, test_discard_punches_hole);
	tcase_add_test(tc, test_write_zeroes);
	tcase_add_test(tc, test_write_zeroes_without_unmap_keeps_blocks);
	tcase_add_test(tc, test_range_limit_on_large_disk);
	tcase_add_test(tc, test_range_flags);
	tcase_add_test(tc, test_range_checks);
	tcase_add_test(tc, test_get_id);
	tcase_add_test(tc, test_out_of_range);
	tcase_add_test(tc, test_unsupported_types);
	tcase_add_test(tc, test_any_layout);
	tcase_add_test(tc, test_no_status_byte);
	tcase_add_test(tc, test_short_header);
	tcase_add_test(tc, test_several_requests);
	tcase_add_test(tc, test_host_error_said_once);
	tcase_add_test(tc, test_one_sector);
	suite_add_tcase(s, tc);
	return s;
}
