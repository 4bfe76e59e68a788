/* virtio-console, multiport (virtio 1.2 §5.3); the header tells the model.
 * Everything the driver sends is hostile: control messages are checked for
 * length, port id and event, and a bad one is counted and dropped. */
#include <endian.h>
#include <stddef.h>
#include <string.h>

#include "vmm/devices/virtio/virtio_console.h"

/* §5.3.2: the control queues sit between port 0's pair and port 1's. */
#define VIRTIO_CONSOLE_CTRL_RX 2
#define VIRTIO_CONSOLE_CTRL_TX 3

static struct virtio_console *virtio_console_of(struct virtio_device *d)
{
	return (struct virtio_console *)((char *)d - offsetof(struct virtio_console, dev));
}

static uint16_t virtio_console_rx_queue(uint32_t port)
{
	return port == 0 ? 0 : (uint16_t)(2 * port + 2);
}

static bool virtio_console_multiport(const struct virtio_console *c)
{
	return virtio_device_has(&c->dev, VIRTIO_CONSOLE_F_MULTIPORT);
}

/* A queue the device may touch: after DRIVER_OK (§2.1.2: no buffer use
 * before it), one the driver enabled and has not broken. */
static bool virtio_console_queue_usable(const struct virtio_console *c, uint16_t q)
{
	if (!c->started || !c->dev.queues || q >= c->dev.num_queues)
		return false;
	const struct virtq *vq = &c->dev.queues[q];
	return vq->ready && !vq->broken;
}

/* Whether bytes for port may go to the guest now.  Linux drops what
 * reaches a port its side has not opened, so with MULTIPORT the driver's
 * PORT_OPEN 1 is awaited (§5.3.6.2); without it port 0 is all there is. */
static bool virtio_console_port_open(const struct virtio_console *c, uint32_t port)
{
	if (!c->started || port >= c->nports)
		return false;
	if (!virtio_console_multiport(c))
		return port == 0;
	return c->ports[port].ready && c->ports[port].guest_open;
}

static void virtio_console_interrupt(struct virtio_console *c, uint16_t q, bool pushed)
{
	if (pushed && virtq_should_interrupt(&c->dev.queues[q]))
		c->dev.raise(&c->dev, q);
}

/* ---- Control receive queue: device -> driver (§5.3.6.2) ---- */

static void virtio_console_ctrl_queue(struct virtio_console *c, uint32_t id, uint16_t event,
				      uint16_t value)
{
	for (uint32_t i = 0; i < c->ctrl_len; i++) {
		const struct virtio_console_ctrl_msg *m =
			&c->ctrl[(c->ctrl_head + i) % VIRTIO_CONSOLE_CTRL_FIFO];
		if (m->id == id && m->event == event && m->value == value)
			return;   /* already waiting: the driver repeated itself */
	}
	if (c->ctrl_len == VIRTIO_CONSOLE_CTRL_FIFO)
		return;           /* cannot happen, see VIRTIO_CONSOLE_CTRL_FIFO */
	c->ctrl[(c->ctrl_head + c->ctrl_len) % VIRTIO_CONSOLE_CTRL_FIFO] =
		(struct virtio_console_ctrl_msg){ .id = id, .event = event, .value = value };
	c->ctrl_len++;
}

/* Moves waiting messages into the control receive buffers the driver
 * posted.  A buffer too small gets what fits: the driver's problem. */
