#include "fsutil.h"

#include "buf.h"
#include "error.h"

#include <errno.h>
#include <sys/stat.h>

int ais_mkdirs(const char *dir, mode_t mode)
{
	ais_buf path = AIS_BUF_INIT;
	char *p;
	int error = 0;

	if ((error = ais_buf_puts(&path, dir)) < 0)
		return error;
	for (p = path.ptr + 1; ; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(path.ptr, mode) < 0 && errno != EEXIST) {
			error = ais_error_set_os(AIS_ERROR, errno,
						 "cannot create directory '%s'",
						 path.ptr);
			break;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	ais_buf_dispose(&path);
	return error;
}
