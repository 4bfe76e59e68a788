/* ELF64 vmlinux parsing and loading (System V gABI, "ELF Header" and
 * "Program Header"; ELF-64 Object File Format, "File header" and "Program
 * header table"), with the PVH entry note (Xen's docs/misc/pvh.pandoc).
 * The file is hostile: every offset and size is checked against the file
 * and every sum for overflow before it is used, and nothing is copied into
 * guest RAM until every segment has been checked. */
#include <elf.h>
#include <inttypes.h>
#include <string.h>

#include "loader/loader.h"

/* What a loader promises a kernel entered at startup_64 (the synthesized
 * setup header below; boot.rst "Details of header fields"). */
#define ELF_BOOT_FLAG        0xaa55
/* 2.12: the oldest protocol with xloadflags, hence XLF_KERNEL_64. */
#define ELF_BOOT_PROTOCOL    0x020c
/* x86 COMMAND_LINE_SIZE is 2048 (arch/x86/include/asm/setup.h);
 * cmdline_size counts the bytes without the terminating NUL (boot.rst;
 * Debian 6.1's bzImage says 0x7ff). */
#define ELF_CMDLINE_SIZE     2047
/* boot.rst "initrd_addr_max": what 2.03+ kernels publish; Debian 6.1's
 * bzImage says the same. */
#define ELF_INITRD_ADDR_MAX  0x7fffffff
/* Largest power of two a 32-bit header field can hold. */
#define ELF_MAX_U32_POW2     0x80000000ULL

/* gABI "ELF Identification": magic, class, data encoding, version.  Checked
 * before the header size, so that a short file that is not ELF at all, or
 * is ELF32, is called what it is. */
static int elf_check_ident(const uint8_t *data, size_t size, const char *name,
			   struct error *err)
{
	if (!data || size < SELFMAG || memcmp(data, ELFMAG, SELFMAG) != 0)
		return error_set(err, "%s: not an ELF file", name);
	if (size < EI_NIDENT)
		return error_set(err, "%s: truncated: %zu bytes is too short for an ELF "
				 "identification (needs %d)", name, size, EI_NIDENT);
	if (data[EI_CLASS] == ELFCLASS32)
		return error_set(err, "%s: wrong class: ELF32, minivmm loads ELF64 only", name);
	if (data[EI_CLASS] != ELFCLASS64)
		return error_set(err, "%s: wrong class: invalid (%u), minivmm loads ELF64 only",
				 name, data[EI_CLASS]);
	if (data[EI_DATA] != ELFDATA2LSB)
		return error_set(err, "%s: wrong data encoding %u, expected little-endian "
				 "(ELFDATA2LSB) for x86-64", name, data[EI_DATA]);
	if (data[EI_VERSION] != EV_CURRENT)
		return error_set(err, "%s: wrong ELF version %u, expected %d (EV_CURRENT)",
				 name, data[EI_VERSION], EV_CURRENT);
	return 0;
}

/* gABI "ELF Header".  The header is copied out: the file's bytes carry no
 * alignment promise. */
static int elf_read_header(const uint8_t *data, size_t size, const char *name,
			   Elf64_Ehdr *eh, struct error *err)
{
	if (elf_check_ident(data, size, name, err) < 0)
		return -1;
	if (size < sizeof(*eh))
		return error_set(err, "%s: truncated: %zu bytes is too short for an ELF64 "
				 "header (needs %zu)", name, size, sizeof(*eh));
	memcpy(eh, data, sizeof(*eh));
	if (eh->e_version != EV_CURRENT)
		return error_set(err, "%s: wrong ELF version %u, expected %d (EV_CURRENT)",
				 name, (unsigned)eh->e_version, EV_CURRENT);
	if (eh->e_machine != EM_X86_64)
		return error_set(err, "%s: wrong machine %u, expected x86-64 (%d)",
				 name, eh->e_machine, EM_X86_64);
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return error_set(err, "%s: wrong ELF type %u, expected an executable "
				 "(ET_EXEC) or ET_DYN", name, eh->e_type);
	/* Both sizes are fixed for ELF64 (the ELF-64 Object File Format's
	 * Elf64_Ehdr and Elf64_Phdr); anything else is corruption, and an entry
	 * smaller than Elf64_Phdr would make the copies below read past it. */
	if (eh->e_ehsize != sizeof(Elf64_Ehdr))
		return error_set(err, "%s: corrupt header: e_ehsize %u, expected %zu",
				 name, eh->e_ehsize, sizeof(Elf64_Ehdr));
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return error_set(err, "%s: corrupt header: e_phentsize %u, expected %zu",
				 name, eh->e_phentsize, sizeof(Elf64_Phdr));
	if (eh->e_phnum == 0)
		return error_set(err, "%s: no program headers (e_phnum 0): nothing to load",
				 name);
	/* gABI "ELF Header", e_phnum: PN_XNUM means the real count is in
	 * section 0's sh_info; a kernel never has that many, so it is refused. */
	if (eh->e_phnum == PN_XNUM)
		return error_set(err, "%s: e_phnum PN_XNUM (extended numbering) is not "
				 "supported", name);
	uint64_t table_end;
	uint64_t table_size = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
	if (__builtin_add_overflow(eh->e_phoff, table_size, &table_end) || table_end > size)
		return error_set(err, "%s: truncated: %u program headers at offset 0x%" PRIx64
				 " run past the end of the file (%zu bytes)", name,
				 eh->e_phnum, (uint64_t)eh->e_phoff, size);
	return 0;
}

