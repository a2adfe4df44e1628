#include "cli.h"

#include "error.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char status_usage[] =
	"usage: aishell status [-C DIR] [--json]\n"
	"\n"
	"Show each image of the project's chain: tag, image id, whether it is\n"
	"fresh, stale or missing, and why (which label or id differs, with the\n"
	"value found and the value expected).  Builds nothing.\n"
	"\n"
	"  -C DIR   use DIR as the project directory (default: the current one)\n"
	"  --json   print the status as JSON on stdout\n"
	"  -h, --help  show this help\n";

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

int cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	cli_context ctx;
	const ais_chain *c;
	const char *dir = NULL;
	bool json = false;
	int opt, error, rc, width;

	optind = 0;
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
			fputs(status_usage, stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("status takes no arguments ('%s')", argv[optind]);
		fputs(status_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	if ((rc = cli_context_open(&ctx, dir, false)) != 0) {
		cli_context_close(&ctx);
		return rc;
	}
	if ((error = ais_chain_check(&ctx.chain, ctx.docker)) < 0) {
		rc = cli_fail(error);
		goto done;
	}
	if (json) {
		rc = cli_print_chain_json(&ctx, false);
		goto done;
	}
	c = &ctx.chain;
	width = (int)strlen(c->foundation.tag);
	if (c->has_ext && (int)strlen(c->ext.tag) > width)
		width = (int)strlen(c->ext.tag);
	printf("project     %s\n", ctx.project_dir);
	printf("engine      %s (API %s; builds with %s)\n", ctx.endpoint.host,
	       ais_docker_api_version(ctx.docker), cli_builder_name(&ctx));
	print_tier("foundation", &c->foundation, width,
		   c->foundation.state == AIS_STATE_MISSING ? "missing" : "present",
		   NULL);
	print_tier("base", &c->base, width, ais_state_name(c->base.state),
		   c->custom_base ? "custom: ~/.aishell/Dockerfile"
				  : "alias of foundation");
	if (c->has_ext)
		print_tier("ext", &c->ext, width, ais_state_name(c->ext.state),
			   c->ext_dockerfile);
	else
		printf("%-11s none (no .aishell/Dockerfile or .sandbox/Dockerfile)\n",
		       "ext");
	cli_print_origins(&ctx);
	rc = CLI_EXIT_OK;
done:
	cli_context_close(&ctx);
	return rc;
}
