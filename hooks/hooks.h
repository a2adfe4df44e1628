/*
 * hooks.h - aishell's git hooks: where git looks for them, installing and
 * removing the shims, and the pure pieces the hook run needs.
 *
 * The shims are one POSIX sh template (hooks/shim.sh, embedded at build
 * time) with a marker line; one shim serves post-checkout, post-merge and
 * post-rewrite.  A foreign hook already in place is renamed to
 * "<name>.aishell-chained" and run first by the shim.  Nothing here prints:
 * progress goes through the event callback, failures through
 * ais_error_set().
 *
 * libgit2 is used for repository discovery, config and tree diffs.  Callers
 * run ais_hooks_git_init() before the functions marked "libgit2".  libgit2
 * is opened on first use (src/lib/lazy_git2.c, which also makes the one
 * initialisation every caller gets).
 */
#ifndef AIS_HOOKS_H
#define AIS_HOOKS_H

#include "buf.h"
#include "event.h"

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

/* The line that marks a hook file as aishell's. */
#define AIS_HOOKS_MARKER "# aishell-hook-shim"
/* Suffix of a displaced foreign hook. */
#define AIS_HOOKS_CHAINED_SUFFIX ".aishell-chained"
/* git config key holding the mode. */
#define AIS_HOOKS_MODE_KEY "aishell.hooks.mode"

#define AIS_HOOKS_COUNT 3
/* "post-checkout", "post-merge", "post-rewrite". */
extern const char *const ais_hooks_names[AIS_HOOKS_COUNT];

/* The shim template, placeholder @AISHELL_BIN@ (hooks/shim.sh). */
extern const char ais_hooks_shim_template[];

typedef enum {
	AIS_HOOKS_MODE_WARN = 0,
	AIS_HOOKS_MODE_BUILD,
	AIS_HOOKS_MODE_BACKGROUND,
	AIS_HOOKS_MODE_OFF
} ais_hooks_mode;

/* "warn", "build", "background", "off" (case-insensitive, like git config
 * values).  AIS_EINVALID otherwise. */
int ais_hooks_mode_parse(ais_hooks_mode *out, const char *s);
const char *ais_hooks_mode_name(ais_hooks_mode mode);

/* ---- shims ------------------------------------------------------------ */

/* Quote `s` for POSIX sh in single quotes ('it'\''s'). */
int ais_hooks_sh_quote(ais_buf *out, const char *s);

/* The shim text: the template with the recorded binary `bin` (absolute, or
 * NULL / "" for none) substituted inside its single quotes. */
int ais_hooks_render(ais_buf *out, const char *bin);

/* True when `text` carries the marker line in its first lines. */
bool ais_hooks_is_ours(const char *text, size_t len);

/* The binary recorded in a shim's text (empty when none).  AIS_EINVALID
 * when the text is not a shim this version can read. */
int ais_hooks_parse_recorded(ais_buf *out, const char *text);

typedef enum {
	AIS_HOOK_ABSENT,  /* no file */
	AIS_HOOK_OURS,    /* an aishell shim */
	AIS_HOOK_FOREIGN  /* someone else's hook */
} ais_hook_kind;

typedef struct {
	const char *name;          /* one of ais_hooks_names */
	ais_hook_kind kind;
	bool executable;           /* git runs it */
	bool chained;              /* <name>.aishell-chained exists */
	bool chained_executable;
	char recorded[PATH_MAX];   /* OURS: the binary recorded, "" if none */
	bool current;              /* OURS: identical to what install writes */
} ais_hook_state;

/* What is at `dir`/`name`.  `bin` is what install would record (for
 * `current`). */
int ais_hooks_inspect(ais_hook_state *out, const char *dir, const char *name,
		      const char *bin);

/* Install the three shims into `dir` (created if missing), recording
 * `bin` (NULL: none).  A foreign hook is renamed to <name>.aishell-chained
 * first; when that name is taken, nothing at all is changed and the result
 * is AIS_EINVALID.  Our own shims are rewritten only when they differ, so
 * re-installing is idempotent.  Reports one AIS_EVENT_NOTE per hook. */
int ais_hooks_install(const char *dir, const char *bin, ais_event_cb on_event,
		      void *payload);

/* Remove our shims from `dir` and rename each <name>.aishell-chained back.
 * Foreign hooks are left alone (with a warning event). */
int ais_hooks_uninstall(const char *dir, ais_event_cb on_event, void *payload);

/* ---- repository (libgit2) --------------------------------------------- */

/* git_libgit2_init(): load and initialise libgit2; AIS_ERROR, with the
 * reason (the library missing, say), when it fails.  Pair with
 * ais_hooks_git_shutdown(). */
int ais_hooks_git_init(void);
void ais_hooks_git_shutdown(void);

/* Where git looks for hooks, resolved like git: a set core.hooksPath
 * (`hooks_path`, non-NULL and non-empty) with "~" / "~user" expanded, made
 * absolute against the worktree root `workdir` (or `gitdir` in a bare
 * repository, workdir NULL); else `commondir`/hooks.  Trailing slashes are
 * dropped.  `home` expands "~".  AIS_EINVALID for "~user" of no user. */
int ais_hooks_resolve_dir(ais_buf *out, const char *hooks_path,
			  const char *workdir, const char *gitdir,
			  const char *commondir, const char *home);

/* A repository opened by ais_hooks_repo_open(): what git and the hooks
 * commands need to know about it (the libgit2 repository is held inside).
 * The strings belong to the repository. */
