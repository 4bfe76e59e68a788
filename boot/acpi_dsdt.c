/* The DSDT's AML: the \_S5 sleep package the guest needs to power off
 * through the FADT's sleep control register, and under \_SB the devices
 * minivmm emulates (vmm/devices/), each with the resources layout.h gives
 * it.  In ASL (ACPI 6.4 chapter 19):
 *
 *	Name (\_S5, Package (4) { ACPI_SLEEP_TYPE_S5, ACPI_SLEEP_TYPE_S5, 0, 0 })
 *	Scope (\_SB) {
 *		Device (COM1) { _HID EisaId ("PNP0501"), _UID 1, _CRS { IO, IRQNoFlags } }
 *		Device (KBD_) { _HID EisaId ("PNP0303"), _CRS { IO data, IO command, IRQNoFlags } }
 *		Device (RTC_) { _HID EisaId ("PNP0B00"), _CRS { IO } }
 *		Device (PEVT) { _HID "QEMU0001", _STA 0x0F, _CRS { IO } }
 *		Device (FWCF) { _HID "QEMU0002", _STA 0x0B, _CRS { IO } }
 *		Device (PCI0) { _HID EisaId ("PNP0A08"), _CID EisaId ("PNP0A03"),
 *				_SEG 0, _UID 0, _BBN 0, _CRS { WordBusNumber,
 *				IO conf1, WordIO, WordIO, DWordMemory } }   (with pci)
 *	}
 *
 * To add a device: a row in acpi_dsdt_pc_devices when it has an EisaId
 * _HID, IO ranges and at most one IRQ; a call to acpi_dsdt_qemu_device
 * for a QEMU device; otherwise a function of its own. */
#include "boot/aml.h"
#include "boot/boot.h"

/* _STA (§6.3.7): present, enabled, shown in the UI, functioning. */
#define ACPI_DSDT_STA_PRESENT 0x0f
/* The same but not shown in the UI, as QEMU gives fw_cfg. */
#define ACPI_DSDT_STA_HIDDEN  0x0b

/* IO(Decode16, port, port, 1, len): a fixed range of ports. */
static void acpi_dsdt_io(struct aml_buf *b, uint16_t port, uint8_t len)
{
	aml_io_decode16(b, port, port, 1, len);
}

/* \_S5 (§7.4.2): SLP_TYPa, SLP_TYPb, reserved.  On a hardware-reduced
 * platform the guest writes SLP_TYPa into the sleep control register
 * (§4.8.3.7); vmm/devices/acpi_pm.c powers off on ACPI_SLEEP_TYPE_S5. */
static void acpi_dsdt_s5(struct aml_buf *b)
{
	aml_name(b, "\\_S5");
	struct aml_mark pkg = aml_package_begin(b, 4);
	aml_integer(b, ACPI_SLEEP_TYPE_S5);
	aml_integer(b, ACPI_SLEEP_TYPE_S5);
	aml_integer(b, 0);
	aml_integer(b, 0);
	aml_end(b, pkg);
}

/* The PC devices a table can describe: Device (name) with _HID EisaId,
 * an optional _UID, and a _CRS of fixed IO ranges and at most one ISA IRQ. */
#define ACPI_DSDT_NONE (-1)
#define ACPI_DSDT_MAX_IO 2

struct acpi_dsdt_pc_device {
	const char *name;
	const char *eisaid;
	int uid;                        /* _UID, or ACPI_DSDT_NONE */
	struct {
		uint16_t port;
		uint8_t len;            /* 0: no more ranges */
	} io[ACPI_DSDT_MAX_IO];
	int irq;                        /* ISA IRQ, or ACPI_DSDT_NONE */
};

static const struct acpi_dsdt_pc_device acpi_dsdt_pc_devices[] = {
	/* The 16550 UART COM1 (PNP0501, "16550A-compatible COM port"). */
	{ .name = "COM1", .eisaid = "PNP0501", .uid = 1,
	  .io = { { LAYOUT_PORT_COM1, LAYOUT_PORT_COM1_LEN } },
	  .irq = LAYOUT_IRQ_COM1 },
	/* The i8042 keyboard controller (PNP0303): Linux's i8042 driver takes
	 * the data port from the first IO range and the command port from the
	 * second. */
	{ .name = "KBD", .eisaid = "PNP0303", .uid = ACPI_DSDT_NONE,
	  .io = { { LAYOUT_PORT_I8042_DATA, 1 }, { LAYOUT_PORT_I8042_COMMAND, 1 } },
	  .irq = LAYOUT_IRQ_I8042_KBD },
	/* The MC146818 RTC and CMOS (PNP0B00, "AT real-time clock").  No IRQ:
	 * vmm/devices/rtc.c raises none.  Linux's rtc-cmos then falls back to
	 * IRQ 8 only with a legacy PIC, which a hardware-reduced platform
	 * has not (nr_legacy_irqs() is 0), so it runs without alarms. */
	{ .name = "RTC", .eisaid = "PNP0B00", .uid = ACPI_DSDT_NONE,
	  .io = { { LAYOUT_PORT_RTC, LAYOUT_PORT_RTC_LEN } },
	  .irq = ACPI_DSDT_NONE },
};

static void acpi_dsdt_pc_device(struct aml_buf *b, const struct acpi_dsdt_pc_device *d)
{
	struct aml_mark dev = aml_device_begin(b, d->name);
	aml_name(b, "_HID");
	aml_eisaid(b, d->eisaid);
	if (d->uid != ACPI_DSDT_NONE) {
		aml_name(b, "_UID");
		aml_integer(b, (uint64_t)d->uid);
	}
	aml_name(b, "_CRS");
	struct aml_mark crs = aml_resource_template_begin(b);
	for (int i = 0; i < ACPI_DSDT_MAX_IO && d->io[i].len; i++)
		acpi_dsdt_io(b, d->io[i].port, d->io[i].len);
	if (d->irq != ACPI_DSDT_NONE)
		aml_irq_no_flags(b, (unsigned)d->irq);
	aml_end(b, crs);
	aml_end(b, dev);
}

