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

/* A component is a pattern when it holds a wildcard or the escape, as
 * fsutil's containsWildcards says; only the first `len` bytes count. */
TEST(path_component_wild)
{
	CHECK(ais_path_component_wild("*.txt", 5));
	CHECK(ais_path_component_wild("a?c", 3));
	CHECK(ais_path_component_wild("[ab]", 4));
	CHECK(ais_path_component_wild("a\\b", 3));
	CHECK(!ais_path_component_wild("plain.txt", 9));
	CHECK(!ais_path_component_wild("", 0));
	CHECK(!ais_path_component_wild("dir/*.c", 3));
}
