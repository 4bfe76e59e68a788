/* Shared helpers for the Check unit tests: guest RAM that costs nothing
 * until touched, and synthetic bzImages built in memory.  Suites are listed
 * in unit_main.c. */
#ifndef MINIVMM_TESTS_UNIT_UNIT_H
#define MINIVMM_TESTS_UNIT_UNIT_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>

#include "kvm/guest_memory.h"
#include "loader/loader.h"

/* The tag of the checks that need a usable /dev/kvm (tcase_set_tags):
 * make unit-test runs them where KVM is (tests/with-kvm.sh). */
#define UNIT_TAG_KVM "kvm"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* Guest RAM from an anonymous MAP_NORESERVE mapping split around the
 * layout's MMIO hole, exactly as kvm/vm.c does it.  Fails the test on error. */
struct test_ram {
	struct guest_memory mem;
	uint8_t *host;
	uint64_t size;
};
void test_ram_init(struct test_ram *ram, uint64_t size);
void test_ram_free(struct test_ram *ram);

/* A valid bzImage shaped like Debian 6.1's (boot protocol 2.15, relocatable,
 * 2 MiB alignment, XLF_KERNEL_64, pref_address 16 MiB) but with a small
 * init_size (TEST_INIT_SIZE) so that it fits small guests.  The payload
 * (protected-mode kernel) holds test_payload_byte(i). */
#define TEST_INIT_SIZE   0x800000U
#define TEST_PREF_ADDR   0x1000000ULL
#define TEST_ALIGNMENT   0x200000U
#define TEST_CODE32      0x100000U
struct test_bzimage {
	uint8_t *data;
	size_t size;
	size_t setup_size;    /* (setup_sects + 1) * 512 */
	size_t payload_size;  /* size - setup_size */
};
void test_bzimage_make(struct test_bzimage *img, unsigned setup_sects, size_t payload_size);
void test_bzimage_free(struct test_bzimage *img);
/* The header inside img->data, to break one field at a time. */
struct setup_header *test_bzimage_header(struct test_bzimage *img);
uint8_t test_payload_byte(size_t i);

/* bzimage_load and initrd_load for tests that only vary the bytes and the
 * address: no image list, the image's own alignment. */
int test_bzimage_load(struct guest_memory *mem, const uint8_t *data, size_t size,
		      const char *name, uint64_t load_address, struct guest_kernel_image *out,
		      struct error *err);
int test_initrd_load(struct guest_memory *mem, const uint8_t *data, size_t size,
		     const char *name, const struct guest_kernel_image *kernel,
		     struct guest_image *out, struct error *err);

/* A segment descriptor decoded field by field (SDM Vol. 3A, "Segment
 * Descriptors"); hi is the second quadword of a 64-bit system descriptor
 * (TSS/LDT), which carries base 63:32. */
struct test_descriptor {
	uint64_t base;
	uint32_t limit;  /* raw 20-bit field */
	uint8_t type, s, dpl, p, avl, l, db, g;
};
struct test_descriptor test_decode_descriptor(uint64_t lo, uint64_t hi);

/* ck_assert that err holds a message starting with prefix and containing
 * every fragment (NULL-terminated list). */
#define test_assert_error(msg, ...) \
	test_assert_error_impl(__FILE__, __LINE__, (msg), __VA_ARGS__, (const char *)NULL)
void test_assert_error_impl(const char *file, int line, const char *msg, const char *prefix,
			    ...);

/* Runs body in a child process (killed with the test) and returns its exit
 * status, or -1 when a signal ended it. */
int test_run_in_child(int (*body)(void));

/* A fresh folder /tmp/minivmm-NAME-XXXXXX written into dir (64 bytes),
 * and its removal with everything in it. */
#define TEST_TMPDIR_SIZE 64
void test_tmpdir_make(char *dir, const char *name);
void test_tmpdir_remove(const char *dir);

#endif
