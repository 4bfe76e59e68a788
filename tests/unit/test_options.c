/* Option parsing: sizes, each usage error, the command-line order. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config.h"
#include "vmm/console_watch.h"
#include "vmm/exit_status.h"

#define ARGV(...) ((char *[]){ "minivmm", __VA_ARGS__, NULL })

/* argc from the NULL-terminated argv, as the C runtime would give it. */
static enum options_result parse(char **argv, struct vm_config *cfg, struct error *err)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	err->msg[0] = '\0';
	return options_parse(argc, argv, cfg, err);
}

START_TEST(size_suffixes)
{
	uint64_t v;
	ck_assert_int_eq(options_parse_size("256M", &v), 0);
	ck_assert_uint_eq(v, 256ULL << 20);
	ck_assert_int_eq(options_parse_size("4g", &v), 0);
	ck_assert_uint_eq(v, 4ULL << 30);
	ck_assert_int_eq(options_parse_size("3584M", &v), 0);
	ck_assert_uint_eq(v, 3584ULL << 20);
	ck_assert_int_eq(options_parse_size("64K", &v), 0);
	ck_assert_uint_eq(v, 64ULL << 10);
	ck_assert_int_eq(options_parse_size("1048576", &v), 0);
	ck_assert_uint_eq(v, 1048576);
}
END_TEST

/* README "Options": sizes and addresses take 0x hex or decimal, and a
 * leading zero is a decimal digit, not C's octal prefix. */
