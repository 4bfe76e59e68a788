/* JSON strings (RFC 8259 section 7): the two characters that must be
 * escaped, the short escapes for the common controls, \u00XX for the rest,
 * and only well-formed UTF-8 (section 8.1: JSON text is UTF-8). */
#include <string.h>

#include "common/json.h"

/* The length of the well-formed UTF-8 sequence at p (n bytes left), or 0
 * when there is none.  Unicode 15.0, Table 3-7 "Well-Formed UTF-8 Byte
 * Sequences": the second byte's narrower ranges after E0, ED, F0 and F4 are
 * what exclude overlong forms, surrogates and code points past U+10FFFF. */
static size_t json_utf8_length(const unsigned char *p, size_t n)
{
	unsigned char b = p[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;   /* range of the second byte */
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf) {
		len = 2;
	} else if (b >= 0xe0 && b <= 0xef) {
		len = 3;
		if (b == 0xe0)
			lo = 0xa0;   /* below: overlong */
		else if (b == 0xed)
			hi = 0x9f;   /* above: surrogates D800..DFFF */
	} else if (b >= 0xf0 && b <= 0xf4) {
		len = 4;
		if (b == 0xf0)
			lo = 0x90;   /* below: overlong */
		else if (b == 0xf4)
			hi = 0x8f;   /* above: past U+10FFFF */
	} else {
		return 0;        /* 80..C1 (continuation, overlong lead), F5..FF */
	}
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

void json_print_bytes(FILE *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	fputc('"', out);
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		switch (c) {
		case '"': fputs("\\\"", out); i++; continue;
		case '\\': fputs("\\\\", out); i++; continue;
		case '\b': fputs("\\b", out); i++; continue;
		case '\f': fputs("\\f", out); i++; continue;
		case '\n': fputs("\\n", out); i++; continue;
		case '\r': fputs("\\r", out); i++; continue;
		case '\t': fputs("\\t", out); i++; continue;
		default: break;
		}
		if (c < 0x20) {
			fprintf(out, "\\u%04x", c);
			i++;
			continue;
		}
		size_t n = json_utf8_length(p + i, len - i);
		if (n == 0) {
			fputs("\\ufffd", out);   /* U+FFFD REPLACEMENT CHARACTER */
			i++;
		} else {
			fwrite(p + i, 1, n, out);
			i += n;
		}
	}
	fputc('"', out);
}

void json_print_string(FILE *out, const char *s)
{
	json_print_bytes(out, s, strlen(s));
}
