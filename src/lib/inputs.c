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
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define INPUTS_CACHE_MAGIC "aishell-inputs-cache 3\n"
#define INPUTS_CACHE_TRAILER "sha256 "

/*
 * The stat cache file: the magic line, then one record per regular file
 * in walk order (ais_context_path_cmp), then "sha256 <digest of all
 * before>\n".  A record is the file's device, inode, size, mtime and ctime
 * (nanoseconds), 8 bytes each in the machine's byte order (the cache never
 * leaves the machine), its SHA-256 (32 bytes), the length of its path with
 * the NUL (4 bytes), and the path with its NUL.  A cache that does not
 * check out, or holds one record that does not parse, is dropped whole,
 * never trusted; so is one of another format (an older aishell's).
 *
 * The file is mapped, not read: page-cache pages cost far less to map than
 * fresh memory does to fill.  It is only ever replaced (written beside and
 * renamed), never truncated in place.
 */
#define REC_MD 40                         /* offset of the digest */
#define REC_LEN (REC_MD + AIS_SHA256_LEN)   /* offset of the path's length */
#define REC_HEAD (REC_LEN + 4)            /* offset of the path */

typedef struct {
	char *map;          /* the file, mapped (NULL: no usable cache) */
	size_t size;
	const char *next;   /* the next record a lookup looks at */
	const char *end;    /* the end of the records */
	size_t n;           /* records */
	size_t hits;
	long long stamp_ns; /* mtime of the cache file when it was read */
	char *file;
} stat_cache;

static unsigned long long rec_u64(const char *rec, size_t field)
{
	unsigned long long v;

	memcpy(&v, rec + 8 * field, sizeof(v));
	return v;
}

static size_t rec_path_len(const char *rec)
{
	uint32_t n;

	memcpy(&n, rec + REC_LEN, sizeof(n));
	return n;
}

static void cache_dispose(stat_cache *c)
{
	if (c->map)
		munmap(c->map, c->size);
	free(c->file);
	memset(c, 0, sizeof(*c));
}

/* Does every record parse?  Counts them in c->n. */
static bool cache_parse(stat_cache *c)
{
	const char *p = c->next;

	for (c->n = 0; p < c->end; c->n++) {
		size_t left = (size_t)(c->end - p), len;

		if (left < REC_HEAD)
			return false;
		len = rec_path_len(p);
		if (!len || len > left - REC_HEAD || p[REC_HEAD + len - 1] ||
		    memchr(p + REC_HEAD, '\0', len - 1))
			return false;
		p += REC_HEAD + len;
	}
	return true;
}

