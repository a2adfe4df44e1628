#include "dockerfile.h"

#include "buf.h"
#include "error.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the reader -------------------------------------------------------- */

#define DF_MAX_HEREDOCS 16
#define DF_DELIM_MAX 64

typedef struct {
	const char *p, *end;
	size_t line;     /* number of the line `p` starts */
} df_lines;

/* The next physical line, without its "\n" and a trailing "\r". */
static bool df_next_line(df_lines *l, const char **s, const char **e)
{
	const char *nl;

	if (l->p >= l->end)
		return false;
	nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
	if (!nl)
		nl = l->end;
	*s = l->p;
	*e = nl;
	if (*e > *s && (*e)[-1] == '\r')
		(*e)--;
	l->p = nl < l->end ? nl + 1 : l->end;
	l->line++;
	return true;
}

static bool df_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* "# key=value" at the top of the file; false for anything else. */
static bool df_directive(const char *s, const char *e, const char **key,
			 size_t *klen, const char **val, size_t *vlen)
{
	if (s == e || *s != '#')
		return false;
	s++;
	while (s < e && df_blank(*s))
		s++;
	*key = s;
	if (s == e || !isalpha((unsigned char)*s))
		return false;
	while (s < e && isalnum((unsigned char)*s))
		s++;
	*klen = (size_t)(s - *key);
	while (s < e && df_blank(*s))
		s++;
	if (s == e || *s != '=')
		return false;
	s++;
	while (s < e && df_blank(*s))
		s++;
	while (e > s && df_blank(e[-1]))
		e--;
	*val = s;
	*vlen = (size_t)(e - s);
	return *vlen > 0;
}

/* Is the `# syntax=` frontend the standard Dockerfile frontend, whose
 * rules this reader follows? */
static bool df_standard_syntax(const char *v, size_t n)
{
	static const char *const names[] = { "docker/dockerfile",
					     "docker.io/docker/dockerfile" };
	size_t i, k;

	for (i = 0; i < sizeof(names) / sizeof(*names); i++) {
		k = strlen(names[i]);
		if (n >= k && !strncasecmp(v, names[i], k) &&
		    (n == k || v[k] == ':' || v[k] == '@'))
			return true;
	}
	return false;
}

static bool df_keyword_is(const ais_dockerfile_instruction *ins,
			  const char *word)
{
	return ins->keyword_len == strlen(word) &&
	       !strncasecmp(ins->keyword, word, ins->keyword_len);
}

/* The heredoc delimiters an instruction opens ("<<EOF", "<<-'EOF'"),
 * outside quotes, in order. */
static size_t df_heredocs(char delims[][DF_DELIM_MAX], bool strip[],
			  const char *p, char escape)
{
	size_t n = 0, k;
	char quote = 0;

	for (; *p && n < DF_MAX_HEREDOCS; p++) {
		if (*p == escape && p[1]) {
			p++;
			continue;
		}
		if (quote) {
			if (*p == quote)
				quote = 0;
			continue;
		}
		if (*p == '"' || *p == '\'') {
			quote = *p;
			continue;
		}
		if (p[0] != '<' || p[1] != '<' || p[2] == '<')
			continue;
		p += 2;
		strip[n] = *p == '-';
		if (*p == '-')
			p++;
		if (*p == '"' || *p == '\'')
			p++;
		for (k = 0; isalnum((unsigned char)p[k]) || p[k] == '_'; k++)
			;
		if (k && k < DF_DELIM_MAX) {
			memcpy(delims[n], p, k);
			delims[n][k] = '\0';
			n++;
		}
		/* Look at what follows next (the loop steps over p); p moved
		 * at least two past where this "<<" started, so p - 1 is in
		 * the string even when the delimiter is empty at its end. */
		p += k;
		p--;
	}
	return n;
}

