/* A machine assembled from struct vm_config: the VM, its images, its boot
 * state and its devices, run until the guest stops. */
#ifndef MINIVMM_VMM_MACHINE_H
#define MINIVMM_VMM_MACHINE_H

#include <pthread.h>

#include "kvm/kvm.h"
#include "loader/loader.h"
#include "vmm/config.h"
#include "vmm/console.h"
#include "vmm/devices/i8042.h"
#include "vmm/devices/rtc.h"
#include "vmm/devices/serial.h"
#include "vmm/io_bus.h"
#include "vmm/stop.h"

struct machine {
	const struct vm_config *cfg;
	char *cmdline;
	struct image_file kernel_file, initrd_file;
	struct image_file *raw_files;     /* one per cfg->raw_loads */
	struct guest_kernel_image kernel;
	struct guest_image initrd;
	struct image_list images;         /* everything placed in guest RAM */

	struct kvm_system sys;
	struct kvm_vm vm;
	struct kvm_vcpu vcpu;
	pthread_t vcpu_thread;

	struct vm_stop stop;
	struct io_bus bus;
	struct console console;
	struct serial serial;
	struct i8042 i8042;
	struct rtc rtc;
};

/* Reads and checks the images, creates the VM, loads and builds everything
 * the guest needs.  Every failure is a setup error (exit status 2). */
int machine_setup(struct machine *m, const struct vm_config *cfg, struct error *err);

/* Runs the guest to its end; returns the exit status and leaves the reason
 * in m->stop.reason. */
int machine_run(struct machine *m);

void machine_teardown(struct machine *m);

/* The vCPU thread (vcpu_loop.c): its body, the signal handler that lets
 * another thread interrupt KVM_RUN, and that interruption. */
void *vcpu_loop(void *machine);
int vcpu_kick_install(void);
void vcpu_kick(struct machine *m);

#endif
