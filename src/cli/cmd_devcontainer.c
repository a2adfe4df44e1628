#include "cli.h"

#include "dcstate.h"
#include "devcontainer.h"
#include "error.h"
#include "gitid.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char devcontainer_usage[] =
	"usage: aishell devcontainer generate [-C DIR] [-o PATH | --stdout] [--check]\n"
	"                                     [--force] [--recreate-on-change] [-q]\n"
	"\n"
	"Write .devcontainer/devcontainer.json so that VS Code and the devcontainer\n"
	"CLI open the project in the image aishell runs: <repo>:ext-<hash> when the\n"
	"project has .aishell/Dockerfile (or .sandbox/), else <repo>:base, made fresh\n"
	"by 'aishell ensure' in initializeCommand, which also removes a dev\n"
	"container made from an older image or configuration (or fails, with\n"
	"'devcontainer: {on_change: fail}' in config.yaml).  The workspace is mounted\n"
	"at its host path; ~/.aishell/config.yaml and the project's config.yaml are\n"
	"merged and mapped (mounts, env, ports, docker_args, pre_start); git\n"
	"user.name and user.email reach the container through a per-user file\n"
	"mounted read-only (GIT_CONFIG_SYSTEM), never through devcontainer.json.\n"
	"\n"
	"The file names this clone's image and paths: each clone generates its own,\n"
	"and .devcontainer/.gitignore is made to list it (commit the .gitignore).\n"
	"\n"
	"  -C DIR                project directory (default: the current one)\n"
	"  -o, --output PATH     write PATH instead of DIR/.devcontainer/devcontainer.json\n"
	"                        ('-' is standard output)\n"
	"  --stdout              print the file instead of writing it\n"
	"  --check               write nothing; exit 4 when the file is missing or\n"
	"                        regenerating would change it\n"
	"  -f, --force           replace a file aishell did not generate (a backup is\n"
	"                        kept as <file>.bak)\n"
	"  --recreate-on-change  accepted for older scripts: recreating is the default\n"
	"  -q, --quiet           print nothing but errors\n"
	"  -h, --help            show this help\n"
	"\n"
	"A file aishell generated is regenerated in place, keeping the keys you added.\n"
	"\n"
	"Exit: 0 written or current, 1 failed, 2 usage, 4 out of date (--check).\n";

static void on_event(const ais_event *ev, void *payload)
{
	(void)payload;
	if (ev->type == AIS_EVENT_WARN)
		cli_warn("%s", ev->text);
	else if (ev->type == AIS_EVENT_NOTE)
		cli_note("note: %s", ev->text);
}

/*
 * The default output must stay inside the project: a committed
 * .devcontainer/devcontainer.json (or .devcontainer) that is a symbolic
 * link would make generate write another project's file.  Only a path the
 * user names with -o is followed.
 */
static int check_default_output(const char *project_dir, const char *path)
{
	ais_buf dir = AIS_BUF_INIT;
	const char *slash = strrchr(path, '/');
	struct stat st;
	char *real = NULL;
	size_t n = strlen(project_dir);
	int error = 0;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		error = ais_error_set(AIS_EINVALID,
				      "'%s' is a symbolic link; not writing through it (name the file with -o to write there)",
				      path);
		goto done;
	}
	if ((error = ais_buf_put(&dir, path, (size_t)(slash - path))) < 0)
		goto done;
	real = realpath(dir.ptr, NULL);
	if (!real && lstat(dir.ptr, &st) < 0 && (errno == ENOENT || errno == ENOTDIR))
		goto done; /* created inside the project */
	if (!real || strncmp(real, project_dir, n) != 0 || real[n] != '/')
		error = ais_error_set(AIS_EINVALID,
				      "'%s' leads outside the project%s%s; not writing there (name the file with -o to write there)",
				      dir.ptr, real ? " to " : "", real ? real : "");
done:
	free(real);
	ais_buf_dispose(&dir);
	return error;
}

typedef struct {
	const char *dir;
	const char *output;
	bool to_stdout, check, force;
} gen_opts;

