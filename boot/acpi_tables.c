/* The ACPI tables (ACPI 6.4 chapter 5): RSDP, XSDT, FADT, MADT, MCFG (with
 * PCI) and DSDT, one after another from LAYOUT_ACPI_TABLES, each on a
 * 16-byte boundary (the RSDP must be, §5.2.5.1; the rest gain nothing from
 * more):
 *
 *	RSDP  36 bytes          (rev 2: points at the XSDT only)
 *	XSDT  36 + 8 per entry  -> FADT, MADT, MCFG
 *	FADT  276 bytes         (rev 6, HW_REDUCED_ACPI) -> DSDT
 *	MADT  44 + 8 per vCPU + IOAPIC + overrides + NMI
 *	MCFG  60 bytes          (with PCI: the ECAM of bus 0)
 *	DSDT  36 + AML          (acpi_dsdt.c)
 *
 * All sizes are known before anything is written, so every address is fixed
 * first and each table is then built whole in host memory, checksummed and
 * copied into guest RAM once. */
#include <stdlib.h>
#include <string.h>

#include "boot/aml.h"
#include "boot/boot.h"

/* ---- Table formats ------------------------------------------------------ */

/* §5.2.5.3 Root System Description Pointer (revision 2). */
struct acpi_rsdp {
	char signature[8];           /* "RSD PTR " */
	uint8_t checksum;            /* over the first 20 bytes (the ACPI 1.0 part) */
	char oem_id[6];
	uint8_t revision;            /* 2 */
	uint32_t rsdt_address;       /* 0: no RSDT, the XSDT serves */
	uint32_t length;             /* 36 */
	uint64_t xsdt_address;
	uint8_t extended_checksum;   /* over all 36 bytes */
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "§5.2.5.3: the RSDP is 36 bytes");
#define ACPI_RSDP_V1_LENGTH 20

/* §5.2.6 System Description Table Header. */
struct acpi_header {
	char signature[4];
	uint32_t length;             /* the whole table, header included */
	uint8_t revision;
	uint8_t checksum;            /* all bytes of the table sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "§5.2.6: the header is 36 bytes");

/* §5.2.3.2 Generic Address Structure. */
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "§5.2.3.2: a GAS is 12 bytes");
#define ACPI_GAS_SYSTEM_IO   1
#define ACPI_GAS_ACCESS_BYTE 1

/* §5.2.9 Fixed ACPI Description Table (revision 6, Table 5.9). */
struct acpi_fadt {
	struct acpi_header header;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_fadt) == 276, "§5.2.9: the revision 6 FADT is 276 bytes");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "Table 5.9: IAPC_BOOT_ARCH");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "Table 5.9: Flags");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "Table 5.9: RESET_REG");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "Table 5.9: X_DSDT");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244,
	       "Table 5.9: SLEEP_CONTROL_REG");
_Static_assert(offsetof(struct acpi_fadt, hypervisor_vendor_id) == 268,
	       "Table 5.9: Hypervisor Vendor Identity");
#define ACPI_FADT_REVISION       6
#define ACPI_FADT_MINOR_REVISION 4   /* ACPI 6.4 */
/* Table 5.10 Fixed ACPI Description Table Fixed Feature Flags. */
#define ACPI_FADT_RESET_REG_SUP  (1u << 10)
#define ACPI_FADT_HW_REDUCED     (1u << 20)
/* Table 5.11 IA-PC Boot Architecture Flags: an i8042 is there, VGA is not
 * (so the guest does not probe the legacy VGA ports).  NO_CMOS_RTC stays
 * clear: minivmm has one.  So does MSI Not Supported (bit 3): PCI devices
 * interrupt only through MSI-X, which an OS turns off when it is set. */
#define ACPI_FADT_BOOT_8042      (1u << 1)
#define ACPI_FADT_BOOT_NO_VGA    (1u << 2)
/* §9.15 and Table 5.9 CENTURY: the CMOS index of the century, where
 * vmm/devices/rtc.c keeps it. */
