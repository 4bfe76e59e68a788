/* vmm/gdb_packet.c: framing, checksums, escapes, hex, and garbage on the
 * wire (GDB manual, "Remote Protocol" > "Overview"). */
#include <string.h>

#include "tests/unit/unit.h"
#include "vmm/gdb_packet.h"

/* Feeds s; returns the last event that was not NONE. */
static enum gdb_rx_event feed(struct gdb_rx *rx, const char *s, size_t len)
{
	enum gdb_rx_event last = GDB_RX_NONE;
	for (size_t i = 0; i < len; i++) {
		enum gdb_rx_event e = gdb_rx_byte(rx, (uint8_t)s[i]);
		if (e != GDB_RX_NONE)
			last = e;
	}
	return last;
}

START_TEST(test_checksum_known)
{
	/* "$OK#9a" and "$qSupported#37" as gdb sends them. */
	ck_assert_uint_eq(gdb_packet_checksum((const uint8_t *)"OK", 2), 0x9a);
	ck_assert_uint_eq(gdb_packet_checksum((const uint8_t *)"qSupported", 10), 0x37);
	ck_assert_uint_eq(gdb_packet_checksum(NULL, 0), 0);
}
END_TEST

START_TEST(test_rx_good_packet)
{
	static struct gdb_rx rx;
	gdb_rx_init(&rx);
	ck_assert_int_eq(feed(&rx, "$OK#9a", 6), GDB_RX_PACKET);
	ck_assert_uint_eq(rx.len, 2);
	ck_assert_str_eq((char *)rx.data, "OK");
	ck_assert_int_eq(feed(&rx, "$qSupported#37", 14), GDB_RX_PACKET);
	ck_assert_str_eq((char *)rx.data, "qSupported");
	ck_assert_int_eq(feed(&rx, "$#00", 4), GDB_RX_PACKET);
	ck_assert_uint_eq(rx.len, 0);
}
END_TEST

START_TEST(test_rx_bad_checksum_and_digits)
{
	static struct gdb_rx rx;
	gdb_rx_init(&rx);
	ck_assert_int_eq(feed(&rx, "$OK#9b", 6), GDB_RX_BAD);
	ck_assert_int_eq(feed(&rx, "$OK#zz", 6), GDB_RX_BAD);
	ck_assert_int_eq(feed(&rx, "$OK#9", 5), GDB_RX_NONE);
	ck_assert_int_eq(feed(&rx, "a", 1), GDB_RX_PACKET);
}
END_TEST

START_TEST(test_rx_acks_interrupt_noise)
{
	static struct gdb_rx rx;
	gdb_rx_init(&rx);
	ck_assert_int_eq(gdb_rx_byte(&rx, '+'), GDB_RX_ACK);
	ck_assert_int_eq(gdb_rx_byte(&rx, '-'), GDB_RX_NAK);
	ck_assert_int_eq(gdb_rx_byte(&rx, 0x03), GDB_RX_INTERRUPT);
	ck_assert_int_eq(feed(&rx, "garbage\xff\x00", 9), GDB_RX_NONE);
	/* 0x03 inside a packet is data, not an interrupt. */
	char p[16];
	uint8_t d[2] = { 'a', 0x03 };
	int n = snprintf(p, sizeof(p), "$a\x03#%02x", gdb_packet_checksum(d, 2));
	ck_assert_int_eq(feed(&rx, p, (size_t)n), GDB_RX_PACKET);
	ck_assert_uint_eq(rx.len, 2);
	/* A '$' in the middle restarts: the cut packet is forgotten. */
	ck_assert_int_eq(feed(&rx, "$abc$OK#9a", 10), GDB_RX_PACKET);
	ck_assert_str_eq((char *)rx.data, "OK");
}
END_TEST

