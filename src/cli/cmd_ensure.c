#include "cli.h"

#include "devcontainer.h"
#include "error.h"
#include "wscontainer.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char ensure_usage[] =
	"usage: aishell ensure [-C DIR] [--force] [--check] [--json] [-q] [-v]\n"
	"                      [--no-progress] [--recreate-on-change] [--devcontainer]\n"
	"                      [--expect-image TAG] [--push]\n"
	"\n"
	"Make the project's images fresh: <repo>:base (a tag of <repo>:foundation,\n"
	"or a build of ~/.aishell/Dockerfile) and, when the project has\n"
	".aishell/Dockerfile or .sandbox/Dockerfile, <repo>:ext-<hash>.\n"
	"\n"
	"  -C DIR       use DIR as the project directory (default: the nearest\n"
	"               directory from the current one up to the git worktree root\n"
	"               that holds .aishell/ or .sandbox/, else the current one)\n"
	"  -f, --force  rebuild the custom base and the extension without cache\n"
	"  --check      build nothing; exit 4 when an image is stale or missing, the\n"
	"               generated devcontainer.json is out of date, or a dev container\n"
	"               is outdated (by its image or by its configuration)\n"
	"  --json       print the result as JSON on stdout\n"
	"  -q, --quiet  print nothing but errors\n"
	"  -v, --verbose  print the full build log\n"
	"  --no-progress  no live progress line on a terminal; plain lines instead\n"
	"  --recreate-on-change  remove the project's outdated dev containers (made\n"
	"               from another image or configuration), so the next\n"
	"               'devcontainer up' makes new ones; without it they are reported\n"
	"  --devcontainer  what the generated initializeCommand runs: regenerate an\n"
	"               out-of-date devcontainer.json and fail (run 'up' again);\n"
	"               remove outdated dev containers, or fail when config.yaml says\n"
	"               'devcontainer: {on_change: fail}'\n"
	"  --expect-image TAG  fail unless the project's image is TAG (older\n"
	"               generated files)\n"
	"  --push       then push the built images to the registry under their\n"
	"               content keys (see 'aishell push'); exit 1 when that fails\n"
	"  -h, --help   show this help\n"
	"\n"
	"With a registry set (AISHELL_REGISTRY or 'registry:' in config.yaml), a\n"
	"stale image is first pulled from it when it has one built from the same\n"
	"inputs; an unreachable registry is a warning, and the image is built.\n"
	"\n"
	"Exit: 0 fresh, 1 failed, 2 usage, 3 engine unreachable, 4 stale (--check).\n";

static void print_failure(const ais_build_result *failed)
{
	const char *tail = ais_buf_cstr(&failed->tail);
	const char *line, *nl;

	if (!failed->tail.size || cli.verbose)
		return;
	cli_progress_end();
	if (failed->failed_step.size)
		fprintf(stderr, "aishell: failing step: %s\n",
			ais_buf_cstr(&failed->failed_step));
	fprintf(stderr, "aishell: last lines of its output:\n");
	for (line = tail; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line);
		fprintf(stderr, "  | %.*s\n", (int)(nl - line), line);
		if (!*nl)
			break;
	}
}

static void print_summary(const ais_chain *c)
{
	const ais_tier *t;
	int i;

	for (i = AIS_TIER_BASE; i < AIS_TIER_COUNT; i++) {
		if ((t = ais_chain_tier(c, i)) &&
		    t->action == AIS_ACTION_NONE && cli.verbose)
			cli_note("%s: fresh", t->tag);
	}
}

static void print_stale(const ais_chain *c)
{
	const ais_tier *t;
	ais_buf line = AIS_BUF_INIT;
	int i;

	for (i = 0; i < AIS_TIER_COUNT; i++) {
		if (!(t = ais_chain_tier(c, i)) || t->state == AIS_STATE_FRESH)
			continue;
		ais_buf_clear(&line);
		cli_verdict(&line, t);
		cli_note("%s", ais_buf_cstr(&line));
	}
	ais_buf_dispose(&line);
}

