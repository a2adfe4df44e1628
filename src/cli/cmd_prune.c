#include "cli.h"

#include "error.h"
#include "prune.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char prune_usage[] =
	"usage: aishell prune [--dry-run] [--json]\n"
	"\n"
	"Remove <repo>:ext-* images whose project directory no longer exists or\n"
	"no longer has a .aishell/ or .sandbox/ Dockerfile, and untagged images\n"
	"the chain left behind.  Never the foundation or the current base, and\n"
	"never an image a container still uses, nor one whose project directory\n"
	"cannot be checked (another user's, unmounted): both are reported as kept.\n"
	"Ext images are recognised by their aishell.project.dir label.\n"
	"\n"
	"  -n, --dry-run  list what would be removed, remove nothing\n"
	"  --json         print the result as JSON on stdout\n"
	"  -h, --help     show this help\n";

static int print_json(const ais_prune_result *res, bool dry_run)
{
	cJSON *root = cJSON_CreateObject(), *removed, *kept;
	char *text;
	size_t i;

	cJSON_AddBoolToObject(root, "dry_run", dry_run);
	removed = cJSON_AddArrayToObject(root, dry_run ? "would_remove" : "removed");
	kept = cJSON_AddArrayToObject(root, "kept");
	for (i = 0; i < res->count; i++) {
		const ais_prune_item *it = &res->items[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", it->id);
		if (it->tag[0])
			cJSON_AddStringToObject(o, "tag", it->tag);
		if (it->project[0])
			cJSON_AddStringToObject(o, "project", it->project);
		cJSON_AddStringToObject(o, "reason", it->reason);
		cJSON_AddItemToArray(it->outcome == AIS_PRUNE_REMOVED ? removed : kept, o);
	}
	text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		return CLI_EXIT_FAILURE;
	printf("%s\n", text);
	cJSON_free(text);
	return CLI_EXIT_OK;
}

int cmd_prune(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	ais_prune_opts opts = { 0 };
	ais_prune_result res = { 0 };
	cli_context ctx;
	bool json = false;
	size_t i;
	int opt, error, rc;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+nh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			opts.dry_run = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(prune_usage, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option("prune", "nh", argv);
		}
	}
	if ((rc = cli_no_arguments("prune", "prune", argc, argv)) != 0)
		return rc;
	if ((rc = cli_engine_open(&ctx)) != 0) {
		cli_context_close(&ctx);
		return rc;
	}
	opts.repo = ctx.repo;
	opts.lock_dir = ctx.lock_dir;
	opts.state_dir = ctx.state_dir;
	opts.cancel = &cli_interrupted;
	opts.on_event = cli_on_event;
	if ((error = ais_prune(&res, ctx.docker, &opts)) < 0) {
		rc = cli_fail(error);
		goto done;
	}
	if (json) {
		rc = print_json(&res, opts.dry_run);
		goto done;
	}
	for (i = 0; i < res.count; i++) {
		const ais_prune_item *it = &res.items[i];
		const char *what = it->tag[0] ? it->tag : it->id;

		if (it->outcome == AIS_PRUNE_KEPT)
			printf("kept     %s: %s\n", what, it->reason);
		else
			printf("%s %s: %s\n", opts.dry_run ? "would remove" : "removed ",
			       what, it->reason);
	}
	if (!res.count)
		printf("nothing to prune\n");
	rc = CLI_EXIT_OK;
done:
	ais_prune_result_dispose(&res);
	cli_context_close(&ctx);
	return rc;
}
