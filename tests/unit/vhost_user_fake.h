/* A fake vhost-user back end for tests: a thread at the other end of a
 * socketpair that records every message (request, flags, payload, fds)
 * and answers as QEMU's libvhost-user does (vhost-user.rst), or breaks
 * the protocol at one chosen request: closes the connection, sends a
 * short reply, a reply for another request, no reply, or a refusing
 * ack. */
#ifndef MINIVMM_TESTS_UNIT_VHOST_USER_FAKE_H
#define MINIVMM_TESTS_UNIT_VHOST_USER_FAKE_H

#include <pthread.h>
#include <stdint.h>

#define FAKE_MAX_MSGS 64
#define FAKE_MAX_FDS  8

enum fake_fault {
	FAKE_OK,
	FAKE_CLOSE,          /* closes the socket instead of answering */
	FAKE_SHORT_REPLY,    /* a reply of 4 bytes where 8 are due */
	FAKE_WRONG_REQUEST,  /* a reply whose request is another */
	FAKE_NO_REPLY,       /* says nothing */
	FAKE_NACK,           /* acknowledges with status 1 */
};

struct fake_msg {
	uint32_t request, flags, size;
	uint8_t payload[264];
	int nfds;
	int fds[FAKE_MAX_FDS];    /* received; closed by fake_backend_stop */
};

struct fake_backend {
	int fd;                   /* the back end's end */
	int front_fd;             /* the front end's end, for vhost_user_init */
	uint64_t features, protocol_features, queue_num;
	uint32_t fault_request;   /* the request that meets the fault */
	enum fake_fault fault;
	pthread_t thread;
	int nmsgs;
	struct fake_msg msgs[FAKE_MAX_MSGS];
};

/* virtiofsd 7.2's features and protocol features (measured). */
#define FAKE_VIRTIOFSD_FEATURES  0x175000000ULL
#define FAKE_VIRTIOFSD_PROTOCOL  0x8c2bULL

/* Starts the thread; the test passes b->front_fd to the front end. */
void fake_backend_start(struct fake_backend *b, uint64_t features, uint64_t protocol_features);
/* Waits for the thread (the front end must have closed its end) and
 * closes every fd received. */
void fake_backend_stop(struct fake_backend *b);

#endif