#define ACPI_FADT_RTC_CENTURY    0x32
/* Conventional SCI IRQ: a hardware-reduced platform has no SCI, but
 * guests read the field anyway; the MADT routes it like QEMU does. */
#define ACPI_SCI_IRQ             9

/* §5.2.12 Multiple APIC Description Table (Table 5.43). */
struct acpi_madt {
	struct acpi_header header;
	uint32_t lapic_address;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "§5.2.12: the MADT header is 44 bytes");
#define ACPI_MADT_REVISION    5
#define ACPI_MADT_PCAT_COMPAT (1u << 0)   /* dual 8259s are there (KVM's) */

/* §5.2.12.2 Processor Local APIC Structure. */
struct acpi_madt_lapic {
	uint8_t type;                /* 0 */
	uint8_t length;              /* 8 */
	uint8_t processor_uid;
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "§5.2.12.2: 8 bytes");
#define ACPI_MADT_TYPE_LAPIC   0
#define ACPI_MADT_LAPIC_ENABLED (1u << 0)

/* §5.2.12.3 I/O APIC Structure. */
struct acpi_madt_ioapic {
	uint8_t type;                /* 1 */
	uint8_t length;              /* 12 */
	uint8_t ioapic_id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "§5.2.12.3: 12 bytes");
#define ACPI_MADT_TYPE_IOAPIC  1

/* §5.2.12.5 Interrupt Source Override Structure. */
struct acpi_madt_override {
	uint8_t type;                /* 2 */
	uint8_t length;              /* 10 */
	uint8_t bus;                 /* 0: ISA */
	uint8_t source;              /* the ISA IRQ */
	uint32_t gsi;
	uint16_t flags;              /* MPS INTI flags, Table 5.50 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_override) == 10, "§5.2.12.5: 10 bytes");
#define ACPI_MADT_TYPE_OVERRIDE 2

/* §5.2.12.7 Local APIC NMI Structure. */
struct acpi_madt_lapic_nmi {
	uint8_t type;                /* 4 */
	uint8_t length;              /* 6 */
	uint8_t processor_uid;       /* 0xff: all processors */
	uint16_t flags;              /* MPS INTI flags */
	uint8_t lint;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "§5.2.12.7: 6 bytes");
#define ACPI_MADT_TYPE_LAPIC_NMI 4
#define ACPI_MADT_ALL_PROCESSORS 0xff

/* Table 5.50 MPS INTI Flags: polarity in bits 1:0, trigger mode in 3:2;
 * 0 in both means "conforms to the bus" (ISA: edge, active high). */
#define ACPI_MPS_CONFORMING       0x0
#define ACPI_MPS_ACTIVE_HIGH      0x1
#define ACPI_MPS_LEVEL_TRIGGERED  (0x3 << 2)

/* PCI Firmware spec 3.2 §4.1.2 MCFG: the header, 8 reserved bytes, then one
 * allocation structure per ECAM range: its base address, the PCI segment
 * group and the first and last bus it covers. */
struct acpi_mcfg_allocation {
	uint64_t base;
	uint16_t segment;
	uint8_t start_bus;
	uint8_t end_bus;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_mcfg_allocation) == 16, "§4.1.2: an allocation is 16 bytes");

struct acpi_mcfg {
	struct acpi_header header;
	uint8_t reserved[8];
	struct acpi_mcfg_allocation allocation;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_mcfg) == 60, "§4.1.2: 44 bytes and one allocation");
#define ACPI_MCFG_REVISION 1

/* ---- Contents ----------------------------------------------------------- */

#define ACPI_OEM_ID        "MINVMM"
#define ACPI_OEM_TABLE_ID  "MINIVMM "
#define ACPI_OEM_REVISION  1
#define ACPI_CREATOR_ID    "MVMM"
#define ACPI_CREATOR_REVISION 1
#define ACPI_XSDT_REVISION 1
#define ACPI_DSDT_REVISION 2   /* §5.2.11.1: 2 and up: 64-bit AML integers */
#define ACPI_ALIGN         16

