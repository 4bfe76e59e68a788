/* The I/O thread: device work off the vCPU threads (DESIGN "Devices").
 * It waits on eventfds (a queue notification KVM signalled through an
 * ioeventfd, a back end's descriptor) with epoll and calls each one's
 * handler, one at a time. */
#ifndef MINIVMM_VMM_IO_THREAD_H
#define MINIVMM_VMM_IO_THREAD_H

#include <pthread.h>
#include <stdbool.h>

#include "common/error.h"

/* Called on the I/O thread when fd is readable; it reads fd itself. */
typedef void io_thread_fn(void *opaque);

struct io_thread_watch {
	int fd;
	io_thread_fn *fn;
	void *opaque;
};

#define IO_THREAD_MAX_WATCHES 128

struct io_thread {
	int epoll_fd;
	int stop_fd;          /* an eventfd: written to end the thread */
	pthread_t thread;
	bool running;
	int nwatches;
	struct io_thread_watch watches[IO_THREAD_MAX_WATCHES];
};

/* A thread not started yet.  Before it, epoll_fd and stop_fd -1 mean
 * "nothing to destroy". */
int io_thread_init(struct io_thread *t, struct error *err);
/* Adds fd before or while the thread runs. */
int io_thread_watch(struct io_thread *t, int fd, io_thread_fn *fn, void *opaque,
		    struct error *err);
/* The thread inherits the caller's signal mask: block signals first. */
int io_thread_start(struct io_thread *t, struct error *err);
/* Ends the thread (when started) and waits for it; then closes.  Again
 * on a destroyed one: nothing. */
void io_thread_destroy(struct io_thread *t);

#endif
