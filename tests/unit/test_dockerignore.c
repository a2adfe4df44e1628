#include "test.h"

#include "dockerignore.h"
#include "error.h"

#include <stdlib.h>

/* Parse `text`, failing the case (and returning NULL) on error. */
static ais_dockerignore *di_parse(const char *text)
{
	ais_dockerignore *di = NULL;
	int error = ais_dockerignore_parse(&di, text, strlen(text));

	CHECK_INT(error, 0);
	if (error < 0)
		fprintf(stderr, "  %s\n", ais_error_last()->message);
	return di;
}

/* Expect `text` to be rejected with AIS_EINVALID mentioning `needle`. */
static void di_parse_fails(const char *text, const char *needle)
{
	ais_dockerignore *di = NULL;

	ais_error_clear();
	CHECK_INT(ais_dockerignore_parse(&di, text, strlen(text)), AIS_EINVALID);
	CHECK(di == NULL);
	CHECK_INT(ais_error_last()->code, AIS_EINVALID);
	if (!strstr(ais_error_last()->message, needle))
		test_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"",
			  ais_error_last()->message, needle);
	ais_dockerignore_free(di);
}

#define EXCL(di, path) CHECK(ais_dockerignore_excluded((di), (path)))
#define INCL(di, path) CHECK(!ais_dockerignore_excluded((di), (path)))

TEST(dockerignore_empty)
{
	ais_dockerignore *di = di_parse("");

	CHECK_INT(ais_dockerignore_count(di), 0);
	INCL(di, "a");
	INCL(di, "a/b");
	CHECK(!ais_dockerignore_skip_dir(di, "a"));
	ais_dockerignore_free(di);

	CHECK_INT(ais_dockerignore_parse(&di, NULL, 0), 0);
	CHECK_INT(ais_dockerignore_count(di), 0);
	ais_dockerignore_free(di);
}

TEST(dockerignore_comments_and_blank_lines)
{
	ais_dockerignore *di = di_parse("# comment\n\n   \n\t\nfoo\n#bar\n");

	CHECK_INT(ais_dockerignore_count(di), 1);
	EXCL(di, "foo");
	INCL(di, "#bar");
	INCL(di, "bar");
	ais_dockerignore_free(di);
}

/* ReadAll checks for '#' before trimming: only column 1 starts a comment. */
TEST(dockerignore_comment_only_in_column_one)
{
	ais_dockerignore *di = di_parse("  #keep\n");

	CHECK_INT(ais_dockerignore_count(di), 1);
	EXCL(di, "#keep");
	ais_dockerignore_free(di);
}

TEST(dockerignore_crlf_whitespace_and_bom)
{
	ais_dockerignore *di =
		di_parse("\xEF\xBB\xBF" "foo\r\n  bar  \r\n\tbaz\xC2\xA0\r\nlast");

	CHECK_INT(ais_dockerignore_count(di), 4);
	EXCL(di, "foo");
	EXCL(di, "bar");
	EXCL(di, "baz");
	EXCL(di, "last");
	INCL(di, "foo\r");
	INCL(di, " bar");
	ais_dockerignore_free(di);
}

/* The documented example from the .dockerignore reference. */
TEST(dockerignore_doc_temp_example)
{
	ais_dockerignore *di = di_parse("# comment\n*/temp*\n*/*/temp*\ntemp?\n");

	CHECK_INT(ais_dockerignore_count(di), 3);
	EXCL(di, "somedir/temporary.txt");
	EXCL(di, "somedir/temp");
	EXCL(di, "somedir/temp/inside.txt");
	EXCL(di, "somedir/subdir/temporary.txt");
	EXCL(di, "tempa");
	EXCL(di, "tempb");
	INCL(di, "temp");
	INCL(di, "temporary.txt");
	INCL(di, "tempab");
	INCL(di, "a/b/c/temporary.txt");
	INCL(di, "somedir/mytemp");
	ais_dockerignore_free(di);
}