/* What the MADT holds besides one Processor Local APIC per vCPU. */
#define ACPI_MADT_OVERRIDES 2
#define ACPI_MADT_FIXED_SIZE (sizeof(struct acpi_madt) + sizeof(struct acpi_madt_ioapic) + \
			      ACPI_MADT_OVERRIDES * sizeof(struct acpi_madt_override) + \
			      sizeof(struct acpi_madt_lapic_nmi))

/* The XSDT's entries: the FADT and MADT, the MCFG with PCI. */
#define ACPI_XSDT_MAX_ENTRIES 3
#define ACPI_XSDT_SIZE(entries) (sizeof(struct acpi_header) + (entries) * sizeof(uint64_t))

/* The whole area is generous: the largest MADT with the fixed tables takes
 * under 3 KiB, which leaves the DSDT about 61 KiB. */
_Static_assert(LAYOUT_ACPI_TABLES % ACPI_ALIGN == 0, "§5.2.5.1: the RSDP is 16-byte aligned");
_Static_assert(LAYOUT_ACPI_END <= 0x100000 && LAYOUT_ACPI_END - LAYOUT_ACPI_TABLES >=
	       sizeof(struct acpi_rsdp) + ACPI_XSDT_SIZE(ACPI_XSDT_MAX_ENTRIES) +
	       sizeof(struct acpi_fadt) + ACPI_MADT_FIXED_SIZE +
	       ACPI_MAX_CPUS * sizeof(struct acpi_madt_lapic) + sizeof(struct acpi_mcfg) +
	       6 * ACPI_ALIGN + 0x1000,
	       "the ACPI area holds the tables for ACPI_MAX_CPUS and a 4 KiB DSDT");
_Static_assert(LAYOUT_PCI_ECAM_SIZE == (LAYOUT_PCI_BUS_LAST + 1) * (1ULL << 20),
	       "PCI Firmware spec §4.1.2: ECAM is 1 MiB per bus the MCFG lists");

_Static_assert(LAYOUT_ACPI_END <= UINT32_MAX, "the FADT's 32-bit DSDT field holds its address");

static uint8_t acpi_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum;
}

static void acpi_header_init(struct acpi_header *h, const char sig[4], size_t length,
			     uint8_t revision)
{
	memcpy(h->signature, sig, sizeof(h->signature));
	h->length = (uint32_t)length;
	h->revision = revision;
	h->checksum = 0;
	memcpy(h->oem_id, ACPI_OEM_ID, sizeof(h->oem_id));
	memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, sizeof(h->oem_table_id));
	h->oem_revision = ACPI_OEM_REVISION;
	memcpy(h->creator_id, ACPI_CREATOR_ID, sizeof(h->creator_id));
	h->creator_revision = ACPI_CREATOR_REVISION;
}

/* Sets the header's checksum over the whole table (§5.2.6) and copies the
 * table into guest RAM at paddr. */
static int acpi_table_write(struct guest_memory *mem, uint64_t paddr, void *table,
			    struct error *err)
{
	struct acpi_header *h = table;
	h->checksum = acpi_checksum(table, h->length);
	if (guest_memory_write(mem, paddr, table, h->length) < 0)
		return error_set(err, "guest RAM too small for the ACPI %.4s table at 0x%llx",
				 h->signature, (unsigned long long)paddr);
	return 0;
}

/* Where the tables go, in order, each ACPI_ALIGN-aligned from
 * LAYOUT_ACPI_TABLES; all must end by LAYOUT_ACPI_END. */
struct acpi_layout {
	uint64_t next;
	uint64_t rsdp, xsdt, fadt, madt, mcfg, dsdt;   /* madt, mcfg 0: none */
	int xsdt_entries;
};

static int acpi_place(struct acpi_layout *l, uint64_t *paddr, size_t size, const char *what,
		      struct error *err)
{
	uint64_t at = (l->next + ACPI_ALIGN - 1) & ~(uint64_t)(ACPI_ALIGN - 1);
	if (at > LAYOUT_ACPI_END || size > LAYOUT_ACPI_END - at)
		return error_set(err, "ACPI tables: the %s (%zu bytes) does not fit below "
				 "LAYOUT_ACPI_END 0x%llx", what, size, LAYOUT_ACPI_END);
	*paddr = at;
	l->next = at + size;
	return 0;
}

