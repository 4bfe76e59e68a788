/* loader/: image formats and where each image landed in guest RAM.  Pure: it
 * writes through struct guest_memory and never calls ioctl (DESIGN.md). */
#ifndef MINIVMM_LOADER_LOADER_H
#define MINIVMM_LOADER_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include <asm/bootparam.h>

#include "common/error.h"
#include "kvm/guest_memory.h"

/* Where one image landed: [load_paddr, load_paddr + size). */
struct guest_image {
	uint64_t load_paddr;
	uint64_t alignment;
	uint64_t size;
};

enum kernel_boot_protocol {
	KERNEL_BOOT_LINUX64,   /* 64-bit Linux boot protocol, boot_params in RSI */
};

struct guest_kernel_image {
	struct guest_image image;        /* the protected-mode kernel as copied */
	uint64_t entry;                  /* load_paddr + 0x200 for a bzImage */
	enum kernel_boot_protocol protocol;
	/* End (exclusive) of the memory the kernel claims for itself while it
	 * decompresses and starts: nothing else may be placed below it and
	 * above image.load_paddr (boot.rst: init_size). */
	uint64_t reserved_end;
	struct setup_header setup_header; /* copied from the image, as read */
};

/* A whole file in host memory. */
struct image_file {
	char *path;      /* as given, for messages */
	uint8_t *data;
	size_t size;
};

/* Reads path in chunks (works for regular files and pipes).  An empty file is
 * an error. */
int image_file_read(struct image_file *file, const char *path, struct error *err);
void image_file_free(struct image_file *file);

/* Oldest boot protocol minivmm accepts (2.00 introduced bzImage, LOAD_HIGH). */
#define BZIMAGE_MIN_VERSION 0x0200
/* boot.rst "64-bit boot protocol": the 64-bit entry is load address + 0x200. */
#define BZIMAGE_ENTRY64_OFFSET 0x200

/* Parses a bzImage (boot.rst): "HdrS", version >= 2.00, LOADED_HIGH,
 * XLF_KERNEL_64, setup_sects 0 meaning 4.  Fills out->setup_header and the
 * image size; does not touch guest RAM.  Messages name `name`. */
int bzimage_parse(const uint8_t *data, size_t size, const char *name,
		  struct guest_kernel_image *out, struct error *err);

/* Parses and copies the protected-mode kernel to its load address:
 * load_address, or code32_start when load_address is 0. */
int bzimage_load(struct guest_memory *mem, const uint8_t *data, size_t size,
		 const char *name, uint64_t load_address,
		 struct guest_kernel_image *out, struct error *err);

/* Chooses the initrd address: page-aligned, as high as possible with
 * addr + size - 1 <= initrd_addr_max and addr + size <= low_ram_end, and
 * addr >= kernel_reserved_end.  Errors name the sizes. */
int initrd_place(uint64_t size, uint64_t low_ram_end, uint64_t initrd_addr_max,
		 uint64_t kernel_reserved_end, const char *name, uint64_t *addr,
		 struct error *err);

/* initrd_place with the kernel's limits, then copies the data. */
int initrd_load(struct guest_memory *mem, const uint8_t *data, size_t size,
		const char *name, const struct guest_kernel_image *kernel,
		struct guest_image *out, struct error *err);

#endif
