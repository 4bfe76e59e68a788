/* --gdb: a GDB remote stub (GDB manual, "Remote Protocol") on its own
 * thread.  gdb sees each vCPU as a thread; stopping is all-stop: every
 * vCPU pauses through the machine's pause holds (machine_pause_vcpus).
 * The protocol's pure half is gdb_packet, gdb_regs, gdb_pagewalk and
 * gdb_breakpoints; this is the half that calls KVM. */
#ifndef MINIVMM_VMM_GDB_STUB_H
#define MINIVMM_VMM_GDB_STUB_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "common/error.h"

struct machine;
struct gdb_stub;

/* Checks the address (tcp:PORT or unix:PATH) and listens on it, before
 * /dev/kvm is opened: a port in use is the user's error (exit 2).  The TCP
 * socket listens on 127.0.0.1 only. */
int gdb_stub_open(struct gdb_stub **out, struct machine *m, const char *addr, bool wait,
		  struct error *err);
/* Before the vCPU threads start: with --gdb-wait, holds them before their
 * first instruction until gdb attaches.  Then starts the stub's thread. */
int gdb_stub_start(struct gdb_stub *s, struct error *err);
/* The VM stopped: tells gdb the status (W), lets the vCPUs go, ends the
 * thread. */
void gdb_stub_stop(struct gdb_stub *s);
void gdb_stub_close(struct gdb_stub *s);

/* Milliseconds the guest has been held stopped by the stub so far (the
 * --timeout deadline moves by them). */
int64_t gdb_stub_held_ms(struct gdb_stub *s);

/* A vCPU thread's KVM_EXIT_DEBUG.  True: the vCPU must pause (gdb takes
 * over); false: it was the guest's own #BP/#DB, given back to it. */
bool gdb_stub_debug_exit(struct gdb_stub *s, int vcpu, const struct kvm_debug_exit_arch *arch);

#endif
