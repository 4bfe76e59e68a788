/* Command-line options (README "Options"). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/layout.h"
#include "vmm/config.h"
#include "vmm/devices/fw_cfg.h"
#include "vmm/exit_status.h"

#ifndef MINIVMM_VERSION
#define MINIVMM_VERSION "unknown"
#endif

static const char options_help[] =
	"Usage: minivmm --kernel FILE [options]\n"
	"       minivmm --kernel FILE [options] -- CMD [ARGS...]\n"
	"Boot an x86-64 Linux kernel (bzImage or ELF vmlinux) in a KVM virtual machine;\n"
	"with -- CMD, run CMD in it as root, over the host's files, and exit with its status.\n"
	"\n"
	"Options:\n"
	"  --kernel FILE        bzImage or ELF vmlinux to boot; - reads it from stdin\n"
	"  --initrd FILE        initial ramdisk (- reads it from stdin)\n"
	"  --cmdline STR        appended to the default command line:\n"
	"                       \"" DEFAULT_CMDLINE_SERIAL " " DEFAULT_CMDLINE "\"\n"
	"                       (" DEFAULT_CMDLINE_VIRTIO " with --console-device virtio), and\n"
	"                       " DEFAULT_CMDLINE_NO_PCI " when the machine has no PCI device\n"
	"  --mem SIZE           guest RAM, decimal or 0x hex, K/M/G suffix (default 256M)\n"
	"  --cpus N             virtual CPUs, 1 to 255 (default 1)\n"
	"  --console KIND       stdio (default), file:PATH or none\n"
	"  --console-device DEV serial (default: the 8250, ttyS0) or virtio (virtio-console,\n"
	"                       hvc0), the device the console above is connected to\n"
	"  --disk PATH[,ro][,serial=ID]\n"
	"                       a virtio-blk disk (/dev/vda, vdb, ... in order; up to 16)\n"
	"                       on a raw image file or a block device; ro: read-only;\n"
	"                       ID: up to 20 bytes in /sys/block/vdX/serial.  The file is\n"
	"                       locked while minivmm runs.  (qcow2: qemu-img convert -O raw)\n"
	"  --no-rng             no virtio-rng (otherwise the guest has /dev/hwrng, fed by\n"
	"                       the host's getrandom)\n"
	"  --timeout SECONDS    stop the guest after SECONDS (exit 124)\n"
	"  -- CMD [ARGS...]     run CMD in the guest: its stdin, stdout and stderr are\n"
	"                       minivmm's, the host's / is its root (read-only, writes go\n"
	"                       to a RAM overlay), its working directory the host's; the\n"
	"                       kernel's log shows only with --verbose or when the run\n"
	"                       fails.  Needs root (virtiofsd, Debian's qemu-system-common)\n"
	"  --share HOSTDIR[:GUESTDIR][,ro]\n"
	"                       with -- CMD: HOSTDIR at GUESTDIR (default: the same path),\n"
	"                       read-write (writes reach the host) unless ro (repeatable)\n"
	"  --modules DIR        with -- CMD: the guest kernel's modules, DIR or\n"
	"                       DIR/lib/modules/VERSION (default: beside the kernel as\n"
	"                       Debian's package puts them, then /lib/modules/VERSION)\n"
	"  --expect STRING      stop with 0 as soon as the console shows STRING\n"
	"  --result-json PATH   write the outcome (status, reason, console tail, kernel\n"
	"                       problem reports, timings, images) to PATH as JSON\n"
	"  --fail-on LIST       exit 10 when the console showed a kernel problem report\n"
	"                       of a kind in LIST, comma-separated, or all: panic,\n"
	"                       warning, bug, oops, gpf, kasan, ubsan, lockdep,\n"
	"                       rcu-stall, soft-lockup, hard-lockup, hung-task\n"
	"  --dump PATH          on SIGUSR1, pause the guest, write its memory and\n"
	"                       registers to PATH as an ELF vmcore (crash, makedumpfile,\n"
	"                       drgn) and let it go on; without --dump-on, only then\n"
	"  --dump-on LIST       with --dump: also dump when the run ends as LIST says,\n"
	"                       comma-separated: crash (4), timeout (124), exit (the\n"
	"                       guest ended on its own: 0, odd, 6)\n"
	"  --gdb tcp:PORT|unix:PATH\n"
	"                       serve the GDB remote protocol on 127.0.0.1:PORT or a\n"
	"                       Unix socket: vCPUs are threads; breakpoints, watchpoints,\n"
	"                       single steps, Ctrl-C; --timeout stops while gdb holds\n"
	"                       the guest; a port in use exits 2\n"
	"  --gdb-wait           with --gdb: hold the first instruction until gdb attaches\n"
	"  --dtb auto|off|FILE  a device tree for the kernel (boot_params setup_data,\n"
	"                       64-bit boot only): auto (default) builds one when the\n"
	"                       kernel reads it (CONFIG_OF_EARLY_FLATTREE, seen in the\n"
	"                       vmlinux minivmm loads), off never, FILE passes FILE with\n"
	"                       /chosen filled in (./auto for a file named auto).  With\n"
	"                       a tree the ACPI tables have no MADT\n"
	"  --dump-dtb FILE      write the device tree this boot would pass to FILE and\n"
	"                       exit 0 (the guest does not run)\n"
	"  --boot PROTOCOL      auto (default: PVH when the ELF has the note), linux64, pvh\n"
	"  --kernel-addr ADDR   load the kernel at ADDR (rounded up to the alignment)\n"
	"  --kernel-align N     alignment for --kernel-addr (default: the image's own)\n"
	"  --initrd-addr ADDR   load the initrd at ADDR (default: as high as allowed)\n"
	"  --initrd-align N     alignment for --initrd-addr (default 4K)\n"
	"  --load FILE@ADDR     copy FILE to guest address ADDR as it is (repeatable)\n"
	"  --fw-cfg opt/NAME,file=PATH\n"
	"  --fw-cfg opt/NAME,string=TEXT\n"
	"                       a read-only fw_cfg file for the guest, as QEMU's -fw_cfg\n"
	"                       (repeatable; opt/NAME has at most 55 characters)\n"
	"  --print-images[=FMT] list the images placed in guest RAM on stderr before the\n"
	"                       guest starts: table (default) or json\n"
	"  --trace-boot         print the boot timeline on stderr at the end: ms from\n"
	"                       start to VM created, images loaded, first guest\n"
	"                       instruction, first console byte, --expect match, end\n"
	"  --seccomp on|off     each minivmm thread runs under its own seccomp filter\n"
	"                       once the guest runs (default on); a call a filter\n"
	"                       refuses ends the run with 8 and names it.  off: for\n"
	"                       debugging\n"
	"  --verbose            print where images landed and the memory map\n"
	"  --help               this text\n"
	"  --version            minivmm's version\n"
	"\n"
	"Exit status:\n"
	"  0    the guest powered off or asked for a reset (with no kernel panic line\n"
	"       on the console before), or --expect matched\n"
	"  odd  the guest wrote v to the debug-exit port 0xf4: (v << 1) | 1\n"
	"  2    usage or setup error (bad option, bad image, /dev/kvm trouble)\n"
	"  4    the guest crashed (a kernel panic: its line on the console, or\n"
	"       pvpanic; triple fault, failed entry, internal error)\n"
	"  6    --expect: the guest powered off or reset before the console showed STRING\n"
	"  8    minivmm failed on the host, at setup or while the guest ran (out of\n"
	"       memory, a KVM call refused), or a --dump-on dump failed after a run\n"
	"       that would have ended with 0, or a minivmm thread made a system call\n"
	"       its seccomp filter forbids (one line names the call and the thread)\n"
	"  10   --fail-on: the guest kernel reported a problem of a kind in LIST on\n"
	"       the console (instead of 0, odd, 6, 124 or CMD's status; a crash stays 4)\n"
	"  124  --timeout expired\n"
	"  with -- CMD: CMD's own status (128+N when killed by signal N, 127 when not\n"
	"       found); 2 when the guest could not start it; 4 when the guest crashed,\n"
	"       reset or powered off before CMD ended\n"
	"  130  interrupted (SIGINT, SIGTERM, SIGHUP, or Ctrl-A x on a terminal)\n";

/* Digits in base 10 or 16, without strtoull's extras: no sign, no
 * leading blanks, no "0x" inside a hex number, and no octal: "010" is ten,
 * as a user means it.  Returns the first character after the digits, or
 * NULL when there are none or the value overflows. */
