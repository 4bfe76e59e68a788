/* The UART model as Linux's 8250 driver uses it: LSR idle, THR-empty and
 * receive interrupts driving the IRQ line, loopback, escape filtering. */
#define _GNU_SOURCE   /* pipe2 */
#include <check.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "vmm/console.h"
#include "vmm/devices/serial.h"

struct serial_probe {
	int level, edges;
	char out[64];
	size_t nout;
};

static void probe_irq(void *opaque, int level)
{
	struct serial_probe *p = opaque;
	if (level && !p->level)
		p->edges++;
	p->level = level;
}

static void probe_out(void *opaque, uint8_t b)
{
	struct serial_probe *p = opaque;
	if (p->nout < sizeof(p->out))
		p->out[p->nout++] = (char)b;
}

static uint8_t rd(struct serial *s, uint16_t reg)
{
	uint8_t v = 0;
	serial_io(s, reg, false, &v, 1);
	return v;
}

static void wr(struct serial *s, uint16_t reg, uint8_t v)
{
	serial_io(s, reg, true, &v, 1);
}

START_TEST(transmit_and_lsr)
{
	struct serial s;
	struct serial_probe p = { 0 };
	serial_init(&s, probe_irq, probe_out, &p);
	ck_assert_uint_eq(rd(&s, 5), 0x60);       /* THRE | TEMT, no data */
	wr(&s, 0, 'h');
	wr(&s, 0, 'i');
	ck_assert_uint_eq(p.nout, 2);
	ck_assert(memcmp(p.out, "hi", 2) == 0);
	ck_assert_int_eq(p.level, 0);              /* IER 0: no interrupt */
	ck_assert_uint_eq(rd(&s, 2) & 0x0f, 0x01);
	serial_destroy(&s);
}
END_TEST

START_TEST(thr_empty_interrupt)
{
	struct serial s;
	struct serial_probe p = { 0 };
	serial_init(&s, probe_irq, probe_out, &p);
	wr(&s, 1, 0x02);                           /* enable THRI: THR is empty */
	ck_assert_int_eq(p.level, 1);
	ck_assert_uint_eq(rd(&s, 2) & 0x0f, 0x02); /* reading IIR clears it */
	ck_assert_int_eq(p.level, 0);
	ck_assert_uint_eq(rd(&s, 2) & 0x0f, 0x01);
	wr(&s, 0, 'x');                            /* the byte left: empty again */
	ck_assert_int_eq(p.level, 1);
	ck_assert_int_eq(p.edges, 2);
	wr(&s, 1, 0x00);
	ck_assert_int_eq(p.level, 0);
	serial_destroy(&s);
}
END_TEST

START_TEST(receive_interrupt_and_overrun)
{
	struct serial s;
	struct serial_probe p = { 0 };
	serial_init(&s, probe_irq, probe_out, &p);
	wr(&s, 1, 0x01);
	ck_assert_int_eq(p.level, 0);
	ck_assert_uint_eq(serial_receive(&s, (const uint8_t *)"ab", 2), 2);
	ck_assert_int_eq(p.level, 1);
	ck_assert_uint_eq(rd(&s, 5) & 0x01, 0x01);
	ck_assert_uint_eq(rd(&s, 2) & 0x0f, 0x04);
	ck_assert_uint_eq(rd(&s, 0), 'a');
	ck_assert_uint_eq(rd(&s, 0), 'b');
	ck_assert_int_eq(p.level, 0);
	ck_assert_uint_eq(rd(&s, 5) & 0x01, 0);
	uint8_t big[SERIAL_RX_BUFFER + 10];
	memset(big, 'z', sizeof(big));
	ck_assert_uint_eq(serial_receive(&s, big, sizeof(big)), SERIAL_RX_BUFFER);
	ck_assert_uint_eq(serial_rx_room(&s), 0);
	serial_destroy(&s);
}
END_TEST

START_TEST(divisor_latch_and_scratch)
{
	struct serial s;
	struct serial_probe p = { 0 };
	serial_init(&s, probe_irq, probe_out, &p);
	wr(&s, 3, 0x80);                           /* DLAB */
	wr(&s, 0, 0x01);
	wr(&s, 1, 0x00);
	ck_assert_uint_eq(rd(&s, 0), 0x01);
	ck_assert_uint_eq(p.nout, 0);              /* DLL write is not output */
	wr(&s, 3, 0x03);
	wr(&s, 7, 0x5a);
	ck_assert_uint_eq(rd(&s, 7), 0x5a);
	wr(&s, 2, 0x07);                           /* FIFO on */
	ck_assert_uint_eq(rd(&s, 2) & 0xc0, 0xc0);
	serial_destroy(&s);
}
END_TEST

