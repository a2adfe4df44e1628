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

/* Best effort: a record only explains or protects. */
static void record_write(const char *state_dir, const char *kind,
			 const char *name, const char *text)
{
	ais_buf dir = AIS_BUF_INIT, path = AIS_BUF_INIT, body = AIS_BUF_INIT;

	if (state_dir && safe_name(name) &&
	    ais_buf_printf(&dir, "%s/%s", state_dir, kind) == 0 &&
	    ais_fs_private_dir(dir.ptr) == 0 &&
	    ais_buf_printf(&path, "%s/%s", dir.ptr, name) == 0 &&
	    ais_buf_printf(&body, "%s\n", text) == 0)
		ais_fs_write_atomic(path.ptr, body.ptr, body.size, 0600, 0);
	ais_buf_dispose(&dir);
	ais_buf_dispose(&path);
	ais_buf_dispose(&body);
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
