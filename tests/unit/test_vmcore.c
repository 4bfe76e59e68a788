/* vmm/vmcore.c: the ELF vmcore, parsed back byte by byte (core_reader.h)
 * against the layout QEMU's dump-guest-memory writes (dump/dump.c,
 * target/i386/arch_dump.c; offsets written out here, not taken from
 * vmcore.c), and read by binutils' readelf. */
#define _GNU_SOURCE  /* asprintf */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/core_reader.h"
#include "tests/unit/unit.h"
#include "vmm/vmcore.h"

#define PAGE 4096ULL

/* Note sizes (gABI "Note Section"; QEMU's arch_dump.c notes) with the 12-byte
 * header and name "CORE"/"QEMU" (5 -> 8). */
#define PRSTATUS_DESC 336U
#define QEMU_DESC     432U
#define PRSTATUS_NOTE (12U + 8U + PRSTATUS_DESC)   /* 356 */
#define QEMU_NOTE     (12U + 8U + QEMU_DESC)       /* 452 */

/* pr_reg (user_regs_struct) slots at desc offset 112 + 8 * index. */
#define PR_PID 32U
#define PR_REG(i) (112U + 8U * (i))
enum { R15 = 0, RBP = 4, RBX = 5, RAX = 10, RCX = 11, RDI = 14, ORIG_RAX = 15, RIP = 16,
       CS = 17, EFLAGS = 18, RSP = 19, SS = 20, FS_BASE = 21, GS_BASE = 22, DS = 23, GS = 26 };

/* QEMUCPUState offsets. */
#define QS_RAX  8U
#define QS_RSP  (8U + 6U * 8U)
#define QS_R15  (8U + 15U * 8U)
#define QS_RIP  (8U + 16U * 8U)
#define QS_SEG(i) (152U + 24U * (i))   /* cs ds es fs gs ss ldt tr gdt idt */
#define QS_CR(i)  (392U + 8U * (i))

/* ---- fixtures ------------------------------------------------------------ */

