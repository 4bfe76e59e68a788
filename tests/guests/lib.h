/* What every test guest needs: port I/O, the serial console, number
 * printing, and the ways out (debug-exit, triple fault).  Freestanding: no
 * libc, no host headers beyond the compiler's own. */
#ifndef MINIVMM_TESTS_GUEST_LIB_H
#define MINIVMM_TESTS_GUEST_LIB_H

#include <stddef.h>
#include <stdint.h>

#include "guest.h"

/* Every symbol a guest uses is its own (one static image, no shared
 * objects): hidden, so that the -fpie code reaches it PC-relative and never
 * through a GOT.  Deliberately not popped: it covers the guest's own
 * declarations after this header too. */
#pragma GCC visibility push(hidden)

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* Entry state recorded by start.S. */
extern uint64_t entry_rsp, entry_rsi, entry_rflags;
extern uint16_t entry_cs, entry_ds, entry_ss;
extern const uint8_t guest_setup_sects, guest_relocatable;
extern char _end[];

/* Serial console (8250 at COM1): waits for LSR.THRE before each byte. */
void serial_putc(char c);
void puts_(const char *s);          /* no newline added */
void put_hex(uint64_t v);           /* 0x..., lower case, no leading zeros */
void put_hex32(uint32_t v);         /* 0x%08x */
void put_dec(uint64_t v);
/* True once the UART failed to report THRE within its poll budget. */
int serial_was_stuck(void);

/* isa-debug-exit: writes v to port 0xf4 with the given width (1, 2, 4).
 * minivmm exits with (v << 1) | 1.  Never returns: if the write did not stop
 * the VM, says so and triple-faults. */
__attribute__((noreturn)) void debug_exit(uint32_t v, int width);

/* Loads an IDT with limit 0 and executes ud2: #UD cannot be delivered, nor
 * the #DF, so the CPU shuts down. */
__attribute__((noreturn)) void guest_triple_fault(void);

/* The compiler may emit calls to these even when freestanding. */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

#endif