START_TEST(size_hex_and_leading_zero)
{
	uint64_t v;
	ck_assert_int_eq(options_parse_size("0x10000000", &v), 0);
	ck_assert_uint_eq(v, 256ULL << 20);
	ck_assert_int_eq(options_parse_size("0X1000M", &v), 0);
	ck_assert_uint_eq(v, 4096ULL << 20);
	ck_assert_int_eq(options_parse_size("0xfFk", &v), 0);
	ck_assert_uint_eq(v, 255ULL << 10);
	ck_assert_int_eq(options_parse_size("010M", &v), 0);
	ck_assert_uint_eq(v, 10ULL << 20);
	ck_assert_int_eq(options_parse_size("0008", &v), 0);
	ck_assert_uint_eq(v, 8);
	ck_assert_int_eq(options_parse_address("0x2000000", &v), 0);
	ck_assert_uint_eq(v, 0x2000000);
	ck_assert_int_eq(options_parse_address("040M", &v), 0);
	ck_assert_uint_eq(v, 40ULL << 20);
	ck_assert_int_eq(options_parse_address("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(options_parse_address("0xffffffffffffffff", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(options_parse_address("18446744073709551615", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
}
END_TEST

START_TEST(size_rejects)
{
	uint64_t v = 7;
	const char *bad[] = { "0", "0M", "", "M", "12X", "-1G", "1.5G", "1MB",
			      "99999999999999999999", "17179869184G", "0x", "0xM", "0x0x10",
			      "0x-5", "0x+5", " 5", "+5", "0x1g0", "0b101", "0x10000000000000000",
			      "18446744073709551616", "0x1000000000G", "ff" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(options_parse_size(bad[i], &v) < 0, "accepted '%s'", bad[i]);
		if (strcmp(bad[i], "0") != 0 && strcmp(bad[i], "0M") != 0)
			ck_assert_msg(options_parse_address(bad[i], &v) < 0,
				      "accepted address '%s'", bad[i]);
	}
	ck_assert_uint_eq(v, 7);
}
END_TEST

START_TEST(defaults_and_all_options)
{
	struct vm_config cfg;
	struct error err;
	char **argv = ARGV("--kernel", "k", "--initrd", "i", "--cmdline", "quiet",
			   "--mem", "1G", "--console", "file:/tmp/x", "--timeout", "2.5", "--verbose");
	ck_assert_int_eq(parse(argv, &cfg, &err), OPTIONS_RUN);
	ck_assert_str_eq(cfg.kernel_path, "k");
	ck_assert_str_eq(cfg.initrd_path, "i");
	ck_assert_uint_eq(cfg.mem_size, 1ULL << 30);
	ck_assert_int_eq(cfg.console, CONSOLE_FILE);
	ck_assert_str_eq(cfg.console_path, "/tmp/x");
	ck_assert(cfg.timeout_sec == 2.5);
	ck_assert(cfg.verbose);

	ck_assert_int_eq(parse(ARGV("--kernel", "k"), &cfg, &err), OPTIONS_RUN);
	ck_assert_uint_eq(cfg.mem_size, 256ULL << 20);
	ck_assert_int_eq(cfg.console, CONSOLE_STDIO);
	ck_assert_ptr_null(cfg.initrd_path);
	ck_assert(cfg.timeout_sec == 0);
	ck_assert_int_eq(cfg.ncpus, 1);
	ck_assert_ptr_null(cfg.expect);
	ck_assert_ptr_null(cfg.result_json_path);
	ck_assert_ptr_null(cfg.dump_path);
	ck_assert_uint_eq(cfg.dump_on, 0);
}
END_TEST


static void expect_error(char **argv, const char *needle)
{
	struct vm_config cfg;
	struct error err;
	ck_assert_int_eq(parse(argv, &cfg, &err), OPTIONS_ERROR);
	ck_assert_msg(strstr(err.msg, needle), "message '%s' lacks '%s'", err.msg, needle);
	ck_assert_ptr_null(strchr(err.msg, '\n'));
	options_free(&cfg);
}

START_TEST(usage_errors)
{
	expect_error(ARGV("--kernel", "k", "--bogus"), "unknown option '--bogus'");
	expect_error(ARGV("--kernel"), "'--kernel' needs a value");
	expect_error(ARGV("--verbose"), "no kernel");
	expect_error(ARGV("--kernel", "k", "--mem", "0"), "--mem '0'");
	expect_error(ARGV("--kernel", "k", "--mem", "12X"), "--mem '12X'");
	expect_error(ARGV("--kernel", "k", "--mem", "1M"), "between");
	expect_error(ARGV("--kernel", "k", "--timeout", "abc"), "--timeout 'abc'");
	expect_error(ARGV("--kernel", "k", "--timeout", "-3"), "--timeout '-3'");
	expect_error(ARGV("--kernel", "k", "--console", "tty"), "--console 'tty'");
	expect_error(ARGV("--kernel", "k", "--console", "file:"), "--console 'file:'");
	expect_error(ARGV("--kernel", "k", "extra"), "unexpected argument 'extra'");
	expect_error(ARGV("--kernel", "k", "--boot", "efi"), "--boot 'efi'");
	expect_error(ARGV("--kernel", "k", "--kernel-addr", "0"), "--kernel-addr '0'");
	expect_error(ARGV("--kernel", "k", "--kernel-addr", "0x"), "--kernel-addr '0x'");
	expect_error(ARGV("--kernel", "k", "--initrd-addr", "1Q"), "--initrd-addr '1Q'");
	expect_error(ARGV("--kernel", "k", "--kernel-addr", "32M", "--kernel-align", "3000"),
		     "--kernel-align: alignment 0xbb8 is not a power of two");
	expect_error(ARGV("--kernel", "k", "--kernel-addr", "32M", "--kernel-align", "2K"),
		     "below the 4 KiB page size");
	expect_error(ARGV("--kernel", "k", "--kernel-align", "2M"), "--kernel-align needs --kernel-addr");
	expect_error(ARGV("--kernel", "k", "--initrd-align", "2M"), "--initrd-align needs --initrd-addr");
	expect_error(ARGV("--kernel", "k", "--load", "blob"), "--load 'blob': expected FILE@ADDR");
	expect_error(ARGV("--kernel", "k", "--load", "@0x1000"), "--load '@0x1000'");
	expect_error(ARGV("--kernel", "k", "--load", "a@b@zz"), "--load 'a@b@zz'");
	expect_error(ARGV("--kernel", "k", "--load", "a@0x1000", "--load", "b@x"), "--load 'b@x'");
	expect_error(ARGV("--kernel", "-", "--initrd", "-"), "stdin ('-') can feed only one image, not 2");
	expect_error(ARGV("--kernel", "k", "--initrd", "-", "--load", "-@0x1000"), "not 2");
	expect_error(ARGV("--kernel", "k", "--print-images=yaml"), "--print-images='yaml'");
}
END_TEST

/* Each numeric option through options_parse: hex where README
 * "Options" allows it, and never octal. */
START_TEST(numbers_in_every_option)
{
	struct vm_config cfg;
	struct error err;
	char **argv = ARGV("--kernel", "k", "--mem", "0x10000000", "--cpus", "010",
			   "--timeout", "010", "--kernel-addr", "0x2000000", "--kernel-align",
			   "016K", "--initrd", "i", "--initrd-addr", "064M", "--initrd-align",
			   "0x2000", "--load", "b@0100");
	ck_assert_int_eq(parse(argv, &cfg, &err), OPTIONS_RUN);
	ck_assert_uint_eq(cfg.mem_size, 256ULL << 20);
	ck_assert_int_eq(cfg.ncpus, 10);
	ck_assert(cfg.timeout_sec == 10);
	ck_assert_uint_eq(cfg.kernel_req.load_address, 0x2000000);
	ck_assert_uint_eq(cfg.kernel_req.alignment, 16 << 10);
	ck_assert_uint_eq(cfg.initrd_req.load_address, 64 << 20);
	ck_assert_uint_eq(cfg.initrd_req.alignment, 0x2000);
	ck_assert_uint_eq(cfg.raw_loads[0].addr, 100);
	options_free(&cfg);
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--mem", "010M", "--timeout", "0.5"), &cfg,
			       &err), OPTIONS_RUN);
	ck_assert_uint_eq(cfg.mem_size, 10ULL << 20);
	ck_assert(cfg.timeout_sec == 0.5);
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--timeout", ".25"), &cfg, &err),
			 OPTIONS_RUN);
	ck_assert(cfg.timeout_sec == 0.25);
	/* strtod would take all of these. */
	const char *bad_timeouts[] = { " 5", "+5", "0x10", "1e3", "inf", "nan", ".", "" };
	for (size_t i = 0; i < sizeof(bad_timeouts) / sizeof(bad_timeouts[0]); i++) {
		char **a = ARGV("--kernel", "k", "--timeout", (char *)bad_timeouts[i]);
		ck_assert_msg(parse(a, &cfg, &err) == OPTIONS_ERROR, "--timeout '%s' accepted",
			      bad_timeouts[i]);
	}
	expect_error(ARGV("--kernel", "k", "--cpus", " 4"), "--cpus ' 4'");
	expect_error(ARGV("--kernel", "k", "--cpus", "+4"), "--cpus '+4'");
	expect_error(ARGV("--kernel", "k", "--mem", "0x"), "--mem '0x'");
	expect_error(ARGV("--kernel", "k", "--kernel-addr", "0x2000000", "--kernel-align",
			  "0x0x1000"), "--kernel-align '0x0x1000'");
}
END_TEST

