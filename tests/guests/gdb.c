/* The guest of the gdb box test (tests/box/gdb-tests.sh): named functions
 * and globals for gdb to break at, read and watch, then a debug-exit whose
 * status says whether gdb's changes reached the guest:
 *   0x21 (minivmm exits 67): gdb_counter went 0x1234 -> 0x1236 as the code
 *        did it, and gdb_poke was set to 7 by gdb (`set var`);
 *   0x22 (69): anything else.
 * Also a loop that only Ctrl-C stops (gdb_spin, entered when gdb sets
 * gdb_mode to 1). */
#include "lib.h"

void guest_main(uint64_t bp);
void gdb_target(void);
void gdb_spin(void);

/* All in .data: start.S clears .bss after the first instruction, which
 * is where --gdb-wait lets gdb write them. */
volatile uint64_t gdb_counter = 0x1234;
volatile uint64_t gdb_watched = 5;
volatile uint64_t gdb_poke = 1;
volatile uint64_t gdb_mode = 2;

__attribute__((noinline)) void gdb_target(void)
{
	gdb_counter += 1;
}

__attribute__((noinline)) void gdb_spin(void)
{
	while (gdb_mode == 1)
		__asm__ volatile("pause");
}

void guest_main(uint64_t bp)
{
	(void)bp;
	puts_("gdb: start\n");
	gdb_target();
	gdb_watched = 42;
	gdb_target();
	gdb_spin();
	debug_exit(gdb_counter == 0x1236 && gdb_poke == 7 ? 0x21 : 0x22, 1);
}