/* [off, off + len) lies inside a file of `size` bytes. */
static bool elf_in_file(uint64_t off, uint64_t len, size_t size)
{
	uint64_t end;
	return !__builtin_add_overflow(off, len, &end) && end <= size;
}

/* gABI "Program Header", PT_LOAD: the file size may not be larger than the
 * memory size; p_align 0 and 1 mean no alignment, any other value is a
 * positive, integral power of 2.  A segment with p_memsz 0 occupies nothing
 * and is skipped. */
static int elf_add_load(struct elf_kernel_info *out, const Elf64_Phdr *ph, unsigned idx,
			size_t size, const char *name, struct error *err)
{
	if (ph->p_memsz == 0)
		return 0;
	if (!elf_in_file(ph->p_offset, ph->p_filesz, size))
		return error_set(err, "%s: segment %u: p_offset 0x%" PRIx64 " + p_filesz 0x%"
				 PRIx64 " runs past the end of the file (%zu bytes)", name, idx,
				 (uint64_t)ph->p_offset, (uint64_t)ph->p_filesz, size);
	if (ph->p_filesz > ph->p_memsz)
		return error_set(err, "%s: segment %u: p_filesz 0x%" PRIx64 " is larger than "
				 "p_memsz 0x%" PRIx64, name, idx, (uint64_t)ph->p_filesz,
				 (uint64_t)ph->p_memsz);
	uint64_t end;
	if (__builtin_add_overflow(ph->p_paddr, ph->p_memsz, &end))
		return error_set(err, "%s: segment %u: p_paddr 0x%" PRIx64 " + p_memsz 0x%"
				 PRIx64 " overflows", name, idx, (uint64_t)ph->p_paddr,
				 (uint64_t)ph->p_memsz);
	if (ph->p_align > 1 && (ph->p_align & (ph->p_align - 1)))
		return error_set(err, "%s: segment %u: p_align 0x%" PRIx64 " is not a power "
				 "of two", name, idx, (uint64_t)ph->p_align);
	if (out->nsegments == ELF_MAX_LOAD_SEGMENTS)
		return error_set(err, "%s: more than %d PT_LOAD segments", name,
				 ELF_MAX_LOAD_SEGMENTS);

	out->segments[out->nsegments++] = (struct elf_segment){
		.index = idx, .offset = ph->p_offset, .filesz = ph->p_filesz,
		.paddr = ph->p_paddr, .memsz = ph->p_memsz,
		.align = ph->p_align > 1 ? ph->p_align : 1,
	};
	if (out->nsegments == 1 || ph->p_paddr < out->link_start)
		out->link_start = ph->p_paddr;
	if (out->nsegments == 1 || end > out->link_end)
		out->link_end = end;
	if (ph->p_align > out->max_align)
		out->max_align = ph->p_align;
	return 0;
}

/* A PT_NOTE's bytes go to pvh_note_find under a name that also says which
 * segment, so a bad note is reported as "NAME: segment N: ...".  The first
 * PVH note found wins; later segments are still checked, as every input is. */