static const char *options_parse_digits(const char *s, unsigned base, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;
	for (;; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return NULL;
		v = v * base + d;
	}
	if (p == s)
		return NULL;
	*out = v;
	return p;
}

/* A size or an address (README "Options"): decimal, or hex after "0x",
 * with an optional K/M/G suffix. */
static int options_parse_number(const char *s, uint64_t *out)
{
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	uint64_t v;
	const char *end = options_parse_digits(s, base, &v);
	if (!end)
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case '\0': break;
	default: return -1;
	}
	if (*end != '\0' || v > (UINT64_MAX >> shift))
		return -1;
	*out = v << shift;
	return 0;
}

int options_parse_size(const char *s, uint64_t *out)
{
	uint64_t v;
	if (options_parse_number(s, &v) < 0 || v == 0)
		return -1;
	*out = v;
	return 0;
}

int options_parse_address(const char *s, uint64_t *out)
{
	return options_parse_number(s, out);
}

/* Seconds as a decimal fraction ("5", "0.25", "010" is ten): strtod
 * alone would also take blanks, a sign, exponents, hex floats, "inf". */
static int options_parse_timeout(const char *s, double *out)
{
	size_t digits = strspn(s, "0123456789");
	if (s[digits] == '.')
		digits += 1 + strspn(s + digits + 1, "0123456789");
	if (digits == 0 || s[digits] != '\0' || strcmp(s, ".") == 0)
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !isfinite(v) || v <= 0 || v > 1e9)
		return -1;
	*out = v;
	return 0;
}

