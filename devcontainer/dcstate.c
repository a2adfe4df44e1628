#include "dcstate.h"

#include "devcontainer.h"
#include "error.h"
#include "fsutil.h"
#include "gitid.h"
#include "jsonc.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OOM() ais_error_set(AIS_ENOMEM, "out of memory")

int ais_devcontainer_self_path(ais_buf *out)
{
	ais_buf exe = AIS_BUF_INIT;
	struct stat st;
	int error;

	if ((error = ais_fs_self_exe(&exe)) < 0)
		goto done;
	if (stat(exe.ptr, &st) == 0 && ais_fs_which(out, "aishell", &st) == 0)
		goto done;
	ais_error_clear();
	error = ais_buf_sets(out, exe.ptr);
done:
	ais_buf_dispose(&exe);
	return error;
}

/* A git config value, quoted when it needs to be. */
static int git_value(ais_buf *out, const char *v)
{
	int error = ais_buf_putc(out, '"');

	for (; *v && error == 0; v++) {
		if (*v == '"' || *v == '\\')
			error = ais_buf_putc(out, '\\');
		if (error == 0)
			error = ais_buf_putc(out, *v);
	}
	return error < 0 ? error : ais_buf_putc(out, '"');
}

/* The per-user git config the container reads through GIT_CONFIG_SYSTEM:
 * the image's own /etc/gitconfig, then the identity. */
static int identity_text(ais_buf *out, const ais_gitid *git)
{
	int error;

	if ((error = ais_buf_puts(out, "# the git identity of this machine's user; written by aishell\n"
				  "[include]\n\tpath = /etc/gitconfig\n")) < 0)
		return error;
	if (!git->name.size && !git->email.size)
		return 0;
	if ((error = ais_buf_puts(out, "[user]\n")) < 0)
		return error;
	if (git->name.size &&
	    ((error = ais_buf_puts(out, "\tname = ")) < 0 ||
	     (error = git_value(out, git->name.ptr)) < 0 ||
	     (error = ais_buf_putc(out, '\n')) < 0))
		return error;
	if (git->email.size &&
	    ((error = ais_buf_puts(out, "\temail = ")) < 0 ||
	     (error = git_value(out, git->email.ptr)) < 0 ||
	     (error = ais_buf_putc(out, '\n')) < 0))
		return error;
	return 0;
}

static void report(const ais_devcontainer_env *env, ais_event_type type,
		   const char *text)
{
	ais_event ev = { 0 };

	if (!env->on_event)
		return;
	ev.type = type;
	ev.text = text;
	env->on_event(&ev, env->payload);
}

static const char *user_name(const ais_devcontainer_env *env)
{
	const char *u = env->user;
	struct passwd *pw;

	if (!u || !*u)
		u = getenv("USER");
	if (!u || !*u)
		u = getenv("USERNAME");
	if ((!u || !*u) && (pw = getpwuid(getuid())) != NULL)
		u = pw->pw_name;
	return u ? u : "";
}

/* Read the existing file into r: exists, parses, ours; *existing gets the
 * parsed object. */
static int read_existing(ais_devcontainer_render *r, cJSON **existing)
{
	int error;

	*existing = NULL;
	error = ais_buf_read_file(&r->old, r->path.ptr);
	if (error == AIS_ENOTFOUND) {
		ais_error_clear();
		return 0;
	}
	if (error < 0)
		return error;
	r->exists = true;
	if (ais_jsonc_parse(existing, ais_buf_cstr(&r->old), r->old.size, r->path.ptr) < 0) {
		error = ais_buf_sets(&r->parse_error, ais_error_last()->message);
		ais_error_clear();
		return error;
	}
	if (!cJSON_IsObject(*existing))
		return ais_buf_printf(&r->parse_error, "'%s' is not a JSON object",
				      r->path.ptr);
	r->parses = true;
	r->ours = ais_devcontainer_is_ours(*existing);
	return 0;
}

