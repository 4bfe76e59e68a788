#define _GNU_SOURCE   /* strchrnul */
/* The kernel modules a guest needs for minivmm -- CMD, found on the host
 * and put in load order (dependencies first).
 *
 * Where: the modules of release R live in a folder lib/modules/R
 * (Documentation/admin-guide/README.rst "make modules_install"; Debian's
 * linux-image packages unpack the same tree).  minivmm looks, in order:
 *   1. under --modules DIR: DIR/lib/modules/R (an unpacked package or an
 *      INSTALL_MOD_PATH), or DIR itself when it is such a folder;
 *   2. beside the kernel: a package unpacked to X has X/boot/vmlinuz-R, so
 *      X/lib/modules/R;
 *   3. the host's /lib/modules/R.
 * A folder counts when it holds modules.order, modules.builtin, modules.dep
 * or kernel/ (what modules_install writes there).
 *
 * Dependencies: from depmod's modules.dep when the folder has one (kmod's
 * depmod(8) and modules.dep(5): "MODULE: DEP DEP..." paths relative to the
 * folder), otherwise from each module's own .modinfo "depends=" (Debian's
 * packages ship no modules.dep: their postinst runs depmod), with names
 * mapped to files by modules.order for kernel/ and a walk of the rest.
 * Module names treat '-' and '_' as the same (kmod's modname
 * normalisation); modules.builtin lists the ones
 * built into the kernel, which need no file.  Compressed modules (.ko.xz,
 * .ko.zst, .ko.gz) are decompressed only to read their .modinfo
 * (kernel_module_file.c) and go to the guest as they are: it loads them
 * with finit_module(MODULE_INIT_COMPRESSED_FILE). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/loader.h"

const char *const kernel_modules_command[KERNEL_MODULES_COMMAND_COUNT] = {
	"virtio_pci", "virtio_console", "virtiofs", "overlay",
};

/* Module file endings, longest first. */
static const char *const module_suffixes[] = { ".ko.xz", ".ko.zst", ".ko.gz", ".ko" };

/* ---- small helpers ------------------------------------------------------- */

static char *modules_path_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	bool slash = la > 0 && a[la - 1] == '/';
	char *p = malloc(la + lb + 2);
	if (p) {
		memcpy(p, a, la);
		if (!slash)
			p[la++] = '/';
		memcpy(p + la, b, lb + 1);
	}
	return p;
}

static bool modules_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool modules_exists(const char *dir, const char *name)
{
	char *p = modules_path_join(dir, name);
	bool ok = p && access(p, F_OK) == 0;
	free(p);
	return ok;
}

/* The suffix `base` ends with (".ko", ".ko.xz", ...), or NULL. */
static const char *modules_suffix(const char *base)
{
	size_t len = strlen(base);
	for (size_t i = 0; i < sizeof(module_suffixes) / sizeof(module_suffixes[0]); i++) {
		size_t s = strlen(module_suffixes[i]);
		if (len > s && strcmp(base + len - s, module_suffixes[i]) == 0)
			return module_suffixes[i];
	}
	return NULL;
}

/* A module's name from a path ("kernel/drivers/char/hw_random/virtio-rng.ko"
 * -> "virtio_rng"), or from a name as given; malloc'd, NULL when out of
 * memory or not a module path (when `path_form`). */
static char *modules_name(const char *text, size_t len, bool path_form)
{
	const char *start = text;
	if (path_form) {
		for (size_t i = 0; i < len; i++)
			if (text[i] == '/')
				start = text + i + 1;
		len -= (size_t)(start - text);
		char *base = strndup(start, len);
		if (!base)
			return NULL;
		const char *suffix = modules_suffix(base);
		if (!suffix) {
			free(base);
			return NULL;
		}
		base[len - strlen(suffix)] = 0;
		len = strlen(base);
		for (size_t i = 0; i < len; i++)
			if (base[i] == '-')
				base[i] = '_';
		return base;
	}
	char *name = strndup(start, len);
	for (size_t i = 0; name && name[i]; i++)
		if (name[i] == '-')
			name[i] = '_';
	return name;
}

bool kernel_modules_is_folder(const char *dir)
{
	return modules_is_dir(dir) &&
	       (modules_exists(dir, "modules.order") || modules_exists(dir, "modules.builtin") ||
		modules_exists(dir, "modules.dep") || modules_exists(dir, "kernel"));
}

/* ---- the places to look ------------------------------------------------- */

