/* The vhost-user front end (QEMU's docs/interop/vhost-user.rst).  A
 * message is a 12-byte header (request, flags, payload size; native
 * endianness) and its payload, with file descriptors as SCM_RIGHTS
 * ancillary data.  We wait for every reply the protocol defines and, once
 * REPLY_ACK is negotiated, ask for an acknowledgement of every other
 * message (flag need_reply): a back end that refused something says so
 * at the message that caused it, not later as a silent broken ring. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vmm/devices/virtio/vhost_user.h"

struct vhost_user_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
};

/* VhostUserMemoryRegion and VhostUserMemory (vhost-user.rst, "Memory
 * regions description"). */
struct vhost_user_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};

struct vhost_user_mem {
	uint32_t nregions;
	uint32_t padding;
	struct vhost_user_region regions[VHOST_USER_MAX_REGIONS];
};

/* "Vring state description" and "Vring address description". */
struct vhost_user_state {
	uint32_t index;
	uint32_t num;
};

struct vhost_user_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

_Static_assert(sizeof(struct vhost_user_hdr) == VHOST_USER_HDR_SIZE, "header layout");
_Static_assert(sizeof(struct vhost_user_addr) == 40, "vring address layout");
_Static_assert(sizeof(struct vhost_user_region) == 32, "memory region layout");

static const char *vhost_user_request_name(uint32_t request)
{
	switch (request) {
	case VHOST_USER_GET_FEATURES: return "GET_FEATURES";
	case VHOST_USER_SET_FEATURES: return "SET_FEATURES";
	case VHOST_USER_SET_OWNER: return "SET_OWNER";
	case VHOST_USER_SET_MEM_TABLE: return "SET_MEM_TABLE";
	case VHOST_USER_SET_VRING_NUM: return "SET_VRING_NUM";
	case VHOST_USER_SET_VRING_ADDR: return "SET_VRING_ADDR";
	case VHOST_USER_SET_VRING_BASE: return "SET_VRING_BASE";
	case VHOST_USER_GET_VRING_BASE: return "GET_VRING_BASE";
	case VHOST_USER_SET_VRING_KICK: return "SET_VRING_KICK";
	case VHOST_USER_SET_VRING_CALL: return "SET_VRING_CALL";
	case VHOST_USER_GET_PROTOCOL_FEATURES: return "GET_PROTOCOL_FEATURES";
	case VHOST_USER_SET_PROTOCOL_FEATURES: return "SET_PROTOCOL_FEATURES";
	case VHOST_USER_GET_QUEUE_NUM: return "GET_QUEUE_NUM";
	case VHOST_USER_SET_VRING_ENABLE: return "SET_VRING_ENABLE";
	default: return "request";
	}
}

