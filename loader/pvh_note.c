/* The PVH entry note of an ELF vmlinux (Xen's docs/misc/pvh.pandoc): in a
 * PT_NOTE segment, a note named "Xen" of type XEN_ELFNOTE_PHYS32_ENTRY whose
 * descriptor starts with the 32-bit physical entry address, little-endian.
 * The segment's bytes come from the file and are hostile: every size is
 * checked against what is left, with no sum that can wrap. */
#include <elf.h>
#include <string.h>

#include "common/byteorder.h"
#include "loader/loader.h"

/* System V gABI "Note Section": namesz and descsz count the bytes actually
 * used; name and desc are each padded to a 4-byte boundary (what Linux's
 * ELFNOTE macro emits with .balign 4, and what readelf assumes for notes in
 * a segment aligned to 4). */
#define PVH_NOTE_ALIGN 4
/* The note's owner: "Xen" with its NUL, so namesz is 4 (Linux's
 * ELFNOTE(Xen, ...) in arch/x86/platform/pvh/head.S). */
#define PVH_NOTE_NAME    "Xen"
#define PVH_NOTE_NAMESZ  4
/* The descriptor is the physical entry point: Linux emits it with _ASM_PTR,
 * 8 bytes on x86-64, but only the low 32 bits are the address (pvh.pandoc:
 * a 32-bit entry point). */
#define PVH_NOTE_MIN_DESC 4

/* A 32-bit size padded to PVH_NOTE_ALIGN; done in 64 bits, it cannot wrap. */
static uint64_t pvh_note_padded(uint32_t size)
{
	return ((uint64_t)size + PVH_NOTE_ALIGN - 1) & ~(uint64_t)(PVH_NOTE_ALIGN - 1);
}

int pvh_note_find(const uint8_t *notes, size_t len, const char *name, uint32_t *entry,
		  struct error *err)
{
	if (!notes && len)
		return error_set(err, "%s: malformed ELF note at offset 0", name);
	size_t off = 0;
	while (off < len) {
		/* The header is three 32-bit words; it is copied out because
		 * the bytes carry no alignment promise. */
		Elf64_Nhdr nh;
		if (len - off < sizeof(nh))
			return error_set(err, "%s: malformed ELF note at offset %zu", name, off);
		memcpy(&nh, notes + off, sizeof(nh));
		size_t name_off = off + sizeof(nh);
		uint64_t name_len = pvh_note_padded(nh.n_namesz);
		uint64_t desc_len = pvh_note_padded(nh.n_descsz);
		/* Compared against what is left, so no offset is ever formed
		 * past len. */
		if (name_len > len - name_off || desc_len > len - name_off - name_len)
			return error_set(err, "%s: malformed ELF note at offset %zu", name, off);
		size_t desc_off = name_off + (size_t)name_len;

		if (nh.n_namesz == PVH_NOTE_NAMESZ && nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY &&
		    memcmp(notes + name_off, PVH_NOTE_NAME, PVH_NOTE_NAMESZ) == 0) {
			if (nh.n_descsz < PVH_NOTE_MIN_DESC)
				return error_set(err, "%s: PVH entry note too short (%u bytes)",
						 name, (unsigned)nh.n_descsz);
			*entry = (uint32_t)le_get(notes + desc_off, 4);
			return 1;
		}
		off = desc_off + (size_t)desc_len;
	}
	return 0;
}