START_TEST(test_rx_overlong_is_bad_and_bounded)
{
	static struct gdb_rx rx;
	gdb_rx_init(&rx);
	ck_assert_int_eq(gdb_rx_byte(&rx, '$'), GDB_RX_NONE);
	for (int i = 0; i < 3 * GDB_PACKET_MAX; i++)
		ck_assert_int_eq(gdb_rx_byte(&rx, 'a'), GDB_RX_NONE);
	ck_assert_uint_eq(rx.len, GDB_PACKET_MAX);
	uint8_t sum = 0;
	for (int i = 0; i < 3 * GDB_PACKET_MAX; i++)
		sum = (uint8_t)(sum + 'a');
	char tail[4];
	snprintf(tail, sizeof(tail), "#%02x", sum);
	ck_assert_int_eq(feed(&rx, tail, 3), GDB_RX_BAD);
	/* And the next packet is fine. */
	ck_assert_int_eq(feed(&rx, "$OK#9a", 6), GDB_RX_PACKET);
}
END_TEST

START_TEST(test_frame_escapes_and_roundtrip)
{
	const uint8_t data[] = { 'a', '$', '#', '}', '*', 0 };
	uint8_t out[64];
	long n = gdb_packet_frame(data, sizeof(data), out, sizeof(out));
	ck_assert_int_eq(n, 1 + 1 + 4 * 2 + 1 + 1 + 2);
	ck_assert_int_eq(out[0], '$');
	ck_assert_int_eq(out[2], 0x7d);
	ck_assert_int_eq(out[3], '$' ^ 0x20);
	/* What gdb receives checks out and unescapes to the data. */
	static struct gdb_rx rx;
	gdb_rx_init(&rx);
	ck_assert_int_eq(feed(&rx, (const char *)out, (size_t)n), GDB_RX_PACKET);
	long m = gdb_binary_unescape(rx.data, rx.len);
	ck_assert_int_eq(m, (long)sizeof(data));
	ck_assert_mem_eq(rx.data, data, sizeof(data));
	/* Too small a buffer is refused, never overrun. */
	ck_assert_int_eq(gdb_packet_frame(data, sizeof(data), out, 8), -1);
	ck_assert_int_eq(gdb_packet_frame(data, 0, out, 3), -1);
	ck_assert_int_eq(gdb_packet_frame(data, 0, out, 4), 4);
	ck_assert_mem_eq(out, "$#00", 4);
}
END_TEST

START_TEST(test_unescape_trailing_escape)
{
	uint8_t d[] = { 'a', 0x7d };
	ck_assert_int_eq(gdb_binary_unescape(d, 2), -1);
	uint8_t e[] = { 0x7d, 0x5d, 'b' };
	ck_assert_int_eq(gdb_binary_unescape(e, 3), 2);
	ck_assert_int_eq(e[0], 0x7d);
}
END_TEST

START_TEST(test_hex)
{
	char out[8];
	const uint8_t in[] = { 0x00, 0xab, 0x7f };
	gdb_hex_encode(in, 3, out);
	ck_assert_mem_eq(out, "00ab7f", 6);
	uint8_t back[3];
	ck_assert_int_eq(gdb_hex_decode("00AB7f", 3, back), 0);
	ck_assert_mem_eq(back, in, 3);
	ck_assert_int_eq(gdb_hex_decode("0g", 1, back), -1);
	const char *s = "ffffffff81000000,4", *end = s + strlen(s);
	uint64_t v;
	ck_assert_int_eq(gdb_hex_parse_u64(&s, end, &v), 0);
	ck_assert_uint_eq(v, 0xffffffff81000000ULL);
	ck_assert_int_eq(*s, ',');
	const char *t = "11111111111111111", *tend = t + strlen(t);
	ck_assert_int_eq(gdb_hex_parse_u64(&t, tend, &v), -1);   /* 17 digits */
	const char *u = ",1";
	ck_assert_int_eq(gdb_hex_parse_u64(&u, u + 2, &v), -1);
}
END_TEST

Suite *gdb_packet_suite(void)
{
	Suite *s = suite_create("gdb_packet");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_checksum_known);
	tcase_add_test(tc, test_rx_good_packet);
	tcase_add_test(tc, test_rx_bad_checksum_and_digits);
	tcase_add_test(tc, test_rx_acks_interrupt_noise);
	tcase_add_test(tc, test_rx_overlong_is_bad_and_bounded);
	tcase_add_test(tc, test_frame_escapes_and_roundtrip);
	tcase_add_test(tc, test_unescape_trailing_escape);
	tcase_add_test(tc, test_hex);
	suite_add_tcase(s, tc);
	return s;
}
