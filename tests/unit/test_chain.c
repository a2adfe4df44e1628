#include "test.h"

#include "chain_internal.h"
#include "error.h"

#include <stdio.h>
#include <sys/stat.h>

#define FID "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define BID "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define XID "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void subdir(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", test_tmpdir(), name);
	mkdir(out, 0755);
}

static ais_image *image(const char *id, const char *labels_json)
{
	char json[2048];
	ais_image *img = NULL;

	snprintf(json, sizeof(json), "{\"Id\":\"%s\",\"Config\":{\"Labels\":%s}}",
		 id, labels_json ? labels_json : "null");
	CHECK_INT(ais_image_from_json(&img, json, strlen(json)), 0);
	return img;
}

/* A chain over a temporary home and project. */
static int make_chain(ais_chain **chain, const char *global_df,
		      const char *project_df)
{
	char home[512], project[512], dir[600];
	ais_chain_opts opts = { 0 };

	subdir(home, sizeof(home), "home");
	subdir(project, sizeof(project), "project");
	if (global_df) {
		snprintf(dir, sizeof(dir), "%s/.aishell", home);
		mkdir(dir, 0755);
		write_file(dir, "Dockerfile", global_df);
	}
	if (project_df) {
		snprintf(dir, sizeof(dir), "%s/.aishell", project);
		mkdir(dir, 0755);
		write_file(dir, "Dockerfile", project_df);
	}
	opts.repo = "aistest";
	opts.project_dir = project;
	opts.home = home;
	opts.lock_dir = test_tmpdir();
	return ais_chain_new(chain, &opts);
}

TEST(chain_init_tags_and_hashes)
{
	ais_chain *c = NULL;
	char want[64], h[AIS_H12_LEN + 1], path[600];

	CHECK_INT(make_chain(&c, "FROM aistest:foundation\n", "FROM aistest:base\n"), 0);
	snprintf(path, sizeof(path), "%s/project", test_tmpdir());
	ais_hash_h12(h, path, strlen(path));
	snprintf(want, sizeof(want), "aistest:ext-%s", h);
	CHECK_STR(c->ext.tag, want);
	CHECK_STR(c->base.tag, "aistest:base");
	CHECK_STR(c->foundation.tag, "aistest:foundation");
	CHECK(c->custom_base);
	CHECK(c->has_ext);
	CHECK_STR(c->ext_dockerfile, ".aishell/Dockerfile");
	ais_hash_h12(h, "FROM aistest:base\n", 18);
	CHECK_STR(c->ext_hash, h);	ais_chain_free(c);
}

TEST(chain_init_both_config_dirs_is_an_error)
{
	ais_chain *c = NULL;
	char dir[600];

	CHECK_INT(make_chain(&c, NULL, "FROM x\n"), 0);
	ais_chain_free(c);
	c = NULL;
	snprintf(dir, sizeof(dir), "%s/project/.sandbox", test_tmpdir());
	mkdir(dir, 0755);
	CHECK_INT(make_chain(&c, NULL, NULL), AIS_EINVALID);
	CHECK(strstr(ais_error_last()->message, ".sandbox") != NULL);
	ais_chain_free(c);
}

TEST(chain_init_sandbox_dir)
{
	ais_chain *c = NULL;
	char project[512], dir[600];

	subdir(project, sizeof(project), "project");
	snprintf(dir, sizeof(dir), "%s/.sandbox", project);
	mkdir(dir, 0755);
	write_file(dir, "Dockerfile", "FROM aistest:base\n");
	CHECK_INT(make_chain(&c, NULL, NULL), 0);
	CHECK(c->has_ext);
	CHECK_STR(c->ext_dockerfile, ".sandbox/Dockerfile");	ais_chain_free(c);
}

TEST(chain_init_dockerfile_directory_is_an_error)
{
	ais_chain *c = NULL;
	char dir[600];

	subdir(dir, sizeof(dir), "home");
	snprintf(dir, sizeof(dir), "%s/home/.aishell", test_tmpdir());
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/home/.aishell/Dockerfile", test_tmpdir());
	mkdir(dir, 0755);
	CHECK_INT(make_chain(&c, NULL, NULL), AIS_EINVALID);	ais_chain_free(c);
}

