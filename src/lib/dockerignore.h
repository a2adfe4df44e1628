/*
 * dockerignore.h - .dockerignore matching with the docker CLI's rules.
 *
 * Patterns follow moby/patternmatcher as used by `docker build`: one per
 * line, '#' lines are comments, blank lines ignored, surrounding white space
 * trimmed, a leading '!' makes an exception, the pattern is cleaned like Go's
 * filepath.Clean and a leading '/' dropped; '*' matches any run of
 * non-separator characters, '?' one non-separator character, '[...]' a class
 * (with '^' negation and ranges), '\\' escapes, and '**' any number of
 * directories (including none).  A path is excluded when the last pattern
 * that matches it, or matches one of its parent directories, is not an
 * exception.
 *
 * As in docker, only a '#' in column 1 starts a comment, a UTF-8 BOM is
 * dropped, only the first '!' is special, a pattern that cleans to "." or
 * "/" matches nothing (the context root is never excluded), and a leading
 * "**" followed only by plain characters is a suffix test ("**file" also
 * matches "dir/myfile").  Unlike docker, a line holding a NUL byte is
 * rejected.
 */
#ifndef AIS_DOCKERIGNORE_H
#define AIS_DOCKERIGNORE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ais_dockerignore ais_dockerignore;

/* Parse the text of a .dockerignore.  AIS_EINVALID (with the line number in
 * the message) for a pattern Go's filepath.Match would reject, such as an
 * unterminated '['. */
int ais_dockerignore_parse(ais_dockerignore **out, const char *text,
			   size_t len);

/* One path pattern (a COPY source, an engine's followpath), matched as a
 * .dockerignore line is, except that a leading '!' or '#' is part of the
 * name, not a negation or a comment. */
int ais_dockerignore_parse_path(ais_dockerignore **out, const char *pattern,
				size_t len);

/* Read and parse a file; a file that does not exist gives an empty matcher. */
int ais_dockerignore_load(ais_dockerignore **out, const char *path);

/* Is `relpath` (relative to the context root, '/'-separated, no leading
 * "./" or '/') excluded from the build context? */
bool ais_dockerignore_excluded(const ais_dockerignore *di, const char *relpath);

/* May the walk skip the excluded directory `reldir` without looking inside?
 * True only when no exception pattern could re-include anything below it. */
bool ais_dockerignore_skip_dir(const ais_dockerignore *di, const char *reldir);

/* Number of patterns (exceptions included). */
size_t ais_dockerignore_count(const ais_dockerignore *di);

void ais_dockerignore_free(ais_dockerignore *di);

#endif
