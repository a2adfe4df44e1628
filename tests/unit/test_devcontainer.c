#include "test.h"

#include "config.h"
#include "dcstate.h"
#include "devcontainer.h"
#include "error.h"
#include "jsonc.h"

#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

static char *read_text(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static cJSON *jsonc(const char *text)
{
	cJSON *j = NULL;

	CHECK_INT(ais_jsonc_parse(&j, text, strlen(text), "f.json"), 0);
	return j;
}

TEST(dockerfile_final_from)
{
	ais_buf from = AIS_BUF_INIT;
	char path[1024];

	snprintf(path, sizeof(path), "%s/Dockerfile", test_tmpdir());
	write_text(path, "# comment\n# FROM nope\nFROM \\\n  --platform=$BUILDPLATFORM golang:1 AS Build\n"
		   "RUN make \\\n  # inside\n  all\nFROM repo:base AS mid\nfrom MID\n");
	CHECK_INT(ais_dockerfile_final_from(&from, path), 0);
	CHECK_STR(ais_buf_cstr(&from), "repo:base");
	write_text(path, "FROM build\n");
	CHECK_INT(ais_dockerfile_final_from(&from, path), 0);
	CHECK_STR(ais_buf_cstr(&from), "build");
	write_text(path, "ARG B=repo:base\nFROM ${B}\n");
	CHECK_INT(ais_dockerfile_final_from(&from, path), 0);
	CHECK_STR(ais_buf_cstr(&from), "");
	write_text(path, "RUN true\n");
	CHECK_INT(ais_dockerfile_final_from(&from, path), 0);
	CHECK_STR(ais_buf_cstr(&from), "");
	snprintf(path, sizeof(path), "%s/absent", test_tmpdir());
	CHECK_INT(ais_dockerfile_final_from(&from, path), AIS_ENOTFOUND);
	ais_buf_dispose(&from);
}

TEST(devcontainer_merge_ownership)
{
	cJSON *gen = jsonc("{\"image\": \"new\", \"customizations\": {\"aishell\": "
			   "{\"generator\": \"aishell devcontainer generate\", \"keys\": [\"image\"]}}}");
	cJSON *old = jsonc("{\"image\": \"old\", \"appPort\": [1], \"user\": 1, \"user\": 2,"
			   "\"customizations\": {\"vscode\": {}, \"aishell\": {\"generator\": "
			   "\"aishell devcontainer generate\"}}}");
	cJSON *listed = jsonc("{\"appPort\": [1], \"runArgs\": [], \"customizations\": {\"aishell\": "
			      "{\"generator\": \"aishell devcontainer generate\", \"keys\": [\"runArgs\"]}}}");
	cJSON *out = NULL;
	ais_buf text = AIS_BUF_INIT;

	CHECK(ais_devcontainer_is_ours(gen));
	CHECK(ais_devcontainer_is_ours(old));
	CHECK(!ais_devcontainer_is_ours(cJSON_GetObjectItem(old, "customizations")));
	/* no keys list: every key aishell may generate is taken as ours */
	CHECK_INT(ais_devcontainer_merge(&out, gen, old), 0);
	CHECK_INT(ais_devcontainer_print(&text, out), 0);
	CHECK_STR(ais_buf_cstr(&text),
		  "{\n\t\"image\": \"new\",\n\t\"user\": 2,\n\t\"customizations\": {\n"
		  "\t\t\"vscode\": {},\n\t\t\"aishell\": {\n"
		  "\t\t\t\"generator\": \"aishell devcontainer generate\",\n"
		  "\t\t\t\"keys\": [\n\t\t\t\t\"image\"\n\t\t\t]\n\t\t}\n\t}\n}\n");
	cJSON_Delete(out);
	/* with a keys list only the listed keys are dropped */
	CHECK_INT(ais_devcontainer_merge(&out, gen, listed), 0);
	CHECK(cJSON_GetObjectItem(out, "appPort") != NULL);
	CHECK(cJSON_GetObjectItem(out, "runArgs") == NULL);
	cJSON_Delete(out);
	ais_buf_dispose(&text);
	cJSON_Delete(gen);
	cJSON_Delete(old);
	cJSON_Delete(listed);
}

TEST(devcontainer_write_file_is_atomic_and_keeps_mode)
{
	char dir[1024], path[1200], link[1200], bakpath[1300];
	ais_buf bak = AIS_BUF_INIT;
	struct stat st;
	char *text;

	snprintf(dir, sizeof(dir), "%s/a/b", test_tmpdir());
	snprintf(path, sizeof(path), "%s/dc.json", dir);
	CHECK_INT(ais_devcontainer_write_file(path, "{}\n", 3, false), 0);
	text = read_text(path);
	CHECK_STR(text, "{}\n");
	chmod(path, 0600);
	CHECK_INT(ais_devcontainer_write_file(path, "{\"a\":1}\n", 8, false), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	CHECK_STR(read_text(path), "{\"a\":1}\n");
	/* a symlink is refused, or followed (not replaced) when asked */
	snprintf(link, sizeof(link), "%s/link.json", test_tmpdir());
	CHECK_INT(symlink(path, link), 0);
	CHECK_INT(ais_devcontainer_write_file(link, "[]\n", 3, false), AIS_EINVALID);
	CHECK_STR(read_text(path), "{\"a\":1}\n");
	CHECK_INT(ais_devcontainer_write_file(link, "[]\n", 3, true), 0);
	CHECK_INT(lstat(link, &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	CHECK_STR(read_text(path), "[]\n");
	/* backups never overwrite each other */
	CHECK_INT(ais_devcontainer_backup(&bak, path, "one", 3), 0);
	snprintf(bakpath, sizeof(bakpath), "%s.bak", path);
	CHECK_STR(ais_buf_cstr(&bak), bakpath);
	CHECK_INT(ais_devcontainer_backup(&bak, path, "two", 3), 0);
	snprintf(bakpath, sizeof(bakpath), "%s.bak.1", path);
	CHECK_STR(ais_buf_cstr(&bak), bakpath);
	CHECK_STR(read_text(bakpath), "two");
	/* no temp files left behind */
	snprintf(bakpath, sizeof(bakpath), "ls -A '%s' | grep -q '^\\.devcontainer'", dir);
	CHECK(system(bakpath) != 0);
	ais_buf_dispose(&bak);
}


/* The file half of the dev container judgement, without an engine: none,
 * current after writing what was rendered, out of date naming the key a
 * config.yaml change moves, foreign; the configuration hash follows the
 * container's settings and not the aishell binary's path. */
TEST(devcontainer_judge_file_states)
{
	char home[512], project[512], state[600], cfg[700];
	ais_chain_opts opts = { 0 };
	ais_devcontainer_env env = { 0 };
	ais_devcontainer_state st;
	ais_chain *chain = NULL;
	char first[32];

	snprintf(home, sizeof(home), "%s/home", test_tmpdir());
	snprintf(project, sizeof(project), "%s/project", test_tmpdir());
	snprintf(state, sizeof(state), "%s/state", test_tmpdir());
	test_mkdir("home");
	test_mkdir("project");
	test_mkdir("project/.aishell");
	snprintf(cfg, sizeof(cfg), "%s/.aishell/config.yaml", project);
	write_text(cfg, "env:\n  A: one\n");
	opts.repo = "aistest";
	opts.project_dir = project;
	opts.home = home;
	opts.lock_dir = test_tmpdir();
	opts.state_dir = state;
	CHECK_INT(ais_chain_new(&chain, &opts), 0);
	env.chain = chain;
	env.aishell_path = "/opt/a/aishell";

	/* nothing to judge: nothing rendered */
	CHECK_INT(ais_devcontainer_judge(&st, &env, NULL), 0);
	CHECK_INT(st.file, AIS_DCFILE_NONE);
	CHECK_INT((int)st.render.text.size, 0);
	CHECK(strstr(st.render.path.ptr, "/.devcontainer/devcontainer.json") != NULL);
	ais_devcontainer_state_dispose(&st);
	env.always_render = true;
	CHECK_INT(ais_devcontainer_judge(&st, &env, NULL), 0);
	env.always_render = false;
	CHECK_INT(st.file, AIS_DCFILE_NONE);
	CHECK(strstr(st.render.text.ptr, "\"A\": \"one\"") != NULL);
	CHECK(strstr(st.render.text.ptr, "GIT_AUTHOR") == NULL);
	CHECK(st.render.identity_path.size > 0);
	snprintf(first, sizeof(first), "%s", st.render.config);
	CHECK_INT((int)strlen(first), 12);
	CHECK_INT(ais_devcontainer_write_file(st.render.path.ptr, st.render.text.ptr,
					      st.render.text.size, false), 0);
	ais_devcontainer_state_dispose(&st);

	CHECK_INT(ais_devcontainer_judge(&st, &env, NULL), 0);
	CHECK_INT(st.file, AIS_DCFILE_CURRENT);
	ais_devcontainer_state_dispose(&st);

	/* another binary: the file changes, the container's settings do not */
	env.aishell_path = "/opt/b/aishell";
	CHECK_INT(ais_devcontainer_judge(&st, &env, NULL), 0);
	CHECK_INT(st.file, AIS_DCFILE_OUTDATED);
	CHECK_STR(st.file_reason, "regenerating would change initializeCommand");
	CHECK_STR(st.render.config, first);
	ais_devcontainer_state_dispose(&st);
	env.aishell_path = "/opt/a/aishell";

	write_text(cfg, "env:\n  A: two\ndevcontainer:\n  on_change: fail\n");
	CHECK_INT(ais_devcontainer_judge(&st, &env, NULL), 0);
	CHECK_INT(st.file, AIS_DCFILE_OUTDATED);
	CHECK_STR(st.file_reason, "regenerating would change containerEnv");
	CHECK(strcmp(st.render.config, first) != 0);
	CHECK_INT(st.render.on_change, AIS_CONFIG_ON_CHANGE_FAIL);
	ais_devcontainer_state_dispose(&st);

	snprintf(cfg, sizeof(cfg), "%s/.devcontainer/devcontainer.json", project);
	write_text(cfg, "{\"image\": \"other\"}\n");
	CHECK_INT(ais_devcontainer_judge(&st, &env, NULL), 0);
	CHECK_INT(st.file, AIS_DCFILE_FOREIGN);
	CHECK_INT((int)ais_devcontainer_verdicts(NULL, &st), 0);
	ais_devcontainer_state_dispose(&st);
	ais_chain_free(chain);
}

TEST(devcontainer_ignore_lists_the_file_once)
{
	char dir[512], path[600];
	bool changed;

	snprintf(dir, sizeof(dir), "%s/dc", test_tmpdir());
	test_mkdir("dc");
	snprintf(path, sizeof(path), "%s/.gitignore", dir);
	write_text(path, "node_modules/\ndevcontainer.json");
	CHECK_INT(ais_devcontainer_ignore(dir, &changed), 0);
	CHECK(changed);
	CHECK_STR(read_text(path), "node_modules/\ndevcontainer.json\n/devcontainer.json.bak*\n");
	CHECK_INT(ais_devcontainer_ignore(dir, &changed), 0);
	CHECK(!changed);
}
