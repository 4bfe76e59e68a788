/* An 8250/16550A UART (National Semiconductor PC16550D data sheet), enough
 * for Linux's 8250 driver to drive it with interrupts: transmit goes straight
 * to the console, receive comes from the console's input. */
#ifndef MINIVMM_VMM_DEVICES_SERIAL_H
#define MINIVMM_VMM_DEVICES_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERIAL_PORTS     8
#define SERIAL_RX_BUFFER 256

struct serial {
	pthread_mutex_t lock;   /* the vCPU writes registers, the main thread feeds input */
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thr_interrupt;     /* THR-empty interrupt pending (cleared by IIR read / THR write) */
	uint8_t rx[SERIAL_RX_BUFFER];
	size_t rx_head, rx_count;
	int irq_level;          /* last level driven on the interrupt line */
	void (*set_irq)(void *opaque, int level);
	void (*output)(void *opaque, uint8_t byte);
	/* Told when THR writes may start or must stop waiting in KVM's
	 * coalesced ring (see serial_tx_may_wait); NULL: never. */
	void (*tx_wait)(void *opaque, bool may_wait);
	bool tx_waiting;        /* what tx_wait was last told */
	void *opaque;
};

void serial_init(struct serial *s, void (*set_irq)(void *, int),
		 void (*output)(void *, uint8_t), void *opaque);
void serial_destroy(struct serial *s);

/* Whether a THR write may be handled late, at the vCPU's next exit, with
 * nothing the guest can see changing: yes while the THR-empty interrupt is
 * off (the guest then learns THR is empty only by reading LSR, which
 * exits) and not in loopback (where the byte would raise the receive
 * interrupt).  Linux prints its console this way, polling LSR before each
 * byte, so the writes need no exit of their own. */
bool serial_tx_may_wait(const struct serial *s);

/* Port access at offset 0..7 from the base (io_bus handler). */
void serial_io(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size);

/* Queues input bytes for the guest; returns how many fit. */
size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len);

/* Room left in the receive buffer. */
size_t serial_rx_room(struct serial *s);

#endif
