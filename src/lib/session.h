/*
 * session.h - a BuildKit session that serves a build context.
 *
 * Instead of sending the context as a tar in the body of POST /build, a
 * BuildKit build can fetch it: the client opens POST /session, which the
 * engine upgrades to HTTP/2 (h2c) with the roles reversed, and serves
 * gRPC on it; the build names the session (session=<id>,
 * remote=client-session) and the engine calls
 * moby.filesync.v1.FileSync/DiffCopy for the "dockerfile" and "context"
 * directories.  DiffCopy is fsutil's protocol: the client sends the stat
 * of every entry in walk order, the engine compares them with its copy
 * from the last transfer under the same shared key and asks for the files
 * whose stat differs, and only those are sent.  A rebuild after a one-file
 * edit sends that file.  This is what `docker build` does with BuildKit.
 *
 * What is offered is what ais_context selected: the entries the
 * Dockerfile's sources read (and .dockerignore, which the engine reads
 * itself); "dockerfile" holds the Dockerfile alone, by its base name.  The
 * engine's include, exclude and follow patterns are applied on top, and
 * the parent directories of what is offered are offered with it.  Every
 * file that is sent is opened as ais_context_open_entry() does, and
 * checked against the digest it was hashed with (ais_context_expect);
 * ais_session_sent_as_expected() tells.  Stats go out with owners 0:0,
 * as the docker CLI sends them.
 *
 * The session is served on a thread of its own, on a connection of its
 * own, from ais_session_start() until ais_session_stop(); the context
 * must not be used by anything else meanwhile.  HTTP/2 is nghttp2's
 * (opened on first use, see lazy.h).
 */
#ifndef AIS_SESSION_H
#define AIS_SESSION_H

#include "context.h"
#include "docker.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct ais_session ais_session;

/* Open a session on `d`'s engine that serves `ctx` and its Dockerfile.
 * AIS_ERROR with the reason when nghttp2 cannot be loaded or the engine
 * refuses (the caller may then send the context as a tar). */
int ais_session_start(ais_session **out, ais_docker *d, ais_context *ctx);

/* The id to give the build (ais_build_opts.session). */
const char *ais_session_id(const ais_session *s);

/* The Dockerfile's name in the "dockerfile" directory (ais_build_opts.dockerfile). */
const char *ais_session_dockerfile(const ais_session *s);

/* Stop serving and close the connection.  0, or the session's own
 * failure (a file it could not read, a broken connection) as AIS_ERROR
 * with its message. */
int ais_session_stop(ais_session *s);

/* After ais_session_stop(): did every file and link that was sent go out
 * with the digest it was hashed with? */
bool ais_session_sent_as_expected(const ais_session *s);

/* After ais_session_stop(): the entries offered (in the "context"
 * directory's last transfer), the files sent and their bytes. */
typedef struct {
	size_t offered;
	size_t files;
	unsigned long long bytes;
} ais_session_counts;

void ais_session_get_counts(const ais_session *s, ais_session_counts *out);

void ais_session_free(ais_session *s);

/* Go's os.FileMode of an st_mode: the type bits fsutil puts on the wire.
 * Exposed for the unit tests. */
unsigned ais_session_go_mode(unsigned st_mode);

/* The entries offered for directory `dir` ("context" or "dockerfile")
 * under the engine's patterns (NULL-terminated lists, or NULL), in walk
 * order: their paths, each NUL-terminated, one after the other, in *out;
 * their number in *count.  For the unit tests; the session uses the same
 * listing.  AIS_ENOTFOUND for another directory. */
int ais_session__list(ais_buf *out, size_t *count, ais_context *ctx,
		      const char *dir, const char *const *include,
		      const char *const *exclude, const char *const *follow);

#endif
