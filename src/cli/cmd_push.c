#include "cli.h"

#include "error.h"
#include "registry.h"
#include "setting.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char push_usage[] =
	"usage: aishell push [ensure's options]\n"
	"\n"
	"'aishell ensure --push', which also pushes the foundation: make the\n"
	"project's images fresh (pulling what the registry has), then push\n"
	"<repo>:foundation as <registry>:foundation, a custom base as\n"
	"<registry>:base-<key> and the extension as <registry>:ext-<key>, where\n"
	"<key> is a hash of what the image is built from.  The registry is\n"
	"AISHELL_REGISTRY, else 'registry:' in the project's config.yaml, else in\n"
	"~/.aishell/config.yaml.  Takes the options of 'aishell ensure' but\n"
	"--check.\n"
	"\n"
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
		const char *config_dir = ais_chain_config_dir(ctx->chain);

		if (config_dir &&
		    (error = ais_buf_printf(&ppath, "%s/%s/config.yaml",
					    ctx->project_dir, config_dir)) == 0)
			error = setting_from(&value, ppath.ptr);
		if (error == 0 && value)
			ais_buf_sets(&source, ppath.ptr);
		if (error == 0 && !value &&
		    (error = ais_buf_printf(&gpath, "%s/config.yaml",
					    ais_chain_global_dir(ctx->chain))) == 0 &&
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
	ais_chain_set_registry(ctx->chain, ctx->registry);
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
	error = ais_registry_push(ctx->chain, ctx->docker, foundation);
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
	const char *names[AIS_TIER_COUNT] = { "foundation", "base", "ext" };
	ais_buf line = AIS_BUF_INIT, origin = AIS_BUF_INIT;
	int i;

	for (i = 0; i < AIS_TIER_COUNT; i++) {
		if (!ais_chain_tier(ctx->chain, i) ||
		    ais_registry_origin(&origin, ctx->chain, i) < 0 || !origin.size)
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
	char **args;
	int i, rc;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(push_usage, stdout);
			return CLI_EXIT_OK;
		}
	}
	/* ensure --push; ensure pushes the foundation too when run as push. */
	args = calloc((size_t)argc + 2, sizeof(*args));
	if (!args) {
		cli_error("out of memory");
		return CLI_EXIT_FAILURE;
	}
	args[0] = argv[0];
	args[1] = (char *)"--push";
	for (i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	rc = cmd_ensure(argc + 1, args);
	free(args);
	return rc;
}