START_TEST(cpus_and_ci_mode)
{
	struct vm_config cfg;
	struct error err;
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--cpus", "4", "--expect", "login: ",
				    "--result-json", "out/r.json"), &cfg, &err), OPTIONS_RUN);
	ck_assert_int_eq(cfg.ncpus, 4);
	ck_assert_str_eq(cfg.expect, "login: ");
	ck_assert_str_eq(cfg.result_json_path, "out/r.json");
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--cpus", "255"), &cfg, &err), OPTIONS_RUN);
	ck_assert_int_eq(cfg.ncpus, VM_CPUS_MAX);
	expect_error(ARGV("--kernel", "k", "--cpus", "0"), "--cpus '0': expected a number from 1 to 255");
	expect_error(ARGV("--kernel", "k", "--cpus", "256"), "--cpus '256'");
	expect_error(ARGV("--kernel", "k", "--cpus", "2K"), "--cpus '2K'");
	expect_error(ARGV("--kernel", "k", "--cpus", "0x4"), "--cpus '0x4'");
	expect_error(ARGV("--kernel", "k", "--expect", ""), "--expect: the string must not be empty");
	expect_error(ARGV("--kernel", "k", "--result-json", ""), "--result-json: the path must not be empty");
}
END_TEST

START_TEST(placement_options)
{
	struct vm_config cfg;
	struct error err;
	char **argv = ARGV("--kernel", "-", "--boot", "pvh", "--kernel-addr", "0x2100000",
			   "--kernel-align", "2M", "--initrd", "i", "--initrd-addr", "48M",
			   "--initrd-align", "0x10000", "--load", "a@b.bin@0x3000000",
			   "--load", "c@0", "--print-images=json");
	ck_assert_int_eq(parse(argv, &cfg, &err), OPTIONS_RUN);
	ck_assert_int_eq(cfg.kernel_req.protocol, KERNEL_BOOT_PVH);
	ck_assert_uint_eq(cfg.kernel_req.load_address, 0x2100000);
	ck_assert_uint_eq(cfg.kernel_req.alignment, 2 << 20);
	ck_assert_uint_eq(cfg.initrd_req.load_address, 48 << 20);
	ck_assert_uint_eq(cfg.initrd_req.alignment, 0x10000);
	ck_assert_uint_eq(cfg.nraw_loads, 2);
	ck_assert_str_eq(cfg.raw_loads[0].path, "a@b.bin");   /* split at the last '@' */
	ck_assert_uint_eq(cfg.raw_loads[0].addr, 0x3000000);
	ck_assert_str_eq(cfg.raw_loads[1].path, "c");
	ck_assert_uint_eq(cfg.raw_loads[1].addr, 0);
	ck_assert(cfg.stdin_is_image);
	ck_assert_int_eq(cfg.print_images, PRINT_IMAGES_JSON);
	options_free(&cfg);
	ck_assert_uint_eq(cfg.nraw_loads, 0);

	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--print-images"), &cfg, &err), OPTIONS_RUN);
	ck_assert_int_eq(cfg.print_images, PRINT_IMAGES_TABLE);
	ck_assert_int_eq(cfg.kernel_req.protocol, KERNEL_BOOT_AUTO);
	ck_assert(!cfg.stdin_is_image);
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--boot", "linux64"), &cfg, &err), OPTIONS_RUN);
	ck_assert_int_eq(cfg.kernel_req.protocol, KERNEL_BOOT_LINUX64);
}
END_TEST

