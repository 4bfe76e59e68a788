#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "common/write_all.h"

/* One loop for both: off < 0 means write(2). */
static int write_all_at(int fd, const void *buf, size_t len, off_t off)
{
	const uint8_t *p = buf;
	while (len > 0) {
		/* Linux writes at most 0x7ffff000 bytes per call anyway. */
		size_t chunk = len > (1U << 30) ? (1U << 30) : len;
		ssize_t n = off < 0 ? write(fd, p, chunk) : pwrite(fd, p, chunk, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		if (off >= 0)
			off += n;
	}
	return 0;
}

int write_all(int fd, const void *buf, size_t len)
{
	return write_all_at(fd, buf, len, -1);
}

int pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	return off < 0 ? (errno = EINVAL, -1) : write_all_at(fd, buf, len, off);
}
