/* Guest memory dumps as an ELF64 core file in the format QEMU's
 * dump-guest-memory writes (QEMU dump/dump.c, target/i386/arch_dump.c),
 * which crash, makedumpfile and drgn read.
 *
 * The file, in order (offsets in bytes):
 *
 *   0                  Elf64_Ehdr: ET_CORE, EM_X86_64, ELFCLASS64 LSB,
 *                      e_phoff 64, e_phnum = 1 + mem->nregions, no sections
 *   64                 Elf64_Phdr[0]  PT_NOTE, p_align 0 (notes 4-byte aligned)
 *   64 + 56            Elf64_Phdr[1..] one PT_LOAD per RAM region:
 *                      p_paddr = p_vaddr = guest-physical start (QEMU since
 *                      e17bebd049, "dump: Set correct vaddr for ELF dump"),
 *                      p_filesz = p_memsz = region size, p_offset a multiple
 *                      of 4 KiB, p_flags 0, p_align 0
 *   64 + 56 * phnum    the notes:
 *                        per vCPU  "CORE" NT_PRSTATUS (336-byte elf_prstatus,
 *                                  pr_pid = vCPU index + 1)
 *                        per vCPU  "QEMU" type 0 (QEMUCPUState version 1, 432 bytes)
 *                        optional  the guest's "VMCOREINFO" note (type 0)
 *   page-aligned       each RAM region's bytes, back to back
 *
 * Only RAM pages the host has ever backed (present or swapped out, read from
 * /proc/self/pagemap) and that are not all zero are written; the others stay
 * holes of a sparse file that reads back as zeros.  When pagemap cannot be
 * read every page is examined, which maps the kernel's shared zero page
 * over never-touched guest pages but costs no memory.
 *
 * The module only reads guest RAM and never calls ioctl: the caller pauses
 * the vCPUs and reads their registers (KVM_GET_REGS/KVM_GET_SREGS) first,
 * then resumes them, so a dump never changes a guest that keeps running. */
#ifndef MINIVMM_VMM_VMCORE_H
#define MINIVMM_VMM_VMCORE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "kvm/kvm.h"

/* Limits of the guest's note, as QEMU's dump.c checks them (docs/specs/
 * vmcoreinfo.rst): at least one Elf64_Nhdr, at most MAX_GUEST_NOTE_SIZE. */
#define VMCORE_GUEST_NOTE_MIN 12U
#define VMCORE_GUEST_NOTE_MAX (1U << 20)

/* One vCPU's registers as KVM_GET_REGS and KVM_GET_SREGS returned them. */
struct vmcore_cpu {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
};

/* Where the guest keeps its VMCOREINFO ELF note: the paddr and size it wrote
 * to fw_cfg's etc/vmcoreinfo.  The caller passes it only when the guest's
 * 16-byte write registered one with guest_format 1 (ELF); the module checks
 * the rest against guest RAM at dump time. */
struct vmcore_info {
	uint64_t paddr;
	uint32_t size;
};

/* What a written dump holds. */
struct vmcore_result {
	bool vmcoreinfo;       /* the guest's VMCOREINFO note is in it */
	char warning[256];     /* why a given note was left out, "" if none */
	uint64_t file_size;    /* bytes the file spans */
	uint64_t ram_written;  /* RAM bytes written; the rest are holes */
};

/* Writes the dump of mem, cpus[0..ncpus) and the optional VMCOREINFO note
 * (info may be NULL) to path.  The bytes go to a new file
 * "PATH.tmp-XXXXXX" beside it (mode 0600: guest memory is private), which is
 * renamed to path only when complete; on any failure the temporary file is
 * removed, path is left as it was, err names path and the cause, and -1 is
 * returned.  A guest note that fails the checks is left out with a warning
 * in result (may be NULL); that is not a failure.  No fsync: the file is as
 * durable as any other fresh write. */
int vmcore_write(const char *path, const struct guest_memory *mem,
		 const struct vmcore_cpu *cpus, int ncpus, const struct vmcore_info *info,
		 struct vmcore_result *result, struct error *err);

/* The same into fd, a regular file open for writing: it is truncated to 0
 * first (so that holes read as zeros) and written with pwrite from offset 0;
 * name is only for messages.  On failure the file holds a partial dump. */
int vmcore_write_fd(int fd, const char *name, const struct guest_memory *mem,
		    const struct vmcore_cpu *cpus, int ncpus, const struct vmcore_info *info,
		    struct vmcore_result *result, struct error *err);

#endif
