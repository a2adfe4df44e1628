/*
 * dockerfile.h - what a Dockerfile reads from its build context.
 *
 * ais_dockerfile_parse_inputs() finds the sources of every COPY and ADD that reads
 * the build context: --from= copies (other stages or images), URLs and git
 * sources, and heredoc bodies are left out.  A source the parser cannot
 * resolve without build arguments (one holding '$') makes the whole context
 * an input, so that staleness errs towards rebuilding.
 */
#ifndef AIS_DOCKERFILE_H
#define AIS_DOCKERFILE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	char **sources;      /* context-relative source patterns, as written */
	size_t count;
	bool whole_context;  /* some source may be anything in the context */
} ais_dockerfile_inputs;

#define AIS_DOCKERFILE_INPUTS_INIT { NULL, 0, false }

/* Parse Dockerfile text.  Never fails on odd syntax (the engine judges
 * that); only AIS_ENOMEM. */
int ais_dockerfile_parse_inputs(ais_dockerfile_inputs *out, const char *text,
				size_t len);

void ais_dockerfile_inputs_dispose(ais_dockerfile_inputs *in);

#endif
