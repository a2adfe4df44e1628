#include "test.h"

#include "error.h"
#include "hash.h"
#include "inputs.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

static void put(const char *rel, const char *text)
{
	char path[1024];

	snprintf(path, sizeof(path), "ctx/%s", rel);
	test_write(path, text);
}

static void mk(const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "ctx%s%s", *rel ? "/" : "", rel);
	test_mkdir(path);
}

/* A symbolic link at ctx/rel; `st` gets its lstat(). */
static void ln(const char *target, const char *rel, struct stat *st)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/ctx/%s", test_tmpdir(), rel);
	CHECK_INT(symlink(target, path), 0);
	if (st)
		CHECK_INT(lstat(path, st), 0);
}

/* lstat() of ctx/rel. */
static void lst(const char *rel, struct stat *st)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/ctx/%s", test_tmpdir(), rel);
	CHECK_INT(lstat(path, st), 0);
}

static void compute(ais_inputs *in, bool cache)
{
	char root[1024], cache_dir[1024];

	snprintf(root, sizeof(root), "%s/ctx", test_tmpdir());
	snprintf(cache_dir, sizeof(cache_dir), "%s/cache", test_tmpdir());
	CHECK_INT(ais_inputs_compute(in, root, "Dockerfile", cache ? cache_dir : NULL), 0);
}

/* Make an mtime old enough to be cached (not "racy"). */
static void age(const char *rel)
{
	char path[1024];
	struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

	snprintf(path, sizeof(path), "%s/ctx/%s", test_tmpdir(), rel);
	utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
}

/* Let the clock pass the timestamp tick of the last change, so that the
 * stat cache may trust what it records next (see "racy" in inputs.c). */
static void settle(void)
{
	usleep(30000);
}

/* After one file changed: exactly it is read again, and the hash moves.
 * Disposes both. */
static void expect_one_reread(ais_inputs *a, ais_inputs *b)
{
	settle();
	compute(b, true);
	CHECK_INT(b->hashed, 1);
	CHECK(strcmp(b->hash, a->hash) != 0);
	ais_inputs_dispose(a);
	ais_inputs_dispose(b);
}

static void cache_file(char *out, size_t size)
{
	char root[1024], h[AIS_H12_LEN + 1];

	snprintf(root, sizeof(root), "%s/ctx", test_tmpdir());
	ais_hash_h12(h, root, strlen(root));
	snprintf(out, size, "%s/cache/inputs-%s", test_tmpdir(), h);
}

TEST(inputs_follow_copied_files_only)
{
	ais_inputs a = AIS_INPUTS_INIT, b = AIS_INPUTS_INIT;
	ais_buf diff = AIS_BUF_INIT, ma = AIS_BUF_INIT, mb = AIS_BUF_INIT;

	mk("");
	mk("src");
	mk("docs");
	put("Dockerfile", "FROM x\nCOPY src /src\nCOPY *.cfg /etc/\n");
	put("src/a.c", "a");
	put("src/b.c", "b");
	put("app.cfg", "c");
	put("docs/readme", "r");
	put("unrelated.txt", "u");
	compute(&a, false);
	CHECK_INT(a.entries, 4); /* src/, src/a.c, src/b.c, app.cfg */

	put("unrelated.txt", "changed");
	put("docs/readme", "changed");
	compute(&b, false);
	CHECK_STR(b.hash, a.hash);

	put("src/b.c", "b2");
	compute(&b, false);
	CHECK(strcmp(b.hash, a.hash) != 0);
	CHECK_INT(ais_inputs_manifest(&ma, &a), 0);
	CHECK_INT(ais_inputs_manifest(&mb, &b), 0);
	CHECK_INT(ais_inputs_diff(&diff, &ma, &mb, 5), 1);
	CHECK_STR(ais_buf_cstr(&diff), "src/b.c");

	put("other.cfg", "new");
	compute(&b, false);
	ais_buf_clear(&diff);
	CHECK_INT(ais_inputs_manifest(&mb, &b), 0);
	CHECK_INT(ais_inputs_diff(&diff, &ma, &mb, 1), 2);
	CHECK_STR(ais_buf_cstr(&diff), "other.cfg (+1 more)");
	ais_buf_dispose(&diff);
	ais_buf_dispose(&ma);
	ais_buf_dispose(&mb);
	ais_inputs_dispose(&a);
	ais_inputs_dispose(&b);
}

