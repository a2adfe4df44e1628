/* What a BuildKit session offers the engine (session.c's listing). */
#include "test.h"

#include "context.h"
#include "dockerfile.h"
#include "session.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Open the context test_tmpdir()/ctx for the Dockerfile ctx/Dockerfile. */
static ais_context *open_ctx(const char *dockerfile_text)
{
	ais_dockerfile_inputs df;
	ais_context *ctx = NULL;
	char root[1024], path[1100];

	snprintf(root, sizeof(root), "%s/ctx", test_tmpdir());
	snprintf(path, sizeof(path), "ctx/%s", "Dockerfile");
	test_write(path, dockerfile_text);
	CHECK_INT(ais_dockerfile_parse_inputs(&df, dockerfile_text, strlen(dockerfile_text)), 0);
	CHECK_INT(ais_context_open_inputs(&ctx, root, "Dockerfile", 0, &df), 0);
	ais_dockerfile_inputs_dispose(&df);
	return ctx;
}

/* A symbolic link ctx/`rel` to `target`. */
static void ctx_link(const char *rel, const char *target)
{
	char path[1100];

	snprintf(path, sizeof(path), "%s/ctx/%s", test_tmpdir(), rel);
	CHECK_INT(symlink(target, path), 0);
}

/* The listing as one string, entries separated by spaces. */
static const char *listing(ais_context *ctx, const char *dir,
			   const char *const *inc, const char *const *exc,
			   const char *const *fol)
{
	static char out[4096];
	ais_buf list = AIS_BUF_INIT;
	size_t count = 0, i, off = 0;
	const char *p;

	out[0] = '\0';
	if (ais_session__list(&list, &count, ctx, dir, inc, exc, fol) < 0) {
		ais_buf_dispose(&list);
		return "(error)";
	}
	for (i = 0, p = list.ptr; i < count; i++, p += strlen(p) + 1)
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s", i ? " " : "", p);
	ais_buf_dispose(&list);
	return out;
}

TEST(session_offers_what_the_sources_read_with_their_parents)
{
	ais_context *ctx;

	test_mkdir("ctx");
	test_mkdir("ctx/src");
	test_mkdir("ctx/src/deep");
	test_mkdir("ctx/bulk");
	test_write("ctx/src/deep/a.txt", "a");
	test_write("ctx/src/b.txt", "b");
	test_write("ctx/small.txt", "s");
	test_write("ctx/bulk/data", "x");
	test_write("ctx/.dockerignore", "bulk\n");
	ctx = open_ctx("FROM scratch\nCOPY small.txt src/deep/a.txt /x/\n");
	/* parents first, '/' before any other byte; .dockerignore for the
	 * engine; the Dockerfile is not read by a source here */
	CHECK_STR(listing(ctx, "context", NULL, NULL, NULL),
		  ".dockerignore small.txt src src/deep src/deep/a.txt");
	CHECK_STR(listing(ctx, "dockerfile", NULL, NULL, NULL), "Dockerfile");
	ais_context_free(ctx);
}

TEST(session_applies_the_engines_patterns)
{
	const char *dockerignore[] = { ".dockerignore", NULL };
	const char *dfname[] = { "Dockerfile", "Dockerfile.dockerignore", NULL };
	const char *exclude[] = { "src/b*", NULL };
	const char *include[] = { "src/deep", NULL };
	ais_context *ctx;

	test_mkdir("ctx");
	test_mkdir("ctx/src");
	test_mkdir("ctx/src/deep");
	test_write("ctx/src/deep/a.txt", "a");
	test_write("ctx/src/b.txt", "b");
	test_write("ctx/src.txt", "s");
	test_write("ctx/.dockerignore", "# nothing\n");
	ctx = open_ctx("FROM scratch\nCOPY . /app\n");
	CHECK_STR(listing(ctx, "context", NULL, NULL, NULL),
		  ".dockerignore Dockerfile src src/b.txt src/deep src/deep/a.txt src.txt");
	/* what the engine reads .dockerignore with */
	CHECK_STR(listing(ctx, "context", NULL, NULL, dockerignore), ".dockerignore");
	CHECK_STR(listing(ctx, "context", NULL, exclude, NULL),
		  ".dockerignore Dockerfile src src/deep src/deep/a.txt src.txt");
	/* an included file below directories that are not: they come too */
	CHECK_STR(listing(ctx, "context", include, NULL, NULL), "src src/deep src/deep/a.txt");
	CHECK_STR(listing(ctx, "dockerfile", NULL, NULL, dfname), "Dockerfile");
	CHECK_STR(listing(ctx, "dockerfile", NULL, NULL, dockerignore), "");
	CHECK_STR(listing(ctx, "elsewhere", NULL, NULL, NULL), "(error)");
	ais_context_free(ctx);
}

