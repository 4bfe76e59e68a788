/* loader/: image formats and where each image landed in guest RAM.  Pure: it
 * writes through struct guest_memory and never calls ioctl, so its tests run
 * without /dev/kvm. */
#ifndef MINIVMM_LOADER_LOADER_H
#define MINIVMM_LOADER_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <asm/bootparam.h>

#include "common/error.h"
#include "common/x86.h"
#include "kvm/guest_memory.h"

/* Where one image landed: [load_paddr, load_paddr + size). */
struct guest_image {
	uint64_t load_paddr;
	uint64_t alignment;
	uint64_t size;
};

/* ---- Image sources: a file, a stream read in chunks, a buffer ---------- */

/* Who produced an image's bytes (Arm Iris Developer Guide, ARM 101196,
 * §5.10.5 ImageMetaInfo "instanceSideFile"):
 * a path minivmm opened itself, data the client handed over (stdin, or a
 * buffer through the API), or a table minivmm generated. */
enum image_origin { IMAGE_ORIGIN_FILE, IMAGE_ORIGIN_CLIENT, IMAGE_ORIGIN_GENERATED };

/* A pull source, after Iris image_loadDataRead: read() copies at most len
 * bytes and returns how many; fewer than len (possibly 0) means the data has
 * ended.  close() is called exactly once, after the last read. */
struct image_source {
	const char *name;   /* the path, or "<stdin>": for messages and the list */
	enum image_origin origin;
	ssize_t (*read)(struct image_source *src, void *buf, size_t len, struct error *err);
	void (*close)(struct image_source *src);
	int fd;                 /* file and stdin sources */
	const uint8_t *data;    /* buffer sources */
	size_t size, pos;
};

/* "-" is stdin (origin client, name "<stdin>"); anything else is opened
 * (regular file, FIFO, /dev/fd/N).  Errors name the path. */
int image_source_open(struct image_source *src, const char *path, struct error *err);
/* Data the client already holds; minivmm copies it when pulled. */
void image_source_buffer(struct image_source *src, const char *name, const void *data,
			 size_t size);

struct bzimage_vmlinux;

/* A whole image in host memory. */
struct image_file {
	char *path;      /* the source's name, for messages and the list */
	enum image_origin origin;
	uint8_t *data;
	size_t size;
	/* A bzImage's payload as kernel_parse examined it, kept for
	 * kernel_load (bzimage_vmlinux.c); NULL until examined, freed once
	 * loaded and by image_file_free. */
	struct bzimage_vmlinux *vmlinux;
};

/* Pulls src to its end in chunks, then closes it (also on error).  Formats
 * that need random access parse what was pulled; no source is ever seeked.
 * An empty image is an error. */
int image_file_pull(struct image_file *file, struct image_source *src, struct error *err);
/* image_source_open + image_file_pull. */
int image_file_read(struct image_file *file, const char *path, struct error *err);
void image_file_free(struct image_file *file);

/* ---- The list of loaded images ----------------------------------------- */

enum image_kind {
	IMAGE_KIND_KERNEL,
	IMAGE_KIND_INITRD,
	IMAGE_KIND_RAW,
	IMAGE_KIND_BOOT_DATA,   /* generated: zero page, command line, tables */
};

struct image_record {
	enum image_kind kind;
	enum image_origin origin;
	char *path;             /* file path, "<stdin>", or what a table is */
	struct guest_image image;
	/* Kernels: what was loaded (kernel_format_name: "bzImage", "ELF",
	 * "bzImage+lz4", ...), a string with static storage; NULL otherwise. */
	const char *format;
	uint64_t claim_end;     /* end of the RAM the image owns (a kernel: reserved_end) */
	bool has_raw_addr;      /* loaded as raw data at an address the user gave */
	uint64_t raw_addr;
};

struct image_list {
	struct image_record *items;
	size_t count, capacity;
};

