/*
 * lazy_git2.c - the libgit2 functions aishell calls, forwarded to
 * libgit2 opened on first use (see lazy.h).  libgit2 is needed to install
 * hooks, to explain what changed between two commits and to read the git
 * identity, not to judge whether an image is stale.  A libgit2 function
 * not listed here is a link error; git_libgit2_opts() is resolved but not
 * defined: only the initialisation below sets options.
 */
#include "error.h"
#include "lazy.h"

#include <git2.h>

#define GIT2_FUNCS(F, V, H)                                                 \
	H(int, git_libgit2_init, (void), (), -1)                            \
	H(int, git_libgit2_shutdown, (void), (), -1)                        \
	H(int, git_libgit2_opts, (int option, ...), (), -1)                 \
	H(const git_error *, git_error_last, (void), (), NULL)              \
	V(void, git_error_clear, (void), (), )                              \
	F(int, git_repository_open_ext,                                     \
	  (git_repository **out, const char *path, unsigned int flags,      \
	   const char *ceiling_dirs),                                       \
	  (out, path, flags, ceiling_dirs), -1)                             \
	F(const char *, git_repository_workdir, (const git_repository *repo), \
	  (repo), NULL)                                                     \
	F(const char *, git_repository_path, (const git_repository *repo),  \
	  (repo), NULL)                                                     \
	F(const char *, git_repository_commondir,                           \
	  (const git_repository *repo), (repo), NULL)                       \
	F(int, git_repository_config, (git_config **out, git_repository *repo), \
	  (out, repo), -1)                                                  \
	F(int, git_repository_config_snapshot,                              \
	  (git_config **out, git_repository *repo), (out, repo), -1)        \
	V(void, git_repository_free, (git_repository *repo), (repo), )      \
	F(int, git_repository_index, (git_index **out, git_repository *repo), \
	  (out, repo), -1)                                                  \
	F(const git_index_entry *, git_index_get_bypath,                    \
	  (git_index *index, const char *path, int stage),                  \
	  (index, path, stage), NULL)                                       \
	V(void, git_index_free, (git_index *index), (index), )              \
	F(int, git_config_open_default, (git_config **out), (out), -1)      \
	F(int, git_config_open_level,                                       \
	  (git_config **out, const git_config *parent,                      \
	   git_config_level_t level), (out, parent, level), -1)             \
	F(int, git_config_snapshot, (git_config **out, git_config *config), \
	  (out, config), -1)                                                \
	F(int, git_config_get_string_buf,                                   \
	  (git_buf *out, const git_config *cfg, const char *name),          \
	  (out, cfg, name), -1)                                             \
	F(int, git_config_set_string,                                       \
	  (git_config *cfg, const char *name, const char *value),           \
	  (cfg, name, value), -1)                                           \
	V(void, git_config_free, (git_config *cfg), (cfg), )                \
	V(void, git_buf_dispose, (git_buf *buffer), (buffer), )             \
	V(void, git_strarray_dispose, (git_strarray *array), (array), )     \
	F(int, git_worktree_list, (git_strarray *out, git_repository *repo), \
	  (out, repo), -1)                                                  \
	F(int, git_worktree_lookup,                                         \
	  (git_worktree **out, git_repository *repo, const char *name),     \
	  (out, repo, name), -1)                                            \
	F(const char *, git_worktree_path, (const git_worktree *wt), (wt), NULL) \
	V(void, git_worktree_free, (git_worktree *wt), (wt), )              \
	F(int, git_revparse_single,                                         \
	  (git_object **out, git_repository *repo, const char *spec),       \
	  (out, repo, spec), -1)                                            \
	F(int, git_object_peel,                                             \
	  (git_object **peeled, const git_object *object,                   \
	   git_object_t target_type), (peeled, object, target_type), -1)    \
	F(const git_oid *, git_object_id, (const git_object *obj), (obj), NULL) \
	V(void, git_object_free, (git_object *object), (object), )          \
	V(void, git_tree_free, (git_tree *tree), (tree), )                  \
	F(char *, git_oid_tostr, (char *out, size_t n, const git_oid *id),  \
	  (out, n, id), NULL)                                               \
	F(int, git_diff_tree_to_tree,                                       \
	  (git_diff **diff, git_repository *repo, git_tree *old_tree,       \
	   git_tree *new_tree, const git_diff_options *opts),               \
	  (diff, repo, old_tree, new_tree, opts), -1)                       \
	F(size_t, git_diff_num_deltas, (const git_diff *diff), (diff), 0)   \
	F(const git_diff_delta *, git_diff_get_delta,                       \
	  (const git_diff *diff, size_t idx), (diff, idx), NULL)            \
	V(void, git_diff_free, (git_diff *diff), (diff), )

AIS_LAZY_LIBRARY(GIT2_FUNCS, "libgit2", AIS_LIBGIT2_SONAME)

/*
 * The one initialisation of libgit2, for every caller.  libgit2 1.5 does
 * not know extensions.worktreeConfig and refuses such repositories;
 * aishell only reads shared config, so it allows the extension.
 */
int git_libgit2_init(void)
{
	static const char *extensions[] = { "worktreeconfig" };
	int n;

	if (!ais_lazy_load(&lib))
		return -1;
	if ((n = fn.git_libgit2_init()) < 0)
		return n;
	fn.git_libgit2_opts(GIT_OPT_SET_EXTENSIONS, extensions, (size_t)1);
	return n;
}

int git_libgit2_shutdown(void)
{
	return ais_lazy_loaded(&lib) ? fn.git_libgit2_shutdown() : 0;
}

/* Without the library, its last error is why it could not be loaded. */
const git_error *git_error_last(void)
{
	static git_error not_loaded = { NULL, GIT_ERROR_OS };

	if (ais_lazy_loaded(&lib))
		return fn.git_error_last();
	not_loaded.message = lib.error[0] ? lib.error : "libgit2 is not loaded";
	return &not_loaded;
}

int ais_git_error(int code, const char *what)
{
	const git_error *e = git_error_last();

	return ais_error_set(code, "%s: %s", what,
			     e && e->message ? e->message : "libgit2 error");
}
