/* A machine assembled from struct vm_config: the VM, its images, its boot
 * state and its devices, run until the guest stops. */
#ifndef MINIVMM_VMM_MACHINE_H
#define MINIVMM_VMM_MACHINE_H

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include "kvm/kvm.h"
#include "loader/loader.h"
#include "vmm/config.h"
#include "vmm/console.h"
#include "vmm/console_watch.h"
#include "vmm/devices/acpi_pm.h"
#include "vmm/devices/fw_cfg.h"
#include "vmm/devices/i8042.h"
#include "vmm/devices/pvpanic.h"
#include "vmm/devices/rtc.h"
#include "vmm/devices/serial.h"
#include "vmm/devices/virtio/virtio_blk.h"
#include "vmm/devices/virtio/virtio_console.h"
#include "vmm/devices/virtio/virtio_fs.h"
#include "vmm/devices/virtio/virtio_pci.h"
#include "vmm/devices/virtio/virtio_rng.h"
#include "vmm/io_thread.h"
#include "vmm/pci/pci.h"
#include "vmm/expect.h"
#include "vmm/gdb_stub.h"
#include "vmm/io_bus.h"
#include "vmm/run_report.h"
#include "vmm/stop.h"
#include "vmm/virtiofsd.h"
#include "vmm/vmcore.h"

struct machine;

/* -- CMD (machine_command.c): the virtio-console ports of the command's
 * stdio and status, and the status once minivmm-init sent it. */
enum { MACHINE_COMMAND_STDIN, MACHINE_COMMAND_STDOUT, MACHINE_COMMAND_STDERR,
       MACHINE_COMMAND_STATUS, MACHINE_COMMAND_PORTS };

/* A host folder the guest mounts: the host's root (read-only) or a
 * --share, each a virtiofsd and a virtio-fs device. */
struct machine_share {
	struct machine *m;
	char *dir;               /* the host folder, its real path */
	char tag[32];            /* "minivmm-root", "minivmm-share0", ... */
	bool read_only;
	bool daemon_started, fs_ready;
	struct virtiofsd daemon;
	struct virtio_fs fs;
};
#define MACHINE_SHARES_MAX (1 + VM_SHARES_MAX)

struct machine_command {
	uint32_t port[MACHINE_COMMAND_PORTS];
	char line[128];          /* the status line so far (I/O thread) */
	size_t line_len;
	int status;              /* -1 until the command ended: 0..255, 128+N */
	/* minivmm-init's status line as a reason ("" until it came), and the
	 * run's exit status it gives: the command's, or 2 for its "error". */
	char said[160];
	int said_status;
	bool stopped_vm;         /* the status line was what stopped the VM */
	bool ended_run;          /* the run's status is the command's own */
	bool stdout_lost, stderr_lost;
	struct machine_share shares[MACHINE_SHARES_MAX];
	size_t nshares;
};

/* One vCPU and the thread that runs it (vcpu_loop). */
struct machine_vcpu {
	struct machine *m;
	struct kvm_vcpu vcpu;
	pthread_t thread;
	bool running;   /* the thread was started and is not joined yet */
	bool paused;    /* under pause.lock: waiting in vcpu_pause, registers read */
};

/* A dump of the running guest (SIGUSR1) and the gdb stub pause every vCPU
 * thread outside KVM_RUN: the pauser takes a hold (requested counts them)
 * and kicks them; each one reads its registers into cpus[index], marks
 * itself paused and waits on resume until the last hold is dropped. */
struct machine_pause {
	pthread_mutex_t lock;
	pthread_cond_t paused;    /* the main thread waits: a vCPU paused or its thread ended */
	pthread_cond_t resume;    /* the vCPUs wait: requested was cleared */
	int requested;            /* holds; changed under lock, read atomically after each EINTR */
	struct vmcore_cpu *cpus;  /* one per vCPU, with --dump; also for the dump at the end */
	struct error err;         /* the first vCPU that could not read its registers */
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
	/* The device tree (machine_dtb.c): the --dtb FILE as read, the tree
	 * built for this boot (DTB_MAX_SIZE bytes, NULL: none), and whether
	 * the guest gets it. */
	struct image_file dtb_file;
	void *dtb;
	bool dtb_pass;

