/* Per-thread seccomp filters (seccomp.h).  The filters are compiled with
 * libseccomp at setup and exported as classic BPF (seccomp_export_bpf(3));
 * a thread installs its own with seccomp(2) SECCOMP_SET_MODE_FILTER, after
 * PR_SET_NO_NEW_PRIVS (prctl(2): required without CAP_SYS_ADMIN), so no
 * thread runs libseccomp or allocates once its filter is in. */
#define _GNU_SOURCE   /* REG_RSI, si_syscall */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "vmm/exit_status.h"
#include "vmm/seccomp.h"

struct seccomp_program {
	struct sock_filter *filter;
	unsigned short len;
};

static bool seccomp_on;
static struct seccomp_program seccomp_programs[SECCOMP_THREADS];
/* The names of x86-64's system calls, resolved at setup: the SIGSYS
 * handler may call only async-signal-safe functions (signal-safety(7)),
 * and seccomp_syscall_resolve_num_arch(3) allocates. */
#define SECCOMP_NAMES_MAX 512
static char *seccomp_names[SECCOMP_NAMES_MAX];
/* "vcpu0", "io", ...: the thread the handler names. */
static __thread char seccomp_self[24];

/* The report's pieces, written without stdio. */
struct seccomp_line {
	char buf[320];
	size_t len;
};

static void seccomp_put(struct seccomp_line *l, const char *s)
{
	while (*s && l->len < sizeof(l->buf) - 1)
		l->buf[l->len++] = *s++;
}

static void seccomp_put_number(struct seccomp_line *l, unsigned long v, unsigned base)
{
	char digits[24];
	int n = 0;
	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v && n < (int)sizeof(digits));
	if (base == 16)
		seccomp_put(l, "0x");
	while (n > 0 && l->len < sizeof(l->buf) - 1)
		l->buf[l->len++] = digits[--n];
}

static void (*seccomp_trap_cleanup)(void);

void seccomp_on_trap(void (*cleanup)(void))
{
	seccomp_trap_cleanup = cleanup;
}

static void seccomp_report_and_exit(const char *what, const char *detail)
{
	if (seccomp_trap_cleanup)
		seccomp_trap_cleanup();
	struct seccomp_line l = { .len = 0 };
	seccomp_put(&l, "minivmm: seccomp: the ");
	seccomp_put(&l, seccomp_self[0] ? seccomp_self : "unnamed");
	seccomp_put(&l, " thread ");
	seccomp_put(&l, what);
	seccomp_put(&l, detail);
	seccomp_put(&l, " (--seccomp off runs without the filters)\n");
	ssize_t w = write(STDERR_FILENO, l.buf, l.len);
	(void)w;
	syscall(SYS_exit_group, EXIT_HOST_FAILED);
}

/* SIGSYS from SECCOMP_RET_TRAP (seccomp(2)): si_syscall is the call, the
 * registers the arguments (x86-64: arg 1 in rsi, the ioctl request). */
static void seccomp_sigsys(int sig, siginfo_t *si, void *context)
{
	(void)sig;
	struct seccomp_line l = { .len = 0 };
	int nr = si->si_syscall;
	const char *name = nr >= 0 && nr < SECCOMP_NAMES_MAX && seccomp_names[nr]
		? seccomp_names[nr] : "an unknown call";
	seccomp_put(&l, name);
	seccomp_put(&l, " (");
	seccomp_put_number(&l, (unsigned long)nr, 10);
	seccomp_put(&l, ")");
	if (nr == SYS_ioctl && context) {
		const ucontext_t *uc = context;
		seccomp_put(&l, " request ");
		seccomp_put_number(&l, (unsigned long)uc->uc_mcontext.gregs[REG_RSI] & 0xffffffffUL, 16);
	}
	l.buf[l.len] = '\0';
	seccomp_report_and_exit("made a system call its filter forbids: ", l.buf);
}

/* Thread t's filter as BPF, through a memfd: libseccomp 2.5 exports to a
 * descriptor only. */
