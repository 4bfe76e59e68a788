/* The gdb stub's state, shared by its two files: gdb_stub.c (socket,
 * thread, vCPU control through KVM) and gdb_stub_packets.c (answers). */
#ifndef MINIVMM_VMM_GDB_STUB_INTERNAL_H
#define MINIVMM_VMM_GDB_STUB_INTERNAL_H

#include <pthread.h>

#include "vmm/gdb_breakpoints.h"
#include "vmm/gdb_packet.h"
#include "vmm/gdb_stub.h"
#include "vmm/machine.h"

struct gdb_stub {
	struct machine *m;
	bool wait;                /* --gdb-wait */
	const char *unix_path;    /* unix:PATH, unlinked at close */
	int listen_fd, conn_fd, event_fd, quit_fd;
	pthread_t thread;
	bool thread_running;
	/* Under lock: shared with the vCPU threads and the main thread. */
	pthread_mutex_t lock;
	bool stopped;             /* gdb holds every vCPU paused */
	bool event_pending;       /* a vCPU's debug exit to report */
	bool event_hold;          /* ...and the pause hold it took */
	int event_vcpu;
	struct kvm_debug_exit_arch event;
	bool held;                /* the guest is held for gdb (stopped or waiting) */
	int64_t held_since_ms, held_total_ms;
	/* The stub thread's own. */
	bool initial_hold;        /* --gdb-wait's hold, until gdb attaches */
	bool no_ack, no_blockirq;
	int g_vcpu;               /* Hg: registers and memory */
	int c_vcpu;               /* Hc: -1 all */
	int step_vcpu;            /* the vCPU stepping, -1 none (read under lock too) */
	char last_stop[96];
	struct gdb_breakpoints bps;
	struct gdb_rx rx;
	size_t tx_len;
	uint8_t tx[2 * GDB_PACKET_MAX + 8];
	char reply[GDB_PACKET_MAX + 1];
	uint8_t mem[GDB_PACKET_MAX];
};

int64_t gdb_stub_now_ms(void);
int gdb_stub_set_debug(struct gdb_stub *s, int vcpu, uint32_t extra);
int gdb_stub_stop_all(struct gdb_stub *s);
void gdb_stub_resume(struct gdb_stub *s, int step_vcpu);
void gdb_stub_detach(struct gdb_stub *s);
int gdb_stub_send(struct gdb_stub *s, const char *data, size_t len);

/* gdb_stub_packets.c: answers one packet; -1 when the connection ended
 * (k, D). */
int gdb_stub_packet(struct gdb_stub *s, char *p, size_t len);
/* Takes a software breakpoint out of memory and the table. */
void gdb_stub_remove_sw(struct gdb_stub *s, uint64_t addr);

#endif