static void virtio_console_ctrl_flush(struct virtio_console *c)
{
	if (!virtio_console_queue_usable(c, VIRTIO_CONSOLE_CTRL_RX))
		return;
	bool pushed = false;
	while (c->ctrl_len > 0 && virtio_device_pop(&c->dev, VIRTIO_CONSOLE_CTRL_RX, &c->chain)) {
		const struct virtio_console_ctrl_msg *m = &c->ctrl[c->ctrl_head];
		struct virtio_console_control hdr = {
			.id = htole32(m->id),
			.event = htole16(m->event),
			.value = htole16(m->value),
		};
		uint8_t msg[sizeof(hdr) + VIRTIO_CONSOLE_NAME_MAX];
		size_t len = sizeof(hdr);
		memcpy(msg, &hdr, sizeof(hdr));
		/* §5.3.6.2: PORT_NAME is followed by the name, no NUL. */
		if (m->event == VIRTIO_CONSOLE_PORT_NAME) {
			const char *name = c->ports[m->id].name;
			size_t n = strlen(name);
			memcpy(msg + len, name, n);
			len += n;
		}
		uint64_t written = virtq_chain_write(&c->chain, 0, msg, len);
		virtq_push(&c->dev.queues[VIRTIO_CONSOLE_CTRL_RX], c->chain.head, (uint32_t)written);
		pushed = true;
		c->ctrl_head = (c->ctrl_head + 1) % VIRTIO_CONSOLE_CTRL_FIFO;
		c->ctrl_len--;
	}
	virtio_console_interrupt(c, VIRTIO_CONSOLE_CTRL_RX, pushed);
}

/* ---- Receive queues: host -> guest bytes ---- */

/* The host side closes a port whose input ended once nothing it gave is
 * left to deliver, and only after the handshake told the driver it was
 * open: the driver takes messages in order.  Only queues the message
 * (true when it did): the caller flushes it once no chain is in hand. */
static bool virtio_console_host_close(struct virtio_console *c, uint32_t port)
{
	struct virtio_console_port *p = &c->ports[port];
	if (!p->input_ended || p->host_closed || !p->ready || p->input_len > 0)
		return false;
	p->host_closed = true;
	virtio_console_ctrl_queue(c, port, VIRTIO_CONSOLE_PORT_OPEN, 0);
	return true;
}

static void virtio_console_input_flush(struct virtio_console *c, uint32_t port)
{
	struct virtio_console_port *p = &c->ports[port];
	uint16_t q = virtio_console_rx_queue(port);
	if (p->input_len == 0 || !virtio_console_port_open(c, port) ||
	    !virtio_console_queue_usable(c, q))
		return;
	bool pushed = false;
	while (p->input_len > 0 && virtio_device_pop(&c->dev, q, &c->chain)) {
		uint64_t written = 0;
		/* The held bytes are a ring: at most two runs. */
		while (p->input_len > 0) {
			size_t run = VIRTIO_CONSOLE_INPUT_SIZE - p->input_head;
			if (run > p->input_len)
				run = p->input_len;
			uint64_t n = virtq_chain_write(&c->chain, written, p->input + p->input_head, run);
			p->input_head = (p->input_head + (size_t)n) % VIRTIO_CONSOLE_INPUT_SIZE;
			p->input_len -= (size_t)n;
			written += n;
			if (n < run)
				break;    /* the chain is full */
		}
		virtq_push(&c->dev.queues[q], c->chain.head, (uint32_t)written);
		pushed = true;
	}
	if (p->input_len == 0)
		p->input_head = 0;
	virtio_console_interrupt(c, q, pushed);
	if (virtio_console_host_close(c, port))
		virtio_console_ctrl_flush(c);
}

static void virtio_console_input_flush_all(struct virtio_console *c)
{
	for (uint32_t port = 0; port < c->nports; port++)
		virtio_console_input_flush(c, port);
}

/* ---- Transmit queues: guest -> host bytes (§5.3.6) ---- */

static void virtio_console_output(struct virtio_console *c, uint16_t q, uint32_t port)
{
	struct virtio_console_port *p = port < c->nports ? &c->ports[port] : NULL;
	bool pushed = false;
	while (virtio_device_pop(&c->dev, q, &c->chain)) {
		if (p && p->output) {
			for (uint32_t i = 0; i < c->chain.nreadable; i++)
				if (c->chain.bufs[i].len > 0)
					p->output(p->opaque, c->chain.bufs[i].host, c->chain.bufs[i].len);
		} else if (c->chain.readable_len > 0) {
			c->stats.tx_dropped++;
		}
		/* Nothing is written into a transmit buffer: used length 0. */
		virtq_push(&c->dev.queues[q], c->chain.head, 0);
		pushed = true;
	}
	virtio_console_interrupt(c, q, pushed);
}

