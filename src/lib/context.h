/*
 * context.h - a build context streamed as a tar archive.
 *
 * ais_context_open() walks the context directory (honouring its
 * .dockerignore with the docker CLI's rules) and records the entries to
 * send; ais_context_open_inputs() records only what a Dockerfile reads
 * (see dockerfile.h), following symbolic links in its sources the way the
 * builders do, inside the context.  ais_context_read() then produces the
 * tar stream piece by piece, reading each file only while it is being
 * sent, so a context is never held in memory.
 *
 * The walk holds the context directory open and the upload opens every
 * entry relative to it, one path component at a time with O_NOFOLLOW, and
 * checks that it is the file the walk recorded (device and inode): a
 * directory swapped for a symbolic link while the context is sent fails
 * the upload instead of sending what the link points to.  Symbolic links
 * inside the context are archived as links.  Owners are written as 0:0, as
 * the docker CLI does.  The Dockerfile is always sent, even when
 * .dockerignore excludes it (the engine reads it from the archive).
 */
#ifndef AIS_CONTEXT_H
#define AIS_CONTEXT_H

#include "dockerfile.h"
#include "hash.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

typedef struct ais_context ais_context;

/* Send .dockerignore even when it excludes itself: the legacy builder
 * reads it to drop an excluded Dockerfile (and itself) from the context
 * after reading them, as with the docker CLI.  BuildKit through the raw
 * API does not, so there it is sent only when not excluded. */
#define AIS_CONTEXT_SEND_DOCKERIGNORE (1u << 0)

/* `root` is the context directory; `dockerfile` the Dockerfile's path
 * relative to it; `flags` a set of AIS_CONTEXT_* bits. */
int ais_context_open(ais_context **out, const char *root,
		     const char *dockerfile, unsigned flags);

/* Only what the build reads according to `df`: the entries its sources
 * select (every entry when df->whole_context), plus the Dockerfile and
 * .dockerignore, after .dockerignore. */
int ais_context_open_inputs(ais_context **out, const char *root,
			    const char *dockerfile, unsigned flags,
			    const ais_dockerfile_inputs *df);

/* Change the AIS_CONTEXT_* flags before the first ais_context_read(). */
void ais_context_set_flags(ais_context *ctx, unsigned flags);

/* Fill up to `len` bytes of the tar stream: the number written, 0 at the
 * end, or a negative error code.  Matches ais_docker_read_cb.
 *
 * For tests only: the first call pauses (ais_context_test_pause()) before
 * anything is sent. */
ssize_t ais_context_read(char *buf, size_t len, void *context);

/* For tests only: when AISHELL_TEST_PAUSE_FIFO names a FIFO and
 * AISHELL_TEST_PAUSE_AT names pause point `at` ("upload" when unset), read
 * one byte from the FIFO, so that a test can change the tree meanwhile.
 * "walk": after the walk listed directories, before it stats what it
 * found; "upload": between the walk and the upload, before anything is
 * sent.  Only the first pause of a process waits (a repeated build does
 * not). */
void ais_context_test_pause(const char *at);

/* Archive (walk) order: a directory, what is below it, then its next
 * sibling; '/' sorts before every other byte. */
int ais_context_path_cmp(const char *a, const char *b);

/* Number of entries (files, directories, links) the archive holds. */
size_t ais_context_entry_count(const ais_context *ctx);

/* Relative path of entry `i`, in archive order. */
const char *ais_context_entry(const ais_context *ctx, size_t i);

/* What the walk's lstat() saw of an entry: what a stat cache keys on. */
typedef struct {
	unsigned long long dev, ino;
	long long size, mtime_ns, ctime_ns;
	unsigned mode;
} ais_context_stat;

/* lstat() of entry `i` as the walk saw it. */
const ais_context_stat *ais_context_entry_stat(const ais_context *ctx, size_t i);

/* Is entry `i` one the build reads (false for the Dockerfile and for a
 * .dockerignore sent only for the engine's sake)? */
bool ais_context_entry_is_input(const ais_context *ctx, size_t i);

/* Is entry `i` one the Dockerfile's sources select (the Dockerfile too,
 * when they do)?  What a builder that fetches the context itself (a
 * BuildKit session) is offered. */
bool ais_context_entry_selected(const ais_context *ctx, size_t i);

/* The index of the entry whose path is `rel`, if there is one. */
bool ais_context_find(const ais_context *ctx, const char *rel, size_t *index);

/* lstat() of `rel` below the context directory, now (for a directory that
 * holds entries but is not one).  AIS_ENOTFOUND when it is gone. */
int ais_context_lstat(const ais_context *ctx, const char *rel,
		      ais_context_stat *out);

/*
 * Resolve `path` inside the context directory, now, the way the builders
 * resolve a COPY source: symbolic links followed (`on_link`, when not
 * NULL, is called with each link passed and its lstat(), and may fail the
 * resolving with a negative code), a link's absolute target taken from the
 * context root, ".." stopping at the root.  `out` gets the resolved path,
 * "" for the root.  AIS_ENOTFOUND when something on the way is not there
 * (or is not a directory, or the links go round more than 40 times).
 * With AIS_CONTEXT_RESOLVE_PATTERN, `path` may hold wildcards: resolving
 * stops at the first component that has one or cannot be resolved, and
 * `out` gets what was resolved followed by the rest as it was.
 */
#define AIS_CONTEXT_RESOLVE_PATTERN 1u
typedef int (*ais_context_link_fn)(void *payload, const char *rel,
				   const ais_context_stat *st);
int ais_context_resolve(ais_buf *out, const ais_context *ctx, const char *path,
			unsigned flags, ais_context_link_fn on_link, void *payload);

/* The context directory and the Dockerfile's path in it, as opened. */
const char *ais_context_root(const ais_context *ctx);
const char *ais_context_dockerfile(const ais_context *ctx);

/* Open regular file entry `i` for reading, checked to be the file the walk
 * recorded; returns the fd or a negative error code. */
int ais_context_open_entry(ais_context *ctx, size_t i);

/* The target of symbolic link entry `i`. */
int ais_context_readlink(ais_buf *out, ais_context *ctx, size_t i);

/* Expect entry `i` to be sent with this SHA-256 (of a file's bytes or a
 * link's target); see ais_context_sent_as_expected(). */
void ais_context_expect(ais_context *ctx, size_t i,
			const char digest[AIS_SHA256_HEX_LEN + 1]);

/* The same with the digest's 32 bytes. */
void ais_context_expect_md(ais_context *ctx, size_t i,
			   const unsigned char md[AIS_SHA256_LEN]);

/* The digest entry `i` is expected to go out with, or NULL. */
const unsigned char *ais_context_expected_md(const ais_context *ctx, size_t i);

/* After the whole stream was read: did every entry given an expected
 * digest go out with exactly that digest? */
bool ais_context_sent_as_expected(const ais_context *ctx);

void ais_context_free(ais_context *ctx);

/* "libarchive 3.6.2 ..." of the library that will be loaded; NULL when it
 * cannot be loaded. */
const char *ais_context_libarchive_version(void);

#endif