START_TEST(fw_cfg_files)
{
	struct vm_config cfg;
	struct error err;
	char longest[80] = "opt/";
	memset(longest + 4, 'n', 51);   /* 55 characters: the most that fit */
	strcpy(longest + 55, ",string=x");
	char **argv = ARGV("--kernel", "k", "--fw-cfg", "opt/a,string=hi, there,",
			   "--fw-cfg", "opt/dir/f,file=/tmp/x,y=z", "--fw-cfg", longest,
			   "--fw-cfg", "opt/b,file=-");
	ck_assert_int_eq(parse(argv, &cfg, &err), OPTIONS_RUN);
	ck_assert_uint_eq(cfg.nfw_cfg_files, 4);
	/* The name ends at the first comma; the value keeps the others. */
	ck_assert_str_eq(cfg.fw_cfg_files[0].name, "opt/a");
	ck_assert_str_eq(cfg.fw_cfg_files[0].string, "hi, there,");
	ck_assert_ptr_null(cfg.fw_cfg_files[0].path);
	ck_assert_str_eq(cfg.fw_cfg_files[1].name, "opt/dir/f");
	ck_assert_str_eq(cfg.fw_cfg_files[1].path, "/tmp/x,y=z");
	ck_assert_ptr_null(cfg.fw_cfg_files[1].string);
	ck_assert_uint_eq(strlen(cfg.fw_cfg_files[2].name), 55);
	ck_assert_str_eq(cfg.fw_cfg_files[3].path, "-");
	ck_assert(cfg.stdin_is_image);
	options_free(&cfg);
	ck_assert_uint_eq(cfg.nfw_cfg_files, 0);

	const char *usage = "expected opt/NAME,file=PATH or opt/NAME,string=TEXT";
	expect_error(ARGV("--kernel", "k", "--fw-cfg", "opt/a"), usage);
	expect_error(ARGV("--kernel", "k", "--fw-cfg", "opt/a,"), usage);
	expect_error(ARGV("--kernel", "k", "--fw-cfg", "opt/a,string="), "neither may be empty");
	expect_error(ARGV("--kernel", "k", "--fw-cfg", "opt/a,file="), "neither may be empty");
	expect_error(ARGV("--kernel", "k", "--fw-cfg", "opt/a,data=1"), "--fw-cfg 'opt/a,data=1'");
	expect_error(ARGV("--kernel", "k", "--fw-cfg", "opt/a,File=x"), usage);
	expect_error(ARGV("--kernel", "k", "--fw-cfg", "etc/vmcoreinfo,string=x"),
		     "the name must start with opt/");
	expect_error(ARGV("--kernel", "k", "--fw-cfg", "opt/,string=x"), "must start with opt/ and go on");
	expect_error(ARGV("--kernel", "k", "--fw-cfg", "optx,string=x"), "must start with opt/");
	expect_error(ARGV("--kernel", "k", "--fw-cfg", ",string=x"), "must start with opt/");
	longest[55] = 'n';
	strcpy(longest + 56, ",string=x");
	expect_error(ARGV("--kernel", "k", "--fw-cfg", longest),
		     "the name has 56 characters, at most 55 fit");
	expect_error(ARGV("--kernel", "k", "--fw-cfg", "opt/a,string=x", "--fw-cfg", "opt/a,file=y"),
		     "opt/a is given twice");
	expect_error(ARGV("--kernel", "-", "--fw-cfg", "opt/a,file=-"),
		     "stdin ('-') can feed only one image, not 2");
	expect_error(ARGV("--kernel", "k", "--fw-cfg"), "'--fw-cfg' needs a value");

	/* 31 fit beside etc/vmcoreinfo, the 32nd does not. */
	char *many[2 + 2 * 32 + 1] = { "minivmm", "--kernel", "k" };
	char names[32][40];
	int argc = 3;
	for (int i = 0; i < 32; i++) {
		snprintf(names[i], sizeof(names[i]), "opt/f%02d,string=x", i);
		many[argc++] = "--fw-cfg";
		many[argc++] = names[i];
	}
	ck_assert_int_eq(options_parse(argc - 2, many, &cfg, &err), OPTIONS_RUN);
	ck_assert_uint_eq(cfg.nfw_cfg_files, 31);
	options_free(&cfg);
	ck_assert_int_eq(options_parse(argc, many, &cfg, &err), OPTIONS_ERROR);
	ck_assert_str_eq(err.msg, "--fw-cfg 'opt/f31,string=x': at most 31 files (fw_cfg has 32 "
			 "slots, etc/vmcoreinfo takes one)");
	options_free(&cfg);
}
END_TEST

