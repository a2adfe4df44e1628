#include "test.h"

#include "gitid.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Run a shell command in the test's scratch directory; true on success. */
static bool sh(const char *command)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "cd '%s' && %s >/dev/null 2>&1", test_tmpdir(), command);
	return system(cmd) == 0;
}

/* user.name and user.email as git would read them, trimmed; the common git
 * dir only when it lies outside the project. */
TEST(gitid_reads_identity_and_common_dir)
{
	char dir[PATH_MAX + 8], real[PATH_MAX], gitdir[PATH_MAX + 8];
	ais_gitid id = AIS_GITID_INIT;
	ais_buf warn = AIS_BUF_INIT;

	test_mkdir("home");
	test_mkdir("plain");
	test_write("home/.gitconfig", "[user]\n\tname = \"  Global Name  \"\n");
	snprintf(dir, sizeof(dir), "%s/home", test_tmpdir());
	test_setenv("HOME", dir);
	test_setenv("XDG_CONFIG_HOME", NULL);

	/* outside a repository: the global config */
	snprintf(dir, sizeof(dir), "%s/plain", test_tmpdir());
	CHECK_INT(ais_gitid_read(&id, dir, &warn), 0);
	CHECK_STR(ais_buf_cstr(&id.name), "Global Name");
	CHECK_STR(ais_buf_cstr(&id.email), "");
	CHECK_STR(ais_buf_cstr(&id.common_dir), "");
	CHECK_STR(ais_buf_cstr(&warn), "");
	ais_gitid_dispose(&id);

	/* a repository: its own config first */
	CHECK(sh("git init -q repo && git -C repo config user.email ' me@example.invalid ' && mkdir repo/sub"));
	snprintf(dir, sizeof(dir), "%s/repo", test_tmpdir());
	CHECK(realpath(dir, real) != NULL);
	CHECK_INT(ais_gitid_read(&id, real, &warn), 0);
	CHECK_STR(ais_buf_cstr(&id.name), "Global Name");
	CHECK_STR(ais_buf_cstr(&id.email), "me@example.invalid");
	CHECK_STR(ais_buf_cstr(&id.common_dir), "");
	ais_gitid_dispose(&id);

	/* a project below the repository root: the git dir is outside it */
	snprintf(dir, sizeof(dir), "%s/sub", real);
	snprintf(gitdir, sizeof(gitdir), "%s/.git", real);
	CHECK_INT(ais_gitid_read(&id, dir, &warn), 0);
	CHECK_STR(ais_buf_cstr(&id.common_dir), gitdir);
	CHECK_STR(ais_buf_cstr(&id.email), "me@example.invalid");
	ais_gitid_dispose(&id);
	ais_buf_dispose(&warn);
}

/* A repository with extensions.worktreeConfig (set by `git sparse-checkout`
 * and `git worktree` users) is read, not refused: every libgit2 user gets
 * the same initialisation. */
TEST(gitid_reads_a_worktree_config_repository)
{
	ais_gitid id = AIS_GITID_INIT;
	ais_buf warning = AIS_BUF_INIT;
	char cmd[4096];

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && git init -q repo && cd repo && "
		 "git config core.repositoryformatversion 1 && "
		 "git config extensions.worktreeConfig true && "
		 "git config user.name 'Worktree Config' && "
		 "git config user.email wt@example.invalid", test_tmpdir());
	CHECK_INT(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/repo", test_tmpdir());
	CHECK_INT(ais_gitid_read(&id, cmd, &warning), 0);
	CHECK_STR(ais_buf_cstr(&warning), "");
	CHECK_STR(ais_buf_cstr(&id.name), "Worktree Config");
	CHECK_STR(ais_buf_cstr(&id.email), "wt@example.invalid");
	ais_gitid_dispose(&id);
	ais_buf_dispose(&warning);
}
