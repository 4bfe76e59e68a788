/* The host side of -- CMD (README "Running a command"): the virtio-console
 * ports that carry the command's stdin, stdout, stderr and status, and how
 * the run's end becomes minivmm's exit status.  The guest side is
 * guest/minivmm-init; the ports' names are the contract between the two. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/write_all.h"
#include "vmm/exit_status.h"
#include "vmm/machine.h"

/* The named ports minivmm-init looks for (/sys/class/virtio-ports/NAME). */
static const char *const machine_command_port_names[MACHINE_COMMAND_PORTS] = {
	[MACHINE_COMMAND_STDIN] = "minivmm.stdin",
	[MACHINE_COMMAND_STDOUT] = "minivmm.stdout",
	[MACHINE_COMMAND_STDERR] = "minivmm.stderr",
	[MACHINE_COMMAND_STATUS] = "minivmm.status",
};

/* The command's output, byte-exact.  A blocking write: a slow reader
 * holds the guest's writer back (its write() waits for the device), which
 * is what a pipe does.  A reader that went away loses the rest, once said. */
static void machine_command_write(struct machine *m, int fd, bool *lost, const uint8_t *data,
				  size_t len)
{
	if (*lost || write_all(fd, data, len) == 0)
		return;
	*lost = true;
	if (m->cfg->verbose || errno != EPIPE)
		fprintf(stderr, "minivmm: the command's %s: %s; the rest is dropped\n",
			fd == STDOUT_FILENO ? "stdout" : "stderr", strerror(errno));
}

static void machine_command_stdout(void *opaque, const uint8_t *data, size_t len)
{
	struct machine *m = opaque;
	machine_command_write(m, STDOUT_FILENO, &m->command.stdout_lost, data, len);
}

static void machine_command_stderr(void *opaque, const uint8_t *data, size_t len)
{
	struct machine *m = opaque;
	machine_command_write(m, STDERR_FILENO, &m->command.stderr_lost, data, len);
}

/* A number 0..max in decimal, nothing else. */
static bool machine_command_number(const char *s, int max, int *out)
{
	int v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > max / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* One line from minivmm-init: "exit N", "signal N" or "error MESSAGE".
 * It stops the VM at once (the init would power off next); a power-off
 * that wins the race is judged the same (machine_command_judge).  The
 * guest is hostile: anything else is a broken guest, not a status. */
static void machine_command_status_line(struct machine *m, const char *line)
{
	struct machine_command *c = &m->command;
	int n;
	if (c->said[0])
		return;   /* said already */
	if (strncmp(line, "exit ", 5) == 0 && machine_command_number(line + 5, 255, &n)) {
		c->status = c->said_status = n;
		snprintf(c->said, sizeof(c->said), "the command exited with status %d", n);
	} else if (strncmp(line, "signal ", 7) == 0 && machine_command_number(line + 7, 127, &n) &&
		   n > 0) {
		c->status = c->said_status = 128 + n;
		snprintf(c->said, sizeof(c->said), "the command was killed by signal %d (%s)", n,
			 strsignal(n));
	} else if (strncmp(line, "error ", 6) == 0 && line[6]) {
		c->said_status = EXIT_USAGE;
		snprintf(c->said, sizeof(c->said), "the guest could not run the command: %.120s",
			 line + 6);
	} else {
		vm_stop_request(&m->stop, EXIT_GUEST_CRASHED, "the guest's init sent a status "
				"minivmm cannot read: \"%.100s\"", line);
		return;
	}
	c->stopped_vm = vm_stop_request(&m->stop, c->said_status, "%s", c->said);
}

static void machine_command_status(void *opaque, const uint8_t *data, size_t len)
{
	struct machine *m = opaque;
	struct machine_command *c = &m->command;
	for (size_t i = 0; i < len; i++) {
		if (data[i] != '\n') {
			if (c->line_len < sizeof(c->line) - 1)
				c->line[c->line_len++] = (char)data[i];
			continue;
		}
		c->line[c->line_len] = '\0';
		c->line_len = 0;
		machine_command_status_line(m, c->line);
	}
}

int machine_command_add_ports(struct machine *m, struct error *err)
{
	static virtio_console_output_fn *const outputs[MACHINE_COMMAND_PORTS] = {
		[MACHINE_COMMAND_STDOUT] = machine_command_stdout,
		[MACHINE_COMMAND_STDERR] = machine_command_stderr,
		[MACHINE_COMMAND_STATUS] = machine_command_status,
	};
	m->command.status = -1;
	for (int i = 0; i < MACHINE_COMMAND_PORTS; i++) {
		int port = virtio_console_add_port(m->vcon, machine_command_port_names[i], false,
						   outputs[i], m, err);
		if (port < 0)
			return -1;
		m->command.port[i] = (uint32_t)port;
	}
	return 0;
}

size_t machine_command_input_room(struct machine *m)
{
	return virtio_console_input_room(m->vcon, m->command.port[MACHINE_COMMAND_STDIN]);
}

bool machine_command_forward_input(struct machine *m)
{
	uint8_t in[VIRTIO_CONSOLE_INPUT_SIZE];
	uint32_t port = m->command.port[MACHINE_COMMAND_STDIN];
	size_t room = virtio_console_input_room(m->vcon, port);
	ssize_t n = read(STDIN_FILENO, in, room < sizeof(in) ? room : sizeof(in));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		/* EOF, or a read error, which the command sees as EOF too. */
		if (n < 0)
			fprintf(stderr, "minivmm: stdin: %s: the command's stdin ends here\n",
				strerror(errno));
		virtio_console_input_end(m->vcon, port);
		return false;
	}
	virtio_console_input(m->vcon, port, in, (size_t)n);
	return true;
}

