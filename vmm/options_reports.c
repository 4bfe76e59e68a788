/* --fail-on LIST (README "Problem reports"): the kinds of kernel problem
 * report (vmm/console_watch.h) that fail a run with exit status 10. */
#include <stdio.h>
#include <string.h>

#include "vmm/config.h"
#include "vmm/console_watch.h"

/* "panic, warning, ..., hung-task" into buf, for the usage error. */
static void options_kind_names(char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (int k = 0; k < CONSOLE_WATCH_KINDS && n < size; k++) {
		int w = snprintf(buf + n, size - n, "%s%s", k ? ", " : "",
				 console_watch_kind_name((enum console_watch_kind)k));
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

/* Kind names, comma-separated, in any order, or "all".  The last
 * --fail-on counts, as for every other option. */
int options_set_fail_on(struct vm_config *cfg, const char *v, struct error *err)
{
	unsigned kinds = 0;
	for (const char *p = v;; p++) {
		size_t len = strcspn(p, ",");
		int kind = console_watch_kind_parse(p, len);
		if (len == 3 && strncmp(p, "all", 3) == 0) {
			kinds |= CONSOLE_WATCH_ALL_KINDS;
		} else if (kind < 0) {
			char names[256];
			options_kind_names(names, sizeof(names));
			return error_set(err, "--fail-on '%.100s': '%.*s' is not a kind of kernel "
					 "report; expected a comma-separated list of %s, or all", v,
					 len > 40 ? 40 : (int)len, p, names);
		} else {
			kinds |= 1u << kind;
		}
		p += len;
		if (*p == '\0')
			break;
	}
	cfg->fail_on = kinds;
	return 0;
}