int ais_devcontainer_render_project(ais_devcontainer_render *r,
				    const ais_devcontainer_env *env)
{
	const ais_chain *chain = env->chain;
	const ais_chain_opts *copts = ais_chain_options(chain);
	const char *project = copts->project_dir, *state = copts->state_dir;
	const char *config_dir = ais_chain_config_dir(chain);
	ais_buf self = AIS_BUF_INIT, gpath = AIS_BUF_INIT, ppath = AIS_BUF_INIT,
		gitwarn = AIS_BUF_INIT;
	ais_devcontainer_opts o = { 0 };
	ais_gitid git = AIS_GITID_INIT;
	ais_config *cfg = NULL;
	cJSON *gen = NULL, *existing = NULL, *merged = NULL;
	const cJSON *conf;
	bool descends = false;
	int error;

	memset(r, 0, sizeof(*r));
	if (env->output)
		error = ais_buf_sets(&r->path, env->output);
	else
		error = ais_buf_printf(&r->path, "%s/.devcontainer/devcontainer.json", project);
	if (error < 0 || (error = read_existing(r, &existing)) < 0)
		goto done;
	if ((error = ais_devcontainer_descends(&descends, chain)) < 0 ||
	    (error = ais_buf_printf(&gpath, "%s/config.yaml",
				    ais_chain_global_dir(chain))) < 0 ||
	    (error = ais_buf_printf(&ppath, "%s/%s/config.yaml", project,
				    config_dir ? config_dir : ".aishell")) < 0 ||
	    (error = ais_config_load(&cfg, gpath.ptr, ppath.ptr, env->on_event,
				     env->payload)) < 0 ||
	    (error = ais_gitid_read(&git, project, &gitwarn)) < 0)
		goto done;
	if (gitwarn.size)
		report(env, AIS_EVENT_WARN, gitwarn.ptr);
	if (env->aishell_path)
		error = ais_buf_sets(&self, env->aishell_path);
	else
		error = ais_devcontainer_self_path(&self);
	if (error < 0 || (error = identity_text(&r->identity, &git)) < 0)
		goto done;
	if (state && *state &&
	    (error = ais_buf_printf(&r->identity_path, "%s/devcontainer/%s/gitconfig",
				    state, ais_chain_project_key(chain))) < 0)
		goto done;

	o.project_dir = project;
	o.image = ais_chain_run_tier(chain)->tag;
	o.repo = copts->repo;
	o.remote_user = descends;
	o.aishell_path = self.ptr;
	o.version = AIS_VERSION;
	o.identity_file = r->identity_path.size ? r->identity_path.ptr : NULL;
	o.home = copts->home;
	o.user = user_name(env);
	o.uid = (unsigned long)getuid();
	o.gid = (unsigned long)getgid();
	o.git = &git;
	o.on_event = env->on_event;
	o.payload = env->payload;
	if ((error = ais_devcontainer_generate(&gen, &o, cfg)) < 0 ||
	    (error = ais_devcontainer_merge(&merged, gen, r->ours ? existing : NULL)) < 0 ||
	    (error = ais_devcontainer_print(&r->text, merged)) < 0)
		goto done;
	snprintf(r->image, sizeof(r->image), "%s", o.image);
	conf = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(gen, "customizations"), "aishell"),
		"config");
	snprintf(r->config, sizeof(r->config), "%s",
		 cJSON_IsString(conf) ? conf->valuestring : "");
	r->on_change = cfg->on_change;
done:
	cJSON_Delete(gen);
	cJSON_Delete(existing);
	cJSON_Delete(merged);
	ais_config_free(cfg);
	ais_gitid_dispose(&git);
	ais_buf_dispose(&self);
	ais_buf_dispose(&gpath);
	ais_buf_dispose(&ppath);
	ais_buf_dispose(&gitwarn);
	if (error < 0)
		ais_devcontainer_render_dispose(r);
	return error;
}

void ais_devcontainer_render_dispose(ais_devcontainer_render *r)
{
	ais_buf_dispose(&r->path);
	ais_buf_dispose(&r->old);
	ais_buf_dispose(&r->parse_error);
	ais_buf_dispose(&r->text);
	ais_buf_dispose(&r->identity_path);
	ais_buf_dispose(&r->identity);
}

/* The top-level keys whose values differ between the old and the new
 * file, as "image, containerEnv"; "formatting" when none do. */
