/* The PCI host bridge and the virtio devices behind it: the disks, the
 * entropy source and the virtio console.  A new device type is its own
 * file under vmm/devices/virtio/ and one line in machine_virtio_list. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boot/boot.h"
#include "vmm/exit_status.h"
#include "vmm/machine.h"

/* The virtio devices this machine has, in PCI slot order. */
static size_t machine_virtio_list(struct machine *m, struct virtio_device **list)
{
	const struct vm_config *cfg = m->cfg;
	size_t n = 0;
	for (size_t i = 0; i < cfg->ndisks; i++)
		list[n++] = &m->disks[i].dev;
	if (cfg->rng)
		list[n++] = &m->rng.dev;
	if (m->vcon)
		list[n++] = &m->vcon->dev;
	for (size_t i = 0; i < m->command.nshares; i++)
		list[n++] = &m->command.shares[i].fs.dev;
	return n;
}
#define MACHINE_VIRTIO_MAX (VM_DISKS_MAX + 2 + MACHINE_SHARES_MAX)

static bool machine_same_file(const struct stat *a, const char *path)
{
	struct stat b;
	return path && strcmp(path, "-") != 0 && stat(path, &b) == 0 && a->st_dev == b.st_dev &&
	       a->st_ino == b.st_ino;
}

/* A disk is written by the guest: it may not be any other file of the
 * run (an image, the dump, the report, the console), nor a disk twice. */
static int machine_check_disk_path(const struct vm_config *cfg, size_t index, struct error *err)
{
	const char *path = cfg->disks[index].path;
	struct stat st;
	if (stat(path, &st) < 0)
		return 0;   /* virtio_blk_open names the problem */
	const struct { const char *path, *what; } others[] = {
		{ cfg->kernel_path, "the --kernel image" }, { cfg->initrd_path, "the --initrd image" },
		{ cfg->dump_path, "the --dump file" }, { cfg->result_json_path, "the --result-json file" },
		{ cfg->console == CONSOLE_FILE ? cfg->console_path : NULL, "the --console file" },
	};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (machine_same_file(&st, others[i].path))
			return error_set(err, "--disk %s: that is %s", path, others[i].what);
	for (size_t i = 0; i < cfg->nraw_loads; i++)
		if (machine_same_file(&st, cfg->raw_loads[i].path))
			return error_set(err, "--disk %s: that is the --load image %s", path,
					 cfg->raw_loads[i].path);
	for (size_t i = 0; i < cfg->nfw_cfg_files; i++)
		if (machine_same_file(&st, cfg->fw_cfg_files[i].path))
			return error_set(err, "--disk %s: that is the --fw-cfg file %s", path,
					 cfg->fw_cfg_files[i].path);
	for (size_t i = 0; i < index; i++)
		if (machine_same_file(&st, cfg->disks[i].path))
			return error_set(err, "--disk %s: given twice (also as %s)", path,
					 cfg->disks[i].path);
	return 0;
}

