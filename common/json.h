/* Writing JSON (RFC 8259) for the machine-readable outputs (--print-images
 * json, and later --result-json). */
#ifndef MINIVMM_COMMON_JSON_H
#define MINIVMM_COMMON_JSON_H

#include <stdio.h>

/* Writes s as a JSON string: quoted, with '"', '\\' and control bytes
 * escaped (RFC 8259 section 7).  Other bytes pass through as they are. */
void json_print_string(FILE *out, const char *s);

#endif
