#include "setting.h"

#include "buf.h"
#include "error.h"
#include "lazy.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static int yaml_fail(const yaml_parser_t *p, const char *path)
{
	if (p->error == YAML_MEMORY_ERROR)
		return ais_error_set(AIS_ENOMEM, "out of memory");
	return ais_error_set(AIS_EINVALID,
			     "%s:%zu:%zu: invalid YAML: %s", path,
			     p->problem_mark.line + 1, p->problem_mark.column + 1,
			     p->problem ? p->problem : "syntax error");
}

/* The value of the wanted key, an event at the root mapping's level. */
static int take_value(char **out, const yaml_event_t *ev, const char *path,
		      const char *key)
{
	const char *v = (const char *)ev->data.scalar.value;

	free(*out);
	*out = NULL;
	if (ev->type != YAML_SCALAR_EVENT)
		return ais_error_set(AIS_EINVALID,
				     "%s:%zu:%zu: '%s' must be a string", path,
				     ev->start_mark.line + 1,
				     ev->start_mark.column + 1, key);
	if (!ev->data.scalar.length ||
	    (ev->data.scalar.plain_implicit && (!strcmp(v, "~") || !strcmp(v, "null"))))
		return 0;
	*out = strdup(v);
	AIS_CHECK_ALLOC(*out);
	return 0;
}

int ais_setting_read(char **out, const char *path, const char *key)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	ais_buf text = AIS_BUF_INIT;
	int depth = 0, error = 0;
	bool is_key = true, take = false, done = false, root_map = false;

	*out = NULL;
	if (ais_buf_read_file(&text, path) < 0) {
		ais_error_clear();	/* no file: no setting */
		return 0;
	}
	/* Cheap: most files never mention the key. */
	if (!strstr(ais_buf_cstr(&text), key)) {
		ais_buf_dispose(&text);
		return 0;
	}
	if ((error = ais_yaml_ready()) < 0) {
		ais_buf_dispose(&text);
		return error;
	}
	if (!yaml_parser_initialize(&parser)) {
		ais_buf_dispose(&text);
		return ais_error_set(AIS_ENOMEM, "out of memory");
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text.ptr,
				     text.size);
	while (!done && error == 0) {
		bool node, opens;

		if (!yaml_parser_parse(&parser, &ev)) {
			error = yaml_fail(&parser, path);
			break;
		}
		opens = ev.type == YAML_MAPPING_START_EVENT ||
			ev.type == YAML_SEQUENCE_START_EVENT;
		node = opens || ev.type == YAML_SCALAR_EVENT ||
		       ev.type == YAML_ALIAS_EVENT;
		if (ev.type == YAML_DOCUMENT_END_EVENT ||
		    ev.type == YAML_STREAM_END_EVENT)
			done = true;
		if (depth == 0 && ev.type == YAML_MAPPING_START_EVENT)
			root_map = true;
		if (node && depth == 1 && root_map) {
			/* Keys and values of the root mapping alternate. */
			if (is_key)
				take = ev.type == YAML_SCALAR_EVENT &&
				       !strcmp((const char *)ev.data.scalar.value, key);
			else if (take)
				error = take_value(out, &ev, path, key);
			is_key = !is_key;
		}
		if (opens)
			depth++;
		else if (ev.type == YAML_MAPPING_END_EVENT ||
			 ev.type == YAML_SEQUENCE_END_EVENT)
			depth--;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	ais_buf_dispose(&text);
	if (error < 0) {
		free(*out);
		*out = NULL;
	}
	return error;
}
