/* GDB remote protocol framing (GDB manual, "Remote Protocol" > "Overview"):
 * every byte here comes from the network and is hostile; every buffer is
 * bounded by GDB_PACKET_MAX. */
#include <string.h>

#include "vmm/gdb_packet.h"

uint8_t gdb_packet_checksum(const uint8_t *data, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + data[i]);
	return sum;
}

int gdb_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void gdb_hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
}

int gdb_hex_decode(const char *in, size_t len, uint8_t *out)
{
	for (size_t i = 0; i < len; i++) {
		int hi = gdb_hex_digit((unsigned char)in[2 * i]);
		int lo = hi < 0 ? -1 : gdb_hex_digit((unsigned char)in[2 * i + 1]);
		if (lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int gdb_hex_parse_u64(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int n = 0;
	while (s < end && gdb_hex_digit((unsigned char)*s) >= 0) {
		if (++n > 16)
			return -1;
		v = v << 4 | (uint64_t)gdb_hex_digit((unsigned char)*s);
		s++;
	}
	if (n == 0)
		return -1;
	*p = s;
	*out = v;
	return 0;
}

long gdb_binary_unescape(uint8_t *data, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (data[i] == 0x7d) {
			if (++i == len)
				return -1;
			data[o++] = data[i] ^ 0x20;
		} else {
			data[o++] = data[i];
		}
	}
	return (long)o;
}

static bool gdb_needs_escape(uint8_t c)
{
	return c == '$' || c == '#' || c == 0x7d || c == '*';
}

long gdb_packet_frame(const uint8_t *data, size_t len, uint8_t *out, size_t room)
{
	size_t o = 0;
	uint8_t sum = 0;
	if (room < 4)
		return -1;
	out[o++] = '$';
	for (size_t i = 0; i < len; i++) {
		uint8_t c = data[i];
		if (gdb_needs_escape(c)) {
			if (o + 2 > room - 3)
				return -1;
			out[o++] = 0x7d;
			c ^= 0x20;
			sum = (uint8_t)(sum + 0x7d);
		} else if (o + 1 > room - 3) {
			return -1;
		}
		out[o++] = c;
		sum = (uint8_t)(sum + c);
	}
	out[o++] = '#';
	gdb_hex_encode(&sum, 1, (char *)out + o);
	return (long)(o + 2);
}

void gdb_rx_init(struct gdb_rx *rx)
{
	rx->state = GDB_RX_IDLE;
	rx->len = 0;
	rx->sum = 0;
	rx->overflow = false;
}

enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t c)
{
	int d;
	switch (rx->state) {
	case GDB_RX_IDLE:
		if (c == '$') {
			rx->state = GDB_RX_DATA;
			rx->len = 0;
			rx->sum = 0;
			rx->overflow = false;
			return GDB_RX_NONE;
		}
		if (c == 0x03)
			return GDB_RX_INTERRUPT;
		if (c == '+')
			return GDB_RX_ACK;
		if (c == '-')
			return GDB_RX_NAK;
		return GDB_RX_NONE;   /* noise between packets */
	case GDB_RX_DATA:
		if (c == '#') {
			rx->state = GDB_RX_CSUM1;
			return GDB_RX_NONE;
		}
		if (c == '$') {   /* a new start: the old packet was cut short */
			rx->len = 0;
			rx->sum = 0;
			rx->overflow = false;
			return GDB_RX_NONE;
		}
		rx->sum = (uint8_t)(rx->sum + c);
		if (rx->len < GDB_PACKET_MAX)
			rx->data[rx->len++] = c;
		else
			rx->overflow = true;
		return GDB_RX_NONE;
	case GDB_RX_CSUM1:
		d = gdb_hex_digit(c);
		rx->csum = (uint8_t)(d < 0 ? 0 : d << 4);
		rx->overflow |= d < 0;
		rx->state = GDB_RX_CSUM2;
		return GDB_RX_NONE;
	case GDB_RX_CSUM2:
		d = gdb_hex_digit(c);
		rx->state = GDB_RX_IDLE;
		rx->data[rx->len] = '\0';
		if (d < 0 || rx->overflow || (uint8_t)(rx->csum | d) != rx->sum)
			return GDB_RX_BAD;
		return GDB_RX_PACKET;
	}
	return GDB_RX_NONE;
}
