/* Powers off the way an ACPI operating system on a hardware-reduced
 * platform does, finding everything through the tables:
 *
 *   1. the RSDP through boot_params.acpi_rsdp_addr (zero-page.rst, offset
 *      0x070) and, separately, by the legacy scan of 0xE0000-0xFFFFF on
 *      16-byte boundaries (ACPI 6.4 §5.2.5.1); both must find the same one;
 *   2. RSDP -> XSDT -> FADT, every checksum verified (§5.2.5.3, §5.2.6);
 *   3. the FADT's HW_REDUCED_ACPI flag (Table 5.10) and its
 *      SLEEP_CONTROL_REG (Table 5.9), a byte in system I/O space;
 *   4. SLP_TYP 5 << 2 | SLP_EN written there (§4.8.3.7).
 *
 * minivmm must then exit with status 0.  Any problem, or a VM that keeps
 * running, is a "FAIL: ..." line and a triple fault (status 4). */
#include "lib.h"

void guest_main(uint64_t bp);

/* zero-page.rst: __u64 acpi_rsdp_addr at 0x070. */
#define BOOT_PARAMS_ACPI_RSDP_ADDR 0x070

/* §5.2.5.1: where the legacy scan looks. */
#define BIOS_AREA_START 0xe0000ULL
#define BIOS_AREA_END   0x100000ULL

/* RSDP (Table 5.3). */
#define RSDP_CHECKSUM_LEN  20
#define RSDP_REVISION      15
#define RSDP_LENGTH        20
#define RSDP_XSDT_ADDRESS  24
#define RSDP_V2_LENGTH     36

/* System description table header (Table 5.4). */
#define SDT_LENGTH         4
#define SDT_REVISION       8
#define SDT_HEADER_LEN     36
#define SDT_MAX_LEN        0x100000   /* far more than any table here */

/* FADT (Table 5.9, 5.10) and the Generic Address Structure (Table 5.1). */
#define FADT_FLAGS              112
#define FADT_FLAG_HW_REDUCED    (1u << 20)
#define FADT_SLEEP_CONTROL_REG  244
#define FADT_MIN_LEN            (FADT_SLEEP_CONTROL_REG + 12)
#define GAS_SPACE_ID            0
#define GAS_BIT_WIDTH           1
#define GAS_ADDRESS             4
#define GAS_SPACE_SYSTEM_IO     1

/* Sleep control register (§4.8.3.7). */
#define SLP_TYP_SHIFT 2
#define SLP_EN        0x20
#define SLEEP_TYPE_S5 5

/* Guest-physical reads: the first 4 GiB are identity mapped. */
static uint8_t rd8(uint64_t pa)
{
	return *(const volatile uint8_t *)(uintptr_t)pa;
}

static uint32_t rd32(uint64_t pa)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = v << 8 | rd8(pa + (uint64_t)i);
	return v;
}

static uint64_t rd64(uint64_t pa)
{
	return (uint64_t)rd32(pa + 4) << 32 | rd32(pa);
}

static int same_bytes(uint64_t pa, const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (rd8(pa + (uint64_t)i) != (uint8_t)s[i])
			return 0;
	return 1;
}

static uint8_t checksum(uint64_t pa, uint32_t len)
{
	uint8_t sum = 0;
	for (uint32_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + rd8(pa + i));
	return sum;
}

/* "FAIL: acpi-off: [TABLE ]WHAT 0x..", then a triple fault (status 4). */
__attribute__((noreturn)) static void fail_table(const char *table, const char *what, uint64_t v)
{
	puts_("FAIL: acpi-off: ");
	if (table) {
		puts_(table);
		puts_(" ");
	}
	puts_(what);
	puts_(" ");
	put_hex(v);
	puts_("\n");
	guest_triple_fault();
}

__attribute__((noreturn)) static void fail(const char *what, uint64_t v)
{
	fail_table(NULL, what, v);
}

/* An RSDP at pa: signature and the first 20 bytes' checksum (what the
 * legacy scan accepts, §5.2.5.1). */
static int rsdp_at(uint64_t pa)
{
	return same_bytes(pa, "RSD PTR ", 8) && checksum(pa, RSDP_CHECKSUM_LEN) == 0;
}

static uint64_t rsdp_scan(void)
{
	for (uint64_t pa = BIOS_AREA_START; pa + RSDP_V2_LENGTH <= BIOS_AREA_END; pa += 16)
		if (rsdp_at(pa))
			return pa;
	return 0;
}

