/*
 * repo.c - the repository side of the hooks, through libgit2: discovery,
 * the hooks directory, aishell.hooks.mode, worktrees and tree diffs.
 */
#include "hooks.h"

#include "error.h"
#include "lazy.h"
#include "path.h"

#include <git2.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ais_hooks_git_init(void)
{
	if (git_libgit2_init() < 0)
		return ais_git_error(AIS_ERROR, "cannot initialise libgit2");
	return 0;
}

void ais_hooks_git_shutdown(void)
{
	git_libgit2_shutdown();
}

static void strip_slashes(ais_buf *b)
{
	while (b->size > 1 && b->ptr[b->size - 1] == '/')
		b->ptr[--b->size] = '\0';
}

int ais_hooks_resolve_dir(ais_buf *out, const char *hooks_path,
			  const char *workdir, const char *gitdir,
			  const char *commondir, const char *home)
{
	const char *rest;
	int error;

	ais_buf_clear(out);
	if (!hooks_path || !*hooks_path) {
		if ((error = ais_buf_puts(out, commondir)) < 0)
			return error;
		strip_slashes(out);
		if ((error = ais_buf_puts(out, "/hooks")) < 0)
			return error;
		return 0;
	}
	if (hooks_path[0] == '~') {
		rest = strchr(hooks_path, '/');
		if (!rest)
			rest = hooks_path + strlen(hooks_path);
		if (rest == hooks_path + 1) {
			if (!home || !*home)
				return ais_error_set(AIS_EINVALID,
						     "cannot expand '%s': no home directory",
						     hooks_path);
			error = ais_buf_puts(out, home);
		} else {
			char user[256];
			struct passwd *pw;

			snprintf(user, sizeof(user), "%.*s",
				 (int)(rest - hooks_path - 1), hooks_path + 1);
			pw = getpwnam(user);
			if (!pw)
				return ais_error_set(AIS_EINVALID,
						     "cannot expand '%s': no user '%s'",
						     hooks_path, user);
			error = ais_buf_puts(out, pw->pw_dir);
		}
		if (error < 0)
			return error;
		strip_slashes(out);
		if (*rest && (error = ais_buf_puts(out, rest)) < 0)
			return error;
	} else if (hooks_path[0] == '/') {
		if ((error = ais_buf_puts(out, hooks_path)) < 0)
			return error;
	} else {
		const char *base = workdir && *workdir ? workdir : gitdir;

		if ((error = ais_buf_puts(out, base)) < 0)
			return error;
		strip_slashes(out);
		if ((error = ais_buf_printf(out, "/%s", hooks_path)) < 0)
			return error;
	}
	strip_slashes(out);
	return 0;
}

/* The repository behind an ais_hooks_repo; `pub` first, so the caller's
 * pointer is this one. */
typedef struct {
	ais_hooks_repo pub;
	git_repository *git;
	ais_buf workdir, commondir, hooks_dir, default_dir, hooks_path,
		mode_value;
} hooks_repo;

static hooks_repo *repo_of(ais_hooks_repo *repo)
{
	return (hooks_repo *)repo;
}

/* `dir` (NULL: "") without its trailing slashes. */
static int set_dir(ais_buf *b, const char *dir)
{
	int error;

	if ((error = ais_buf_sets(b, dir ? dir : "")) < 0)
		return error;
	strip_slashes(b);
	return 0;
}

/* Point the public strings at the buffers (again, after they changed). */
static void publish(hooks_repo *r)
{
	r->pub.workdir = ais_buf_cstr(&r->workdir);
	r->pub.hooks_dir = ais_buf_cstr(&r->hooks_dir);
	r->pub.default_dir = ais_buf_cstr(&r->default_dir);
	r->pub.hooks_path = ais_buf_cstr(&r->hooks_path);
	r->pub.mode_value = ais_buf_cstr(&r->mode_value);
}

