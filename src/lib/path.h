/*
 * path.h - path strings (no file-system access).
 */
#ifndef AIS_PATH_H
#define AIS_PATH_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

/* Whether `path` is `root` or lies below it, compared as strings, whole
 * components only ("/a/bc" is not under "/a/b").  Trailing slashes of
 * `root` are ignored; an empty root contains nothing.  Both should be
 * absolute and normalised alike (e.g. both physical). */
bool ais_path_under(const char *path, const char *root);

/* `path` as clean relative components joined by '/' into `out`: no "",
 * "." or ".." (which stops at the root, as the builders' path cleaning
 * does); *count gets their number.  "/a/./b/../../../c" is "c". */
int ais_path_clean(ais_buf *out, size_t *count, const char *path);

/* Whether the `len` bytes at `comp` (a path component) make a pattern, as
 * fsutil's containsWildcards sees it: a '*', '?', '[' or '\\'. */
bool ais_path_component_wild(const char *comp, size_t len);

#endif