void image_list_init(struct image_list *list);
void image_list_free(struct image_list *list);
/* The first record whose [load_paddr, claim_end) meets [start, end), or NULL. */
const struct image_record *image_list_overlap(const struct image_list *list, uint64_t start,
					      uint64_t end);
/* 0 when [start, end) is free; otherwise an error "NAME: WHAT at [start, end)
 * overlaps KIND PATH at [..)". */
int image_list_check_free(const struct image_list *list, uint64_t start, uint64_t end,
			  const char *name, const char *what, struct error *err);
/* Appends a copy of rec (path duplicated).  Does not check for overlap. */
int image_list_add(struct image_list *list, const struct image_record *rec, struct error *err);
const char *image_kind_name(enum image_kind kind);
const char *image_origin_name(enum image_origin origin);
/* --print-images: a table with a header line, or one JSON array. */
void image_list_print_table(const struct image_list *list, FILE *out);
void image_list_print_json(const struct image_list *list, FILE *out);

/* ---- Kernels ------------------------------------------------------------ */

enum kernel_boot_protocol {
	KERNEL_BOOT_AUTO,      /* a request only: PVH when the image has the note */
	KERNEL_BOOT_LINUX64,   /* 64-bit Linux boot protocol, boot_params in RSI */
	KERNEL_BOOT_PVH,       /* 32-bit PVH entry, hvm_start_info in EBX */
};

enum kernel_format {
	KERNEL_FORMAT_BZIMAGE,          /* booted as it is: the guest decompresses */
	KERNEL_FORMAT_ELF,              /* an ELF vmlinux */
	KERNEL_FORMAT_BZIMAGE_PAYLOAD,  /* the ELF vmlinux minivmm unpacked from a bzImage */
};

/* A bzImage's payload formats, as lib/decompress.c's table names them. */
/* The payload formats and their names, in one list: the enum, the
 * format's name ("lz4") and the kernel record's ("bzImage+lz4") all come
 * from it. */
#define BZIMAGE_PAYLOAD_FORMATS(X) \
	X(GZIP, "gzip")            \
	X(BZIP2, "bzip2")          \
	X(LZMA, "lzma")            \
	X(XZ, "xz")                \
	X(LZO, "lzo")              \
	X(LZ4, "lz4")              \
	X(ZSTD, "zstd")

#define BZIMAGE_PAYLOAD_ENUM(id, name) BZIMAGE_PAYLOAD_##id,
enum bzimage_payload_format {
	BZIMAGE_PAYLOAD_UNKNOWN,
	BZIMAGE_PAYLOAD_FORMATS(BZIMAGE_PAYLOAD_ENUM)
};
#undef BZIMAGE_PAYLOAD_ENUM

struct guest_kernel_image {
	/* bzImage: the protected-mode kernel as copied.  ELF (and a bzImage's
	 * payload): from the lowest segment's destination to the end of the
	 * highest one (p_memsz). */
	struct guest_image image;
	enum kernel_format format;
	enum bzimage_payload_format payload_format;  /* KERNEL_FORMAT_BZIMAGE_PAYLOAD */
	enum kernel_boot_protocol protocol;  /* never AUTO once loaded */
	uint64_t entry;                      /* for `protocol` */
	uint64_t linux64_entry;              /* bzImage load + 0x200; ELF e_entry + offset */
	bool has_pvh_entry;                  /* ELF with XEN_ELFNOTE_PHYS32_ENTRY */
	uint64_t pvh_entry;                  /* note value + offset */
	int64_t relocation_offset;           /* ELF: load_paddr - lowest p_paddr */
	/* End (exclusive) of the memory the kernel claims for itself while it
	 * starts: nothing else may be placed below it and above
	 * image.load_paddr (boot.rst: init_size). */
	uint64_t reserved_end;
	/* bzImage, and the vmlinux from its payload: copied from the bzImage,
	 * as read.  ELF: synthesized (what a vmlinux needs from a loader; see
	 * elf.c). */
	struct setup_header setup_header;
};