TEST(dockerignore_doublestar_go_files)
{
	ais_dockerignore *di = di_parse("**/*.go\n");

	EXCL(di, "main.go");
	EXCL(di, "cmd/tool/main.go");
	EXCL(di, ".go");
	INCL(di, "main.goo");
	INCL(di, "go");
	INCL(di, "cmd/go.mod");
	ais_dockerignore_free(di);
}

TEST(dockerignore_markdown_with_readme_exception)
{
	ais_dockerignore *di = di_parse("*.md\n!README.md\n");

	CHECK_INT(ais_dockerignore_count(di), 2);
	INCL(di, "README.md");
	EXCL(di, "CHANGES.md");
	INCL(di, "docs/guide.md"); /* "*" does not cross '/' */
	ais_dockerignore_free(di);
}

/* The documented ordering examples: the last matching line decides. */
TEST(dockerignore_exception_ordering)
{
	ais_dockerignore *di = di_parse("*.md\n!README*.md\nREADME-secret.md\n");

	EXCL(di, "README-secret.md");
	INCL(di, "README.md");
	INCL(di, "README-other.md");
	EXCL(di, "notes.md");
	ais_dockerignore_free(di);

	di = di_parse("*.md\nREADME-secret.md\n!README*.md\n");
	INCL(di, "README-secret.md");
	INCL(di, "README.md");
	EXCL(di, "notes.md");
	ais_dockerignore_free(di);

	/* An exception before the pattern it would override has no effect. */
	di = di_parse("!fileutils.go\n*.go\n");
	EXCL(di, "fileutils.go");
	ais_dockerignore_free(di);
}

TEST(dockerignore_leading_slash_is_context_root)
{
	ais_dockerignore *di = di_parse("/foo/bar\n");

	EXCL(di, "foo/bar");
	EXCL(di, "foo/bar/baz.txt");
	INCL(di, "foo");
	INCL(di, "x/foo/bar");
	INCL(di, "foo/barn");
	ais_dockerignore_free(di);

	di = di_parse("! /keep\n*\n!/keep\n");
	INCL(di, "keep");
	EXCL(di, "other");
	ais_dockerignore_free(di);
}

TEST(dockerignore_doublestar_alone)
{
	ais_dockerignore *di = di_parse("**\n");

	EXCL(di, "a");
	EXCL(di, "a/b/c");
	EXCL(di, ".dockerignore");
	INCL(di, ".");
	INCL(di, "");
	ais_dockerignore_free(di);

	di = di_parse("**\n!keep\n");
	INCL(di, "keep");
	INCL(di, "keep/sub/file");
	EXCL(di, "other");
	EXCL(di, "x/keep");
	ais_dockerignore_free(di);
}

TEST(dockerignore_dir_doublestar)
{
	ais_dockerignore *di = di_parse("dir/**\n");

	EXCL(di, "dir/file");
	EXCL(di, "dir/dir2/file");
	INCL(di, "dir");
	INCL(di, "dirx/file");
	INCL(di, "x/dir/file");
	ais_dockerignore_free(di);
}

TEST(dockerignore_doublestar_middle)
{
	ais_dockerignore *di = di_parse("a/**/b\n");

	EXCL(di, "a/b");
	EXCL(di, "a/x/b");
	EXCL(di, "a/x/y/b");
	EXCL(di, "a/x/b/c"); /* via the parent "a/x/b" */
	INCL(di, "a/xb");
	INCL(di, "ab");
	INCL(di, "a/x/bb");
	ais_dockerignore_free(di);
}

