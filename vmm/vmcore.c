/* The ELF vmcore writer (vmcore.h; QEMU's dump-guest-memory format).
 * Everything the guest controls - its VMCOREINFO location and the note
 * there - is checked before use; the guest's RAM is only read. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/file_replace.h"
#include "common/write_all.h"
#include "vmm/vmcore.h"

/* The file is written in the host's byte order; ELFDATA2LSB says x86's. */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vmcore.c writes little-endian ELF with native stores"
#endif

#define VMCORE_PAGE 4096ULL
/* Pages examined per pagemap read and at most per pwrite: 16 MiB. */
#define VMCORE_BATCH_PAGES 4096U
/* Keeps the note-size arithmetic far from overflow. */
#define VMCORE_MAX_CPUS 65536

/* ---- the notes (QEMU target/i386/arch_dump.c) ---------------------------- */

/* struct elf_prstatus of x86_64 Linux (include/linux/elfcore.h with
 * arch/x86's elf_gregset_t), spelled out so it does not depend on the
 * host's <sys/procfs.h>. */
struct vmcore_timeval {
	int64_t tv_sec, tv_usec;
};

struct vmcore_prstatus {
	int32_t si_signo, si_code, si_errno;   /* pr_info */
	int16_t pr_cursig;
	uint64_t pr_sigpend, pr_sighold;
	int32_t pr_pid, pr_ppid, pr_pgrp, pr_sid;
	struct vmcore_timeval pr_utime, pr_stime, pr_cutime, pr_cstime;
	uint64_t pr_reg[27];                   /* user_regs_struct */
	int32_t pr_fpvalid;
};
_Static_assert(sizeof(struct vmcore_prstatus) == 336, "x86_64 elf_prstatus is 336 bytes");
_Static_assert(offsetof(struct vmcore_prstatus, pr_pid) == 32, "pr_pid at 32");
_Static_assert(offsetof(struct vmcore_prstatus, pr_reg) == 112, "pr_reg at 112");

/* pr_reg indices: struct user_regs_struct, arch/x86/include/asm/user_64.h. */
enum vmcore_user_reg {
	VMCORE_R15, VMCORE_R14, VMCORE_R13, VMCORE_R12, VMCORE_RBP, VMCORE_RBX,
	VMCORE_R11, VMCORE_R10, VMCORE_R9, VMCORE_R8, VMCORE_RAX, VMCORE_RCX,
	VMCORE_RDX, VMCORE_RSI, VMCORE_RDI, VMCORE_ORIG_RAX, VMCORE_RIP, VMCORE_CS,
	VMCORE_EFLAGS, VMCORE_RSP, VMCORE_SS, VMCORE_FS_BASE, VMCORE_GS_BASE,
	VMCORE_DS, VMCORE_ES, VMCORE_FS, VMCORE_GS, VMCORE_USER_REGS
};
_Static_assert(VMCORE_USER_REGS == 27, "27 registers in user_regs_struct");

/* QEMUCPUState version 1 (target/i386/arch_dump.c), read by crash for
 * CR3/CR4/IDTR (crash's kaslr_helper.c). */
struct vmcore_qemu_segment {
	uint32_t selector, limit, flags, pad;
	uint64_t base;
};

struct vmcore_qemu_state {
	uint32_t version, size;
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
	struct vmcore_qemu_segment cs, ds, es, fs, gs, ss, ldt, tr, gdt, idt;
	uint64_t cr[5];
};
_Static_assert(sizeof(struct vmcore_qemu_state) == 432, "QEMUCPUState is 432 bytes");

#define VMCORE_QEMU_STATE_VERSION 1

static uint64_t vmcore_align4(uint64_t n)
{
	return (n + 3) & ~3ULL;
}

/* A note's bytes: header, name and descriptor each padded to 4 (the ELF64
 * note format Linux and QEMU use, gABI "Note Section"). */
static uint64_t vmcore_note_size(uint64_t namesz, uint64_t descsz)
{
	return sizeof(Elf64_Nhdr) + vmcore_align4(namesz) + vmcore_align4(descsz);
}

/* Appends one note at buf + *off; buf was zeroed, so padding stays 0.
 * name includes its NUL in namesz, as ELF requires. */
