/* x86 facts that no kernel UAPI header defines, in one place for minivmm's
 * loader, boot data and vCPU code, its unit tests and its test guests.
 * Only #defines of plain integers, so that C, assembly (the test guests'
 * header.S and start code) and the preprocessor can all include it.  The
 * UAPI has the rest: asm/bootparam.h (struct setup_header, LOADED_HIGH,
 * XLF_*) and asm/processor-flags.h (CR0, CR4, RFLAGS bits). */
#ifndef MINIVMM_COMMON_X86_H
#define MINIVMM_COMMON_X86_H

/* ---- The Linux x86 boot protocol (Documentation/arch/x86/boot.rst) ---- */

/* "THE REAL-MODE KERNEL HEADER": struct setup_header starts at 0x1f1 of
 * the file and of boot_params; its "header" field at 0x202 holds "HdrS"
 * (0x53726448 read little-endian). */
#define X86_BOOT_HEADER_OFFSET 0x1f1
#define X86_BOOT_HDRS_OFFSET   0x202
#define X86_BOOT_HDRS_MAGIC    0x53726448
/* "setup_sects": "If this field is 0, the real value is 4."  "LOADING THE
 * REST OF THE KERNEL": the protected-mode kernel starts at file offset
 * (setup_sects + 1) * 512, after the boot sector and the setup sectors. */
#define X86_BOOT_SECTOR_SIZE        512
#define X86_BOOT_DEFAULT_SETUP_SECTS 4
#define X86_BOOT_SETUP_SIZE(setup_sects) \
	((((setup_sects) ? (setup_sects) : X86_BOOT_DEFAULT_SETUP_SECTS) + 1) * X86_BOOT_SECTOR_SIZE)
/* "syssize": the protected-mode code's size in 16-byte paragraphs. */
#define X86_BOOT_SYSSIZE_UNIT 16
/* "64-bit BOOT PROTOCOL": the 64-bit entry is the load address + 0x200. */
#define X86_BOOT_ENTRY64_OFFSET 0x200

/* ---- The architecture (Intel SDM) ------------------------------------- */

/* IA32_EFER (SDM Vol. 4, MSR 0xC0000080; Vol. 3A 2.2.1 "Extended Feature
 * Enable Register"): SYSCALL enable, IA-32e mode enable and active,
 * execute-disable enable. */
#define X86_MSR_EFER  0xc0000080
#define X86_EFER_SCE  (1 << 0)
#define X86_EFER_LME  (1 << 8)
#define X86_EFER_LMA  (1 << 10)
#define X86_EFER_NXE  (1 << 11)

/* Segment descriptor types (SDM Vol. 3A 3.4.5.1 "Code- and Data-Segment
 * Descriptor Types", 3.5 "System Descriptor Types").  The busy TSS type 0xb
 * is the 64-bit TSS in IA-32e mode and the 32-bit TSS outside it. */
#define X86_SEG_TYPE_DATA_RWA 0x3   /* data read/write, accessed */
#define X86_SEG_TYPE_CODE_XRA 0xb   /* code execute/read, accessed */
#define X86_SEG_TYPE_TSS_BUSY 0xb

/* Segment descriptor bits (SDM Vol. 3A 3.4.5 "Segment Descriptors",
 * Figure 3-8): the access byte (descriptor bits 47:40) holds P, DPL, S and
 * the type; the flags nibble (bits 55:52) holds G, D/B, L and AVL. */
#define X86_DESC_ACCESS_P 0x80   /* present */
#define X86_DESC_ACCESS_S 0x10   /* code or data, not a system descriptor */
#define X86_DESC_FLAG_G   0x8    /* limit in 4 KiB units */
#define X86_DESC_FLAG_DB  0x4    /* 32-bit default operand size */
#define X86_DESC_FLAG_L   0x2    /* 64-bit code (requires D/B = 0) */

/* MSRs a vCPU starts with (SDM Vol. 4, "Model-Specific Registers"). */
#define X86_MSR_TSC             0x10
#define X86_MSR_SYSENTER_CS     0x174
#define X86_MSR_SYSENTER_ESP    0x175
#define X86_MSR_SYSENTER_EIP    0x176
#define X86_MSR_MISC_ENABLE     0x1a0
#define X86_MSR_MTRR_DEF_TYPE   0x2ff
#define X86_MSR_STAR            0xc0000081
#define X86_MSR_LSTAR           0xc0000082
#define X86_MSR_CSTAR           0xc0000083
#define X86_MSR_SYSCALL_MASK    0xc0000084
#define X86_MSR_KERNEL_GS_BASE  0xc0000102
/* IA32_MISC_ENABLE bit 0: fast-strings enable. */
#define X86_MISC_ENABLE_FAST_STRING 0x1
/* IA32_MTRR_DEF_TYPE (SDM Vol. 3A, "IA32_MTRR_DEF_TYPE MSR"): E (bit 11)
 * enables the MTRRs, bits 7:0 hold the default memory type; 6 is
 * write-back ("MTRR Memory Types and Their Properties"). */
#define X86_MTRR_DEF_TYPE_E  (1 << 11)
#define X86_MTRR_TYPE_WB     6

/* Local APIC (SDM Vol. 3A, "Local APIC Register Address Map" and "Local
 * Vector Table"): the LVT LINT0/LINT1 registers' offsets and the
 * delivery-mode field (bits 10:8) of an LVT entry. */
#define X86_APIC_LVT_LINT0         0x350
#define X86_APIC_LVT_LINT1         0x360
#define X86_APIC_LVT_DELIVERY_MASK (7 << 8)
#define X86_APIC_DELIVERY_NMI      (4 << 8)
#define X86_APIC_DELIVERY_EXTINT   (7 << 8)

#endif