	struct kvm_system sys;
	struct kvm_vm vm;
	/* cfg->ncpus of them, APIC ID = index.  vCPU 0 is the bootstrap
	 * processor, which gets the boot state; the others wait for the
	 * guest's INIT/SIPI. */
	struct machine_vcpu *vcpus;
	int nvcpus;       /* created so far */

	struct vm_stop stop;
	struct machine_pause pause;
	struct io_bus bus;    /* port I/O */
	struct io_bus mmio;
	struct console console;
	struct serial serial;
	bool tx_coalesced;   /* the serial THR port is a coalesced zone in KVM */
	struct i8042 i8042;
	struct rtc rtc;
	struct pvpanic pvpanic;
	struct acpi_pm acpi_pm;
	struct fw_cfg fw_cfg;

	/* PCI and the virtio devices on it (machine_pci.c), when
	 * vm_config_has_pci: device work runs on the I/O thread. */
	struct pci_bus pci;
	struct pci_host pci_host;
	struct io_thread io;
	struct virtio_blk *disks;         /* cfg->ndisks, opened at setup */
	struct virtio_rng rng;
	struct virtio_console *vcon;      /* with --console-device virtio or
					     -- CMD: 136 KiB of port buffers
					     only then */
	struct machine_command command;
	struct virtio_pci *virtio;        /* one per virtio device */
	size_t nvirtio;
	/* Every MSI-X vector's route, as KVM must be given them all at once. */
	pthread_mutex_t msi_lock;
	struct kvm_vm_msi_route *msi_routes;
	size_t nmsi_routes;
	/* The console's output comes from the UART and from virtio-console. */
	pthread_mutex_t console_lock;

	/* CI mode: --expect, and what --result-json reports. */
	struct expect expect;
	bool expect_on;
	bool expect_stopped;              /* the match is what stopped the VM */
	/* The kernel's panic line on the console: a power-off or reset
	 * after it is a crash (machine_run); its problem reports, which
	 * --fail-on fails the run on (machine_reports.c). */
	struct console_watch watch;
	struct run_timeline *timeline;    /* main's, started with the process */
	struct console_tail tail;
	struct run_report report;
	bool report_on;
	/* --gdb (gdb_stub.h); NULL without it. */
	struct gdb_stub *gdb;
};

/* Reads and checks the images, creates the VM, loads and builds everything
 * the guest needs, marking the stages in timeline.  Every failure is a
 * setup error (exit status 2).  Returns 1 when --dump-dtb has written the
 * tree: then no VM exists and the guest must not run. */
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

/* The device tree of a boot (machine_dtb.c).  decide: after kernel_parse,
 * reads the --dtb FILE and sets m->dtb_pass (auto: the kernel reads a tree
 * and boots through the 64-bit entry).  build: once the images are placed,
 * the tree when it is passed or dumped.  write_dump: --dump-dtb. */
int machine_dtb_decide(struct machine *m, struct error *err);
int machine_dtb_build(struct machine *m, struct error *err);
int machine_dtb_write_dump(struct machine *m, struct error *err);

/* The user's input files (machine.c), for the rule that no file of a run
 * is two of them: the i-th (kernel, initrd, --load, --fw-cfg, --disk, --dtb),
 * with *what saying which option it is ("the --kernel image"); NULL with
 * *what set for an option not given, NULL with *what NULL past the last.
 * machine_is_file: path names the file st is ("-" never does). */
const char *machine_input_file(const struct vm_config *cfg, size_t i, const char **what);
bool machine_is_file(const struct stat *st, const char *path);

/* PCI (machine_pci.c).  machine_open_disks checks and locks the --disk
 * files before /dev/kvm is opened; machine_add_pci puts the host bridge
 * and the virtio devices on the buses; machine_start_io starts the I/O
 * thread (with the signals machine_run blocks). */