static void vmcore_note_put(uint8_t *buf, size_t *off, const char *name, uint32_t type,
			    const void *desc, uint32_t descsz)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1;
	Elf64_Nhdr h = { .n_namesz = namesz, .n_descsz = descsz, .n_type = type };
	memcpy(buf + *off, &h, sizeof(h));
	memcpy(buf + *off + sizeof(h), name, namesz);
	memcpy(buf + *off + sizeof(h) + vmcore_align4(namesz), desc, descsz);
	*off += vmcore_note_size(namesz, descsz);
}

static void vmcore_fill_prstatus(struct vmcore_prstatus *p, const struct vmcore_cpu *c,
				 int index)
{
	const struct kvm_regs *r = &c->regs;
	const struct kvm_sregs *s = &c->sregs;
	memset(p, 0, sizeof(*p));
	/* drgn finds a hypervisor dump's CPU by pr_pid == cpu + 1
	 * (libdrgn/program.c). */
	p->pr_pid = index + 1;
	uint64_t *g = p->pr_reg;
	g[VMCORE_R15] = r->r15;
	g[VMCORE_R14] = r->r14;
	g[VMCORE_R13] = r->r13;
	g[VMCORE_R12] = r->r12;
	g[VMCORE_RBP] = r->rbp;
	g[VMCORE_RBX] = r->rbx;
	g[VMCORE_R11] = r->r11;
	g[VMCORE_R10] = r->r10;
	g[VMCORE_R9] = r->r9;
	g[VMCORE_R8] = r->r8;
	g[VMCORE_RAX] = r->rax;
	g[VMCORE_RCX] = r->rcx;
	g[VMCORE_RDX] = r->rdx;
	g[VMCORE_RSI] = r->rsi;
	g[VMCORE_RDI] = r->rdi;
	g[VMCORE_ORIG_RAX] = 0;  /* as QEMU: no system call is being made */
	g[VMCORE_RIP] = r->rip;
	g[VMCORE_CS] = s->cs.selector;
	g[VMCORE_EFLAGS] = r->rflags;
	g[VMCORE_RSP] = r->rsp;
	g[VMCORE_SS] = s->ss.selector;
	g[VMCORE_FS_BASE] = s->fs.base;
	g[VMCORE_GS_BASE] = s->gs.base;
	g[VMCORE_DS] = s->ds.selector;
	g[VMCORE_ES] = s->es.selector;
	g[VMCORE_FS] = s->fs.selector;
	g[VMCORE_GS] = s->gs.selector;
}

/* QEMU's SegmentCache flags as target/i386/kvm/kvm.c get_seg() builds them
 * from a kvm_segment: type<<8, S bit 12, DPL<<13, P bit 15 (present and
 * usable), AVL bit 20, L bit 21, D/B bit 22, G bit 23. */
static void vmcore_segment(struct vmcore_qemu_segment *d, const struct kvm_segment *s)
{
	d->selector = s->selector;
	d->limit = s->limit;
	d->base = s->base;
	d->pad = 0;
	d->flags = (uint32_t)(s->type & 0xf) << 8 | (uint32_t)(s->s & 1) << 12 |
		   (uint32_t)(s->dpl & 3) << 13 | (uint32_t)(s->present && !s->unusable) << 15 |
		   (uint32_t)(s->avl & 1) << 20 | (uint32_t)(s->l & 1) << 21 |
		   (uint32_t)(s->db & 1) << 22 | (uint32_t)(s->g & 1) << 23;
}

static void vmcore_dtable(struct vmcore_qemu_segment *d, const struct kvm_dtable *t)
{
	memset(d, 0, sizeof(*d));
	d->base = t->base;
	d->limit = t->limit;
}

static void vmcore_fill_qemu_state(struct vmcore_qemu_state *q, const struct vmcore_cpu *c)
{
	const struct kvm_regs *r = &c->regs;
	const struct kvm_sregs *s = &c->sregs;
	memset(q, 0, sizeof(*q));
	q->version = VMCORE_QEMU_STATE_VERSION;
	q->size = sizeof(*q);
	q->rax = r->rax;
	q->rbx = r->rbx;
	q->rcx = r->rcx;
	q->rdx = r->rdx;
	q->rsi = r->rsi;
	q->rdi = r->rdi;
	q->rsp = r->rsp;
	q->rbp = r->rbp;
	q->r8 = r->r8;
	q->r9 = r->r9;
	q->r10 = r->r10;
	q->r11 = r->r11;
	q->r12 = r->r12;
	q->r13 = r->r13;
	q->r14 = r->r14;
	q->r15 = r->r15;
	q->rip = r->rip;
	q->rflags = r->rflags;
	vmcore_segment(&q->cs, &s->cs);
	vmcore_segment(&q->ds, &s->ds);
	vmcore_segment(&q->es, &s->es);
	vmcore_segment(&q->fs, &s->fs);
	vmcore_segment(&q->gs, &s->gs);
	vmcore_segment(&q->ss, &s->ss);
	vmcore_segment(&q->ldt, &s->ldt);
	vmcore_segment(&q->tr, &s->tr);
	vmcore_dtable(&q->gdt, &s->gdt);
	vmcore_dtable(&q->idt, &s->idt);
	q->cr[0] = s->cr0;
	q->cr[1] = 0;
	q->cr[2] = s->cr2;
	q->cr[3] = s->cr3;
	q->cr[4] = s->cr4;
}

