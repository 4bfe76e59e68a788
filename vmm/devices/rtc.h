/* An MC146818 real-time clock and CMOS RAM at ports 0x70/0x71, showing the
 * host's UTC time.  Without it Linux's rtc_cmos reads all ones, sees the
 * update-in-progress bit stuck and spends seconds retrying at boot. */
#ifndef MINIVMM_VMM_DEVICES_RTC_H
#define MINIVMM_VMM_DEVICES_RTC_H

#include <stdbool.h>
#include <stdint.h>

#define RTC_PORTS      2
#define RTC_CMOS_SIZE  128

struct rtc {
	uint8_t index;
	uint8_t cmos[RTC_CMOS_SIZE];   /* registers A-D and the CMOS RAM */
	/* Returns the time shown to the guest; the host's clock by default,
	 * replaceable for tests. */
	int64_t (*now)(void);
};

void rtc_init(struct rtc *r);
/* io_bus handler for ports 0x70 (index) and 0x71 (data); opaque is the rtc. */
void rtc_io(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size);

#endif
