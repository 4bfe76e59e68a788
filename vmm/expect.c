#include <stdlib.h>
#include <string.h>

#include "vmm/expect.h"

int expect_init(struct expect *e, const char *needle, struct error *err)
{
	memset(e, 0, sizeof(*e));
	size_t len = strlen(needle);
	if (len == 0)
		return error_set(err, "--expect: the string must not be empty");
	e->needle = strdup(needle);
	e->failure = calloc(len, sizeof(*e->failure));
	if (!e->needle || !e->failure) {
		expect_free(e);
		return error_set_host(err, "--expect: out of memory for a %zu-byte string", len);
	}
	e->len = len;
	/* failure[i]: how much of the needle still matches after a mismatch
	 * following needle[0..i] (CLRS 3rd ed., §32.4 COMPUTE-PREFIX-FUNCTION). */
	size_t k = 0;
	for (size_t i = 1; i < len; i++) {
		while (k > 0 && needle[i] != needle[k])
			k = e->failure[k - 1];
		if (needle[i] == needle[k])
			k++;
		e->failure[i] = k;
	}
	return 0;
}

bool expect_feed(struct expect *e, uint8_t byte)
{
	if (e->found || e->len == 0)
		return false;
	char c = (char)byte;
	while (e->matched > 0 && e->needle[e->matched] != c)
		e->matched = e->failure[e->matched - 1];
	if (e->needle[e->matched] == c)
		e->matched++;
	if (e->matched < e->len)
		return false;
	e->found = true;
	return true;
}

bool expect_found(const struct expect *e)
{
	return e->found;
}

void expect_free(struct expect *e)
{
	free(e->needle);
	free(e->failure);
	memset(e, 0, sizeof(*e));
}
