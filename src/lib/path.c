#include "path.h"

#include <string.h>

bool ais_path_under(const char *path, const char *root)
{
	size_t n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	return n > 0 && !strncmp(path, root, n) &&
	       (path[n] == '/' || path[n] == '\0');
}
