/*
 * origin.h - what this machine knows about its images, kept in the state
 * directory rather than in labels (images are shared through a registry,
 * and a label would carry one machine's facts to every other):
 *
 *   <state>/projects/<H12>  the project directory of <repo>:ext-<H12>
 *   <state>/origins/<hex>   where image sha256:<hex> came from, e.g.
 *                           "pulled from registry.example/team/aishell:ext-..."
 *
 * Writes are best effort (temp file + rename); a missing record only
 * means less is known.
 */
#ifndef AIS_ORIGIN_H
#define AIS_ORIGIN_H

#include "buf.h"

/* Record that the ext tagged ext-<h12> belongs to `project_dir`. */
void ais_origin_set_project(const char *state_dir, const char *h12,
			    const char *project_dir);

/* The project directory recorded for ext-<h12>: 0 and `out` set, or
 * AIS_ENOTFOUND when there is no record. */
int ais_origin_project(ais_buf *out, const char *state_dir, const char *h12);

/* Record where image `id` ("sha256:..." or bare hex) came from. */
void ais_origin_set(const char *state_dir, const char *id, const char *text);

/* Where image `id` came from: 0 and `out` set, or AIS_ENOTFOUND. */
int ais_origin_get(ais_buf *out, const char *state_dir, const char *id);

#endif
