#include "config.h"

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "lazy.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

typedef struct {
	const char *path; /* owned by cfg->files[0] */
	yaml_document_t *doc;
	ais_config *cfg;
	ais_event_cb on_event;
	void *payload;
} loader;

/* ---- messages -------------------------------------------------------- */

static int node_error(const loader *l, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void node_report(const loader *l, ais_event_type type,
			const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int node_error(const loader *l, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ais_error_set(AIS_EINVALID, "%s:%zu:%zu: %s",
			     l->path, n->start_mark.line + 1,
			     n->start_mark.column + 1, msg);
}

static void node_report(const loader *l, ais_event_type type,
			const yaml_node_t *n, const char *fmt, ...)
{
	char msg[1024];
	ais_event ev = { 0 };
	int len;
	va_list ap;

	if (!l->on_event)
		return;
	len = snprintf(msg, sizeof(msg), "%s:%zu:%zu: ", l->path,
		       n->start_mark.line + 1, n->start_mark.column + 1);
	if (len < 0 || (size_t)len >= sizeof(msg))
		len = 0;
	va_start(ap, fmt);
	vsnprintf(msg + len, sizeof(msg) - (size_t)len, fmt, ap);
	va_end(ap);
	ev.type = type;
	ev.text = msg;
	l->on_event(&ev, l->payload);
}

static ais_config_origin origin_of(const loader *l, const yaml_node_t *n)
{
	ais_config_origin o;

	o.file = l->path;
	o.line = (int)n->start_mark.line + 1;
	o.column = (int)n->start_mark.column + 1;
	return o;
}

/* ---- scalars --------------------------------------------------------- */

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool is_null(const yaml_node_t *n)
{
	const char *v;

	if (!n || n->type != YAML_SCALAR_NODE)
		return n == NULL;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = scalar(n);
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") ||
	       !strcmp(v, "Null") || !strcmp(v, "NULL");
}

static bool is_plain(const yaml_node_t *n)
{
	return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static const char *kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return is_null(n) ? "null" : "a scalar";
	}
}

/* Copy a scalar's text; AIS_EINVALID if it holds a NUL byte. */
static int scalar_dup(char **out, const loader *l, const yaml_node_t *n)
{
	*out = NULL;
	if (strlen(scalar(n)) != n->data.scalar.length)
		return node_error(l, n, "value contains a NUL character");
	*out = strdup(scalar(n));
	AIS_CHECK_ALLOC(*out);
	return 0;
}

static yaml_node_t *node(const loader *l, int index)
{
	return yaml_document_get_node(l->doc, index);
}

/* ---- lists ----------------------------------------------------------- */

static int list_add(ais_config_list *list, char *value, ais_config_origin o)
{
	ais_config_item *items;

	items = realloc(list->items, (list->count + 1) * sizeof(*items));
	if (!items) {
		free(value);
		return ais_error_set(AIS_ENOMEM, "out of memory");
	}
	list->items = items;
	list->items[list->count].value = value;
	list->items[list->count].origin = o;
	list->count++;
	return 0;
}

static void list_dispose(ais_config_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		free(list->items[i].value);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

/* A list of scalars under `key`; null means empty.  check(), when given,
 * validates each item. */
static int load_string_list(ais_config_list *out, const loader *l,
			    const char *key, const yaml_node_t *n,
			    int (*check)(const loader *, const yaml_node_t *))
{
	yaml_node_item_t *it;
	int error;

	list_dispose(out);
	if (is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return node_error(l, n, "'%s' must be a list of strings, not %s",
				  key, kind(n));
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *item = node(l, *it);
		char *v;

		if (!item || item->type != YAML_SCALAR_NODE || is_null(item))
			return node_error(l, item ? item : n,
					  "'%s' entries must be strings, not %s",
					  key, item ? kind(item) : "nothing");
		if (check && (error = check(l, item)) < 0)
			return error;
		if ((error = scalar_dup(&v, l, item)) < 0 ||
		    (error = list_add(out, v, origin_of(l, item))) < 0)
			return error;
	}
	return 0;
}

/* ---- ports ----------------------------------------------------------- */

static bool digits(const char **p, int min, int max)
{
	int n = 0;

	while (isdigit((unsigned char)**p)) {
		(*p)++;
		n++;
	}
	return n >= min && (max < 0 || n <= max);
}

bool ais_config_port_valid(const char *s)
{
	const char *p = s, *q;
	int i;

	/* optional IPv4 address and colon */
	q = p;
	for (i = 0; i < 4; i++) {
		if (!digits(&q, 1, 3))
			break;
		if (i < 3 && *q++ != '.')
			break;
	}
	if (i == 4 && *q == ':')
		p = q + 1;
	if (!digits(&p, 1, -1) || *p++ != ':' || !digits(&p, 1, -1))
		return false;
	if (*p == '/') {
		p++;
		if (!islower((unsigned char)*p))
			return false;
		while (islower((unsigned char)*p))
			p++;
	}
	return *p == '\0';
}

bool ais_config_sexagesimal(const char *s, long long *value)
{
	const char *p = s;
	long long v = 0, part;
	int sign = 1, groups = 0;

	if (*p == '-' || *p == '+')
		sign = *p++ == '-' ? -1 : 1;
	if (*p < '1' || *p > '9')
		return false;
	for (; isdigit((unsigned char)*p) || *p == '_'; p++)
		if (*p != '_' && v < 100000000000000LL)
			v = v * 10 + (*p - '0');
	while (*p == ':') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		part = *p++ - '0';
		if (isdigit((unsigned char)*p)) {
			if (part > 5)
				return false;
			part = part * 10 + (*p++ - '0');
		}
		if (v < 100000000000000LL)
			v = v * 60 + part;
		groups++;
	}
	if (*p || !groups)
		return false;
	if (value)
		*value = sign * v;
	return true;
}

/* digits:digits[:digits...]: what a YAML 1.1 reader may take for base 60. */
static bool looks_sexagesimal(const char *s)
{
	const char *p = s;

	if (!digits(&p, 1, -1))
		return false;
	if (*p != ':')
		return false;
	while (*p == ':') {
		p++;
		if (!digits(&p, 1, -1))
			return false;
	}
	return *p == '\0';
}

static int check_port(const loader *l, const yaml_node_t *n)
{
	const char *v = scalar(n);
	long long num;

	if (is_plain(n) && ais_config_sexagesimal(v, &num))
		return node_error(l, n,
				  "ports entry %s is unquoted, and YAML 1.1 (the original aishell's YAML) reads it as the base-60 number %lld; quote it: \"%s\"",
				  v, num, v);
	if (!ais_config_port_valid(v))
		return node_error(l, n,
				  "ports entry '%s' is not [IP:]HOST_PORT:CONTAINER_PORT[/PROTOCOL]",
				  v);
	if (is_plain(n) && looks_sexagesimal(v))
		node_report(l, AIS_EVENT_WARN, n,
			    "ports entry %s is unquoted; YAML 1.1 reads unquoted N:M as a base-60 number when M < 60, so quote it: \"%s\"",
			    v, v);
	return 0;
}

/* ---- env ------------------------------------------------------------- */

static void env_dispose(ais_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->env_count; i++) {
		free(cfg->env[i].name);
		free(cfg->env[i].value);
	}
	free(cfg->env);
	cfg->env = NULL;
	cfg->env_count = 0;
}

