/* Fills guest RAM with a pattern that a dump must hold
 * (tests/guests/cases-dump.sh), prints "pattern: filled", then ends as the
 * command line's pattern.end= says:
 *
 *   exit (default)  writes 0 to the debug-exit port: status 1
 *   crash           triple-faults: status 4
 *   tick            prints "pattern: tick N" whenever the RTC's second
 *                   changes, for ever: only --timeout or a signal ends it,
 *                   and the ticks show it still runs after a dump
 *
 * The pattern covers [PATTERN_START, PATTERN_START + PATTERN_SIZE): every
 * 8-byte word holds its own guest-physical address a in its low half and
 * ~a in its high half, (a | a << 32) ^ 0xffffffff00000000, so a dump that
 * moved, dropped or zeroed a page cannot match it.  The test computes the
 * same words with awk, whose doubles are exact for 32-bit halves. */
#include "lib.h"

void guest_main(uint64_t bp);

#define PATTERN_START   0x1000000ULL   /* 16 MiB: above the guest's image */
#define PATTERN_SIZE    0x100000ULL    /* 1 MiB */
#define BP_CMD_LINE_PTR 0x228          /* boot_params.hdr.cmd_line_ptr */
#define RTC_INDEX       0x70
#define RTC_DATA        0x71
#define RTC_SECONDS     0x00

/* Whether the command line holds the token "pattern.end=<value>". */
static int end_is(uint64_t bp, const char *value)
{
	static const char key[] = "pattern.end=";
	const volatile char *cmdline =
		(const volatile char *)(uintptr_t)*(const volatile uint32_t *)(uintptr_t)(bp + BP_CMD_LINE_PTR);
	for (size_t i = 0; cmdline[i]; i++) {
		if (i > 0 && cmdline[i - 1] != ' ')
			continue;
		size_t k = 0, v = 0;
		while (key[k] && cmdline[i + k] == key[k])
			k++;
		if (key[k])
			continue;
		while (value[v] && cmdline[i + k + v] == value[v])
			v++;
		if (!value[v] && (cmdline[i + k + v] == ' ' || cmdline[i + k + v] == '\0'))
			return 1;
	}
	return 0;
}

static uint8_t rtc_seconds(void)
{
	outb(RTC_INDEX, RTC_SECONDS);
	return inb(RTC_DATA);
}

__attribute__((noreturn)) static void tick_forever(void)
{
	uint8_t last = rtc_seconds();
	for (uint64_t n = 1;; n++) {
		uint8_t now;
		/* Look at the clock now and then, not in a tight loop of exits. */
		while ((now = rtc_seconds()) == last)
			for (volatile int i = 0; i < 10000; i++)
				__asm__ volatile("pause");
		last = now;
		puts_("pattern: tick ");
		put_dec(n);
		puts_("\n");
	}
}

void guest_main(uint64_t bp)
{
	volatile uint64_t *w = (volatile uint64_t *)(uintptr_t)PATTERN_START;
	for (uint64_t a = PATTERN_START; a < PATTERN_START + PATTERN_SIZE; a += 8)
		*w++ = (a | a << 32) ^ 0xffffffff00000000ULL;
	puts_("pattern: filled ");
	put_hex(PATTERN_START);
	puts_(" size ");
	put_hex(PATTERN_SIZE);
	puts_("\n");
	if (end_is(bp, "tick"))
		tick_forever();
	if (end_is(bp, "crash")) {
		puts_("pattern: triple-faulting\n");
		guest_triple_fault();
	}
	debug_exit(0, 1);
}