TEST(inputs_honour_dockerignore_and_modes)
{
	ais_inputs a = AIS_INPUTS_INIT, b = AIS_INPUTS_INIT;
	char path[1024];

	mk("");
	put("Dockerfile", "FROM x\nCOPY . /app\n");
	put(".dockerignore", "*.log\n");
	put("run.sh", "echo");
	put("debug.log", "1");
	compute(&a, false);
	put("debug.log", "2");
	compute(&b, false);
	CHECK_STR(b.hash, a.hash);
	/* The Dockerfile's own text is hashed separately. */
	put("Dockerfile", "FROM x\nCOPY . /app\n# comment\n");
	compute(&b, false);
	CHECK_STR(b.hash, a.hash);
	snprintf(path, sizeof(path), "%s/ctx/run.sh", test_tmpdir());
	chmod(path, 0755);
	compute(&b, false);
	CHECK(strcmp(b.hash, a.hash) != 0);
	ais_inputs_dispose(&a);
	ais_inputs_dispose(&b);
}

TEST(inputs_stat_cache_avoids_rereading)
{
	ais_inputs a = AIS_INPUTS_INIT, b = AIS_INPUTS_INIT;

	mk("");
	put("Dockerfile", "FROM x\nCOPY . /app\n");
	put("one", "1");
	put("two", "2");
	age("one");
	age("two");
	settle();
	compute(&a, true);
	CHECK_INT(a.hashed, 2);
	compute(&b, true);
	CHECK_INT(b.hashed, 0);
	CHECK_STR(b.hash, a.hash);
	/* Same size, new content and mtime: read again. */
	put("two", "3");
	age("two");
	{
		char path[1024];
		struct timespec ts[2] = { { 1000000000, 5 }, { 1000000000, 5 } };

		snprintf(path, sizeof(path), "%s/ctx/two", test_tmpdir());
		utimensat(AT_FDCWD, path, ts, 0);
	}
	expect_one_reread(&a, &b);
}

TEST(inputs_no_copy_is_constant)
{
	ais_inputs a = AIS_INPUTS_INIT;

	mk("");
	put("Dockerfile", "FROM x\nRUN true\n");
	put("anything", "x");
	compute(&a, false);
	CHECK_INT(a.entries, 0);
	CHECK_STR(a.hash, "e3b0c44298fc");
	ais_inputs_dispose(&a);
}

TEST(inputs_stat_cache_checks_ctime)
{
	ais_inputs a = AIS_INPUTS_INIT, b = AIS_INPUTS_INIT;
	char path[1024];
	struct stat st;
	struct timespec ts[2];

	mk("");
	put("Dockerfile", "FROM x\nCOPY data /data\n");
	put("data", "old!");
	settle();
	compute(&a, true);
	compute(&b, true);
	CHECK_INT(b.hashed, 0);
	/* Same size, new content, the old mtime put back: only ctime tells. */
	snprintf(path, sizeof(path), "%s/ctx/data", test_tmpdir());
	CHECK_INT(stat(path, &st), 0);
	put("data", "new!");
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	CHECK_INT(utimensat(AT_FDCWD, path, ts, 0), 0);
	expect_one_reread(&a, &b);
}

