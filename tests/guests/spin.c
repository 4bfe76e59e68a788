/* Prints one line, then loops forever with interrupts off and no exits:
 * only minivmm's --timeout can end it (status 124). */
#include "lib.h"

void guest_main(uint64_t bp);

void guest_main(uint64_t bp)
{
	(void)bp;
	puts_("spin: looping forever\n");
	__asm__ volatile("cli\n1: jmp 1b");
	__builtin_unreachable();
}