int ais_hooks_repo_open(ais_hooks_repo **out, const char *start,
			const char *home)
{
	git_config *cfg = NULL;
	git_buf value = GIT_BUF_INIT;
	ais_buf gitdir = AIS_BUF_INIT;
	hooks_repo *r;
	int error = 0, rc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	AIS_CHECK_ALLOC(r);
	rc = git_repository_open_ext(&r->git, start, 0, NULL);
	if (rc == GIT_ENOTFOUND) {
		error = ais_error_set(AIS_ENOTFOUND,
				      "not in a git repository: '%s'", start);
		goto done;
	}
	if (rc < 0) {
		error = ais_git_error(AIS_ERROR, "cannot open the git repository");
		goto done;
	}
	if ((error = set_dir(&r->workdir, git_repository_workdir(r->git))) < 0 ||
	    (error = set_dir(&gitdir, git_repository_path(r->git))) < 0 ||
	    (error = set_dir(&r->commondir,
			     git_repository_commondir(r->git))) < 0)
		goto done;
	if (git_repository_config_snapshot(&cfg, r->git) < 0) {
		error = ais_git_error(AIS_ERROR, "cannot read the git config");
		goto done;
	}
	rc = git_config_get_string_buf(&value, cfg, "core.hooksPath");
	if (rc == 0) {
		if ((error = ais_buf_sets(&r->hooks_path, value.ptr)) < 0)
			goto done;
	} else if (rc != GIT_ENOTFOUND) {
		error = ais_git_error(AIS_ERROR, "cannot read core.hooksPath");
		goto done;
	}
	git_buf_dispose(&value);
	git_error_clear();

	r->pub.mode = AIS_HOOKS_MODE_WARN;
	rc = git_config_get_string_buf(&value, cfg, AIS_HOOKS_MODE_KEY);
	if (rc == 0) {
		r->pub.mode_set = true;
		if ((error = ais_buf_sets(&r->mode_value, value.ptr)) < 0)
			goto done;
		r->pub.mode_valid = ais_hooks_mode_parse(&r->pub.mode,
							 value.ptr) == 0;
		if (!r->pub.mode_valid) {
			r->pub.mode = AIS_HOOKS_MODE_WARN;
			ais_error_clear();
		}
	}
	git_error_clear();

	if ((error = ais_hooks_resolve_dir(&r->default_dir, NULL, NULL, NULL,
					   ais_buf_cstr(&r->commondir),
					   home)) < 0 ||
	    (error = ais_hooks_resolve_dir(&r->hooks_dir,
					   ais_buf_cstr(&r->hooks_path),
					   ais_buf_cstr(&r->workdir),
					   ais_buf_cstr(&gitdir),
					   ais_buf_cstr(&r->commondir),
					   home)) < 0)
		goto done;
	publish(r);
	*out = &r->pub;
done:
	git_buf_dispose(&value);
	git_config_free(cfg);
	ais_buf_dispose(&gitdir);
	if (error < 0)
		ais_hooks_repo_close(&r->pub);
	return error;
}

void ais_hooks_repo_close(ais_hooks_repo *repo)
{
	hooks_repo *r = repo_of(repo);

	if (!r)
		return;
	git_repository_free(r->git);
	ais_buf_dispose(&r->workdir);
	ais_buf_dispose(&r->commondir);
	ais_buf_dispose(&r->hooks_dir);
	ais_buf_dispose(&r->default_dir);
	ais_buf_dispose(&r->hooks_path);
	ais_buf_dispose(&r->mode_value);
	free(r);
}

int ais_hooks_repo_set_mode(ais_hooks_repo *repo, ais_hooks_mode mode)
{
	hooks_repo *r = repo_of(repo);
	git_config *cfg = NULL, *local = NULL;
	int error = 0;

	if (git_repository_config(&cfg, r->git) < 0 ||
	    git_config_open_level(&local, cfg, GIT_CONFIG_LEVEL_LOCAL) < 0 ||
	    git_config_set_string(local, AIS_HOOKS_MODE_KEY,
				  ais_hooks_mode_name(mode)) < 0) {
		error = ais_git_error(AIS_ERROR, "cannot set " AIS_HOOKS_MODE_KEY);
		goto done;
	}
	if ((error = ais_buf_sets(&r->mode_value,
				  ais_hooks_mode_name(mode))) < 0)
		goto done;
	repo->mode = mode;
	repo->mode_set = repo->mode_valid = true;
	publish(r);
done:
	git_config_free(local);
	git_config_free(cfg);
	return error;
}

