#include "context.h"

#include "buf.h"
#include "dockerignore.h"
#include "error.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONTEXT_CHUNK 65536

/*
 * libarchive is loaded on first use, not at start-up: the no-op path of
 * `aishell ensure` (a few Engine API requests) runs on every container
 * start and git checkout, and libarchive pulls in a dozen libraries it
 * never needs.  Each pointer has the prototype from <archive.h>.
 */
#define LA_FUNCS(X)                                                         \
	X(archive_entry_copy_pathname) \
	X(archive_entry_copy_stat) \
	X(archive_entry_copy_symlink) \
	X(archive_entry_free) \
	X(archive_entry_new) \
	X(archive_entry_set_dev) \
	X(archive_entry_set_gid) \
	X(archive_entry_set_ino64) \
	X(archive_entry_set_nlink) \
	X(archive_entry_set_size) \
	X(archive_entry_set_uid) \
	X(archive_error_string) \
	X(archive_write_close) \
	X(archive_write_data) \
	X(archive_write_free) \
	X(archive_write_header) \
	X(archive_write_new) \
	X(archive_write_open2) \
	X(archive_write_set_format_pax_restricted) \
	X(archive_version_string)

#define LA_DECLARE(name) __typeof__(&name) name;
static struct {
	LA_FUNCS(LA_DECLARE)
} la;
static pthread_once_t la_once = PTHREAD_ONCE_INIT;
static char la_error[256];

