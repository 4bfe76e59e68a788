/* pvpanic and the ACPI sleep/reset registers: how a guest reports a panic,
 * powers off and resets through the ACPI tables minivmm gives it. */
#define _GNU_SOURCE   /* open_memstream */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "vmm/devices/acpi_pm.h"
#include "vmm/devices/pvpanic.h"
#include "vmm/exit_status.h"
#include "vmm/io_bus.h"

/* Notes the devices print, captured instead of going to stderr. */
struct captured_log {
	FILE *f;
	char *text;
	size_t len;
};

static FILE *log_open(struct captured_log *l)
{
	l->text = NULL;
	l->len = 0;
	l->f = open_memstream(&l->text, &l->len);
	ck_assert_ptr_nonnull(l->f);
	return l->f;
}

/* Lines logged so far. */
static int log_lines(struct captured_log *l)
{
	fflush(l->f);
	int n = 0;
	for (size_t i = 0; i < l->len; i++)
		n += l->text[i] == '\n';
	return n;
}

static void log_close(struct captured_log *l)
{
	fclose(l->f);
	free(l->text);
}

/* One VM's stop request, the two devices wired to it, and the notes both
 * print captured. */
struct power_fixture {
	struct vm_stop stop;
	struct pvpanic pvpanic;
	struct acpi_pm pm;
	struct captured_log log;
};

static void fixture_setup(struct power_fixture *f)
{
	ck_assert_int_eq(vm_stop_init(&f->stop), 0);
	pvpanic_init(&f->pvpanic, &f->stop);
	acpi_pm_init(&f->pm, &f->stop);
	f->pvpanic.log = f->pm.log = log_open(&f->log);
}

static void fixture_teardown(struct power_fixture *f)
{
	log_close(&f->log);
	vm_stop_destroy(&f->stop);
}

static uint8_t read8(io_handler_fn *fn, void *opaque, uint16_t offset)
{
	uint8_t v = 0x5a;
	fn(opaque, offset, false, &v, 1);
	return v;
}

static void write8(io_handler_fn *fn, void *opaque, uint16_t offset, uint8_t v)
{
	fn(opaque, offset, true, &v, 1);
}

/* ---- pvpanic ----------------------------------------------------------- */

START_TEST(pvpanic_read_shows_events)
{
	struct power_fixture f;
	fixture_setup(&f);
	ck_assert_uint_eq(read8(pvpanic_io, &f.pvpanic, 0), PVPANIC_PANICKED | PVPANIC_CRASH_LOADED);
	/* A wider read: the other bytes are ports nobody owns. */
	uint8_t d[4] = { 0 };
	pvpanic_io(&f.pvpanic, 0, false, d, 4);
	ck_assert_uint_eq(d[0], PVPANIC_EVENTS);
	ck_assert_uint_eq(d[1] & d[2] & d[3], 0xff);
	ck_assert(!vm_stop_requested(&f.stop));
	fixture_teardown(&f);
}
END_TEST

START_TEST(pvpanic_panicked_stops_with_crash_status)
{
	/* PANICKED alone, with CRASH_LOADED, with unknown bits, in a 4-byte write. */
	static const uint8_t events[] = { 0x01, 0x03, 0xff, 0x81 };
	for (size_t i = 0; i < sizeof(events); i++) {
		struct power_fixture f;
		fixture_setup(&f);
		if (i == 3) {
			uint8_t d[4] = { events[i], 0, 0, 0 };
			pvpanic_io(&f.pvpanic, 0, true, d, 4);
		} else {
			write8(pvpanic_io, &f.pvpanic, 0, events[i]);
		}
		ck_assert_msg(vm_stop_requested(&f.stop), "event 0x%02x did not stop the VM", events[i]);
		ck_assert_int_eq(f.stop.status, EXIT_GUEST_CRASHED);
		ck_assert_str_eq(f.stop.reason, "guest kernel panicked");
		ck_assert(f.pvpanic.stopped_vm);
		ck_assert_int_eq(log_lines(&f.log), 0);
		fixture_teardown(&f);
	}
}
END_TEST