/* Cases from patternmatcher's own TestMatches table. */
TEST(dockerignore_doublestar_table)
{
	static const struct {
		const char *pattern, *path;
		bool excluded;
	} cases[] = {
		{ "**/dir", "dir", true },
		{ "**/dir", "dir/file", true },
		{ "**/dir", "x/y/dir", true },
		{ "**/dir", "xdir", false },
		{ "**/dir2/*", "dir/dir2/file", true },
		{ "**/dir2/**", "dir/dir2/dir3/file", true },
		{ "**file", "file", true },
		{ "**file", "dir/dir/file", true },
		{ "**/file*.txt", "dir/dir/file.txt", true },
		{ "**/**/*.txt", "dir/dir/file.txt", true },
		{ "**/**/*.txt", "file.txt", true },
		{ "**/**/*.txt2", "dir/dir/file.txt", false },
		{ "a**/*.txt", "a/file.txt", true },
		{ "a**/*.txt", "a/dir/dir/file.txt", true },
		{ "a/*.txt", "a/dir/file.txt", false },
		{ "a/*.txt**", "a/file.txt", true },
		{ "abc/**", "abc", false },
		{ "abc/**", "abc/def/ghi", true },
		{ "**/.foo", ".foo", true },
		{ "**/.foo", "bar.foo", false },
		{ "**/foo/bar", "dir/dir2/foo/bar", true },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ais_dockerignore *di = di_parse(cases[i].pattern);

		if (ais_dockerignore_excluded(di, cases[i].path) !=
		    cases[i].excluded)
			test_fail(__FILE__, __LINE__, "'%s' on '%s': want %s",
				  cases[i].pattern, cases[i].path,
				  cases[i].excluded ? "excluded" : "included");
		ais_dockerignore_free(di);
	}
}

/* A leading "**" followed only by plain characters is a suffix test in
 * patternmatcher, so "**file" also matches "myfile" (docker does this). */
TEST(dockerignore_doublestar_suffix_quirk)
{
	ais_dockerignore *di = di_parse("**file\n");

	EXCL(di, "dir/myfile");
	EXCL(di, "myfile");
	ais_dockerignore_free(di);

	/* With a wildcard after it, it is a real "any directories" match. */
	di = di_parse("**file?\n");
	EXCL(di, "dir/file1");
	INCL(di, "dir/myfile1");
	ais_dockerignore_free(di);
}

TEST(dockerignore_exception_inside_excluded_dir)
{
	ais_dockerignore *di = di_parse("docs\n!docs/README.md\n");

	EXCL(di, "docs");
	EXCL(di, "docs/other.md");
	EXCL(di, "docs/sub/README.md");
	INCL(di, "docs/README.md");
	CHECK(!ais_dockerignore_skip_dir(di, "docs"));
	CHECK(ais_dockerignore_skip_dir(di, "docs/sub"));
	ais_dockerignore_free(di);

	di = di_parse("docs/*\n!docs/README.md\n");
	INCL(di, "docs/README.md");
	EXCL(di, "docs/a.md");
	INCL(di, "docs");
	ais_dockerignore_free(di);
}

/* patternmatcher's multi-pattern cases. */
TEST(dockerignore_exception_reincludes_directory)
{
	ais_dockerignore *di = di_parse("**\n!util/docker/web\n");

	INCL(di, "util/docker/web/foo");
	INCL(di, "util/docker/web");
	EXCL(di, "util/docker/other");
	CHECK(!ais_dockerignore_skip_dir(di, "util"));
	CHECK(!ais_dockerignore_skip_dir(di, "util/docker"));
	CHECK(!ais_dockerignore_skip_dir(di, "util/docker/web"));
	CHECK(ais_dockerignore_skip_dir(di, "util/other"));
	ais_dockerignore_free(di);

	di = di_parse("**\n!util/docker/web\nutil/docker/web/foo\n");
	EXCL(di, "util/docker/web/foo");
	INCL(di, "util/docker/web/bar");
	ais_dockerignore_free(di);
}

TEST(dockerignore_skip_dir_without_exceptions)
{
	ais_dockerignore *di = di_parse("build\nnode_modules\n");

	CHECK(ais_dockerignore_skip_dir(di, "build"));
	CHECK(ais_dockerignore_skip_dir(di, "build/sub"));
	CHECK(!ais_dockerignore_skip_dir(di, "src"));
	CHECK(!ais_dockerignore_skip_dir(di, "."));
	CHECK(!ais_dockerignore_skip_dir(di, ""));
	ais_dockerignore_free(di);
}

