/* How the VM ends: the first reason given wins, and the main thread is woken
 * through an eventfd so it can stop the vCPUs and exit with that status. */
#ifndef MINIVMM_VMM_STOP_H
#define MINIVMM_VMM_STOP_H

#include <pthread.h>
#include <stdbool.h>

struct vm_stop {
	pthread_mutex_t lock;
	bool stopped;
	int status;          /* enum exit_status or a debug-exit value */
	char reason[256];    /* printed on stderr when status != 0 */
	int wake_fd;         /* eventfd, readable once stopped */
};

int vm_stop_init(struct vm_stop *s);
void vm_stop_destroy(struct vm_stop *s);
/* True when this request is the one that stops the VM (the first). */
bool vm_stop_request(struct vm_stop *s, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool vm_stop_requested(struct vm_stop *s);

#endif
