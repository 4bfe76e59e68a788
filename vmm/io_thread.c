#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/io_thread.h"
#include "vmm/seccomp.h"

int io_thread_init(struct io_thread *t, struct error *err)
{
	memset(t, 0, sizeof(*t));
	t->epoll_fd = t->stop_fd = -1;
	t->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	t->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (t->epoll_fd < 0 || t->stop_fd < 0) {
		error_set_host(err, "cannot set up the I/O thread: %s", strerror(errno));
		io_thread_destroy(t);
		return -1;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	if (epoll_ctl(t->epoll_fd, EPOLL_CTL_ADD, t->stop_fd, &ev) < 0) {
		error_set_host(err, "cannot set up the I/O thread: epoll_ctl: %s", strerror(errno));
		io_thread_destroy(t);
		return -1;
	}
	return 0;
}

int io_thread_watch(struct io_thread *t, int fd, io_thread_fn *fn, void *opaque,
		    struct error *err)
{
	if (t->nwatches == IO_THREAD_MAX_WATCHES)
		return error_set_host(err, "the I/O thread watches %d descriptors already",
				      IO_THREAD_MAX_WATCHES);
	struct io_thread_watch *w = &t->watches[t->nwatches];
	*w = (struct io_thread_watch){ fd, fn, opaque };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };
	if (epoll_ctl(t->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return error_set_host(err, "I/O thread: epoll_ctl: %s", strerror(errno));
	t->nwatches++;
	return 0;
}

static void *io_thread_main(void *arg)
{
	struct io_thread *t = arg;
	seccomp_thread_enter(SECCOMP_THREAD_IO, 0);
	for (;;) {
		struct epoll_event evs[16];
		int n = epoll_wait(t->epoll_fd, evs, 16, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		for (int i = 0; i < n; i++) {
			struct io_thread_watch *w = evs[i].data.ptr;
			if (!w)
				return NULL;   /* stop_fd */
			w->fn(w->opaque);
		}
	}
}

int io_thread_start(struct io_thread *t, struct error *err)
{
	int e = pthread_create(&t->thread, NULL, io_thread_main, t);
	if (e != 0)
		return error_set_host(err, "cannot start the I/O thread: %s", strerror(e));
	t->running = true;
	return 0;
}

void io_thread_destroy(struct io_thread *t)
{
	if (t->running) {
		uint64_t one = 1;
		if (write(t->stop_fd, &one, sizeof(one)) == (ssize_t)sizeof(one))
			pthread_join(t->thread, NULL);
		t->running = false;
	}
	if (t->epoll_fd >= 0)
		close(t->epoll_fd);
	if (t->stop_fd >= 0)
		close(t->stop_fd);
	t->epoll_fd = t->stop_fd = -1;
}
