/* Kernel module files built in memory for the kernel_modinfo and
 * kernel_modules tests: a relocatable x86-64 ELF64 whose sections are the
 * null section, .text, .modinfo and .shstrtab (System V gABI "Sections"). */
#ifndef MINIVMM_TESTS_UNIT_KO_BUILDER_H
#define MINIVMM_TESTS_UNIT_KO_BUILDER_H

#include <stddef.h>
#include <stdint.h>

struct test_ko {
	uint8_t *data;
	size_t size;
	size_t shoff;          /* section header table */
	size_t modinfo_off;    /* .modinfo bytes */
};

/* modinfo: the section's bytes, `len` of them (strings with their NULs). */
void test_ko_make(struct test_ko *ko, const char *modinfo, size_t len);
/* A module with "name=NAME", "depends=DEPENDS" and
 * "vermagic=RELEASE SMP mod_unload " in its .modinfo. */
void test_ko_make_module(struct test_ko *ko, const char *name, const char *depends,
			 const char *release);
void test_ko_free(struct test_ko *ko);
/* Writes bytes to path, creating its parent folders; fails the test on
 * error. */
void test_write_file(const char *path, const void *data, size_t size);

#endif