typedef enum {
	DC_REPORT,   /* plain ensure and --check: say what is outdated */
	DC_RECREATE, /* --recreate-on-change: remove outdated containers */
	DC_UP        /* --devcontainer (initializeCommand): the recorded choice */
} dc_mode;

/* The project's dev container state, after the chain was checked or
 * ensured: the generated devcontainer.json and the containers made from
 * it.  Returns an exit code; *stale is set when something is left
 * outdated. */
static int check_devcontainers(cli_context *ctx, dc_mode mode, bool *stale)
{
	ais_devcontainer_env env = { 0 };
	ais_devcontainer_state st;
	const ais_devcontainer_render *r = &st.render;
	bool recreate = mode == DC_RECREATE;
	size_t i;
	int error, rc = CLI_EXIT_OK;

	*stale = false;
	env.chain = ctx->chain;
	/* initializeCommand shows warnings only: generate gave the notes */
	env.on_event = mode == DC_UP ? cli_on_config_event : NULL;
	env.payload = CLI_EVENTS_QUIET;
	error = ais_devcontainer_judge(&st, &env, ctx->docker);
	if (error == AIS_EINVALID && mode != DC_UP) {
		/* a bad config.yaml is generate's and up's to report */
		cli_warn("cannot judge the dev container: %s", ais_error_last()->message);
		ais_error_clear();
		return CLI_EXIT_OK;
	}
	if (error < 0)
		return cli_fail(error);
	if (mode == DC_UP) {
		recreate = r->on_change != AIS_CONFIG_ON_CHANGE_FAIL;
		if ((error = ais_devcontainer_write_identity(r)) < 0) {
			rc = cli_fail(error);
			goto done;
		}
	}
	if (st.file == AIS_DCFILE_OUTDATED) {
		*stale = true;
		if (mode != DC_UP) {
			cli_note("%s is out of date: %s; run 'aishell devcontainer generate'",
				 r->path.ptr, st.file_reason);
		} else if ((error = ais_devcontainer_write_file(r->path.ptr, r->text.ptr,
								 r->text.size, false)) < 0) {
			rc = cli_fail(error);
			goto done;
		} else {
			/* The CLI read the file before running us. */
			cli_error("%s was out of date (%s); it is regenerated now: run 'devcontainer up' again",
				  r->path.ptr, st.file_reason + strlen("regenerating would change "));
			rc = CLI_EXIT_FAILURE;
			goto done;
		}
	}
	for (i = 0; i < st.container_count; i++) {
		const ais_wscontainer *c = &st.containers[i];

		if (!c->stale)
			continue;
		if (!recreate && mode == DC_UP) {
			cli_error("dev container %s is outdated: %s; remove it (docker rm -f %s) and run 'devcontainer up' again, or set 'devcontainer: {on_change: recreate}' in .aishell/config.yaml",
				  c->name, c->reason, c->name);
			rc = CLI_EXIT_FAILURE;
			goto done;
		}
		if (!recreate) {
			*stale = true;
			cli_warn("dev container %s is outdated: %s; it is reused until removed (docker rm -f %s, or ensure --recreate-on-change)",
				 c->name, c->reason, c->name);
			continue;
		}
		error = ais_wscontainer_remove(ctx->docker, c);
		if (error < 0 && error != AIS_ENOTFOUND) {
			rc = cli_fail(error);
			goto done;
		}
		cli_note("removed dev container %s: %s (the next 'devcontainer up' makes a new one; the workspace is a bind mount and is kept)",
			 c->name, c->reason);
	}
done:
	ais_devcontainer_state_dispose(&st);
	return rc;
}

