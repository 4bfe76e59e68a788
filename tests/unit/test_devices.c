/* i8042 and debug-exit: the two ways a guest ends the VM on purpose. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include <linux/kvm.h>


#include "vmm/devices/debug_exit.h"
#include "vmm/devices/i8042.h"
#include "vmm/devices/rtc.h"
#include "vmm/exit_status.h"
#include "vmm/io_bus.h"

static uint8_t port_read(io_handler_fn *fn, void *opaque)
{
	uint8_t v = 0;
	fn(opaque, 0, false, &v, 1);
	return v;
}

static void port_write(io_handler_fn *fn, void *opaque, uint8_t v)
{
	fn(opaque, 0, true, &v, 1);
}

START_TEST(i8042_controller_answers)
{
	struct vm_stop stop;
	struct i8042 k;
	ck_assert_int_eq(vm_stop_init(&stop), 0);
	i8042_init(&k, &stop);
	ck_assert_uint_eq(port_read(i8042_command_io, &k) & 0x01, 0);   /* nothing to read */
	port_write(i8042_command_io, &k, 0xaa);                          /* self test */
	ck_assert_uint_eq(port_read(i8042_command_io, &k) & 0x01, 0x01);
	ck_assert_uint_eq(port_read(i8042_data_io, &k), 0x55);
	ck_assert_uint_eq(port_read(i8042_command_io, &k) & 0x01, 0);
	port_write(i8042_command_io, &k, 0x60);                          /* write CTR */
	port_write(i8042_data_io, &k, 0x47);
	port_write(i8042_command_io, &k, 0x20);                          /* read CTR */
	ck_assert_uint_eq(port_read(i8042_data_io, &k), 0x47);
	ck_assert(!vm_stop_requested(&stop));
	vm_stop_destroy(&stop);
}
END_TEST

START_TEST(i8042_reset_stops_with_zero)
{
	struct vm_stop stop;
	struct i8042 k;
	ck_assert_int_eq(vm_stop_init(&stop), 0);
	i8042_init(&k, &stop);
	port_write(i8042_command_io, &k, 0xfe);
	ck_assert(vm_stop_requested(&stop));
	ck_assert_int_eq(stop.status, EXIT_GUEST_OFF);
	ck_assert_ptr_nonnull(strstr(stop.reason, "reset"));
	vm_stop_destroy(&stop);
}
END_TEST

START_TEST(debug_exit_status)
{
	struct vm_stop stop;
	ck_assert_int_eq(vm_stop_init(&stop), 0);
	uint32_t v = 21;
	debug_exit_io(&stop, 0, true, (uint8_t *)&v, 4);
	ck_assert_int_eq(stop.status, 43);
	/* The first reason wins: a later write does not change the status. */
	v = 0;
	debug_exit_io(&stop, 0, true, (uint8_t *)&v, 1);
	ck_assert_int_eq(stop.status, 43);
	vm_stop_destroy(&stop);

	ck_assert_int_eq(vm_stop_init(&stop), 0);
	uint8_t b = 0xff;   /* (0xff << 1) | 1 keeps its low 8 bits */
	debug_exit_io(&stop, 0, true, &b, 1);
	ck_assert_int_eq(stop.status, 0xff);
	vm_stop_destroy(&stop);
}
END_TEST

static int64_t fixed_now(void)
{
	return 1795271405;   /* 2026-11-21 14:30:05 UTC, a Saturday */
}

static uint8_t rtc_reg(struct rtc *r, uint8_t reg)
{
	uint8_t v = reg;
	rtc_io(r, 0, true, &v, 1);
	rtc_io(r, 1, false, &v, 1);
	return v;
}

START_TEST(rtc_shows_time_in_bcd_and_binary)
{
	struct rtc r;
	rtc_init(&r);
	r.now = fixed_now;
	ck_assert_uint_eq(rtc_reg(&r, 0x0a) & 0x80, 0);   /* no update in progress */
	ck_assert_uint_eq(rtc_reg(&r, 0x0d), 0x80);
	ck_assert_uint_eq(rtc_reg(&r, 0x00), 0x05);
	ck_assert_uint_eq(rtc_reg(&r, 0x02), 0x30);
	ck_assert_uint_eq(rtc_reg(&r, 0x04), 0x14);
	ck_assert_uint_eq(rtc_reg(&r, 0x06), 7);
	ck_assert_uint_eq(rtc_reg(&r, 0x07), 0x21);
	ck_assert_uint_eq(rtc_reg(&r, 0x08), 0x11);
	ck_assert_uint_eq(rtc_reg(&r, 0x09), 0x26);
	ck_assert_uint_eq(rtc_reg(&r, 0x32), 0x20);
	uint8_t v = 0x0b;
	rtc_io(&r, 0, true, &v, 1);
	v = 0x04;                                          /* binary, 12-hour */
	rtc_io(&r, 1, true, &v, 1);
	ck_assert_uint_eq(rtc_reg(&r, 0x02), 30);
	ck_assert_uint_eq(rtc_reg(&r, 0x04), 0x80 | 2);   /* 2 PM */
	rtc_reg(&r, 0x40);
	v = 0x99;                                          /* CMOS RAM keeps what is written */
	rtc_io(&r, 1, true, &v, 1);
	ck_assert_uint_eq(rtc_reg(&r, 0x40), 0x99);
}
END_TEST

