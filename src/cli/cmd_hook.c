/*
 * cmd_hook.c - `aishell hook NAME ARGS...`: what the installed shims run
 * after git checkout, merge and rebase.  It always exits 0 (except for a
 * usage error when run by hand): the git command has already happened.
 */
#include "cli.h"

#include "error.h"
#include "fsutil.h"
#include "hash.h"
#include "hooks.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Checkouts in quick succession within this time build once. */
#define BACKGROUND_DEBOUNCE_MS 1000

static const char hook_usage[] =
	"usage: aishell hook post-checkout OLD NEW FLAG\n"
	"       aishell hook post-merge SQUASH\n"
	"       aishell hook post-rewrite amend|rebase\n"
	"\n"
	"Run by the git hooks that 'aishell hooks install' writes (or by a hook\n"
	"manager such as pre-commit or lefthook) from the worktree root, with\n"
	"git's arguments.  Judges the project's images exactly as 'aishell status'\n"
	"does (foundation, base, ext, and the files their Dockerfiles COPY or ADD)\n"
	"and, when one is stale or missing, acts according to git config\n"
	"aishell.hooks.mode:\n"
	"\n"
	"  warn        (default) print one line per stale image: which one, why (the\n"
	"              reason status gives, plus 'changed in OLD..NEW' when the\n"
	"              commits git moved across changed the file it names), and the\n"
	"              command that fixes it\n"
	"  build       run 'aishell ensure' now, with its progress\n"
	"  background  start a detached 'aishell ensure' and return at once; it\n"
	"              logs to $XDG_STATE_HOME/aishell/hooks/<hash>.log (the last\n"
	"              five runs are kept), and a failed run is reported by the\n"
	"              next hook that finds the images stale, and by status\n"
	"  off         do nothing\n"
	"\n"
	"Nothing is checked for a file checkout (FLAG 0), when OLD equals NEW,\n"
	"for an amend, or for the post-checkout in the middle of a rebase (the\n"
	"post-rewrite at its end checks).  AISHELL_HOOKS=0 skips everything.\n"
	"\n"
	"Always exits 0: a hook must never make the git command fail.  An\n"
	"unreachable engine is one warning line.\n"
	"\n"
	"  -h, --help  show this help\n";

/* ---- describing what is stale -------------------------------------------- */

typedef struct {
	const char *name;           /* hook name */
	ais_hook_args args;
	char root[4096];            /* worktree root (the hook's cwd) */
	bool name_project;          /* fix commands need -C <project> */
	char old[65], new[65];      /* the range compared */
} hook_run;

/* The fix commands name the project (-C) unless the user surely stands in
 * it: git ran in a subdirectory (GIT_PREFIX), or this is a new checkout
 * (a clone or `git worktree add`, run from elsewhere), or a linked
 * worktree (often updated from the main one). */
static bool must_name_project(const hook_run *run, const char *prefix,
			      const char *gitdir)
{
	const char *wt = strstr(gitdir, "/worktrees/");

	return (prefix && *prefix) ||
	       (run->args.type == AIS_HOOK_POST_CHECKOUT && !run->args.old[0]) ||
	       (wt && !strchr(wt + strlen("/worktrees/"), '/'));
}

/* "; changed in 1a2b3c4..5d6e7f8" when the commits the git command moved
 * across changed the project files a tier's reason names. */
static void describe_range(ais_buf *out, const hook_run *run,
			   ais_hooks_repo *repo, const cli_context *ctx,
			   const ais_tier *t)
{
	const char *paths[32], *p;
	ais_buf names = AIS_BUF_INIT, rel = AIS_BUF_INIT;
	size_t n = 0, total = 0, wl = strlen(repo->workdir), at[32];
	const char *prefix = "";

	if (!run->new[0] || !t->cause[0] || !repo->workdir[0])
		return;
	/* The project may lie below the worktree root. */
	while (wl && repo->workdir[wl - 1] == '/')
		wl--;
	if (strncmp(ctx->project_dir, repo->workdir, wl) != 0 ||
	    (ctx->project_dir[wl] && ctx->project_dir[wl] != '/'))
		return;
	prefix = ctx->project_dir + wl + (ctx->project_dir[wl] == '/');
	for (p = t->cause; *p && n < 32; p += strlen(p) + 1) {
		at[n++] = rel.size;
		if (*prefix)
			ais_buf_printf(&rel, "%s/", prefix);
		ais_buf_puts(&rel, p);
		ais_buf_putc(&rel, '\0');
	}
	for (size_t i = 0; i < n; i++)
		paths[i] = ais_buf_cstr(&rel) + at[i];
	if (ais_hooks_repo_changes(&names, &total, repo,
				   run->old[0] ? run->old : NULL, run->new,
				   paths, n, 0) == 0 && total) {
		if (run->old[0])
			ais_buf_printf(out, "; changed in %.7s..%.7s", run->old,
				       run->new);
		else
			ais_buf_printf(out, "; from the checkout of %.7s", run->new);
	}
	ais_error_clear();
	ais_buf_dispose(&names);
	ais_buf_dispose(&rel);
}

