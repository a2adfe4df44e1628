#include "test.h"

#include "devcontainer.h"
#include "error.h"
#include "jsonc.h"

#include <stdio.h>
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
