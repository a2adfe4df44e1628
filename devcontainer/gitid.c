#include "gitid.h"

#include "error.h"
#include "lazy.h"
#include "path.h"

#include <ctype.h>
#include <git2.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Copy the config value of `key`, trimmed; "" when unset or blank. */
static int get_trimmed(ais_buf *out, git_config *cfg, const char *key)
{
	git_buf value = GIT_BUF_INIT;
	const char *s, *e;
	int rc, error = 0;

	ais_buf_clear(out);
	rc = git_config_get_string_buf(&value, cfg, key);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return ais_git_error(AIS_ERROR, "cannot read git config");
	s = value.ptr;
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	error = ais_buf_put(out, s, (size_t)(e - s));
	git_buf_dispose(&value);
	return error;
}

int ais_gitid_read(ais_gitid *out, const char *project_dir, ais_buf *warning)
{
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	char *common = NULL;
	int rc, error = 0;

	if (git_libgit2_init() < 0)
		return ais_git_error(AIS_ERROR, "cannot initialise libgit2");
	rc = git_repository_open_ext(&repo, project_dir, 0, NULL);
	if (rc < 0 && rc != GIT_ENOTFOUND && warning) {
		const git_error *e = git_error_last();

		ais_buf_printf(warning, "cannot open the git repository of '%s' (%s); using the global git config",
			       project_dir, e && e->message ? e->message : "libgit2 error");
	}
	if (rc == 0) {
		if (git_repository_config_snapshot(&cfg, repo) < 0) {
			error = ais_git_error(AIS_ERROR, "cannot read the repository's git config");
			goto done;
		}
		common = realpath(git_repository_commondir(repo), NULL);
		if (common && !ais_path_under(common, project_dir) &&
		    (error = ais_buf_sets(&out->common_dir, common)) < 0)
			goto done;
	} else {
		git_config *def = NULL;

		if (git_config_open_default(&def) < 0) {
			error = ais_git_error(AIS_ERROR, "cannot read the git config");
			goto done;
		}
		rc = git_config_snapshot(&cfg, def);
		git_config_free(def);
		if (rc < 0) {
			error = ais_git_error(AIS_ERROR, "cannot read the git config");
			goto done;
		}
	}
	if ((error = get_trimmed(&out->name, cfg, "user.name")) < 0 ||
	    (error = get_trimmed(&out->email, cfg, "user.email")) < 0)
		goto done;
done:
	free(common);
	git_config_free(cfg);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return error;
}

int ais_gitid_tracked(bool *out, const char *project_dir, const char *path)
{
	git_repository *repo = NULL;
	git_index *index = NULL;
	char *work = NULL;
	int error = 0;

	*out = false;
	if (git_libgit2_init() < 0)
		return ais_git_error(AIS_ERROR, "cannot initialise libgit2");
	if (git_repository_open_ext(&repo, project_dir, 0, NULL) < 0 ||
	    !git_repository_workdir(repo) ||
	    !(work = realpath(git_repository_workdir(repo), NULL)) ||
	    !ais_path_under(path, work) || !strcmp(path, work))
		goto done;
	if (git_repository_index(&index, repo) < 0) {
		error = ais_git_error(AIS_ERROR, "cannot read the git index");
		goto done;
	}
	*out = git_index_get_bypath(index, path + strlen(work) + 1, 0) != NULL;
done:
	free(work);
	git_index_free(index);
	git_repository_free(repo);
	git_error_clear();
	git_libgit2_shutdown();
	return error;
}

void ais_gitid_dispose(ais_gitid *id)
{
	ais_buf_dispose(&id->name);
	ais_buf_dispose(&id->email);
	ais_buf_dispose(&id->common_dir);
}