/* One line per image that is not fresh, each ending in `tail`; returns
 * how many. */
static int report(const cli_context *ctx, const hook_run *run,
		  ais_hooks_repo *repo, const char *tail)
{
	const ais_tier *t;
	ais_buf line = AIS_BUF_INIT;
	int n = 0, i;

	for (i = 0; i < AIS_TIER_COUNT; i++) {
		if (!(t = ais_chain_tier(ctx->chain, i)) ||
		    t->state == AIS_STATE_FRESH)
			continue;
		ais_buf_clear(&line);
		cli_verdict(&line, t);
		if (repo)
			describe_range(&line, run, repo, ctx, t);
		cli_note("%s; %s", ais_buf_cstr(&line), tail);
		n++;
	}
	ais_buf_dispose(&line);
	return n;
}

static ais_state foundation_state(const cli_context *ctx)
{
	return ais_chain_tier(ctx->chain, AIS_TIER_FOUNDATION)->state;
}

/* ---- the range: what the git command moved across -------------------------- */

static void find_range(hook_run *run, ais_hooks_repo *repo)
{
	ais_buf id = AIS_BUF_INIT;

	switch (run->args.type) {
	case AIS_HOOK_POST_CHECKOUT:
		snprintf(run->old, sizeof(run->old), "%s", run->args.old);
		snprintf(run->new, sizeof(run->new), "%s", run->args.new);
		break;
	case AIS_HOOK_POST_MERGE:
	case AIS_HOOK_POST_REWRITE:
		/* merge and rebase both leave the previous tip in ORIG_HEAD. */
		if (ais_hooks_repo_resolve(&id, repo, "ORIG_HEAD") == 0)
			snprintf(run->old, sizeof(run->old), "%s", id.ptr);
		if (ais_hooks_repo_resolve(&id, repo, "HEAD") == 0)
			snprintf(run->new, sizeof(run->new), "%s", id.ptr);
		ais_error_clear();
		break;
	}
	ais_buf_dispose(&id);
}

/* ---- background -------------------------------------------------------- */

int cli_hooks_bg_for(ais_hooks_bg *bg, const char *project_dir)
{
	char state[4096], key[AIS_H12_LEN + 1];
	const char *home = cli_home();
	int error;

	cli_state_dir(state, sizeof(state), home);
	if ((error = ais_hash_h12(key, project_dir, strlen(project_dir))) < 0)
		return error;
	return ais_hooks_bg_init(bg, state, key);
}

static int background_job(ais_buf *summary, int log_fd, void *payload)
{
	cli_context ctx;
	ais_build_result failed;
	const ais_tier *t;
	time_t now = time(NULL);
	int error = 0, rc = 0, i;

	/* The worker's whole output goes to the log. */
	fflush(stdout);
	fflush(stderr);
	if (log_fd >= 0) {
		dup2(log_fd, 1);
		dup2(log_fd, 2);
	}
	fprintf(stderr, "aishell: background build for %s, started %s",
		(const char *)payload, ctime(&now));
	ais_build_result_init(&failed);
	if ((rc = cli_context_open(&ctx, NULL, CLI_OPEN_QUIET | CLI_OPEN_CONNECT_LATER)) != 0 ||
	    (error = ais_chain_ensure(ctx.chain, ctx.docker, &failed)) < 0) {
		cli_progress_end();
		if (rc == 0)
			rc = cli_exit_code(error);
		cli_error("%s", cli_error_text());
		ais_buf_clear(summary);
		ais_buf_printf(summary, "failed: %s", cli_error_text());
		if (failed.failed_step.size)
			ais_buf_printf(summary, " (at %s)",
				       ais_buf_cstr(&failed.failed_step));
		if (failed.tail.size)
			fprintf(stderr, "aishell: last lines of the build output:\n%s\n",
				ais_buf_cstr(&failed.tail));
		goto done;
	}
	ais_buf_clear(summary);
	for (i = AIS_TIER_BASE; i < AIS_TIER_COUNT; i++) {
		if (!(t = ais_chain_tier(ctx.chain, i)) ||
		    t->action == AIS_ACTION_NONE)
			continue;
		ais_buf_printf(summary, "%s%s %s", summary->size ? ", " : "",
			       ais_action_name(t->action), t->tag);
	}
	if (!summary->size)
		ais_buf_puts(summary, "fresh, nothing to build");
	cli_note("done: %s", ais_buf_cstr(summary));
done:
	ais_build_result_dispose(&failed);
	cli_context_close(&ctx);
	fflush(stdout);
	fflush(stderr);
	return rc;
}