/* machine_run gives pvpanic's reason the console's panic line only when
 * pvpanic is what stopped the VM: a panic after another stop is not. */
START_TEST(pvpanic_after_another_stop_is_not_the_stop)
{
	struct power_fixture f;
	fixture_setup(&f);
	vm_stop_request(&f.stop, EXIT_GUEST_OFF, "first");
	write8(pvpanic_io, &f.pvpanic, 0, PVPANIC_PANICKED);
	ck_assert(!f.pvpanic.stopped_vm);
	ck_assert_int_eq(f.stop.status, EXIT_GUEST_OFF);
	ck_assert_str_eq(f.stop.reason, "first");
	fixture_teardown(&f);
}
END_TEST

START_TEST(pvpanic_crash_loaded_keeps_running)
{
	struct power_fixture f;
	fixture_setup(&f);
	write8(pvpanic_io, &f.pvpanic, 0, PVPANIC_CRASH_LOADED);
	ck_assert(!vm_stop_requested(&f.stop));
	ck_assert_int_eq(log_lines(&f.log), 1);
	ck_assert_ptr_nonnull(strstr(f.log.text, "minivmm: "));
	ck_assert_ptr_nonnull(strstr(f.log.text, "CRASH_LOADED"));
	/* Said once however often the guest repeats it. */
	for (int i = 0; i < 5; i++)
		write8(pvpanic_io, &f.pvpanic, 0, PVPANIC_CRASH_LOADED | 0x80);
	ck_assert(!vm_stop_requested(&f.stop));
	ck_assert_int_eq(log_lines(&f.log), 1);
	/* A real panic afterwards still ends the VM. */
	write8(pvpanic_io, &f.pvpanic, 0, PVPANIC_PANICKED);
	ck_assert_int_eq(f.stop.status, EXIT_GUEST_CRASHED);
	fixture_teardown(&f);
}
END_TEST

START_TEST(pvpanic_ignores_unknown_bits)
{
	struct power_fixture f;
	fixture_setup(&f);
	for (unsigned v = 0; v < 0x100; v += 4)   /* every value without bits 0-1 */
		write8(pvpanic_io, &f.pvpanic, 0, (uint8_t)v);
	/* The bytes after the port's own in a wide write are not the device's. */
	uint8_t d[2] = { 0x00, PVPANIC_PANICKED };
	pvpanic_io(&f.pvpanic, 0, true, d, 2);
	ck_assert(!vm_stop_requested(&f.stop));
	ck_assert_int_eq(log_lines(&f.log), 0);
	fixture_teardown(&f);
}
END_TEST

/* ---- ACPI sleep and reset registers ----------------------------------- */

#define SLP(type) ((uint8_t)(ACPI_SLEEP_CONTROL_SLP_EN | ((type) << ACPI_SLEEP_CONTROL_SLP_TYP_SHIFT)))

START_TEST(acpi_pm_s5_powers_off)
{
	struct power_fixture f;
	fixture_setup(&f);
	/* acpi_hw_extended_sleep: clear WAK_STS, then SLP_TYP | SLP_EN. */
	write8(acpi_pm_io, &f.pm, ACPI_PM_SLEEP_STATUS, ACPI_SLEEP_STATUS_WAK_STS);
	ck_assert(!vm_stop_requested(&f.stop));
	write8(acpi_pm_io, &f.pm, ACPI_PM_SLEEP_CONTROL, SLP(ACPI_SLEEP_TYPE_S5));
	ck_assert_uint_eq(SLP(ACPI_SLEEP_TYPE_S5), 0x34);
	ck_assert(vm_stop_requested(&f.stop));
	ck_assert_int_eq(f.stop.status, EXIT_GUEST_OFF);
	ck_assert_str_eq(f.stop.reason, "guest powered off (ACPI S5)");
	fixture_teardown(&f);

	/* Reserved bits 0-1 and 6-7 set as well: still S5. */
	fixture_setup(&f);
	write8(acpi_pm_io, &f.pm, ACPI_PM_SLEEP_CONTROL, SLP(ACPI_SLEEP_TYPE_S5) | 0xc3);
	ck_assert_int_eq(f.stop.status, EXIT_GUEST_OFF);
	ck_assert(vm_stop_requested(&f.stop));
	fixture_teardown(&f);
}
END_TEST