typedef struct ais_hooks_repo {
	const char *workdir;     /* worktree root, "" when bare */
	const char *hooks_dir;   /* where git runs hooks from */
	const char *default_dir; /* <common dir>/hooks */
	const char *hooks_path;  /* core.hooksPath as configured, "" unset */
	bool mode_set;           /* aishell.hooks.mode is set */
	bool mode_valid;         /* ... to a value ais_hooks_mode_parse takes */
	const char *mode_value;  /* its value, "" unset */
	ais_hooks_mode mode;     /* the mode in effect (warn when unset/bad) */
} ais_hooks_repo;

/* Discover the repository containing `start` (libgit2; environment
 * variables such as GIT_DIR are ignored).  AIS_ENOTFOUND outside a
 * repository.  `home` expands "~" in core.hooksPath.  Free the result
 * with ais_hooks_repo_close() (which takes NULL). */
int ais_hooks_repo_open(ais_hooks_repo **out, const char *start,
			const char *home);
void ais_hooks_repo_close(ais_hooks_repo *repo);

/* Write aishell.hooks.mode into the repository's own config. */
int ais_hooks_repo_set_mode(ais_hooks_repo *repo, ais_hooks_mode mode);

/* When `path` lies inside one of the repository's worktrees, put that
 * worktree's root in *worktree and return true. */
bool ais_hooks_repo_path_in_worktree(ais_buf *worktree, ais_hooks_repo *repo,
				     const char *path);

/* Which of the `npaths` worktree-relative file `paths` differ between
 * commits `old` and `new` (hex ids or revspecs; an all-zero or NULL `old`
 * is the empty tree): "A path" / "M path" / "D path" lines, at most `max`
 * of them; *total gets the full count. */
int ais_hooks_repo_changes(ais_buf *out, size_t *total, ais_hooks_repo *repo,
			   const char *old, const char *new,
			   const char *const *paths, size_t npaths, size_t max);

/* The full hex id `spec` (e.g. "ORIG_HEAD") names; AIS_ENOTFOUND if none. */
int ais_hooks_repo_resolve(ais_buf *out, ais_hooks_repo *repo,
			   const char *spec);

/* ---- the hook run (no libgit2) ------------------------------------------ */

typedef enum {
	AIS_HOOK_POST_CHECKOUT,
	AIS_HOOK_POST_MERGE,
	AIS_HOOK_POST_REWRITE
} ais_hook_type;

typedef struct {
	ais_hook_type type;
	char old[65];       /* post-checkout: OLD, "" for all-zero */
	char new[65];       /* post-checkout: NEW */
	int flag;           /* post-checkout: 1 branch, 0 file checkout;
			     * post-merge: 1 squash */
	char command[16];   /* post-rewrite: "amend" or "rebase" */
} ais_hook_args;

/* Parse `name` and its git arguments.  AIS_ENOTFOUND for a name that is
 * not one of ours, AIS_EINVALID for arguments git would never pass (extra
 * trailing arguments are accepted: git may add some). */
int ais_hook_args_parse(ais_hook_args *out, const char *name, int argc,
			char **argv);

/* True when the hook has nothing to check: a file checkout (flag 0),
 * OLD == NEW, or an amend (the worktree does not change). */
bool ais_hook_args_trivial(const ais_hook_args *args);

/* The git dir of the worktree rooted at `workdir`: `workdir`/.git when it
 * is a directory, else the "gitdir: " line of the .git file (relative to
 * `workdir`).  AIS_ENOTFOUND when there is neither. */
int ais_hooks_find_gitdir(ais_buf *out, const char *workdir);

/* A rebase (merge or apply backend) is in progress in `gitdir`. */
bool ais_hooks_rebase_in_progress(const char *gitdir);

/* The variables `git rev-parse --local-env-vars` lists (git 2.39), NULL
 * terminated: what a hook's children must not inherit. */
extern const char *const ais_hooks_git_env[];

/* ---- background builds ------------------------------------------------ */

/* How many background build logs are kept: <key>.log, <key>.log.1, ... */
#define AIS_HOOKS_BG_LOGS 5

typedef struct {
	char dir[PATH_MAX];     /* <state>/hooks */
	char lock[PATH_MAX];    /* held by the running worker */
	char pending[PATH_MAX]; /* touched by each hook that wants a build */
	char log[PATH_MAX];     /* the last worker's output (older ones: .1 ...) */
	char result[PATH_MAX];  /* "<unix time> <exit code> <summary>" */
} ais_hooks_bg;

/* Paths for the project whose H12 is `key`, under `state_dir` (the user's
 * $XDG_STATE_HOME/aishell or ~/.local/state/aishell). */
int ais_hooks_bg_init(ais_hooks_bg *bg, const char *state_dir,
		      const char *key);

/* Ask for a build: touch the pending file, then start `argv` (argv[0] an
 * absolute path) fully detached (new session, stdio on /dev/null, no
 * inherited descriptors).  Returns at once. */
int ais_hooks_bg_request(const ais_hooks_bg *bg, char *const argv[]);

/* The worker: take the lock without waiting (another worker holding it
 * will see the pending file: return AIS_OK at once), open the log (emptied;
 * -1 when it cannot be opened), and while the pending file exists wait
 * until it is `debounce_ms` old, remove it and call `job` with the log,
 * recording its exit code and `summary` in the result file.  So checkouts
 * in quick succession build once, and never two at a time. */
typedef int (*ais_hooks_bg_job)(ais_buf *summary, int log_fd, void *payload);
int ais_hooks_bg_work(const ais_hooks_bg *bg, unsigned debounce_ms,
		      ais_hooks_bg_job job, void *payload);

typedef struct {
	bool found;
	long long when;     /* unix time the last run ended */
	int exit_code;
	char summary[1024];
	bool running;       /* a worker holds the lock now */
} ais_hooks_bg_status;

int ais_hooks_bg_read(ais_hooks_bg_status *out, const ais_hooks_bg *bg);

#endif
