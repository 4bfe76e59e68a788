/* The setup area of a test guest's bzImage: everything in front of the
 * protected-mode code.  Only the setup header matters to minivmm (it never
 * runs real-mode code), so this is data, laid out as boot.rst's setup_header
 * (and asm/bootparam.h), with the offsets checked at assembly time.
 *
 * Assembled with -DSETUP_SECTS=n -DRELOCATABLE=0|1 [-DPAYLOAD | -DFOREIGN].  n is what goes into the
 * setup_sects field; n = 0 means 4 (boot.rst), so the setup area is
 * (n ? n : 4) + 1 sectors and the protected-mode code follows it.
 * RELOCATABLE goes into relocatable_kernel: the check guest's code is
 * position-independent, so it runs wherever --kernel-addr puts it.
 * PAYLOAD makes the header of a payload bzImage (guests.mk: payload-*.bzimage):
 * payload_offset and payload_length describe the compressed check guest
 * that payload-blob.S carries (boot.rst "payload_offset": from the start of
 * the protected-mode code), and pref_address is where that ELF is linked.
 * Everything in the area past the header is int3 (0xcc): a loader that
 * copies from the wrong file offset lands the 64-bit entry in int3s, which
 * fault through the empty IDT into a triple fault instead of running
 * garbage. */

#include "guest.h"

#if !defined(SETUP_SECTS) || !defined(RELOCATABLE)
#error "assemble with -DSETUP_SECTS=n -DRELOCATABLE=0|1"
#endif

/* common/x86.h's X86_BOOT_SETUP_SIZE, spelled for the assembler, which
 * has no ?: operator. */
#if SETUP_SECTS == 0
#define SETUP_SIZE ((X86_BOOT_DEFAULT_SETUP_SECTS + 1) * X86_BOOT_SECTOR_SIZE)
#else
#define SETUP_SIZE ((SETUP_SECTS + 1) * X86_BOOT_SECTOR_SIZE)
#endif

#define CHECK_OFFSET(off) .if (. - setup_start) != (off); .error "setup header field misplaced"; .endif

	.section .header, "a"
setup_start:
	.fill	0x1f1, 1, 0
	CHECK_OFFSET(0x1f1)
	.byte	SETUP_SECTS		/* 0x1f1 setup_sects */
	.word	0			/* 0x1f2 root_flags */
	.long	guest_syssize		/* 0x1f4 syssize: paragraphs of pm code */
	.word	0			/* 0x1f8 ram_size */
	.word	0xffff			/* 0x1fa vid_mode: normal */
	.word	0			/* 0x1fc root_dev */
	.word	0xaa55			/* 0x1fe boot_flag */
	CHECK_OFFSET(0x200)
	.byte	0xeb, setup_header_end - 1f /* 0x200 jump over the header */
1:	.ascii	"HdrS"			/* 0x202 header (boot.rst), spelled out: the
					   guests read the spec, not minivmm's header */
	.word	GUEST_BOOT_VERSION	/* 0x206 version 2.15 */
	.long	0			/* 0x208 realmode_swtch */
	.word	0			/* 0x20c start_sys_seg */
	.word	0			/* 0x20e kernel_version */
	.byte	0			/* 0x210 type_of_loader */
	.byte	0x01			/* 0x211 loadflags: LOADED_HIGH */
	.word	0			/* 0x212 setup_move_size */
	CHECK_OFFSET(0x214)
	.long	GUEST_LOAD_ADDR		/* 0x214 code32_start */
	.long	0			/* 0x218 ramdisk_image */
	.long	0			/* 0x21c ramdisk_size */
	.long	0			/* 0x220 bootsect_kludge */
	.word	0			/* 0x224 heap_end_ptr */
	.byte	0			/* 0x226 ext_loader_ver */
	.byte	0			/* 0x227 ext_loader_type */
	.long	0			/* 0x228 cmd_line_ptr */
	CHECK_OFFSET(0x22c)
	.long	GUEST_INITRD_ADDR_MAX	/* 0x22c initrd_addr_max */
	.long	GUEST_KERNEL_ALIGNMENT	/* 0x230 kernel_alignment */
	.byte	RELOCATABLE		/* 0x234 relocatable_kernel */
	.byte	21			/* 0x235 min_alignment (2 MiB) */
	.word	0x0001			/* 0x236 xloadflags: XLF_KERNEL_64 */
	.long	GUEST_CMDLINE_SIZE	/* 0x238 cmdline_size */
	.long	0			/* 0x23c hardware_subarch */
	.quad	0			/* 0x240 hardware_subarch_data */
#if defined(PAYLOAD) || defined(FOREIGN)
	.long	guest_payload_start - GUEST_LOAD_ADDR	/* 0x248 payload_offset */
	.long	guest_payload_length	/* 0x24c payload_length, le32 size included */
#else
	.long	0			/* 0x248 payload_offset */
	.long	0			/* 0x24c payload_length */
#endif
	.quad	0			/* 0x250 setup_data */
	CHECK_OFFSET(0x258)
#ifdef PAYLOAD
	.quad	GUEST_PAYLOAD_LINK_ADDR	/* 0x258 pref_address: the payload's link address */
#else
	.quad	GUEST_LOAD_ADDR		/* 0x258 pref_address */
#endif
	.long	GUEST_INIT_SIZE		/* 0x260 init_size */
	.long	0			/* 0x264 handover_offset */
	.long	0			/* 0x268 kernel_info_offset */
setup_header_end:
	CHECK_OFFSET(0x26c)
	.fill	SETUP_SIZE - 0x26c, 1, 0xcc
	CHECK_OFFSET(SETUP_SIZE)

	/* The guest's own view of the value it put in setup_sects, so the
	 * check guest can compare it with the copy in boot_params, and of its
	 * form (form-elf.S is the ELF counterpart). */
	.section .rodata.guest_setup, "a"
	.globl	guest_setup_sects, guest_relocatable, guest_form
	.hidden	guest_setup_sects, guest_relocatable, guest_form
guest_setup_sects:
	.byte	SETUP_SECTS
guest_relocatable:
	.byte	RELOCATABLE
guest_form:
	.byte	GUEST_FORM_BZIMAGE

	.section .note.GNU-stack, "", @progbits