static void file_diff(char *out, size_t len, const ais_devcontainer_render *r)
{
	cJSON *old = NULL, *now = cJSON_Parse(ais_buf_cstr(&r->text));
	const cJSON *item;
	size_t n = 0;

	out[0] = '\0';
	if (ais_jsonc_parse(&old, ais_buf_cstr(&r->old), r->old.size, "") < 0)
		ais_error_clear();
	cJSON_ArrayForEach(item, now) {
		const cJSON *was = cJSON_GetObjectItemCaseSensitive(old, item->string);

		/* customizations.aishell follows the others; named alone */
		if ((was && cJSON_Compare(was, item, 1)) ||
		    (!strcmp(item->string, "customizations") && n))
			continue;
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s",
				      n ? ", " : "", item->string);
	}
	cJSON_ArrayForEach(item, old) {
		if (cJSON_GetObjectItemCaseSensitive(now, item->string))
			continue;
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s",
				      n ? ", " : "", item->string);
	}
	if (!out[0])
		snprintf(out, len, "formatting");
	cJSON_Delete(old);
	cJSON_Delete(now);
}

/* 1 when there is no file and no dev container of the project (st->render
 * gets the path only), 0 when there is something to judge, or an error. */
static int nothing_to_judge(ais_devcontainer_state *st,
			    const ais_devcontainer_env *env, ais_docker *d)
{
	const ais_chain *chain = env->chain;
	ais_wscontainer_want want = { 0 };
	ais_wscontainer *list = NULL;
	struct stat sb;
	size_t n = 0;
	int error;

	if (env->output)
		error = ais_buf_sets(&st->render.path, env->output);
	else
		error = ais_buf_printf(&st->render.path, "%s/.devcontainer/devcontainer.json",
				       ais_chain_options(chain)->project_dir);
	if (error < 0)
		return error;
	if (stat(st->render.path.ptr, &sb) == 0 || errno != ENOENT)
		goto something;
	if (!d)
		return 1;
	want.tag = ais_chain_run_tier(chain)->tag;
	want.tag_id = "";
	if ((error = ais_wscontainer_list(&list, &n, d,
					  ais_chain_options(chain)->project_dir,
					  &want)) < 0)
		return error;
	free(list);
	if (n == 0)
		return 1;
something:
	ais_buf_dispose(&st->render.path);
	return 0;
}

int ais_devcontainer_judge(ais_devcontainer_state *st,
			   const ais_devcontainer_env *env, ais_docker *d)
{
	const ais_chain *chain = env->chain;
	const ais_tier *run = ais_chain_run_tier(chain);
	ais_devcontainer_render *r = &st->render;
	ais_wscontainer_want want = { 0 };
	char keys[400];
	int error;

	memset(st, 0, sizeof(*st));
	if (!env->always_render && (error = nothing_to_judge(st, env, d)) != 0) {
		if (error < 0)
			ais_buf_dispose(&r->path);
		return error < 0 ? error : 0;
	}
	if ((error = ais_devcontainer_render_project(r, env)) < 0)
		return error;
	if (!r->exists) {
		st->file = AIS_DCFILE_NONE;
	} else if (!r->parses) {
		st->file = AIS_DCFILE_FOREIGN;
		snprintf(st->file_reason, sizeof(st->file_reason), "%s",
			 ais_buf_cstr(&r->parse_error));
	} else if (!r->ours) {
		st->file = AIS_DCFILE_FOREIGN;
		snprintf(st->file_reason, sizeof(st->file_reason),
			 "it was not generated by aishell");
	} else if (r->old.size == r->text.size &&
		   !memcmp(r->old.ptr, r->text.ptr, r->text.size)) {
		st->file = AIS_DCFILE_CURRENT;
	} else {
		st->file = AIS_DCFILE_OUTDATED;
		file_diff(keys, sizeof(keys), r);
		snprintf(st->file_reason, sizeof(st->file_reason),
			 "regenerating would change %s", keys);
	}
	if (!d)
		return 0;
	want.tag = run->tag;
	want.tag_id = run->id;
	want.config = r->config;
	want.config_json = ais_buf_cstr(&r->text);
	error = ais_wscontainer_list(&st->containers, &st->container_count, d,
				     ais_chain_options(chain)->project_dir, &want);
	if (error < 0)
		ais_devcontainer_state_dispose(st);
	return error;
}

