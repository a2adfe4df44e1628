#include "test.h"

#include "context.h"
#include "error.h"
#include "hash.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * getdents64(), as the walk calls it, with every d_type DT_UNKNOWN while
 * `dtype_unknown` is set, as some file systems list a directory: defined
 * here, it takes the place of the C library's in this test program.
 */
static bool dtype_unknown;
static unsigned long unknown_listings;

ssize_t getdents64(int fd, void *buf, size_t len)
{
	long got = syscall(SYS_getdents64, fd, buf, len);
	long off;

	unknown_listings += dtype_unknown && got > 0;
	for (off = 0; dtype_unknown && off < got;
	     off += ((struct dirent64 *)((char *)buf + off))->d_reclen)
		((struct dirent64 *)((char *)buf + off))->d_type = DT_UNKNOWN;
	return got;
}

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
	char hardlinks[64][256];
	char data[64][64];
	int types[64];
	int uids[64];
	long long mtimes[64];
	long mtime_nsecs[64];
	int n;
	unsigned char head[512]; /* the archive's first header block */
} listing;

/* Stream the context through ais_context_read in odd-sized pieces, free
 * it, and read the result back with libarchive. */
static int list_stream(listing *out, ais_context *ctx)
{
	struct archive *ar;
	struct archive_entry *e;
	char *tar = NULL, piece[777];
	size_t size = 0;
	ssize_t n;

	memset(out, 0, sizeof(*out));
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
	if (size >= sizeof(out->head))
		memcpy(out->head, tar, sizeof(out->head));
	ar = archive_read_new();
	archive_read_support_format_tar(ar);
	CHECK_INT(archive_read_open_memory(ar, tar, size), ARCHIVE_OK);
	while (out->n < 64 && archive_read_next_header(ar, &e) == ARCHIVE_OK) {
		snprintf(out->names[out->n], 256, "%s", archive_entry_pathname(e));
		out->types[out->n] = (int)archive_entry_filetype(e);
		out->uids[out->n] = (int)archive_entry_uid(e);
		out->mtimes[out->n] = (long long)archive_entry_mtime(e);
		out->mtime_nsecs[out->n] = archive_entry_mtime_is_set(e) ?
					   archive_entry_mtime_nsec(e) : -1;
		if (archive_entry_symlink(e))
			snprintf(out->targets[out->n], 256, "%s", archive_entry_symlink(e));
		if (archive_entry_hardlink(e))
			snprintf(out->hardlinks[out->n], 256, "%s", archive_entry_hardlink(e));
		archive_read_data(ar, out->data[out->n], 63);
		out->n++;
	}
	archive_read_free(ar);
	free(tar);
	return 0;
}

static int read_back_flags(listing *out, const char *dockerfile, unsigned flags)
{
	ais_context *ctx = NULL;
	char root[1024];
	int error;

	snprintf(root, sizeof(root), "%s/ctx", test_tmpdir());
	if ((error = ais_context_open(&ctx, root, dockerfile, flags)) < 0)
		return error;
	return list_stream(out, ctx);
}