/* Set name to value (consumed; NULL = passthrough), replacing an existing
 * entry in place. */
static int env_set(ais_config *cfg, const char *name, char *value,
		   ais_config_origin o)
{
	ais_config_env *env;
	size_t i;

	for (i = 0; i < cfg->env_count; i++) {
		if (!strcmp(cfg->env[i].name, name)) {
			free(cfg->env[i].value);
			cfg->env[i].value = value;
			cfg->env[i].origin = o;
			return 0;
		}
	}
	env = realloc(cfg->env, (cfg->env_count + 1) * sizeof(*env));
	if (!env)
		goto oom;
	cfg->env = env;
	env[cfg->env_count].name = strdup(name);
	if (!env[cfg->env_count].name)
		goto oom;
	env[cfg->env_count].value = value;
	env[cfg->env_count].origin = o;
	cfg->env_count++;
	return 0;
oom:
	free(value);
	return ais_error_set(AIS_ENOMEM, "out of memory");
}

static int check_env_name(const loader *l, const yaml_node_t *n, const char *name)
{
	if (!*name)
		return node_error(l, n, "env variable name is empty");
	if (strchr(name, '='))
		return node_error(l, n, "env variable name '%s' contains '='", name);
	return 0;
}

/* One env entry named by the scalar `k`: from a mapping, with its value
 * `v`; from a list (`listed`), NAME=VALUE or NAME in `k` itself.  No value
 * (a null, or NAME alone) passes the variable through. */
