/* The ACPI tables (boot/acpi_tables.c, boot/acpi_dsdt.c), read back from
 * guest RAM the way a guest finds them: RSDP -> XSDT -> FADT, MADT (and
 * MCFG with PCI); FADT -> DSDT.  Field offsets are typed in from ACPI 6.4
 * and the PCI Firmware spec 3.2 here rather than taken from the builder's
 * structs, so that a wrong struct fails. */
#include <string.h>

#include "boot/aml.h"
#include "boot/boot.h"
#include "common/byteorder.h"
#include "tests/unit/unit.h"

#define RAM_SIZE (16 * MiB)

/* §5.2.6 System Description Table Header. */
#define HDR_LENGTH     4
#define HDR_REVISION   8
#define HDR_OEM_ID     10
#define HDR_SIZE       36
/* §5.2.5.3 RSDP. */
#define RSDP_CHECKSUM  8
#define RSDP_OEM_ID    9
#define RSDP_REVISION  15
#define RSDP_RSDT      16
#define RSDP_LENGTH    20
#define RSDP_XSDT      24
/* Table 5.9 FADT. */
#define FADT_DSDT         40
#define FADT_SCI_INT      46
#define FADT_PM1A_EVT     56
#define FADT_PM1A_CNT     64
#define FADT_PM_TMR       76
#define FADT_CENTURY      108
#define FADT_BOOT_ARCH    109
#define FADT_FLAGS        112
#define FADT_RESET_REG    116
#define FADT_RESET_VALUE  128
#define FADT_MINOR        131
#define FADT_X_DSDT       140
#define FADT_SLEEP_CONTROL 244
#define FADT_SLEEP_STATUS 256
#define FADT_HYPERVISOR   268
#define FADT_SIZE         276
/* Table 5.43 MADT. */
#define MADT_LAPIC_ADDR 36
#define MADT_FLAGS      40
#define MADT_ENTRIES    44
/* PCI Firmware spec 3.2 §4.1.2 MCFG: 8 reserved bytes after the header,
 * then the allocation structure. */
#define MCFG_RESERVED   36
#define MCFG_BASE       44
#define MCFG_SEGMENT    52
#define MCFG_START_BUS  54
#define MCFG_END_BUS    55
#define MCFG_RESERVED2  56
#define MCFG_SIZE       60

struct tables {
	struct test_ram ram;
	uint64_t rsdp;
	const uint8_t *xsdt, *fadt, *madt, *mcfg, *dsdt;   /* mcfg NULL without PCI */
	uint64_t xsdt_paddr, fadt_paddr, madt_paddr, mcfg_paddr, dsdt_paddr;
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)le_get(p, 2);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)le_get(p, 4);
}

