/* Reports a panic the way Linux's pvpanic driver does (drivers/misc/pvpanic/,
 * QEMU's docs/specs/pvpanic.rst): reads port 0x505 for the events the device
 * takes, which must include PANICKED (bit 0); writes events the device must
 * not stop for (unknown bits; CRASH_LOADED, "the guest handles it"), then
 * PANICKED.  minivmm must exit 4 saying "guest kernel panicked".  If a
 * write stops the VM too early, the line after it is missing; if PANICKED
 * does not stop it, the guest says FAIL and exits through debug-exit with
 * GUEST_EXIT_FAIL (status 255: a triple fault would look like success). */
#include "lib.h"

void guest_main(uint64_t bp);

/* Linux's UAPI <misc/pvpanic.h>. */
#define PVPANIC_PANICKED     (1 << 0)
#define PVPANIC_CRASH_LOADED (1 << 1)

__attribute__((noreturn)) static void fail(const char *what)
{
	puts_("FAIL: pvpanic: ");
	puts_(what);
	puts_("\n");
	debug_exit(GUEST_EXIT_FAIL, 1);
}

void guest_main(uint64_t bp)
{
	(void)bp;
	uint8_t events = inb(GUEST_PORT_PVPANIC);
	puts_("pvpanic: port 0x505 reads ");
	put_hex(events);
	puts_("\n");
	if (!(events & PVPANIC_PANICKED))
		fail("the device does not offer PANICKED");
	if (events & PVPANIC_CRASH_LOADED) {
		outb(GUEST_PORT_PVPANIC, PVPANIC_CRASH_LOADED);
		puts_("pvpanic: still running after CRASH_LOADED\n");
	}
	outb(GUEST_PORT_PVPANIC, 0xfc);   /* every bit without a meaning here */
	puts_("pvpanic: still running after unknown bits\n");
	puts_("pvpanic: writing PANICKED\n");
	outb(GUEST_PORT_PVPANIC, PVPANIC_PANICKED);
	fail("the VM still runs after PANICKED");
}
