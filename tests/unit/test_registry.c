#include "test.h"

#include "error.h"
#include "inputs.h"
#include "registry.h"
#include "setting.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char parent[] =
	"sha256:1111111111111111111111111111111111111111111111111111111111111111";

/* The ext key of the project in test_tmpdir()/dir, on `parent_id`. */
static void ext_key(char key[AIS_REGISTRY_KEY_LEN + 1], const char *dir,
		    const char *parent_id)
{
	char root[1024], df[1100];
	ais_inputs in = AIS_INPUTS_INIT;
	ais_buf manifest = AIS_BUF_INIT;

	snprintf(root, sizeof(root), "%s/%s", test_tmpdir(), dir);
	snprintf(df, sizeof(df), "%s/.aishell/Dockerfile", root);
	CHECK_INT(ais_inputs_compute(&in, root, ".aishell/Dockerfile", NULL), 0);
	CHECK_INT(ais_inputs_manifest(&manifest, &in), 0);
	CHECK_INT(ais_registry_key(key, "ext", df, &manifest, parent_id), 0);
	ais_buf_dispose(&manifest);
	ais_inputs_dispose(&in);
}

static void project(const char *dir, const char *data)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "%s/.aishell", dir);
	test_mkdir(dir);
	test_mkdir(rel);
	snprintf(rel, sizeof(rel), "%s/.aishell/Dockerfile", dir);
	test_write(rel, "FROM aishell:base\nCOPY data.txt /data.txt\n");
	snprintf(rel, sizeof(rel), "%s/data.txt", dir);
	test_write(rel, data);
}

/* Equal inputs under different paths give one key; any input changes it. */
TEST(registry_key_content_only)
{
	char a[AIS_REGISTRY_KEY_LEN + 1], b[AIS_REGISTRY_KEY_LEN + 1];
	char c[AIS_REGISTRY_KEY_LEN + 1], d[AIS_REGISTRY_KEY_LEN + 1];

	project("machine-a", "one\n");
	project("elsewhere-b", "one\n");
	ext_key(a, "machine-a", parent);
	ext_key(b, "elsewhere-b", parent);
	CHECK_INT(strlen(a), AIS_REGISTRY_KEY_LEN);
	CHECK_STR(a, b);
	/* The parent image. */
	ext_key(c, "machine-a",
		"sha256:2222222222222222222222222222222222222222222222222222222222222222");
	CHECK(strcmp(a, c) != 0);
	/* A copied file. */
	test_write("elsewhere-b/data.txt", "two\n");
	ext_key(d, "elsewhere-b", parent);
	CHECK(strcmp(a, d) != 0);
	/* The Dockerfile's bytes. */
	test_write("elsewhere-b/data.txt", "one\n");
	test_write("elsewhere-b/.aishell/Dockerfile",
		   "FROM aishell:base\nCOPY data.txt  /data.txt\n");
	ext_key(d, "elsewhere-b", parent);
	CHECK(strcmp(a, d) != 0);
}

TEST(registry_key_tier_differs)
{
	char path[1024], e[AIS_REGISTRY_KEY_LEN + 1], b[AIS_REGISTRY_KEY_LEN + 1];
	ais_buf manifest = AIS_BUF_INIT;

	test_write("Dockerfile", "FROM x\n");
	snprintf(path, sizeof(path), "%s/Dockerfile", test_tmpdir());
	CHECK_INT(ais_registry_key(e, "ext", path, &manifest, parent), 0);
	CHECK_INT(ais_registry_key(b, "base", path, &manifest, parent), 0);
	CHECK(strcmp(e, b) != 0);
}

TEST(registry_valid_refs)
{
	CHECK(ais_registry_valid("127.0.0.1:5000/team/aishell"));
	CHECK(ais_registry_valid("registry.example.com/aishell"));
	CHECK(ais_registry_valid("localhost:5000/a"));
	CHECK(ais_registry_valid("Registry.Example.com/team/aishell"));
	CHECK(ais_registry_valid("team/aishell"));
	CHECK(!ais_registry_valid("127.0.0.1:5000/team/aishell:tag"));
	CHECK(!ais_registry_valid("127.0.0.1:5000/Team"));
	CHECK(!ais_registry_valid("127.0.0.1:5000//x"));
	CHECK(!ais_registry_valid("127.0.0.1:5000/x/"));
	CHECK(!ais_registry_valid("127.0.0.1:5000/x@sha256:00"));
	CHECK(!ais_registry_valid(""));
	CHECK(!ais_registry_valid("a b/c"));
}

/* Decode an X-Registry-Auth value (base64url of JSON). */
static void decode_auth(char *out, size_t len, const char *b64url)
{
	char tmp[1024];
	size_t i, n = strlen(b64url);
	int got;

	CHECK(n < sizeof(tmp) && n / 4 * 3 < len);
	for (i = 0; i <= n; i++)
		tmp[i] = b64url[i] == '-' ? '+' : b64url[i] == '_' ? '/' : b64url[i];
	got = EVP_DecodeBlock((unsigned char *)out, (unsigned char *)tmp, (int)n);
	CHECK(got >= 0);
	while (got > 0 && out[got - 1] == '\0')
		got--;
	out[got > 0 ? got : 0] = '\0';
}

static ais_registry *open_registry(const char *ref)
{
	ais_registry_opts opts = { 0 };
	ais_registry *r = NULL;
	char dir[1024];

	snprintf(dir, sizeof(dir), "%s/docker", test_tmpdir());
	opts.ref = ref;
	opts.source = "test";
	opts.docker_config = dir;
	CHECK_INT(ais_registry_new(&r, &opts), 0);
	return r;
}