static int load_env_entry(const loader *l, const yaml_node_t *k,
			  const yaml_node_t *v, bool listed)
{
	char *name = NULL, *value = NULL, *eq;
	int error;

	if ((error = scalar_dup(&name, l, k)) < 0)
		goto done;
	if (listed && (eq = strchr(name, '=')) != NULL) {
		*eq = '\0';
		if (!(value = strdup(eq + 1))) {
			error = ais_error_set(AIS_ENOMEM, "out of memory");
			goto done;
		}
	}
	if ((error = check_env_name(l, k, name)) < 0)
		goto done;
	if (v && v->type != YAML_SCALAR_NODE) {
		error = node_error(l, v,
				   "env value of '%s' must be a string, number or boolean, not %s",
				   name, kind(v));
		goto done;
	}
	if (!is_null(v) && (error = scalar_dup(&value, l, v)) < 0)
		goto done;
	error = env_set(l->cfg, name, value, origin_of(l, k));
	value = NULL;
done:
	free(name);
	free(value);
	return error;
}

static int load_env(const loader *l, const yaml_node_t *n)
{
	yaml_node_pair_t *p;
	yaml_node_item_t *it;
	int error;

	env_dispose(l->cfg);
	if (is_null(n))
		return 0;
	if (n->type == YAML_MAPPING_NODE) {
		for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = node(l, p->key);

			if (!k || k->type != YAML_SCALAR_NODE || is_null(k))
				return node_error(l, k ? k : n,
						  "env names must be strings, not %s",
						  k ? kind(k) : "nothing");
			if ((error = load_env_entry(l, k, node(l, p->value),
						    false)) < 0)
				return error;
		}
		return 0;
	}
	if (n->type == YAML_SEQUENCE_NODE) {
		for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
			yaml_node_t *item = node(l, *it);

			if (!item || item->type != YAML_SCALAR_NODE || is_null(item))
				return node_error(l, item ? item : n,
						  "env list entries must be NAME=VALUE or NAME, not %s",
						  item ? kind(item) : "nothing");
			if ((error = load_env_entry(l, item, NULL, true)) < 0)
				return error;
		}
		return 0;
	}
	return node_error(l, n, "'env' must be a mapping or a list, not %s", kind(n));
}

/* ---- pre_start, docker_args ----------------------------------------- */

static bool blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return !*s;
}

static int load_pre_start(const loader *l, const yaml_node_t *n)
{
	ais_config *cfg = l->cfg;
	ais_buf joined = AIS_BUF_INIT;
	yaml_node_item_t *it;
	int error = 0;

	free(cfg->pre_start);
	cfg->pre_start = NULL;
	cfg->has_pre_start = true;
	cfg->pre_start_origin = origin_of(l, n);
	if (is_null(n))
		return 0;
	if (n->type == YAML_SCALAR_NODE)
		return scalar_dup(&cfg->pre_start, l, n);
	if (n->type != YAML_SEQUENCE_NODE)
		return node_error(l, n, "'pre_start' must be a string or a list of strings, not %s",
				  kind(n));
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *item = node(l, *it);

		if (!item || is_null(item))
			continue;
		if (item->type != YAML_SCALAR_NODE) {
			error = node_error(l, item, "'pre_start' entries must be strings, not %s",
					   kind(item));
			goto done;
		}
		if (strlen(scalar(item)) != item->data.scalar.length) {
			error = node_error(l, item, "value contains a NUL character");
			goto done;
		}
		if (blank(scalar(item)))
			continue;
		if ((joined.size && (error = ais_buf_puts(&joined, " && ")) < 0) ||
		    (error = ais_buf_puts(&joined, scalar(item))) < 0)
			goto done;
	}
	if (joined.size)
		cfg->pre_start = ais_buf_detach(&joined);
done:
	ais_buf_dispose(&joined);
	return error;
}

static int load_docker_args(const loader *l, const yaml_node_t *n)
{
	ais_config_list *out = &l->cfg->docker_args;
	const char *p, *start;
	char *tok;
	int error;

	if (n && n->type == YAML_SCALAR_NODE && !is_null(n)) {
		list_dispose(out);
		if (strlen(scalar(n)) != n->data.scalar.length)
			return node_error(l, n, "value contains a NUL character");
		for (p = scalar(n);;) {
			while (isspace((unsigned char)*p))
				p++;
			if (!*p)
				break;
			for (start = p; *p && !isspace((unsigned char)*p); p++)
				;
			tok = strndup(start, (size_t)(p - start));
			AIS_CHECK_ALLOC(tok);
			if ((error = list_add(out, tok, origin_of(l, n))) < 0)
				return error;
		}
		return 0;
	}
	if (n && n->type == YAML_MAPPING_NODE)
		return node_error(l, n, "'docker_args' must be a string or a list of strings, not %s",
				  kind(n));
	return load_string_list(out, l, "docker_args", n, NULL);
}

