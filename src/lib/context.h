/*
 * context.h - a build context streamed as a tar archive.
 *
 * ais_context_open() walks the context directory (honouring its
 * .dockerignore with the docker CLI's rules) and records the entries to
 * send; ais_context_read() then produces the tar stream piece by piece,
 * reading each file only while it is being sent, so a context is never held
 * in memory.  Symbolic links are archived as links and never followed.
 * Owners are written as 0:0, as the docker CLI does.  The Dockerfile is
 * always sent, even when .dockerignore excludes it (the engine reads it from
 * the archive).
 */
#ifndef AIS_CONTEXT_H
#define AIS_CONTEXT_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

typedef struct ais_context ais_context;

/* Send .dockerignore even when it excludes itself: the legacy builder
 * reads it to drop an excluded Dockerfile (and itself) from the context
 * after reading them, as with the docker CLI.  BuildKit has no use for it. */
#define AIS_CONTEXT_SEND_DOCKERIGNORE (1u << 0)

/* `root` is the context directory; `dockerfile` the Dockerfile's path
 * relative to it; `flags` a set of AIS_CONTEXT_* bits. */
int ais_context_open(ais_context **out, const char *root,
		     const char *dockerfile, unsigned flags);

/* Like ais_context_open, but only walk below the context-relative paths
 * in `prefixes` (NULL-terminated; "" means everything).  Used to list the
 * files a Dockerfile's COPY and ADD can read without walking the rest. */
int ais_context_open_under(ais_context **out, const char *root,
			   const char *dockerfile, unsigned flags,
			   const char *const *prefixes);

/* Fill up to `len` bytes of the tar stream: the number written, 0 at the
 * end, or a negative error code.  Matches ais_docker_read_cb. */
ssize_t ais_context_read(char *buf, size_t len, void *context);

/* Number of entries (files, directories, links) the archive holds. */
size_t ais_context_entry_count(const ais_context *ctx);

/* Relative path of entry `i`, in archive order. */
const char *ais_context_entry(const ais_context *ctx, size_t i);

/* lstat() of entry `i` as the walk saw it. */
const struct stat *ais_context_entry_stat(const ais_context *ctx, size_t i);

void ais_context_free(ais_context *ctx);

/* "libarchive 3.6.2 ..." of the library that will be loaded; NULL when it
 * cannot be loaded. */
const char *ais_context_libarchive_version(void);

#endif
