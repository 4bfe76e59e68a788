/* struct vm_config: everything the command line asked for, validated. */
#ifndef MINIVMM_VMM_CONFIG_H
#define MINIVMM_VMM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "boot/boot.h"
#include "common/error.h"
#include "loader/loader.h"

/* CONSOLE_STDERR: the kernel's log of a -- CMD run with --verbose (stdout
 * is the command's); never chosen by --console. */
enum console_kind { CONSOLE_STDIO, CONSOLE_FILE, CONSOLE_NONE, CONSOLE_STDERR };
enum print_images { PRINT_IMAGES_NONE, PRINT_IMAGES_TABLE, PRINT_IMAGES_JSON };

/* --dump-on: the ends of a run that write a dump (bits). */
enum dump_on {
	DUMP_ON_CRASH   = 1 << 0,  /* exit status 4: a crash, a pvpanic panic */
	DUMP_ON_TIMEOUT = 1 << 1,  /* 124 */
	DUMP_ON_EXIT    = 1 << 2,  /* the guest ended on its own: 0, odd, 6 */
};

/* --load FILE@ADDR */
struct raw_load_option {
	char *path;
	uint64_t addr;
};

/* --fw-cfg opt/NAME,file=PATH or --fw-cfg opt/NAME,string=TEXT: a
 * read-only fw_cfg file for the guest, as QEMU's -fw_cfg. */
struct fw_cfg_option {
	char *name;          /* "opt/...", at most FW_CFG_NAME_MAX characters */
	const char *path;    /* file=: read at setup ("-": stdin); NULL for string= */
	const char *string;  /* string=: the bytes, without a NUL, as QEMU */
};

/* --disk PATH[,ro][,serial=ID]: a virtio-blk disk on a raw image file or
 * a block device. */
struct disk_option {
	char *path;
	bool read_only;
	char *serial;        /* NULL: none; at most DISK_SERIAL_MAX bytes */
};
#define VM_DISKS_MAX 16
#define DISK_SERIAL_MAX 20   /* VIRTIO_BLK_ID_BYTES (virtio 1.2 §5.2.6) */

/* --share HOSTDIR[:GUESTDIR][,ro]: a host folder the command's guest
 * mounts (virtio-fs), read-write unless ro. */
struct share_option {
	char *host_dir;
	char *guest_dir;     /* absolute; HOSTDIR's own path when not given */
	bool read_only;
};
#define VM_SHARES_MAX 8

/* --dtb: whether the guest gets a device tree (boot/dtb.c). */
enum dtb_mode {
	DTB_AUTO,   /* minivmm's tree, when the kernel reads one (kernel_reads_dtb) */
	DTB_OFF,    /* none */
	DTB_FILE,   /* the user's tree (dtb_path), /chosen filled in */
};

/* --console-device: which device carries the guest's console. */
enum console_device { CONSOLE_DEVICE_SERIAL, CONSOLE_DEVICE_VIRTIO };

struct vm_config {
	const char *kernel_path;     /* "-": stdin */
	struct load_request kernel_req;  /* --kernel-addr, --kernel-align, --boot */
	const char *initrd_path;     /* NULL: none */
	struct load_request initrd_req;  /* --initrd-addr, --initrd-align */
	struct raw_load_option *raw_loads;
	size_t nraw_loads;
	struct fw_cfg_option *fw_cfg_files;
	size_t nfw_cfg_files;
	bool stdin_is_image;         /* one image path is "-" */
	enum print_images print_images;
	const char *user_cmdline;    /* appended to the default; NULL: none */
	uint64_t mem_size;           /* bytes */
	int ncpus;                   /* --cpus: 1..VM_CPUS_MAX */
	enum console_kind console;
	const char *console_path;    /* CONSOLE_FILE */
	double timeout_sec;          /* 0: none */
	bool verbose;
	bool trace_boot;             /* --trace-boot: the timeline on stderr at the end */
	const char *expect;          /* --expect: stop with 0 once the console shows it */
	const char *result_json_path;  /* --result-json: where the outcome goes */
	const char *dump_path;       /* --dump: where vmcores go; NULL: none */
	unsigned dump_on;            /* --dump-on: enum dump_on bits; 0: SIGUSR1 only */
	/* --fail-on: the kinds of kernel problem report that fail the run
	 * (bits 1u << enum console_watch_kind); 0: none. */
	unsigned fail_on;
	const char *kvm_path;        /* "/dev/kvm" */
	struct disk_option disks[VM_DISKS_MAX];
	size_t ndisks;
	bool rng;                    /* virtio-rng (on unless --no-rng) */
	bool seccomp;                /* per-thread seccomp filters (on unless --seccomp off) */
	enum console_device console_device;
	/* -- CMD [ARGS...]: run CMD in the guest (minivmm-init) and exit with
	 * its status.  NULL: boot the kernel as it is. */
	char **command;
	int command_argc;
	struct share_option shares[VM_SHARES_MAX];
	size_t nshares;
	const char *modules_dir;     /* --modules: where the guest's modules are */
	const char *gdb_addr;        /* --gdb tcp:PORT or unix:PATH; NULL: no stub */
	bool gdb_wait;               /* --gdb-wait: hold the first instruction for gdb */
	enum dtb_mode dtb;           /* --dtb auto|off|FILE */
	const char *dtb_path;        /* DTB_FILE */
	const char *dump_dtb_path;   /* --dump-dtb: write the tree there and exit */
};

