/* The VM: KVM_CREATE_VM, the x86 fixed regions KVM needs, the in-kernel
 * irqchip and PIT, the 8259A pair as firmware leaves it, and guest RAM
 * (api.rst sections 4.2, 4.24, 4.35, 4.40, 4.48, 4.55; KVM_GET_IRQCHIP,
 * KVM_SET_IRQCHIP). */
#define _GNU_SOURCE   /* close_range, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm/kvm.h"

static int vm_ioctl(struct kvm_vm *vm, unsigned long req, unsigned long arg,
		    const char *what, struct error *err)
{
	if (ioctl(vm->fd, req, arg) < 0)
		return error_set_host(err, "%s failed: %s", what, strerror(errno));
	return 0;
}

#define VM_RAM_ALIGN ((size_t)2 << 20)

/* Shared RAM: a file of ram_size bytes (ram_file_open) mapped MAP_SHARED
 * over the reservation at host, so that a vhost-user back end can map the
 * same pages from the fd (vhost-user.rst, "Memory regions description").
 * The file is sized without being reserved: like MAP_NORESERVE, a page
 * costs the host only once touched. */
static int vm_map_shared(uint8_t *host, uint64_t ram_size, int *fd_out, bool *huge,
			 struct error *err)
{
	int fd = ram_file_open(ram_size, huge, err);
	if (fd < 0)
		return -1;
	if (mmap(host, ram_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) ==
	    MAP_FAILED) {
		error_set_host(err, "mmap of %llu MiB of shared guest RAM failed: %s",
			       (unsigned long long)(ram_size >> 20), strerror(errno));
		close(fd);
		return -1;
	}
	*fd_out = fd;
	return 0;
}

int kvm_vm_map_ram(struct kvm_vm *vm, const struct kvm_vm_config *cfg, struct error *err)
{
	memset(vm, 0, sizeof(*vm));
	vm->fd = -1;
	vm->mem.fd = -1;
	/* One anonymous mapping for all RAM.  MAP_NORESERVE: pages the guest
	 * never touches cost nothing on the host.  It starts on a 2 MiB
	 * boundary, as QEMU's does: KVM maps a guest range with a 2 MiB page
	 * only where guest and host addresses agree modulo 2 MiB, and a
	 * misaligned mapping leaves every guest page a 4 KiB one, each first
	 * touch a nested page fault (16,500 of them in a cloud kernel boot,
	 * ~0.5 s in the KVM box, whose kernel backs anonymous memory with
	 * transparent huge pages).  Shared RAM replaces the aligned part with
	 * a file mapping (vm_map_shared). */
	size_t slack = VM_RAM_ALIGN;
	uint8_t *raw = mmap(NULL, cfg->ram_size + slack, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return error_set_host(err, "mmap of %llu MiB of guest RAM failed: %s",
				 (unsigned long long)(cfg->ram_size >> 20), strerror(errno));
	uint8_t *host = (uint8_t *)(((uintptr_t)raw + slack - 1) & ~(uintptr_t)(slack - 1));
	if (host > raw)
		munmap(raw, (size_t)(host - raw));
	if (host < raw + slack)
		munmap(host + cfg->ram_size, (size_t)(raw + slack - host));
	int fd = -1;
	int rc = cfg->shared ? vm_map_shared(host, cfg->ram_size, &fd, &vm->ram_huge, err) : 0;
	/* Transparent huge pages asked for on the final mapping, as QEMU does
	 * for guest RAM: a host whose THP setting is "madvise" (or, for a
	 * memfd, shmem_enabled "advise") gives them only so.  Advice only. */
	if (rc == 0)
		madvise(host, cfg->ram_size, MADV_HUGEPAGE);
	if (rc < 0 || guest_memory_init(&vm->mem, host, cfg->ram_size, cfg->mmio_hole_start,
			      cfg->mmio_hole_end, err) < 0) {
		munmap(host, cfg->ram_size);
		if (fd >= 0)
			close(fd);
		vm->mem.host_base = NULL;
		vm->mem.fd = -1;
		return -1;
	}
	vm->mem.fd = fd;
	return 0;
}

/* One memory slot per RAM region of the mapping kvm_vm_map_ram made. */
static int vm_add_ram_slots(struct kvm_vm *vm, struct error *err)
{
	for (int i = 0; i < vm->mem.nregions; i++) {
		const struct guest_memory_region *r = &vm->mem.regions[i];
		struct kvm_userspace_memory_region slot = {
			.slot = (uint32_t)i,
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = (uint64_t)(uintptr_t)r->host,
		};
		if (vm_ioctl(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)&slot,
			     "KVM_SET_USER_MEMORY_REGION", err) < 0)
			return -1;
	}
	return 0;
}

