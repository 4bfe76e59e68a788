/* acpi-dump [--pci] NCPUS DIR: builds minivmm's ACPI tables for NCPUS vCPUs
 * (with --pci, those of a machine with the PCI host bridge) into guest RAM,
 * as the VMM does, then finds them the way a guest does (RSDP -> XSDT ->
 * each table, FADT -> DSDT) and writes each to DIR/<SIG>.dat (RSDP.dat,
 * XSDT.dat, FACP.dat, APIC.dat, DSDT.dat, and MCFG.dat when the XSDT lists
 * it) for `iasl -d` (tests/acpi/run-tests.sh).  Exit 0 on success, 1 with
 * one stderr line on any failure. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"

/* Enough RAM to hold the ACPI area. */
#define DUMP_RAM_SIZE (2ULL << 20)
/* Offsets ACPI 6.4 fixes: the table header's length (§5.2.6), the RSDP's
 * XsdtAddress (§5.2.5.3), the FADT's X_DSDT (Table 5.9). */
#define DUMP_HEADER_SIZE  36
#define DUMP_LENGTH_OFF   4
#define DUMP_RSDP_SIZE    36
#define DUMP_RSDP_XSDT    24
#define DUMP_FADT_X_DSDT  140

static const char *prog = "acpi-dump";

static __attribute__((format(printf, 1, 2))) int fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return -1;
}

static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/%s.dat", dir, name) >= (int)sizeof(path))
		return fail("%s: path too long", dir);
	FILE *f = fopen(path, "wb");
	if (!f)
		return fail("%s: %s", path, strerror(errno));
	int bad = fwrite(data, 1, len, f) != len;
	bad |= fclose(f) != 0;
	if (bad)
		return fail("%s: write failed", path);
	return 0;
}

/* The table at paddr, whole, or NULL. */
static const uint8_t *table_at(const struct guest_memory *mem, uint64_t paddr, uint32_t *len)
{
	const uint8_t *h = guest_memory_ptr(mem, paddr, DUMP_HEADER_SIZE);
	if (!h) {
		fail("no table header at 0x%llx", (unsigned long long)paddr);
		return NULL;
	}
	memcpy(len, h + DUMP_LENGTH_OFF, sizeof(*len));
	if (*len < DUMP_HEADER_SIZE || !guest_memory_ptr(mem, paddr, *len)) {
		fail("bad table length at 0x%llx", (unsigned long long)paddr);
		return NULL;
	}
	return h;
}

static int dump_table(const struct guest_memory *mem, uint64_t paddr, const char *dir,
		      const uint8_t **out)
{
	uint32_t len;
	const uint8_t *t = table_at(mem, paddr, &len);
	if (!t)
		return -1;
	char sig[5] = { 0 };
	memcpy(sig, t, 4);
	for (int i = 0; i < 4; i++)
		if (!((sig[i] >= 'A' && sig[i] <= 'Z') || (sig[i] >= '0' && sig[i] <= '9')))
			return fail("table at 0x%llx has a bad signature",
				    (unsigned long long)paddr);
	if (out)
		*out = t;
	return write_file(dir, sig, t, len);
}

int main(int argc, char **argv)
{
	bool pci = argc == 4 && strcmp(argv[1], "--pci") == 0;
	if (pci) {
		argc--;
		argv++;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: %s [--pci] NCPUS DIR\n", prog);
		return 2;
	}
	char *end;
	long ncpus = strtol(argv[1], &end, 10);
	if (*argv[1] == '\0' || *end != '\0' || ncpus < 0 || ncpus > 100000) {
		fprintf(stderr, "%s: bad NCPUS \"%s\"\n", prog, argv[1]);
		return 2;
	}
	const char *dir = argv[2];

	uint8_t *ram = calloc(1, DUMP_RAM_SIZE);
	if (!ram) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	struct guest_memory mem;
	struct error err = { 0 };
	uint64_t rsdp;
	if (guest_memory_init(&mem, ram, DUMP_RAM_SIZE, LAYOUT_MMIO_HOLE_START,
			      LAYOUT_MMIO_HOLE_END, &err) < 0 ||
	    acpi_tables_build(&mem, (int)ncpus, pci, &rsdp, &err) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		free(ram);
		return 1;
	}

	int rc = -1;
	const uint8_t *r = guest_memory_ptr(&mem, rsdp, DUMP_RSDP_SIZE);
	if (!r) {
		fail("no RSDP at 0x%llx", (unsigned long long)rsdp);
		goto out;
	}
	if (write_file(dir, "RSDP", r, DUMP_RSDP_SIZE) < 0)
		goto out;
	uint64_t xsdt_paddr;
	memcpy(&xsdt_paddr, r + DUMP_RSDP_XSDT, sizeof(xsdt_paddr));
	const uint8_t *xsdt;
	if (dump_table(&mem, xsdt_paddr, dir, &xsdt) < 0)
		goto out;
	uint32_t xsdt_len;
	memcpy(&xsdt_len, xsdt + DUMP_LENGTH_OFF, sizeof(xsdt_len));
	for (uint32_t off = DUMP_HEADER_SIZE; off + 8 <= xsdt_len; off += 8) {
		uint64_t paddr;
		memcpy(&paddr, xsdt + off, sizeof(paddr));
		const uint8_t *t;
		if (dump_table(&mem, paddr, dir, &t) < 0)
			goto out;
		if (memcmp(t, "FACP", 4) == 0) {
			uint64_t dsdt;
			memcpy(&dsdt, t + DUMP_FADT_X_DSDT, sizeof(dsdt));
			if (dump_table(&mem, dsdt, dir, NULL) < 0)
				goto out;
		}
	}
	rc = 0;
out:
	free(ram);
	return rc == 0 ? 0 : 1;
}
