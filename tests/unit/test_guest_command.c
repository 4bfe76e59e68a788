/* guest/command.c: the /minivmm/command records that minivmm hands its guest
 * init (issue 15 contract). */
#include <stdlib.h>
#include <string.h>

#include "guest/command.h"
#include "tests/unit/unit.h"

/* A modifiable copy of a literal's bytes, its trailing NUL left out (each
 * record's NUL is written in the literal). */
#define RECORDS(lit) records_copy((lit), sizeof(lit) - 1)

static char *copy_buf;
static size_t copy_len;

static char *records_copy(const char *bytes, size_t len)
{
	free(copy_buf);
	copy_buf = malloc(len + 1);
	ck_assert_ptr_nonnull(copy_buf);
	memcpy(copy_buf, bytes, len);
	copy_len = len;
	return copy_buf;
}

static int parse(char *buf, struct command *cmd, char *err)
{
	return command_parse(buf, copy_len, cmd, err);
}

START_TEST(test_good_records)
{
	struct command cmd;
	char err[COMMAND_ERROR_MAX];
	char *buf = RECORDS("module=/minivmm/modules/virtio_pci.ko\0"
			    "module=/minivmm/modules/virtio_console.ko.xz\0"
			    "root=minivmm-root\0"
			    "share=minivmm-share0,rw,/home/u/src\0"
			    "share=minivmm-share1,ro,/data\0"
			    "cwd=/home/u/src\0"
			    "env=TERM=dumb\0"
			    "env=EMPTY=\0"
			    "env=EQ=a=b\0"
			    "arg=sh\0"
			    "arg=\0"
			    "arg=a b\0");
	ck_assert_msg(parse(buf, &cmd, err) == 0, "%s", err);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(cmd.nmodules, 2);
	ck_assert_str_eq(cmd.modules[0], "/minivmm/modules/virtio_pci.ko");
	ck_assert_str_eq(cmd.modules[1], "/minivmm/modules/virtio_console.ko.xz");
	ck_assert_ptr_null(cmd.modules[2]);
	ck_assert_str_eq(cmd.root, "minivmm-root");
	ck_assert_uint_eq(cmd.nshares, 2);
	ck_assert_str_eq(cmd.shares[0].tag, "minivmm-share0");
	ck_assert(!cmd.shares[0].ro);
	ck_assert_str_eq(cmd.shares[0].guestdir, "/home/u/src");
	ck_assert_str_eq(cmd.shares[1].tag, "minivmm-share1");
	ck_assert(cmd.shares[1].ro);
	ck_assert_str_eq(cmd.shares[1].guestdir, "/data");
	ck_assert_str_eq(cmd.cwd, "/home/u/src");
	ck_assert_uint_eq(cmd.nenv, 3);
	ck_assert_str_eq(cmd.env[0], "TERM=dumb");
	ck_assert_str_eq(cmd.env[1], "EMPTY=");
	ck_assert_str_eq(cmd.env[2], "EQ=a=b");
	ck_assert_ptr_null(cmd.env[3]);
	ck_assert_uint_eq(cmd.nargs, 3);
	ck_assert_str_eq(cmd.args[0], "sh");
	ck_assert_str_eq(cmd.args[1], "");
	ck_assert_str_eq(cmd.args[2], "a b");
	ck_assert_ptr_null(cmd.args[3]);
	command_free(&cmd);
}
END_TEST

/* The least a run needs: no modules (a kernel with the drivers built in),
 * no share, no env. */
START_TEST(test_minimal_records)
{
	struct command cmd;
	char err[COMMAND_ERROR_MAX];
	char *buf = RECORDS("root=minivmm-root\0cwd=/\0arg=true\0");
	ck_assert_msg(parse(buf, &cmd, err) == 0, "%s", err);
	ck_assert_uint_eq(cmd.nmodules, 0);
	ck_assert_ptr_null(cmd.modules[0]);
	ck_assert_uint_eq(cmd.nshares, 0);
	ck_assert_uint_eq(cmd.nenv, 0);
	ck_assert_ptr_null(cmd.env[0]);
	ck_assert_uint_eq(cmd.nargs, 1);
	ck_assert_str_eq(cmd.args[0], "true");
	command_free(&cmd);
}
END_TEST

START_TEST(test_share_guestdir_with_commas)
{
	struct command cmd;
	char err[COMMAND_ERROR_MAX];
	char *buf = RECORDS("root=minivmm-root\0"
			    "share=minivmm-share0,ro,/a,b,,c,\0"
			    "share=minivmm-share1,rw,/x,rw,/y\0"
			    "cwd=/\0arg=true\0");
	ck_assert_msg(parse(buf, &cmd, err) == 0, "%s", err);
	ck_assert_uint_eq(cmd.nshares, 2);
	ck_assert_str_eq(cmd.shares[0].tag, "minivmm-share0");
	ck_assert(cmd.shares[0].ro);
	ck_assert_str_eq(cmd.shares[0].guestdir, "/a,b,,c,");
	ck_assert_str_eq(cmd.shares[1].tag, "minivmm-share1");
	ck_assert(!cmd.shares[1].ro);
	ck_assert_str_eq(cmd.shares[1].guestdir, "/x,rw,/y");
	command_free(&cmd);
}
END_TEST

/* Parses buf and checks that it is refused with exactly msg. */
static void refused(char *buf, const char *msg)
{
	struct command cmd;
	char err[COMMAND_ERROR_MAX];
	ck_assert_int_eq(parse(buf, &cmd, err), -1);
	ck_assert_str_eq(err, msg);
	command_free(&cmd);
}

