/* The SMP guest: the bootstrap processor starts every application processor
 * through its local APIC with INIT and two SIPIs, one AP at a time by APIC
 * ID, the way the SDM's "Typical BSP Initialization Sequence" does (Intel SDM
 * vol. 3A 9.4.4.1; the ICR in 11.6.1).  Each AP runs smp-ap.S in real mode
 * and records the APIC IDs its CPUID reports.
 *
 * The command line says how many vCPUs there are: cpus=N (minivmm's --cpus).
 * The guest checks, printing one line each:
 *
 *   smp: cpus=N bsp apic-id=0 logical=L htt=H topology-b=B
 *        what the BSP's CPUID (leaf 1, leaf 0xB) and LAPIC ID say
 *   smp: AP apic-id=I x2apic-id=I up        one per AP, in start order
 *   smp: N-1 APs up: 1 2 ...                the summary the tests look for
 *
 * and exits through debug-exit with 0 (status 1) when every AP 1..N-1 came
 * up exactly once with the APIC ID it was sent the SIPI at, or after a
 * "FAIL: ..." line with GUEST_EXIT_FAIL (status 255).
 *
 * With crash-ap=1 it starts AP 1 on code that crashes instead (crash_ap). */
#include "lib.h"

void guest_main(uint64_t bp);

/* Where the AP code goes: page aligned below 1 MiB (the SIPI vector is its
 * page number), in RAM that minivmm leaves free: above its page tables
 * (0x9000-0xefff) and below the command line at 0x20000 (boot/layout.h). */
#define SMP_TRAMPOLINE   0x10000u
#define SMP_CRASH_PAGE   0x11000u   /* crash-ap=1: smp_ap_crash goes here */

/* The xAPIC (SDM vol. 3A 11.4.1, 11.6.1). */
#define LAPIC_BASE       0xfee00000u
#define LAPIC_ID         0x020   /* [31:24] APIC ID */
#define LAPIC_SVR        0x0f0   /* spurious vector; bit 8 enables the APIC */
#define LAPIC_ICR_LOW    0x300   /* writing it sends the IPI */
#define LAPIC_ICR_HIGH   0x310   /* [31:24] destination APIC ID */
#define SVR_ENABLE       0x100
#define ICR_INIT         0x500   /* delivery mode INIT */
#define ICR_STARTUP      0x600   /* delivery mode START-UP, vector in [7:0] */
#define ICR_ASSERT       0x4000  /* level: assert */
#define ICR_PENDING      0x1000  /* delivery status: send pending */

/* Boot protocol: where the command line is (boot.rst, zero page). */
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_CMD_LINE_PTR     0x228

/* How long to wait for an AP or the ICR: generous for a vCPU thread to be
 * scheduled on a busy host, finite so that a lost SIPI ends in a FAIL line,
 * not a hang.  Counted in the RTC's seconds (minivmm's RTC follows the
 * host's clock), because a poll costs ~4 us where KVM emulates the guest
 * and far less elsewhere; the poll cap is the backstop should the RTC not
 * tick. */
#define SMP_WAIT_SECONDS 10u
#define SMP_WAIT_POLLS   (100u * 1000 * 1000)
#define SMP_RTC_EVERY    256u      /* polls between looks at the RTC */
#define SMP_SETTLE_POLLS 100000u   /* how long an AP gets to run uninvited */
#define SMP_MAX_CPUS     255

#define RTC_INDEX   0x70
#define RTC_DATA    0x71
#define RTC_SECONDS 0x00

extern const uint8_t smp_ap_start[], smp_ap_end[], smp_ap_crash[], smp_ap_crash_end[];
extern const uint8_t smp_ap_count[], smp_ap_done[], smp_ap_ids[], smp_ap_x2ids[];

static int failures;
static int has_leaf_b;   /* CPUID leaf 0xB exists: the APs' x2APIC IDs count */

static void fail_line(const char *what, uint64_t v)
{
	puts_("FAIL: ");
	puts_(what);
	puts_(" ");
	put_dec(v);
	puts_("\n");
	failures++;
}

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static uint32_t lapic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg);
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg) = v;
}

static uint8_t rtc_seconds(void)
{
	outb(RTC_INDEX, RTC_SECONDS);
	return inb(RTC_DATA);
}

struct smp_wait {
	uint32_t polls, ticks;
	uint8_t last;
};

static void wait_begin(struct smp_wait *w)
{
	w->polls = 0;
	w->ticks = 0;
	w->last = rtc_seconds();
}