START_TEST(dump_options)
{
	struct vm_config cfg;
	struct error err;
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--dump", "vmcore", "--dump-on", "exit,crash"),
			       &cfg, &err), OPTIONS_RUN);
	ck_assert_str_eq(cfg.dump_path, "vmcore");
	ck_assert_uint_eq(cfg.dump_on, DUMP_ON_EXIT | DUMP_ON_CRASH);
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--dump-on", "timeout,timeout", "--dump", "d"),
			       &cfg, &err), OPTIONS_RUN);
	ck_assert_uint_eq(cfg.dump_on, DUMP_ON_TIMEOUT);
	/* The last --dump-on counts, as for every other option. */
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--dump", "d", "--dump-on", "crash,timeout,exit",
				    "--dump-on", "crash"), &cfg, &err), OPTIONS_RUN);
	ck_assert_uint_eq(cfg.dump_on, DUMP_ON_CRASH);
	/* --dump alone: SIGUSR1 only. */
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--dump", "d"), &cfg, &err), OPTIONS_RUN);
	ck_assert_uint_eq(cfg.dump_on, 0);

	expect_error(ARGV("--kernel", "k", "--dump-on", "crash"), "--dump-on needs --dump PATH");
	expect_error(ARGV("--kernel", "k", "--dump", ""), "--dump: the path must not be empty");
	expect_error(ARGV("--kernel", "k", "--dump"), "'--dump' needs a value");
	expect_error(ARGV("--kernel", "k", "--dump", "d", "--dump-on", "crash,boom"),
		     "--dump-on 'crash,boom': 'boom' is not one of crash, timeout, exit");
	expect_error(ARGV("--kernel", "k", "--dump", "d", "--dump-on", "CRASH"), "'CRASH' is not one of");
	expect_error(ARGV("--kernel", "k", "--dump", "d", "--dump-on", "crashes"), "'crashes' is not");
	expect_error(ARGV("--kernel", "k", "--dump", "d", "--dump-on", "cras"), "'cras' is not");
	expect_error(ARGV("--kernel", "k", "--dump", "d", "--dump-on", ""), "'' is not one of");
	expect_error(ARGV("--kernel", "k", "--dump", "d", "--dump-on", "crash,"), "'' is not one of");
	expect_error(ARGV("--kernel", "k", "--dump", "d", "--dump-on", ",exit"), "'' is not one of");
	expect_error(ARGV("--kernel", "k", "--dump", "d", "--dump-on", "crash timeout"),
		     "'crash timeout' is not one of");
}
END_TEST

/* --dtb auto|off|FILE (auto by default) and --dump-dtb FILE. */
START_TEST(dtb_options)
{
	struct vm_config cfg;
	struct error err;
	ck_assert_int_eq(parse(ARGV("--kernel", "k"), &cfg, &err), OPTIONS_RUN);
	ck_assert_int_eq(cfg.dtb, DTB_AUTO);
	ck_assert_ptr_null(cfg.dtb_path);
	ck_assert_ptr_null(cfg.dump_dtb_path);
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--dtb", "off"), &cfg, &err), OPTIONS_RUN);
	ck_assert_int_eq(cfg.dtb, DTB_OFF);
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--dtb", "board.dtb", "--dump-dtb", "out.dtb"),
			       &cfg, &err), OPTIONS_RUN);
	ck_assert_int_eq(cfg.dtb, DTB_FILE);
	ck_assert_str_eq(cfg.dtb_path, "board.dtb");
	ck_assert_str_eq(cfg.dump_dtb_path, "out.dtb");
	/* The last one counts; ./auto is a file. */
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--dtb", "x.dtb", "--dtb", "auto"), &cfg, &err),
			 OPTIONS_RUN);
	ck_assert_int_eq(cfg.dtb, DTB_AUTO);
	ck_assert_ptr_null(cfg.dtb_path);
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--dtb", "./auto"), &cfg, &err), OPTIONS_RUN);
	ck_assert_int_eq(cfg.dtb, DTB_FILE);

	expect_error(ARGV("--kernel", "k", "--dtb", ""), "--dtb: expected auto, off or a file");
	expect_error(ARGV("--kernel", "k", "--dtb"), "'--dtb' needs a value");
	expect_error(ARGV("--kernel", "k", "--dump-dtb", ""), "--dump-dtb: the path must not be empty");
	expect_error(ARGV("--kernel", "k", "--dtb", "off", "--dump-dtb", "t.dtb"),
		     "--dump-dtb with --dtb off: there is no tree to write");
	expect_error(ARGV("--kernel", "k", "--dump-dtb", "t.dtb", "--", "true"),
		     "--dump-dtb describes a boot, not a command");
	expect_error(ARGV("--kernel", "-", "--dtb", "-"), "stdin ('-') can feed only one image, not 2");
}
END_TEST

/* --fail-on: kind names in any order, or all; anything else is a usage
 * error in one line that lists the kinds. */