START_TEST(test_missing_arg)
{
	refused(RECORDS("root=minivmm-root\0cwd=/\0env=A=1\0"), "no arg record");
}
END_TEST

START_TEST(test_missing_root_or_cwd)
{
	refused(RECORDS("cwd=/\0arg=true\0"), "no root record");
	refused(RECORDS("root=minivmm-root\0arg=true\0"), "no cwd record");
	refused(RECORDS(""), "no records");
}
END_TEST

START_TEST(test_unknown_key)
{
	struct command cmd;
	char err[COMMAND_ERROR_MAX];
	char *buf = RECORDS("module=/minivmm/modules/a.ko\0"
			    "module=/minivmm/modules/b.ko\0"
			    "root=minivmm-root\0"
			    "timeout=5\0"
			    "cwd=/\0arg=true\0");
	ck_assert_int_eq(parse(buf, &cmd, err), -1);
	ck_assert_str_eq(err, "unknown record timeout");
	/* What came before the bad record is kept: the init loads these
	 * modules to bring up the port that reports the error. */
	ck_assert_uint_eq(cmd.nmodules, 2);
	ck_assert_str_eq(cmd.modules[1], "/minivmm/modules/b.ko");
	ck_assert_ptr_null(cmd.modules[2]);
	command_free(&cmd);

	/* Case matters, and the key's bytes reach the status line only as
	 * printable text. */
	refused(RECORDS("ARG=x\0"), "unknown record ARG");
	refused(RECORDS("a\nb\033=x\0"), "unknown record a?b?");
	refused(RECORDS("=x\0"), "unknown record ");
}
END_TEST

START_TEST(test_unterminated_record)
{
	struct command cmd;
	char err[COMMAND_ERROR_MAX];
	char *buf = RECORDS("module=/minivmm/modules/a.ko\0root=minivmm-root\0cwd=/\0arg=tr");
	ck_assert_int_eq(parse(buf, &cmd, err), -1);
	ck_assert_str_eq(err, "unterminated record at byte 53: 'arg=tr'");
	ck_assert_uint_eq(cmd.nmodules, 1);
	ck_assert_uint_eq(cmd.nargs, 0);
	command_free(&cmd);
	/* A file cut inside its very first record. */
	refused(RECORDS("modu"), "unterminated record at byte 0: 'modu'");
}
END_TEST

START_TEST(test_malformed_records)
{
	refused(RECORDS("root=minivmm-root\0\0cwd=/\0arg=true\0"), "empty record at byte 18");
	refused(RECORDS("root\0cwd=/\0arg=true\0"), "record without '=': 'root'");
	refused(RECORDS("root=\0cwd=/\0arg=true\0"), "empty root record");
	refused(RECORDS("root=a\0root=b\0cwd=/\0arg=true\0"), "duplicate record root");
	refused(RECORDS("root=a\0cwd=/\0cwd=/tmp\0arg=true\0"), "duplicate record cwd");
	refused(RECORDS("root=a\0cwd=tmp\0arg=true\0"), "cwd 'tmp' is not absolute");
	refused(RECORDS("module=\0"), "empty module record");
	refused(RECORDS("env=NOVALUE\0"), "bad env record 'NOVALUE': expected NAME=VALUE");
	refused(RECORDS("env==x\0"), "bad env record '=x': expected NAME=VALUE");
}
END_TEST

START_TEST(test_bad_share)
{
	refused(RECORDS("share=minivmm-share0\0"),
		"bad share record 'minivmm-share0': expected TAG,rw|ro,GUESTDIR");
	refused(RECORDS("share=,rw,/x\0"), "bad share record ',rw,/x': expected TAG,rw|ro,GUESTDIR");
	refused(RECORDS("share=t,rx,/x\0"), "bad share record 't,rx,/x': mode is not rw or ro");
	refused(RECORDS("share=t,rw\0"), "bad share record 't,rw': mode is not rw or ro");
	refused(RECORDS("share=t,ro,x\0"), "bad share record 't,ro,x': GUESTDIR is not absolute");
	refused(RECORDS("share=t,ro,\0"), "bad share record 't,ro,': GUESTDIR is not absolute");
}
END_TEST

/* A record's text is cut in the message, which stays one short line. */
START_TEST(test_long_record_cut)
{
	char rec[600] = "cwd=";
	memset(rec + 4, 'x', sizeof(rec) - 5);
	rec[sizeof(rec) - 1] = '\0';
	char *buf = records_copy(rec, sizeof(rec));
	struct command cmd;
	char err[COMMAND_ERROR_MAX];
	ck_assert_int_eq(parse(buf, &cmd, err), -1);
	ck_assert_str_eq(err, "cwd 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' is not absolute");
	command_free(&cmd);
}
END_TEST

static void teardown(void)
{
	free(copy_buf);
	copy_buf = NULL;
}

Suite *guest_command_suite(void)
{
	Suite *s = suite_create("guest_command");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_good_records);
	tcase_add_test(tc, test_minimal_records);
	tcase_add_test(tc, test_share_guestdir_with_commas);
	tcase_add_test(tc, test_missing_arg);
	tcase_add_test(tc, test_missing_root_or_cwd);
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_unterminated_record);
	tcase_add_test(tc, test_malformed_records);
	tcase_add_test(tc, test_bad_share);
	tcase_add_test(tc, test_long_record_cut);
	suite_add_tcase(s, tc);
	return s;
}