static int places_add(struct kernel_module_places *p, char *path, struct error *err)
{
	if (!path)
		return error_set_host(err, "out of memory");
	for (size_t i = 0; i < p->count; i++) {
		if (strcmp(p->paths[i], path) == 0) {
			free(path);
			return 0;
		}
	}
	char **paths = realloc(p->paths, (p->count + 1) * sizeof(*paths));
	if (!paths) {
		free(path);
		return error_set_host(err, "out of memory");
	}
	p->paths = paths;
	p->paths[p->count++] = path;
	return 0;
}

static char *places_modules_of(const char *root, const char *release)
{
	char *lib = modules_path_join(root, "lib/modules");
	char *path = lib ? modules_path_join(lib, release) : NULL;
	free(lib);
	return path;
}

int kernel_module_places_init(struct kernel_module_places *p, const char *release,
			      const char *modules_option, const char *kernel_path,
			      struct error *err)
{
	memset(p, 0, sizeof(*p));
	if (modules_option) {
		p->has_option = true;
		if (places_add(p, places_modules_of(modules_option, release), err) < 0 ||
		    places_add(p, strdup(modules_option), err) < 0)
			goto fail;
	}
	/* Beside the kernel: X/boot/vmlinuz-R -> X/lib/modules/R.  A kernel
	 * read from stdin, or whose path does not resolve, has no "beside". */
	char real[PATH_MAX];
	if (kernel_path && realpath(kernel_path, real)) {
		char *slash = strrchr(real, '/');
		if (slash)
			*slash = 0;             /* X/boot */
		slash = strrchr(real, '/');
		if (slash)
			slash[slash == real ? 1 : 0] = 0;   /* X, or "/" */
		if (places_add(p, places_modules_of(real, release), err) < 0)
			goto fail;
	}
	if (places_add(p, places_modules_of("/", release), err) < 0)
		goto fail;
	return 0;
fail:
	kernel_module_places_free(p);
	return -1;
}

void kernel_module_places_free(struct kernel_module_places *p)
{
	for (size_t i = 0; i < p->count; i++)
		free(p->paths[i]);
	free(p->paths);
	memset(p, 0, sizeof(*p));
}

const char *kernel_module_places_find(const struct kernel_module_places *p)
{
	for (size_t i = 0; i < p->count; i++)
		if (kernel_modules_is_folder(p->paths[i]))
			return p->paths[i];
	return NULL;
}

/* ---- the module table of one folder -------------------------------------- */

enum { MOD_NEW, MOD_VISITING, MOD_DONE };

/* table_visit: a module (or the file modules.order names for it) is not
 * there. */
#define MODULES_MISSING (-2)

struct mod_entry {
	char *name;
	char *path;        /* host path */
	char **deps;       /* names, when known from modules.dep */
	size_t ndeps;
	bool deps_known;
	int state;
};

struct mod_table {
	const char *dir;
	const char *release;
	struct mod_entry *items;
	size_t count;
	char **builtin;
	size_t nbuiltin;
};

static void table_free(struct mod_table *t)
{
	for (size_t i = 0; i < t->count; i++) {
		free(t->items[i].name);
		free(t->items[i].path);
		for (size_t j = 0; j < t->items[i].ndeps; j++)
			free(t->items[i].deps[j]);
		free(t->items[i].deps);
	}
	free(t->items);
	for (size_t i = 0; i < t->nbuiltin; i++)
		free(t->builtin[i]);
	free(t->builtin);
}

static struct mod_entry *table_find(struct mod_table *t, const char *name)
{
	for (size_t i = 0; i < t->count; i++)
		if (strcmp(t->items[i].name, name) == 0)
			return &t->items[i];
	return NULL;
}

static bool table_builtin(const struct mod_table *t, const char *name)
{
	for (size_t i = 0; i < t->nbuiltin; i++)
		if (strcmp(t->builtin[i], name) == 0)
			return true;
	return false;
}

/* DIR/updates/...: modules_install's INSTALL_MOD_DIR for replacements. */
static bool table_in_updates(const struct mod_table *t, const char *path)
{
	size_t dl = strlen(t->dir);
	if (strncmp(path, t->dir, dl) != 0)
		return false;
	const char *rest = path + dl;
	if (*rest == '/')
		rest++;
	return strncmp(rest, "updates/", 8) == 0;
}

/* Adds name -> path (both taken over), or returns the entry already there.
 * A module in updates/ replaces one elsewhere (depmod's default search
 * order puts "updates" first). */