/* ---- devcontainer: -------------------------------------------------- */

static int load_devcontainer(const loader *l, const yaml_node_t *n)
{
	yaml_node_pair_t *p;

	if (is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return node_error(l, n, "'devcontainer' must be a mapping, not %s", kind(n));
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(l, p->key), *v = node(l, p->value);

		if (!k || k->type != YAML_SCALAR_NODE || strcmp(scalar(k), "on_change") != 0) {
			if (k)
				node_report(l, AIS_EVENT_WARN, k,
					    "unknown key 'devcontainer.%s'; ignored (known: on_change)",
					    k->type == YAML_SCALAR_NODE ? scalar(k) : "?");
			continue;
		}
		if (v && v->type == YAML_SCALAR_NODE && !strcmp(scalar(v), "recreate"))
			l->cfg->on_change = AIS_CONFIG_ON_CHANGE_RECREATE;
		else if (v && v->type == YAML_SCALAR_NODE && !strcmp(scalar(v), "fail"))
			l->cfg->on_change = AIS_CONFIG_ON_CHANGE_FAIL;
		else
			return node_error(l, v ? v : k,
					  "'devcontainer.on_change' must be recreate or fail");
	}
	return 0;
}

/* ---- top level ------------------------------------------------------- */

static const char *const no_equivalent[] = {
	"harness_args", "claude_isolation", "claude_shared_paths", "detection",
	"gitleaks_freshness_check", "gitleaks_freshness_threshold", "registry", NULL
};

static const char *const global_only[] = { "pi_packages", "update_check", NULL };

static const char *const mapped[] = {
	"mounts", "ports", "env", "docker_args", "pre_start", "extends",
	"devcontainer", NULL
};

/* Levenshtein distance, capped at 9 (enough to tell a typo). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, row[64], prev, tmp;

	if (la >= sizeof(row) / sizeof(row[0]) || lb >= sizeof(row) / sizeof(row[0]))
		return 9;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb] < 9 ? row[lb] : 9;
}

/* The known key nearest to `key` when it is close enough to be a typo:
 * at most 2 edits and fewer than half its length, or a known key of 3 or
 * more letters that starts it ("enviroment": env). */
static const char *nearest_key(const char *key)
{
	const char *const *sets[] = { mapped, no_equivalent, global_only };
	const char *best = NULL;
	size_t best_d = 3, d, i;
	const char *const *k;

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		for (k = sets[i]; *k; k++)
			if ((d = distance(key, *k)) < best_d && d * 2 < strlen(*k)) {
				best = *k;
				best_d = d;
			}
	for (i = 0; !best && i < sizeof(sets) / sizeof(sets[0]); i++)
		for (k = sets[i]; *k && !best; k++)
			if (strlen(*k) >= 3 && !strncmp(key, *k, strlen(*k)))
				best = *k;
	return best;
}

static bool in(const char *const *set, const char *s)
{
	for (; *set; set++)
		if (!strcmp(*set, s))
			return true;
	return false;
}

static int load_key(const loader *l, const char *key, const yaml_node_t *k,
		    const yaml_node_t *v, bool is_global)
{
	if (!strcmp(key, "mounts"))
		return load_string_list(&l->cfg->mounts, l, key, v, NULL);
	if (!strcmp(key, "ports"))
		return load_string_list(&l->cfg->ports, l, key, v, check_port);
	if (!strcmp(key, "env"))
		return load_env(l, v);
	if (!strcmp(key, "docker_args"))
		return load_docker_args(l, v);
	if (!strcmp(key, "pre_start"))
		return load_pre_start(l, v);
	if (!strcmp(key, "devcontainer"))
		return load_devcontainer(l, v);
	if (!strcmp(key, "extends")) {
		if (v && v->type != YAML_SCALAR_NODE)
			return node_error(l, v, "'extends' must be a string, not %s",
					  kind(v));
		if (!is_global)
			l->cfg->extends_none = v && !strcmp(scalar(v), "none");
		return 0;
	}
	if (in(global_only, key)) {
		if (is_global)
			node_report(l, AIS_EVENT_NOTE, k,
				    "'%s' has no devcontainer equivalent; not mapped", key);
		else
			node_report(l, AIS_EVENT_WARN, k,
				    "'%s' is only read from the global config; ignored", key);
		return 0;
	}
	if (in(no_equivalent, key)) {
		node_report(l, AIS_EVENT_NOTE, k,
			    "'%s' has no devcontainer equivalent; not mapped", key);
		return 0;
	}
	if (nearest_key(key))
		node_report(l, AIS_EVENT_WARN, k, "unknown key '%s'; ignored (did you mean '%s'?)",
			    key, nearest_key(key));
	else
		node_report(l, AIS_EVENT_WARN, k, "unknown key '%s'; ignored", key);
	return 0;
}