int machine_open_disks(struct machine *m, struct error *err);
int machine_add_pci(struct machine *m, struct error *err);
int machine_start_io(struct machine *m, struct error *err);
void machine_pci_teardown(struct machine *m);
/* -- CMD (machine_command.c).  machine_command_prepare, once the kernel
 * is parsed and before guest RAM is touched: checks the shares, starts
 * their virtiofsd daemons, finds the kernel's modules and adds the
 * initramfs layer to m->initrd_file.  machine_command_add_devices makes
 * the virtio-fs devices (before the PCI functions), machine_command_watch
 * watches their daemons (after), machine_command_teardown stops them.
 * machine_command_add_ports adds the command's ports to m->vcon; stdin
 * goes to the guest while machine_wait runs (false once it ended); at the
 * end machine_command_judge turns how the run ended into its status. */
int machine_command_prepare(struct machine *m, struct error *err);
int machine_command_add_devices(struct machine *m, struct error *err);
int machine_command_watch(struct machine *m, struct error *err);
void machine_command_teardown(struct machine *m);
int machine_command_add_ports(struct machine *m, struct error *err);
size_t machine_command_input_room(struct machine *m);
bool machine_command_forward_input(struct machine *m);
void machine_command_judge(struct machine *m);
/* The kernel's log, kept from the console, on stderr (-- CMD, when it was
 * not shown as it came). */
void machine_command_print_log(struct machine *m);
/* --fail-on (machine_reports.c), once the run's status is known: 10 with
 * the earliest report of a listed kind as the reason, unless the status
 * says more (a crash, a signal, minivmm's own failure). */
void machine_judge_reports(struct machine *m);
/* The guest's console output, one byte: console, tail, watches, expect. */
void machine_console_output(struct machine *m, uint8_t byte);

/* The vCPU threads (vcpu_loop.c): the body of one (its argument is its
 * struct machine_vcpu), the signal handler that lets another thread
 * interrupt KVM_RUN, and that interruption; the registers of a vCPU that is
 * not in KVM_RUN into its m->pause.cpus slot.
 *
 * The kick is SIGRTMIN, a real-time signal, not SIGUSR1 (which asks for a
 * dump) nor SIGUSR2: both user signals stay the user's, and nobody sends
 * SIGRTMIN by accident (Firecracker and Cloud Hypervisor kick with it too).
 * glibc keeps the real-time signals it uses itself below SIGRTMIN. */
#define VCPU_KICK_SIGNAL SIGRTMIN
void *vcpu_loop(void *machine_vcpu);
int vcpu_kick_install(void);
void vcpu_kick(struct machine_vcpu *v);
int vcpu_read_state(struct machine_vcpu *v, struct error *err);
/* One KVM_EXIT_IO through the device bus, as every vCPU thread handles it
 * (also timed by bench/exit_cost.c).  run_size: the kvm_run mapping's size.
 * -1 when KVM's data offset or size would reach outside it. */
int vcpu_io_exit(struct io_bus *bus, struct kvm_run *run, size_t run_size);
/* One KVM_EXIT_MMIO through the MMIO bus. */
void vcpu_mmio_exit(struct io_bus *bus, struct kvm_run *run);

/* Dumps (machine_dump.c), with --dump.  machine_pause_init/destroy bracket
 * the pause state (zeroed before), with slots for ncpus vCPUs (0: no
 * dumps); machine_dump_running serves a SIGUSR1: pauses the vCPUs,
 * writes the dump, lets them go on (without --dump it only says so);
 * machine_dump_at_end writes the dump after the vCPU threads are joined.
 * Both print one line on stderr when the dump is written; a failure is
 * printed by the first and returned in err by the second. */
int machine_pause_init(struct machine_pause *p, int ncpus);
/* Takes a hold and waits until every running vCPU has paused (who names
 * the pauser in an error); machine_resume_vcpus drops the hold, and must
 * follow even on failure.  machine_pause_hold takes a hold without kicking
 * or waiting: a vCPU thread about to pause itself (gdb's debug exits), or
 * vCPUs not started yet (--gdb-wait). */
int machine_pause_vcpus(struct machine *m, const char *who, struct error *err);
void machine_resume_vcpus(struct machine *m);
void machine_pause_hold(struct machine *m);
void machine_pause_destroy(struct machine_pause *p);
void machine_dump_running(struct machine *m);
int machine_dump_at_end(struct machine *m, struct error *err);

#endif