TEST(dockerignore_skip_dir_with_exceptions)
{
	ais_dockerignore *di = di_parse("build\n!src/keep\n!buildx/keep\n");

	/* Neither exception can match anything below "build/". */
	CHECK(ais_dockerignore_skip_dir(di, "build"));
	ais_dockerignore_free(di);

	di = di_parse("build\n!*/keep\n");
	CHECK(!ais_dockerignore_skip_dir(di, "build"));
	INCL(di, "build/keep");
	EXCL(di, "build/other");
	ais_dockerignore_free(di);

	di = di_parse("build\n!**/keep\n");
	CHECK(!ais_dockerignore_skip_dir(di, "build"));
	INCL(di, "build/a/keep");
	ais_dockerignore_free(di);

	di = di_parse("a\n!a/b/c/d\n");
	CHECK(!ais_dockerignore_skip_dir(di, "a"));
	CHECK(!ais_dockerignore_skip_dir(di, "a/b"));
	CHECK(!ais_dockerignore_skip_dir(di, "a/b/c"));
	CHECK(ais_dockerignore_skip_dir(di, "a/x"));
	CHECK(ais_dockerignore_skip_dir(di, "a/b/x"));
	INCL(di, "a/b/c/d");
	INCL(di, "a/b/c/d/e");
	ais_dockerignore_free(di);

	/* Exception wildcards past the directory part still count. */
	di = di_parse("out\nother\n!out/*.txt\n");
	CHECK(!ais_dockerignore_skip_dir(di, "out"));
	/* Conservative: the literal prefix "out/" also covers "out/sub/". */
	CHECK(!ais_dockerignore_skip_dir(di, "out/sub"));
	CHECK(ais_dockerignore_skip_dir(di, "other"));
	INCL(di, "out/a.txt");
	EXCL(di, "out/sub/a.txt");
	ais_dockerignore_free(di);
}

/* Only exceptions after the pattern that excludes the directory matter. */
TEST(dockerignore_skip_dir_exception_before_exclusion)
{
	ais_dockerignore *di = di_parse("!build/keep\nbuild\n");

	CHECK(ais_dockerignore_skip_dir(di, "build"));
	EXCL(di, "build/keep");
	ais_dockerignore_free(di);

	/* Not excluded at all: nothing to skip. */
	di = di_parse("a/b\n!a\n");
	INCL(di, "a/b");
	CHECK(!ais_dockerignore_skip_dir(di, "a/b"));
	ais_dockerignore_free(di);
}

TEST(dockerignore_clean_patterns)
{
	ais_dockerignore *di = di_parse("./foo//bar/../baz/\n"
					"x/./y\n"
					"../up\n"
					"/../../rooted\n");

	CHECK_INT(ais_dockerignore_count(di), 4);
	EXCL(di, "foo/baz");
	INCL(di, "foo/bar");
	EXCL(di, "x/y");
	EXCL(di, "rooted");
	INCL(di, "up");
	ais_dockerignore_free(di);
}

/* A pattern cleaning to "." (or "/") is kept but matches nothing: the
 * context root itself is never matched. */
TEST(dockerignore_dot_pattern_matches_nothing)
{
	ais_dockerignore *di = di_parse(".\n./\nfoo/..\n/\n");

	CHECK_INT(ais_dockerignore_count(di), 4);
	INCL(di, "foo");
	INCL(di, "a/b");
	INCL(di, ".");
	CHECK(!ais_dockerignore_skip_dir(di, "foo"));
	ais_dockerignore_free(di);
}

