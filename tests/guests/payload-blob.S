/* The payload of a payload bzImage (guests.mk: payload-FORMAT.bzimage):
 * PAYLOAD_FILE holds check-payload.elf compressed and then its size as a
 * le32, as the kernel's build leaves vmlinux.bin.FORMAT (scripts/Makefile.lib
 * size_append).  header.S -DPAYLOAD points payload_offset and
 * payload_length (boot.rst "Details of header fields") at it. */
#ifndef PAYLOAD_FILE
#error "assemble with -DPAYLOAD_FILE='\"path\"'"
#endif

	.section .rodata.payload, "a"
	.globl	guest_payload_start, guest_payload_length
guest_payload_start:
	.incbin	PAYLOAD_FILE
guest_payload_end:
	.set	guest_payload_length, guest_payload_end - guest_payload_start

	.section .note.GNU-stack, "", @progbits