TEST(inputs_garbled_cache_is_not_trusted)
{
	ais_inputs a = AIS_INPUTS_INIT, b = AIS_INPUTS_INIT;
	char file[1024], *p;
	FILE *f;
	long size;
	char data[4096];

	mk("");
	put("Dockerfile", "FROM x\nCOPY data /data\n");
	put("data", "content");
	settle();
	compute(&a, true);
	/* Turn the recorded digest into another well-formed one. */
	cache_file(file, sizeof(file));
	f = fopen(file, "r+b");
	CHECK(f != NULL);
	if (!f)
		return;
	size = (long)fread(data, 1, sizeof(data), f);
	CHECK(size > 0);
	/* The digest's last byte comes before the path's length (4 bytes). */
	p = memmem(data, (size_t)size, "data", 5);
	CHECK(p != NULL);
	if (p) {
		p[-5] ^= 1;
		fseek(f, 0, SEEK_SET);
		fwrite(data, 1, (size_t)size, f);
	}
	fclose(f);
	settle();
	compute(&b, true);
	CHECK_INT(b.hashed, 1);
	CHECK_STR(b.hash, a.hash);
	ais_inputs_dispose(&a);
	ais_inputs_dispose(&b);
}

/* A cache that would answer the same is not written again. */
TEST(inputs_unchanged_cache_is_not_rewritten)
{
	ais_inputs a = AIS_INPUTS_INIT, b = AIS_INPUTS_INIT;
	char file[1024];
	struct stat before, after;

	mk("");
	put("Dockerfile", "FROM x\nCOPY . /app\n");
	put("one", "1");
	put("two", "2");
	settle();
	compute(&a, true);
	CHECK_INT(a.hashed, 2);
	cache_file(file, sizeof(file));
	CHECK_INT(stat(file, &before), 0);
	compute(&b, true);
	CHECK_INT(b.hashed, 0);
	CHECK_INT(stat(file, &after), 0);
	CHECK(after.st_ino == before.st_ino);
	CHECK(after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
	      after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
	ais_inputs_dispose(&b);
	/* One file fewer: the cache is written again, without it. */
	snprintf(file, sizeof(file), "%s/ctx/two", test_tmpdir());
	CHECK_INT(unlink(file), 0);
	cache_file(file, sizeof(file));
	settle();
	compute(&b, true);
	CHECK_INT(b.hashed, 0);
	CHECK_INT(stat(file, &after), 0);
	CHECK(after.st_ino != before.st_ino);
	CHECK(after.st_size < before.st_size);
	ais_inputs_dispose(&a);
	ais_inputs_dispose(&b);
}

/* A cache in the text format of aishell 0.1 (checksum and all) is not
 * read: the files are hashed and the cache is written anew. */
TEST(inputs_old_cache_format_is_ignored_and_rebuilt)
{
	ais_inputs a = AIS_INPUTS_INIT, b = AIS_INPUTS_INIT;
	ais_buf text = AIS_BUF_INIT;
	char root[1024], dir[1024], file[1024], sum[AIS_SHA256_HEX_LEN + 1];
	char digest[AIS_SHA256_HEX_LEN + 1];
	struct stat st;
	FILE *f;

	mk("");
	put("Dockerfile", "FROM x\nCOPY data /data\n");
	put("data", "content");
	age("data");
	snprintf(root, sizeof(root), "%s/ctx/data", test_tmpdir());
	CHECK_INT(lstat(root, &st), 0);
	settle(); /* the cache written after: not racy */
	/* A record for "data" that would match its stat, with a wrong digest. */
	memset(digest, 'a', AIS_SHA256_HEX_LEN);
	digest[AIS_SHA256_HEX_LEN] = '\0';
	ais_buf_puts(&text, "aishell-inputs-cache 2\n");
	ais_buf_printf(&text, "%llu %llu %llu %lld %lld %s\tdata",
		       (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		       (unsigned long long)st.st_size,
		       (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec,
		       (long long)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec,
		       digest);
	ais_buf_putc(&text, '\0');
	ais_hash_sha256_hex(sum, text.ptr, text.size);
	ais_buf_printf(&text, "sha256 %s\n", sum);
	snprintf(dir, sizeof(dir), "%s/cache", test_tmpdir());
	CHECK_INT(mkdir(dir, 0700), 0);
	cache_file(file, sizeof(file));
	f = fopen(file, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	fwrite(text.ptr, 1, text.size, f);
	fclose(f);
	settle();
	compute(&a, true);
	CHECK_INT(a.hashed, 1);
	CHECK_INT(ais_inputs_manifest(&text, &a), 0);
	CHECK(strstr(ais_buf_cstr(&text), digest) == NULL);
	compute(&b, true);
	CHECK_INT(b.hashed, 0);
	CHECK_STR(b.hash, a.hash);
	ais_buf_dispose(&text);
	ais_inputs_dispose(&a);
	ais_inputs_dispose(&b);
}

/* The manifest, record by record, and the hash is its H12 (the labels of
 * images already built depend on both staying as they are). */
TEST(inputs_manifest_records_and_hash)
{
	ais_inputs a = AIS_INPUTS_INIT;
	ais_buf m = AIS_BUF_INIT, want = AIS_BUF_INIT;
	char h[AIS_H12_LEN + 1];
	struct stat st_dir, st_f, st_l;

	mk("");
	mk("d");
	put("Dockerfile", "FROM x\nCOPY d l /app/\n");
	put("d/f", "1");
	ln("d/f", "l", &st_l);
	lst("d", &st_dir);
	lst("d/f", &st_f);
	compute(&a, true);
	CHECK_INT(a.entries, 3);
	/* sha256("1"), sha256("d/f") (the link's text) */
	ais_buf_printf(&want, "- %o\td", (unsigned)st_dir.st_mode);
	ais_buf_putc(&want, '\0');
	ais_buf_printf(&want, "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b %o\td/f",
		       (unsigned)st_f.st_mode);
	ais_buf_putc(&want, '\0');
	ais_buf_printf(&want, "%s %o\tl", "dd3128568d26f5451a87a8595fcc3726a870d2e705843d8caddea7d631f5cf20",
		       (unsigned)st_l.st_mode);
	ais_buf_putc(&want, '\0');
	CHECK_INT(ais_inputs_manifest(&m, &a), 0);
	CHECK_INT(m.size, want.size);
	CHECK(m.size == want.size && !memcmp(m.ptr, want.ptr, m.size));
	ais_hash_h12(h, m.ptr, m.size);
	CHECK_STR(a.hash, h);
	ais_buf_dispose(&m);
	ais_buf_dispose(&want);
	ais_inputs_dispose(&a);
}

TEST(inputs_hash_what_a_copied_link_points_to)
{
	ais_inputs a = AIS_INPUTS_INIT, b = AIS_INPUTS_INIT;

	mk("");
	mk("realdir");
	put("Dockerfile", "FROM x\nCOPY link /x\nCOPY linkdir/f /y\n");
	put("data.txt", "one");
	put("realdir/f", "eff");
	ln("data.txt", "link", NULL);
	ln("/realdir", "linkdir", NULL); /* absolute: from the context root */
	compute(&a, false);
	CHECK_INT(a.entries, 4); /* data.txt, link, linkdir, realdir/f */
	put("data.txt", "two");
	compute(&b, false);
	CHECK(strcmp(b.hash, a.hash) != 0);
	ais_inputs_dispose(&b);
	put("data.txt", "one");
	put("realdir/f", "changed");
	compute(&b, false);
	CHECK(strcmp(b.hash, a.hash) != 0);
	ais_inputs_dispose(&a);
	ais_inputs_dispose(&b);
}

TEST(inputs_diff_quotes_names)
{
	ais_buf a = AIS_BUF_INIT, b = AIS_BUF_INIT, out = AIS_BUF_INIT;
	const char rec1[] = "aaaa 100644\tplain";
	const char rec2[] = "bbbb 100644\t\033[2K";

	ais_buf_put(&a, rec1, sizeof(rec1));
	ais_buf_put(&b, rec1, sizeof(rec1));
	ais_buf_put(&b, rec2, sizeof(rec2));
	CHECK_INT(ais_inputs_diff(&out, &a, &b, 5), 1);
	CHECK_STR(ais_buf_cstr(&out), "\"\\033[2K\"");
	ais_buf_dispose(&a);
	ais_buf_dispose(&b);
	ais_buf_dispose(&out);
}
