/* The /minivmm/command records (guest/command.h).  Everything here is
 * written by minivmm's host side, but it is still checked: a record this
 * init does not understand means the two halves disagree, and running the
 * command anyway could run it wrong (without a share, in another directory),
 * so it is refused with a line that names the record. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/command.h"

/* The message, with any byte outside printable ASCII shown as '?': it ends
 * up on a status line, which is one line. */
static int fail(char *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, COMMAND_ERROR_MAX, fmt, ap);
	va_end(ap);
	for (char *p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return -1;
}

/* At most this many bytes of a record's own text go into a message. */
#define SHOWN 40

static int parse_share(const char *value, struct command_share *share, char *err)
{
	const char *comma = strchr(value, ',');
	if (!comma || comma == value)
		return fail(err, "bad share record '%.*s': expected TAG,rw|ro,GUESTDIR",
			    SHOWN, value);
	const char *mode = comma + 1;
	bool ro;
	if (strncmp(mode, "rw,", 3) == 0)
		ro = false;
	else if (strncmp(mode, "ro,", 3) == 0)
		ro = true;
	else
		return fail(err, "bad share record '%.*s': mode is not rw or ro", SHOWN, value);
	const char *guestdir = mode + 3;
	if (guestdir[0] != '/')
		return fail(err, "bad share record '%.*s': GUESTDIR is not absolute", SHOWN,
			    value);
	/* The tag ends at the first comma: cut it there, in the caller's buffer. */
	*(char *)comma = '\0';
	share->tag = value;
	share->ro = ro;
	share->guestdir = guestdir;
	return 0;
}

static int parse_record(char *rec, struct command *cmd, char *err)
{
	char *eq = strchr(rec, '=');
	if (!eq)
		return fail(err, "record without '=': '%.*s'", SHOWN, rec);
	*eq = '\0';
	const char *key = rec;
	char *value = eq + 1;
	int rc = 0;

	if (strcmp(key, "module") == 0) {
		if (!value[0])
			rc = fail(err, "empty module record");
		else
			cmd->modules[cmd->nmodules++] = value;
	} else if (strcmp(key, "root") == 0) {
		if (cmd->root)
			rc = fail(err, "duplicate record root");
		else if (!value[0])
			rc = fail(err, "empty root record");
		else
			cmd->root = value;
	} else if (strcmp(key, "share") == 0) {
		rc = parse_share(value, &cmd->shares[cmd->nshares], err);
		if (rc == 0)
			cmd->nshares++;
	} else if (strcmp(key, "cwd") == 0) {
		if (cmd->cwd)
			rc = fail(err, "duplicate record cwd");
		else if (value[0] != '/')
			rc = fail(err, "cwd '%.*s' is not absolute", SHOWN, value);
		else
			cmd->cwd = value;
	} else if (strcmp(key, "env") == 0) {
		/* NAME=VALUE with a non-empty NAME, as execve's callers expect. */
		if (value[0] == '=' || !strchr(value, '='))
			rc = fail(err, "bad env record '%.*s': expected NAME=VALUE", SHOWN, value);
		else
			cmd->env[cmd->nenv++] = value;
	} else if (strcmp(key, "arg") == 0) {
		cmd->args[cmd->nargs++] = value;   /* an empty argument is an argument */
	} else {
		rc = fail(err, "unknown record %.*s", SHOWN, key);
	}
	*eq = '=';   /* the buffer as it was, but for a share's cut tag */
	return rc;
}

int command_parse(char *buf, size_t len, struct command *cmd, char err[COMMAND_ERROR_MAX])
{
	memset(cmd, 0, sizeof(*cmd));
	err[0] = '\0';

	/* No array can hold more entries than there are records; one more for
	 * the NULL that ends it. */
	size_t max = 1;
	for (size_t i = 0; i < len; i++)
		max += buf[i] == '\0';
	cmd->modules = calloc(max + 1, sizeof(*cmd->modules));
	cmd->shares = calloc(max + 1, sizeof(*cmd->shares));
	cmd->env = calloc(max + 1, sizeof(*cmd->env));
	cmd->args = calloc(max + 1, sizeof(*cmd->args));
	if (!cmd->modules || !cmd->shares || !cmd->env || !cmd->args)
		return fail(err, "out of memory");

	if (len == 0)
		return fail(err, "no records");
	size_t pos = 0;
	while (pos < len) {
		char *rec = buf + pos;
		char *end = memchr(rec, '\0', len - pos);
		if (!end)
			return fail(err, "unterminated record at byte %zu: '%.*s'", pos,
				    (int)(len - pos < SHOWN ? len - pos : SHOWN), rec);
		if (end == rec)
			return fail(err, "empty record at byte %zu", pos);
		if (parse_record(rec, cmd, err) < 0)
			return -1;
		pos = (size_t)(end - buf) + 1;
	}
	if (!cmd->root)
		return fail(err, "no root record");
	if (!cmd->cwd)
		return fail(err, "no cwd record");
	if (cmd->nargs == 0)
		return fail(err, "no arg record");
	return 0;
}

void command_free(struct command *cmd)
{
	free(cmd->modules);
	free(cmd->shares);
	free(cmd->env);
	free(cmd->args);
	memset(cmd, 0, sizeof(*cmd));
}
