#include "test.h"

#include "config.h"
#include "error.h"

#include <stdio.h>
#include <string.h>

TEST(config_port_syntax)
{
	CHECK(ais_config_port_valid("8080:80"));
	CHECK(ais_config_port_valid("127.0.0.1:5432:5432"));
	CHECK(ais_config_port_valid("53:53/udp"));
	CHECK(!ais_config_port_valid("8080"));
	CHECK(!ais_config_port_valid("8000-8010:8000-8010"));
	CHECK(!ais_config_port_valid("[::1]:80:80"));
	CHECK(!ais_config_port_valid("1.2.3:80:80"));
	CHECK(!ais_config_port_valid("80:80/"));
	CHECK(!ais_config_port_valid("80:80/TCP"));
	CHECK(!ais_config_port_valid(""));
}

TEST(config_yaml11_sexagesimal)
{
	long long v = 0;

	CHECK(ais_config_sexagesimal("22:22", &v));
	CHECK_INT(v, 1342);
	CHECK(ais_config_sexagesimal("1:30", &v));
	CHECK_INT(v, 90);
	CHECK(ais_config_sexagesimal("1:2:3", &v));
	CHECK_INT(v, 3723);
	CHECK(ais_config_sexagesimal("-1_0:05", &v));
	CHECK_INT(v, -605);
	CHECK(!ais_config_sexagesimal("8080:80", NULL));
	CHECK(!ais_config_sexagesimal("08:30", NULL));
	CHECK(!ais_config_sexagesimal("22", NULL));
	CHECK(!ais_config_sexagesimal("22:", NULL));
	CHECK(!ais_config_sexagesimal("1.1.1.1:22:22", NULL));
}

TEST(config_missing_files_give_an_empty_config)
{
	ais_config *cfg = NULL;
	char path[1024];

	snprintf(path, sizeof(path), "%s/none.yaml", test_tmpdir());
	CHECK_INT(ais_config_load(&cfg, path, path, NULL, NULL), 0);
	CHECK(cfg != NULL);
	CHECK_INT(cfg->env_count + cfg->mounts.count + cfg->ports.count, 0);
	CHECK(cfg->pre_start == NULL);
	ais_config_free(cfg);
	snprintf(path, sizeof(path), "%s/bad.yaml", test_tmpdir());
	test_write("bad.yaml", "env: {A: 1}\n---\nenv: {}\n");
	CHECK_INT(ais_config_load(&cfg, NULL, path, NULL, NULL), AIS_EINVALID);
	CHECK(strstr(ais_error_last()->message, "more than one YAML document") != NULL);
	test_write("bad.yaml", "mounts: [\"a\\0b\"]\n");
	CHECK_INT(ais_config_load(&cfg, NULL, path, NULL, NULL), AIS_EINVALID);
	CHECK(strstr(ais_error_last()->message, "bad.yaml:1:10: value contains a NUL character") != NULL);
	test_write("bad.yaml", "env: \"a\"\n");
	CHECK_INT(ais_config_load(&cfg, NULL, path, NULL, NULL), AIS_EINVALID);
	CHECK(strstr(ais_error_last()->message, "bad.yaml:1:6: 'env' must be a mapping or a list, not a scalar") != NULL);
}

/* COMPATIBILITY.md 5.2: lists global first; env in the global order with
 * project values winning in place; pre_start from the project whenever it
 * has the key; `extends: none` leaves the global file out. */
