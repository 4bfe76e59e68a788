/* minivmm-init's virtio-console ports (virtio 1.2 spec 5.3, multiport):
 * each named port is a character device /dev/vportNpM, and its name (the
 * device's PORT_NAME message) is in /sys/class/virtio-ports/vportNpM/name
 * followed by a newline (Linux drivers/char/virtio_console.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guest/init.h"

/* How long the ports may take to appear: their PORT_ADD and PORT_NAME
 * messages come from the host after the driver is up, and the driver adds
 * the ports from a work queue, after its probe returned. */
#define PORT_WAIT_NS  (10LL * 1000000000LL)
#define PORT_POLL_NS  (2LL * 1000000LL)

static const struct {
	const char *name;
	int flags;
} port_spec[PORT_COUNT] = {
	[PORT_STDIN]  = { "minivmm.stdin",  O_RDONLY },
	[PORT_STDOUT] = { "minivmm.stdout", O_WRONLY },
	[PORT_STDERR] = { "minivmm.stderr", O_WRONLY },
	[PORT_STATUS] = { "minivmm.status", O_WRONLY },
};

/* One look at /sys/class/virtio-ports: opens each named port whose device
 * node is there.  The class directory holds vportNpM, each with a "name"
 * file (the PORT_NAME, with a newline) and devtmpfs makes /dev/vportNpM. */
static void ports_scan(int fds[PORT_COUNT])
{
	DIR *dir = opendir("/sys/class/virtio-ports");
	if (!dir)
		return;
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		char path[512], name[64];
		snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", de->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, name, sizeof(name) - 1);
		close(fd);
		if (n <= 0)
			continue;
		name[n] = '\0';
		name[strcspn(name, "\n")] = '\0';
		for (int p = 0; p < PORT_COUNT; p++) {
			if (fds[p] >= 0 || strcmp(name, port_spec[p].name) != 0)
				continue;
			snprintf(path, sizeof(path), "/dev/%s", de->d_name);
			fds[p] = open(path, port_spec[p].flags | O_CLOEXEC | O_NOCTTY);
			if (fds[p] < 0 && errno != ENOENT)
				init_defer_error("cannot open %s (%s): %s", path, name, strerror(errno));
		}
	}
	closedir(dir);
}

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Step 3: waits up to PORT_WAIT_NS for the four ports.  The stdin, stdout
 * and stderr ports are opened close-on-exec too: the command gets them as
 * dup2 copies (guest/run.c). */
void init_ports_open(int fds[PORT_COUNT])
{
	for (int p = 0; p < PORT_COUNT; p++)
		fds[p] = -1;
	long long deadline = now_ns() + PORT_WAIT_NS;
	for (;;) {
		ports_scan(fds);
		int missing = 0;
		for (int p = 0; p < PORT_COUNT; p++)
			missing += fds[p] < 0;
		if (missing == 0)
			break;
		if (now_ns() >= deadline) {
			char list[128] = "";
			for (int p = 0; p < PORT_COUNT; p++)
				if (fds[p] < 0) {
					strcat(list, " ");
					strcat(list, port_spec[p].name);
				}
			init_defer_error("virtio-console ports missing after %lld s:%s",
				    PORT_WAIT_NS / 1000000000LL, list);
			break;
		}
		struct timespec ts = { 0, PORT_POLL_NS };
		nanosleep(&ts, NULL);
	}
}