START_TEST(acpi_pm_without_slp_en_does_nothing)
{
	struct power_fixture f;
	fixture_setup(&f);
	for (unsigned v = 0; v < 0x100; v++)
		if (!(v & ACPI_SLEEP_CONTROL_SLP_EN))
			write8(acpi_pm_io, &f.pm, ACPI_PM_SLEEP_CONTROL, (uint8_t)v);
	ck_assert(!vm_stop_requested(&f.stop));
	ck_assert_int_eq(log_lines(&f.log), 0);
	ck_assert_uint_eq(read8(acpi_pm_io, &f.pm, ACPI_PM_SLEEP_STATUS), 0);
	fixture_teardown(&f);
}
END_TEST

START_TEST(acpi_pm_other_sleep_states_wake_at_once)
{
	struct power_fixture f;
	fixture_setup(&f);
	ck_assert_uint_eq(read8(acpi_pm_io, &f.pm, ACPI_PM_SLEEP_STATUS), 0);
	for (unsigned type = 0; type < 8; type++) {
		if (type == ACPI_SLEEP_TYPE_S5)
			continue;
		write8(acpi_pm_io, &f.pm, ACPI_PM_SLEEP_CONTROL, SLP(type));
		ck_assert(!vm_stop_requested(&f.stop));
		/* The guest's wait for the wake ends at once ... */
		ck_assert_uint_eq(read8(acpi_pm_io, &f.pm, ACPI_PM_SLEEP_STATUS),
				  ACPI_SLEEP_STATUS_WAK_STS);
		/* ... writing 0 to a write-1-to-clear bit keeps it ... */
		write8(acpi_pm_io, &f.pm, ACPI_PM_SLEEP_STATUS, 0x7f);
		ck_assert_uint_eq(read8(acpi_pm_io, &f.pm, ACPI_PM_SLEEP_STATUS),
				  ACPI_SLEEP_STATUS_WAK_STS);
		/* ... and acpi_hw_extended_wake's write of 1 clears it. */
		write8(acpi_pm_io, &f.pm, ACPI_PM_SLEEP_STATUS, ACPI_SLEEP_STATUS_WAK_STS);
		ck_assert_uint_eq(read8(acpi_pm_io, &f.pm, ACPI_PM_SLEEP_STATUS), 0);
	}
	/* One note for all of them, naming the first state asked for. */
	ck_assert_int_eq(log_lines(&f.log), 1);
	ck_assert_ptr_nonnull(strstr(f.log.text, "minivmm: "));
	ck_assert_ptr_nonnull(strstr(f.log.text, "sleep type 0"));
	fixture_teardown(&f);
}
END_TEST

START_TEST(acpi_pm_reset_register)
{
	struct power_fixture f;
	fixture_setup(&f);
	for (unsigned v = 0; v < 0x100; v++)
		if (v != ACPI_RESET_VALUE)
			write8(acpi_pm_io, &f.pm, ACPI_PM_RESET, (uint8_t)v);
	ck_assert(!vm_stop_requested(&f.stop));
	write8(acpi_pm_io, &f.pm, ACPI_PM_RESET, ACPI_RESET_VALUE);
	ck_assert(vm_stop_requested(&f.stop));
	ck_assert_int_eq(f.stop.status, EXIT_GUEST_OFF);
	ck_assert_str_eq(f.stop.reason, "guest reset (ACPI reset register)");
	fixture_teardown(&f);
}
END_TEST