/* "bzImage", "ELF", or for a bzImage's payload "bzImage+FORMAT" (e.g.
 * "bzImage+lz4"): static strings, for --print-images and --verbose. */
const char *kernel_format_name(const struct guest_kernel_image *k);

/* Where and how the caller wants the kernel or a module. */
struct load_request {
	uint64_t load_address;   /* 0: the image's own address (or automatic) */
	uint64_t alignment;      /* 0: the image's own; else a power of two >= 4 KiB */
	enum kernel_boot_protocol protocol;  /* kernels only */
};

/* Page granularity every placement works in. */
#define LOADER_PAGE_SIZE 0x1000ULL

/* 0 when alignment is 0 (meaning "the image's own") or a power of two of at
 * least LOADER_PAGE_SIZE; otherwise an error naming `name`. */
int loader_check_alignment(uint64_t alignment, const char *name, struct error *err);

/* Oldest boot protocol minivmm accepts (2.00 introduced bzImage, LOAD_HIGH). */
#define BZIMAGE_MIN_VERSION 0x0200

/* Parses a bzImage (boot.rst): "HdrS", version >= 2.00, LOADED_HIGH,
 * XLF_KERNEL_64, setup_sects 0 meaning 4, syssize rounded up to 16 bytes;
 * relocatable only with a power-of-two kernel_alignment.  Fills
 * out->setup_header and the image size; does not touch guest RAM.
 * Messages name `name`. */
int bzimage_parse(const uint8_t *data, size_t size, const char *name,
		  struct guest_kernel_image *out, struct error *err);

/* Parses and copies the protected-mode kernel.  With req->load_address 0 it
 * goes to code32_start; otherwise to load_address rounded up to the
 * alignment (req->alignment, or kernel_alignment), which only a relocatable
 * kernel allows.  The kernel's claim [load, reserved_end) must be RAM and
 * free in `list` (may be NULL); the kernel is recorded there. */
int bzimage_load(struct guest_memory *mem, struct image_list *list,
		 const struct image_file *file, const struct load_request *req,
		 struct guest_kernel_image *out, struct error *err);

/* ---- The kernel release of a bzImage or vmlinux (kernel_release.c) ------- */

/* __NEW_UTS_LEN: the longest release `uname -r` can print. */
#define KERNEL_RELEASE_MAX 64

/* The release ("6.1.0-57-cloud-amd64") from boot.rst's kernel_version
 * field: the first word of the string it points to.  *release is malloc'd.
 * Every bound is checked; a missing or broken string is one error naming
 * `name`. */
int bzimage_kernel_release(const uint8_t *data, size_t size, const char *name, char **release,
			   struct error *err);
/* The same from an ELF vmlinux: the first word after its first "Linux
 * version " banner that starts with a digit. */
int vmlinux_kernel_release(const uint8_t *data, size_t size, const char *name, char **release,
			   struct error *err);
/* An ELF file (its magic), as kernel_parse and kernel_load tell it from a
 * bzImage (kernel.c); the kernel's release and modules are then looked for
 * in it as a vmlinux. */
bool kernel_is_elf(const struct image_file *file);
/* The release of a bzImage or a vmlinux. */
int kernel_release(const struct image_file *kernel, char **release, struct error *err);
/* str[0..len) checked as a release (bounded, printable, no '/', not "." or
 * ".."; `where` says where it was found) and copied to *release. */
int kernel_release_copy(const uint8_t *str, size_t len, const char *name, const char *where,
			char **release, struct error *err);

/* ---- A bzImage's payload (bzimage_payload.c) --------------------------- */

/* The largest vmlinux minivmm decompresses, whatever the guest's RAM. */
#define BZIMAGE_PAYLOAD_MAX_SIZE (1ULL << 30)

/* Where the payload lies in the file: [offset, offset + length), its
 * trailing size included. */
struct bzimage_payload_span {
	enum bzimage_payload_format format;
	uint64_t offset;
	uint32_t length;
};

