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

#ifndef MINIVMM_VERSION
#define MINIVMM_VERSION "unknown"
#endif

static const char options_help[] =
	"Usage: minivmm --kernel FILE [options]\n"
	"Boot an x86-64 Linux kernel (bzImage) in a KVM virtual machine.\n"
	"\n"
	"Options:\n"
	"  --kernel FILE        bzImage to boot (64-bit boot protocol)\n"
	"  --initrd FILE        initial ramdisk\n"
	"  --cmdline STR        appended to the default command line:\n"
	"                       \"" DEFAULT_CMDLINE "\"\n"
	"  --mem SIZE           guest RAM, K/M/G suffix (default 256M)\n"
	"  --console KIND       stdio (default), file:PATH or none\n"
	"  --timeout SECONDS    stop the guest after SECONDS (exit 124)\n"
	"  --verbose            print where images landed and the memory map\n"
	"  --help               this text\n"
	"  --version            minivmm's version\n"
	"\n"
	"Exit status:\n"
	"  0    the guest powered off or asked for a reset\n"
	"  odd  the guest wrote v to the debug-exit port 0xf4: (v << 1) | 1\n"
	"  2    usage or setup error (bad option, bad image, /dev/kvm trouble)\n"
	"  4    the guest crashed (triple fault, failed entry, internal error)\n"
	"  8    minivmm failed on the host while the guest ran\n"
	"  124  --timeout expired\n"
	"  130  interrupted (SIGINT, SIGTERM, SIGHUP, or Ctrl-A x on a terminal)\n";

int options_parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!isdigit((unsigned char)s[0]))
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case '\0': break;
	default: return -1;
	}
	if (*end != '\0' || v == 0 || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static int options_parse_timeout(const char *s, double *out)
{
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

enum { OPT_KERNEL = 256, OPT_INITRD, OPT_CMDLINE, OPT_MEM, OPT_CONSOLE, OPT_TIMEOUT,
       OPT_VERBOSE, OPT_HELP, OPT_VERSION };

static const struct option options_long[] = {
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "mem", required_argument, NULL, OPT_MEM },
	{ "console", required_argument, NULL, OPT_CONSOLE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

enum options_result options_parse(int argc, char **argv, struct vm_config *cfg,
				  struct error *err)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = LAYOUT_DEFAULT_RAM;
	cfg->console = CONSOLE_STDIO;
	cfg->kvm_path = "/dev/kvm";

	opterr = 0;   /* our own messages, one line each */
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, ":", options_long, NULL)) != -1) {
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
		case OPT_HELP: fputs(options_help, stdout); return OPTIONS_EXIT_OK;
		case OPT_VERSION: printf("minivmm %s\n", MINIVMM_VERSION); return OPTIONS_EXIT_OK;
		case ':':
			return error_set(err, "option '%s' needs a value", argv[optind - 1]), OPTIONS_ERROR;
		default:
			return error_set(err, "unknown option '%s' (see --help)", argv[optind - 1]), OPTIONS_ERROR;
		}
	}
	if (optind < argc)
		return error_set(err, "unexpected argument '%s' (see --help)", argv[optind]), OPTIONS_ERROR;
	if (!cfg->kernel_path)
		return error_set(err, "no kernel given: use --kernel FILE (see --help)"), OPTIONS_ERROR;
	return OPTIONS_RUN;
}

char *options_build_cmdline(const struct vm_config *cfg)
{
	const char *user = cfg->user_cmdline ? cfg->user_cmdline : "";
	size_t n = strlen(DEFAULT_CMDLINE) + 1 + strlen(user) + 1;
	char *s = malloc(n);
	if (!s)
		return NULL;
	snprintf(s, n, "%s%s%s", DEFAULT_CMDLINE, *user ? " " : "", user);
	return s;
}
