/* kvm/: /dev/kvm, the VM and its vCPUs, guest RAM.  The face of the module:
 * other folders include only this header.  Knows nothing of Linux boot rules,
 * devices or options. */
#ifndef MINIVMM_KVM_KVM_H
#define MINIVMM_KVM_KVM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "common/error.h"
#include "kvm/guest_memory.h"

/* ---- /dev/kvm --------------------------------------------------------- */

struct kvm_system {
	int fd;
	int vcpu_mmap_size;
	int max_vcpus;       /* vCPUs one VM may have (KVM_CAP_MAX_VCPUS) */
	bool tsc_deadline;   /* KVM_CAP_TSC_DEADLINE_TIMER: the LAPIC timer has it */
	/* KVM_CAP_COALESCED_PIO, and the page of the vCPU mapping that holds
	 * the coalesced ring (KVM_CAP_COALESCED_MMIO's answer; 0: none). */
	bool coalesced_pio;
	int coalesced_ring_page;
	/* KVM_GET_SUPPORTED_CPUID's table, fetched once on a second thread
	 * (see kvm_system_open); read it through kvm_system_supported_cpuid. */
	pthread_t cpuid_thread;
	bool cpuid_thread_running;
	struct kvm_cpuid2 *cpuid;
	struct error cpuid_err;
};

/* Opens path (normally "/dev/kvm"), checks the API version and the
 * capabilities minivmm relies on, and records the optional ones above.
 * Each failure names its cause.  Then starts fetching the supported CPUID
 * table on a second thread: the ioctl takes ~0.3 ms on kvm_pvm, a tenth of
 * a trivial run, and creating the VM meanwhile hides it. */
int kvm_system_open(struct kvm_system *sys, const char *path, struct error *err);
void kvm_system_close(struct kvm_system *sys);

/* KVM_GET_SUPPORTED_CPUID's table (api.rst 4.46), waiting for the fetch
 * kvm_system_open started; NULL with err set if it failed. */
const struct kvm_cpuid2 *kvm_system_supported_cpuid(struct kvm_system *sys, struct error *err);

/* A VM of ncpus vCPUs fits what KVM allows (sys->max_vcpus); otherwise an
 * error naming both numbers. */
int kvm_system_check_vcpus(const struct kvm_system *sys, int ncpus, struct error *err);

/* ---- the VM ----------------------------------------------------------- */

struct kvm_vm_config {
	uint64_t ram_size;
	uint64_t mmio_hole_start;   /* RAM above this moves to mmio_hole_end */
	uint64_t mmio_hole_end;
	uint64_t tss_addr;          /* KVM_SET_TSS_ADDR: three pages */
	uint64_t identity_map_addr; /* KVM_SET_IDENTITY_MAP_ADDR: one page */
	/* RAM is a file mapped MAP_SHARED (vm->mem.fd, ram_file_open), so
	 * that an external back end (virtiofsd over vhost-user) can map it
	 * too; false: one private anonymous mapping, fd -1. */
	bool shared;
};

struct kvm_vm {
	int fd;
	struct kvm_system *sys;
	struct guest_memory mem;
	bool ram_huge;   /* shared RAM on ram_file_open's huge-page tmpfs */
};

/* The file for size bytes of shared guest RAM, close-on-exec: on a tmpfs
 * of minivmm's own with transparent huge pages when it can mount one
 * (*huge true), else a memfd.  -1 with err on failure (ERROR_HOST). */
int ram_file_open(uint64_t size, bool *huge, struct error *err);

/* Guest RAM as one mapping (anonymous, or a ram_file_open file with
 * cfg->shared), split around the MMIO hole into vm->mem, with no VM yet
 * (vm->fd -1): the images can be placed and every
 * check of the user's input made before /dev/kvm is opened, so bad input
 * reads the same on every machine.  kvm_vm_destroy unmaps it (and closes
 * the file). */
int kvm_vm_map_ram(struct kvm_vm *vm, const struct kvm_vm_config *cfg, struct error *err);

