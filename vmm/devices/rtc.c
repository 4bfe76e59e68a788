/* Register map from the MC146818A data sheet, "Address map" and "Registers
 * A-D"; Linux's names are in include/linux/mc146818rtc.h. */
#include <string.h>
#include <time.h>

#include "vmm/devices/rtc.h"

enum {
	REG_SECONDS = 0x00, REG_MINUTES = 0x02, REG_HOURS = 0x04, REG_WEEKDAY = 0x06,
	REG_DAY = 0x07, REG_MONTH = 0x08, REG_YEAR = 0x09,
	REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d,
	REG_CENTURY = 0x32,   /* where PC firmware keeps it (ACPI FADT default) */
};

#define REG_A_DEFAULT 0x26   /* 32.768 kHz time base, 1024 Hz rate, UIP clear */
#define REG_B_24H     0x02
#define REG_B_BINARY  0x04
#define REG_D_VALID   0x80   /* battery good: time and RAM valid */
#define HOURS_PM      0x80

static int64_t rtc_host_now(void)
{
	return (int64_t)time(NULL);
}

void rtc_init(struct rtc *r)
{
	memset(r, 0, sizeof(*r));
	r->cmos[REG_A] = REG_A_DEFAULT;
	r->cmos[REG_B] = REG_B_24H;
	r->cmos[REG_D] = REG_D_VALID;
	r->now = rtc_host_now;
	/* glibc reads the time zone (/etc/localtime) at the first gmtime_r,
	 * which would be a vCPU thread's, under its seccomp filter: read it
	 * now (tzset(3)). */
	tzset();
}

static uint8_t rtc_encode(const struct rtc *r, int v)
{
	if (r->cmos[REG_B] & REG_B_BINARY)
		return (uint8_t)v;
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static uint8_t rtc_hours(const struct rtc *r, int hour)
{
	if (r->cmos[REG_B] & REG_B_24H)
		return rtc_encode(r, hour);
	int h12 = hour % 12 ? hour % 12 : 12;
	return (uint8_t)(rtc_encode(r, h12) | (hour >= 12 ? HOURS_PM : 0));
}

/* The clock registers follow the host's time; the rest is plain CMOS. */
static bool rtc_is_clock(uint8_t reg)
{
	switch (reg) {
	case REG_SECONDS: case REG_MINUTES: case REG_HOURS: case REG_WEEKDAY:
	case REG_DAY: case REG_MONTH: case REG_YEAR: case REG_CENTURY:
		return true;
	default:
		return false;
	}
}

static uint8_t rtc_read(const struct rtc *r, uint8_t reg)
{
	/* Linux polls register A for the UIP bit: only a clock register needs
	 * the time looked up. */
	if (!rtc_is_clock(reg))
		return r->cmos[reg];
	time_t t = (time_t)r->now();
	struct tm tm;
	gmtime_r(&t, &tm);
	switch (reg) {
	case REG_SECONDS: return rtc_encode(r, tm.tm_sec > 59 ? 59 : tm.tm_sec);
	case REG_MINUTES: return rtc_encode(r, tm.tm_min);
	case REG_HOURS: return rtc_hours(r, tm.tm_hour);
	case REG_WEEKDAY: return rtc_encode(r, tm.tm_wday + 1);
	case REG_DAY: return rtc_encode(r, tm.tm_mday);
	case REG_MONTH: return rtc_encode(r, tm.tm_mon + 1);
	case REG_YEAR: return rtc_encode(r, tm.tm_year % 100);
	default: return rtc_encode(r, (tm.tm_year + 1900) / 100);   /* REG_CENTURY */
	}
}

void rtc_io(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	struct rtc *r = opaque;
	if (offset == 0) {
		/* Bit 7 of the index port masks NMIs on a PC; KVM has its own. */
		if (is_write)
			r->index = data[0] & (RTC_CMOS_SIZE - 1);
		else
			memset(data, 0xff, size);
		return;
	}
	if (!is_write) {
		memset(data, 0, size);
		data[0] = rtc_read(r, r->index);
		return;
	}
	if (rtc_is_clock(r->index))
		return;   /* the clock follows the host; setting it is not supported */
	switch (r->index) {
	case REG_A:
		r->cmos[REG_A] = data[0] & 0x7f;   /* UIP is read-only */
		break;
	case REG_C:
	case REG_D:
		break;   /* read-only status */
	default:
		r->cmos[r->index] = data[0];
	}
}