void cli_scrub_git_env(void)
{
	const char *const *v;

	for (v = ais_hooks_git_env; *v; v++)
		unsetenv(*v);
}

/* `aishell hook background`: the detached worker background mode starts. */
static int run_background(void)
{
	ais_hooks_bg bg;
	char *cwd = realpath(".", NULL);
	int error;

	if (!cwd)
		return CLI_EXIT_FAILURE;
	if ((error = cli_hooks_bg_for(&bg, cwd)) == 0)
		error = ais_hooks_bg_work(&bg, BACKGROUND_DEBOUNCE_MS,
					  background_job, cwd);
	free(cwd);
	return error < 0 ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}

/* ---- the hook ---------------------------------------------------------- */

/* The mode, read only once something needs saying or doing, so the
 * common case never starts libgit2. */
static ais_hooks_mode read_mode(ais_hooks_repo **repo)
{
	if (ais_hooks_git_init() < 0 ||
	    ais_hooks_repo_open(repo, ".", cli_home()) < 0)
		*repo = NULL;
	ais_error_clear();
	return *repo ? (*repo)->mode : AIS_HOOKS_MODE_WARN;
}

/* The dev container verdicts status gives, one per line (judged without
 * rendering when there is neither a devcontainer.json nor a container). */
static bool devcontainer_verdicts(ais_buf *lines, const cli_context *ctx)
{
	ais_devcontainer_env env = { 0 };
	ais_devcontainer_state st;
	bool any;

	env.chain = ctx->chain;
	if (ais_devcontainer_judge(&st, &env, ctx->docker) < 0) {
		ais_error_clear();
		return false;
	}
	any = ais_devcontainer_verdicts(lines, &st) > 0;
	ais_devcontainer_state_dispose(&st);
	return any;
}

/* A background build that failed and is not running again: one line. */
static bool background_failed(const cli_context *ctx, ais_buf *line)
{
	ais_hooks_bg bg;
	ais_hooks_bg_status st;

	if (cli_hooks_bg_for(&bg, ctx->project_dir) < 0 ||
	    ais_hooks_bg_read(&st, &bg) < 0) {
		ais_error_clear();
		return false;
	}
	if (!st.found || st.running || st.exit_code == 0)
		return false;
	cli_background_line(line, &st, &bg);
	return true;
}

