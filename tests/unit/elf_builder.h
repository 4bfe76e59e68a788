/* ELF64 images built in memory for the loader/elf.c tests (test_elf.c
 * parses them, test_elf_load.c loads them). */
#ifndef MINIVMM_TESTS_UNIT_ELF_BUILDER_H
#define MINIVMM_TESTS_UNIT_ELF_BUILDER_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

struct test_elf_seg {
	uint32_t type;
	uint64_t paddr, filesz, memsz, align;
	const uint8_t *bytes;   /* PT_NOTE contents; PT_LOAD bytes are generated */
};

#define TEST_ELF_MAX_SEGS 48
struct test_elf_img {
	uint8_t *data;
	size_t size;
	size_t data_off[TEST_ELF_MAX_SEGS];   /* file offset of each segment's bytes */
};

/* The Ehdr, the program headers right after it, then each segment's bytes
 * at an 8-byte aligned offset.  PT_LOAD byte i of segment n holds
 * test_elf_seg_byte(n, i); p_vaddr is p_paddr in the kernel's high map.
 * Fails the test on error. */
void test_elf_make(struct test_elf_img *img, uint16_t type, uint64_t entry,
		   const struct test_elf_seg *segs, unsigned n);
void test_elf_free(struct test_elf_img *img);
uint8_t test_elf_seg_byte(unsigned n, uint64_t i);

/* The header and program headers in place, to break one field at a time
 * (calloc memory is aligned). */
Elf64_Ehdr *test_elf_ehdr(struct test_elf_img *img);
Elf64_Phdr *test_elf_phdr(struct test_elf_img *img, unsigned i);

/* Linux's PVH note: "Xen\0", type 18, 8-byte descriptor holding
 * TEST_ELF_PVH_ENTRY (Xen's docs/misc/pvh.pandoc). */
#define TEST_ELF_PVH_ENTRY 0x1000850ULL
extern const uint8_t test_elf_pvh_note[24];

/* Shaped like a vmlinux: text+bss (2 MiB aligned, memsz past filesz), a
 * data segment with a gap before it, and the PVH note.  Entry at
 * TEST_ELF_SEG0_PADDR. */
#define TEST_ELF_SEG0_PADDR  0x1000000ULL
#define TEST_ELF_SEG0_FILESZ 0x3000ULL
#define TEST_ELF_SEG0_MEMSZ  0x5000ULL
#define TEST_ELF_SEG1_PADDR  0x1400000ULL
#define TEST_ELF_SEG1_SIZE   0x1000ULL
#define TEST_ELF_LINK_END    (TEST_ELF_SEG1_PADDR + TEST_ELF_SEG1_SIZE)
#define TEST_ELF_MAX_ALIGN   0x200000ULL   /* segment 0's p_align, the largest */
#define TEST_ELF_NSEGS 3
extern const struct test_elf_seg test_elf_vmlinux_segs[TEST_ELF_NSEGS];
void test_elf_vmlinux_make(struct test_elf_img *img);

#endif