static int load_root(const loader *l, const yaml_node_t *root, bool is_global)
{
	yaml_node_pair_t *p, *q;
	int error;

	if (root->type != YAML_MAPPING_NODE)
		return node_error(l, root, "the top level must be a mapping of keys, not %s",
				  kind(root));
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
		bool later = false;

		if (!k || k->type != YAML_SCALAR_NODE || is_null(k))
			return node_error(l, k ? k : root, "keys must be strings, not %s",
					  k ? kind(k) : "nothing");
		if (!strcmp(scalar(k), "<<"))
			return node_error(l, k, "YAML merge keys ('<<') are not supported");
		for (q = p + 1; q < root->data.mapping.pairs.top; q++) {
			yaml_node_t *k2 = node(l, q->key);

			if (k2 && k2->type == YAML_SCALAR_NODE &&
			    !strcmp(scalar(k2), scalar(k)))
				later = true;
		}
		if (later) {
			node_report(l, AIS_EVENT_WARN, k,
				    "duplicate key '%s'; the last one is used", scalar(k));
			continue;
		}
		if ((error = load_key(l, scalar(k), k, v, is_global)) < 0)
			return error;
	}
	return 0;
}

static void config_dispose(ais_config *cfg)
{
	list_dispose(&cfg->mounts);
	list_dispose(&cfg->ports);
	list_dispose(&cfg->docker_args);
	env_dispose(cfg);
	free(cfg->pre_start);
	free(cfg->files[0]);
	free(cfg->files[1]);
	memset(cfg, 0, sizeof(*cfg));
}

void ais_config_free(ais_config *cfg)
{
	if (!cfg)
		return;
	config_dispose(cfg);
	free(cfg);
}

/* The byte at `offset` of `f`, or EOF. */
static int byte_at(FILE *f, size_t offset)
{
	if (fseek(f, (long)offset, SEEK_SET) != 0)
		return EOF;
	return fgetc(f);
}

/* Load one file.  *out = NULL when it is missing or empty. */
static int load_file(ais_config **out, const char *path, bool is_global,
		     ais_event_cb on_event, void *payload)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	bool parser_ok = false, doc_ok = false;
	ais_config *cfg = NULL;
	loader l = { 0 };
	yaml_node_t *root;
	FILE *f;
	int fd, error = 0;

	*out = NULL;
	if ((fd = ais_fs_open_regular(path, 0, NULL)) < 0) {
		if (fd == AIS_ENOTFOUND) {
			ais_error_clear();
			return 0;
		}
		return fd;
	}
	if (!(f = fdopen(fd, "rb"))) {
		close(fd);
		return ais_error_set(AIS_ENOMEM, "out of memory");
	}
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg || !(cfg->files[0] = strdup(path))) {
		error = ais_error_set(AIS_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = ais_yaml_ready()) < 0)
		goto done;
	if (!yaml_parser_initialize(&parser)) {
		error = ais_error_set(AIS_ENOMEM, "out of memory");
		goto done;
	}
	parser_ok = true;
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc))
		goto yaml_error;
	doc_ok = true;
	root = yaml_document_get_root_node(&doc);
	if (!root || is_null(root)) {
		ais_config_free(cfg);
		cfg = NULL;
		goto done;
	}
	if (!yaml_parser_load(&parser, &extra))
		goto yaml_error;
	if (yaml_document_get_root_node(&extra)) {
		yaml_document_delete(&extra);
		error = ais_error_set(AIS_EINVALID,
				      "%s: holds more than one YAML document", path);
		goto done;
	}
	yaml_document_delete(&extra);
	l.path = cfg->files[0];
	l.doc = &doc;
	l.cfg = cfg;
	l.on_event = on_event;
	l.payload = payload;
	if ((error = load_root(&l, root, is_global)) < 0)
		goto done;
	*out = cfg;
	cfg = NULL;
	goto done;

