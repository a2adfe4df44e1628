#include "inputs.h"

#include "context.h"
#include "dockerfile.h"
#include "dockerignore.h"
#include "error.h"
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INPUTS_CACHE_MAGIC "aishell-inputs-cache 2\n"
#define INPUTS_CACHE_TRAILER "sha256 "

typedef struct {
	unsigned long long dev, ino, size;
	long long mtime_ns, ctime_ns;
	char digest[AIS_SHA256_HEX_LEN + 1];
	const char *path;   /* borrowed: from `data` or from the walk */
} cache_entry;

typedef struct {
	cache_entry *e;
	size_t n, alloc;
	size_t next;        /* where the next lookup starts (walk order) */
	bool dirty;
	long long stamp_ns; /* mtime of the cache file when it was read */
	char *file;
	ais_buf data;       /* the file's text, which the paths point into */
} stat_cache;

/* Entries are kept in walk order (ais_context_path_cmp), as written. */
static int entry_cmp(const void *a, const void *b)
{
	return ais_context_path_cmp(((const cache_entry *)a)->path,
				    ((const cache_entry *)b)->path);
}

static void cache_dispose(stat_cache *c)
{
	free(c->e);
	free(c->file);
	ais_buf_dispose(&c->data);
	memset(c, 0, sizeof(*c));
}

static int cache_push(stat_cache *c, const cache_entry *ce)
{
	cache_entry *p = ais_array_grow(c->e, &c->alloc, c->n, sizeof(*p), 256);

	if (!p)
		return AIS_ENOMEM;
	c->e = p;
	c->e[c->n++] = *ce;
	return 0;
}

