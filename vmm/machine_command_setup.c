/* Setting up -- CMD (README "Running a command"): the host folders the
 * guest mounts (the host's root read-only, each --share), each served by
 * its own virtiofsd over a virtio-fs device, and the initramfs layer that
 * makes minivmm-init the guest's /init with the modules it needs. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/command_initramfs.h"
#include "vmm/machine.h"

/* Variables of the host's environment the command gets, when set: its
 * PATH is the host's, as its files are (the init adds PATH and HOME=/root
 * when absent). */
static const char *const machine_command_env_names[] = { "PATH", "TERM", "LANG", "LC_ALL" };
#define MACHINE_COMMAND_ENV_MAX (sizeof(machine_command_env_names) / sizeof(char *))

/* A host folder for the guest, checked before any daemon starts. */
static int machine_share_add(struct machine *m, const char *opt, const char *dir, bool read_only,
			     struct error *err)
{
	struct machine_command *c = &m->command;
	struct machine_share *s = &c->shares[c->nshares];
	struct stat st;
	s->m = m;
	s->read_only = read_only;
	s->dir = realpath(dir, NULL);
	if (!s->dir)
		return error_set(err, "%s %s: %s", opt, dir, strerror(errno));
	if (stat(s->dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return error_set(err, "%s %s: not a folder", opt, dir);
	if (c->nshares == 0)
		snprintf(s->tag, sizeof(s->tag), "%s", COMMAND_ROOT_TAG);
	else
		snprintf(s->tag, sizeof(s->tag), "minivmm-share%u", (unsigned)(c->nshares - 1) % 100);
	c->nshares++;
	return 0;
}

static int machine_command_shares(struct machine *m, struct error *err)
{
	const struct vm_config *cfg = m->cfg;
	if (machine_share_add(m, "the host's root", "/", true, err) < 0)
		return -1;
	for (size_t i = 0; i < cfg->nshares; i++)
		if (machine_share_add(m, "--share", cfg->shares[i].host_dir, cfg->shares[i].read_only,
				      err) < 0)
			return -1;
	struct stat st;
	if (cfg->modules_dir && stat(cfg->modules_dir, &st) < 0)
		return error_set(err, "--modules %s: %s", cfg->modules_dir, strerror(errno));
	if (cfg->modules_dir && !S_ISDIR(st.st_mode))
		return error_set(err, "--modules %s: not a folder", cfg->modules_dir);
	/* All checked: the daemons now, each forked while guest RAM is
	 * still untouched (cheap), starting in parallel with the rest. */
	for (size_t i = 0; i < m->command.nshares; i++) {
		struct machine_share *s = &m->command.shares[i];
		if (virtiofsd_start(&s->daemon, s->dir, s->read_only, err) < 0)
			return -1;
		s->daemon_started = true;
	}
	return 0;
}

/* The layer: minivmm-init, the modules, the records of this command. */
static int machine_command_layer(struct machine *m, const struct kernel_module_list *modules,
				 const char *init, struct cpio_writer *layer, struct error *err)
{
	const struct vm_config *cfg = m->cfg;
	struct command_share shares[VM_SHARES_MAX];
	char *env[MACHINE_COMMAND_ENV_MAX];
	size_t nenv = 0;
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return error_set(err, "-- CMD: the current folder: %s", strerror(errno));
	for (size_t i = 0; i < cfg->nshares; i++) {
		const struct machine_share *s = &m->command.shares[1 + i];
		shares[i] = (struct command_share){
			.tag = s->tag, .read_only = s->read_only,
			.guest_dir = cfg->shares[i].guest_dir ? cfg->shares[i].guest_dir : s->dir,
		};
	}
	for (size_t i = 0; i < MACHINE_COMMAND_ENV_MAX; i++) {
		const char *name = machine_command_env_names[i];
		if (getenv(name))
			env[nenv++] = getenv(name) - strlen(name) - 1;   /* "NAME=VALUE" in environ */
	}
	struct command_desc desc = {
		.argv = cfg->command, .argc = (size_t)cfg->command_argc, .cwd = cwd,
		.root_tag = COMMAND_ROOT_TAG, .shares = shares, .nshares = cfg->nshares,
		.env = env, .nenv = nenv,
	};
	return command_initramfs_build(init, modules, &desc, layer, err);
}

int machine_command_prepare(struct machine *m, struct error *err)
{
	struct kernel_module_list modules = { 0 };
	struct cpio_writer layer;
	char *init = NULL;
	int r = -1;
	cpio_writer_init(&layer);
	if (command_init_find(&init, err) < 0 || machine_command_shares(m, err) < 0 ||
	    kernel_modules_for_command(&m->kernel_file, m->cfg->modules_dir, &modules, err) < 0 ||
	    machine_command_layer(m, &modules, init, &layer, err) < 0)
		goto out;
	if (m->initrd_file.data)
		r = command_initramfs_append(&m->initrd_file.data, &m->initrd_file.size, layer.data,
					     layer.size, err);
	else
		r = command_initramfs_image(&m->initrd_file, &layer, err);
	if (r == 0 && m->initrd_file.size >= m->cfg->mem_size)
		r = error_set(err, "%s: initrd with the -- CMD layer (%zu MiB) does not fit in "
			      "%llu MiB of guest RAM", m->initrd_file.path, m->initrd_file.size >> 20,
			      (unsigned long long)(m->cfg->mem_size >> 20));
out:
	free(init);
	kernel_module_list_free(&modules);
	cpio_writer_free(&layer);
	return r;
}

int machine_command_add_devices(struct machine *m, struct error *err)
{
	for (size_t i = 0; i < m->command.nshares; i++) {
		struct machine_share *s = &m->command.shares[i];
		int r = virtio_fs_init(&s->fs, s->tag, &m->vm.mem, s->daemon.fd, s->daemon.name, err);
		s->daemon.fd = -1;   /* taken, even on failure */
		if (r < 0) {
			virtiofsd_explain(&s->daemon, err);
			return -1;
		}
		s->fs_ready = true;
	}
	return 0;
}

/* The I/O thread: a daemon exited while the guest runs. */
static void machine_share_gone(void *opaque)
{
	struct machine_share *s = opaque;
	char why[sizeof(s->daemon.name) + 16];
	snprintf(why, sizeof(why), "%s exited", s->daemon.name);
	virtiofsd_exited(&s->daemon);
	virtio_fs_backend_gone(&s->fs, why);
}

int machine_command_watch(struct machine *m, struct error *err)
{
	for (size_t i = 0; i < m->command.nshares; i++) {
		struct machine_share *s = &m->command.shares[i];
		if (s->daemon.exit_fd >= 0 &&
		    io_thread_watch(&m->io, s->daemon.exit_fd, machine_share_gone, s, err) < 0)
			return -1;
	}
	return 0;
}

void machine_command_teardown(struct machine *m)
{
	for (size_t i = 0; i < m->command.nshares; i++) {
		struct machine_share *s = &m->command.shares[i];
		struct error err = { 0 };
		if (s->fs_ready)
			virtio_fs_destroy(&s->fs);
		/* A daemon that did not end well is minivmm's business, not
		 * the command's stderr's, unless asked. */
		if (s->daemon_started && virtiofsd_stop(&s->daemon, &err) < 0 && m->cfg->verbose)
			fprintf(stderr, "minivmm: %s\n", err.msg);
		free(s->dir);
		s->fs_ready = s->daemon_started = false;
		s->dir = NULL;
	}
	m->command.nshares = 0;
}