/* Called once per poll: true once the wait is over. */
static int wait_expired(struct smp_wait *w)
{
	__asm__ volatile("pause");
	if (++w->polls >= SMP_WAIT_POLLS)
		return 1;
	if (w->polls % SMP_RTC_EVERY)
		return 0;
	uint8_t now = rtc_seconds();
	if (now != w->last) {
		w->last = now;
		w->ticks++;
	}
	return w->ticks > SMP_WAIT_SECONDS;
}

static void delay(uint32_t polls)
{
	for (uint32_t i = 0; i < polls; i++)
		__asm__ volatile("pause");
}

/* The AP page's fields, at their offsets in the copy. */
static volatile uint8_t *ap_field(const uint8_t *label)
{
	return (volatile uint8_t *)(uintptr_t)(SMP_TRAMPOLINE + (uint32_t)(label - smp_ap_start));
}

static uint16_t ap_done(void)
{
	return *(volatile uint16_t *)ap_field(smp_ap_done);
}

static uint16_t ap_count(void)
{
	return *(volatile uint16_t *)ap_field(smp_ap_count);
}

/* The value of name=N (decimal, at most 9999) on the command line; dflt
 * when it is missing, 0xffffffff when it is malformed. */
static uint32_t cmdline_number(uint64_t bp, const char *name, uint32_t dflt)
{
	uint64_t ptr = *(volatile uint32_t *)(uintptr_t)(bp + BP_CMD_LINE_PTR) |
		       (uint64_t)*(volatile uint32_t *)(uintptr_t)(bp + BP_EXT_CMD_LINE_PTR) << 32;
	const volatile char *s = (const volatile char *)(uintptr_t)ptr;
	if (!ptr)
		return dflt;
	for (uint32_t i = 0; i < GUEST_CMDLINE_SIZE && s[i]; i++) {
		if (i > 0 && s[i - 1] != ' ')
			continue;
		uint32_t j = 0;
		while (name[j] && s[i + j] == name[j])
			j++;
		if (name[j])
			continue;
		uint32_t v = 0, digits = 0;
		for (j += i; s[j] >= '0' && s[j] <= '9' && digits < 4; j++, digits++)
			v = v * 10 + (uint32_t)(s[j] - '0');
		return digits && (s[j] == ' ' || s[j] == '\0') ? v : 0xffffffffu;
	}
	return dflt;
}

/* Sends one IPI and waits until the local APIC has sent it. */
static int send_ipi(uint32_t apic_id, uint32_t low)
{
	lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
	lapic_write(LAPIC_ICR_LOW, low);
	struct smp_wait w;
	wait_begin(&w);
	do {
		if (!(lapic_read(LAPIC_ICR_LOW) & ICR_PENDING))
			return 0;
	} while (!wait_expired(&w));
	fail_line("the ICR still shows the IPI pending; destination APIC ID", apic_id);
	return -1;
}

/* The BSP's own view: LAPIC ID and CPUID agree with N cores of one package. */
static void check_bsp(uint32_t n)
{
	uint32_t r[4], max_leaf, logical, htt, cores_b = 0;
	cpuid(0, 0, r);
	max_leaf = r[0];
	cpuid(1, 0, r);
	logical = (r[1] >> 16) & 0xff;
	htt = (r[3] >> 28) & 1;
	if ((r[1] >> 24) != 0)
		fail_line("BSP: CPUID.1:EBX[31:24] initial APIC ID is", r[1] >> 24);
	if ((lapic_read(LAPIC_ID) >> 24) != 0)
		fail_line("BSP: local APIC ID is", lapic_read(LAPIC_ID) >> 24);
	if (logical < n && logical != 0xff)
		fail_line("CPUID.1:EBX[23:16] counts fewer logical processors than cpus=:", logical);
	/* HTT says EBX[23:16] is valid; more than one vCPU needs it.  (With
	 * one, minivmm clears it, but a KVM may report the host's bit: kvm_pvm
	 * takes leaf 1's ECX/EDX from the host.  Harmless: the count is 1.) */
	if (n > 1 && !htt)
		fail_line("CPUID.1:EDX.HTT is clear with cpus=", n);
	has_leaf_b = max_leaf >= 0xb;
	if (has_leaf_b) {
		cpuid(0xb, 1, r);
		cores_b = r[1] & 0xffff;
		if (((r[2] >> 8) & 0xff) != 2 || cores_b != n)
			fail_line("CPUID.0BH.1 (core level): logical processors", cores_b);
	}
	puts_("smp: cpus=");
	put_dec(n);
	puts_(" bsp apic-id=0 logical=");
	put_dec(logical);
	puts_(" htt=");
	put_dec(htt);
	puts_(" topology-b=");
	put_dec(cores_b);
	puts_("\n");
}