TEST(config_merge_global_and_project)
{
	ais_config *cfg = NULL;
	char g[1024], p[1024];

	snprintf(g, sizeof(g), "%s/global.yaml", test_tmpdir());
	snprintf(p, sizeof(p), "%s/project.yaml", test_tmpdir());
	test_write("global.yaml", "mounts: [/g]\nenv: {A: ga, B: gb}\npre_start: echo global\n");
	test_write("project.yaml", "mounts: [/p]\nenv: [C=pc, A=pa]\npre_start: []\n");
	CHECK_INT(ais_config_load(&cfg, g, p, NULL, NULL), 0);
	CHECK_INT(cfg->mounts.count, 2);
	if (cfg->mounts.count == 2) {
		CHECK_STR(cfg->mounts.items[0].value, "/g");
		CHECK_STR(cfg->mounts.items[1].value, "/p");
	}
	CHECK_INT(cfg->env_count, 3);
	if (cfg->env_count == 3) {
		CHECK_STR(cfg->env[0].name, "A");
		CHECK_STR(cfg->env[0].value, "pa");
		CHECK_STR(cfg->env[1].name, "B");
		CHECK_STR(cfg->env[2].name, "C");
	}
	CHECK(cfg->has_pre_start);
	CHECK(cfg->pre_start == NULL);
	ais_config_free(cfg);

	test_write("project.yaml", "extends: none\nenv: {C: pc}\n");
	CHECK_INT(ais_config_load(&cfg, g, p, NULL, NULL), 0);
	CHECK_INT(cfg->mounts.count, 0);
	CHECK_INT(cfg->env_count, 1);
	CHECK(!cfg->has_pre_start);
	ais_config_free(cfg);
}

/* Both forms of env give the same entries: a mapping's null and a list's
 * bare NAME pass the variable through; only a list entry splits at '='. */
TEST(config_env_mapping_and_list)
{
	static const struct {
		const char *yaml;
		const char *entries; /* "NAME=VALUE;" or "NAME;" (passthrough) */
		const char *message; /* the error, or NULL */
	} cases[] = {
		{ "env: {A: 1, B: true, C: ~, D: '', E: x=y, A: 2}\n", "A=2;B=true;C;D=;E=x=y;", NULL },
		{ "env: [A=1, B, C=, D=x=y, A=2]\n", "A=2;B;C=;D=x=y;", NULL },
		{ "env:\n  - A=1\n  - ~\n", NULL,
		  "c.yaml:3:5: env list entries must be NAME=VALUE or NAME, not null" },
		{ "env: [A=1, [B]]\n", NULL,
		  "c.yaml:1:12: env list entries must be NAME=VALUE or NAME, not a list" },
		{ "env: [=x]\n", NULL, "c.yaml:1:7: env variable name is empty" },
		{ "env: {'': x}\n", NULL, "c.yaml:1:7: env variable name is empty" },
		{ "env: {A=B: x}\n", NULL, "c.yaml:1:7: env variable name 'A=B' contains '='" },
		{ "env: {~: x}\n", NULL, "c.yaml:1:7: env names must be strings, not null" },
		{ "env: {A: [x]}\n", NULL,
		  "c.yaml:1:10: env value of 'A' must be a string, number or boolean, not a list" },
		{ "env: {A: \"a\\0b\"}\n", NULL, "c.yaml:1:10: value contains a NUL character" },
		{ "env: [\"A=a\\0b\"]\n", NULL, "c.yaml:1:7: value contains a NUL character" },
	};
	ais_config *cfg;
	char path[1024], got[256];
	size_t i, j;

	snprintf(path, sizeof(path), "%s/c.yaml", test_tmpdir());
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cfg = NULL;
		test_write("c.yaml", cases[i].yaml);
		CHECK_INT(ais_config_load(&cfg, NULL, path, NULL, NULL),
			  cases[i].message ? AIS_EINVALID : 0);
		if (cases[i].message) {
			CHECK_STR(strstr(ais_error_last()->message, "c.yaml"),
				  cases[i].message);
			continue;
		}
		got[0] = '\0';
		for (j = 0; cfg && j < cfg->env_count; j++)
			snprintf(got + strlen(got), sizeof(got) - strlen(got),
				 "%s%s%s;", cfg->env[j].name,
				 cfg->env[j].value ? "=" : "",
				 cfg->env[j].value ? cfg->env[j].value : "");
		CHECK_STR(got, cases[i].entries);
		ais_config_free(cfg);
	}
}