/* A table at pa with signature sig, a sane length and a zero checksum;
 * returns its length. */
static uint32_t table_check(uint64_t pa, const char *sig)
{
	if (pa == 0 || pa >= 0x100000000ULL - SDT_MAX_LEN)
		fail_table(sig, "at a bad address:", pa);
	if (!same_bytes(pa, sig, 4))
		fail_table(sig, "signature missing at", pa);
	uint32_t len = rd32(pa + SDT_LENGTH);
	if (len < SDT_HEADER_LEN || len > SDT_MAX_LEN)
		fail_table(sig, "has a bad length:", len);
	if (checksum(pa, len) != 0)
		fail_table(sig, "has a bad checksum; at", pa);
	return len;
}

static uint64_t find_fadt(uint64_t xsdt)
{
	uint32_t len = table_check(xsdt, "XSDT");
	uint32_t n = (len - SDT_HEADER_LEN) / 8;
	puts_("acpi-off: XSDT at ");
	put_hex(xsdt);
	puts_(", ");
	put_dec(n);
	puts_(" entries\n");
	for (uint32_t i = 0; i < n; i++) {
		uint64_t t = rd64(xsdt + SDT_HEADER_LEN + 8ULL * i);
		if (t != 0 && t < 0x100000000ULL && same_bytes(t, "FACP", 4))
			return t;
	}
	fail("no FADT (FACP) in the XSDT at", xsdt);
}

void guest_main(uint64_t bp)
{
	uint64_t given = rd64(bp + BOOT_PARAMS_ACPI_RSDP_ADDR);
	uint64_t found = rsdp_scan();
	puts_("acpi-off: boot_params.acpi_rsdp_addr=");
	put_hex(given);
	puts_(" scan=");
	put_hex(found);
	puts_("\n");
	if (given == 0)
		fail("boot_params.acpi_rsdp_addr is", given);
	if (found == 0)
		fail("no RSDP in 0xe0000-0xfffff; boot_params points at", given);
	if (given != found)
		fail("boot_params and the legacy scan disagree; the scan found", found);
	if (!rsdp_at(given))
		fail("bad RSDP signature or checksum at", given);
	if (rd8(given + RSDP_REVISION) < 2)
		fail("RSDP revision < 2 (no XSDT):", rd8(given + RSDP_REVISION));
	uint32_t rsdp_len = rd32(given + RSDP_LENGTH);
	if (rsdp_len < RSDP_V2_LENGTH || rsdp_len > 0x1000)
		fail("bad RSDP length", rsdp_len);
	if (checksum(given, rsdp_len) != 0)
		fail("bad RSDP extended checksum at", given);

	uint64_t fadt = find_fadt(rd64(given + RSDP_XSDT_ADDRESS));
	uint32_t fadt_len = table_check(fadt, "FACP");
	puts_("acpi-off: FADT at ");
	put_hex(fadt);
	puts_(" revision ");
	put_dec(rd8(fadt + SDT_REVISION));
	puts_(" length ");
	put_dec(fadt_len);
	puts_("\n");
	if (fadt_len < FADT_MIN_LEN)
		fail("FADT too short for SLEEP_CONTROL_REG:", fadt_len);
	if (!(rd32(fadt + FADT_FLAGS) & FADT_FLAG_HW_REDUCED))
		fail("FADT without HW_REDUCED_ACPI; flags", rd32(fadt + FADT_FLAGS));

	uint64_t gas = fadt + FADT_SLEEP_CONTROL_REG;
	uint64_t port = rd64(gas + GAS_ADDRESS);
	if (rd8(gas + GAS_SPACE_ID) != GAS_SPACE_SYSTEM_IO)
		fail("SLEEP_CONTROL_REG is not in system I/O space:", rd8(gas + GAS_SPACE_ID));
	if (rd8(gas + GAS_BIT_WIDTH) != 8)
		fail("SLEEP_CONTROL_REG is not 8 bits wide:", rd8(gas + GAS_BIT_WIDTH));
	if (port == 0 || port > 0xffff)
		fail("SLEEP_CONTROL_REG port", port);

	uint8_t v = (uint8_t)(SLEEP_TYPE_S5 << SLP_TYP_SHIFT | SLP_EN);
	puts_("acpi-off: writing ");
	put_hex(v);
	puts_(" to the sleep control register, port ");
	put_hex(port);
	puts_("\n");
	outb((uint16_t)port, v);
	fail("the VM still runs after S5 was written to port", port);
}
