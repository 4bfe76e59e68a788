/* /dev/kvm trouble is reported by cause, without a real /dev/kvm; and the
 * context API on a live vCPU, which needs one (skipped outside CI when it is
 * missing, a failure under CI=true, as tests/kvm-device.sh does). */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "boot/boot.h"
#include "common/x86.h"
#include "kvm/kvm.h"
#include "tests/unit/unit.h"

START_TEST(missing_device_named)
{
	struct kvm_system sys;
	struct error err = { 0 };
	ck_assert_int_lt(kvm_system_open(&sys, "/nonexistent/kvm", &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/kvm does not exist"));
}
END_TEST

START_TEST(not_a_kvm_device)
{
	/* /dev/null opens but answers no KVM ioctl: the API version check fails. */
	struct kvm_system sys;
	struct error err = { 0 };
	ck_assert_int_lt(kvm_system_open(&sys, "/dev/null", &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "/dev/null: KVM API version -1, minivmm needs 12"));
	ck_assert_int_eq(sys.fd, -1);
}
END_TEST

START_TEST(too_many_vcpus_named)
{
	struct kvm_system sys = { .fd = -1, .max_vcpus = 4 };
	struct error err = { 0 };
	ck_assert_int_eq(kvm_system_check_vcpus(&sys, 1, &err), 0);
	ck_assert_int_eq(kvm_system_check_vcpus(&sys, 4, &err), 0);
	ck_assert_int_eq(kvm_system_check_vcpus(&sys, 5, &err), -1);
	ck_assert_str_eq(err.msg, "5 vCPUs asked for, but this KVM allows at most 4 per VM");
	ck_assert_int_eq(kvm_system_check_vcpus(&sys, 0, &err), -1);
}
END_TEST

/* The routes for one GSI: which irqchip pins it reaches. */
struct gsi_pins {
	int pic_chip, pic_pin, ioapic_pin;   /* -1: none */
};

static struct gsi_pins gsi_pins(const struct kvm_irq_routing_entry *e, size_t n, uint32_t gsi)
{
	struct gsi_pins p = { -1, -1, -1 };
	for (size_t i = 0; i < n; i++) {
		if (e[i].gsi != gsi)
			continue;
		ck_assert_uint_eq(e[i].type, KVM_IRQ_ROUTING_IRQCHIP);
		ck_assert_uint_eq(e[i].flags, 0);
		if (e[i].u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC) {
			ck_assert_msg(p.ioapic_pin < 0, "GSI %u routed to two IOAPIC pins", gsi);
			p.ioapic_pin = (int)e[i].u.irqchip.pin;
		} else {
			ck_assert_msg(p.pic_chip < 0, "GSI %u routed to two PIC pins", gsi);
			p.pic_chip = (int)e[i].u.irqchip.irqchip;
			p.pic_pin = (int)e[i].u.irqchip.pin;
		}
	}
	return p;
}

START_TEST(gsi_routing_is_a_pc)
{
	struct kvm_irq_routing_entry e[KVM_VM_GSI_ROUTES + 1];
	memset(e, 0xa5, sizeof(e));
	size_t n = kvm_vm_gsi_routing(e, KVM_VM_GSI_ROUTES);
	ck_assert_uint_eq(n, KVM_VM_GSI_ROUTES);
	ck_assert_uint_eq(e[KVM_VM_GSI_ROUTES].gsi, 0xa5a5a5a5);   /* stays inside max */

	/* The PIT's GSI 0: PIC IRQ 0 and IOAPIC pin 2, as the MADT's
	 * override says (boot.h ACPI_ISA_IRQ0_GSI). */
	struct gsi_pins p = gsi_pins(e, n, 0);
	ck_assert_int_eq(p.pic_chip, KVM_IRQCHIP_PIC_MASTER);
	ck_assert_int_eq(p.pic_pin, 0);
	ck_assert_int_eq(p.ioapic_pin, 2);
	/* The cascade goes nowhere. */
	p = gsi_pins(e, n, 2);
	ck_assert_int_eq(p.pic_chip, -1);
	ck_assert_int_eq(p.ioapic_pin, -1);
	/* The other ISA IRQs: their PIC pin and the same IOAPIC pin, the
	 * serial port's IRQ 4 (KVM_IRQ_LINE) among them. */
	bool ioapic_pin_used[KVM_VM_IOAPIC_PINS] = { false };
	ioapic_pin_used[2] = true;
	for (uint32_t gsi = 1; gsi < 16; gsi++) {
		if (gsi == 2)
			continue;
		p = gsi_pins(e, n, gsi);
		ck_assert_int_eq(p.pic_chip, gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE);
		ck_assert_int_eq(p.pic_pin, (int)(gsi % 8));
		ck_assert_int_eq(p.ioapic_pin, (int)gsi);
		ioapic_pin_used[gsi] = true;
	}
	/* PCI-style GSIs 16-23: the IOAPIC only. */
	for (uint32_t gsi = 16; gsi < KVM_VM_IOAPIC_PINS; gsi++) {
		p = gsi_pins(e, n, gsi);
		ck_assert_int_eq(p.pic_chip, -1);
		ck_assert_int_eq(p.ioapic_pin, (int)gsi);
		ioapic_pin_used[gsi] = true;
	}
	ck_assert(!ioapic_pin_used[0]);   /* nothing reaches pin 0 */
	ck_assert_int_eq(gsi_pins(e, n, KVM_VM_IOAPIC_PINS).ioapic_pin, -1);

	/* Asked for fewer, it fills no more and still says how many. */
	ck_assert_uint_eq(kvm_vm_gsi_routing(e, 3), KVM_VM_GSI_ROUTES);
}
END_TEST

/* What firmware leaves in an 8259A: through ICW4, SeaBIOS's vector bases,
 * every input masked; the ELCR and edge-detection state untouched. */
START_TEST(pic_firmware_state_masks_all)
{
	for (int master = 0; master <= 1; master++) {
		struct kvm_pic_state p;
		memset(&p, 0xa5, sizeof(p));
		kvm_vm_pic_firmware_state(&p, master);
		ck_assert_uint_eq(p.imr, 0xff);
		ck_assert_uint_eq(p.irq_base, master ? 0x08 : 0x70);
		ck_assert_uint_eq(p.irq_base & 7, 0);   /* ICW2 gives T7-T3 only */
		ck_assert_uint_eq(p.init4, 1);
		ck_assert_uint_eq(p.init_state, 0);
		ck_assert_uint_eq(p.irr, 0);
		ck_assert_uint_eq(p.isr, 0);
		ck_assert_uint_eq(p.priority_add, 0);
		ck_assert_uint_eq(p.read_reg_select, 0);
		ck_assert_uint_eq(p.poll, 0);
		ck_assert_uint_eq(p.special_mask, 0);
		ck_assert_uint_eq(p.auto_eoi, 0);
		ck_assert_uint_eq(p.rotate_on_auto_eoi, 0);
		ck_assert_uint_eq(p.special_fully_nested_mode, 0);
		ck_assert_uint_eq(p.last_irr, 0xa5);
		ck_assert_uint_eq(p.elcr, 0xa5);
		ck_assert_uint_eq(p.elcr_mask, 0xa5);
	}
}
END_TEST

/* /dev/kvm opened and a VM with 16 MiB of RAM in minivmm's layout.  These
 * checks carry the tag UNIT_TAG_KVM: unit_main.c leaves them out, and says
 * so, where /dev/kvm is not usable; reached without KVM they fail. */
static void live_vm_open(struct kvm_system *sys, struct kvm_vm *vm)
{
	struct error err = { 0 };
	const struct kvm_vm_config cfg = {
		.ram_size = 16 << 20, .mmio_hole_start = LAYOUT_MMIO_HOLE_START,
		.mmio_hole_end = LAYOUT_MMIO_HOLE_END, .tss_addr = LAYOUT_TSS,
		.identity_map_addr = LAYOUT_IDENTITY_MAP,
	};
	ck_assert_msg(kvm_system_open(sys, "/dev/kvm", &err) == 0, "%s", err.msg);
	ck_assert_msg(kvm_vm_map_ram(vm, &cfg, &err) == 0, "%s", err.msg);
	ck_assert_msg(kvm_vm_create(vm, sys, &cfg, &err) == 0, "%s", err.msg);
}

/* vCPU index of ncpus with the state boot/ decides for it, as
 * machine_create_vcpus makes it; extra_msr (0: none) is one more MSR to
 * set.  Returns kvm_vcpu_create's result, its error in err. */
static int live_vcpu_create_with(struct kvm_vcpu *vcpu, struct kvm_system *sys,
				 struct kvm_vm *vm, int index, int ncpus, uint32_t extra_msr,
				 struct error *err)
{
	const struct kvm_cpuid2 *supported = kvm_system_supported_cpuid(sys, err);
	ck_assert_msg(supported != NULL, "%s", err->msg);
	struct kvm_vcpu_setup setup;
	ck_assert_msg(boot_vcpu_setup_build(&setup, supported, index, ncpus, sys->tsc_deadline,
					    err) == 0, "%s", err->msg);
	if (extra_msr) {
		ck_assert_uint_lt(setup.nmsrs, KVM_VCPU_SETUP_MAX_MSRS);
		setup.msrs[setup.nmsrs++] = (struct kvm_msr_entry){ .index = extra_msr };
	}
	int r = kvm_vcpu_create(vcpu, vm, index, &setup, err);
	boot_vcpu_setup_free(&setup);
	return r;
}

static void live_vcpu_create(struct kvm_vcpu *vcpu, struct kvm_system *sys, struct kvm_vm *vm,
			     int index, int ncpus)
{
	struct error err = { 0 };
	ck_assert_msg(live_vcpu_create_with(vcpu, sys, vm, index, ncpus, 0, &err) == 0, "%s",
		      err.msg);
}

#define MSR_NONE 0x4d494e49U   /* an MSR no CPU has */

START_TEST(context_on_a_live_vcpu)
{
	struct kvm_system sys;
	struct kvm_vm vm;
	struct kvm_vcpu vcpu;
	struct error err = { 0 };
	live_vm_open(&sys, &vm);
	live_vcpu_create(&vcpu, &sys, &vm, 0, 1);

	uint64_t v = 0;
	ck_assert_msg(kvm_vcpu_set_reg(&vcpu, VCPU_REG_RAX, 0x1234567890abcdefULL, &err) == 0,
		      "%s", err.msg);
	ck_assert_msg(kvm_vcpu_set_reg(&vcpu, VCPU_REG_CR3, 0x9000, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(kvm_vcpu_get_reg(&vcpu, VCPU_REG_RAX, &v, &err), 0);
	ck_assert_uint_eq(v, 0x1234567890abcdefULL);
	ck_assert_int_eq(kvm_vcpu_get_reg(&vcpu, VCPU_REG_CR3, &v, &err), 0);
	ck_assert_uint_eq(v, 0x9000);
	/* Refused before KVM sees it, and the vCPU keeps its value. */
	ck_assert_int_eq(kvm_vcpu_set_reg(&vcpu, VCPU_REG_RFLAGS, 0, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "rflags"));
	ck_assert_int_eq(kvm_vcpu_get_reg(&vcpu, VCPU_REG_RFLAGS, &v, &err), 0);
	ck_assert_uint_eq(v, 0x2);

	ck_assert_msg(kvm_vcpu_set_msr(&vcpu, X86_MSR_LSTAR, 0xffffffff81000000ULL, &err) == 0,
		      "%s", err.msg);
	ck_assert_msg(kvm_vcpu_get_msr(&vcpu, X86_MSR_LSTAR, &v, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(v, 0xffffffff81000000ULL);
	/* An MSR no CPU has. */
	ck_assert_int_eq(kvm_vcpu_get_msr(&vcpu, MSR_NONE, &v, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "MSR 0x4d494e49"));

	kvm_vcpu_destroy(&vcpu);
	kvm_vm_destroy(&vm);
	kvm_system_close(&sys);
}
END_TEST

/* The supported CPUID table is fetched once, on kvm_system_open's thread,
 * and every vCPU starts from the same one. */
START_TEST(supported_cpuid_fetched_once)
{
	struct kvm_system sys;
	struct kvm_vm vm;
	struct error err = { 0 };
	live_vm_open(&sys, &vm);
	const struct kvm_cpuid2 *c = kvm_system_supported_cpuid(&sys, &err);
	ck_assert_msg(c != NULL, "%s", err.msg);
	ck_assert_uint_gt(c->nent, 0);
	ck_assert_uint_eq(c->entries[0].function, 0);   /* leaf 0: vendor, max leaf */
	ck_assert_ptr_eq(kvm_system_supported_cpuid(&sys, &err), c);
	ck_assert(!sys.cpuid_thread_running);
	kvm_vm_destroy(&vm);
	kvm_system_close(&sys);
	ck_assert_ptr_null(sys.cpuid);
}
END_TEST

/* Guest RAM starts on a 2 MiB boundary, so that KVM can map it with 2 MiB
 * pages; a vCPU starts with XCR0 holding the user states its CPUID offers. */
START_TEST(ram_aligned_and_xcr0_set)
{
	struct kvm_system sys;
	struct kvm_vm vm;
	struct kvm_vcpu vcpu;
	live_vm_open(&sys, &vm);
	ck_assert_uint_eq((uintptr_t)vm.mem.host_base % (2u << 20), 0);
	live_vcpu_create(&vcpu, &sys, &vm, 0, 1);
	enum { CAP = 512 };
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + CAP * sizeof(c->entries[0]));
	ck_assert_ptr_nonnull(c);
	c->nent = CAP;
	ck_assert_int_eq(ioctl(vcpu.fd, KVM_GET_CPUID2, c), 0);
	uint64_t offered = 0;
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0xd && c->entries[i].index == 0)
			offered = c->entries[i].eax | (uint64_t)c->entries[i].edx << 32;
	free(c);
	struct kvm_xcrs xcrs = { 0 };
	ck_assert_int_eq(ioctl(vcpu.fd, KVM_GET_XCRS, &xcrs), 0);
	if (offered & 4) {   /* AVX offered: more than x87 */
		ck_assert_uint_eq(xcrs.nr_xcrs, 1);
		ck_assert_uint_eq(xcrs.xcrs[0].value, offered & 0x2e7);
	}
	kvm_vcpu_destroy(&vcpu);
	kvm_vm_destroy(&vm);
	kvm_system_close(&sys);
}
END_TEST

/* kvm_vcpu_create hands KVM what boot_vcpu_setup_build decided: the LINT
 * pins' delivery modes, the MSRs, the FPU; and an MSR KVM refuses is an
 * error naming it. */
START_TEST(setup_applied_on_a_live_vcpu)
{
	struct kvm_system sys;
	struct kvm_vm vm;
	struct kvm_vcpu vcpu;
	struct error err = { 0 };
	live_vm_open(&sys, &vm);
	live_vcpu_create(&vcpu, &sys, &vm, 0, 1);

	struct kvm_lapic_state lapic;
	ck_assert_int_eq(ioctl(vcpu.fd, KVM_GET_LAPIC, &lapic), 0);
	uint32_t lint0, lint1;
	memcpy(&lint0, &lapic.regs[X86_APIC_LVT_LINT0], sizeof(lint0));
	memcpy(&lint1, &lapic.regs[X86_APIC_LVT_LINT1], sizeof(lint1));
	ck_assert_uint_eq(lint0 & X86_APIC_LVT_DELIVERY_MASK, X86_APIC_DELIVERY_EXTINT);
	ck_assert_uint_eq(lint1 & X86_APIC_LVT_DELIVERY_MASK, X86_APIC_DELIVERY_NMI);

	uint64_t v = 0;
	ck_assert_msg(kvm_vcpu_get_msr(&vcpu, X86_MSR_MTRR_DEF_TYPE, &v, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(v, X86_MTRR_DEF_TYPE_E | X86_MTRR_TYPE_WB);
	ck_assert_msg(kvm_vcpu_get_msr(&vcpu, X86_MSR_MISC_ENABLE, &v, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(v & X86_MISC_ENABLE_FAST_STRING, X86_MISC_ENABLE_FAST_STRING);

	struct kvm_fpu fpu;
	ck_assert_int_eq(ioctl(vcpu.fd, KVM_GET_FPU, &fpu), 0);
	ck_assert_uint_eq(fpu.fcw, 0x37f);   /* (KVM_GET_FPU carries no MXCSR on x86) */
	kvm_vcpu_destroy(&vcpu);

	/* One MSR more, which no CPU has: KVM sets the others and stops there. */
	ck_assert_int_eq(live_vcpu_create_with(&vcpu, &sys, &vm, 1, 2, MSR_NONE, &err), -1);
	ck_assert_msg(strstr(err.msg, "vCPU 1: KVM refused MSR 0x4d494e49"), "%s", err.msg);
	ck_assert_int_eq(vcpu.fd, -1);

	kvm_vm_destroy(&vm);
	kvm_system_close(&sys);
}
END_TEST

/* Two vCPUs on a real KVM: vCPU 1 waits for its SIPI, each has its own
 * APIC ID in CPUID, and the VM took the GSI routing. */
START_TEST(two_vcpus_on_a_live_kvm)
{
	struct kvm_system sys;
	struct kvm_vm vm;
	struct kvm_vcpu vcpu[2];
	struct error err = { 0 };
	live_vm_open(&sys, &vm);
	ck_assert_int_ge(sys.max_vcpus, 1);
	ck_assert_int_eq(kvm_system_check_vcpus(&sys, sys.max_vcpus, &err), 0);
	ck_assert_int_eq(kvm_system_check_vcpus(&sys, sys.max_vcpus + 1, &err), -1);
	for (int i = 0; i < 2; i++)
		live_vcpu_create(&vcpu[i], &sys, &vm, i, 2);

	/* api.rst KVM_GET_MP_STATE: with the in-kernel irqchip the BSP runs,
	 * an AP is uninitialized until INIT/SIPI. */
	struct kvm_mp_state mp;
	ck_assert_int_eq(ioctl(vcpu[0].fd, KVM_GET_MP_STATE, &mp), 0);
	ck_assert_uint_eq(mp.mp_state, KVM_MP_STATE_RUNNABLE);
	ck_assert_int_eq(ioctl(vcpu[1].fd, KVM_GET_MP_STATE, &mp), 0);
	ck_assert_uint_eq(mp.mp_state, KVM_MP_STATE_UNINITIALIZED);

	/* The CPUID KVM took for each (KVM_GET_CPUID2). */
	enum { CAP = 512 };
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + CAP * sizeof(c->entries[0]));
	ck_assert_ptr_nonnull(c);
	for (int i = 0; i < 2; i++) {
		c->nent = CAP;
		ck_assert_int_eq(ioctl(vcpu[i].fd, KVM_GET_CPUID2, c), 0);
		bool seen = false;
		for (uint32_t k = 0; k < c->nent; k++) {
			if (c->entries[k].function == 1) {
				ck_assert_uint_eq(c->entries[k].ebx >> 24, (uint32_t)i);
				ck_assert_uint_eq((c->entries[k].ebx >> 16) & 0xff, 2);
				seen = true;
			}
		}
		ck_assert(seen);
	}
	free(c);

	/* The routing kvm_vm_create installed, seen in the IOAPIC: GSI 0
	 * raised reaches pin 2, where the MADT's override sends the guest,
	 * not pin 0 as with KVM's default routing.  The pins are masked after
	 * reset: KVM's ioapic_set_irq sets the pin's IRR bit, delivers
	 * nothing, and the bit stays while the line is high (kvm_pvm too). */
	ck_assert_int_eq(kvm_vm_set_irq_line(&vm, 0, 1), 0);
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	ck_assert_int_eq(ioctl(vm.fd, KVM_GET_IRQCHIP, &chip), 0);
	ck_assert_msg(chip.chip.ioapic.redirtbl[2].fields.mask, "IOAPIC pin 2 unmasked after reset");
	uint32_t irr = chip.chip.ioapic.irr;
	ck_assert_msg((irr & (1u << 2)) && !(irr & 1u),
		      "GSI 0 raised: IOAPIC IRR 0x%08x, want pin 2 set and pin 0 clear", irr);
	ck_assert_int_eq(kvm_vm_set_irq_line(&vm, 0, 0), 0);

	for (int i = 0; i < 2; i++)
		kvm_vcpu_destroy(&vcpu[i]);
	kvm_vm_destroy(&vm);
	kvm_system_close(&sys);
}
END_TEST

/* The 8259A pair kvm_vm_create leaves: masked and initialised where KVM's
 * power-on state is unmasked with vector base 0, so that a raised IRQ 4
 * (the 8250's) is held in the IRR and never reaches LINT0 as vector 4; the
 * ELCR mask KVM gives its chips is kept. */
START_TEST(pic_masked_on_a_live_vm)
{
	struct kvm_system sys;
	struct kvm_vm vm;
	live_vm_open(&sys, &vm);

	/* KVM's own state, from a VM of the bare ioctls. */
	int raw = ioctl(sys.fd, KVM_CREATE_VM, 0);
	ck_assert_int_ge(raw, 0);
	ck_assert_int_eq(ioctl(raw, KVM_CREATE_IRQCHIP, 0), 0);

	for (uint32_t id = KVM_IRQCHIP_PIC_MASTER; id <= KVM_IRQCHIP_PIC_SLAVE; id++) {
		struct kvm_irqchip chip = { .chip_id = id }, reset = { .chip_id = id };
		ck_assert_int_eq(ioctl(vm.fd, KVM_GET_IRQCHIP, &chip), 0);
		ck_assert_int_eq(ioctl(raw, KVM_GET_IRQCHIP, &reset), 0);
		const struct kvm_pic_state *p = &chip.chip.pic;
		ck_assert_msg(p->imr == 0xff, "PIC %u: IMR 0x%02x, want 0xff (KVM's reset: 0x%02x)",
			      id, p->imr, reset.chip.pic.imr);
		ck_assert_uint_eq(p->irq_base, id == KVM_IRQCHIP_PIC_MASTER ? 0x08 : 0x70);
		ck_assert_uint_eq(p->init4, 1);
		ck_assert_uint_eq(p->init_state, 0);
		ck_assert_uint_eq(p->elcr_mask, reset.chip.pic.elcr_mask);
	}
	close(raw);

	/* IRQ 4 raised: pending in the master's IRR, masked. */
	ck_assert_int_eq(kvm_vm_set_irq_line(&vm, 4, 1), 0);
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	ck_assert_int_eq(ioctl(vm.fd, KVM_GET_IRQCHIP, &chip), 0);
	ck_assert_msg(chip.chip.pic.irr & (1u << 4), "IRQ 4 raised: PIC IRR 0x%02x",
		      chip.chip.pic.irr);
	ck_assert_uint_eq(chip.chip.pic.isr, 0);
	ck_assert_int_eq(kvm_vm_set_irq_line(&vm, 4, 0), 0);

	kvm_vm_destroy(&vm);
	kvm_system_close(&sys);
}
END_TEST

Suite *kvm_system_suite(void)
{
	Suite *s = suite_create("kvm_system");
	TCase *t = tcase_create("kvm_system");
	tcase_add_test(t, missing_device_named);
	tcase_add_test(t, not_a_kvm_device);
	tcase_add_test(t, too_many_vcpus_named);
	tcase_add_test(t, gsi_routing_is_a_pc);
	tcase_add_test(t, pic_firmware_state_masks_all);
	suite_add_tcase(s, t);
	TCase *live = tcase_create("kvm_system_live");
	tcase_set_tags(live, UNIT_TAG_KVM);
	tcase_add_test(live, context_on_a_live_vcpu);
	tcase_add_test(live, two_vcpus_on_a_live_kvm);
	tcase_add_test(live, supported_cpuid_fetched_once);
	tcase_add_test(live, ram_aligned_and_xcr0_set);
	tcase_add_test(live, setup_applied_on_a_live_vcpu);
	tcase_add_test(live, pic_masked_on_a_live_vm);
	suite_add_tcase(s, live);
	return s;
}
