/* The flattened device tree minivmm describes its machine with (--dtb),
 * written with libfdt's sequential-write functions.  Node by node it
 * follows the Devicetree Specification v0.4 (chapter 3, "Device Node
 * Requirements") and the bindings Linux's x86 code reads
 * (Documentation/devicetree/bindings/x86/ce4100.txt and
 * interrupt-controller/intel,ce4100-ioapic.txt):
 *
 *   /                 #address-cells 2, #size-cells 2
 *   /chosen           bootargs, linux,initrd-start/-end, stdout-path
 *   /memory@0         reg: every RAM range of the e820 map
 *   /cpus/cpu@N       reg = local APIC ID (= vCPU index)
 *   /interrupt-controller@fee00000   intel,ce4100-lapic
 *   /interrupt-controller@fec00000   intel,ce4100-ioapic, #interrupt-cells 2
 *   /isa@3f8/serial@i3f8  ns16550a at I/O port 0x3f8, ISA IRQ 4 on IOAPIC pin 4
 *   /pci@e0000000     the ECAM host bridge (with PCI only)
 *
 * Linux 6.1 on x86 (arch/x86/kernel/devicetree.c) takes the CPUs, the LAPIC
 * and the IOAPIC from it; /chosen and /memory it shows in /proc/device-tree
 * but does not use: the command line and initrd come from boot_params. */
#include <inttypes.h>
#include <string.h>

#include <libfdt.h>

#include "boot/boot.h"

#define DTB_UART_CLOCK 1843200  /* the PC UART's 1.8432 MHz crystal: 115200 x 16 */
#define DTB_PHANDLE_IOAPIC 1
#define DTB_ISA_SPACE_IO 1        /* IEEE 1275 ISA binding: address cell 0, 1 = I/O */
#define DTB_APIC_REG_SIZE 0x1000
/* intel,ce4100-ioapic.txt gives sense 0 as "Edge Rising", but Linux's
 * of_ioapic_type[] (arch/x86/kernel/devicetree.c, which is what reads it)
 * maps 3 to IRQ_TYPE_EDGE_RISING, active high: the ISA UART's edge. */
#define DTB_IOAPIC_SENSE_EDGE_RISING 3

/* Sequential writes: the first failure sticks in rc, so a node is a run of
 * calls and one check at the end. */
struct dtb_writer {
	void *fdt;
	int rc;
};

static void dtb_call(struct dtb_writer *w, int rc)
{
	if (w->rc == 0 && rc < 0)
		w->rc = rc;
}

/* A property of n big-endian cells (the longest here is the PCI ranges
 * entry, 7). */
