/*
 * cmd_hook.c - `aishell hook NAME ARGS...`: what the installed shims run
 * after git checkout, merge and rebase.  It always exits 0 (except for a
 * usage error when run by hand): the git command has already happened.
 */
#include "cli.h"

#include "error.h"
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
/* Changed paths named in a warning. */
#define MAX_NAMED_CHANGES 3

static const char hook_usage[] =
	"usage: aishell hook post-checkout OLD NEW FLAG\n"
	"       aishell hook post-merge SQUASH\n"
	"       aishell hook post-rewrite amend|rebase\n"
	"\n"
	"Run by the git hooks that 'aishell hooks install' writes (or by a hook\n"
	"manager such as pre-commit or lefthook) from the worktree root, with\n"
	"git's arguments.  When the checkout, merge or rebase made the project's\n"
	"images stale, acts according to git config aishell.hooks.mode:\n"
	"\n"
	"  warn        (default) print one line per stale image: which one, what\n"
	"              changed (files under .aishell/ or .sandbox/ between the old\n"
	"              and new commit, or the global Dockerfile or foundation), and\n"
	"              the command that fixes it\n"
	"  build       run 'aishell ensure' now, with its progress\n"
	"  background  start a detached 'aishell ensure' logging to\n"
	"              $XDG_STATE_HOME/aishell/hooks/ and return at once\n"
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
	char fix[4200];             /* the command that fixes it */
	char fix_devcontainer[4300];
	char old[65], new[65];      /* the range compared */
	ais_buf changes;            /* "A path\n" lines */
	size_t nchanges;
} hook_run;

static bool needs_quote(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("/._-+:@%", *s))
			return true;
	return false;
}

/* "aishell ensure", with -C ROOT when git ran in a subdirectory (the user
 * is not at the root, where the hook runs and the project lives). */
static void set_fix(hook_run *run, const char *prefix)
{
	ais_buf q = AIS_BUF_INIT;

	if (!prefix || !*prefix) {
		snprintf(run->fix, sizeof(run->fix), "aishell ensure");
		snprintf(run->fix_devcontainer, sizeof(run->fix_devcontainer),
			 "aishell devcontainer generate");
		return;
	}
	if (needs_quote(run->root))
		ais_hooks_sh_quote(&q, run->root);
	else
		ais_buf_puts(&q, run->root);
	snprintf(run->fix, sizeof(run->fix), "aishell ensure -C %s",
		 ais_buf_cstr(&q));
	snprintf(run->fix_devcontainer, sizeof(run->fix_devcontainer),
		 "aishell devcontainer generate -C %s", ais_buf_cstr(&q));
	ais_buf_dispose(&q);
}

/* ".aishell/Dockerfile, .aishell/x (added) (+1 more) changed in 1a2b3c4..5d6e7f8" */
static void describe_changes(ais_buf *out, const hook_run *run)
{
	const char *p = ais_buf_cstr(&run->changes);
	size_t named = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len > 2) {
			if (named++)
				ais_buf_puts(out, ", ");
			ais_buf_put(out, p + 2, len - 2);
			if (p[0] == 'A' && run->old[0])
				ais_buf_puts(out, " (added)");
			else if (p[0] == 'D')
				ais_buf_puts(out, " (deleted)");
		}
		p += len + (nl ? 1 : 0);
	}
	if (run->nchanges > named)
		ais_buf_printf(out, " (+%zu more)", run->nchanges - named);
	if (run->old[0])
		ais_buf_printf(out, " changed in %.7s..%.7s", run->old, run->new);
	else
		ais_buf_printf(out, " (new checkout of %.7s)", run->new);
}

static void describe_base(ais_buf *out, const ais_chain *c)
{
	const ais_tier *t = &c->base;

	if (t->state == AIS_STATE_MISSING)
		ais_buf_printf(out, "%s is missing", t->tag);
	else if (!strcmp(t->label, AIS_LABEL_BASE_DOCKERFILE_HASH))
		ais_buf_printf(out, "%s is stale: ~/.aishell/Dockerfile %s", t->tag,
			       c->custom_base ? "changed" : "was removed");
	else
		ais_buf_printf(out, "%s is stale: the foundation %s changed",
			       t->tag, c->foundation.tag);
}

