/* A machine assembled from struct vm_config: the VM, its images, its boot
 * state and its devices, run until the guest stops. */
#ifndef MINIVMM_VMM_MACHINE_H
#define MINIVMM_VMM_MACHINE_H

#include <pthread.h>

#include "kvm/kvm.h"
#include "loader/loader.h"
#include "vmm/config.h"
#include "vmm/console.h"
#include "vmm/devices/acpi_pm.h"
#include "vmm/devices/fw_cfg.h"
#include "vmm/devices/i8042.h"
#include "vmm/devices/pvpanic.h"
#include "vmm/devices/rtc.h"
#include "vmm/devices/serial.h"
#include "vmm/expect.h"
#include "vmm/io_bus.h"
#include "vmm/run_report.h"
#include "vmm/stop.h"

struct machine;

/* One vCPU and the thread that runs it (vcpu_loop). */
struct machine_vcpu {
	struct machine *m;
	struct kvm_vcpu vcpu;
	pthread_t thread;
	bool running;   /* the thread was started and is not joined yet */
};

struct machine {
	const struct vm_config *cfg;
	char *cmdline;
	struct image_file kernel_file, initrd_file;
	struct image_file *raw_files;     /* one per cfg->raw_loads */
	struct image_file *fw_cfg_files;  /* one per cfg->fw_cfg_files (file= only) */
	struct guest_kernel_image kernel;
	struct guest_image initrd;
	struct image_list images;         /* everything placed in guest RAM */

	struct kvm_system sys;
	struct kvm_vm vm;
	/* cfg->ncpus of them, APIC ID = index.  vCPU 0 is the bootstrap
	 * processor, which gets the boot state; the others wait for the
	 * guest's INIT/SIPI. */
	struct machine_vcpu *vcpus;
	int nvcpus;       /* created so far */

	struct vm_stop stop;
	struct io_bus bus;
	struct console console;
	struct serial serial;
	struct i8042 i8042;
	struct rtc rtc;
	struct pvpanic pvpanic;
	struct acpi_pm acpi_pm;
	struct fw_cfg fw_cfg;

	/* CI mode: --expect, and what --result-json reports. */
	struct expect expect;
	bool expect_on;
	struct run_timeline *timeline;    /* main's, started with the process */
	struct console_tail tail;
	struct run_report report;
	bool report_on;
};

/* Reads and checks the images, creates the VM, loads and builds everything
 * the guest needs, marking the stages in timeline.  Every failure is a
 * setup error (exit status 2). */
int machine_setup(struct machine *m, const struct vm_config *cfg,
		  struct run_timeline *timeline, struct error *err);

/* Runs the guest to its end; returns the exit status and leaves the reason
 * in m->stop.reason. */
int machine_run(struct machine *m);

/* With --result-json, writes the outcome (status, reason, console tail,
 * timeline, images); does nothing without it.  Also after a failed setup,
 * once the report file could be opened. */
int machine_report(struct machine *m, int status, const char *reason, struct error *err);

void machine_teardown(struct machine *m);

/* The vCPU threads (vcpu_loop.c): the body of one (its argument is its
 * struct machine_vcpu), the signal handler that lets another thread
 * interrupt KVM_RUN, and that interruption. */
void *vcpu_loop(void *machine_vcpu);
int vcpu_kick_install(void);
void vcpu_kick(struct machine_vcpu *v);

#endif
