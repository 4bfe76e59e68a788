/* The gdb stub's KVM half: the listening socket, the thread that serves
 * one gdb at a time, stopping and resuming the vCPUs (all-stop), and
 * KVM_SET_GUEST_DEBUG (api.rst 4.87) for breakpoints and single steps.
 * The packets themselves are answered in gdb_stub_packets.c. */
#define _GNU_SOURCE   /* accept4 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/write_all.h"
#include "vmm/gdb_stub_internal.h"
#include "vmm/seccomp.h"

int64_t gdb_stub_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int gdb_stub_listen(struct gdb_stub *s, const char *addr, struct error *err)
{
	int fd;
	if (strncmp(addr, "tcp:", 4) == 0) {
		char *end;
		errno = 0;
		long port = strtol(addr + 4, &end, 10);
		if (addr[4] == '\0' || *end != '\0' || errno || port < 1 || port > 65535)
			return error_set(err, "--gdb '%s': expected tcp:PORT (1-65535) or unix:PATH", addr);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return error_set_host(err, "--gdb %s: socket failed: %s", addr, strerror(errno));
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
			int e = errno;
			close(fd);
			if (e == EADDRINUSE)
				return error_set(err, "--gdb %s: port %ld is in use", addr, port);
			return error_set(err, "--gdb %s: cannot listen on port %ld: %s", addr, port,
					 strerror(e));
		}
	} else if (strncmp(addr, "unix:", 5) == 0) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		const char *path = addr + 5;
		if (path[0] == '\0' || strlen(path) >= sizeof(sun.sun_path))
			return error_set(err, "--gdb '%s': the socket path must be 1 to %zu bytes", addr,
					 sizeof(sun.sun_path) - 1);
		memcpy(sun.sun_path, path, strlen(path) + 1);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return error_set_host(err, "--gdb %s: socket failed: %s", addr, strerror(errno));
		if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			int e = errno;
			close(fd);
			if (e == EADDRINUSE)
				return error_set(err, "--gdb %s: %s is in use (a file is there)", addr, path);
			return error_set(err, "--gdb %s: cannot listen on %s: %s", addr, path, strerror(e));
		}
		s->unix_path = path;
	} else {
		return error_set(err, "--gdb '%s': expected tcp:PORT or unix:PATH", addr);
	}
	if (listen(fd, 1) < 0) {
		int e = errno;
		close(fd);
		return error_set(err, "--gdb %s: listen failed: %s", addr, strerror(e));
	}
	s->listen_fd = fd;
	return 0;
}

int gdb_stub_open(struct gdb_stub **out, struct machine *m, const char *addr, bool wait,
		  struct error *err)
{
	struct gdb_stub *s = calloc(1, sizeof(*s));
	if (!s)
		return error_set_host(err, "--gdb: out of memory");
	s->m = m;
	s->wait = wait;
	s->listen_fd = s->conn_fd = -1;
	s->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->quit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&s->lock, NULL);
	if (s->event_fd < 0 || s->quit_fd < 0) {
		error_set_host(err, "--gdb: eventfd failed: %s", strerror(errno));
		gdb_stub_close(s);
		return -1;
	}
	if (gdb_stub_listen(s, addr, err) < 0) {
		gdb_stub_close(s);
		return -1;
	}
	gdb_breakpoints_init(&s->bps);
	*out = s;
	return 0;
}

