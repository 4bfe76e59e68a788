/* virtio-blk requests (virtio 1.2 §5.2.6): a readable header {type,
 * reserved, sector} (struct virtio_blk_outhdr), the data, and a writable
 * status byte, the last byte of the chain's writable part (the driver
 * may lay the buffers out any way, §2.7.4).  Every sector range is
 * checked against the capacity before the file is touched; host I/O
 * errors become VIRTIO_BLK_S_IOERR and one line on stderr. */
#define _GNU_SOURCE   /* fallocate */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/byteorder.h"
#include "vmm/devices/virtio/virtio_blk.h"

#define BLK_SECTOR  512ULL
#define BLK_HEADER  ((uint32_t)sizeof(struct virtio_blk_outhdr))
#define BLK_SEGMENT ((uint32_t)sizeof(struct virtio_blk_discard_write_zeroes))
/* What the configuration offers: data segments per request (the header
 * and the status byte take two descriptors of a chain no longer than the
 * queue, §2.7.5.3.1), and one range of at most 4 GiB - 512 per discard
 * or write-zeroes request. */
#define BLK_SEG_MAX (VIRTQ_MAX_SIZE - 2)
#define BLK_RANGE_MAX_SECTORS 0x7fffffu
#define BLK_RANGE_MAX_SEGS 1
#define BLK_DISCARD_ALIGNMENT 8       /* sectors: a 4 KiB block */

/* The iovecs of a chain's buffers (readable or writable), len bytes from
 * offset on.  Returns how many (at most VIRTQ_MAX_SIZE, below IOV_MAX). */
static int virtio_blk_iov(struct virtio_blk *b, bool writable, uint64_t offset, uint64_t len)
{
	int n = 0;
	for (uint32_t i = 0; i < b->chain.nbufs && len > 0; i++) {
		const struct virtq_buf *buf = &b->chain.bufs[i];
		if (buf->writable != writable)
			continue;
		if (offset >= buf->len) {
			offset -= buf->len;
			continue;
		}
		uint64_t take = buf->len - offset < len ? buf->len - offset : len;
		b->iov[n++] = (struct iovec){ buf->host + offset, take };
		len -= take;
		offset = 0;
	}
	return n;
}

/* preadv/pwritev until done: a short transfer goes on where it stopped,
 * an interrupted one starts again.  0 or a negative errno. */