/* A notification of any transmit queue empties them all, in port order.
 * Linux's write() to a port returns once the bytes are in the ring, and
 * the host may take the notifications of two ports in either order: so
 * what a guest wrote to a port before it wrote to a later one is handed
 * over first (minivmm -- CMD's status port comes after the command's
 * stdout and stderr). */
static void virtio_console_output_all(struct virtio_console *c)
{
	uint32_t nports = virtio_console_multiport(c) ? c->max_ports : 1;
	for (uint32_t port = 0; port < nports; port++) {
		uint16_t q = (uint16_t)(virtio_console_rx_queue(port) + 1);
		if (virtio_console_queue_usable(c, q))
			virtio_console_output(c, q, port);
	}
}

/* ---- Control transmit queue: driver -> device (§5.3.6.2) ---- */

/* The port a message names, when the device announced it (and, with
 * need_ready, the driver made it ready); NULL otherwise. */
static struct virtio_console_port *virtio_console_ctrl_port(struct virtio_console *c,
							    uint32_t id, bool need_ready)
{
	if (id >= c->nports || !c->ports[id].announced)
		return NULL;
	if (need_ready && !c->ports[id].ready)
		return NULL;
	return &c->ports[id];
}

static void virtio_console_ctrl_handle(struct virtio_console *c,
				       const struct virtio_console_control *msg)
{
	uint32_t id = le32toh(msg->id);
	uint16_t event = le16toh(msg->event);
	uint16_t value = le16toh(msg->value);
	struct virtio_console_port *p;

	switch (event) {
	case VIRTIO_CONSOLE_DEVICE_READY:
		/* id is unused; value 0 says the driver failed. */
		if (value == 0) {
			c->stats.ctrl_guest_failed++;
			return;
		}
		for (uint32_t port = 0; port < c->nports; port++) {
			c->ports[port].announced = true;
			virtio_console_ctrl_queue(c, port, VIRTIO_CONSOLE_PORT_ADD, 1);
		}
		return;
	case VIRTIO_CONSOLE_PORT_READY:
		p = virtio_console_ctrl_port(c, id, false);
		if (!p) {
			c->stats.ctrl_bad_port++;
			return;
		}
		if (value == 0) {
			c->stats.ctrl_guest_failed++;
			p->ready = false;
			return;
		}
		p->ready = true;
		if (p->is_console)
			virtio_console_ctrl_queue(c, id, VIRTIO_CONSOLE_CONSOLE_PORT, 1);
		if (p->name[0])
			virtio_console_ctrl_queue(c, id, VIRTIO_CONSOLE_PORT_NAME, 1);
		/* The host side of every port is connected from the start,
		 * until its input ends. */
		virtio_console_ctrl_queue(c, id, VIRTIO_CONSOLE_PORT_OPEN, 1);
		virtio_console_host_close(c, id);
		return;
	case VIRTIO_CONSOLE_PORT_OPEN:
		p = virtio_console_ctrl_port(c, id, true);
		if (!p) {
			c->stats.ctrl_bad_port++;
			return;
		}
		if (value > 1) {
			c->stats.ctrl_unknown++;
			return;
		}
		p->guest_open = value == 1;
		return;
	default:
		/* PORT_ADD, PORT_REMOVE, CONSOLE_PORT, RESIZE and PORT_NAME
		 * travel the other way; anything else is unknown. */
		c->stats.ctrl_unknown++;
		return;
	}
}

static void virtio_console_ctrl_tx(struct virtio_console *c)
{
	bool pushed = false;
	while (virtio_device_pop(&c->dev, VIRTIO_CONSOLE_CTRL_TX, &c->chain)) {
		struct virtio_console_control msg;
		if (c->chain.readable_len < sizeof(msg)) {
			c->stats.ctrl_short++;
		} else {
			virtq_chain_read(&c->chain, 0, &msg, sizeof(msg));
			virtio_console_ctrl_handle(c, &msg);
		}
		virtq_push(&c->dev.queues[VIRTIO_CONSOLE_CTRL_TX], c->chain.head, 0);
		pushed = true;
	}
	virtio_console_interrupt(c, VIRTIO_CONSOLE_CTRL_TX, pushed);
	/* Answers, and input a PORT_OPEN 1 let through. */
	virtio_console_ctrl_flush(c);
	virtio_console_input_flush_all(c);
}

