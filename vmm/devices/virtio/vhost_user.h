/* The front end of the vhost-user protocol (QEMU's docs/interop/
 * vhost-user.rst): minivmm hands a virtio device's rings, and guest RAM
 * as shared memory, to a back end process (virtiofsd), which then
 * serves the queues itself: it waits on each queue's kick eventfd and
 * signals its call eventfd.  Every reply is checked (request, flags,
 * size) and waited for at most timeout_ms, so a dead or stuck back end
 * is an error naming it, never a hang. */
#ifndef MINIVMM_VMM_DEVICES_VIRTIO_VHOST_USER_H
#define MINIVMM_VMM_DEVICES_VIRTIO_VHOST_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "kvm/guest_memory.h"

/* Front-end message types (vhost-user.rst, "Front-end message types"). */
enum vhost_user_request {
	VHOST_USER_GET_FEATURES = 1,
	VHOST_USER_SET_FEATURES = 2,
	VHOST_USER_SET_OWNER = 3,
	VHOST_USER_SET_MEM_TABLE = 5,
	VHOST_USER_SET_VRING_NUM = 8,
	VHOST_USER_SET_VRING_ADDR = 9,
	VHOST_USER_SET_VRING_BASE = 10,
	VHOST_USER_GET_VRING_BASE = 11,
	VHOST_USER_SET_VRING_KICK = 12,
	VHOST_USER_SET_VRING_CALL = 13,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_GET_QUEUE_NUM = 17,
	VHOST_USER_SET_VRING_ENABLE = 18,
};

/* Header flags: version 1 in bits 0-1, reply, need_reply. */
#define VHOST_USER_VERSION          0x1u
#define VHOST_USER_VERSION_MASK     0x3u
#define VHOST_USER_REPLY            0x4u
#define VHOST_USER_NEED_REPLY       0x8u
#define VHOST_USER_HDR_SIZE         12u
#define VHOST_USER_MAX_REGIONS      8u

/* The feature bit that says the back end has protocol features
 * (VHOST_USER_F_PROTOCOL_FEATURES), and the protocol features we use. */
#define VHOST_USER_F_PROTOCOL_FEATURES 30
#define VHOST_USER_PROTOCOL_F_MQ        0
#define VHOST_USER_PROTOCOL_F_REPLY_ACK 3
/* The log feature a front end must not pass to the guest. */
#define VHOST_F_LOG_ALL 26

/* Bit 8 of SET_VRING_KICK/CALL's payload: no file descriptor comes with it. */
#define VHOST_USER_VRING_NOFD (1u << 8)

#define VHOST_USER_TIMEOUT_MS 5000

struct vhost_user {
	int fd;                       /* the connected AF_UNIX stream socket; -1 closed */
	char name[128];               /* the back end in messages: "virtiofsd for /srv" */
	int timeout_ms;               /* per reply (VHOST_USER_TIMEOUT_MS) */
	uint64_t features;            /* GET_FEATURES: what the back end offers */
	uint64_t protocol_features;   /* negotiated: back end's & ours */
	uint64_t queue_num;           /* GET_QUEUE_NUM with MQ, else 0 (unknown) */
};

/* One ring as the transport has it: guest-physical addresses the driver
 * wrote, the size it chose, the eventfds (call -1: no interrupt). */
struct vhost_user_ring {
	uint16_t index;
	uint16_t size;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	int kick_fd, call_fd;
};

/* Takes fd (closed by vhost_user_close, even when this fails) and says
 * hello: GET_FEATURES, GET/SET_PROTOCOL_FEATURES (REPLY_ACK, MQ) when the
 * back end has them, GET_QUEUE_NUM with MQ, SET_OWNER. */
int vhost_user_init(struct vhost_user *vu, int fd, const char *name, struct error *err);

/* Hands the rings over (vhost-user.rst, "Starting and stopping rings"):
 * SET_FEATURES(features | PROTOCOL_FEATURES when negotiated),
 * SET_MEM_TABLE (mem->fd, one per region), then per ring SET_VRING_NUM,
 * SET_VRING_BASE 0, SET_VRING_ADDR (the rings' addresses in our address
 * space, translated through guest_memory_ptr and checked), SET_VRING_KICK,
 * SET_VRING_CALL, and last SET_VRING_ENABLE 1 for each. */
int vhost_user_start(struct vhost_user *vu, uint64_t features, const struct guest_memory *mem,
		     const struct vhost_user_ring *rings, unsigned nrings, struct error *err);

/* Takes them back: SET_VRING_ENABLE 0 and GET_VRING_BASE per ring. */
int vhost_user_stop(struct vhost_user *vu, const struct vhost_user_ring *rings,
		    unsigned nrings, struct error *err);

/* Closes the socket: the back end sees the front end gone. */
void vhost_user_close(struct vhost_user *vu);

#endif
