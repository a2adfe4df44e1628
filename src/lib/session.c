/*
 * session.c - a BuildKit session serving a build context (see session.h).
 *
 * The engine is the HTTP/2 client on the upgraded connection and we are
 * the server: nghttp2 in server mode, fed from the connection on the
 * session's thread.  Three kinds of call come in:
 *  - grpc.health.v1.Health/Check, every few seconds: answered SERVING;
 *  - moby.filesync.v1.FileSync/DiffCopy: a bidirectional stream of fsutil
 *    packets, one call per directory transferred;
 *  - anything else: gRPC status 12 (unimplemented), which the engine
 *    reads as "this session does not offer it".
 *
 * A DiffCopy response is produced as nghttp2 asks for data: first the
 * STAT packets of every entry offered and an empty STAT, then the files
 * the engine asked for (REQ, by index in the STAT sequence), each as DATA
 * packets and an empty DATA, and FIN once the engine said FIN; then the
 * gRPC trailers.  While nothing is asked for the stream is deferred, and
 * resumed when a packet arrives.
 */
#include "session.h"

#include "buf.h"
#include "dockerignore.h"
#include "error.h"
#include "fsutil.h"
#include "hash.h"
#include "lazy.h"
#include "path.h"

#include "filesync.pb-c.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define SESSION_CHUNK (32 * 1024)        /* file bytes per DATA packet */
#define SESSION_STATS_BATCH (64 * 1024)  /* STAT bytes produced at a time */
#define SESSION_MAX_MESSAGE (4 * 1024 * 1024)

#define PATH_HEALTH "/grpc.health.v1.Health/Check"
#define PATH_DIFFCOPY "/moby.filesync.v1.FileSync/DiffCopy"

/* Go's os.FileMode bits */
#define GO_MODE_DIR (1u << 31)
#define GO_MODE_SYMLINK (1u << 27)
#define GO_MODE_DEVICE (1u << 26)
#define GO_MODE_NAMED_PIPE (1u << 25)
#define GO_MODE_SETUID (1u << 23)
#define GO_MODE_SETGID (1u << 22)
#define GO_MODE_CHAR_DEVICE (1u << 21)
#define GO_MODE_STICKY (1u << 20)

/* One entry offered: its path as sent, its stat, its context entry. */
typedef struct {
	size_t path;            /* offset in the listing's path buffer */
	ais_context_stat st;
	size_t entry;           /* index in the context, or NO_ENTRY */
} fs_item;

#define NO_ENTRY ((size_t)-1)

typedef struct {
	fs_item *items;
	size_t count, alloc;
	ais_buf paths;
	size_t *link;           /* per item: the same file offered before, or AIS_FS_NO_LINK */
} fs_list;

typedef enum { CALL_UNKNOWN, CALL_HEALTH, CALL_DIFFCOPY } call_kind;

/* The engine's patterns: each header may come many times. */
typedef struct {
	ais_buf values;        /* NUL-terminated values, one after the other */
	size_t count;
	bool encoded;          /* "<name>-encoded: true": URL-encoded values */
} header_list;

enum { H_DIR, H_INCLUDE, H_EXCLUDE, H_FOLLOW, H_COUNT };
static const char *const header_names[H_COUNT] = {
	"dir-name", "include-patterns", "exclude-patterns", "followpaths"
};

typedef struct call {
	int32_t id;
	call_kind kind;
	header_list h[H_COUNT];
	ais_buf in;             /* gRPC bytes received, not yet decoded */
	ais_buf out;            /* gRPC bytes to send */
	size_t out_off;
	bool responded;
	bool request_ended;

	/* DiffCopy */
	fs_list list;
	size_t next_stat;
	bool stats_done;
	uint32_t *reqs;         /* requested ids, in order */
	size_t nreq, reqalloc, reqhead;
	unsigned char *requested; /* per item: asked for once already */
	int fd;                 /* the file being sent, or -1 */
	uint32_t fd_id;
	long long fd_left;      /* bytes the stat promised still to send */
	ais_sha256 *md;
	bool fin_received, fin_sent, failed;
	struct call *next;
} call;

struct ais_session {
	char id[33];
	char shared_key[AIS_SHA256_HEX_LEN + 1];
	char *dockerfile_name;
	ais_context *ctx;
	ais_docker_conn *conn;
	nghttp2_session *h2;
	call *calls;
	pthread_t thread;
	bool running;
	int wake[2];
	bool blocked;           /* the last write would have blocked */
	char *chunk;

	/* results, read after the thread ended */
	ais_buf error;          /* our own failure, "" if none */
	bool mismatch;
	ais_session_counts counts;
};

/* ---- modes and listing ------------------------------------------------ */

unsigned ais_session_go_mode(unsigned st_mode)
{
	unsigned m = st_mode & 0777;

	switch (st_mode & S_IFMT) {
	case S_IFDIR:
		m |= GO_MODE_DIR;
		break;
	case S_IFLNK:
		m |= GO_MODE_SYMLINK;
		break;
	case S_IFIFO:
		m |= GO_MODE_NAMED_PIPE;
		break;
	case S_IFBLK:
		m |= GO_MODE_DEVICE;
		break;
	case S_IFCHR:
		m |= GO_MODE_DEVICE | GO_MODE_CHAR_DEVICE;
		break;
	}
	if (st_mode & S_ISUID)
		m |= GO_MODE_SETUID;
	if (st_mode & S_ISGID)
		m |= GO_MODE_SETGID;
	if (st_mode & S_ISVTX)
		m |= GO_MODE_STICKY;
	return m;
}

static void list_dispose(fs_list *l)
{
	free(l->items);
	free(l->link);
	ais_buf_dispose(&l->paths);
	memset(l, 0, sizeof(*l));
}