static int acpi_write_rsdp(struct guest_memory *mem, const struct acpi_layout *l,
			   struct error *err)
{
	struct acpi_rsdp rsdp = {
		.revision = 2,
		.rsdt_address = 0,
		.length = sizeof(rsdp),
		.xsdt_address = l->xsdt,
	};
	memcpy(rsdp.signature, "RSD PTR ", sizeof(rsdp.signature));
	memcpy(rsdp.oem_id, ACPI_OEM_ID, sizeof(rsdp.oem_id));
	rsdp.checksum = acpi_checksum(&rsdp, ACPI_RSDP_V1_LENGTH);
	rsdp.extended_checksum = acpi_checksum(&rsdp, sizeof(rsdp));
	if (guest_memory_write(mem, l->rsdp, &rsdp, sizeof(rsdp)) < 0)
		return error_set(err, "guest RAM too small for the ACPI RSDP at 0x%llx",
				 (unsigned long long)l->rsdp);
	return 0;
}

/* §5.2.8: the header, then 64-bit table addresses (unaligned: at offset 36). */
static int acpi_write_xsdt(struct guest_memory *mem, const struct acpi_layout *l,
			   struct error *err)
{
	uint8_t xsdt[ACPI_XSDT_SIZE(ACPI_XSDT_MAX_ENTRIES)];
	/* The tables present, in order: the FADT, the MADT, the MCFG. */
	uint64_t entries[ACPI_XSDT_MAX_ENTRIES];
	int n = 0;
	entries[n++] = l->fadt;
	if (l->madt)
		entries[n++] = l->madt;
	if (l->mcfg)
		entries[n++] = l->mcfg;
	size_t size = ACPI_XSDT_SIZE(l->xsdt_entries);
	acpi_header_init((struct acpi_header *)xsdt, "XSDT", size, ACPI_XSDT_REVISION);
	memcpy(xsdt + sizeof(struct acpi_header), entries,
	       (size_t)l->xsdt_entries * sizeof(uint64_t));
	return acpi_table_write(mem, l->xsdt, xsdt, err);
}

static struct acpi_gas acpi_gas_io8(uint16_t port)
{
	return (struct acpi_gas){ .space_id = ACPI_GAS_SYSTEM_IO, .bit_width = 8,
				  .access_size = ACPI_GAS_ACCESS_BYTE, .address = port };
}

/* §5.2.9: a hardware-reduced FADT (§4.1): none of the PM1/PM2/GPE/PM timer
 * blocks (all 0), no FACS; the sleep registers (§4.8.3.7) and the reset
 * register carry power-off and reset. */
static int acpi_write_fadt(struct guest_memory *mem, const struct acpi_layout *l,
			   struct error *err)
{
	struct acpi_fadt fadt = {
		.dsdt = (uint32_t)l->dsdt,
		.x_dsdt = l->dsdt,
		.sci_int = ACPI_SCI_IRQ,
		.century = ACPI_FADT_RTC_CENTURY,
		.iapc_boot_arch = ACPI_FADT_BOOT_8042 | ACPI_FADT_BOOT_NO_VGA,
		.flags = ACPI_FADT_HW_REDUCED | ACPI_FADT_RESET_REG_SUP,
		.reset_reg = acpi_gas_io8(LAYOUT_PORT_ACPI_RESET),
		.reset_value = ACPI_RESET_VALUE,
		.minor_version = ACPI_FADT_MINOR_REVISION,
		.sleep_control_reg = acpi_gas_io8(LAYOUT_PORT_ACPI_SLEEP_CONTROL),
		.sleep_status_reg = acpi_gas_io8(LAYOUT_PORT_ACPI_SLEEP_STATUS),
	};
	/* "MINIVMM" in the 8 bytes of Hypervisor Vendor Identity. */
	memcpy(&fadt.hypervisor_vendor_id, "MINIVMM", 8);
	acpi_header_init(&fadt.header, "FACP", sizeof(fadt), ACPI_FADT_REVISION);
	return acpi_table_write(mem, l->fadt, &fadt, err);
}

