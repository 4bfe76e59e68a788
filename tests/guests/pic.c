/* The 8259A pair as minivmm hands it over: initialised and masked, as a PC
 * firmware leaves it, not at KVM's power-on state (every input enabled,
 * vector base 0).
 *
 *   1. With an IDT of limit 0 and interrupts enabled, the 8250 raises IRQ 4
 *      (IER.THRI with THR empty).  The boot vCPU's LINT0 is ExtINT (as
 *      minivmm sets it up and Linux leaves it given a device tree), so an
 *      unmasked 8259 would deliver it, vector 4 beyond the IDT's limit: a
 *      triple fault, status 4.  Masked, nothing arrives.
 *   2. OCW1 reads back 0xff from both chips (8259A datasheet, "Operation
 *      Command Words": reading the odd port gives the IMR).
 *   3. What Linux's probe_8259A and init_8259A do still works: the master's
 *      mask 0xfb reads back, ICW1-ICW4 with vector bases 0x30/0x38, and the
 *      masks written after them read back.
 *
 * Every check passed: debug-exit GUEST_EXIT_PIC_PASS (status 77); a failed
 * one says FAIL and exits with GUEST_EXIT_FAIL (255). */
#include "lib.h"

void guest_main(uint64_t bp);

#define PIC_MASTER_CMD  0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD   0xa0
#define PIC_SLAVE_DATA  0xa1
#define ICW1_INIT_ICW4  0x11   /* ICW1: initialise, edge, cascade, ICW4 follows */
#define ICW4_8086       0x01

#define COM1_IER (GUEST_PORT_COM1 + 1)
#define COM1_LSR (GUEST_PORT_COM1 + 5)
#define IER_THRI 0x02

__attribute__((noreturn)) static void fail(const char *what, uint32_t got)
{
	puts_("FAIL: pic: ");
	puts_(what);
	puts_(" ");
	put_hex(got);
	puts_("\n");
	debug_exit(GUEST_EXIT_FAIL, 1);
}

static void expect_imr(uint16_t port, uint8_t want, const char *what)
{
	uint8_t got = inb(port);
	if (got != want)
		fail(what, got);
}

void guest_main(uint64_t bp)
{
	(void)bp;
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty_idt = { 0, 0 };

	puts_("pic: raising IRQ 4 with interrupts enabled and an IDT of limit 0\n");
	__asm__ volatile("lidt %0" : : "m"(empty_idt));
	outb(COM1_IER, IER_THRI);
	__asm__ volatile("sti");
	for (int i = 0; i < 200; i++)
		(void)inb(COM1_LSR);   /* each an exit: room to deliver */
	__asm__ volatile("cli");
	outb(COM1_IER, 0);
	puts_("pic: nothing arrived through the 8259\n");

	expect_imr(PIC_MASTER_DATA, 0xff, "the master's IMR is not 0xff:");
	expect_imr(PIC_SLAVE_DATA, 0xff, "the slave's IMR is not 0xff:");
	puts_("pic: both IMRs read 0xff\n");

	/* probe_8259A: mask the slave, all but the cascade on the master. */
	outb(PIC_SLAVE_DATA, 0xff);
	outb(PIC_MASTER_DATA, 0xfb);
	expect_imr(PIC_MASTER_DATA, 0xfb, "the master's IMR did not keep 0xfb:");
	/* init_8259A */
	outb(PIC_MASTER_DATA, 0xff);
	outb(PIC_MASTER_CMD, ICW1_INIT_ICW4);
	outb(PIC_MASTER_DATA, 0x30);   /* ICW2: vector base */
	outb(PIC_MASTER_DATA, 0x04);   /* ICW3: a slave on IR2 */
	outb(PIC_MASTER_DATA, ICW4_8086);
	outb(PIC_SLAVE_CMD, ICW1_INIT_ICW4);
	outb(PIC_SLAVE_DATA, 0x38);
	outb(PIC_SLAVE_DATA, 0x02);    /* ICW3: slave ID 2 */
	outb(PIC_SLAVE_DATA, ICW4_8086);
	outb(PIC_MASTER_DATA, 0xfb);
	outb(PIC_SLAVE_DATA, 0xff);
	expect_imr(PIC_MASTER_DATA, 0xfb, "after ICW1-ICW4, the master's IMR is not 0xfb:");
	expect_imr(PIC_SLAVE_DATA, 0xff, "after ICW1-ICW4, the slave's IMR is not 0xff:");
	puts_("pic: programmed as Linux's init_8259A does\n");
	debug_exit(GUEST_EXIT_PIC_PASS, 1);
}
