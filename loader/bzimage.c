/* bzImage parsing and loading for the 64-bit Linux boot protocol
 * (Documentation/arch/x86/boot.rst, "THE REAL-MODE KERNEL HEADER", "LOADING
 * THE REST OF THE KERNEL", "64-bit BOOT PROTOCOL").  The file is hostile: every
 * field is checked before it is used and every sum is overflow-checked. */
#include <string.h>

#include "loader/loader.h"

/* The setup header's place, "HdrS" and the setup size: common/x86.h. */
#define BZIMAGE_HEADER_END    (X86_BOOT_HEADER_OFFSET + sizeof(struct setup_header))
/* boot.rst "jump": a short jump (0xEB rel8) at 0x200 whose target is the end
 * of the header: 0x202 + the byte at 0x201. */
#define BZIMAGE_JUMP_OFFSET   0x200
#define BZIMAGE_JUMP_OPCODE   0xeb
/* Protocol versions that introduced the fields used here (boot.rst). */
#define BZIMAGE_V_SYSSIZE     0x0204
#define BZIMAGE_V_RELOCATABLE 0x0205
#define BZIMAGE_V_XLOADFLAGS  0x020c
/* Alignment reported for a kernel that is not relocatable: it runs where it
 * was linked, so only the page granularity of the copy matters. */
#define BZIMAGE_FIXED_ALIGNMENT 0x1000ULL
/* LOADED_HIGH: "the protected-mode code is loaded at 0x100000"; nothing of a
 * bzImage belongs below 1 MiB, where the loader's own data lives. */
#define BZIMAGE_MIN_LOAD 0x100000ULL

static unsigned bzimage_major(uint16_t version) { return version >> 8; }
static unsigned bzimage_minor(uint16_t version) { return version & 0xff; }

/* Copies the header, then clears whatever lies past the end the image
 * declares through its jump (boot.rst: the header ends at 0x202 + byte
 * 0x201), so that an older, shorter header does not pass setup code off as
 * the newer fields it does not have. */
static int bzimage_read_header(const uint8_t *data, size_t size, const char *name,
			       struct setup_header *hdr, struct error *err)
{
	if (!data || size < BZIMAGE_HEADER_END)
		return error_set(err, "%s: truncated: %zu bytes is too short for a "
				 "bzImage setup header (needs at least %zu)",
				 name, data ? size : 0, (size_t)BZIMAGE_HEADER_END);
	memcpy(hdr, data + X86_BOOT_HEADER_OFFSET, sizeof(*hdr));
	if (data[BZIMAGE_JUMP_OFFSET] == BZIMAGE_JUMP_OPCODE) {
		size_t end = BZIMAGE_JUMP_OFFSET + 2 + data[BZIMAGE_JUMP_OFFSET + 1];
		if (end < BZIMAGE_HEADER_END)
			memset((uint8_t *)hdr + (end - X86_BOOT_HEADER_OFFSET), 0,
			       BZIMAGE_HEADER_END - end);
	}
	return 0;
}

/* boot.rst "Details of header fields" and "64-bit BOOT PROTOCOL".  Each
 * refusal here is one that GRUB's and QEMU's x86 Linux loaders share or that
 * protects minivmm itself; each comment says which. */
static int bzimage_check_header(const struct setup_header *hdr, const char *name,
				struct error *err)
{
	/* Without the magic the header fields are not fields: kernel.c sends
	 * only "HdrS" files here, and GRUB and QEMU look for it too. */
	if (hdr->header != X86_BOOT_HDRS_MAGIC)
		return error_set(err, "%s: not a bzImage (no HdrS signature)", name);
	/* A protocol before 2.00 has no LOADED_HIGH and no 64-bit entry; the
	 * check below would refuse it too, this only says why more plainly. */
	if (hdr->version < BZIMAGE_MIN_VERSION)
		return error_set(err, "%s: boot protocol %u.%02u too old (minivmm needs "
				 "2.00 or newer)", name, bzimage_major(hdr->version),
				 bzimage_minor(hdr->version));
	/* A zImage runs at 0x10000 (boot.rst "LOADING THE REST OF THE
	 * KERNEL"), below 1 MiB, where minivmm's zero page, command line and
	 * page tables live (boot/layout.h).  GRUB refuses it as well. */
	if (!(hdr->loadflags & LOADED_HIGH))
		return error_set(err, "%s: not a bzImage: LOADED_HIGH not set (zImage?)", name);
	/* minivmm enters only through the 64-bit entry at load + 0x200; a
	 * kernel without one (xloadflags exists from 2.12) would run whatever
	 * lies there and its crash would read as the guest's (status 4)
	 * instead of a bad image (2). */
	if (hdr->version < BZIMAGE_V_XLOADFLAGS || !(hdr->xloadflags & XLF_KERNEL_64))
		return error_set(err, "%s: kernel has no 64-bit entry point (XLF_KERNEL_64; "
				 "boot protocol %u.%02u)", name, bzimage_major(hdr->version),
				 bzimage_minor(hdr->version));
	return 0;
}