/* Skip the bodies of the heredocs `ins` opened; false when one never ends. */
static bool df_skip_heredocs(df_lines *l, const ais_dockerfile_instruction *ins,
			     char escape)
{
	char delims[DF_MAX_HEREDOCS][DF_DELIM_MAX];
	bool strip[DF_MAX_HEREDOCS];
	size_t n, d;
	const char *s, *e;

	if (!df_keyword_is(ins, "RUN") && !df_keyword_is(ins, "COPY") &&
	    !df_keyword_is(ins, "ADD"))
		return true;
	n = df_heredocs(delims, strip, ins->args, escape);
	for (d = 0; d < n;) {
		if (!df_next_line(l, &s, &e))
			return false;
		if (strip[d])
			while (s < e && *s == '\t')
				s++;
		while (e > s && df_blank(e[-1]))
			e--;
		if ((size_t)(e - s) == strlen(delims[d]) &&
		    !strncmp(s, delims[d], (size_t)(e - s)))
			d++;
	}
	return true;
}

/* A whole instruction: "KEYWORD args". */
static void df_split(ais_dockerfile_instruction *ins, const char *s, size_t line)
{
	memset(ins, 0, sizeof(*ins));
	ins->keyword = s;
	while (*s && !df_blank(*s))
		s++;
	ins->keyword_len = (size_t)(s - ins->keyword);
	while (df_blank(*s))
		s++;
	ins->args = s;
	ins->line = line;
}

int ais_dockerfile_scan(const char *text, size_t len, ais_dockerfile_cb cb,
			void *payload, ais_dockerfile_scan_info *info)
{
	ais_dockerfile_scan_info local;
	ais_dockerfile_instruction ins;
	ais_buf instr = AIS_BUF_INIT;
	df_lines l = { text, text + len, 0 };
	const char *s, *e, *key, *val;
	size_t klen, vlen, start = 0;
	bool directives = true, continued = false;
	int error = 0;

	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	info->escape = '\\';
	while (df_next_line(&l, &s, &e)) {
		if (directives) {
			if (df_directive(s, e, &key, &klen, &val, &vlen)) {
				if (klen == 6 && !strncasecmp(key, "escape", 6) &&
				    vlen == 1 && (*val == '`' || *val == '\\'))
					info->escape = *val;
				else if (klen == 6 && !strncasecmp(key, "syntax", 6) &&
					 df_standard_syntax(val, vlen))
					;
				else if (klen == 5 && !strncasecmp(key, "check", 5))
					; /* lint settings only */
				else if (!info->unhandled)
					info->unhandled = key;
				continue;
			}
			directives = false;
		}
		while (s < e && df_blank(*s))
			s++;
		while (e > s && df_blank(e[-1]))
			e--;
		if (s == e || *s == '#')
			continue; /* also inside a continued instruction */
		if (!continued)
			start = l.line;
		else if ((error = ais_buf_putc(&instr, ' ')) < 0)
			goto done;
		continued = e[-1] == info->escape;
		if ((error = ais_buf_put(&instr, s, (size_t)(e - s - continued))) < 0)
			goto done;
		if (continued)
			continue;

		df_split(&ins, ais_buf_cstr(&instr), start);
		if ((error = cb(&ins, payload)) < 0)
			goto done;
		if (!df_skip_heredocs(&l, &ins, info->escape)) {
			info->heredoc_unterminated = true;
			break;
		}
		ais_buf_clear(&instr);
	}
	if (continued && instr.size) {
		/* The file ends inside a continued instruction. */
		df_split(&ins, ais_buf_cstr(&instr), start);
		error = cb(&ins, payload);
	}
done:
	ais_buf_dispose(&instr);
	return error;
}

/* ---- what the build reads from its context ------------------------------ */

static void whole(ais_dockerfile_inputs *in, const char *why)
{
	if (!in->whole_context)
		in->why = why;
	in->whole_context = true;
}