/* Creates the VM with TSS and identity-map addresses, the in-kernel irqchip
 * with the PC's GSI routing (kvm_vm_gsi_routing) and PIT, the 8259A pair
 * initialised and masked (kvm_vm_pic_firmware_state), and one memory
 * slot per RAM region of the mapping kvm_vm_map_ram made before.  On
 * failure the VM and its RAM are gone. */
int kvm_vm_create(struct kvm_vm *vm, struct kvm_system *sys,
		  const struct kvm_vm_config *cfg, struct error *err);
void kvm_vm_destroy(struct kvm_vm *vm);

/* Lets the VM be torn down after this process has exited, not during its
 * exit: a child process takes a reference to the VM, closes everything
 * else, and drops it once we are gone.  KVM takes ~20 ms to destroy a VM
 * with an irqchip and a PIT (measured on kvm_pvm: one SRCU grace period per
 * in-kernel device), which the caller waiting for the exit status would
 * otherwise wait for.  Call when the guest has stopped for good, before
 * kvm_vm_destroy; if anything fails, the teardown simply stays ours.
 * in_child (may be NULL) runs in the child once it holds only the VM and
 * its cue, before it waits (vmm/: the child's seccomp filter). */
void kvm_vm_release_after_exit(struct kvm_vm *vm, void (*in_child)(void));

/* Sets in *pic, one 8259A of KVM_GET_IRQCHIP's, what a PC firmware leaves
 * in it (pure, for tests): initialised through ICW4 with vector base 0x08
 * (master) or 0x70 (slave), as SeaBIOS programs them, and every input
 * masked (IMR 0xff), so that nothing reaches the boot vCPU's LINT0 until
 * the guest programs the chip itself.  ELCR and the edge-detection state
 * are left as they are.  kvm_vm_create applies it to both chips. */
void kvm_vm_pic_firmware_state(struct kvm_pic_state *pic, bool master);

/* Drives an interrupt line of the in-kernel PIC/IOAPIC (KVM_IRQ_LINE). */
int kvm_vm_set_irq_line(struct kvm_vm *vm, uint32_t irq, int level);

/* Port writes to [port, port + len) queued in the coalesced ring instead of
 * exiting (on), or exiting again (off): KVM_(UN)REGISTER_COALESCED_MMIO with
 * pio = 1 (api.rst 4.116).  Needs sys->coalesced_pio. */
int kvm_vm_coalesce_pio(struct kvm_vm *vm, uint16_t port, uint16_t len, bool on,
			struct error *err);

/* The GSI routing a PC has, as kvmtool and QEMU give KVM (pure, for tests):
 * GSIs 0-15 to the 8259 pair (irqchip 0/1, pin gsi % 8) and to the IOAPIC
 * (irqchip 2) at pin gsi, GSIs 16-23 to the IOAPIC only; except that the
 * PIT's GSI 0 arrives on IOAPIC pin 2 (the MADT's interrupt source override
 * for ISA IRQ 0, boot.h ACPI_ISA_IRQ0_GSI) and GSI 2, the 8259 cascade,
 * goes nowhere.  Fills at most max entries and returns how many the table
 * has (KVM_VM_GSI_ROUTES). */
#define KVM_VM_IOAPIC_PINS 24
/* 16 PIC GSIs and the IOAPIC's pins, each without the cascade GSI 2. */
#define KVM_VM_GSI_ROUTES  ((16 - 1) + (KVM_VM_IOAPIC_PINS - 1))
size_t kvm_vm_gsi_routing(struct kvm_irq_routing_entry *entries, size_t max);

/* MSI: a GSI whose interrupt is the message a device writes (api.rst
 * KVM_SET_GSI_ROUTING, KVM_IRQ_ROUTING_MSI).  kvm_vm_set_msi_routes gives
 * KVM the PC's table followed by these, all at once, as KVM replaces the
 * whole table on every call. */