/* The error for request: "vhost-user back end NAME: REQUEST: why". */
static __attribute__((format(printf, 4, 5))) int
vhost_user_fail(struct vhost_user *vu, struct error *err, uint32_t request, const char *fmt, ...)
{
	char why[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return error_set_host(err, "vhost-user back end %s: %s: %s", vu->name,
			      vhost_user_request_name(request), why);
}

static int vhost_user_send(struct vhost_user *vu, uint32_t request, uint32_t flags,
			   const void *payload, uint32_t size, const int *fds, unsigned nfds,
			   struct error *err)
{
	uint8_t buf[VHOST_USER_HDR_SIZE + sizeof(struct vhost_user_mem)];
	struct vhost_user_hdr hdr = { request, VHOST_USER_VERSION | flags, size };
	if (vu->fd < 0)
		return vhost_user_fail(vu, err, request, "the connection is closed");
	if (size > sizeof(buf) - VHOST_USER_HDR_SIZE || nfds > VHOST_USER_MAX_REGIONS)
		return vhost_user_fail(vu, err, request, "message too large");
	memcpy(buf, &hdr, sizeof(hdr));
	if (size)
		memcpy(buf + VHOST_USER_HDR_SIZE, payload, size);
	struct iovec iov = { buf, VHOST_USER_HDR_SIZE + size };
	union {
		char space[CMSG_SPACE(sizeof(int) * VHOST_USER_MAX_REGIONS)];
		struct cmsghdr align;
	} control;
	memset(&control, 0, sizeof(control));
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds) {
		msg.msg_control = control.space;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	ssize_t n;
	do
		n = sendmsg(vu->fd, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
		return vhost_user_fail(vu, err, request, "the back end closed the connection");
	if (n < 0)
		return vhost_user_fail(vu, err, request, "sendmsg: %s", strerror(errno));
	if ((size_t)n != iov.iov_len)
		return vhost_user_fail(vu, err, request, "sent %zd of %zu bytes", n, iov.iov_len);
	return 0;
}

static int64_t vhost_user_now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Exactly len bytes before the deadline.  Ancillary data in a reply
 * (none is defined for the replies we ask for) is dropped by recv. */
static int vhost_user_read(struct vhost_user *vu, uint32_t request, void *buf, size_t len,
			   int64_t deadline, struct error *err)
{
	size_t got = 0;
	while (got < len) {
		int64_t left = deadline - vhost_user_now_ms();
		if (left <= 0)
			return vhost_user_fail(vu, err, request, "no reply within %d ms",
					       vu->timeout_ms);
		struct pollfd p = { .fd = vu->fd, .events = POLLIN };
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vhost_user_fail(vu, err, request, "poll: %s", strerror(errno));
		if (r == 0)
			continue;
		ssize_t n = recv(vu->fd, (uint8_t *)buf + got, len - got, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return vhost_user_fail(vu, err, request, "the back end closed the "
					       "connection%s", got ? " in the middle of a reply" : "");
		if (n < 0)
			return vhost_user_fail(vu, err, request, "recv: %s", strerror(errno));
		got += (size_t)n;
	}
	return 0;
}

/* The reply to request: version 1, the reply flag, the same request and
 * exactly size bytes of payload.  Anything else leaves the stream at an
 * unknown place, so the connection is of no further use: closed. */
static int vhost_user_reply(struct vhost_user *vu, uint32_t request, void *payload,
			    uint32_t size, struct error *err)
{
	int64_t deadline = vhost_user_now_ms() + vu->timeout_ms;
	struct vhost_user_hdr hdr;
	int r = vhost_user_read(vu, request, &hdr, sizeof(hdr), deadline, err);
	if (r == 0 && hdr.request != request)
		r = vhost_user_fail(vu, err, request, "the reply is for request %u", hdr.request);
	else if (r == 0 && ((hdr.flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION ||
			    !(hdr.flags & VHOST_USER_REPLY)))
		r = vhost_user_fail(vu, err, request, "reply flags 0x%x: want version 1 and "
				    "the reply bit", hdr.flags);
	else if (r == 0 && hdr.size != size)
		r = vhost_user_fail(vu, err, request, "reply of %u bytes, want %u", hdr.size,
				    size);
	if (r == 0)
		r = vhost_user_read(vu, request, payload, size, deadline, err);
	if (r < 0)
		vhost_user_close(vu);
	return r;
}

static bool vhost_user_has_protocol(const struct vhost_user *vu, unsigned bit)
{
	return (vu->protocol_features >> bit) & 1;
}

/* A message without a reply of its own: acknowledged when REPLY_ACK is
 * negotiated (vhost-user.rst, "REPLY_ACK"), 0 meaning success. */
static int vhost_user_set(struct vhost_user *vu, uint32_t request, const void *payload,
			  uint32_t size, const int *fds, unsigned nfds, struct error *err)
{
	bool ack = vhost_user_has_protocol(vu, VHOST_USER_PROTOCOL_F_REPLY_ACK);
	if (vhost_user_send(vu, request, ack ? VHOST_USER_NEED_REPLY : 0, payload, size, fds, nfds,
			    err) < 0)
		return -1;
	if (!ack)
		return 0;
	uint64_t status;
	if (vhost_user_reply(vu, request, &status, sizeof(status), err) < 0)
		return -1;
	if (status != 0)
		return vhost_user_fail(vu, err, request, "refused (status %llu)",
				       (unsigned long long)status);
	return 0;
}

static int vhost_user_set_u64(struct vhost_user *vu, uint32_t request, uint64_t v,
			      struct error *err)
{
	return vhost_user_set(vu, request, &v, sizeof(v), NULL, 0, err);
}

/* A request whose reply is a u64 (GET_FEATURES, GET_QUEUE_NUM, ...). */
static int vhost_user_get_u64(struct vhost_user *vu, uint32_t request, uint64_t *v,
			      struct error *err)
{
	if (vhost_user_send(vu, request, 0, NULL, 0, NULL, 0, err) < 0)
		return -1;
	return vhost_user_reply(vu, request, v, sizeof(*v), err);
}

int vhost_user_init(struct vhost_user *vu, int fd, const char *name, struct error *err)
{
	memset(vu, 0, sizeof(*vu));
	vu->fd = fd;
	vu->timeout_ms = VHOST_USER_TIMEOUT_MS;
	snprintf(vu->name, sizeof(vu->name), "%s", name);
	if (vhost_user_get_u64(vu, VHOST_USER_GET_FEATURES, &vu->features, err) < 0)
		return -1;
	if (vu->features >> VHOST_USER_F_PROTOCOL_FEATURES & 1) {
		uint64_t theirs;
		if (vhost_user_get_u64(vu, VHOST_USER_GET_PROTOCOL_FEATURES, &theirs, err) < 0)
			return -1;
		uint64_t ours = theirs & (1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK |
					  1ULL << VHOST_USER_PROTOCOL_F_MQ);
		/* Sent before REPLY_ACK counts: it is what turns it on. */
		if (vhost_user_send(vu, VHOST_USER_SET_PROTOCOL_FEATURES, 0, &ours, sizeof(ours),
				    NULL, 0, err) < 0)
			return -1;
		vu->protocol_features = ours;
	}
	if (vhost_user_has_protocol(vu, VHOST_USER_PROTOCOL_F_MQ) &&
	    vhost_user_get_u64(vu, VHOST_USER_GET_QUEUE_NUM, &vu->queue_num, err) < 0)
		return -1;
	return vhost_user_set(vu, VHOST_USER_SET_OWNER, NULL, 0, NULL, 0, err);
}

static int vhost_user_set_mem_table(struct vhost_user *vu, const struct guest_memory *mem,
				    struct error *err)
{
	struct vhost_user_mem table;
	int fds[VHOST_USER_MAX_REGIONS];
	memset(&table, 0, sizeof(table));
	if (mem->fd < 0)
		return vhost_user_fail(vu, err, VHOST_USER_SET_MEM_TABLE,
				       "guest RAM is not shared memory (kvm_vm_config.shared)");
	if (mem->nregions < 1 || mem->nregions > (int)VHOST_USER_MAX_REGIONS)
		return vhost_user_fail(vu, err, VHOST_USER_SET_MEM_TABLE, "%d RAM regions",
				       mem->nregions);
	for (int i = 0; i < mem->nregions; i++) {
		const struct guest_memory_region *r = &mem->regions[i];
		/* One fd a region, as the protocol lays it out; the same RAM file
		 * for each, at the region's offset in it. */
		table.regions[i] = (struct vhost_user_region){
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = (uint64_t)(uintptr_t)r->host,
			.mmap_offset = (uint64_t)(r->host - mem->host_base),
		};
		fds[i] = mem->fd;
	}
	table.nregions = (uint32_t)mem->nregions;
	return vhost_user_set(vu, VHOST_USER_SET_MEM_TABLE, &table,
			      8 + (uint32_t)sizeof(table.regions[0]) * table.nregions, fds,
			      table.nregions, err);
}

/* The back end reads the rings through our addresses ("front-end virtual
 * addresses", translated by the mem table's userspace_addr), so each ring
 * must lie whole inside one RAM region (virtio 1.2 §2.7: sizes). */
static int vhost_user_set_addr(struct vhost_user *vu, const struct guest_memory *mem,
			       const struct vhost_user_ring *ring, struct error *err)
{
	uint64_t n = ring->size;
	void *desc = guest_memory_ptr(mem, ring->desc_gpa, 16 * n);
	void *avail = guest_memory_ptr(mem, ring->avail_gpa, 6 + 2 * n);
	void *used = guest_memory_ptr(mem, ring->used_gpa, 6 + 8 * n);
	if (!desc || !avail || !used)
		return vhost_user_fail(vu, err, VHOST_USER_SET_VRING_ADDR,
				       "ring %u is not in guest RAM", ring->index);
	struct vhost_user_addr a = {
		.index = ring->index,
		.desc = (uint64_t)(uintptr_t)desc,
		.used = (uint64_t)(uintptr_t)used,
		.avail = (uint64_t)(uintptr_t)avail,
	};
	return vhost_user_set(vu, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0, err);
}

/* SET_VRING_KICK / SET_VRING_CALL: the index, and the eventfd or the
 * no-fd bit. */
static int vhost_user_set_fd(struct vhost_user *vu, uint32_t request, uint16_t index, int fd,
			     struct error *err)
{
	uint64_t v = index | (fd < 0 ? VHOST_USER_VRING_NOFD : 0);
	return vhost_user_set(vu, request, &v, sizeof(v), &fd, fd < 0 ? 0 : 1, err);
}

static int vhost_user_set_state(struct vhost_user *vu, uint32_t request, uint16_t index,
				uint32_t num, struct error *err)
{
	struct vhost_user_state s = { index, num };
	return vhost_user_set(vu, request, &s, sizeof(s), NULL, 0, err);
}

int vhost_user_start(struct vhost_user *vu, uint64_t features, const struct guest_memory *mem,
		     const struct vhost_user_ring *rings, unsigned nrings, struct error *err)
{
	bool protocol = vu->features >> VHOST_USER_F_PROTOCOL_FEATURES & 1;
	if (protocol)
		features |= 1ULL << VHOST_USER_F_PROTOCOL_FEATURES;
	if (vhost_user_set_u64(vu, VHOST_USER_SET_FEATURES, features, err) < 0 ||
	    vhost_user_set_mem_table(vu, mem, err) < 0)
		return -1;
	for (unsigned i = 0; i < nrings; i++) {
		const struct vhost_user_ring *r = &rings[i];
		if (vhost_user_set_state(vu, VHOST_USER_SET_VRING_NUM, r->index, r->size, err) < 0 ||
		    vhost_user_set_state(vu, VHOST_USER_SET_VRING_BASE, r->index, 0, err) < 0 ||
		    vhost_user_set_addr(vu, mem, r, err) < 0 ||
		    vhost_user_set_fd(vu, VHOST_USER_SET_VRING_KICK, r->index, r->kick_fd, err) < 0 ||
		    vhost_user_set_fd(vu, VHOST_USER_SET_VRING_CALL, r->index, r->call_fd, err) < 0)
			return -1;
	}
	/* Without PROTOCOL_FEATURES a ring starts enabled; with it, disabled
	 * until SET_VRING_ENABLE (vhost-user.rst, "Ring states"). */
	for (unsigned i = 0; protocol && i < nrings; i++)
		if (vhost_user_set_state(vu, VHOST_USER_SET_VRING_ENABLE, rings[i].index, 1, err) < 0)
			return -1;
	return 0;
}

int vhost_user_stop(struct vhost_user *vu, const struct vhost_user_ring *rings,
		    unsigned nrings, struct error *err)
{
	bool protocol = vu->features >> VHOST_USER_F_PROTOCOL_FEATURES & 1;
	for (unsigned i = 0; i < nrings; i++) {
		struct vhost_user_state s = { rings[i].index, 0 };
		if (protocol && vhost_user_set_state(vu, VHOST_USER_SET_VRING_ENABLE, rings[i].index,
						     0, err) < 0)
			return -1;
		/* GET_VRING_BASE stops the ring and answers its next index. */
		if (vhost_user_send(vu, VHOST_USER_GET_VRING_BASE, 0, &s, sizeof(s), NULL, 0,
				    err) < 0 ||
		    vhost_user_reply(vu, VHOST_USER_GET_VRING_BASE, &s, sizeof(s), err) < 0)
			return -1;
		if (s.index != rings[i].index)
			return vhost_user_fail(vu, err, VHOST_USER_GET_VRING_BASE,
					       "reply for ring %u, asked for %u", s.index,
					       rings[i].index);
	}
	return 0;
}

void vhost_user_close(struct vhost_user *vu)
{
	if (vu->fd >= 0)
		close(vu->fd);
	vu->fd = -1;
}
