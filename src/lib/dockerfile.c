#include "dockerfile.h"

#include "buf.h"
#include "error.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int add_source(ais_dockerfile_inputs *in, const char *src, size_t len)
{
	char **p;

	if (memchr(src, '$', len)) {
		in->whole_context = true;
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

/* Split the arguments of one COPY/ADD into words (shell form) or strings
 * (JSON form); flags come first in the shell form. */
static int copy_sources(ais_dockerfile_inputs *in, const char *args)
{
	char *words[256];
	size_t n = 0, i;
	cJSON *json = NULL;
	char *copy = NULL, *p, *save = NULL;
	int error = 0;

	while (*args == ' ' || *args == '\t')
		args++;
	/* Flags: --from=… means another stage or image; the rest do not
	 * change what is read from the context. */
	while (!strncmp(args, "--", 2)) {
		const char *end = args + strcspn(args, " \t");

		if (!strncasecmp(args, "--from", 6))
			return 0;
		args = end;
		while (*args == ' ' || *args == '\t')
			args++;
	}
	if (*args == '[') {
		const cJSON *item;
		int count;

		json = cJSON_Parse(args);
		if (cJSON_IsArray(json) && (count = cJSON_GetArraySize(json)) >= 2) {
			for (i = 0; i + 1 < (size_t)count; i++) {
				item = cJSON_GetArrayItem(json, (int)i);
				if (cJSON_IsString(item) && !is_remote(item->valuestring) &&
				    (error = add_source(in, item->valuestring,
							strlen(item->valuestring))) < 0)
					goto done;
			}
			goto done;
		}
		/* Not valid JSON: the engine reads it as shell form. */
	}
	copy = strdup(args);
	AIS_CHECK_ALLOC(copy);
	for (p = strtok_r(copy, " \t", &save); p && n < 256;
	     p = strtok_r(NULL, " \t", &save))
		words[n++] = p;
	for (i = 0; i + 1 < n; i++) {
		if (!strncmp(words[i], "<<", 2) || is_remote(words[i]))
			continue;
		if ((error = add_source(in, words[i], strlen(words[i]))) < 0)
			goto done;
	}
done:
	cJSON_Delete(json);
	free(copy);
	return error;
}

/* The heredoc delimiters an instruction opens ("<<EOF", "<<-'EOF'"). */
static size_t heredocs(char delims[][64], size_t max, const char *args,
		       bool strip[])
{
	size_t n = 0;
	const char *p = args;

	while (n < max && (p = strstr(p, "<<")) != NULL) {
		size_t k = 0;

		p += 2;
		strip[n] = *p == '-';
		if (*p == '-')
			p++;
		if (*p == '"' || *p == '\'')
			p++;
		while (isalnum((unsigned char)p[k]) || p[k] == '_')
			k++;
		if (k && k < 64) {
			memcpy(delims[n], p, k);
			delims[n][k] = '\0';
			n++;
		}
		p += k;
	}
	return n;
}

int ais_dockerfile_parse_inputs(ais_dockerfile_inputs *out, const char *text,
			  size_t len)
{
	ais_buf instr = AIS_BUF_INIT, line = AIS_BUF_INIT;
	const char *p = text, *end = text + len;
	char escape = '\\';
	bool directives = true, continued = false;
	char delims[8][64];
	bool strip[8];
	size_t ndelims = 0, d = 0;
	int error = 0;

	memset(out, 0, sizeof(*out));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *s, *e;

		if (!nl)
			nl = end;
		ais_buf_clear(&line);
		ais_buf_put(&line, p, (size_t)(nl - p));
		p = nl < end ? nl + 1 : end;
		s = ais_buf_cstr(&line);
		e = s + line.size;
		while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;

		/* Inside heredoc bodies: skip up to each delimiter. */
		if (d < ndelims) {
			const char *t = s;

			if (strip[d])
				while (*t == '\t')
					t++;
			if ((size_t)(e - t) == strlen(delims[d]) &&
			    !strncmp(t, delims[d], (size_t)(e - t)))
				d++;
			continue;
		}
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if (directives) {
			if (*s == '#' && strchr(s, '=')) {
				const char *k = s + 1;

				while (*k == ' ')
					k++;
				if (!strncasecmp(k, "escape", 6)) {
					const char *v = strchr(k, '=') + 1;

					while (*v == ' ')
						v++;
					if (*v == '`' || *v == '\\')
						escape = *v;
				}
				continue;
			}
			directives = false;
		}
		if (s == e || *s == '#')
			continue;
		if (continued)
			ais_buf_putc(&instr, ' ');
		if (e > s && e[-1] == escape) {
			ais_buf_put(&instr, s, (size_t)(e - s - 1));
			continued = true;
			continue;
		}
		ais_buf_put(&instr, s, (size_t)(e - s));
		continued = false;

		/* A whole instruction. */
		s = ais_buf_cstr(&instr);
		if (!strncasecmp(s, "COPY", 4) && (s[4] == ' ' || s[4] == '\t'))
			error = copy_sources(out, s + 5);
		else if (!strncasecmp(s, "ADD", 3) && (s[3] == ' ' || s[3] == '\t'))
			error = copy_sources(out, s + 4);
		if (error < 0)
			goto done;
		ndelims = heredocs(delims, 8, s, strip);
		d = 0;
		ais_buf_clear(&instr);
	}
done:
	ais_buf_dispose(&instr);
	ais_buf_dispose(&line);
	if (error < 0)
		ais_dockerfile_inputs_dispose(out);
	return error;
}

void ais_dockerfile_inputs_dispose(ais_dockerfile_inputs *in)
{
	size_t i;

	for (i = 0; i < in->count; i++)
		free(in->sources[i]);
	free(in->sources);
	memset(in, 0, sizeof(*in));
}