START_TEST(fail_on_kinds)
{
	struct vm_config cfg;
	struct error err;
	ck_assert_int_eq(parse(ARGV("--kernel", "k"), &cfg, &err), OPTIONS_RUN);
	ck_assert_uint_eq(cfg.fail_on, 0);
	options_free(&cfg);
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--fail-on", "warning,soft-lockup"), &cfg, &err),
			 OPTIONS_RUN);
	ck_assert_uint_eq(cfg.fail_on, (1u << CONSOLE_WATCH_WARNING) | (1u << CONSOLE_WATCH_SOFT_LOCKUP));
	options_free(&cfg);
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--fail-on", "all"), &cfg, &err), OPTIONS_RUN);
	ck_assert_uint_eq(cfg.fail_on, CONSOLE_WATCH_ALL_KINDS);
	options_free(&cfg);
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--fail-on", "hung-task,all,bug"), &cfg, &err),
			 OPTIONS_RUN);
	ck_assert_uint_eq(cfg.fail_on, CONSOLE_WATCH_ALL_KINDS);
	options_free(&cfg);
	/* every kind by its own name; the last --fail-on counts */
	for (int k = 0; k < CONSOLE_WATCH_KINDS; k++) {
		char *name = (char *)console_watch_kind_name((enum console_watch_kind)k);
		ck_assert_int_eq(parse(ARGV("--kernel", "k", "--fail-on", "all", "--fail-on", name),
				       &cfg, &err), OPTIONS_RUN);
		ck_assert_uint_eq(cfg.fail_on, 1u << k);
		options_free(&cfg);
	}
	/* with a command too (cfg.command points into argv, which must outlive
	 * the checks, as main's does) */
	char **cmd_argv = ARGV("--kernel", "k", "--fail-on", "panic", "--", "true");
	ck_assert_int_eq(parse(cmd_argv, &cfg, &err), OPTIONS_RUN);
	ck_assert_uint_eq(cfg.fail_on, 1u << CONSOLE_WATCH_PANIC);
	ck_assert_str_eq(cfg.command[0], "true");
	options_free(&cfg);

	expect_error(ARGV("--kernel", "k", "--fail-on", "warning,soft_lockup"),
		     "--fail-on 'warning,soft_lockup': 'soft_lockup' is not a kind of kernel report; "
		     "expected a comma-separated list of panic, warning, bug, oops, gpf, kasan, "
		     "ubsan, lockdep, rcu-stall, soft-lockup, hard-lockup, hung-task, or all");
	expect_error(ARGV("--kernel", "k", "--fail-on", "WARNING"), "'WARNING' is not a kind");
	expect_error(ARGV("--kernel", "k", "--fail-on", "al"), "'al' is not a kind");
	expect_error(ARGV("--kernel", "k", "--fail-on", "alls"), "'alls' is not a kind");
	expect_error(ARGV("--kernel", "k", "--fail-on", ""), "'' is not a kind");
	expect_error(ARGV("--kernel", "k", "--fail-on", "bug,"), "'' is not a kind");
	expect_error(ARGV("--kernel", "k", "--fail-on", ",bug"), "'' is not a kind");
	expect_error(ARGV("--kernel", "k", "--fail-on", "bug oops"), "'bug oops' is not a kind");
	expect_error(ARGV("--kernel", "k", "--fail-on"), "'--fail-on' needs a value");
	/* a long hostile value is cut in the message */
	char lng[600];
	memset(lng, 'x', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	expect_error(ARGV("--kernel", "k", "--fail-on", lng), "is not a kind of kernel report");
}
END_TEST

