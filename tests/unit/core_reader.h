/* An ELF64 core file read back for the vmcore tests: the header, the
 * program headers and the notes, each checked against what every minivmm
 * dump must have (QEMU's dump-guest-memory ELF format: dump/dump.c,
 * target/i386/arch_dump.c).  The offsets are written out here, not taken
 * from vmm/vmcore.c, so the tests check the layout rather than repeat it. */
#ifndef MINIVMM_TESTS_UNIT_CORE_READER_H
#define MINIVMM_TESTS_UNIT_CORE_READER_H

#include <elf.h>
#include <stdint.h>
#include <sys/stat.h>

#define TEST_CORE_MAX_PHDRS 8
#define TEST_CORE_MAX_NOTES 16

struct test_core_note {
	char name[16];
	uint32_t namesz, descsz, type;
	uint64_t desc_off;   /* file offset of the descriptor */
};

struct test_core {
	int fd;
	struct stat st;
	Elf64_Ehdr eh;
	Elf64_Phdr ph[TEST_CORE_MAX_PHDRS];
	uint8_t *notes;      /* PT_NOTE's bytes */
	struct test_core_note note[TEST_CORE_MAX_NOTES];
	int nnotes;
};

/* Opens path and checks, failing the test otherwise: an ELF64 LSB ET_CORE
 * EM_X86_64 header with e_phoff 64 and no sections; PT_NOTE first at the end
 * of the program headers; 4-byte aligned notes that fill it exactly; then
 * only PT_LOADs, back to back at page-aligned offsets, p_vaddr = p_paddr,
 * p_filesz = p_memsz, p_align and p_flags 0; a file that ends with the last. */
void test_core_open(struct test_core *c, const char *path);
void test_core_close(struct test_core *c);

/* pread that fails the test unless all len bytes arrive. */
void test_core_read_at(int fd, uint64_t off, void *buf, size_t len);

/* Little-endian fields at off inside a note's descriptor. */
uint64_t test_core_u64(const struct test_core *c, const struct test_core_note *n, uint32_t off);
uint32_t test_core_u32(const struct test_core *c, const struct test_core_note *n, uint32_t off);

/* The file's bytes for guest-physical [gpa, gpa + len), found through the
 * PT_LOADs; fails the test when no single PT_LOAD holds them. */
void test_core_read_phys(const struct test_core *c, uint64_t gpa, void *buf, size_t len);

#endif
