/* boot/: what the guest needs to start: boot_params and e820, the command
 * line, identity page tables, the GDT and the initial vCPU state for the
 * 64-bit Linux boot protocol (boot.rst), or the hvm_start_info and 32-bit
 * state for PVH (Xen's docs/misc/pvh.pandoc).  The whole initial vCPU state
 * is here as data: registers and segments, and every vCPU's CPUID, XCR0,
 * MSRs, LINT pins and FPU (struct kvm_vcpu_setup); kvm/ only applies it.
 * Pure: writes guest RAM through struct guest_memory and fills linux/kvm.h
 * structs; never calls ioctl, so its tests run without /dev/kvm. */
#ifndef MINIVMM_BOOT_BOOT_H
#define MINIVMM_BOOT_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <asm/bootparam.h>
#include <linux/kvm.h>

#include "boot/layout.h"
#include "common/error.h"
#include "kvm/guest_memory.h"
#include "kvm/kvm.h"
#include "loader/loader.h"

/* e820 types (zero-page.rst / ACPI). */
#define E820_TYPE_RAM      1
#define E820_TYPE_RESERVED 2

/* Fills table (up to max entries) with the memory map matching mem's RAM
 * regions, sorted by address: low RAM up to the EBDA, the EBDA and BIOS
 * areas reserved, RAM from 1 MiB, the PCI ECAM [LAYOUT_PCI_ECAM,
 * +LAYOUT_PCI_ECAM_SIZE) reserved (always, so that the map does not depend
 * on the devices), RAM above 4 GiB when present.  Returns the entry count
 * or -1. */
int e820_build(const struct guest_memory *mem, struct boot_e820_entry *table,
	       int max, struct error *err);

/* The longest command line (without NUL) the kernel accepts: cmdline_size,
 * or 255 before boot protocol 2.06 (boot.rst). */
uint32_t cmdline_limit(const struct setup_header *hdr);

/* Checks cmdline against max_len and the room at LAYOUT_CMDLINE, so a
 * too-long command line is refused before a VM exists. */
int cmdline_check(const char *cmdline, uint32_t max_len, struct error *err);

/* Writes the NUL-terminated command line at LAYOUT_CMDLINE.  Longer than
 * max_len (the kernel's cmdline_size, without NUL) is an error naming both. */
int cmdline_write(struct guest_memory *mem, const char *cmdline, uint32_t max_len,
		  struct error *err);

/* Builds boot_params at LAYOUT_ZERO_PAGE from the kernel's own setup header:
 * type_of_loader, CAN_USE_HEAP and heap_end_ptr, cmd_line_ptr (and writes the
 * command line), ramdisk fields from initrd (may be NULL), acpi_rsdp_addr
 * (0: none) and the e820 map. */
int boot_params_build(struct guest_memory *mem, const struct guest_kernel_image *kernel,
		      const struct guest_image *initrd, const char *cmdline,
		      uint64_t rsdp_paddr, struct error *err);

/* Identity-maps [0, 4 GiB) with 2 MiB pages at LAYOUT_PML4.. */
int page_tables_build(struct guest_memory *mem, struct error *err);

/* GDT selectors written by gdt_build (boot.rst wants __BOOT_CS 0x10 and
 * __BOOT_DS 0x18; entry 1 stays null so both hold).  In long mode a TSS
 * descriptor is 16 bytes (SDM Vol. 3A, "TSS Descriptor in 64-bit Mode"), so
 * it fills slots 4 and 5. */
#define BOOT_GDT_CODE_SEL 0x10
#define BOOT_GDT_DATA_SEL 0x18
#define BOOT_GDT_TSS_SEL  0x20
/* Flat 32-bit code for the PVH entry, which starts in protected mode (Xen's
 * docs/misc/pvh.pandoc): the hidden CS state must match a real descriptor in
 * case the guest reloads CS before loading its own GDT. */
#define BOOT_GDT_CODE32_SEL 0x30
#define BOOT_GDT_ENTRIES  7

/* Writes the GDT at LAYOUT_GDT and an empty IDT at LAYOUT_IDT. */
int gdt_build(struct guest_memory *mem, struct error *err);

