#include "jsonc.h"

#include "error.h"

#include <stdlib.h>
#include <string.h>

static void position(const char *text, size_t offset, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < offset; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

static int syntax_error(const char *name, const char *text, size_t offset,
			const char *what)
{
	int line, col;

	position(text, offset, &line, &col);
	return ais_error_set(AIS_EINVALID, "%s:%d:%d: %s",
			     name, line, col, what);
}

/* Copy `text` with comments and trailing commas blanked out (newlines
 * kept), so offsets into the copy are offsets into the original. */
static int strip(char *s, const char *text, size_t len, const char *name)
{
	size_t i, j, last_comma = (size_t)-1;

	memcpy(s, text, len);
	s[len] = '\0';
	if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		memset(s, ' ', 3); /* byte order mark */
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '"') {
			for (i++; i < len && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				else if (s[i] == '\n')
					break;
			}
			if (i >= len || s[i] != '"')
				return syntax_error(name, text, i < len ? i : len,
						    "unterminated string");
			last_comma = (size_t)-1;
		} else if (c == '/' && i + 1 < len && s[i + 1] == '/') {
			for (; i < len && s[i] != '\n'; i++)
				s[i] = ' ';
		} else if (c == '/' && i + 1 < len && s[i + 1] == '*') {
			j = i;
			s[i++] = ' ';
			s[i++] = ' ';
			while (i < len && !(s[i] == '*' && i + 1 < len && s[i + 1] == '/')) {
				if (s[i] != '\n')
					s[i] = ' ';
				i++;
			}
			if (i >= len)
				return syntax_error(name, text, j, "unterminated comment");
			s[i++] = ' ';
			s[i] = ' ';
		} else if (c == ',') {
			last_comma = i;
		} else if ((c == '}' || c == ']') && last_comma != (size_t)-1) {
			s[last_comma] = ' ';
			last_comma = (size_t)-1;
		} else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			last_comma = (size_t)-1;
		}
	}
	return 0;
}

int ais_jsonc_parse(cJSON **out, const char *text, size_t len,
		    const char *name)
{
	const char *end = NULL;
	char *s;
	cJSON *root;
	int error;

	*out = NULL;
	if (memchr(text, '\0', len))
		return syntax_error(name, text, (size_t)((const char *)memchr(text, '\0', len) - text),
				    "NUL byte in JSON");
	s = malloc(len + 1);
	AIS_CHECK_ALLOC(s);
	if ((error = strip(s, text, len, name)) < 0)
		goto done;
	/* len + 1: cJSON wants to see the terminating NUL */
	root = cJSON_ParseWithLengthOpts(s, len + 1, &end, 1);
	if (!root) {
		const char *at = end ? end : cJSON_GetErrorPtr();
		size_t off = at && at >= s && at <= s + len ? (size_t)(at - s) : 0;

		error = syntax_error(name, text, off,
				     off >= len ? "unexpected end of JSON"
						: "not valid JSON here");
		goto done;
	}
	*out = root;
	error = 0;
done:
	free(s);
	return error;
}
