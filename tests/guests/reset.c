/* Prints one line, then asks the keyboard controller to pulse the reset line
 * (0xfe to port 0x64): minivmm must exit with status 0.  If the VM keeps
 * running, says so and triple-faults (status 4, not 0). */
#include "lib.h"

void guest_main(uint64_t bp);

void guest_main(uint64_t bp)
{
	(void)bp;
	puts_("reset: writing 0xfe to port 0x64\n");
	outb(GUEST_PORT_I8042_CMD, 0xfe);
	puts_("FAIL: the i8042 reset did not stop the VM\n");
	guest_triple_fault();
}