void gdb_stub_close(struct gdb_stub *s)
{
	if (!s)
		return;
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->unix_path)
		unlink(s->unix_path);
	if (s->conn_fd >= 0)
		close(s->conn_fd);
	if (s->event_fd >= 0)
		close(s->event_fd);
	if (s->quit_fd >= 0)
		close(s->quit_fd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int64_t gdb_stub_held_ms(struct gdb_stub *s)
{
	if (!s)
		return 0;
	pthread_mutex_lock(&s->lock);
	int64_t ms = s->held_total_ms;
	if (s->held)
		ms += gdb_stub_now_ms() - s->held_since_ms;
	pthread_mutex_unlock(&s->lock);
	return ms;
}

static void gdb_stub_set_held(struct gdb_stub *s, bool held)
{
	pthread_mutex_lock(&s->lock);
	if (held && !s->held)
		s->held_since_ms = gdb_stub_now_ms();
	else if (!held && s->held)
		s->held_total_ms += gdb_stub_now_ms() - s->held_since_ms;
	s->held = held;
	pthread_mutex_unlock(&s->lock);
}

/* KVM_SET_GUEST_DEBUG on one vCPU (api.rst 4.87): off without gdb; with
 * gdb, int3 exits to us (USE_SW_BP), the DR slots are ours when any is
 * used (USE_HW_BP), and a step blocks interrupts so it does not step into
 * a handler (BLOCKIRQ, KVM_CAP_SET_GUEST_DEBUG2; dropped if refused). */
int gdb_stub_set_debug(struct gdb_stub *s, int vcpu, uint32_t extra)
{
	struct kvm_guest_debug dbg;
	memset(&dbg, 0, sizeof(dbg));
	if (s->conn_fd >= 0) {
		dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP | extra;
		uint64_t dr[4];
		uint64_t dr7 = gdb_hw_dr7(&s->bps, dr);
		for (int i = 0; i < 4; i++)
			dbg.arch.debugreg[i] = dr[i];
		if (dr7 != 0x400) {
			dbg.control |= KVM_GUESTDBG_USE_HW_BP;
			dbg.arch.debugreg[7] = dr7;
		}
		if (vcpu == s->step_vcpu)
			dbg.control |= KVM_GUESTDBG_SINGLESTEP | (s->no_blockirq ? 0 : KVM_GUESTDBG_BLOCKIRQ);
	}
	int fd = s->m->vcpus[vcpu].vcpu.fd;
	int r = ioctl(fd, KVM_SET_GUEST_DEBUG, &dbg);
	if (r < 0 && errno == EINVAL && (dbg.control & KVM_GUESTDBG_BLOCKIRQ)) {
		s->no_blockirq = true;
		dbg.control &= ~(uint32_t)KVM_GUESTDBG_BLOCKIRQ;
		r = ioctl(fd, KVM_SET_GUEST_DEBUG, &dbg);
	}
	if (r < 0)
		fprintf(stderr, "minivmm: gdb: KVM_SET_GUEST_DEBUG on vCPU %d failed: %s\n", vcpu,
			strerror(errno));
	return r;
}

bool gdb_stub_debug_exit(struct gdb_stub *s, int vcpu, const struct kvm_debug_exit_arch *arch)
{
	struct machine *m = s->m;
	pthread_mutex_lock(&s->lock);
	bool ours;
	uint32_t inject = 0;
	if (arch->exception == 3) {          /* #BP */
		ours = gdb_sw_find(&s->bps, arch->pc) >= 0;
		/* KVM reports the int3's own address (VMX, SVM); should a CPU
		 * report the address after it, RIP goes back onto the
		 * breakpoint, as a swbreak stop promises gdb (GDB manual,
		 * "Stop Reply Packets"). */
		if (!ours && gdb_sw_find(&s->bps, arch->pc - 1) >= 0) {
			struct kvm_regs r;
			struct kvm_vcpu *kv = &m->vcpus[vcpu].vcpu;
			if (kvm_vcpu_get_regs(kv, &r, NULL) == 0) {
				r.rip -= 1;
				ours = kvm_vcpu_set_regs(kv, &r, NULL) == 0;
			}
		}
		inject = KVM_GUESTDBG_INJECT_BP;
	} else {                             /* #DB: a step (DR6.BS) or a slot */
		int slot = gdb_hw_hit(&s->bps, arch->dr6);
		/* A step sets DR6.BS; a #DB on the stepping vCPU that no slot
		 * explains is the step too. */
		ours = slot >= 0 || (vcpu == s->step_vcpu && ((arch->dr6 & (1u << 14)) || slot < 0));
		inject = KVM_GUESTDBG_INJECT_DB;
	}
	if (!ours || s->conn_fd < 0) {
		/* The guest's own int3 or #DB (Linux runs int3_selftest at
		 * boot): given back to it, as Firecracker does. */
		pthread_mutex_unlock(&s->lock);
		if (m->cfg->verbose)
			fprintf(stderr, "minivmm: gdb: vCPU %d: %s at 0x%llx (dr6 0x%llx) is not gdb's: "
				"given back to the guest\n", vcpu, arch->exception == 3 ? "#BP" : "#DB",
				(unsigned long long)arch->pc, (unsigned long long)arch->dr6);
		gdb_stub_set_debug(s, vcpu, inject);
		return false;
	}
	if (!s->event_pending && !s->stopped) {
		s->event_pending = true;
		s->event_vcpu = vcpu;
		s->event = *arch;
		s->event_hold = true;
		/* The hold the gdb thread takes over with the event: no vCPU
		 * runs on after this one stopped. */
		machine_pause_hold(m);
		uint64_t one = 1;
		if (write(s->event_fd, &one, sizeof(one)) < 0) {
			/* an eventfd write fails only on overflow */
		}
	}
	pthread_mutex_unlock(&s->lock);
	return true;
}

/* Stops every vCPU (all-stop).  Returns -1 when they could not all pause
 * (the VM is stopping). */
int gdb_stub_stop_all(struct gdb_stub *s)
{
	if (s->stopped)
		return 0;
	struct error err = { 0 };
	if (machine_pause_vcpus(s->m, "gdb", &err) < 0) {
		machine_resume_vcpus(s->m);
		return -1;
	}
	pthread_mutex_lock(&s->lock);
	s->stopped = true;
	bool had_event = s->event_hold;
	s->event_hold = false;
	pthread_mutex_unlock(&s->lock);
	gdb_stub_set_held(s, true);
	if (had_event)
		machine_resume_vcpus(s->m);   /* the event's hold: ours now covers it */
	if (s->initial_hold) {
		s->initial_hold = false;
		machine_resume_vcpus(s->m);
	}
	return 0;
}

void gdb_stub_resume(struct gdb_stub *s, int step_vcpu)
{
	if (!s->stopped)
		return;
	s->step_vcpu = step_vcpu;
	for (int i = 0; i < s->m->nvcpus; i++)
		gdb_stub_set_debug(s, i, 0);
	pthread_mutex_lock(&s->lock);
	s->stopped = false;
	s->event_pending = false;
	pthread_mutex_unlock(&s->lock);
	gdb_stub_set_held(s, false);
	machine_resume_vcpus(s->m);
}

int gdb_stub_send(struct gdb_stub *s, const char *data, size_t len)
{
	long n = gdb_packet_frame((const uint8_t *)data, len, s->tx, sizeof(s->tx));
	if (n < 0 || s->conn_fd < 0)
		return -1;
	s->tx_len = (size_t)n;
	return write_all(s->conn_fd, s->tx, (size_t)n);
}

/* Takes every breakpoint out of guest memory and the DR slots. */
static void gdb_stub_clear_breakpoints(struct gdb_stub *s)
{
	while (s->bps.nsw > 0)
		gdb_stub_remove_sw(s, s->bps.sw[0].addr);
	for (int i = 0; i < GDB_HW_SLOTS; i++)
		s->bps.hw[i].used = false;
}

/* gdb went away (D, a closed connection) or the VM ends: no breakpoint
 * stays behind, the guest runs on without debugging. */
void gdb_stub_detach(struct gdb_stub *s)
{
	bool was_stopped = s->stopped;
	if (!was_stopped && s->conn_fd >= 0 && gdb_stub_stop_all(s) < 0) {
		s->stopped = false;
	}
	if (s->stopped)
		gdb_stub_clear_breakpoints(s);
	if (s->conn_fd >= 0)
		close(s->conn_fd);
	pthread_mutex_lock(&s->lock);
	s->conn_fd = -1;
	pthread_mutex_unlock(&s->lock);
	gdb_stub_resume(s, -1);   /* debug off (no connection), holds dropped */
}

/* A stop reply for the event a vCPU reported (GDB manual, "Stop Reply
 * Packets"). */
static void gdb_stub_report_event(struct gdb_stub *s)
{
	char r[96];
	const struct kvm_debug_exit_arch *a = &s->event;
	int t = s->event_vcpu + 1;
	int slot = a->exception == 1 ? gdb_hw_hit(&s->bps, a->dr6) : -1;
	if (a->exception == 3)
		snprintf(r, sizeof(r), "T05thread:%x;swbreak:;", t);
	else if (slot >= 0 && s->bps.hw[slot].kind == GDB_HW_EXEC)
		snprintf(r, sizeof(r), "T05thread:%x;hwbreak:;", t);
	else if (slot >= 0)
		snprintf(r, sizeof(r), "T05thread:%x;%swatch:%llx;", t,
			 s->bps.hw[slot].kind == GDB_HW_WRITE ? "" : "a",
			 (unsigned long long)s->bps.hw[slot].addr);
	else
		snprintf(r, sizeof(r), "T05thread:%x;", t);
	s->g_vcpu = s->event_vcpu;
	snprintf(s->last_stop, sizeof(s->last_stop), "%s", r);
	gdb_stub_send(s, r, strlen(r));
}

static void gdb_stub_accept(struct gdb_stub *s)
{
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof(one));
	pthread_mutex_lock(&s->lock);
	s->conn_fd = fd;
	pthread_mutex_unlock(&s->lock);
	s->no_ack = false;
	s->g_vcpu = 0;
	s->c_vcpu = -1;
	gdb_rx_init(&s->rx);
	/* gdb expects a stopped target once it is connected. */
	if (gdb_stub_stop_all(s) < 0) {
		gdb_stub_detach(s);
		return;
	}
	snprintf(s->last_stop, sizeof(s->last_stop), "T05thread:1;");
}

