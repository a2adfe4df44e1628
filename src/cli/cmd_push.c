#include "cli.h"

#include "error.h"
#include "registry.h"
#include "setting.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char push_usage[] =
	"usage: aishell push [-C DIR] [-q] [-v] [--no-progress]\n"
	"\n"
	"Make the project's images fresh as 'ensure' does (pulling what the\n"
	"registry has), then push to the registry: <repo>:foundation as\n"
	"<registry>:foundation, a custom base as <registry>:base-<key> and the\n"
	"extension as <registry>:ext-<key>, where <key> is a hash of what the\n"
	"image is built from.  The registry is AISHELL_REGISTRY, else 'registry:'\n"
	"in the project's config.yaml, else in ~/.aishell/config.yaml.\n"
	"\n"
	"  -C DIR       use DIR as the project directory (default: the current one)\n"
	"  -q, --quiet  print nothing but errors\n"
	"  -v, --verbose  print the full build log\n"
	"  --no-progress  no live progress line on a terminal; plain lines instead\n"
	"  -h, --help   show this help\n"
	"\n"
	"Exit: 0 pushed, 1 failed (the local images stay fresh), 2 usage,\n"
	"3 engine unreachable.\n";

/* One setting file's registry value, if any. */
static int setting_from(char **value, const char *path)
{
	return ais_setting_read(value, path, "registry");
}

int cli_registry_open(cli_context *ctx, bool *usage)
{
	ais_registry_opts opts = { 0 };
	ais_buf gpath = AIS_BUF_INIT, ppath = AIS_BUF_INIT, source = AIS_BUF_INIT;
	char *value = NULL;
	const char *ref = cli_env("AISHELL_REGISTRY");
	int error = 0;

	if (ref) {
		ais_buf_sets(&source, "AISHELL_REGISTRY");
	} else {
		if (ctx->chain.config_dir[0] &&
		    (error = ais_buf_printf(&ppath, "%s/%s/config.yaml",
					    ctx->project_dir, ctx->chain.config_dir)) == 0)
			error = setting_from(&value, ppath.ptr);
		if (error == 0 && value)
			ais_buf_sets(&source, ppath.ptr);
		if (error == 0 && !value &&
		    (error = ais_buf_printf(&gpath, "%s/config.yaml",
					    ctx->chain.global_dir)) == 0 &&
		    (error = setting_from(&value, gpath.ptr)) == 0 && value)
			ais_buf_sets(&source, gpath.ptr);
		ref = value;
	}
	if (error < 0) {
		*usage = error == AIS_EINVALID;
		goto done;
	}
	if (!ref || !strcmp(ref, "none"))
		goto done;
	opts.ref = ref;
	opts.source = ais_buf_cstr(&source);
	opts.docker_config = cli_env("DOCKER_CONFIG");
	opts.home = ctx->home;
	if ((error = ais_registry_new(&ctx->registry, &opts)) < 0) {
		*usage = true;
		goto done;
	}
	ctx->chain.opts.registry = ctx->registry;
done:
	free(value);
	ais_buf_dispose(&gpath);
	ais_buf_dispose(&ppath);
	ais_buf_dispose(&source);
	return error;
}

int cli_registry_push(cli_context *ctx, bool foundation)
{
	int error;

	if (!ctx->registry) {
		cli_error("no registry is set: set AISHELL_REGISTRY, or 'registry:' in config.yaml");
		return CLI_EXIT_FAILURE;
	}
	error = ais_registry_push(&ctx->chain, ctx->docker, foundation);
	cli_progress_end();
	if (error < 0) {
		if (error == AIS_EINTERRUPTED || cli_interrupted)
			return cli_fail(error);
		cli_error("%s; the local images are fresh", ais_error_last()->message);
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

void cli_print_origins(const cli_context *ctx)
{
	const ais_chain *c = &ctx->chain;
	const ais_tier *tiers[3] = { &c->foundation, &c->base,
				     c->has_ext ? &c->ext : NULL };
	const char *names[3] = { "foundation", "base", "ext" };
	ais_buf line = AIS_BUF_INIT, origin = AIS_BUF_INIT;
	int i;

	for (i = 0; i < 3; i++) {
		if (!tiers[i] || ais_registry_origin(&origin, c, tiers[i]) < 0 ||
		    !origin.size)
			continue;
		ais_buf_printf(&line, "%s%s %s", line.size ? "; " : "", names[i],
			       ais_buf_cstr(&origin));
	}
	if (ctx->registry)
		printf("registry    %s (from %s)\n", ais_registry_ref(ctx->registry),
		       ais_registry_source(ctx->registry));
	if (line.size)
		printf("origin      %s\n", ais_buf_cstr(&line));
	ais_buf_dispose(&line);
	ais_buf_dispose(&origin);
}

int cmd_push(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	ais_build_result failed;
	cli_context ctx;
	const char *dir = NULL;
	int opt, error, rc;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "+C:qvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'C':
			dir = optarg;
			break;
		case 'q':
			cli.quiet = 1;
			break;
		case 'v':
			cli.verbose++;
			break;
		case 'P':
			cli.tty = false;
			break;
		case 'h':
			fputs(push_usage, stdout);
			return CLI_EXIT_OK;
		default:
			fputs(push_usage, stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("push takes no arguments ('%s')", argv[optind]);
		fputs(push_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	if ((rc = cli_context_open(&ctx, dir, false)) != 0) {
		cli_context_close(&ctx);
		return rc;
	}
	ais_build_result_init(&failed);
	if (!ctx.registry) {
		rc = cli_registry_push(&ctx, true);
		goto done;
	}
	error = ais_chain_ensure(&ctx.chain, ctx.docker, &failed);
	cli_progress_end();
	if (error < 0) {
		rc = cli_fail(error);
		goto done;
	}
	rc = cli_registry_push(&ctx, true);
done:
	ais_build_result_dispose(&failed);
	cli_context_close(&ctx);
	return rc;
}