TEST(session_offers_links_and_the_path_they_lead_to)
{
	ais_context *ctx;

	test_mkdir("ctx");
	test_mkdir("ctx/realdir");
	test_write("ctx/realdir/f", "eff");
	test_write("ctx/data.txt", "target");
	ctx_link("link", "data.txt");
	ctx_link("linkdir", "/realdir");
	ctx = open_ctx("FROM scratch\nCOPY link /x\nCOPY linkdir/f /y\n");
	CHECK_STR(listing(ctx, "context", NULL, NULL, NULL),
		  "data.txt link linkdir realdir realdir/f");
	/* the engine names the sources as followpaths: the links on their
	 * way are followed inside the context, as fsutil does */
	{
		const char *follow[] = { "linkdir/f", NULL };
		const char *follow2[] = { "./link", "nothing/here", "real*/f", NULL };

		CHECK_STR(listing(ctx, "context", NULL, NULL, follow), "linkdir realdir realdir/f");
		CHECK_STR(listing(ctx, "context", NULL, NULL, follow2),
			  "data.txt link realdir realdir/f");
	}
	ais_context_free(ctx);
}

TEST(session_mode_is_gos_file_mode)
{
	CHECK_INT(ais_session_go_mode(S_IFREG | 0644), 0644);
	CHECK_INT(ais_session_go_mode(S_IFDIR | 0755), (1u << 31) | 0755);
	CHECK_INT(ais_session_go_mode(S_IFLNK | 0777), (1u << 27) | 0777);
	CHECK_INT(ais_session_go_mode(S_IFREG | S_ISUID | 0755), (1u << 23) | 0755);
	CHECK_INT(ais_session_go_mode(S_IFDIR | S_ISVTX | 0777), (1u << 31) | (1u << 20) | 0777);
	CHECK_INT(ais_session_go_mode(S_IFIFO | 0600), (1u << 25) | 0600);
	CHECK_INT(ais_session_go_mode(S_IFCHR | 0600), (1u << 26) | (1u << 21) | 0600);
}

/* A wildcard followpath: the links it matches are followed too, as fsutil
 * does (COPY *.txt copies what a matching link leads to), with the rest of
 * the path after them. */
TEST(session_follows_links_a_wildcard_matches)
{
	ais_context *ctx;

	test_mkdir("ctx");
	test_mkdir("ctx/data");
	test_mkdir("ctx/sub");
	test_write("ctx/data/real.txt", "real");
	test_write("ctx/data/other.txt", "other");
	test_write("ctx/plain.txt", "plain");
	test_write("ctx/sub/s.txt", "s");
	ctx_link("a.txt", "data/real.txt");
	ctx_link("sub/l.txt", "/data/other.txt");
	ctx = open_ctx("FROM scratch\nCOPY *.txt /x/\nCOPY s*/*.txt /y/\n");
	CHECK_STR(listing(ctx, "context", NULL, NULL, NULL),
		  "a.txt data data/other.txt data/real.txt plain.txt sub sub/l.txt sub/s.txt");
	{
		const char *follow[] = { "*.txt", NULL };
		const char *follow2[] = { "sub/*.txt", NULL };
		const char *follow3[] = { "s*/*.txt", NULL };

		CHECK_STR(listing(ctx, "context", NULL, NULL, follow),
			  "a.txt data data/real.txt plain.txt");
		CHECK_STR(listing(ctx, "context", NULL, NULL, follow2),
			  "data data/other.txt sub sub/l.txt sub/s.txt");
		/* as in fsutil, only the links where the first wildcard is
		 * are followed */
		CHECK_STR(listing(ctx, "context", NULL, NULL, follow3),
			  "sub sub/l.txt sub/s.txt");
	}
	ais_context_free(ctx);
}