static uint64_t rd64(const uint8_t *p)
{
	return le_get(p, 8);
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;
	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* The table at paddr: inside the ACPI area, 16-byte aligned, signature sig,
 * its length in range and its bytes summing to 0 (§5.2.6). */
static const uint8_t *table_at(const struct test_ram *ram, uint64_t paddr, const char *sig)
{
	ck_assert_msg(paddr >= LAYOUT_ACPI_TABLES && paddr < LAYOUT_ACPI_END,
		      "%s at 0x%llx", sig, (unsigned long long)paddr);
	ck_assert_uint_eq(paddr % 16, 0);
	const uint8_t *t = ram->host + paddr;
	ck_assert_mem_eq(t, sig, 4);
	uint32_t len = rd32(t + HDR_LENGTH);
	ck_assert_uint_ge(len, HDR_SIZE);
	ck_assert_uint_le(paddr + len, LAYOUT_ACPI_END);
	ck_assert_msg(sum(t, len) == 0, "%s checksum: bytes sum to 0x%02x", sig, sum(t, len));
	ck_assert_mem_eq(t + HDR_OEM_ID, "MINVMM", 6);
	return t;
}

/* The tables for ncpus vCPUs, with or without the PCI host bridge.  The
 * XSDT lists the FADT and MADT, and the MCFG exactly when pci is set. */
static void build(struct tables *t, int ncpus, bool pci)
{
	struct error err = { 0 };
	memset(t, 0, sizeof(*t));
	test_ram_init(&t->ram, RAM_SIZE);
	ck_assert_msg(acpi_tables_build(&t->ram.mem, ncpus, pci, &t->rsdp, &err) == 0, "%s",
		      err.msg);
	ck_assert_uint_eq(t->rsdp, LAYOUT_ACPI_TABLES);
	const uint8_t *r = t->ram.host + t->rsdp;
	t->xsdt_paddr = rd64(r + RSDP_XSDT);
	t->xsdt = table_at(&t->ram, t->xsdt_paddr, "XSDT");
	ck_assert_uint_eq(rd32(t->xsdt + HDR_LENGTH), HDR_SIZE + (pci ? 3 : 2) * 8);
	t->fadt_paddr = rd64(t->xsdt + HDR_SIZE);
	t->madt_paddr = rd64(t->xsdt + HDR_SIZE + 8);
	t->fadt = table_at(&t->ram, t->fadt_paddr, "FACP");
	t->madt = table_at(&t->ram, t->madt_paddr, "APIC");
	if (pci) {
		t->mcfg_paddr = rd64(t->xsdt + HDR_SIZE + 16);
		t->mcfg = table_at(&t->ram, t->mcfg_paddr, "MCFG");
	}
	t->dsdt_paddr = rd64(t->fadt + FADT_X_DSDT);
	t->dsdt = table_at(&t->ram, t->dsdt_paddr, "DSDT");
}

START_TEST(test_rsdp)
{
	struct tables t;
	build(&t, 1, false);
	const uint8_t *r = t.ram.host + LAYOUT_ACPI_TABLES;
	ck_assert_mem_eq(r, "RSD PTR ", 8);
	ck_assert_uint_eq(r[RSDP_REVISION], 2);
	ck_assert_mem_eq(r + RSDP_OEM_ID, "MINVMM", 6);
	ck_assert_uint_eq(rd32(r + RSDP_LENGTH), 36);
	ck_assert_uint_eq(rd32(r + RSDP_RSDT), 0);
	/* §5.2.5.3: the checksum covers the ACPI 1.0 part, the extended one
	 * all 36 bytes; a wrong byte breaks both. */
	ck_assert_uint_eq(sum(r, 20), 0);
	ck_assert_uint_eq(sum(r, 36), 0);
	ck_assert_uint_ne(r[RSDP_CHECKSUM], 0);
	ck_assert_uint_eq(t.xsdt_paddr, LAYOUT_ACPI_TABLES + 0x30);
	test_ram_free(&t.ram);
}
END_TEST

/* No two tables overlap, and each starts past the RSDP; with PCI too. */
START_TEST(test_layout)
{
	bool pci = _i;
	struct tables t;
	build(&t, 32, pci);
	uint64_t start[] = { t.rsdp, t.xsdt_paddr, t.fadt_paddr, t.madt_paddr, t.dsdt_paddr,
			     t.mcfg_paddr };
	uint64_t len[] = { 36, rd32(t.xsdt + HDR_LENGTH), rd32(t.fadt + HDR_LENGTH),
			   rd32(t.madt + HDR_LENGTH), rd32(t.dsdt + HDR_LENGTH),
			   pci ? rd32(t.mcfg + HDR_LENGTH) : 0 };
	int n = pci ? 6 : 5;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++)
			ck_assert_msg(start[i] + len[i] <= start[j] || start[j] + len[j] <= start[i],
				      "tables %d and %d overlap", i, j);
	test_ram_free(&t.ram);
}
END_TEST

static void assert_gas_io8(const uint8_t *gas, uint64_t port)
{
	ck_assert_uint_eq(gas[0], 1);   /* System I/O */
	ck_assert_uint_eq(gas[1], 8);   /* bit width */
	ck_assert_uint_eq(gas[2], 0);   /* bit offset */
	ck_assert_uint_eq(gas[3], 1);   /* byte access */
	ck_assert_uint_eq(rd64(gas + 4), port);
}

