#include "cli.h"

#include "dcstate.h"
#include "error.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char status_usage[] =
	"usage: aishell status [-C DIR] [--json]\n"
	"\n"
	"Show each image of the project's chain: tag, image id, whether it is\n"
	"fresh, stale or missing, and why (which label or id differs, with the\n"
	"value found and the value expected); whether the generated\n"
	"devcontainer.json and the dev containers made from it are current; the\n"
	"last background build the git hooks started; and where each image came\n"
	"from.  Builds nothing.  The verdicts and reasons are the ones the check\n"
	"of 'aishell ensure' and the git hooks give.\n"
	"\n"
	"  -C DIR   use DIR as the project directory (default: the nearest directory\n"
	"           from the current one up to the git worktree root that holds\n"
	"           .aishell/ or .sandbox/, else the current one)\n"
	"  --json   print the status as JSON on stdout (images with their origin,\n"
	"           and the dev container)\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit: 0 fresh, 1 failed, 2 usage, 3 engine unreachable, 4 stale or missing\n"
	"(an image, the devcontainer.json or a dev container).\n";

static void print_tier(const char *name, const ais_tier *t, int tag_width,
		       const char *state, const char *note)
{
	printf("%-11s %-*s %-12.12s %s", name, tag_width, t->tag,
	       t->id[0] ? t->id + 7 : "-", state);
	if (t->reason[0])
		printf(": %s", t->reason);
	if (note && t->builder[0])
		printf(" (%s; built with %s)", note, t->builder);
	else if (note)
		printf(" (%s)", note);
	putchar('\n');
}

/* The generated devcontainer.json and the dev containers made from it:
 * the verdicts ensure's check prints, else what there is. */
static void print_devcontainer(const ais_buf *lines, const ais_devcontainer_state *dc)
{
	const char *p = ais_buf_cstr(lines);

	if (!dc)
		return;
	if (!*p) {
		if (dc->file == AIS_DCFILE_CURRENT)
			printf("%-11s %s current (%zu dev container%s, none outdated)\n",
			       "devcontainer", dc->render.path.ptr, dc->container_count,
			       dc->container_count == 1 ? "" : "s");
		return;
	}
	while (*p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		printf("%-11s %.*s\n", "devcontainer", len, p);
		p += len + (nl ? 1 : 0);
	}
}

/* The last background build the hooks started, if any. */
static void print_background(const cli_context *ctx)
{
	ais_hooks_bg bg;
	ais_hooks_bg_status st;
	ais_buf line = AIS_BUF_INIT;

	if (cli_hooks_bg_for(&bg, ctx->project_dir) < 0 ||
	    ais_hooks_bg_read(&st, &bg) < 0) {
		ais_error_clear();
		return;
	}
	if (st.running)
		printf("%-11s running now (log: %s)\n", "background", bg.log);
	else if (st.found && cli_background_line(&line, &st, &bg) == 0)
		printf("%-11s %s\n", "background", ais_buf_cstr(&line));
	ais_buf_dispose(&line);
}

int cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	cli_context ctx;
	ais_devcontainer_env env = { 0 };
	ais_devcontainer_state dc;
	ais_buf dcl = AIS_BUF_INIT;
	const ais_tier *foundation, *base, *ext;
	const char *dir = NULL;
	char ext_dockerfile[32];
	bool json = false, judged = false;
	int opt, error, rc, width;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+C:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'C':
			dir = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(status_usage, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option("status", "C:h", argv);
		}
	}
	if ((rc = cli_no_arguments("status", "status", argc, argv)) != 0)
		return rc;
	if ((rc = cli_context_open(&ctx, dir, CLI_OPEN_CONNECT_LATER)) != 0) {
		cli_context_close(&ctx);
		return rc;
	}
	if ((error = ais_chain_check(ctx.chain, ctx.docker)) < 0) {
		rc = cli_fail(error);
		goto done;
	}
	env.chain = ctx.chain;
	rc = ais_chain_fresh(ctx.chain) ? CLI_EXIT_OK : CLI_EXIT_STALE;
	error = ais_devcontainer_judge(&dc, &env, ctx.docker);
	if (error == AIS_EINVALID) {
		/* a bad config.yaml is generate's and up's to report */
		cli_warn("cannot judge the dev container: %s", cli_error_text());
		ais_error_clear();
	} else if (error < 0) {
		rc = cli_fail(error);
		goto done;
	} else {
		judged = true;
		if (ais_devcontainer_verdicts(&dcl, &dc))
			rc = CLI_EXIT_STALE;
	}
	if (json) {
		if (cli_print_chain_json(&ctx, false, judged ? &dc : NULL) != 0)
			rc = CLI_EXIT_FAILURE;
		goto done;
	}
	foundation = ais_chain_tier(ctx.chain, AIS_TIER_FOUNDATION);
	base = ais_chain_tier(ctx.chain, AIS_TIER_BASE);
	ext = ais_chain_tier(ctx.chain, AIS_TIER_EXT);
	width = (int)strlen(foundation->tag);
	if (ext && (int)strlen(ext->tag) > width)
		width = (int)strlen(ext->tag);
	printf("project     %s\n", ctx.project_dir);
	printf("engine      %s (API %s; builds with %s)\n", ctx.endpoint.host,
	       ais_docker_api_version(ctx.docker), cli_builder_name(&ctx));
	print_tier("foundation", foundation, width,
		   foundation->state == AIS_STATE_MISSING ? "missing" : "present",
		   NULL);
	print_tier("base", base, width, ais_state_name(base->state),
		   ais_chain_dockerfile_hash(ctx.chain, AIS_TIER_BASE)
			   ? "custom: ~/.aishell/Dockerfile"
			   : "alias of foundation");
	if (ext) {
		snprintf(ext_dockerfile, sizeof(ext_dockerfile), "%s/Dockerfile",
			 ais_chain_config_dir(ctx.chain));
		print_tier("ext", ext, width, ais_state_name(ext->state),
			   ext_dockerfile);
	} else
		printf("%-11s none (no .aishell/Dockerfile or .sandbox/Dockerfile)\n",
		       "ext");
	print_devcontainer(&dcl, judged ? &dc : NULL);
	print_background(&ctx);
	cli_print_origins(&ctx);
done:
	if (judged)
		ais_devcontainer_state_dispose(&dc);
	ais_buf_dispose(&dcl);
	cli_context_close(&ctx);
	return rc;
}
