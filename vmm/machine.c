/* Assembling the machine from struct vm_config, in the order the data
 * flows: images read and checked, then kvm/, loader/, boot/, devices. */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "boot/boot.h"
#include "vmm/devices/debug_exit.h"
#include "vmm/exit_status.h"
#include "vmm/machine.h"
#include "vmm/seccomp.h"

const char *machine_input_file(const struct vm_config *cfg, size_t i, const char **what)
{
	size_t nloads = cfg->nraw_loads, nfiles = cfg->nfw_cfg_files;
	if (i < 2) {
		*what = i == 0 ? "the --kernel image" : "the --initrd image";
		return i == 0 ? cfg->kernel_path : cfg->initrd_path;
	}
	if ((i -= 2) < nloads) {
		*what = "the --load image";
		return cfg->raw_loads[i].path;
	}
	if ((i -= nloads) < nfiles) {
		*what = "the --fw-cfg file";
		return cfg->fw_cfg_files[i].path;
	}
	if ((i -= nfiles) < cfg->ndisks) {
		*what = "the --disk";
		return cfg->disks[i].path;
	}
	if (i - cfg->ndisks == 0 && cfg->dtb_path) {
		*what = "the --dtb file";
		return cfg->dtb_path;
	}
	*what = NULL;
	return NULL;
}

bool machine_is_file(const struct stat *st, const char *path)
{
	struct stat other;
	return path && strcmp(path, "-") != 0 && stat(path, &other) == 0 &&
	       st->st_dev == other.st_dev && st->st_ino == other.st_ino;
}

/* An output file (--result-json, --dump) replaces what its path held: the
 * report at once at setup (no stale result may survive a killed run),
 * before the images are read; the dump later, over a kernel its analysis
 * may need.  Neither may be one of the images. */
static int machine_check_output_path(const struct vm_config *cfg, const char *opt,
				     const char *path, const char *what, struct error *err)
{
	struct stat out;
	const char *p, *input;
	if (stat(path, &out) < 0 || !S_ISREG(out.st_mode))
		return 0;
	for (size_t i = 0; (p = machine_input_file(cfg, i, &input)) || input; i++)
		if (machine_is_file(&out, p))
			return error_set(err, "%s %s: that is the image %s; the %s would overwrite "
					 "it", opt, path, p, what);
	return 0;
}

/* The dump replaces its path by a rename: over a device (/dev/null) or a
 * folder that would destroy more than a stale dump, so only a regular file
 * or nothing may be there.  Nor may the report, written after it.  Its
 * folder must take new files now: a crash is no time to find out. */
static int machine_check_dump_path(const struct vm_config *cfg, struct error *err)
{
	struct stat dump, report;
	if (machine_check_output_path(cfg, "--dump", cfg->dump_path, "dump", err) < 0)
		return -1;
	char *copy = strdup(cfg->dump_path);
	if (!copy)
		return error_set_host(err, "--dump: out of memory");
	const char *dir = dirname(copy);
	int writable = access(dir, W_OK | X_OK);
	int e = errno;
	if (writable < 0)
		error_set(err, "--dump %s: cannot create files in %s: %s", cfg->dump_path, dir,
			  strerror(e));
	free(copy);
	if (writable < 0)
		return -1;
	if (stat(cfg->dump_path, &dump) < 0)
		return 0;
	if (!S_ISREG(dump.st_mode))
		return error_set(err, "--dump %s: not a regular file; the dump would replace it",
				 cfg->dump_path);
	if (cfg->result_json_path && stat(cfg->result_json_path, &report) == 0 &&
	    report.st_dev == dump.st_dev && report.st_ino == dump.st_ino)
		return error_set(err, "--dump %s: that is the --result-json file too",
				 cfg->dump_path);
	return 0;
}

static bool machine_same_regular_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && S_ISREG(sa.st_mode) &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* --console file:PATH loses what it held once setup has succeeded
 * (console_begin), and then takes the guest's output: never over an
 * image, and never the file the dump or the report replaces.  Checked
 * before the report opens (a report written there would destroy the very
 * file), and again once the console file exists (the report or the console
 * may have created the one file both name). */
static int machine_check_console_path(const struct vm_config *cfg, struct error *err)
{
	const char *path = cfg->console_path;
	if (cfg->console != CONSOLE_FILE)
		return 0;
	if (machine_check_output_path(cfg, "--console", path, "console", err) < 0)
		return -1;
	if (cfg->dump_path && machine_same_regular_file(path, cfg->dump_path))
		return error_set(err, "--console %s: that is the --dump file too", path);
	if (cfg->result_json_path && machine_same_regular_file(path, cfg->result_json_path))
		return error_set(err, "--console %s: that is the --result-json file too", path);
	return 0;
}

