#include <string.h>

#include "vmm/console_watch.h"

/* The headers watched for, each at the start of a line after printk's
 * prefix.  panic() prints "Kernel panic - not syncing: %s\n"
 * (kernel/panic.c); the colon is part of the header so that the words
 * alone do not count. */
static const struct {
	enum console_watch_kind kind;
	const char *header;
} console_watch_headers[] = {
	{ CONSOLE_WATCH_PANIC, "Kernel panic - not syncing:" },
};

void console_watch_init(struct console_watch *w)
{
	memset(w, 0, sizeof(*w));
}

static bool console_watch_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* What printk puts before a record's text on a console
 * (kernel/printk/printk.c, info_print_prefix): "<N>" with
 * console_msg_format=syslog (print_syslog), "[%5lu.%06lu]" with
 * CONFIG_PRINTK_TIME (print_time), "[%6s]" holding "T<pid>" or "C<cpu>"
 * with CONFIG_PRINTK_CALLER (print_caller), and one space after those two.
 * Returns where the record's text starts; anything else in front leaves
 * the text where a header cannot be. */
static size_t console_watch_prefix(const char *s, size_t len)
{
	size_t i = 0;
	if (len > 0 && s[0] == '<') {
		size_t j = 1;
		while (j < len && j <= 4 && console_watch_digit(s[j]))
			j++;
		if (j > 1 && j < len && s[j] == '>')
			i = j + 1;
	}
	bool bracketed = false;
	for (int group = 0; group < 2 && i < len && s[i] == '['; group++) {
		size_t j = i + 1;
		while (j < len && j - i <= 24 &&
		       (console_watch_digit(s[j]) || s[j] == ' ' || s[j] == '.' || s[j] == 'T' ||
			s[j] == 'C'))
			j++;
		if (j >= len || s[j] != ']')
			return i;
		i = j + 1;
		bracketed = true;
	}
	if (bracketed && i < len && s[i] == ' ')
		i++;
	return i;
}

bool console_watch_match(const char *line, size_t len, enum console_watch_kind *kind,
			 size_t *text_start)
{
	size_t start = console_watch_prefix(line, len);
	for (size_t h = 0; h < sizeof(console_watch_headers) / sizeof(console_watch_headers[0]); h++) {
		size_t hlen = strlen(console_watch_headers[h].header);
		if (len - start >= hlen && memcmp(line + start, console_watch_headers[h].header, hlen) == 0) {
			*kind = console_watch_headers[h].kind;
			*text_start = start;
			return true;
		}
	}
	return false;
}

/* The current line is complete: keeps it if it is the first of its kind.
 * The guest chose its bytes and they end up on the user's terminal (stderr)
 * and in the report: anything but printable ASCII becomes '?'. */
static int console_watch_line_done(struct console_watch *w)
{
	enum console_watch_kind kind;
	size_t start;
	size_t len = w->len;
	w->len = 0;
	if (len == 0 || !console_watch_match(w->line, len, &kind, &start))
		return -1;
	char *dst = w->first[kind];
	if (dst[0] != '\0')
		return (int)kind;
	while (len > start && (unsigned char)w->line[len - 1] <= ' ')
		len--;   /* trailing blanks and control bytes */
	size_t n = 0;
	for (size_t i = start; i < len && n < CONSOLE_WATCH_TEXT_MAX; i++) {
		unsigned char c = (unsigned char)w->line[i];
		dst[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[n] = '\0';
	return (int)kind;
}

int console_watch_feed(struct console_watch *w, uint8_t byte)
{
	/* The 8250 console ends lines with "\r\n" (uart_console_write). */
	if (byte == '\r')
		return -1;
	if (byte == '\n')
		return console_watch_line_done(w);
	if (w->len < sizeof(w->line))
		w->line[w->len++] = (char)byte;
	return -1;
}

int console_watch_end(struct console_watch *w)
{
	return console_watch_line_done(w);
}

const char *console_watch_first(const struct console_watch *w, enum console_watch_kind kind)
{
	if ((unsigned)kind >= CONSOLE_WATCH_KINDS || w->first[kind][0] == '\0')
		return NULL;
	return w->first[kind];
}