/* A decompressed payload: `size` bytes at `data`, a mapping of its own, or
 * when borrowed the caller's room (guest RAM: bzimage_vmlinux.c). */
struct bzimage_payload {
	enum bzimage_payload_format format;
	uint8_t *data;
	size_t size;
	bool borrowed;
};

const char *bzimage_payload_format_name(enum bzimage_payload_format format);
/* The format whose magic starts data (lib/decompress.c's table). */
enum bzimage_payload_format bzimage_payload_detect(const uint8_t *data, size_t len);
/* Formats minivmm decompresses: all but LZO and unknown ones. */
bool bzimage_payload_supported(enum bzimage_payload_format format);

/* boot.rst "payload_offset"/"payload_length": 1 with out filled, 0 when
 * the header declares no payload (protocol < 2.08, payload_length 0), -1
 * when it lies outside the file.  hdr is the one bzimage_parse read from
 * data. */
int bzimage_payload_find(const struct setup_header *hdr, const uint8_t *data, size_t size,
			 const char *name, struct bzimage_payload_span *out, struct error *err);

/* Decompresses the payload on the host: 1 with out holding exactly the
 * size the payload's trailer declares; 0 when there is nothing minivmm can
 * decompress (no payload, LZO, an unknown magic; out->format says which),
 * and the guest must do it; -1 for a corrupt payload or a declared size
 * above max_size (capped at BZIMAGE_PAYLOAD_MAX_SIZE), with a message
 * naming `name` and the format.  The bytes go into room when it is given
 * and they fit in its room_size bytes (out->borrowed), otherwise into a
 * mapping of their own. */
int bzimage_payload_decompress(const struct setup_header *hdr, const uint8_t *data, size_t size,
			       const char *name, uint64_t max_size, uint8_t *room,
			       size_t room_size, struct bzimage_payload *out, struct error *err);
/* Copies a borrowed payload into a mapping of its own (0), or -1. */
int bzimage_payload_own(struct bzimage_payload *payload, const char *name, struct error *err);
void bzimage_payload_free(struct bzimage_payload *payload);

/* ---- Booting a bzImage through the vmlinux inside it (bzimage_vmlinux.c) */

/* Examines file's payload once and keeps the verdict in file->vmlinux: 1
 * when it decompresses (to at most max_size bytes) to an ELF vmlinux
 * linked at the bzImage's pref_address, which can then be loaded; 0 when
 * the bzImage must boot as it is (no payload, a format minivmm does not
 * decompress, a payload that is no x86-64 ELF64, which a kernel other than
 * Linux may carry, an ELF linked elsewhere); -1 for a bad bzImage, a
 * corrupt payload or a broken x86-64 ELF64.  With mem, the bytes go into
 * guest RAM from pref_address, where the kernel's own decompressor puts
 * them, when they fit below pref_address + init_size: then nothing may
 * write there until bzimage_vmlinux_load has moved the segments. */
int bzimage_vmlinux_prepare(struct image_file *file, struct guest_memory *mem, uint64_t max_size,
			    struct error *err);
/* After a prepare that returned 1: what bzimage_vmlinux_load will do. */
int bzimage_vmlinux_describe(const struct image_file *file, struct guest_kernel_image *out,
			     struct error *err);
/* After a prepare that returned 1: loads the vmlinux at its link address,
 * claims up to the larger of its end and pref_address + init_size, records
 * it (format "bzImage+FORMAT", the bzImage's path) and frees the
 * decompressed bytes. */
int bzimage_vmlinux_load(struct guest_memory *mem, struct image_list *list,
			 struct image_file *file, struct guest_kernel_image *out,
			 struct error *err);
/* The decompressed payload a prepare kept (until bzimage_vmlinux_load or
 * release frees it), or NULL. */
const struct bzimage_payload *bzimage_vmlinux_payload(const struct image_file *file);
/* Frees file->vmlinux (image_file_free calls it). */
void bzimage_vmlinux_release(struct image_file *file);

