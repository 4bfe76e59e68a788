/* Checks and report lines shared by the checking guests (checklib.h). */
#include "checklib.h"

int check_failures;

void fail(const char *what)
{
	puts_("FAIL: ");
	puts_(what);
	puts_("\n");
	check_failures++;
}

void fail_hex(const char *what, uint64_t v)
{
	puts_("FAIL: ");
	puts_(what);
	puts_(" ");
	put_hex(v);
	puts_("\n");
	check_failures++;
}

void fail_hex2(const char *what, uint64_t got, uint64_t want)
{
	puts_("FAIL: ");
	puts_(what);
	puts_(" is ");
	put_hex(got);
	puts_(", expected ");
	put_hex(want);
	puts_("\n");
	check_failures++;
}

/* --- the memory map --- */

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
};

static struct e820_entry e820[E820_MAX];
static int e820_count;

void e820_add(uint64_t addr, uint64_t size, uint32_t type)
{
	puts_("e820 addr=");
	put_hex(addr);
	puts_(" size=");
	put_hex(size);
	puts_(" type=");
	put_dec(type);
	puts_("\n");
	if (e820_count == E820_MAX) {
		fail("more memory map entries than the guest keeps");
		return;
	}
	if (size == 0 || addr + size < addr)
		fail_hex("e820 entry with empty or wrapping range at", addr);
	if (e820_count > 0 && addr < e820[e820_count - 1].addr + e820[e820_count - 1].size)
		fail_hex("e820 entries unsorted or overlapping at", addr);
	e820[e820_count].addr = addr;
	e820[e820_count].size = size;
	e820[e820_count].type = type;
	e820_count++;
}

int e820_entries(void)
{
	return e820_count;
}

int ram_contains(uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len;

	if (len == 0 || end < addr)
		return 0;
	for (int i = 0; i < e820_count; i++) {
		const struct e820_entry *e = &e820[i];
		if (e->type == E820_RAM && addr >= e->addr && end <= e->addr + e->size)
			return 1;
	}
	return 0;
}

uint64_t ram_left(uint64_t addr)
{
	for (int i = 0; i < e820_count; i++) {
		const struct e820_entry *e = &e820[i];
		if (e->type == E820_RAM && addr >= e->addr && addr - e->addr < e->size)
			return e->size - (addr - e->addr);
	}
	return 0;
}

int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* --- the command line --- */

static uint64_t cmdline_ptr, cmdline_len;

int64_t cmdline_report(uint64_t ptr, uint64_t max)
{
	uint64_t avail = ram_left(ptr), len;

	if (ptr == 0) {
		fail("the command line pointer is 0");
		return -1;
	}
	for (len = 0; len <= max; len++) {
		if (len >= avail) {
			fail_hex("command line runs out of RAM at", ptr + len);
			return -1;
		}
		if (rd8(ptr + len) == 0)
			break;
	}
	if (len > max) {
		fail_hex("command line not NUL-terminated within its maximum size at", ptr);
		return -1;
	}
	puts_("cmdline \"");
	for (uint64_t i = 0; i < len; i++) {
		char c = (char)rd8(ptr + i);
		serial_putc(c >= 0x20 && c < 0x7f ? c : '?');
	}
	puts_("\"\n");
	cmdline_ptr = ptr;
	cmdline_len = len;
	return (int64_t)len;
}

static char cmdline_at(uint64_t i)
{
	return i < cmdline_len ? (char)rd8(cmdline_ptr + i) : 0;
}