static const char *item_path(const fs_list *l, const fs_item *it)
{
	return l->paths.ptr + it->path;
}

static int list_add(fs_list *l, const char *path, size_t len,
		    const ais_context_stat *st, size_t entry)
{
	fs_item *items;
	size_t off = l->paths.size;
	int error;

	if (!(items = ais_array_grow(l->items, &l->alloc, l->count, sizeof(*items), 64)))
		return AIS_ENOMEM;
	l->items = items;
	if ((error = ais_buf_put(&l->paths, path, len)) < 0 ||
	    (error = ais_buf_putc(&l->paths, '\0')) < 0)
		return error;
	items[l->count].path = off;
	items[l->count].st = *st;
	items[l->count].entry = entry;
	l->count++;
	return 0;
}

/* A matcher for a pattern list, NULL for none; patterns use .dockerignore's
 * syntax (fsutil's patternmatcher is the same as the docker CLI's). */
static int patterns_parse(ais_dockerignore **out, const char *const *list)
{
	ais_buf text = AIS_BUF_INIT;
	int error = 0;

	*out = NULL;
	if (!list || !list[0])
		return 0;
	for (; *list && error == 0; list++)
		error = ais_buf_printf(&text, "%s\n", *list);
	if (error == 0)
		error = ais_dockerignore_parse(out, ais_buf_cstr(&text), text.size);
	ais_buf_dispose(&text);
	return error;
}

/* Is `rel` below directory item `dir`? */
static bool item_holds(const fs_list *l, size_t dir, const char *rel)
{
	const char *path = item_path(l, &l->items[dir]);
	size_t len = strlen(path);

	return !strncmp(rel, path, len) && rel[len] == '/';
}

/* Remember directory item `index` as open: what follows may be in it. */
static int open_push(size_t **open, size_t *nopen, size_t *openalloc,
		     size_t index)
{
	size_t *grown = ais_array_grow(*open, openalloc, *nopen, sizeof(**open), 16);

	if (!grown)
		return AIS_ENOMEM;
	*open = grown;
	(*open)[(*nopen)++] = index;
	return 0;
}

/* Offer the directories above `rel` that are not offered yet.  `open`
 * holds the indices of the directory items that lead to the last item,
 * outermost first. */
static int list_parents(fs_list *l, size_t **open, size_t *nopen,
			size_t *openalloc, const ais_context *ctx, const char *rel)
{
	const char *slash;
	int error;

	while (*nopen && !item_holds(l, (*open)[*nopen - 1], rel))
		(*nopen)--;
	for (slash = strchr(rel, '/'); slash; slash = strchr(slash + 1, '/')) {
		size_t len = (size_t)(slash - rel), index;
		ais_context_stat st;
		ais_buf dir = AIS_BUF_INIT;

		if (*nopen && strlen(item_path(l, &l->items[(*open)[*nopen - 1]])) >= len)
			continue;
		if ((error = ais_buf_put(&dir, rel, len)) < 0)
			return error;
		if (ais_context_find(ctx, dir.ptr, &index)) {
			st = *ais_context_entry_stat(ctx, index);
		} else if ((error = ais_context_lstat(ctx, dir.ptr, &st)) < 0) {
			ais_buf_dispose(&dir);
			return error;
		} else {
			index = NO_ENTRY;
		}
		if (!S_ISDIR(st.mode)) {
			ais_buf_dispose(&dir);
			return ais_error_set(AIS_ERROR,
					     "'%s/%s' changed while the build context was read",
					     ais_context_root(ctx), rel);
		}
		error = list_add(l, dir.ptr, len, &st, index);
		ais_buf_dispose(&dir);
		if (error < 0 ||
		    (error = open_push(open, nopen, openalloc, l->count - 1)) < 0)
			return error;
	}
	return 0;
}

typedef struct {
	ais_buf *out;
	size_t *count;
} follow_list;

static int follow_link(void *p, const char *rel, const ais_context_stat *st)
{
	follow_list *f = p;
	int error;

	(void)st;
	if ((error = ais_buf_put(f->out, rel, strlen(rel) + 1)) == 0)
		(*f->count)++;
	return error;
}

static int follow_resolve(ais_buf *out, size_t *count, const ais_context *ctx,
			  const char *path, int depth);

/* Followpath `path` has a wildcard in component `wild` (an offset): follow
 * the links of the context that it matches there, each with the rest of
 * the path after it. */
static int follow_matches(ais_buf *out, size_t *count, const ais_context *ctx,
			  const char *path, size_t wild, int depth)
{
	ais_buf next = AIS_BUF_INIT;
	ais_dockerignore *m = NULL;
	size_t len = strcspn(path + wild, "/"), i;
	const char *rest = path[wild + len] ? path + wild + len : "";
	int error;

	if ((error = ais_dockerignore_parse_path(&m, path, wild + len)) < 0)
		goto done;
	for (i = 0; i < ais_context_entry_count(ctx) && error == 0; i++) {
		const char *rel = ais_context_entry(ctx, i);
		const char *slash = strrchr(rel, '/');
		size_t dirlen = slash ? (size_t)(slash - rel) + 1 : 0;

		/* a link in the same directory as the wildcard */
		if (!S_ISLNK(ais_context_entry_stat(ctx, i)->mode) || dirlen != wild ||
		    strncmp(rel, path, wild) != 0 || !ais_dockerignore_excluded(m, rel))
			continue;
		ais_buf_clear(&next);
		if ((error = ais_buf_puts(&next, rel)) == 0 &&
		    (error = ais_buf_puts(&next, rest)) == 0)
			error = follow_resolve(out, count, ctx, next.ptr, depth + 1);
	}
done:
	ais_dockerignore_free(m);
	ais_buf_dispose(&next);
	return error;
}

