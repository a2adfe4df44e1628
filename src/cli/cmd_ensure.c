#include "cli.h"

#include "error.h"
#include "wscontainer.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char ensure_usage[] =
	"usage: aishell ensure [-C DIR] [--force] [--check] [--json] [-q] [-v]\n"
	"                      [--no-progress] [--recreate-on-change] [--expect-image TAG]\n"
	"                      [--push]\n"
	"\n"
	"Make the project's images fresh: <repo>:base (a tag of <repo>:foundation,\n"
	"or a build of ~/.aishell/Dockerfile) and, when the project has\n"
	".aishell/Dockerfile or .sandbox/Dockerfile, <repo>:ext-<hash>.\n"
	"\n"
	"  -C DIR       use DIR as the project directory (default: the nearest\n"
	"               directory from the current one up to the git worktree root\n"
	"               that holds .aishell/ or .sandbox/, else the current one)\n"
	"  -f, --force  rebuild the custom base and the extension without cache\n"
	"  --check      build nothing; exit 4 when an image is stale or missing\n"
	"  --json       print the result as JSON on stdout\n"
	"  -q, --quiet  print nothing but errors\n"
	"  -v, --verbose  print the full build log\n"
	"  --no-progress  no live progress line on a terminal; plain lines instead\n"
	"  --recreate-on-change  remove the project's dev container when it runs an\n"
	"               image the tag no longer names (so 'devcontainer up' makes a\n"
	"               new one); without it such a container is only reported\n"
	"  --expect-image TAG  fail unless the project's image is TAG (the image\n"
	"               devcontainer.json names)\n"
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
	const ais_tier *tiers[2] = { &c->base, c->has_ext ? &c->ext : NULL };
	int i;

	for (i = 0; i < 2; i++) {
		if (!tiers[i])
			continue;
		if (tiers[i]->action == AIS_ACTION_NONE && cli.verbose)
			cli_note("%s: fresh", tiers[i]->tag);
	}
}

static void print_stale(const ais_chain *c)
{
	const ais_tier *tiers[3] = { &c->foundation, &c->base,
				     c->has_ext ? &c->ext : NULL };
	ais_buf line = AIS_BUF_INIT;
	int i;

	for (i = 0; i < 3; i++) {
		if (!tiers[i] || tiers[i]->state == AIS_STATE_FRESH)
			continue;
		ais_buf_clear(&line);
		cli_verdict(&line, tiers[i]);
		cli_note("%s", ais_buf_cstr(&line));
	}
	ais_buf_dispose(&line);
}

/* The project's dev containers made from a generated devcontainer.json
 * that run an outdated image: reported, or removed with `recreate`.
 * Returns an exit code; *stale is set when one is left stale. */
static int check_devcontainers(cli_context *ctx, bool recreate, bool *stale)
{
	const ais_tier *run = ctx->chain.has_ext ? &ctx->chain.ext : &ctx->chain.base;
	ais_wscontainer *list = NULL;
	size_t n = 0, i;
	int error, rc = CLI_EXIT_OK;

	*stale = false;
	if ((error = ais_wscontainer_list(&list, &n, ctx->docker, ctx->project_dir,
					  run->tag, run->id)) < 0)
		return cli_fail(error);
	for (i = 0; i < n; i++) {
		const ais_wscontainer *c = &list[i];

		if (!c->stale)
			continue;
		if (!recreate) {
			*stale = true;
			cli_warn("dev container %s is outdated: %s; it is reused until removed (docker rm -f %s, or ensure --recreate-on-change)",
				 c->name, c->reason, c->name);
			continue;
		}
		error = ais_wscontainer_remove(ctx->docker, c);
		if (error < 0 && error != AIS_ENOTFOUND) {
			rc = cli_fail(error);
			break;
		}
		cli_note("removed dev container %s: %s", c->name, c->reason);
	}
	free(list);
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
		{ NULL, 0, NULL, 0 },
	};
	ais_build_result failed;
	cli_context ctx;
	const char *dir = NULL, *expect = NULL, *run_tag;
	bool force = false, check = false, json = false, recreate = false, stale;
	bool push = false;
	int opt, error, rc;

	optind = 0;
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
		case 'h':
			fputs(ensure_usage, stdout);
			return CLI_EXIT_OK;
		default:
			fputs(ensure_usage, stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("ensure takes no arguments ('%s')", argv[optind]);
		fputs(ensure_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	if (check && force) {
		cli_error("--check and --force cannot be combined");
		return CLI_EXIT_USAGE;
	}
	if (check && push) {
		cli_error("--check and --push cannot be combined");
		return CLI_EXIT_USAGE;
	}
	if (check && recreate) {
		cli_error("--check and --recreate-on-change cannot be combined");
		return CLI_EXIT_USAGE;
	}
	if ((rc = cli_context_open(&ctx, dir, force)) != 0) {
		cli_context_close(&ctx);
		return rc;
	}
	ais_build_result_init(&failed);
	run_tag = ctx.chain.has_ext ? ctx.chain.ext.tag : ctx.chain.base.tag;
	if (expect && strcmp(expect, run_tag) != 0) {
		cli_error("devcontainer.json names the image '%s', but the image of %s is '%s'; run 'aishell devcontainer generate' there",
			  expect, ctx.project_dir, run_tag);
		rc = CLI_EXIT_FAILURE;
		goto done;
	}
	if (check) {
		if ((error = ais_chain_check(&ctx.chain, ctx.docker)) < 0) {
			rc = cli_fail(error);
			goto done;
		}
		rc = ais_chain_fresh(&ctx.chain) ? CLI_EXIT_OK : CLI_EXIT_STALE;
		error = check_devcontainers(&ctx, false, &stale);
		if (error != CLI_EXIT_OK) {
			rc = error;
			goto done;
		}
		if (stale)
			rc = CLI_EXIT_STALE;
		if (json)
			cli_print_chain_json(&ctx, false);
		else if (rc == CLI_EXIT_STALE)
			print_stale(&ctx.chain);
		goto done;
	}
	error = ais_chain_ensure(&ctx.chain, ctx.docker, &failed);
	cli_progress_end();
	if (error < 0) {
		rc = cli_fail(error);
		if (!cli_interrupted)
			print_failure(&failed);
		if (json)
			cli_print_chain_json(&ctx, true);
		goto done;
	}
	if ((rc = check_devcontainers(&ctx, recreate, &stale)) != CLI_EXIT_OK ||
	    (push && (rc = cli_registry_push(&ctx, !strcmp(argv[0], "push"))) != CLI_EXIT_OK))
		goto done;
	if (json)
		cli_print_chain_json(&ctx, true);
	else
		print_summary(&ctx.chain);
done:
	ais_build_result_dispose(&failed);
	cli_context_close(&ctx);
	return rc;
}
