#include "dockerignore.h"

#include "buf.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The reading of the file mirrors moby/patternmatcher's ignorefile.ReadAll
 * followed by patternmatcher.New; the matching mirrors Pattern.compile and
 * PatternMatcher.MatchesOrParentMatches.  compile() turns a pattern into one
 * of four kinds: an exact string, a prefix (plain characters, then a
 * trailing "**"), a suffix ("**" first, then only plain characters) or a
 * regular expression.  The first three are
 * plain string tests (which is why "**file" also matches "dir/myfile"); for
 * the last we build the same token list the regexp would have and run it as
 * a small NFA, so matching is linear and independent of any regex library.
 */

#define DI_MAX_REPORTED 200
#define DI_BAD_RUNE 0x110000u /* | the byte: an invalid UTF-8 byte */
#define DI_STACK_STATES 256
#define DI_BAD_PATTERN 1 /* di_compile: not an AIS_E* code */

typedef enum {
	DI_EXACT,
	DI_PREFIX,
	DI_SUFFIX,
	DI_REGEXP
} di_kind;

typedef enum {
	DI_T_LIT,       /* one character */
	DI_T_STAR,      /* [^/]* */
	DI_T_QMARK,     /* [^/] */
	DI_T_CLASS,     /* [...] or [^...] */
	DI_T_DSTAR_DIR, /* (.*\/)? from a "**" with more pattern after it */
	DI_T_DSTAR_END  /* .* from a trailing "**" */
} di_tok_kind;

typedef struct {
	di_tok_kind kind;
	bool negated;        /* DI_T_CLASS */
	uint32_t rune;       /* DI_T_LIT */
	size_t start, end;   /* DI_T_CLASS: the items, without [, ^ and ] */
} di_token;

typedef struct {
	char *text;          /* cleaned pattern, without the '!' */
	size_t len;
	size_t litlen;       /* length of the wildcard-free prefix */
	bool exception;
	di_kind kind;
	di_token *toks;
	size_t ntoks;
} di_pattern;

struct ais_dockerignore {
	di_pattern *pats;
	size_t count, alloc;
};

/* --- characters -------------------------------------------------------- */

/* Decode one rune; an invalid byte decodes as DI_BAD_RUNE | byte, width 1. */
static size_t di_rune(const char *str, size_t n, uint32_t *out)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c = s[0], min;
	size_t len, i;

	if (c < 0x80) {
		*out = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		c &= 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		c &= 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		goto bad;
	}
	if (n < len)
		goto bad;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		goto bad;
	*out = c;
	return len;
bad:
	*out = DI_BAD_RUNE | s[0];
	return 1;
}

/* Go's unicode.IsSpace. */
static bool di_is_space(uint32_t c)
{
	switch (c) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
	case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
	case 0x202F: case 0x205F: case 0x3000:
		return true;
	default:
		return c >= 0x2000 && c <= 0x200A;
	}
}

/* Length of the white-space rune that is exactly s[0..n), or 0. */
static size_t di_space_len(const char *s, size_t n)
{
	uint32_t c;
	size_t w = di_rune(s, n, &c);

	return w == n && di_is_space(c) ? w : 0;
}

/* strings.TrimSpace */
static void di_trim(const char **s, size_t *n)
{
	size_t w, k;
	uint32_t c;

	while (*n > 0) {
		w = di_rune(*s, *n, &c);
		if (!di_is_space(c))
			break;
		*s += w;
		*n -= w;
	}
	while (*n > 0) {
		for (k = 1; k <= 3 && k <= *n; k++)
			if (di_space_len(*s + *n - k, k))
				break;
		if (k > 3 || k > *n)
			break;
		*n -= k;
	}
}

/*
 * filepath.Clean: collapse separators, drop "." elements, resolve ".."
 * against the preceding element (dropping it at the root).  `out` needs
 * n + 2 bytes; returns the length written (NUL-terminated).
 */
