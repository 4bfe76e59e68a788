/* The list of everything placed in guest RAM (after Arm Iris
 * image_getMetaInfoList, Iris Developer Guide, ARM 101196, §5.10.4): what
 * it is, where its bytes came from, where it landed.  Placements check it
 * first, so no image lands on another. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "loader/loader.h"

void image_list_init(struct image_list *list)
{
	memset(list, 0, sizeof(*list));
}

void image_list_free(struct image_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i].path);
	free(list->items);
	image_list_init(list);
}

const struct image_record *image_list_overlap(const struct image_list *list, uint64_t start,
					      uint64_t end)
{
	for (size_t i = 0; list && i < list->count; i++) {
		const struct image_record *r = &list->items[i];
		if (start < r->claim_end && r->image.load_paddr < end)
			return r;
	}
	return NULL;
}

int image_list_check_free(const struct image_list *list, uint64_t start, uint64_t end,
			  const char *name, const char *what, struct error *err)
{
	const struct image_record *r = image_list_overlap(list, start, end);
	if (!r)
		return 0;
	return error_set(err, "%s: %s at [0x%" PRIx64 ", 0x%" PRIx64 ") overlaps %s %s at "
			 "[0x%" PRIx64 ", 0x%" PRIx64 ")", name, what, start, end,
			 image_kind_name(r->kind), r->path, r->image.load_paddr, r->claim_end);
}

int image_list_add(struct image_list *list, const struct image_record *rec, struct error *err)
{
	if (list->count == list->capacity) {
		size_t capacity = list->capacity ? list->capacity * 2 : 8;
		struct image_record *items = realloc(list->items, capacity * sizeof(*items));
		if (!items)
			return error_set_host(err, "%s: out of memory for the image list", rec->path);
		list->items = items;
		list->capacity = capacity;
	}
	struct image_record copy = *rec;
	if (!(copy.path = strdup(rec->path)))
		return error_set_host(err, "%s: out of memory for the image list", rec->path);
	list->items[list->count++] = copy;
	return 0;
}

const char *image_kind_name(enum image_kind kind)
{
	switch (kind) {
	case IMAGE_KIND_KERNEL: return "kernel";
	case IMAGE_KIND_INITRD: return "initrd";
	case IMAGE_KIND_RAW: return "raw";
	case IMAGE_KIND_BOOT_DATA: return "boot-data";
	}
	return "?";
}

const char *image_origin_name(enum image_origin origin)
{
	switch (origin) {
	case IMAGE_ORIGIN_FILE: return "file";
	case IMAGE_ORIGIN_CLIENT: return "client";
	case IMAGE_ORIGIN_GENERATED: return "generated";
	}
	return "?";
}

/* Every column but the last (PATH, which may hold anything) is one word. */
void image_list_print_table(const struct image_list *list, FILE *out)
{
	fprintf(out, "%-10s %-9s %-12s %-12s %-10s %-12s %-13s %s\n", "KIND", "ORIGIN", "ADDRESS",
		"SIZE", "ALIGN", "RAW-ADDRESS", "FORMAT", "PATH");
	for (size_t i = 0; i < list->count; i++) {
		const struct image_record *r = &list->items[i];
		char raw[24] = "-";
		if (r->has_raw_addr)
			snprintf(raw, sizeof(raw), "0x%" PRIx64, r->raw_addr);
		fprintf(out, "%-10s %-9s 0x%-10" PRIx64 " 0x%-10" PRIx64 " 0x%-8" PRIx64 " %-12s %-13s %s\n",
			image_kind_name(r->kind), image_origin_name(r->origin), r->image.load_paddr,
			r->image.size, r->image.alignment, raw, r->format ? r->format : "-", r->path);
	}
}

/* Numbers as JSON integers: guest-physical addresses stay far below 2^53,
 * where every JSON reader is exact. */
void image_list_print_json(const struct image_list *list, FILE *out)
{
	fputc('[', out);
	for (size_t i = 0; i < list->count; i++) {
		const struct image_record *r = &list->items[i];
		fprintf(out, "%s{\"kind\":\"%s\",\"origin\":\"%s\",\"path\":", i ? "," : "",
			image_kind_name(r->kind), image_origin_name(r->origin));
		json_print_string(out, r->path);
		fprintf(out, ",\"load_paddr\":%" PRIu64 ",\"size\":%" PRIu64 ",\"alignment\":%" PRIu64
			",\"raw_addr\":", r->image.load_paddr, r->image.size, r->image.alignment);
		if (r->has_raw_addr)
			fprintf(out, "%" PRIu64, r->raw_addr);
		else
			fputs("null", out);
		fputs(",\"format\":", out);
		if (r->format)
			json_print_string(out, r->format);
		else
			fputs("null", out);
		fputc('}', out);
	}
	fputs("]\n", out);
}