/* Guest RAM must hold the low-memory boot structures and a kernel at 1 MiB,
 * and must fit KVM's address space with the MMIO hole. */
#define MEM_MIN (8ULL << 20)
#define MEM_MAX (1ULL << 40)

static int options_set_cpus(struct vm_config *cfg, const char *v, struct error *err)
{
	uint64_t n;
	const char *end = options_parse_digits(v, 10, &n);
	if (!end || *end != '\0' || n < 1 || n > VM_CPUS_MAX)
		return error_set(err, "--cpus '%s': expected a number from 1 to %d", v, VM_CPUS_MAX);
	cfg->ncpus = (int)n;
	return 0;
}

static int options_set_console(struct vm_config *cfg, const char *v, struct error *err)
{
	if (strcmp(v, "stdio") == 0) {
		cfg->console = CONSOLE_STDIO;
	} else if (strcmp(v, "none") == 0) {
		cfg->console = CONSOLE_NONE;
	} else if (strncmp(v, "file:", 5) == 0 && v[5] != '\0') {
		cfg->console = CONSOLE_FILE;
		cfg->console_path = v + 5;
	} else {
		return error_set(err, "--console '%s': expected stdio, file:PATH or none", v);
	}
	return 0;
}

static int options_set_boot(struct vm_config *cfg, const char *v, struct error *err)
{
	if (strcmp(v, "auto") == 0)
		cfg->kernel_req.protocol = KERNEL_BOOT_AUTO;
	else if (strcmp(v, "linux64") == 0)
		cfg->kernel_req.protocol = KERNEL_BOOT_LINUX64;
	else if (strcmp(v, "pvh") == 0)
		cfg->kernel_req.protocol = KERNEL_BOOT_PVH;
	else
		return error_set(err, "--boot '%s': expected auto, linux64 or pvh", v);
	return 0;
}