/* Stream what the Dockerfile `text` (written to ctx/Dockerfile) reads. */
static int read_back_inputs(listing *out, const char *text)
{
	ais_dockerfile_inputs df;
	ais_context *ctx = NULL;
	char root[1024];
	int error;

	put("Dockerfile", text);
	snprintf(root, sizeof(root), "%s/ctx", test_tmpdir());
	CHECK_INT(ais_dockerfile_parse_inputs(&df, text, strlen(text)), 0);
	error = ais_context_open_inputs(&ctx, root, "Dockerfile", 0, &df);
	ais_dockerfile_inputs_dispose(&df);
	if (error < 0)
		return error;
	return list_stream(out, ctx);
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

static void bulk_project(void)
{
	dir("");
	dir("bulk");
	dir("src");
	dir("tools");
	put("bulk/data.bin", "never read\n");
	put("unread.txt", "never read\n");
	put("small.txt", "small\n");
	put("src/a.c", "a\n");
	put("src/b.h", "b\n");
	put("tools/run.sh", "run\n");
	put("secret.c", "s\n");
	put(".dockerignore", "secret.c\n");
}

TEST(context_sends_only_what_the_build_reads)
{
	listing l;

	bulk_project();
	CHECK_INT(read_back_inputs(&l, "FROM x\n"
				       "COPY small.txt /small.txt\n"
				       "COPY *.c src/*.c /src/\n"
				       "RUN --mount=type=bind,source=tools,target=/t /t/run.sh\n"),
		  0);
	CHECK(find(&l, "small.txt") >= 0);
	CHECK(find(&l, "src/a.c") >= 0);
	CHECK(find(&l, "tools/") >= 0);
	CHECK(find(&l, "tools/run.sh") >= 0);
	CHECK(find(&l, "Dockerfile") >= 0);
	CHECK(find(&l, ".dockerignore") >= 0);
	/* Not read, or ignored: not in the stream at all. */
	CHECK(find(&l, "src/b.h") < 0);
	CHECK(find(&l, "unread.txt") < 0);
	CHECK(find(&l, "bulk/data.bin") < 0);
	CHECK(find(&l, "bulk/") < 0);
	CHECK(find(&l, "secret.c") < 0);
	CHECK_INT(l.n, 6);
}

TEST(context_sends_everything_when_inputs_are_unknown)
{
	static const char *const files[] = {
		"FROM x\nCOPY . /app\n",
		"FROM x\nARG D=src\nCOPY $D /app\n",
		"FROM x\nCOPY --frobnicate small.txt /s\n",
		"FROM x\nFROBNICATE small.txt\n",
		"# syntax=example.com/frontend\nFROM x\nCOPY small.txt /s\n",
		"FROM x\nRUN --mount=type=bind,target=/ctx make\n",
		"FROM x\nRUN cat <<EOF\nno end\n",
	};
	size_t i;
	listing l;

	bulk_project();
	for (i = 0; i < sizeof(files) / sizeof(*files); i++) {
		CHECK_INT(read_back_inputs(&l, files[i]), 0);
		CHECK(find(&l, "bulk/data.bin") >= 0);
		CHECK(find(&l, "unread.txt") >= 0);
		CHECK(find(&l, "src/b.h") >= 0);
		CHECK(find(&l, "secret.c") < 0);
	}
}

TEST(context_copied_links_send_their_targets)
{
	listing l;
	char path[1024];
	int i;

	bulk_project();
	dir("realdir");
	put("realdir/f", "eff\n");
	put("realdir/other", "o\n");
	snprintf(path, sizeof(path), "%s/ctx/link", test_tmpdir());
	CHECK_INT(symlink("small.txt", path), 0);
	snprintf(path, sizeof(path), "%s/ctx/linkdir", test_tmpdir());
	CHECK_INT(symlink("../../realdir", path), 0); /* ".." stops at the root */
	CHECK_INT(read_back_inputs(&l, "FROM x\nCOPY link /x\nCOPY linkdir/f /y\n"), 0);
	i = find(&l, "link");
	CHECK(i >= 0 && l.types[i] == AE_IFLNK);
	CHECK(find(&l, "small.txt") >= 0);
	i = find(&l, "linkdir");
	CHECK(i >= 0 && l.types[i] == AE_IFLNK);
	i = find(&l, "realdir/f");
	CHECK(i >= 0 && !strcmp(l.data[i], "eff\n"));
	CHECK(find(&l, "realdir/other") < 0);
	CHECK(find(&l, "unread.txt") < 0);
}

TEST(context_directory_swapped_for_a_link_is_not_followed)
{
	ais_dockerfile_inputs df;
	ais_context *ctx = NULL;
	char root[1024], from[1100], to[1100], buf[65536];
	ssize_t n;
	bool leaked = false;
	const char *text = "FROM x\nCOPY src /src\n";

	bulk_project();
	put("Dockerfile", text);
	test_mkdir("host");
	test_write("host/a.c", "HOST SECRET\n");
	snprintf(root, sizeof(root), "%s/ctx", test_tmpdir());
	CHECK_INT(ais_dockerfile_parse_inputs(&df, text, strlen(text)), 0);
	CHECK_INT(ais_context_open_inputs(&ctx, root, "Dockerfile", 0, &df), 0);
	ais_dockerfile_inputs_dispose(&df);
	/* Between the walk and the upload, src becomes a link to a host
	 * directory holding the same names. */
	snprintf(from, sizeof(from), "%s/src", root);
	snprintf(to, sizeof(to), "%s/src.old", root);
	CHECK_INT(rename(from, to), 0);
	snprintf(to, sizeof(to), "%s/host", test_tmpdir());
	CHECK_INT(symlink(to, from), 0);
	while ((n = ais_context_read(buf, sizeof(buf), ctx)) > 0)
		if (memmem(buf, (size_t)n, "HOST SECRET", 11))
			leaked = true;
	CHECK(n < 0);
	CHECK(!leaked);
	CHECK(strstr(ais_error_last()->message, "src") != NULL);
	ais_context_free(ctx);
}

/* An empty directory swapped for another between the walk and the upload:
 * nothing below it is opened, so only its own entry can tell. */
TEST(context_directory_entry_swapped_fails_the_upload)
{
	ais_context *ctx = NULL;
	char root[1024], from[1100], to[1100], buf[65536];
	ssize_t n;

	dir("");
	dir("empty");
	put("Dockerfile", "FROM x\nCOPY . /app\n");
	snprintf(root, sizeof(root), "%s/ctx", test_tmpdir());
	CHECK_INT(ais_context_open(&ctx, root, "Dockerfile", 0), 0);
	snprintf(from, sizeof(from), "%s/empty", root);
	snprintf(to, sizeof(to), "%s/empty.old", root);
	CHECK_INT(rename(from, to), 0);
	CHECK_INT(mkdir(from, 0755), 0);
	while ((n = ais_context_read(buf, sizeof(buf), ctx)) > 0)
		;
	CHECK(n < 0);
	CHECK(n < 0 && strstr(ais_error_last()->message, "empty") != NULL);
	ais_context_free(ctx);
}

TEST(context_reports_a_file_sent_other_than_hashed)
{
	ais_context *ctx = NULL;
	char root[1024], buf[4096], digest[AIS_SHA256_HEX_LEN + 1];
	size_t i;
	ssize_t n;

	dir("");
	put("Dockerfile", "FROM x\n");
	put("a", "one\n");
	snprintf(root, sizeof(root), "%s/ctx", test_tmpdir());
	CHECK_INT(ais_context_open(&ctx, root, "Dockerfile", 0), 0);
	for (i = 0; i < ais_context_entry_count(ctx); i++)
		if (!strcmp(ais_context_entry(ctx, i), "a")) {
			ais_hash_sha256_hex(digest, "one\n", 4);
			ais_context_expect(ctx, i, digest);
		}
	while ((n = ais_context_read(buf, sizeof(buf), ctx)) > 0)
		;
	CHECK_INT(n, 0);
	CHECK(ais_context_sent_as_expected(ctx));
	ais_context_free(ctx);

	CHECK_INT(ais_context_open(&ctx, root, "Dockerfile", 0), 0);
	for (i = 0; i < ais_context_entry_count(ctx); i++)
		if (!strcmp(ais_context_entry(ctx, i), "a"))
			ais_context_expect(ctx, i, digest);
	put("a", "two\n"); /* same size, other bytes */
	while ((n = ais_context_read(buf, sizeof(buf), ctx)) > 0)
		;
	CHECK_INT(n, 0);
	CHECK(!ais_context_sent_as_expected(ctx));
	ais_context_free(ctx);
}

static void link_at(const char *rel, const char *target)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/ctx/%s", test_tmpdir(), rel);
	CHECK_INT(symlink(target, path), 0);
}

