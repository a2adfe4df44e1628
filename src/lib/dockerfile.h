/*
 * dockerfile.h - reading Dockerfiles: instructions, and what a build reads
 * from its context.
 *
 * ais_dockerfile_scan() is the one Dockerfile reader: it applies the
 * parser directives (`# escape=`), joins continuation lines, drops comment
 * lines and skips heredoc bodies, and hands out one logical instruction at
 * a time.
 *
 * ais_dockerfile_parse_inputs() finds the context paths the build reads:
 * the sources of COPY and ADD, and of RUN --mount=type=bind (the whole
 * context by default).  --from= copies and mounts (other stages or images),
 * cache, secret, ssh and tmpfs mounts, URLs and git sources, and heredocs
 * read nothing from the context.  Whenever the inputs are not statically
 * known -- a source holding '$' or a quote, `COPY .`, an instruction or a
 * flag the parser does not know, a parser directive it does not handle, a
 * heredoc that never ends -- the whole context is an input, so that
 * staleness and the upload err towards too much.
 */
#ifndef AIS_DOCKERFILE_H
#define AIS_DOCKERFILE_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	const char *keyword; /* as written, e.g. "copy" */
	size_t keyword_len;
	const char *args;    /* the rest, continuation lines joined by ' ' */
	size_t line;         /* 1-based line of the instruction's start */
} ais_dockerfile_instruction;

/* Called for each instruction; a negative return stops the scan and is
 * returned by ais_dockerfile_scan. */
typedef int (*ais_dockerfile_cb)(const ais_dockerfile_instruction *ins,
				 void *payload);

typedef struct {
	char escape;              /* '\\' or '`' */
	const char *unhandled;    /* first directive not understood, or NULL */
	bool heredoc_unterminated;
} ais_dockerfile_scan_info;

/* Scan Dockerfile text.  `info` (may be NULL) receives what the reader
 * learned besides the instructions.  Never fails on odd syntax (the engine
 * judges that); AIS_ENOMEM, or what `cb` returned. */
int ais_dockerfile_scan(const char *text, size_t len, ais_dockerfile_cb cb,
			void *payload, ais_dockerfile_scan_info *info);

typedef struct {
	char **sources;      /* context-relative source patterns, as written */
	size_t count;
	bool whole_context;  /* some source may be anything in the context */
	const char *why;     /* why whole_context is set (static text) */
} ais_dockerfile_inputs;

#define AIS_DOCKERFILE_INPUTS_INIT { NULL, 0, false, NULL }

/* Parse Dockerfile text.  Never fails on odd syntax; only AIS_ENOMEM. */
int ais_dockerfile_parse_inputs(ais_dockerfile_inputs *out, const char *text,
				size_t len);

void ais_dockerfile_inputs_dispose(ais_dockerfile_inputs *in);

/* The image the last stage of the Dockerfile at `path` is built from,
 * following `FROM <stage>` back to its base; "" when it uses a variable.
 * AIS_ENOTFOUND when the file does not exist. */
int ais_dockerfile_final_from(ais_buf *out, const char *path);

#endif
