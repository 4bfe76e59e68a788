/* The device options (README "Options"): --disk, --no-rng,
 * --console-device. */
#include <stdlib.h>
#include <string.h>

#include "vmm/config.h"

bool vm_config_has_pci(const struct vm_config *cfg)
{
	return cfg->ndisks > 0 || cfg->rng || cfg->console_device == CONSOLE_DEVICE_VIRTIO ||
	       cfg->command;
}

/* The serial number the guest reads (virtio 1.2 §5.2.6, GET_ID): at most
 * 20 bytes; printable ASCII without commas, since it ends up in sysfs and
 * /dev/disk/by-id names. */
static int options_check_serial(const char *disk, const char *id, struct error *err)
{
	size_t len = strlen(id);
	if (len == 0 || len > DISK_SERIAL_MAX)
		return error_set(err, "--disk '%s': serial=%s: expected 1 to %d characters", disk,
				 id, DISK_SERIAL_MAX);
	for (size_t i = 0; i < len; i++)
		if (id[i] <= ' ' || id[i] > '~')
			return error_set(err, "--disk '%s': serial=%s: only printable ASCII without "
					 "blanks", disk, id);
	return 0;
}

/* PATH[,ro][,serial=ID]: the path ends at the first comma. */
int options_add_disk(struct vm_config *cfg, const char *v, struct error *err)
{
	if (cfg->ndisks == VM_DISKS_MAX)
		return error_set(err, "--disk '%s': at most %d disks", v, VM_DISKS_MAX);
	size_t path_len = strcspn(v, ",");
	if (path_len == 0)
		return error_set(err, "--disk '%s': expected PATH[,ro][,serial=ID]", v);
	struct disk_option d = { .path = strndup(v, path_len) };
	if (!d.path)
		return error_set_host(err, "--disk: out of memory");
	for (const char *p = v + path_len; *p == ',';) {
		p++;
		size_t len = strcspn(p, ",");
		if (len == 2 && strncmp(p, "ro", 2) == 0) {
			d.read_only = true;
		} else if (len > 7 && strncmp(p, "serial=", 7) == 0 && !d.serial) {
			d.serial = strndup(p + 7, len - 7);
			if (!d.serial || options_check_serial(v, d.serial, err) < 0) {
				if (!d.serial)
					error_set_host(err, "--disk: out of memory");
				free(d.path);
				free(d.serial);
				return -1;
			}
		} else {
			error_set(err, "--disk '%s': '%.*s' is not ro or serial=ID (once); expected "
				  "PATH[,ro][,serial=ID]", v, (int)len, p);
			free(d.path);
			free(d.serial);
			return -1;
		}
		p += len;
	}
	cfg->disks[cfg->ndisks++] = d;
	return 0;
}

int options_set_console_device(struct vm_config *cfg, const char *v, struct error *err)
{
	if (strcmp(v, "serial") == 0)
		cfg->console_device = CONSOLE_DEVICE_SERIAL;
	else if (strcmp(v, "virtio") == 0)
		cfg->console_device = CONSOLE_DEVICE_VIRTIO;
	else
		return error_set(err, "--console-device '%s': expected serial or virtio", v);
	return 0;
}

void options_free_disks(struct vm_config *cfg)
{
	for (size_t i = 0; i < cfg->ndisks; i++) {
		free(cfg->disks[i].path);
		free(cfg->disks[i].serial);
	}
	cfg->ndisks = 0;
}