/* What the user handed in, checked before /dev/kvm is touched so that a bad
 * image is reported the same on every machine. */
static int machine_read_images(struct machine *m, struct error *err)
{
	const struct vm_config *cfg = m->cfg;
	if (image_file_read(&m->kernel_file, cfg->kernel_path, err) < 0 ||
	    kernel_parse(&m->kernel_file, &cfg->kernel_req, &m->vm.mem, &m->kernel, err) < 0 ||
	    machine_dtb_decide(m, err) < 0)
		return -1;
	if (cfg->initrd_path) {
		if (image_file_read(&m->initrd_file, cfg->initrd_path, err) < 0)
			return -1;
		if (m->initrd_file.size >= cfg->mem_size)
			return error_set(err, "%s: initrd of %zu MiB does not fit in %" PRIu64
					 " MiB of guest RAM", m->initrd_file.path,
					 m->initrd_file.size >> 20, cfg->mem_size >> 20);
	}
	m->raw_files = calloc(cfg->nraw_loads ? cfg->nraw_loads : 1, sizeof(*m->raw_files));
	if (!m->raw_files)
		return error_set_host(err, "out of memory for the --load images");
	for (size_t i = 0; i < cfg->nraw_loads; i++)
		if (image_file_read(&m->raw_files[i], cfg->raw_loads[i].path, err) < 0)
			return -1;
	m->fw_cfg_files = calloc(cfg->nfw_cfg_files ? cfg->nfw_cfg_files : 1,
				 sizeof(*m->fw_cfg_files));
	if (!m->fw_cfg_files)
		return error_set_host(err, "out of memory for the --fw-cfg files");
	for (size_t i = 0; i < cfg->nfw_cfg_files; i++)
		if (cfg->fw_cfg_files[i].path &&
		    image_file_read(&m->fw_cfg_files[i], cfg->fw_cfg_files[i].path, err) < 0)
			return -1;
	m->cmdline = options_build_cmdline(cfg);
	if (!m->cmdline)
		return error_set_host(err, "out of memory for the command line");
	return cmdline_check(m->cmdline, cmdline_limit(&m->kernel.setup_header), err);
}

static void machine_serial_irq(void *opaque, int level)
{
	struct machine *m = opaque;
	kvm_vm_set_irq_line(&m->vm, LAYOUT_IRQ_COM1, level);
}

/* Every byte the guest prints: the console, the tail kept for
 * --result-json, the watch for the kernel's panic line and problem
 * reports and the --expect matcher.  From the UART (a vCPU thread) or
 * virtio-console's port 0 (the I/O thread), one byte at a time under
 * console_lock.  With -- CMD the kernel's log comes here from the UART
 * as always, whether or not the console shows it (CONSOLE_NONE). */
void machine_console_output(struct machine *m, uint8_t byte)
{
	pthread_mutex_lock(&m->console_lock);
	run_timeline_mark(m->timeline, RUN_EVENT_FIRST_CONSOLE_BYTE);
	console_tail_add(&m->tail, byte);
	console_output(&m->console, byte);
	console_watch_feed(&m->watch, byte);
	if (m->expect_on && expect_feed(&m->expect, byte)) {
		run_timeline_mark(m->timeline, RUN_EVENT_MARKER);
		if (vm_stop_request(&m->stop, EXIT_GUEST_OFF, "--expect: the console showed \"%.100s\"",
				    m->cfg->expect))
			m->expect_stopped = true;
	}
	pthread_mutex_unlock(&m->console_lock);
}

static void machine_serial_output(void *opaque, uint8_t byte)
{
	machine_console_output(opaque, byte);
}

/* THR writes wait in KVM's coalesced ring whenever the UART allows it
 * (serial_tx_may_wait) and are handled at the next exit: Linux prints its
 * boot log with an LSR read and a THR write per byte, so this halves the
 * exits the log costs (35 us each in the KVM box: ~0.7 s of a cloud
 * kernel's boot).  Runs under the UART's lock. */
static void machine_serial_tx_wait(void *opaque, bool may_wait)
{
	struct machine *m = opaque;
	if (may_wait == m->tx_coalesced)
		return;
	struct error err = { 0 };
	if (kvm_vm_coalesce_pio(&m->vm, LAYOUT_PORT_COM1, 1, may_wait, &err) == 0)
		m->tx_coalesced = may_wait;
	else if (!may_wait)   /* the guest would wait for THR-empty interrupts for ever */
		vm_stop_request(&m->stop, EXIT_HOST_FAILED, "serial: %s", err.msg);
	else if (m->cfg->verbose)
		fprintf(stderr, "minivmm: serial: %s: THR writes keep exiting\n", err.msg);
}