static int elf_scan_notes(const uint8_t *data, size_t size, const Elf64_Phdr *ph,
			  unsigned idx, const char *name, struct elf_kernel_info *out,
			  struct error *err)
{
	if (!elf_in_file(ph->p_offset, ph->p_filesz, size))
		return error_set(err, "%s: segment %u: p_offset 0x%" PRIx64 " + p_filesz 0x%"
				 PRIx64 " runs past the end of the file (%zu bytes)", name, idx,
				 (uint64_t)ph->p_offset, (uint64_t)ph->p_filesz, size);
	/* As long as any message can be: a longer path is cut in both. */
	char label[sizeof(((struct error *)0)->msg)];
	snprintf(label, sizeof(label), "%s: segment %u", name, idx);
	uint32_t entry = 0;
	int found = pvh_note_find(data + ph->p_offset, (size_t)ph->p_filesz, label, &entry, err);
	if (found < 0)
		return -1;
	if (found && !out->has_pvh_entry) {
		out->has_pvh_entry = true;
		out->pvh_entry = entry;
	}
	return 0;
}

/* Two PT_LOADs meeting in physical memory would have one overwrite the
 * other; the gABI orders PT_LOADs by p_vaddr, which says nothing of p_paddr,
 * so every pair is compared (at most 32 segments). */
static int elf_check_overlaps(const struct elf_kernel_info *info, const char *name,
			      struct error *err)
{
	for (unsigned i = 0; i < info->nsegments; i++) {
		const struct elf_segment *a = &info->segments[i];
		for (unsigned j = i + 1; j < info->nsegments; j++) {
			const struct elf_segment *b = &info->segments[j];
			/* Ends were checked not to wrap in elf_add_load. */
			if (a->paddr < b->paddr + b->memsz && b->paddr < a->paddr + a->memsz)
				return error_set(err, "%s: segments %u and %u overlap: "
						 "[0x%" PRIx64 ", 0x%" PRIx64 ") and [0x%" PRIx64
						 ", 0x%" PRIx64 ")", name, a->index, b->index,
						 a->paddr, a->paddr + a->memsz, b->paddr,
						 b->paddr + b->memsz);
		}
	}
	return 0;
}

static bool elf_in_segments(const struct elf_kernel_info *info, uint64_t addr)
{
	for (unsigned i = 0; i < info->nsegments; i++) {
		const struct elf_segment *s = &info->segments[i];
		if (addr >= s->paddr && addr - s->paddr < s->memsz)
			return true;
	}
	return false;
}

int elf_parse(const uint8_t *data, size_t size, const char *name,
	      struct elf_kernel_info *out, struct error *err)
{
	Elf64_Ehdr eh;
	if (elf_read_header(data, size, name, &eh, err) < 0)
		return -1;

	memset(out, 0, sizeof(*out));
	out->entry = eh.e_entry;
	out->max_align = LOADER_PAGE_SIZE;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, data + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		int rc = 0;
		if (ph.p_type == PT_LOAD)
			rc = elf_add_load(out, &ph, i, size, name, err);
		else if (ph.p_type == PT_NOTE)
			rc = elf_scan_notes(data, size, &ph, i, name, out, err);
		if (rc < 0)
			return -1;
	}
	if (out->nsegments == 0)
		return error_set(err, "%s: no PT_LOAD segment with memory to load", name);
	if (elf_check_overlaps(out, name, err) < 0)
		return -1;
	/* On x86 Linux links e_entry as a physical address (vmlinux.lds.S:
	 * ENTRY(phys_startup_64)); the PVH note holds one too (pvh.pandoc).
	 * Both must land on loaded bytes, or the vCPU would start in nothing. */
	if (!elf_in_segments(out, out->entry))
		return error_set(err, "%s: entry point 0x%" PRIx64 " is outside every PT_LOAD "
				 "segment", name, out->entry);
	if (out->has_pvh_entry && !elf_in_segments(out, out->pvh_entry))
		return error_set(err, "%s: PVH entry point 0x%" PRIx32 " is outside every "
				 "PT_LOAD segment", name, out->pvh_entry);
	return 0;
}