yaml_error:
	if (parser.error == YAML_MEMORY_ERROR) {
		error = ais_error_set(AIS_ENOMEM, "out of memory");
	} else if (parser.error == YAML_READER_ERROR) {
		error = ais_error_set(AIS_EINVALID,
				      "%s: invalid YAML: %s at byte %zu", path,
				      parser.problem ? parser.problem : "read error",
				      parser.problem_offset);
	} else if (byte_at(f, parser.problem_mark.index) == '\t') {
		error = ais_error_set(AIS_EINVALID,
				      "%s:%zu:%zu: invalid YAML: a tab; YAML indents with spaces only",
				      path, parser.problem_mark.line + 1,
				      parser.problem_mark.column + 1);
	} else {
		char ctx[256] = "";

		if (parser.context)
			snprintf(ctx, sizeof(ctx), " %s that starts at line %zu, column %zu",
				 parser.context, parser.context_mark.line + 1,
				 parser.context_mark.column + 1);
		error = ais_error_set(AIS_EINVALID,
				      "%s:%zu:%zu: invalid YAML: %s%s", path,
				      parser.problem_mark.line + 1,
				      parser.problem_mark.column + 1,
				      parser.problem ? parser.problem : "syntax error", ctx);
	}
done:
	if (doc_ok)
		yaml_document_delete(&doc);
	if (parser_ok)
		yaml_parser_delete(&parser);
	fclose(f);
	ais_config_free(cfg);
	return error;
}

/* Move the items of `from` in front of `to`'s. */
static int list_prepend(ais_config_list *to, ais_config_list *from)
{
	ais_config_item *items;

	if (!from->count)
		return 0;
	items = malloc((to->count + from->count) * sizeof(*items));
	AIS_CHECK_ALLOC(items);
	memcpy(items, from->items, from->count * sizeof(*items));
	if (to->count)
		memcpy(items + from->count, to->items, to->count * sizeof(*items));
	free(to->items);
	to->items = items;
	to->count += from->count;
	free(from->items);
	from->items = NULL;
	from->count = 0;
	return 0;
}

/* Merge global `g` into project `p` (the result), by docs/COMPATIBILITY.md
 * section 5.2. */
static int merge(ais_config *p, ais_config *g)
{
	ais_config_env *penv = p->env;
	size_t i, pcount = p->env_count;
	int error = 0;

	if ((error = list_prepend(&p->mounts, &g->mounts)) < 0 ||
	    (error = list_prepend(&p->ports, &g->ports)) < 0 ||
	    (error = list_prepend(&p->docker_args, &g->docker_args)) < 0)
		return error;
	/* env: global order, project values win, new project names appended */
	p->env = g->env;
	p->env_count = g->env_count;
	g->env = NULL;
	g->env_count = 0;
	for (i = 0; i < pcount; i++) {
		if (error >= 0)
			error = env_set(p, penv[i].name, penv[i].value, penv[i].origin);
		else
			free(penv[i].value);
		free(penv[i].name);
	}
	free(penv);
	if (error < 0)
		return error;
	if (!p->on_change)
		p->on_change = g->on_change;
	if (!p->has_pre_start) {
		p->pre_start = g->pre_start;
		p->pre_start_origin = g->pre_start_origin;
		p->has_pre_start = g->has_pre_start;
		g->pre_start = NULL;
	}
	p->files[1] = g->files[0];
	g->files[0] = NULL;
	return 0;
}

int ais_config_load(ais_config **out, const char *global_path,
		    const char *project_path, ais_event_cb on_event,
		    void *payload)
{
	ais_config *g = NULL, *p = NULL;
	int error;

	*out = NULL;
	if (project_path &&
	    (error = load_file(&p, project_path, false, on_event, payload)) < 0)
		goto done;
	if (global_path && !(p && p->extends_none) &&
	    (error = load_file(&g, global_path, true, on_event, payload)) < 0)
		goto done;
	if (p && g) {
		if ((error = merge(p, g)) < 0)
			goto done;
	} else if (!p) {
		p = g;
		g = NULL;
	}
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p) {
			error = ais_error_set(AIS_ENOMEM, "out of memory");
			goto done;
		}
	}
	*out = p;
	p = NULL;
	error = 0;
done:
	ais_config_free(g);
	ais_config_free(p);
	return error;
}