/* QEMU's own devices: a string _HID (no EISA id), _STA, and one IO range. */
static void acpi_dsdt_qemu_device(struct aml_buf *b, const char *name, const char *hid,
				  unsigned sta, uint16_t port, uint8_t len)
{
	struct aml_mark dev = aml_device_begin(b, name);
	aml_name(b, "_HID");
	aml_string(b, hid);
	aml_name(b, "_STA");
	aml_integer(b, sta);
	aml_name(b, "_CRS");
	struct aml_mark crs = aml_resource_template_begin(b);
	acpi_dsdt_io(b, port, len);
	aml_end(b, crs);
	aml_end(b, dev);
}

/* The PCI host bridge (vmm/pci/) as the root of segment 0: the ACPI
 * namespace is how an OS finds a root bridge (PCI Firmware spec 3.2
 * chapter 4); the MCFG (acpi_tables.c) gives its ECAM.  PNP0A08 is a PCI
 * Express root bridge, with PNP0A03, the PCI root bridge, as its _CID
 * (§6.1.2) for OSes that match only that (Linux's ACPI PCI root driver
 * binds PNP0A03).  _SEG (§6.5.6) and _BBN (§6.5.5) say segment 0, bus 0.
 * _CRS (§6.2.2) gives the resources the bridge decodes:
 *   - the bus numbers below it, 0..LAYOUT_PCI_BUS_LAST, as the MCFG;
 *   - the conf1 ports it consumes itself, a plain IO descriptor;
 *   - the I/O ports it forwards: all but the conf1 ports, in two windows;
 *   - the 32-bit memory window where BARs live.
 * No _OSC: Linux then keeps native PCIe hot-plug, AER and PME off, which
 * a bridge with none of them does not miss.  No _PRT: devices interrupt
 * through MSI-X only. */
static void acpi_dsdt_pci_root(struct aml_buf *b)
{
	struct aml_mark dev = aml_device_begin(b, "PCI0");
	aml_name(b, "_HID");
	aml_eisaid(b, "PNP0A08");
	aml_name(b, "_CID");
	aml_eisaid(b, "PNP0A03");
	aml_name(b, "_SEG");
	aml_integer(b, 0);
	aml_name(b, "_UID");
	aml_integer(b, 0);
	aml_name(b, "_BBN");
	aml_integer(b, 0);
	aml_name(b, "_CRS");
	struct aml_mark crs = aml_resource_template_begin(b);
	aml_word_bus_number(b, AML_RESOURCE_PRODUCER, 0, LAYOUT_PCI_BUS_LAST);
	acpi_dsdt_io(b, LAYOUT_PORT_PCI_CONFIG, LAYOUT_PORT_PCI_CONFIG_LEN);
	aml_word_io(b, AML_RESOURCE_PRODUCER, 0, LAYOUT_PORT_PCI_CONFIG - 1);
	aml_word_io(b, AML_RESOURCE_PRODUCER, LAYOUT_PORT_PCI_CONFIG + LAYOUT_PORT_PCI_CONFIG_LEN,
		    0xffff);
	aml_dword_memory(b, AML_RESOURCE_PRODUCER, (uint32_t)LAYOUT_PCI_MMIO_START,
			 (uint32_t)(LAYOUT_PCI_MMIO_END - 1));
	aml_end(b, crs);
	aml_end(b, dev);
}

_Static_assert(LAYOUT_PCI_MMIO_START < LAYOUT_PCI_MMIO_END &&
	       LAYOUT_PCI_MMIO_END <= 0x100000000ULL,
	       "the PCI memory window fits a DWordMemory descriptor");
_Static_assert(LAYOUT_PCI_BUS_LAST <= 0xff, "PCI bus numbers are 8 bits");

int acpi_dsdt_aml(struct aml_buf *b, bool pci)
{
	acpi_dsdt_s5(b);
	/* §5.3.1: \_SB holds the system's devices. */
	struct aml_mark sb = aml_scope_begin(b, "\\_SB");
	for (size_t i = 0; i < sizeof(acpi_dsdt_pc_devices) / sizeof(acpi_dsdt_pc_devices[0]); i++)
		acpi_dsdt_pc_device(b, &acpi_dsdt_pc_devices[i]);
	/* pvpanic: Linux's pvpanic-mmio driver binds "QEMU0001" and takes
	 * its port from _CRS (QEMU hw/misc/pvpanic-isa.c). */
	acpi_dsdt_qemu_device(b, "PEVT", "QEMU0001", ACPI_DSDT_STA_PRESENT, LAYOUT_PORT_PVPANIC, 1);
	/* fw_cfg with DMA as QEMU's fw_cfg_add_acpi_dsdt writes it (QEMU
	 * hw/i386/fw_cfg.c): qemu_fw_cfg binds "QEMU0002" and finds the
	 * selector, data and DMA registers at offsets 0, 1 and 4 of the range
	 * (Linux drivers/firmware/qemu_fw_cfg.c).  Debian's kernel has no other
	 * way to find it. */
	acpi_dsdt_qemu_device(b, "FWCF", "QEMU0002", ACPI_DSDT_STA_HIDDEN, LAYOUT_PORT_FW_CFG,
			      LAYOUT_PORT_FW_CFG_LEN);
	if (pci)
		acpi_dsdt_pci_root(b);
	aml_end(b, sb);
	return aml_buf_status(b);
}
