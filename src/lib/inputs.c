#include "inputs.h"

#include "context.h"
#include "dockerfile.h"
#include "dockerignore.h"
#include "error.h"
#include "fsutil.h"
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define INPUTS_CACHE_MAGIC "aishell-inputs-cache 1\n"
#define INPUTS_READ_CHUNK (1024 * 1024)
/* A file changed less than this long ago may change again within the
 * same mtime tick: its digest is used but not cached (git's "racy" case). */
#define INPUTS_RACY_NS 2000000000LL

typedef struct {
	unsigned long long dev, ino, size;
	long long mtime_ns;
	char digest[AIS_SHA256_HEX_LEN + 1];
	char *path;
} cache_entry;

typedef struct {
	cache_entry *e;
	size_t n, alloc;
	bool dirty;
	char *file;
} stat_cache;

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const cache_entry *)a)->path, ((const cache_entry *)b)->path);
}

static void cache_dispose(stat_cache *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->e[i].path);
	free(c->e);
	free(c->file);
	memset(c, 0, sizeof(*c));
}

static int cache_push(stat_cache *c, const cache_entry *ce)
{
	if (c->n == c->alloc) {
		size_t n = c->alloc ? c->alloc * 2 : 256;
		cache_entry *p = realloc(c->e, n * sizeof(*p));

		AIS_CHECK_ALLOC(p);
		c->e = p;
		c->alloc = n;
	}
	c->e[c->n] = *ce;
	c->e[c->n].path = strdup(ce->path);
	AIS_CHECK_ALLOC(c->e[c->n].path);
	c->n++;
	return 0;
}

/* "dev ino size mtime_ns digest" up to `end` (the tab). */
static bool cache_parse(cache_entry *ce, const char *p, const char *end)
{
	unsigned long long *nums[3] = { &ce->dev, &ce->ino, &ce->size };
	char *q;
	int i;

	for (i = 0; i < 3; i++) {
		*nums[i] = strtoull(p, &q, 10);
		if (q == p || *q != ' ')
			return false;
		p = q + 1;
	}
	ce->mtime_ns = strtoll(p, &q, 10);
	if (q == p || *q != ' ' || end - (q + 1) != AIS_SHA256_HEX_LEN)
		return false;
	memcpy(ce->digest, q + 1, AIS_SHA256_HEX_LEN);
	ce->digest[AIS_SHA256_HEX_LEN] = '\0';
	return true;
}

/* Records: "dev ino size mtime_ns digest\tpath\0".  A damaged cache is
 * dropped, never trusted. */
static void cache_load(stat_cache *c)
{
	ais_buf data = AIS_BUF_INIT;
	const char *p, *end;

	if (ais_buf_read_file(&data, c->file) < 0)
		goto done;
	p = ais_buf_cstr(&data);
	end = p + data.size;
	if (data.size < strlen(INPUTS_CACHE_MAGIC) ||
	    strncmp(p, INPUTS_CACHE_MAGIC, strlen(INPUTS_CACHE_MAGIC)) != 0)
		goto done;
	p += strlen(INPUTS_CACHE_MAGIC);
	while (p < end) {
		const char *rec_end = memchr(p, '\0', (size_t)(end - p));
		const char *tab;
		cache_entry ce;

		if (!rec_end || !(tab = memchr(p, '\t', (size_t)(rec_end - p))))
			break;
		memset(&ce, 0, sizeof(ce));
		if (!cache_parse(&ce, p, tab))
			break;
		ce.path = (char *)tab + 1;
		if (cache_push(c, &ce) < 0)
			break;
		p = rec_end + 1;
	}
	if (c->n)
		qsort(c->e, c->n, sizeof(*c->e), entry_cmp);
done:
	ais_buf_dispose(&data);
	ais_error_clear();
}

static cache_entry *cache_find(stat_cache *c, const char *path)
{
	cache_entry key;

	key.path = (char *)path;
	return c->n ? bsearch(&key, c->e, c->n, sizeof(*c->e), entry_cmp) : NULL;
}