START_TEST(test_fadt)
{
	struct tables t;
	build(&t, 1, _i);
	const uint8_t *f = t.fadt;
	ck_assert_uint_eq(rd32(f + HDR_LENGTH), FADT_SIZE);
	ck_assert_uint_eq(f[HDR_REVISION], 6);
	ck_assert_uint_eq(f[FADT_MINOR], 4);
	/* Table 5.10: HW_REDUCED_ACPI (20) and RESET_REG_SUP (10), nothing else. */
	ck_assert_uint_eq(rd32(f + FADT_FLAGS), (1u << 20) | (1u << 10));
	/* Table 5.11: 8042 (1) and VGA Not Present (2); CMOS RTC Not Present (5)
	 * clear. */
	ck_assert_uint_eq(rd16(f + FADT_BOOT_ARCH), (1u << 1) | (1u << 2));
	/* Above all, MSI Not Supported (3) clear: with it Linux turns MSI off
	 * for every PCI device, and minivmm's interrupt only through MSI-X. */
	ck_assert_uint_eq(rd16(f + FADT_BOOT_ARCH) & (1u << 3), 0);
	ck_assert_uint_eq(rd32(f + FADT_DSDT), t.dsdt_paddr);
	ck_assert_uint_eq(rd64(f + FADT_X_DSDT), t.dsdt_paddr);
	assert_gas_io8(f + FADT_SLEEP_CONTROL, LAYOUT_PORT_ACPI_SLEEP_CONTROL);
	assert_gas_io8(f + FADT_SLEEP_STATUS, LAYOUT_PORT_ACPI_SLEEP_STATUS);
	assert_gas_io8(f + FADT_RESET_REG, LAYOUT_PORT_ACPI_RESET);
	ck_assert_uint_eq(f[FADT_RESET_VALUE], ACPI_RESET_VALUE);
	ck_assert_uint_eq(rd16(f + FADT_SCI_INT), 9);
	ck_assert_uint_eq(f[FADT_CENTURY], 0x32);
	ck_assert_mem_eq(f + FADT_HYPERVISOR, "MINIVMM", 8);
	/* Hardware-reduced: no fixed-feature blocks. */
	ck_assert_uint_eq(rd32(f + FADT_PM1A_EVT), 0);
	ck_assert_uint_eq(rd32(f + FADT_PM1A_CNT), 0);
	ck_assert_uint_eq(rd32(f + FADT_PM_TMR), 0);
	test_ram_free(&t.ram);
}
END_TEST

/* Walks the MADT's entries, checking each, and counts them by type. */
static void assert_madt(int ncpus, bool pci)
{
	struct tables t;
	build(&t, ncpus, pci);
	const uint8_t *m = t.madt;
	uint32_t len = rd32(m + HDR_LENGTH);
	ck_assert_uint_eq(len, 44 + 8 * ncpus + 12 + 2 * 10 + 6);
	ck_assert_uint_eq(rd32(m + MADT_LAPIC_ADDR), LAYOUT_LAPIC);
	ck_assert_uint_eq(rd32(m + MADT_FLAGS), 1);  /* PCAT_COMPAT */

	int lapics = 0, ioapics = 0, nmis = 0;
	int irq0 = 0, irq9 = 0;
	for (uint32_t off = MADT_ENTRIES; off < len;) {
		const uint8_t *e = m + off;
		ck_assert_uint_ge(e[1], 2);
		ck_assert_uint_le(off + e[1], len);
		switch (e[0]) {
		case 0:  /* §5.2.12.2 Processor Local APIC, in vCPU order */
			ck_assert_uint_eq(e[1], 8);
			ck_assert_uint_eq(e[2], lapics);       /* ACPI processor UID */
			ck_assert_uint_eq(e[3], lapics);       /* APIC ID */
			ck_assert_uint_eq(rd32(e + 4), 1);     /* enabled */
			lapics++;
			break;
		case 1:  /* §5.2.12.3 I/O APIC */
			ck_assert_uint_eq(e[1], 12);
			ck_assert_uint_eq(e[2], 0);
			ck_assert_uint_eq(rd32(e + 4), LAYOUT_IOAPIC);
			ck_assert_uint_eq(rd32(e + 8), 0);     /* GSI base */
			ioapics++;
			break;
		case 2:  /* §5.2.12.5 Interrupt Source Override */
			ck_assert_uint_eq(e[1], 10);
			ck_assert_uint_eq(e[2], 0);            /* ISA */
			if (e[3] == 0) {
				ck_assert_uint_eq(rd32(e + 4), ACPI_ISA_IRQ0_GSI);
				ck_assert_uint_eq(rd16(e + 8), 0);       /* conforming */
				irq0++;
			} else {
				ck_assert_uint_eq(e[3], 9);
				ck_assert_uint_eq(rd32(e + 4), 9);
				ck_assert_uint_eq(rd16(e + 8), 0x000d);  /* level, active high */
				irq9++;
			}
			break;
		case 4:  /* §5.2.12.7 Local APIC NMI */
			ck_assert_uint_eq(e[1], 6);
			ck_assert_uint_eq(e[2], 0xff);         /* all processors */
			ck_assert_uint_eq(e[5], 1);            /* LINT1 */
			nmis++;
			break;
		default:
			ck_abort_msg("MADT entry type %u", e[0]);
		}
		off += e[1];
	}
	ck_assert_int_eq(lapics, ncpus);
	ck_assert_int_eq(ioapics, 1);
	ck_assert_int_eq(irq0, 1);
	ck_assert_int_eq(irq9, 1);
	ck_assert_int_eq(nmis, 1);
	test_ram_free(&t.ram);
}

