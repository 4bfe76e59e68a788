/* --expect's matcher: found across any chunking, overlapping partial
 * matches included, reported exactly once. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/expect.h"

/* Feeds text byte by byte; returns the 1-based position of the byte for
 * which expect_feed said true (0: never), and fails on a second true. */
static size_t feed(struct expect *e, const char *text, size_t len)
{
	size_t hit = 0;
	for (size_t i = 0; i < len; i++) {
		if (expect_feed(e, (uint8_t)text[i])) {
			ck_assert_msg(hit == 0, "true twice, at %zu and %zu", hit, i + 1);
			hit = i + 1;
		}
	}
	return hit;
}

static size_t match_at(const char *needle, const char *text)
{
	struct expect e;
	struct error err = { 0 };
	ck_assert_int_eq(expect_init(&e, needle, &err), 0);
	size_t hit = feed(&e, text, strlen(text));
	ck_assert(expect_found(&e) == (hit != 0));
	expect_free(&e);
	return hit;
}

START_TEST(expect_finds_overlapping_matches)
{
	ck_assert_uint_eq(match_at("aab", "aaab"), 4);
	ck_assert_uint_eq(match_at("abab", "abaabab"), 7);
	ck_assert_uint_eq(match_at("aaaa", "aaabaaaa"), 8);
	ck_assert_uint_eq(match_at("abcabd", "abcabcabd"), 9);
	ck_assert_uint_eq(match_at("x", "x"), 1);
	ck_assert_uint_eq(match_at("login: ", "Debian login: "), 14);
	ck_assert_uint_eq(match_at("aab", "aaxab"), 0);
	ck_assert_uint_eq(match_at("abc", "ab"), 0);
	ck_assert_uint_eq(match_at("abc", ""), 0);
	/* Bytes matched as they are: case and '\r' count. */
	ck_assert_uint_eq(match_at("Login", "login"), 0);
	ck_assert_uint_eq(match_at("a\nb", "a\r\nb"), 0);
}
END_TEST

/* Compared with a plain search of every position, on pseudo-random text
 * over a 2-letter alphabet (where partial matches overlap the most). */
START_TEST(expect_agrees_with_a_naive_search)
{
	unsigned seed = 12345;
	for (int round = 0; round < 2000; round++) {
		char needle[9], text[65];
		size_t nlen = 1 + (size_t)(rand_r(&seed) % 8), tlen = (size_t)(rand_r(&seed) % 65);
		for (size_t i = 0; i < nlen; i++)
			needle[i] = (char)('a' + rand_r(&seed) % 2);
		needle[nlen] = '\0';
		for (size_t i = 0; i < tlen; i++)
			text[i] = (char)('a' + rand_r(&seed) % 2);
		text[tlen] = '\0';
		size_t want = 0;
		for (size_t i = 0; i + nlen <= tlen; i++) {
			if (memcmp(text + i, needle, nlen) == 0) {
				want = i + nlen;
				break;
			}
		}
		ck_assert_msg(match_at(needle, text) == want, "needle '%s' in '%s': want %zu",
			      needle, text, want);
	}
}
END_TEST

START_TEST(expect_true_exactly_once)
{
	struct expect e;
	struct error err = { 0 };
	ck_assert_int_eq(expect_init(&e, "ok", &err), 0);
	ck_assert(!expect_found(&e));
	/* Chunks the way the console might deliver them, the needle split
	 * across two; later occurrences do not report again. */
	ck_assert_uint_eq(feed(&e, "boot o", 6), 0);
	ck_assert_uint_eq(feed(&e, "k ok ok", 7), 1);
	ck_assert(expect_found(&e));
	ck_assert_uint_eq(feed(&e, "okok", 4), 0);
	expect_free(&e);
}
END_TEST

START_TEST(expect_takes_any_byte)
{
	struct expect e;
	struct error err = { 0 };
	ck_assert_int_eq(expect_init(&e, "\xff\x01z", &err), 0);
	const char text[] = { 'a', '\0', '\xff', '\xff', '\x01', 'z' };
	ck_assert_uint_eq(feed(&e, text, sizeof(text)), 6);
	expect_free(&e);
}
END_TEST

START_TEST(expect_copies_the_needle)
{
	struct expect e;
	struct error err = { 0 };
	char needle[] = "ready";
	ck_assert_int_eq(expect_init(&e, needle, &err), 0);
	needle[0] = 'X';
	ck_assert_uint_eq(feed(&e, "ready", 5), 5);
	expect_free(&e);
	expect_free(&e);   /* twice is harmless */
}
END_TEST

START_TEST(expect_refuses_an_empty_needle)
{
	struct expect e;
	struct error err = { 0 };
	ck_assert_int_lt(expect_init(&e, "", &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "--expect"));
	ck_assert(!expect_feed(&e, 'a'));
	expect_free(&e);
}
END_TEST

Suite *expect_suite(void)
{
	Suite *s = suite_create("expect");
	TCase *t = tcase_create("expect");
	tcase_add_test(t, expect_finds_overlapping_matches);
	tcase_add_test(t, expect_agrees_with_a_naive_search);
	tcase_add_test(t, expect_true_exactly_once);
	tcase_add_test(t, expect_takes_any_byte);
	tcase_add_test(t, expect_copies_the_needle);
	tcase_add_test(t, expect_refuses_an_empty_needle);
	suite_add_tcase(s, t);
	return s;
}
