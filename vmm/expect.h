/* --expect: watches the console's byte stream for a string, however the
 * guest's writes cut it up.  Knuth-Morris-Pratt (Knuth, Morris, Pratt, "Fast
 * pattern matching in strings", SIAM J. Comput. 6(2), 1977): each byte costs
 * amortised O(1) and nothing is buffered, so a partial match that turns out
 * wrong ("aab" against "aaab") still finds the match that overlaps it. */
#ifndef MINIVMM_VMM_EXPECT_H
#define MINIVMM_VMM_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct expect {
	char *needle;
	size_t len;
	size_t *failure;   /* KMP failure table: failure[i] is the length of the
			    * longest proper border of needle[0..i] */
	size_t matched;    /* bytes of the needle matched so far */
	bool found;
};

/* Copies needle (non-empty) and builds its table.  -1 with err set on an
 * empty needle or when memory runs out. */
int expect_init(struct expect *e, const char *needle, struct error *err);

/* Feeds the next console byte, as the guest wrote it (no '\r' stripped).
 * True exactly once: for the byte that completes the first occurrence of the
 * needle; false before and ever after.  Not locked: feed from one thread at
 * a time (the serial output path runs under the UART's lock). */
bool expect_feed(struct expect *e, uint8_t byte);

/* Whether the needle has been seen. */
bool expect_found(const struct expect *e);

void expect_free(struct expect *e);

#endif