/* What a vmlinux entered at startup_64 needs from a loader, since it has no
 * setup header of its own to copy (Firecracker likewise writes boot_flag,
 * "HdrS" and kernel_alignment itself for an ELF kernel; boot.rst "Details
 * of header fields"): the
 * signatures and a protocol version new enough for xloadflags, LOADED_HIGH,
 * where it is and how it is aligned, the command line and initrd limits,
 * and XLF_KERNEL_64.  The 32-bit fields cannot hold every 64-bit value a
 * hostile file can produce: the alignment is capped at 2 GiB (still a true
 * statement of the placement) and init_size at 4 GiB - 1; minivmm's own
 * placement uses reserved_end, never these. */
static void elf_setup_header(struct setup_header *h, const struct guest_image *image,
			     uint64_t link_start, bool relocatable)
{
	memset(h, 0, sizeof(*h));
	h->boot_flag = ELF_BOOT_FLAG;
	h->header = X86_BOOT_HDRS_MAGIC;
	h->version = ELF_BOOT_PROTOCOL;
	h->loadflags = LOADED_HIGH;
	h->code32_start = (uint32_t)image->load_paddr;
	h->kernel_alignment = (uint32_t)(image->alignment < ELF_MAX_U32_POW2
					 ? image->alignment : ELF_MAX_U32_POW2);
	h->relocatable_kernel = relocatable;
	h->cmdline_size = ELF_CMDLINE_SIZE;
	h->initrd_addr_max = ELF_INITRD_ADDR_MAX;
	h->xloadflags = XLF_KERNEL_64;
	h->pref_address = link_start;
	h->init_size = (uint32_t)(image->size < UINT32_MAX ? image->size : UINT32_MAX);
}

/* Parses the file and works out where it goes for req (NULL: at its link
 * address): the shared first half of elf_describe and elf_load.  Nothing
 * here looks at guest RAM or the image list. */
static int elf_place(const struct image_file *file, const struct load_request *req,
		     struct elf_kernel_info *info, struct guest_kernel_image *out,
		     struct error *err)
{
	const char *name = file->path;
	if (elf_parse(file->data, file->size, name, info, err) < 0)
		return -1;
	uint64_t load_address = req ? req->load_address : 0;
	uint64_t req_alignment = req ? req->alignment : 0;
	if (loader_check_alignment(req_alignment, name, err) < 0)
		return -1;
	uint64_t alignment = req_alignment ? req_alignment : info->max_align;

	/* Relocated as one block, so the segments keep their distances and
	 * the entries move with them, as in seL4's libsel4vmmplatsupport
	 * (src/arch/x86/guest_image.c) and rust-vmm linux-loader (elf/mod.rs). */
	uint64_t base = info->link_start;
	if (load_address) {
		if (__builtin_add_overflow(load_address, alignment - 1, &base))
			return error_set(err, "%s: load address 0x%" PRIx64 " rounded up to "
					 "alignment 0x%" PRIx64 " is out of range", name,
					 load_address, alignment);
		base &= ~(alignment - 1);
	}
	uint64_t size = info->link_end - info->link_start;
	uint64_t end;
	if (__builtin_add_overflow(base, size, &end))
		return error_set(err, "%s: kernel of 0x%" PRIx64 " bytes at 0x%" PRIx64 " runs "
				 "past the end of the address space", name, size, base);
	/* relocation_offset is signed: a kernel linked near 2^64 cannot move
	 * to RAM near 0 by a difference int64_t can hold. */
	int64_t offset;
	if (__builtin_sub_overflow(base, info->link_start, &offset))
		return error_set(err, "%s: moving the kernel from 0x%" PRIx64 " to 0x%" PRIx64
				 " is out of range", name, info->link_start, base);

	Elf64_Ehdr eh;
	memcpy(&eh, file->data, sizeof(eh));   /* elf_parse checked it is there */
	memset(out, 0, sizeof(*out));
	out->format = KERNEL_FORMAT_ELF;
	out->image = (struct guest_image){ .load_paddr = base, .alignment = alignment,
					   .size = size };
	out->reserved_end = end;
	out->relocation_offset = offset;
	/* Both entries lie inside [link_start, link_end) (elf_parse), so
	 * neither sum can pass `end`. */
	out->linux64_entry = base + (info->entry - info->link_start);
	out->has_pvh_entry = info->has_pvh_entry;
	if (info->has_pvh_entry)
		out->pvh_entry = base + (info->pvh_entry - info->link_start);
	out->protocol = req ? req->protocol : KERNEL_BOOT_AUTO;
	out->entry = out->linux64_entry;
	elf_setup_header(&out->setup_header, &out->image, info->link_start,
			 eh.e_type == ET_DYN);
	return 0;
}

