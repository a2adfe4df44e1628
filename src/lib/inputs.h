/*
 * inputs.h - a content hash of the files a Dockerfile's COPY and ADD read.
 *
 * The original tool hashes only the Dockerfile's text, so editing a file it
 * COPYs never makes the image stale.  ais_inputs_compute() walks the
 * context entries the build reads (see dockerfile.h and context.h: COPY,
 * ADD and bind-mount sources, after .dockerignore, links in the sources
 * followed as the builders follow them) and hashes a manifest of them: for
 * each entry its SHA-256 (files), link target (symlinks) and mode.  The
 * same walk is then sent as the build context, so the image and its
 * inputs hash cannot disagree.  File digests are kept in a stat cache
 * keyed by path and (device, inode, size, mtime, ctime), so an unchanged
 * tree costs one lstat() per file and no reading.
 */
#ifndef AIS_INPUTS_H
#define AIS_INPUTS_H

#include "buf.h"
#include "hash.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct ais_context ais_context;

typedef struct {
	char hash[AIS_H12_LEN + 1]; /* H12 of the manifest */
	char dockerfile_hash[AIS_H12_LEN + 1]; /* H12 of the Dockerfile text read */
	size_t entries;
	size_t hashed;              /* files read (not answered by the cache) */
	bool whole_context;         /* the inputs were not statically known */
	/* The walk the manifest was made from, ready to be sent as the build
	 * context (owned; see context.h).  Each entry is expected to go out
	 * with the digest hashed here. */
	ais_context *context;
} ais_inputs;

#define AIS_INPUTS_INIT { "", "", 0, 0, false, NULL }

/* Compute the inputs of the Dockerfile at `dockerfile` (context-relative)
 * in context `root`.  `cache_dir` holds the stat cache (NULL: no cache). */
int ais_inputs_compute(ais_inputs *out, const char *root,
		       const char *dockerfile, const char *cache_dir);

void ais_inputs_dispose(ais_inputs *in);

/* The manifest `hash` is the H12 of, into `out` (replacing what it held):
 * records "<digest> <mode>\t<path>\0" in walk order, one per entry read,
 * the digest "-" for a directory.  Made from the walk when asked for, not
 * held. */
int ais_inputs_manifest(ais_buf *out, const ais_inputs *in);

/* Append to `out` the paths whose record differs between two manifests
 * (changed, added or removed), at most `max` of them, ", "-separated and
 * quoted as git quotes paths (ais_buf_quote_path), with " (+N more)"
 * after; returns how many differ. */
size_t ais_inputs_diff(ais_buf *out, const ais_buf *old_manifest,
		       const ais_buf *new_manifest, size_t max);

/* Call `each` with every path whose record differs between two manifests,
 * in path order (as recorded, not quoted); returns how many. */
size_t ais_inputs_each_change(const ais_buf *old_manifest,
			      const ais_buf *new_manifest,
			      void (*each)(const char *path, void *payload),
			      void *payload);

#endif