/* GSI numbers of the 8259 pair: 0-7 on the master, 8-15 on the slave,
 * whose output arrives on the master's pin 2 (the cascade). */
#define PIC_GSIS        16
#define PIC_CASCADE_GSI 2
/* The PIT raises GSI 0; a PC wires its output to IOAPIC pin 2, and the
 * MADT says so (boot.h ACPI_ISA_IRQ0_GSI). */
#define PIT_GSI         0
#define PIT_IOAPIC_PIN  2

static struct kvm_irq_routing_entry vm_route(uint32_t gsi, uint32_t irqchip, uint32_t pin)
{
	return (struct kvm_irq_routing_entry){
		.gsi = gsi,
		.type = KVM_IRQ_ROUTING_IRQCHIP,
		.u.irqchip = { .irqchip = irqchip, .pin = pin },
	};
}

size_t kvm_vm_gsi_routing(struct kvm_irq_routing_entry *entries, size_t max)
{
	size_t n = 0;
	for (uint32_t gsi = 0; gsi < PIC_GSIS; gsi++) {
		if (gsi == PIC_CASCADE_GSI)
			continue;
		uint32_t chip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
		if (n < max)
			entries[n] = vm_route(gsi, chip, gsi % 8);
		n++;
	}
	for (uint32_t gsi = 0; gsi < KVM_VM_IOAPIC_PINS; gsi++) {
		if (gsi == PIC_CASCADE_GSI)
			continue;
		uint32_t pin = gsi == PIT_GSI ? PIT_IOAPIC_PIN : gsi;
		if (n < max)
			entries[n] = vm_route(gsi, KVM_IRQCHIP_IOAPIC, pin);
		n++;
	}
	return n;
}

/* KVM's default routing sends GSI 0 to IOAPIC pin 0, where no guest that
 * read the MADT looks for the timer; KVM_SET_GSI_ROUTING replaces the whole
 * table (api.rst, KVM_SET_GSI_ROUTING), so every call gives the PC's routes
 * and then the MSI ones. */
int kvm_vm_set_msi_routes(struct kvm_vm *vm, const struct kvm_vm_msi_route *routes, size_t n,
			  struct error *err)
{
	struct kvm_irq_routing *table =
		calloc(1, sizeof(*table) + (KVM_VM_GSI_ROUTES + n) * sizeof(table->entries[0]));
	if (!table)
		return error_set_host(err, "out of memory for the GSI routing table");
	size_t nr = kvm_vm_gsi_routing(table->entries, KVM_VM_GSI_ROUTES);
	for (size_t i = 0; i < n; i++, nr++) {
		struct kvm_irq_routing_entry *e = &table->entries[nr];
		e->gsi = routes[i].gsi;
		e->type = KVM_IRQ_ROUTING_MSI;
		e->u.msi.address_lo = routes[i].address_lo;
		e->u.msi.address_hi = routes[i].address_hi;
		e->u.msi.data = routes[i].data;
	}
	table->nr = (uint32_t)nr;
	int r = vm_ioctl(vm, KVM_SET_GSI_ROUTING, (unsigned long)table, "KVM_SET_GSI_ROUTING", err);
	free(table);
	return r;
}

int kvm_vm_irqfd(struct kvm_vm *vm, int fd, uint32_t gsi, struct error *err)
{
	struct kvm_irqfd irqfd = { .fd = (uint32_t)fd, .gsi = gsi };
	return vm_ioctl(vm, KVM_IRQFD, (unsigned long)&irqfd, "KVM_IRQFD", err);
}

int kvm_vm_ioeventfd(struct kvm_vm *vm, uint64_t addr, uint32_t len, int fd, bool assign,
		     struct error *err)
{
	struct kvm_ioeventfd io = {
		.addr = addr, .len = len, .fd = fd,
		.flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
	};
	return vm_ioctl(vm, KVM_IOEVENTFD, (unsigned long)&io, "KVM_IOEVENTFD", err);
}

