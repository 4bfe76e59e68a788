/* The fake vhost-user back end (tests/unit/vhost_user_fake.h). */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>

#include "tests/unit/vhost_user_fake.h"
#include "vmm/devices/virtio/vhost_user.h"

static int fake_read_msg(struct fake_backend *b, struct fake_msg *m)
{
	uint32_t hdr[3];
	union {
		char space[CMSG_SPACE(sizeof(int) * FAKE_MAX_FDS)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { hdr, sizeof(hdr) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space,
			      .msg_controllen = sizeof(control.space) };
	if (recvmsg(b->fd, &msg, MSG_WAITALL) != (ssize_t)sizeof(hdr))
		return -1;
	m->request = hdr[0];
	m->flags = hdr[1];
	m->size = hdr[2];
	m->nfds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			m->nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(m->fds, CMSG_DATA(c), sizeof(int) * (size_t)m->nfds);
		}
	if (m->size > sizeof(m->payload))
		return -1;
	if (m->size && recv(b->fd, m->payload, m->size, MSG_WAITALL) != (ssize_t)m->size)
		return -1;
	return 0;
}

static void fake_reply(struct fake_backend *b, uint32_t request, const void *payload,
		       uint32_t size)
{
	uint8_t buf[12 + 8];
	uint32_t hdr[3] = { request, VHOST_USER_VERSION | VHOST_USER_REPLY, size };
	memcpy(buf, hdr, sizeof(hdr));
	memcpy(buf + 12, payload, size);
	if (write(b->fd, buf, 12 + size) < 0) {
		/* the front end went away: its test says so */
	}
}

static void *fake_thread(void *opaque)
{
	struct fake_backend *b = opaque;
	while (b->nmsgs < FAKE_MAX_MSGS) {
		struct fake_msg *m = &b->msgs[b->nmsgs];
		if (fake_read_msg(b, m) < 0)
			break;
		b->nmsgs++;
		uint64_t v = 0;
		uint32_t size = 8;
		switch (m->request) {
		case VHOST_USER_GET_FEATURES: v = b->features; break;
		case VHOST_USER_GET_PROTOCOL_FEATURES: v = b->protocol_features; break;
		case VHOST_USER_GET_QUEUE_NUM: v = b->queue_num; break;
		case VHOST_USER_GET_VRING_BASE: memcpy(&v, m->payload, 4); break;   /* {index, 0} */
		default:
			if (!(m->flags & VHOST_USER_NEED_REPLY))
				size = 0;
		}
		uint32_t request = m->request;
		if (m->request == b->fault_request) {
			switch (b->fault) {
			case FAKE_OK: break;
			case FAKE_CLOSE: goto out;
			case FAKE_SHORT_REPLY: size = 4; break;
			case FAKE_WRONG_REQUEST: request = m->request + 1; break;
			case FAKE_NO_REPLY: size = 0; continue;
			case FAKE_NACK: v = 1; break;
			}
		}
		if (size)
			fake_reply(b, request, &v, size);
	}
out:
	close(b->fd);
	b->fd = -1;
	return NULL;
}

void fake_backend_start(struct fake_backend *b, uint64_t features, uint64_t protocol_features)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	b->front_fd = sv[0];
	b->fd = sv[1];
	b->features = features;
	b->protocol_features = protocol_features;
	if (!b->queue_num)
		b->queue_num = 2;
	ck_assert_int_eq(pthread_create(&b->thread, NULL, fake_thread, b), 0);
}

void fake_backend_stop(struct fake_backend *b)
{
	pthread_join(b->thread, NULL);
	for (int i = 0; i < b->nmsgs; i++)
		for (int j = 0; j < b->msgs[i].nfds; j++)
			close(b->msgs[i].fds[j]);
}