/* ---- Device type ops (virtio.h) ---- */

static void virtio_console_handle_queue(struct virtio_console *c, uint16_t q)
{
	if (!virtio_console_queue_usable(c, q))
		return;
	if (q == VIRTIO_CONSOLE_CTRL_RX || q == VIRTIO_CONSOLE_CTRL_TX) {
		if (!virtio_console_multiport(c))
			return;   /* §5.3.2: no control queues without MULTIPORT */
		if (q == VIRTIO_CONSOLE_CTRL_RX)
			virtio_console_ctrl_flush(c);
		else
			virtio_console_ctrl_tx(c);
		return;
	}
	uint32_t port = q < 2 ? 0 : q / 2u - 1;
	if (port != 0 && !virtio_console_multiport(c))
		return;
	if (q % 2 == 0) {
		if (port < c->nports)
			virtio_console_input_flush(c, port);
	} else {
		virtio_console_output_all(c);
	}
}

static void virtio_console_notify(struct virtio_device *d, uint16_t q)
{
	virtio_console_handle_queue(virtio_console_of(d), q);
}

/* DRIVER_OK: buffers the driver posted before it (it should not have)
 * are taken now rather than at its next notification. */
static void virtio_console_start(struct virtio_device *d)
{
	struct virtio_console *c = virtio_console_of(d);
	c->started = true;
	for (uint16_t q = 0; q < d->num_queues; q++)
		virtio_console_handle_queue(c, q);
}

/* Status 0 (§2.4): the handshake starts over.  Ports stay defined and
 * their held input stays: the driver resets the device as it probes it,
 * after the host may already have typed. */
static void virtio_console_reset(struct virtio_device *d)
{
	struct virtio_console *c = virtio_console_of(d);
	c->started = false;
	c->ctrl_head = 0;
	c->ctrl_len = 0;
	for (uint32_t port = 0; port < c->nports; port++) {
		c->ports[port].announced = false;
		c->ports[port].ready = false;
		c->ports[port].guest_open = false;
		c->ports[port].host_closed = false;
	}
}

/* §5.3.4: no SIZE (the size would be port 0's only, and the host has no
 * terminal to size it by), max_nr_ports for MULTIPORT, no EMERG_WRITE. */
static void virtio_console_config_read(struct virtio_device *d, uint32_t offset, void *data,
				       uint32_t size)
{
	struct virtio_console *c = virtio_console_of(d);
	struct virtio_console_config cfg = { .max_nr_ports = htole32(c->max_ports) };
	memset(data, 0, size);
	if (offset < sizeof(cfg) && size <= sizeof(cfg) - offset)
		memcpy(data, (const uint8_t *)&cfg + offset, size);
}

static const struct virtio_device_ops virtio_console_ops = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.config_size = sizeof(struct virtio_console_config),
	.config_read = virtio_console_config_read,
	.config_write = NULL,    /* emerg_wr is only writable with EMERG_WRITE */
	.start = virtio_console_start,
	.notify = virtio_console_notify,
	.reset = virtio_console_reset,
};

/* ---- Host side ---- */

int virtio_console_init(struct virtio_console *c, uint32_t max_ports, struct error *err)
{
	if (max_ports == 0 || max_ports > VIRTIO_CONSOLE_MAX_PORTS)
		return error_set(err, "virtio-console: %u ports: must be 1 to %d", max_ports,
				 VIRTIO_CONSOLE_MAX_PORTS);
	memset(c, 0, sizeof(*c));
	c->max_ports = max_ports;
	c->dev.ops = &virtio_console_ops;
	c->dev.offered = 1ULL << VIRTIO_CONSOLE_F_MULTIPORT;
	/* §5.3.2: a receive/transmit pair per port plus the control pair;
	 * Linux asks for all of them. */
	c->dev.num_queues = (uint16_t)(2 * (max_ports + 1));
	c->dev.queue_max_size = VIRTIO_CONSOLE_QUEUE_SIZE;
	pthread_mutex_init(&c->dev.lock, NULL);
	return 0;
}

