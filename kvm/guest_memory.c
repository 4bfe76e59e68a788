/* Guest RAM: one host mapping seen as at most two guest-physical regions, and
 * the one checked translation from a guest-physical range to a host pointer:
 * every guest-physical access goes through it.  Pure: no ioctl. */
#include <string.h>

#include "kvm/guest_memory.h"

/* KVM_SET_USER_MEMORY_REGION wants page-aligned slots (api.rst 4.35), so
 * every boundary here is a whole number of 4 KiB pages. */
#define GUEST_MEMORY_PAGE 0x1000ULL

static int guest_memory_page_aligned(uint64_t v)
{
	return (v & (GUEST_MEMORY_PAGE - 1)) == 0;
}

static void guest_memory_add(struct guest_memory *mem, uint64_t gpa, uint64_t size,
			     uint8_t *host)
{
	struct guest_memory_region *r = &mem->regions[mem->nregions++];
	r->gpa = gpa;
	r->size = size;
	r->host = host;
}

int guest_memory_init(struct guest_memory *mem, uint8_t *host, uint64_t ram_size,
		      uint64_t hole_start, uint64_t hole_end, struct error *err)
{
	memset(mem, 0, sizeof(*mem));
	mem->fd = -1;
	if (!host)
		return error_set(err, "guest RAM has no host mapping");
	if (ram_size == 0)
		return error_set(err, "guest RAM size is 0");
	if (!guest_memory_page_aligned(ram_size))
		return error_set(err, "guest RAM size 0x%llx is not a multiple of 4 KiB",
				 (unsigned long long)ram_size);
	if (hole_start == 0 || hole_start > hole_end ||
	    !guest_memory_page_aligned(hole_start) || !guest_memory_page_aligned(hole_end))
		return error_set(err, "bad MMIO hole [0x%llx, 0x%llx)",
				 (unsigned long long)hole_start, (unsigned long long)hole_end);

	if (ram_size <= hole_start || hole_start == hole_end) {
		/* An empty hole would make two regions that touch: keep one, so a
		 * range across the seam is not refused for no reason. */
		guest_memory_add(mem, 0, ram_size, host);
	} else {
		uint64_t above = ram_size - hole_start;
		if (above > UINT64_MAX - hole_end)
			return error_set(err, "guest RAM of 0x%llx bytes does not fit above "
					 "the MMIO hole at 0x%llx",
					 (unsigned long long)ram_size,
					 (unsigned long long)hole_end);
		guest_memory_add(mem, 0, hole_start, host);
		guest_memory_add(mem, hole_end, above, host + hole_start);
	}
	mem->host_base = host;
	mem->ram_size = ram_size;
	return 0;
}

void *guest_memory_ptr(const struct guest_memory *mem, uint64_t gpa, uint64_t len)
{
	if (!mem || len == 0)
		return NULL;
	for (int i = 0; i < mem->nregions && i < GUEST_MEMORY_MAX_REGIONS; i++) {
		const struct guest_memory_region *r = &mem->regions[i];
		/* Written as differences so that no sum can wrap. */
		if (gpa < r->gpa)
			continue;
		uint64_t off = gpa - r->gpa;
		if (off >= r->size || len > r->size - off)
			continue;
		return r->host + off;
	}
	return NULL;
}

int guest_memory_write(struct guest_memory *mem, uint64_t gpa, const void *src, uint64_t len)
{
	void *dst = guest_memory_ptr(mem, gpa, len);
	if (!dst)
		return -1;
	memmove(dst, src, len);
	return 0;
}

int guest_memory_read(const struct guest_memory *mem, uint64_t gpa, void *dst, uint64_t len)
{
	const void *src = guest_memory_ptr(mem, gpa, len);
	if (!src)
		return -1;
	memmove(dst, src, len);
	return 0;
}

uint64_t guest_memory_low_end(const struct guest_memory *mem)
{
	if (!mem || mem->nregions < 1 || mem->regions[0].gpa != 0)
		return 0;
	return mem->regions[0].size;
}