/* --kernel-addr and --initrd-addr: 0 would read as "the default". */
static int options_set_load_address(const char *opt, const char *v, uint64_t *out,
				    struct error *err)
{
	if (options_parse_address(v, out) < 0 || *out == 0)
		return error_set(err, "%s '%s': expected a nonzero address such as 0x2000000 "
				 "or 32M", opt, v);
	return 0;
}

static int options_set_alignment(const char *opt, const char *v, uint64_t *out,
				 struct error *err)
{
	if (options_parse_address(v, out) < 0 || *out == 0)
		return error_set(err, "%s '%s': expected an alignment such as 0x200000 or 2M",
				 opt, v);
	return loader_check_alignment(*out, opt, err);
}

/* FILE@ADDR, split at the last '@' so that paths may contain one. */
static int options_add_raw_load(struct vm_config *cfg, const char *v, struct error *err)
{
	const char *at = strrchr(v, '@');
	uint64_t addr;
	if (!at || at == v || options_parse_address(at + 1, &addr) < 0)
		return error_set(err, "--load '%s': expected FILE@ADDR, e.g. blob.bin@0x3000000", v);
	struct raw_load_option *loads = realloc(cfg->raw_loads,
						(cfg->nraw_loads + 1) * sizeof(*loads));
	if (!loads)
		return error_set_host(err, "--load: out of memory");
	cfg->raw_loads = loads;
	char *path = strndup(v, (size_t)(at - v));
	if (!path)
		return error_set_host(err, "--load: out of memory");
	loads[cfg->nraw_loads++] = (struct raw_load_option){ .path = path, .addr = addr };
	return 0;
}

#define OPTIONS_FW_CFG_FILES_MAX (FW_CFG_FILE_SLOTS - 1)

/* --fw-cfg opt/NAME,file=PATH | opt/NAME,string=TEXT.  The name ends at
 * the first comma; the value is the rest, commas and all.  QEMU's rules
 * (system/vl.c parse_fw_cfg): user files live under "opt/", a name has at
 * most 55 characters, the string has no NUL and may not be empty. */
static int options_add_fw_cfg(struct vm_config *cfg, const char *v, struct error *err)
{
	static const char usage[] = "expected opt/NAME,file=PATH or opt/NAME,string=TEXT";
	const char *comma = strchr(v, ',');
	if (!comma)
		return error_set(err, "--fw-cfg '%s': %s", v, usage);
	size_t name_len = (size_t)(comma - v);
	const char *value = comma + 1, *path = NULL, *string = NULL;
	if (name_len <= 4 || strncmp(v, "opt/", 4) != 0)
		return error_set(err, "--fw-cfg '%s': the name must start with opt/ and go on "
				 "(fw_cfg keeps the other names for the VMM); %s", v, usage);
	if (name_len > FW_CFG_NAME_MAX)
		return error_set(err, "--fw-cfg '%s': the name has %zu characters, at most %d "
				 "fit", v, name_len, FW_CFG_NAME_MAX);
	if (strncmp(value, "file=", 5) == 0 && value[5] != '\0')
		path = value + 5;
	else if (strncmp(value, "string=", 7) == 0 && value[7] != '\0')
		string = value + 7;
	else
		return error_set(err, "--fw-cfg '%s': %s (neither may be empty)", v, usage);
	for (size_t i = 0; i < cfg->nfw_cfg_files; i++)
		if (strlen(cfg->fw_cfg_files[i].name) == name_len &&
		    strncmp(cfg->fw_cfg_files[i].name, v, name_len) == 0)
			return error_set(err, "--fw-cfg '%s': %.*s is given twice", v,
					 (int)name_len, v);
	/* QEMU's 32 file slots, one of them etc/vmcoreinfo. */
	if (cfg->nfw_cfg_files >= OPTIONS_FW_CFG_FILES_MAX)
		return error_set(err, "--fw-cfg '%s': at most %d files (fw_cfg has %d slots, "
				 "etc/vmcoreinfo takes one)", v, OPTIONS_FW_CFG_FILES_MAX,
				 FW_CFG_FILE_SLOTS);
	struct fw_cfg_option *files = realloc(cfg->fw_cfg_files,
					      (cfg->nfw_cfg_files + 1) * sizeof(*files));
	if (!files)
		return error_set_host(err, "--fw-cfg: out of memory");
	cfg->fw_cfg_files = files;
	char *name = strndup(v, name_len);
	if (!name)
		return error_set_host(err, "--fw-cfg: out of memory");
	files[cfg->nfw_cfg_files++] = (struct fw_cfg_option){ name, path, string };
	return 0;
}

