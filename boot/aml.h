/* A small AML encoder (ACPI 6.4 chapter 20 "ACPI Machine Language
 * Specification", chapter 19 for the ASL each call stands for, §6.4
 * "Resource Data Types" for resource templates).  Internal to boot/ and its
 * tests: acpi_dsdt.c writes minivmm's DSDT with it.
 *
 * Everything is appended to one growable buffer.  Constructs that carry a
 * PkgLength (Scope, Device, Package, the Buffer of a ResourceTemplate) are
 * opened with *_begin, which returns a mark, and closed with aml_end: only
 * then is the length known, so aml_end inserts the PkgLength (1 to 4 bytes,
 * §20.2.4) at the mark.  Marks must be closed innermost first.
 *
 * Errors are sticky: the first failure (bad name, value out of range, the
 * buffer past its limit, a mark closed out of order) fills the caller's
 * struct error, every later call does nothing, and aml_buf_status reports
 * it.  So a device can be written as a plain run of calls checked once at
 * the end:
 *
 *	struct aml_mark dev = aml_device_begin(b, "COM1");
 *	aml_name(b, "_HID");
 *	aml_eisaid(b, "PNP0501");
 *	aml_end(b, dev);
 *	if (aml_buf_status(b) < 0) ...
 */
#ifndef MINIVMM_BOOT_AML_H
#define MINIVMM_BOOT_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct aml_buf {
	uint8_t *data;      /* malloc'd, len bytes used, cap allocated */
	size_t len;
	size_t cap;
	size_t max;         /* len never exceeds it */
	size_t open;        /* position of the innermost open mark, or AML_NO_MARK */
	int failed;
	struct error *err;  /* filled by the first failure; may be NULL */
};

#define AML_NO_MARK ((size_t)-1)

enum aml_mark_kind {
	AML_MARK_PKGLENGTH,          /* Scope, Device, Package */
	AML_MARK_RESOURCE_TEMPLATE,  /* Buffer holding resource descriptors */
};

/* An open construct: where its PkgLength goes, and the mark it nests in. */
struct aml_mark {
	size_t pos;
	size_t outer;
	enum aml_mark_kind kind;
};

/* An empty buffer that may grow to max bytes.  err (may be NULL) receives
 * the first failure's message. */
void aml_buf_init(struct aml_buf *b, size_t max, struct error *err);
void aml_buf_free(struct aml_buf *b);
/* 0 when every call so far succeeded and every mark is closed, else -1
 * (the message is in the err given to aml_buf_init). */
int aml_buf_status(struct aml_buf *b);

/* Raw bytes, for what has no helper. */
int aml_bytes(struct aml_buf *b, const void *bytes, size_t n);

/* The PkgLength encoding of total (which counts the encoding's own bytes,
 * §20.2.4) into out; returns its size 1..4, or 0 when total is past the
 * 28-bit maximum.  Exposed for the tests; aml_end picks the size. */
int aml_pkglength_encode(uint8_t out[4], size_t total);

/* A NameString (§20.2.2): an optional root prefix '\' or parent prefixes
 * '^', then dot-separated NameSegs of 1..4 characters from [A-Z0-9_], not
 * starting with a digit, padded with '_' ("RTC" is "RTC_").  Two segments
 * use DualNamePrefix, more MultiNamePrefix; "\" alone is the root. */
int aml_name_string(struct aml_buf *b, const char *path);

/* Integer constant (§20.2.3): ZeroOp, OneOp, or the shortest of BytePrefix,
 * WordPrefix, DWordPrefix, QWordPrefix. */
int aml_integer(struct aml_buf *b, uint64_t value);
/* String (§20.2.3): StringPrefix, ASCII 0x01..0x7f, NUL. */
int aml_string(struct aml_buf *b, const char *s);
/* EisaId("PNP0501") (§19.6.35): three letters in 5 bits each and four hex
 * digits, stored as a DWord (0x0105D041 for PNP0501). */
int aml_eisaid(struct aml_buf *b, const char *id);

/* Name(name, ...) (§19.6.90): NameOp and the name; the data object follows
 * with the next call. */
int aml_name(struct aml_buf *b, const char *name);

/* Scope(path) { ... } (§19.6.122), Device(name) { ... } (§19.6.31) and
 * Package(count) { ... } (§19.6.102): count is NumElements, the caller
 * appends that many data objects. */
struct aml_mark aml_scope_begin(struct aml_buf *b, const char *path);
struct aml_mark aml_device_begin(struct aml_buf *b, const char *name);
struct aml_mark aml_package_begin(struct aml_buf *b, uint8_t count);

/* ResourceTemplate() { ... } (§19.3.3): a Buffer of resource descriptors,
 * which aml_end finishes with the End Tag (§6.4.2.9) and its checksum. */
struct aml_mark aml_resource_template_begin(struct aml_buf *b);
/* IO(Decode16, min, max, alignment, length) (§6.4.2.5). */
int aml_io_decode16(struct aml_buf *b, uint16_t min, uint16_t max, uint8_t alignment,
		    uint8_t length);
/* IRQNoFlags() { irq } (§6.4.2.1): the 2-byte IRQ descriptor, ISA IRQ
 * 0..15, edge-triggered active-high. */
int aml_irq_no_flags(struct aml_buf *b, unsigned irq);

/* Address space descriptors (§6.4.3.5): the windows a bridge's _CRS lists.
 * Each describes one fixed range [min, max] as ASL's Word and DWord
 * macros do with MinFixed, MaxFixed and PosDecode: _GRA 0 and _LEN
 * max - min + 1, as §6.4.3.5 asks of a fixed size and location, and no
 * translation (_TRA 0).  The length must fit the descriptor's width, so
 * a Word cannot span all 64 KiB nor a DWord all 4 GiB; min above max is
 * refused too.  usage is ASL's ResourceUsage: §6.4.3.5.1-3 leave General
 * Flags bit 0 "ignored", but iasl writes it (ResourceConsumer 1,
 * ResourceProducer 0) and a root bridge's windows are producers. */
enum aml_resource_usage {
	AML_RESOURCE_PRODUCER,
	AML_RESOURCE_CONSUMER,
};
/* WordBusNumber (§6.4.3.5.3, Resource Type 2): bus numbers min..max. */
int aml_word_bus_number(struct aml_buf *b, enum aml_resource_usage usage, uint16_t min,
			uint16_t max);
/* WordIO (§6.4.3.5.3, Resource Type 1): ports min..max, EntireRange
 * (§6.4.3.5.5: both ISA and non-ISA ranges). */
int aml_word_io(struct aml_buf *b, enum aml_resource_usage usage, uint16_t min, uint16_t max);
/* DWordMemory (§6.4.3.5.2, Resource Type 0): addresses min..max,
 * NonCacheable, ReadWrite, AddressRangeMemory (§6.4.3.5.5), as a window for
 * device registers wants. */
int aml_dword_memory(struct aml_buf *b, enum aml_resource_usage usage, uint32_t min,
		     uint32_t max);

/* Closes the innermost open mark, which must be m. */
int aml_end(struct aml_buf *b, struct aml_mark m);

/* The DSDT's AML (acpi_dsdt.c), appended to b: the definition block's body,
 * without the table header; with pci, the PCI root bridge \_SB.PCI0 too. */
int acpi_dsdt_aml(struct aml_buf *b, bool pci);

#endif
