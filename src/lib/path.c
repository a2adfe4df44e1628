#include "path.h"

#include "buf.h"

#include <string.h>

bool ais_path_under(const char *path, const char *root)
{
	size_t n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	return n > 0 && !strncmp(path, root, n) &&
	       (path[n] == '/' || path[n] == '\0');
}

int ais_path_clean(ais_buf *out, size_t *count, const char *path)
{
	const char *p = path;
	int error = 0;

	ais_buf_clear(out);
	*count = 0;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (*count) {
				char *slash = strrchr(out->ptr, '/');

				out->size = slash ? (size_t)(slash - out->ptr) : 0;
				out->ptr[out->size] = '\0';
				(*count)--;
			}
		} else if (n && !(n == 1 && *p == '.')) {
			if ((*count && (error = ais_buf_putc(out, '/')) < 0) ||
			    (error = ais_buf_put(out, p, n)) < 0)
				return error;
			(*count)++;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	return error;
}

bool ais_path_component_wild(const char *comp, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (comp[i] && strchr("*?[\\", comp[i]))
			return true;
	return false;
}
