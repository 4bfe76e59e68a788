/* libFuzzer target: what `minivmm -- CMD` reads from a modules folder the
 * user points it at, and the initramfs it writes from it.  Each input is
 * a folder: FUZZ_MODULES_PARTS parts separated by FUZZ_MODULES_SEP, an empty
 * part leaving that file out (fuzz_modules.h names them): modules.builtin,
 * modules.dep, modules.order, the four modules -- CMD needs and fuse,
 * then a command description.  Per input:
 *
 *   - kernel_modinfo_parse over each module part (ELF64 .modinfo);
 *   - kernel_modules_resolve over the folder, written to a scratch
 *     directory, for the modules -- CMD needs (modules.builtin,
 *     modules.dep(5), modules.order, .modinfo depends= and vermagic=,
 *     a gzip-compressed fuse.ko.gz);
 *   - when that succeeds, command_initramfs_build with the modules found
 *     and the command the last part describes, one line per record:
 *     "cwd=DIR", "env=NAME=VALUE", "share=TAG,DIR", else an argument;
 *   - a cpio archive of one file per line of the last part, named by the
 *     line and as long as its bytes.
 *
 * Every archive written is walked as the kernel's unpacker would
 * (Documentation/driver-api/early-userspace/buffer-format.rst): headers,
 * names with their NUL, 4-byte padding, the trailer last and exactly at
 * the end; anything else traps.  See tests/fuzz/fuzz.mk. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/loader.h"
#include "tests/fuzz/fuzz_modules.h"
#include "vmm/command_initramfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MODULES_RELEASE "6.1.0-fuzz-amd64"
#define FUZZ_MODULES_MAX_LINES 16

static uint32_t fuzz_hex8(const uint8_t *p)
{
	uint32_t v = 0;
	for (int i = 0; i < 8; i++) {
		uint8_t c = p[i];
		uint32_t d = c >= '0' && c <= '9' ? (uint32_t)(c - '0')
			   : c >= 'A' && c <= 'F' ? (uint32_t)(c - 'A' + 10) : 16;
		if (d == 16)
			__builtin_trap();
		v = v << 4 | d;
	}
	return v;
}

/* The newc archive as the kernel reads it; traps on anything malformed. */
static void fuzz_cpio_walk(const uint8_t *a, size_t size)
{
	size_t off = 0;
	for (;;) {
		if (size - off < 110 || memcmp(a + off, "070701", 6) != 0)
			__builtin_trap();
		uint32_t filesize = fuzz_hex8(a + off + 6 + 6 * 8);
		uint32_t namesize = fuzz_hex8(a + off + 6 + 11 * 8);
		size_t name = off + 110;
		if (namesize < 2 || size - name < namesize || a[name + namesize - 1] != '\0' ||
		    memchr(a + name, '\0', namesize - 1))
			__builtin_trap();
		size_t data = (name + namesize + 3) & ~(size_t)3;
		size_t next = (data + filesize + 3) & ~(size_t)3;
		if (next > size)
			__builtin_trap();
		if (strcmp((const char *)a + name, "TRAILER!!!") == 0) {
			if (next != size)
				__builtin_trap();
			return;
		}
		off = next;
	}
}

static void fuzz_write(const char *dir, const char *name, const uint8_t *data, size_t size)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (size == 0) {
		unlink(path);
		return;
	}
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		__builtin_trap();
}

/* Lines of [p, p + n) as NUL-terminated strings in buf, at most max. */
static size_t fuzz_lines(const uint8_t *p, size_t n, char *buf, char **lines, size_t max)
{
	memcpy(buf, p, n);
	buf[n] = '\0';
	size_t count = 0;
	for (char *s = buf, *next; count < max && s < buf + n; s = next) {
		next = strchrnul(s, '\n');
		*next++ = '\0';
		lines[count++] = s;
	}
	return count;
}