TEST(registry_auth_from_auths)
{
	ais_registry *r;
	ais_buf auth = AIS_BUF_INIT;
	char json[1024];

	test_mkdir("docker");
	/* "alice:s3cret"; the key in https:// form, another host first. */
	test_write("docker/config.json",
		   "{\"auths\":{\"other:5000\":{\"auth\":\"eDp5\"},"
		   "\"https://127.0.0.1:5000\":{\"auth\":\"YWxpY2U6czNjcmV0\"}}}");
	r = open_registry("127.0.0.1:5000/team/aishell");
	CHECK_INT(ais_registry_auth(&auth, r), 0);
	decode_auth(json, sizeof(json), ais_buf_cstr(&auth));
	CHECK_STR(json, "{\"username\":\"alice\",\"password\":\"s3cret\",\"serveraddress\":\"127.0.0.1:5000\"}");
	ais_buf_dispose(&auth);
	ais_registry_free(r);
}

TEST(registry_auth_none)
{
	ais_registry *r;
	ais_buf auth = AIS_BUF_INIT;

	r = open_registry("127.0.0.1:5000/team/aishell");
	CHECK_INT(ais_registry_auth(&auth, r), 0);
	CHECK_STR(ais_buf_cstr(&auth), "e30=");
	ais_buf_dispose(&auth);
	ais_registry_free(r);
}

TEST(registry_auth_helper_missing)
{
	ais_registry *r;
	ais_buf auth = AIS_BUF_INIT;

	test_mkdir("docker");
	test_write("docker/config.json",
		   "{\"credHelpers\":{\"127.0.0.1:5000\":\"aishell-no-such-helper\"}}");
	r = open_registry("127.0.0.1:5000/team/aishell");
	CHECK_INT(ais_registry_auth(&auth, r), AIS_ERROR);
	CHECK(strstr(ais_error_last()->message,
		     "docker-credential-aishell-no-such-helper not found") != NULL);
	ais_buf_dispose(&auth);
	ais_registry_free(r);
}

/* A helper that writes more than a pipe holds to stderr before its answer
 * on stdout: both streams are read together, so neither side waits on the
 * other (SIGALRM ends the run if they do). */
TEST(registry_auth_helper_fills_stderr_first)
{
	ais_registry *r;
	ais_buf auth = AIS_BUF_INIT;
	char helper[1024], path[8192], json[1024];
	const char *old = getenv("PATH");

	test_mkdir("docker");
	test_mkdir("bin");
	test_write("docker/config.json",
		   "{\"credHelpers\":{\"127.0.0.1:5000\":\"aishell-chatty\"}}");
	test_write("bin/docker-credential-aishell-chatty",
		   "#!/bin/sh\n"
		   "head -c 200000 /dev/zero | tr '\\000' x >&2\n"
		   "echo '{\"Username\":\"alice\",\"Secret\":\"s3cret\"}'\n");
	snprintf(helper, sizeof(helper), "%s/bin/docker-credential-aishell-chatty",
		 test_tmpdir());
	CHECK_INT(chmod(helper, 0755), 0);
	snprintf(path, sizeof(path), "%s/bin:%s", test_tmpdir(), old ? old : "/usr/bin:/bin");
	test_setenv("PATH", path);
	r = open_registry("127.0.0.1:5000/team/aishell");
	alarm(20);
	CHECK_INT(ais_registry_auth(&auth, r), 0);
	alarm(0);
	decode_auth(json, sizeof(json), ais_buf_cstr(&auth));
	CHECK_STR(json, "{\"username\":\"alice\",\"password\":\"s3cret\",\"serveraddress\":\"127.0.0.1:5000\"}");
	ais_buf_dispose(&auth);
	ais_registry_free(r);
}

TEST(setting_read_registry)
{
	static const struct {
		const char *yaml;
		int rc;
		const char *value;    /* NULL: unset */
		const char *message;  /* part of the error message */
	} cases[] = {
		{ "mounts: [a]\nregistry: 127.0.0.1:5000/x\n", 0, "127.0.0.1:5000/x", NULL },
		/* Only the top level counts. */
		{ "env:\n  registry: nested\nother: registry\n", 0, NULL, NULL },
		/* The last of duplicate keys; null is unset. */
		{ "registry: a/b\nregistry: c/d\n", 0, "c/d", NULL },
		{ "registry: ~\n", 0, NULL, NULL },
		{ "- registry\n- x\n", 0, NULL, NULL },
		{ "registry:\n  - a\n", AIS_EINVALID, NULL,
		  "config.yaml:2:3: 'registry' must be a string" },
		{ "registry: \"unclosed\n", AIS_EINVALID, NULL, "invalid YAML" },
	};
	char path[1024];
	char *v = NULL;
	size_t i;

	snprintf(path, sizeof(path), "%s/config.yaml", test_tmpdir());
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_write("config.yaml", cases[i].yaml);
		CHECK_INT(ais_setting_read(&v, path, "registry"), cases[i].rc);
		if (cases[i].value)
			CHECK_STR(v, cases[i].value);
		else
			CHECK(v == NULL);
		if (cases[i].message)
			CHECK(strstr(ais_error_last()->message, cases[i].message) != NULL);
		free(v);
		v = NULL;
	}
	snprintf(path, sizeof(path), "%s/missing.yaml", test_tmpdir());
	CHECK_INT(ais_setting_read(&v, path, "registry"), 0);
	CHECK(v == NULL);
}
