/* Placeholder: bzImage payload decompression tests come with the loader. */
#include "tests/unit/unit.h"

Suite *bzimage_payload_suite(void)
{
	Suite *s = suite_create("bzimage_payload");
	TCase *tc = tcase_create("placeholder");
	suite_add_tcase(s, tc);
	return s;
}