START_TEST(loopback)
{
	struct serial s;
	struct serial_probe p = { 0 };
	serial_init(&s, probe_irq, probe_out, &p);
	wr(&s, 4, 0x10 | 0x0f);                    /* LOOP, DTR, RTS, OUT1, OUT2 */
	ck_assert_uint_eq(rd(&s, 6) & 0xf0, 0xf0);
	wr(&s, 0, 'q');
	ck_assert_uint_eq(p.nout, 0);
	ck_assert_uint_eq(rd(&s, 0), 'q');
	serial_destroy(&s);
}
END_TEST

static void probe_tx_wait(void *opaque, bool may_wait)
{
	struct serial_probe *p = opaque;
	p->out[p->nout++] = may_wait ? 'W' : 'X';
}

/* THR writes may wait for the next exit only while nothing but an LSR
 * read tells the guest THR is empty: THRI off and no loopback.  The
 * machine hears each change once. */
START_TEST(tx_may_wait_follows_thri_and_loopback)
{
	struct serial s;
	struct serial_probe p = { 0 };
	serial_init(&s, probe_irq, probe_out, &p);
	ck_assert(serial_tx_may_wait(&s));          /* after reset: IER 0 */
	s.tx_wait = probe_tx_wait;
	s.tx_waiting = true;
	wr(&s, 1, 0x01);                             /* RDI only: still may */
	wr(&s, 1, 0x03);                             /* THRI on */
	wr(&s, 0, 'a');
	wr(&s, 1, 0x01);                             /* THRI off */
	wr(&s, 4, 0x10);                             /* loopback */
	wr(&s, 4, 0x00);
	ck_assert_uint_eq(p.nout, 5);
	ck_assert(memcmp(p.out, "XaWXW", 5) == 0);
	ck_assert(serial_tx_may_wait(&s));
	serial_destroy(&s);
}
END_TEST

START_TEST(escape_filter)
{
	struct console c = { .raw = true };
	uint8_t out[32];
	bool quit;
	size_t n = console_filter_input(&c, (const uint8_t *)"ab\001\001c", 5, out, &quit);
	ck_assert(!quit);
	ck_assert_uint_eq(n, 4);
	ck_assert(memcmp(out, "ab\001c", 4) == 0);
	n = console_filter_input(&c, (const uint8_t *)"z\001", 2, out, &quit);
	ck_assert_uint_eq(n, 1);
	n = console_filter_input(&c, (const uint8_t *)"y", 1, out, &quit);   /* pending ^A replayed */
	ck_assert_uint_eq(n, 2);
	ck_assert(memcmp(out, "\001y", 2) == 0);
	n = console_filter_input(&c, (const uint8_t *)"k\001x", 3, out, &quit);
	ck_assert(quit);
	ck_assert_uint_eq(n, 1);
	struct console pipe_in = { .raw = false };
	n = console_filter_input(&pipe_in, (const uint8_t *)"\001x", 2, out, &quit);
	ck_assert(!quit);
	ck_assert_uint_eq(n, 2);
}
END_TEST

/* Output to a pipe or file goes out a line at a time: a newline, a
 * CONSOLE_OUT_LINE-long partial line or console_flush writes it, in order. */
START_TEST(console_buffers_lines_for_pipes)
{
	int fds[2];
	ck_assert_int_eq(pipe2(fds, O_NONBLOCK), 0);
	static struct console c;
	c.out_fd = fds[1];
	c.in_fd = -1;
	c.out_buffered = true;
	char got[CONSOLE_OUT_LINE + 8];
	for (const char *p = "ab\ncd"; *p; p++)
		console_output(&c, (uint8_t)*p);
	ck_assert_int_eq(read(fds[0], got, sizeof(got)), 3);
	ck_assert(memcmp(got, "ab\n", 3) == 0);
	console_flush(&c);
	ck_assert_int_eq(read(fds[0], got, sizeof(got)), 2);
	ck_assert(memcmp(got, "cd", 2) == 0);
	ck_assert_int_eq(read(fds[0], got, sizeof(got)), -1);   /* nothing more */
	for (int i = 0; i < CONSOLE_OUT_LINE; i++)
		console_output(&c, 'x');
	ck_assert_int_eq(read(fds[0], got, sizeof(got)), CONSOLE_OUT_LINE);
	c.out_buffered = false;                                  /* a terminal */
	console_output(&c, 'y');
	ck_assert_int_eq(read(fds[0], got, sizeof(got)), 1);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

Suite *serial_suite(void)
{
	Suite *s = suite_create("serial");
	TCase *t = tcase_create("serial");
	tcase_add_test(t, transmit_and_lsr);
	tcase_add_test(t, thr_empty_interrupt);
	tcase_add_test(t, receive_interrupt_and_overrun);
	tcase_add_test(t, divisor_latch_and_scratch);
	tcase_add_test(t, loopback);
	tcase_add_test(t, escape_filter);
	tcase_add_test(t, tx_may_wait_follows_thri_and_loopback);
	tcase_add_test(t, console_buffers_lines_for_pipes);
	suite_add_tcase(s, t);
	return s;
}
