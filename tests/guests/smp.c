/* Placeholder until this guest is written: fails loudly. */
#include "lib.h"

void guest_main(uint64_t bp);

void guest_main(uint64_t bp)
{
	(void)bp;
	puts_("FAIL: placeholder guest\n");
	guest_triple_fault();
}