/* Reads what gdb sent; false when the connection is gone. */
static bool gdb_stub_read(struct gdb_stub *s)
{
	uint8_t buf[4096];
	ssize_t n = read(s->conn_fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	for (ssize_t i = 0; i < n && s->conn_fd >= 0; i++) {
		switch (gdb_rx_byte(&s->rx, buf[i])) {
		case GDB_RX_PACKET:
			if (!s->no_ack && write_all(s->conn_fd, "+", 1) < 0)
				return false;
			if (gdb_stub_packet(s, (char *)s->rx.data, s->rx.len) < 0)
				return s->conn_fd >= 0;
			break;
		case GDB_RX_BAD:
			if (!s->no_ack && write_all(s->conn_fd, "-", 1) < 0)
				return false;
			break;
		case GDB_RX_NAK:
			if (!s->no_ack && s->tx_len && write_all(s->conn_fd, s->tx, s->tx_len) < 0)
				return false;
			break;
		case GDB_RX_INTERRUPT:
			if (!s->stopped && gdb_stub_stop_all(s) == 0) {
				char r[32];
				snprintf(r, sizeof(r), "T02thread:%x;", s->g_vcpu + 1);
				snprintf(s->last_stop, sizeof(s->last_stop), "%s", r);
				gdb_stub_send(s, r, strlen(r));
			}
			break;
		default:
			break;
		}
	}
	return true;
}

static void *gdb_stub_thread(void *arg)
{
	struct gdb_stub *s = arg;
	seccomp_thread_enter(SECCOMP_THREAD_GDB, 0);
	for (;;) {
		struct pollfd fds[3] = {
			{ .fd = s->quit_fd, .events = POLLIN },
			{ .fd = s->event_fd, .events = POLLIN },
			{ .fd = s->conn_fd >= 0 ? s->conn_fd : s->listen_fd, .events = POLLIN },
		};
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[0].revents & POLLIN)
			break;
		if (fds[1].revents & POLLIN) {
			uint64_t v;
			if (read(s->event_fd, &v, sizeof(v)) < 0) {
				/* nothing to read: another wake-up took it */
			}
			pthread_mutex_lock(&s->lock);
			bool pending = s->event_pending && !s->stopped;
			pthread_mutex_unlock(&s->lock);
			if (pending && gdb_stub_stop_all(s) == 0 && s->conn_fd >= 0)
				gdb_stub_report_event(s);
			else if (pending && s->conn_fd < 0)
				gdb_stub_resume(s, -1);
		}
		if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (s->conn_fd < 0)
				gdb_stub_accept(s);
			else if (!gdb_stub_read(s) && s->conn_fd >= 0)
				gdb_stub_detach(s);
		}
	}
	/* The VM ends: gdb hears how, and nothing is held any more. */
	if (s->conn_fd >= 0) {
		char r[8];
		snprintf(r, sizeof(r), "W%02x", s->m->stop.status & 0xff);
		gdb_stub_send(s, r, strlen(r));
		close(s->conn_fd);
		s->conn_fd = -1;
	}
	pthread_mutex_lock(&s->lock);
	bool was_stopped = s->stopped, event_hold = s->event_hold;
	s->stopped = s->event_hold = false;
	pthread_mutex_unlock(&s->lock);
	if (was_stopped) {
		gdb_stub_set_held(s, false);
		machine_resume_vcpus(s->m);
	}
	if (event_hold)
		machine_resume_vcpus(s->m);
	if (s->initial_hold) {
		s->initial_hold = false;
		gdb_stub_set_held(s, false);
		machine_resume_vcpus(s->m);
	}
	return NULL;
}

int gdb_stub_start(struct gdb_stub *s, struct error *err)
{
	s->step_vcpu = -1;
	if (s->wait) {
		s->initial_hold = true;
		machine_pause_hold(s->m);
		gdb_stub_set_held(s, true);
		fprintf(stderr, "minivmm: waiting for gdb to attach before the first instruction\n");
	}
	int e = pthread_create(&s->thread, NULL, gdb_stub_thread, s);
	if (e != 0) {
		if (s->initial_hold) {
			s->initial_hold = false;
			machine_resume_vcpus(s->m);
		}
		return error_set_host(err, "--gdb: cannot start its thread: %s", strerror(e));
	}
	s->thread_running = true;
	return 0;
}

void gdb_stub_stop(struct gdb_stub *s)
{
	if (!s || !s->thread_running)
		return;
	uint64_t one = 1;
	if (write(s->quit_fd, &one, sizeof(one)) < 0) {
		/* cannot fail for an eventfd below its maximum */
	}
	pthread_join(s->thread, NULL);
	s->thread_running = false;
}