/* ELF64 vmlinux (System V gABI, "ELF Header" and "Program Header"): x86-64,
 * little-endian, ET_EXEC or ET_DYN. */
#define ELF_MAX_LOAD_SEGMENTS 32

struct elf_segment {
	unsigned index;          /* program header index, for messages */
	uint64_t offset, filesz; /* bytes in the file */
	uint64_t paddr, memsz;   /* where they go (link address) */
	uint64_t align;
};

struct elf_kernel_info {
	uint64_t entry;          /* e_entry */
	uint64_t link_start;     /* lowest p_paddr of a PT_LOAD with p_memsz > 0 */
	uint64_t link_end;       /* highest p_paddr + p_memsz */
	uint64_t max_align;      /* largest p_align, at least LOADER_PAGE_SIZE */
	unsigned nsegments;
	struct elf_segment segments[ELF_MAX_LOAD_SEGMENTS];
	bool has_pvh_entry;
	uint32_t pvh_entry;
};

/* Parses the ELF header, program headers and PT_NOTE segments of a file in
 * memory; checks every offset and size against the file and for overflow,
 * and that PT_LOADs do not overlap one another.  Messages name `name` and,
 * for a bad segment, its program header index. */
int elf_parse(const uint8_t *data, size_t size, const char *name,
	      struct elf_kernel_info *out, struct error *err);
/* Whether elf_load can take the file lying in guest RAM at link_start,
 * where its segments go: no segment's move overwrites the bytes of one
 * moved after it. */
bool elf_moves_in_place(const struct elf_kernel_info *info);

/* Looks for the PVH entry note (Xen's docs/misc/pvh.pandoc: name "Xen",
 * type XEN_ELFNOTE_PHYS32_ENTRY 18, desc at least 4 bytes, little-endian
 * 32-bit physical entry) in one PT_NOTE segment's bytes.  1 found, 0 not
 * there, -1 malformed (a note running past `len`, a PVH note too short). */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
int pvh_note_find(const uint8_t *notes, size_t len, const char *name, uint32_t *entry,
		  struct error *err);

/* What elf_load would do, without touching guest RAM: parses the file and
 * fills out for the placement req asks for (req NULL: the link address),
 * so a bad kernel is reported before any VM exists. */
int elf_describe(const struct image_file *file, const struct load_request *req,
		 struct guest_kernel_image *out, struct error *err);

/* Copies every PT_LOAD (p_filesz bytes, zero-filled to p_memsz).  Without
 * req->load_address, at p_paddr; with it, relocated as one block: base =
 * load_address rounded up to the alignment (req->alignment, or max_align),
 * offset = base - link_start, both entries moved by the offset.  A segment
 * outside RAM or overlapping `list` is an error naming the segment.  Fills
 * out (format ELF, both entries, the synthesized setup header) with protocol
 * still as requested; kernel_choose_protocol settles it. */
int elf_load(struct guest_memory *mem, struct image_list *list,
	     const struct image_file *file, const struct load_request *req,
	     struct guest_kernel_image *out, struct error *err);

/* Settles out->protocol and out->entry from the request: AUTO takes PVH when
 * the image has the note and is not moved; PVH without the note (or for a
 * bzImage), or for a moved kernel, is an error naming the file. */
int kernel_choose_protocol(struct guest_kernel_image *k, enum kernel_boot_protocol req,
			   const char *name, struct error *err);

/* With --boot auto and the default placement (no load address, no
 * alignment), a bzImage whose payload minivmm can decompress boots through
 * the vmlinux inside it (bzimage_vmlinux.c): no in-guest decompression, but
 * no KASLR either, as with any vmlinux booted at its link address. */
bool kernel_wants_payload(const struct load_request *req);