static void describe_ext(ais_buf *out, const ais_chain *c, const hook_run *run)
{
	const ais_tier *t = &c->ext;
	bool said = false;

	if (t->state == AIS_STATE_MISSING) {
		ais_buf_printf(out, "%s is missing (nothing built for %s yet)",
			       t->tag, run->root);
		if (run->nchanges) {
			ais_buf_puts(out, "; ");
			describe_changes(out, run);
		}
		return;
	}
	ais_buf_printf(out, "%s is stale: ", t->tag);
	if (run->nchanges) {
		describe_changes(out, run);
		said = true;
	} else if (!strcmp(t->label, AIS_LABEL_EXTENSION_HASH)) {
		ais_buf_printf(out, "%s differs from the one it was built from",
			       c->ext_dockerfile);
		said = true;
	}
	if (!strcmp(t->label, AIS_LABEL_BASE_ID) || !t->label[0] ||
	    c->base.state != AIS_STATE_FRESH)
		ais_buf_printf(out, "%s%s changed since it was built",
			       said ? "; and " : "", c->base.tag);
}

/* One line per stale image; returns how many. */
static int report(const ais_chain *c, const hook_run *run, const char *tail)
{
	ais_buf line = AIS_BUF_INIT;
	int n = 0;

	if (c->foundation.state == AIS_STATE_MISSING) {
		cli_note("%s is missing, so nothing can be built; see 'aishell ensure'",
			 c->foundation.tag);
		return 1;
	}
	if (c->base.state != AIS_STATE_FRESH) {
		describe_base(&line, c);
		cli_note("%s; %s", ais_buf_cstr(&line), tail);
		ais_buf_clear(&line);
		n++;
	}
	if (c->has_ext && c->ext.state != AIS_STATE_FRESH) {
		describe_ext(&line, c, run);
		cli_note("%s; %s", ais_buf_cstr(&line), tail);
		n++;
	}
	ais_buf_dispose(&line);
	return n;
}

/* ---- the range: what the git command changed ----------------------------- */

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
	if (!run->new[0])
		return;
	if (ais_hooks_repo_changes(&run->changes, &run->nchanges, repo,
				   run->old[0] ? run->old : NULL, run->new,
				   MAX_NAMED_CHANGES) < 0) {
		ais_buf_clear(&run->changes);
		run->nchanges = 0;
		ais_error_clear();
	}
}

/* ---- background -------------------------------------------------------- */

static int self_exe(char *out, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", out, len - 1);

	if (n <= 0)
		return ais_error_set_os(AIS_ERROR, errno,
					"cannot find the aishell binary");
	out[n] = '\0';
	return 0;
}

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