static size_t di_clean(char *out, const char *s, size_t n)
{
	bool rooted = n > 0 && s[0] == '/';
	size_t r = 0, w = 0, dotdot = 0;

	if (rooted) {
		out[w++] = '/';
		r = dotdot = 1;
	}
	while (r < n) {
		if (s[r] == '/') {
			r++;
		} else if (s[r] == '.' && (r + 1 == n || s[r + 1] == '/')) {
			r++;
		} else if (s[r] == '.' && s[r + 1] == '.' &&
			   (r + 2 == n || s[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			for (; r < n && s[r] != '/'; r++)
				out[w++] = s[r];
		}
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = '\0';
	return w;
}

/* --- compiling a pattern ------------------------------------------------ */

/* filepath.Match's getEsc: one class item character. */
static int di_class_char(const char *p, size_t len, size_t *pos, uint32_t *r,
			 const char **why)
{
	if (*pos >= len || p[*pos] == '-' || p[*pos] == ']') {
		*why = *pos >= len ? "unterminated '['" : "bad character class";
		return -1;
	}
	if (p[*pos] == '\\') {
		(*pos)++;
		if (*pos >= len) {
			*why = "unterminated '['";
			return -1;
		}
	}
	*pos += di_rune(p + *pos, len - *pos, r);
	if (*r >= DI_BAD_RUNE) {
		*why = "invalid UTF-8 in character class";
		return -1;
	}
	if (*pos >= len) {
		*why = "unterminated '['";
		return -1;
	}
	return 0;
}

/* Parse "[...]" at p[*pos] == '[' the way filepath.Match validates it. */
static int di_parse_class(const char *p, size_t len, size_t *pos,
			  di_token *tok, const char **why)
{
	size_t nrange = 0;
	uint32_t lo, hi;

	(*pos)++;
	tok->kind = DI_T_CLASS;
	tok->negated = false;
	if (*pos < len && p[*pos] == '^') {
		tok->negated = true;
		(*pos)++;
	}
	tok->start = *pos;
	for (;;) {
		if (*pos < len && p[*pos] == ']' && nrange > 0)
			break;
		if (di_class_char(p, len, pos, &lo, why) < 0)
			return -1;
		if (p[*pos] == '-') {
			(*pos)++;
			if (di_class_char(p, len, pos, &hi, why) < 0)
				return -1;
		}
		nrange++;
	}
	tok->end = *pos;
	(*pos)++;
	return 0;
}

/* Pattern.compile plus filepath.Match's syntax check.  Returns
 * DI_BAD_PATTERN with `why` set, AIS_ENOMEM, or 0. */
static int di_compile(di_pattern *pat, const char **why)
{
	const char *p = pat->text;
	size_t len = pat->len, pos = 0, i;
	di_kind kind = DI_EXACT;
	di_token *tok;

	pat->toks = calloc(len ? len : 1, sizeof(*pat->toks));
	AIS_CHECK_ALLOC(pat->toks);

	for (pat->litlen = 0; pat->litlen < len; pat->litlen++)
		if (strchr("*?[\\", p[pat->litlen]))
			break;

	for (i = 0; pos < len; i++) {
		tok = &pat->toks[pat->ntoks];
		if (p[pos] == '*' && pos + 1 < len && p[pos + 1] == '*') {
			pos += 2;
			if (pos < len && p[pos] == '/')
				pos++;
			if (pos == len && kind == DI_EXACT) {
				kind = DI_PREFIX;
			} else {
				tok->kind = pos == len ? DI_T_DSTAR_END
						       : DI_T_DSTAR_DIR;
				pat->ntoks++;
				kind = DI_REGEXP;
			}
			if (i == 0)
				kind = DI_SUFFIX;
			continue;
		}
		switch (p[pos]) {
		case '*':
			tok->kind = DI_T_STAR;
			pos++;
			kind = DI_REGEXP;
			break;
		case '?':
			tok->kind = DI_T_QMARK;
			pos++;
			kind = DI_REGEXP;
			break;
		case '\\':
			if (++pos == len) {
				*why = "trailing '\\'";
				return DI_BAD_PATTERN;
			}
			tok->kind = DI_T_LIT;
			pos += di_rune(p + pos, len - pos, &tok->rune);
			kind = DI_REGEXP;
			break;
		case '[':
			if (di_parse_class(p, len, &pos, tok, why) < 0)
				return DI_BAD_PATTERN;
			kind = DI_REGEXP;
			break;
		case ']':
			kind = DI_REGEXP;
			/* fallthrough */
		default:
			tok->kind = DI_T_LIT;
			pos += di_rune(p + pos, len - pos, &tok->rune);
			break;
		}
		pat->ntoks++;
	}
	pat->kind = kind;
	return 0;
}

/* --- matching ----------------------------------------------------------- */

static bool di_class_match(const di_pattern *pat, const di_token *tok,
			   uint32_t c)
{
	const char *p = pat->text;
	size_t pos = tok->start, end = tok->end;
	uint32_t lo, hi;
	bool match = false;

	if (c >= DI_BAD_RUNE)
		c = 0xFFFD; /* what Go's regexp sees */
	while (pos < end) {
		if (p[pos] == '\\')
			pos++;
		pos += di_rune(p + pos, end - pos, &lo);
		hi = lo;
		if (pos < end && p[pos] == '-') {
			pos++;
			if (p[pos] == '\\')
				pos++;
			pos += di_rune(p + pos, end - pos, &hi);
		}
		if (lo <= c && c <= hi)
			match = true;
	}
	return match != tok->negated;
}

/* Follow the empty transitions; they only ever lead to higher states. */
static void di_closure(const di_pattern *pat, unsigned char *set, size_t nst)
{
	size_t s, t;

	for (s = 0; s < nst; s++) {
		if (!set[s] || (s & 1))
			continue;
		t = s / 2;
		if (t == pat->ntoks)
			continue;
		switch (pat->toks[t].kind) {
		case DI_T_STAR:
		case DI_T_DSTAR_END:
			set[2 * (t + 1)] = 1;
			break;
		case DI_T_DSTAR_DIR:
			set[s + 1] = 1; /* into ".*\/" */
			set[2 * (t + 1)] = 1;
			break;
		default:
			break;
		}
	}
}

/*
 * Run the token list as an NFA over the runes of s.  State 2t is "before
 * token t", 2t+1 is "inside the .*\/ of a DI_T_DSTAR_DIR token t"; state
 * 2 * ntoks accepts.
 */
static bool di_match_tokens(const di_pattern *pat, const char *s, size_t n)
{
	unsigned char stackbuf[2 * DI_STACK_STATES], *cur, *nxt, *tmp;
	unsigned char *heap = NULL;
	size_t nst = 2 * (pat->ntoks + 1), pos = 0, st, t, w;
	bool any, ok;
	uint32_t c;

	if (nst <= DI_STACK_STATES) {
		cur = stackbuf;
	} else {
		/* Cannot report ENOMEM from here: treat as no match. */
		if (!(heap = malloc(2 * nst)))
			return false;
		cur = heap;
	}
	nxt = cur + nst;
	memset(cur, 0, nst);
	cur[0] = 1;
	di_closure(pat, cur, nst);

	while (pos < n) {
		w = di_rune(s + pos, n - pos, &c);
		pos += w;
		memset(nxt, 0, nst);
		any = false;
		for (st = 0; st < nst - 2; st++) {
			const di_token *tok;
			size_t next;

			if (!cur[st])
				continue;
			t = st / 2;
			tok = &pat->toks[t];
			next = 2 * (t + 1);
			switch (tok->kind) {
			case DI_T_LIT:
				if (c == tok->rune)
					nxt[next] = any = 1;
				break;
			case DI_T_QMARK:
				if (c != '/')
					nxt[next] = any = 1;
				break;
			case DI_T_CLASS:
				if (di_class_match(pat, tok, c))
					nxt[next] = any = 1;
				break;
			case DI_T_STAR:
				if (c != '/')
					nxt[st] = any = 1;
				break;
			case DI_T_DSTAR_END:
				if (c != '\n') /* regexp "." */
					nxt[st] = any = 1;
				break;
			case DI_T_DSTAR_DIR:
				if (!(st & 1))
					break;
				if (c != '\n')
					nxt[st] = any = 1;
				if (c == '/')
					nxt[next] = any = 1;
				break;
			}
		}
		if (!any) {
			ok = false;
			goto done;
		}
		di_closure(pat, nxt, nst);
		tmp = cur;
		cur = nxt;
		nxt = tmp;
	}
	ok = cur[nst - 2] != 0;
done:
	free(heap);
	return ok;
}

/* Pattern.match */
static bool di_match(const di_pattern *pat, const char *s, size_t n)
{
	const char *suffix;
	size_t slen;

	switch (pat->kind) {
	case DI_EXACT:
		return n == pat->len && memcmp(s, pat->text, n) == 0;
	case DI_PREFIX:
		return n >= pat->len - 2 &&
		       memcmp(s, pat->text, pat->len - 2) == 0;
	case DI_SUFFIX:
		suffix = pat->text + 2;
		slen = pat->len - 2;
		if (n >= slen && memcmp(s + n - slen, suffix, slen) == 0)
			return true;
		/* "**\/foo" matches "foo" */
		return slen > 0 && suffix[0] == '/' && n == slen - 1 &&
		       memcmp(s, suffix + 1, n) == 0;
	case DI_REGEXP:
		return di_match_tokens(pat, s, n);
	}
	return false;
}

/* Does the pattern match the path or one of its parent directories? */
static bool di_hits(const di_pattern *pat, const char *path, size_t n)
{
	size_t i;

	if (di_match(pat, path, n))
		return true;
	for (i = 0; i < n; i++)
		if (path[i] == '/' && di_match(pat, path, i))
			return true;
	return false;
}

/* Index of the last pattern hitting path, or -1. */
static ssize_t di_last_hit(const ais_dockerignore *di, const char *path)
{
	size_t i, n;

	if (!di || !path || !*path || strcmp(path, ".") == 0)
		return -1;
	n = strlen(path);
	for (i = di->count; i-- > 0;)
		if (di_hits(&di->pats[i], path, n))
			return (ssize_t)i;
	return -1;
}

/*
 * MatchesOrParentMatches: walking the patterns in order, each one that
 * hits flips the result to "excluded" (or back, for an exception), so the
 * answer is that of the last pattern that hits.
 */
bool ais_dockerignore_excluded(const ais_dockerignore *di, const char *relpath)
{
	ssize_t i = di_last_hit(di, relpath);

	return i >= 0 && !di->pats[i].exception;
}

/*
 * Everything below `dir` is hit by the pattern that excludes `dir`, so only
 * an exception after it that matches a path starting "dir/" can re-include
 * something.  Every path such a pattern matches starts with its literal
 * prefix, so that prefix must agree with "dir/" as far as both go.
 * (docker's own walk is narrower: it descends only when an exception
 * pattern itself starts with "dir/".)
 */
bool ais_dockerignore_skip_dir(const ais_dockerignore *di, const char *reldir)
{
	ssize_t last = di_last_hit(di, reldir);
	size_t i, j, m, dlen;

	if (last < 0 || di->pats[last].exception)
		return false;
	dlen = strlen(reldir);
	for (i = (size_t)last + 1; i < di->count; i++) {
		const di_pattern *pat = &di->pats[i];

		if (!pat->exception)
			continue;
		m = pat->litlen < dlen + 1 ? pat->litlen : dlen + 1;
		for (j = 0; j < m; j++)
			if (pat->text[j] != (j < dlen ? reldir[j] : '/'))
				break;
		if (j == m)
			return false;
	}
	return true;
}

size_t ais_dockerignore_count(const ais_dockerignore *di)
{
	return di ? di->count : 0;
}

void ais_dockerignore_free(ais_dockerignore *di)
{
	size_t i;

	if (!di)
		return;
	for (i = 0; i < di->count; i++) {
		free(di->pats[i].text);
		free(di->pats[i].toks);
	}
	free(di->pats);
	free(di);
}

/* --- parsing ------------------------------------------------------------ */

static int di_bad_pattern(int lineno, const char *p, size_t n, const char *why)
{
	return ais_error_set(AIS_EINVALID,
			     "line %d: invalid pattern '%.*s%s': %s", lineno,
			     (int)(n > DI_MAX_REPORTED ? DI_MAX_REPORTED : n), p,
			     n > DI_MAX_REPORTED ? "..." : "", why);
}

/* patternmatcher.New for one pattern string (ReadAll's output). */
static int di_add(ais_dockerignore *di, const char *s, size_t n, int lineno)
{
	di_pattern pat = { 0 }, *np;
	const char *why = NULL;
	char *text;
	size_t len;
	int error = 0;

	di_trim(&s, &n);
	if (n == 0)
		return 0;
	text = malloc(n + 2);
	AIS_CHECK_ALLOC(text);
	len = di_clean(text, s, n);
	if (text[0] == '!') {
		if (len == 1) {
			error = ais_error_set(AIS_EINVALID,
					      "line %d: illegal exclusion pattern \"!\"",
					      lineno);
			goto done;
		}
		pat.exception = true;
		memmove(text, text + 1, len--);
	}
	pat.text = text;
	pat.len = len;
	text = NULL;

	error = di_compile(&pat, &why);
	if (error == DI_BAD_PATTERN)
		error = di_bad_pattern(lineno, pat.text, pat.len, why);
	if (error < 0)
		goto done;

	np = ais_array_grow(di->pats, &di->alloc, di->count, sizeof(*np), 8);
	if (!np) {
		error = AIS_ENOMEM;
		goto done;
	}
	di->pats = np;
	di->pats[di->count++] = pat;
	pat.text = NULL;
	pat.toks = NULL;

done:
	free(text);
	free(pat.text);
	free(pat.toks);
	return error;
}

/* ignorefile.ReadAll for one line, then New. */
static int di_line(ais_dockerignore *di, const char *s, size_t n, int lineno)
{
	bool invert;
	char *buf;
	size_t len = 0;
	int error;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		n -= 3;
	}
	if (n > 0 && s[0] == '#')
		return 0;
	di_trim(&s, &n);
	if (n == 0)
		return 0;
	if (memchr(s, '\0', n))
		return ais_error_set(AIS_EINVALID,
				     "line %d: pattern contains a NUL byte",
				     lineno);
	invert = s[0] == '!';
	if (invert) {
		s++;
		n--;
		di_trim(&s, &n);
	}

	buf = malloc(n + 3);
	AIS_CHECK_ALLOC(buf);
	if (invert)
		buf[len++] = '!';
	if (n > 0) {
		size_t c = di_clean(buf + len, s, n);

		if (c > 1 && buf[len] == '/') {
			memmove(buf + len, buf + len + 1, c);
			c--;
		}
		len += c;
	}
	buf[len] = '\0';
	error = di_add(di, buf, len, lineno);
	free(buf);
	return error;
}

int ais_dockerignore_parse(ais_dockerignore **out, const char *text,
			   size_t len)
{
	ais_dockerignore *di;
	const char *line = text, *nl;
	int lineno = 0, error = 0;

	*out = NULL;
	di = calloc(1, sizeof(*di));
	AIS_CHECK_ALLOC(di);

	while (text && line < text + len) {
		size_t rest = (size_t)(text + len - line), n;

		nl = memchr(line, '\n', rest);
		n = nl ? (size_t)(nl - line) : rest;
		if ((error = di_line(di, line, n, ++lineno)) < 0)
			goto done;
		line += n + (nl != NULL);
	}
	*out = di;
	di = NULL;

done:
	ais_dockerignore_free(di);
	return error;
}

int ais_dockerignore_parse_path(ais_dockerignore **out, const char *pattern,
				size_t len)
{
	ais_buf text = AIS_BUF_INIT;
	int error = 0;

	*out = NULL;
	/* escaped, so as not to be read as a negation or a comment */
	if (len && (pattern[0] == '!' || pattern[0] == '#'))
		error = ais_buf_putc(&text, '\\');
	if (error == 0)
		error = ais_buf_put(&text, pattern, len);
	if (error == 0)
		error = ais_dockerignore_parse(out, text.ptr, text.size);
	ais_buf_dispose(&text);
	return error;
}

int ais_dockerignore_load(ais_dockerignore **out, const char *path)
{
	ais_buf content = AIS_BUF_INIT;
	char msg[sizeof(((ais_error *)0)->message)];
	int error;

	*out = NULL;
	error = ais_buf_read_file(&content, path);
	if (error == AIS_ENOTFOUND) {
		ais_error_clear();
		error = ais_dockerignore_parse(out, NULL, 0);
		goto done;
	}
	if (error < 0)
		goto done;
	error = ais_dockerignore_parse(out, ais_buf_cstr(&content), content.size);
	if (error < 0 && error != AIS_ENOMEM) {
		const ais_error *last = ais_error_last();

		snprintf(msg, sizeof(msg), "%s", last->message);
		ais_error_set(error, "%s: %s", path, msg);
	}
done:
	ais_buf_dispose(&content);
	return error;
}