/* The 8259A pair as a PC firmware hands it to the OS: initialised, with
 * SeaBIOS's vector bases, and every input masked.  KVM_CREATE_IRQCHIP gives
 * both chips their power-on state instead (all zeros: no ICW seen, IMR 0 so
 * every input enabled, vector base 0).  That state reaches a guest only on
 * the boot vCPU, through LINT0 in ExtINT mode (vcpu_setup.c leaves it so, as
 * a virtual-wire firmware does): the vector of an ExtINT comes from the
 * 8259A's INTA cycle, not from the LVT (Intel SDM vol. 3A 11.5.1, "Delivery
 * Mode" of the local vector table), so with base 0 the 8250's IRQ 4, which
 * KVM_IRQ_LINE raises on the PIC as well as on the IOAPIC, arrives as vector
 * 4, #OF.  Linux on minivmm's hardware-reduced ACPI uses no 8259 and never
 * programs one, yet with a device tree it leaves LINT0 unmasked (pic_mode):
 * it panicked at its first serial interrupt.  Masked here, nothing reaches
 * LINT0 until an OS programs the 8259A itself; one that does (ICW1-ICW4,
 * then OCW1) overwrites all of this, as on a PC.
 *
 * The fields are those an ICW1-ICW4 sequence leaves in KVM's model (8259A
 * datasheet, "Initialization Command Words"): ICW2 the vector base (T7-T3,
 * so a multiple of 8), ICW4 present (init4) in 8086 mode with normal EOI;
 * then OCW1 (the IMR, "Operation Command Words") 0xff, every input masked on
 * both chips, the master's cascade input IR2 too, since nothing on the
 * slave is enabled either.  The rest (ELCR and its mask, last_irr) stays as
 * KVM_GET_IRQCHIP reports it: KVM_SET_IRQCHIP replaces the whole chip
 * (api.rst, KVM_GET_IRQCHIP and KVM_SET_IRQCHIP). */
#define PIC_MASTER_VECTOR_BASE 0x08   /* SeaBIOS's BIOS_HWIRQ0_VECTOR */
#define PIC_SLAVE_VECTOR_BASE  0x70   /* SeaBIOS's BIOS_HWIRQ8_VECTOR */
#define PIC_ALL_MASKED         0xff

void kvm_vm_pic_firmware_state(struct kvm_pic_state *pic, bool master)
{
	pic->irr = 0;
	pic->isr = 0;
	pic->imr = PIC_ALL_MASKED;
	pic->priority_add = 0;
	pic->irq_base = master ? PIC_MASTER_VECTOR_BASE : PIC_SLAVE_VECTOR_BASE;
	pic->read_reg_select = 0;
	pic->poll = 0;
	pic->special_mask = 0;
	pic->init_state = 0;   /* initialisation done */
	pic->auto_eoi = 0;
	pic->rotate_on_auto_eoi = 0;
	pic->special_fully_nested_mode = 0;
	pic->init4 = 1;
}

static int vm_init_pic(struct kvm_vm *vm, struct error *err)
{
	for (uint32_t id = KVM_IRQCHIP_PIC_MASTER; id <= KVM_IRQCHIP_PIC_SLAVE; id++) {
		struct kvm_irqchip chip = { .chip_id = id };
		if (vm_ioctl(vm, KVM_GET_IRQCHIP, (unsigned long)&chip, "KVM_GET_IRQCHIP", err) < 0)
			return -1;
		kvm_vm_pic_firmware_state(&chip.chip.pic, id == KVM_IRQCHIP_PIC_MASTER);
		if (vm_ioctl(vm, KVM_SET_IRQCHIP, (unsigned long)&chip, "KVM_SET_IRQCHIP", err) < 0)
			return -1;
	}
	return 0;
}