/* The vCPU state for the 64-bit entry: long mode with paging (CR0.PE|PG,
 * CR4.PAE, EFER.LME|LMA, CR3 = LAYOUT_PML4), segments matching the GDT,
 * RIP = entry, RSI = zero page, RFLAGS = 2, interrupts off.  sregs should
 * come from the vCPU so fields minivmm does not set keep KVM's values. */
void boot_vcpu_state_linux64(struct kvm_regs *regs, struct kvm_sregs *sregs,
			     uint64_t entry, uint64_t boot_params_gpa);

/* ---- the rest of a vCPU's initial state (vcpu_setup.c, vcpu_cpuid.c) ----
 *
 * Besides its registers and segments (above), every vCPU starts with the
 * state a Linux guest expects its firmware to leave: CPUID, XCR0, MSRs, the
 * local APIC's LINT pins and the FPU.  boot/ decides it all as data in a
 * struct kvm_vcpu_setup (kvm/kvm.h), which kvm_vcpu_create applies. */

/* Fills setup for vCPU index (APIC ID = index) of ncpus:
 * - cpuid: a copy of supported (KVM_GET_SUPPORTED_CPUID's table) adjusted
 *   by boot_vcpu_cpuid_adjust; tsc_deadline is KVM_CAP_TSC_DEADLINE_TIMER;
 * - xcr0: the user state components that copy's leaf 0xD.0 offers (x87,
 *   SSE, AVX, AVX-512, PKRU; not MPX, not AMX), 0 without leaf 0xD;
 * - msrs: SYSENTER, SYSCALL and KERNEL_GS_BASE zero, TSC zero,
 *   MISC_ENABLE fast strings, MTRRs enabled with write-back by default;
 * - LINT0 ExtINT and LINT1 NMI, the MP spec's virtual wire;
 * - the FPU as FNINIT leaves it, MXCSR at its reset value.
 * Free it with boot_vcpu_setup_free, also after an error (then setup holds
 * nothing to free).  Errors: out of memory, index/ncpus out of range. */
int boot_vcpu_setup_build(struct kvm_vcpu_setup *setup, const struct kvm_cpuid2 *supported,
			  int index, int ncpus, bool tsc_deadline, struct error *err);
void boot_vcpu_setup_free(struct kvm_vcpu_setup *setup);

/* The CPUID vCPU index of ncpus sees, from what KVM_GET_SUPPORTED_CPUID
 * gave (vcpu_cpuid.c).  The topology is one package of ncpus cores, one
 * thread each, APIC ID = index: leaf 1 (initial APIC ID, logical processor
 * count, HTT), leaf 4 and AMD's 0x8000001D (who shares a cache), leaves 0xB
 * and 0x1F (rewritten as SMT and core levels when present), AMD's
 * 0x80000008 (core count, APIC ID size) and 0x8000001E (extended APIC ID,
 * core ID).  Besides: the hypervisor bit, TSC-deadline as tsc_deadline
 * says, no energy-performance bias.  The rewritten 0xB/0x1F may need up to
 * BOOT_VCPU_CPUID_EXTRA_ENTRIES entries beyond cpuid->nent; capacity is how
 * many entries cpuid has room for.  -1 (and cpuid untouched) when that room
 * is missing or index/ncpus are out of range. */
#define BOOT_VCPU_CPUID_EXTRA_ENTRIES 6
int boot_vcpu_cpuid_adjust(struct kvm_cpuid2 *cpuid, uint32_t capacity, int index, int ncpus,
			   bool tsc_deadline);
/* Bits of APIC ID that number the cores: ceil(log2(ncpus)). */
int boot_vcpu_cpuid_core_shift(int ncpus);

/* PVH boot (Xen's public header xen/include/public/arch-x86/hvm/start_info.h,
 * which no Debian UAPI header carries): the start-of-day structure the 32-bit
 * PVH entry finds through EBX. */
#define PVH_START_MAGIC        0x336ec578U
#define PVH_START_INFO_VERSION 1   /* version 1 adds the memory map Linux needs */

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;    /* the e820 types */
	uint32_t reserved;
};

/* Entries that fit between LAYOUT_PVH_MEMMAP and the zero page. */
#define PVH_MEMMAP_MAX ((LAYOUT_ZERO_PAGE - LAYOUT_PVH_MEMMAP) / sizeof(struct hvm_memmap_table_entry))