START_TEST(test_madt_1)
{
	assert_madt(1, false);
}
END_TEST

START_TEST(test_madt_2)
{
	assert_madt(2, false);
}
END_TEST

START_TEST(test_madt_32)
{
	assert_madt(32, true);
}
END_TEST

/* The most vCPUs, with PCI: the largest set of tables still fits. */
START_TEST(test_madt_255)
{
	assert_madt(255, false);
	assert_madt(255, true);
}
END_TEST

/* ---- PCI: the MCFG and the root bridge ------------------------------- */

START_TEST(test_mcfg)
{
	struct tables t;
	build(&t, 1, true);
	const uint8_t *m = t.mcfg;
	ck_assert_uint_eq(rd32(m + HDR_LENGTH), MCFG_SIZE);
	ck_assert_uint_eq(m[HDR_REVISION], 1);
	ck_assert_uint_eq(sum(m, MCFG_SIZE), 0);
	static const uint8_t zero[8];
	ck_assert_mem_eq(m + MCFG_RESERVED, zero, 8);
	ck_assert_uint_eq(rd64(m + MCFG_BASE), LAYOUT_PCI_ECAM);
	ck_assert_uint_eq(rd64(m + MCFG_BASE), 0xe0000000);
	ck_assert_uint_eq(rd16(m + MCFG_SEGMENT), 0);
	ck_assert_uint_eq(m[MCFG_START_BUS], 0);
	ck_assert_uint_eq(m[MCFG_END_BUS], LAYOUT_PCI_BUS_LAST);
	ck_assert_uint_eq(rd32(m + MCFG_RESERVED2), 0);
	/* Between the MADT and the DSDT, 16-byte aligned (table_at). */
	ck_assert_uint_ge(t.mcfg_paddr, t.madt_paddr + rd32(t.madt + HDR_LENGTH));
	ck_assert_uint_le(t.mcfg_paddr + MCFG_SIZE, t.dsdt_paddr);
	test_ram_free(&t.ram);
}
END_TEST

/* Without PCI the XSDT lists the FADT and MADT only (build checks its
 * length), and no MCFG is anywhere in the ACPI area. */
START_TEST(test_no_mcfg_without_pci)
{
	struct tables t;
	build(&t, 4, false);
	ck_assert_ptr_null(t.mcfg);
	ck_assert_mem_eq(t.ram.host + rd64(t.xsdt + HDR_SIZE), "FACP", 4);
	ck_assert_mem_eq(t.ram.host + rd64(t.xsdt + HDR_SIZE + 8), "APIC", 4);
	const uint8_t *area = t.ram.host + LAYOUT_ACPI_TABLES;
	for (uint64_t i = 0; i + 4 <= LAYOUT_ACPI_END - LAYOUT_ACPI_TABLES; i++)
		ck_assert_msg(memcmp(area + i, "MCFG", 4) != 0, "\"MCFG\" at 0x%llx",
			      (unsigned long long)(LAYOUT_ACPI_TABLES + i));
	test_ram_free(&t.ram);
}
END_TEST

