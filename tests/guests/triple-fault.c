/* Says what it is about to do, then loads an IDT with limit 0 and executes
 * ud2: the #UD, and the #DF it escalates to, cannot be delivered, so the vCPU
 * shuts down (triple fault).  minivmm must exit with status 4. */
#include "lib.h"

void guest_main(uint64_t bp);

void guest_main(uint64_t bp)
{
	(void)bp;
	puts_("triple-fault: loading an empty IDT and executing ud2\n");
	guest_triple_fault();
}