/* --dump-on crash,timeout,exit: any of them, in any order. */
static int options_set_dump_on(struct vm_config *cfg, const char *v, struct error *err)
{
	static const struct { const char *name; unsigned bit; } items[] = {
		{ "crash", DUMP_ON_CRASH }, { "timeout", DUMP_ON_TIMEOUT }, { "exit", DUMP_ON_EXIT },
	};
	cfg->dump_on = 0;
	for (const char *p = v;; p++) {
		size_t len = strcspn(p, ",");
		size_t i = 0;
		while (i < sizeof(items) / sizeof(items[0]) &&
		       (strlen(items[i].name) != len || strncmp(p, items[i].name, len) != 0))
			i++;
		if (i == sizeof(items) / sizeof(items[0]))
			return error_set(err, "--dump-on '%s': '%.*s' is not one of crash, timeout, "
					 "exit (expected a comma-separated list of them)",
					 v, (int)len, p);
		cfg->dump_on |= items[i].bit;
		p += len;
		if (*p == '\0')
			return 0;
	}
}

bool options_dump_wanted(const struct vm_config *cfg, int status)
{
	switch (status) {
	case EXIT_GUEST_CRASHED: return cfg->dump_on & DUMP_ON_CRASH;
	case EXIT_TIMEOUT: return cfg->dump_on & DUMP_ON_TIMEOUT;
	case EXIT_GUEST_OFF:
	case EXIT_EXPECT_MISSING: return cfg->dump_on & DUMP_ON_EXIT;
	default:
		/* The odd statuses are the guest's debug-exit values. */
		return (status & 1) && (cfg->dump_on & DUMP_ON_EXIT);
	}
}

static int options_set_print_images(struct vm_config *cfg, const char *v, struct error *err)
{
	if (!v || strcmp(v, "table") == 0)
		cfg->print_images = PRINT_IMAGES_TABLE;
	else if (strcmp(v, "json") == 0)
		cfg->print_images = PRINT_IMAGES_JSON;
	else
		return error_set(err, "--print-images='%s': expected table or json", v);
	return 0;
}

/* stdin can be read once: at most one image may come from "-", and then it
 * is no console input. */
static int options_check_stdin(struct vm_config *cfg, struct error *err)
{
	int n = strcmp(cfg->kernel_path, "-") == 0;
	n += cfg->initrd_path && strcmp(cfg->initrd_path, "-") == 0;
	for (size_t i = 0; i < cfg->nraw_loads; i++)
		n += strcmp(cfg->raw_loads[i].path, "-") == 0;
	for (size_t i = 0; i < cfg->nfw_cfg_files; i++)
		n += cfg->fw_cfg_files[i].path && strcmp(cfg->fw_cfg_files[i].path, "-") == 0;
	n += cfg->dtb_path && strcmp(cfg->dtb_path, "-") == 0;
	if (n > 1)
		return error_set(err, "stdin ('-') can feed only one image, not %d", n);
	cfg->stdin_is_image = n == 1;
	return 0;
}

void options_free(struct vm_config *cfg)
{
	for (size_t i = 0; i < cfg->nraw_loads; i++)
		free(cfg->raw_loads[i].path);
	free(cfg->raw_loads);
	cfg->raw_loads = NULL;
	cfg->nraw_loads = 0;
	for (size_t i = 0; i < cfg->nfw_cfg_files; i++)
		free(cfg->fw_cfg_files[i].name);
	free(cfg->fw_cfg_files);
	cfg->fw_cfg_files = NULL;
	cfg->nfw_cfg_files = 0;
	options_free_disks(cfg);
	options_free_shares(cfg);
}