/* Writes hvm_start_info at LAYOUT_PVH_START_INFO: magic, version 1, the
 * command line (written at LAYOUT_CMDLINE, checked against cmdline_max),
 * the initrd as module 0 when given, the memory map e820_build makes, and
 * rsdp_paddr (0: none). */
int pvh_start_info_build(struct guest_memory *mem, const struct guest_image *initrd,
			 const char *cmdline, uint32_t cmdline_max, uint64_t rsdp_paddr,
			 struct error *err);

/* The vCPU state for the PVH entry: 32-bit protected mode, paging off
 * (CR0 = PE|ET, CR4 = 0, EFER = 0), CS flat 32-bit code (BOOT_GDT_CODE32_SEL),
 * DS/ES/FS/GS/SS flat data, TR a busy 32-bit TSS, EBX = start info,
 * EIP = entry, EFLAGS = 2.  sregs should come from the vCPU. */
void boot_vcpu_state_pvh(struct kvm_regs *regs, struct kvm_sregs *sregs, uint64_t entry,
			 uint64_t start_info_gpa);

/* ---- ACPI (ACPI 6.4 chapter 5) ------------------------------------------
 *
 * A hardware-reduced platform (§4.1): no PM timer, no SCI, no fixed-feature
 * event blocks; power-off and reset through the FADT's sleep control and
 * reset registers (§4.8.3.7, §5.2.9), which vmm/devices/acpi_pm.c traps at
 * LAYOUT_PORT_ACPI_*. */

/* Sleep control register (§4.8.3.7): the guest writes
 * SLP_EN | (SLP_TYP << 2); SLP_TYP comes from the DSDT's \_Sx package.
 * minivmm's DSDT offers only \_S5 (soft off). */
#define ACPI_SLEEP_CONTROL_SLP_EN        0x20
#define ACPI_SLEEP_CONTROL_SLP_TYP_SHIFT 2
#define ACPI_SLEEP_CONTROL_SLP_TYP_MASK  0x1c
#define ACPI_SLEEP_TYPE_S5               5
/* Sleep status register: WAK_STS (bit 7). */
#define ACPI_SLEEP_STATUS_WAK_STS        0x80
/* The FADT's RESET_VALUE for its RESET_REG (§5.2.9). */
#define ACPI_RESET_VALUE                 0x01

/* The ISA IRQs the MADT overrides (§5.2.12.5), matching the GSI routing
 * kvm/vm.c gives KVM: the PIT's IRQ 0 arrives on IOAPIC pin 2, as on every
 * PC since the 8259 cascade took pin 2. */
#define ACPI_ISA_IRQ0_GSI 2

/* The most vCPUs the MADT describes: xAPIC IDs are 8 bits and 0xff is the
 * broadcast ID, so IDs 0..254 (§5.2.12.2 Processor Local APIC). */
#define ACPI_MAX_CPUS 255

/* Writes RSDP (revision 2) at LAYOUT_ACPI_TABLES, then XSDT, FADT
 * (revision 6, HW_REDUCED_ACPI, MSI allowed), MADT (one Processor Local
 * APIC per vCPU, APIC ID = index, the IOAPIC at LAYOUT_IOAPIC with GSI base
 * 0, the ISA interrupt source overrides) and DSDT (AML: \_S5, and under \_SB
 * the devices minivmm has: COM1, the i8042 keyboard controller, the RTC,
 * pvpanic QEMU0001 at LAYOUT_PORT_PVPANIC and fw_cfg QEMU0002), each with its
 * checksum.  With pci, the PCI host bridge too: an MCFG (PCI Firmware spec
 * 3.2 §4.1.2, in the XSDT after the MADT) giving the ECAM at LAYOUT_PCI_ECAM
 * for segment 0, buses 0..LAYOUT_PCI_BUS_LAST, and in the DSDT the root
 * bridge \_SB.PCI0 (PNP0A08, _CID PNP0A03) whose _CRS holds those buses,
 * the conf1 ports LAYOUT_PORT_PCI_CONFIG, the I/O windows around them and
 * the memory window [LAYOUT_PCI_MMIO_START, LAYOUT_PCI_MMIO_END); without
 * it, neither.  ncpus is 1..255.  *rsdp_paddr gets LAYOUT_ACPI_TABLES.
 * Every table must fit below LAYOUT_ACPI_END, else an error.  The tables
 * follow one another 16-byte aligned (acpi_tables.c has the layout); the
 * whole area is e820 reserved and recorded as "acpi-tables" by
 * boot_reserve_images. */
