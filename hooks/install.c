/*
 * install.c - rendering, recognising, installing and removing the shims.
 */
#include "hooks.h"

#include "error.h"
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define BIN_PLACEHOLDER "@AISHELL_BIN@"
#define MAX_HOOK_FILE (1024 * 1024)

const char *const ais_hooks_names[AIS_HOOKS_COUNT] = {
	"post-checkout", "post-merge", "post-rewrite"
};

static const char *const mode_names[] = { "warn", "build", "background", "off" };

int ais_hooks_mode_parse(ais_hooks_mode *out, const char *s)
{
	size_t i;

	for (i = 0; s && i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (!strcasecmp(s, mode_names[i])) {
			*out = (ais_hooks_mode)i;
			return 0;
		}
	}
	return ais_error_set(AIS_EINVALID,
			     "unknown hooks mode '%s' (use warn, build, background or off)",
			     s ? s : "");
}

const char *ais_hooks_mode_name(ais_hooks_mode mode)
{
	return (unsigned)mode < sizeof(mode_names) / sizeof(mode_names[0])
		? mode_names[mode] : "?";
}

/* ---- shim text ------------------------------------------------------- */

int ais_hooks_sh_quote(ais_buf *out, const char *s)
{
	int error = ais_buf_putc(out, '\'');

	for (; !error && *s; s++)
		error = *s == '\'' ? ais_buf_puts(out, "'\\''")
				   : ais_buf_putc(out, *s);
	return error ? error : ais_buf_putc(out, '\'');
}

int ais_hooks_render(ais_buf *out, const char *bin)
{
	const char *t = ais_hooks_shim_template;
	const char *at = strstr(t, "'" BIN_PLACEHOLDER "'");
	int error;

	if (!at)
		return ais_error_set(AIS_ERROR,
				     "shim template has no '%s' placeholder",
				     BIN_PLACEHOLDER);
	if ((error = ais_buf_put(out, t, (size_t)(at - t))) < 0 ||
	    (error = ais_hooks_sh_quote(out, bin ? bin : "")) < 0 ||
	    (error = ais_buf_puts(out, at + strlen(BIN_PLACEHOLDER) + 2)) < 0)
		return error;
	return 0;
}

bool ais_hooks_is_ours(const char *text, size_t len)
{
	size_t i, line = 0;
	size_t mlen = strlen(AIS_HOOKS_MARKER);

	/* The marker must start one of the first five lines. */
	for (i = 0; i < len && line < 5; line++) {
		if (len - i >= mlen && !memcmp(text + i, AIS_HOOKS_MARKER, mlen))
			return true;
		while (i < len && text[i] != '\n')
			i++;
		i++;
	}
	return false;
}

int ais_hooks_parse_recorded(ais_buf *out, const char *text)
{
	static const char key[] = "\naishell_bin='";
	const char *p = strstr(text, key);
	int error = 0;

	ais_buf_clear(out);
	if (!p)
		return ais_error_set(AIS_EINVALID,
				     "no aishell_bin line in the shim");
	for (p += strlen(key); !error; p++) {
		if (*p == '\0' || *p == '\n')
			return ais_error_set(AIS_EINVALID,
					     "unterminated aishell_bin line in the shim");
		if (*p != '\'') {
			error = ais_buf_putc(out, *p);
			continue;
		}
		if (!strncmp(p, "'\\''", 4)) {
			error = ais_buf_putc(out, '\'');
			p += 3;
			continue;
		}
		break;
	}
	return error;
}

/* ---- files ----------------------------------------------------------- */

/* Read a whole hook file: AIS_ENOTFOUND when absent, AIS_EINVALID when it
 * is not a regular file or far too big for a shim (not ours, either way). */
static int read_file(ais_buf *out, const char *path)
{
	int fd, error;

	ais_buf_clear(out);
	if ((fd = ais_fs_open_regular(path, AIS_FS_NOFOLLOW, NULL)) < 0)
		return fd;
	error = ais_fs_read_fd(out, fd, MAX_HOOK_FILE);
	close(fd);
	return error;
}