/* Does `s` (one word) stand for a path that cannot be known statically? */
static const char *unknowable(const char *s, size_t len)
{
	if (memchr(s, '$', len))
		return "a source holds '$'";
	if (memchr(s, '"', len) || memchr(s, '\'', len) || memchr(s, '\\', len) ||
	    memchr(s, '`', len))
		return "a source holds a quote or an escape";
	return NULL;
}

/* "", ".", "./", "/", "./." ...: the context root. */
static bool is_root(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != '/' && s[i] != '.')
			return false;
	for (i = 0; i + 1 < len; i++)
		if (s[i] == '.' && s[i + 1] == '.')
			return false;
	return true;
}

static int add_source(ais_dockerfile_inputs *in, const char *src, size_t len)
{
	const char *why = unknowable(src, len);
	char **p;

	if (why) {
		whole(in, why);
		return 0;
	}
	if (is_root(src, len)) {
		whole(in, "the whole context is copied");
		return 0;
	}
	p = realloc(in->sources, (in->count + 1) * sizeof(*p));
	AIS_CHECK_ALLOC(p);
	in->sources = p;
	in->sources[in->count] = strndup(src, len);
	AIS_CHECK_ALLOC(in->sources[in->count]);
	in->count++;
	return 0;
}

static bool is_remote(const char *s)
{
	return !strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8) ||
	       !strncasecmp(s, "git@", 4) || !strncasecmp(s, "git://", 6) ||
	       !strncasecmp(s, "ssh://", 6);
}

typedef struct {
	const char *s;
	size_t len;
} word;

/* Split at blanks; at most `max` words, the count (more means "too many"). */
static size_t split_words(word *w, size_t max, const char *p)
{
	size_t n = 0;

	for (;;) {
		while (df_blank(*p))
			p++;
		if (!*p)
			return n;
		if (n < max) {
			w[n].s = p;
			w[n].len = strcspn(p, " \t");
		}
		n++;
		p += strcspn(p, " \t");
	}
}

/* Is flag word `w` ("--name" or "--name=value") one of `names`? */
static bool flag_known(const word *w, const char *const *names)
{
	size_t n = strcspn(w->s, "= \t");

	if (n > w->len)
		n = w->len;
	for (; *names; names++)
		if (strlen(*names) == n - 2 && !strncasecmp(w->s + 2, *names, n - 2))
			return true;
	return false;
}

static bool flag_is(const word *w, const char *name)
{
	const char *const names[] = { name, NULL };

	return flag_known(w, names);
}

/* The sources of one COPY or ADD: after the flags, every word but the last
 * (shell form) or every string but the last (JSON form). */
static int copy_sources(ais_dockerfile_inputs *in, const char *args, bool add)
{
	static const char *const copy_flags[] = { "from", "chown", "chmod", "link",
						  "parents", "exclude", NULL };
	static const char *const add_flags[] = { "chown", "chmod", "link",
						 "keep-git-dir", "checksum",
						 "exclude", NULL };
	word w[1] = { { NULL, 0 } };
	cJSON *json = NULL;
	int error = 0;

	/* Flags come first. */
	while (split_words(w, 1, args) && w[0].len > 2 && !strncmp(w[0].s, "--", 2)) {
		if (!flag_known(&w[0], add ? add_flags : copy_flags)) {
			whole(in, "an unknown COPY or ADD flag");
			return 0;
		}
		if (flag_is(&w[0], "from"))
			return 0; /* another stage or an image */
		args = w[0].s + w[0].len;
	}
	while (df_blank(*args))
		args++;
	if (*args == '[') {
		const cJSON *item;
		int count, i;

		json = cJSON_Parse(args);
		if (cJSON_IsArray(json) && (count = cJSON_GetArraySize(json)) >= 2) {
			for (i = 0; i + 1 < count; i++) {
				item = cJSON_GetArrayItem(json, i);
				if (!cJSON_IsString(item)) {
					whole(in, "a JSON source is not a string");
					continue;
				}
				if (is_remote(item->valuestring))
					continue;
				if ((error = add_source(in, item->valuestring,
							strlen(item->valuestring))) < 0)
					goto done;
			}
			goto done;
		}
		/* Not a JSON array: the engine reads it as shell form. */
	}
	for (;;) {
		word two[2] = { { NULL, 0 }, { NULL, 0 } };
		size_t n = split_words(two, 2, args);

		if (n < 2)
			break; /* the last word is the destination */
		args = two[0].s + two[0].len;
		if (!strncmp(two[0].s, "<<", 2))
			continue; /* a heredoc */
		if (is_remote(two[0].s))
			continue;
		if ((error = add_source(in, two[0].s, two[0].len)) < 0)
			goto done;
	}
done:
	cJSON_Delete(json);
	return error;
}