TEST(dockerignore_exception_whitespace_and_double_bang)
{
	ais_dockerignore *di = di_parse("*\n!  keep.txt  \n!!odd\n");

	CHECK_INT(ais_dockerignore_count(di), 3);
	INCL(di, "keep.txt");
	EXCL(di, "other");
	/* Only one '!' is special: the exception is for the name "!odd". */
	INCL(di, "!odd");
	EXCL(di, "odd");
	ais_dockerignore_free(di);
}

TEST(dockerignore_bare_exception_is_error)
{
	di_parse_fails("foo\n!\n", "line 2");
	di_parse_fails("! \n", "illegal exclusion pattern");
	/* "!/" cleans to "!" once the '/' is joined back on. */
	di_parse_fails("foo\n# c\n!/\n", "line 3");
}

TEST(dockerignore_bad_patterns)
{
	di_parse_fails("ok\n\n[abc\n", "line 3");
	di_parse_fails("[", "unterminated");
	di_parse_fails("a[", "line 1");
	di_parse_fails("[^", "line 1");
	di_parse_fails("[^bc", "line 1");
	di_parse_fails("a\\", "trailing");
	di_parse_fails("[]a]", "line 1");
	di_parse_fails("[-]", "line 1");
	di_parse_fails("[x-]", "line 1");
	di_parse_fails("[-x]", "line 1");
	di_parse_fails("[a-b-c]", "line 1");
	/* An error after valid lines is reported on its own line. */
	di_parse_fails("a\r\nb\r\n!*.go\r\n*[\r\n", "line 4");
}

TEST(dockerignore_character_classes)
{
	ais_dockerignore *di = di_parse("a[b-d]e\nx[^b-d]y\n[\\]q]\n[x\\-]z\n");

	EXCL(di, "ace");
	INCL(di, "aae");
	INCL(di, "ae");
	EXCL(di, "xzy");
	INCL(di, "xcy");
	EXCL(di, "]");
	EXCL(di, "q");
	EXCL(di, "-z");
	EXCL(di, "xz");
	INCL(di, "yz");
	ais_dockerignore_free(di);

	/* '!' is not negation in Go's syntax: it is a plain member. */
	di = di_parse("a[!b]c\n");
	EXCL(di, "a!c");
	EXCL(di, "abc");
	INCL(di, "axc");
	ais_dockerignore_free(di);
}

TEST(dockerignore_star_and_question_mark)
{
	ais_dockerignore *di = di_parse("a*/b\nabc?def\n");

	EXCL(di, "abc/b");
	EXCL(di, "a/b");
	INCL(di, "a/c/b");
	EXCL(di, "abcZdef");
	INCL(di, "abcdef");
	INCL(di, "abc/def");
	ais_dockerignore_free(di);

	di = di_parse("*\n");
	EXCL(di, "anything");
	EXCL(di, "dir/below"); /* via its parent */
	ais_dockerignore_free(di);

	di = di_parse("a*b*c*d*e*/f\n");
	EXCL(di, "axbxcxdxe/f");
	EXCL(di, "axbxcxdxexxx/f");
	INCL(di, "axbxcxdxe/xxx/f");
	INCL(di, "axbxcxdxexxx/fff");
	ais_dockerignore_free(di);
}

TEST(dockerignore_escapes_and_regex_metacharacters)
{
	ais_dockerignore *di = di_parse("a\\*b\n\\[x\\]\n");

	EXCL(di, "a*b");
	INCL(di, "axb");
	INCL(di, "ab");
	EXCL(di, "[x]");
	INCL(di, "x");
	ais_dockerignore_free(di);

	di = di_parse("a(b)c/def\na.|)$(}+{bc\nabc.def\ndist/*.whl\n");
	EXCL(di, "a(b)c/def");
	INCL(di, "a(b)c/xyz");
	EXCL(di, "a.|)$(}+{bc");
	EXCL(di, "abc.def");
	INCL(di, "abcZdef");
	EXCL(di, "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl");
	ais_dockerignore_free(di);

	di = di_parse(".*\n");
	EXCL(di, ".git");
	INCL(di, "git");
	ais_dockerignore_free(di);
}

