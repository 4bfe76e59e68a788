/* The end of foreign.bzimage's .data (guests.mk): 16 zero bytes, linked
 * last, of which the image file leaves 15 out, so that the file ends
 * before setup + syssize * 16 as boot.rst's paragraph rounding allows. */
	.section .data.zz_foreign_tail, "aw"
	.fill	16, 1, 0

	.section .note.GNU-stack, "", @progbits