/* boot.rst "LOADING THE REST OF THE KERNEL": the protected-mode kernel starts
 * at (setup_sects + 1) * 512 and, from 2.04, is syssize 16-byte paragraphs
 * long ("syssize": "The size of the protected-mode code in units of 16-byte
 * paragraphs"), so syssize rounds the code up and the file may end up to 15
 * bytes before setup + syssize * 16; GRUB and QEMU never read syssize.  Both
 * refusals protect the verdict: a file with no protected-mode code, or one
 * cut short by more than that rounding (a truncated download), would fail
 * inside the guest as a crash, not here as a bad image. */
static int bzimage_check_size(const struct setup_header *hdr, size_t size, const char *name,
			      size_t *setup_size, struct error *err)
{
	size_t setup = X86_BOOT_SETUP_SIZE((size_t)hdr->setup_sects);
	if (setup >= size)
		return error_set(err, "%s: truncated: setup ends at %zu but file is %zu bytes",
				 name, setup, size);
	uint64_t kernel_end = setup + (uint64_t)hdr->syssize * X86_BOOT_SYSSIZE_UNIT;
	if (hdr->version >= BZIMAGE_V_SYSSIZE && kernel_end > size + (X86_BOOT_SYSSIZE_UNIT - 1))
		return error_set(err, "%s: truncated: kernel ends at %llu (syssize) but file "
				 "is %zu bytes", name, (unsigned long long)kernel_end, size);
	*setup_size = setup;
	return 0;
}

/* boot.rst "relocatable_kernel" and "kernel_alignment".  A kernel_alignment
 * that is not a power of two cannot be aligned to: like GRUB, which then
 * loads the kernel as not relocatable, minivmm takes such a kernel as fixed
 * at its own address rather than refusing it. */
static int bzimage_relocatable(const struct setup_header *hdr)
{
	return hdr->version >= BZIMAGE_V_RELOCATABLE && hdr->relocatable_kernel &&
	       hdr->kernel_alignment != 0 &&
	       (hdr->kernel_alignment & (hdr->kernel_alignment - 1)) == 0;
}

/* Sets load_paddr, entry and reserved_end for a load at `load`.
 *
 * reserved_end: the 64-bit entry decompresses the kernel in place
 * (arch/x86/boot/compressed/head_64.S): it picks
 *   runtime_start = relocatable ? align_up(load, kernel_alignment) : pref_address
 * never below LOAD_PHYSICAL_ADDR, which header.S publishes as pref_address,
 * and then uses [runtime_start, runtime_start + init_size) (boot.rst
 * "init_size": "linear contiguous memory starting at the kernel runtime start
 * address that the kernel needs before it is capable of examining its memory
 * map").  The copy itself must survive until it has moved, so:
 *   reserved_end = max(load + size, max(runtime_start, pref_address) + init_size).
 * init_size and pref_address exist from 2.10; 64-bit entry needs 2.12, so
 * every kernel accepted here has them. */
static int bzimage_place(struct guest_kernel_image *out, uint64_t load, const char *name,
			 struct error *err)
{
	const struct setup_header *hdr = &out->setup_header;
	uint64_t image_end, runtime, reserved;
	if (__builtin_add_overflow(load, out->image.size, &image_end))
		return error_set(err, "%s: load address 0x%llx is out of range",
				 name, (unsigned long long)load);
	if (bzimage_relocatable(hdr)) {
		uint64_t mask = (uint64_t)hdr->kernel_alignment - 1;
		if (__builtin_add_overflow(load, mask, &runtime))
			return error_set(err, "%s: load address 0x%llx is out of range",
					 name, (unsigned long long)load);
		runtime &= ~mask;
	} else {
		runtime = hdr->pref_address;
	}
	if (runtime < hdr->pref_address)
		runtime = hdr->pref_address;
	if (__builtin_add_overflow(runtime, (uint64_t)hdr->init_size, &reserved))
		return error_set(err, "%s: corrupt header: pref_address 0x%llx + init_size "
				 "0x%x overflows", name, (unsigned long long)hdr->pref_address,
				 hdr->init_size);
	out->image.load_paddr = load;
	out->linux64_entry = load + X86_BOOT_ENTRY64_OFFSET;
	out->entry = out->linux64_entry;
	out->reserved_end = reserved > image_end ? reserved : image_end;
	return 0;
}

