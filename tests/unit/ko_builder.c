/* Kernel module files built in memory (ko_builder.h). */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/unit/ko_builder.h"
#include "tests/unit/unit.h"

static const char shstrtab[] = "\0.text\0.modinfo\0.shstrtab";
#define NAME_TEXT     1
#define NAME_MODINFO  7
#define NAME_SHSTRTAB 16

void test_ko_make(struct test_ko *ko, const char *modinfo, size_t len)
{
	static const uint8_t text[16] = { 0xc3 };
	size_t off = sizeof(Elf64_Ehdr);
	size_t text_off = off;
	off += sizeof(text);
	size_t modinfo_off = off;
	off += len;
	size_t str_off = off;
	off += sizeof(shstrtab);
	off = (off + 7) & ~(size_t)7;
	size_t shoff = off;
	off += 4 * sizeof(Elf64_Shdr);

	ko->data = calloc(1, off);
	ck_assert_ptr_nonnull(ko->data);
	ko->size = off;
	ko->shoff = shoff;
	ko->modinfo_off = modinfo_off;
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
			     EV_CURRENT, ELFOSABI_SYSV },
		.e_type = ET_REL, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
		.e_shoff = shoff, .e_ehsize = sizeof(Elf64_Ehdr),
		.e_shentsize = sizeof(Elf64_Shdr), .e_shnum = 4, .e_shstrndx = 3,
	};
	memcpy(ko->data, &eh, sizeof(eh));
	memcpy(ko->data + text_off, text, sizeof(text));
	memcpy(ko->data + modinfo_off, modinfo, len);
	memcpy(ko->data + str_off, shstrtab, sizeof(shstrtab));
	Elf64_Shdr sh[4] = {
		{ 0 },
		{ .sh_name = NAME_TEXT, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
		  .sh_offset = text_off, .sh_size = sizeof(text), .sh_addralign = 16 },
		{ .sh_name = NAME_MODINFO, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC,
		  .sh_offset = modinfo_off, .sh_size = len, .sh_addralign = 1 },
		{ .sh_name = NAME_SHSTRTAB, .sh_type = SHT_STRTAB, .sh_offset = str_off,
		  .sh_size = sizeof(shstrtab), .sh_addralign = 1 },
	};
	memcpy(ko->data + shoff, sh, sizeof(sh));
}

void test_ko_make_module(struct test_ko *ko, const char *name, const char *depends,
			 const char *release)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "license=GPL%cdepends=%s%cretpoline=Y%cname=%s%c"
			 "vermagic=%s SMP mod_unload %c", 0, depends, 0, 0, name, 0, release, 0);
	ck_assert_int_gt(n, 0);
	ck_assert_int_lt(n, (int)sizeof(buf));
	test_ko_make(ko, buf, (size_t)n);
}

void test_ko_free(struct test_ko *ko)
{
	free(ko->data);
	memset(ko, 0, sizeof(*ko));
}

void test_write_file(const char *path, const void *data, size_t size)
{
	char *dir = strdup(path);
	ck_assert_ptr_nonnull(dir);
	for (char *p = dir + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			mkdir(dir, 0755);
			*p = '/';
		}
	}
	free(dir);
	FILE *f = fopen(path, "we");
	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert_uint_eq(fwrite(data, 1, size, f), size);
	ck_assert_int_eq(fclose(f), 0);
}
