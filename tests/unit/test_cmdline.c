/* boot/cmdline.c: the kernel's cmdline_size and minivmm's own room. */
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "tests/unit/unit.h"

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

START_TEST(test_exact_max_accepted)
{
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	memset(ram.host + LAYOUT_CMDLINE, 0xff, 64);
	char *line = repeat('x', 0x7ff);
	struct error err = { 0 };
	ck_assert_msg(cmdline_write(&ram.mem, line, 0x7ff, &err) == 0, "%s", err.msg);
	ck_assert_mem_eq(ram.host + LAYOUT_CMDLINE, line, 0x7ff);
	ck_assert_uint_eq(ram.host[LAYOUT_CMDLINE + 0x7ff], 0);
	free(line);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_max_plus_one_refused)
{
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	char *line = repeat('x', 0x800);
	struct error err = { 0 };
	ck_assert_int_eq(cmdline_write(&ram.mem, line, 0x7ff, &err), -1);
	ck_assert_str_eq(err.msg, "command line is 2048 bytes, the kernel accepts at most 2047");
	ck_assert_uint_eq(ram.host[LAYOUT_CMDLINE], 0);  /* nothing written */
	free(line);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_written_nul_terminated)
{
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	memset(ram.host + LAYOUT_CMDLINE, 0xff, 64);
	struct error err = { 0 };
	ck_assert_int_eq(cmdline_write(&ram.mem, "console=ttyS0 quiet", 255, &err), 0);
	ck_assert_str_eq((char *)ram.host + LAYOUT_CMDLINE, "console=ttyS0 quiet");
	ck_assert_uint_eq(ram.host[LAYOUT_CMDLINE + 20], 0xff);  /* no more than len + 1 */
	ck_assert_int_eq(cmdline_write(&ram.mem, "", 255, &err), 0);
	ck_assert_uint_eq(ram.host[LAYOUT_CMDLINE], 0);
	ram.host[LAYOUT_CMDLINE] = 'z';
	ck_assert_int_eq(cmdline_write(&ram.mem, NULL, 255, &err), 0);
	ck_assert_uint_eq(ram.host[LAYOUT_CMDLINE], 0);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_layout_room_limits)
{
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	struct error err = { 0 };
	char *line = repeat('y', LAYOUT_CMDLINE_MAX - 1);
	ck_assert_int_eq(cmdline_write(&ram.mem, line, UINT32_MAX, &err), 0);
	ck_assert_uint_eq(ram.host[LAYOUT_CMDLINE + LAYOUT_CMDLINE_MAX - 1], 0);
	free(line);
	line = repeat('y', LAYOUT_CMDLINE_MAX);
	ck_assert_int_eq(cmdline_write(&ram.mem, line, UINT32_MAX, &err), -1);
	ck_assert_str_eq(err.msg, "command line is 65536 bytes, minivmm has room for at most 65535");
	free(line);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_ram_too_small)
{
	struct test_ram ram;
	test_ram_init(&ram, LAYOUT_CMDLINE + 4096);
	struct error err = { 0 };
	ck_assert_int_eq(cmdline_write(&ram.mem, "ok", 255, &err), 0);
	char *line = repeat('z', 4096);
	ck_assert_int_eq(cmdline_write(&ram.mem, line, 8192, &err), -1);
	ck_assert_str_eq(err.msg, "guest RAM too small for the command line at 0x20000");
	free(line);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_limit_follows_protocol)
{
	struct setup_header hdr = { .version = 0x0206, .cmdline_size = 2047 };
	ck_assert_uint_eq(cmdline_limit(&hdr), 2047);
	hdr.version = 0x0205;   /* cmdline_size came in 2.06 */
	ck_assert_uint_eq(cmdline_limit(&hdr), 255);
	struct error err;
	char line[300];
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	ck_assert_int_lt(cmdline_check(line, cmdline_limit(&hdr), &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "at most 255"));
	line[255] = '\0';
	ck_assert_int_eq(cmdline_check(line, cmdline_limit(&hdr), &err), 0);
}
END_TEST

Suite *cmdline_suite(void)
{
	Suite *s = suite_create("cmdline");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_exact_max_accepted);
	tcase_add_test(tc, test_max_plus_one_refused);
	tcase_add_test(tc, test_written_nul_terminated);
	tcase_add_test(tc, test_layout_room_limits);
	tcase_add_test(tc, test_ram_too_small);
	tcase_add_test(tc, test_limit_follows_protocol);
	suite_add_tcase(s, tc);
	return s;
}