int cmd_ensure(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "recreate-on-change", no_argument, NULL, 'R' },
		{ "expect-image", required_argument, NULL, 'E' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "push", no_argument, NULL, 'U' },
		{ "devcontainer", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	ais_build_result failed;
	cli_context ctx;
	const char *dir = NULL, *expect = NULL, *run_tag;
	bool force = false, check = false, json = false, recreate = false, stale;
	bool push = false;
	bool devcontainer = false;
	int opt, error, rc;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+C:fqvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'C':
			dir = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'c':
			check = true;
			break;
		case 'j':
			json = true;
			break;
		case 'q':
			cli.quiet = 1;
			break;
		case 'v':
			cli.verbose++;
			break;
		case 'R':
			recreate = true;
			break;
		case 'P':
			/* Plain lines, as when stderr is not a terminal. */
			cli.tty = false;
			break;
		case 'E':
			expect = optarg;
			break;
		case 'U':
			push = true;
			break;
		case 'D':
			devcontainer = true;
			break;
		case 'h':
			fputs(ensure_usage, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option("ensure", "C:fqvh", argv);
		}
	}
	if ((rc = cli_no_arguments("ensure", "ensure", argc, argv)) != 0)
		return rc;
	if (check && force) {
		cli_error("--check and --force cannot be combined");
		return CLI_EXIT_USAGE;
	}
	if (check && push) {
		cli_error("--check and --push cannot be combined");
		return CLI_EXIT_USAGE;
	}
	if (check && (recreate || devcontainer)) {
		cli_error("--check and %s cannot be combined",
			  recreate ? "--recreate-on-change" : "--devcontainer");
		return CLI_EXIT_USAGE;
	}
	/* Without --expect-image the chain connects, while it walks. */
	if ((rc = cli_context_open(&ctx, dir, (force ? CLI_OPEN_FORCE : 0) |
				   (expect ? 0 : CLI_OPEN_CONNECT_LATER))) != 0) {
		cli_context_close(&ctx);
		return rc;
	}
	ais_build_result_init(&failed);
	run_tag = ais_chain_run_tier(ctx.chain)->tag;
	if (expect && strcmp(expect, run_tag) != 0) {
		cli_error("devcontainer.json names the image '%s', but the image of %s is '%s'; run 'aishell devcontainer generate' there",
			  expect, ctx.project_dir, run_tag);
		rc = CLI_EXIT_FAILURE;
		goto done;
	}
	if (check) {
		if ((error = ais_chain_check(ctx.chain, ctx.docker)) < 0) {
			rc = cli_fail(error);
			goto done;
		}
		rc = ais_chain_fresh(ctx.chain) ? CLI_EXIT_OK : CLI_EXIT_STALE;
		error = check_devcontainers(&ctx, DC_REPORT, &stale);
		if (error != CLI_EXIT_OK) {
			rc = error;
			goto done;
		}
		if (stale)
			rc = CLI_EXIT_STALE;
		if (json)
			cli_print_chain_json(&ctx, false, NULL);
		else if (rc == CLI_EXIT_STALE)
			print_stale(ctx.chain);
		goto done;
	}
	error = ais_chain_ensure(ctx.chain, ctx.docker, &failed);
	cli_progress_end();
	if (error < 0) {
		rc = cli_fail(error);
		if (!cli_interrupted)
			print_failure(&failed);
		if (json)
			cli_print_chain_json(&ctx, true, NULL);
		goto done;
	}
	if ((rc = check_devcontainers(&ctx, devcontainer ? DC_UP : recreate ? DC_RECREATE
							 : DC_REPORT, &stale)) != CLI_EXIT_OK ||
	    (push && (rc = cli_registry_push(&ctx, !strcmp(argv[0], "push"))) != CLI_EXIT_OK))
		goto done;
	if (json)
		cli_print_chain_json(&ctx, true, NULL);
	else
		print_summary(ctx.chain);
done:
	ais_build_result_dispose(&failed);
	cli_context_close(&ctx);
	return rc;
}