static int seccomp_build(enum seccomp_thread t, uint32_t action, struct error *err)
{
	scmp_filter_ctx ctx = seccomp_init(action);
	if (!ctx)
		return error_set_host(err, "seccomp: seccomp_init failed");
	size_t ngroups;
	const struct seccomp_group *const *groups = seccomp_policy_groups(t, &ngroups);
	int rc = 0;
	for (size_t g = 0; g < ngroups && rc == 0; g++) {
		for (size_t i = 0; i < groups[g]->count && rc == 0; i++) {
			const struct seccomp_rule *r = &groups[g]->rules[i];
			int nr = seccomp_syscall_resolve_name(r->name);
			if (nr == __NR_SCMP_ERROR) {
				rc = error_set_host(err, "seccomp: the %s list names %s, which libseccomp "
						    "does not know", groups[g]->name, r->name);
				break;
			}
			int e = r->request
				? seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
						   SCMP_A1_64(SCMP_CMP_MASKED_EQ, 0xffffffffULL,
							      (scmp_datum_t)r->request))
				: seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
			if (e < 0)
				rc = error_set_host(err, "seccomp: %s list, %s: %s", groups[g]->name,
						    r->name, strerror(-e));
		}
	}
	int fd = rc == 0 ? memfd_create("minivmm-seccomp", MFD_CLOEXEC) : -1;
	if (rc == 0 && fd < 0)
		rc = error_set_host(err, "seccomp: memfd_create: %s", strerror(errno));
	int e = rc == 0 ? seccomp_export_bpf(ctx, fd) : 0;
	if (e < 0)
		rc = error_set_host(err, "seccomp: seccomp_export_bpf: %s", strerror(-e));
	seccomp_release(ctx);
	off_t size = rc == 0 ? lseek(fd, 0, SEEK_END) : 0;
	struct seccomp_program *p = &seccomp_programs[t];
	if (rc == 0 && (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0 ||
			size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS))
		rc = error_set_host(err, "seccomp: the %s filter has an odd size (%lld bytes)",
				    seccomp_thread_name(t), (long long)size);
	if (rc == 0) {
		p->filter = malloc((size_t)size);
		if (!p->filter || pread(fd, p->filter, (size_t)size, 0) != (ssize_t)size)
			rc = error_set_host(err, "seccomp: cannot read the %s filter back",
					    seccomp_thread_name(t));
		else
			p->len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int seccomp_setup(bool on, struct error *err)
{
	seccomp_on = false;
	if (!on)
		return 0;
	const char *discover = getenv("MINIVMM_SECCOMP_DISCOVER");
	uint32_t action = discover && strcmp(discover, "1") == 0 ? SCMP_ACT_LOG : SCMP_ACT_TRAP;
	for (int t = 0; t < SECCOMP_THREADS; t++) {
		free(seccomp_programs[t].filter);
		seccomp_programs[t] = (struct seccomp_program){ NULL, 0 };
		if (seccomp_policy_filtered((enum seccomp_thread)t) &&
		    seccomp_build((enum seccomp_thread)t, action, err) < 0)
			return -1;
	}
	for (int nr = 0; nr < SECCOMP_NAMES_MAX; nr++)
		if (!seccomp_names[nr])
			seccomp_names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	/* SIGSYS is forced on the thread (a blocked or ignored one kills it,
	 * seccomp(2)): the handler must be in place before any filter. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = seccomp_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return error_set_host(err, "seccomp: sigaction(SIGSYS): %s", strerror(errno));
	seccomp_on = true;
	return 0;
}

static void seccomp_install(enum seccomp_thread t)
{
	const struct seccomp_program *p = &seccomp_programs[t];
	struct sock_fprog prog = { .len = p->len, .filter = p->filter };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		seccomp_report_and_exit("could not install its filter: ", "prctl(PR_SET_NO_NEW_PRIVS) failed");
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		seccomp_report_and_exit("could not install its filter: ", "seccomp(SECCOMP_SET_MODE_FILTER) failed");
}

void seccomp_thread_enter(enum seccomp_thread t, int index)
{
	if (t == SECCOMP_THREAD_VCPU)
		snprintf(seccomp_self, sizeof(seccomp_self), "vcpu%d", index);
	else
		snprintf(seccomp_self, sizeof(seccomp_self), "%s", seccomp_thread_name(t));
	/* The thread's name (prctl(2) PR_SET_NAME) is the comm= of the
	 * kernel's audit record of a call the filter logged (discovery),
	 * and what top -H shows.  main keeps the program's name. */
	if (t == SECCOMP_THREAD_VCPU || t == SECCOMP_THREAD_IO || t == SECCOMP_THREAD_GDB)
		prctl(PR_SET_NAME, seccomp_self, 0, 0, 0);
	if (seccomp_on && seccomp_policy_filtered(t))
		seccomp_install(t);
#ifdef MINIVMM_TEST_HOOKS
	/* minivmm-test-hooks only (Makefile): a vCPU thread makes a call
	 * its list does not hold, so a test can see the filter bite. */
	if (t == SECCOMP_THREAD_VCPU && getenv("MINIVMM_TEST_SECCOMP_VCPU_GETPPID"))
		syscall(SYS_getppid);
#endif
}

void seccomp_teardown_enter(void)
{
	seccomp_trap_cleanup = NULL;   /* the child has no terminal to put back */
	seccomp_thread_enter(SECCOMP_THREAD_TEARDOWN, 0);
}
