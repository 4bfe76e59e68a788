/* Multi-byte fields in byte buffers of a fixed byte order, whatever the
 * host's and the buffer's alignment: little-endian ELF notes (gABI), the
 * bzImage payload's size trailer (Linux scripts/Makefile.lib size_append),
 * fw_cfg's little-endian items and big-endian DMA registers and directory
 * (QEMU docs/specs/fw_cfg.rst), ACPI tables (ACPI 6.4 section 5.2: all
 * little-endian).  n is the field's size in bytes, 1 to 8. */
#ifndef MINIVMM_COMMON_BYTEORDER_H
#define MINIVMM_COMMON_BYTEORDER_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t le_get(const void *buf, size_t n)
{
	const uint8_t *p = buf;
	uint64_t v = 0;
	for (size_t i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static inline void le_put(void *buf, uint64_t v, size_t n)
{
	uint8_t *p = buf;
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t be_get(const void *buf, size_t n)
{
	const uint8_t *p = buf;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static inline void be_put(void *buf, uint64_t v, size_t n)
{
	uint8_t *p = buf;
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

#endif