enum { OPT_KERNEL = 256, OPT_INITRD, OPT_CMDLINE, OPT_MEM, OPT_CONSOLE, OPT_TIMEOUT,
       OPT_VERBOSE, OPT_HELP, OPT_VERSION, OPT_BOOT, OPT_KERNEL_ADDR, OPT_KERNEL_ALIGN,
       OPT_INITRD_ADDR, OPT_INITRD_ALIGN, OPT_LOAD, OPT_PRINT_IMAGES, OPT_CPUS, OPT_EXPECT,
       OPT_RESULT_JSON, OPT_FW_CFG, OPT_DUMP, OPT_DUMP_ON, OPT_TRACE_BOOT, OPT_DISK, OPT_NO_RNG,
       OPT_CONSOLE_DEVICE, OPT_SHARE, OPT_MODULES, OPT_FAIL_ON,
       OPT_GDB, OPT_GDB_WAIT, OPT_DTB, OPT_DUMP_DTB, OPT_SECCOMP };

static const struct option options_long[] = {
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "mem", required_argument, NULL, OPT_MEM },
	{ "console", required_argument, NULL, OPT_CONSOLE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "boot", required_argument, NULL, OPT_BOOT },
	{ "kernel-addr", required_argument, NULL, OPT_KERNEL_ADDR },
	{ "kernel-align", required_argument, NULL, OPT_KERNEL_ALIGN },
	{ "initrd-addr", required_argument, NULL, OPT_INITRD_ADDR },
	{ "initrd-align", required_argument, NULL, OPT_INITRD_ALIGN },
	{ "load", required_argument, NULL, OPT_LOAD },
	{ "fw-cfg", required_argument, NULL, OPT_FW_CFG },
	{ "print-images", optional_argument, NULL, OPT_PRINT_IMAGES },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "expect", required_argument, NULL, OPT_EXPECT },
	{ "result-json", required_argument, NULL, OPT_RESULT_JSON },
	{ "dump", required_argument, NULL, OPT_DUMP },
	{ "dump-on", required_argument, NULL, OPT_DUMP_ON },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "gdb", required_argument, NULL, OPT_GDB },
	{ "gdb-wait", no_argument, NULL, OPT_GDB_WAIT },
	{ "dtb", required_argument, NULL, OPT_DTB },
	{ "dump-dtb", required_argument, NULL, OPT_DUMP_DTB },
	{ "trace-boot", no_argument, NULL, OPT_TRACE_BOOT },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "no-rng", no_argument, NULL, OPT_NO_RNG },
	{ "seccomp", required_argument, NULL, OPT_SECCOMP },
	{ "console-device", required_argument, NULL, OPT_CONSOLE_DEVICE },
	{ "share", required_argument, NULL, OPT_SHARE },
	{ "modules", required_argument, NULL, OPT_MODULES },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* The options past the first few: placement, CPUs, CI mode, dumps. */