int machine_open_disks(struct machine *m, struct error *err)
{
	const struct vm_config *cfg = m->cfg;
	m->disks = calloc(cfg->ndisks ? cfg->ndisks : 1, sizeof(*m->disks));
	if (!m->disks)
		return error_set_host(err, "out of memory for the disks");
	for (size_t i = 0; i < cfg->ndisks; i++) {
		const struct disk_option *d = &cfg->disks[i];
		if (machine_check_disk_path(cfg, i, err) < 0 ||
		    virtio_blk_open(&m->disks[i], d->path, d->read_only, d->serial, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- what the PCI bus needs from KVM ---------------------------------- */

static int machine_msi_route(void *opaque, uint32_t gsi, uint64_t address, uint32_t data,
			     struct error *err)
{
	struct machine *m = opaque;
	size_t i = gsi - LAYOUT_MSI_GSI_FIRST;
	if (gsi < LAYOUT_MSI_GSI_FIRST || i >= m->nmsi_routes)
		return error_set_host(err, "MSI route for GSI %u that no vector has", gsi);
	pthread_mutex_lock(&m->msi_lock);
	m->msi_routes[i] = (struct kvm_vm_msi_route){
		.gsi = gsi, .address_lo = (uint32_t)address, .address_hi = (uint32_t)(address >> 32),
		.data = data,
	};
	int r = kvm_vm_set_msi_routes(&m->vm, m->msi_routes, m->nmsi_routes, err);
	pthread_mutex_unlock(&m->msi_lock);
	if (r < 0)
		vm_stop_request(&m->stop, EXIT_HOST_FAILED, "MSI-X: %s", err->msg);
	return r;
}

static int machine_irqfd(void *opaque, int fd, uint32_t gsi, struct error *err)
{
	struct machine *m = opaque;
	return kvm_vm_irqfd(&m->vm, fd, gsi, err);
}

static int machine_ioeventfd(void *opaque, uint64_t addr, uint32_t len, int fd, bool assign,
			     struct error *err)
{
	struct machine *m = opaque;
	return kvm_vm_ioeventfd(&m->vm, addr, len, fd, assign, err);
}

/* ---- the virtio console ------------------------------------------------ */

static void machine_vcon_output(void *opaque, const uint8_t *data, size_t len)
{
	struct machine *m = opaque;
	for (size_t i = 0; i < len; i++)
		machine_console_output(m, data[i]);
}

int machine_add_pci(struct machine *m, struct error *err)
{
	const struct vm_config *cfg = m->cfg;
	if (!vm_config_has_pci(cfg))
		return 0;
	pci_bus_init(&m->pci);
	m->pci.verbose = cfg->verbose;
	m->pci_host = (struct pci_host){
		.opaque = m, .msi_route = machine_msi_route, .irqfd = machine_irqfd,
		.ioeventfd = machine_ioeventfd,
	};
	if (io_thread_init(&m->io, err) < 0)
		return -1;
	if (cfg->rng)
		virtio_rng_init(&m->rng);
	if (cfg->console_device == CONSOLE_DEVICE_VIRTIO || cfg->command) {
		/* Port 0 the console (hvc0); a command's ports after it. */
		m->vcon = calloc(1, sizeof(*m->vcon));
		if (!m->vcon)
			return error_set_host(err, "out of memory for virtio-console");
		if (virtio_console_init(m->vcon, cfg->command ? 1 + MACHINE_COMMAND_PORTS : 1,
					err) < 0 ||
		    virtio_console_add_port(m->vcon, NULL, true, machine_vcon_output, m, err) < 0 ||
		    (cfg->command && machine_command_add_ports(m, err) < 0))
			return -1;
	}
	if (cfg->command && machine_command_add_devices(m, err) < 0)
		return -1;
	struct virtio_device *list[MACHINE_VIRTIO_MAX];
	size_t n = machine_virtio_list(m, list);
	m->virtio = calloc(n, sizeof(*m->virtio));
	if (!m->virtio)
		return error_set_host(err, "out of memory for the virtio devices");
	for (size_t i = 0; i < n; i++) {
		m->nvirtio = i + 1;
		if (virtio_pci_init(&m->virtio[i], list[i], &m->vm.mem, &m->pci_host, &m->pci, &m->io,
				    err) < 0)
			return -1;
	}
	if (cfg->command && machine_command_watch(m, err) < 0)
		return -1;
	m->nmsi_routes = m->pci.next_gsi - LAYOUT_MSI_GSI_FIRST;
	m->msi_routes = calloc(m->nmsi_routes ? m->nmsi_routes : 1, sizeof(*m->msi_routes));
	if (!m->msi_routes)
		return error_set_host(err, "out of memory for the MSI routes");
	/* Until the guest programs a vector, its GSI sends nothing anywhere
	 * that matters: a route to no CPU is not one KVM has to refuse. */
	for (size_t i = 0; i < m->nmsi_routes; i++)
		m->msi_routes[i].gsi = LAYOUT_MSI_GSI_FIRST + (uint32_t)i;
	if (io_bus_add(&m->bus, LAYOUT_PORT_PCI_CONFIG, LAYOUT_PORT_PCI_CONFIG_LEN, pci_conf1_io,
		       &m->pci, "pci-conf1") < 0 ||
	    io_bus_add(&m->mmio, LAYOUT_PCI_ECAM, LAYOUT_PCI_ECAM_SIZE, pci_ecam_mmio, &m->pci,
		       "pci-ecam") < 0 ||
	    io_bus_add(&m->mmio, LAYOUT_PCI_MMIO_START, LAYOUT_PCI_MMIO_END - LAYOUT_PCI_MMIO_START,
		       pci_window_mmio, &m->pci, "pci-window") < 0)
		return error_set(err, "internal error: overlapping PCI ranges");
	/* conf1's address writes wait in KVM's coalesced ring: the data
	 * access that follows each one exits, and the ring is drained before
	 * it is handled (io_bus_drain_coalesced), so a config access costs one
	 * exit instead of two.  Linux's PCI scan makes thousands. */
	struct error note = { 0 };
	if (m->bus.ring &&
	    kvm_vm_coalesce_pio(&m->vm, LAYOUT_PORT_PCI_CONFIG, 4, true, &note) < 0 && cfg->verbose)
		fprintf(stderr, "minivmm: PCI: %s: conf1 address writes keep exiting\n", note.msg);
	return 0;
}

int machine_start_io(struct machine *m, struct error *err)
{
	return m->io.epoll_fd >= 0 ? io_thread_start(&m->io, err) : 0;
}

void machine_pci_teardown(struct machine *m)
{
	io_thread_destroy(&m->io);
	for (size_t i = 0; i < m->nvirtio; i++)
		virtio_pci_destroy(&m->virtio[i]);
	free(m->virtio);
	m->virtio = NULL;
	m->nvirtio = 0;
	machine_command_teardown(m);
	if (m->vcon && m->vcon->dev.ops)
		virtio_console_destroy(m->vcon);
	free(m->vcon);
	m->vcon = NULL;
	virtio_rng_destroy(&m->rng);
	for (size_t i = 0; m->disks && i < m->cfg->ndisks; i++)
		virtio_blk_close(&m->disks[i]);
	free(m->disks);
	m->disks = NULL;
	free(m->msi_routes);
	m->msi_routes = NULL;
}
