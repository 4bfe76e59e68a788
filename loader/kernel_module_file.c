/* A kernel module file's ELF bytes, decompressed when the file is: kmod
 * and the kernel's modules_install write NAME.ko.xz (the .xz format, CRC32
 * check), NAME.ko.zst (zstd, RFC 8878) or NAME.ko.gz (gzip, RFC 1952)
 * when CONFIG_MODULE_COMPRESS_* is set.  minivmm only reads their .modinfo;
 * the guest gets the files as they are.  The decompressed size is not
 * stored ahead of the data, so the output grows, up to a bound no module
 * comes near. */
#include <stdlib.h>
#include <string.h>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "loader/loader.h"

/* The largest module minivmm decompresses (Debian's largest .ko, amdgpu,
 * is about 20 MiB). */
#define MODULE_MAX_SIZE (256ULL << 20)
#define MODULE_LZMA_MEMLIMIT (256ULL << 20)

enum module_packing { MODULE_PLAIN, MODULE_XZ, MODULE_ZSTD, MODULE_GZIP };

static enum module_packing module_packing_of(const char *path)
{
	size_t len = strlen(path);
	if (len > 3 && strcmp(path + len - 3, ".xz") == 0)
		return MODULE_XZ;
	if (len > 4 && strcmp(path + len - 4, ".zst") == 0)
		return MODULE_ZSTD;
	if (len > 3 && strcmp(path + len - 3, ".gz") == 0)
		return MODULE_GZIP;
	return MODULE_PLAIN;
}

/* Output that doubles; fails past MODULE_MAX_SIZE. */
struct module_out {
	uint8_t *data;
	size_t size, capacity;
};

static int module_out_grow(struct module_out *o, const char *path, struct error *err)
{
	if (o->capacity >= MODULE_MAX_SIZE)
		return error_set(err, "%s: decompresses to more than %llu MiB, more than any "
				 "kernel module", path, MODULE_MAX_SIZE >> 20);
	size_t cap = o->capacity ? o->capacity * 2 : 1 << 20;
	uint8_t *data = realloc(o->data, cap);
	if (!data)
		return error_set_host(err, "%s: out of memory for %zu bytes", path, cap);
	o->data = data;
	o->capacity = cap;
	return 0;
}

static int module_unxz(const uint8_t *in, size_t in_len, struct module_out *o,
		       const char *path, struct error *err)
{
	lzma_stream s = LZMA_STREAM_INIT;
	if (lzma_stream_decoder(&s, MODULE_LZMA_MEMLIMIT, LZMA_CONCATENATED) != LZMA_OK)
		return error_set_host(err, "%s: liblzma cannot start", path);
	s.next_in = in;
	s.avail_in = in_len;
	lzma_ret ret = LZMA_OK;
	int rc = 0;
	while (ret == LZMA_OK) {
		if (o->size == o->capacity && (rc = module_out_grow(o, path, err)) < 0)
			break;
		s.next_out = o->data + o->size;
		s.avail_out = o->capacity - o->size;
		ret = lzma_code(&s, LZMA_FINISH);
		o->size = o->capacity - s.avail_out;
	}
	if (rc == 0 && ret != LZMA_STREAM_END)
		rc = error_set(err, "%s: not a valid .xz file (liblzma error %d at input offset "
			       "%llu)", path, (int)ret, (unsigned long long)s.total_in);
	lzma_end(&s);
	return rc;
}

static int module_unzstd(const uint8_t *in, size_t in_len, struct module_out *o,
			 const char *path, struct error *err)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	if (!z)
		return error_set_host(err, "%s: libzstd cannot start", path);
	ZSTD_inBuffer ib = { in, in_len, 0 };
	size_t ret = 1;
	int rc = 0;
	/* ret 0: a frame ended; the input may hold more frames. */
	while (ib.pos < ib.size || ret != 0) {
		if (o->size == o->capacity && (rc = module_out_grow(o, path, err)) < 0)
			break;
		ZSTD_outBuffer ob = { o->data, o->capacity, o->size };
		size_t before_in = ib.pos, before_out = ob.pos;
		ret = ZSTD_decompressStream(z, &ob, &ib);
		o->size = ob.pos;
		if (ZSTD_isError(ret)) {
			rc = error_set(err, "%s: not a valid .zst file (libzstd: %s)", path,
				       ZSTD_getErrorName(ret));
			break;
		}
		if (ib.pos == before_in && ob.pos == before_out && ob.pos < ob.size) {
			rc = error_set(err, "%s: not a valid .zst file (it ends inside a frame)",
				       path);
			break;
		}
	}
	ZSTD_freeDStream(z);
	return rc;
}

static int module_gunzip(const uint8_t *in, size_t in_len, struct module_out *o,
			 const char *path, struct error *err)
{
	z_stream s;
	memset(&s, 0, sizeof(s));
	if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
		return error_set_host(err, "%s: zlib cannot start", path);
	if (in_len > UINT32_MAX) {
		inflateEnd(&s);
		return error_set(err, "%s: too large for a kernel module", path);
	}
	s.next_in = (Bytef *)in;
	s.avail_in = (uInt)in_len;
	int ret = Z_OK, rc = 0;
	while (ret == Z_OK) {
		if (o->size == o->capacity && (rc = module_out_grow(o, path, err)) < 0)
			break;
		s.next_out = o->data + o->size;
		s.avail_out = (uInt)(o->capacity - o->size);
		ret = inflate(&s, Z_FINISH);
		o->size = o->capacity - s.avail_out;
		if (ret == Z_BUF_ERROR && s.avail_out == 0)
			ret = Z_OK;   /* only the output was full */
	}
	if (rc == 0 && ret != Z_STREAM_END)
		rc = error_set(err, "%s: not a valid .gz file (zlib: %s)", path,
			       s.msg ? s.msg : zError(ret));
	inflateEnd(&s);
	return rc;
}

int kernel_module_read(const char *path, uint8_t **data, size_t *size, struct error *err)
{
	*data = NULL;
	*size = 0;
	struct image_file file = { 0 };
	if (image_file_read(&file, path, err) < 0)
		return -1;
	enum module_packing packing = module_packing_of(path);
	if (packing == MODULE_PLAIN) {
		*data = file.data;
		*size = file.size;
		file.data = NULL;
		image_file_free(&file);
		return 0;
	}
	struct module_out o = { 0 };
	int rc = packing == MODULE_XZ     ? module_unxz(file.data, file.size, &o, path, err)
		 : packing == MODULE_ZSTD ? module_unzstd(file.data, file.size, &o, path, err)
					  : module_gunzip(file.data, file.size, &o, path, err);
	image_file_free(&file);
	if (rc < 0) {
		free(o.data);
		return -1;
	}
	*data = o.data;
	*size = o.size;
	return 0;
}