static int note_link(void *p, const char *rel, const ais_context_stat *st)
{
	ais_buf *seen = p;

	CHECK(S_ISLNK(st->mode));
	return ais_buf_puts(seen, rel) < 0 ? -1 : ais_buf_putc(seen, ' ');
}

/* One resolver for COPY sources and the engine's followpaths: links
 * followed inside the context (an absolute target from its root, ".."
 * stopping there), each link passed reported; strict, what is not there
 * is AIS_ENOTFOUND; as a pattern, resolving stops at a wildcard or at
 * what cannot be resolved and keeps the rest. */
TEST(context_resolve_follows_links_inside_the_context)
{
	ais_context *ctx = NULL;
	ais_buf out = AIS_BUF_INIT, seen = AIS_BUF_INIT;
	char root[1024];
	const unsigned P = AIS_CONTEXT_RESOLVE_PATTERN;

	dir("");
	put("Dockerfile", "FROM x\n");
	dir("real");
	put("real/f", "f");
	put("file", "x");
	link_at("rel", "real");              /* relative */
	link_at("abs", "/real");             /* from the context root */
	link_at("up", "../../../real");      /* ".." stops at the root */
	link_at("real/back", "../rel/f");    /* a link through a link */
	link_at("loop", "loop");
	snprintf(root, sizeof(root), "%s/ctx", test_tmpdir());
	CHECK_INT(ais_context_open(&ctx, root, "Dockerfile", 0), 0);

	CHECK_INT(ais_context_resolve(&out, ctx, "rel/f", 0, note_link, &seen), 0);
	CHECK_STR(ais_buf_cstr(&out), "real/f");
	CHECK_STR(ais_buf_cstr(&seen), "rel ");
	ais_buf_clear(&seen);
	CHECK_INT(ais_context_resolve(&out, ctx, "./abs/./f", 0, note_link, &seen), 0);
	CHECK_STR(ais_buf_cstr(&out), "real/f");
	CHECK_INT(ais_context_resolve(&out, ctx, "/up/f", 0, NULL, NULL), 0);
	CHECK_STR(ais_buf_cstr(&out), "real/f");
	ais_buf_clear(&seen);
	CHECK_INT(ais_context_resolve(&out, ctx, "abs/back", 0, note_link, &seen), 0);
	CHECK_STR(ais_buf_cstr(&out), "real/f");
	CHECK_STR(ais_buf_cstr(&seen), "abs real/back rel ");
	CHECK_INT(ais_context_resolve(&out, ctx, ".", 0, NULL, NULL), 0);
	CHECK_STR(ais_buf_cstr(&out), "");

	/* strict: what is not there, a file on the way, a loop */
	CHECK_INT(ais_context_resolve(&out, ctx, "rel/none", 0, NULL, NULL), AIS_ENOTFOUND);
	CHECK_INT(ais_context_resolve(&out, ctx, "file/f", 0, NULL, NULL), AIS_ENOTFOUND);
	CHECK_INT(ais_context_resolve(&out, ctx, "loop/f", 0, NULL, NULL), AIS_ENOTFOUND);

	/* a pattern: resolved up to the wildcard or what cannot be resolved */
	ais_buf_clear(&seen);
	CHECK_INT(ais_context_resolve(&out, ctx, "rel/*.c/x", P, note_link, &seen), 0);
	CHECK_STR(ais_buf_cstr(&out), "real/*.c/x");
	CHECK_STR(ais_buf_cstr(&seen), "rel ");
	CHECK_INT(ais_context_resolve(&out, ctx, "r?al/f", P, NULL, NULL), 0);
	CHECK_STR(ais_buf_cstr(&out), "r?al/f");
	CHECK_INT(ais_context_resolve(&out, ctx, "abs/none/more", P, NULL, NULL), 0);
	CHECK_STR(ais_buf_cstr(&out), "real/none/more");
	CHECK_INT(ais_context_resolve(&out, ctx, "file/f", P, NULL, NULL), 0);
	CHECK_STR(ais_buf_cstr(&out), "file/f");
	CHECK_INT(ais_context_resolve(&out, ctx, "loop/f", P, NULL, NULL), 0);
	CHECK_STR(ais_buf_cstr(&out), "loop/f");
	ais_context_free(ctx);
	ais_buf_dispose(&out);
	ais_buf_dispose(&seen);
}