static bool exists(const char *path, struct stat *st)
{
	struct stat tmp;

	return lstat(path, st ? st : &tmp) == 0;
}

static int hook_path(ais_buf *out, const char *dir, const char *name,
		     const char *suffix)
{
	ais_buf_clear(out);
	return ais_buf_printf(out, "%s/%s%s", dir, name, suffix ? suffix : "");
}

int ais_hooks_inspect(ais_hook_state *out, const char *dir, const char *name,
		      const char *bin)
{
	ais_buf path = AIS_BUF_INIT, text = AIS_BUF_INIT, want = AIS_BUF_INIT;
	ais_buf rec = AIS_BUF_INIT;
	struct stat st;
	int error;

	memset(out, 0, sizeof(*out));
	out->name = name;
	if ((error = hook_path(&path, dir, name, AIS_HOOKS_CHAINED_SUFFIX)) < 0)
		goto done;
	out->chained = exists(path.ptr, NULL);
	out->chained_executable = out->chained && access(path.ptr, X_OK) == 0;
	if ((error = hook_path(&path, dir, name, NULL)) < 0)
		goto done;
	if (!exists(path.ptr, &st)) {
		out->kind = AIS_HOOK_ABSENT;
		goto done;
	}
	out->executable = access(path.ptr, X_OK) == 0;
	out->kind = AIS_HOOK_FOREIGN;
	if (!S_ISREG(st.st_mode))
		goto done; /* a symlink or directory is never ours */
	error = read_file(&text, path.ptr);
	if (error == AIS_ENOTFOUND || error == AIS_EINVALID) {
		/* Gone since the lstat, or not a file a shim could be. */
		if (error == AIS_ENOTFOUND)
			out->kind = AIS_HOOK_ABSENT;
		ais_error_clear();
		error = 0;
		goto done;
	}
	if (error < 0)
		goto done;
	if (!ais_hooks_is_ours(text.ptr ? text.ptr : "", text.size))
		goto done;
	out->kind = AIS_HOOK_OURS;
	if (ais_hooks_parse_recorded(&rec, ais_buf_cstr(&text)) == 0)
		snprintf(out->recorded, sizeof(out->recorded), "%s",
			 ais_buf_cstr(&rec));
	else
		ais_error_clear();
	if ((error = ais_hooks_render(&want, bin)) < 0)
		goto done;
	out->current = want.size == text.size && out->executable &&
		       !memcmp(want.ptr, text.ptr, text.size);
done:
	ais_buf_dispose(&path);
	ais_buf_dispose(&text);
	ais_buf_dispose(&want);
	ais_buf_dispose(&rec);
	return error;
}

/* A line for the caller (event.h). */
#define note(cb, payload, type, ...) \
	ais_event_emitf((cb), (payload), (type), NULL, __VA_ARGS__)