static int virtio_blk_rw(struct virtio_blk *b, bool write, int niov, uint64_t pos)
{
	struct iovec *iov = b->iov;
	while (niov > 0) {
		ssize_t n = write ? pwritev(b->fd, iov, niov, (off_t)pos)
				  : preadv(b->fd, iov, niov, (off_t)pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;   /* 0: the file shrank under us */
		pos += (uint64_t)n;
		while (niov > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			niov--;
		}
		if (niov > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/* [sector, sector + sectors) inside the disk, without overflow. */
static bool virtio_blk_range_ok(const struct virtio_blk *b, uint64_t sector, uint64_t sectors)
{
	return sector <= b->capacity && sectors <= b->capacity - sector;
}

/* The host's I/O failed: the guest gets IOERR, the user one line. */
static uint8_t virtio_blk_host_error(struct virtio_blk *b, const char *what, int e)
{
	if (!b->io_error_reported)
		fprintf(stderr, "minivmm: --disk %s: %s failed: %s (the guest sees I/O errors; said "
			"once)\n", b->path, what, strerror(-e));
	b->io_error_reported = true;
	return VIRTIO_BLK_S_IOERR;
}

static int virtio_blk_sync(struct virtio_blk *b)
{
	while (fdatasync(b->fd) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* §5.2.6.2: without VIRTIO_BLK_F_FLUSH negotiated (it is offered, and
 * CONFIG_WCE is not), a write is stable when it completes. */
static uint8_t virtio_blk_written(struct virtio_blk *b, const char *what)
{
	if (virtio_device_has(&b->dev, VIRTIO_BLK_F_FLUSH))
		return VIRTIO_BLK_S_OK;
	int r = virtio_blk_sync(b);
	return r < 0 ? virtio_blk_host_error(b, what, r) : VIRTIO_BLK_S_OK;
}

/* IN and OUT: len bytes of data, a whole number of sectors (§5.2.6.1),
 * inside the disk. */
static uint8_t virtio_blk_data(struct virtio_blk *b, bool write, uint64_t sector, uint64_t len)
{
	if (len % BLK_SECTOR || !virtio_blk_range_ok(b, sector, len / BLK_SECTOR))
		return VIRTIO_BLK_S_IOERR;
	if (write && b->read_only)
		return VIRTIO_BLK_S_IOERR;   /* §5.2.6.2: and nothing written */
	int niov = write ? virtio_blk_iov(b, false, BLK_HEADER, len) : virtio_blk_iov(b, true, 0, len);
	int r = virtio_blk_rw(b, write, niov, sector * BLK_SECTOR);
	if (r < 0)
		return virtio_blk_host_error(b, write ? "write" : "read", r);
	return write ? virtio_blk_written(b, "write") : VIRTIO_BLK_S_OK;
}

/* Zeroes where a hole cannot be punched (a file system or device without
 * it): written out. */
static int virtio_blk_write_zeroes(struct virtio_blk *b, uint64_t pos, uint64_t len)
{
	static const uint8_t zeroes[65536];
	while (len > 0) {
		size_t n = len < sizeof(zeroes) ? (size_t)len : sizeof(zeroes);
		ssize_t w = pwrite(b->fd, zeroes, n, (off_t)pos);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		pos += (uint64_t)w;
		len -= (uint64_t)w;
	}
	return 0;
}

/* DISCARD and WRITE_ZEROES (§5.2.6): the segments in the data.  A hole
 * punched (FALLOC_FL_PUNCH_HOLE, on a block device since Linux 4.9)
 * reads back as zeroes, which write-zeroes asks for with or without
 * unmap.  But only a discard, or a write-zeroes with unmap, may
 * deallocate (§5.2.6.2): without unmap the zeroes are made in place
 * (FALLOC_FL_ZERO_RANGE), the blocks kept.  Where the file system can
 * do neither, a discard does nothing (it is a hint) and write-zeroes
 * writes them. */
static uint8_t virtio_blk_ranges(struct virtio_blk *b, bool zeroes, uint64_t data_len)
{
	if (!virtio_device_has(&b->dev, zeroes ? VIRTIO_BLK_F_WRITE_ZEROES : VIRTIO_BLK_F_DISCARD))
		return VIRTIO_BLK_S_UNSUPP;   /* not negotiated (never offered read-only) */
	if (data_len == 0 || data_len % BLK_SEGMENT)
		return VIRTIO_BLK_S_IOERR;    /* §5.2.6.1: whole segments */
	if (data_len / BLK_SEGMENT > BLK_RANGE_MAX_SEGS)
		return VIRTIO_BLK_S_UNSUPP;   /* more than max_*_seg, as QEMU answers */
	struct virtio_blk_discard_write_zeroes seg;
	if (virtq_chain_read(&b->chain, BLK_HEADER, &seg, BLK_SEGMENT) != BLK_SEGMENT)
		return VIRTIO_BLK_S_IOERR;
	uint64_t sector = le64toh(seg.sector);
	uint32_t sectors = le32toh(seg.num_sectors), flags = le32toh(seg.flags);
	/* §5.2.6.2: unknown flags, and unmap on a discard, are unsupported. */
	if ((flags & ~(uint32_t)VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) ||
	    (!zeroes && (flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP)))
		return VIRTIO_BLK_S_UNSUPP;
	if (sectors > BLK_RANGE_MAX_SECTORS || !virtio_blk_range_ok(b, sector, sectors))
		return VIRTIO_BLK_S_IOERR;
	const char *what = zeroes ? "write-zeroes" : "discard";
	uint64_t pos = sector * BLK_SECTOR, len = sectors * BLK_SECTOR;
	if (len == 0)
		return VIRTIO_BLK_S_OK;
	int mode = FALLOC_FL_PUNCH_HOLE;
	if (zeroes && !(flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP))
		mode = FALLOC_FL_ZERO_RANGE;
	if (fallocate(b->fd, mode | FALLOC_FL_KEEP_SIZE, (off_t)pos, (off_t)len) < 0) {
		int e = errno;
		if (e != EOPNOTSUPP)
			return virtio_blk_host_error(b, what, -e);
		if (!zeroes)
			return VIRTIO_BLK_S_OK;
		int r = virtio_blk_write_zeroes(b, pos, len);
		if (r < 0)
			return virtio_blk_host_error(b, what, r);
	}
	return virtio_blk_written(b, what);
}

static uint8_t virtio_blk_request(struct virtio_blk *b, uint32_t type, uint64_t sector,
				  uint64_t *written)
{
	const struct virtq_chain *c = &b->chain;
	uint64_t in_len = c->writable_len - 1, out_len = c->readable_len - BLK_HEADER;
	switch (type) {
	case VIRTIO_BLK_T_IN: {
		uint8_t status = virtio_blk_data(b, false, sector, in_len);
		if (status == VIRTIO_BLK_S_OK)
			*written = in_len;
		return status;
	}
	case VIRTIO_BLK_T_OUT:
		return virtio_blk_data(b, true, sector, out_len);
	case VIRTIO_BLK_T_FLUSH: {
		if (b->read_only)
			return VIRTIO_BLK_S_OK;   /* nothing was written */
		int r = virtio_blk_sync(b);
		return r < 0 ? virtio_blk_host_error(b, "fdatasync", r) : VIRTIO_BLK_S_OK;
	}
	case VIRTIO_BLK_T_GET_ID: {
		/* §5.2.6: 20 bytes, NUL-padded; a shorter buffer gets what fits. */
		uint64_t n = in_len < VIRTIO_BLK_ID_BYTES ? in_len : VIRTIO_BLK_ID_BYTES;
		*written = virtq_chain_write(c, 0, b->serial, n);
		return VIRTIO_BLK_S_OK;
	}
	case VIRTIO_BLK_T_DISCARD:
		return virtio_blk_ranges(b, false, out_len);
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return virtio_blk_ranges(b, true, out_len);
	default:
		return VIRTIO_BLK_S_UNSUPP;   /* GET_LIFETIME, SECURE_ERASE, zoned, unknown */
	}
}

static void virtio_blk_notify(struct virtio_device *d, uint16_t q)
{
	struct virtio_blk *b = (struct virtio_blk *)d;
	struct virtq_chain *c = &b->chain;
	while (virtio_device_pop(d, q, c) == 1) {
		struct virtio_blk_outhdr hdr;
		if (c->readable_len < BLK_HEADER || c->writable_len < 1) {
			/* Not a request at all: the driver is broken (§5.2.6). */
			d->queues[q].broken = true;
			(d->fail)(d, c->readable_len < BLK_HEADER
				     ? "virtio-blk: a request shorter than its 16-byte header"
				     : "virtio-blk: a request without a writable status byte");
			return;
		}
		virtq_chain_read(c, 0, &hdr, BLK_HEADER);
		uint64_t written = 0;
		uint8_t status = virtio_blk_request(b, le32toh(hdr.type), le64toh(hdr.sector),
						    &written);
		virtq_chain_write(c, c->writable_len - 1, &status, 1);
		virtio_device_used(d, q, c->head, (uint32_t)(written + 1));
	}
}

/* The configuration (§5.2.4), little-endian; the fields of features not
 * offered read as what they would be. */
static void virtio_blk_config_read(struct virtio_device *d, uint32_t offset, void *data,
				   uint32_t size)
{
	struct virtio_blk *b = (struct virtio_blk *)d;
	struct virtio_blk_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	le_put(&cfg.capacity, b->capacity, 8);
	le_put(&cfg.seg_max, BLK_SEG_MAX, 4);
	le_put(&cfg.blk_size, BLK_SECTOR, 4);
	le_put(&cfg.num_queues, 1, 2);
	le_put(&cfg.max_discard_sectors, BLK_RANGE_MAX_SECTORS, 4);
	le_put(&cfg.max_discard_seg, BLK_RANGE_MAX_SEGS, 4);
	le_put(&cfg.discard_sector_alignment, BLK_DISCARD_ALIGNMENT, 4);
	le_put(&cfg.max_write_zeroes_sectors, BLK_RANGE_MAX_SECTORS, 4);
	le_put(&cfg.max_write_zeroes_seg, BLK_RANGE_MAX_SEGS, 4);
	cfg.write_zeroes_may_unmap = 1;
	memcpy(data, (uint8_t *)&cfg + offset, size);
}

static const struct virtio_device_ops virtio_blk_ops = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.config_size = VIRTIO_BLK_CONFIG_SIZE,
	.config_read = virtio_blk_config_read,
	.notify = virtio_blk_notify,
};

/* A regular file's size, or a block device's (lseek: st_size is 0). */
static int virtio_blk_size(struct virtio_blk *b, uint64_t *size, struct error *err)
{
	struct stat st;
	if (fstat(b->fd, &st) < 0)
		return error_set(err, "--disk %s: %s", b->path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return error_set(err, "--disk %s: is a directory", b->path);
	if (S_ISREG(st.st_mode)) {
		*size = (uint64_t)st.st_size;
		return 0;
	}
	if (!S_ISBLK(st.st_mode))
		return error_set(err, "--disk %s: not a regular file or a block device", b->path);
	off_t end = lseek(b->fd, 0, SEEK_END);
	if (end < 0)
		return error_set(err, "--disk %s: cannot find its size: %s", b->path, strerror(errno));
	*size = (uint64_t)end;
	return 0;
}

int virtio_blk_open(struct virtio_blk *b, const char *path, bool read_only, const char *serial,
		    struct error *err)
{
	memset(b, 0, sizeof(*b));
	b->fd = -1;
	b->path = path;
	b->read_only = read_only;
	if (serial && strlen(serial) > VIRTIO_BLK_ID_BYTES)
		return error_set(err, "--disk %s: serial=%s is longer than %d bytes", path, serial,
				 VIRTIO_BLK_ID_BYTES);
	/* O_NONBLOCK: opening a FIFO to read would wait for a writer; this
	 * way it opens at once and is refused as no disk.  Off again below. */
	b->fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK);
	if (b->fd < 0) {
		if (errno == EISDIR)
			return error_set(err, "--disk %s: is a directory", path);
		return error_set(err, "--disk %s: cannot open it %s: %s", path,
				 read_only ? "to read" : "to read and write", strerror(errno));
	}
	uint64_t size = 0;
	if (virtio_blk_size(b, &size, err) < 0)
		goto fail;
	int fl = fcntl(b->fd, F_GETFL);
	if (fl < 0 || fcntl(b->fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		error_set(err, "--disk %s: %s", path, strerror(errno));
		goto fail;
	}
	/* Exclusive for read-write, shared for read-only, as QEMU locks its
	 * images: two VMs never write one disk, and none writes one another
	 * reads.  LOCK_NB: a user error now rather than a hang. */
	while (flock(b->fd, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			error_set(err, "--disk %s: locked: another VM uses it?", path);
		else
			error_set(err, "--disk %s: cannot lock it: %s", path, strerror(errno));
		goto fail;
	}
	if (size == 0) {
		error_set(err, "--disk %s: the disk is empty", path);
		goto fail;
	}
	if (size % BLK_SECTOR) {
		error_set(err, "--disk %s: its size, %" PRIu64 " bytes, is not a multiple of 512",
			  path, size);
		goto fail;
	}
	if (serial)
		memcpy(b->serial, serial, strlen(serial));
	b->capacity = size / BLK_SECTOR;
	b->dev.ops = &virtio_blk_ops;
	b->dev.num_queues = 1;
	b->dev.queue_max_size = VIRTQ_MAX_SIZE;
	/* Device bits only: the transport adds VERSION_1 and the ring's. */
	b->dev.offered = 1ULL << VIRTIO_BLK_F_SEG_MAX | 1ULL << VIRTIO_BLK_F_BLK_SIZE |
			 1ULL << VIRTIO_BLK_F_FLUSH;
	if (read_only)
		b->dev.offered |= 1ULL << VIRTIO_BLK_F_RO;
	else
		b->dev.offered |= 1ULL << VIRTIO_BLK_F_DISCARD | 1ULL << VIRTIO_BLK_F_WRITE_ZEROES;
	pthread_mutex_init(&b->dev.lock, NULL);
	return 0;
fail:
	close(b->fd);
	b->fd = -1;
	return -1;
}

/* Only a disk that opened has anything to close; closing drops the lock. */
void virtio_blk_close(struct virtio_blk *b)
{
	if (!b->dev.ops)
		return;
	pthread_mutex_destroy(&b->dev.lock);
	close(b->fd);
	b->fd = -1;
	b->dev.ops = NULL;
}
