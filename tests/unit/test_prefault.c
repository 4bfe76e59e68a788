/* common/prefault.c: big buffers faulted in with one call. */
#include <sys/mman.h>
#include <unistd.h>

#include "common/prefault.h"
#include "tests/unit/unit.h"

/* How many of the n pages at p are resident (mincore). */
static size_t resident_pages(void *p, size_t n)
{
	unsigned char vec[1024];
	ck_assert_uint_le(n, sizeof(vec));
	ck_assert_int_eq(mincore(p, n * (size_t)sysconf(_SC_PAGESIZE), vec), 0);
	size_t in = 0;
	for (size_t i = 0; i < n; i++)
		in += vec[i] & 1;
	return in;
}

/* The pages are there before anything writes them, and they read as zero. */
START_TEST(test_prefault_populates_whole_pages)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = PREFAULT_MIN / page + 8;
	uint8_t *p = mmap(NULL, n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	ck_assert_uint_eq(resident_pages(p, n), 0);
	/* From inside the first page to inside the last: only the whole
	 * pages between are touched. */
	prefault_buffer(p + 1, n * page - 2);
	ck_assert_uint_eq(resident_pages(p, 1), 0);
	ck_assert_uint_eq(resident_pages(p + page, n - 2), n - 2);
	ck_assert_uint_eq(resident_pages(p + (n - 1) * page, 1), 0);
	for (size_t i = 0; i < n * page; i += page / 2)
		ck_assert_uint_eq(p[i], 0);
	munmap(p, n * page);
}
END_TEST

/* Less than PREFAULT_MIN is left alone. */
START_TEST(test_prefault_leaves_small_buffers)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = PREFAULT_MIN / page - 1;
	uint8_t *p = mmap(NULL, n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	prefault_buffer(p, n * page);
	ck_assert_uint_eq(resident_pages(p, n), 0);
	munmap(p, n * page);
}
END_TEST

Suite *prefault_suite(void)
{
	Suite *s = suite_create("prefault");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_prefault_populates_whole_pages);
	tcase_add_test(tc, test_prefault_leaves_small_buffers);
	suite_add_tcase(s, tc);
	return s;
}
