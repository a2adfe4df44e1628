/*
 * config.h - aishell's config.yaml, read with libyaml, normalised and
 * merged (global ~/.aishell/config.yaml + project .aishell/config.yaml) by
 * the rules of the original aishell (docs/COMPATIBILITY.md section 5).
 *
 * Only the keys that reach `docker run` are kept in typed form: mounts,
 * env, ports, docker_args, pre_start; and this toolkit's own
 * `devcontainer:` section (the original aishell warns about it and goes on).  The others (harness_args,
 * detection, ...) are validated no further and reported through the event
 * callback as having no devcontainer equivalent.
 *
 * Scalars are taken as written: an unquoted 8080, true or 010 is the
 * string "8080", "true" or "010" (no YAML 1.1 conversion).  A plain `~`,
 * `null` or empty value is null.  Errors name file:line:column; an unknown
 * key is warned about with the nearest known one.
 */
#ifndef AIS_CONFIG_H
#define AIS_CONFIG_H

#include "event.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	const char *file; /* borrowed from the ais_config */
	int line, column; /* 1-based */
} ais_config_origin;

typedef struct {
	char *value;
	ais_config_origin origin;
} ais_config_item;

typedef struct {
	ais_config_item *items;
	size_t count;
} ais_config_list;

typedef struct {
	char *name;
	char *value; /* NULL: pass the host's value through */
	ais_config_origin origin;
} ais_config_env;

/* What `aishell ensure --devcontainer` (the generated initializeCommand)
 * does with a dev container made from an older image or configuration:
 * `devcontainer: {on_change: recreate|fail}` in config.yaml. */
typedef enum {
	AIS_CONFIG_ON_CHANGE_UNSET = 0, /* recreate */
	AIS_CONFIG_ON_CHANGE_RECREATE,
	AIS_CONFIG_ON_CHANGE_FAIL
} ais_config_on_change;

typedef struct {
	ais_config_list mounts;      /* entries as written */
	ais_config_list ports;       /* validated: [ip:]host:container[/proto] */
	ais_config_list docker_args; /* tokens */
	ais_config_env *env;         /* in order; each name once */
	size_t env_count;
	char *pre_start;             /* NULL: none */
	ais_config_origin pre_start_origin;
	bool has_pre_start;          /* the key is present (even if null) */
	bool extends_none;           /* project: `extends: none` */
	ais_config_on_change on_change; /* devcontainer.on_change (project wins) */
	char *files[2];              /* owned paths the origins point into */
} ais_config;

/* Load and merge.  Either path may be NULL or name a missing file (then
 * it is absent; an empty file counts as absent too).  *out is never NULL
 * on success (an empty config when neither file exists).
 * AIS_EINVALID for YAML errors and bad values, with "file:line:col: ..."
 * messages.  Warnings and notes go to on_event (may be NULL). */
int ais_config_load(ais_config **out, const char *global_path,
		    const char *project_path, ais_event_cb on_event,
		    void *payload);

void ais_config_free(ais_config *cfg);

/* Whether `s` is a valid ports entry: ^((\d{1,3}\.){3}\d{1,3}:)?\d+:\d+(/[a-z]+)?$ */
bool ais_config_port_valid(const char *s);

/* Whether `s` is a YAML 1.1 base-60 integer ([-+]?[1-9][0-9_]*(:[0-5]?[0-9])+),
 * which YAML 1.1 parsers read as a number; *value gets that number. */
bool ais_config_sexagesimal(const char *s, long long *value);

#endif