static int options_parse_one(int opt, struct vm_config *cfg, struct error *err)
{
	switch (opt) {
	case OPT_BOOT: return options_set_boot(cfg, optarg, err);
	case OPT_KERNEL_ADDR:
		return options_set_load_address("--kernel-addr", optarg,
						&cfg->kernel_req.load_address, err);
	case OPT_KERNEL_ALIGN:
		return options_set_alignment("--kernel-align", optarg, &cfg->kernel_req.alignment,
					     err);
	case OPT_INITRD_ADDR:
		return options_set_load_address("--initrd-addr", optarg,
						&cfg->initrd_req.load_address, err);
	case OPT_INITRD_ALIGN:
		return options_set_alignment("--initrd-align", optarg, &cfg->initrd_req.alignment,
					     err);
	case OPT_LOAD: return options_add_raw_load(cfg, optarg, err);
	case OPT_FW_CFG: return options_add_fw_cfg(cfg, optarg, err);
	case OPT_PRINT_IMAGES: return options_set_print_images(cfg, optarg, err);
	case OPT_CPUS: return options_set_cpus(cfg, optarg, err);
	case OPT_EXPECT:
		if (optarg[0] == '\0')
			return error_set(err, "--expect: the string must not be empty");
		cfg->expect = optarg;
		return 0;
	case OPT_RESULT_JSON:
		if (optarg[0] == '\0')
			return error_set(err, "--result-json: the path must not be empty");
		cfg->result_json_path = optarg;
		return 0;
	case OPT_DUMP:
		if (optarg[0] == '\0')
			return error_set(err, "--dump: the path must not be empty");
		cfg->dump_path = optarg;
		return 0;
	case OPT_DUMP_ON: return options_set_dump_on(cfg, optarg, err);
	case OPT_FAIL_ON: return options_set_fail_on(cfg, optarg, err);
	case OPT_GDB:
		if (strncmp(optarg, "tcp:", 4) != 0 && strncmp(optarg, "unix:", 5) != 0)
			return error_set(err, "--gdb '%s': expected tcp:PORT or unix:PATH", optarg);
		cfg->gdb_addr = optarg;
		return 0;
	case OPT_GDB_WAIT: cfg->gdb_wait = true; return 0;
	case OPT_DTB:
		if (optarg[0] == '\0')
			return error_set(err, "--dtb: expected auto, off or a file");
		cfg->dtb = strcmp(optarg, "auto") == 0 ? DTB_AUTO
			 : strcmp(optarg, "off") == 0 ? DTB_OFF : DTB_FILE;
		cfg->dtb_path = cfg->dtb == DTB_FILE ? optarg : NULL;
		return 0;
	case OPT_DUMP_DTB:
		if (optarg[0] == '\0')
			return error_set(err, "--dump-dtb: the path must not be empty");
		cfg->dump_dtb_path = optarg;
		return 0;
	case OPT_DISK: return options_add_disk(cfg, optarg, err);
	case OPT_NO_RNG: cfg->rng = false; return 0;
	case OPT_SECCOMP:
		if (strcmp(optarg, "on") != 0 && strcmp(optarg, "off") != 0)
			return error_set(err, "--seccomp '%s': expected on or off", optarg);
		cfg->seccomp = strcmp(optarg, "on") == 0;
		return 0;
	case OPT_CONSOLE_DEVICE: return options_set_console_device(cfg, optarg, err);
	case OPT_SHARE: return options_add_share(cfg, optarg, err);
	case OPT_MODULES:
		if (optarg[0] == '\0')
			return error_set(err, "--modules: the path must not be empty");
		cfg->modules_dir = optarg;
		return 0;
	}
	return error_set(err, "internal error: option %d not handled", opt);
}

