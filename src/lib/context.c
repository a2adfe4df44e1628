#include "context.h"

#include "buf.h"
#include "dockerignore.h"
#include "error.h"
#include "fsutil.h"
#include "path.h"

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
	X(archive_entry_copy_hardlink) \
	X(archive_entry_copy_pathname) \
	X(archive_entry_copy_stat) \
	X(archive_entry_copy_symlink) \
	X(archive_entry_free) \
	X(archive_entry_new) \
	X(archive_entry_set_dev) \
	X(archive_entry_set_gid) \
	X(archive_entry_set_ino64) \
	X(archive_entry_set_mtime) \
	X(archive_entry_set_nlink) \
	X(archive_entry_set_size) \
	X(archive_entry_set_uid) \
	X(archive_entry_unset_atime) \
	X(archive_entry_unset_birthtime) \
	X(archive_entry_unset_ctime) \
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
		return ais_error_set(AIS_ERROR,
				     "cannot load libarchive: %s", la_error);
	return 0;
}


/* Entry flags. */
#define E_INPUT 1u      /* read by the build */
#define E_ALWAYS 2u     /* sent whatever .dockerignore says (the Dockerfile) */
#define E_LEGACY_DI 4u  /* .dockerignore excluding itself: legacy builder only */
#define E_GONE 8u       /* listed, but gone when stat'ed: dropped by ctx_sort() */

#define CTX_DENTS 32768 /* bytes of directory entries read at a time */
/* The walk takes entries on what their directory's listing says they are
 * and stats them later, many at once (ctx_flush): at most this many, with
 * at most this many walked directories held open for them.  From
 * CTX_STAT_HELPER_MIN on, on two threads (fsutil.h: ais_fs_stat_each). */
#define CTX_PENDING_MAX 2048
#define CTX_OPEN_DIRS 128
#define CTX_STAT_HELPER_MIN 32

/* Symbolic links followed while resolving one source (as the kernel). */
#define CTX_MAX_LINKS 40

/* Kept small: a context may hold many entries, and on a virtual machine
 * every page of fresh memory costs a fault. */
typedef struct {
	size_t rel;           /* offset of the path in `paths` */
	ais_context_stat st;  /* lstat() as the walk saw it */
	unsigned flags;
	bool expect;          /* `md` holds the digest it must be sent with */
	unsigned char md[AIS_SHA256_LEN];
} ctx_entry;

/* An entry whose lstat() the walk still owes. */
typedef struct {
	size_t entry;       /* its index in ctx->e */
	size_t name;        /* offset of its last component in ctx->paths */
	int dirfd;          /* the directory holding it, open until the flush */
	int err;            /* errno of the fstatat(), 0 when it worked */
	unsigned char type; /* what the listing said it is (DT_*) */
} ctx_pending;

struct ais_context {
	char *root;
	int rootfd;
	unsigned flags;
	const char *dockerfile;      /* relative path of the Dockerfile */
	char *dockerfile_copy;
	const ais_dockerignore *di;  /* during the walk only */
	ctx_entry *e;        /* archive order once the walk is done */
	size_t count, alloc;
	ais_buf paths;       /* the entries' paths, each NUL-terminated */
	size_t next;         /* entries started so far (ctx_send_order) */
	size_t first;        /* the entry sent first: the Dockerfile */
	size_t *link_to;     /* per position sent: that of the same file sent before, or AIS_FS_NO_LINK */
	struct archive *ar;
	ais_buf out;         /* tar bytes produced but not yet handed out */
	size_t out_off;
	ais_buf dir;         /* the directory whose fd is cached in dirfd */
	int dirfd;
	int fd;              /* file whose data is being sent, or -1 */
	size_t fd_entry;
	long long remaining; /* bytes of that file still owed to the archive */
	ais_sha256 *md;      /* digest of the file being sent */
	bool mismatch;       /* an entry went out with another digest */
	char *dents;                     /* getdents64() buffer, the walk's */
	ctx_pending *pend;               /* entries to stat at the flush */
	size_t npend, apend;
	int done[CTX_OPEN_DIRS];         /* walked directories they are in */
	size_t ndone;
	unsigned long flushes;
	bool closed;
	char *chunk;
};

static const char *ctx_rel(const ais_context *ctx, const ctx_entry *e)
{
	return ctx->paths.ptr + e->rel;
}

static void ctx_stat_of(ais_context_stat *out, const struct stat *st)
{
	out->dev = (unsigned long long)st->st_dev;
	out->ino = (unsigned long long)st->st_ino;
	out->size = (long long)st->st_size;
	out->mtime_ns = ais_fs_time_ns(&st->st_mtim);
	out->ctime_ns = ais_fs_time_ns(&st->st_ctim);
	out->mode = (unsigned)st->st_mode;
}

static int ctx_add_stat(ais_context *ctx, const char *rel,
			const ais_context_stat *st, unsigned flags)
{
	size_t off = ctx->paths.size;
	ctx_entry *e;
	int error;

	if (!(e = ais_array_grow(ctx->e, &ctx->alloc, ctx->count, sizeof(*e), 64)))
		return AIS_ENOMEM;
	ctx->e = e;
	if ((error = ais_buf_put(&ctx->paths, rel, strlen(rel) + 1)) < 0)
		return error;
	e = &ctx->e[ctx->count++];
	memset(e, 0, sizeof(*e));
	e->rel = off;
	if (st)
		e->st = *st;
	e->flags = flags;
	return 0;
}

static int ctx_add(ais_context *ctx, const char *rel, const struct stat *st,
		   unsigned flags)
{
	ais_context_stat cs;

	if (st)
		ctx_stat_of(&cs, st);
	return ctx_add_stat(ctx, rel, st ? &cs : NULL, flags);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Paths in walk order: a directory, then what is below it, then its next
 * sibling ('/' sorts before every other byte). */
int ais_context_path_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = *a == '/' ? 1 : *a ? (unsigned char)*a + 1 : 0;
		int y = *b == '/' ? 1 : *b ? (unsigned char)*b + 1 : 0;

		if (x != y)
			return x < y ? -1 : 1;
		if (!x)
			return 0;
	}
}

