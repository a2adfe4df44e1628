/*
 * buildkit.h - decode BuildKit's progress from a POST /build?version=2 stream.
 *
 * With BuildKit the engine reports progress as {"id":"moby.buildkit.trace",
 * "aux":"<base64 protobuf StatusResponse>"} messages.  ais_buildkit follows the
 * build's vertexes (steps) and their output, so that aishell can show step
 * names, cache hits, and -- when a step fails -- that step's own output.
 */
#ifndef AIS_BUILDKIT_H
#define AIS_BUILDKIT_H

#include "buf.h"

#include <stdbool.h>

typedef struct ais_buildkit ais_buildkit;

typedef struct {
	/* A step started: its name as BuildKit shows it ("[2/3] RUN make"),
	 * "[n/m]" parsed into step/steps when present (else 0). */
	void (*step)(const char *name, int step, int steps, bool cached,
		     void *payload);
	/* One line of a step's output. */
	void (*line)(const char *line, void *payload);
	void *payload;
} ais_buildkit_callbacks;

/* AIS_ERROR when protobuf-c, opened here on first use, cannot be loaded. */
int ais_buildkit_new(ais_buildkit **out);
void ais_buildkit_free(ais_buildkit *bk);

/* Decode one trace message's base64 "aux" text.  AIS_EINVALID when it is
 * not base64 or not a StatusResponse. */
int ais_buildkit_feed(ais_buildkit *bk, const char *base64, const ais_buildkit_callbacks *cb);

/* The step that failed (or, when none reported an error, the last one that
 * started); NULL before any step. */
const char *ais_buildkit_failed_step(const ais_buildkit *bk);

/* Append the last `lines` lines of that step's output to `out`. */
int ais_buildkit_failed_tail(ais_buf *out, const ais_buildkit *bk, int lines);

#endif
