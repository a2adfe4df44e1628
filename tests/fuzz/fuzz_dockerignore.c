/* libFuzzer target: .dockerignore parsing and matching. */
#include "dockerignore.h"
#include "error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *paths[] = { "a", "a/b", "a/b/c.go", "src/x.tmp", ".env",
				       "node_modules/p/i.js", "README.md", "\xc3\xa9/x" };
	ais_dockerignore *di = NULL;
	size_t i;

	if (ais_dockerignore_parse(&di, (const char *)data, size) == 0) {
		for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			ais_dockerignore_excluded(di, paths[i]);
			ais_dockerignore_skip_dir(di, paths[i]);
		}
		/* The input's own lines as paths, too. */
		{
			char *copy = strndup((const char *)data, size), *line, *save = NULL;

			for (line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
			     line = strtok_r(NULL, "\n", &save))
				ais_dockerignore_excluded(di, line);
			free(copy);
		}
	}
	ais_dockerignore_free(di);
	ais_error_clear();
	return 0;
}