/* One --mount=<csv> of a RUN. */
static int run_mount(ais_dockerfile_inputs *in, const char *v, size_t len)
{
	const char *type = "bind", *source = ".", *end = v + len;
	size_t type_len = 4, source_len = 1;
	bool from = false;

	if (memchr(v, '"', len)) {
		whole(in, "a quoted RUN --mount option");
		return 0;
	}
	while (v < end) {
		const char *f = v, *fe = memchr(v, ',', (size_t)(end - v));
		const char *eq;
		size_t kl;

		if (!fe)
			fe = end;
		v = fe < end ? fe + 1 : end;
		eq = memchr(f, '=', (size_t)(fe - f));
		kl = (size_t)((eq ? eq : fe) - f);
		if (!eq)
			continue;
		if (kl == 4 && !strncasecmp(f, "type", 4)) {
			type = eq + 1;
			type_len = (size_t)(fe - type);
		} else if ((kl == 6 && !strncasecmp(f, "source", 6)) ||
			   (kl == 3 && !strncasecmp(f, "src", 3))) {
			source = eq + 1;
			source_len = (size_t)(fe - source);
		} else if (kl == 4 && !strncasecmp(f, "from", 4)) {
			from = true;
		}
	}
	if (type_len == 4 && !strncasecmp(type, "bind", 4)) {
		if (from)
			return 0; /* another stage or an image */
		return add_source(in, source, source_len);
	}
	if ((type_len == 5 && !strncasecmp(type, "cache", 5)) ||
	    (type_len == 5 && !strncasecmp(type, "tmpfs", 5)) ||
	    (type_len == 6 && !strncasecmp(type, "secret", 6)) ||
	    (type_len == 3 && !strncasecmp(type, "ssh", 3)))
		return 0;
	whole(in, "an unknown RUN --mount type");
	return 0;
}

static int run_sources(ais_dockerfile_inputs *in, const char *args)
{
	static const char *const run_flags[] = { "mount", "network", "security",
						 NULL };
	word w[1] = { { NULL, 0 } };
	int error;

	while (split_words(w, 1, args) && w[0].len > 2 && !strncmp(w[0].s, "--", 2)) {
		if (!flag_known(&w[0], run_flags)) {
			whole(in, "an unknown RUN flag");
			return 0;
		}
		if (flag_is(&w[0], "mount")) {
			const char *eq = memchr(w[0].s, '=', w[0].len);

			if (!eq) {
				whole(in, "a RUN --mount without a value");
				return 0;
			}
			if ((error = run_mount(in, eq + 1,
					       (size_t)(w[0].s + w[0].len - eq - 1))) < 0)
				return error;
		}
		args = w[0].s + w[0].len;
	}
	return 0;
}