/* Write the cache atomically: temp file, then rename. */
static void cache_save(stat_cache *c, stat_cache *fresh)
{
	ais_buf data = AIS_BUF_INIT, tmp = AIS_BUF_INIT;
	size_t i;
	int fd;

	if (!c->file || !fresh->dirty)
		return;
	ais_buf_puts(&data, INPUTS_CACHE_MAGIC);
	for (i = 0; i < fresh->n; i++) {
		const cache_entry *e = &fresh->e[i];

		ais_buf_printf(&data, "%llu %llu %llu %lld %s\t%s", e->dev, e->ino,
			       e->size, e->mtime_ns, e->digest, e->path);
		ais_buf_putc(&data, '\0');
	}
	ais_buf_printf(&tmp, "%s.%ld.tmp", c->file, (long)getpid());
	fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		bool ok = write(fd, data.ptr, data.size) == (ssize_t)data.size;

		ok = close(fd) == 0 && ok;
		if (!ok || rename(tmp.ptr, c->file) < 0)
			unlink(tmp.ptr);
	}
	ais_buf_dispose(&data);
	ais_buf_dispose(&tmp);
}

static int hash_file(char out[AIS_SHA256_HEX_LEN + 1], const char *path,
		     unsigned char *chunk)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	EVP_MD_CTX *ctx;
	ssize_t n;
	int fd, error = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ais_error_set_os(AIS_ERROR, errno, "cannot read '%s'", path);
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		error = ais_error_set(AIS_ERROR, AIS_ERROR_OS, "sha256 failed");
		goto done;
	}
	while ((n = read(fd, chunk, INPUTS_READ_CHUNK)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			error = ais_error_set_os(AIS_ERROR, errno, "cannot read '%s'", path);
			goto done;
		}
		EVP_DigestUpdate(ctx, chunk, (size_t)n);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[2 * mdlen] = '\0';
done:
	EVP_MD_CTX_free(ctx);
	close(fd);
	return error;
}

/* The walk roots for the sources: the literal part before any wildcard. */
static int source_prefixes(char ***out, const ais_dockerfile_inputs *df)
{
	char **p = calloc(df->count + 2, sizeof(*p));
	size_t i, n = 0;

	AIS_CHECK_ALLOC(p);
	if (df->whole_context)
		p[n++] = strdup("");
	for (i = 0; i < df->count && !df->whole_context; i++) {
		const char *s = df->sources[i];
		size_t lit, cut;
		char *q;

		while (*s == '/' || (s[0] == '.' && s[1] == '/'))
			s += *s == '/' ? 1 : 2;
		lit = strcspn(s, "*?[\\");
		cut = lit;
		if (s[lit])
			while (cut && s[cut - 1] != '/')
				cut--;
		q = strndup(s, cut);
		if (!q)
			break;
		while (strlen(q) && q[strlen(q) - 1] == '/')
			q[strlen(q) - 1] = '\0';
		if (!strcmp(q, ".") || strstr(q, ".."))
			q[0] = '\0'; /* the whole context; ".." is cleaned by the engine */
		p[n++] = q;
	}
	*out = p;
	return 0;
}

/* A matcher that "excludes" exactly what the sources select: a source
 * selects what it names and, for a directory, everything below it -- the
 * .dockerignore rules without exceptions. */
static int source_matcher(ais_dockerignore **out, const ais_dockerfile_inputs *df)
{
	ais_buf text = AIS_BUF_INIT;
	size_t i;
	int error;

	for (i = 0; i < df->count; i++) {
		const char *s = df->sources[i];

		if (*s == '!' || *s == '#')
			ais_buf_putc(&text, '\\');
		ais_buf_puts(&text, s);
		ais_buf_putc(&text, '\n');
	}
	error = ais_dockerignore_parse(out, ais_buf_cstr(&text), text.size);
	ais_buf_dispose(&text);
	return error;
}

