/* The guest-physical layout: every fixed address minivmm uses, in one place.
 * Low addresses follow Firecracker's well-trodden x86_64 layout so that what
 * works for its users works here. */
#ifndef MINIVMM_BOOT_LAYOUT_H
#define MINIVMM_BOOT_LAYOUT_H

#define LAYOUT_GDT            0x500ULL    /* null, null, code64, data, 16-byte TSS, code32: 0x38 bytes */
#define LAYOUT_IDT            0x540ULL    /* empty IDT, limit 0: any fault shuts down */
#define LAYOUT_PVH_START_INFO 0x6000ULL   /* struct hvm_start_info (56 bytes) ... */
#define LAYOUT_PVH_MODLIST    0x6040ULL   /* ... one module entry: the initrd ... */
#define LAYOUT_PVH_MEMMAP     0x6080ULL   /* ... the memory map, up to the zero page */
#define LAYOUT_ZERO_PAGE      0x7000ULL   /* struct boot_params, 4 KiB */
#define LAYOUT_BOOT_STACK     0x8ff0ULL   /* initial RSP/RBP */
#define LAYOUT_PML4           0x9000ULL   /* identity page tables: PML4 ... */
#define LAYOUT_PDPT           0xa000ULL   /* ... one PDPT ... */
#define LAYOUT_PD             0xb000ULL   /* ... four PDs of 2 MiB pages: 4 GiB */
#define LAYOUT_PD_COUNT       4
#define LAYOUT_CMDLINE        0x20000ULL  /* kernel command line */
#define LAYOUT_CMDLINE_MAX    0x10000ULL  /* bytes reserved for it, NUL included */
#define LAYOUT_EBDA_START     0x9fc00ULL  /* e820: RAM below, reserved above */
#define LAYOUT_VGA_START      0xa0000ULL  /* legacy VGA/ROM hole ... */
#define LAYOUT_HIGH_MEMORY    0x100000ULL /* ... up to 1 MiB, where RAM resumes */
#define LAYOUT_BIOS_START     0xe0000ULL  /* e820-reserved BIOS area, up to 1 MiB */
/* ACPI tables, RSDP first: the RSDP must lie on a 16-byte boundary in the
 * BIOS read-only area 0xE0000-0xFFFFF for the legacy scan to find it (ACPI
 * 6.4 §5.2.5.1); boot_params.acpi_rsdp_addr and PVH's rsdp_paddr point here
 * too.  The tables follow it, up to LAYOUT_ACPI_END. */
#define LAYOUT_ACPI_TABLES    0xe0000ULL
#define LAYOUT_ACPI_END       0xf0000ULL
/* The flattened device tree (--dtb), as a SETUP_DTB node of boot_params'
 * setup_data list (boot.rst "Details of Header Fields", setup_data): the
 * 16-byte struct setup_data, then the blob.  It lies in the e820-reserved
 * BIOS area after the ACPI tables, so the guest's memory map is the same
 * with and without a tree; Linux reserves every setup_data node anyway. */
#define LAYOUT_DTB            0xf0000ULL
#define LAYOUT_DTB_END        0x100000ULL

/* 32-bit MMIO hole [3 GiB, 4 GiB): IOAPIC, LAPIC, KVM's TSS and identity map
 * live here; RAM beyond 3 GiB continues at 4 GiB (as QEMU microvm and
 * Firecracker do). */
#define LAYOUT_MMIO_HOLE_START 0xc0000000ULL
#define LAYOUT_MMIO_HOLE_END   0x100000000ULL
#define LAYOUT_IOAPIC          0xfec00000ULL /* KVM's in-kernel IOAPIC (MADT) */
#define LAYOUT_LAPIC           0xfee00000ULL /* every local APIC's default base (MADT) */
#define LAYOUT_IDENTITY_MAP    0xfeffc000ULL /* KVM_SET_IDENTITY_MAP_ADDR, 1 page */
#define LAYOUT_TSS             0xfeffd000ULL /* KVM_SET_TSS_ADDR, 3 pages */