/* Which exit statuses each --dump-on item covers (vmm/exit_status.h). */
START_TEST(dump_wanted_by_status)
{
	struct vm_config cfg = { .dump_path = "d" };
	static const struct { int status; unsigned on; } cases[] = {
		{ EXIT_GUEST_OFF, DUMP_ON_EXIT }, { 1, DUMP_ON_EXIT }, { 3, DUMP_ON_EXIT },
		{ 255, DUMP_ON_EXIT }, { EXIT_EXPECT_MISSING, DUMP_ON_EXIT },
		{ EXIT_GUEST_CRASHED, DUMP_ON_CRASH }, { EXIT_TIMEOUT, DUMP_ON_TIMEOUT },
		{ EXIT_USAGE, 0 }, { EXIT_HOST_FAILED, 0 }, { EXIT_INTERRUPTED, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (unsigned on = 0; on <= (DUMP_ON_CRASH | DUMP_ON_TIMEOUT | DUMP_ON_EXIT); on++) {
			cfg.dump_on = on;
			ck_assert_msg(options_dump_wanted(&cfg, cases[i].status) == ((on & cases[i].on) != 0),
				      "status %d with --dump-on bits 0x%x", cases[i].status, on);
		}
	}
}
END_TEST

START_TEST(cmdline_default_first)
{
	struct vm_config cfg;
	struct error err;
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--cmdline", "init=/x quiet"), &cfg, &err),
			 OPTIONS_RUN);
	char *s = options_build_cmdline(&cfg);
	/* virtio-rng is on by default: a PCI device, so no pci=off. */
	ck_assert_str_eq(s, "console=ttyS0 " DEFAULT_CMDLINE " init=/x quiet");
	free(s);
	ck_assert_int_eq(parse(ARGV("--kernel", "k"), &cfg, &err), OPTIONS_RUN);
	s = options_build_cmdline(&cfg);
	ck_assert_str_eq(s, "console=ttyS0 " DEFAULT_CMDLINE);
	free(s);
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--no-rng"), &cfg, &err), OPTIONS_RUN);
	s = options_build_cmdline(&cfg);
	ck_assert_str_eq(s, "console=ttyS0 " DEFAULT_CMDLINE " pci=off");
	free(s);
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--no-rng", "--console-device", "virtio"), &cfg,
			       &err), OPTIONS_RUN);
	s = options_build_cmdline(&cfg);
	ck_assert_str_eq(s, "console=hvc0 " DEFAULT_CMDLINE);
	free(s);
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--no-rng", "--disk", "d.img"), &cfg, &err),
			 OPTIONS_RUN);
	s = options_build_cmdline(&cfg);
	ck_assert_ptr_null(strstr(s, "pci=off"));
	free(s);
	options_free(&cfg);
}
END_TEST

START_TEST(device_options)
{
	struct vm_config cfg;
	struct error err;
	ck_assert_int_eq(parse(ARGV("--kernel", "k"), &cfg, &err), OPTIONS_RUN);
	ck_assert(cfg.rng);
	ck_assert_uint_eq(cfg.ndisks, 0);
	ck_assert_int_eq(cfg.console_device, CONSOLE_DEVICE_SERIAL);
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--disk", "y.raw,ro,serial=ABC-123_x", "--disk",
				    "z,serial=S1,ro", "--console-device", "virtio"), &cfg, &err),
			 OPTIONS_RUN);
	ck_assert_str_eq(cfg.disks[0].path, "y.raw");
	ck_assert(cfg.disks[0].read_only);
	ck_assert_str_eq(cfg.disks[0].serial, "ABC-123_x");
	ck_assert_str_eq(cfg.disks[1].path, "z");
	ck_assert(cfg.disks[1].read_only);
	ck_assert_str_eq(cfg.disks[1].serial, "S1");
	ck_assert_int_eq(cfg.console_device, CONSOLE_DEVICE_VIRTIO);
	options_free(&cfg);
	ck_assert_uint_eq(cfg.ndisks, 0);

	static const struct { char *arg; const char *msg; } bad[] = {
		{ ",ro", "expected PATH[,ro][,serial=ID]" },
		{ "/a,b/x.img", "'b/x.img' is not ro" },   /* the path ends at the first comma */
		{ "d,rw", "'rw' is not ro or serial=ID" },
		{ "d,serial=", "'serial=' is not ro or serial=ID" },
		{ "d,serial=123456789012345678901", "expected 1 to 20 characters" },
		{ "d,serial=a b", "only printable ASCII" },
		{ "d,serial=a,serial=b", "is not ro or serial=ID (once)" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(parse(ARGV("--kernel", "k", "--disk", bad[i].arg), &cfg, &err),
				 OPTIONS_ERROR);
		ck_assert_msg(strstr(err.msg, bad[i].msg) && strstr(err.msg, "--disk"), "%s: %s",
			      bad[i].arg, err.msg);
		options_free(&cfg);
	}
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--console-device", "hvc"), &cfg, &err),
			 OPTIONS_ERROR);
	ck_assert_ptr_nonnull(strstr(err.msg, "expected serial or virtio"));
	/* Seventeen disks: one too many. */
	char *argv[3 + 2 * 17 + 1] = { "minivmm", "--kernel", "k" };
	int argc = 3;
	for (int i = 0; i < 17; i++) {
		argv[argc++] = "--disk";
		argv[argc++] = "d.img";
	}
	ck_assert_int_eq(options_parse(argc, argv, &cfg, &err), OPTIONS_ERROR);
	ck_assert_ptr_nonnull(strstr(err.msg, "at most 16 disks"));
	options_free(&cfg);
}
END_TEST