static void probe(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	(void)is_write;
	(void)size;
	*(int *)opaque = offset;
	data[0] = 0x42;
}

START_TEST(io_bus_dispatch)
{
	struct io_bus bus;
	io_bus_init(&bus, IO_BUS_PORTS_END);
	int seen = -1;
	ck_assert_int_eq(io_bus_add(&bus, 0x3f8, 8, probe, &seen, "a"), 0);
	ck_assert_int_lt(io_bus_add(&bus, 0x3fc, 8, probe, &seen, "overlap"), 0);
	ck_assert_int_lt(io_bus_add(&bus, 0xfffc, 8, probe, &seen, "past 64K"), 0);
	uint8_t d[4] = { 0 };
	io_bus_access(&bus, 0x3fd, false, d, 1);
	ck_assert_int_eq(seen, 5);
	ck_assert_uint_eq(d[0], 0x42);
	io_bus_access(&bus, 0x80, false, d, 4);   /* nobody: all ones */
	ck_assert_uint_eq(d[0] & d[1] & d[2] & d[3], 0xff);
	io_bus_destroy(&bus);
}
END_TEST

/* Records port writes: "port:byte" per access, into a string. */
static void record(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	char *log = opaque;
	ck_assert(is_write);
	for (uint32_t i = 0; i < size; i++)
		sprintf(log + strlen(log), "%u:%c ", (unsigned)(offset + i), data[i]);
}

/* Queues one coalesced port write, as KVM does. */
static void ring_put(struct kvm_coalesced_mmio_ring *ring, uint32_t entries, uint64_t port,
		     uint32_t len, const char *bytes, uint32_t pio)
{
	struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[ring->last];
	*e = (struct kvm_coalesced_mmio){ .phys_addr = port, .len = len, .pio = pio };
	memcpy(e->data, bytes, len);
	ring->last = (ring->last + 1) % entries;
}

START_TEST(io_bus_drains_coalesced_writes_in_order)
{
	struct io_bus bus;
	io_bus_init(&bus, IO_BUS_PORTS_END);
	char log[256] = "";
	ck_assert_int_eq(io_bus_add(&bus, 0x3f8, 8, record, log, "uart"), 0);
	/* A ring of 4 entries, so that the indices wrap. */
	static uint64_t page[512];
	struct kvm_coalesced_mmio_ring *ring = (void *)page;
	bus.ring = ring;
	bus.ring_entries = 4;
	ring->first = ring->last = 3;
	ring_put(ring, 4, 0x3f8, 1, "a", 1);
	ring_put(ring, 4, 0x3f8, 1, "b", 1);
	ring_put(ring, 4, 0x3f9, 2, "cd", 1);
	io_bus_drain_coalesced(&bus);
	ck_assert_str_eq(log, "0:a 0:b 1:c 2:d ");
	ck_assert_uint_eq(ring->first, ring->last);

	/* What KVM never queues for a port is skipped, not dispatched. */
	log[0] = '\0';
	ring_put(ring, 4, 0x3f8, 8, "12345678", 1);   /* longer than a port access */
	ring_put(ring, 4, 0x103f8, 1, "x", 1);        /* beyond port 0xffff */
	ring_put(ring, 4, 0x3f8, 1, "y", 0);          /* MMIO */
	io_bus_drain_coalesced(&bus);
	ck_assert_str_eq(log, "");
	ck_assert_uint_eq(ring->first, ring->last);

	/* Indices outside the ring: nothing is read through them. */
	ring->first = 7;
	ring->last = 1;
	io_bus_drain_coalesced(&bus);
	ck_assert_str_eq(log, "");
	ck_assert_uint_eq(ring->first, 7);
	io_bus_destroy(&bus);
}
END_TEST

Suite *devices_suite(void)
{
	Suite *s = suite_create("devices");
	TCase *t = tcase_create("devices");
	tcase_add_test(t, i8042_controller_answers);
	tcase_add_test(t, i8042_reset_stops_with_zero);
	tcase_add_test(t, debug_exit_status);
	tcase_add_test(t, io_bus_dispatch);
	tcase_add_test(t, io_bus_drains_coalesced_writes_in_order);
	tcase_add_test(t, rtc_shows_time_in_bcd_and_binary);
	suite_add_tcase(s, t);
	return s;
}