/* Add to `out` (NUL-separated, `count` of them) the include patterns
 * followpath `path` stands for, as fsutil resolves it: every link met on
 * the way (itself), then the path it leads to, a link's target taken from
 * the context directory; where a component has a wildcard, the path as it
 * is, and what each link it matches there leads to. */
static int follow_resolve(ais_buf *out, size_t *count, const ais_context *ctx,
			  const char *path, int depth)
{
	follow_list f = { out, count };
	ais_buf resolved = AIS_BUF_INIT;
	const char *p;
	int error = ais_context_resolve(&resolved, ctx, path, AIS_CONTEXT_RESOLVE_PATTERN,
					follow_link, &f);

	if (error == 0 && resolved.size &&
	    (error = ais_buf_put(out, resolved.ptr, resolved.size + 1)) == 0)
		(*count)++;
	/* the first component with a wildcard, if any */
	for (p = ais_buf_cstr(&resolved); error == 0 && *p; p += strcspn(p, "/"), p += *p == '/') {
		if (ais_path_component_wild(p, strcspn(p, "/"))) {
			if (depth < 40)
				error = follow_matches(out, count, ctx, resolved.ptr,
						       (size_t)(p - resolved.ptr), depth);
			break;
		}
	}
	ais_buf_dispose(&resolved);
	return error;
}

/* Files offered more than once, as hard links: each later name of one is
 * offered as a link to the first (its Linkname, no data), as fsutil does
 * in the docker CLI. */
static int list_links(fs_list *l)
{
	size_t n = l->count ? l->count : 1, k;
	ais_fs_id *ids = calloc(n, sizeof(*ids));
	int error;

	if (!ids || !(l->link = malloc(n * sizeof(*l->link)))) {
		free(ids);
		return ais_error_set(AIS_ENOMEM, "out of memory");
	}
	for (k = 0; k < l->count; k++) {
		if (l->items[k].entry != NO_ENTRY && S_ISREG(l->items[k].st.mode)) {
			ids[k].dev = l->items[k].st.dev;
			ids[k].ino = l->items[k].st.ino;
		}
	}
	error = ais_fs_links(l->link, ids, l->count);
	free(ids);
	return error;
}

/* The listing of directory `dir` under the engine's patterns. */
static int list_make(fs_list *l, ais_context *ctx, const char *dir,
		     const char *const *include, const char *const *exclude,
		     const char *const *follow)
{
	ais_dockerignore *inc = NULL, *exc = NULL;
	ais_buf resolved = AIS_BUF_INIT;
	const char **both = NULL;
	size_t *open = NULL, nopen = 0, openalloc = 0, i, n = 0, nres = 0, k;
	int error = 0;

	memset(l, 0, sizeof(*l));
	/* followpaths are include patterns too, with the links on their way
	 * resolved (as fsutil does) */
	for (k = 0; follow && follow[k] && error == 0; k++)
		error = follow_resolve(&resolved, &nres, ctx, follow[k], 0);
	for (k = 0; include && include[k]; k++)
		n++;
	if (error == 0 && n + nres) {
		const char *p = resolved.ptr;

		if (!(both = calloc(n + nres + 1, sizeof(*both)))) {
			error = ais_error_set(AIS_ENOMEM, "out of memory");
			goto done;
		}
		n = 0;
		for (k = 0; include && include[k]; k++)
			both[n++] = include[k];
		for (k = 0; k < nres; k++, p += strlen(p) + 1)
			both[n++] = p;
	}
	if (error < 0 || (error = patterns_parse(&inc, both)) < 0 ||
	    (error = patterns_parse(&exc, exclude)) < 0)
		goto done;

	if (!strcmp(dir, "dockerfile")) {
		const char *path = ais_context_dockerfile(ctx);
		const char *base = strrchr(path, '/');

		base = base ? base + 1 : path;
		if (!ais_context_find(ctx, path, &i)) {
			error = ais_error_set(AIS_ERROR, "the Dockerfile '%s' is not in the build context",
					      path);
			goto done;
		}
		if ((!inc || ais_dockerignore_excluded(inc, base)) &&
		    (!exc || !ais_dockerignore_excluded(exc, base)))
			error = list_add(l, base, strlen(base), ais_context_entry_stat(ctx, i), i);
		goto done;
	}
	if (strcmp(dir, "context") != 0) {
		error = ais_error_set(AIS_ENOTFOUND, "no directory '%s' in this session", dir);
		goto done;
	}
	for (i = 0; i < ais_context_entry_count(ctx); i++) {
		const char *rel = ais_context_entry(ctx, i);
		const ais_context_stat *st = ais_context_entry_stat(ctx, i);

		if (!ais_context_entry_selected(ctx, i) && strcmp(rel, ".dockerignore") != 0)
			continue;
		if (S_ISSOCK(st->mode))
			continue;
		if ((inc && !ais_dockerignore_excluded(inc, rel)) ||
		    (exc && ais_dockerignore_excluded(exc, rel)))
			continue;
		if ((error = list_parents(l, &open, &nopen, &openalloc, ctx, rel)) < 0 ||
		    (error = list_add(l, rel, strlen(rel), st, i)) < 0 ||
		    (S_ISDIR(st->mode) &&
		     (error = open_push(&open, &nopen, &openalloc, l->count - 1)) < 0))
			goto done;
	}
done:
	if (error == 0)
		error = list_links(l);
	free(open);
	free(both);
	ais_buf_dispose(&resolved);
	ais_dockerignore_free(inc);
	ais_dockerignore_free(exc);
	if (error < 0)
		list_dispose(l);
	return error;
}

