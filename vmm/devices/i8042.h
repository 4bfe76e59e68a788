/* The i8042 keyboard controller, reduced to what a guest without a keyboard
 * meets: its command/status port, a controller configuration byte, self
 * tests that pass, and the pulse-reset command that ends the VM (Linux's
 * reboot=k path).  Ports 0x60 (data) and 0x64 (command/status). */
#ifndef MINIVMM_VMM_DEVICES_I8042_H
#define MINIVMM_VMM_DEVICES_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/stop.h"

struct i8042 {
	uint8_t ctr;           /* controller configuration byte */
	uint8_t pending_cmd;   /* command waiting for its data byte, or 0 */
	bool out_full;
	uint8_t out;           /* output buffer */
	struct vm_stop *stop;
};

void i8042_init(struct i8042 *k, struct vm_stop *stop);
/* io_bus handlers for port 0x60 and port 0x64 (0x61, between them, is the
 * PC speaker port, which KVM's in-kernel PIT answers); opaque is the struct i8042. */
void i8042_data_io(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size);
void i8042_command_io(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size);

#endif
