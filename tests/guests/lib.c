/* Port I/O helpers, serial console and exits shared by the test guests. */
#include "lib.h"

#define UART_THR      (GUEST_PORT_COM1 + 0)
#define UART_LSR      (GUEST_PORT_COM1 + 5)
#define UART_LSR_THRE 0x20
/* Polls per byte before giving up on THRE (each poll is an exit, ~10 us). */
#define UART_POLL_MAX 1000

static int serial_stuck;

void serial_putc(char c)
{
	if (!serial_stuck) {
		int i;
		for (i = 0; i < UART_POLL_MAX; i++)
			if (inb(UART_LSR) & UART_LSR_THRE)
				break;
		if (i == UART_POLL_MAX)
			serial_stuck = 1;
	}
	outb(UART_THR, (uint8_t)c);
}

int serial_was_stuck(void)
{
	return serial_stuck;
}

void puts_(const char *s)
{
	while (*s)
		serial_putc(*s++);
}

static void put_hex_digits(uint64_t v, int min_digits)
{
	static const char digits[] = "0123456789abcdef";
	char buf[16];
	int n = 0;

	do {
		buf[n++] = digits[v & 0xf];
		v >>= 4;
	} while (v && n < 16);
	while (n < min_digits && n < 16)
		buf[n++] = '0';
	puts_("0x");
	while (n > 0)
		serial_putc(buf[--n]);
}

void put_hex(uint64_t v)
{
	put_hex_digits(v, 1);
}

void put_hex32(uint32_t v)
{
	put_hex_digits(v, 8);
}

void put_dec(uint64_t v)
{
	char buf[20];
	int n = 0;

	do {
		buf[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < 20);
	while (n > 0)
		serial_putc(buf[--n]);
}

void guest_triple_fault(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty_idt = { 0, 0 };

	__asm__ volatile("cli; lidt %0; ud2" : : "m"(empty_idt));
	for (;;)
		__asm__ volatile("hlt");
}

void debug_exit(uint32_t v, int width)
{
	if (width == 4)
		outl(GUEST_PORT_DEBUG_EXIT, v);
	else if (width == 2)
		outw(GUEST_PORT_DEBUG_EXIT, (uint16_t)v);
	else
		outb(GUEST_PORT_DEBUG_EXIT, (uint8_t)v);
	puts_("FAIL: the write to the debug-exit port did not stop the VM\n");
	guest_triple_fault();
}

void *memset(void *s, int c, size_t n)
{
	volatile uint8_t *p = s;
	while (n--)
		*p++ = (uint8_t)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	volatile uint8_t *dp = d;
	const uint8_t *sp = s;
	while (n--)
		*dp++ = *sp++;
	return d;
}