#define DTB_MAX_CELLS 8
static void dtb_cells(struct dtb_writer *w, const char *name, const uint32_t *cells, size_t n)
{
	fdt32_t be[DTB_MAX_CELLS];
	if (n > DTB_MAX_CELLS) {
		dtb_call(w, -FDT_ERR_INTERNAL);
		return;
	}
	for (size_t i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	dtb_call(w, fdt_property(w->fdt, name, be, (int)(n * sizeof(fdt32_t))));
}

/* /memory@0: the e820 map's RAM ranges, one (address, size) pair of two
 * cells each (Devicetree spec 3.4). */
static void dtb_memory(struct dtb_writer *w, const struct dtb_machine *m, struct error *err)
{
	struct boot_e820_entry e820[E820_MAX_ENTRIES_ZEROPAGE];
	int n = e820_build(m->mem, e820, E820_MAX_ENTRIES_ZEROPAGE, err);
	if (n < 0) {
		w->rc = -FDT_ERR_BADVALUE;
		return;
	}
	fdt64_t reg[2 * E820_MAX_ENTRIES_ZEROPAGE];
	int nreg = 0;
	for (int i = 0; i < n; i++) {
		if (e820[i].type != E820_TYPE_RAM)
			continue;
		reg[nreg++] = cpu_to_fdt64(e820[i].addr);
		reg[nreg++] = cpu_to_fdt64(e820[i].size);
	}
	char name[32];
	snprintf(name, sizeof(name), "memory@%" PRIx64, nreg ? fdt64_to_cpu(reg[0]) : 0);
	dtb_call(w, fdt_begin_node(w->fdt, name));
	dtb_call(w, fdt_property_string(w->fdt, "device_type", "memory"));
	dtb_call(w, fdt_property(w->fdt, "reg", reg, nreg * (int)sizeof(fdt64_t)));
	dtb_call(w, fdt_end_node(w->fdt));
}

/* /cpus (spec 3.7, ce4100.txt "The CPU nodes"): reg is the local APIC ID,
 * which minivmm makes the vCPU index. */
static void dtb_cpus(struct dtb_writer *w, int ncpus)
{
	dtb_call(w, fdt_begin_node(w->fdt, "cpus"));
	dtb_call(w, fdt_property_u32(w->fdt, "#address-cells", 1));
	dtb_call(w, fdt_property_u32(w->fdt, "#size-cells", 0));
	for (int i = 0; i < ncpus; i++) {
		char name[16];
		snprintf(name, sizeof(name), "cpu@%x", i);
		dtb_call(w, fdt_begin_node(w->fdt, name));
		dtb_call(w, fdt_property_string(w->fdt, "device_type", "cpu"));
		dtb_call(w, fdt_property_u32(w->fdt, "reg", (uint32_t)i));
		dtb_call(w, fdt_end_node(w->fdt));
	}
	dtb_call(w, fdt_end_node(w->fdt));
}

static void dtb_reg64(struct dtb_writer *w, uint64_t addr, uint64_t size)
{
	fdt64_t reg[2] = { cpu_to_fdt64(addr), cpu_to_fdt64(size) };
	dtb_call(w, fdt_property(w->fdt, "reg", reg, sizeof(reg)));
}

/* The local APIC (ce4100.txt; Linux takes its base from reg) and KVM's
 * in-kernel IOAPIC (intel,ce4100-ioapic.txt), the interrupt parent of the
 * UART.  An interrupt controller also states #address-cells (spec 2.4.2.1
 * interrupt-map needs it of a parent; dtc checks it). */
static void dtb_apics(struct dtb_writer *w)
{
	char name[48];
	snprintf(name, sizeof(name), "interrupt-controller@%llx", LAYOUT_LAPIC);
	dtb_call(w, fdt_begin_node(w->fdt, name));
	dtb_call(w, fdt_property_string(w->fdt, "compatible", "intel,ce4100-lapic"));
	dtb_reg64(w, LAYOUT_LAPIC, DTB_APIC_REG_SIZE);
	dtb_call(w, fdt_end_node(w->fdt));

	snprintf(name, sizeof(name), "interrupt-controller@%llx", LAYOUT_IOAPIC);
	dtb_call(w, fdt_begin_node(w->fdt, name));
	dtb_call(w, fdt_property_string(w->fdt, "compatible", "intel,ce4100-ioapic"));
	dtb_reg64(w, LAYOUT_IOAPIC, DTB_APIC_REG_SIZE);
	dtb_call(w, fdt_property(w->fdt, "interrupt-controller", NULL, 0));
	dtb_call(w, fdt_property_u32(w->fdt, "#interrupt-cells", 2));
	dtb_call(w, fdt_property_u32(w->fdt, "#address-cells", 0));
	dtb_call(w, fdt_property_u32(w->fdt, "phandle", DTB_PHANDLE_IOAPIC));
	dtb_call(w, fdt_end_node(w->fdt));
}

/* The 8250 at COM1, on an ISA bus node (IEEE 1275 ISA binding: device_type
 * "isa", addresses of two cells, space 1 = I/O, then the port; unit
 * addresses "i3f8").  compatible "isa" makes Linux's x86 code
 * (arch/x86/kernel/devicetree.c add_bus_probe) create a platform device for
 * the UART, whose interrupt it maps through the IOAPIC's domain: with a tree
 * that domain is dynamic and maps no ISA IRQ by number, so the legacy 8250
 * driver's port at IRQ 4 cannot request its interrupt (writes to ttyS0 fail
 * with EIO), and a kernel with CONFIG_SERIAL_OF_PLATFORM takes the port over
 * with the mapped one.  The UART's ports map 1:1 onto the root's addresses
 * (ranges: child I/O 0x3f8, parent 0x3f8, size 8): Linux translates an ISA
 * I/O address only through ranges (drivers/of/address.c,
 * of_translate_ioport), and on x86 the result is the port number.  The
 * node's unit address is that parent address, 0x3f8: a node with ranges
 * needs one (dtc's unit_address_vs_reg), and 0 would be /memory@0's
 * (unique_unit_address).  ns16550a
 * properties: the 8250 binding
 * (Documentation/devicetree/bindings/serial/8250.yaml). */
static void dtb_serial(struct dtb_writer *w)
{
	char name[32];
	snprintf(name, sizeof(name), "isa@%x", LAYOUT_PORT_COM1);
	dtb_call(w, fdt_begin_node(w->fdt, name));
	dtb_call(w, fdt_property_string(w->fdt, "compatible", "isa"));
	dtb_call(w, fdt_property_string(w->fdt, "device_type", "isa"));
	dtb_call(w, fdt_property_u32(w->fdt, "#address-cells", 2));
	dtb_call(w, fdt_property_u32(w->fdt, "#size-cells", 1));
	dtb_cells(w, "ranges", (const uint32_t[]){ DTB_ISA_SPACE_IO, LAYOUT_PORT_COM1,
						  0, LAYOUT_PORT_COM1, LAYOUT_PORT_COM1_LEN }, 5);
	snprintf(name, sizeof(name), "serial@i%x", LAYOUT_PORT_COM1);
	dtb_call(w, fdt_begin_node(w->fdt, name));
	dtb_call(w, fdt_property_string(w->fdt, "compatible", "ns16550a"));
	dtb_cells(w, "reg", (const uint32_t[]){ DTB_ISA_SPACE_IO, LAYOUT_PORT_COM1, LAYOUT_PORT_COM1_LEN }, 3);
	dtb_call(w, fdt_property_u32(w->fdt, "reg-shift", 0));
	dtb_call(w, fdt_property_u32(w->fdt, "clock-frequency", DTB_UART_CLOCK));
	dtb_call(w, fdt_property_u32(w->fdt, "interrupt-parent", DTB_PHANDLE_IOAPIC));
	dtb_cells(w, "interrupts",
		  (const uint32_t[]){ LAYOUT_IRQ_COM1, DTB_IOAPIC_SENSE_EDGE_RISING }, 2);
	dtb_call(w, fdt_end_node(w->fdt));
	dtb_call(w, fdt_end_node(w->fdt));
}

/* The PCI host bridge as the generic ECAM binding describes one
 * (Documentation/devicetree/bindings/pci/host-generic-pci.yaml, PCI Bus
 * Binding to IEEE 1275 for the three-cell addresses): config space at
 * LAYOUT_PCI_ECAM, buses 0-LAYOUT_PCI_BUS_LAST, the 32-bit memory window
 * minivmm assigns BARs from, mapped 1:1.  No I/O range: minivmm's devices
 * have memory BARs only, and x86 ports are no CPU memory addresses.
 * device_type "pci" with bus-range is what Linux's x86 code matches a PCI
 * bus to its node by (pcibios_get_phb_of_node). */
#define DTB_PCI_SPACE_MEM32 0x02000000U  /* phys.hi: ss = 10, 32-bit memory */
static void dtb_pci(struct dtb_writer *w)
{
	char name[32];
	snprintf(name, sizeof(name), "pci@%llx", LAYOUT_PCI_ECAM);
	dtb_call(w, fdt_begin_node(w->fdt, name));
	dtb_call(w, fdt_property_string(w->fdt, "compatible", "pci-host-ecam-generic"));
	dtb_call(w, fdt_property_string(w->fdt, "device_type", "pci"));
	dtb_call(w, fdt_property_u32(w->fdt, "#address-cells", 3));
	dtb_call(w, fdt_property_u32(w->fdt, "#size-cells", 2));
	dtb_reg64(w, LAYOUT_PCI_ECAM, LAYOUT_PCI_ECAM_SIZE);
	dtb_cells(w, "bus-range", (const uint32_t[]){ 0, LAYOUT_PCI_BUS_LAST }, 2);
	uint64_t size = LAYOUT_PCI_MMIO_END - LAYOUT_PCI_MMIO_START;
	dtb_cells(w, "ranges", (const uint32_t[]){
		DTB_PCI_SPACE_MEM32, (uint32_t)(LAYOUT_PCI_MMIO_START >> 32),
		(uint32_t)LAYOUT_PCI_MMIO_START,                               /* PCI address */
		(uint32_t)(LAYOUT_PCI_MMIO_START >> 32), (uint32_t)LAYOUT_PCI_MMIO_START, /* CPU */
		(uint32_t)(size >> 32), (uint32_t)size,
	}, 7);
	dtb_call(w, fdt_end_node(w->fdt));
}

int dtb_build(const struct dtb_machine *m, void *buf, size_t bufsize, struct error *err)
{
	if (m->ncpus < 1 || m->ncpus > ACPI_MAX_CPUS)
		return error_set(err, "device tree: %d vCPUs, xAPIC IDs allow 1 to %d", m->ncpus,
				 ACPI_MAX_CPUS);
	struct dtb_writer w = { .fdt = buf, .rc = 0 };
	struct error inner = { 0 };
	dtb_call(&w, fdt_create(buf, (int)bufsize));
	dtb_call(&w, fdt_finish_reservemap(buf));
	dtb_call(&w, fdt_begin_node(buf, ""));
	dtb_call(&w, fdt_property_u32(buf, "#address-cells", 2));
	dtb_call(&w, fdt_property_u32(buf, "#size-cells", 2));
	dtb_call(&w, fdt_property_string(buf, "compatible", "minivmm,pc"));
	dtb_call(&w, fdt_property_string(buf, "model", "minivmm"));
	/* /chosen: the console here; dtb_chosen_fill writes the rest, for a
	 * user's tree too.  stdout-path is a path (spec 3.6). */
	char stdout_path[32];
	snprintf(stdout_path, sizeof(stdout_path), "/isa@%x/serial@i%x", LAYOUT_PORT_COM1,
		 LAYOUT_PORT_COM1);
	dtb_call(&w, fdt_begin_node(buf, "chosen"));
	dtb_call(&w, fdt_property_string(buf, "stdout-path", stdout_path));
	dtb_call(&w, fdt_end_node(buf));
	dtb_memory(&w, m, &inner);
	if (inner.msg[0])
		return error_set_as(err, inner.kind, "device tree: %s", inner.msg);
	dtb_cpus(&w, m->ncpus);
	dtb_apics(&w);
	dtb_serial(&w);
	if (m->pci)
		dtb_pci(&w);
	dtb_call(&w, fdt_end_node(buf));
	dtb_call(&w, fdt_finish(buf));
	if (w.rc < 0)
		return error_set(err, "device tree: %s (room for %zu bytes)", fdt_strerror(w.rc),
				 bufsize);
	/* From here on a read-write tree (libfdt.h: sequential-write trees
	 * must be opened first). */
	int rc = fdt_open_into(buf, buf, (int)bufsize);
	if (rc < 0)
		return error_set(err, "device tree: %s", fdt_strerror(rc));
	return dtb_chosen_fill(buf, m, err);
}