/* -- CMD: what follows "--" is the command's, options and all. */
START_TEST(command_options)
{
	struct vm_config cfg;
	struct error err;
	ck_assert_int_eq(parse(ARGV("--kernel", "k"), &cfg, &err), OPTIONS_RUN);
	ck_assert_ptr_null(cfg.command);
	ck_assert_int_eq(cfg.console, CONSOLE_STDIO);
	options_free(&cfg);
	/* cfg.command points into argv, which must outlive the checks (as
	 * main's does). */
	char **cmd_argv = ARGV("--kernel", "k", "--share", "/srv/a", "--share", "rel:/mnt/x,y,ro",
			       "--share", "/b,ro", "--modules", "/m", "--", "ls", "-l", "--kernel",
			       "--");
	ck_assert_int_eq(parse(cmd_argv, &cfg, &err), OPTIONS_RUN);
	ck_assert_int_eq(cfg.command_argc, 4);
	ck_assert_str_eq(cfg.command[0], "ls");
	ck_assert_str_eq(cfg.command[1], "-l");
	ck_assert_str_eq(cfg.command[2], "--kernel");
	ck_assert_str_eq(cfg.command[3], "--");
	ck_assert_uint_eq(cfg.nshares, 3);
	ck_assert_str_eq(cfg.shares[0].host_dir, "/srv/a");
	ck_assert_ptr_null(cfg.shares[0].guest_dir);
	ck_assert(!cfg.shares[0].read_only);
	ck_assert_str_eq(cfg.shares[1].host_dir, "rel");
	ck_assert_str_eq(cfg.shares[1].guest_dir, "/mnt/x,y");
	ck_assert(cfg.shares[1].read_only);
	ck_assert_str_eq(cfg.shares[2].host_dir, "/b");
	ck_assert(cfg.shares[2].read_only);
	ck_assert_str_eq(cfg.modules_dir, "/m");
	/* stdout is the command's: the kernel's log leaves it. */
	ck_assert_int_eq(cfg.console, CONSOLE_NONE);
	ck_assert(vm_config_has_pci(&cfg));
	options_free(&cfg);
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--no-rng", "--verbose", "--", "true"), &cfg,
			       &err), OPTIONS_RUN);
	ck_assert_int_eq(cfg.console, CONSOLE_STDERR);
	ck_assert(vm_config_has_pci(&cfg));
	options_free(&cfg);
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--console", "file:log", "--", "true"), &cfg,
			       &err), OPTIONS_RUN);
	ck_assert_int_eq(cfg.console, CONSOLE_FILE);
	options_free(&cfg);
	/* A "--" that is an option's value ends nothing. */
	ck_assert_int_eq(parse(ARGV("--kernel", "k", "--cmdline", "--"), &cfg, &err), OPTIONS_RUN);
	ck_assert_ptr_null(cfg.command);
	ck_assert_str_eq(cfg.user_cmdline, "--");
	options_free(&cfg);

	expect_error(ARGV("--kernel", "k", "--"), "-- must be followed by a command");
	expect_error(ARGV("--kernel", "k", "ls"), "unexpected argument 'ls'");
	expect_error(ARGV("--kernel", "k", "--share", "/a"), "--share needs a command");
	expect_error(ARGV("--kernel", "k", "--modules", "/m"), "--modules needs a command");
	expect_error(ARGV("--kernel", "k", "--modules", "", "--", "true"), "must not be empty");
	expect_error(ARGV("--kernel", "-", "--", "true"), "cannot also feed an image");
	expect_error(ARGV("--kernel", "k", "--console-device", "virtio", "--", "true"),
		     "stays on the serial port");
	static char *bad[] = { "", ",ro", ":/x", "/a:", "/a:rel", ":", "/a:,ro" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(ARGV("--kernel", "k", "--share", bad[i], "--", "true"),
			     "expected HOSTDIR[:GUESTDIR][,ro]");
	char *argv[3 + 2 * 9 + 3] = { "minivmm", "--kernel", "k" };
	int argc = 3;
	for (int i = 0; i < 9; i++) {
		argv[argc++] = "--share";
		argv[argc++] = "/d";
	}
	argv[argc++] = "--";
	argv[argc++] = "true";
	ck_assert_int_eq(options_parse(argc, argv, &cfg, &err), OPTIONS_ERROR);
	ck_assert_ptr_nonnull(strstr(err.msg, "at most 8 shares"));
	options_free(&cfg);
}
END_TEST

Suite *options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *t = tcase_create("options");
	tcase_add_test(t, size_suffixes);
	tcase_add_test(t, size_hex_and_leading_zero);
	tcase_add_test(t, size_rejects);
	tcase_add_test(t, numbers_in_every_option);
	tcase_add_test(t, defaults_and_all_options);
	tcase_add_test(t, usage_errors);
	tcase_add_test(t, cpus_and_ci_mode);
	tcase_add_test(t, placement_options);
	tcase_add_test(t, fw_cfg_files);
	tcase_add_test(t, dump_options);
	tcase_add_test(t, dtb_options);
	tcase_add_test(t, device_options);
	tcase_add_test(t, command_options);
	tcase_add_test(t, dump_wanted_by_status);
	tcase_add_test(t, fail_on_kinds);
	tcase_add_test(t, cmdline_default_first);
	suite_add_tcase(s, t);
	return s;
}
