#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/stop.h"

int vm_stop_init(struct vm_stop *s)
{
	s->stopped = false;
	s->status = 0;
	s->reason[0] = '\0';
	s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->wake_fd < 0)
		return -1;
	pthread_mutex_init(&s->lock, NULL);
	return 0;
}

void vm_stop_destroy(struct vm_stop *s)
{
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	s->wake_fd = -1;
	pthread_mutex_destroy(&s->lock);
}

bool vm_stop_request(struct vm_stop *s, int status, const char *fmt, ...)
{
	pthread_mutex_lock(&s->lock);
	bool first = !s->stopped;
	if (first) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
		va_end(ap);
		s->status = status;
		__atomic_store_n(&s->stopped, true, __ATOMIC_RELEASE);
		uint64_t one = 1;
		/* An eventfd write of 1 cannot fail short of counter overflow. */
		ssize_t r = write(s->wake_fd, &one, sizeof(one));
		(void)r;
	}
	pthread_mutex_unlock(&s->lock);
	return first;
}

/* Read on every vCPU exit: an atomic load, not the lock.  The release
 * store above publishes status and reason with it. */
bool vm_stop_requested(struct vm_stop *s)
{
	return __atomic_load_n(&s->stopped, __ATOMIC_ACQUIRE);
}