/* A file system whose listings do not say what each entry is: the walk
 * stats each entry as it lists it, and takes the same, links and
 * .dockerignore included. */
TEST(context_walk_without_d_type_takes_the_same)
{
	const char *text = "FROM x\nCOPY . /app\nCOPY src/*.c /c/\nCOPY link /l\n";
	static listing with, without;
	int i;

	bulk_project();
	link_at("link", "small.txt");
	CHECK_INT(read_back_inputs(&with, text), 0);
	dtype_unknown = true;
	CHECK_INT(read_back_inputs(&without, text), 0);
	dtype_unknown = false;
	CHECK(unknown_listings > 0); /* the walk listed through this getdents64() */
	CHECK(with.n > 8);
	CHECK_INT(without.n, with.n);
	for (i = 0; i < with.n && i < without.n; i++) {
		CHECK_STR(without.names[i], with.names[i]);
		CHECK_INT(without.types[i], with.types[i]);
	}
	CHECK(find(&without, "secret.c") < 0);
	CHECK(find(&without, "link") >= 0);
}

/* Names are bytes: neither ASCII nor UTF-8 is asked of them, as with the
 * docker CLI.  Those that need a pax header (not ASCII, too long) may sort
 * ahead of the Dockerfile, which is sent first all the same: BuildKit
 * reads one plain header from the first 1,024 bytes to tell a tar from a
 * bare Dockerfile.  Such a header carries times in whole seconds, as the
 * plain ones do and as the docker CLI sends them. */