TEST(dockerignore_utf8)
{
	ais_dockerignore *di = di_parse("a?b\n[a-\xCE\xB6]*\n");

	EXCL(di, "a\xE2\x98\xBA" "b");   /* a☺b: one rune for '?' */
	EXCL(di, "\xCE\xB1");           /* α is in [a-ζ] */
	INCL(di, "A");
	ais_dockerignore_free(di);

	di = di_parse("a???b\n");
	INCL(di, "a\xE2\x98\xBA" "b");
	ais_dockerignore_free(di);
}

TEST(dockerignore_long_pattern)
{
	char pat[1200], path[1200];
	ais_dockerignore *di;
	size_t i;

	/* More NFA states than the on-stack buffer holds. */
	for (i = 0; i < 600; i++)
		pat[i] = (i % 2) ? 'x' : '*';
	pat[600] = '\0';
	for (i = 0; i < 1000; i++)
		path[i] = 'x';
	path[1000] = '\0';
	di = di_parse(pat);
	EXCL(di, path);
	path[10] = '/';
	INCL(di, path);
	ais_dockerignore_free(di);
}

TEST(dockerignore_load_missing_file)
{
	char path[512];
	ais_dockerignore *di = NULL;

	snprintf(path, sizeof(path), "%s/no-such/.dockerignore", test_tmpdir());
	CHECK_INT(ais_dockerignore_load(&di, path), 0);
	CHECK(di != NULL);
	CHECK_INT(ais_dockerignore_count(di), 0);
	INCL(di, "anything");
	ais_dockerignore_free(di);
}

TEST(dockerignore_load_file)
{
	char path[512];
	ais_dockerignore *di = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/.dockerignore", test_tmpdir());
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs("# build output\nbuild/\n*.log\n!important.log\n", f);
	fclose(f);

	CHECK_INT(ais_dockerignore_load(&di, path), 0);
	CHECK_INT(ais_dockerignore_count(di), 3);
	EXCL(di, "build/x.o");
	CHECK(ais_dockerignore_skip_dir(di, "build"));
	EXCL(di, "debug.log");
	INCL(di, "important.log");
	INCL(di, "src/main.c");
	ais_dockerignore_free(di);

	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs("ok\n[oops\n", f);
	fclose(f);
	di = NULL;
	CHECK_INT(ais_dockerignore_load(&di, path), AIS_EINVALID);
	CHECK(di == NULL);
	CHECK(strstr(ais_error_last()->message, path) != NULL);
	CHECK(strstr(ais_error_last()->message, "line 2") != NULL);
}

TEST(dockerignore_load_directory_fails)
{
	ais_dockerignore *di = NULL;

	CHECK(ais_dockerignore_load(&di, test_tmpdir()) < 0);
	CHECK(di == NULL);
}

/* One path pattern: a leading '!' or '#' is part of the name, not a
 * negation or a comment; wildcards work as in .dockerignore. */
TEST(dockerignore_parse_path_takes_a_name_literally)
{
	ais_dockerignore *m = NULL;

	CHECK_INT(ais_dockerignore_parse_path(&m, "!x/*.c", 6), 0);
	CHECK(ais_dockerignore_excluded(m, "!x/a.c"));
	CHECK(!ais_dockerignore_excluded(m, "x/a.c"));
	ais_dockerignore_free(m);
	CHECK_INT(ais_dockerignore_parse_path(&m, "#n?te", 5), 0);
	CHECK(ais_dockerignore_excluded(m, "#note"));
	ais_dockerignore_free(m);
	CHECK_INT(ais_dockerignore_parse_path(&m, "src/*.c and more", 7), 0);
	CHECK(ais_dockerignore_excluded(m, "src/a.c"));
	CHECK(!ais_dockerignore_excluded(m, "src/a.h"));
	ais_dockerignore_free(m);
}
