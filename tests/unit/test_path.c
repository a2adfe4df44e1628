#include "test.h"

#include "path.h"

TEST(path_under_whole_components)
{
	CHECK(ais_path_under("/a/b", "/a/b"));
	CHECK(ais_path_under("/a/b/c", "/a/b"));
	CHECK(ais_path_under("/a/b/c", "/a/b/"));
	CHECK(ais_path_under("/a/b/c", "/a/b//"));
	CHECK(!ais_path_under("/a/bc", "/a/b"));
	CHECK(!ais_path_under("/a", "/a/b"));
	CHECK(!ais_path_under("/x/b", "/a/b"));
	CHECK(!ais_path_under("/a/b", ""));
}
