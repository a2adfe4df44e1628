#include "test.h"

#include "error.h"
#include "inputs.h"

#include <stdbool.h>
#include <stdio.h>
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

TEST(inputs_follow_copied_files_only)
{
	ais_inputs a = AIS_INPUTS_INIT, b = AIS_INPUTS_INIT;
	ais_buf diff = AIS_BUF_INIT;

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
	CHECK_INT(ais_inputs_diff(&diff, &a.manifest, &b.manifest, 5), 1);
	CHECK_STR(ais_buf_cstr(&diff), "src/b.c");

	put("other.cfg", "new");
	compute(&b, false);
	ais_buf_clear(&diff);
	CHECK_INT(ais_inputs_diff(&diff, &a.manifest, &b.manifest, 1), 2);
	CHECK_STR(ais_buf_cstr(&diff), "other.cfg (+1 more)");
	ais_buf_dispose(&diff);
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
	compute(&b, true);
	CHECK_INT(b.hashed, 1);
	CHECK(strcmp(b.hash, a.hash) != 0);
	ais_inputs_dispose(&a);
	ais_inputs_dispose(&b);
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