static struct mod_entry *table_add(struct mod_table *t, char *name, char *path,
				   struct error *err)
{
	struct mod_entry *e = table_find(t, name);
	if (e) {
		if (table_in_updates(t, path) && !table_in_updates(t, e->path)) {
			free(e->path);
			e->path = path;
		} else {
			free(path);
		}
		free(name);
		return e;
	}
	struct mod_entry *items = realloc(t->items, (t->count + 1) * sizeof(*items));
	if (!items) {
		free(name);
		free(path);
		error_set_host(err, "%s: out of memory", t->dir);
		return NULL;
	}
	t->items = items;
	e = &t->items[t->count++];
	memset(e, 0, sizeof(*e));
	e->name = name;
	e->path = path;
	return e;
}

/* Reads a whole text file of the folder; NULL with *missing when absent. */
static char *table_read_text(const struct mod_table *t, const char *file, bool *missing,
			     struct error *err)
{
	*missing = false;
	char *path = modules_path_join(t->dir, file);
	if (!path) {
		error_set_host(err, "out of memory");
		return NULL;
	}
	FILE *f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			*missing = true;
		else
			error_set(err, "%s: %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	char buf[65536];
	size_t n;
	while (mem && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, mem);
	bool bad = ferror(f);
	fclose(f);
	if (mem)
		fclose(mem);
	if (!mem || bad) {
		error_set(err, "%s: cannot read it", path);
		free(text);
		text = NULL;
	}
	free(path);
	return text;
}

/* The line at *cursor in a NUL-terminated text, without its newline: its
 * start, its length in *len, and *cursor moved past it; NULL at the end. */
static char *text_next_line(char **cursor, size_t *len)
{
	char *line = *cursor;
	if (!*line)
		return NULL;
	char *end = strchrnul(line, '\n');
	*len = (size_t)(end - line);
	*cursor = *end ? end + 1 : end;
	return line;
}

/* modules.builtin: one path per line ("kernel/drivers/virtio/virtio.ko"). */
static int table_read_builtin(struct mod_table *t, struct error *err)
{
	bool missing;
	char *text = table_read_text(t, "modules.builtin", &missing, err);
	if (!text)
		return missing ? 0 : -1;
	size_t len;
	for (char *cursor = text, *line; (line = text_next_line(&cursor, &len));) {
		char *name = len ? modules_name(line, len, true) : NULL;
		if (!name)
			continue;
		char **b = realloc(t->builtin, (t->nbuiltin + 1) * sizeof(*b));
		if (!b) {
			free(name);
			free(text);
			return error_set_host(err, "%s: out of memory", t->dir);
		}
		t->builtin = b;
		t->builtin[t->nbuiltin++] = name;
	}
	free(text);
	return 0;
}

static char *table_host_path(const struct mod_table *t, const char *rel, size_t len)
{
	char *r = strndup(rel, len);
	if (!r || r[0] == '/')
		return r;
	char *p = modules_path_join(t->dir, r);
	free(r);
	return p;
}

/* modules.dep(5): "kernel/a.ko: kernel/b.ko kernel/c.ko" per line.  1 when
 * read, 0 when the folder has none. */
static int table_read_dep(struct mod_table *t, struct error *err)
{
	bool missing;
	char *text = table_read_text(t, "modules.dep", &missing, err);
	if (!text)
		return missing ? 0 : -1;
	int rc = 1;
	size_t len;
	for (char *cursor = text, *line; rc == 1 && (line = text_next_line(&cursor, &len));) {
		char *colon = memchr(line, ':', len), *end = line + len;
		if (!colon)
			continue;
		char *name = modules_name(line, (size_t)(colon - line), true);
		char *path = name ? table_host_path(t, line, (size_t)(colon - line)) : NULL;
		if (!name || !path) {
			free(name);
			free(path);
			continue;
		}
		struct mod_entry *e = table_add(t, name, path, err);
		if (!e) {
			rc = -1;
			break;
		}
		e->deps_known = true;
		for (char *p = colon + 1; p < end;) {
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			char *w = p;
			while (p < end && *p != ' ' && *p != '\t')
				p++;
			if (p == w)
				continue;
			char *dep = modules_name(w, (size_t)(p - w), true);
			if (!dep)
				continue;
			char **deps = realloc(e->deps, (e->ndeps + 1) * sizeof(*deps));
			if (!deps) {
				free(dep);
				rc = error_set_host(err, "%s: out of memory", t->dir);
				break;
			}
			e->deps = deps;
			e->deps[e->ndeps++] = dep;
		}
	}
	free(text);
	return rc;
}

/* modules.order: the path of every module the kernel's build made, one per
 * line ("kernel/fs/fuse/fuse.ko"), which modules_install copies under
 * kernel/ (Documentation/kbuild/modules.rst; the file ships in Debian's
 * packages).  It names the files of kernel/ without a walk of its
 * thousand-odd files, which is most of a -- CMD run's set-up on a slow
 * file system.  1 when read, 0 when the folder has none. */
static int table_read_order(struct mod_table *t, struct error *err)
{
	bool missing;
	char *text = table_read_text(t, "modules.order", &missing, err);
	if (!text)
		return missing ? 0 : -1;
	int rc = 1;
	size_t len;
	for (char *cursor = text, *line; rc == 1 && (line = text_next_line(&cursor, &len));) {
		char *name = len ? modules_name(line, len, true) : NULL;
		char *path = name ? table_host_path(t, line, len) : NULL;
		if (!path) {
			free(name);
			continue;
		}
		if (!table_add(t, name, path, err))
			rc = -1;
	}
	free(text);
	return rc;
}

/* A path from modules.order says ".ko" for a module modules_install
 * compressed (INSTALL_MOD_STRIP aside, CONFIG_MODULE_COMPRESS_* appends
 * .xz, .zst or .gz): the entry takes the file that exists. */
static bool table_locate(struct mod_entry *e)
{
	if (access(e->path, F_OK) == 0)
		return true;
	for (size_t i = 0; i < sizeof(module_suffixes) / sizeof(module_suffixes[0]); i++) {
		const char *s = module_suffixes[i];
		if (strcmp(s, ".ko") == 0)
			continue;
		char *p = malloc(strlen(e->path) + strlen(s) - 3 + 1);
		if (!p)
			return false;
		strcpy(p, e->path);
		strcat(p, s + 3);   /* ".ko" + ".xz" */
		if (access(p, F_OK) == 0) {
			free(e->path);
			e->path = p;
			return true;
		}
		free(p);
	}
	return false;
}

/* Every module file under dir (recursively, symbolic links not followed:
 * Debian's build and source links point at headers), but for the entry
 * `skip` of dir itself (NULL: none). */
static int table_walk(struct mod_table *t, const char *dir, const char *skip, unsigned depth,
		      struct error *err)
{
	if (depth > 16)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return error_set(err, "%s: %s", dir, strerror(errno));
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    (skip && strcmp(de->d_name, skip) == 0))
			continue;
		char *path = modules_path_join(dir, de->d_name);
		if (!path) {
			rc = error_set_host(err, "out of memory");
			break;
		}
		struct stat st;
		if (lstat(path, &st) != 0) {
			free(path);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			rc = table_walk(t, path, NULL, depth + 1, err);
			free(path);
		} else if (S_ISREG(st.st_mode) && modules_suffix(de->d_name)) {
			char *name = modules_name(de->d_name, strlen(de->d_name), true);
			if (!name || !table_add(t, name, path, err))
				rc = name ? -1 : error_set_host(err, "out of memory");
		} else {
			free(path);
		}
	}
	closedir(d);
	return rc;
}

