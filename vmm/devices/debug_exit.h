/* QEMU's isa-debug-exit, at the port tests conventionally give it
 * (iobase=0xf4, iosize=4): a write of v ends the VM with (v << 1) | 1, so
 * a guest can report a result that never collides with 0 (hw/misc/debugexit.c). */
#ifndef MINIVMM_VMM_DEVICES_DEBUG_EXIT_H
#define MINIVMM_VMM_DEVICES_DEBUG_EXIT_H

#include <stdbool.h>
#include <stdint.h>

/* io_bus handler; opaque is the struct vm_stop. */
void debug_exit_io(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size);

#endif