/* Whether the machine has a PCI device (a virtio one): then the host
 * bridge is there, and the command line does not say pci=off. */
bool vm_config_has_pci(const struct vm_config *cfg);

/* --cpus: as many as the ACPI tables can describe. */
#define VM_CPUS_MAX ACPI_MAX_CPUS

enum options_result { OPTIONS_RUN, OPTIONS_EXIT_OK, OPTIONS_ERROR };

/* Parses argv into cfg.  OPTIONS_EXIT_OK: --help or --version printed to
 * stdout.  OPTIONS_ERROR: err says what is wrong. */
enum options_result options_parse(int argc, char **argv, struct vm_config *cfg,
				  struct error *err);

/* Frees what options_parse allocated (the --load and --fw-cfg lists). */
void options_free(struct vm_config *cfg);

/* "256M", "4G", "65536K", "1048576" (bytes).  -1 on a bad or zero size. */
int options_parse_size(const char *s, uint64_t *out);
/* An address: "0x2000000", "33554432" or "32M".  Zero is allowed. */
int options_parse_address(const char *s, uint64_t *out);

/* Whether a run that ended with exit status (enum exit_status or a
 * debug-exit value) is one --dump-on asked a dump for. */
bool options_dump_wanted(const struct vm_config *cfg, int status);

/* The full command line: the default first (DEFAULT_CMDLINE with the
 * console device's console= and, without PCI devices, pci=off), the
 * user's after it.  Caller frees. */
char *options_build_cmdline(const struct vm_config *cfg);

/* --fail-on LIST (options_reports.c): kind names or all, into
 * cfg->fail_on; a name that is no kind is a usage error. */
int options_set_fail_on(struct vm_config *cfg, const char *v, struct error *err);

/* The device options (options_devices.c): --disk, --no-rng,
 * --console-device. */
int options_add_disk(struct vm_config *cfg, const char *v, struct error *err);
int options_set_console_device(struct vm_config *cfg, const char *v, struct error *err);
void options_free_disks(struct vm_config *cfg);

/* The -- CMD options (options_command.c): --share and, once parsing ends,
 * the checks and defaults a command run brings (the kernel's log off
 * stdout, PCI). */
int options_add_share(struct vm_config *cfg, const char *v, struct error *err);
int options_finish_command(struct vm_config *cfg, struct error *err);
void options_free_shares(struct vm_config *cfg);

/* What each default is for (kernel-parameters.txt): the console on COM1
 * or hvc0 (--console-device); reboot through the keyboard controller
 * (i8042 reset ends the run); panic=-1 reboots at once, so a panic without
 * pvpanic still ends the run; no PS/2 mouse or multiplexer probes (the
 * machine has none); a plain keyboard controller; only ttyS0, so the 8250
 * driver does not probe the three legacy COM ports that are not there.
 * And pci=off when the machine has no PCI device. */
#define DEFAULT_CMDLINE_SERIAL "console=ttyS0"
#define DEFAULT_CMDLINE_VIRTIO "console=hvc0"
#define DEFAULT_CMDLINE "reboot=k panic=-1 i8042.noaux i8042.nomux i8042.dumbkbd 8250.nr_uarts=1"
#define DEFAULT_CMDLINE_NO_PCI "pci=off"

#endif