/* The kernel's log, kept from the console, on stderr: for a run that did
 * not end with the command's status, unless it showed already. */
void machine_command_print_log(struct machine *m)
{
	const struct vm_config *cfg = m->cfg;
	if (cfg->console != CONSOLE_NONE || m->tail.count == 0)
		return;
	struct console_lines lines;
	struct error err = { 0 };
	if (console_tail_lines(&m->tail, SIZE_MAX, &lines, &err) < 0)
		return;
	fprintf(stderr, "minivmm: the guest's console, last %zu lines:\n", lines.count);
	for (size_t i = 0; i < lines.count; i++) {
		fwrite(lines.lines[i].text, 1, lines.lines[i].len, stderr);
		fputc('\n', stderr);
	}
	console_lines_free(&lines);
}

/* What the guest wrote before its end and the I/O thread has not taken
 * yet: the vCPUs are stopped, so this is the last of it.  One transmit
 * notification empties every port in order (virtio_console.c). */
static void machine_command_drain(struct machine *m)
{
	for (size_t i = 0; i < m->nvirtio; i++)
		if (m->virtio[i].vdev == &m->vcon->dev)
			virtio_pci_notify_queue(&m->virtio[i], 1);
}

void machine_command_judge(struct machine *m)
{
	struct machine_command *c = &m->command;
	struct vm_stop *s = &m->stop;
	machine_command_drain(m);
	/* The status line stopped the VM, or arrived with the power-off that
	 * followed it: it is the run's.  A timeout, a signal or a crash
	 * that came first stays. */
	if (c->said[0] && (c->stopped_vm || s->status == EXIT_GUEST_OFF)) {
		c->ended_run = c->status >= 0;
		s->status = c->said_status;
		snprintf(s->reason, sizeof(s->reason), "%s", c->said);
	} else if (s->status == EXIT_GUEST_OFF) {
		/* Powered off or reset with no status: never a 0 that passes
		 * for the command's. */
		char why[sizeof(s->reason)];
		snprintf(why, sizeof(why), "the guest ended before the command did: %.200s",
			 s->reason);
		memcpy(s->reason, why, sizeof(why));
		s->status = EXIT_GUEST_CRASHED;
	}
	m->report.command_run = true;
	m->report.command_status = c->status;
	if (c->status < 0)
		machine_command_print_log(m);
}
