/* Writing JSON (RFC 8259) for the machine-readable outputs (--print-images
 * json, --result-json). */
#ifndef MINIVMM_COMMON_JSON_H
#define MINIVMM_COMMON_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Writes len bytes of data as one JSON string, valid whatever the bytes are
 * (the guest's console output is arbitrary): quoted; '"' and '\\' escaped;
 * control characters (NUL included) as \b \f \n \r \t or \u00XX (RFC 8259
 * section 7); well-formed UTF-8 (Unicode 15, Table 3-7) passed through; and
 * each byte that does not start a well-formed sequence (a stray continuation
 * byte, an overlong form, a surrogate, a code point past U+10FFFF, a
 * sequence cut short) written as U+FFFD, one per byte. */
void json_print_bytes(FILE *out, const void *data, size_t len);

/* json_print_bytes of a NUL-terminated string. */
void json_print_string(FILE *out, const char *s);

#endif