static void fuzz_command(const char *dir, const struct kernel_module_list *mods,
			 const uint8_t *p, size_t n)
{
	char *buf = malloc(n + 1);
	char *lines[FUZZ_MODULES_MAX_LINES], *argv[FUZZ_MODULES_MAX_LINES];
	char *env[FUZZ_MODULES_MAX_LINES];
	struct command_share shares[FUZZ_MODULES_MAX_LINES];
	if (!buf)
		__builtin_trap();
	size_t nlines = fuzz_lines(p, n, buf, lines, FUZZ_MODULES_MAX_LINES);
	struct command_desc cmd = { .argv = argv, .cwd = "/", .root_tag = COMMAND_ROOT_TAG,
				    .shares = shares, .env = env };
	for (size_t i = 0; i < nlines; i++) {
		char *l = lines[i];
		if (strncmp(l, "cwd=", 4) == 0) {
			cmd.cwd = l + 4;
		} else if (strncmp(l, "env=", 4) == 0) {
			env[cmd.nenv++] = l + 4;
		} else if (strncmp(l, "share=", 6) == 0) {
			char *comma = strchr(l + 6, ',');
			if (comma)
				*comma++ = '\0';
			shares[cmd.nshares++] = (struct command_share){
				.tag = l + 6, .read_only = i & 1, .guest_dir = comma };
		} else {
			argv[cmd.argc++] = l;
		}
	}
	char init[4096];
	snprintf(init, sizeof(init), "%s/init", dir);
	struct cpio_writer w;
	struct error err = { 0 };
	if (command_initramfs_build(init, mods, &cmd, &w, &err) == 0) {
		fuzz_cpio_walk(w.data, w.size);
		cpio_writer_free(&w);
	}

	/* One file per line, named by it, its bytes the line's. */
	cpio_writer_init(&w);
	for (size_t i = 0; i < nlines; i++) {
		if (i & 1)
			cpio_add_dir(&w, lines[i], (uint32_t)i * 0111, &err);
		else
			cpio_add_file(&w, lines[i], 0644, lines[i], strlen(lines[i]), &err);
	}
	if (cpio_finish(&w, &err) < 0 || cpio_add_dir(&w, "late", 0755, &err) == 0)
		__builtin_trap();
	fuzz_cpio_walk(w.data, w.size);
	cpio_writer_free(&w);
	free(buf);
}

/* On a tmpfs where there is one: on a disk file system, writing and
 * truncating the folder's files each run is nearly all of the time
 * (ext4's block frees and discards). */
static char fuzz_dir_shm[] = "/dev/shm/minivmm-fuzz-modules-XXXXXX";
static char fuzz_dir_tmp[] = "/tmp/minivmm-fuzz-modules-XXXXXX";
static char *fuzz_dir;

/* The scratch folder goes when libFuzzer exits (it calls exit). */
static void fuzz_remove_dir(void)
{
	char path[4096];
	for (size_t i = 0; i < sizeof(fuzz_modules_files) / sizeof(fuzz_modules_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_dir, fuzz_modules_files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/init", fuzz_dir);
	unlink(path);
	for (size_t i = sizeof(fuzz_modules_dirs) / sizeof(fuzz_modules_dirs[0]); i-- > 0;) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_dir, fuzz_modules_dirs[i]);
		rmdir(path);
	}
	rmdir(fuzz_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fuzz_dir) {
		char sub[4096];
		fuzz_dir = mkdtemp(fuzz_dir_shm) ? fuzz_dir_shm : mkdtemp(fuzz_dir_tmp);
		if (!fuzz_dir)
			__builtin_trap();
		atexit(fuzz_remove_dir);
		for (size_t i = 0; i < sizeof(fuzz_modules_dirs) / sizeof(fuzz_modules_dirs[0]); i++) {
			snprintf(sub, sizeof(sub), "%s/%s", fuzz_dir, fuzz_modules_dirs[i]);
			if (mkdir(sub, 0755) != 0)
				__builtin_trap();
		}
		fuzz_write(fuzz_dir, "init", (const uint8_t *)"#!/bin/sh\n", 10);
	}
	const uint8_t *part[FUZZ_MODULES_PARTS];
	size_t len[FUZZ_MODULES_PARTS];
	const uint8_t *p = data, *end = data + size;
	for (int i = 0; i < FUZZ_MODULES_PARTS; i++) {
		const uint8_t *sep = i < FUZZ_MODULES_PARTS - 1 && p < end
			? memmem(p, (size_t)(end - p), FUZZ_MODULES_SEP, sizeof(FUZZ_MODULES_SEP) - 1)
			: NULL;
		part[i] = p;
		len[i] = sep ? (size_t)(sep - p) : (size_t)(end - p);
		p = sep ? sep + sizeof(FUZZ_MODULES_SEP) - 1 : end;
	}

	for (int i = FUZZ_MODULES_FIRST_KO; i < FUZZ_MODULES_COMMAND; i++) {
		struct kernel_modinfo info;
		struct error err = { 0 };
		if (kernel_modinfo_parse(part[i], len[i], "fuzz.ko", &info, &err) == 0)
			kernel_modinfo_free(&info);
		else if (strncmp(err.msg, "fuzz.ko: ", 9) != 0)
			__builtin_trap();
	}

	for (int i = 0; i < FUZZ_MODULES_COMMAND; i++)
		fuzz_write(fuzz_dir, fuzz_modules_files[i], part[i], len[i]);
	struct kernel_module_list mods;
	struct error err = { 0 };
	if (kernel_modules_resolve(fuzz_dir, FUZZ_MODULES_RELEASE, kernel_modules_command,
				   KERNEL_MODULES_COMMAND_COUNT, &mods, &err) == 0) {
		fuzz_command(fuzz_dir, &mods, part[FUZZ_MODULES_COMMAND], len[FUZZ_MODULES_COMMAND]);
		kernel_module_list_free(&mods);
	} else {
		fuzz_command(fuzz_dir, NULL, part[FUZZ_MODULES_COMMAND], len[FUZZ_MODULES_COMMAND]);
	}
	return 0;
}