static int background_job(ais_buf *summary, void *payload)
{
	cli_context ctx;
	ais_build_result failed;
	const ais_tier *tiers[2];
	time_t now = time(NULL);
	int error, rc = 0, i;

	fprintf(stderr, "aishell: background build for %s, started %s",
		(const char *)payload, ctime(&now));
	ais_build_result_init(&failed);
	if ((error = cli_context_try_open(&ctx, NULL, false)) < 0 ||
	    (error = ais_chain_ensure(&ctx.chain, ctx.docker, &failed)) < 0) {
		cli_progress_end();
		rc = error == AIS_EUNAVAILABLE ? CLI_EXIT_UNREACHABLE
					       : CLI_EXIT_FAILURE;
		cli_error("%s", ais_error_last()->message);
		ais_buf_clear(summary);
		ais_buf_printf(summary, "failed: %s", ais_error_last()->message);
		if (failed.failed_step.size)
			ais_buf_printf(summary, " (at %s)",
				       ais_buf_cstr(&failed.failed_step));
		if (failed.tail.size)
			fprintf(stderr, "aishell: last lines of the build output:\n%s\n",
				ais_buf_cstr(&failed.tail));
		goto done;
	}
	ais_buf_clear(summary);
	tiers[0] = &ctx.chain.base;
	tiers[1] = ctx.chain.has_ext ? &ctx.chain.ext : NULL;
	for (i = 0; i < 2; i++) {
		if (!tiers[i] || tiers[i]->action == AIS_ACTION_NONE)
			continue;
		ais_buf_printf(summary, "%s%s %s", summary->size ? ", " : "",
			       ais_action_name(tiers[i]->action), tiers[i]->tag);
	}
	if (!summary->size)
		ais_buf_puts(summary, "fresh, nothing to build");
	cli_note("done: %s", ais_buf_cstr(summary));
done:
	ais_build_result_dispose(&failed);
	cli_context_close(&ctx);
	return rc;
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
static ais_hooks_mode read_mode(ais_hooks_repo *repo, bool *opened)
{
	*opened = ais_hooks_git_init() == 0 &&
		  ais_hooks_repo_open(repo, ".", cli_home()) == 0;
	ais_error_clear();
	return *opened ? repo->mode : AIS_HOOKS_MODE_WARN;
}

static int run_hook(hook_run *run, const char *prefix)
{
	ais_hooks_repo repo;
	ais_buf gitdir = AIS_BUF_INIT;
	ais_build_result failed;
	ais_hooks_mode mode;
	cli_context ctx;
	bool opened = false, ctx_open = false, git = false, dc_stale;
	char why[1024];
	int error;

	if (!getcwd(run->root, sizeof(run->root))) {
		cli_warn("%s hook: cannot read the current directory: %s; image check skipped",
			 run->name, strerror(errno));
		return 0;
	}
	set_fix(run, prefix);
	/* In the middle of a rebase, post-rewrite checks at the end. */
	if (run->args.type == AIS_HOOK_POST_CHECKOUT &&
	    ais_hooks_find_gitdir(&gitdir, run->root) == 0 &&
	    ais_hooks_rebase_in_progress(gitdir.ptr))
		goto done;
	ais_error_clear();

	error = cli_context_try_open(&ctx, NULL, false);
	ctx_open = true;
	if (error == 0)
		error = ais_chain_check(&ctx.chain, ctx.docker);
	dc_stale = error == 0 && ais_devcontainer_file_outdated(&ctx.chain);
	if (error == 0 && ais_chain_fresh(&ctx.chain) && !dc_stale)
		goto done;

	if (error < 0)
		snprintf(why, sizeof(why), "%s", ais_error_last()->message);
	git = true;
	mode = read_mode(&repo, &opened);
	if (mode == AIS_HOOKS_MODE_OFF)
		goto done;
	if (dc_stale)
		cli_note(".devcontainer/devcontainer.json is out of date; run '%s'",
			 run->fix_devcontainer);
	if (error == 0 && ais_chain_fresh(&ctx.chain))
		goto done;
	if (error < 0) {
		cli_warn("%s hook: cannot check the images: %s", run->name, why);
		goto done;
	}
	if (opened)
		find_range(run, &repo);

	switch (mode) {
	case AIS_HOOKS_MODE_WARN:
	case AIS_HOOKS_MODE_OFF: {
		char tail[4400];

		snprintf(tail, sizeof(tail), "run '%s' to rebuild", run->fix);
		report(&ctx.chain, run, tail);
		break;
	}
	case AIS_HOOKS_MODE_BUILD:
		if (report(&ctx.chain, run, "rebuilding (aishell.hooks.mode=build)") &&
		    ctx.chain.foundation.state != AIS_STATE_MISSING) {
			ais_build_result_init(&failed);
			error = ais_chain_ensure(&ctx.chain, ctx.docker, &failed);
			cli_progress_end();
			if (error < 0)
				cli_warn("rebuild failed: %s%s%s; run '%s' to retry",
					 ais_error_last()->message,
					 failed.failed_step.size ? " at " : "",
					 ais_buf_cstr(&failed.failed_step), run->fix);
			ais_build_result_dispose(&failed);
		}
		break;
	case AIS_HOOKS_MODE_BACKGROUND: {
		ais_hooks_bg bg;
		char self[4096], tail[4400];
		char *argv[] = { self, "hook", "background", NULL };

		if (ctx.chain.foundation.state == AIS_STATE_MISSING) {
			report(&ctx.chain, run, "");
			break;
		}
		if ((error = cli_hooks_bg_for(&bg, ctx.project_dir)) < 0 ||
		    (error = self_exe(self, sizeof(self))) < 0) {
			cli_warn("cannot start a background build: %s",
				 ais_error_last()->message);
			break;
		}
		snprintf(tail, sizeof(tail),
			 "rebuilding in the background (log: %s)", bg.log);
		report(&ctx.chain, run, tail);
		/* Let the worker print its own engine errors into its log. */
		cli_context_close(&ctx);
		ctx_open = false;
		if (ais_hooks_bg_request(&bg, argv) < 0)
			cli_warn("cannot start a background build: %s; run '%s'",
				 ais_error_last()->message, run->fix);
		break;
	}
	}
done:
	if (ctx_open)
		cli_context_close(&ctx);
	if (opened)
		ais_hooks_repo_close(&repo);
	if (git)
		ais_hooks_git_shutdown();
	ais_buf_dispose(&gitdir);
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
	ais_hooks_scrub_env();
	if (!strcmp(argv[1], "background"))
		return run_background();

	memset(&run, 0, sizeof(run));
	run.name = argv[1];
	error = ais_hook_args_parse(&run.args, argv[1], argc - 2, argv + 2);
	if (error == AIS_ENOTFOUND) {
		cli_error("%s", ais_error_last()->message);
		fputs(hook_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	skip = getenv("AISHELL_HOOKS");
	if (skip && !strcmp(skip, "0"))
		return CLI_EXIT_OK;
	if (error < 0) {
		cli_warn("%s hook: %s; image check skipped", argv[1],
			 ais_error_last()->message);
		return CLI_EXIT_OK;
	}
	if (ais_hook_args_trivial(&run.args))
		return CLI_EXIT_OK;
	rc = run_hook(&run, prefix);
	ais_buf_dispose(&run.changes);
	return rc;
}
