/* A user's device tree (--dtb FILE): checked whole with libfdt before it
 * goes anywhere, then given minivmm's /chosen (dtb_chosen.c).  The FILE is
 * hostile input like any image: every bound comes from libfdt's checks,
 * never from the header alone. */
#include <libfdt.h>

#include "boot/boot.h"

/* fdt_strerror's names ("FDT_ERR_BADMAGIC") in words, for the errors a
 * broken file gives. */
static const char *dtb_file_reason(int rc)
{
	switch (-rc) {
	case FDT_ERR_BADMAGIC: return "no device tree magic (0xd00dfeed)";
	case FDT_ERR_BADVERSION: return "a device tree version libfdt does not read";
	case FDT_ERR_TRUNCATED: return "truncated";
	case FDT_ERR_BADSTRUCTURE: return "its structure block is broken";
	case FDT_ERR_BADOFFSET: return "a block lies outside the blob";
	case FDT_ERR_BADLAYOUT: return "its blocks are out of order";
	case FDT_ERR_BADSTATE: return "unfinished (sequential-write state)";
	default: return fdt_strerror(rc);
	}
}

int dtb_from_file(const void *data, size_t size, const char *name, const struct dtb_machine *m,
		  void *buf, size_t bufsize, struct error *err)
{
	if (size < sizeof(struct fdt_header))
		return error_set(err, "%s: not a device tree blob: %zu bytes, shorter than its "
				 "%zu-byte header", name, size, sizeof(struct fdt_header));
	int rc = fdt_check_header(data);
	if (rc < 0)
		return error_set(err, "%s: not a device tree blob: %s", name, dtb_file_reason(rc));
	if (fdt_totalsize(data) > size)
		return error_set(err, "%s: truncated device tree: its header says %u bytes, the "
				 "file has %zu", name, fdt_totalsize(data), size);
	rc = fdt_check_full(data, size);
	if (rc < 0)
		return error_set(err, "%s: malformed device tree: %s", name, dtb_file_reason(rc));
	rc = fdt_open_into(data, buf, (int)bufsize);
	if (rc == -FDT_ERR_NOSPACE)
		return error_set(err, "%s: device tree of %u bytes: minivmm has room for %zu bytes, "
				 "/chosen included", name, fdt_totalsize(data), bufsize);
	if (rc < 0)
		return error_set(err, "%s: malformed device tree: %s", name, dtb_file_reason(rc));
	struct error inner = { 0 };
	if (dtb_chosen_fill(buf, m, &inner) < 0)
		return error_set_as(err, inner.kind, "%s: %s", name, inner.msg);
	return 0;
}
