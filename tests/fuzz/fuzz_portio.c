/* libFuzzer target: the guest's port I/O, dispatched over the io bus as
 * vcpu_io_exit does for KVM_EXIT_IO, to every device minivmm puts on it,
 * wired as vmm/machine.c wires them: the 8250 at 0x3f8, the i8042 at
 * 0x60/0x64, the RTC and CMOS at 0x70, the debug exit at 0xf4, pvpanic
 * at 0x505, fw_cfg (with DMA into a fake guest RAM) at 0x510, the ACPI PM
 * registers at 0x600 and PCI conf1 at 0xcf8.  No KVM: the 8250's
 * interrupt line and output are callbacks, the stop is an eventfd.
 *
 * Input: the first FUZZ_PORTIO_RAM_FILL bytes (or all, if shorter) are the
 * start of guest RAM (where DMA descriptors and buffers go), then
 * FUZZ_PORTIO_OP-byte operations
 *   { port le16, flags, value le32 }
 * flags bits 0-1: size 1, 2, 4, 4; bit 2: write (OUT); bits 3-5: count - 1,
 * a string instruction's repeat (KVM_EXIT_IO's count, each access with the
 * same bytes as `rep outs` of one value would give); bit 6: a write KVM
 * keeps in its coalesced ring (api.rst 4.116 KVM_REGISTER_COALESCED_MMIO,
 * as machine.c asks for the 8250's THR) instead of exiting, drained with
 * io_bus_drain_coalesced before the next exit, as the vCPU loop does.
 *
 * Built as fuzz_fw_cfg with FUZZ_PORTIO_FW_CFG_ONLY: the port is then
 * 0x510 + port % 12, every operation reaching fw_cfg.
 * Only the sanitizers and a guard around RAM judge.  See tests/fuzz/fuzz.mk. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/layout.h"
#include "common/byteorder.h"
#include "vmm/devices/acpi_pm.h"
#include "vmm/devices/debug_exit.h"
#include "vmm/devices/fw_cfg.h"
#include "vmm/devices/i8042.h"
#include "vmm/devices/pvpanic.h"
#include "vmm/devices/rtc.h"
#include "vmm/devices/serial.h"
#include "vmm/io_bus.h"
#include "vmm/pci/pci.h"
#include "vmm/stop.h"
#include "tests/fuzz/fuzz_portio.h"

#include <linux/kvm.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_PORTIO_RAM   (64 * 1024)
#define FUZZ_PORTIO_GUARD 4096

static void fuzz_portio_irq(void *opaque, int level)
{
	(void)opaque, (void)level;
}

static void fuzz_portio_output(void *opaque, uint8_t byte)
{
	(void)opaque, (void)byte;
}

static void fuzz_portio_tx_wait(void *opaque, bool may_wait)
{
	(void)opaque, (void)may_wait;
}

static int64_t fuzz_portio_now(void)
{
	return 1765000000;   /* a fixed time: the same input, the same run */
}