START_TEST(acpi_pm_reads)
{
	struct power_fixture f;
	fixture_setup(&f);
	ck_assert_uint_eq(read8(acpi_pm_io, &f.pm, ACPI_PM_SLEEP_CONTROL), 0);
	ck_assert_uint_eq(read8(acpi_pm_io, &f.pm, ACPI_PM_SLEEP_STATUS), 0);
	ck_assert_uint_eq(read8(acpi_pm_io, &f.pm, ACPI_PM_RESET), 0);
	/* A 32-bit read from the base: one byte per register, then a port
	 * nobody owns. */
	f.pm.sleep_status = ACPI_SLEEP_STATUS_WAK_STS;
	uint8_t d[4] = { 0x11, 0x22, 0x33, 0x44 };
	acpi_pm_io(&f.pm, 0, false, d, 4);
	ck_assert_uint_eq(d[0], 0);
	ck_assert_uint_eq(d[1], ACPI_SLEEP_STATUS_WAK_STS);
	ck_assert_uint_eq(d[2], 0);
	ck_assert_uint_eq(d[3], 0xff);
	ck_assert(!vm_stop_requested(&f.stop));
	fixture_teardown(&f);
}
END_TEST

START_TEST(acpi_pm_wide_writes_go_byte_by_byte)
{
	struct power_fixture f;
	fixture_setup(&f);
	/* 16 bits at the status register: its byte clears WAK_STS, the next
	 * byte is the reset register. */
	f.pm.sleep_status = ACPI_SLEEP_STATUS_WAK_STS;
	uint8_t d[2] = { ACPI_SLEEP_STATUS_WAK_STS, 0x00 };
	acpi_pm_io(&f.pm, ACPI_PM_SLEEP_STATUS, true, d, 2);
	ck_assert_uint_eq(f.pm.sleep_status, 0);
	ck_assert(!vm_stop_requested(&f.stop));
	d[1] = ACPI_RESET_VALUE;
	acpi_pm_io(&f.pm, ACPI_PM_SLEEP_STATUS, true, d, 2);
	ck_assert(vm_stop_requested(&f.stop));
	ck_assert_str_eq(f.stop.reason, "guest reset (ACPI reset register)");
	fixture_teardown(&f);

	/* outl of S5 to the control register. */
	fixture_setup(&f);
	uint8_t w[4] = { SLP(ACPI_SLEEP_TYPE_S5), 0, 0, 0 };
	acpi_pm_io(&f.pm, ACPI_PM_SLEEP_CONTROL, true, w, 4);
	ck_assert_str_eq(f.stop.reason, "guest powered off (ACPI S5)");
	fixture_teardown(&f);
}
END_TEST

Suite *power_devices_suite(void)
{
	Suite *s = suite_create("power_devices");
	TCase *t = tcase_create("pvpanic");
	tcase_add_test(t, pvpanic_read_shows_events);
	tcase_add_test(t, pvpanic_panicked_stops_with_crash_status);
	tcase_add_test(t, pvpanic_crash_loaded_keeps_running);
	tcase_add_test(t, pvpanic_after_another_stop_is_not_the_stop);
	tcase_add_test(t, pvpanic_ignores_unknown_bits);
	suite_add_tcase(s, t);
	t = tcase_create("acpi_pm");
	tcase_add_test(t, acpi_pm_s5_powers_off);
	tcase_add_test(t, acpi_pm_without_slp_en_does_nothing);
	tcase_add_test(t, acpi_pm_other_sleep_states_wake_at_once);
	tcase_add_test(t, acpi_pm_reset_register);
	tcase_add_test(t, acpi_pm_reads);
	tcase_add_test(t, acpi_pm_wide_writes_go_byte_by_byte);
	suite_add_tcase(s, t);
	return s;
}
