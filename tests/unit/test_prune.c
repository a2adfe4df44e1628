#include "test.h"

#include "prune.h"

#include <stdio.h>

TEST(prune_ext_unneeded)
{
	char dir[1024], why[512];

	snprintf(dir, sizeof(dir), "%s/proj", test_tmpdir());
	/* gone */
	CHECK_STR(ais_prune_ext_unneeded(why, sizeof(why), dir), "project directory no longer exists");
	/* a file where the project was */
	test_write("proj", "x");
	CHECK_STR(ais_prune_ext_unneeded(why, sizeof(why), dir), "project directory no longer exists");
	remove(dir);
	/* there, but without a project Dockerfile */
	test_mkdir("proj");
	CHECK_STR(ais_prune_ext_unneeded(why, sizeof(why), dir),
		  "project has no .aishell/Dockerfile or .sandbox/Dockerfile any more");
	test_mkdir("proj/.aishell");
	test_mkdir("proj/.aishell/Dockerfile");
	CHECK_STR(ais_prune_ext_unneeded(why, sizeof(why), dir),
		  "project has no .aishell/Dockerfile or .sandbox/Dockerfile any more");
	/* .aishell/Dockerfile or .sandbox/Dockerfile keeps it */
	test_mkdir("proj/.sandbox");
	test_write("proj/.sandbox/Dockerfile", "FROM x\n");
	CHECK(ais_prune_ext_unneeded(why, sizeof(why), dir) == NULL);
	remove(dir);
	snprintf(dir, sizeof(dir), "%s/proj2", test_tmpdir());
	test_mkdir("proj2");
	test_mkdir("proj2/.aishell");
	test_write("proj2/.aishell/Dockerfile", "FROM x\n");
	CHECK(ais_prune_ext_unneeded(why, sizeof(why), dir) == NULL);
}