static size_t acpi_madt_size(int ncpus)
{
	return ACPI_MADT_FIXED_SIZE + (size_t)ncpus * sizeof(struct acpi_madt_lapic);
}

/* Appends one MADT entry at *pos. */
static void acpi_madt_add(uint8_t *madt, size_t *pos, const void *entry, size_t size)
{
	memcpy(madt + *pos, entry, size);
	*pos += size;
}

/* §5.2.12: the vCPUs' local APICs, KVM's IOAPIC and how the ISA IRQs reach
 * it, and the NMI wiring of LINT1 (vcpu_setup.c programs it so). */
static int acpi_write_madt(struct guest_memory *mem, const struct acpi_layout *l, int ncpus,
			   struct error *err)
{
	size_t size = acpi_madt_size(ncpus);
	uint8_t *madt = calloc(1, size);
	if (!madt)
		return error_set_host(err, "out of memory for the ACPI MADT (%zu bytes)", size);
	struct acpi_madt head = { .lapic_address = (uint32_t)LAYOUT_LAPIC,
				  .flags = ACPI_MADT_PCAT_COMPAT };
	acpi_header_init(&head.header, "APIC", size, ACPI_MADT_REVISION);
	size_t pos = 0;
	acpi_madt_add(madt, &pos, &head, sizeof(head));

	/* vCPU i has APIC ID i (vcpu_cpuid.c); the UID matches. */
	for (int i = 0; i < ncpus; i++) {
		struct acpi_madt_lapic lapic = {
			.type = ACPI_MADT_TYPE_LAPIC, .length = sizeof(lapic),
			.processor_uid = (uint8_t)i, .apic_id = (uint8_t)i,
			.flags = ACPI_MADT_LAPIC_ENABLED,
		};
		acpi_madt_add(madt, &pos, &lapic, sizeof(lapic));
	}
	struct acpi_madt_ioapic ioapic = {
		.type = ACPI_MADT_TYPE_IOAPIC, .length = sizeof(ioapic),
		.ioapic_id = 0, .address = (uint32_t)LAYOUT_IOAPIC, .gsi_base = 0,
	};
	acpi_madt_add(madt, &pos, &ioapic, sizeof(ioapic));
	/* ISA IRQs map 1:1 to GSIs unless overridden (§5.2.12.5): the PIT's
	 * IRQ 0 is on pin ACPI_ISA_IRQ0_GSI; the SCI's IRQ 9 is level,
	 * active high, as §5.2.9 SCI_INT describes (and QEMU announces). */
	struct acpi_madt_override overrides[ACPI_MADT_OVERRIDES] = {
		{ .type = ACPI_MADT_TYPE_OVERRIDE, .length = sizeof(overrides[0]), .bus = 0,
		  .source = 0, .gsi = ACPI_ISA_IRQ0_GSI, .flags = ACPI_MPS_CONFORMING },
		{ .type = ACPI_MADT_TYPE_OVERRIDE, .length = sizeof(overrides[0]), .bus = 0,
		  .source = ACPI_SCI_IRQ, .gsi = ACPI_SCI_IRQ,
		  .flags = ACPI_MPS_ACTIVE_HIGH | ACPI_MPS_LEVEL_TRIGGERED },
	};
	acpi_madt_add(madt, &pos, overrides, sizeof(overrides));
	struct acpi_madt_lapic_nmi nmi = {
		.type = ACPI_MADT_TYPE_LAPIC_NMI, .length = sizeof(nmi),
		.processor_uid = ACPI_MADT_ALL_PROCESSORS, .flags = ACPI_MPS_CONFORMING, .lint = 1,
	};
	acpi_madt_add(madt, &pos, &nmi, sizeof(nmi));

	int rc = pos == size ? acpi_table_write(mem, l->madt, madt, err)
			     : error_set(err, "ACPI MADT: %zu bytes written, %zu planned", pos, size);
	free(madt);
	return rc;
}