int acpi_tables_build(struct guest_memory *mem, int ncpus, bool pci, uint64_t *rsdp_paddr,
		      struct error *err);
/* The same, and without the MADT when madt is false: a guest handed a
 * device tree finds its CPUs and IOAPIC there, and Linux registers both
 * descriptions when both exist (arch/x86/kernel/devicetree.c registers
 * every cpu node and IOAPIC after acpi_boot_init has taken the MADT's), so
 * such a guest gets one. */
int acpi_tables_build_madt(struct guest_memory *mem, int ncpus, bool pci, bool madt,
			   uint64_t *rsdp_paddr, struct error *err);

/* ---- The device tree (dtb.c, dtb_chosen.c, dtb_file.c, setup_data.c) ---
 *
 * A flattened device tree (Devicetree Specification v0.4) handed to the
 * kernel through boot_params' setup_data as SETUP_DTB (boot.rst), built
 * with libfdt.  64-bit Linux boot protocol only: PVH's start info has no
 * place for one. */

/* What the tree describes. */
struct dtb_machine {
	const struct guest_memory *mem;   /* its e820 RAM ranges become /memory */
	int ncpus;                        /* cpu@0..ncpus-1, reg = APIC ID */
	bool pci;                         /* the PCI host bridge node */
	const char *cmdline;              /* /chosen bootargs */
	const struct guest_image *initrd; /* /chosen linux,initrd-*; NULL: none */
};

/* The most a tree may take: the area from LAYOUT_DTB less the setup_data
 * header before it. */
#define DTB_MAX_SIZE (LAYOUT_DTB_END - LAYOUT_DTB - sizeof(struct setup_data))

/* Writes minivmm's tree into buf (bufsize bytes; DTB_MAX_SIZE is enough
 * for 255 vCPUs): the root (#address-cells and #size-cells 2), /chosen,
 * /memory@0 with every e820 RAM range, /cpus with cpu@N (reg = APIC ID =
 * N), the local APIC and IOAPIC nodes Linux's x86 code reads
 * (intel,ce4100-lapic, intel,ce4100-ioapic), /isa@3f8/serial@i3f8 (ns16550a:
 * reg-shift, clock-frequency, interrupts on the IOAPIC), and with m->pci
 * /pci@e0000000 (pci-host-ecam-generic: ECAM reg, bus-range, the memory
 * window in ranges).  The result is packed. */
int dtb_build(const struct dtb_machine *m, void *buf, size_t bufsize, struct error *err);

/* Sets /chosen (created when missing) in the read-write tree fdt: bootargs
 * = m->cmdline, and linux,initrd-start/-end (64-bit, end exclusive) from
 * m->initrd, or removes both without one; then packs the tree. */
int dtb_chosen_fill(void *fdt, const struct dtb_machine *m, struct error *err);

/* A user's tree of size bytes at data (the file `name`): checked whole
 * (header, bounds, structure: fdt_check_full), copied into buf and given
 * minivmm's /chosen.  Anything wrong is one error naming `name` and what is
 * wrong. */
int dtb_from_file(const void *data, size_t size, const char *name, const struct dtb_machine *m,
		  void *buf, size_t bufsize, struct error *err);

/* Whether the kernel's boot protocol has setup_data (2.09 and later). */
bool setup_data_supported(const struct setup_header *hdr);

/* Writes fdt as a SETUP_DTB node at LAYOUT_DTB and links it first into the
 * setup_data list of the boot_params at LAYOUT_ZERO_PAGE, which
 * boot_params_build must have written.  Errors: protocol before 2.09, a
 * tree larger than DTB_MAX_SIZE. */
int setup_data_add_dtb(struct guest_memory *mem, const void *fdt, struct error *err);

/* Records the structures boot/ generates (zero page or PVH start info,
 * command line, page tables, GDT and IDT) in the image list, so that no
 * image the user places can land on them. */
int boot_reserve_images(struct image_list *list, enum kernel_boot_protocol protocol,
			size_t cmdline_len, struct error *err);

#endif
