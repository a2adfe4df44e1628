/*
 * jsonc.h - read JSON with comments (devcontainer.json's format).
 *
 * Accepts `//` and block comments and trailing commas before `]` or `}`,
 * as VS Code's jsonc parser does; everything else must be strict JSON
 * (unlike the devcontainer CLI, which silently accepts broken files, a
 * syntax error here is an error).
 */
#ifndef AIS_JSONC_H
#define AIS_JSONC_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Parse `len` bytes of JSONC.  AIS_EINVALID with "name:line:col: ..." on a
 * syntax error (`name` labels the message).  The caller owns *out
 * (cJSON_Delete). */
int ais_jsonc_parse(cJSON **out, const char *text, size_t len,
		    const char *name);

#endif