int ais_session__list(ais_buf *out, size_t *count, ais_context *ctx,
		      const char *dir, const char *const *include,
		      const char *const *exclude, const char *const *follow)
{
	fs_list l;
	size_t i;
	int error;

	*count = 0;
	ais_buf_clear(out);
	if ((error = list_make(&l, ctx, dir, include, exclude, follow)) < 0)
		return error;
	for (i = 0; i < l.count && error == 0; i++)
		error = ais_buf_put(out, item_path(&l, &l.items[i]),
				    strlen(item_path(&l, &l.items[i])) + 1);
	*count = l.count;
	list_dispose(&l);
	return error;
}

/* ---- gRPC messages ------------------------------------------------------ */

/* Append one gRPC message (uncompressed) holding `msg` to `out`. */
static int grpc_put(ais_buf *out, const ProtobufCMessage *msg)
{
	size_t len = protobuf_c_message_get_packed_size(msg);
	unsigned char head[5];
	int error;

	head[0] = 0;
	head[1] = (unsigned char)(len >> 24);
	head[2] = (unsigned char)(len >> 16);
	head[3] = (unsigned char)(len >> 8);
	head[4] = (unsigned char)len;
	if ((error = ais_buf_put(out, head, sizeof(head))) < 0 ||
	    (error = ais_buf_grow(out, len + 1)) < 0)
		return error;
	protobuf_c_message_pack(msg, (uint8_t *)out->ptr + out->size);
	out->size += len;
	out->ptr[out->size] = '\0';
	return 0;
}

static int packet_put(ais_buf *out, Aishell__Filesync__Packet__PacketType type,
		      uint32_t id, const void *data, size_t len)
{
	Aishell__Filesync__Packet p = AISHELL__FILESYNC__PACKET__INIT;

	p.type = type;
	p.id = id;
	p.data.data = (uint8_t *)data;
	p.data.len = len;
	return grpc_put(out, &p.base);
}

/* ---- a DiffCopy call ---------------------------------------------------- */

static void session_fail(ais_session *s, const char *msg)
{
	if (!s->error.size)
		ais_buf_sets(&s->error, msg);
}

/* nghttp2 gave up with `rv`: the session's failure, unless it has one. */
static void session_broke(ais_session *s, int rv)
{
	if (!s->error.size)
		ais_buf_printf(&s->error, "the session with the engine broke: %s",
			       nghttp2_strerror(rv));
}

/* Our side of the transfer failed: tell the engine (an ERR packet) and
 * remember why. */
static void call_fail(ais_session *s, call *c, const char *msg)
{
	session_fail(s, msg);
	c->failed = true;
	ais_buf_clear(&c->out);
	c->out_off = 0;
	packet_put(&c->out, AISHELL__FILESYNC__PACKET__PACKET_TYPE__PACKET_ERR, 0,
		   msg, strlen(msg));
	c->fin_sent = true;
}

static int call_put_stat(ais_session *s, call *c, size_t k)
{
	Aishell__Filesync__Packet p = AISHELL__FILESYNC__PACKET__INIT;
	Aishell__Filesync__Stat st = AISHELL__FILESYNC__STAT__INIT;
	const fs_item *it = &c->list.items[k];
	ais_buf link = AIS_BUF_INIT;
	int error;

	st.path = (char *)item_path(&c->list, it);
	st.mode = ais_session_go_mode(it->st.mode);
	st.modtime = it->st.mtime_ns;
	if (!S_ISDIR(it->st.mode))
		st.size = it->st.size;
	if (c->list.link[k] != AIS_FS_NO_LINK) {
		st.linkname = (char *)item_path(&c->list, &c->list.items[c->list.link[k]]);
		st.size = 0;
	}
	if (S_ISLNK(it->st.mode)) {
		const unsigned char *want = ais_context_expected_md(s->ctx, it->entry);

		if ((error = ais_context_readlink(&link, s->ctx, it->entry)) < 0)
			goto done;
		if (want) {
			unsigned char md[AIS_SHA256_LEN];

			if (ais_sha256_digest(md, link.ptr, link.size) < 0 ||
			    memcmp(md, want, sizeof(md)))
				s->mismatch = true;
		}
		st.linkname = (char *)ais_buf_cstr(&link);
	}
	p.type = AISHELL__FILESYNC__PACKET__PACKET_TYPE__PACKET_STAT;
	p.stat = &st;
	error = grpc_put(&c->out, &p.base);
done:
	ais_buf_dispose(&link);
	return error;
}

/* The file whose data goes next, opened; false when none is asked for. */
static int call_open_next(ais_session *s, call *c)
{
	const fs_item *it;
	int fd;

	if (c->reqhead == c->nreq)
		return 0;
	c->fd_id = c->reqs[c->reqhead++];
	it = &c->list.items[c->fd_id];
	if ((fd = ais_context_open_entry(s->ctx, it->entry)) < 0)
		return fd;
	c->fd = fd;
	c->fd_left = it->st.size;
	if (ais_context_expected_md(s->ctx, it->entry) && ais_sha256_init(c->md) < 0)
		s->mismatch = true;
	s->counts.files++;
	return 1;
}

/* Produce the next piece of the file being sent. */
static int call_put_data(ais_session *s, call *c)
{
	const fs_item *it = &c->list.items[c->fd_id];
	const unsigned char *want = ais_context_expected_md(s->ctx, it->entry);
	ssize_t n = ais_fs_read(c->fd, s->chunk, SESSION_CHUNK);

	if (n < 0)
		return (int)n;
	if (n > 0) {
		if (want && ais_sha256_update(c->md, s->chunk, (size_t)n) < 0)
			s->mismatch = true;
		c->fd_left -= n;
		s->counts.bytes += (unsigned long long)n;
		return packet_put(&c->out, AISHELL__FILESYNC__PACKET__PACKET_TYPE__PACKET_DATA,
				  c->fd_id, s->chunk, (size_t)n);
	}
	/* the end of the file: it must be what was hashed */
	if (want) {
		unsigned char md[AIS_SHA256_LEN];

		if (c->fd_left != 0 || ais_sha256_final(md, c->md) < 0 ||
		    memcmp(md, want, sizeof(md)))
			s->mismatch = true;
	}
	close(c->fd);
	c->fd = -1;
	return packet_put(&c->out, AISHELL__FILESYNC__PACKET__PACKET_TYPE__PACKET_DATA,
			  c->fd_id, NULL, 0);
}