/* INIT, then SIPI twice (SDM 9.4.4.1), to the AP with this APIC ID, which
 * then starts in real mode at page.  The second SIPI is ignored by an AP
 * that is already running. */
static int start_ap(uint32_t apic_id, uint32_t page)
{
	if (send_ipi(apic_id, ICR_INIT | ICR_ASSERT) < 0)
		return -1;
	delay(1000);   /* the SDM's 10 ms matter to hardware, not to KVM */
	for (int sipi = 0; sipi < 2; sipi++) {
		if (send_ipi(apic_id, ICR_STARTUP | ICR_ASSERT | (page >> 12)) < 0)
			return -1;
		delay(200);
	}
	return 0;
}

/* Waits for the AP just started to record itself: smp_ap_done above
 * started. */
static int wait_ap(uint32_t apic_id, uint32_t started)
{
	struct smp_wait w;
	wait_begin(&w);
	do {
		if (ap_done() > started)
			return 0;
	} while (!wait_expired(&w));
	fail_line("no AP came up after INIT/SIPI to APIC ID", apic_id);
	return -1;
}

/* crash-ap=1: AP 1 starts on smp_ap_crash, an exception in real mode with
 * an IDT of limit 0: a triple fault where the CPU runs real mode itself,
 * an emulation failure where KVM emulates it (kvm_pvm).  Either way
 * minivmm must stop the VM (status 4) and name vCPU 1; this returns only
 * to say it did not. */
static void crash_ap(void)
{
	memcpy((void *)(uintptr_t)SMP_CRASH_PAGE, smp_ap_crash,
	       (size_t)(smp_ap_crash_end - smp_ap_crash));
	puts_("smp: sending AP 1 into an exception with IDT limit 0\n");
	if (start_ap(1, SMP_CRASH_PAGE) == 0) {
		struct smp_wait w;
		wait_begin(&w);
		while (!wait_expired(&w))
			;
		puts_("FAIL: the AP's crash did not stop the VM\n");
	}
	debug_exit(GUEST_EXIT_FAIL, 1);
}

void guest_main(uint64_t bp)
{
	uint32_t n = cmdline_number(bp, "cpus=", 0);
	if (n < 1 || n > SMP_MAX_CPUS) {
		puts_("FAIL: the command line needs cpus=N, N in 1..255\n");
		debug_exit(GUEST_EXIT_FAIL, 1);
	}
	check_bsp(n);
	/* Enabled, spurious vector 0xff: as firmware leaves the BSP's APIC. */
	lapic_write(LAPIC_SVR, lapic_read(LAPIC_SVR) | SVR_ENABLE | 0xff);
	if (n > 1 && cmdline_number(bp, "crash-ap=", 0) == 1)
		crash_ap();

	memcpy((void *)(uintptr_t)SMP_TRAMPOLINE, smp_ap_start, (size_t)(smp_ap_end - smp_ap_start));

	uint32_t up = 0;
	for (uint32_t id = 1; id < n && failures == 0; id++) {
		if (start_ap(id, SMP_TRAMPOLINE) < 0 || wait_ap(id, up) < 0)
			break;
		up = ap_done();
		uint8_t got = ap_field(smp_ap_ids)[up - 1], x2 = ap_field(smp_ap_x2ids)[up - 1];
		puts_("smp: AP apic-id=");
		put_dec(got);
		puts_(" x2apic-id=");
		put_dec(x2);
		puts_(" up\n");
		if (up != id)
			fail_line("APs up after this SIPI, expected one more:", up);
		if (got != id)
			fail_line("the AP sent the SIPI reports another CPUID.1 APIC ID:", got);
		if (has_leaf_b && x2 != id)
			fail_line("the AP sent the SIPI reports another CPUID.0BH x2APIC ID:", x2);
	}
	/* Nobody else may show up late. */
	delay(SMP_SETTLE_POLLS);
	if (ap_count() != up)
		fail_line("APs that were never sent a SIPI came up:", ap_count() - up);

	puts_("smp: ");
	put_dec(ap_done());
	puts_(" APs up:");
	for (uint32_t i = 0; i < ap_done(); i++) {
		puts_(" ");
		put_dec(ap_field(smp_ap_ids)[i]);
	}
	puts_("\n");
	if (failures || ap_done() != n - 1) {
		if (!failures)
			fail_line("APs up, expected cpus= minus one:", ap_done());
		debug_exit(GUEST_EXIT_FAIL, 1);
	}
	debug_exit(0, 1);
}
