#include "test.h"

#include "cli.h"
#include "error.h"
#include "hooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TEST(cli_valid_repo_names)
{
	static const char *const good[] = {
		"aishell", "test/aishell", "registry.local:5000/team/aishell",
		"a", "a_b.c-d", "0x",
	};
	static const char *const bad[] = {
		"", "Aishell", "aishell ", "-aishell", "aishell-", "a/", "/a",
		"a@b", "a b", "\xc3\xa9",
	};
	char longest[202];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(*good); i++)
		if (!cli_valid_repo(good[i]))
			test_fail(__FILE__, __LINE__, "'%s' refused", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (cli_valid_repo(bad[i]))
			test_fail(__FILE__, __LINE__, "'%s' accepted", bad[i]);
	memset(longest, 'a', 200);
	longest[200] = '\0';
	CHECK(cli_valid_repo(longest));
	longest[200] = 'a';
	longest[201] = '\0';
	CHECK(!cli_valid_repo(longest));
}

TEST(cli_env_empty_is_unset)
{
	test_setenv("AIS_TEST_CLI_ENV", "");
	CHECK(cli_env("AIS_TEST_CLI_ENV") == NULL);
	test_setenv("AIS_TEST_CLI_ENV", "x");
	CHECK_STR(cli_env("AIS_TEST_CLI_ENV"), "x");
	test_setenv("AIS_TEST_CLI_ENV", NULL);
	CHECK(cli_env("AIS_TEST_CLI_ENV") == NULL);
}

TEST(cli_state_dir_and_home)
{
	char out[256];

	test_setenv("XDG_STATE_HOME", "/s");
	cli_state_dir(out, sizeof(out), "/h");
	CHECK_STR(out, "/s/aishell");
	test_setenv("XDG_STATE_HOME", "");
	cli_state_dir(out, sizeof(out), "/h");
	CHECK_STR(out, "/h/.local/state/aishell");
	test_setenv("HOME", "/the/home");
	CHECK_STR(cli_home(), "/the/home");
	/* empty HOME: the password database's home */
	test_setenv("HOME", "");
	CHECK(cli_home() != NULL && cli_home()[0] == '/');
}

TEST(cli_scrub_git_env_unsets_the_list)
{
	const char *const *v;

	for (v = ais_hooks_git_env; *v; v++)
		test_setenv(*v, "x");
	test_setenv("GIT_EXEC_PATH", "/keep");
	cli_scrub_git_env();
	for (v = ais_hooks_git_env; *v; v++)
		CHECK(getenv(*v) == NULL);
	CHECK_STR(getenv("GIT_EXEC_PATH"), "/keep");
}

TEST(cli_error_text_is_the_library_message)
{
	ais_error_clear();
	CHECK_STR(cli_error_text(), "unknown error");
	ais_error_set(AIS_ERROR, "cannot do %s", "that");
	CHECK_STR(cli_error_text(), "cannot do that");
	ais_error_clear();
}