int bzimage_parse(const uint8_t *data, size_t size, const char *name,
		  struct guest_kernel_image *out, struct error *err)
{
	struct setup_header hdr;
	size_t setup_size = 0;
	if (bzimage_read_header(data, size, name, &hdr, err) < 0 ||
	    bzimage_check_header(&hdr, name, err) < 0 ||
	    bzimage_check_size(&hdr, size, name, &setup_size, err) < 0)
		return -1;

	memset(out, 0, sizeof(*out));
	out->setup_header = hdr;
	out->format = KERNEL_FORMAT_BZIMAGE;
	out->protocol = KERNEL_BOOT_LINUX64;
	out->image.size = size - setup_size;
	out->image.alignment = bzimage_relocatable(&hdr) ? hdr.kernel_alignment
							 : BZIMAGE_FIXED_ALIGNMENT;
	/* Until bzimage_load says otherwise, the kernel sits where its header
	 * asks: code32_start (boot.rst, 0x100000 by default). */
	return bzimage_place(out, hdr.code32_start, name, err);
}

/* Where the copy goes: code32_start unless the caller chose an address,
 * which is rounded up to the alignment; boot.rst "relocatable_kernel": only
 * a relocatable kernel may be loaded anywhere but its default address. */
static int bzimage_load_address(const struct guest_kernel_image *k,
				const struct load_request *req, const char *name,
				uint64_t alignment, uint64_t *load, struct error *err)
{
	const struct setup_header *hdr = &k->setup_header;
	*load = hdr->code32_start;
	if (req->load_address && !bzimage_relocatable(hdr) && req->load_address != hdr->code32_start)
		return error_set(err, "%s: kernel is not relocatable: it must be loaded at "
				 "0x%x, not 0x%llx", name, hdr->code32_start,
				 (unsigned long long)req->load_address);
	if (req->load_address) {
		if (__builtin_add_overflow(req->load_address, alignment - 1, load))
			return error_set(err, "%s: load address 0x%llx is out of range", name,
					 (unsigned long long)req->load_address);
		*load &= ~(alignment - 1);
	}
	if (*load < BZIMAGE_MIN_LOAD)
		return error_set(err, "%s: load address 0x%llx is below 1 MiB",
				 name, (unsigned long long)*load);
	return 0;
}

int bzimage_load(struct guest_memory *mem, struct image_list *list,
		 const struct image_file *file, const struct load_request *req,
		 struct guest_kernel_image *out, struct error *err)
{
	const char *name = file->path;
	struct guest_kernel_image k;
	uint64_t load;
	if (bzimage_parse(file->data, file->size, name, &k, err) < 0 ||
	    loader_check_alignment(req->alignment, name, err) < 0)
		return -1;
	uint64_t alignment = req->alignment ? req->alignment : k.image.alignment;
	if (bzimage_load_address(&k, req, name, alignment, &load, err) < 0 ||
	    bzimage_place(&k, load, name, err) < 0)
		return -1;
	k.image.alignment = alignment;

	uint64_t ram_end = guest_memory_low_end(mem);
	if (!guest_memory_ptr(mem, load, k.image.size) || load + k.image.size > ram_end)
		return error_set(err, "%s: kernel of 0x%llx bytes at 0x%llx does not fit in "
				 "guest RAM (RAM ends at 0x%llx)", name,
				 (unsigned long long)k.image.size, (unsigned long long)load,
				 (unsigned long long)ram_end);
	if (k.reserved_end > ram_end)
		return error_set(err, "%s: kernel needs guest RAM up to 0x%llx to decompress "
				 "(init_size 0x%x) but RAM ends at 0x%llx", name,
				 (unsigned long long)k.reserved_end, k.setup_header.init_size,
				 (unsigned long long)ram_end);
	if (image_list_check_free(list, load, k.reserved_end, name, "kernel", err) < 0)
		return -1;
	if (guest_memory_write(mem, load, file->data + (file->size - k.image.size),
			       k.image.size) < 0)
		return error_set(err, "%s: cannot copy the kernel to 0x%llx", name,
				 (unsigned long long)load);
	struct image_record rec = {
		.kind = IMAGE_KIND_KERNEL, .origin = file->origin, .path = file->path,
		.image = k.image, .format = kernel_format_name(&k), .claim_end = k.reserved_end,
	};
	if (list && image_list_add(list, &rec, err) < 0)
		return -1;
	*out = k;
	return 0;
}
