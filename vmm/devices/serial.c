/* 16550A register model.  Register numbers and bits follow the PC16550D
 * data sheet, table II; Linux's names are in include/uapi/linux/serial_reg.h. */
#include <string.h>

#include "vmm/devices/serial.h"

enum { REG_DATA, REG_IER, REG_IIR_FCR, REG_LCR, REG_MCR, REG_LSR, REG_MSR, REG_SCR };

#define IER_RDI  0x01   /* receive data available */
#define IER_THRI 0x02   /* transmit holding register empty */
#define IER_MASK 0x0f

#define IIR_NO_INT 0x01
#define IIR_THRI   0x02
#define IIR_RDI    0x04
#define IIR_FIFO_ENABLED 0xc0

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02

#define LCR_DLAB 0x80

#define MCR_LOOP 0x10
#define MCR_MASK 0x1f

#define LSR_DR   0x01   /* data ready */
#define LSR_THRE 0x20   /* transmit holding register empty */
#define LSR_TEMT 0x40   /* transmitter empty */

/* Transmission is instant, so the transmitter is always empty: an LSR of
 * 0x60 is what Linux waits for (cloud-hypervisor #163). */
#define LSR_IDLE (LSR_THRE | LSR_TEMT)

/* Modem status in loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD. */
static uint8_t serial_loop_msr(uint8_t mcr)
{
	return (uint8_t)(((mcr & 0x01) << 5) | ((mcr & 0x02) << 3) | ((mcr & 0x04) << 4) |
			 ((mcr & 0x08) << 4));
}

static uint8_t serial_iir(const struct serial *s)
{
	uint8_t fifo = (s->fcr & FCR_ENABLE) ? IIR_FIFO_ENABLED : 0;
	if ((s->ier & IER_RDI) && s->rx_count)
		return fifo | IIR_RDI;
	if ((s->ier & IER_THRI) && s->thr_interrupt)
		return fifo | IIR_THRI;
	return fifo | IIR_NO_INT;
}

/* Drives the interrupt line from the pending state, as a real UART's INTR
 * pin follows IIR bit 0.  Called with the lock held. */
static void serial_update_irq(struct serial *s)
{
	int level = !(serial_iir(s) & IIR_NO_INT);
	if (level != s->irq_level) {
		s->irq_level = level;
		s->set_irq(s->opaque, level);
	}
}

static void serial_rx_push(struct serial *s, uint8_t byte)
{
	if (s->rx_count == SERIAL_RX_BUFFER)
		return;   /* overrun: the byte is lost, as on hardware */
	s->rx[(s->rx_head + s->rx_count) % SERIAL_RX_BUFFER] = byte;
	s->rx_count++;
}

static uint8_t serial_rx_pop(struct serial *s)
{
	if (!s->rx_count)
		return 0;
	uint8_t byte = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % SERIAL_RX_BUFFER;
	s->rx_count--;
	return byte;
}

void serial_init(struct serial *s, void (*set_irq)(void *, int),
		 void (*output)(void *, uint8_t), void *opaque)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->set_irq = set_irq;
	s->output = output;
	s->opaque = opaque;
	s->dll = 0x0c;   /* 9600 baud: a value firmware commonly leaves */
}

void serial_destroy(struct serial *s)
{
	pthread_mutex_destroy(&s->lock);
}

static void serial_write(struct serial *s, uint16_t reg, uint8_t v)
{
	bool dlab = s->lcr & LCR_DLAB;
	switch (reg) {
	case REG_DATA:
		if (dlab) {
			s->dll = v;
		} else {
			if (s->mcr & MCR_LOOP)
				serial_rx_push(s, v);
			else
				s->output(s->opaque, v);
			/* The byte left at once: THR is empty again. */
			s->thr_interrupt = true;
		}
		break;
	case REG_IER:
		if (dlab) {
			s->dlm = v;
		} else {
			/* Enabling THRI with THR empty raises the interrupt. */
			if (!(s->ier & IER_THRI) && (v & IER_THRI))
				s->thr_interrupt = true;
			s->ier = v & IER_MASK;
		}
		break;
	case REG_IIR_FCR:
		s->fcr = v & 0xc9;   /* enable, DMA mode, trigger level */
		if (v & FCR_CLEAR_RX)
			s->rx_count = 0;
		break;
	case REG_LCR: s->lcr = v; break;
	case REG_MCR: s->mcr = v & MCR_MASK; break;
	case REG_SCR: s->scr = v; break;
	default: break;   /* LSR and MSR are read-only */
	}
}

static uint8_t serial_read(struct serial *s, uint16_t reg)
{
	bool dlab = s->lcr & LCR_DLAB;
	switch (reg) {
	case REG_DATA:
		return dlab ? s->dll : serial_rx_pop(s);
	case REG_IER:
		return dlab ? s->dlm : s->ier;
	case REG_IIR_FCR: {
		uint8_t iir = serial_iir(s);
		/* Reading IIR while it reports THRE clears that interrupt. */
		if ((iir & 0x0f) == IIR_THRI)
			s->thr_interrupt = false;
		return iir;
	}
	case REG_LCR: return s->lcr;
	case REG_MCR: return s->mcr;
	case REG_LSR: return (uint8_t)(LSR_IDLE | (s->rx_count ? LSR_DR : 0));
	case REG_MSR:
		/* Not in loopback: carrier, DSR and CTS up, as a connected terminal. */
		return (s->mcr & MCR_LOOP) ? serial_loop_msr(s->mcr) : 0xb0;
	case REG_SCR: return s->scr;
	}
	return 0xff;
}

bool serial_tx_may_wait(const struct serial *s)
{
	return !(s->ier & IER_THRI) && !(s->mcr & MCR_LOOP);
}

void serial_io(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	struct serial *s = opaque;
	pthread_mutex_lock(&s->lock);
	/* Wider accesses touch consecutive registers, one byte each. */
	for (uint32_t i = 0; i < size && offset + i < SERIAL_PORTS; i++) {
		if (is_write)
			serial_write(s, (uint16_t)(offset + i), data[i]);
		else
			data[i] = serial_read(s, (uint16_t)(offset + i));
	}
	serial_update_irq(s);
	if (s->tx_wait && serial_tx_may_wait(s) != s->tx_waiting) {
		s->tx_waiting = !s->tx_waiting;
		s->tx_wait(s->opaque, s->tx_waiting);
	}
	pthread_mutex_unlock(&s->lock);
}

size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len)
{
	pthread_mutex_lock(&s->lock);
	size_t n = 0;
	while (n < len && s->rx_count < SERIAL_RX_BUFFER)
		serial_rx_push(s, buf[n++]);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

size_t serial_rx_room(struct serial *s)
{
	pthread_mutex_lock(&s->lock);
	size_t room = SERIAL_RX_BUFFER - s->rx_count;
	pthread_mutex_unlock(&s->lock);
	return room;
}
