/* /chosen (Devicetree Specification v0.4 section 3.6, and Linux's
 * Documentation/devicetree/bindings/chosen.txt for the linux,* names):
 * what minivmm decides at every boot goes there, in its own tree and in a
 * user's --dtb FILE alike. */
#include <string.h>

#include <libfdt.h>

#include "boot/boot.h"

static int dtb_chosen_error(int rc, const char *what, struct error *err)
{
	return error_set(err, "device tree: cannot write /chosen %s: %s", what, fdt_strerror(rc));
}

int dtb_chosen_fill(void *fdt, const struct dtb_machine *m, struct error *err)
{
	int chosen = fdt_path_offset(fdt, "/chosen");
	if (chosen == -FDT_ERR_NOTFOUND)
		chosen = fdt_add_subnode(fdt, 0, "chosen");
	if (chosen < 0)
		return dtb_chosen_error(chosen, "", err);
	int rc = fdt_setprop_string(fdt, chosen, "bootargs", m->cmdline);
	if (rc < 0)
		return dtb_chosen_error(rc, "bootargs", err);
	/* The initrd as [start, end), end exclusive (chosen.txt).  Without one,
	 * a range the user's tree carried would name memory holding nothing. */
	if (m->initrd) {
		rc = fdt_setprop_u64(fdt, chosen, "linux,initrd-start", m->initrd->load_paddr);
		if (rc == 0)
			rc = fdt_setprop_u64(fdt, chosen, "linux,initrd-end",
					     m->initrd->load_paddr + m->initrd->size);
	} else {
		rc = fdt_delprop(fdt, chosen, "linux,initrd-start");
		if (rc == 0 || rc == -FDT_ERR_NOTFOUND)
			rc = fdt_delprop(fdt, chosen, "linux,initrd-end");
		if (rc == -FDT_ERR_NOTFOUND)
			rc = 0;
	}
	if (rc < 0)
		return dtb_chosen_error(rc, "linux,initrd-start/-end", err);
	rc = fdt_pack(fdt);
	if (rc < 0)
		return error_set(err, "device tree: %s", fdt_strerror(rc));
	return 0;
}