bool ais_hooks_repo_path_in_worktree(ais_buf *worktree, ais_hooks_repo *repo,
				     const char *path)
{
	hooks_repo *r = repo_of(repo);
	git_strarray names = { 0 };
	git_repository *main = NULL;
	const char *root;
	bool found = false;
	size_t i;

	ais_buf_clear(worktree);
	/* The main worktree: open the common dir's repository. */
	if (git_repository_open_ext(&main, ais_buf_cstr(&r->commondir),
				    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0 &&
	    (root = git_repository_workdir(main)) && ais_path_under(path, root)) {
		ais_buf_puts(worktree, root);
		found = true;
		goto done;
	}
	if (r->workdir.size && ais_path_under(path, r->workdir.ptr)) {
		ais_buf_puts(worktree, r->workdir.ptr);
		found = true;
		goto done;
	}
	if (git_worktree_list(&names, r->git) < 0)
		goto done;
	for (i = 0; i < names.count && !found; i++) {
		git_worktree *wt = NULL;

		if (git_worktree_lookup(&wt, r->git, names.strings[i]) == 0 &&
		    (root = git_worktree_path(wt)) && ais_path_under(path, root)) {
			ais_buf_puts(worktree, root);
			found = true;
		}
		git_worktree_free(wt);
	}
done:
	git_strarray_dispose(&names);
	git_repository_free(main);
	git_error_clear();
	return found;
}

int ais_hooks_repo_resolve(ais_buf *out, ais_hooks_repo *repo, const char *spec)
{
	hooks_repo *r = repo_of(repo);
	git_object *obj = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	int error = 0;

	ais_buf_clear(out);
	if (git_revparse_single(&obj, r->git, spec) < 0) {
		error = ais_error_set(AIS_ENOTFOUND,
				      "no such revision: '%s'", spec);
		goto done;
	}
	git_oid_tostr(hex, sizeof(hex), git_object_id(obj));
	error = ais_buf_puts(out, hex);
done:
	git_object_free(obj);
	git_error_clear();
	return error;
}

static int tree_of(git_tree **out, git_repository *git, const char *spec)
{
	git_object *obj = NULL;
	int error = 0;

	*out = NULL;
	/* Nothing, or git's all-zero id (clone, worktree add): the empty tree. */
	if (!spec || !*spec || spec[strspn(spec, "0")] == '\0')
		return 0;
	if (git_revparse_single(&obj, git, spec) < 0 ||
	    git_object_peel((git_object **)out, obj, GIT_OBJECT_TREE) < 0)
		error = ais_git_error(AIS_ENOTFOUND, "cannot read the tree of a commit");
	git_object_free(obj);
	return error;
}

int ais_hooks_repo_changes(ais_buf *out, size_t *total, ais_hooks_repo *repo,
			   const char *old, const char *new,
			   const char *const *paths, size_t npaths, size_t max)
{
	hooks_repo *r = repo_of(repo);
	git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
	git_tree *a = NULL, *b = NULL;
	git_diff *diff = NULL;
	size_t i, n;
	int error;

	ais_buf_clear(out);
	*total = 0;
	if ((error = tree_of(&a, r->git, old)) < 0 ||
	    (error = tree_of(&b, r->git, new)) < 0)
		goto done;
	/* Exact paths: a file name holding '*' is not a pattern. */
	opts.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH;
	opts.pathspec.strings = (char **)paths;
	opts.pathspec.count = npaths;
	if (git_diff_tree_to_tree(&diff, r->git, a, b, &opts) < 0) {
		error = ais_git_error(AIS_ERROR, "cannot diff the trees");
		goto done;
	}
	n = git_diff_num_deltas(diff);
	*total = n;
	for (i = 0; i < n && i < max; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		char st = d->status == GIT_DELTA_ADDED ? 'A'
			: d->status == GIT_DELTA_DELETED ? 'D' : 'M';

		/* Names come from the branch: quoted, they can neither break
		 * the lines nor drive the terminal. */
		if ((error = ais_buf_printf(out, "%c ", st)) < 0 ||
		    (error = ais_buf_quote_path(out, d->new_file.path
							     ? d->new_file.path
							     : d->old_file.path)) < 0 ||
		    (error = ais_buf_putc(out, '\n')) < 0)
			goto done;
	}
done:
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);
	git_error_clear();
	return error;
}