/* Fill c->out with what comes next; 0 when nothing can be produced now. */
static int call_produce(ais_session *s, call *c)
{
	int error;

	if (c->stats_done && c->fd < 0 && (error = call_open_next(s, c)) < 0)
		return error;
	if (c->next_stat < c->list.count) {
		while (c->next_stat < c->list.count && c->out.size < SESSION_STATS_BATCH)
			if ((error = call_put_stat(s, c, c->next_stat++)) < 0)
				return error;
		return 0;
	}
	if (!c->stats_done) {
		c->stats_done = true;
		return packet_put(&c->out, AISHELL__FILESYNC__PACKET__PACKET_TYPE__PACKET_STAT,
				  0, NULL, 0);
	}
	if (c->fd >= 0)
		return call_put_data(s, c);
	if (c->fin_received && !c->fin_sent) {
		c->fin_sent = true;
		return packet_put(&c->out, AISHELL__FILESYNC__PACKET__PACKET_TYPE__PACKET_FIN,
				  0, NULL, 0);
	}
	return 0;
}

/* One packet from the engine. */
static int call_packet(call *c, const uint8_t *data, size_t len)
{
	Aishell__Filesync__Packet *p;
	uint32_t *grown;
	int error = 0;

	if (!(p = aishell__filesync__packet__unpack(NULL, len, data)))
		return ais_error_set(AIS_ERROR, "the engine sent a file-transfer packet that does not decode");
	switch (p->type) {
	case AISHELL__FILESYNC__PACKET__PACKET_TYPE__PACKET_REQ:
		if (p->id >= c->list.count || !S_ISREG(c->list.items[p->id].st.mode) ||
		    c->requested[p->id]) {
			error = ais_error_set(AIS_ERROR, "the engine asked for file %u, which is not offered",
					      p->id);
			break;
		}
		c->requested[p->id] = 1;
		if (!(grown = ais_array_grow(c->reqs, &c->reqalloc, c->nreq, sizeof(*grown), 64))) {
			error = AIS_ENOMEM;
			break;
		}
		c->reqs = grown;
		c->reqs[c->nreq++] = p->id;
		break;
	case AISHELL__FILESYNC__PACKET__PACKET_TYPE__PACKET_FIN:
		c->fin_received = true;
		break;
	case AISHELL__FILESYNC__PACKET__PACKET_TYPE__PACKET_ERR:
		/* the engine gave up (a cancelled or failed build): end the
		 * call; the build reports why */
		c->fin_received = c->fin_sent = true;
		break;
	default:
		break;
	}
	aishell__filesync__packet__free_unpacked(p, NULL);
	return error;
}

/* Decode the complete gRPC messages received on `c`. */
static int call_consume(call *c)
{
	size_t off = 0;
	int error = 0;

	while (c->in.size - off >= 5) {
		const unsigned char *h = (const unsigned char *)c->in.ptr + off;
		size_t len = (size_t)h[1] << 24 | (size_t)h[2] << 16 |
			     (size_t)h[3] << 8 | h[4];

		if (h[0] != 0 || len > SESSION_MAX_MESSAGE) {
			error = ais_error_set(AIS_ERROR, "the engine sent a compressed or oversized gRPC message");
			break;
		}
		if (c->in.size - off - 5 < len)
			break;
		if (c->kind == CALL_DIFFCOPY &&
		    (error = call_packet(c, h + 5, len)) < 0)
			break;
		off += 5 + len;
	}
	ais_buf_consume(&c->in, off);
	return error;
}

static void call_free(call *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < H_COUNT; i++)
		ais_buf_dispose(&c->h[i].values);
	ais_buf_dispose(&c->in);
	ais_buf_dispose(&c->out);
	list_dispose(&c->list);
	free(c->reqs);
	free(c->requested);
	if (c->fd >= 0)
		close(c->fd);
	ais_sha256_free(c->md);
	free(c);
}

/* ---- HTTP/2 ------------------------------------------------------------- */

