#include "test.h"

#include "gitid.h"

#include <stdio.h>
#include <stdlib.h>

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
