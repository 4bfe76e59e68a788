/* JSON strings from arbitrary bytes: escapes, UTF-8 passed through, and
 * U+FFFD for each byte that does not start well-formed UTF-8. */
#define _GNU_SOURCE   /* open_memstream */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"

static char *quote(const void *data, size_t len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&text, &n);
	ck_assert_ptr_nonnull(out);
	json_print_bytes(out, data, len);
	fclose(out);
	return text;
}

#define ck_quote(bytes, want) do { \
		char *got_ = quote((bytes), sizeof(bytes) - 1); \
		ck_assert_str_eq(got_, (want)); \
		free(got_); \
	} while (0)

START_TEST(json_escapes)
{
	ck_quote("", "\"\"");
	ck_quote("plain text 123", "\"plain text 123\"");
	ck_quote("\"\\/", "\"\\\"\\\\/\"");
	ck_quote("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	ck_quote("\x01\x1b[0m\x1f", "\"\\u0001\\u001b[0m\\u001f\"");
	ck_quote("a\0b", "\"a\\u0000b\"");   /* NUL is data, not the end */
	ck_quote("\x7f", "\"\x7f\"");        /* DEL needs no escape */

	char *s = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&s, &n);
	json_print_string(out, "line\n");
	fclose(out);
	ck_assert_str_eq(s, "\"line\\n\"");
	free(s);
}
END_TEST