static int contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return 1;
	return 0;
}

#define assert_contains(t, ...) do { \
	const uint8_t needle_[] = { __VA_ARGS__ }; \
	ck_assert_msg(contains((t), rd32((t) + HDR_LENGTH), needle_, sizeof(needle_)), \
		      "DSDT lacks %s", #__VA_ARGS__); \
} while (0)

START_TEST(test_dsdt)
{
	struct tables t;
	build(&t, 1, false);
	const uint8_t *d = t.dsdt;
	ck_assert_uint_eq(d[HDR_REVISION], 2);
	/* Name (\_S5, Package (4) { 5, 5, 0, 0 }) right after the header. */
	ck_assert_uint_eq(ACPI_SLEEP_TYPE_S5, 5);
	const uint8_t s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04,
			       0x0a, ACPI_SLEEP_TYPE_S5, 0x0a, ACPI_SLEEP_TYPE_S5, 0x00, 0x00 };
	ck_assert_mem_eq(d + HDR_SIZE, s5, sizeof(s5));
	/* Scope (\_SB) after it, running to the end of the table: ScopeOp, a
	 * two-byte PkgLength (§20.2.4: lead byte 0x40 | bits 0-3, then bits
	 * 4-11; it counts itself, not the ScopeOp), the NameString. */
	const uint8_t *sb = d + HDR_SIZE + sizeof(s5);
	size_t sb_len = rd32(d + HDR_LENGTH) - HDR_SIZE - sizeof(s5) - 1;
	ck_assert_uint_lt(sb_len, 0x1000);
	const uint8_t scope[] = { 0x10, (uint8_t)(0x40 | (sb_len & 0x0f)), (uint8_t)(sb_len >> 4),
				  '\\', '_', 'S', 'B', '_' };
	ck_assert_mem_eq(sb, scope, sizeof(scope));
	/* _HID EisaId ("PNP0501"), _UID 1, and the others' _HIDs. */
	assert_contains(d, 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01);
	assert_contains(d, 0x08, '_', 'U', 'I', 'D', 0x01);
	assert_contains(d, 0x0c, 0x41, 0xd0, 0x03, 0x03);
	assert_contains(d, 0x0c, 0x41, 0xd0, 0x0b, 0x00);
	/* _HID "QEMU0001", a string. */
	assert_contains(d, 0x08, '_', 'H', 'I', 'D', 0x0d, 'Q', 'E', 'M', 'U', '0', '0', '0', '1',
			0x00);
	/* The resources layout.h gives: IO descriptors and IRQ masks. */
	assert_contains(d, 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, 0x22, 0x10, 0x00);
	assert_contains(d, 0x47, 0x01, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01,
			0x47, 0x01, 0x64, 0x00, 0x64, 0x00, 0x01, 0x01, 0x22, 0x02, 0x00);
	/* The RTC raises no interrupt: its IO range, then the End Tag. */
	assert_contains(d, 0x47, 0x01, 0x70, 0x00, 0x70, 0x00, 0x01, 0x02, 0x79);
	assert_contains(d, 0x47, 0x01, 0x05, 0x05, 0x05, 0x05, 0x01, 0x01, 0x79);
	/* fw_cfg as QEMU announces it: _HID "QEMU0002", _STA 0x0B, and
	 * IO (Decode16, 0x510, 0x510, 1, 12), then the End Tag. */
	assert_contains(d, 0x08, '_', 'H', 'I', 'D', 0x0d, 'Q', 'E', 'M', 'U', '0', '0', '0', '2',
			0x00, 0x08, '_', 'S', 'T', 'A', 0x0a, 0x0b);
	assert_contains(d, 0x47, 0x01, 0x10, 0x05, 0x10, 0x05, 0x01, 0x0c, 0x79);
	test_ram_free(&t.ram);
}
END_TEST

/* The DSDT body on its own: every construct closed, and only the table
 * header is missing from what acpi_tables_build writes; with PCI too. */