static int inputs_cb(const ais_dockerfile_instruction *ins, void *payload)
{
	static const char *const others[] = {
		"FROM", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV",
		"ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "STOPSIGNAL",
		"HEALTHCHECK", "SHELL", "ONBUILD", NULL
	};
	ais_dockerfile_inputs *in = payload;
	const char *const *k;

	if (df_keyword_is(ins, "COPY"))
		return copy_sources(in, ins->args, false);
	if (df_keyword_is(ins, "ADD"))
		return copy_sources(in, ins->args, true);
	if (df_keyword_is(ins, "RUN"))
		return run_sources(in, ins->args);
	/* ONBUILD instructions run in builds of child images, not here. */
	for (k = others; *k; k++)
		if (df_keyword_is(ins, *k))
			return 0;
	whole(in, "an unknown instruction");
	return 0;
}

int ais_dockerfile_parse_inputs(ais_dockerfile_inputs *out, const char *text,
				size_t len)
{
	ais_dockerfile_scan_info info;
	int error;

	memset(out, 0, sizeof(*out));
	error = ais_dockerfile_scan(text, len, inputs_cb, out, &info);
	if (error < 0) {
		ais_dockerfile_inputs_dispose(out);
		return error;
	}
	if (info.unhandled)
		whole(out, "a parser directive this reader does not handle");
	if (info.heredoc_unterminated)
		whole(out, "a heredoc that never ends");
	return 0;
}

void ais_dockerfile_inputs_dispose(ais_dockerfile_inputs *in)
{
	size_t i;

	for (i = 0; i < in->count; i++)
		free(in->sources[i]);
	free(in->sources);
	memset(in, 0, sizeof(*in));
}

/* ---- the final stage's base image --------------------------------------- */

typedef struct {
	char name[128]; /* lowercase stage name, "" if none */
	char base[512]; /* resolved base image, "" if unknown */
} df_stage;

typedef struct {
	df_stage *stages;
	size_t count;
} df_stages;

static int final_from_cb(const ais_dockerfile_instruction *ins, void *payload)
{
	df_stages *st = payload;
	word w[8] = { { NULL, 0 } };
	size_t n, i = 0, k;
	df_stage *s;

	if (!df_keyword_is(ins, "FROM"))
		return 0;
	n = split_words(w, 8, ins->args);
	if (n > 8)
		n = 8;
	while (i < n && w[i].len >= 2 && !strncmp(w[i].s, "--", 2))
		i++; /* --platform= */
	s = realloc(st->stages, (st->count + 1) * sizeof(*s));
	AIS_CHECK_ALLOC(s);
	st->stages = s;
	s = &st->stages[st->count++];
	memset(s, 0, sizeof(*s));
	if (i + 2 < n && w[i + 1].len == 2 && !strncasecmp(w[i + 1].s, "AS", 2))
		for (k = 0; k < w[i + 2].len && k < sizeof(s->name) - 1; k++)
			s->name[k] = (char)tolower((unsigned char)w[i + 2].s[k]);
	if (i == n || memchr(w[i].s, '$', w[i].len))
		return 0;
	for (k = 0; k + 1 < st->count; k++) {
		if (st->stages[k].name[0] && strlen(st->stages[k].name) == w[i].len &&
		    !strncasecmp(st->stages[k].name, w[i].s, w[i].len)) {
			memcpy(s->base, st->stages[k].base, sizeof(s->base));
			return 0;
		}
	}
	snprintf(s->base, sizeof(s->base), "%.*s", (int)w[i].len, w[i].s);
	return 0;
}

int ais_dockerfile_final_from(ais_buf *out, const char *path)
{
	df_stages st = { NULL, 0 };
	ais_buf text = AIS_BUF_INIT;
	int error;

	ais_buf_clear(out);
	if ((error = ais_buf_read_file(&text, path)) < 0) {
		if (error == AIS_ENOTFOUND)
			ais_error_clear();
		goto done;
	}
	if ((error = ais_dockerfile_scan(ais_buf_cstr(&text), text.size,
					 final_from_cb, &st, NULL)) < 0)
		goto done;
	if (st.count)
		error = ais_buf_sets(out, st.stages[st.count - 1].base);
done:
	free(st.stages);
	ais_buf_dispose(&text);
	return error;
}