int kvm_vm_create(struct kvm_vm *vm, struct kvm_system *sys,
		  const struct kvm_vm_config *cfg, struct error *err)
{
	vm->sys = sys;
	vm->fd = ioctl(sys->fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		error_set_host(err, "KVM_CREATE_VM failed: %s", strerror(errno));
		kvm_vm_destroy(vm);
		return -1;
	}

	/* Intel needs a TSS (three pages) and an identity-map page inside the
	 * guest-physical space but outside RAM (api.rst 4.40, 4.55).  RAM goes
	 * in before the irqchip: measured on kvm_pvm and under nested SVM, the
	 * first KVM_SET_USER_MEMORY_REGION takes 4-8 ms once an irqchip exists
	 * and 0.2 ms before, the largest single cost of a VM's start. */
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	uint64_t identity = cfg->identity_map_addr;
	if (vm_ioctl(vm, KVM_SET_TSS_ADDR, cfg->tss_addr, "KVM_SET_TSS_ADDR", err) < 0 ||
	    vm_ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, (unsigned long)&identity,
		     "KVM_SET_IDENTITY_MAP_ADDR", err) < 0 ||
	    vm_add_ram_slots(vm, err) < 0 ||
	    vm_ioctl(vm, KVM_CREATE_IRQCHIP, 0, "KVM_CREATE_IRQCHIP", err) < 0 ||
	    vm_init_pic(vm, err) < 0 ||
	    kvm_vm_set_msi_routes(vm, NULL, 0, err) < 0 ||
	    vm_ioctl(vm, KVM_CREATE_PIT2, (unsigned long)&pit, "KVM_CREATE_PIT2", err) < 0) {
		kvm_vm_destroy(vm);
		return -1;
	}
	return 0;
}

void kvm_vm_destroy(struct kvm_vm *vm)
{
	if (vm->fd > 0)
		close(vm->fd);
	vm->fd = -1;
	/* The RAM file goes with the mapping: a struct never mapped (zeroed,
	 * fd 0) must not close stdin. */
	if (vm->mem.host_base) {
		munmap(vm->mem.host_base, vm->mem.ram_size);
		if (vm->mem.fd >= 0)
			close(vm->mem.fd);
	}
	vm->mem.host_base = NULL;
	vm->mem.fd = -1;
}

/* close_range over [lo, hi] (hi may be ~0U); an empty range is fine. */
static int vm_close_fds(unsigned lo, unsigned hi)
{
	return lo <= hi ? close_range(lo, hi, 0) : 0;
}

void kvm_vm_release_after_exit(struct kvm_vm *vm, void (*in_child)(void))
{
	if (vm->fd <= 0)
		return;
	/* The pipe's write end stays open in this process until it exits;
	 * the child's read then ends, and so does the child. */
	int cue[2];
	if (pipe2(cue, O_CLOEXEC) < 0)
		return;
	/* Guest RAM is not the child's business: not even its page tables
	 * get copied. */
	if (vm->mem.host_base)
		madvise(vm->mem.host_base, vm->mem.ram_size, MADV_DONTFORK);
	pid_t pid = fork();
	if (pid == 0) {
		/* Only the VM and the cue stay open: a reader of our stdout
		 * or of a file we wrote must see it closed when we exit.  If
		 * that cannot be done (close_range is Linux 5.9+, and some
		 * seccomp filters refuse it), leave at once: the teardown is
		 * then our exit's, as it would have been. */
		close(cue[1]);
		unsigned lo = (unsigned)(vm->fd < cue[0] ? vm->fd : cue[0]);
		unsigned hi = (unsigned)(vm->fd < cue[0] ? cue[0] : vm->fd);
		if ((lo > 0 && vm_close_fds(0, lo - 1) < 0) || vm_close_fds(lo + 1, hi - 1) < 0 ||
		    vm_close_fds(hi + 1, ~0U) < 0)
			_exit(0);
		/* Nor the caller's working directory (an unmount right after
		 * we exit would find it busy). */
		if (chdir("/") < 0)
			_exit(0);
		if (in_child)
			in_child();
		char byte;
		while (read(cue[0], &byte, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(cue[0]);
	if (pid < 0)
		close(cue[1]);
}

int kvm_vm_coalesce_pio(struct kvm_vm *vm, uint16_t port, uint16_t len, bool on,
			struct error *err)
{
	struct kvm_coalesced_mmio_zone zone = { .addr = port, .size = len, .pio = 1 };
	if (on)
		return vm_ioctl(vm, KVM_REGISTER_COALESCED_MMIO, (unsigned long)&zone,
				"KVM_REGISTER_COALESCED_MMIO", err);
	return vm_ioctl(vm, KVM_UNREGISTER_COALESCED_MMIO, (unsigned long)&zone,
			"KVM_UNREGISTER_COALESCED_MMIO", err);
}

int kvm_vm_set_irq_line(struct kvm_vm *vm, uint32_t irq, int level)
{
	struct kvm_irq_level line = { .irq = irq, .level = (uint32_t)level };
	return ioctl(vm->fd, KVM_IRQ_LINE, &line) < 0 ? -errno : 0;
}
