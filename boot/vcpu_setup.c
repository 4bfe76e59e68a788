/* Every vCPU's initial state beyond its registers, as data (struct
 * kvm_vcpu_setup, which kvm_vcpu_create applies): the CPUID policy
 * (vcpu_cpuid.c), XCR0, the MSRs, the local APIC's LINT pins and the FPU,
 * the way a Linux guest expects to find a freshly reset x86 CPU after its
 * firmware; kvmtool and Firecracker set the same. */
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "common/x86.h"

/* MTRRs enabled, default type write-back: without this Linux maps all RAM
 * uncached and boots slowly (Firecracker PR #5526). */
#define BOOT_MTRR_DEF_TYPE (X86_MTRR_DEF_TYPE_E | X86_MTRR_TYPE_WB)

/* The MSRs a vCPU starts with: the system-call MSRs and KERNEL_GS_BASE
 * zero, as after reset (SDM Vol. 3A, "Processor State After Reset"), the
 * TSC from zero, fast strings on, as firmware leaves them. */
static const struct kvm_msr_entry boot_msrs[] = {
	{ .index = X86_MSR_SYSENTER_CS, .data = 0 },
	{ .index = X86_MSR_SYSENTER_ESP, .data = 0 },
	{ .index = X86_MSR_SYSENTER_EIP, .data = 0 },
	{ .index = X86_MSR_STAR, .data = 0 },
	{ .index = X86_MSR_CSTAR, .data = 0 },
	{ .index = X86_MSR_KERNEL_GS_BASE, .data = 0 },
	{ .index = X86_MSR_SYSCALL_MASK, .data = 0 },
	{ .index = X86_MSR_LSTAR, .data = 0 },
	{ .index = X86_MSR_TSC, .data = 0 },
	{ .index = X86_MSR_MISC_ENABLE, .data = X86_MISC_ENABLE_FAST_STRING },
	{ .index = X86_MSR_MTRR_DEF_TYPE, .data = BOOT_MTRR_DEF_TYPE },
};
_Static_assert(sizeof(boot_msrs) / sizeof(boot_msrs[0]) <= KVM_VCPU_SETUP_MAX_MSRS,
	       "struct kvm_vcpu_setup has room for every boot MSR");

/* XCR0 bits of user state components (SDM vol. 1 13.1): x87, SSE, AVX,
 * the AVX-512 trio and PKRU; MPX (bits 3-4) and AMX (17-18, which needs
 * arch_prctl permission) are left to the guest. */
#define BOOT_XCR0_MASK 0x2e7ull

/* x87 control word and MXCSR after FNINIT / reset (SDM vol. 1 8.1.5,
 * 10.2.3).  x86 KVM's KVM_SET_FPU takes the x87 and XMM registers but not
 * MXCSR (KVM_GET_FPU reads it back as 0); a new vCPU's MXCSR already holds
 * its reset value. */
#define BOOT_FPU_FCW   0x37f
#define BOOT_FPU_MXCSR 0x1f80

/* XCR0 starts with the user states the guest's CPUID offers (leaf 0xD.0
 * EDX:EAX; reset has x87 only), the value Linux itself sets.  KVM
 * recomputes CPUID 0xD.0 EBX (the XSAVE size for XCR0) only when it sees
 * the guest's XSETBV, which a nested hypervisor may not pass on (QEMU TCG
 * in the KVM box): Linux then finds a size that does not match its own and
 * prints a WARNING with a backtrace and 29 CPUID lines (~1 s of serial
 * console in the box).  0 when the table has no leaf 0xD. */
static uint64_t boot_vcpu_xcr0(const struct kvm_cpuid2 *c)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0xd && c->entries[i].index == 0)
			return (c->entries[i].eax | ((uint64_t)c->entries[i].edx << 32)) &
			       BOOT_XCR0_MASK;
	return 0;
}

int boot_vcpu_setup_build(struct kvm_vcpu_setup *setup, const struct kvm_cpuid2 *supported,
			  int index, int ncpus, bool tsc_deadline, struct error *err)
{
	memset(setup, 0, sizeof(*setup));
	/* A copy with room for the entries boot_vcpu_cpuid_adjust may add. */
	uint32_t capacity = supported->nent + BOOT_VCPU_CPUID_EXTRA_ENTRIES;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + capacity * sizeof(c->entries[0]));
	if (!c)
		return error_set_host(err, "out of memory for CPUID entries");
	c->nent = supported->nent;
	memcpy(c->entries, supported->entries, supported->nent * sizeof(c->entries[0]));
	if (boot_vcpu_cpuid_adjust(c, capacity, index, ncpus, tsc_deadline) < 0) {
		free(c);
		return error_set_host(err, "vCPU %d of %d: cannot build its CPUID", index, ncpus);
	}
	setup->cpuid = c;
	setup->xcr0 = boot_vcpu_xcr0(c);

	setup->nmsrs = sizeof(boot_msrs) / sizeof(boot_msrs[0]);
	memcpy(setup->msrs, boot_msrs, sizeof(boot_msrs));

	/* The PIC's output reaches the CPU through LINT0 in ExtINT mode and
	 * NMIs through LINT1, as an MP-spec "virtual wire" firmware leaves
	 * them (MP spec 1.4 §3.6.2.2); the MADT says the same of LINT1
	 * (acpi_tables.c). */
	setup->lint0_delivery = X86_APIC_DELIVERY_EXTINT;
	setup->lint1_delivery = X86_APIC_DELIVERY_NMI;

	setup->fpu.fcw = BOOT_FPU_FCW;
	setup->fpu.mxcsr = BOOT_FPU_MXCSR;
	return 0;
}

void boot_vcpu_setup_free(struct kvm_vcpu_setup *setup)
{
	free(setup->cpuid);
	setup->cpuid = NULL;
}