static char *temp_dir(void)
{
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *dir;
	ck_assert_int_ge(asprintf(&dir, "%s/minivmm-unit-vmcore-XXXXXX", base), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static char *dir_file(const char *dir, const char *name)
{
	char *path;
	ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
	return path;
}

/* Names in dir other than . and .., to see that no temporary file stays. */
static int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void remove_dir(char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char *p = dir_file(dir, e->d_name);
			unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

static uint8_t pattern_byte(uint64_t gpa)
{
	return (uint8_t)(test_payload_byte((size_t)gpa) | 1);   /* never 0 */
}

static void fill_pattern(struct test_ram *ram, uint64_t gpa, uint64_t len)
{
	uint8_t *p = guest_memory_ptr(&ram->mem, gpa, len);
	ck_assert_ptr_nonnull(p);
	for (uint64_t i = 0; i < len; i++)
		p[i] = pattern_byte(gpa + i);
}

/* Registers that tell every slot apart: value = tag + slot. */
static void make_cpu(struct vmcore_cpu *c, uint64_t tag)
{
	memset(c, 0, sizeof(*c));
	struct kvm_regs *r = &c->regs;
	r->rax = tag + 1; r->rbx = tag + 2; r->rcx = tag + 3; r->rdx = tag + 4;
	r->rsi = tag + 5; r->rdi = tag + 6; r->rsp = tag + 7; r->rbp = tag + 8;
	r->r8 = tag + 9; r->r9 = tag + 10; r->r10 = tag + 11; r->r11 = tag + 12;
	r->r12 = tag + 13; r->r13 = tag + 14; r->r14 = tag + 15; r->r15 = tag + 16;
	r->rip = tag + 17; r->rflags = 0x246;
	struct kvm_sregs *s = &c->sregs;
	/* A 64-bit kernel's flat code segment: type 0xb, S, DPL 0, P, L, G. */
	s->cs = (struct kvm_segment){ .base = 0, .limit = 0xffffffff, .selector = 0x10,
				      .type = X86_SEG_TYPE_CODE_XRA, .present = 1, .dpl = 0,
				      .db = 0, .s = 1,
				      .l = 1, .g = 1, .avl = 0 };
	s->ss = (struct kvm_segment){ .limit = 0xffffffff, .selector = 0x18,
				      .type = X86_SEG_TYPE_DATA_RWA,
				      .present = 1, .s = 1, .db = 1, .g = 1 };
	s->ds = s->es = s->ss;
	s->ds.selector = 0x20;
	s->fs = s->ss;
	s->fs.base = tag + 0x100;
	s->gs = s->ss;
	s->gs.base = tag + 0x200;
	s->gs.selector = 0x28;
	s->tr = (struct kvm_segment){ .base = tag + 0x300, .limit = 0x67, .selector = 0x40,
				      .type = X86_SEG_TYPE_TSS_BUSY, .present = 1 };
	s->ldt = (struct kvm_segment){ .unusable = 1, .present = 1, .type = 2 };
	s->gdt = (struct kvm_dtable){ .base = tag + 0x400, .limit = 0x7f };
	s->idt = (struct kvm_dtable){ .base = tag + 0x500, .limit = 0xfff };
	s->cr0 = 0x80050033;
	s->cr2 = tag + 0x600;
	s->cr3 = tag + 0x7000;
	s->cr4 = 0x3606f0;
	s->efer = 0xd01;
}

static void assert_phys_eq_ram(const struct test_core *c, struct test_ram *ram, uint64_t gpa,
			       uint64_t len)
{
	uint8_t *buf = malloc(len);
	ck_assert_ptr_nonnull(buf);
	test_core_read_phys(c, gpa, buf, len);
	const uint8_t *want = guest_memory_ptr(&ram->mem, gpa, len);
	ck_assert_ptr_nonnull(want);
	ck_assert_msg(memcmp(buf, want, len) == 0, "bytes at 0x%llx differ from RAM",
		      (unsigned long long)gpa);
	free(buf);
}

static int write_core(const char *path, struct test_ram *ram, const struct vmcore_cpu *cpus,
		      int ncpus, const struct vmcore_info *info, struct vmcore_result *res)
{
	struct error err = { 0 };
	int rc = vmcore_write(path, &ram->mem, cpus, ncpus, info, res, &err);
	ck_assert_msg(rc == 0, "vmcore_write: %s", err.msg);
	return rc;
}

/* ---- ELF header, program headers, RAM ------------------------------------ */

START_TEST(one_region_layout_and_bytes)
{
	struct test_ram ram;
	test_ram_init(&ram, 16 * MiB);
	fill_pattern(&ram, 0x1000, 3 * PAGE);
	fill_pattern(&ram, 0x400000, 2 * MiB);
	fill_pattern(&ram, 16 * MiB - PAGE, PAGE);   /* the last page */
	struct vmcore_cpu cpu;
	make_cpu(&cpu, 0x1000);

	char *dir = temp_dir();
	char *path = dir_file(dir, "vmcore");
	struct vmcore_result res;
	write_core(path, &ram, &cpu, 1, NULL, &res);
	ck_assert(!res.vmcoreinfo);
	ck_assert_str_eq(res.warning, "");
	ck_assert_uint_eq(res.ram_written, 3 * PAGE + 2 * MiB + PAGE);

	struct test_core c;
	test_core_open(&c, path);
	ck_assert_int_eq(c.eh.e_phnum, 2);
	ck_assert_uint_eq(c.ph[1].p_paddr, 0);
	ck_assert_uint_eq(c.ph[1].p_filesz, 16 * MiB);
	ck_assert_uint_eq(c.ph[1].p_memsz, 16 * MiB);
	ck_assert_uint_eq(res.file_size, (uint64_t)c.st.st_size);
	assert_phys_eq_ram(&c, &ram, 0, 16 * MiB);   /* pattern and zeros alike */
	test_core_close(&c);
	ck_assert_int_eq(dir_entries(dir), 1);   /* no temporary file is left */

	free(path);
	remove_dir(dir);
	test_ram_free(&ram);
}
END_TEST

/* Never-touched pages and touched-but-zero pages are holes: a 256 MiB guest
 * with 1 MiB of data makes a file that occupies about 1 MiB. */
START_TEST(untouched_and_zero_pages_are_holes)
{
	struct test_ram ram;
	test_ram_init(&ram, 256 * MiB);
	fill_pattern(&ram, 0x100000, MiB);
	uint8_t *z = guest_memory_ptr(&ram.mem, 0x800000, 4 * PAGE);
	memset(z, 0xaa, 4 * PAGE);   /* backed by the host now, then zero again */
	memset(z, 0, 4 * PAGE);
	volatile uint8_t sink = *(uint8_t *)guest_memory_ptr(&ram.mem, 0x900000, 1);
	(void)sink;                  /* read-touched: the zero page */

	char *dir = temp_dir();
	char *path = dir_file(dir, "vmcore");
	struct vmcore_result res;
	struct vmcore_cpu cpu;
	make_cpu(&cpu, 0);
	write_core(path, &ram, &cpu, 1, NULL, &res);
	ck_assert_uint_eq(res.ram_written, MiB);

	struct test_core c;
	test_core_open(&c, path);
	ck_assert_uint_eq((uint64_t)c.st.st_size, c.ph[1].p_offset + 256 * MiB);
	uint64_t on_disk = (uint64_t)c.st.st_blocks * 512;
	ck_assert_msg(on_disk < 2 * MiB, "the dump occupies %llu bytes for 1 MiB of data",
		      (unsigned long long)on_disk);
	assert_phys_eq_ram(&c, &ram, 0xff000, MiB + 2 * PAGE);
	assert_phys_eq_ram(&c, &ram, 0x7ff000, 6 * PAGE);
	uint8_t page[PAGE];
	test_core_read_phys(&c, 0x900000, page, PAGE);
	for (size_t i = 0; i < PAGE; i++)
		ck_assert_int_eq(page[i], 0);
	test_core_close(&c);

	free(path);
	remove_dir(dir);
	test_ram_free(&ram);
}
END_TEST

/* RAM above the MMIO hole: its own PT_LOAD at p_paddr 4 GiB, right after
 * the first region in the file. */
START_TEST(two_regions_around_the_mmio_hole)
{
	struct test_ram ram;
	test_ram_init(&ram, 3 * GiB + 8 * MiB);
	ck_assert_int_eq(ram.mem.nregions, 2);
	fill_pattern(&ram, 0x10000, 2 * PAGE);
	fill_pattern(&ram, 3 * GiB - PAGE, PAGE);
	fill_pattern(&ram, 4 * GiB, 3 * PAGE);
	fill_pattern(&ram, 4 * GiB + 8 * MiB - PAGE, PAGE);

	char *dir = temp_dir();
	char *path = dir_file(dir, "vmcore");
	struct vmcore_result res;
	struct vmcore_cpu cpu;
	make_cpu(&cpu, 0);
	write_core(path, &ram, &cpu, 1, NULL, &res);
	ck_assert_uint_eq(res.ram_written, 7 * PAGE);

	struct test_core c;
	test_core_open(&c, path);
	ck_assert_int_eq(c.eh.e_phnum, 3);
	ck_assert_uint_eq(c.ph[1].p_paddr, 0);
	ck_assert_uint_eq(c.ph[1].p_filesz, 3 * GiB);
	ck_assert_uint_eq(c.ph[2].p_paddr, 4 * GiB);
	ck_assert_uint_eq(c.ph[2].p_filesz, 8 * MiB);
	ck_assert_uint_eq(c.ph[2].p_offset, c.ph[1].p_offset + 3 * GiB);
	assert_phys_eq_ram(&c, &ram, 0xf000, 4 * PAGE);
	assert_phys_eq_ram(&c, &ram, 3 * GiB - 2 * PAGE, 2 * PAGE);
	assert_phys_eq_ram(&c, &ram, 4 * GiB, 4 * PAGE);
	assert_phys_eq_ram(&c, &ram, 4 * GiB + 8 * MiB - 2 * PAGE, 2 * PAGE);
	ck_assert_uint_lt((uint64_t)c.st.st_blocks * 512, 4 * MiB);
	test_core_close(&c);

	free(path);
	remove_dir(dir);
	test_ram_free(&ram);
}
END_TEST

/* ---- notes --------------------------------------------------------------- */

START_TEST(cpu_notes_in_order)
{
	struct test_ram ram;
	test_ram_init(&ram, 4 * MiB);
	struct vmcore_cpu cpus[3];
	for (int i = 0; i < 3; i++)
		make_cpu(&cpus[i], 0x1000ULL * (i + 1));

	char *dir = temp_dir();
	char *path = dir_file(dir, "vmcore");
	write_core(path, &ram, cpus, 3, NULL, NULL);

	struct test_core c;
	test_core_open(&c, path);
	ck_assert_int_eq(c.nnotes, 6);
	ck_assert_uint_eq(c.ph[0].p_filesz, 3 * (PRSTATUS_NOTE + QEMU_NOTE));
	for (int i = 0; i < 3; i++) {
		const struct test_core_note *p = &c.note[i];
		uint64_t tag = 0x1000ULL * (i + 1);
		ck_assert_str_eq(p->name, "CORE");
		ck_assert_uint_eq(p->namesz, 5);
		ck_assert_uint_eq(p->type, NT_PRSTATUS);
		ck_assert_uint_eq(p->descsz, PRSTATUS_DESC);
		ck_assert_uint_eq(test_core_u32(&c, p, PR_PID), (uint32_t)i + 1);
		ck_assert_uint_eq(test_core_u64(&c, p, 0), 0);   /* pr_info, cursig: 0 */
		ck_assert_uint_eq(test_core_u64(&c, p, PR_REG(R15)), tag + 16);
		ck_assert_uint_eq(test_core_u64(&c, p, PR_REG(RBP)), tag + 8);
		ck_assert_uint_eq(test_core_u64(&c, p, PR_REG(RBX)), tag + 2);
		ck_assert_uint_eq(test_core_u64(&c, p, PR_REG(RAX)), tag + 1);
		ck_assert_uint_eq(test_core_u64(&c, p, PR_REG(RCX)), tag + 3);
		ck_assert_uint_eq(test_core_u64(&c, p, PR_REG(RDI)), tag + 6);
		ck_assert_uint_eq(test_core_u64(&c, p, PR_REG(ORIG_RAX)), 0);
		ck_assert_uint_eq(test_core_u64(&c, p, PR_REG(RIP)), tag + 17);
		ck_assert_uint_eq(test_core_u64(&c, p, PR_REG(CS)), 0x10);
		ck_assert_uint_eq(test_core_u64(&c, p, PR_REG(EFLAGS)), 0x246);
		ck_assert_uint_eq(test_core_u64(&c, p, PR_REG(RSP)), tag + 7);
		ck_assert_uint_eq(test_core_u64(&c, p, PR_REG(SS)), 0x18);
		ck_assert_uint_eq(test_core_u64(&c, p, PR_REG(FS_BASE)), tag + 0x100);
		ck_assert_uint_eq(test_core_u64(&c, p, PR_REG(GS_BASE)), tag + 0x200);
		ck_assert_uint_eq(test_core_u64(&c, p, PR_REG(DS)), 0x20);
		ck_assert_uint_eq(test_core_u64(&c, p, PR_REG(GS)), 0x28);
		ck_assert_uint_eq(test_core_u32(&c, p, 328), 0);  /* pr_fpvalid */

		const struct test_core_note *q = &c.note[3 + i];
		ck_assert_str_eq(q->name, "QEMU");
		ck_assert_uint_eq(q->namesz, 5);
		ck_assert_uint_eq(q->type, 0);
		ck_assert_uint_eq(q->descsz, QEMU_DESC);
		ck_assert_uint_eq(test_core_u32(&c, q, 0), 1);           /* version */
		ck_assert_uint_eq(test_core_u32(&c, q, 4), QEMU_DESC);   /* size */
		ck_assert_uint_eq(test_core_u64(&c, q, QS_RAX), tag + 1);
		ck_assert_uint_eq(test_core_u64(&c, q, QS_RSP), tag + 7);
		ck_assert_uint_eq(test_core_u64(&c, q, QS_R15), tag + 16);
		ck_assert_uint_eq(test_core_u64(&c, q, QS_RIP), tag + 17);
		ck_assert_uint_eq(test_core_u64(&c, q, QS_RIP + 8), 0x246);
		/* cs: selector, limit, flags = type 0xb<<8 | S | P | L | G. */
		ck_assert_uint_eq(test_core_u32(&c, q, QS_SEG(0)), 0x10);
		ck_assert_uint_eq(test_core_u32(&c, q, QS_SEG(0) + 4), 0xffffffff);
		ck_assert_uint_eq(test_core_u32(&c, q, QS_SEG(0) + 8),
				  0xb00 | 1U << 12 | 1U << 15 | 1U << 21 | 1U << 23);
		/* ss: D/B instead of L. */
		ck_assert_uint_eq(test_core_u32(&c, q, QS_SEG(5) + 8),
				  0x300 | 1U << 12 | 1U << 15 | 1U << 22 | 1U << 23);
		ck_assert_uint_eq(test_core_u64(&c, q, QS_SEG(3) + 16), tag + 0x100);   /* fs base */
		/* An unusable LDT is not present. */
		ck_assert_uint_eq(test_core_u32(&c, q, QS_SEG(6) + 8), 0x200);
		ck_assert_uint_eq(test_core_u64(&c, q, QS_SEG(7) + 16), tag + 0x300);   /* tr base */
		ck_assert_uint_eq(test_core_u64(&c, q, QS_SEG(8) + 16), tag + 0x400);   /* gdt base */
		ck_assert_uint_eq(test_core_u32(&c, q, QS_SEG(8) + 4), 0x7f);
		ck_assert_uint_eq(test_core_u64(&c, q, QS_SEG(9) + 16), tag + 0x500);   /* idt base */
		ck_assert_uint_eq(test_core_u32(&c, q, QS_SEG(9) + 4), 0xfff);
		ck_assert_uint_eq(test_core_u64(&c, q, QS_CR(0)), 0x80050033);
		ck_assert_uint_eq(test_core_u64(&c, q, QS_CR(1)), 0);
		ck_assert_uint_eq(test_core_u64(&c, q, QS_CR(2)), tag + 0x600);
		ck_assert_uint_eq(test_core_u64(&c, q, QS_CR(3)), tag + 0x7000);
		ck_assert_uint_eq(test_core_u64(&c, q, QS_CR(4)), 0x3606f0);
	}
	test_core_close(&c);

	free(path);
	remove_dir(dir);
	test_ram_free(&ram);
}
END_TEST

/* A guest note shaped like the one Linux registers through etc/vmcoreinfo
 * (drivers/firmware/qemu_fw_cfg.c): "VMCOREINFO" type 0 with the text,
 * then an empty terminating note that the dump leaves out, as QEMU does. */
static const char vmcoreinfo_text[] =
	"OSRELEASE=6.1.0-test\nPAGESIZE=4096\nSYMBOL(swapper_pg_dir)=ffffffff8260a000\n"
	"NUMBER(phys_base)=0\nKERNELOFFSET=0\n";

/* The padded size of that note: header, "VMCOREINFO\0" padded to 12, text. */
#define LINUX_NOTE_SIZE ((uint32_t)(12 + 12 + ((sizeof(vmcoreinfo_text) - 1 + 3) & ~3UL)))

static void put_guest_note(struct test_ram *ram, uint64_t gpa, uint32_t namesz,
			   const char *name, uint32_t descsz, const char *desc)
{
	Elf64_Nhdr h = { .n_namesz = namesz, .n_descsz = descsz, .n_type = 0 };
	ck_assert_int_eq(guest_memory_write(&ram->mem, gpa, &h, sizeof(h)), 0);
	if (name)
		ck_assert_int_eq(guest_memory_write(&ram->mem, gpa + 12, name, namesz), 0);
	uint64_t d = gpa + 12 + ((namesz + 3) & ~3U);
	if (descsz && desc)
		ck_assert_int_eq(guest_memory_write(&ram->mem, d, desc, descsz), 0);
}

static void put_linux_vmcoreinfo(struct test_ram *ram, uint64_t gpa)
{
	/* Padding bytes the guest left dirty: the dump must not copy them. */
	uint8_t junk[256];
	ck_assert_uint_lt(LINUX_NOTE_SIZE, sizeof(junk));
	memset(junk, 0xee, sizeof(junk));
	guest_memory_write(&ram->mem, gpa, junk, sizeof(junk));
	put_guest_note(ram, gpa, 11, "VMCOREINFO", sizeof(vmcoreinfo_text) - 1, vmcoreinfo_text);
	put_guest_note(ram, gpa + LINUX_NOTE_SIZE, 0, NULL, 0, NULL);
}

START_TEST(vmcoreinfo_note_last)
{
	struct test_ram ram;
	test_ram_init(&ram, 4 * MiB);
	uint64_t gpa = 0x3000;
	put_linux_vmcoreinfo(&ram, gpa);
	struct vmcore_cpu cpus[2];
	make_cpu(&cpus[0], 0);
	make_cpu(&cpus[1], 0x100);

	char *dir = temp_dir();
	char *path = dir_file(dir, "vmcore");
	struct vmcore_info info = { .paddr = gpa, .size = 4132 };   /* VMCOREINFO_NOTE_SIZE */
	struct vmcore_result res;
	write_core(path, &ram, cpus, 2, &info, &res);
	ck_assert(res.vmcoreinfo);
	ck_assert_str_eq(res.warning, "");

	struct test_core c;
	test_core_open(&c, path);
	ck_assert_int_eq(c.nnotes, 5);
	const struct test_core_note *v = &c.note[4];
	ck_assert_str_eq(v->name, "VMCOREINFO");
	ck_assert_uint_eq(v->namesz, 11);
	ck_assert_uint_eq(v->type, 0);
	uint32_t len = sizeof(vmcoreinfo_text) - 1;
	ck_assert_uint_eq(v->descsz, len);
	ck_assert_uint_eq(c.ph[0].p_filesz,
			  2 * (PRSTATUS_NOTE + QEMU_NOTE) + 12 + 12 + ((len + 3) & ~3U));
	uint8_t *text = c.notes + (v->desc_off - c.ph[0].p_offset);
	ck_assert_mem_eq(text, vmcoreinfo_text, len);
	for (uint32_t i = len; i < ((len + 3) & ~3U); i++)
		ck_assert_int_eq(text[i], 0);
	test_core_close(&c);

	free(path);
	remove_dir(dir);
	test_ram_free(&ram);
}
END_TEST

/* The note is taken at the limits: 1 MiB of buffer, a buffer just as big
 * as the note, and a header-only VMCOREINFO-named note with no text in a
 * 24-byte buffer. */
START_TEST(vmcoreinfo_size_limits_accepted)
{
	struct test_ram ram;
	test_ram_init(&ram, 4 * MiB);
	put_linux_vmcoreinfo(&ram, 0x100000);
	put_guest_note(&ram, 0x300000, 11, "VMCOREINFO", 0, NULL);
	struct vmcore_cpu cpu;
	make_cpu(&cpu, 0);
	char *dir = temp_dir();
	char *path = dir_file(dir, "vmcore");

	struct vmcore_info big = { .paddr = 0x100000, .size = VMCORE_GUEST_NOTE_MAX };
	struct vmcore_result res;
	write_core(path, &ram, &cpu, 1, &big, &res);
	ck_assert_msg(res.vmcoreinfo, "1 MiB refused: %s", res.warning);

	struct vmcore_info exact = { .paddr = 0x100000, .size = LINUX_NOTE_SIZE };
	write_core(path, &ram, &cpu, 1, &exact, &res);
	ck_assert_msg(res.vmcoreinfo, "%u bytes refused: %s", LINUX_NOTE_SIZE, res.warning);

	struct vmcore_info small = { .paddr = 0x300000, .size = 24 };
	write_core(path, &ram, &cpu, 1, &small, &res);
	ck_assert_msg(res.vmcoreinfo, "24 bytes refused: %s", res.warning);
	struct test_core c;
	test_core_open(&c, path);
	ck_assert_int_eq(c.nnotes, 3);
	ck_assert_str_eq(c.note[2].name, "VMCOREINFO");
	ck_assert_uint_eq(c.note[2].descsz, 0);
	test_core_close(&c);

	free(path);
	remove_dir(dir);
	test_ram_free(&ram);
}
END_TEST

/* Every way the guest's note can be wrong: the dump is still written, with
 * the CPU notes only and a warning that says why. */
START_TEST(vmcoreinfo_refused)
{
	struct test_ram ram;
	test_ram_init(&ram, 4 * MiB);
	put_linux_vmcoreinfo(&ram, 0x1000);
	put_guest_note(&ram, 0x20000, 11, "VMCOREINFO", 5000, NULL);    /* desc past size */
	put_guest_note(&ram, 0x30000, 0xffffffff, NULL, 0, NULL);      /* huge namesz */
	put_guest_note(&ram, 0x40000, 5, "CORE", 4, "abcd");           /* wrong name */
	put_guest_note(&ram, 0x50000, 11, "VMCOREINFX", 4, "abcd");    /* wrong name */
	put_guest_note(&ram, 0x60000, 0, NULL, 0, NULL);               /* 12 bytes, no name */
	struct {
		struct vmcore_info info;
		const char *why;
	} cases[] = {
		{ { 0x1000, 11 }, "size 11 is outside 12..1048576" },
		{ { 0x1000, VMCORE_GUEST_NOTE_MAX + 1 }, "size 1048577 is outside" },
		{ { 0x1000, 0 }, "size 0 is outside" },
		{ { 0xd0000000, 4132 }, "[0xd0000000, +4132) is not guest RAM" },
		{ { 4 * MiB - 100, 4132 }, "is not guest RAM" },
		{ { UINT64_MAX - 10, 4132 }, "is not guest RAM" },
		{ { 0x20000, 4132 }, "header (namesz 11, descsz 5000) does not fit its 4132 bytes" },
		{ { 0x1000, 30 }, "does not fit its 30 bytes" },
		{ { 0x1000, LINUX_NOTE_SIZE - 1 }, "does not fit" },
		{ { 0x30000, 4132 }, "namesz 4294967295" },
		{ { 0x40000, 4132 }, "not named VMCOREINFO" },
		{ { 0x50000, 4132 }, "not named VMCOREINFO" },
		{ { 0x60000, 12 }, "not named VMCOREINFO" },
	};
	struct vmcore_cpu cpu;
	make_cpu(&cpu, 0);
	char *dir = temp_dir();
	char *path = dir_file(dir, "vmcore");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmcore_result res;
		write_core(path, &ram, &cpu, 1, &cases[i].info, &res);
		ck_assert_msg(!res.vmcoreinfo, "case %zu taken", i);
		ck_assert_msg(strstr(res.warning, "VMCOREINFO note is left out") &&
			      strstr(res.warning, cases[i].why),
			      "case %zu: warning \"%s\" lacks \"%s\"", i, res.warning, cases[i].why);
		struct test_core c;
		test_core_open(&c, path);
		ck_assert_int_eq(c.nnotes, 2);
		ck_assert_uint_eq(c.ph[0].p_filesz, PRSTATUS_NOTE + QEMU_NOTE);
		test_core_close(&c);
	}
	free(path);
	remove_dir(dir);
	test_ram_free(&ram);
}
END_TEST

/* ---- binutils reads it --------------------------------------------------- */

/* stdout and stderr of cmd, or NULL when readelf is missing (a failure
 * under CI=true, where scripts/install-deps.sh installs binutils). */
static char *run(const char *cmd)
{
	if (system("command -v readelf >/dev/null 2>&1") != 0) {
		const char *ci = getenv("CI");
		ck_assert_msg(!(ci && strcmp(ci, "true") == 0), "readelf is missing (CI=true)");
		fprintf(stderr, "skip vmcore readelf checks: readelf is not installed\n");
		return NULL;
	}
	FILE *f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	ck_assert_ptr_nonnull(out);
	size_t n;
	while ((n = fread(out + len, 1, cap - 1 - len, f)) > 0) {
		len += n;
		if (len == cap - 1) {
			cap *= 2;
			out = realloc(out, cap);
			ck_assert_ptr_nonnull(out);
		}
	}
	out[len] = '\0';
	ck_assert_msg(pclose(f) == 0, "%s failed:\n%s", cmd, out);
	return out;
}

static void assert_clean(const char *out, const char *cmd)
{
	ck_assert_msg(!strcasestr(out, "warning") && !strcasestr(out, "error") &&
		      !strcasestr(out, "corrupt"), "%s complains:\n%s", cmd, out);
}

START_TEST(readelf_reads_it)
{
	struct test_ram ram;
	test_ram_init(&ram, 3 * GiB + 4 * MiB);
	fill_pattern(&ram, 0x1000, PAGE);
	put_linux_vmcoreinfo(&ram, 0x5000);
	struct vmcore_cpu cpus[2];
	make_cpu(&cpus[0], 0);
	make_cpu(&cpus[1], 0x100);
	char *dir = temp_dir();
	char *path = dir_file(dir, "vmcore");
	struct vmcore_info info = { .paddr = 0x5000, .size = 4132 };
	write_core(path, &ram, cpus, 2, &info, NULL);

	char *cmd;
	ck_assert_int_ge(asprintf(&cmd, "readelf -h -l -n -W '%s' 2>&1", path), 0);
	char *out = run(cmd);
	if (out) {
		assert_clean(out, cmd);
		ck_assert_msg(strstr(out, "CORE (Core file)"), "not a core file:\n%s", out);
		ck_assert_msg(strstr(out, "X86-64"), "not x86-64:\n%s", out);
		/* Program headers: NOTE first, then the two LOADs, the second at 4 GiB. */
		char *note = strstr(out, "  NOTE ");
		char *load = strstr(out, "  LOAD ");
		ck_assert_msg(note && load && note < load, "NOTE is not first:\n%s", out);
		ck_assert_msg(strstr(load + 1, "  LOAD "), "one LOAD only:\n%s", out);
		ck_assert_msg(strstr(out, "0x0000000100000000 0x0000000100000000 0x400000 0x400000"),
			      "no LOAD at 4 GiB of 4 MiB:\n%s", out);
		/* Notes: two of each CPU note and the guest's. */
		char *p = strstr(out, "NT_PRSTATUS");
		ck_assert_msg(p && strstr(p + 1, "NT_PRSTATUS"), "NT_PRSTATUS x2:\n%s", out);
		ck_assert_msg(strstr(out, "CORE                 0x00000150"),
			      "CORE descsz 0x150:\n%s", out);
		p = strstr(out, "QEMU                 0x000001b0");
		ck_assert_msg(p && strstr(p + 1, "QEMU                 0x000001b0"),
			      "QEMU notes x2:\n%s", out);
		ck_assert_msg(strstr(out, "VMCOREINFO"), "no VMCOREINFO:\n%s", out);
		free(out);
	}
	free(cmd);
	free(path);
	remove_dir(dir);
	test_ram_free(&ram);
}
END_TEST

/* ---- failures ------------------------------------------------------------ */

START_TEST(bad_arguments)
{
	struct test_ram ram;
	test_ram_init(&ram, 4 * MiB);
	struct vmcore_cpu cpu;
	make_cpu(&cpu, 0);
	char *dir = temp_dir();
	char *path = dir_file(dir, "vmcore");
	struct error err = { 0 };

	ck_assert_int_eq(vmcore_write(path, NULL, &cpu, 1, NULL, NULL, &err), -1);
	test_assert_error(err.msg, path, "no guest RAM");
	ck_assert_int_eq(vmcore_write(path, &ram.mem, NULL, 1, NULL, NULL, &err), -1);
	test_assert_error(err.msg, path, "cannot dump 1 vCPUs");
	ck_assert_int_eq(vmcore_write(path, &ram.mem, &cpu, -1, NULL, NULL, &err), -1);
	test_assert_error(err.msg, path, "cannot dump -1 vCPUs");
	ck_assert_int_eq(vmcore_write("", &ram.mem, &cpu, 1, NULL, NULL, &err), -1);
	test_assert_error(err.msg, "the dump has no file name");
	ck_assert_int_eq(dir_entries(dir), 0);

	/* No vCPUs: a dump of RAM alone, with an empty PT_NOTE. */
	ck_assert_int_eq(vmcore_write(path, &ram.mem, NULL, 0, NULL, NULL, &err), 0);
	struct test_core c;
	test_core_open(&c, path);
	ck_assert_int_eq(c.nnotes, 0);
	test_core_close(&c);

	free(path);
	remove_dir(dir);
	test_ram_free(&ram);
}
END_TEST

START_TEST(unwritable_places)
{
	struct test_ram ram;
	test_ram_init(&ram, 4 * MiB);
	fill_pattern(&ram, 0, PAGE);
	struct vmcore_cpu cpu;
	make_cpu(&cpu, 0);
	char *dir = temp_dir();
	struct error err = { 0 };

	char *missing = dir_file(dir, "no/such/vmcore");
	ck_assert_int_eq(vmcore_write(missing, &ram.mem, &cpu, 1, NULL, NULL, &err), -1);
	test_assert_error(err.msg, missing, "cannot create", "No such file or directory");

	/* The path is a folder: everything is written, the rename fails, and
	 * the temporary file goes. */
	char *sub = dir_file(dir, "sub");
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_int_eq(vmcore_write(sub, &ram.mem, &cpu, 1, NULL, NULL, &err), -1);
	test_assert_error(err.msg, sub, "cannot rename", "Is a directory");
	ck_assert_int_eq(dir_entries(dir), 1);

	free(missing);
	rmdir(sub);
	free(sub);
	remove_dir(dir);
	test_ram_free(&ram);
}
END_TEST

/* A file-size limit stops the write half-way (a short write, then EFBIG):
 * the error names the path and the cause, the old dump at path is left as
 * it was, and no temporary file remains. */
START_TEST(write_failure_keeps_the_old_file)
{
	struct test_ram ram;
	test_ram_init(&ram, 4 * MiB);
	fill_pattern(&ram, 0, 2 * MiB);
	struct vmcore_cpu cpu;
	make_cpu(&cpu, 0);
	char *dir = temp_dir();
	char *path = dir_file(dir, "vmcore");
	FILE *old = fopen(path, "w");
	ck_assert_ptr_nonnull(old);
	fputs("old dump", old);
	fclose(old);

	struct rlimit saved, lim;
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);
	lim = saved;
	lim.rlim_cur = 1 * MiB + 123;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);

	struct error err = { 0 };
	int rc = vmcore_write(path, &ram.mem, &cpu, 1, NULL, NULL, &err);
	signal(SIGXFSZ, prev);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &saved), 0);
	ck_assert_int_eq(rc, -1);
	test_assert_error(err.msg, path, "cannot write the dump at offset", "File too large");

	ck_assert_int_eq(dir_entries(dir), 1);
	char buf[32] = { 0 };
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_str_eq(buf, "old dump");

	free(path);
	remove_dir(dir);
	test_ram_free(&ram);
}
END_TEST