static int run_hook(hook_run *run, const char *prefix)
{
	ais_hooks_repo *repo = NULL;
	ais_buf gitdir = AIS_BUF_INIT, fix = AIS_BUF_INIT, bgline = AIS_BUF_INIT,
		tail = AIS_BUF_INIT;
	ais_build_result failed;
	ais_hooks_mode mode;
	cli_context ctx;
	ais_buf dclines = AIS_BUF_INIT;
	bool git = false, dc_stale, bg_failed;
	char why[1024];
	int error;

	memset(&ctx, 0, sizeof(ctx));
	if (!getcwd(run->root, sizeof(run->root))) {
		cli_warn("%s hook: cannot read the current directory: %s; image check skipped",
			 run->name, strerror(errno));
		return 0;
	}
	if (ais_hooks_find_gitdir(&gitdir, run->root) < 0)
		ais_error_clear();
	/* In the middle of a rebase, post-rewrite checks at the end. */
	if (run->args.type == AIS_HOOK_POST_CHECKOUT && gitdir.size &&
	    ais_hooks_rebase_in_progress(gitdir.ptr))
		goto done;
	run->name_project = must_name_project(run, prefix, ais_buf_cstr(&gitdir));

	error = cli_context_open(&ctx, NULL, CLI_OPEN_QUIET | CLI_OPEN_CONNECT_LATER)
			? AIS_ERROR : 0;
	if (error == 0)
		error = ais_chain_check(ctx.chain, ctx.docker);
	dc_stale = error == 0 && devcontainer_verdicts(&dclines, &ctx);
	bg_failed = error == 0 && !ais_chain_fresh(ctx.chain) &&
		    background_failed(&ctx, &bgline);
	if (error == 0 && ais_chain_fresh(ctx.chain) &&
	    foundation_state(&ctx) == AIS_STATE_FRESH && !dc_stale)
		goto done;

	if (error < 0)
		snprintf(why, sizeof(why), "%s", cli_error_text());
	git = true;
	mode = read_mode(&repo);
	if (mode == AIS_HOOKS_MODE_OFF)
		goto done;
	if (error < 0) {
		cli_warn("%s hook: cannot check the images: %s", run->name, why);
		goto done;
	}
	if (dc_stale) {
		const char *p = ais_buf_cstr(&dclines), *nl;

		cli_fix_command(&fix, &ctx, "devcontainer generate", run->name_project);
		for (; (nl = strchr(p, '\n')); p = nl + 1) {
			if (!strncmp(p, "dev container ", 14))
				cli_note("%.*s; the next 'devcontainer up' replaces it",
					 (int)(nl - p), p);
			else
				cli_note("%.*s; run '%s'", (int)(nl - p), p,
					 ais_buf_cstr(&fix));
		}
		ais_buf_clear(&fix);
	}
	if (ais_chain_fresh(ctx.chain) &&
	    foundation_state(&ctx) == AIS_STATE_FRESH)
		goto done;
	if (bg_failed)
		cli_warn("%s", ais_buf_cstr(&bgline));
	if (repo)
		find_range(run, repo);
	cli_fix_command(&fix, &ctx, "ensure", run->name_project);

	switch (mode) {
	case AIS_HOOKS_MODE_WARN:
	case AIS_HOOKS_MODE_OFF:
		ais_buf_printf(&tail, "run '%s' to rebuild", ais_buf_cstr(&fix));
		report(&ctx, run, repo, ais_buf_cstr(&tail));
		break;
	case AIS_HOOKS_MODE_BUILD:
		if (foundation_state(&ctx) == AIS_STATE_MISSING) {
			report(&ctx, run, NULL, "nothing can be built");
			break;
		}
		report(&ctx, run, repo,
		       "rebuilding (aishell.hooks.mode=build)");
		ais_build_result_init(&failed);
		error = ais_chain_ensure(ctx.chain, ctx.docker, &failed);
		cli_progress_end();
		if (error < 0)
			cli_warn("rebuild failed: %s%s%s; run '%s' to retry",
				 cli_error_text(),
				 failed.failed_step.size ? " at " : "",
				 ais_buf_cstr(&failed.failed_step),
				 ais_buf_cstr(&fix));
		ais_build_result_dispose(&failed);
		break;
	case AIS_HOOKS_MODE_BACKGROUND: {
		ais_hooks_bg bg;
		ais_buf self = AIS_BUF_INIT;
		char *argv[] = { NULL, "hook", "background", NULL };

		if (foundation_state(&ctx) == AIS_STATE_MISSING) {
			report(&ctx, run, NULL, "nothing can be built");
			break;
		}
		if ((error = cli_hooks_bg_for(&bg, ctx.project_dir)) < 0 ||
		    (error = ais_fs_self_exe(&self)) < 0) {
			cli_warn("cannot start a background build: %s",
				 cli_error_text());
			ais_buf_dispose(&self);
			break;
		}
		argv[0] = self.ptr;
		ais_buf_printf(&tail, "rebuilding in the background (log: %s)",
			       bg.log);
		report(&ctx, run, repo, ais_buf_cstr(&tail));
		/* Let the worker print its own engine errors into its log. */
		cli_context_close(&ctx);
		if (ais_hooks_bg_request(&bg, argv) < 0)
			cli_warn("cannot start a background build: %s; run '%s'",
				 cli_error_text(), ais_buf_cstr(&fix));
		ais_buf_dispose(&self);
		break;
	}
	}
done:
	cli_context_close(&ctx);
	ais_hooks_repo_close(repo);
	if (git)
		ais_hooks_git_shutdown();
	ais_buf_dispose(&gitdir);
	ais_buf_dispose(&dclines);
	ais_buf_dispose(&fix);
	ais_buf_dispose(&bgline);
	ais_buf_dispose(&tail);
	return 0;
}

int cmd_hook(int argc, char **argv)
{
	hook_run run;
	char prefix[4096];
	const char *p, *skip;
	int error, rc;

	if (argc < 2) {
		fputs(hook_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(hook_usage, stdout);
		return CLI_EXIT_OK;
	}
	/* Children (the background worker, and what it runs) must not see
	 * the git command's repository, index or config overrides. */
	p = getenv("GIT_PREFIX");
	snprintf(prefix, sizeof(prefix), "%s", p ? p : "");
	cli_scrub_git_env();
	if (!strcmp(argv[1], "background"))
		return run_background();

	memset(&run, 0, sizeof(run));
	run.name = argv[1];
	error = ais_hook_args_parse(&run.args, argv[1], argc - 2, argv + 2);
	if (error == AIS_ENOTFOUND) {
		cli_error("%s", cli_error_text());
		fputs(hook_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	skip = getenv("AISHELL_HOOKS");
	if (skip && !strcmp(skip, "0"))
		return CLI_EXIT_OK;
	if (error < 0) {
		cli_warn("%s hook: %s; image check skipped", argv[1],
			 cli_error_text());
		return CLI_EXIT_OK;
	}
	if (ais_hook_args_trivial(&run.args))
		return CLI_EXIT_OK;
	rc = run_hook(&run, prefix);
	return rc;
}
