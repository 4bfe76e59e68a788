/* The own code of a payload bzImage (guests.mk: payload-FORMAT.bzimage),
 * behind start.S's entries: what the kernel's decompressor would be.  When
 * minivmm boots the payload itself, it never runs; when it boots the bzImage
 * as it is (--boot linux64, --kernel-addr, a payload it does not
 * decompress), the 64-bit entry lands here and exits with
 * GUEST_EXIT_OUTER_ENTRY (status 247). */
#include "lib.h"

void guest_main(uint64_t bp);

void guest_main(uint64_t bp)
{
	(void)bp;
	puts_("outer: the bzImage's own 64-bit entry ran\n");
	debug_exit(GUEST_EXIT_OUTER_ENTRY, 1);
}