static int digit_value(char c, unsigned base)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (base == 16 && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (base == 16 && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses a decimal or 0x hex number at *pos; moves *pos past it.  0 when
 * there are no digits. */
static int parse_number(uint64_t *pos, uint64_t *value)
{
	uint64_t k = *pos, v = 0;
	unsigned base = 10;
	int ok = 0, d;

	if (cmdline_at(k) == '0' && (cmdline_at(k + 1) == 'x' || cmdline_at(k + 1) == 'X')) {
		base = 16;
		k += 2;
	}
	while ((d = digit_value(cmdline_at(k), base)) >= 0) {
		v = v * base + (uint64_t)d;
		k++;
		ok = 1;
	}
	*pos = k;
	*value = v;
	return ok;
}

/* Position of the value of the last "name" token ("name" ends in '='), or
 * -1 when absent. */
static int64_t cmdline_find(const char *name)
{
	int64_t found = -1;

	for (uint64_t i = 0; i < cmdline_len; i++) {
		uint64_t j = 0;

		if (i > 0 && cmdline_at(i - 1) != ' ')
			continue;
		while (name[j] && cmdline_at(i + j) == name[j])
			j++;
		if (!name[j])
			found = (int64_t)(i + j);
	}
	return found;
}

static int at_token_end(uint64_t pos)
{
	return pos == cmdline_len || cmdline_at(pos) == ' ';
}

uint64_t cmdline_number(const char *name, uint64_t dflt)
{
	int64_t at = cmdline_find(name);
	uint64_t pos, v;

	if (at < 0)
		return dflt;
	pos = (uint64_t)at;
	if (!parse_number(&pos, &v) || !at_token_end(pos)) {
		fail("malformed number on the command line");
		return dflt;
	}
	return v;
}

void raw_report(void)
{
	int64_t at = cmdline_find("raw=");
	uint64_t pos, addr, size;

	if (at < 0)
		return;
	pos = (uint64_t)at;
	if (!parse_number(&pos, &addr) || cmdline_at(pos) != ',') {
		fail("raw= wants ADDR,SIZE");
		return;
	}
	pos++;
	if (!parse_number(&pos, &size) || !at_token_end(pos)) {
		fail("raw= wants ADDR,SIZE");
		return;
	}
	puts_("raw addr=");
	put_hex(addr);
	puts_(" size=");
	put_hex(size);
	if (!ram_contains(addr, size)) {
		puts_("\n");
		fail("the raw= range is not inside one e820 RAM entry");
		return;
	}
	if (size > FNV_MAX_BYTES) {
		puts_(" fnv=skipped (larger than 1 MiB)\n");
		return;
	}
	puts_(" fnv=");
	put_hex32(fnv1a(addr, size));
	puts_("\n");
}

/* --- images --- */

int initrd_report(uint64_t addr, uint64_t size)
{
	if (addr == 0 && size == 0) {
		puts_("initrd none\n");
		return 0;
	}
	puts_("initrd addr=");
	put_hex(addr);
	puts_(" size=");
	put_hex(size);
	puts_("\n");
	if (size == 0) {
		fail("initrd with address but size 0");
		return 0;
	}
	if (addr % PAGE_SIZE)
		fail_hex("initrd not page aligned:", addr);
	if (!ram_contains(addr, size)) {
		fail("initrd is not inside one e820 RAM entry");
		return 0;
	}
	return 1;
}

uint32_t fnv1a(uint64_t addr, uint64_t size)
{
	uint32_t h = 0x811c9dc5;

	for (uint64_t i = 0; i < size; i++) {
		h ^= rd8(addr + i);
		h *= 0x01000193;
	}
	return h;
}

void fnv_report(const char *prefix, const char *what, uint64_t addr, uint64_t size)
{
	puts_(prefix);
	if (size > FNV_MAX_BYTES) {
		puts_("skipped (");
		puts_(what);
		puts_(" larger than 1 MiB)\n");
		return;
	}
	put_hex32(fnv1a(addr, size));
	puts_("\n");
}

/* --- the way out --- */

void check_finish(void)
{
	uint32_t exit_value = (uint32_t)cmdline_number("exit=", 0);
	uint32_t exit_width = (uint32_t)cmdline_number("exitw=", 1);

	if (exit_width != 1 && exit_width != 2 && exit_width != 4) {
		fail_hex("exitw= must be 1, 2 or 4, got", exit_width);
		exit_width = 1;
	}
	if (check_failures) {
		puts_("check: ");
		put_dec((uint64_t)check_failures);
		puts_(" check(s) failed\n");
	}
	puts_("serial ok\n");
	if (serial_was_stuck())
		debug_exit(GUEST_EXIT_SERIAL, 1);
	if (check_failures)
		debug_exit(GUEST_EXIT_FAIL, 1);
	debug_exit(exit_value, (int)exit_width);
}