static int generate(const gen_opts *g)
{
	ais_buf backup = AIS_BUF_INIT;
	ais_devcontainer_env env = { 0 };
	ais_devcontainer_state st;
	ais_devcontainer_render *r = &st.render;
	const char *path;
	bool judged = false, ignored, tracked;
	cli_context ctx;
	int error, rc;

	if ((rc = cli_project_open(&ctx, g->dir)) != 0) {
		cli_context_close(&ctx);
		return rc;
	}
	rc = CLI_EXIT_FAILURE;
	env.chain = ctx.chain;
	env.output = g->output && strcmp(g->output, "-") != 0 ? g->output : NULL;
	env.on_event = on_event;
	env.always_render = true;
	if (!env.output && !g->to_stdout) {
		if ((error = ais_buf_printf(&backup, "%s/.devcontainer/devcontainer.json",
					    ctx.project_dir)) < 0 ||
		    (error = check_default_output(ctx.project_dir, backup.ptr)) < 0)
			goto fail;
		ais_buf_clear(&backup);
	}
	if ((error = ais_devcontainer_judge(&st, &env, NULL)) < 0)
		goto fail;
	judged = true;
	path = r->path.ptr;
	if (r->exists && !r->parses) {
		if (g->to_stdout) {
			cli_warn("%s; printing a new file", r->parse_error.ptr);
		} else {
			cli_error("%s", r->parse_error.ptr);
			cli_error("'%s' does not parse; it was not changed (fix it, or remove it to start afresh)",
				  path);
			goto done;
		}
	} else if (st.file == AIS_DCFILE_FOREIGN && !g->force && !g->to_stdout) {
		cli_error("'%s' was not generated by aishell; use --force to replace it (a backup is kept)",
			  path);
		goto done;
	}
	if (g->to_stdout) {
		fwrite(r->text.ptr, 1, r->text.size, stdout);
		rc = CLI_EXIT_OK;
		goto done;
	}
	if (g->check) {
		if (st.file == AIS_DCFILE_CURRENT) {
			cli_note("%s is up to date", path);
			rc = CLI_EXIT_OK;
		} else if (st.file == AIS_DCFILE_NONE) {
			cli_note("%s is missing; run 'aishell devcontainer generate'", path);
			rc = CLI_EXIT_STALE;
		} else {
			cli_note("%s is out of date (%s); run 'aishell devcontainer generate'",
				 path, st.file_reason);
			rc = CLI_EXIT_STALE;
		}
		goto done;
	}
	if ((error = ais_devcontainer_write_identity(r)) < 0)
		goto fail;
	if (!env.output) {
		if ((error = ais_buf_printf(&backup, "%s/.devcontainer", ctx.project_dir)) < 0 ||
		    (error = ais_devcontainer_ignore(backup.ptr, &ignored)) < 0)
			goto fail;
		if (ignored)
			cli_note("%s/.gitignore lists devcontainer.json: each clone generates its own (commit the .gitignore)",
				 backup.ptr);
		ais_buf_clear(&backup);
	}
	if (!env.output && ais_gitid_tracked(&tracked, ctx.project_dir, path) == 0 && tracked)
		cli_warn("%s is tracked by git, but it names this clone's image and this machine's paths; run 'git rm --cached %s' and commit",
			 path, path);
	ais_error_clear();
	if (st.file == AIS_DCFILE_CURRENT) {
		cli_note("%s is up to date", path);
		rc = CLI_EXIT_OK;
		goto done;
	}
	if (st.file == AIS_DCFILE_FOREIGN) {
		if ((error = ais_devcontainer_backup(&backup, path, r->old.ptr, r->old.size)) < 0)
			goto fail;
		cli_note("saved the previous %s as %s", path, backup.ptr);
	}
	if ((error = ais_devcontainer_write_file(path, r->text.ptr, r->text.size,
						 env.output != NULL)) < 0)
		goto fail;
	cli_note("wrote %s (image %s)", path, r->image);
	rc = CLI_EXIT_OK;
	goto done;
fail:
	rc = cli_fail(error);
done:
	if (judged)
		ais_devcontainer_state_dispose(&st);
	ais_buf_dispose(&backup);
	cli_context_close(&ctx);
	return rc;
}

int cmd_devcontainer(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "stdout", no_argument, NULL, 's' },
		{ "check", no_argument, NULL, 'c' },
		{ "force", no_argument, NULL, 'f' },
		{ "recreate-on-change", no_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	gen_opts g = { 0 };
	int opt, rc;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
			  !strcmp(argv[1], "help"))) {
		fputs(devcontainer_usage, stdout);
		return CLI_EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "generate") != 0) {
		if (argc < 2)
			cli_error("devcontainer needs a subcommand (generate); see 'aishell devcontainer --help'");
		else
			cli_error("unknown devcontainer subcommand '%s'; see 'aishell devcontainer --help'",
				  argv[1]);
		return CLI_EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+C:o:fqh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'C':
			g.dir = optarg;
			break;
		case 'o':
			g.output = optarg;
			break;
		case 's':
			g.to_stdout = true;
			break;
		case 'c':
			g.check = true;
			break;
		case 'f':
			g.force = true;
			break;
		case 'r':
			cli_note("--recreate-on-change is the default now; the choice is 'devcontainer: {on_change: recreate|fail}' in .aishell/config.yaml");
			break;
		case 'q':
			cli.quiet = 1;
			break;
		case 'h':
			fputs(devcontainer_usage, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option("devcontainer generate", "C:o:fqh", argv);
		}
	}
	if ((rc = cli_no_arguments("devcontainer generate", "devcontainer", argc, argv)) != 0)
		return rc;
	if (g.output && !strcmp(g.output, "-")) {
		if (g.to_stdout) {
			cli_error("-o - and --stdout say the same; give one");
			return CLI_EXIT_USAGE;
		}
		g.to_stdout = true;
	} else if (g.output && g.to_stdout) {
		cli_error("-o and --stdout cannot be combined");
		return CLI_EXIT_USAGE;
	}
	if (g.output && !*g.output) {
		cli_error("-o needs a path");
		return CLI_EXIT_USAGE;
	}
	if (g.check && g.to_stdout) {
		cli_error("--check and --stdout cannot be combined");
		return CLI_EXIT_USAGE;
	}
	return generate(&g);
}