/* PCI Firmware spec 3.2 §4.1.2: the ECAM of segment 0, buses 0 to
 * LAYOUT_PCI_BUS_LAST, at LAYOUT_PCI_ECAM.  Linux trusts it only when the
 * range is reserved too, which e820_build does. */
static int acpi_write_mcfg(struct guest_memory *mem, const struct acpi_layout *l,
			   struct error *err)
{
	struct acpi_mcfg mcfg = {
		.allocation = {
			.base = LAYOUT_PCI_ECAM,
			.segment = 0,
			.start_bus = 0,
			.end_bus = LAYOUT_PCI_BUS_LAST,
		},
	};
	acpi_header_init(&mcfg.header, "MCFG", sizeof(mcfg), ACPI_MCFG_REVISION);
	return acpi_table_write(mem, l->mcfg, &mcfg, err);
}

/* §5.2.11.1: the header, then the definition block's AML.  dsdt holds the
 * whole table (header space included).  It is built before the tables are
 * placed because acpi_place needs its size; the DSDT is placed last, so
 * that size only decides whether the tables fit below LAYOUT_ACPI_END. */
static int acpi_dsdt_build(struct aml_buf *dsdt, bool pci, struct error *err)
{
	aml_buf_init(dsdt, LAYOUT_ACPI_END - LAYOUT_ACPI_TABLES, err);
	struct acpi_header header = { 0 };
	aml_bytes(dsdt, &header, sizeof(header));
	if (acpi_dsdt_aml(dsdt, pci) < 0)
		return -1;
	acpi_header_init((struct acpi_header *)dsdt->data, "DSDT", dsdt->len, ACPI_DSDT_REVISION);
	return 0;
}

int acpi_tables_build(struct guest_memory *mem, int ncpus, bool pci, uint64_t *rsdp_paddr,
		      struct error *err)
{
	return acpi_tables_build_madt(mem, ncpus, pci, true, rsdp_paddr, err);
}

int acpi_tables_build_madt(struct guest_memory *mem, int ncpus, bool pci, bool madt,
			   uint64_t *rsdp_paddr, struct error *err)
{
	if (ncpus < 1 || ncpus > ACPI_MAX_CPUS)
		return error_set(err, "ACPI tables: %d vCPUs, the MADT describes 1 to %d",
				 ncpus, ACPI_MAX_CPUS);
	struct aml_buf dsdt;
	if (acpi_dsdt_build(&dsdt, pci, err) < 0) {
		aml_buf_free(&dsdt);
		return -1;
	}

	struct acpi_layout l = { .next = LAYOUT_ACPI_TABLES, .xsdt_entries = 1 + madt + pci };
	int rc = -1;
	if (acpi_place(&l, &l.rsdp, sizeof(struct acpi_rsdp), "RSDP", err) < 0 ||
	    acpi_place(&l, &l.xsdt, ACPI_XSDT_SIZE(l.xsdt_entries), "XSDT", err) < 0 ||
	    acpi_place(&l, &l.fadt, sizeof(struct acpi_fadt), "FADT", err) < 0 ||
	    (madt && acpi_place(&l, &l.madt, acpi_madt_size(ncpus), "MADT", err) < 0) ||
	    (pci && acpi_place(&l, &l.mcfg, sizeof(struct acpi_mcfg), "MCFG", err) < 0) ||
	    acpi_place(&l, &l.dsdt, dsdt.len, "DSDT", err) < 0)
		goto out;
	if (acpi_write_rsdp(mem, &l, err) < 0 || acpi_write_xsdt(mem, &l, err) < 0 ||
	    acpi_write_fadt(mem, &l, err) < 0 ||
	    (madt && acpi_write_madt(mem, &l, ncpus, err) < 0) ||
	    (pci && acpi_write_mcfg(mem, &l, err) < 0) ||
	    acpi_table_write(mem, l.dsdt, dsdt.data, err) < 0)
		goto out;
	*rsdp_paddr = l.rsdp;
	rc = 0;
out:
	aml_buf_free(&dsdt);
	return rc;
}