static bool selects_all(const ais_dockerfile_inputs *df)
{
	size_t i;

	if (df->whole_context)
		return true;
	for (i = 0; i < df->count; i++) {
		const char *s = df->sources[i];

		while (*s == '/' || (s[0] == '.' && s[1] == '/'))
			s += *s == '/' ? 1 : 2;
		if (!*s || !strcmp(s, ".") || !strcmp(s, "./"))
			return true;
	}
	return false;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int ais_inputs_compute(ais_inputs *out, const char *root,
		       const char *dockerfile, const char *cache_dir)
{
	ais_dockerfile_inputs df = AIS_DOCKERFILE_INPUTS_INIT;
	ais_dockerignore *select = NULL;
	ais_context *ctx = NULL;
	stat_cache old = { 0 }, fresh = { 0 };
	ais_buf path = AIS_BUF_INIT, text = AIS_BUF_INIT;
	unsigned char *chunk = NULL;
	char **prefixes = NULL, digest[AIS_SHA256_HEX_LEN + 1];
	bool all;
	long long now = now_ns();
	size_t i;
	int error = 0;

	ais_inputs_dispose(out);
	/* The Dockerfile, to find what it reads. */
	if ((error = ais_buf_printf(&path, "%s/%s", root, dockerfile)) < 0)
		goto done;
	if ((error = ais_buf_read_file(&text, path.ptr)) < 0)
		goto done;
	if ((error = ais_dockerfile_parse_inputs(&df, ais_buf_cstr(&text), text.size)) < 0 ||
	    (error = source_prefixes(&prefixes, &df)) < 0 ||
	    (!(all = selects_all(&df)) && (error = source_matcher(&select, &df)) < 0))
		goto done;
	if (df.count == 0 && !df.whole_context) {
		/* Nothing read from the context. */
		error = ais_hash_h12(out->hash, "", 0);
		goto done;
	}
	if ((error = ais_context_open_under(&ctx, root, dockerfile, 0,
					    (const char *const *)prefixes)) < 0)
		goto done;
	if (cache_dir) {
		char h[AIS_H12_LEN + 1];

		ais_hash_h12(h, root, strlen(root));
		ais_buf_clear(&path);
		ais_buf_printf(&path, "%s/inputs-%s", cache_dir, h);
		old.file = strdup(path.ptr);
		cache_load(&old);
	}
	chunk = malloc(INPUTS_READ_CHUNK);
	AIS_CHECK_ALLOC(chunk);
	for (i = 0; i < ais_context_entry_count(ctx); i++) {
		const char *rel = ais_context_entry(ctx, i);
		struct stat st = *ais_context_entry_stat(ctx, i);

		if (!all && !ais_dockerignore_excluded(select, rel))
			continue;
		if (!strcmp(rel, dockerfile))
			continue; /* its text is hashed on its own */
		ais_buf_clear(&path);
		ais_buf_puts(&path, root);
		ais_buf_putc(&path, '/');
		ais_buf_puts(&path, rel);
		if (S_ISREG(st.st_mode)) {
			long long mtime = (long long)st.st_mtim.tv_sec * 1000000000LL +
					  st.st_mtim.tv_nsec;
			cache_entry *ce = cache_find(&old, rel);
			cache_entry nce;

			if (ce && ce->dev == (unsigned long long)st.st_dev &&
			    ce->ino == (unsigned long long)st.st_ino &&
			    ce->size == (unsigned long long)st.st_size &&
			    ce->mtime_ns == mtime) {
				memcpy(digest, ce->digest, sizeof(digest));
			} else {
				if ((error = hash_file(digest, path.ptr, chunk)) < 0)
					goto done;
				out->hashed++;
				fresh.dirty = true;
			}
			if (now - mtime > INPUTS_RACY_NS) {
				memset(&nce, 0, sizeof(nce));
				nce.dev = (unsigned long long)st.st_dev;
				nce.ino = (unsigned long long)st.st_ino;
				nce.size = (unsigned long long)st.st_size;
				nce.mtime_ns = mtime;
				memcpy(nce.digest, digest, sizeof(digest));
				nce.path = (char *)rel;
				if ((error = cache_push(&fresh, &nce)) < 0)
					goto done;
			} else {
				fresh.dirty = true;
			}
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlink(path.ptr, target, sizeof(target) - 1);

			if (n < 0) {
				error = ais_error_set_os(AIS_ERROR, errno,
							 "cannot read link '%s'", path.ptr);
				goto done;
			}
			ais_hash_sha256_hex(digest, target, (size_t)n);
		} else {
			snprintf(digest, sizeof(digest), "-");
		}
		ais_buf_printf(&out->manifest, "%s %o\t%s", digest,
			       (unsigned)st.st_mode, rel);
		ais_buf_putc(&out->manifest, '\0');
		out->entries++;
	}
	if (old.n != fresh.n)
		fresh.dirty = true;
	error = ais_hash_h12(out->hash, ais_buf_cstr(&out->manifest),
			     out->manifest.size);
	if (error == 0 && cache_dir && ais_mkdirs(cache_dir, 0700) == 0)
		cache_save(&old, &fresh);
	ais_error_clear();
done:
	ais_dockerfile_inputs_dispose(&df);
	ais_dockerignore_free(select);
	ais_context_free(ctx);
	cache_dispose(&old);
	cache_dispose(&fresh);
	if (prefixes) {
		for (i = 0; prefixes[i]; i++)
			free(prefixes[i]);
		free(prefixes);
	}
	free(chunk);
	ais_buf_dispose(&path);
	ais_buf_dispose(&text);
	return error;
}

void ais_inputs_dispose(ais_inputs *in)
{
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

	if (l->count < l->max)
		ais_buf_printf(l->out, "%s%s", l->count ? ", " : "", path);
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