enum options_result options_parse(int argc, char **argv, struct vm_config *cfg,
				  struct error *err)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = LAYOUT_DEFAULT_RAM;
	cfg->ncpus = 1;
	cfg->console = CONSOLE_STDIO;
	cfg->kvm_path = "/dev/kvm";
	cfg->rng = true;
	cfg->seccomp = true;

	opterr = 0;   /* our own messages, one line each */
	optind = 1;
	int opt;
	const char *last_arg = NULL;
	/* '+': options end at the first other word, so that "--" and what
	 * follows it are the command's, never permuted or parsed. */
	while ((opt = getopt_long(argc, argv, "+:", options_long, NULL)) != -1) {
		last_arg = optarg;
		switch (opt) {
		case OPT_KERNEL: cfg->kernel_path = optarg; break;
		case OPT_INITRD: cfg->initrd_path = optarg; break;
		case OPT_CMDLINE: cfg->user_cmdline = optarg; break;
		case OPT_MEM:
			if (options_parse_size(optarg, &cfg->mem_size) < 0)
				return error_set(err, "--mem '%s': expected a size such as 256M or 4G", optarg), OPTIONS_ERROR;
			if (cfg->mem_size < MEM_MIN || cfg->mem_size > MEM_MAX)
				return error_set(err, "--mem '%s': must be between 8M and 1024G", optarg), OPTIONS_ERROR;
			break;
		case OPT_CONSOLE:
			if (options_set_console(cfg, optarg, err) < 0)
				return OPTIONS_ERROR;
			break;
		case OPT_TIMEOUT:
			if (options_parse_timeout(optarg, &cfg->timeout_sec) < 0)
				return error_set(err, "--timeout '%s': expected a positive number of seconds", optarg), OPTIONS_ERROR;
			break;
		case OPT_VERBOSE: cfg->verbose = true; break;
		case OPT_TRACE_BOOT: cfg->trace_boot = true; break;
		case OPT_HELP: fputs(options_help, stdout); return OPTIONS_EXIT_OK;
		case OPT_VERSION: printf("minivmm %s\n", MINIVMM_VERSION); return OPTIONS_EXIT_OK;
		case ':':
			return error_set(err, "option '%s' needs a value", argv[optind - 1]), OPTIONS_ERROR;
		case '?':
			return error_set(err, "unknown option '%s' (see --help)", argv[optind - 1]), OPTIONS_ERROR;
		default:
			if (options_parse_one(opt, cfg, err) < 0)
				return OPTIONS_ERROR;
			break;
		}
	}
	/* getopt steps over a "--" that ends the options; one that is an
	 * option's value (--cmdline --) is not that. */
	if (optind > 1 && strcmp(argv[optind - 1], "--") == 0 && argv[optind - 1] != last_arg) {
		if (optind == argc)
			return error_set(err, "-- must be followed by a command to run"), OPTIONS_ERROR;
		cfg->command = argv + optind;
		cfg->command_argc = argc - optind;
	} else if (optind < argc) {
		return error_set(err, "unexpected argument '%s' (see --help)", argv[optind]), OPTIONS_ERROR;
	}
	if (!cfg->kernel_path)
		return error_set(err, "no kernel given: use --kernel FILE (see --help)"), OPTIONS_ERROR;
	if (cfg->initrd_req.alignment && !cfg->initrd_req.load_address)
		return error_set(err, "--initrd-align needs --initrd-addr"), OPTIONS_ERROR;
	if (cfg->kernel_req.alignment && !cfg->kernel_req.load_address)
		return error_set(err, "--kernel-align needs --kernel-addr"), OPTIONS_ERROR;
	if (cfg->gdb_wait && !cfg->gdb_addr)
		return error_set(err, "--gdb-wait needs --gdb tcp:PORT or unix:PATH: who would attach?"), OPTIONS_ERROR;
	if (cfg->dump_on && !cfg->dump_path)
		return error_set(err, "--dump-on needs --dump PATH: where would the dump go?"), OPTIONS_ERROR;
	if (cfg->dump_dtb_path && cfg->dtb == DTB_OFF)
		return error_set(err, "--dump-dtb with --dtb off: there is no tree to write"), OPTIONS_ERROR;
	if (cfg->dump_dtb_path && cfg->command)
		return error_set(err, "--dump-dtb describes a boot, not a command: leave out -- CMD"), OPTIONS_ERROR;
	if (options_check_stdin(cfg, err) < 0 || options_finish_command(cfg, err) < 0)
		return OPTIONS_ERROR;
	return OPTIONS_RUN;
}

char *options_build_cmdline(const struct vm_config *cfg)
{
	const char *console = cfg->console_device == CONSOLE_DEVICE_VIRTIO
		? DEFAULT_CMDLINE_VIRTIO : DEFAULT_CMDLINE_SERIAL;
	const char *pci = vm_config_has_pci(cfg) ? "" : " " DEFAULT_CMDLINE_NO_PCI;
	const char *user = cfg->user_cmdline ? cfg->user_cmdline : "";
	size_t n = strlen(console) + strlen(DEFAULT_CMDLINE) + strlen(pci) + strlen(user) + 4;
	char *s = malloc(n);
	if (!s)
		return NULL;
	snprintf(s, n, "%s %s%s%s%s", console, DEFAULT_CMDLINE, pci, *user ? " " : "", user);
	return s;
}
