/* virtio-console (virtio 1.2 §5.3) with the multiport model
 * (VIRTIO_CONSOLE_F_MULTIPORT): up to VIRTIO_CONSOLE_MAX_PORTS ports, each
 * a console (the guest's hvc) or a named port (/dev/vportNpM, its name in
 * sysfs), as QEMU's virtio-serial offers them.
 *
 * Queues (§5.3.2): port 0 receive/transmit 0/1, control receive/transmit
 * 2/3, port n >= 1 at 2n+2 / 2n+3.  The handshake over the control queues
 * (§5.3.6.2): the driver sends DEVICE_READY; the device announces each port
 * with PORT_ADD; the driver answers PORT_READY per port; the device then
 * sends CONSOLE_PORT for a console port, PORT_NAME for a named one and
 * PORT_OPEN 1 (the host side is connected); the driver sends PORT_OPEN 1
 * when its side opens (at once for a console port, on open() for a named
 * one) and PORT_OPEN 0 when it closes.
 *
 * Host -> guest bytes wait in a per-port buffer until the guest's side is
 * open and its receive queue has buffers: Linux throws away what reaches a
 * port nobody has open.  Guest -> host bytes go to the port's output
 * callback as they come.  A driver that does not accept MULTIPORT gets
 * port 0 alone, open from the start (§5.3.2: only queues 0 and 1 exist).
 *
 * Locking: ports are added before the guest runs.  virtio_console_input,
 * virtio_console_input_room and virtio_console_guest_open take dev.lock;
 * every op runs with it held by the transport, output callbacks included
 * (an output callback must not call back into this device). */
#ifndef MINIVMM_VMM_DEVICES_VIRTIO_VIRTIO_CONSOLE_H
#define MINIVMM_VMM_DEVICES_VIRTIO_VIRTIO_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_console.h>

#include "common/error.h"
#include "vmm/devices/virtio/virtio.h"

/* Two queues per port plus the control pair must fit the transport. */
#define VIRTIO_CONSOLE_MAX_PORTS  (VIRTIO_MAX_QUEUES / 2 - 1)
#define VIRTIO_CONSOLE_QUEUE_SIZE 256
/* Host -> guest bytes held per port. */
#define VIRTIO_CONSOLE_INPUT_SIZE 4096
/* Longest port name, NUL not counted. */
#define VIRTIO_CONSOLE_NAME_MAX   63
/* Device -> driver control messages not yet in a control receive buffer.
 * A message already waiting is not queued twice, and a port has at most
 * five distinct ones (PORT_ADD, CONSOLE_PORT, PORT_NAME, PORT_OPEN 1 and,
 * once its input has ended, PORT_OPEN 0), so the FIFO cannot overflow
 * however often the driver repeats itself. */
#define VIRTIO_CONSOLE_CTRL_FIFO  (5 * VIRTIO_CONSOLE_MAX_PORTS)

typedef void virtio_console_output_fn(void *opaque, const uint8_t *data, size_t len);

struct virtio_console_port {
	/* Set by virtio_console_add_port, kept across resets. */
	bool is_console;
	char name[VIRTIO_CONSOLE_NAME_MAX + 1];   /* "" for an unnamed port */
	virtio_console_output_fn *output;         /* NULL: output is dropped */
	void *opaque;
	/* The handshake, back to false on reset. */
	bool announced;                           /* PORT_ADD queued */
	bool ready;                               /* the driver said PORT_READY 1 */
	bool guest_open;                          /* the driver said PORT_OPEN 1 */
	/* Host -> guest bytes not yet in the guest's buffers (a ring).  Kept
	 * across resets: the guest's driver resets the device when it probes
	 * it, and bytes the host gave before must still arrive. */
	uint8_t input[VIRTIO_CONSOLE_INPUT_SIZE];
	size_t input_head, input_len;
	/* virtio_console_input_end was called (kept across resets), and the
	 * PORT_OPEN 0 that tells the driver so is queued (reset clears it). */
	bool input_ended;
	bool host_closed;
};

/* Driver mistakes, counted instead of logged (the guest could flood a
 * log) so that a verbose run can print them. */
struct virtio_console_stats {
	uint64_t ctrl_short;        /* control message under 8 bytes */
	uint64_t ctrl_bad_port;     /* id of no port the device announced / has ready */
	uint64_t ctrl_unknown;      /* event a driver does not send */
	uint64_t ctrl_guest_failed; /* DEVICE_READY or PORT_READY with value 0 */
	uint64_t tx_dropped;        /* transmit chains of a port with no output */
};

struct virtio_console_ctrl_msg {
	uint32_t id;
	uint16_t event, value;
};

struct virtio_console {
	struct virtio_device dev;
	uint32_t max_ports;
	uint32_t nports;                          /* ports 0..nports-1 are defined */
	bool started;                             /* DRIVER_OK seen since the last reset */
	struct virtio_console_port ports[VIRTIO_CONSOLE_MAX_PORTS];
	struct virtio_console_ctrl_msg ctrl[VIRTIO_CONSOLE_CTRL_FIFO];
	uint32_t ctrl_head, ctrl_len;
	struct virtio_console_stats stats;
	struct virtq_chain chain;                 /* scratch, under dev.lock */
};

/* Fills c->dev (ops, offered features, 2 * (max_ports + 1) queues of
 * VIRTIO_CONSOLE_QUEUE_SIZE) and initialises dev.lock.  max_ports is what
 * the configuration's max_nr_ports says: 1..VIRTIO_CONSOLE_MAX_PORTS. */
int virtio_console_init(struct virtio_console *c, uint32_t max_ports, struct error *err);
void virtio_console_destroy(struct virtio_console *c);

/* Defines the next port, before the guest runs, and returns its id
 * (0, 1, ...).  name NULL: unnamed; else 1..VIRTIO_CONSOLE_NAME_MAX
 * printable characters without '/' (it becomes /dev/virtio-ports/NAME),
 * unique.  is_console: the guest makes it an hvc console.  output gets the
 * guest's bytes, with dev.lock held; data points into guest RAM, which the
 * guest may change at any time, so a callback that keeps it copies it.
 * -1 with err when the ports are all taken or the name is refused. */
int virtio_console_add_port(struct virtio_console *c, const char *name, bool is_console,
			    virtio_console_output_fn *output, void *opaque, struct error *err);

/* Host -> guest: takes at most virtio_console_input_room bytes for port and
 * hands them to the guest as soon as it can.  Returns the bytes taken (0 for
 * a port that is not defined). */
size_t virtio_console_input(struct virtio_console *c, uint32_t port, const uint8_t *data,
			    size_t len);
size_t virtio_console_input_room(struct virtio_console *c, uint32_t port);

/* Host -> guest input of port has ended (the host's stdin reached EOF):
 * once the bytes already given are in the guest's buffers, the device
 * sends PORT_OPEN 0 (§5.3.6.2, the host side closed), after which Linux's
 * read() of the port returns 0 rather than waiting. */
void virtio_console_input_end(struct virtio_console *c, uint32_t port);

/* Whether the guest has the port open (its last PORT_OPEN said 1). */
bool virtio_console_guest_open(struct virtio_console *c, uint32_t port);

#endif