START_TEST(test_dsdt_aml)
{
	bool pci = _i;
	struct tables t;
	build(&t, 1, pci);
	struct error err = { 0 };
	struct aml_buf b;
	aml_buf_init(&b, 1 << 20, &err);
	ck_assert_msg(acpi_dsdt_aml(&b, pci) == 0, "%s", err.msg);
	ck_assert_uint_eq(b.len + HDR_SIZE, rd32(t.dsdt + HDR_LENGTH));
	ck_assert_mem_eq(b.data, t.dsdt + HDR_SIZE, b.len);
	aml_buf_free(&b);
	test_ram_free(&t.ram);
}
END_TEST

/* Device (PCI0) under \_SB: its identity and every _CRS descriptor, byte
 * for byte (ACPI 6.4 §6.4.2.5 IO, §6.4.3.5.2 DWord and §6.4.3.5.3 Word
 * address space descriptors). */
START_TEST(test_dsdt_pci_root)
{
	struct tables t;
	build(&t, 1, true);
	const uint8_t *d = t.dsdt;
	/* The name, _HID EisaId ("PNP0A08"), _CID EisaId ("PNP0A03"), _SEG,
	 * _UID and _BBN Zero, then _CRS's Buffer. */
	assert_contains(d, 'P', 'C', 'I', '0',
			0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x08,
			0x08, '_', 'C', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03,
			0x08, '_', 'S', 'E', 'G', 0x00,
			0x08, '_', 'U', 'I', 'D', 0x00,
			0x08, '_', 'B', 'B', 'N', 0x00,
			0x08, '_', 'C', 'R', 'S', 0x11);
	ck_assert_uint_eq(LAYOUT_PCI_BUS_LAST, 0);
	ck_assert_uint_eq(LAYOUT_PORT_PCI_CONFIG, 0xcf8);
	ck_assert_uint_eq(LAYOUT_PCI_MMIO_START, 0xc0000000);
	ck_assert_uint_eq(LAYOUT_PCI_MMIO_END, 0xe0000000);
	assert_contains(d,
		/* WordBusNumber producer, MinFixed MaxFixed: buses 0-0, length 1 */
		0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
		/* IO (Decode16, 0xcf8, 0xcf8, 1, 8): conf1 */
		0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08,
		/* WordIO producer, EntireRange: 0x0000-0x0cf7 */
		0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03,
		0x00, 0x00, 0x00, 0x00, 0xf7, 0x0c, 0x00, 0x00, 0xf8, 0x0c,
		/* WordIO producer, EntireRange: 0x0d00-0xffff */
		0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03,
		0x00, 0x00, 0x00, 0x0d, 0xff, 0xff, 0x00, 0x00, 0x00, 0xf3,
		/* DWordMemory producer, NonCacheable ReadWrite: 0xc0000000-0xdfffffff */
		0x87, 0x17, 0x00, 0x00, 0x0c, 0x01,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xff, 0xff, 0xff, 0xdf,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20,
		/* End Tag */
		0x79);
	test_ram_free(&t.ram);
}
END_TEST

/* PCI adds Device (PCI0) at the end of \_SB and changes nothing else; without
 * it the DSDT names no PCI0 and no PCI EisaId. */
