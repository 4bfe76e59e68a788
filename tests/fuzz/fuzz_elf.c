/* libFuzzer target: elf_parse, elf_describe and elf_load over arbitrary
 * files, loading into 64 MiB of fake guest RAM (fuzz_loader.h) with no
 * image list.  Besides the sanitizers, it checks the contract: messages
 * name the file; a parsed image has 1..32 non-overlapping segments inside the file
 * and its entries inside them; a load lands in RAM, agrees with
 * elf_describe, and holds the file's bytes.
 *
 * The load request comes from e_ident's padding bytes (gABI EI_PAD: "set to
 * zero; reserved", ignored by the parser), so the fuzzer varies it without
 * disturbing the header: bytes 9-10 the load address in pages (up to
 * 256 MiB, past RAM on purpose), byte 11 the alignment as a shift (0: the
 * image's own; shifts below 12 are refused).  See tests/fuzz/fuzz.mk. */
#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "loader/loader.h"
#include "tests/fuzz/fuzz_loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fuzz_inside(const struct elf_kernel_info *info, uint64_t addr)
{
	for (unsigned i = 0; i < info->nsegments; i++)
		if (addr >= info->segments[i].paddr &&
		    addr - info->segments[i].paddr < info->segments[i].memsz)
			return true;
	return false;
}

static void fuzz_check_info(const struct elf_kernel_info *info, size_t size)
{
	if (info->nsegments < 1 || info->nsegments > ELF_MAX_LOAD_SEGMENTS ||
	    info->link_start >= info->link_end || info->max_align < LOADER_PAGE_SIZE ||
	    (info->max_align & (info->max_align - 1)) || !fuzz_inside(info, info->entry) ||
	    (info->has_pvh_entry && !fuzz_inside(info, info->pvh_entry)))
		__builtin_trap();
	for (unsigned i = 0; i < info->nsegments; i++) {
		const struct elf_segment *s = &info->segments[i];
		if (s->memsz == 0 || s->filesz > s->memsz || s->offset > size ||
		    s->filesz > size - s->offset || s->paddr < info->link_start ||
		    s->paddr + s->memsz > info->link_end)
			__builtin_trap();
		for (unsigned j = 0; j < i; j++) {
			const struct elf_segment *t = &info->segments[j];
			if (s->paddr < t->paddr + t->memsz && t->paddr < s->paddr + s->memsz)
				__builtin_trap();
		}
	}
}

/* memcmp against a zero page: the tail can be 64 MiB. */
static bool fuzz_all_zero(const uint8_t *p, uint64_t n)
{
	static const uint8_t zero[4096];
	while (n) {
		size_t chunk = n < sizeof(zero) ? (size_t)n : sizeof(zero);
		if (memcmp(p, zero, chunk) != 0)
			return false;
		p += chunk;
		n -= chunk;
	}
	return true;
}

static void fuzz_check_load(const struct guest_memory *mem, const uint8_t *data,
			    const struct elf_kernel_info *info,
			    const struct guest_kernel_image *k, const struct guest_kernel_image *d)
{
	if (k->format != KERNEL_FORMAT_ELF || k->image.load_paddr != d->image.load_paddr ||
	    k->image.size != d->image.size || k->reserved_end != d->reserved_end ||
	    k->linux64_entry != d->linux64_entry || k->pvh_entry != d->pvh_entry ||
	    k->has_pvh_entry != info->has_pvh_entry ||
	    k->image.size != info->link_end - info->link_start ||
	    k->reserved_end != k->image.load_paddr + k->image.size ||
	    (int64_t)(k->image.load_paddr - info->link_start) != k->relocation_offset ||
	    !guest_memory_ptr(mem, k->image.load_paddr, k->image.size) ||
	    k->linux64_entry < k->image.load_paddr || k->linux64_entry >= k->reserved_end)
		__builtin_trap();
	for (unsigned i = 0; i < info->nsegments; i++) {
		const struct elf_segment *s = &info->segments[i];
		const uint8_t *p = guest_memory_ptr(mem, k->image.load_paddr +
						    (s->paddr - info->link_start), s->memsz);
		if (!p || memcmp(p, data + s->offset, s->filesz) != 0)
			__builtin_trap();
		if (!fuzz_all_zero(p + s->filesz, s->memsz - s->filesz))
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = { 0 };
	struct elf_kernel_info info;
	if (elf_parse(data, size, "fuzz", &info, &err) < 0) {
		fuzz_check_message(&err);
		return 0;
	}
	fuzz_check_info(&info, size);

	struct load_request req = { .protocol = KERNEL_BOOT_AUTO };
	req.load_address = (uint64_t)(data[EI_PAD] | data[EI_PAD + 1] << 8) * LOADER_PAGE_SIZE;
	if (data[EI_PAD + 2])
		req.alignment = 1ULL << (data[EI_PAD + 2] & 63);
	struct image_file file = { .path = "fuzz", .origin = IMAGE_ORIGIN_CLIENT,
				   .data = (uint8_t *)data, .size = size };
	struct guest_kernel_image d, k;
	int described = elf_describe(&file, &req, &d, &err);
	if (described < 0)
		fuzz_check_message(&err);
	int loaded = elf_load(fuzz_ram(), NULL, &file, &req, &k, &err);
	if (loaded < 0) {
		fuzz_check_message(&err);
		return 0;
	}
	if (described < 0)
		__builtin_trap();   /* a load must not succeed where its description fails */
	fuzz_check_load(fuzz_ram(), data, &info, &k, &d);
	return 0;
}
