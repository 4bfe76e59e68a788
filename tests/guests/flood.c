/* Prints numbered lines for ever, as fast as the UART takes them: THR
 * writes without waiting for THRE (minivmm's UART takes every byte), so
 * that most wait in KVM's coalesced ring and a pipe fills in moments.
 * Only --timeout or a signal can end it (124, 130), and neither may wait
 * for a reader that never reads. */
#include "lib.h"

void guest_main(uint64_t bp);

static void flood_puts(const char *s)
{
	while (*s)
		outb(GUEST_PORT_COM1, (uint8_t)*s++);
}

void guest_main(uint64_t bp)
{
	(void)bp;
	puts_("flood: printing for ever\n");
	char num[21];
	for (uint64_t n = 0;; n++) {
		int i = (int)sizeof(num) - 1;
		uint64_t v = n;
		num[i] = '\0';
		do {
			num[--i] = (char)('0' + v % 10);
			v /= 10;
		} while (v && i > 0);
		flood_puts("flood: line ");
		flood_puts(num + i);
		flood_puts(" ........................................................\n");
	}
}
