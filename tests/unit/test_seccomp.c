/* The seccomp lists (vmm/seccomp_policy.c) and a real trap (vmm/seccomp.c):
 * every name is one libseccomp knows, no entry is there twice, every
 * thread's filter builds, and a call outside a list ends the process with 8
 * and the line naming the call and the thread (seccomp(2),
 * SECCOMP_RET_TRAP). */
#define _GNU_SOURCE
#include <seccomp.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "vmm/exit_status.h"
#include "vmm/seccomp.h"

START_TEST(every_name_resolves_and_says_why)
{
	size_t n;
	const struct seccomp_group *const *groups = seccomp_policy_all_groups(&n);
	ck_assert_uint_ge(n, 7);
	for (size_t g = 0; g < n; g++) {
		ck_assert_uint_gt(groups[g]->count, 0);
		for (size_t i = 0; i < groups[g]->count; i++) {
			const struct seccomp_rule *r = &groups[g]->rules[i];
			ck_assert_msg(seccomp_syscall_resolve_name(r->name) != __NR_SCMP_ERROR,
				      "%s list: %s is no system call libseccomp knows",
				      groups[g]->name, r->name);
			ck_assert_msg(r->why && strlen(r->why) > 5, "%s list: %s says not why",
				      groups[g]->name, r->name);
			ck_assert_msg(!r->request || strcmp(r->name, "ioctl") == 0,
				      "%s list: a request on %s, which is not ioctl", groups[g]->name,
				      r->name);
		}
	}
}
END_TEST

static bool seccomp_rule_same(const struct seccomp_rule *a, const struct seccomp_rule *b)
{
	return strcmp(a->name, b->name) == 0 && a->request == b->request;
}

/* Within a thread's list, an entry once: a second one would hide which
 * reason holds.  (The sanitizer's group is added whole and may repeat.) */
START_TEST(no_entry_twice_in_a_thread_list)
{
	for (int t = 0; t < SECCOMP_THREADS; t++) {
		size_t n;
		const struct seccomp_group *const *groups =
			seccomp_policy_groups((enum seccomp_thread)t, &n);
		ck_assert_uint_ge(n, 1);
		for (size_t g = 0; g < n; g++) {
			if (strcmp(groups[g]->name, "sanitizer runtime") == 0)
				continue;
			for (size_t i = 0; i < groups[g]->count; i++)
				for (size_t h = 0; h <= g; h++)
					for (size_t j = 0; j < (h == g ? i : groups[h]->count); j++)
						ck_assert_msg(!seccomp_rule_same(&groups[g]->rules[i],
										 &groups[h]->rules[j]),
							      "%s thread: %s (request %#lx) is in the %s "
							      "and the %s lists",
							      seccomp_thread_name((enum seccomp_thread)t),
							      groups[g]->rules[i].name,
							      groups[g]->rules[i].request, groups[h]->name,
							      groups[g]->name);
		}
	}
}
END_TEST

START_TEST(every_filter_builds)
{
	struct error err = { 0 };
	ck_assert_msg(seccomp_setup(true, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(seccomp_setup(false, &err), 0);
}
END_TEST

/* In a child: filters set up, thread t's installed, then system call nr
 * with arg1 as its second argument; what the child wrote on stderr goes to
 * buf.  The child must end with 8, as the SIGSYS handler ends a run. */
static void trap_in_child(enum seccomp_thread t, int index, long nr, unsigned long arg1,
			  char *buf, size_t size)
{
	int pipefd[2];
	ck_assert_int_eq(pipe(pipefd), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(pipefd[0]);
		dup2(pipefd[1], STDERR_FILENO);
		struct error err = { 0 };
		if (seccomp_setup(true, &err) < 0)
			_exit(50);
		seccomp_thread_enter(t, index);
		syscall(nr, 0, arg1, 0);
		_exit(51);
	}
	close(pipefd[1]);
	memset(buf, 0, size);
	size_t got = 0;
	ssize_t r;
	while (got < size - 1 && (r = read(pipefd[0], buf + got, size - 1 - got)) > 0)
		got += (size_t)r;
	close(pipefd[0]);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == EXIT_HOST_FAILED,
		      "status %#x, stderr: %s", status, buf);
}

/* The vCPU list and getppid, which no list holds: SIGSYS, the line on
 * stderr, exit 8. */
START_TEST(a_forbidden_call_ends_with_8_and_names_it)
{
	char buf[512];
	trap_in_child(SECCOMP_THREAD_VCPU, 3, SYS_getppid, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "minivmm: seccomp: the vcpu3 thread made a system call its filter "
			      "forbids: getppid (110) (--seccomp off runs without the filters)\n");
}
END_TEST

/* An ioctl outside the list names its request too. */
START_TEST(a_forbidden_ioctl_names_its_request)
{
	char buf[512];
	trap_in_child(SECCOMP_THREAD_IO, 0, SYS_ioctl, 0xae80UL /* KVM_RUN */, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "the io thread made a system call its filter forbids: "
				  "ioctl (16) request 0xae80 "), "stderr: %s", buf);
}
END_TEST

Suite *seccomp_suite(void)
{
	Suite *s = suite_create("seccomp");
	TCase *t = tcase_create("policy");
	tcase_add_test(t, every_name_resolves_and_says_why);
	tcase_add_test(t, no_entry_twice_in_a_thread_list);
	tcase_add_test(t, every_filter_builds);
	tcase_add_test(t, a_forbidden_call_ends_with_8_and_names_it);
	tcase_add_test(t, a_forbidden_ioctl_names_its_request);
	suite_add_tcase(s, t);
	return s;
}