static void cache_load(stat_cache *c)
{
	char sum[AIS_SHA256_HEX_LEN + 1];
	size_t magic = strlen(INPUTS_CACHE_MAGIC);
	size_t tlen = strlen(INPUTS_CACHE_TRAILER);
	size_t trailer = tlen + AIS_SHA256_HEX_LEN + 1;
	const char *end;
	struct stat st;
	void *map;
	int fd;

	if ((fd = ais_fs_open_regular(c->file, AIS_FS_NOFOLLOW, &st)) < 0)
		goto done;
	c->stamp_ns = ais_fs_time_ns(&st.st_mtim);
	if (st.st_size < (off_t)(magic + trailer) || (unsigned long long)st.st_size > SIZE_MAX) {
		close(fd);
		goto done;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		goto done;
	c->map = map;
	c->size = (size_t)st.st_size;
	end = c->map + c->size - trailer;
	if (memcmp(c->map, INPUTS_CACHE_MAGIC, magic) ||
	    ais_hash_sha256_hex(sum, c->map, c->size - trailer) < 0 ||
	    memcmp(end, INPUTS_CACHE_TRAILER, tlen) ||
	    memcmp(end + tlen, sum, AIS_SHA256_HEX_LEN) || end[trailer - 1] != '\n')
		goto drop;
	c->next = c->map + magic;
	c->end = end;
	if (cache_parse(c))
		goto done;
drop:
	munmap(c->map, c->size);
	c->map = NULL;
	c->next = c->end = NULL;
	c->n = 0;
done:
	ais_error_clear();
}

/*
 * The record of `path`, or NULL.  Lookups come in walk order, the order
 * the records were written in, so the whole walk is one pass over the
 * file.  (Records out of that order could only be missed: read again.)
 */
static const char *cache_find(stat_cache *c, const char *path)
{
	while (c->next && c->next < c->end) {
		const char *rec = c->next;
		int cmp = strcmp(rec + REC_HEAD, path);

		if (cmp && ais_context_path_cmp(rec + REC_HEAD, path) > 0)
			return NULL;
		c->next = rec + REC_HEAD + rec_path_len(rec);
		if (!cmp) {
			c->hits++;
			return rec;
		}
	}
	return NULL;
}

static int rec_put_u64(ais_buf *out, unsigned long long v)
{
	return ais_buf_put(out, &v, sizeof(v));
}

/* Record the digest of every regular file `in` read.  Best effort: a
 * cache that cannot be written only costs reading. */
static void cache_save(const char *dir, const char *file, const ais_inputs *in)
{
	ais_buf data = AIS_BUF_INIT;
	char sum[AIS_SHA256_HEX_LEN + 1];
	size_t i, n = ais_context_entry_count(in->context);
	int error;

	if ((error = ais_fs_private_dir(dir)) < 0 ||
	    (error = ais_buf_puts(&data, INPUTS_CACHE_MAGIC)) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		const ais_context_stat *st = ais_context_entry_stat(in->context, i);
		const unsigned char *md = ais_context_expected_md(in->context, i);
		const char *rel = ais_context_entry(in->context, i);
		uint32_t len = (uint32_t)strlen(rel) + 1;

		if (!S_ISREG(st->mode) || !md || !ais_context_entry_is_input(in->context, i))
			continue;
		if ((error = rec_put_u64(&data, st->dev)) < 0 ||
		    (error = rec_put_u64(&data, st->ino)) < 0 ||
		    (error = rec_put_u64(&data, (unsigned long long)st->size)) < 0 ||
		    (error = rec_put_u64(&data, (unsigned long long)st->mtime_ns)) < 0 ||
		    (error = rec_put_u64(&data, (unsigned long long)st->ctime_ns)) < 0 ||
		    (error = ais_buf_put(&data, md, AIS_SHA256_LEN)) < 0 ||
		    (error = ais_buf_put(&data, &len, sizeof(len))) < 0 ||
		    (error = ais_buf_put(&data, rel, len)) < 0)
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
 * The digest of regular file entry `i`, into `hex` and expected of the
 * upload: from the cache when its stat still matches, else read (and
 * counted in out->hashed).  As with git's index, an entry changed in the
 * same timestamp tick as the cache was written or later ("racy") may have
 * changed again unseen: it is read, never trusted.
 */
static int entry_digest(char hex[AIS_SHA256_HEX_LEN + 1], ais_inputs *out,
			stat_cache *old, size_t i)
{
	const ais_context_stat *st = ais_context_entry_stat(out->context, i);
	const char *rec = cache_find(old, ais_context_entry(out->context, i));
	int fd, error;

	if (rec && rec_u64(rec, 0) == st->dev && rec_u64(rec, 1) == st->ino &&
	    rec_u64(rec, 2) == (unsigned long long)st->size &&
	    rec_u64(rec, 3) == (unsigned long long)st->mtime_ns &&
	    rec_u64(rec, 4) == (unsigned long long)st->ctime_ns &&
	    (st->mtime_ns > st->ctime_ns ? st->mtime_ns : st->ctime_ns) < old->stamp_ns) {
		const unsigned char *md = (const unsigned char *)rec + REC_MD;

		ais_hex_encode(hex, md, AIS_SHA256_LEN);
		ais_context_expect_md(out->context, i, md);
		return 0;
	}
	if ((fd = ais_context_open_entry(out->context, i)) < 0)
		return fd;
	error = ais_hash_fd(hex, fd);
	close(fd);
	if (error < 0)
		return error;
	ais_context_expect(out->context, i, hex);
	out->hashed++;
	return 0;
}

/* Append the record "<digest> <mode>\t<path>\0". */
static int manifest_add(ais_buf *m, const char *digest, unsigned mode,
			const char *rel)
{
	size_t dlen = strlen(digest), rlen = strlen(rel), k;
	char oct[12], *p;
	int error;

	k = sizeof(oct);
	do {
		oct[--k] = (char)('0' + (mode & 7));
		mode >>= 3;
	} while (mode);
	if ((error = ais_buf_grow(m, dlen + 1 + (sizeof(oct) - k) + 1 + rlen + 1)) < 0)
		return error;
	p = m->ptr + m->size;
	memcpy(p, digest, dlen);
	p += dlen;
	*p++ = ' ';
	memcpy(p, oct + k, sizeof(oct) - k);
	p += sizeof(oct) - k;
	*p++ = '\t';
	memcpy(p, rel, rlen + 1);
	p += rlen + 1;
	m->size = (size_t)(p - m->ptr);
	*p = '\0';
	return 0;
}

/*
 * Call `put` with each record of the manifest, in walk order: made from the
 * walk and the digests expected of its entries, so that the manifest need
 * not be held (a large context makes a large one) until it is asked for.
 */
static int manifest_each(const ais_inputs *in,
			 int (*put)(void *p, const char *rec, size_t len), void *p)
{
	ais_buf rec = AIS_BUF_INIT;
	char digest[AIS_SHA256_HEX_LEN + 1];
	size_t i, n = in->context ? ais_context_entry_count(in->context) : 0;
	int error = 0;

	for (i = 0; i < n && error == 0; i++) {
		const unsigned char *md = ais_context_expected_md(in->context, i);
		const ais_context_stat *st = ais_context_entry_stat(in->context, i);

		if (!ais_context_entry_is_input(in->context, i))
			continue;
		if (md && (S_ISREG(st->mode) || S_ISLNK(st->mode)))
			ais_hex_encode(digest, md, AIS_SHA256_LEN);
		else
			snprintf(digest, sizeof(digest), "-");
		ais_buf_clear(&rec);
		if ((error = manifest_add(&rec, digest, st->mode,
					  ais_context_entry(in->context, i))) == 0)
			error = put(p, rec.ptr, rec.size);
	}
	ais_buf_dispose(&rec);
	return error;
}

static int manifest_put_md(void *p, const char *rec, size_t len)
{
	return ais_sha256_update(p, rec, len);
}

/* in->hash: the H12 of the manifest, hashed as it is made. */
static int manifest_hash(ais_inputs *in)
{
	unsigned char md[AIS_SHA256_LEN];
	char hex[AIS_SHA256_HEX_LEN + 1];
	ais_sha256 *h = NULL;
	int error;

	if ((error = ais_sha256_new(&h)) == 0 &&
	    (error = ais_sha256_init(h)) == 0 &&
	    (error = manifest_each(in, manifest_put_md, h)) == 0 &&
	    (error = ais_sha256_final(md, h)) == 0) {
		ais_hex_encode(hex, md, AIS_SHA256_LEN);
		memcpy(in->hash, hex, AIS_H12_LEN);
		in->hash[AIS_H12_LEN] = '\0';
	}
	ais_sha256_free(h);
	return error;
}

int ais_inputs_compute(ais_inputs *out, const char *root,
		       const char *dockerfile, const char *cache_dir)
{
	ais_dockerfile_inputs df = AIS_DOCKERFILE_INPUTS_INIT;
	stat_cache old = { 0 };
	ais_buf path = AIS_BUF_INIT, text = AIS_BUF_INIT, link = AIS_BUF_INIT;
	char digest[AIS_SHA256_HEX_LEN + 1], text_digest[AIS_SHA256_HEX_LEN + 1];
	size_t i, files = 0;
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
			error = error < 0 ? error : ais_error_set(AIS_ENOMEM,
								  "out of memory");
			goto done;
		}
		cache_load(&old);
	}
	for (i = 0; i < ais_context_entry_count(out->context); i++) {
		const char *rel = ais_context_entry(out->context, i);
		const ais_context_stat *st = ais_context_entry_stat(out->context, i);

		if (!strcmp(rel, dockerfile)) {
			/* Sent as it was read: its text is hashed on its own. */
			ais_context_expect(out->context, i, text_digest);
			continue;
		}
		if (!ais_context_entry_is_input(out->context, i))
			continue;
		if (S_ISREG(st->mode)) {
			if ((error = entry_digest(digest, out, &old, i)) < 0)
				goto done;
			files++;
		} else if (S_ISLNK(st->mode)) {
			if ((error = ais_context_readlink(&link, out->context, i)) < 0 ||
			    (error = ais_hash_sha256_hex(digest, ais_buf_cstr(&link),
							 link.size)) < 0)
				goto done;
			ais_context_expect(out->context, i, digest);
		}
		out->entries++;
	}
	if ((error = manifest_hash(out)) < 0)
		goto done;
	/* Written again only when it would not answer the same next time. */
	if (cache_dir && (out->hashed || old.hits != old.n || old.hits != files))
		cache_save(cache_dir, old.file, out);
done:
	ais_dockerfile_inputs_dispose(&df);
	cache_dispose(&old);
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
	memset(in, 0, sizeof(*in));
}

static int manifest_put_buf(void *p, const char *rec, size_t len)
{
	return ais_buf_put(p, rec, len);
}

int ais_inputs_manifest(ais_buf *out, const ais_inputs *in)
{
	ais_buf_clear(out);
	return manifest_each(in, manifest_put_buf, out);
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
