/* diskread — the disk half of `make bench` (scripts/bench.sh, part 5): runs
 * inside the guest and times reads from a block device, so that neither
 * VMM's boot is in the figures.  A static program (built with the host's
 * compiler, -static), so it runs from the guest's busybox initramfs and in
 * the KVM box alike.
 *
 *   diskread [--seq MIB] [--rand N] [--buffered] PATH
 *       Reads the first MIB MiB of PATH (default 256) in 1 MiB reads, one
 *       after another, then N (default 4000) 4 KiB reads at pseudo-random
 *       4 KiB-aligned offsets over the whole of PATH (xorshift64*, a fixed
 *       seed, so every run and both VMMs read the same blocks in the same
 *       order), and prints one line:
 *
 *         BENCH-DISK seq_mib=M seq_mibps=S rand_reads=N rand_iops=I
 *                    seq_sum=X rand_sum=Y
 *
 *       S: MiB per second, I: reads per second (higher is better), from
 *       CLOCK_MONOTONIC around the read calls only.  X and Y are checksums
 *       of the data read (a sum of its 64-bit words), so that a run can be
 *       checked to have read the file's real contents: the same on both
 *       VMMs and in the box itself.
 *       The reads are O_DIRECT (open(2): "try to minimize cache effects of
 *       the I/O to and from this file"), so the guest's page cache cannot
 *       answer them and each one is a request to the device; one at a time
 *       (queue depth 1), so each random read's time is one round trip
 *       through the VMM.  --buffered drops O_DIRECT: for reading the image
 *       file itself in the box (tmpfs has no O_DIRECT), where only the
 *       checksums count.
 *
 *   diskread --make PATH MIB
 *       Writes MIB MiB of pseudo-random bytes (xorshift64*, fixed seed) to
 *       PATH: the bench's disk image, made in the box's RAM once per run.
 *       Random rather than zeroes, so that no layer can take a short cut
 *       for blocks of zeroes or holes.
 *
 * Exit status 0, or 1 with one line "diskread: ..." on stderr; 2 for a
 * usage error. */
#define _GNU_SOURCE   /* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024 * 1024)
#define BLOCK 4096
/* O_DIRECT wants the buffer, offset and length aligned to the device's
 * logical block size (open(2), "O_DIRECT"); 4 KiB covers every device. */
#define ALIGN 4096
#define SEED 0x9e3779b97f4a7c15ULL

static void fail(const char *fmt, const char *what, int err)
{
	fprintf(stderr, "diskread: ");
	fprintf(stderr, fmt, what);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: diskread [--seq MIB] [--rand N] [--buffered] PATH\n"
			"       diskread --make PATH MIB\n");
	exit(2);
}

/* xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift
 * generators, scrambled", 2016): fast, and the same on every machine. */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t parse_count(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > (1ULL << 32))
		usage();
	return v;
}

static uint64_t sum_words(const void *buf, size_t len)
{
	const uint64_t *w = buf;
	uint64_t sum = 0;
	for (size_t i = 0; i < len / 8; i++)
		sum += w[i];
	return sum;
}

/* Exactly len bytes at pos: a short read goes on where it stopped. */
static void read_at(int fd, const char *path, uint8_t *buf, size_t len, uint64_t pos)
{
	while (len > 0) {
		ssize_t n = pread(fd, buf, len, (off_t)pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("read of %s failed", path, n < 0 ? errno : EIO);
		buf += n;
		len -= (size_t)n;
		pos += (uint64_t)n;
	}
}

static int make_image(const char *path, uint64_t mib)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fail("cannot create %s", path, errno);
	uint64_t *buf = malloc(MIB), s = SEED;
	if (!buf)
		fail("%s", "out of memory", 0);
	for (uint64_t i = 0; i < mib; i++) {
		for (size_t w = 0; w < MIB / 8; w++)
			buf[w] = next_random(&s);
		const uint8_t *p = (const uint8_t *)buf;
		size_t left = MIB;
		while (left > 0) {
			ssize_t n = write(fd, p, left);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				fail("write to %s failed", path, n < 0 ? errno : EIO);
			p += n;
			left -= (size_t)n;
		}
	}
	if (close(fd) < 0)
		fail("close of %s failed", path, errno);
	free(buf);
	return 0;
}

static uint64_t size_of(int fd, const char *path)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		fail("cannot stat %s", path, errno);
	if (S_ISREG(st.st_mode))
		return (uint64_t)st.st_size;
	uint64_t size;
	if (ioctl(fd, BLKGETSIZE64, &size) < 0)
		fail("cannot read the size of %s (BLKGETSIZE64)", path, errno);
	return size;
}

int main(int argc, char **argv)
{
	uint64_t seq_mib = 256, rand_reads = 4000;
	int buffered = 0;
	if (argc == 4 && strcmp(argv[1], "--make") == 0)
		return make_image(argv[2], parse_count(argv[3]));
	int i = 1;
	for (; i < argc - 1; i++) {
		if (strcmp(argv[i], "--seq") == 0 && i + 1 < argc - 1)
			seq_mib = parse_count(argv[++i]);
		else if (strcmp(argv[i], "--rand") == 0 && i + 1 < argc - 1)
			rand_reads = parse_count(argv[++i]);
		else if (strcmp(argv[i], "--buffered") == 0)
			buffered = 1;
		else
			usage();
	}
	if (i != argc - 1)
		usage();
	const char *path = argv[i];

	int fd = open(path, O_RDONLY | O_CLOEXEC | (buffered ? 0 : O_DIRECT));
	if (fd < 0)
		fail("cannot open %s", path, errno);
	uint64_t size = size_of(fd, path);
	if (size < seq_mib * MIB || size < BLOCK)
		fail("%s is smaller than the reads asked for", path, 0);
	uint8_t *buf;
	int e = posix_memalign((void **)&buf, ALIGN, MIB);
	if (e)
		fail("%s", "out of memory", e);
	/* Fault the buffer in first: only the device's time is measured. */
	memset(buf, 0, MIB);

	double seq_s = 0;
	uint64_t seq_sum = 0;
	for (uint64_t m = 0; m < seq_mib; m++) {
		double t0 = now_s();
		read_at(fd, path, buf, MIB, m * MIB);
		seq_s += now_s() - t0;
		seq_sum += sum_words(buf, MIB);
	}

	uint64_t s = SEED, blocks = size / BLOCK, rand_sum = 0;
	double rand_s = 0;
	for (uint64_t r = 0; r < rand_reads; r++) {
		uint64_t pos = next_random(&s) % blocks * BLOCK;
		double t0 = now_s();
		read_at(fd, path, buf, BLOCK, pos);
		rand_s += now_s() - t0;
		rand_sum += sum_words(buf, BLOCK);
	}
	close(fd);
	printf("BENCH-DISK seq_mib=%" PRIu64 " seq_mibps=%.1f rand_reads=%" PRIu64
	       " rand_iops=%.0f seq_sum=%016" PRIx64 " rand_sum=%016" PRIx64 "\n",
	       seq_mib, (double)seq_mib / seq_s, rand_reads, (double)rand_reads / rand_s,
	       seq_sum, rand_sum);
	return 0;
}
