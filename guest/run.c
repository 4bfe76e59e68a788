/* Running the command (guest/run.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest/run.h"

static bool env_has(const struct command *cmd, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < cmd->nenv; i++)
		if (strncmp(cmd->env[i], name, n) == 0 && cmd->env[i][n] == '=')
			return true;
	return false;
}

const char **run_environment(const struct command *cmd)
{
	const char **env = calloc(cmd->nenv + 3, sizeof(*env));
	if (!env)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < cmd->nenv; i++)
		env[n++] = cmd->env[i];
	if (!env_has(cmd, "PATH"))
		env[n++] = "PATH=" RUN_DEFAULT_PATH;
	if (!env_has(cmd, "HOME"))
		env[n++] = "HOME=" RUN_DEFAULT_HOME;
	env[n] = NULL;
	return env;
}

/* The child's last words when it cannot run the command, on its stderr. */
static void child_fail(int fd_err, const char *what)
{
	int e = errno;
	dprintf(fd_err, "minivmm-init: %s: %s\n", what, strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

static void child_run(const struct command *cmd, const char *shell, const char **argv,
		      const char **env, int fd_in, int fd_out, int fd_err)
{
	setsid();
	/* Each port is first copied above 2, so that placing one cannot
	 * overwrite another that happens to sit on 0, 1 or 2 (an init that the
	 * kernel started without /dev/console has nothing open there). */
	int high[3] = {
		fcntl(fd_in, F_DUPFD_CLOEXEC, 3),
		fcntl(fd_out, F_DUPFD_CLOEXEC, 3),
		fcntl(fd_err, F_DUPFD_CLOEXEC, 3),
	};
	for (int i = 0; i < 3; i++)
		if (high[i] < 0 || dup2(high[i], i) < 0)
			child_fail(fd_err, "cannot set up the command's stdin/stdout/stderr");

	/* The command itself first, looked up in PATH as the shell's exec
	 * would (execvp reads PATH from environ; a file without "#!" runs
	 * under /bin/sh there too): one program fewer to start.  Only when
	 * that fails does the shell run, to fail the same way and say so in
	 * its own words (127 not found, 126 not executable). */
	extern char **environ;
	environ = (char **)env;
	execvp(cmd->args[0], (char *const *)cmd->args);
	int command_errno = errno;
	execve(shell, (char *const *)argv, (char *const *)env);
	if (errno == ENOENT) {   /* no shell in this root: the command's reason */
		errno = command_errno;
		child_fail(2, cmd->args[0]);
	}
	child_fail(2, shell);
}

pid_t run_start(const struct command *cmd, const char *shell, int fd_in, int fd_out,
		int fd_err)
{
	/* POSIX sh: `sh -c STRING NAME ARGS...` sets $0 to NAME and $@ to ARGS,
	 * and `exec "$@"` runs ARGS as one command, word for word, with the
	 * shell's PATH search and its messages (child_run: when the command
	 * cannot be run directly).  Built before fork: the child only
	 * execs. */
	const char **env = run_environment(cmd);
	const char **argv = calloc(cmd->nargs + 5, sizeof(*argv));
	if (!env || !argv) {
		free(env);
		free(argv);
		errno = ENOMEM;
		return -1;
	}
	size_t n = 0;
	argv[n++] = "sh";
	argv[n++] = "-c";
	argv[n++] = "exec \"$@\"";
	argv[n++] = "sh";
	for (size_t i = 0; i < cmd->nargs; i++)
		argv[n++] = cmd->args[i];
	argv[n] = NULL;

	pid_t pid = fork();
	if (pid == 0)
		child_run(cmd, shell, argv, env, fd_in, fd_out, fd_err);
	int e = errno;
	free(env);
	free(argv);
	errno = e;
	return pid;
}

int run_wait(pid_t pid, int *wstatus)
{
	for (;;) {
		int st;
		pid_t r = waitpid(-1, &st, 0);
		if (r == pid) {
			*wstatus = st;
			return 0;
		}
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

size_t run_status_line(int wstatus, char *buf, size_t size)
{
	int n;
	if (WIFSIGNALED(wstatus))
		n = snprintf(buf, size, "signal %d\n", WTERMSIG(wstatus));
	else
		n = snprintf(buf, size, "exit %d\n", WEXITSTATUS(wstatus));
	if (n < 0)
		n = 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

int run_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}
