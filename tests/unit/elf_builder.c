/* ELF64 images built in memory (elf_builder.h). */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/elf_builder.h"
#include "tests/unit/unit.h"

uint8_t test_elf_seg_byte(unsigned n, uint64_t i)
{
	return (uint8_t)(test_payload_byte((size_t)i) ^ (n * 0x35 + 1));
}

void test_elf_make(struct test_elf_img *img, uint16_t type, uint64_t entry,
		   const struct test_elf_seg *segs, unsigned n)
{
	ck_assert_uint_le(n, TEST_ELF_MAX_SEGS);
	size_t off = sizeof(Elf64_Ehdr) + n * sizeof(Elf64_Phdr);
	for (unsigned i = 0; i < n; i++) {
		off = (off + 7) & ~(size_t)7;
		img->data_off[i] = off;
		off += segs[i].filesz;
	}
	img->size = off;
	img->data = calloc(1, off);
	ck_assert_ptr_nonnull(img->data);

	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
			     EV_CURRENT, ELFOSABI_SYSV },
		.e_type = type, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
		.e_entry = entry, .e_phoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = (uint16_t)n,
	};
	memcpy(img->data, &eh, sizeof(eh));
	for (unsigned i = 0; i < n; i++) {
		Elf64_Phdr ph = {
			.p_type = segs[i].type, .p_flags = PF_R, .p_offset = img->data_off[i],
			.p_vaddr = segs[i].paddr + 0xffffffff80000000ULL,
			.p_paddr = segs[i].paddr, .p_filesz = segs[i].filesz,
			.p_memsz = segs[i].memsz, .p_align = segs[i].align,
		};
		memcpy(img->data + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
		uint8_t *p = img->data + img->data_off[i];
		for (uint64_t b = 0; b < segs[i].filesz; b++)
			p[b] = segs[i].bytes ? segs[i].bytes[b] : test_elf_seg_byte(i, b);
	}
}

void test_elf_free(struct test_elf_img *img)
{
	free(img->data);
	memset(img, 0, sizeof(*img));
}

Elf64_Ehdr *test_elf_ehdr(struct test_elf_img *img)
{
	return (Elf64_Ehdr *)img->data;
}

Elf64_Phdr *test_elf_phdr(struct test_elf_img *img, unsigned i)
{
	return (Elf64_Phdr *)(img->data + sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr));
}

const uint8_t test_elf_pvh_note[] = {
	4, 0, 0, 0,  8, 0, 0, 0,  XEN_ELFNOTE_PHYS32_ENTRY, 0, 0, 0,
	'X', 'e', 'n', 0,
	0x50, 0x08, 0x00, 0x01, 0, 0, 0, 0,
};

const struct test_elf_seg test_elf_vmlinux_segs[] = {
	{ PT_LOAD, TEST_ELF_SEG0_PADDR, TEST_ELF_SEG0_FILESZ, TEST_ELF_SEG0_MEMSZ,
	  TEST_ELF_MAX_ALIGN, NULL },
	{ PT_LOAD, TEST_ELF_SEG1_PADDR, TEST_ELF_SEG1_SIZE, TEST_ELF_SEG1_SIZE, 0x1000, NULL },
	{ PT_NOTE, 0, sizeof(test_elf_pvh_note), 0, 4, test_elf_pvh_note },
};

void test_elf_vmlinux_make(struct test_elf_img *img)
{
	test_elf_make(img, ET_EXEC, TEST_ELF_SEG0_PADDR, test_elf_vmlinux_segs, TEST_ELF_NSEGS);
}