TEST(chain_alias_base_rules)
{
	ais_chain *c = NULL;
	const ais_tier *t;
	ais_image *f, *b;

	CHECK_INT(make_chain(&c, NULL, NULL), 0);
	t = ais_chain_tier(c, AIS_TIER_BASE);
	f = image(FID, NULL);
	ais_chain_judge_base(c, f, NULL);
	CHECK_INT(t->state, AIS_STATE_MISSING);

	b = image(FID, NULL);
	ais_chain_judge_base(c, f, b);
	CHECK_INT(t->state, AIS_STATE_FRESH);
	ais_image_free(b);

	b = image(BID, NULL);
	ais_chain_judge_base(c, f, b);
	CHECK_INT(t->state, AIS_STATE_STALE);
	CHECK_STR(t->label, "id");
	CHECK_STR(t->have, BID);
	CHECK_STR(t->want, FID);
	ais_image_free(b);

	/* A leftover custom base, even with the foundation's id. */
	b = image(FID, "{\"aishell.base.dockerfile.hash\":\"abcdefabcdef\"}");
	ais_chain_judge_base(c, f, b);
	CHECK_INT(t->state, AIS_STATE_STALE);
	CHECK_STR(t->label, AIS_LABEL_BASE_DOCKERFILE_HASH);
	ais_image_free(b);

	/* An empty label reads as absent, as in the original. */
	b = image(FID, "{\"aishell.base.dockerfile.hash\":\"\"}");
	ais_chain_judge_base(c, f, b);
	CHECK_INT(t->state, AIS_STATE_FRESH);
	ais_image_free(b);
	ais_image_free(f);

	/* Foundation gone: an alias base is stale. */
	b = image(FID, NULL);
	ais_chain_judge_base(c, NULL, b);
	CHECK_INT(t->state, AIS_STATE_STALE);
	ais_image_free(b);	ais_chain_free(c);
}

TEST(chain_custom_base_rules)
{
	ais_chain *c = NULL;
	const ais_tier *t;
	ais_image *f, *b;
	char labels[512];

	CHECK_INT(make_chain(&c, "FROM aistest:foundation\nRUN true\n", NULL), 0);
	t = ais_chain_tier(c, AIS_TIER_BASE);
	f = image(FID, NULL);

	/* An alias base (no labels) must be rebuilt once a Dockerfile exists. */
	b = image(FID, NULL);
	ais_chain_judge_base(c, f, b);
	CHECK_INT(t->state, AIS_STATE_STALE);
	CHECK_STR(t->label, AIS_LABEL_BASE_DOCKERFILE_HASH);
	CHECK_STR(t->have, "");
	CHECK_STR(t->want, c->base_hash);
	CHECK(strstr(t->reason, "(absent)") != NULL);
	ais_image_free(b);

	snprintf(labels, sizeof(labels),
		 "{\"aishell.base.dockerfile.hash\":\"%s\",\"aishell.base.foundation.id\":\"%s\"}",
		 c->base_hash, FID);
	b = image(BID, labels);
	ais_chain_judge_base(c, f, b);
	CHECK_INT(t->state, AIS_STATE_FRESH);
	ais_image_free(f);

	/* The foundation moved on. */
	f = image(XID, NULL);
	ais_chain_judge_base(c, f, b);
	CHECK_INT(t->state, AIS_STATE_STALE);
	CHECK_STR(t->label, AIS_LABEL_BASE_FOUNDATION_ID);
	CHECK_STR(t->have, FID);
	CHECK_STR(t->want, XID);
	ais_image_free(b);

	snprintf(labels, sizeof(labels),
		 "{\"aishell.base.dockerfile.hash\":\"000000000000\",\"aishell.base.foundation.id\":\"%s\"}",
		 XID);
	b = image(BID, labels);
	ais_chain_judge_base(c, f, b);
	CHECK_INT(t->state, AIS_STATE_STALE);
	CHECK_STR(t->label, AIS_LABEL_BASE_DOCKERFILE_HASH);
	CHECK_STR(t->have, "000000000000");
	ais_image_free(b);
	ais_image_free(f);	ais_chain_free(c);
}