struct kvm_vm_msi_route {
	uint32_t gsi;
	uint32_t address_lo, address_hi, data;
};
int kvm_vm_set_msi_routes(struct kvm_vm *vm, const struct kvm_vm_msi_route *routes, size_t n,
			  struct error *err);

/* A write to eventfd fd raises gsi in the guest without a system call of
 * ours on the way (api.rst 4.75 KVM_IRQFD). */
int kvm_vm_irqfd(struct kvm_vm *vm, int fd, uint32_t gsi, struct error *err);

/* A guest write of len bytes (1, 2, 4 or 8; 0: any) to guest-physical addr
 * signals eventfd fd instead of exiting to us (api.rst 4.59 KVM_IOEVENTFD,
 * MMIO); assign false removes it. */
int kvm_vm_ioeventfd(struct kvm_vm *vm, uint64_t addr, uint32_t len, int fd, bool assign,
		     struct error *err);

/* ---- vCPUs ------------------------------------------------------------ */

struct kvm_vcpu {
	int fd;
	int index;
	struct kvm_vm *vm;
	struct kvm_run *run;   /* mmap'd, vcpu_mmap_size bytes */
};

/* A new vCPU's state beyond its registers, as plain data: boot/ decides
 * every value (boot_vcpu_setup_build, pure), kvm_vcpu_create only hands
 * them to KVM.  The registers and segments of the entry protocol come later
 * through kvm_vcpu_set_regs/_sregs, also from boot/. */
#define KVM_VCPU_SETUP_MAX_MSRS 16
struct kvm_vcpu_setup {
	struct kvm_cpuid2 *cpuid;   /* api.rst KVM_SET_CPUID2 */
	/* api.rst KVM_SET_XCRS: XCR0; 0 or 1 (x87 only, the reset value)
	 * leaves it alone. */
	uint64_t xcr0;
	/* api.rst KVM_SET_MSRS: the first nmsrs entries, in order. */
	uint32_t nmsrs;
	struct kvm_msr_entry msrs[KVM_VCPU_SETUP_MAX_MSRS];
	/* The delivery modes (LVT bits 10:8, common/x86.h X86_APIC_DELIVERY_*)
	 * of the local APIC's LINT0 and LINT1; api.rst KVM_GET_LAPIC/KVM_SET_LAPIC
	 * keep the other bits of both entries. */
	uint32_t lint0_delivery;
	uint32_t lint1_delivery;
	struct kvm_fpu fpu;         /* api.rst KVM_SET_FPU (x86 KVM ignores mxcsr) */
};

/* Creates vCPU index (KVM's vCPU id, the APIC ID) and applies setup to it:
 * CPUID, XCR0, MSRs, LINT pins, FPU.  Each refused ioctl is an error naming
 * it (an MSR KVM refuses is named by its index); a refused XCR0 is not (the
 * guest sets XCR0 itself then). */
int kvm_vcpu_create(struct kvm_vcpu *vcpu, struct kvm_vm *vm, int index,
		    const struct kvm_vcpu_setup *setup, struct error *err);
void kvm_vcpu_destroy(struct kvm_vcpu *vcpu);

/* The VM's coalesced ring as this vCPU's mapping shows it, and how many
 * entries it holds; NULL when KVM offers none (api.rst 4.116). */
struct kvm_coalesced_mmio_ring *kvm_vcpu_coalesced_ring(const struct kvm_vcpu *vcpu,
							uint32_t *entries);

/* ---- the vCPU register context (pure: kvm/vcpu_context.c) ------------ */

/* One register, as a crash report or a debugger names it.  The general
 * registers live in struct kvm_regs, the others in struct kvm_sregs; segment
 * entries are the visible selector only (the descriptor cache is left as it
 * is), bases and limits are their own entries. */