/* The guest's note, copied out of RAM once and checked on the copy (the
 * guest cannot change it between check and use), as QEMU's dump_init()
 * does (dump/dump.c): 12..1 MiB bytes inside RAM, a header whose padded
 * size fits them; and, beyond QEMU, the name "VMCOREINFO", which every
 * consumer looks for.  Returns a malloc'd buffer and its note's size, or
 * NULL and a warning. */
static uint8_t *vmcore_guest_note(const struct guest_memory *mem, const struct vmcore_info *info,
				  uint64_t *note_size, char *warning, size_t warning_len)
{
	static const char name[] = "VMCOREINFO";
	if (info->size < VMCORE_GUEST_NOTE_MIN || info->size > VMCORE_GUEST_NOTE_MAX) {
		snprintf(warning, warning_len,
			 "the guest's VMCOREINFO note is left out: its size %u is outside %u..%u",
			 info->size, VMCORE_GUEST_NOTE_MIN, VMCORE_GUEST_NOTE_MAX);
		return NULL;
	}
	const uint8_t *src = guest_memory_ptr(mem, info->paddr, info->size);
	if (!src) {
		snprintf(warning, warning_len,
			 "the guest's VMCOREINFO note is left out: [0x%llx, +%u) is not guest RAM",
			 (unsigned long long)info->paddr, info->size);
		return NULL;
	}
	uint8_t *copy = malloc(info->size);
	if (!copy) {
		snprintf(warning, warning_len,
			 "the guest's VMCOREINFO note is left out: no memory for %u bytes",
			 info->size);
		return NULL;
	}
	memcpy(copy, src, info->size);

	Elf64_Nhdr h;
	memcpy(&h, copy, sizeof(h));
	uint64_t size = vmcore_note_size(h.n_namesz, h.n_descsz);
	if (h.n_namesz > VMCORE_GUEST_NOTE_MAX || h.n_descsz > VMCORE_GUEST_NOTE_MAX ||
	    size > info->size) {
		snprintf(warning, warning_len,
			 "the guest's VMCOREINFO note is left out: its header (namesz %u, descsz %u) "
			 "does not fit its %u bytes",
			 h.n_namesz, h.n_descsz, info->size);
		free(copy);
		return NULL;
	}
	if (h.n_namesz != sizeof(name) || memcmp(copy + sizeof(h), name, sizeof(name)) != 0) {
		snprintf(warning, warning_len,
			 "the guest's VMCOREINFO note is left out: it is not named VMCOREINFO");
		free(copy);
		return NULL;
	}
	*note_size = size;
	return copy;
}

/* All notes in one zeroed buffer: every NT_PRSTATUS, every QEMU note, then
 * the guest's note, in QEMU's order (dump.c, arch_dump.c).  NULL only when
 * out of memory. */
static uint8_t *vmcore_build_notes(const struct vmcore_cpu *cpus, int ncpus,
				   const uint8_t *guest_note, uint64_t guest_note_size,
				   uint64_t *size)
{
	static const char core[] = "CORE", qemu[] = "QEMU";
	uint64_t per_cpu = vmcore_note_size(sizeof(core), sizeof(struct vmcore_prstatus)) +
			   vmcore_note_size(sizeof(qemu), sizeof(struct vmcore_qemu_state));
	uint64_t total = per_cpu * (uint64_t)ncpus + guest_note_size;
	/* calloc(0) may return NULL; one byte keeps "no notes" apart from failure. */
	uint8_t *buf = calloc(1, total ? total : 1);
	if (!buf)
		return NULL;

	size_t off = 0;
	for (int i = 0; i < ncpus; i++) {
		struct vmcore_prstatus p;
		vmcore_fill_prstatus(&p, &cpus[i], i);
		vmcore_note_put(buf, &off, core, NT_PRSTATUS, &p, sizeof(p));
	}
	for (int i = 0; i < ncpus; i++) {
		struct vmcore_qemu_state q;
		vmcore_fill_qemu_state(&q, &cpus[i]);
		vmcore_note_put(buf, &off, qemu, 0, &q, sizeof(q));
	}
	if (guest_note) {
		/* Rebuilt from the checked copy so the padding is ours (zeros). */
		Elf64_Nhdr h;
		memcpy(&h, guest_note, sizeof(h));
		vmcore_note_put(buf, &off, "VMCOREINFO", h.n_type,
				guest_note + sizeof(h) + vmcore_align4(h.n_namesz), h.n_descsz);
	}
	*size = off;
	return buf;
}