TEST(chain_ext_rules)
{
	ais_chain *c = NULL;
	const ais_tier *t;
	ais_state base_state = AIS_STATE_FRESH;
	ais_image *b, *x;
	char labels[512];

	CHECK_INT(make_chain(&c, NULL, "FROM aistest:base\n"), 0);
	t = ais_chain_tier(c, AIS_TIER_EXT);
	b = image(BID, NULL);

	ais_chain_judge_ext(c, b, base_state, NULL);
	CHECK_INT(t->state, AIS_STATE_MISSING);

	snprintf(labels, sizeof(labels),
		 "{\"aishell.base.id\":\"%s\",\"aishell.extension.hash\":\"%s\"}",
		 BID, c->ext_hash);
	x = image(XID, labels);
	ais_chain_judge_ext(c, b, base_state, x);
	CHECK_INT(t->state, AIS_STATE_FRESH);

	/* Cascade: a stale base makes the ext stale too. */
	base_state = AIS_STATE_STALE;
	ais_chain_judge_ext(c, b, base_state, x);
	CHECK_INT(t->state, AIS_STATE_STALE);
	base_state = AIS_STATE_FRESH;

	/* Base missing: absent == absent is NOT fresh (the original's bug). */
	ais_chain_judge_ext(c, NULL, base_state, x);
	CHECK_INT(t->state, AIS_STATE_STALE);
	CHECK_STR(t->label, AIS_LABEL_BASE_ID);
	ais_image_free(x);

	/* Built before v3.8: no aishell.base.id label. */
	snprintf(labels, sizeof(labels),
		 "{\"aishell.foundation.id\":\"%s\",\"aishell.extension.hash\":\"%s\"}",
		 BID, c->ext_hash);
	x = image(XID, labels);
	ais_chain_judge_ext(c, b, base_state, x);
	CHECK_INT(t->state, AIS_STATE_STALE);
	CHECK_STR(t->have, "");
	CHECK_STR(t->want, BID);
	ais_image_free(x);

	snprintf(labels, sizeof(labels),
		 "{\"aishell.base.id\":\"%s\",\"aishell.extension.hash\":\"aaaaaaaaaaaa\"}",
		 BID);
	x = image(XID, labels);
	ais_chain_judge_ext(c, b, base_state, x);
	CHECK_INT(t->state, AIS_STATE_STALE);
	CHECK_STR(t->label, AIS_LABEL_EXTENSION_HASH);
	CHECK_STR(t->have, "aaaaaaaaaaaa");
	CHECK_STR(t->want, c->ext_hash);
	CHECK(strstr(t->reason, ".aishell/Dockerfile") != NULL);
	ais_image_free(x);
	ais_image_free(b);	ais_chain_free(c);
}

TEST(chain_accessors)
{
	ais_chain *c = NULL;
	ais_buf path = AIS_BUF_INIT;
	const ais_tier *t;

	/* No Dockerfile anywhere: an alias base, no ext. */
	CHECK_INT(make_chain(&c, NULL, NULL), 0);
	CHECK(ais_chain_tier(c, AIS_TIER_EXT) == NULL);
	CHECK(ais_chain_run_tier(c) == ais_chain_tier(c, AIS_TIER_BASE));
	CHECK(ais_chain_config_dir(c) == NULL);
	CHECK(ais_chain_dockerfile_hash(c, AIS_TIER_BASE) == NULL);
	CHECK_INT(ais_chain_dockerfile(&path, c, AIS_TIER_BASE), AIS_ENOTFOUND);
	CHECK_INT(ais_chain_dockerfile(&path, c, AIS_TIER_EXT), AIS_ENOTFOUND);
	t = ais_chain_tier(c, AIS_TIER_BASE);
	CHECK_STR(t->tag, "aistest:base");
	CHECK_STR(t->id, "");
	CHECK_STR(t->reason, "");
	CHECK_STR(t->cause, "");
	ais_chain_free(c);
	c = NULL;

	/* Both Dockerfiles. */
	CHECK_INT(make_chain(&c, "FROM aistest:foundation\n", "FROM aistest:base\n"), 0);
	CHECK(ais_chain_run_tier(c) == ais_chain_tier(c, AIS_TIER_EXT));
	CHECK_STR(ais_chain_config_dir(c), ".aishell");
	CHECK_STR(ais_chain_dockerfile_hash(c, AIS_TIER_EXT), c->ext_hash);
	CHECK_INT(ais_chain_dockerfile(&path, c, AIS_TIER_EXT), 0);
	CHECK(strstr(path.ptr, "/project/.aishell/Dockerfile") != NULL);
	ais_buf_clear(&path);
	CHECK_INT(ais_chain_dockerfile(&path, c, AIS_TIER_BASE), 0);
	CHECK(strstr(path.ptr, "/home/.aishell/Dockerfile") != NULL);
	CHECK_STR(ais_chain_project_key(c), c->h12);
	ais_buf_dispose(&path);
	ais_chain_free(c);
}