void virtio_console_destroy(struct virtio_console *c)
{
	pthread_mutex_destroy(&c->dev.lock);
}

/* A name becomes a sysfs attribute and /dev/virtio-ports/NAME: printable
 * ASCII, no '/', no space. */
static bool virtio_console_name_ok(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > VIRTIO_CONSOLE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] > '~' || name[i] == '/')
			return false;
	return true;
}

int virtio_console_add_port(struct virtio_console *c, const char *name, bool is_console,
			    virtio_console_output_fn *output, void *opaque, struct error *err)
{
	int r = -1;
	pthread_mutex_lock(&c->dev.lock);
	if (c->nports >= c->max_ports) {
		error_set(err, "virtio-console: no port left for '%s' (%u ports)",
			  name ? name : "(unnamed)", c->max_ports);
		goto out;
	}
	if (name && !virtio_console_name_ok(name)) {
		error_set(err, "virtio-console port name '%s': must be 1 to %d printable "
			  "characters, no '/' or space", name, VIRTIO_CONSOLE_NAME_MAX);
		goto out;
	}
	for (uint32_t i = 0; name && i < c->nports; i++) {
		if (strcmp(c->ports[i].name, name) == 0) {
			error_set(err, "virtio-console port name '%s': already taken", name);
			goto out;
		}
	}
	struct virtio_console_port *p = &c->ports[c->nports];
	memset(p, 0, sizeof(*p));
	p->is_console = is_console;
	if (name)
		strcpy(p->name, name);   /* length checked above */
	p->output = output;
	p->opaque = opaque;
	r = (int)c->nports++;
out:
	pthread_mutex_unlock(&c->dev.lock);
	return r;
}

size_t virtio_console_input(struct virtio_console *c, uint32_t port, const uint8_t *data,
			    size_t len)
{
	size_t taken = 0;
	pthread_mutex_lock(&c->dev.lock);
	if (port < c->nports) {
		struct virtio_console_port *p = &c->ports[port];
		size_t room = VIRTIO_CONSOLE_INPUT_SIZE - p->input_len;
		taken = len < room ? len : room;
		for (size_t done = 0; done < taken;) {
			size_t tail = (p->input_head + p->input_len) % VIRTIO_CONSOLE_INPUT_SIZE;
			size_t run = VIRTIO_CONSOLE_INPUT_SIZE - tail;
			if (run > taken - done)
				run = taken - done;
			memcpy(p->input + tail, data + done, run);
			p->input_len += run;
			done += run;
		}
		virtio_console_input_flush(c, port);
	}
	pthread_mutex_unlock(&c->dev.lock);
	return taken;
}

size_t virtio_console_input_room(struct virtio_console *c, uint32_t port)
{
	size_t room = 0;
	pthread_mutex_lock(&c->dev.lock);
	if (port < c->nports)
		room = VIRTIO_CONSOLE_INPUT_SIZE - c->ports[port].input_len;
	pthread_mutex_unlock(&c->dev.lock);
	return room;
}

void virtio_console_input_end(struct virtio_console *c, uint32_t port)
{
	pthread_mutex_lock(&c->dev.lock);
	if (port < c->nports) {
		c->ports[port].input_ended = true;
		if (virtio_console_host_close(c, port))
			virtio_console_ctrl_flush(c);
	}
	pthread_mutex_unlock(&c->dev.lock);
}

bool virtio_console_guest_open(struct virtio_console *c, uint32_t port)
{
	pthread_mutex_lock(&c->dev.lock);
	bool open = virtio_console_port_open(c, port);
	pthread_mutex_unlock(&c->dev.lock);
	return open;
}