/* Checks a kernel before any VM exists: format by magic (bzImage "HdrS" or
 * ELF "\x7fELF"), header, the payload when kernel_wants_payload (kept in
 * file->vmlinux for kernel_load: in guest RAM when mem is given, see
 * bzimage_vmlinux_prepare), and the protocol choice.  Fills out as for the
 * placement req asks (an ELF; a bzImage at its own address or its
 * payload's vmlinux at its link address). */
int kernel_parse(struct image_file *file, const struct load_request *req,
		 struct guest_memory *mem, struct guest_kernel_image *out, struct error *err);

/* Dispatches to bzimage_vmlinux_load, bzimage_load or elf_load, then
 * kernel_choose_protocol.  The payload may decompress to no more than
 * guest RAM. */
int kernel_load(struct guest_memory *mem, struct image_list *list,
		struct image_file *file, const struct load_request *req,
		struct guest_kernel_image *out, struct error *err);

/* ---- Modules: the initrd and raw data ------------------------------------ */

/* Chooses the initrd address: page-aligned, as high as possible with
 * addr + size - 1 <= initrd_addr_max and addr + size <= low_ram_end,
 * addr >= floor, and clear of every record in `list` (may be NULL).  Errors
 * name the sizes. */
int initrd_place(uint64_t size, uint64_t low_ram_end, uint64_t initrd_addr_max,
		 uint64_t floor, const struct image_list *list, const char *name,
		 uint64_t *addr, struct error *err);

/* Places the initrd (initrd_place above the kernel's reserved_end, or
 * req->load_address rounded up to req->alignment), checks it against RAM,
 * the kernel's initrd_addr_max and `list`, copies it and records it. */
int initrd_load(struct guest_memory *mem, struct image_list *list,
		const struct image_file *file, const struct guest_kernel_image *kernel,
		const struct load_request *req, struct guest_image *out, struct error *err);

/* Copies a headerless file to exactly `addr` (--load FILE@ADDR); it must be
 * RAM and free in `list`.  Recorded as raw with its address. */
int raw_load(struct guest_memory *mem, struct image_list *list, const struct image_file *file,
	     uint64_t addr, struct guest_image *out, struct error *err);

/* ---- newc cpio archives in memory (cpio.c) ------------------------------ */

/* An archive being written (buffer-format.rst): data[0, size) is the
 * archive so far, malloc'd; after cpio_finish it is complete. */
struct cpio_writer {
	uint8_t *data;
	size_t size, capacity;
	uint32_t next_ino;
	bool finished;
};

void cpio_writer_init(struct cpio_writer *w);
void cpio_writer_free(struct cpio_writer *w);
/* A directory or a regular file (perm: the permission bits, e.g. 0755),
 * owned by root, mtime 0.  A leading '/' in path is dropped; parents must
 * be added first, as the kernel's unpacker creates no missing ones.
 * Errors: a file over 4 GiB - 1, an empty name, the name "TRAILER!!!"
 * (which would end the archive), out of memory. */
int cpio_add_dir(struct cpio_writer *w, const char *path, uint32_t perm, struct error *err);
int cpio_add_file(struct cpio_writer *w, const char *path, uint32_t perm, const void *data,
		  size_t size, struct error *err);
/* Appends the "TRAILER!!!" entry; nothing can be added afterwards. */
int cpio_finish(struct cpio_writer *w, struct error *err);

/* ---- Kernel modules for minivmm -- CMD (kernel_modinfo.c,
 *      kernel_modules.c, kernel_modules_command.c) ------------------------ */

/* What a module's ELF .modinfo section says; each field malloc'd, NULL
 * when the module does not say it. */
struct kernel_modinfo {
	char *name;       /* name= */
	char *depends;    /* depends=: "a,b", "" for none */
	char *vermagic;   /* vermagic=: the release first, then flags */
};

/* Parses a module file's .modinfo (x86-64 ELF64, every offset checked).
 * Errors name `path`: not an ELF64, sections outside the file, no
 * .modinfo. */