TEST(context_sends_names_as_bytes_and_the_dockerfile_first)
{
	char link[1024], longname[128];
	listing l;
	int i;

	dir("");
	dir(".aishell");
	put(".aishell/Dockerfile", "FROM x\n");
	put("#caf\xc3\xa9.txt", "utf-8\n");
	put("raw\xffname", "raw\n");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[0] = '-';
	longname[sizeof(longname) - 1] = '\0';
	put(longname, "long\n");
	snprintf(link, sizeof(link), "%s/ctx/l\xc3\xafnk", test_tmpdir());
	CHECK_INT(symlink("raw\xffname", link), 0);
	snprintf(link, sizeof(link), "%s/ctx/#caf\xc3\xa9.txt", test_tmpdir());
	CHECK_INT(utimensat(AT_FDCWD, link, (struct timespec[2]){ { 1000000000, 700000000 },
							 { 1000000000, 700000000 } }, 0), 0);
	CHECK_INT(read_back(&l, ".aishell/Dockerfile"), 0);
	/* A ustar header of a regular file, not a pax one ('x'). */
	CHECK(!memcmp(l.head, ".aishell/Dockerfile", sizeof(".aishell/Dockerfile")));
	CHECK(l.head[156] == '0');
	CHECK(!memcmp(l.head + 257, "ustar", 5));
	i = find(&l, "#caf\xc3\xa9.txt");
	CHECK(i >= 0 && !strcmp(l.data[i], "utf-8\n"));
	CHECK(i >= 0 && l.mtimes[i] == 1000000000 && l.mtime_nsecs[i] == 0);
	i = find(&l, "raw\xffname");
	CHECK(i >= 0 && !strcmp(l.data[i], "raw\n"));
	i = find(&l, longname);
	CHECK(i >= 0 && !strcmp(l.data[i], "long\n"));
	i = find(&l, "l\xc3\xafnk");
	CHECK(i >= 0 && !strcmp(l.targets[i], "raw\xffname"));
}

/* Names of one file go as the docker CLI sends them: the first sent with
 * the data, each later one as a hard link to it; a name not sent (ignored)
 * is no link target. */
TEST(context_sends_hard_links_as_links_to_the_first_sent)
{
	char a[1024], b[1024];
	listing l;
	int i;

	dir("");
	dir("d");
	put("Dockerfile", "FROM x\n");
	put("d/one", "same\n");
	snprintf(a, sizeof(a), "%s/ctx/d/one", test_tmpdir());
	snprintf(b, sizeof(b), "%s/ctx/d/two", test_tmpdir());
	CHECK_INT(link(a, b), 0);
	snprintf(b, sizeof(b), "%s/ctx/zz", test_tmpdir());
	CHECK_INT(link(a, b), 0);
	CHECK_INT(read_back(&l, "Dockerfile"), 0);
	i = find(&l, "d/one");
	CHECK(i >= 0 && !strcmp(l.data[i], "same\n") && !l.hardlinks[i][0]);
	i = find(&l, "d/two");
	CHECK(i >= 0 && !strcmp(l.hardlinks[i], "d/one"));
	i = find(&l, "zz");
	CHECK(i >= 0 && !strcmp(l.hardlinks[i], "d/one"));

	put(".dockerignore", "d/one\n");
	CHECK_INT(read_back(&l, "Dockerfile"), 0);
	CHECK(find(&l, "d/one") < 0);
	i = find(&l, "d/two");
	CHECK(i >= 0 && !strcmp(l.data[i], "same\n") && !l.hardlinks[i][0]);
	i = find(&l, "zz");
	CHECK(i >= 0 && !strcmp(l.hardlinks[i], "d/two"));
}