/* ---- resolving ----------------------------------------------------------- */

/* Reads a module's .modinfo (decompressing a compressed file): its
 * dependencies when the table does not know them yet, and its vermagic,
 * whose first word must be the kernel's release (a module built for
 * another kernel would be refused in the guest, far from the cause). */
static int table_modinfo(struct mod_table *t, struct mod_entry *e, struct error *err)
{
	uint8_t *data;
	size_t size;
	if (kernel_module_read(e->path, &data, &size, err) < 0)
		return -1;
	struct kernel_modinfo info;
	int rc = kernel_modinfo_parse(data, size, e->path, &info, err);
	free(data);
	if (rc < 0)
		return -1;
	if (info.vermagic) {
		size_t n = strcspn(info.vermagic, " ");
		if (n != strlen(t->release) || strncmp(info.vermagic, t->release, n) != 0) {
			error_set(err, "%s: built for kernel %.*s, not %s", e->path, (int)n,
				  info.vermagic, t->release);
			kernel_modinfo_free(&info);
			return -1;
		}
	}
	if (!e->deps_known && info.depends) {
		for (char *p = info.depends; *p;) {
			size_t n = strcspn(p, ",");
			if (n) {
				char *dep = modules_name(p, n, false);
				char **deps = dep ? realloc(e->deps, (e->ndeps + 1) * sizeof(*deps))
						  : NULL;
				if (!deps) {
					free(dep);
					kernel_modinfo_free(&info);
					return error_set_host(err, "%s: out of memory", e->path);
				}
				e->deps = deps;
				e->deps[e->ndeps++] = dep;
			}
			p += n;
			if (*p == ',')
				p++;
		}
	}
	e->deps_known = true;
	kernel_modinfo_free(&info);
	return 0;
}

