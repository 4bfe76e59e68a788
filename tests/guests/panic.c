/* Prints what Linux prints when it panics before any driver could tell
 * the host (kernel/panic.c, panic(): the "Kernel panic - not syncing:"
 * line, a backtrace, the "---[ end Kernel panic" line), then ends as the
 * command line's guest.end= says:
 *
 *   guest.end=reset    (default) the i8042 reset, as panic=-1 with
 *                      reboot=k does: minivmm must exit 4, the line its
 *                      reason
 *   guest.end=hang     loops with interrupts off, as panic=0 does: only
 *                      --timeout ends it (124), the report names the line
 *   guest.end=pvpanic  writes PANICKED to pvpanic, as the driver's panic
 *                      notifier does after the line: 4, reported once
 *
 * guest.alike prints only lines that look like the panic line and then
 * resets: a reset the guest asks for without a panic is 0. */
#include "lib.h"

void guest_main(uint64_t bp);

#define BP_CMD_LINE_PTR 0x228   /* boot.rst: hdr.cmd_line_ptr */

static const char *cmdline;

static int has_word(const char *word)
{
	for (const char *p = cmdline; p && *p; p++) {
		if (p != cmdline && p[-1] != ' ')
			continue;
		const char *w = word, *q = p;
		while (*w && *q == *w) {
			w++;
			q++;
		}
		if (*w == '\0' && (*q == ' ' || *q == '\0'))
			return 1;
	}
	return 0;
}

void guest_main(uint64_t bp)
{
	cmdline = (const char *)(uintptr_t)*(volatile uint32_t *)(uintptr_t)(bp + BP_CMD_LINE_PTR);
	puts_("[    0.400000] Run /init as init process\r\n");
	if (has_word("guest.alike")) {
		puts_("[    0.500000] ---[ end Kernel panic - not syncing: not a panic ]---\r\n");
		puts_("echo Kernel panic - not syncing: not a panic either\r\n");
		puts_("Kernel panic - not syncing without its colon\r\n");
		outb(GUEST_PORT_I8042_CMD, 0xfe);
		puts_("FAIL: the i8042 reset did not stop the VM\n");
		guest_triple_fault();
	}
	puts_("[    0.500000] Kernel panic - not syncing: VFS: Unable to mount root fs on "
	      "unknown-block(0,0)\r\n");
	puts_("[    0.500001] CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0 #1\r\n");
	puts_("[    0.500002] ---[ end Kernel panic - not syncing: VFS: Unable to mount root fs "
	      "on unknown-block(0,0) ]---\r\n");
	if (has_word("guest.end=hang")) {
		__asm__ volatile("cli\n1: jmp 1b");
		__builtin_unreachable();
	}
	if (has_word("guest.end=pvpanic"))
		outb(GUEST_PORT_PVPANIC, 1);   /* PVPANIC_PANICKED */
	else
		outb(GUEST_PORT_I8042_CMD, 0xfe);
	puts_("FAIL: the VM still runs after the panic\n");
	debug_exit(GUEST_EXIT_FAIL, 1);
}
