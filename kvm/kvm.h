/* kvm/: /dev/kvm, the VM and its vCPUs, guest RAM.  The face of the module:
 * other folders include only this header.  Knows nothing of Linux boot rules,
 * devices or options (DESIGN.md). */
#ifndef MINIVMM_KVM_KVM_H
#define MINIVMM_KVM_KVM_H

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
};

/* Opens path (normally "/dev/kvm"), checks the API version and the
 * capabilities minivmm relies on.  Each failure names its cause. */
int kvm_system_open(struct kvm_system *sys, const char *path, struct error *err);
void kvm_system_close(struct kvm_system *sys);

/* ---- the VM ----------------------------------------------------------- */

struct kvm_vm_config {
	uint64_t ram_size;
	uint64_t mmio_hole_start;   /* RAM above this moves to mmio_hole_end */
	uint64_t mmio_hole_end;
	uint64_t tss_addr;          /* KVM_SET_TSS_ADDR: three pages */
	uint64_t identity_map_addr; /* KVM_SET_IDENTITY_MAP_ADDR: one page */
};

struct kvm_vm {
	int fd;
	struct kvm_system *sys;
	struct guest_memory mem;
};

/* Creates the VM with TSS and identity-map addresses, the in-kernel irqchip
 * and PIT, and guest RAM as one anonymous mapping with one memory slot per
 * RAM region. */
int kvm_vm_create(struct kvm_vm *vm, struct kvm_system *sys,
		  const struct kvm_vm_config *cfg, struct error *err);
void kvm_vm_destroy(struct kvm_vm *vm);

/* Drives an interrupt line of the in-kernel PIC/IOAPIC (KVM_IRQ_LINE). */
int kvm_vm_set_irq_line(struct kvm_vm *vm, uint32_t irq, int level);

/* ---- vCPUs ------------------------------------------------------------ */

struct kvm_vcpu {
	int fd;
	int index;
	struct kvm_vm *vm;
	struct kvm_run *run;   /* mmap'd, vcpu_mmap_size bytes */
};

/* Creates vCPU index (APIC ID = index) of ncpus with CPUID from
 * KVM_GET_SUPPORTED_CPUID, the MSRs a Linux guest expects, LAPIC LINT0 ExtINT
 * and LINT1 NMI, and an initialised FPU. */
int kvm_vcpu_create(struct kvm_vcpu *vcpu, struct kvm_vm *vm, int index, int ncpus,
		    struct error *err);
void kvm_vcpu_destroy(struct kvm_vcpu *vcpu);

/* Register context (KVM_GET/SET_REGS, _SREGS). */
int kvm_vcpu_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs, struct error *err);
int kvm_vcpu_set_regs(struct kvm_vcpu *vcpu, const struct kvm_regs *regs, struct error *err);
int kvm_vcpu_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs, struct error *err);
int kvm_vcpu_set_sregs(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs, struct error *err);

/* Prints general and special registers to f (crash reports). */
void kvm_vcpu_dump(struct kvm_vcpu *vcpu, FILE *f);

#endif