/* A tier's view follows its reason when a longer one moves the buffer. */
TEST(chain_tier_view_follows_reason)
{
	ais_chain *c = NULL;
	const ais_tier *t;
	ais_image *b, *x;
	char labels[512], long_id[2100];

	CHECK_INT(make_chain(&c, NULL, "FROM aistest:base\n"), 0);
	t = ais_chain_tier(c, AIS_TIER_EXT);
	b = image(BID, NULL);
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	snprintf(labels, sizeof(labels),
		 "{\"aishell.base.id\":\"%s\",\"aishell.extension.hash\":\"%s\"}",
		 BID, c->ext_hash);
	x = image(XID, labels);
	ais_chain_judge_ext(c, b, AIS_STATE_STALE, x);
	CHECK_INT(t->state, AIS_STATE_STALE);
	CHECK(strstr(t->reason, "aistest:base is stale") != NULL);
	snprintf(c->base.tag, sizeof(c->base.tag), "%.400s", long_id);
	ais_chain_judge_ext(c, b, AIS_STATE_MISSING, x);
	CHECK(strlen(t->reason) > 400);
	CHECK(strstr(t->reason, "is missing; this image is rebuilt after it") != NULL);
	ais_image_free(x);
	ais_image_free(b);
	ais_chain_free(c);
}

TEST(docker_id_valid)
{
	CHECK(ais_docker_id_valid(FID));
	CHECK(!ais_docker_id_valid(NULL));
	CHECK(!ais_docker_id_valid("sha256:/../../../../tmp/X"));
	CHECK(!ais_docker_id_valid("sha256:00"));
	CHECK(!ais_docker_id_valid(FID "0"));
	CHECK(!ais_docker_id_valid("sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	CHECK(!ais_docker_id_valid("1111111111111111111111111111111111111111111111111111111111111111"));
}

TEST(chain_image_json_rejects_garbage)
{
	ais_image *img = NULL;

	CHECK(ais_image_from_json(&img, "{\"Id\":\"abc\"}", 12) < 0);
	CHECK(img == NULL);
	CHECK(ais_image_from_json(&img, "not json", 8) < 0);
	/* an id is sha256: and 64 hex digits, nothing else (ids become paths) */
	CHECK_INT(ais_image_from_json(&img, "{\"Id\":\"sha256:00\",\"Config\":{\"Labels\":null}}", 43), AIS_EINVALID);
	CHECK(img == NULL);
	CHECK_INT(ais_image_from_json(&img, "{\"Id\":\"sha256:/../../../../tmp/X\"}",
				      strlen("{\"Id\":\"sha256:/../../../../tmp/X\"}")), AIS_EINVALID);
	CHECK(strstr(ais_error_last()->message, "invalid id") != NULL);
	CHECK_INT(ais_image_from_json(&img, "{\"Id\":\"" FID "\",\"Config\":{\"Labels\":null}}",
				      strlen("{\"Id\":\"" FID "\",\"Config\":{\"Labels\":null}}")), 0);
	if (img)
		CHECK(ais_image_label(img, "x") == NULL);
	ais_image_free(img);
}
