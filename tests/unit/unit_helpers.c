/* Helpers shared by the unit-test suites (unit.h). */
#define _GNU_SOURCE   /* nftw */
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asm/bootparam.h>

#include "boot/layout.h"
#include "tests/unit/unit.h"

void test_ram_init(struct test_ram *ram, uint64_t size)
{
	struct error err = { 0 };
	/* MAP_NORESERVE: an 8 GiB guest costs only the pages a test touches. */
	void *host = mmap(NULL, size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ck_assert_msg(host != MAP_FAILED, "mmap of %llu bytes failed", (unsigned long long)size);
	ram->host = host;
	ram->size = size;
	int rc = guest_memory_init(&ram->mem, host, size, LAYOUT_MMIO_HOLE_START,
				   LAYOUT_MMIO_HOLE_END, &err);
	ck_assert_msg(rc == 0, "guest_memory_init: %s", err.msg);
}

void test_ram_free(struct test_ram *ram)
{
	if (ram->host)
		munmap(ram->host, ram->size);
	memset(ram, 0, sizeof(*ram));
}

uint8_t test_payload_byte(size_t i)
{
	return (uint8_t)((i * 7 + 3) ^ (i >> 8) ^ (i >> 16));
}

void test_bzimage_make(struct test_bzimage *img, unsigned setup_sects, size_t payload_size)
{
	img->setup_size = X86_BOOT_SETUP_SIZE((size_t)setup_sects);
	img->payload_size = payload_size;
	img->size = img->setup_size + payload_size;
	img->data = calloc(1, img->size);
	ck_assert_ptr_nonnull(img->data);

	struct setup_header *h = test_bzimage_header(img);
	h->setup_sects = (uint8_t)setup_sects;
	h->syssize = (uint32_t)(payload_size / 16);
	h->vid_mode = 0xffff;
	h->boot_flag = 0xaa55;
	h->jump = 0x6aeb;               /* EB 6A: header ends at 0x26c */
	memcpy(&h->header, "HdrS", 4);  /* boot.rst, not minivmm's constant */
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH;
	h->code32_start = TEST_CODE32;
	h->heap_end_ptr = 0x5be0;
	h->initrd_addr_max = 0x7fffffff;
	h->kernel_alignment = TEST_ALIGNMENT;
	h->relocatable_kernel = 1;
	h->min_alignment = 21;
	h->xloadflags = 0x7f;
	h->cmdline_size = 0x7ff;
	h->pref_address = TEST_PREF_ADDR;
	h->init_size = TEST_INIT_SIZE;
	h->kernel_info_offset = 0x1234;
	for (size_t i = 0; i < payload_size; i++)
		img->data[img->setup_size + i] = test_payload_byte(i);
}

void test_bzimage_free(struct test_bzimage *img)
{
	free(img->data);
	memset(img, 0, sizeof(*img));
}

struct setup_header *test_bzimage_header(struct test_bzimage *img)
{
	return (struct setup_header *)(img->data + X86_BOOT_HEADER_OFFSET);
}

void test_assert_error_impl(const char *file, int line, const char *msg, const char *prefix,
			    ...)
{
	ck_assert_msg(strncmp(msg, prefix, strlen(prefix)) == 0,
		      "%s:%d: message \"%s\" does not start with \"%s\"", file, line, msg, prefix);
	ck_assert_msg(strchr(msg, '\n') == NULL, "%s:%d: message \"%s\" has a newline",
		      file, line, msg);
	va_list ap;
	va_start(ap, prefix);
	for (const char *frag; (frag = va_arg(ap, const char *)) != NULL;)
		ck_assert_msg(strstr(msg, frag) != NULL, "%s:%d: message \"%s\" lacks \"%s\"",
			      file, line, msg, frag);
	va_end(ap);
}

struct test_descriptor test_decode_descriptor(uint64_t lo, uint64_t hi)
{
	struct test_descriptor d = {
		.limit = (uint32_t)((lo & 0xffff) | ((lo >> 48) & 0xf) << 16),
		.type = (lo >> 40) & 0xf,
		.s = (lo >> 44) & 1,
		.dpl = (lo >> 45) & 3,
		.p = (lo >> 47) & 1,
		.avl = (lo >> 52) & 1,
		.l = (lo >> 53) & 1,
		.db = (lo >> 54) & 1,
		.g = (lo >> 55) & 1,
	};
	d.base = ((lo >> 16) & 0xffffff) | ((lo >> 56) & 0xff) << 24;
	if (!d.s)
		d.base |= (hi & 0xffffffff) << 32;
	return d;
}

static struct image_file test_image_file(const uint8_t *data, size_t size, const char *name)
{
	return (struct image_file){ .path = (char *)name, .origin = IMAGE_ORIGIN_CLIENT,
				    .data = (uint8_t *)data, .size = size };
}

int test_bzimage_load(struct guest_memory *mem, const uint8_t *data, size_t size,
		      const char *name, uint64_t load_address, struct guest_kernel_image *out,
		      struct error *err)
{
	struct image_file file = test_image_file(data, size, name);
	struct load_request req = { .load_address = load_address };
	return bzimage_load(mem, NULL, &file, &req, out, err);
}

int test_initrd_load(struct guest_memory *mem, const uint8_t *data, size_t size,
		     const char *name, const struct guest_kernel_image *kernel,
		     struct guest_image *out, struct error *err)
{
	struct image_file file = test_image_file(data, size, name);
	struct load_request req = { 0 };
	return initrd_load(mem, NULL, &file, kernel, &req, out, err);
}

int test_run_in_child(int (*body)(void))
{
	pid_t parent = getpid();
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(99);
		_exit(body());
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void test_tmpdir_make(char *dir, const char *name)
{
	ck_assert_int_lt(snprintf(dir, TEST_TMPDIR_SIZE, "/tmp/minivmm-%s-XXXXXX", name),
			 TEST_TMPDIR_SIZE);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static int test_tmpdir_remove_one(const char *path, const struct stat *st, int flag,
				  struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

void test_tmpdir_remove(const char *dir)
{
	nftw(dir, test_tmpdir_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