enum vcpu_reg {
	VCPU_REG_RAX, VCPU_REG_RBX, VCPU_REG_RCX, VCPU_REG_RDX,
	VCPU_REG_RSI, VCPU_REG_RDI, VCPU_REG_RSP, VCPU_REG_RBP,
	VCPU_REG_R8, VCPU_REG_R9, VCPU_REG_R10, VCPU_REG_R11,
	VCPU_REG_R12, VCPU_REG_R13, VCPU_REG_R14, VCPU_REG_R15,
	VCPU_REG_RIP, VCPU_REG_RFLAGS,
	VCPU_REG_CR0, VCPU_REG_CR2, VCPU_REG_CR3, VCPU_REG_CR4, VCPU_REG_CR8,
	VCPU_REG_EFER, VCPU_REG_APIC_BASE,
	VCPU_REG_CS, VCPU_REG_DS, VCPU_REG_ES, VCPU_REG_FS, VCPU_REG_GS, VCPU_REG_SS,
	VCPU_REG_TR,
	VCPU_REG_FS_BASE, VCPU_REG_GS_BASE, VCPU_REG_TR_BASE,
	VCPU_REG_GDT_BASE, VCPU_REG_GDT_LIMIT, VCPU_REG_IDT_BASE, VCPU_REG_IDT_LIMIT,
	VCPU_REG_COUNT
};

/* Case-insensitive lookup ("rax", "CR3", "fs_base"); -1 if unknown. */
int vcpu_reg_by_name(const char *name, enum vcpu_reg *out);
/* The lower-case name, or NULL for a value outside the enum. */
const char *vcpu_reg_name(enum vcpu_reg reg);

/* Read or write one register in a context.  The setter checks the value
 * against the architecture (reserved RFLAGS/CR0/CR4/EFER/APIC_BASE bits,
 * CR0.PG without PE, NW without CD, CR8 above 15, 16-bit selectors and
 * limits, canonical RIP and bases when EFER.LMA is set) and leaves the
 * structs untouched when it refuses, naming the register and the value. */
int vcpu_context_get_reg(const struct kvm_regs *regs, const struct kvm_sregs *sregs,
			 enum vcpu_reg reg, uint64_t *out, struct error *err);
int vcpu_context_set_reg(struct kvm_regs *regs, struct kvm_sregs *sregs, enum vcpu_reg reg,
			 uint64_t value, struct error *err);

/* Every special register's own check, then the agreement between them that
 * KVM_SET_SREGS would otherwise reject with a bare EINVAL: EFER.LMA equals
 * EFER.LME && CR0.PG, long mode needs CR4.PAE, CS.L only in long mode and
 * never with CS.D. */
int vcpu_context_check_sregs(const struct kvm_sregs *sregs, struct error *err);

/* ---- the register context of a live vCPU (kvm/vcpu_regs.c) ----------- */

/* Whole contexts (KVM_GET/SET_REGS, _SREGS).  kvm_vcpu_set_sregs runs
 * vcpu_context_check_sregs first. */
int kvm_vcpu_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs, struct error *err);
int kvm_vcpu_set_regs(struct kvm_vcpu *vcpu, const struct kvm_regs *regs, struct error *err);
int kvm_vcpu_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs, struct error *err);
int kvm_vcpu_set_sregs(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs, struct error *err);

/* One register: reads both contexts, applies vcpu_context_set_reg and
 * writes back only the struct that changed. */
int kvm_vcpu_get_reg(struct kvm_vcpu *vcpu, enum vcpu_reg reg, uint64_t *value,
		     struct error *err);
int kvm_vcpu_set_reg(struct kvm_vcpu *vcpu, enum vcpu_reg reg, uint64_t value,
		     struct error *err);

/* One MSR (KVM_GET_MSRS/KVM_SET_MSRS with one entry); an MSR KVM does not
 * handle is an error naming its index. */
int kvm_vcpu_get_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t *value,
		     struct error *err);
int kvm_vcpu_set_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t value,
		     struct error *err);

/* Prints general and special registers to f (crash reports). */
void kvm_vcpu_dump(struct kvm_vcpu *vcpu, FILE *f);

#endif
