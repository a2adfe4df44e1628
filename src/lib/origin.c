#include "origin.h"

#include "error.h"
#include "fsutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *bare_hex(const char *id)
{
	return strncmp(id, "sha256:", 7) ? id : id + 7;
}

/* A name must stay one path component. */
static bool safe_name(const char *name)
{
	return *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

static void record_write(const char *state_dir, const char *kind,
			 const char *name, const char *text)
{
	ais_buf dir = AIS_BUF_INIT, path = AIS_BUF_INIT, tmp = AIS_BUF_INIT;
	FILE *f;

	if (!state_dir || !safe_name(name) ||
	    ais_buf_printf(&dir, "%s/%s", state_dir, kind) < 0 ||
	    ais_mkdirs(dir.ptr, 0700) < 0 ||
	    ais_buf_printf(&path, "%s/%s", dir.ptr, name) < 0 ||
	    ais_buf_printf(&tmp, "%s.%ld.tmp", path.ptr, (long)getpid()) < 0)
		goto done;
	if (!(f = fopen(tmp.ptr, "wb")))
		goto done;
	if (fprintf(f, "%s\n", text) < 0 || fclose(f) != 0 ||
	    rename(tmp.ptr, path.ptr) < 0)
		unlink(tmp.ptr);
done:
	ais_buf_dispose(&dir);
	ais_buf_dispose(&path);
	ais_buf_dispose(&tmp);
	ais_error_clear();
}

static int record_read(ais_buf *out, const char *state_dir, const char *kind,
		       const char *name)
{
	ais_buf path = AIS_BUF_INIT;
	int error;

	ais_buf_clear(out);
	if (!state_dir || !safe_name(name))
		return AIS_ENOTFOUND;
	if ((error = ais_buf_printf(&path, "%s/%s/%s", state_dir, kind, name)) == 0)
		error = ais_buf_read_file(out, path.ptr);
	ais_buf_dispose(&path);
	if (error < 0) {
		ais_error_clear();
		return AIS_ENOTFOUND;
	}
	/* The one newline record_write added (a path may end in another). */
	if (out->size && out->ptr[out->size - 1] == '\n')
		out->ptr[--out->size] = '\0';
	return out->size ? 0 : AIS_ENOTFOUND;
}

void ais_origin_set_project(const char *state_dir, const char *h12,
			    const char *project_dir)
{
	record_write(state_dir, "projects", h12, project_dir);
}

int ais_origin_project(ais_buf *out, const char *state_dir, const char *h12)
{
	return record_read(out, state_dir, "projects", h12);
}

void ais_origin_set(const char *state_dir, const char *id, const char *text)
{
	record_write(state_dir, "origins", bare_hex(id), text);
}

int ais_origin_get(ais_buf *out, const char *state_dir, const char *id)
{
	return record_read(out, state_dir, "origins", bare_hex(id));
}