static bool is_digest(const char *p, size_t n)
{
	size_t i;

	if (n != AIS_SHA256_HEX_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

/* "dev ino size mtime_ns ctime_ns digest" up to `end` (the tab). */
static bool cache_parse(cache_entry *ce, const char *p, const char *end)
{
	unsigned long long *nums[3] = { &ce->dev, &ce->ino, &ce->size };
	long long *times[2] = { &ce->mtime_ns, &ce->ctime_ns };
	char *q;
	int i;

	for (i = 0; i < 3; i++) {
		*nums[i] = strtoull(p, &q, 10);
		if (q == p || *q != ' ')
			return false;
		p = q + 1;
	}
	for (i = 0; i < 2; i++) {
		*times[i] = strtoll(p, &q, 10);
		if (q == p || *q != ' ')
			return false;
		p = q + 1;
	}
	if (!is_digest(p, (size_t)(end - p)))
		return false;
	memcpy(ce->digest, p, AIS_SHA256_HEX_LEN);
	ce->digest[AIS_SHA256_HEX_LEN] = '\0';
	return true;
}

/*
 * The file: the magic line, records "dev ino size mtime_ns ctime_ns
 * digest\tpath\0", and "sha256 <digest of all before>\n".  A cache that
 * does not check out, or holds one record that does not parse, is dropped
 * whole, never trusted.
 */
static long long ns_of(const struct timespec *ts)
{
	return (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static void cache_load(stat_cache *c)
{
	ais_buf *data = &c->data;
	char sum[AIS_SHA256_HEX_LEN + 1];
	size_t magic = strlen(INPUTS_CACHE_MAGIC);
	size_t trailer = strlen(INPUTS_CACHE_TRAILER) + AIS_SHA256_HEX_LEN + 1;
	const char *p, *end;
	struct stat st;
	int fd, error;

	if ((fd = ais_fs_open_regular(c->file, AIS_FS_NOFOLLOW, &st)) < 0)
		goto done;
	c->stamp_ns = ns_of(&st.st_mtim);
	error = ais_fs_read_fd(data, fd, 0);
	close(fd);
	if (error < 0)
		goto done;
	p = ais_buf_cstr(data);
	if (data->size < magic + trailer || strncmp(p, INPUTS_CACHE_MAGIC, magic) != 0)
		goto done;
	end = p + data->size - trailer;
	if (ais_hash_sha256_hex(sum, p, data->size - trailer) < 0 ||
	    strncmp(end, INPUTS_CACHE_TRAILER, strlen(INPUTS_CACHE_TRAILER)) ||
	    memcmp(end + strlen(INPUTS_CACHE_TRAILER), sum, AIS_SHA256_HEX_LEN) ||
	    end[trailer - 1] != '\n')
		goto done;
	for (p += magic; p < end;) {
		const char *rec_end = memchr(p, '\0', (size_t)(end - p));
		const char *tab;
		cache_entry ce;

		memset(&ce, 0, sizeof(ce));
		if (!rec_end || !(tab = memchr(p, '\t', (size_t)(rec_end - p))) ||
		    !cache_parse(&ce, p, tab)) {
			cache_dispose(c);
			goto done;
		}
		ce.path = (char *)tab + 1;
		if (cache_push(c, &ce) < 0) {
			cache_dispose(c);
			goto done;
		}
		p = rec_end + 1;
	}
	for (size_t i = 1; i < c->n; i++)
		if (entry_cmp(&c->e[i - 1], &c->e[i]) >= 0) {
			qsort(c->e, c->n, sizeof(*c->e), entry_cmp);
			break;
		}
done:
	ais_error_clear();
}

/* Lookups come in walk order: try where the last one left off first. */
static cache_entry *cache_find(stat_cache *c, const char *path)
{
	cache_entry key, *hit;

	if (c->next < c->n && !strcmp(c->e[c->next].path, path))
		return &c->e[c->next++];
	key.path = path;
	hit = c->n ? bsearch(&key, c->e, c->n, sizeof(*c->e), entry_cmp) : NULL;
	if (hit)
		c->next = (size_t)(hit - c->e) + 1;
	return hit;
}

/* Best effort: a cache that cannot be written only costs reading. */
static void cache_save(const char *dir, const char *file, const stat_cache *fresh)
{
	ais_buf data = AIS_BUF_INIT;
	char sum[AIS_SHA256_HEX_LEN + 1];
	size_t i;
	int error;

	if ((error = ais_fs_private_dir(dir)) < 0 ||
	    (error = ais_buf_puts(&data, INPUTS_CACHE_MAGIC)) < 0)
		goto done;
	for (i = 0; i < fresh->n; i++) {
		const cache_entry *e = &fresh->e[i];

		if ((error = ais_buf_printf(&data, "%llu %llu %llu %lld %lld %s\t%s",
					    e->dev, e->ino, e->size, e->mtime_ns,
					    e->ctime_ns, e->digest, e->path)) < 0 ||
		    (error = ais_buf_putc(&data, '\0')) < 0)
			goto done;
	}
	if ((error = ais_hash_sha256_hex(sum, data.ptr, data.size)) < 0 ||
	    (error = ais_buf_printf(&data, INPUTS_CACHE_TRAILER "%s\n", sum)) < 0)
		goto done;
	ais_fs_write_atomic(file, data.ptr, data.size, 0600, 0);
done:
	ais_buf_dispose(&data);
	ais_error_clear();
}

/*
 * The digest of entry `i`: from the cache when its stat still matches,
 * else read (and counted in out->hashed).  As with git's index, an entry
 * changed in the same timestamp tick as the cache was written or later
 * ("racy") may have changed again unseen: it is read, never trusted.
 */
static int entry_digest(char digest[AIS_SHA256_HEX_LEN + 1], ais_inputs *out,
			stat_cache *old, stat_cache *fresh, size_t i)
{
	const char *rel = ais_context_entry(out->context, i);
	const struct stat *st = ais_context_entry_stat(out->context, i);
	long long mtime = ns_of(&st->st_mtim), ctime = ns_of(&st->st_ctim);
	cache_entry *ce = cache_find(old, rel), nce;
	int fd, error;

	if (ce && ce->dev == (unsigned long long)st->st_dev &&
	    ce->ino == (unsigned long long)st->st_ino &&
	    ce->size == (unsigned long long)st->st_size &&
	    ce->mtime_ns == mtime && ce->ctime_ns == ctime &&
	    (mtime > ctime ? mtime : ctime) < old->stamp_ns) {
		memcpy(digest, ce->digest, AIS_SHA256_HEX_LEN + 1);
	} else {
		if ((fd = ais_context_open_entry(out->context, i)) < 0)
			return fd;
		error = ais_hash_fd(digest, fd);
		close(fd);
		if (error < 0)
			return error;
		out->hashed++;
		fresh->dirty = true;
	}
	memset(&nce, 0, sizeof(nce));
	nce.dev = (unsigned long long)st->st_dev;
	nce.ino = (unsigned long long)st->st_ino;
	nce.size = (unsigned long long)st->st_size;
	nce.mtime_ns = mtime;
	nce.ctime_ns = ctime;
	memcpy(nce.digest, digest, sizeof(nce.digest));
	nce.path = rel;
	return cache_push(fresh, &nce);
}

int ais_inputs_compute(ais_inputs *out, const char *root,
		       const char *dockerfile, const char *cache_dir)
{
	ais_dockerfile_inputs df = AIS_DOCKERFILE_INPUTS_INIT;
	stat_cache old = { 0 }, fresh = { 0 };
	ais_buf path = AIS_BUF_INIT, text = AIS_BUF_INIT, link = AIS_BUF_INIT;
	char digest[AIS_SHA256_HEX_LEN + 1], text_digest[AIS_SHA256_HEX_LEN + 1];
	size_t i;
	int error = 0;

	ais_inputs_dispose(out);
	/* The Dockerfile, to find what it reads. */
	if ((error = ais_buf_printf(&path, "%s/%s", root, dockerfile)) < 0 ||
	    (error = ais_buf_read_file(&text, path.ptr)) < 0 ||
	    (error = ais_hash_sha256_hex(text_digest, ais_buf_cstr(&text), text.size)) < 0 ||
	    (error = ais_dockerfile_parse_inputs(&df, ais_buf_cstr(&text), text.size)) < 0 ||
	    (error = ais_context_open_inputs(&out->context, root, dockerfile, 0, &df)) < 0)
		goto done;
	memcpy(out->dockerfile_hash, text_digest, AIS_H12_LEN);
	out->dockerfile_hash[AIS_H12_LEN] = '\0';
	out->whole_context = df.whole_context;
	if (cache_dir) {
		char h[AIS_H12_LEN + 1];

		if ((error = ais_hash_h12(h, root, strlen(root))) < 0)
			goto done;
		ais_buf_clear(&path);
		if ((error = ais_buf_printf(&path, "%s/inputs-%s", cache_dir, h)) < 0 ||
		    !(old.file = strdup(path.ptr))) {
			error = error < 0 ? error : ais_error_set(AIS_ENOMEM, AIS_ERROR_OS,
								  "out of memory");
			goto done;
		}
		cache_load(&old);
	}
	for (i = 0; i < ais_context_entry_count(out->context); i++) {
		const char *rel = ais_context_entry(out->context, i);
		const struct stat *st = ais_context_entry_stat(out->context, i);

		if (!strcmp(rel, dockerfile)) {
			/* Sent as it was read: its text is hashed on its own. */
			ais_context_expect(out->context, i, text_digest);
			continue;
		}
		if (!ais_context_entry_is_input(out->context, i))
			continue;
		if (S_ISREG(st->st_mode)) {
			if ((error = entry_digest(digest, out, &old, &fresh, i)) < 0)
				goto done;
			ais_context_expect(out->context, i, digest);
		} else if (S_ISLNK(st->st_mode)) {
			if ((error = ais_context_readlink(&link, out->context, i)) < 0 ||
			    (error = ais_hash_sha256_hex(digest, ais_buf_cstr(&link),
							 link.size)) < 0)
				goto done;
			ais_context_expect(out->context, i, digest);
		} else {
			snprintf(digest, sizeof(digest), "-");
		}
		if ((error = ais_buf_printf(&out->manifest, "%s %o\t%s", digest,
					    (unsigned)st->st_mode, rel)) < 0 ||
		    (error = ais_buf_putc(&out->manifest, '\0')) < 0)
			goto done;
		out->entries++;
	}
	if ((error = ais_hash_h12(out->hash, ais_buf_cstr(&out->manifest),
				  out->manifest.size)) < 0)
		goto done;
	if (cache_dir && (fresh.dirty || old.n != fresh.n))
		cache_save(cache_dir, old.file, &fresh);
done:
	ais_dockerfile_inputs_dispose(&df);
	cache_dispose(&old);
	cache_dispose(&fresh);
	ais_buf_dispose(&path);
	ais_buf_dispose(&text);
	ais_buf_dispose(&link);
	if (error < 0)
		ais_inputs_dispose(out);
	return error;
}

void ais_inputs_dispose(ais_inputs *in)
{
	ais_context_free(in->context);
	ais_buf_dispose(&in->manifest);
	memset(in, 0, sizeof(*in));
}

/* The records of a manifest, sorted by path. */
typedef struct {
	const char **rec;
	size_t n;
} records;

static const char *rec_path(const char *r)
{
	return strchr(r, '\t') + 1;
}

static int rec_cmp(const void *a, const void *b)
{
	return strcmp(rec_path(*(const char *const *)a),
		      rec_path(*(const char *const *)b));
}

static void records_of(records *out, const ais_buf *m)
{
	const char *p = ais_buf_cstr(m), *end = p + m->size;

	out->n = 0;
	out->rec = NULL;
	for (const char *q = p; q < end; q += strlen(q) + 1)
		out->n++;
	out->rec = calloc(out->n ? out->n : 1, sizeof(*out->rec));
	if (!out->rec) {
		out->n = 0;
		return;
	}
	out->n = 0;
	for (const char *q = p; q < end; q += strlen(q) + 1)
		if (strchr(q, '\t'))
			out->rec[out->n++] = q;
	qsort(out->rec, out->n, sizeof(*out->rec), rec_cmp);
}

size_t ais_inputs_each_change(const ais_buf *old_manifest,
			      const ais_buf *new_manifest,
			      void (*each)(const char *path, void *payload),
			      void *payload)
{
	records a, b;
	size_t i = 0, j = 0, count = 0;

	records_of(&a, old_manifest);
	records_of(&b, new_manifest);
	while (i < a.n || j < b.n) {
		const char *name;
		int c;

		if (i == a.n)
			c = 1;
		else if (j == b.n)
			c = -1;
		else
			c = strcmp(rec_path(a.rec[i]), rec_path(b.rec[j]));
		if (c == 0) {
			bool same = !strcmp(a.rec[i], b.rec[j]);

			name = rec_path(b.rec[j]);
			i++, j++;
			if (same)
				continue;
		} else if (c < 0) {
			name = rec_path(a.rec[i++]);
		} else {
			name = rec_path(b.rec[j++]);
		}
		each(name, payload);
		count++;
	}
	free(a.rec);
	free(b.rec);
	return count;
}

typedef struct {
	ais_buf *out;
	size_t max, count;
} diff_list;

static void diff_list_add(const char *path, void *payload)
{
	diff_list *l = payload;

	if (l->count < l->max) {
		ais_buf_puts(l->out, l->count ? ", " : "");
		ais_buf_quote_path(l->out, path);
	}
	l->count++;
}

size_t ais_inputs_diff(ais_buf *out, const ais_buf *old_manifest,
		       const ais_buf *new_manifest, size_t max)
{
	diff_list l = { out, max, 0 };

	ais_inputs_each_change(old_manifest, new_manifest, diff_list_add, &l);
	if (l.count > max)
		ais_buf_printf(out, " (+%zu more)", l.count - max);
	return l.count;
}
