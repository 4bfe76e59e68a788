/* The GDB remote serial protocol's packets, pure (no I/O, no ioctl): the
 * framing of `$data#cc` with its checksum, the binary escape, hex, and the
 * byte-at-a-time receiver that turns a hostile stream into whole packets.
 * GDB manual, "Remote Protocol" > "Overview" and "Packets". */
#ifndef MINIVMM_VMM_GDB_PACKET_H
#define MINIVMM_VMM_GDB_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest packet data we accept or send (the PacketSize= qSupported
 * offers, in hex: 0x4000).  Longer input is dropped, never stored. */
#define GDB_PACKET_MAX 0x4000

/* The 8-bit modulo sum of the data (GDB manual, "Overview"). */
uint8_t gdb_packet_checksum(const uint8_t *data, size_t len);

/* Hex digit value, -1 for anything else. */
int gdb_hex_digit(int c);
/* len bytes as 2*len lower-case hex chars into out (no NUL). */
void gdb_hex_encode(const uint8_t *in, size_t len, char *out);
/* 2*len hex chars into len bytes; -1 on a non-hex char. */
int gdb_hex_decode(const char *in, size_t len, uint8_t *out);
/* A hex number at *p, at most 16 digits, advancing *p past it; -1 when
 * there is no digit or more than 16. */
int gdb_hex_parse_u64(const char **p, const char *end, uint64_t *out);

/* Undoes the binary escape (0x7d then byte ^ 0x20; "Overview") in place;
 * returns the decoded length, -1 on a trailing lone 0x7d. */
long gdb_binary_unescape(uint8_t *data, size_t len);

/* Frames data as `$data#cc` into out (room bytes), escaping '$', '#', '}'
 * and '*' so the receiver never mistakes data for framing or run-length.
 * Returns the framed length, -1 when it does not fit. */
long gdb_packet_frame(const uint8_t *data, size_t len, uint8_t *out, size_t room);

/* The receiving side.  Feed bytes one at a time; each call says what the
 * byte completed. */
enum gdb_rx_event {
	GDB_RX_NONE,       /* nothing yet */
	GDB_RX_PACKET,     /* a packet with a good checksum: rx->data, rx->len */
	GDB_RX_BAD,        /* a packet with a bad checksum or too long: answer '-' */
	GDB_RX_INTERRUPT,  /* a bare 0x03 outside a packet (Ctrl-C) */
	GDB_RX_ACK,        /* '+' */
	GDB_RX_NAK,        /* '-': resend the last reply */
};

struct gdb_rx {
	enum { GDB_RX_IDLE, GDB_RX_DATA, GDB_RX_CSUM1, GDB_RX_CSUM2 } state;
	bool overflow;
	uint8_t sum, csum;
	size_t len;
	/* One more byte for a NUL, so the data can be parsed as a string. */
	uint8_t data[GDB_PACKET_MAX + 1];
};

void gdb_rx_init(struct gdb_rx *rx);
enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t byte);

#endif