START_TEST(test_dsdt_pci_only_adds)
{
	struct error err = { 0 };
	struct aml_buf off, on;
	aml_buf_init(&off, 1 << 20, &err);
	aml_buf_init(&on, 1 << 20, &err);
	ck_assert_msg(acpi_dsdt_aml(&off, false) == 0 && acpi_dsdt_aml(&on, true) == 0, "%s",
		      err.msg);
	static const uint8_t pci0[] = { 'P', 'C', 'I', '0' };
	static const uint8_t pnp0a08[] = { 0x0c, 0x41, 0xd0, 0x0a, 0x08 };
	static const uint8_t pnp0a03[] = { 0x0c, 0x41, 0xd0, 0x0a, 0x03 };
	ck_assert(!contains(off.data, off.len, pci0, sizeof(pci0)));
	ck_assert(!contains(off.data, off.len, pnp0a08, sizeof(pnp0a08)));
	ck_assert(!contains(off.data, off.len, pnp0a03, sizeof(pnp0a03)));
	ck_assert(contains(on.data, on.len, pci0, sizeof(pci0)));

	/* \_S5, then Scope (\_SB) with a 2-byte PkgLength (test_dsdt): what
	 * precedes the PkgLength and what follows it in the PCI-less DSDT both
	 * start the PCI one, and the rest is one Device (PCI0). */
	size_t scope = 15;   /* the \_S5 Name */
	ck_assert_uint_eq(off.data[scope], 0x10);
	ck_assert_uint_eq(on.data[scope], 0x10);
	ck_assert_mem_eq(on.data, off.data, scope + 1);
	ck_assert_uint_eq(on.data[scope + 1] >> 6, 1);
	ck_assert_uint_eq(off.data[scope + 1] >> 6, 1);
	size_t body = scope + 3;
	ck_assert_mem_eq(on.data + body, off.data + body, off.len - body);
	const uint8_t *dev = on.data + off.len;
	ck_assert_uint_eq(dev[0], 0x5b);   /* DeviceOp */
	ck_assert_uint_eq(dev[1], 0x82);
	int follow = dev[2] >> 6;
	size_t pkglen = follow ? (dev[2] & 0x0f) | (size_t)dev[3] << 4 : dev[2] & 0x3f;
	ck_assert_int_le(follow, 1);
	ck_assert_mem_eq(dev + 3 + follow, pci0, sizeof(pci0));
	ck_assert_uint_eq(off.len + 2 + pkglen, on.len);
	aml_buf_free(&off);
	aml_buf_free(&on);
}
END_TEST

static void assert_refused(int ncpus, bool pci)
{
	struct test_ram ram;
	struct error err = { 0 };
	uint64_t rsdp = 0x1234;
	test_ram_init(&ram, RAM_SIZE);
	ck_assert_int_eq(acpi_tables_build(&ram.mem, ncpus, pci, &rsdp, &err), -1);
	test_assert_error(err.msg, "ACPI tables: ", "vCPUs", "1 to 255");
	ck_assert_uint_eq(rsdp, 0x1234);
	/* Nothing written. */
	static const uint8_t zero[64];
	ck_assert_mem_eq(ram.host + LAYOUT_ACPI_TABLES, zero, sizeof(zero));
	test_ram_free(&ram);
}

START_TEST(test_ncpus_refused)
{
	assert_refused(0, false);
	assert_refused(256, false);
	assert_refused(-1, false);
	assert_refused(256, true);
}
END_TEST

/* RAM that ends where the ACPI area starts (guest RAM comes in whole
 * pages, and the tables for one vCPU fit in the first): an error naming
 * the RSDP, not a write past the end. */
START_TEST(test_small_ram)
{
	struct test_ram ram;
	struct error err = { 0 };
	uint64_t rsdp = 0;
	test_ram_init(&ram, LAYOUT_ACPI_TABLES);
	ck_assert_int_eq(acpi_tables_build(&ram.mem, 1, false, &rsdp, &err), -1);
	test_assert_error(err.msg, "guest RAM too small for the ACPI RSDP at 0xe0000");
	ck_assert_uint_eq(rsdp, 0);
	test_ram_free(&ram);
}
END_TEST

Suite *acpi_suite(void)
{
	Suite *s = suite_create("acpi");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_rsdp);
	tcase_add_loop_test(tc, test_layout, 0, 2);   /* without and with PCI */
	tcase_add_loop_test(tc, test_fadt, 0, 2);
	tcase_add_test(tc, test_madt_1);
	tcase_add_test(tc, test_madt_2);
	tcase_add_test(tc, test_madt_32);
	tcase_add_test(tc, test_madt_255);
	tcase_add_test(tc, test_dsdt);
	tcase_add_loop_test(tc, test_dsdt_aml, 0, 2);
	tcase_add_test(tc, test_mcfg);
	tcase_add_test(tc, test_no_mcfg_without_pci);
	tcase_add_test(tc, test_dsdt_pci_root);
	tcase_add_test(tc, test_dsdt_pci_only_adds);
	tcase_add_test(tc, test_ncpus_refused);
	tcase_add_test(tc, test_small_ram);
	suite_add_tcase(s, tc);
	return s;
}