static int entry_cmp(const void *a, const void *b, void *paths)
{
	return ais_context_path_cmp((const char *)paths + ((const ctx_entry *)a)->rel,
				    (const char *)paths + ((const ctx_entry *)b)->rel);
}

/* Sort into archive order, merge entries added more than once and drop
 * those that were gone. */
static void ctx_sort(ais_context *ctx)
{
	size_t i, n = 0;

	for (i = 1; i < ctx->count; i++)
		if (entry_cmp(&ctx->e[i - 1], &ctx->e[i], ctx->paths.ptr) >= 0) {
			qsort_r(ctx->e, ctx->count, sizeof(*ctx->e), entry_cmp,
				ctx->paths.ptr);
			break;
		}
	for (i = 0; i < ctx->count; i++) {
		if (ctx->e[i].flags & E_GONE)
			continue;
		if (n && !strcmp(ctx_rel(ctx, &ctx->e[n - 1]), ctx_rel(ctx, &ctx->e[i]))) {
			ctx->e[n - 1].flags |= ctx->e[i].flags;
			continue;
		}
		ctx->e[n++] = ctx->e[i];
	}
	ctx->count = n;
}

static bool ctx_ignored(const ais_context *ctx, const char *rel)
{
	return ais_dockerignore_excluded(ctx->di, rel);
}

static int ctx_join(ais_buf *out, const char *dir, const char *name)
{
	ais_buf_clear(out);
	if (*dir) {
		int error;

		if ((error = ais_buf_puts(out, dir)) < 0 ||
		    (error = ais_buf_putc(out, '/')) < 0)
			return error;
	}
	return ais_buf_puts(out, name);
}

/* The names in directory `fd`, sorted: (*out)[i] points into `names`,
 * and the byte before it is the entry's d_type.  Read with getdents64() on
 * `fd` itself, from its start: no second descriptor, no DIR, one
 * allocation for all the names.  (The walk costs a few system calls per
 * directory and one per entry, and on a virtual machine each one counts.) */
static int ctx_list(ais_context *ctx, ais_buf *names, char ***out, size_t *count,
		    int fd, const char *rel)
{
	char **list = NULL, *p;
	size_t n = 0, i;
	ssize_t got;
	int error = 0;

	*out = NULL;
	*count = 0;
	if (!ctx->dents && !(ctx->dents = malloc(CTX_DENTS)))
		return ais_error_set(AIS_ENOMEM, "out of memory");
	if (lseek(fd, 0, SEEK_SET) < 0)
		goto failed;
	while ((got = getdents64(fd, ctx->dents, CTX_DENTS)) > 0) {
		size_t off;

		for (off = 0; off < (size_t)got; off += ((struct dirent64 *)(ctx->dents + off))->d_reclen) {
			const struct dirent64 *d = (const void *)(ctx->dents + off);
			char type = (char)d->d_type;

			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
				continue;
			if ((error = ais_buf_putc(names, type)) < 0 ||
			    (error = ais_buf_put(names, d->d_name, strlen(d->d_name) + 1)) < 0)
				return error;
			n++;
		}
	}
	if (got < 0)
		goto failed;
	if (n && !(list = malloc(n * sizeof(*list))))
		return ais_error_set(AIS_ENOMEM, "out of memory");
	for (i = 0, p = names->ptr + 1; i < n; i++, p += strlen(p) + 2)
		list[i] = p;
	if (n > 1)
		qsort(list, n, sizeof(*list), name_cmp);
	*out = list;
	*count = n;
	return 0;
failed:
	return ais_error_set_os(AIS_ERROR, errno, "cannot read directory '%s'",
				*rel ? rel : ".");
}

/* Open directory `name` below `fd` without following a link; `now` gets
 * its fstat(), and with `st` it must be the directory `st` describes. */
static int ctx_open_dir(int fd, const char *name, const struct stat *st,
			struct stat *now, const char *rel)
{
	int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (sub < 0)
		return ais_error_set_os(AIS_ERROR, errno, "cannot open directory '%s'",
					rel);
	if (fstat(sub, now) < 0 ||
	    (st && (now->st_dev != st->st_dev || now->st_ino != st->st_ino))) {
		close(sub);
		return ais_error_set(AIS_ERROR,
				     "'%s' changed while the build context was read", rel);
	}
	return sub;
}