#define NV(n, v)                                                            \
	{ (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1,     \
	  NGHTTP2_NV_FLAG_NONE }

static ssize_t send_cb(nghttp2_session *h2, const uint8_t *data, size_t len,
		       int flags, void *p)
{
	ais_session *s = p;
	ssize_t n;

	(void)h2;
	(void)flags;
	n = ais_docker_conn_send(s->conn, data, len);
	if (n == 0) {
		s->blocked = true;
		return NGHTTP2_ERR_WOULDBLOCK;
	}
	if (n < 0) {
		session_fail(s, ais_error_last()->message);
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	return n;
}

static call *call_of(ais_session *s, int32_t id)
{
	return nghttp2_session_get_stream_user_data(s->h2, id);
}

static int begin_headers_cb(nghttp2_session *h2, const nghttp2_frame *frame,
			    void *p)
{
	ais_session *s = p;
	call *c;

	if (frame->hd.type != NGHTTP2_HEADERS ||
	    frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	if (!(c = calloc(1, sizeof(*c))))
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	c->id = frame->hd.stream_id;
	c->fd = -1;
	c->next = s->calls;
	s->calls = c;
	nghttp2_session_set_stream_user_data(h2, c->id, c);
	return 0;
}

/* %XX and '+' of a URL-encoded value (Go's url.QueryUnescape). */
static int unescape(ais_buf *out, const char *v, size_t len)
{
	size_t i;
	int error = 0;

	for (i = 0; i < len && error == 0; i++) {
		unsigned hi, lo;

		if (v[i] == '+')
			error = ais_buf_putc(out, ' ');
		else if (v[i] == '%' && i + 2 < len && isxdigit((unsigned char)v[i + 1]) &&
			 isxdigit((unsigned char)v[i + 2]) &&
			 sscanf(v + i + 1, "%1x%1x", &hi, &lo) == 2) {
			error = ais_buf_putc(out, (char)(hi << 4 | lo));
			i += 2;
		} else
			error = ais_buf_putc(out, v[i]);
	}
	return error;
}

static int header_cb(nghttp2_session *h2, const nghttp2_frame *frame,
		     const uint8_t *name, size_t namelen, const uint8_t *value,
		     size_t valuelen, uint8_t flags, void *p)
{
	ais_session *s = p;
	call *c = call_of(s, frame->hd.stream_id);
	int i;

	(void)h2;
	(void)flags;
	if (!c || frame->hd.type != NGHTTP2_HEADERS)
		return 0;
	if (namelen == 5 && !memcmp(name, ":path", 5)) {
		if (valuelen == sizeof(PATH_HEALTH) - 1 && !memcmp(value, PATH_HEALTH, valuelen))
			c->kind = CALL_HEALTH;
		else if (valuelen == sizeof(PATH_DIFFCOPY) - 1 &&
			 !memcmp(value, PATH_DIFFCOPY, valuelen))
			c->kind = CALL_DIFFCOPY;
		return 0;
	}
	for (i = 0; i < H_COUNT; i++) {
		size_t n = strlen(header_names[i]);

		if (namelen == n && !memcmp(name, header_names[i], n)) {
			if (ais_buf_put(&c->h[i].values, value, valuelen) < 0 ||
			    ais_buf_putc(&c->h[i].values, '\0') < 0)
				return NGHTTP2_ERR_CALLBACK_FAILURE;
			c->h[i].count++;
			return 0;
		}
		if (namelen == n + 8 && !memcmp(name, header_names[i], n) &&
		    !memcmp(name + n, "-encoded", 8))
			c->h[i].encoded = (valuelen == 1 && value[0] == '1') ||
					  (valuelen == 4 && !memcmp(value, "true", 4));
	}
	return 0;
}

/* The values of header list `h`, decoded, as a NULL-terminated array of
 * pointers into `store` (NULL when the header did not come). */
static int header_values(const char ***out, ais_buf *store, const header_list *h)
{
	const char **v;
	const char *p;
	size_t i, *offs;
	int error = 0;

	*out = NULL;
	if (!h->count)
		return 0;
	offs = calloc(h->count, sizeof(*offs));
	v = calloc(h->count + 1, sizeof(*v));
	if (!offs || !v) {
		free(offs);
		free(v);
		return ais_error_set(AIS_ENOMEM, "out of memory");
	}
	for (i = 0, p = h->values.ptr; i < h->count && error == 0; i++) {
		size_t len = strlen(p);

		offs[i] = store->size;
		error = h->encoded ? unescape(store, p, len) : ais_buf_put(store, p, len);
		if (error == 0)
			error = ais_buf_putc(store, '\0');
		p += len + 1;
	}
	for (i = 0; i < h->count && error == 0; i++)
		v[i] = store->ptr + offs[i];
	free(offs);
	if (error < 0) {
		free(v);
		return error;
	}
	*out = v;
	return 0;
}

static ssize_t diffcopy_read_cb(nghttp2_session *h2, int32_t id, uint8_t *buf,
				size_t len, uint32_t *flags,
				nghttp2_data_source *source, void *p)
{
	ais_session *s = p;
	call *c = source->ptr;

	(void)id;
	while (c->out_off == c->out.size) {
		ais_buf_clear(&c->out);
		c->out_off = 0;
		if (c->fin_sent) {
			static const nghttp2_nv ok[] = { NV("grpc-status", "0") };

			*flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
			if (nghttp2_submit_trailer(h2, c->id, ok, 1) != 0)
				return NGHTTP2_ERR_CALLBACK_FAILURE;
			return 0;
		}
		if (call_produce(s, c) < 0)
			call_fail(s, c, ais_error_last()->message);
		else if (c->out.size == 0)
			return NGHTTP2_ERR_DEFERRED;
	}
	return (ssize_t)ais_buf_take(&c->out, &c->out_off, buf, len);
}

static ssize_t buffer_read_cb(nghttp2_session *h2, int32_t id, uint8_t *buf,
			      size_t len, uint32_t *flags,
			      nghttp2_data_source *source, void *p)
{
	call *c = source->ptr;
	size_t n = ais_buf_take(&c->out, &c->out_off, buf, len);

	(void)p;
	if (c->out_off == c->out.size) {
		static const nghttp2_nv ok[] = { NV("grpc-status", "0") };

		*flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
		if (nghttp2_submit_trailer(h2, id, ok, 1) != 0)
			return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	return (ssize_t)n;
}

static const nghttp2_nv grpc_ok_headers[] = {
	NV(":status", "200"), NV("content-type", "application/grpc")
};

/* Start the DiffCopy answer: the listing under the engine's patterns. */
static int diffcopy_start(ais_session *s, call *c)
{
	const char **v[H_COUNT] = { NULL };
	ais_buf store[H_COUNT] = { AIS_BUF_INIT, AIS_BUF_INIT, AIS_BUF_INIT, AIS_BUF_INIT };
	nghttp2_data_provider prd;
	int error = 0, i, rv;

	for (i = 0; i < H_COUNT && error == 0; i++)
		error = header_values(&v[i], &store[i], &c->h[i]);
	if (error == 0 && v[H_DIR] && !strcmp(v[H_DIR][0], "context"))
		ais_context_test_pause("upload");
	if (error == 0 && (error = ais_sha256_new(&c->md)) == 0)
		error = list_make(&c->list, s->ctx, v[H_DIR] ? v[H_DIR][0] : "",
				  v[H_INCLUDE], v[H_EXCLUDE], v[H_FOLLOW]);
	if (error == 0 && !(c->requested = calloc(c->list.count + 1, 1)))
		error = ais_error_set(AIS_ENOMEM, "out of memory");
	if (error == 0 && v[H_DIR] && !strcmp(v[H_DIR][0], "context"))
		s->counts.offered = c->list.count;
	if (error < 0)
		call_fail(s, c, ais_error_last()->message);
	prd.source.ptr = c;
	prd.read_callback = diffcopy_read_cb;
	rv = nghttp2_submit_response(s->h2, c->id, grpc_ok_headers, 2, &prd);
	for (i = 0; i < H_COUNT; i++) {
		free(v[i]);
		ais_buf_dispose(&store[i]);
	}
	return rv;
}

static int health_answer(ais_session *s, call *c)
{
	Aishell__Filesync__HealthCheckResponse r = AISHELL__FILESYNC__HEALTH_CHECK_RESPONSE__INIT;
	nghttp2_data_provider prd;

	r.status = AISHELL__FILESYNC__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
	if (grpc_put(&c->out, &r.base) < 0)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	prd.source.ptr = c;
	prd.read_callback = buffer_read_cb;
	return nghttp2_submit_response(s->h2, c->id, grpc_ok_headers, 2, &prd);
}

static int frame_recv_cb(nghttp2_session *h2, const nghttp2_frame *frame, void *p)
{
	ais_session *s = p;
	call *c = call_of(s, frame->hd.stream_id);

	(void)h2;
	if (!c || (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA))
		return 0;
	if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)
		c->request_ended = true;
	if (!c->responded && frame->hd.type == NGHTTP2_HEADERS) {
		static const nghttp2_nv unimplemented[] = {
			NV(":status", "200"), NV("content-type", "application/grpc"),
			NV("grpc-status", "12"), NV("grpc-message", "not offered by aishell")
		};

		switch (c->kind) {
		case CALL_DIFFCOPY:
			c->responded = true;
			return diffcopy_start(s, c) == 0 ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE;
		case CALL_UNKNOWN:
			c->responded = true;
			return nghttp2_submit_response(h2, c->id, unimplemented, 4, NULL) == 0
				       ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE;
		case CALL_HEALTH:
			break;
		}
	}
	if (c->kind == CALL_HEALTH && c->request_ended && !c->responded) {
		c->responded = true;
		return health_answer(s, c) == 0 ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	return 0;
}

static int data_chunk_cb(nghttp2_session *h2, uint8_t flags, int32_t id,
			 const uint8_t *data, size_t len, void *p)
{
	ais_session *s = p;
	call *c = call_of(s, id);

	(void)flags;
	if (!c)
		return 0;
	if (ais_buf_put(&c->in, data, len) < 0)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	if (call_consume(c) < 0 && !c->failed)
		call_fail(s, c, ais_error_last()->message);
	if (c->kind == CALL_DIFFCOPY && c->responded)
		nghttp2_session_resume_data(h2, id);
	return 0;
}

static int stream_close_cb(nghttp2_session *h2, int32_t id, uint32_t code, void *p)
{
	ais_session *s = p;
	call **link;

	(void)h2;
	(void)code;
	for (link = &s->calls; *link; link = &(*link)->next)
		if ((*link)->id == id) {
			call *c = *link;

			*link = c->next;
			call_free(c);
			break;
		}
	return 0;
}

/* ---- the session's thread ----------------------------------------------- */

/* Read what the connection has; false at its end or on failure. */
static bool session_read(ais_session *s)
{
	uint8_t buf[16384];

	for (;;) {
		ssize_t n = ais_docker_conn_recv(s->conn, buf, sizeof(buf)), used;

		if (n == AIS_DOCKER_CONN_AGAIN)
			return true;
		if (n == 0)
			return false;
		if (n < 0) {
			session_fail(s, ais_error_last()->message);
			return false;
		}
		used = nghttp2_session_mem_recv(s->h2, buf, (size_t)n);
		if (used < 0) {
			session_broke(s, (int)used);
			return false;
		}
	}
}

static void *session_main(void *p)
{
	ais_session *s = p;

	for (;;) {
		struct pollfd pfd[2] = {
			{ ais_docker_conn_fd(s->conn), POLLIN, 0 },
			{ s->wake[0], POLLIN, 0 },
		};
		int rv;

		if (!nghttp2_session_want_read(s->h2) && !nghttp2_session_want_write(s->h2))
			break;
		if (s->blocked)
			pfd[0].events |= POLLOUT;
		if (!ais_docker_conn_pending(s->conn)) {
			while ((rv = poll(pfd, 2, -1)) < 0 && errno == EINTR)
				;
			if (rv < 0 || pfd[1].revents)
				break;
		}
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) ||
		    ais_docker_conn_pending(s->conn)) {
			if (!session_read(s))
				break;
		}
		s->blocked = false;
		if ((rv = nghttp2_session_send(s->h2)) != 0) {
			session_broke(s, rv);
			break;
		}
	}
	return NULL;
}

/* ---- the session ----------------------------------------------------- */

static int session_h2(ais_session *s)
{
	nghttp2_session_callbacks *cbs = NULL;
	nghttp2_settings_entry iv[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100 },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20 },
	};
	int rv;

	if ((rv = nghttp2_session_callbacks_new(&cbs)) != 0)
		return ais_error_set(AIS_ENOMEM, "out of memory");
	nghttp2_session_callbacks_set_send_callback(cbs, send_cb);
	nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, begin_headers_cb);
	nghttp2_session_callbacks_set_on_header_callback(cbs, header_cb);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, frame_recv_cb);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, data_chunk_cb);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs, stream_close_cb);
	rv = nghttp2_session_server_new(&s->h2, cbs, s);
	nghttp2_session_callbacks_del(cbs);
	if (rv == 0)
		rv = nghttp2_submit_settings(s->h2, NGHTTP2_FLAG_NONE, iv,
					     sizeof(iv) / sizeof(iv[0]));
	if (rv != 0)
		return ais_error_set(AIS_ERROR, "cannot start an HTTP/2 session: %s",
				     nghttp2_strerror(rv));
	return 0;
}