static int list_add(struct kernel_module_list *out, const struct mod_entry *e,
		    struct error *err)
{
	if (out->count == out->capacity) {
		size_t cap = out->capacity ? out->capacity * 2 : 8;
		struct kernel_module *items = realloc(out->items, cap * sizeof(*items));
		if (!items)
			return error_set_host(err, "out of memory");
		out->items = items;
		out->capacity = cap;
	}
	struct kernel_module *m = &out->items[out->count];
	const char *suffix = modules_suffix(e->path);
	m->name = strdup(e->name);
	m->path = strdup(e->path);
	m->file_name = malloc(strlen(e->name) + strlen(suffix) + 1);
	if (!m->name || !m->path || !m->file_name) {
		free(m->name);
		free(m->path);
		free(m->file_name);
		return error_set_host(err, "out of memory");
	}
	strcpy(m->file_name, e->name);
	strcat(m->file_name, suffix);
	out->count++;
	return 0;
}

/* Depth first, dependencies before the module that needs them. */
static int table_visit(struct mod_table *t, const char *name, const char *needed_by,
		       struct kernel_module_list *out, struct error *err)
{
	if (table_builtin(t, name))
		return 0;
	struct mod_entry *e = table_find(t, name);
	if (!e || (e->state == MOD_NEW && !table_locate(e))) {
		if (needed_by)
			error_set(err, "%s: no module %s (which %s needs), and modules.builtin "
				  "does not list it", t->dir, name, needed_by);
		else
			error_set(err, "%s: no module %s, and modules.builtin does not list it",
				  t->dir, name);
		return MODULES_MISSING;
	}
	if (e->state == MOD_DONE)
		return 0;
	if (e->state == MOD_VISITING)
		return error_set(err, "%s: the dependencies of module %s form a cycle", t->dir,
				 name);
	e->state = MOD_VISITING;
	if (table_modinfo(t, e, err) < 0)
		return -1;
	/* The table is complete before any visit, so e stays valid. */
	for (size_t i = 0; i < e->ndeps; i++) {
		int rc = table_visit(t, e->deps[i], e->name, out, err);
		if (rc < 0)
			return rc;
	}
	e->state = MOD_DONE;
	return list_add(out, e, err);
}

/* Fills the table of t->dir and visits the wanted modules.  With
 * modules.dep the files are the ones it names.  Without it, by_order takes
 * the files of kernel/ from modules.order and walks only the folder's
 * other subfolders (updates/, extra/: modules_install's INSTALL_MOD_DIR);
 * otherwise every file is found by a walk.  *order_used says whether
 * modules.order was read. */
static int modules_resolve_in(struct mod_table *t, bool by_order, const char *const *wanted,
			      size_t nwanted, bool *order_used, struct kernel_module_list *out,
			      struct error *err)
{
	*order_used = false;
	int rc = table_read_builtin(t, err);
	if (rc == 0)
		rc = table_read_dep(t, err);
	if (rc == 0) {
		char *kernel = by_order ? modules_path_join(t->dir, "kernel") : NULL;
		int order = kernel && modules_is_dir(kernel) ? table_read_order(t, err) : 0;
		free(kernel);
		*order_used = order > 0;
		rc = order < 0 ? -1 : table_walk(t, t->dir, order ? "kernel" : NULL, 0, err);
	}
	for (size_t i = 0; rc >= 0 && i < nwanted; i++) {
		char *name = modules_name(wanted[i], strlen(wanted[i]), false);
		if (!name) {
			rc = error_set_host(err, "out of memory");
			break;
		}
		rc = table_visit(t, name, NULL, out, err);
		free(name);
	}
	return rc;
}

int kernel_modules_resolve(const char *dir, const char *release, const char *const *wanted,
			   size_t nwanted, struct kernel_module_list *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	struct mod_table t = { .dir = dir, .release = release };
	bool order_used;
	int rc = modules_resolve_in(&t, true, wanted, nwanted, &order_used, out, err);
	if (rc == MODULES_MISSING && order_used) {
		/* A modules.order that does not match kernel/ (a folder put
		 * together by hand): every file as the walk finds it. */
		table_free(&t);
		kernel_module_list_free(out);
		t = (struct mod_table){ .dir = dir, .release = release };
		rc = modules_resolve_in(&t, false, wanted, nwanted, &order_used, out, err);
	}
	table_free(&t);
	if (rc >= 0 && !(out->dir = strdup(dir)))
		rc = error_set_host(err, "out of memory");
	if (rc < 0) {
		kernel_module_list_free(out);
		return -1;
	}
	return 0;
}

void kernel_module_list_free(struct kernel_module_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		free(list->items[i].name);
		free(list->items[i].path);
		free(list->items[i].file_name);
	}
	free(list->items);
	free(list->dir);
	memset(list, 0, sizeof(*list));
}