static void ctx_stat_pending(void *arg, size_t i)
{
	ais_context *ctx = arg;
	ctx_pending *p = &ctx->pend[i];
	struct stat st;

	if (fstatat(p->dirfd, ctx->paths.ptr + p->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		p->err = errno;
	else
		ctx_stat_of(&ctx->e[p->entry].st, &st);
}

/* Stat the entries taken since the last flush, on two threads when there
 * are enough, and close the walked directories they were in.  An entry
 * gone since its directory was listed is dropped, as if listed a moment
 * later; one that is no longer what the listing said it is changed
 * during the walk. */
static int ctx_flush(ais_context *ctx)
{
	ais_fs_stat_helper *h = NULL;
	size_t i;
	int error = 0;

	ais_context_test_pause("walk");
	if (ctx->npend >= CTX_STAT_HELPER_MIN)
		h = ais_fs_stat_helper_shared();
	ais_fs_stat_each(h, ctx->npend, ctx_stat_pending, ctx);
	for (i = 0; error == 0 && i < ctx->npend; i++) {
		const ctx_pending *p = &ctx->pend[i];
		ctx_entry *e = &ctx->e[p->entry];

		if (p->err == ENOENT)
			e->flags |= E_GONE;
		else if (p->err)
			error = ais_error_set_os(AIS_ERROR, p->err, "cannot stat '%s/%s'",
						 ctx->root, ctx_rel(ctx, e));
		else if (IFTODT(e->st.mode) != p->type)
			error = ais_error_set(AIS_ERROR,
					      "'%s/%s' changed while the build context was read",
					      ctx->root, ctx_rel(ctx, e));
	}
	for (i = 0; i < ctx->ndone; i++)
		close(ctx->done[i]);
	ctx->npend = ctx->ndone = 0;
	ctx->flushes++;
	return error;
}

/* Take `rel`, whose last component, `namelen` bytes, is in directory
 * `dirfd`, as its listing says it is: stat'ed at the next flush. */
static int ctx_add_pending(ais_context *ctx, const char *rel, size_t namelen,
			   int dirfd, unsigned char type)
{
	ctx_pending *p;
	size_t len = strlen(rel);
	int error;

	if (!(p = ais_array_grow(ctx->pend, &ctx->apend, ctx->npend, sizeof(*p), 256)))
		return ais_error_set(AIS_ENOMEM, "out of memory");
	ctx->pend = p;
	if ((error = ctx_add(ctx, rel, NULL, E_INPUT)) < 0)
		return error;
	p = &ctx->pend[ctx->npend++];
	p->entry = ctx->count - 1;
	p->name = ctx->e[ctx->count - 1].rel + len - namelen;
	p->dirfd = dirfd;
	p->err = 0;
	p->type = type;
	return ctx->npend < CTX_PENDING_MAX ? 0 : ctx_flush(ctx);
}

/* Directory `fd` is walked: closed now, or, while entries in it wait for
 * the flush (`waiting`), then. */
static int ctx_dir_done(ais_context *ctx, int fd, bool waiting)
{
	if (!waiting) {
		close(fd);
		return 0;
	}
	ctx->done[ctx->ndone++] = fd;
	return ctx->ndone < CTX_OPEN_DIRS ? 0 : ctx_flush(ctx);
}

/* What to take from a directory being walked. */
typedef struct {
	const ais_dockerignore *pattern; /* NULL: everything */
	size_t depth;                    /* components in the pattern */
	bool deep;                       /* the pattern holds "**" */
} ctx_select;

static int ctx_take(ais_context *ctx, const char *path);

/* Walk directory `fd` (context path `rel`, "" for the root), taking what
 * `sel` selects, or everything when `all`.  With `own`, `fd` is the walk's
 * to close (ctx_dir_done). */
static int ctx_walk(ais_context *ctx, const ctx_select *sel, int fd, bool own,
		    const char *rel, size_t depth, bool all)
{
	ais_buf child = AIS_BUF_INIT, buf = AIS_BUF_INIT;
	char **names = NULL;
	unsigned long flushes = 0;
	bool waiting = false;
	size_t n = 0, i;
	int error;

	if ((error = ctx_list(ctx, &buf, &names, &n, fd, rel)) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		unsigned char type = (unsigned char)names[i][-1];
		bool ignored, take = all, descend, have_st = false;
		struct stat st, dir;
		int sub;

		if ((error = ctx_join(&child, rel, names[i])) < 0)
			goto done;
		/* A listing that does not tell (some file systems do not):
		 * stat now. */
		if (type == DT_UNKNOWN) {
			if (fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
				error = ais_error_set_os(AIS_ERROR, errno, "cannot stat '%s/%s'",
							 ctx->root, child.ptr);
				goto done;
			}
			type = IFTODT(st.st_mode);
			have_st = true;
		}
		ignored = ctx_ignored(ctx, child.ptr);
		if (!take && ais_dockerignore_excluded(sel->pattern, child.ptr)) {
			take = true;
			/* A symbolic link a wildcard names is followed, as the
			 * builders do; links inside what is copied are not. */
			if (type == DT_LNK && !ignored &&
			    (error = ctx_take(ctx, child.ptr)) < 0)
				goto done;
		}
		if (type != DT_DIR) {
			/* Sockets cannot be archived; the docker CLI skips them too. */
			if (!take || ignored || type == DT_SOCK)
				continue;
			if (have_st) {
				error = ctx_add(ctx, child.ptr, &st, E_INPUT);
			} else {
				flushes = ctx->flushes;
				waiting = true;
				error = ctx_add_pending(ctx, child.ptr, strlen(names[i]), fd, type);
			}
			if (error < 0)
				goto done;
			continue;
		}
		if (ignored && ais_dockerignore_skip_dir(ctx->di, child.ptr))
			continue;
		descend = take || sel->deep || depth + 1 < sel->depth;
		if (!descend)
			continue;
		if ((sub = ctx_open_dir(fd, names[i], have_st ? &st : NULL, &dir,
					child.ptr)) < 0) {
			error = sub;
			goto done;
		}
		if (take && !ignored && (error = ctx_add(ctx, child.ptr, &dir, E_INPUT)) < 0) {
			close(sub);
			goto done;
		}
		if ((error = ctx_walk(ctx, sel, sub, true, child.ptr, depth + 1, take)) < 0)
			goto done;
	}
done:
	/* Entries in it still wait for their stat when there was no flush
	 * since the last was taken.  After an error nothing is flushed. */
	if (own && error < 0)
		close(fd);
	else if (own)
		error = ctx_dir_done(ctx, fd, waiting && flushes == ctx->flushes);
	free(names);
	ais_buf_dispose(&buf);
	ais_buf_dispose(&child);
	return error;
}

int ais_context_resolve(ais_buf *out, const ais_context *ctx, const char *path,
			unsigned flags, ais_context_link_fn on_link, void *payload)
{
	ais_buf todo = AIS_BUF_INIT, cand = AIS_BUF_INIT, tmp = AIS_BUF_INIT;
	char target[PATH_MAX];
	int links = 0, error = 0;
	bool pattern = flags & AIS_CONTEXT_RESOLVE_PATTERN;
	size_t n;

	ais_buf_clear(out);
	if ((error = ais_path_clean(&todo, &n, path)) < 0)
		goto done;
	while (todo.size) {
		size_t len = strcspn(todo.ptr, "/");
		ais_context_stat cs;
		struct stat st;
		ssize_t tl = 0;

		ais_buf_clear(&cand);
		if ((error = ais_buf_put(&cand, out->ptr ? out->ptr : "", out->size)) < 0 ||
		    (out->size && (error = ais_buf_putc(&cand, '/')) < 0) ||
		    (error = ais_buf_put(&cand, todo.ptr, len)) < 0)
			goto done;
		if (pattern && ais_path_component_wild(todo.ptr, len))
			break;
		if (fstatat(ctx->rootfd, cand.ptr, &st, AT_SYMLINK_NOFOLLOW) < 0)
			break;
		if (S_ISLNK(st.st_mode)) {
			if (++links > CTX_MAX_LINKS ||
			    (tl = readlinkat(ctx->rootfd, cand.ptr, target, sizeof(target) - 1)) < 0)
				break;
		} else if (todo.ptr[len] && !S_ISDIR(st.st_mode)) {
			break;
		}
		ais_buf_consume(&todo, todo.ptr[len] ? len + 1 : len);
		if (!S_ISLNK(st.st_mode)) {
			if ((error = ais_buf_sets(out, cand.ptr)) < 0)
				goto done;
			ais_buf_clear(&cand);
			continue;
		}
		target[tl] = '\0';
		ctx_stat_of(&cs, &st);
		if (on_link && (error = on_link(payload, cand.ptr, &cs)) < 0)
			goto done;
		/* Go on with the target, then what was left. */
		ais_buf_clear(&tmp);
		if ((target[0] != '/' && out->size &&
		     ((error = ais_buf_put(&tmp, out->ptr, out->size)) < 0 ||
		      (error = ais_buf_putc(&tmp, '/')) < 0)) ||
		    (error = ais_buf_puts(&tmp, target)) < 0 ||
		    (todo.size && ((error = ais_buf_putc(&tmp, '/')) < 0 ||
				   (error = ais_buf_put(&tmp, todo.ptr, todo.size)) < 0)))
			goto done;
		if ((error = ais_path_clean(&todo, &n, tmp.ptr)) < 0)
			goto done;
		ais_buf_clear(out);
		ais_buf_clear(&cand);
	}
	/* What could not be resolved (nothing there, not a directory, too
	 * many links; with a pattern, a wildcard) is left as it is. */
	if (todo.size && !pattern)
		error = AIS_ENOTFOUND;
	else if (todo.size && (!out->size || (error = ais_buf_putc(out, '/')) == 0))
		error = ais_buf_put(out, todo.ptr, todo.size);
done:
	ais_buf_dispose(&todo);
	ais_buf_dispose(&cand);
	ais_buf_dispose(&tmp);
	return error;
}

/* A link a COPY source passes is an input: its text is sent. */
static int ctx_take_link(void *p, const char *rel, const ais_context_stat *st)
{
	ais_context *ctx = p;

	if (ctx_ignored(ctx, rel))
		return 0;
	return ctx_add_stat(ctx, rel, st, E_INPUT);
}

/* `path` resolved as a COPY source is (AIS_ENOTFOUND when something on
 * the way does not exist: the build will say so), each link passed taken
 * as an input. */
static int ctx_resolve(ais_context *ctx, ais_buf *out, const char *path)
{
	return ais_context_resolve(out, ctx, path, 0, ctx_take_link, ctx);
}

/* Take `path` (resolved through links) and, for a directory, all below. */
static int ctx_take(ais_context *ctx, const char *path)
{
	ctx_select all = { NULL, 0, false };
	ais_buf rel = AIS_BUF_INIT;
	struct stat st, now;
	int fd, error;

	if ((error = ctx_resolve(ctx, &rel, path)) < 0) {
		if (error == AIS_ENOTFOUND)
			error = 0;
		goto done;
	}
	if (!rel.size) {
		error = ctx_walk(ctx, &all, ctx->rootfd, false, "", 0, true);
		goto done;
	}
	if (fstatat(ctx->rootfd, rel.ptr, &st, AT_SYMLINK_NOFOLLOW) < 0)
		goto done;
	if (ctx_ignored(ctx, rel.ptr) &&
	    (!S_ISDIR(st.st_mode) || ais_dockerignore_skip_dir(ctx->di, rel.ptr)))
		goto done;
	if (!ctx_ignored(ctx, rel.ptr) && !S_ISSOCK(st.st_mode) &&
	    (error = ctx_add(ctx, rel.ptr, &st, E_INPUT)) < 0)
		goto done;
	if (!S_ISDIR(st.st_mode))
		goto done;
	if ((fd = ctx_open_dir(ctx->rootfd, rel.ptr, &st, &now, rel.ptr)) < 0) {
		error = fd;
		goto done;
	}
	error = ctx_walk(ctx, &all, fd, true, rel.ptr, 0, true);
done:
	ais_buf_dispose(&rel);
	return error;
}

/* Take what one COPY/ADD/bind-mount source selects. */
static int ctx_take_source(ais_context *ctx, const char *source)
{
	ais_buf comps = AIS_BUF_INIT, pattern = AIS_BUF_INIT, dir = AIS_BUF_INIT;
	ais_dockerignore *m = NULL;
	ctx_select sel = { NULL, 0, false };
	size_t n, lit;
	const char *wild;
	struct stat st, now;
	int fd, error;

	if ((error = ais_path_clean(&comps, &n, source)) < 0)
		goto done;
	wild = strpbrk(ais_buf_cstr(&comps), "*?[");
	if (!wild) {
		error = ctx_take(ctx, ais_buf_cstr(&comps));
		goto done;
	}
	/* The directories before the first wildcard, resolved through links;
	 * the rest is matched below them. */
	for (lit = (size_t)(wild - comps.ptr); lit && comps.ptr[lit - 1] != '/'; lit--)
		;
	if ((error = ais_buf_put(&dir, comps.ptr, lit ? lit - 1 : 0)) < 0)
		goto done;
	if (dir.size) {
		ais_buf resolved = AIS_BUF_INIT;

		error = ctx_resolve(ctx, &resolved, dir.ptr);
		ais_buf_dispose(&dir);
		dir = resolved;
		if (error < 0) {
			if (error == AIS_ENOTFOUND)
				error = 0;
			goto done;
		}
	}
	if ((dir.size && ((error = ais_buf_put(&pattern, dir.ptr, dir.size)) < 0 ||
			  (error = ais_buf_putc(&pattern, '/')) < 0)) ||
	    (error = ais_buf_puts(&pattern, comps.ptr + lit)) < 0 ||
	    (error = ais_dockerignore_parse_path(&m, pattern.ptr, pattern.size)) < 0)
		goto done;
	sel.pattern = m;
	sel.deep = strstr(pattern.ptr, "**") != NULL;
	for (sel.depth = 1, wild = pattern.ptr; *wild; wild++)
		sel.depth += *wild == '/';
	if (!dir.size) {
		error = ctx_walk(ctx, &sel, ctx->rootfd, false, "", 0, false);
		goto done;
	}
	if (fstatat(ctx->rootfd, dir.ptr, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISDIR(st.st_mode))
		goto done;
	if ((fd = ctx_open_dir(ctx->rootfd, dir.ptr, &st, &now, dir.ptr)) < 0) {
		error = fd;
		goto done;
	}
	for (n = 1, wild = dir.ptr; *wild; wild++)
		n += *wild == '/';
	error = ctx_walk(ctx, &sel, fd, true, dir.ptr, n, false);
done:
	ais_dockerignore_free(m);
	ais_buf_dispose(&comps);
	ais_buf_dispose(&pattern);
	ais_buf_dispose(&dir);
	return error;
}

/* Add `rel` with `flags`, or add the flags to the entry already there
 * (keeping a walk's order intact). */
static int ctx_add_extra(ais_context *ctx, const char *rel, unsigned flags)
{
	struct stat st;
	size_t i;

	for (i = 0; i < ctx->count; i++)
		if (!(ctx->e[i].flags & E_GONE) && !strcmp(ctx_rel(ctx, &ctx->e[i]), rel)) {
			ctx->e[i].flags |= flags;
			return 0;
		}
	if (fstatat(ctx->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return ctx_add(ctx, rel, &st, flags);
}

/* The Dockerfile (always) and .dockerignore (when it exists). */
static int ctx_take_extras(ais_context *ctx)
{
	int error;

	if ((error = ctx_add_extra(ctx, ctx->dockerfile, E_ALWAYS)) < 0)
		return error;
	return ctx_add_extra(ctx, ".dockerignore",
			     ctx_ignored(ctx, ".dockerignore") ? E_LEGACY_DI : E_ALWAYS);
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
	ais_dockerfile_inputs all = AIS_DOCKERFILE_INPUTS_INIT;

	all.whole_context = true;
	return ais_context_open_inputs(out, root, dockerfile, flags, &all);
}

int ais_context_open_inputs(ais_context **out, const char *root,
			    const char *dockerfile, unsigned flags,
			    const ais_dockerfile_inputs *df)
{
	ctx_select all = { NULL, 0, false };
	ais_context *ctx = NULL;
	ais_dockerignore *di = NULL;
	struct stat st;
	size_t i;
	int fd, error = 0;

	*out = NULL;
	ctx = calloc(1, sizeof(*ctx));
	AIS_CHECK_ALLOC(ctx);
	ctx->fd = ctx->dirfd = ctx->rootfd = -1;
	ctx->flags = flags;
	ctx->dockerfile = ctx->dockerfile_copy = strdup(dockerfile);
	ctx->root = strdup(root);
	ctx->chunk = malloc(CONTEXT_CHUNK);
	ais_sha256_new(&ctx->md);
	if (!ctx->root || !ctx->chunk || !ctx->dockerfile || !ctx->md) {
		error = ais_error_set(AIS_ENOMEM, "out of memory");
		goto done;
	}
	ctx->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ctx->rootfd < 0) {
		error = ais_error_set_os(AIS_ERROR, errno, "cannot read directory '%s'",
					 root);
		goto done;
	}
	fd = ais_fs_openat_regular(ctx->rootfd, ".dockerignore", 0, &st);
	if (fd >= 0) {
		ais_buf text = AIS_BUF_INIT;

		if ((error = ais_fs_read_fd(&text, fd, 0)) == 0)
			error = ais_dockerignore_parse(&di, ais_buf_cstr(&text), text.size);
		close(fd);
		ais_buf_dispose(&text);
	} else if (fd == AIS_ENOTFOUND) {
		ais_error_clear();
		error = ais_dockerignore_parse(&di, "", 0);
	} else {
		error = fd;
	}
	if (error < 0)
		goto done;
	ctx->di = di;
	if (df->whole_context)
		error = ctx_walk(ctx, &all, ctx->rootfd, false, "", 0, true);
	for (i = 0; !df->whole_context && error == 0 && i < df->count; i++)
		error = ctx_take_source(ctx, df->sources[i]);
	if (error == 0)
		error = ctx_flush(ctx);
	free(ctx->dents);
	ctx->dents = NULL;
	free(ctx->pend);
	ctx->pend = NULL;
	ctx->npend = ctx->apend = 0;
	if (error < 0 || (error = ctx_take_extras(ctx)) < 0)
		goto done;
	ctx_sort(ctx);
	ctx->di = NULL;
	*out = ctx;
	ctx = NULL;
done:
	ais_dockerignore_free(di);
	ais_context_free(ctx);
	return error;
}

void ais_context_set_flags(ais_context *ctx, unsigned flags)
{
	ctx->flags = flags;
}

/* The directory holding entry `rel`, opened from the root one component
 * at a time without following links; `base` gets the last component. */
static int ctx_parent(ais_context *ctx, const char *rel, const char **base)
{
	const char *slash = strrchr(rel, '/'), *p;
	size_t dlen = slash ? (size_t)(slash - rel) : 0;
	int cur, next, error;

	*base = slash ? slash + 1 : rel;
	if (!dlen)
		return ctx->rootfd;
	if (ctx->dirfd >= 0 && ctx->dir.size == dlen && !memcmp(ctx->dir.ptr, rel, dlen))
		return ctx->dirfd;
	if (ctx->dirfd >= 0)
		close(ctx->dirfd);
	ctx->dirfd = -1;
	ais_buf_clear(&ctx->dir);
	if ((error = ais_buf_put(&ctx->dir, rel, dlen)) < 0)
		return error;
	cur = ctx->rootfd;
	for (p = ctx->dir.ptr; *p;) {
		size_t n = strcspn(p, "/");
		char name[NAME_MAX + 1];

		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		next = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			error = ais_error_set_os(AIS_ERROR, errno,
						 "cannot open '%s/%.*s'", ctx->root,
						 (int)(p + n - ctx->dir.ptr), ctx->dir.ptr);
		if (cur != ctx->rootfd)
			close(cur);
		if (next < 0)
			return error;
		cur = next;
		p += n;
		if (*p)
			p++;
	}
	ctx->dirfd = cur;
	return cur;
}

/* Is `st` the file the walk recorded as `e`? */
static bool ctx_same(const ctx_entry *e, const struct stat *st)
{
	return (unsigned long long)st->st_dev == e->st.dev &&
	       (unsigned long long)st->st_ino == e->st.ino &&
	       (st->st_mode & S_IFMT) == (e->st.mode & S_IFMT);
}

static int ctx_changed(const ais_context *ctx, const ctx_entry *e)
{
	return ais_error_set(AIS_ERROR,
			     "'%s/%s' changed while the build context was read",
			     ctx->root, ctx_rel(ctx, e));
}

/* lstat() entry `i` again, checked to be what the walk recorded. */
static int ctx_restat(ais_context *ctx, size_t i, struct stat *st,
		      const char **base)
{
	const ctx_entry *e = &ctx->e[i];
	int dfd;

	if ((dfd = ctx_parent(ctx, ctx_rel(ctx, e), base)) < 0)
		return dfd;
	if (fstatat(dfd, *base, st, AT_SYMLINK_NOFOLLOW) < 0 || !ctx_same(e, st))
		return ctx_changed(ctx, e);
	return dfd;
}

static int ctx_readlink(ais_buf *out, ais_context *ctx, size_t i,
			struct stat *st)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;
	int dfd;

	if ((dfd = ctx_restat(ctx, i, st, &base)) < 0)
		return dfd;
	if (!S_ISLNK(st->st_mode))
		return ctx_changed(ctx, &ctx->e[i]);
	n = readlinkat(dfd, base, target, sizeof(target) - 1);
	if (n < 0)
		return ais_error_set_os(AIS_ERROR, errno, "cannot read link '%s/%s'",
					ctx->root, ctx_rel(ctx, &ctx->e[i]));
	ais_buf_clear(out);
	return ais_buf_put(out, target, (size_t)n);
}

int ais_context_open_entry(ais_context *ctx, size_t i)
{
	const ctx_entry *e = &ctx->e[i];
	const char *base;
	struct stat st;
	int dfd, fd;

	if ((dfd = ctx_parent(ctx, ctx_rel(ctx, e), &base)) < 0)
		return dfd;
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return ais_error_set_os(AIS_ERROR, errno, "cannot read '%s/%s'", ctx->root,
					ctx_rel(ctx, e));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !ctx_same(e, &st) ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		close(fd);
		return ctx_changed(ctx, e);
	}
	return fd;
}

int ais_context_readlink(ais_buf *out, ais_context *ctx, size_t i)
{
	struct stat st;

	return ctx_readlink(out, ctx, i, &st);
}

void ais_context_expect(ais_context *ctx, size_t i,
			const char digest[AIS_SHA256_HEX_LEN + 1])
{
	size_t k;

	for (k = 0; k < sizeof(ctx->e[i].md); k++) {
		unsigned hi, lo;

		hi = (unsigned)(digest[2 * k] <= '9' ? digest[2 * k] - '0' : digest[2 * k] - 'a' + 10);
		lo = (unsigned)(digest[2 * k + 1] <= '9' ? digest[2 * k + 1] - '0'
							 : digest[2 * k + 1] - 'a' + 10);
		ctx->e[i].md[k] = (unsigned char)(hi << 4 | lo);
	}
	ctx->e[i].expect = true;
}

void ais_context_expect_md(ais_context *ctx, size_t i,
			   const unsigned char md[AIS_SHA256_LEN])
{
	memcpy(ctx->e[i].md, md, sizeof(ctx->e[i].md));
	ctx->e[i].expect = true;
}

const unsigned char *ais_context_expected_md(const ais_context *ctx, size_t i)
{
	return i < ctx->count && ctx->e[i].expect ? ctx->e[i].md : NULL;
}

bool ais_context_sent_as_expected(const ais_context *ctx)
{
	return ctx->closed && !ctx->mismatch;
}

static void ctx_check_digest(ais_context *ctx, const ctx_entry *e,
			     const void *data, size_t len)
{
	unsigned char md[AIS_SHA256_LEN];
	int error;

	if (!e->expect)
		return;
	error = data ? ais_sha256_digest(md, data, len) : ais_sha256_final(md, ctx->md);
	if (error < 0 || memcmp(md, e->md, sizeof(md)))
		ctx->mismatch = true;
}

static int ctx_archive_error(ais_context *ctx, const char *what)
{
	return ais_error_set(AIS_ERROR, "%s: %s", what,
			     la.archive_error_string(ctx->ar));
}

static bool ctx_sent(const ais_context *ctx, const ctx_entry *e)
{
	return (e->flags & (E_INPUT | E_ALWAYS)) ||
	       ((e->flags & E_LEGACY_DI) && (ctx->flags & AIS_CONTEXT_SEND_DOCKERIGNORE));
}

/* The entry sent `pos`-th: the Dockerfile first, then the rest in order.
 * BuildKit (20.10's dockerfile frontend) tells a tar context from a bare
 * Dockerfile by reading one header from the body's first 1,024 bytes, so
 * the first entry must have a plain ustar header.  Any entry with a long
 * or non-ASCII name needs a pax header before its own, which an entry
 * sorted ahead of the Dockerfile (`Café.txt` beside `Dockerfile`) may
 * have; the Dockerfile's own name never does. */
static size_t ctx_send_order(const ais_context *ctx, size_t pos)
{
	if (ctx->first >= ctx->count)
		return pos;
	if (pos == 0)
		return ctx->first;
	return pos <= ctx->first ? pos - 1 : pos;
}

/* Write the header of the next entry and open its file. */
static int ctx_start_entry(ais_context *ctx)
{
	size_t pos = ctx->next++, i = ctx_send_order(ctx, pos), link = ctx->link_to[pos];
	const ctx_entry *e = &ctx->e[i];
	struct archive_entry *entry = NULL;
	ais_buf text = AIS_BUF_INIT;
	const char *base;
	struct stat st;
	int error = 0;

	if (!ctx_sent(ctx, e))
		return 0;
	if (link != AIS_FS_NO_LINK) {
		/* A hard link to a file sent before: its name, no data. */
		if ((error = ctx_restat(ctx, i, &st, &base)) < 0)
			goto done;
	} else if (S_ISREG(e->st.mode)) {
		if ((ctx->fd = ais_context_open_entry(ctx, i)) < 0) {
			error = ctx->fd;
			goto done;
		}
		if (fstat(ctx->fd, &st) < 0) {
			error = ais_error_set_os(AIS_ERROR, errno, "cannot stat '%s'",
						 ctx_rel(ctx, e));
			goto done;
		}
		ctx->fd_entry = i;
		ctx->remaining = st.st_size;
		if (e->expect && ais_sha256_init(ctx->md) < 0)
			ctx->mismatch = true;
	} else if (S_ISLNK(e->st.mode)) {
		if ((error = ctx_readlink(&text, ctx, i, &st)) < 0)
			goto done;
		ctx_check_digest(ctx, e, ais_buf_cstr(&text), text.size);
		st.st_mode = (mode_t)e->st.mode;
	} else {
		/* A directory or special file: sent with its mode as walked. */
		if ((error = ctx_restat(ctx, i, &st, &base)) < 0)
			goto done;
		st.st_mode = (mode_t)e->st.mode;
	}
	entry = la.archive_entry_new();
	if (!entry) {
		error = ais_error_set(AIS_ENOMEM, "out of memory");
		goto done;
	}
	la.archive_entry_copy_stat(entry, &st);
	la.archive_entry_set_uid(entry, 0);
	la.archive_entry_set_gid(entry, 0);
	la.archive_entry_set_nlink(entry, 1);
	la.archive_entry_set_ino64(entry, 0);
	la.archive_entry_set_dev(entry, 0);
	/* Whole seconds and no other times, as the docker CLI's context tar:
	 * pax headers (names outside ASCII, long ones) would carry more. */
	la.archive_entry_set_mtime(entry, st.st_mtime, 0);
	la.archive_entry_unset_atime(entry);
	la.archive_entry_unset_ctime(entry);
	la.archive_entry_unset_birthtime(entry);
	if (S_ISDIR(st.st_mode)) {
		ais_buf dir = AIS_BUF_INIT;

		if ((error = ais_buf_printf(&dir, "%s/", ctx_rel(ctx, e))) == 0)
			la.archive_entry_copy_pathname(entry, dir.ptr);
		ais_buf_dispose(&dir);
		if (error < 0)
			goto done;
	} else {
		la.archive_entry_copy_pathname(entry, ctx_rel(ctx, e));
	}
	if (S_ISLNK(st.st_mode)) {
		la.archive_entry_copy_symlink(entry, ais_buf_cstr(&text));
		la.archive_entry_set_size(entry, 0);
	} else if (link != AIS_FS_NO_LINK) {
		la.archive_entry_copy_hardlink(entry,
					       ctx_rel(ctx, &ctx->e[ctx_send_order(ctx, link)]));
		la.archive_entry_set_size(entry, 0);
	} else if (!S_ISREG(st.st_mode)) {
		la.archive_entry_set_size(entry, 0);
	}
	/* A name that is not ASCII cannot be translated from the C locale to
	 * the UTF-8 of pax headers: libarchive then writes it as it is, as
	 * bytes (hdrcharset=BINARY), as the docker CLI does, and warns. */
	switch (la.archive_write_header(ctx->ar, entry)) {
	case ARCHIVE_OK:
	case ARCHIVE_WARN:
		break;
	default:
		error = ctx_archive_error(ctx, "cannot archive the build context");
	}
done:
	if (entry)
		la.archive_entry_free(entry);
	ais_buf_dispose(&text);
	return error;
}

/* Send the next piece of the open file.  A file that shrank while being
 * sent is padded with zeros; one that grew is cut at its archived size.
 * Either way it no longer has the digest it was hashed with. */
static int ctx_continue_file(ais_context *ctx)
{
	const ctx_entry *e = &ctx->e[ctx->fd_entry];
	size_t want = ctx->remaining < CONTEXT_CHUNK ? (size_t)ctx->remaining
						     : CONTEXT_CHUNK;
	ssize_t n;

	if (want && (n = ais_fs_read(ctx->fd, ctx->chunk, want)) < 0)
		return (int)n;
	if (!want)
		n = 0;
	else if (n == 0) {
		memset(ctx->chunk, 0, want);
		n = (ssize_t)want;
		ctx->mismatch = true;
	}
	if (e->expect && n && ais_sha256_update(ctx->md, ctx->chunk, (size_t)n) < 0)
		ctx->mismatch = true;
	if (n && la.archive_write_data(ctx->ar, ctx->chunk, (size_t)n) < 0)
		return ctx_archive_error(ctx, "cannot archive the build context");
	ctx->remaining -= n;
	if (ctx->remaining == 0) {
		char extra;

		if (e->expect) {
			if (ais_fs_read(ctx->fd, &extra, 1) != 0)
				ctx->mismatch = true; /* it grew */
			ctx_check_digest(ctx, e, NULL, 0);
		}
		close(ctx->fd);
		ctx->fd = -1;
	}
	return 0;
}

/* The files sent more than once, as hard links: each later name of one
 * goes as a link to the first sent (ctx->link_to), as the docker CLI's
 * context tar has them. */
static int ctx_find_links(ais_context *ctx)
{
	size_t n = ctx->count ? ctx->count : 1, pos;
	ais_fs_id *ids = calloc(n, sizeof(*ids));
	int error;

	if (!ids || !(ctx->link_to = malloc(n * sizeof(*ctx->link_to)))) {
		free(ids);
		return ais_error_set(AIS_ENOMEM, "out of memory");
	}
	for (pos = 0; pos < ctx->count; pos++) {
		const ctx_entry *e = &ctx->e[ctx_send_order(ctx, pos)];

		if (ctx_sent(ctx, e) && S_ISREG(e->st.mode)) {
			ids[pos].dev = e->st.dev;
			ids[pos].ino = e->st.ino;
		}
	}
	error = ais_fs_links(ctx->link_to, ids, ctx->count);
	free(ids);
	return error;
}

/* The archive writer is made when the first byte is asked for, so that
 * walking a context (for hashing its inputs) never loads libarchive. */
static int ctx_start_archive(ais_context *ctx)
{
	int error;

	if ((error = la_ready()) < 0)
		return error;
	if (!ais_context_find(ctx, ctx->dockerfile, &ctx->first))
		ctx->first = ctx->count;
	if ((error = ctx_find_links(ctx)) < 0)
		return error;
	ctx->ar = la.archive_write_new();
	if (!ctx->ar ||
	    la.archive_write_set_format_pax_restricted(ctx->ar) != ARCHIVE_OK ||
	    la.archive_write_open2(ctx->ar, ctx, NULL, ctx_write_cb, NULL, NULL) !=
		    ARCHIVE_OK)
		return ais_error_set(AIS_ERROR,
				     "cannot start the context archive: %s",
				     ctx->ar ? la.archive_error_string(ctx->ar)
					     : "out of memory");
	return 0;
}

/* Test-only pause points. */
void ais_context_test_pause(const char *at)
{
	static bool paused;
	const char *fifo = getenv("AISHELL_TEST_PAUSE_FIFO");
	const char *want = getenv("AISHELL_TEST_PAUSE_AT");
	char byte;
	int fd;

	if (paused || !fifo || !*fifo ||
	    strcmp(want && *want ? want : "upload", at) != 0 ||
	    (fd = open(fifo, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	paused = true;
	if (read(fd, &byte, 1) < 0)
		byte = 0;
	close(fd);
}

ssize_t ais_context_read(char *buf, size_t len, void *p)
{
	ais_context *ctx = p;
	int error;

	if (!ctx->ar) {
		ais_context_test_pause("upload");
		if ((error = ctx_start_archive(ctx)) < 0)
			return error;
	}

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
	return (ssize_t)ais_buf_take(&ctx->out, &ctx->out_off, buf, len);
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
	return i < ctx->count ? ctx_rel(ctx, &ctx->e[i]) : NULL;
}

const ais_context_stat *ais_context_entry_stat(const ais_context *ctx, size_t i)
{
	return i < ctx->count ? &ctx->e[i].st : NULL;
}

bool ais_context_entry_is_input(const ais_context *ctx, size_t i)
{
	return i < ctx->count && (ctx->e[i].flags & E_INPUT) &&
	       strcmp(ctx_rel(ctx, &ctx->e[i]), ctx->dockerfile);
}

bool ais_context_entry_selected(const ais_context *ctx, size_t i)
{
	return i < ctx->count && (ctx->e[i].flags & E_INPUT);
}

bool ais_context_find(const ais_context *ctx, const char *rel, size_t *index)
{
	size_t lo = 0, hi = ctx->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = ais_context_path_cmp(ctx_rel(ctx, &ctx->e[mid]), rel);

		if (c == 0) {
			*index = mid;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

int ais_context_lstat(const ais_context *ctx, const char *rel,
		      ais_context_stat *out)
{
	struct stat st;

	if (fstatat(ctx->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return ais_error_set_os(errno == ENOENT ? AIS_ENOTFOUND : AIS_ERROR, errno,
					"cannot read '%s/%s'", ctx->root, rel);
	ctx_stat_of(out, &st);
	return 0;
}

const char *ais_context_root(const ais_context *ctx)
{
	return ctx->root;
}

const char *ais_context_dockerfile(const ais_context *ctx)
{
	return ctx->dockerfile;
}

void ais_context_free(ais_context *ctx)
{
	if (!ctx)
		return;
	free(ctx->dents);
	free(ctx->pend);
	while (ctx->ndone)
		close(ctx->done[--ctx->ndone]);
	if (ctx->ar)
		la.archive_write_free(ctx->ar);
	if (ctx->fd >= 0)
		close(ctx->fd);
	if (ctx->dirfd >= 0)
		close(ctx->dirfd);
	if (ctx->rootfd >= 0)
		close(ctx->rootfd);
	free(ctx->e);
	free(ctx->link_to);
	ais_buf_dispose(&ctx->paths);
	free(ctx->root);
	free(ctx->dockerfile_copy);
	free(ctx->chunk);
	ais_sha256_free(ctx->md);
	ais_buf_dispose(&ctx->out);
	ais_buf_dispose(&ctx->dir);
	free(ctx);
}