int ais_session_start(ais_session **out, ais_docker *d, ais_context *ctx)
{
	ais_session *s;
	ais_buf h_id = AIS_BUF_INIT, h_name = AIS_BUF_INIT, h_key = AIS_BUF_INIT;
	unsigned char rnd[16];
	const char *root = ais_context_root(ctx), *base, *df;
	int error;

	*out = NULL;
	if ((error = ais_nghttp2_ready()) < 0 || (error = ais_protobuf_c_ready()) < 0)
		return error;
	s = calloc(1, sizeof(*s));
	AIS_CHECK_ALLOC(s);
	s->ctx = ctx;
	s->wake[0] = s->wake[1] = -1;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		error = ais_error_set_os(AIS_ERROR, errno, "cannot make a session id");
		goto fail;
	}
	ais_hex_encode(s->id, rnd, sizeof(rnd));
	/* The engine keeps what it received under this key: the same
	 * directory gets the same key, so that the next build sends only
	 * what changed. */
	if ((error = ais_buf_printf(&h_key, "aishell build context:%s", root)) < 0 ||
	    (error = ais_hash_sha256_hex(s->shared_key, h_key.ptr, h_key.size)) < 0)
		goto fail;
	df = ais_context_dockerfile(ctx);
	base = strrchr(df, '/');
	if (!(s->dockerfile_name = strdup(base ? base + 1 : df)) ||
	    !(s->chunk = malloc(SESSION_CHUNK))) {
		error = ais_error_set(AIS_ENOMEM, "out of memory");
		goto fail;
	}
	base = strrchr(root, '/');
	ais_buf_clear(&h_key);
	if ((error = ais_buf_printf(&h_id, "X-Docker-Expose-Session-Uuid: %s", s->id)) < 0 ||
	    (error = ais_buf_printf(&h_name, "X-Docker-Expose-Session-Name: %s",
				    base && base[1] ? base + 1 : "context")) < 0 ||
	    (error = ais_buf_printf(&h_key, "X-Docker-Expose-Session-Sharedkey: %s",
				    s->shared_key)) < 0)
		goto fail;
	{
		const char *headers[] = {
			h_id.ptr, h_name.ptr, h_key.ptr,
			"X-Docker-Expose-Session-Grpc-Method: " PATH_DIFFCOPY,
			"X-Docker-Expose-Session-Grpc-Method: " PATH_HEALTH,
			NULL
		};

		if ((error = ais_docker_upgrade(&s->conn, d, "/session", "h2c", headers)) < 0)
			goto fail;
	}
	if ((error = session_h2(s)) < 0)
		goto fail;
	if (pipe2(s->wake, O_CLOEXEC) < 0) {
		error = ais_error_set_os(AIS_ERROR, errno, "cannot create a pipe");
		goto fail;
	}
	if ((error = pthread_create(&s->thread, NULL, session_main, s)) != 0) {
		error = ais_error_set_os(AIS_ERROR, error, "cannot start the session's thread");
		goto fail;
	}
	s->running = true;
	*out = s;
	s = NULL;