int ais_hooks_install(const char *dir, const char *bin, ais_event_cb on_event,
		      void *payload)
{
	ais_hook_state st[AIS_HOOKS_COUNT];
	ais_buf shim = AIS_BUF_INIT, path = AIS_BUF_INIT, backup = AIS_BUF_INIT;
	size_t i;
	int error;

	/* Look at everything first, so a refusal changes nothing. */
	for (i = 0; i < AIS_HOOKS_COUNT; i++) {
		if ((error = ais_hooks_inspect(&st[i], dir, ais_hooks_names[i],
					       bin)) < 0)
			goto done;
		if (st[i].kind == AIS_HOOK_FOREIGN && st[i].chained) {
			error = ais_error_set(AIS_EINVALID,
					      "cannot move the existing hook '%s/%s' aside: '%s%s' already exists; move one of them away first",
					      dir, ais_hooks_names[i],
					      ais_hooks_names[i],
					      AIS_HOOKS_CHAINED_SUFFIX);
			goto done;
		}
	}
	if ((error = ais_fs_mkdirs(dir, 0755)) < 0 || (error = ais_hooks_render(&shim, bin)) < 0)
		goto done;
	for (i = 0; i < AIS_HOOKS_COUNT; i++) {
		const char *name = ais_hooks_names[i];

		if ((error = hook_path(&path, dir, name, NULL)) < 0 ||
		    (error = hook_path(&backup, dir, name,
				       AIS_HOOKS_CHAINED_SUFFIX)) < 0)
			goto done;
		if (st[i].kind == AIS_HOOK_OURS && st[i].current) {
			note(on_event, payload, AIS_EVENT_NOTE,
			     "%s: already installed%s", name,
			     st[i].chained ? " (chaining " AIS_HOOKS_CHAINED_SUFFIX " hook)" : "");
			continue;
		}
		if (st[i].kind == AIS_HOOK_FOREIGN) {
			if (rename(path.ptr, backup.ptr) < 0) {
				error = ais_error_set_os(AIS_ERROR, errno,
							 "cannot move '%s' to '%s'",
							 path.ptr, backup.ptr);
				goto done;
			}
		}
		if ((error = ais_fs_write_atomic(path.ptr, shim.ptr, shim.size,
						 0755, 0)) < 0) {
			if (st[i].kind == AIS_HOOK_FOREIGN)
				rename(backup.ptr, path.ptr);
			goto done;
		}
		if (st[i].kind == AIS_HOOK_FOREIGN)
			note(on_event, payload, AIS_EVENT_NOTE,
			     "%s: installed; the existing hook was moved to %s%s and runs first",
			     name, name, AIS_HOOKS_CHAINED_SUFFIX);
		else if (st[i].kind == AIS_HOOK_OURS)
			note(on_event, payload, AIS_EVENT_NOTE, "%s: updated%s",
			     name, st[i].chained ? " (chaining " AIS_HOOKS_CHAINED_SUFFIX " hook)" : "");
		else if (st[i].chained)
			note(on_event, payload, AIS_EVENT_NOTE,
			     "%s: installed; it runs the existing %s%s first",
			     name, name, AIS_HOOKS_CHAINED_SUFFIX);
		else
			note(on_event, payload, AIS_EVENT_NOTE, "%s: installed",
			     name);
	}
done:
	ais_buf_dispose(&shim);
	ais_buf_dispose(&path);
	ais_buf_dispose(&backup);
	return error;
}

int ais_hooks_uninstall(const char *dir, ais_event_cb on_event, void *payload)
{
	ais_buf path = AIS_BUF_INIT, backup = AIS_BUF_INIT;
	ais_hook_state st;
	size_t i;
	int error = 0;

	for (i = 0; i < AIS_HOOKS_COUNT; i++) {
		const char *name = ais_hooks_names[i];

		if ((error = ais_hooks_inspect(&st, dir, name, NULL)) < 0 ||
		    (error = hook_path(&path, dir, name, NULL)) < 0 ||
		    (error = hook_path(&backup, dir, name,
				       AIS_HOOKS_CHAINED_SUFFIX)) < 0)
			goto done;
		if (st.kind == AIS_HOOK_FOREIGN) {
			note(on_event, payload, AIS_EVENT_WARN,
			     "%s: not aishell's; left alone%s", name,
			     st.chained ? " (and so is its " AIS_HOOKS_CHAINED_SUFFIX " file)" : "");
			continue;
		}
		if (st.kind == AIS_HOOK_OURS && unlink(path.ptr) < 0) {
			error = ais_error_set_os(AIS_ERROR, errno,
						 "cannot remove '%s'", path.ptr);
			goto done;
		}
		if (st.chained) {
			if (rename(backup.ptr, path.ptr) < 0) {
				error = ais_error_set_os(AIS_ERROR, errno,
							 "cannot move '%s' back to '%s'",
							 backup.ptr, path.ptr);
				goto done;
			}
			note(on_event, payload, AIS_EVENT_NOTE,
			     "%s: removed; the previous hook is back in place", name);
		} else if (st.kind == AIS_HOOK_OURS) {
			note(on_event, payload, AIS_EVENT_NOTE, "%s: removed", name);
		} else {
			note(on_event, payload, AIS_EVENT_NOTE, "%s: not installed",
			     name);
		}
	}
done:
	ais_buf_dispose(&path);
	ais_buf_dispose(&backup);
	return error;
}
