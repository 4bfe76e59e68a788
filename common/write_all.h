/* Writing a whole buffer: write(2) and pwrite(2) may write less than asked
 * (a signal, a pipe, a full disk) or be interrupted before writing (EINTR);
 * both are retried until everything is written or an error stops it. */
#ifndef MINIVMM_COMMON_WRITE_ALL_H
#define MINIVMM_COMMON_WRITE_ALL_H

#include <stddef.h>
#include <sys/types.h>

/* 0 when all len bytes went to fd; -1 with errno set otherwise (EIO for a
 * write that made no progress). */
int write_all(int fd, const void *buf, size_t len);

/* The same at file offset off, with pwrite(2). */
int pwrite_all(int fd, const void *buf, size_t len, off_t off);

#endif