/* ---- writing ------------------------------------------------------------- */

/* All of buf at off, or an error naming the dump and where it failed. */
static int vmcore_pwrite(int fd, const char *name, const void *buf, uint64_t len, uint64_t off,
			 struct error *err)
{
	if (pwrite_all(fd, buf, (size_t)len, (off_t)off) < 0)
		return error_set(err, "%s: cannot write the dump at offset 0x%llx: %s", name,
				 (unsigned long long)off, strerror(errno));
	return 0;
}

static bool vmcore_page_is_zero(const uint8_t *page)
{
	static const uint8_t zero[VMCORE_PAGE];
	return memcmp(page, zero, VMCORE_PAGE) == 0;
}

/* /proc/self/pagemap entries (Documentation/admin-guide/mm/pagemap.rst):
 * bit 63 page present, bit 62 page swapped.  Either means the guest (or
 * we) touched it; mincore() would miss the swapped ones and lose their
 * bytes.  Fills touched[0..n) for the pages at host; -1 if pagemap cannot
 * be read, and the caller then examines every page. */
static int vmcore_pagemap(int pagemap, const uint8_t *host, uint32_t n, bool *touched)
{
	uint64_t entries[VMCORE_BATCH_PAGES];
	uint64_t off = (uint64_t)(uintptr_t)host / VMCORE_PAGE * sizeof(uint64_t);
	size_t want = n * sizeof(uint64_t), got = 0;
	while (got < want) {
		ssize_t r = pread(pagemap, (uint8_t *)entries + got, want - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	for (uint32_t i = 0; i < n; i++)
		touched[i] = (entries[i] >> 62) & 3;
	return 0;
}

/* Writes region bytes [0, size) at file offset base: runs of touched,
 * non-zero pages in one pwrite each, nothing for the rest. */
static int vmcore_write_region(int fd, const char *name, int pagemap,
			       const struct guest_memory_region *r, uint64_t base,
			       uint64_t *written, struct error *err)
{
	bool touched[VMCORE_BATCH_PAGES];
	uint64_t npages = r->size / VMCORE_PAGE;
	for (uint64_t first = 0; first < npages; first += VMCORE_BATCH_PAGES) {
		uint32_t n = npages - first < VMCORE_BATCH_PAGES ? (uint32_t)(npages - first)
								 : VMCORE_BATCH_PAGES;
		const uint8_t *host = r->host + first * VMCORE_PAGE;
		if (pagemap < 0 || vmcore_pagemap(pagemap, host, n, touched) < 0)
			memset(touched, 1, n * sizeof(bool));

		uint32_t i = 0;
		while (i < n) {
			if (!touched[i] || vmcore_page_is_zero(host + i * VMCORE_PAGE)) {
				i++;
				continue;
			}
			uint32_t end = i + 1;
			while (end < n && touched[end] && !vmcore_page_is_zero(host + end * VMCORE_PAGE))
				end++;
			uint64_t len = (uint64_t)(end - i) * VMCORE_PAGE;
			uint64_t at = (first + i) * VMCORE_PAGE;
			if (vmcore_pwrite(fd, name, host + i * VMCORE_PAGE, len, base + at, err) < 0)
				return -1;
			*written += len;
			i = end;
		}
	}
	return 0;
}

int vmcore_write_fd(int fd, const char *name, const struct guest_memory *mem,
		    const struct vmcore_cpu *cpus, int ncpus, const struct vmcore_info *info,
		    struct vmcore_result *result, struct error *err)
{
	struct vmcore_result local;
	struct vmcore_result *res = result ? result : &local;
	memset(res, 0, sizeof(*res));
	if (!mem || mem->nregions < 1 || mem->nregions > GUEST_MEMORY_MAX_REGIONS)
		return error_set(err, "%s: no guest RAM to dump", name);
	if (ncpus < 0 || ncpus > VMCORE_MAX_CPUS || (ncpus > 0 && !cpus))
		return error_set(err, "%s: cannot dump %d vCPUs", name, ncpus);
	for (int i = 0; i < mem->nregions; i++) {
		if (mem->regions[i].size % VMCORE_PAGE || !mem->regions[i].host)
			return error_set(err, "%s: guest RAM region %d is not whole pages", name, i);
	}

	uint64_t guest_note_size = 0;
	uint8_t *guest_note = NULL;
	if (info)
		guest_note = vmcore_guest_note(mem, info, &guest_note_size, res->warning,
					       sizeof(res->warning));
	uint64_t notes_size;
	uint8_t *notes = vmcore_build_notes(cpus, ncpus, guest_note, guest_note_size, &notes_size);
	res->vmcoreinfo = guest_note != NULL;
	free(guest_note);
	if (!notes)
		return error_set_host(err, "%s: no memory for the dump's notes", name);

	/* ELF header, program headers, notes, then RAM, in QEMU's dump.c
	 * order; RAM at a page boundary so that holes can be whole file-system
	 * blocks. */
	int phnum = 1 + mem->nregions;
	uint64_t notes_off = sizeof(Elf64_Ehdr) + (uint64_t)phnum * sizeof(Elf64_Phdr);
	uint64_t headers_size = notes_off + notes_size;
	uint64_t ram_off = (headers_size + VMCORE_PAGE - 1) & ~(VMCORE_PAGE - 1);

	uint8_t *headers = calloc(1, headers_size);
	if (!headers) {
		free(notes);
		return error_set_host(err, "%s: no memory for the dump's headers", name);
	}
	Elf64_Ehdr *eh = (Elf64_Ehdr *)headers;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh->e_type = ET_CORE;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(Elf64_Ehdr);   /* crash warns about anything else */
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = (Elf64_Half)phnum;
	eh->e_shentsize = sizeof(Elf64_Shdr);   /* as QEMU, with e_shnum 0 */

	Elf64_Phdr *ph = (Elf64_Phdr *)(headers + sizeof(Elf64_Ehdr));
	ph[0].p_type = PT_NOTE;
	ph[0].p_offset = notes_off;
	ph[0].p_filesz = ph[0].p_memsz = notes_size;
	uint64_t off = ram_off;
	for (int i = 0; i < mem->nregions; i++) {
		const struct guest_memory_region *r = &mem->regions[i];
		Elf64_Phdr *p = &ph[1 + i];
		p->p_type = PT_LOAD;
		p->p_offset = off;
		p->p_paddr = r->gpa;
		p->p_vaddr = r->gpa;   /* QEMU without paging (dump.c) */
		p->p_filesz = p->p_memsz = r->size;
		off += r->size;
	}
	memcpy(headers + notes_off, notes, notes_size);
	free(notes);

	int rc = -1;
	int pagemap = -1;
	if (ftruncate(fd, 0) < 0) {
		error_set(err, "%s: cannot truncate: %s", name, strerror(errno));
		goto out;
	}
	if (vmcore_pwrite(fd, name, headers, headers_size, 0, err) < 0)
		goto out;
	pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	off = ram_off;
	for (int i = 0; i < mem->nregions; i++) {
		if (vmcore_write_region(fd, name, pagemap, &mem->regions[i], off, &res->ram_written,
					err) < 0)
			goto out;
		off += mem->regions[i].size;
	}
	/* The trailing holes: the file spans every region's last byte. */
	if (ftruncate(fd, (off_t)off) < 0) {
		error_set(err, "%s: cannot extend the dump to %llu bytes: %s", name,
			  (unsigned long long)off, strerror(errno));
		goto out;
	}
	res->file_size = off;
	rc = 0;
out:
	if (pagemap >= 0)
		close(pagemap);
	free(headers);
	return rc;
}

int vmcore_write(const char *path, const struct guest_memory *mem,
		 const struct vmcore_cpu *cpus, int ncpus, const struct vmcore_info *info,
		 struct vmcore_result *result, struct error *err)
{
	if (!path || !*path)
		return error_set(err, "the dump has no file name");
	char *tmp;
	int fd = file_replace_begin(path, path, &tmp, err);
	if (fd < 0)
		return -1;
	int rc = vmcore_write_fd(fd, path, mem, cpus, ncpus, info, result, err);
	return file_replace_finish(fd, tmp, path, path, rc == 0, err);
}