/* KVM's side of the coalesced ring: appends a port write at last. */
static void fuzz_portio_coalesce(struct io_bus *bus, uint16_t port, const uint8_t *v,
				 uint32_t len)
{
	struct kvm_coalesced_mmio_ring *ring = bus->ring;
	uint32_t next = (ring->last + 1) % bus->ring_entries;
	if (next == ring->first)
		io_bus_drain_coalesced(bus);   /* full: KVM would exit */
	struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[ring->last];
	*e = (struct kvm_coalesced_mmio){ .phys_addr = port, .len = len, .pio = 1 };
	memcpy(e->data, v, len);
	ring->last = (ring->last + 1) % bus->ring_entries;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static union {
		struct kvm_coalesced_mmio_ring ring;
		uint8_t page[4096];
	} ring;
	static uint8_t *map;
	static FILE *devnull;
	if (!map) {
		map = malloc(FUZZ_PORTIO_RAM + 2 * FUZZ_PORTIO_GUARD);
		devnull = fopen("/dev/null", "w");
		if (!map || !devnull)
			__builtin_trap();
		memset(map, 0x5a, FUZZ_PORTIO_RAM + 2 * FUZZ_PORTIO_GUARD);
	}
	uint8_t *ram = map + FUZZ_PORTIO_GUARD;
	size_t fill = size < FUZZ_PORTIO_RAM_FILL ? size : FUZZ_PORTIO_RAM_FILL;
	memset(ram, 0, FUZZ_PORTIO_RAM);
	memcpy(ram, data, fill);
	data += fill;
	size -= fill;

	struct guest_memory mem;
	if (guest_memory_init(&mem, ram, FUZZ_PORTIO_RAM, LAYOUT_MMIO_HOLE_START,
			      LAYOUT_MMIO_HOLE_END, NULL) < 0)
		__builtin_trap();
	struct vm_stop stop;
	if (vm_stop_init(&stop) < 0)
		__builtin_trap();
	struct serial serial;
	struct i8042 i8042;
	struct rtc rtc;
	struct pvpanic pvpanic;
	struct acpi_pm acpi_pm;
	struct fw_cfg fw;
	struct pci_bus pci;
	serial_init(&serial, fuzz_portio_irq, fuzz_portio_output, NULL);
	serial.tx_wait = fuzz_portio_tx_wait;
	serial_receive(&serial, (const uint8_t *)"root\n", 5);
	i8042_init(&i8042, &stop);
	rtc_init(&rtc);
	rtc.now = fuzz_portio_now;
	pvpanic_init(&pvpanic, &stop);
	pvpanic.log = devnull;
	acpi_pm_init(&acpi_pm, &stop);
	acpi_pm.log = devnull;
	fw_cfg_init(&fw, &mem, FUZZ_PORTIO_RAM, 2);
	fw.log = devnull;
	fw.verbose = true;
	static const char cmdline[] = "console=ttyS0 quiet";
	if (fw_cfg_add_vmcoreinfo(&fw, NULL) < 0 ||
	    fw_cfg_add_file(&fw, "opt/minivmm/cmdline", cmdline, sizeof(cmdline), false, NULL) < 0 ||
	    fw_cfg_add_file(&fw, "opt/empty", "", 0, false, NULL) < 0)
		__builtin_trap();
	pci_bus_init(&pci);

	struct io_bus bus;
	io_bus_init(&bus, IO_BUS_PORTS_END);
	bus.verbose = false;
	memset(&ring, 0, sizeof(ring));
	bus.ring = &ring.ring;
	bus.ring_entries = (sizeof(ring) - sizeof(ring.ring)) / sizeof(ring.ring.coalesced_mmio[0]);
	if (io_bus_add(&bus, LAYOUT_PORT_COM1, SERIAL_PORTS, serial_io, &serial, "serial") < 0 ||
	    io_bus_add(&bus, LAYOUT_PORT_I8042_DATA, 1, i8042_data_io, &i8042, "i8042") < 0 ||
	    io_bus_add(&bus, LAYOUT_PORT_I8042_COMMAND, 1, i8042_command_io, &i8042, "i8042") < 0 ||
	    io_bus_add(&bus, LAYOUT_PORT_RTC, RTC_PORTS, rtc_io, &rtc, "rtc") < 0 ||
	    io_bus_add(&bus, LAYOUT_PORT_PVPANIC, PVPANIC_PORTS, pvpanic_io, &pvpanic, "pvpanic") < 0 ||
	    io_bus_add(&bus, LAYOUT_PORT_ACPI_PM, LAYOUT_PORT_ACPI_PM_LEN, acpi_pm_io, &acpi_pm,
		       "acpi-pm") < 0 ||
	    io_bus_add(&bus, LAYOUT_PORT_FW_CFG, LAYOUT_PORT_FW_CFG_LEN, fw_cfg_io, &fw, "fw_cfg") < 0 ||
	    io_bus_add(&bus, LAYOUT_PORT_DEBUG_EXIT, LAYOUT_PORT_DEBUG_EXIT_LEN, debug_exit_io, &stop,
		       "debug-exit") < 0 ||
	    io_bus_add(&bus, LAYOUT_PORT_PCI_CONFIG, LAYOUT_PORT_PCI_CONFIG_LEN, pci_conf1_io, &pci,
		       "pci") < 0)
		__builtin_trap();

	for (; size >= FUZZ_PORTIO_OP; data += FUZZ_PORTIO_OP, size -= FUZZ_PORTIO_OP) {
		uint16_t port = (uint16_t)le_get(data, 2);
		uint8_t flags = data[2];
		uint32_t len = (flags & 3) == 0 ? 1 : (flags & 3) == 1 ? 2 : 4;
		bool is_write = flags & FUZZ_PORTIO_WRITE;
		unsigned count = 1 + ((flags >> 3) & 7);
#ifdef FUZZ_PORTIO_FW_CFG_ONLY
		port = (uint16_t)(LAYOUT_PORT_FW_CFG + port % LAYOUT_PORT_FW_CFG_LEN);
#endif
		for (unsigned i = 0; i < count; i++) {
			uint8_t v[4];
			memcpy(v, data + 3, 4);
			if (is_write && (flags & FUZZ_PORTIO_COALESCED)) {
				fuzz_portio_coalesce(&bus, port, v, len);
			} else {
				io_bus_drain_coalesced(&bus);
				io_bus_access(&bus, port, is_write, v, len);
			}
		}
	}
	io_bus_drain_coalesced(&bus);
	if (ring.ring.first != ring.ring.last)
		__builtin_trap();

	io_bus_destroy(&bus);
	fw_cfg_destroy(&fw);
	serial_destroy(&serial);
	vm_stop_destroy(&stop);
	for (size_t i = 0; i < FUZZ_PORTIO_GUARD; i++)
		if (map[i] != 0x5a || map[FUZZ_PORTIO_GUARD + FUZZ_PORTIO_RAM + i] != 0x5a)
			__builtin_trap();
	return 0;
}