void ais_devcontainer_state_dispose(ais_devcontainer_state *st)
{
	ais_devcontainer_render_dispose(&st->render);
	free(st->containers);
	st->containers = NULL;
	st->container_count = 0;
}

size_t ais_devcontainer_verdicts(ais_buf *out, const ais_devcontainer_state *st)
{
	size_t i, n = 0;

	if (st->file == AIS_DCFILE_OUTDATED) {
		if (out)
			ais_buf_printf(out, "%s is out of date: %s\n",
				       st->render.path.ptr, st->file_reason);
		n++;
	}
	for (i = 0; i < st->container_count; i++) {
		if (!st->containers[i].stale)
			continue;
		if (out)
			ais_buf_printf(out, "dev container %s is outdated: %s\n",
				       st->containers[i].name,
				       st->containers[i].reason);
		n++;
	}
	return n;
}

/* mkdir -p of the directory part of `path`. */
static int make_parent(const char *path)
{
	char *dir = strdup(path), *slash;
	int error = 0;

	AIS_CHECK_ALLOC(dir);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		error = ais_fs_private_dir(dir);
	}
	free(dir);
	return error;
}

int ais_devcontainer_write_identity(const ais_devcontainer_render *r)
{
	ais_buf old = AIS_BUF_INIT;
	int fd, error;

	if (!r->identity_path.size)
		return 0;
	if (ais_buf_read_file(&old, r->identity_path.ptr) == 0 &&
	    old.size == r->identity.size &&
	    !memcmp(old.ptr, r->identity.ptr, old.size)) {
		ais_buf_dispose(&old);
		return 0;
	}
	ais_buf_dispose(&old);
	ais_error_clear();
	if ((error = make_parent(r->identity_path.ptr)) < 0)
		return error;
	fd = open(r->identity_path.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return ais_error_set_os(AIS_ERROR, errno, "cannot write '%s'",
					r->identity_path.ptr);
	/* In place, not renamed over: a running container has it bind-mounted. */
	if ((error = ais_fs_write_all(fd, r->identity.ptr, r->identity.size)) < 0) {
		close(fd);
		return error;
	}
	if (close(fd) < 0)
		return ais_error_set_os(AIS_ERROR, errno, "cannot write '%s'",
					r->identity_path.ptr);
	return 0;
}

/* Whether `text` has `line` as a whole line. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

int ais_devcontainer_ignore(const char *dir, bool *changed)
{
	static const char *const lines[] = {
		"/devcontainer.json", "/devcontainer.json.bak*", NULL
	};
	ais_buf path = AIS_BUF_INIT, text = AIS_BUF_INIT;
	size_t i, before;
	int error;

	*changed = false;
	if ((error = ais_buf_printf(&path, "%s/.gitignore", dir)) < 0)
		goto done;
	error = ais_buf_read_file(&text, path.ptr);
	if (error == AIS_ENOTFOUND) {
		ais_error_clear();
		error = ais_buf_puts(&text, "# devcontainer.json names this clone's image and this machine's paths:\n"
				     "# each clone generates its own with 'aishell devcontainer generate'.\n");
	}
	if (error < 0)
		goto done;
	before = text.size;
	for (i = 0; lines[i]; i++) {
		if (has_line(ais_buf_cstr(&text), lines[i]) ||
		    (i == 0 && has_line(ais_buf_cstr(&text), lines[i] + 1)))
			continue;
		if ((text.size && text.ptr[text.size - 1] != '\n' &&
		     (error = ais_buf_putc(&text, '\n')) < 0) ||
		    (error = ais_buf_printf(&text, "%s\n", lines[i])) < 0)
			goto done;
	}
	if (text.size != before || access(path.ptr, F_OK) != 0) {
		if ((error = ais_devcontainer_write_file(path.ptr, text.ptr, text.size, false)) < 0)
			goto done;
		*changed = true;
	}
done:
	ais_buf_dispose(&path);
	ais_buf_dispose(&text);
	return error;
}