int kernel_modinfo_parse(const uint8_t *data, size_t size, const char *path,
			 struct kernel_modinfo *out, struct error *err);
void kernel_modinfo_free(struct kernel_modinfo *info);

/* A module file's ELF bytes (*data malloc'd): read as it is, or
 * decompressed when its name ends in .xz, .zst or .gz.  Errors name path. */
int kernel_module_read(const char *path, uint8_t **data, size_t *size, struct error *err);

/* The modules -- CMD needs: virtio_pci, virtio_console, virtiofs, overlay. */
#define KERNEL_MODULES_COMMAND_COUNT 4
extern const char *const kernel_modules_command[KERNEL_MODULES_COMMAND_COUNT];

/* One module to load. */
struct kernel_module {
	char *name;       /* normalised: '-' written '_' ("virtio_rng") */
	char *path;       /* the file on the host */
	char *file_name;  /* NAME plus the file's ending: "virtio_pci.ko",
			     "fuse.ko.xz" (compressed files stay compressed) */
};

/* Modules in load order: every module after those it depends on. */
struct kernel_module_list {
	struct kernel_module *items;
	size_t count, capacity;
	char *dir;        /* the modules folder; NULL when none was needed */
};
void kernel_module_list_free(struct kernel_module_list *list);

/* The candidate modules folders for `release`, in the order they are
 * tried: with --modules DIR, DIR/lib/modules/R then DIR itself; beside the
 * kernel (K at X/boot/vmlinuz-R: X/lib/modules/R; kernel_path may be NULL);
 * the host's /lib/modules/R.  Duplicates are dropped. */
struct kernel_module_places {
	char **paths;
	size_t count;
	bool has_option;  /* --modules was given */
};
int kernel_module_places_init(struct kernel_module_places *p, const char *release,
			      const char *modules_option, const char *kernel_path,
			      struct error *err);
void kernel_module_places_free(struct kernel_module_places *p);
/* The first place that is a modules folder, or NULL. */
const char *kernel_module_places_find(const struct kernel_module_places *p);
/* A directory holding modules.order, modules.builtin, modules.dep or
 * kernel/. */
bool kernel_modules_is_folder(const char *dir);

/* The wanted modules and their dependencies from the folder `dir`, in load
 * order, each once; modules listed in modules.builtin are left out.
 * Dependencies come from modules.dep when dir has one, else from each
 * module's .modinfo (compressed modules decompressed to read it).  A
 * module whose vermagic names another release than `release` is an error,
 * as is a missing module or a cycle. */
int kernel_modules_resolve(const char *dir, const char *release, const char *const *wanted,
			   size_t nwanted, struct kernel_module_list *out, struct error *err);

/* Looks for the name the virtio-fs driver registers ("virtiofs") in the
 * bzImage's decompressed payload: *builtin true when the kernel has it.
 * Uses the payload kernel_parse kept (bzimage_vmlinux_payload) when there
 * is one, so call it between kernel_parse and kernel_load to decompress
 * once; otherwise decompresses it here. */
int kernel_has_builtin_virtiofs(const struct image_file *kernel, bool *builtin,
				struct error *err);

/* Whether the kernel reads a device tree from setup_data: true when the
 * vmlinux minivmm can see (an ELF kernel, or the payload kernel_parse kept
 * from a bzImage) holds the warning only CONFIG_OF_EARLY_FLATTREE compiles
 * in (kernel_dtb.c); false otherwise, also when minivmm cannot tell (a
 * bzImage booted as it is).  Call it between kernel_parse and kernel_load. */
bool kernel_reads_dtb(const struct image_file *kernel);

/* All of it for -- CMD: the kernel's release, the places, the modules of the
 * first folder found (out->dir set); with no folder anywhere, an empty list
 * when the drivers are built in, otherwise an error naming the kernel, its
 * release and every place searched. */
int kernel_modules_for_command(const struct image_file *kernel, const char *modules_option,
			       struct kernel_module_list *out, struct error *err);

#endif
