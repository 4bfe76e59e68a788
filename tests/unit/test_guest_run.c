/* guest/run.c: how minivmm-init runs the command and reads its end, run
 * here with files in place of the virtio-console ports.  The same code runs
 * as the guest's PID 1; only the ports and the shell's path differ (the
 * tests use this machine's /bin/sh, as the guest uses the host's). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest/command.h"
#include "guest/run.h"
#include "tests/unit/unit.h"

/* A command of args and env (NULL-terminated lists), as command_parse would
 * give it. */
static struct command make_command(const char **args, const char **env)
{
	struct command cmd = { 0 };
	cmd.args = args;
	while (args[cmd.nargs])
		cmd.nargs++;
	static const char *no_env[] = { NULL };
	cmd.env = env ? env : no_env;
	while (cmd.env[cmd.nenv])
		cmd.nenv++;
	return cmd;
}

/* A file holding data, read from its start: the command's stdin. */
static int data_fd(const char *data)
{
	int fd = memfd_create("run-test", MFD_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(run_write_all(fd, data, strlen(data)), 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* All of fd from its start, NUL-terminated (malloc'd). */
static char *fd_text(int fd)
{
	off_t size = lseek(fd, 0, SEEK_END);
	ck_assert_int_ge(size, 0);
	char *text = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(pread(fd, text, (size_t)size, 0), size);
	text[size] = '\0';
	return text;
}

struct result {
	char line[32];   /* the status port's line */
	char *out, *err;
	pid_t pid;
};

static struct result run(const char *shell, const char **args, const char **env,
			 const char *input)
{
	struct command cmd = make_command(args, env);
	int in = data_fd(input), out = data_fd(""), err = data_fd("");
	struct result r = { 0 };
	r.pid = run_start(&cmd, shell, in, out, err);
	ck_assert_int_gt(r.pid, 0);
	int wstatus;
	ck_assert_int_eq(run_wait(r.pid, &wstatus), 0);
	run_status_line(wstatus, r.line, sizeof(r.line));
	r.out = fd_text(out);
	r.err = fd_text(err);
	close(in);
	close(out);
	close(err);
	return r;
}

static void result_free(struct result *r)
{
	free(r->out);
	free(r->err);
}

#define ARGS(...) ((const char *[]){ __VA_ARGS__, NULL })

START_TEST(test_exit_statuses)
{
	struct result r = run("/bin/sh", ARGS("true"), NULL, "");
	ck_assert_str_eq(r.line, "exit 0\n");
	result_free(&r);
	r = run("/bin/sh", ARGS("false"), NULL, "");
	ck_assert_str_eq(r.line, "exit 1\n");
	result_free(&r);
	r = run("/bin/sh", ARGS("sh", "-c", "exit 42"), NULL, "");
	ck_assert_str_eq(r.line, "exit 42\n");
	result_free(&r);
	r = run("/bin/sh", ARGS("sh", "-c", "exit 255"), NULL, "");
	ck_assert_str_eq(r.line, "exit 255\n");
	result_free(&r);
}
END_TEST

START_TEST(test_killed_by_signal)
{
	struct result r = run("/bin/sh", ARGS("sh", "-c", "kill -9 $$"), NULL, "");
	ck_assert_str_eq(r.line, "signal 9\n");
	result_free(&r);
	r = run("/bin/sh", ARGS("sh", "-c", "kill -TERM $$"), NULL, "");
	ck_assert_str_eq(r.line, "signal 15\n");
	result_free(&r);
}
END_TEST

/* The shell's own "not found" line on stderr and 127, as the issue asks. */
START_TEST(test_missing_command)
{
	struct result r = run("/bin/sh", ARGS("minivmm-no-such-command", "x"), NULL, "");
	ck_assert_str_eq(r.line, "exit 127\n");
	ck_assert_msg(strstr(r.err, "minivmm-no-such-command") && strstr(r.err, "not found"),
		      "stderr: %s", r.err);
	ck_assert_str_eq(r.out, "");
	result_free(&r);
	/* Found but not executable: 126, as a shell says it. */
	r = run("/bin/sh", ARGS("/dev/null"), NULL, "");
	ck_assert_str_eq(r.line, "exit 126\n");
	result_free(&r);
}
END_TEST

START_TEST(test_stdin_stdout_stderr_apart)
{
	struct result r = run("/bin/sh", ARGS("cat"), NULL, "abc\0def");
	ck_assert_str_eq(r.line, "exit 0\n");
	ck_assert_str_eq(r.out, "abc");
	ck_assert_str_eq(r.err, "");
	result_free(&r);
	r = run("/bin/sh", ARGS("sh", "-c", "cat; echo err >&2; echo out"), NULL, "in\n");
	ck_assert_str_eq(r.out, "in\nout\n");
	ck_assert_str_eq(r.err, "err\n");
	result_free(&r);
}
END_TEST

/* Each arg is one word: no splitting, no globbing, no expansion. */
START_TEST(test_args_word_for_word)
{
	struct result r = run("/bin/sh", ARGS("printf", "%s|", "a  b", "", "$HOME", "*", "'\"", "-c"),
			      NULL, "");
	ck_assert_str_eq(r.line, "exit 0\n");
	ck_assert_str_eq(r.out, "a  b||$HOME|*|'\"|-c|");
	result_free(&r);
}
END_TEST

START_TEST(test_environment_defaults)
{
	const char **env = run_environment(&(struct command){
		.env = ARGS("A=1", "B=x y"), .nenv = 2 });
	ck_assert_ptr_nonnull(env);
	ck_assert_str_eq(env[0], "A=1");
	ck_assert_str_eq(env[1], "B=x y");
	ck_assert_str_eq(env[2], "PATH=" RUN_DEFAULT_PATH);
	ck_assert_str_eq(env[3], "HOME=/root");
	ck_assert_ptr_null(env[4]);
	free(env);

	/* Given ones win; a name that only starts like PATH is not PATH. */
	env = run_environment(&(struct command){
		.env = ARGS("PATHX=1", "HOME=/h", "PATH=/p"), .nenv = 3 });
	ck_assert_str_eq(env[0], "PATHX=1");
	ck_assert_str_eq(env[1], "HOME=/h");
	ck_assert_str_eq(env[2], "PATH=/p");
	ck_assert_ptr_null(env[3]);
	free(env);
}
END_TEST

/* The command sees its env records and the defaults, nothing of the init's
 * own environment.  The shell lists them in its own order, and adds PWD
 * (POSIX sh exports it), which is the one line set aside. */
START_TEST(test_environment_exact)
{
	ck_assert_int_eq(setenv("MINIVMM_RUN_TEST_LEAK", "1", 1), 0);
	struct result r = run("/bin/sh", ARGS("env"), ARGS("A=1", "B=x y"), "");
	ck_assert_str_eq(r.line, "exit 0\n");
	static const char *const expected[] = {
		"A=1", "B=x y", ("PATH=" RUN_DEFAULT_PATH), "HOME=/root",
	};
	size_t n = sizeof(expected) / sizeof(expected[0]);
	bool seen[sizeof(expected) / sizeof(expected[0])] = { 0 };
	for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "PWD=", 4) == 0)
			continue;
		size_t i = 0;
		while (i < n && (seen[i] || strcmp(line, expected[i]) != 0))
			i++;
		ck_assert_msg(i < n, "unexpected or repeated variable: %s", line);
		seen[i] = true;
	}
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(seen[i], "missing: %s", expected[i]);
	result_free(&r);
}
END_TEST

/* The command runs itself, not under the shell: the shell starts only when
 * the command cannot, to fail in its own words.  (A "shell" that is
 * /bin/false tells which ran.) */
START_TEST(test_shell_only_on_failure)
{
	struct result r = run("/bin/false", ARGS("true"), NULL, "");
	ck_assert_str_eq(r.line, "exit 0\n");
	result_free(&r);
	r = run("/bin/false", ARGS("minivmm-no-such-command"), NULL, "");
	ck_assert_str_eq(r.line, "exit 1\n");
	result_free(&r);
}
END_TEST

/* A root without /bin/sh: the args run by execvp, with the default PATH. */
START_TEST(test_without_shell)
{
	struct result r = run("/nonexistent/sh", ARGS("sh", "-c", "echo \"$0\"; exit 7"), NULL, "");
	ck_assert_str_eq(r.line, "exit 7\n");
	ck_assert_str_eq(r.out, "sh\n");   /* argv[0] is the arg, not "sh -c ..." */
	result_free(&r);
	r = run("/nonexistent/sh", ARGS("minivmm-no-such-command"), NULL, "");
	ck_assert_str_eq(r.line, "exit 127\n");
	ck_assert_str_eq(r.err, "minivmm-init: minivmm-no-such-command: No such file or directory\n");
	result_free(&r);
	/* And with the command's environment, not the init's. */
	ck_assert_int_eq(setenv("MINIVMM_RUN_TEST_LEAK", "1", 1), 0);
	r = run("/nonexistent/sh", ARGS("env"), ARGS("A=1"), "");
	ck_assert_str_eq(r.line, "exit 0\n");
	ck_assert_str_eq(r.out, "A=1\nPATH=" RUN_DEFAULT_PATH "\nHOME=/root\n");
	result_free(&r);
}
END_TEST

/* The ports may sit on 0, 1 and 2 themselves, in any order. */
START_TEST(test_ports_on_low_fds)
{
	int in = data_fd("abc"), out = data_fd(""), err = data_fd("");
	/* stdin port on 2, stdout on 0, stderr on 1. */
	ck_assert_int_eq(dup2(in, 2), 2);
	ck_assert_int_eq(dup2(out, 0), 0);
	ck_assert_int_eq(dup2(err, 1), 1);
	struct command cmd = make_command(ARGS("sh", "-c", "cat; echo e >&2"), NULL);
	pid_t pid = run_start(&cmd, "/bin/sh", 2, 0, 1);
	ck_assert_int_gt(pid, 0);
	int wstatus;
	ck_assert_int_eq(run_wait(pid, &wstatus), 0);
	ck_assert(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
	char *o = fd_text(out), *e = fd_text(err);
	ck_assert_str_eq(o, "abc");
	ck_assert_str_eq(e, "e\n");
	free(o);
	free(e);
}
END_TEST

/* run_wait reaps every child, as an init must (orphans become its
 * children), and returns when the command ends, not when its background
 * children do. */
START_TEST(test_wait_reaps_and_returns_at_command_end)
{
	pid_t other = fork();
	ck_assert_int_ge(other, 0);
	if (other == 0)
		_exit(0);
	struct result r = run("/bin/sh", ARGS("sh", "-c", "sleep 100 & exit 3"), NULL, "");
	ck_assert_str_eq(r.line, "exit 3\n");
	/* The other child was reaped on the way. */
	ck_assert_int_eq(waitpid(other, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
	/* Its background sleep still runs, in the command's own session and
	 * process group (setsid): the group exists to be killed. */
	ck_assert_int_eq(kill(-r.pid, SIGKILL), 0);
	result_free(&r);
}
END_TEST

START_TEST(test_status_lines)
{
	char line[32];
	ck_assert_uint_eq(run_status_line(0, line, sizeof(line)), 7);
	ck_assert_str_eq(line, "exit 0\n");
	ck_assert_uint_eq(run_status_line(42 << 8, line, sizeof(line)), 8);
	ck_assert_str_eq(line, "exit 42\n");
	ck_assert_uint_eq(run_status_line(SIGKILL, line, sizeof(line)), 9);
	ck_assert_str_eq(line, "signal 9\n");
	/* Cut to the buffer, NUL-terminated. */
	ck_assert_uint_eq(run_status_line(255 << 8, line, 5), 4);
	ck_assert_str_eq(line, "exit");
}
END_TEST

Suite *guest_run_suite(void)
{
	Suite *s = suite_create("guest_run");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_exit_statuses);
	tcase_add_test(tc, test_killed_by_signal);
	tcase_add_test(tc, test_missing_command);
	tcase_add_test(tc, test_stdin_stdout_stderr_apart);
	tcase_add_test(tc, test_args_word_for_word);
	tcase_add_test(tc, test_environment_defaults);
	tcase_add_test(tc, test_environment_exact);
	tcase_add_test(tc, test_shell_only_on_failure);
	tcase_add_test(tc, test_without_shell);
	tcase_add_test(tc, test_ports_on_low_fds);
	tcase_add_test(tc, test_wait_reaps_and_returns_at_command_end);
	tcase_add_test(tc, test_status_lines);
	suite_add_tcase(s, tc);
	return s;
}