/* PCI (vmm/pci/): one host bridge, segment 0, bus 0 only.  Its ECAM
 * (PCI Firmware spec 3.2 §4.1.2, announced in MCFG) is 4 KiB per function:
 * 1 MiB for bus 0, e820-reserved so that Linux trusts MCFG.  The memory
 * window the root bridge's _CRS gives for BARs lies below it: minivmm
 * assigns every BAR there at setup, as firmware would, and Linux keeps
 * them; a guest that moves one may move it anywhere in the window. */
#define LAYOUT_PCI_MMIO_START  0xc0000000ULL  /* 32-bit BAR window ... */
#define LAYOUT_PCI_MMIO_END    0xe0000000ULL  /* ... 512 MiB */
#define LAYOUT_PCI_ECAM        0xe0000000ULL
#define LAYOUT_PCI_ECAM_SIZE   0x100000ULL    /* bus 0: 32 devices x 8 functions x 4 KiB */
#define LAYOUT_PCI_BUS_LAST    0              /* MCFG and _CRS: buses 0-0 */
#define LAYOUT_PORT_PCI_CONFIG 0xcf8          /* PCI conf1: address at 0xcf8, data 0xcfc-0xcff */
#define LAYOUT_PORT_PCI_CONFIG_LEN 8
/* MSI-X (vmm/pci/msix.c): each vector gets a GSI of its own, from the
 * first one after the IOAPIC's pins (KVM_VM_IOAPIC_PINS) up to KVM's
 * limit of 4096 routes (KVM_SET_GSI_ROUTING). */
#define LAYOUT_MSI_GSI_FIRST   24
#define LAYOUT_MSI_GSI_END     4096

/* I/O ports and ISA IRQs of minivmm's devices (vmm/devices/), which the
 * ACPI tables announce (boot/acpi_*.c).  The first ones are the PC's own. */
#define LAYOUT_PORT_COM1       0x3f8  /* 8250 UART, 8 ports */
#define LAYOUT_PORT_COM1_LEN   8
#define LAYOUT_IRQ_COM1        4
#define LAYOUT_PORT_I8042_DATA    0x60
#define LAYOUT_PORT_I8042_COMMAND 0x64
#define LAYOUT_IRQ_I8042_KBD   1
#define LAYOUT_PORT_RTC        0x70   /* CMOS index, data at +1 */
#define LAYOUT_PORT_RTC_LEN    2
#define LAYOUT_PORT_DEBUG_EXIT 0xf4   /* QEMU's isa-debug-exit convention, 4 ports */
#define LAYOUT_PORT_DEBUG_EXIT_LEN 4
#define LAYOUT_PORT_PVPANIC    0x505  /* QEMU's pvpanic ISA port, 1 byte */
#define LAYOUT_PORT_FW_CFG     0x510  /* QEMU's fw_cfg: selector, data, DMA address */
#define LAYOUT_PORT_FW_CFG_LEN 0x0c   /* QEMU's FWCF _CRS with DMA (ports 0x510-0x51b) */
#define LAYOUT_PORT_ACPI_PM    0x600  /* hardware-reduced sleep/reset registers: */
#define LAYOUT_PORT_ACPI_SLEEP_CONTROL (LAYOUT_PORT_ACPI_PM + 0)  /* 1 byte */
#define LAYOUT_PORT_ACPI_SLEEP_STATUS  (LAYOUT_PORT_ACPI_PM + 1)  /* 1 byte */
#define LAYOUT_PORT_ACPI_RESET         (LAYOUT_PORT_ACPI_PM + 2)  /* 1 byte */
#define LAYOUT_PORT_ACPI_PM_LEN 3

/* Default RAM: enough for Debian's cloud kernel and a busybox initramfs. */
#define LAYOUT_DEFAULT_RAM     (256ULL << 20)

#endif
