/* Reads a vmcore back for the unit tests (core_reader.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "tests/unit/core_reader.h"

#define PAGE 4096ULL

void test_core_read_at(int fd, uint64_t off, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + got, len - got, (off_t)(off + got));
		ck_assert_msg(n > 0, "pread at 0x%llx: %s", (unsigned long long)(off + got),
			      n < 0 ? strerror(errno) : "end of file");
		got += (size_t)n;
	}
}

void test_core_open(struct test_core *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	c->fd = open(path, O_RDONLY);
	ck_assert_msg(c->fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(fstat(c->fd, &c->st), 0);
	test_core_read_at(c->fd, 0, &c->eh, sizeof(c->eh));

	const Elf64_Ehdr *e = &c->eh;
	ck_assert_mem_eq(e->e_ident, "\177ELF", 4);
	ck_assert_int_eq(e->e_ident[EI_CLASS], ELFCLASS64);
	ck_assert_int_eq(e->e_ident[EI_DATA], ELFDATA2LSB);
	ck_assert_int_eq(e->e_ident[EI_VERSION], EV_CURRENT);
	ck_assert_int_eq(e->e_type, 4);       /* ET_CORE */
	ck_assert_int_eq(e->e_machine, 62);   /* EM_X86_64 */
	ck_assert_int_eq(e->e_version, 1);
	ck_assert_uint_eq(e->e_entry, 0);
	ck_assert_uint_eq(e->e_phoff, 64);
	ck_assert_int_eq(e->e_ehsize, 64);
	ck_assert_int_eq(e->e_phentsize, 56);
	ck_assert_uint_eq(e->e_shoff, 0);
	ck_assert_int_eq(e->e_shnum, 0);
	ck_assert_int_ge(e->e_phnum, 2);
	ck_assert_int_le(e->e_phnum, TEST_CORE_MAX_PHDRS);
	test_core_read_at(c->fd, 64, c->ph, (size_t)e->e_phnum * sizeof(Elf64_Phdr));

	const Elf64_Phdr *n = &c->ph[0];
	ck_assert_int_eq(n->p_type, PT_NOTE);
	ck_assert_uint_eq(n->p_offset, 64 + 56ULL * e->e_phnum);
	ck_assert_uint_eq(n->p_filesz, n->p_memsz);
	ck_assert_uint_eq(n->p_vaddr, 0);
	ck_assert_uint_eq(n->p_paddr, 0);
	c->notes = malloc(n->p_filesz + 1);
	ck_assert_ptr_nonnull(c->notes);
	test_core_read_at(c->fd, n->p_offset, c->notes, n->p_filesz);

	for (uint64_t off = 0; off < n->p_filesz;) {
		ck_assert_uint_eq(off % 4, 0);
		ck_assert_uint_le(off + 12, n->p_filesz);
		ck_assert_int_lt(c->nnotes, TEST_CORE_MAX_NOTES);
		Elf64_Nhdr h;
		memcpy(&h, c->notes + off, sizeof(h));
		struct test_core_note *t = &c->note[c->nnotes++];
		t->namesz = h.n_namesz;
		t->descsz = h.n_descsz;
		t->type = h.n_type;
		ck_assert_uint_ge(h.n_namesz, 1);
		ck_assert_uint_lt(h.n_namesz, sizeof(t->name));
		memcpy(t->name, c->notes + off + 12, h.n_namesz);
		ck_assert_int_eq(t->name[h.n_namesz - 1], '\0');
		uint64_t desc = off + 12 + ((h.n_namesz + 3) & ~3U);
		t->desc_off = n->p_offset + desc;
		off = desc + ((h.n_descsz + 3) & ~3ULL);
		ck_assert_uint_le(off, n->p_filesz);
	}

	for (int i = 1; i < e->e_phnum; i++) {
		const Elf64_Phdr *p = &c->ph[i];
		ck_assert_int_eq(p->p_type, PT_LOAD);
		ck_assert_uint_eq(p->p_offset % PAGE, 0);
		ck_assert_uint_ge(p->p_offset, n->p_offset + n->p_filesz);
		ck_assert_uint_eq(p->p_filesz, p->p_memsz);
		ck_assert_uint_eq(p->p_vaddr, p->p_paddr);
		ck_assert_uint_eq(p->p_align, 0);
		ck_assert_uint_eq(p->p_flags, 0);
		if (i > 1)
			ck_assert_uint_eq(p->p_offset, c->ph[i - 1].p_offset + c->ph[i - 1].p_filesz);
	}
	const Elf64_Phdr *last = &c->ph[e->e_phnum - 1];
	ck_assert_uint_eq((uint64_t)c->st.st_size, last->p_offset + last->p_filesz);
}

void test_core_close(struct test_core *c)
{
	free(c->notes);
	close(c->fd);
}

uint64_t test_core_u64(const struct test_core *c, const struct test_core_note *n, uint32_t off)
{
	uint64_t v;
	ck_assert_uint_le(off + 8, n->descsz);
	memcpy(&v, c->notes + (n->desc_off - c->ph[0].p_offset) + off, 8);
	return v;
}

uint32_t test_core_u32(const struct test_core *c, const struct test_core_note *n, uint32_t off)
{
	uint32_t v;
	ck_assert_uint_le(off + 4, n->descsz);
	memcpy(&v, c->notes + (n->desc_off - c->ph[0].p_offset) + off, 4);
	return v;
}

void test_core_read_phys(const struct test_core *c, uint64_t gpa, void *buf, size_t len)
{
	for (int i = 1; i < c->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &c->ph[i];
		if (gpa >= p->p_paddr && gpa - p->p_paddr + len <= p->p_filesz) {
			test_core_read_at(c->fd, p->p_offset + (gpa - p->p_paddr), buf, len);
			return;
		}
	}
	ck_abort_msg("0x%llx is in no PT_LOAD", (unsigned long long)gpa);
}