int elf_describe(const struct image_file *file, const struct load_request *req,
		 struct guest_kernel_image *out, struct error *err)
{
	struct elf_kernel_info info;
	return elf_place(file, req, &info, out, err);
}

/* Every segment must be RAM and free, and so must the whole span (the gaps
 * between segments belong to the kernel too: it may use them before it has
 * read the memory map, like the bzImage's init_size). */
static int elf_check_room(const struct guest_memory *mem, const struct image_list *list,
			  const struct elf_kernel_info *info, const struct guest_kernel_image *k,
			  const char *name, struct error *err)
{
	for (unsigned i = 0; i < info->nsegments; i++) {
		const struct elf_segment *s = &info->segments[i];
		uint64_t dest = k->image.load_paddr + (s->paddr - info->link_start);
		if (!guest_memory_ptr(mem, dest, s->memsz))
			return error_set(err, "%s: segment %u (0x%" PRIx64 "-0x%" PRIx64 ") is "
					 "outside guest RAM", name, s->index, dest,
					 dest + s->memsz);
		char what[32];
		snprintf(what, sizeof(what), "segment %u", s->index);
		if (list && image_list_check_free(list, dest, dest + s->memsz, name, what,
						  err) < 0)
			return -1;
	}
	if (list && image_list_check_free(list, k->image.load_paddr, k->reserved_end, name,
					  "kernel", err) < 0)
		return -1;
	return 0;
}

/* Where segment s goes in host memory (elf_check_room checked it is RAM). */
static uint8_t *elf_segment_dest(struct guest_memory *mem, const struct elf_kernel_info *info,
				 const struct guest_kernel_image *k, const struct elf_segment *s)
{
	return guest_memory_ptr(mem, k->image.load_paddr + (s->paddr - info->link_start),
				s->memsz);
}

/* The file at link_start in guest RAM, as a bzImage's decompressor leaves
 * it (arch/x86/boot/compressed/misc.c parse_elf moves the segments down in
 * place): elf_load's moves, in program header order, are safe when no
 * segment lands on the bytes of one that moves after it. */
bool elf_moves_in_place(const struct elf_kernel_info *info)
{
	for (unsigned i = 0; i < info->nsegments; i++) {
		const struct elf_segment *a = &info->segments[i];
		uint64_t dest = a->paddr - info->link_start;
		for (unsigned j = i + 1; j < info->nsegments; j++) {
			const struct elf_segment *b = &info->segments[j];
			if (dest < b->offset + b->filesz && b->offset < dest + a->filesz)
				return false;
		}
	}
	return true;
}

int elf_load(struct guest_memory *mem, struct image_list *list,
	     const struct image_file *file, const struct load_request *req,
	     struct guest_kernel_image *out, struct error *err)
{
	const char *name = file->path;
	struct elf_kernel_info info;
	struct guest_kernel_image k;
	if (elf_place(file, req, &info, &k, err) < 0 ||
	    elf_check_room(mem, list, &info, &k, name, err) < 0)
		return -1;

	/* memmove, and the tails only once every segment has moved: the file
	 * may lie in guest RAM itself (elf_moves_in_place).  Guest RAM may be
	 * reused and dirty: the p_memsz tail is zeroed explicitly (gABI: the
	 * bytes past p_filesz "are defined to hold the value 0"). */
	for (unsigned i = 0; i < info.nsegments; i++) {
		const struct elf_segment *s = &info.segments[i];
		memmove(elf_segment_dest(mem, &info, &k, s), file->data + s->offset,
			(size_t)s->filesz);
	}
	for (unsigned i = 0; i < info.nsegments; i++) {
		const struct elf_segment *s = &info.segments[i];
		memset(elf_segment_dest(mem, &info, &k, s) + s->filesz, 0,
		       (size_t)(s->memsz - s->filesz));
	}

	if (list) {
		struct image_record rec = {
			.kind = IMAGE_KIND_KERNEL, .origin = file->origin, .path = file->path,
			.image = k.image, .format = kernel_format_name(&k),
			.claim_end = k.reserved_end,
		};
		if (image_list_add(list, &rec, err) < 0)
			return -1;
	}
	*out = k;
	return 0;
}