static void la_load(void)
{
	void *lib = dlopen(AIS_LIBARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!lib) {
		snprintf(la_error, sizeof(la_error), "%s", dlerror());
		return;
	}
#define LA_LOAD(name)                                                       \
	if (!(*(void **)&la.name = dlsym(lib, #name))) {                    \
		snprintf(la_error, sizeof(la_error), "%s: no symbol '%s'",  \
			 AIS_LIBARCHIVE_SONAME, #name);                     \
		return;                                                     \
	}
	LA_FUNCS(LA_LOAD)
#undef LA_LOAD
}

static int la_ready(void)
{
	pthread_once(&la_once, la_load);
	if (la_error[0])
		return ais_error_set(AIS_ERROR, AIS_ERROR_OS,
				     "cannot load libarchive: %s", la_error);
	return 0;
}

struct ais_context {
	char *root;
	unsigned flags;
	const char *const *prefixes; /* walk limit, during the walk only */
	char **entries;      /* relative paths, archive order */
	struct stat *stats;  /* lstat() of each entry during the walk */
	size_t count, alloc;
	size_t next;         /* next entry to start */
	struct archive *ar;
	ais_buf out;         /* tar bytes produced but not yet handed out */
	size_t out_off;
	int fd;              /* file whose data is being sent, or -1 */
	long long remaining; /* bytes of that file still owed to the archive */
	bool closed;
	char *chunk;
};

static int ctx_add(ais_context *ctx, const char *rel, const struct stat *st)
{
	if (ctx->count == ctx->alloc) {
		size_t n = ctx->alloc ? ctx->alloc * 2 : 64;
		char **p = realloc(ctx->entries, n * sizeof(*p));
		struct stat *q;

		AIS_CHECK_ALLOC(p);
		ctx->entries = p;
		q = realloc(ctx->stats, n * sizeof(*q));
		AIS_CHECK_ALLOC(q);
		ctx->stats = q;
		ctx->alloc = n;
	}
	ctx->stats[ctx->count] = *st;
	ctx->entries[ctx->count] = strdup(rel);
	AIS_CHECK_ALLOC(ctx->entries[ctx->count]);
	ctx->count++;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ctx_always_sent(const ais_context *ctx, const char *rel,
			    const char *dockerfile)
{
	return !strcmp(rel, dockerfile) ||
	       ((ctx->flags & AIS_CONTEXT_SEND_DOCKERIGNORE) &&
		!strcmp(rel, ".dockerignore"));
}

/* Does directory `rel` hold the Dockerfile somewhere below it? */
static bool ctx_holds_dockerfile(const char *rel, const char *dockerfile)
{
	size_t n = strlen(rel);

	return !strncmp(dockerfile, rel, n) && dockerfile[n] == '/';
}

/* Is `rel` inside one of the walk prefixes (or are there none)?  With
 * `or_above`, also true for a directory on the way to one. */
static bool ctx_in_prefixes(const ais_context *ctx, const char *rel,
			    bool or_above)
{
	const char *const *p;
	size_t n, r = strlen(rel);

	if (!ctx->prefixes)
		return true;
	for (p = ctx->prefixes; *p; p++) {
		n = strlen(*p);
		if (n == 0)
			return true;
		if (r >= n && !strncmp(rel, *p, n) && (rel[n] == '\0' || rel[n] == '/'))
			return true;
		if (or_above && n > r && !strncmp(*p, rel, r) && (*p)[r] == '/')
			return true;
	}
	return false;
}

/* Walk `rel` (a directory below the root, "" for the root itself). */
static int ctx_walk(ais_context *ctx, const ais_dockerignore *di,
		    const char *rel, const char *dockerfile)
{
	ais_buf path = AIS_BUF_INIT, child = AIS_BUF_INIT;
	char **names = NULL;
	size_t n = 0, alloc = 0, i;
	struct dirent *de;
	DIR *dir = NULL;
	int error = 0;

	if ((error = ais_buf_printf(&path, "%s%s%s", ctx->root, *rel ? "/" : "",
				    rel)) < 0)
		goto done;
	dir = opendir(path.ptr);
	if (!dir) {
		error = ais_error_set_os(AIS_ERROR, errno,
					 "cannot read directory '%s'", path.ptr);
		goto done;
	}
	while ((errno = 0, de = readdir(dir)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 32;
			char **p = realloc(names, na * sizeof(*p));

			if (!p) {
				error = ais_error_set(AIS_ENOMEM, AIS_ERROR_OS,
						      "out of memory");
				goto done;
			}
			names = p;
			alloc = na;
		}
		if (!(names[n] = strdup(de->d_name))) {
			error = ais_error_set(AIS_ENOMEM, AIS_ERROR_OS, "out of memory");
			goto done;
		}
		n++;
	}
	if (n > 1) /* qsort(NULL, 0, ...) is undefined: empty directories */
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		struct stat st;
		bool excluded;

		ais_buf_clear(&child);
		if ((*rel && ((error = ais_buf_puts(&child, rel)) < 0 ||
			      (error = ais_buf_putc(&child, '/')) < 0)) ||
		    (error = ais_buf_puts(&child, names[i])) < 0)
			goto done;
		ais_buf_clear(&path);
		if ((error = ais_buf_puts(&path, ctx->root)) < 0 ||
		    (error = ais_buf_putc(&path, '/')) < 0 ||
		    (error = ais_buf_put(&path, child.ptr, child.size)) < 0)
			goto done;
		if (lstat(path.ptr, &st) < 0) {
			error = ais_error_set_os(AIS_ERROR, errno, "cannot stat '%s'",
						 path.ptr);
			goto done;
		}
		excluded = ais_dockerignore_excluded(di, child.ptr) &&
			   !ctx_always_sent(ctx, child.ptr, dockerfile);
		if (!ctx_in_prefixes(ctx, child.ptr, S_ISDIR(st.st_mode)))
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (excluded && ais_dockerignore_skip_dir(di, child.ptr) &&
			    !ctx_holds_dockerfile(child.ptr, dockerfile))
				continue;
			if (!excluded && ctx_in_prefixes(ctx, child.ptr, false) &&
			    (error = ctx_add(ctx, child.ptr, &st)) < 0)
				goto done;
			if ((error = ctx_walk(ctx, di, child.ptr, dockerfile)) < 0)
				goto done;
			continue;
		}
		if (excluded)
			continue;
		/* Sockets cannot be archived; the docker CLI skips them too. */
		if (S_ISSOCK(st.st_mode))
			continue;
		if ((error = ctx_add(ctx, child.ptr, &st)) < 0)
			goto done;
	}
done:
	if (dir)
		closedir(dir);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	ais_buf_dispose(&path);
	ais_buf_dispose(&child);
	return error;
}

static la_ssize_t ctx_write_cb(struct archive *a, void *p, const void *data,
			       size_t len)
{
	ais_context *ctx = p;

	(void)a;
	if (ais_buf_put(&ctx->out, data, len) < 0)
		return -1;
	return (la_ssize_t)len;
}

int ais_context_open(ais_context **out, const char *root,
		     const char *dockerfile, unsigned flags)
{
	return ais_context_open_under(out, root, dockerfile, flags, NULL);
}

int ais_context_open_under(ais_context **out, const char *root,
			   const char *dockerfile, unsigned flags,
			   const char *const *prefixes)
{
	ais_context *ctx = NULL;
	ais_dockerignore *di = NULL;
	ais_buf path = AIS_BUF_INIT;
	int error = 0;

	*out = NULL;
	ctx = calloc(1, sizeof(*ctx));
	AIS_CHECK_ALLOC(ctx);
	ctx->fd = -1;
	ctx->flags = flags;
	ctx->prefixes = prefixes;
	ctx->root = strdup(root);
	ctx->chunk = malloc(CONTEXT_CHUNK);
	if (!ctx->root || !ctx->chunk) {
		error = ais_error_set(AIS_ENOMEM, AIS_ERROR_OS, "out of memory");
		goto done;
	}
	if ((error = ais_buf_printf(&path, "%s/.dockerignore", root)) < 0 ||
	    (error = ais_dockerignore_load(&di, path.ptr)) < 0 ||
	    (error = ctx_walk(ctx, di, "", dockerfile)) < 0)
		goto done;
	ctx->prefixes = NULL;
	*out = ctx;
	ctx = NULL;
done:
	ais_dockerignore_free(di);
	ais_buf_dispose(&path);
	ais_context_free(ctx);
	return error;
}

static int ctx_archive_error(ais_context *ctx, const char *what)
{
	return ais_error_set(AIS_ERROR, AIS_ERROR_OS, "%s: %s", what,
			     la.archive_error_string(ctx->ar));
}

/* Write the header of the next entry and open its file. */
static int ctx_start_entry(ais_context *ctx)
{
	const char *rel = ctx->entries[ctx->next++];
	struct archive_entry *entry = NULL;
	ais_buf path = AIS_BUF_INIT;
	char target[PATH_MAX];
	struct stat st;
	ssize_t tlen;
	int error = 0;

	if ((error = ais_buf_printf(&path, "%s/%s", ctx->root, rel)) < 0)
		goto done;
	if (lstat(path.ptr, &st) < 0) {
		error = ais_error_set_os(AIS_ERROR, errno, "cannot stat '%s'", path.ptr);
		goto done;
	}
	if (S_ISREG(st.st_mode)) {
		ctx->fd = open(path.ptr, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (ctx->fd < 0) {
			error = ais_error_set_os(AIS_ERROR, errno, "cannot read '%s'",
						 path.ptr);
			goto done;
		}
		ctx->remaining = st.st_size;
	}
	entry = la.archive_entry_new();
	if (!entry) {
		error = ais_error_set(AIS_ENOMEM, AIS_ERROR_OS, "out of memory");
		goto done;
	}
	la.archive_entry_copy_stat(entry, &st);
	la.archive_entry_set_uid(entry, 0);
	la.archive_entry_set_gid(entry, 0);
	la.archive_entry_set_nlink(entry, 1);
	la.archive_entry_set_ino64(entry, 0);
	la.archive_entry_set_dev(entry, 0);
	if (S_ISDIR(st.st_mode)) {
		ais_buf dir = AIS_BUF_INIT;

		ais_buf_printf(&dir, "%s/", rel);
		la.archive_entry_copy_pathname(entry, ais_buf_cstr(&dir));
		ais_buf_dispose(&dir);
	} else {
		la.archive_entry_copy_pathname(entry, rel);
	}
	if (S_ISLNK(st.st_mode)) {
		tlen = readlink(path.ptr, target, sizeof(target) - 1);
		if (tlen < 0) {
			error = ais_error_set_os(AIS_ERROR, errno,
						 "cannot read link '%s'", path.ptr);
			goto done;
		}
		target[tlen] = '\0';
		la.archive_entry_copy_symlink(entry, target);
		la.archive_entry_set_size(entry, 0);
	} else if (!S_ISREG(st.st_mode)) {
		la.archive_entry_set_size(entry, 0);
	}
	if (la.archive_write_header(ctx->ar, entry) != ARCHIVE_OK)
		error = ctx_archive_error(ctx, "cannot archive the build context");
done:
	la.archive_entry_free(entry);
	ais_buf_dispose(&path);
	return error;
}

/* Send the next piece of the open file.  A file that shrank while being
 * sent is padded with zeros; one that grew is cut at its archived size. */
static int ctx_continue_file(ais_context *ctx)
{
	size_t want = ctx->remaining < CONTEXT_CHUNK ? (size_t)ctx->remaining
						     : CONTEXT_CHUNK;
	ssize_t n;

	do
		n = read(ctx->fd, ctx->chunk, want);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ais_error_set_os(AIS_ERROR, errno,
					"cannot read a build context file");
	if (n == 0) {
		memset(ctx->chunk, 0, want);
		n = (ssize_t)want;
	}
	if (la.archive_write_data(ctx->ar, ctx->chunk, (size_t)n) < 0)
		return ctx_archive_error(ctx, "cannot archive the build context");
	ctx->remaining -= n;
	if (ctx->remaining == 0) {
		close(ctx->fd);
		ctx->fd = -1;
	}
	return 0;
}

/* The archive writer is made when the first byte is asked for, so that
 * walking a context (for hashing its inputs) never loads libarchive. */
static int ctx_start_archive(ais_context *ctx)
{
	int error;

	if ((error = la_ready()) < 0)
		return error;
	ctx->ar = la.archive_write_new();
	if (!ctx->ar ||
	    la.archive_write_set_format_pax_restricted(ctx->ar) != ARCHIVE_OK ||
	    la.archive_write_open2(ctx->ar, ctx, NULL, ctx_write_cb, NULL, NULL) !=
		    ARCHIVE_OK)
		return ais_error_set(AIS_ERROR, AIS_ERROR_OS,
				     "cannot start the context archive: %s",
				     ctx->ar ? la.archive_error_string(ctx->ar)
					     : "out of memory");
	return 0;
}

ssize_t ais_context_read(char *buf, size_t len, void *p)
{
	ais_context *ctx = p;
	size_t avail;
	int error;

	if (!ctx->ar && (error = ctx_start_archive(ctx)) < 0)
		return error;

	while (ctx->out.size - ctx->out_off == 0) {
		ais_buf_clear(&ctx->out);
		ctx->out_off = 0;
		if (ctx->fd >= 0)
			error = ctx_continue_file(ctx);
		else if (ctx->next < ctx->count)
			error = ctx_start_entry(ctx);
		else if (!ctx->closed) {
			ctx->closed = true;
			error = la.archive_write_close(ctx->ar) == ARCHIVE_OK
					? 0
					: ctx_archive_error(ctx, "cannot finish the build context");
		} else
			return 0;
		if (error < 0)
			return error;
	}
	avail = ctx->out.size - ctx->out_off;
	if (avail > len)
		avail = len;
	memcpy(buf, ctx->out.ptr + ctx->out_off, avail);
	ctx->out_off += avail;
	return (ssize_t)avail;
}

const char *ais_context_libarchive_version(void)
{
	if (la_ready() < 0) {
		ais_error_clear();
		return NULL;
	}
	return la.archive_version_string();
}

size_t ais_context_entry_count(const ais_context *ctx)
{
	return ctx->count;
}

const char *ais_context_entry(const ais_context *ctx, size_t i)
{
	return i < ctx->count ? ctx->entries[i] : NULL;
}

const struct stat *ais_context_entry_stat(const ais_context *ctx, size_t i)
{
	return i < ctx->count ? &ctx->stats[i] : NULL;
}

void ais_context_free(ais_context *ctx)
{
	size_t i;

	if (!ctx)
		return;
	if (ctx->ar)
		la.archive_write_free(ctx->ar);
	if (ctx->fd >= 0)
		close(ctx->fd);
	for (i = 0; i < ctx->count; i++)
		free(ctx->entries[i]);
	free(ctx->entries);
	free(ctx->stats);
	free(ctx->root);
	free(ctx->chunk);
	ais_buf_dispose(&ctx->out);
	free(ctx);
}