/* fw_cfg with the RAM size and CPU count, etc/vmcoreinfo for the guest
 * kernel to register its note in, and the --fw-cfg files, whose bytes
 * move into the device. */
static int machine_add_fw_cfg(struct machine *m, struct error *err)
{
	const struct vm_config *cfg = m->cfg;
	fw_cfg_init(&m->fw_cfg, &m->vm.mem, cfg->mem_size, cfg->ncpus);
	m->fw_cfg.verbose = cfg->verbose;
	if (fw_cfg_add_vmcoreinfo(&m->fw_cfg, err) < 0)
		return -1;
	for (size_t i = 0; i < cfg->nfw_cfg_files; i++) {
		const struct fw_cfg_option *o = &cfg->fw_cfg_files[i];
		struct image_file *f = &m->fw_cfg_files[i];
		int rc = o->path
			? fw_cfg_add_file(&m->fw_cfg, o->name, f->data, f->size, false, err)
			: fw_cfg_add_file(&m->fw_cfg, o->name, o->string, strlen(o->string), false, err);
		image_file_free(f);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int machine_add_devices(struct machine *m, struct error *err)
{
	m->bus.verbose = m->cfg->verbose;
	serial_init(&m->serial, machine_serial_irq, machine_serial_output, m);
	/* The ring is the VM's; vCPU 0's mapping shows it (api.rst 4.116). */
	if (m->sys.coalesced_pio)
		m->bus.ring = kvm_vcpu_coalesced_ring(&m->vcpus[0].vcpu, &m->bus.ring_entries);
	if (m->bus.ring) {
		m->serial.tx_wait = machine_serial_tx_wait;
		m->serial.tx_waiting = serial_tx_may_wait(&m->serial);
		machine_serial_tx_wait(m, m->serial.tx_waiting);
	}
	i8042_init(&m->i8042, &m->stop);
	rtc_init(&m->rtc);
	pvpanic_init(&m->pvpanic, &m->stop);
	acpi_pm_init(&m->acpi_pm, &m->stop);
	if (machine_add_fw_cfg(m, err) < 0 || machine_add_pci(m, err) < 0)
		return -1;
	_Static_assert(LAYOUT_PORT_COM1_LEN == SERIAL_PORTS && LAYOUT_PORT_RTC_LEN == RTC_PORTS &&
		       LAYOUT_PORT_FW_CFG_LEN == FW_CFG_PORTS,
		       "the layout's port ranges are the devices' own");
	if (io_bus_add(&m->bus, LAYOUT_PORT_COM1, SERIAL_PORTS, serial_io, &m->serial, "serial") < 0 ||
	    io_bus_add(&m->bus, LAYOUT_PORT_I8042_DATA, 1, i8042_data_io, &m->i8042, "i8042") < 0 ||
	    io_bus_add(&m->bus, LAYOUT_PORT_I8042_COMMAND, 1, i8042_command_io, &m->i8042, "i8042") < 0 ||
	    io_bus_add(&m->bus, LAYOUT_PORT_RTC, RTC_PORTS, rtc_io, &m->rtc, "rtc") < 0 ||
	    io_bus_add(&m->bus, LAYOUT_PORT_PVPANIC, PVPANIC_PORTS, pvpanic_io, &m->pvpanic, "pvpanic") < 0 ||
	    io_bus_add(&m->bus, LAYOUT_PORT_ACPI_PM, LAYOUT_PORT_ACPI_PM_LEN, acpi_pm_io, &m->acpi_pm, "acpi-pm") < 0 ||
	    io_bus_add(&m->bus, LAYOUT_PORT_FW_CFG, LAYOUT_PORT_FW_CFG_LEN, fw_cfg_io, &m->fw_cfg, "fw_cfg") < 0 ||
	    io_bus_add(&m->bus, LAYOUT_PORT_DEBUG_EXIT, LAYOUT_PORT_DEBUG_EXIT_LEN, debug_exit_io,
		       &m->stop, "debug-exit") < 0)
		return error_set(err, "internal error: overlapping device ports");
	return 0;
}

/* Boot data first, then the kernel, the raw images at their fixed
 * addresses, and last the initrd, which goes wherever is left. */
static int machine_load(struct machine *m, struct error *err)
{
	const struct vm_config *cfg = m->cfg;
	struct guest_memory *mem = &m->vm.mem;
	if (boot_reserve_images(&m->images, m->kernel.protocol, strlen(m->cmdline), err) < 0 ||
	    kernel_load(mem, &m->images, &m->kernel_file, &cfg->kernel_req, &m->kernel, err) < 0)
		return -1;
	for (size_t i = 0; i < cfg->nraw_loads; i++) {
		struct guest_image raw;
		if (raw_load(mem, &m->images, &m->raw_files[i], cfg->raw_loads[i].addr, &raw, err) < 0)
			return -1;
	}
	if (m->initrd_file.data &&
	    initrd_load(mem, &m->images, &m->initrd_file, &m->kernel, &cfg->initrd_req,
			&m->initrd, err) < 0)
		return -1;
	return 0;
}

/* Every vCPU as KVM creates it, after KVM_CREATE_IRQCHIP (api.rst 4.7
 * KVM_CREATE_VCPU), vCPU id = APIC ID = index, with the state boot/
 * decides for it (CPUID from the supported table, XCR0, MSRs, LINT pins,
 * FPU). */
static int machine_create_vcpus(struct machine *m, struct error *err)
{
	int n = m->cfg->ncpus;
	const struct kvm_cpuid2 *supported = kvm_system_supported_cpuid(&m->sys, err);
	if (!supported)
		return -1;
	m->vcpus = calloc((size_t)n, sizeof(*m->vcpus));
	if (!m->vcpus)
		return error_set_host(err, "out of memory for %d vCPUs", n);
	for (int i = 0; i < n; i++) {
		m->vcpus[i].m = m;
		struct kvm_vcpu_setup setup;
		int r = boot_vcpu_setup_build(&setup, supported, i, n, m->sys.tsc_deadline, err);
		if (r == 0)
			r = kvm_vcpu_create(&m->vcpus[i].vcpu, &m->vm, i, &setup, err);
		boot_vcpu_setup_free(&setup);
		if (r < 0)
			return -1;
		m->nvcpus = i + 1;
	}
	return 0;
}

/* The boot structures in guest RAM for the kernel's entry protocol: pure,
 * before /dev/kvm is opened, so a command line or layout that does not fit
 * is reported the same on every machine. */
static int machine_boot_data(struct machine *m, struct error *err)
{
	struct guest_memory *mem = &m->vm.mem;
	const struct guest_image *initrd = m->initrd_file.data ? &m->initrd : NULL;
	uint64_t rsdp = 0;
	/* A guest handed a device tree gets no MADT: Linux would register
	 * its CPUs and IOAPIC twice (acpi_tables_build_madt says why). */
	if (gdt_build(mem, err) < 0 || machine_dtb_build(m, err) < 0 ||
	    acpi_tables_build_madt(mem, m->cfg->ncpus, vm_config_has_pci(m->cfg), !m->dtb_pass,
				   &rsdp, err) < 0)
		return -1;
	if (m->kernel.protocol == KERNEL_BOOT_PVH)
		return pvh_start_info_build(mem, initrd, m->cmdline,
					    cmdline_limit(&m->kernel.setup_header), rsdp, err);
	if (boot_params_build(mem, &m->kernel, initrd, m->cmdline, rsdp, err) < 0 ||
	    (m->dtb_pass && setup_data_add_dtb(mem, m->dtb, err) < 0) ||
	    page_tables_build(mem, err) < 0)
		return -1;
	return 0;
}

/* The bootstrap processor's registers for the kernel's entry protocol.  The
 * application processors keep the state KVM gave them: with the in-kernel
 * irqchip they stay in KVM_MP_STATE_UNINITIALIZED, KVM_RUN waiting in the
 * kernel, until the guest sends them INIT and SIPI (api.rst 4.38
 * KVM_GET_MP_STATE), as a PC's firmware leaves them. */
static int machine_boot_vcpu(struct machine *m, struct error *err)
{
	struct kvm_vcpu *bsp = &m->vcpus[0].vcpu;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	if (kvm_vcpu_get_sregs(bsp, &sregs, err) < 0)
		return -1;
	if (m->kernel.protocol == KERNEL_BOOT_PVH)
		boot_vcpu_state_pvh(&regs, &sregs, m->kernel.entry, LAYOUT_PVH_START_INFO);
	else
		boot_vcpu_state_linux64(&regs, &sregs, m->kernel.entry, LAYOUT_ZERO_PAGE);
	if (kvm_vcpu_set_sregs(bsp, &sregs, err) < 0 || kvm_vcpu_set_regs(bsp, &regs, err) < 0)
		return -1;
	return 0;
}

static void machine_print_layout(struct machine *m)
{
	for (size_t i = 0; i < m->images.count; i++) {
		const struct image_record *r = &m->images.items[i];
		if (r->kind == IMAGE_KIND_BOOT_DATA)
			continue;
		fprintf(stderr, "minivmm: image %s addr=0x%" PRIx64 " size=0x%" PRIx64,
			image_kind_name(r->kind), r->image.load_paddr, r->image.size);
		if (r->kind == IMAGE_KIND_KERNEL)
			fprintf(stderr, " entry=0x%" PRIx64 " protocol=%s format=%s", m->kernel.entry,
				m->kernel.protocol == KERNEL_BOOT_PVH ? "pvh" : "linux64",
				kernel_format_name(&m->kernel));
		fputc('\n', stderr);
	}
	fprintf(stderr, "minivmm: cmdline \"%s\"\n", m->cmdline);
	struct boot_e820_entry e820[E820_MAX_ENTRIES_ZEROPAGE];
	int n = e820_build(&m->vm.mem, e820, E820_MAX_ENTRIES_ZEROPAGE, NULL);
	for (int i = 0; i < n; i++)
		fprintf(stderr, "minivmm: e820 addr=0x%llx size=0x%llx type=%u\n",
			(unsigned long long)e820[i].addr, (unsigned long long)e820[i].size,
			e820[i].type);
}

int machine_setup(struct machine *m, const struct vm_config *cfg,
		  struct run_timeline *timeline, struct error *err)
{
	memset(m, 0, sizeof(*m));
	io_bus_init(&m->bus, IO_BUS_PORTS_END);
	io_bus_init(&m->mmio, IO_BUS_MMIO_END);
	pthread_mutex_init(&m->msi_lock, NULL);
	pthread_mutex_init(&m->console_lock, NULL);
	m->io.epoll_fd = m->io.stop_fd = -1;
	console_tail_init(&m->tail);
	console_watch_init(&m->watch);
	m->cfg = cfg;
	m->timeline = timeline;
	m->sys.fd = -1;
	m->vm.fd = -1;
	image_list_init(&m->images);
	if (vm_stop_init(&m->stop) < 0)
		return error_set_host(err, "eventfd failed: %s", strerror(errno));
	if (machine_pause_init(&m->pause, cfg->dump_path || cfg->gdb_addr ? cfg->ncpus : 0) < 0)
		return error_set_host(err, "cannot set up the vCPU pause for --dump: out of memory");
	/* The gdb socket before /dev/kvm: a port in use is the user's to fix. */
	if (cfg->gdb_addr && gdb_stub_open(&m->gdb, m, cfg->gdb_addr, cfg->gdb_wait, err) < 0)
		return -1;
	if (machine_check_console_path(cfg, err) < 0)
		return -1;
	/* The report first, so that every later setup error is reported in it. */
	if (cfg->result_json_path) {
		if (machine_check_output_path(cfg, "--result-json", cfg->result_json_path, "report",
					      err) < 0 ||
		    run_report_open(&m->report, cfg->result_json_path, err) < 0)
			return -1;
		m->report_on = true;
	}
	struct kvm_vm_config vm_cfg = {
		.ram_size = cfg->mem_size,
		.mmio_hole_start = LAYOUT_MMIO_HOLE_START,
		.mmio_hole_end = LAYOUT_MMIO_HOLE_END,
		.tss_addr = LAYOUT_TSS,
		.identity_map_addr = LAYOUT_IDENTITY_MAP,
		.shared = cfg->command != NULL,   /* virtiofsd maps it */
	};
	/* Guest RAM (a mapping, nothing of /dev/kvm yet) before the images:
	 * a bzImage's payload is decompressed straight into it (kernel_parse). */
	if ((cfg->dump_path && machine_check_dump_path(cfg, err) < 0) ||
	    (cfg->dump_dtb_path &&
	     machine_check_output_path(cfg, "--dump-dtb", cfg->dump_dtb_path, "tree", err) < 0) ||
	    kvm_vm_map_ram(&m->vm, &vm_cfg, err) < 0 ||
	    machine_read_images(m, err) < 0 ||
	    (cfg->command && machine_command_prepare(m, err) < 0) ||
	    machine_open_disks(m, err) < 0 ||
	    console_open(&m->console, cfg, err) < 0 ||
	    machine_check_console_path(cfg, err) < 0)
		return -1;
	if (cfg->expect) {
		if (expect_init(&m->expect, cfg->expect, err) < 0)
			return -1;
		m->expect_on = true;
	}

	/* Everything the user handed in is placed and checked in guest RAM
	 * first; /dev/kvm only then. */
	if (machine_load(m, err) < 0 ||
	    machine_boot_data(m, err) < 0)
		return -1;
	/* --dump-dtb: the tree is all this run makes; /dev/kvm is not needed. */
	if (cfg->dump_dtb_path)
		return machine_dtb_write_dump(m, err) < 0 ? -1 : 1;
	if ((run_timeline_mark(timeline, RUN_EVENT_IMAGES_LOADED), 0) ||
	    kvm_system_open(&m->sys, cfg->kvm_path, err) < 0 ||
	    kvm_system_check_vcpus(&m->sys, cfg->ncpus, err) < 0 ||
	    kvm_vm_create(&m->vm, &m->sys, &vm_cfg, err) < 0 ||
	    (run_timeline_mark(timeline, RUN_EVENT_VM_CREATED), 0) ||
	    machine_create_vcpus(m, err) < 0 ||
	    machine_boot_vcpu(m, err) < 0 ||
	    machine_add_devices(m, err) < 0)
		return -1;
	if (console_begin(&m->console, err) < 0)
		return -1;
	if (cfg->verbose)
		machine_print_layout(m);
	if (cfg->print_images == PRINT_IMAGES_TABLE)
		image_list_print_table(&m->images, stderr);
	else if (cfg->print_images == PRINT_IMAGES_JSON)
		image_list_print_json(&m->images, stderr);
	return 0;
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Moves typed input to the UART while it has room.  Returns false when
 * input has ended (EOF or error): stdin is then no longer watched. */
/* Bytes the console device (--console-device) takes now.  Typed input
 * goes to it only: the other one has no reader. */
static size_t machine_input_room(struct machine *m)
{
	if (m->cfg->command)
		return machine_command_input_room(m);
	if (m->cfg->console_device == CONSOLE_DEVICE_VIRTIO)
		return virtio_console_input_room(m->vcon, 0);
	return serial_rx_room(&m->serial);
}

static bool machine_forward_input(struct machine *m)
{
	if (m->cfg->command)
		return machine_command_forward_input(m);
	uint8_t in[SERIAL_RX_BUFFER], out[2 * SERIAL_RX_BUFFER];
	size_t room = machine_input_room(m);
	ssize_t n = read(m->console.in_fd, in, room < sizeof(in) ? room : sizeof(in));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	bool quit;
	size_t len = console_filter_input(&m->console, in, (size_t)n, out, &quit);
	if (m->cfg->console_device == CONSOLE_DEVICE_VIRTIO)
		virtio_console_input(m->vcon, 0, out, len);
	else
		serial_receive(&m->serial, out, len);
	if (quit)
		vm_stop_request(&m->stop, EXIT_INTERRUPTED, "Ctrl-A x typed: guest stopped");
	return true;
}

/* SIGUSR1 asks for a dump of the running guest; the others stop it.  The
 * time the guest spent paused for the dump is added to *deadline: it was
 * not running.  (Signals and the timeout wait until the dump is written.) */
static void machine_take_signal(struct machine *m, int sig_fd, int64_t *deadline)
{
	struct signalfd_siginfo si;
	if (read(sig_fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	if (si.ssi_signo == SIGUSR1) {
		int64_t before = monotonic_ms();
		machine_dump_running(m);
		if (*deadline >= 0)
			*deadline += monotonic_ms() - before;
	} else
		vm_stop_request(&m->stop, EXIT_INTERRUPTED, "interrupted by %s",
				strsignal((int)si.ssi_signo));
}

#define MACHINE_RING_POLL_MS 20

/* The main thread's loop: waits for the stop event, signals, the deadline
 * and console input, while the vCPU thread runs the guest. */
static void machine_wait(struct machine *m, int sig_fd)
{
	int64_t deadline = m->cfg->timeout_sec > 0
		? monotonic_ms() + (int64_t)ceil(m->cfg->timeout_sec * 1000) : -1;
	/* A command's stdin is minivmm's (options refuse an image on it). */
	int in_fd = m->cfg->command ? STDIN_FILENO : m->console.in_fd;
	bool input_open = in_fd >= 0;
	while (!vm_stop_requested(&m->stop)) {
		struct pollfd fds[3] = {
			{ .fd = m->stop.wake_fd, .events = POLLIN },
			{ .fd = sig_fd, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
		};
		int wait_ms = -1;
		if (input_open) {
			/* A full receive buffer: look again shortly instead of spinning. */
			if (machine_input_room(m) > 0)
				fds[2].fd = in_fd;
			else
				wait_ms = 10;
		}
		if (deadline >= 0) {
			/* Time gdb held the guest stopped was not the guest's. */
			int64_t left = deadline + gdb_stub_held_ms(m->gdb) - monotonic_ms();
			if (left <= 0) {
				vm_stop_request(&m->stop, EXIT_TIMEOUT, "timeout: the guest was still running after %g s",
						m->cfg->timeout_sec);
				break;
			}
			if (wait_ms < 0 || left < wait_ms)
				wait_ms = left > 1000000 ? 1000000 : (int)left;
		}
		/* Writes waiting in the coalesced ring reach the console at the
		 * vCPU's next exit, and a buffered partial line at its newline;
		 * a guest that prints and then runs without exits, or shows a
		 * prompt, would hold them, and so would output a slow reader
		 * left behind: look every 20 ms as well. */
		if ((m->bus.ring || m->console.out_fd >= 0) &&
		    (wait_ms < 0 || wait_ms > MACHINE_RING_POLL_MS))
			wait_ms = MACHINE_RING_POLL_MS;
		if (poll(fds, 3, wait_ms) < 0 && errno != EINTR) {
			vm_stop_request(&m->stop, EXIT_HOST_FAILED, "poll failed: %s", strerror(errno));
			break;
		}
		io_bus_drain_coalesced(&m->bus);
		if (m->console.out_fd >= 0) {
			pthread_mutex_lock(&m->console_lock);
			console_flush(&m->console);
			pthread_mutex_unlock(&m->console_lock);
		}
		if (fds[1].revents & POLLIN)
			machine_take_signal(m, sig_fd, &deadline);
		if (fds[2].revents & (POLLIN | POLLHUP | POLLERR))
			input_open = machine_forward_input(m);
	}
}

/* Kicks every started vCPU thread out of KVM_RUN and joins it.  Called
 * once the stop was requested, so that no thread goes back in. */
static void machine_stop_vcpus(struct machine *m)
{
	for (int i = 0; i < m->nvcpus; i++)
		if (m->vcpus[i].running)
			vcpu_kick(&m->vcpus[i]);
	for (int i = 0; i < m->nvcpus; i++) {
		if (m->vcpus[i].running)
			pthread_join(m->vcpus[i].thread, NULL);
		m->vcpus[i].running = false;
	}
}

/* One thread per vCPU.  When one cannot be started, the VM stops and the
 * threads already running are stopped with it. */
static int machine_start_vcpus(struct machine *m)
{
	for (int i = 0; i < m->nvcpus; i++) {
		int e = pthread_create(&m->vcpus[i].thread, NULL, vcpu_loop, &m->vcpus[i]);
		if (e != 0) {
			vm_stop_request(&m->stop, EXIT_HOST_FAILED,
					"cannot start the thread of vCPU %d: %s", i, strerror(e));
			return -1;
		}
		m->vcpus[i].running = true;
	}
	return 0;
}

/* --dump-on: the dump of a run that ended as asked, written while guest
 * RAM is still mapped.  A failure is the news only for a run that would
 * have ended with 0; a crash or a timeout stays the bigger one. */
static void machine_dump_final(struct machine *m)
{
	struct error err = { 0 };
	if (!options_dump_wanted(m->cfg, m->stop.status) || machine_dump_at_end(m, &err) == 0)
		return;
	if (m->stop.status == EXIT_GUEST_OFF) {
		snprintf(m->stop.reason, sizeof(m->stop.reason), "dump %.240s", err.msg);
		m->stop.status = EXIT_HOST_FAILED;
	} else {
		fprintf(stderr, "minivmm: dump %s\n", err.msg);
	}
}

/* Output the console could not write is named once, at the end: the
 * guest never waited for it (console.h). */
static void machine_console_dropped(struct machine *m)
{
	const struct console *c = &m->console;
	if (c->out_dropped == 0)
		return;
	const char *where = m->cfg->console == CONSOLE_FILE ? m->cfg->console_path
		: m->cfg->console == CONSOLE_STDERR ? "stderr" : "stdout";
	if (c->out_failed)
		fprintf(stderr, "minivmm: console: %" PRIu64 " bytes of guest output dropped: "
			"writing to %s failed: %s\n", c->out_dropped, where, strerror(c->out_error));
	else
		fprintf(stderr, "minivmm: console: %" PRIu64 " bytes of guest output dropped: "
			"%s took no more (is anyone reading it?)\n", c->out_dropped, where);
}

/* A kernel that panicked before pvpanic's driver was loaded (no root, no
 * init, init exiting) or without it says so only on the console, and
 * then, with the default panic=-1, asks for a reset (kernel/panic.c,
 * panic(): emergency_restart()).  So a reset or power-off the guest asks
 * for after the kernel's panic line is a crash, with the line as the
 * reason; a pvpanic report keeps its status and gains the line.  A run
 * that --expect ended, or that ends any other way (timeout, signal,
 * debug-exit), keeps its status; the report still names the line. */
static void machine_judge_panic(struct machine *m)
{
	console_watch_end(&m->watch);
	const char *line = console_watch_first(&m->watch, CONSOLE_WATCH_PANIC);
	if (!line || (m->cfg->command && m->command.status >= 0))
		return;
	if ((m->stop.status == EXIT_GUEST_OFF && !m->expect_stopped) ||
	    (m->stop.status == EXIT_GUEST_CRASHED && m->pvpanic.stopped_vm)) {
		snprintf(m->stop.reason, sizeof(m->stop.reason), "guest kernel panicked: %s", line);
		m->stop.status = EXIT_GUEST_CRASHED;
	}
}

int machine_run(struct machine *m)
{
	/* SIGINT/SIGTERM/SIGHUP (stop) and SIGUSR1 (dump) arrive through a
	 * signalfd; the kick signal only interrupts the vCPU threads; SIGPIPE
	 * must not kill us when stdout goes away. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, VCPU_KICK_SIGNAL);
	signal(SIGPIPE, SIG_IGN);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigdelset(&set, VCPU_KICK_SIGNAL);
	int sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	/* The kick handler must exist before a thread can be kicked. */
	struct error err = { 0 };
	if (sig_fd < 0 || vcpu_kick_install() < 0)
		vm_stop_request(&m->stop, EXIT_HOST_FAILED, "cannot start the vCPU threads: %s",
				strerror(errno));
	else if (machine_start_io(m, &err) < 0)
		vm_stop_request(&m->stop, EXIT_HOST_FAILED, "%s", err.msg);
	else if (m->gdb && gdb_stub_start(m->gdb, &err) < 0)
		vm_stop_request(&m->stop, EXIT_HOST_FAILED, "%s", err.msg);
	else if (machine_start_vcpus(m) == 0) {
		/* Every thread runs: main's own work is what is left. */
		seccomp_thread_enter(SECCOMP_THREAD_MAIN, 0);
		machine_wait(m, sig_fd);
	}
	/* gdb hears the end and lets go of the vCPUs before they are joined. */
	gdb_stub_stop(m->gdb);
	machine_stop_vcpus(m);
	io_thread_destroy(&m->io);   /* the devices' last work done */
	io_bus_drain_coalesced(&m->bus);   /* the last bytes before the stop */
	console_drain(&m->console, CONSOLE_END_WAIT_MS);
	machine_console_dropped(m);
	machine_judge_panic(m);
	if (m->cfg->command)
		machine_command_judge(m);
	/* With --expect, a guest that ended on its own (power-off, reset)
	 * without showing the string has not passed; a crash or a debug-exit
	 * status says more and stays. */
	if (m->expect_on && !expect_found(&m->expect) && m->stop.status == EXIT_GUEST_OFF) {
		char why[sizeof(m->stop.reason)];
		snprintf(why, sizeof(why), "%.200s before the console showed the --expect string",
			 m->stop.reason);
		memcpy(m->stop.reason, why, sizeof(why));
		m->stop.status = EXIT_EXPECT_MISSING;
	}
	/* The dump follows how the guest ended; a report fails the run
	 * after it. */
	machine_dump_final(m);
	machine_judge_reports(m);
	if (sig_fd >= 0)
		close(sig_fd);
	return m->stop.status;
}

int machine_report(struct machine *m, int status, const char *reason, struct error *err)
{
	if (!m->report_on)
		return 0;
	m->report.kernel_panic = console_watch_first(&m->watch, CONSOLE_WATCH_PANIC);
	m->report.watch = &m->watch;
	m->report.console_bytes_dropped = m->console.out_dropped;
	return run_report_write(&m->report, status, reason, m->cfg->expect,
				m->expect_on && expect_found(&m->expect), m->timeline, &m->tail,
				&m->images, m->cfg->ncpus, err);
}

void machine_teardown(struct machine *m)
{
	console_close(&m->console);
	serial_destroy(&m->serial);
	machine_pci_teardown(m);
	io_bus_destroy(&m->bus);
	io_bus_destroy(&m->mmio);
	pthread_mutex_destroy(&m->msi_lock);
	pthread_mutex_destroy(&m->console_lock);
	for (int i = 0; i < m->nvcpus; i++)
		kvm_vcpu_destroy(&m->vcpus[i].vcpu);
	free(m->vcpus);
	m->vcpus = NULL;
	m->nvcpus = 0;
	kvm_vm_destroy(&m->vm);
	kvm_system_close(&m->sys);
	image_file_free(&m->kernel_file);
	image_file_free(&m->initrd_file);
	image_file_free(&m->dtb_file);
	free(m->dtb);
	m->dtb = NULL;
	for (size_t i = 0; m->raw_files && i < m->cfg->nraw_loads; i++)
		image_file_free(&m->raw_files[i]);
	free(m->raw_files);
	for (size_t i = 0; m->fw_cfg_files && i < m->cfg->nfw_cfg_files; i++)
		image_file_free(&m->fw_cfg_files[i]);
	free(m->fw_cfg_files);
	fw_cfg_destroy(&m->fw_cfg);
	image_list_free(&m->images);
	free(m->cmdline);
	vm_stop_destroy(&m->stop);
	gdb_stub_close(m->gdb);
	m->gdb = NULL;
	machine_pause_destroy(&m->pause);
	expect_free(&m->expect);
	run_report_close(&m->report);
}
