/* What a kernel module says about itself: the strings of its ELF .modinfo
 * section.  Each is "key=value" and NUL-terminated, laid end to end, maybe
 * with NUL padding between them (include/linux/moduleparam.h __MODULE_INFO;
 * scripts/mod/modpost.c adds "depends=" and "vermagic=", and "name=" from
 * Linux 5.2).  modinfo(8) and kmod read the same strings.
 *
 * A .ko is a relocatable ELF64 (System V gABI, "ELF Header", "Sections");
 * the file is the user's, so every offset and size is checked against it
 * and for overflow before it is used. */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "common/byteorder.h"
#include "loader/loader.h"

#define MODINFO_SECTION ".modinfo"

/* The bytes of section `index`'s header, checked to lie in the file. */
static const uint8_t *modinfo_shdr(const uint8_t *data, size_t size, uint64_t shoff,
				   unsigned index)
{
	uint64_t off;
	if (__builtin_add_overflow(shoff, (uint64_t)index * sizeof(Elf64_Shdr), &off) ||
	    off > size || size - off < sizeof(Elf64_Shdr))
		return NULL;
	return data + off;
}

/* [offset, offset + len) of a section, checked against the file. */
static int modinfo_section_span(const uint8_t *shdr, size_t size, const char *path,
				const char *what, uint64_t *offset, uint64_t *len,
				struct error *err)
{
	uint32_t type = (uint32_t)le_get(shdr + offsetof(Elf64_Shdr, sh_type), 4);
	*offset = le_get(shdr + offsetof(Elf64_Shdr, sh_offset), 8);
	*len = le_get(shdr + offsetof(Elf64_Shdr, sh_size), 8);
	if (type == SHT_NOBITS)
		*len = 0;
	if (*offset > size || size - *offset < *len)
		return error_set(err, "%s: the %s section [0x%llx, +0x%llx) lies outside the "
				 "%zu-byte file", path, what, (unsigned long long)*offset,
				 (unsigned long long)*len, size);
	return 0;
}

static int modinfo_set(char **field, const char *value, size_t len, const char *path,
		       struct error *err)
{
	free(*field);
	*field = strndup(value, len);
	if (!*field)
		return error_set_host(err, "%s: out of memory", path);
	return 0;
}

int kernel_modinfo_parse(const uint8_t *data, size_t size, const char *path,
			 struct kernel_modinfo *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	if (size < sizeof(Elf64_Ehdr) || memcmp(data, ELFMAG, SELFMAG) != 0)
		return error_set(err, "%s: not an ELF file, so not a kernel module", path);
	if (data[EI_CLASS] != ELFCLASS64 || data[EI_DATA] != ELFDATA2LSB)
		return error_set(err, "%s: not a little-endian ELF64 file, so not an x86-64 "
				 "kernel module", path);
	uint64_t shoff = le_get(data + offsetof(Elf64_Ehdr, e_shoff), 8);
	unsigned shentsize = (unsigned)le_get(data + offsetof(Elf64_Ehdr, e_shentsize), 2);
	unsigned shnum = (unsigned)le_get(data + offsetof(Elf64_Ehdr, e_shnum), 2);
	unsigned shstrndx = (unsigned)le_get(data + offsetof(Elf64_Ehdr, e_shstrndx), 2);
	if (shnum == 0 || shentsize != sizeof(Elf64_Shdr))
		return error_set(err, "%s: no section headers a kernel module has (e_shnum %u, "
				 "e_shentsize %u)", path, shnum, shentsize);
	if (shstrndx >= shnum)
		return error_set(err, "%s: e_shstrndx %u is not one of its %u sections", path,
				 shstrndx, shnum);
	const uint8_t *strhdr = modinfo_shdr(data, size, shoff, shstrndx);
	if (!strhdr || !modinfo_shdr(data, size, shoff, shnum - 1))
		return error_set(err, "%s: the section headers at 0x%llx lie outside the "
				 "%zu-byte file", path, (unsigned long long)shoff, size);
	uint64_t names_off, names_len;
	if (modinfo_section_span(strhdr, size, path, "section name", &names_off, &names_len,
				 err) < 0)
		return -1;
	const char *names = (const char *)data + names_off;

	for (unsigned i = 0; i < shnum; i++) {
		const uint8_t *sh = modinfo_shdr(data, size, shoff, i);
		uint32_t name = (uint32_t)le_get(sh + offsetof(Elf64_Shdr, sh_name), 4);
		if (name >= names_len)
			continue;
		size_t room = names_len - name;
		if (strnlen(names + name, room) != sizeof(MODINFO_SECTION) - 1 ||
		    memcmp(names + name, MODINFO_SECTION, sizeof(MODINFO_SECTION) - 1) != 0)
			continue;
		uint64_t off, len;
		if (modinfo_section_span(sh, size, path, MODINFO_SECTION, &off, &len, err) < 0)
			return -1;
		const char *p = (const char *)data + off, *end = p + len;
		while (p < end) {
			const char *nul = memchr(p, 0, (size_t)(end - p));
			size_t n = nul ? (size_t)(nul - p) : (size_t)(end - p);
			char **field = NULL;
			size_t key = 0;
			if (n >= 8 && memcmp(p, "depends=", 8) == 0)
				field = &out->depends, key = 8;
			else if (n >= 5 && memcmp(p, "name=", 5) == 0)
				field = &out->name, key = 5;
			else if (n >= 9 && memcmp(p, "vermagic=", 9) == 0)
				field = &out->vermagic, key = 9;
			if (field && modinfo_set(field, p + key, n - key, path, err) < 0) {
				kernel_modinfo_free(out);
				return -1;
			}
			p += n + 1;
		}
		return 0;
	}
	return error_set(err, "%s: no %s section: not a kernel module", path, MODINFO_SECTION);
}

void kernel_modinfo_free(struct kernel_modinfo *info)
{
	free(info->name);
	free(info->depends);
	free(info->vermagic);
	memset(info, 0, sizeof(*info));
}