fail:
	ais_session_free(s);
	ais_buf_dispose(&h_id);
	ais_buf_dispose(&h_name);
	ais_buf_dispose(&h_key);
	return error;
}

const char *ais_session_id(const ais_session *s)
{
	return s->id;
}

const char *ais_session_dockerfile(const ais_session *s)
{
	return s->dockerfile_name;
}

/* End the thread and the connection. */
static void session_end(ais_session *s)
{
	if (s->running) {
		ssize_t n;

		do
			n = write(s->wake[1], "x", 1);
		while (n < 0 && errno == EINTR);
		pthread_join(s->thread, NULL);
		s->running = false;
	}
	if (s->h2) {
		nghttp2_session_del(s->h2);
		s->h2 = NULL;
	}
	ais_docker_conn_close(s->conn);
	s->conn = NULL;
}

int ais_session_stop(ais_session *s)
{
	session_end(s);
	if (s->error.size)
		return ais_error_set(AIS_ERROR, "%s", ais_buf_cstr(&s->error));
	return 0;
}

bool ais_session_sent_as_expected(const ais_session *s)
{
	return !s->mismatch && !s->error.size;
}

void ais_session_get_counts(const ais_session *s, ais_session_counts *out)
{
	*out = s->counts;
}

void ais_session_free(ais_session *s)
{
	if (!s)
		return;
	session_end(s);
	while (s->calls) {
		call *c = s->calls;

		s->calls = c->next;
		call_free(c);
	}
	if (s->wake[0] >= 0)
		close(s->wake[0]);
	if (s->wake[1] >= 0)
		close(s->wake[1]);
	free(s->dockerfile_name);
	free(s->chunk);
	ais_buf_dispose(&s->error);
	free(s);
}
