#include "test.h"

#include "context.h"
#include "error.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void put(const char *rel, const char *text)
{
	char path[1024];

	snprintf(path, sizeof(path), "ctx/%s", rel);
	test_write(path, text);
}

static void dir(const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "ctx%s%s", *rel ? "/" : "", rel);
	test_mkdir(path);
}

typedef struct {
	char names[64][256];
	char targets[64][256];
	char data[64][64];
	int types[64];
	int uids[64];
	int n;
} listing;

/* Stream the context through ais_context_read in odd-sized pieces and read
 * the result back with libarchive. */
static int read_back_flags(listing *out, const char *dockerfile, unsigned flags)
{
	ais_context *ctx = NULL;
	struct archive *ar;
	struct archive_entry *e;
	char *tar = NULL, piece[777], root[1024];
	size_t size = 0;
	ssize_t n;
	int error;

	memset(out, 0, sizeof(*out));
	snprintf(root, sizeof(root), "%s/ctx", test_tmpdir());
	if ((error = ais_context_open(&ctx, root, dockerfile, flags)) < 0)
		return error;
	while ((n = ais_context_read(piece, sizeof(piece), ctx)) > 0) {
		tar = realloc(tar, size + (size_t)n);
		memcpy(tar + size, piece, (size_t)n);
		size += (size_t)n;
	}
	ais_context_free(ctx);
	if (n < 0) {
		free(tar);
		return (int)n;
	}
	CHECK(size % 512 == 0);
	ar = archive_read_new();
	archive_read_support_format_tar(ar);
	CHECK_INT(archive_read_open_memory(ar, tar, size), ARCHIVE_OK);
	while (out->n < 64 && archive_read_next_header(ar, &e) == ARCHIVE_OK) {
		snprintf(out->names[out->n], 256, "%s", archive_entry_pathname(e));
		out->types[out->n] = (int)archive_entry_filetype(e);
		out->uids[out->n] = (int)archive_entry_uid(e);
		if (archive_entry_symlink(e))
			snprintf(out->targets[out->n], 256, "%s", archive_entry_symlink(e));
		archive_read_data(ar, out->data[out->n], 63);
		out->n++;
	}
	archive_read_free(ar);
	free(tar);
	return 0;
}

static int read_back(listing *out, const char *dockerfile)
{
	return read_back_flags(out, dockerfile, AIS_CONTEXT_SEND_DOCKERIGNORE);
}

static int find(const listing *l, const char *name)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->names[i], name))
			return i;
	return -1;
}

TEST(context_tar_honours_dockerignore)
{
	listing l;
	int i;

	dir("");
	dir(".aishell");
	dir("src");
	dir("node_modules");
	dir("logs");
	put(".aishell/Dockerfile", "FROM x\n");
	put("src/main.c", "int main;\n");
	put("node_modules/big.js", "x\n");
	put("secret.env", "TOKEN=1\n");
	put("logs/a.log", "a\n");
	put("logs/keep.log", "k\n");
	put(".dockerignore", "node_modules\n*.env\nlogs/*.log\n!logs/keep.log\n.dockerignore\n.aishell\n");
	CHECK_INT(read_back(&l, ".aishell/Dockerfile"), 0);
	CHECK(find(&l, "src/main.c") >= 0);
	CHECK(find(&l, "src/") >= 0);
	CHECK(find(&l, "node_modules/big.js") < 0);
	CHECK(find(&l, "node_modules/") < 0);
	CHECK(find(&l, "secret.env") < 0);
	CHECK(find(&l, "logs/a.log") < 0);
	CHECK(find(&l, "logs/keep.log") >= 0);
	/* Always sent, even when ignored, as the docker CLI does. */
	CHECK(find(&l, ".aishell/Dockerfile") >= 0);
	CHECK(find(&l, ".dockerignore") >= 0);
	i = find(&l, "src/main.c");
	CHECK(i >= 0 && !strcmp(l.data[i], "int main;\n"));
	CHECK(i >= 0 && l.uids[i] == 0);
}

TEST(context_excluded_dockerignore_not_sent_without_flag)
{
	listing l;

	dir("");
	put("Dockerfile", "FROM x\n");
	put("a", "a\n");
	put(".dockerignore", ".dockerignore\nDockerfile\n");
	CHECK_INT(read_back_flags(&l, "Dockerfile", 0), 0);
	CHECK(find(&l, "a") >= 0);
	CHECK(find(&l, "Dockerfile") >= 0);
	CHECK(find(&l, ".dockerignore") < 0);
	CHECK_INT(read_back_flags(&l, "Dockerfile", AIS_CONTEXT_SEND_DOCKERIGNORE), 0);
	CHECK(find(&l, ".dockerignore") >= 0);
}

TEST(context_symlinks_are_not_followed)
{
	listing l;
	char path[1024], target[1024];
	int i;

	dir("");
	put("Dockerfile", "FROM x\n");
	snprintf(target, sizeof(target), "%s/outside", test_tmpdir());
	mkdir(target, 0755);
	snprintf(path, sizeof(path), "%s/ctx/link-out", test_tmpdir());
	CHECK_INT(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/ctx/link-df", test_tmpdir());
	CHECK_INT(symlink("Dockerfile", path), 0);
	CHECK_INT(read_back(&l, "Dockerfile"), 0);
	i = find(&l, "link-out");
	CHECK(i >= 0);
	CHECK(i >= 0 && l.types[i] == AE_IFLNK);
	CHECK(i >= 0 && !strcmp(l.targets[i], target));
	i = find(&l, "link-df");
	CHECK(i >= 0 && l.types[i] == AE_IFLNK);
	CHECK(i >= 0 && !strcmp(l.targets[i], "Dockerfile"));
	CHECK(find(&l, "link-out/") < 0);
}

TEST(context_unreadable_file_fails_cleanly)
{
	ais_context *ctx = NULL;
	char root[1024], path[1024], buf[4096];
	ssize_t n;

	if (geteuid() == 0)
		return; /* root reads everything; covered by the error path below */
	dir("");
	put("Dockerfile", "FROM x\n");
	put("locked", "x\n");
	snprintf(path, sizeof(path), "%s/ctx/locked", test_tmpdir());
	chmod(path, 0);
	snprintf(root, sizeof(root), "%s/ctx", test_tmpdir());
	CHECK_INT(ais_context_open(&ctx, root, "Dockerfile", 0), 0);
	while ((n = ais_context_read(buf, sizeof(buf), ctx)) > 0)
		;
	CHECK(n < 0);
	ais_context_free(ctx);
}

TEST(context_missing_root_is_an_error)
{
	ais_context *ctx = NULL;
	char root[1024];

	snprintf(root, sizeof(root), "%s/nope", test_tmpdir());
	CHECK(ais_context_open(&ctx, root, "Dockerfile", 0) < 0);
	CHECK(ctx == NULL);
	CHECK(strstr(ais_error_last()->message, "nope") != NULL);
}