/* vmcore_write_fd into a file that held other bytes: they are gone, holes
 * read as zeros, the size is exact. */
START_TEST(write_fd_truncates_first)
{
	struct test_ram ram;
	test_ram_init(&ram, 4 * MiB);
	fill_pattern(&ram, 0x2000, PAGE);
	struct vmcore_cpu cpu;
	make_cpu(&cpu, 0);
	char *dir = temp_dir();
	char *path = dir_file(dir, "vmcore");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	uint8_t *ff = malloc(8 * MiB);
	ck_assert_ptr_nonnull(ff);
	memset(ff, 0xff, 8 * MiB);
	ck_assert_int_eq(write(fd, ff, 8 * MiB), (ssize_t)(8 * MiB));
	free(ff);

	struct error err = { 0 };
	struct vmcore_result res;
	ck_assert_int_eq(vmcore_write_fd(fd, "the fd", &ram.mem, &cpu, 1, NULL, &res, &err), 0);
	close(fd);

	struct test_core c;
	test_core_open(&c, path);
	ck_assert_uint_eq(res.file_size, (uint64_t)c.st.st_size);
	assert_phys_eq_ram(&c, &ram, 0, 4 * MiB);
	test_core_close(&c);

	free(path);
	remove_dir(dir);
	test_ram_free(&ram);
}
END_TEST

Suite *vmcore_suite(void)
{
	Suite *s = suite_create("vmcore");
	TCase *t = tcase_create("vmcore");
	tcase_set_timeout(t, 60);
	tcase_add_test(t, one_region_layout_and_bytes);
	tcase_add_test(t, untouched_and_zero_pages_are_holes);
	tcase_add_test(t, two_regions_around_the_mmio_hole);
	tcase_add_test(t, cpu_notes_in_order);
	tcase_add_test(t, vmcoreinfo_note_last);
	tcase_add_test(t, vmcoreinfo_size_limits_accepted);
	tcase_add_test(t, vmcoreinfo_refused);
	tcase_add_test(t, readelf_reads_it);
	tcase_add_test(t, bad_arguments);
	tcase_add_test(t, unwritable_places);
	tcase_add_test(t, write_failure_keeps_the_old_file);
	tcase_add_test(t, write_fd_truncates_first);
	suite_add_tcase(s, t);
	return s;
}