START_TEST(json_passes_valid_utf8)
{
	ck_quote("caf\xc3\xa9", "\"caf\xc3\xa9\"");                   /* U+00E9 */
	ck_quote("\xc2\x80", "\"\xc2\x80\"");                           /* U+0080 */
	ck_quote("\xdf\xbf", "\"\xdf\xbf\"");                           /* U+07FF */
	ck_quote("\xe0\xa0\x80", "\"\xe0\xa0\x80\"");                   /* U+0800 */
	ck_quote("\xe2\x82\xac", "\"\xe2\x82\xac\"");                   /* U+20AC */
	ck_quote("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");                   /* U+D7FF */
	ck_quote("\xee\x80\x80", "\"\xee\x80\x80\"");                   /* U+E000 */
	ck_quote("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");                   /* U+FFFD */
	ck_quote("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"");           /* U+10000 */
	ck_quote("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");           /* U+1F600 */
	ck_quote("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");           /* U+10FFFF */
	ck_quote("\xe2\x80\xa8", "\"\xe2\x80\xa8\"");                   /* U+2028 is valid JSON */
}
END_TEST

#define R "\\ufffd"

START_TEST(json_replaces_each_bad_byte)
{
	ck_quote("\x80", "\"" R "\"");                          /* lone continuation */
	ck_quote("a\xbf" "b", "\"a" R "b\"");
	ck_quote("\xc0\xaf", "\"" R R "\"");                    /* overlong '/' */
	ck_quote("\xc1\xbf", "\"" R R "\"");
	ck_quote("\xe0\x80\xaf", "\"" R R R "\"");              /* overlong, 3 bytes */
	ck_quote("\xe0\x9f\xbf", "\"" R R R "\"");
	ck_quote("\xf0\x80\x80\xaf", "\"" R R R R "\"");        /* overlong, 4 bytes */
	ck_quote("\xf0\x8f\xbf\xbf", "\"" R R R R "\"");
	ck_quote("\xed\xa0\x80", "\"" R R R "\"");              /* U+D800 */
	ck_quote("\xed\xbf\xbf", "\"" R R R "\"");              /* U+DFFF */
	ck_quote("\xf4\x90\x80\x80", "\"" R R R R "\"");        /* U+110000 */
	ck_quote("\xf5\x80\x80\x80", "\"" R R R R "\"");
	ck_quote("\xfe\xff", "\"" R R "\"");
	ck_quote("\xc3", "\"" R "\"");                          /* cut at the end */
	ck_quote("ok\xe2\x82", "\"ok" R R "\"");
	ck_quote("\xf0\x9f\x98", "\"" R R R "\"");
	ck_quote("\xe2\x82z", "\"" R R "z\"");                  /* cut by an ASCII byte */
	ck_quote("\xc3\n", "\"" R "\\n\"");                     /* ... or a control */
	ck_quote("\xc3\xc3\xa9", "\"" R "\xc3\xa9\"");          /* a new lead byte */
	ck_quote("\xe2\x82\xac\xac", "\"\xe2\x82\xac" R "\"");  /* one too many */
}
END_TEST

/* An independent reading of UTF-8 (RFC 3629 section 3): length from the
 * lead byte, continuation bytes, then the code point's range.  Appends
 * what json_print_bytes should write for in[0..n) to out. */
static void reference(const uint8_t *in, size_t n, char *out)
{
	size_t o = 0;
	out[o++] = '"';
	for (size_t i = 0; i < n;) {
		uint8_t b = in[i];
		if (b < 0x80) {
			if (b == '"' || b == '\\') {
				out[o++] = '\\';
				out[o++] = (char)b;
			} else if (b < 0x20) {
				const char *short_esc = strchr("\bb\ff\nn\rr\tt", b);
				if (b && short_esc)
					o += (size_t)sprintf(out + o, "\\%c", short_esc[1]);
				else
					o += (size_t)sprintf(out + o, "\\u%04x", b);
			} else {
				out[o++] = (char)b;
			}
			i++;
			continue;
		}
		size_t len = b >= 0xf0 && b <= 0xf7 ? 4 : b >= 0xe0 && b <= 0xef ? 3
			   : b >= 0xc0 && b <= 0xdf ? 2 : 0;
		uint32_t cp = len == 4 ? b & 0x07u : len == 3 ? b & 0x0fu : b & 0x1fu;
		bool ok = len > 0 && i + len <= n;
		for (size_t k = 1; ok && k < len; k++) {
			ok = (in[i + k] & 0xc0) == 0x80;
			cp = cp << 6 | (in[i + k] & 0x3fu);
		}
		static const uint32_t min_cp[] = { 0, 0, 0x80, 0x800, 0x10000 };
		ok = ok && cp >= min_cp[len] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
		if (ok) {
			memcpy(out + o, in + i, len);
			o += len;
			i += len;
		} else {
			o += (size_t)sprintf(out + o, R);
			i++;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
}

static void compare(const uint8_t *in, size_t n)
{
	char want[64];
	reference(in, n, want);
	char *got = quote(in, n);
	ck_assert_msg(strcmp(got, want) == 0, "%02x %02x %02x %02x (%zu bytes): got %s, want %s",
		      in[0], n > 1 ? in[1] : 0, n > 2 ? in[2] : 0, n > 3 ? in[3] : 0, n, got, want);
	free(got);
}

/* Every 1- and 2-byte input; 3- and 4-byte ones from every lead byte of a
 * multi-byte form, each later byte at the edges of the ranges that matter. */
START_TEST(json_agrees_with_a_reference_decoder)
{
	static const uint8_t edges[] = { 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0 };
	uint8_t in[4];
	for (unsigned a = 0; a < 256; a++) {
		in[0] = (uint8_t)a;
		compare(in, 1);
		for (unsigned b = 0; b < 256; b++) {
			in[1] = (uint8_t)b;
			compare(in, 2);
		}
		for (size_t i = 0; a >= 0xc0 && i < sizeof(edges); i++)
			for (size_t j = 0; j < sizeof(edges); j++) {
				in[1] = edges[i];
				in[2] = edges[j];
				compare(in, 3);
				for (size_t k = 0; k < sizeof(edges); k++) {
					in[3] = edges[k];
					compare(in, 4);
				}
			}
	}
}
END_TEST

Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *t = tcase_create("json");
	tcase_add_test(t, json_escapes);
	tcase_add_test(t, json_passes_valid_utf8);
	tcase_add_test(t, json_replaces_each_bad_byte);
	tcase_add_test(t, json_agrees_with_a_reference_decoder);
	suite_add_tcase(s, t);
	return s;
}
