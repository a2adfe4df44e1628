#include "cli.h"

#include "config.h"
#include "devcontainer.h"
#include "error.h"
#include "fsutil.h"
#include "gitid.h"
#include "jsonc.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char devcontainer_usage[] =
	"usage: aishell devcontainer generate [-C DIR] [-o PATH | --stdout] [--check]\n"
	"                                     [--force] [--recreate-on-change] [-q]\n"
	"\n"
	"Write .devcontainer/devcontainer.json so that VS Code and the devcontainer\n"
	"CLI open the project in the image aishell runs: <repo>:ext-<hash> when the\n"
	"project has .aishell/Dockerfile (or .sandbox/), else <repo>:base, made fresh\n"
	"by 'aishell ensure' in initializeCommand.  The workspace is mounted at its\n"
	"host path; ~/.aishell/config.yaml and the project's config.yaml are merged\n"
	"and mapped (mounts, env, ports, docker_args, pre_start); git user.name and\n"
	"user.email become GIT_AUTHOR_* and GIT_COMMITTER_*.\n"
	"\n"
	"  -C DIR                project directory (default: the current one)\n"
	"  -o, --output PATH     write PATH instead of DIR/.devcontainer/devcontainer.json\n"
	"                        ('-' is standard output)\n"
	"  --stdout              print the file instead of writing it\n"
	"  --check               write nothing; exit 4 when the file is missing or\n"
	"                        regenerating would change it\n"
	"  -f, --force           replace a file aishell did not generate (a backup is\n"
	"                        kept as <file>.bak)\n"
	"  --recreate-on-change  have ensure remove the project's dev container when it\n"
	"                        runs an outdated image, so the next 'up' makes a new one\n"
	"  -q, --quiet           print nothing but errors\n"
	"  -h, --help            show this help\n"
	"\n"
	"A file aishell generated is regenerated in place, keeping the keys you added.\n"
	"The default file is never written through a symbolic link or outside the\n"
	"project; a file named with -o is written where it leads.\n"
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

/* The path of the running binary for initializeCommand.  The PATH entry
 * that names it is preferred (it survives upgrades that move the real
 * file), if absolute; else the resolved /proc/self/exe. */
static int self_path(ais_buf *out)
{
	ais_buf exe = AIS_BUF_INIT;
	struct stat st;
	int error;

	if ((error = ais_fs_self_exe(&exe)) < 0)
		goto done;
	if (stat(exe.ptr, &st) == 0 && ais_fs_which(out, "aishell", &st) == 0)
		goto done;
	ais_error_clear();
	error = ais_buf_sets(out, exe.ptr);
done:
	ais_buf_dispose(&exe);
	return error;
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
		error = ais_error_set(AIS_EINVALID, AIS_ERROR_CONFIG,
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
		error = ais_error_set(AIS_EINVALID, AIS_ERROR_CONFIG,
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
	bool to_stdout, check, force, recreate;
} gen_opts;

static int generate(const gen_opts *g)
{
	ais_buf self = AIS_BUF_INIT, text = AIS_BUF_INIT, old = AIS_BUF_INIT,
		gpath = AIS_BUF_INIT, ppath = AIS_BUF_INIT, out_path = AIS_BUF_INIT,
		backup = AIS_BUF_INIT, gitwarn = AIS_BUF_INIT;
	ais_devcontainer_opts o = { 0 };
	ais_gitid git = AIS_GITID_INIT;
	ais_config *cfg = NULL;
	cJSON *gen = NULL, *existing = NULL, *merged = NULL;
	const char *user;
	struct passwd *pw = getpwuid(getuid());
	bool have_old = false, ours = false, descends = false, named;
	cli_context ctx;
	ais_chain *chain = &ctx.chain;
	int error, rc;

	if ((rc = cli_project_open(&ctx, g->dir)) != 0) {
		cli_context_close(&ctx);
		return rc;
	}
	rc = CLI_EXIT_FAILURE;
	user = cli_env("USER") ? cli_env("USER") : cli_env("USERNAME") ? cli_env("USERNAME")
				 : pw ? pw->pw_name : "";
	if ((error = ais_devcontainer_descends(&descends, chain)) < 0 ||
	    (error = ais_buf_printf(&gpath, "%s/config.yaml", chain->global_dir)) < 0 ||
	    (error = ais_buf_printf(&ppath, "%s/%s/config.yaml", ctx.project_dir,
				    chain->config_dir[0] ? chain->config_dir : ".aishell")) < 0 ||
	    (error = ais_config_load(&cfg, gpath.ptr, ppath.ptr, on_event, NULL)) < 0 ||
	    (error = ais_gitid_read(&git, ctx.project_dir, &gitwarn)) < 0 ||
	    (error = self_path(&self)) < 0)
		goto fail;
	if (gitwarn.size)
		cli_warn("%s", gitwarn.ptr);

	o.project_dir = ctx.project_dir;
	o.image = chain->has_ext ? chain->ext.tag : chain->base.tag;
	o.repo = ctx.repo;
	o.remote_user = descends;
	o.aishell_path = self.ptr;
	o.recreate_on_change = g->recreate;
	o.version = AIS_VERSION;
	o.home = ctx.home;
	o.user = user;
	o.uid = (unsigned long)getuid();
	o.gid = (unsigned long)getgid();
	o.git = &git;
	o.on_event = on_event;
	if ((error = ais_devcontainer_generate(&gen, &o, cfg)) < 0)
		goto fail;

	named = g->output && strcmp(g->output, "-") != 0;
	if (named)
		error = ais_buf_sets(&out_path, g->output);
	else
		error = ais_buf_printf(&out_path, "%s/.devcontainer/devcontainer.json",
				       ctx.project_dir);
	if (error < 0)
		goto fail;
	if (!named && !g->to_stdout &&
	    (error = check_default_output(ctx.project_dir, out_path.ptr)) < 0)
		goto fail;
	error = ais_buf_read_file(&old, out_path.ptr);
	if (error < 0 && error != AIS_ENOTFOUND)
		goto fail;
	have_old = error == 0;
	ais_error_clear();
	if (have_old) {
		error = ais_jsonc_parse(&existing, ais_buf_cstr(&old), old.size, out_path.ptr);
		if (error < 0 && g->to_stdout) {
			cli_warn("%s; printing a new file", ais_error_last()->message);
		} else if (error < 0) {
			cli_error("%s", ais_error_last()->message);
			cli_error("'%s' does not parse; it was not changed (fix it, or remove it to start afresh)",
				  out_path.ptr);
			goto done;
		} else if (!cJSON_IsObject(existing)) {
			cli_error("'%s' is not a JSON object; it was not changed", out_path.ptr);
			goto done;
		}
		ours = ais_devcontainer_is_ours(existing);
		if (!ours && !g->force && !g->to_stdout) {
			cli_error("'%s' was not generated by aishell; use --force to replace it (a backup is kept)",
				  out_path.ptr);
			goto done;
		}
	}
	if ((error = ais_devcontainer_merge(&merged, gen, ours ? existing : NULL)) < 0 ||
	    (error = ais_devcontainer_print(&text, merged)) < 0)
		goto fail;

	if (g->to_stdout) {
		fwrite(text.ptr, 1, text.size, stdout);
		rc = CLI_EXIT_OK;
		goto done;
	}
	if (have_old && old.size == text.size && !memcmp(old.ptr, text.ptr, text.size)) {
		cli_note("%s is up to date", out_path.ptr);
		rc = CLI_EXIT_OK;
		goto done;
	}
	if (g->check) {
		if (!have_old)
			cli_note("%s is missing; run 'aishell devcontainer generate'", out_path.ptr);
		else
			cli_note("%s is out of date; run 'aishell devcontainer generate'", out_path.ptr);
		rc = CLI_EXIT_STALE;
		goto done;
	}
	if (have_old && !ours) {
		if ((error = ais_devcontainer_backup(&backup, out_path.ptr, old.ptr, old.size)) < 0)
			goto fail;
		cli_note("saved the previous %s as %s", out_path.ptr, backup.ptr);
	}
	if ((error = ais_devcontainer_write_file(out_path.ptr, text.ptr, text.size,
						 named)) < 0)
		goto fail;
	cli_note("wrote %s (image %s)", out_path.ptr, o.image);
	rc = CLI_EXIT_OK;
	goto done;
fail:
	rc = cli_fail(error);
done:
	cJSON_Delete(gen);
	cJSON_Delete(existing);
	cJSON_Delete(merged);
	ais_config_free(cfg);
	ais_gitid_dispose(&git);
	ais_buf_dispose(&self);
	ais_buf_dispose(&text);
	ais_buf_dispose(&old);
	ais_buf_dispose(&gpath);
	ais_buf_dispose(&ppath);
	ais_buf_dispose(&out_path);
	ais_buf_dispose(&backup);
	ais_buf_dispose(&gitwarn);
	cli_context_close(&ctx);
	return rc;
}

bool cli_devcontainer_stale(const char *project_dir)
{
	gen_opts g = { .dir = project_dir, .check = true };
	ais_buf path = AIS_BUF_INIT, text = AIS_BUF_INIT;
	cJSON *json = NULL;
	int quiet = cli.quiet, rc = CLI_EXIT_OK;

	/* Only a file aishell generated; a missing or foreign one is the
	 * user's business, and saying so is `devcontainer generate`'s job. */
	if (ais_buf_printf(&path, "%s/.devcontainer/devcontainer.json", project_dir) < 0 ||
	    ais_buf_read_file(&text, path.ptr) < 0 ||
	    ais_jsonc_parse(&json, ais_buf_cstr(&text), text.size, path.ptr) < 0 ||
	    !ais_devcontainer_is_ours(json))
		goto done;
	cli.quiet = 1;
	rc = generate(&g);
	cli.quiet = quiet;
done:
	ais_error_clear();
	cJSON_Delete(json);
	ais_buf_dispose(&path);
	ais_buf_dispose(&text);
	return rc == CLI_EXIT_STALE;
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
	int opt;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
			  !strcmp(argv[1], "help"))) {
		fputs(devcontainer_usage, stdout);
		return CLI_EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "generate") != 0) {
		if (argc < 2)
			cli_error("devcontainer needs a subcommand");
		else
			cli_error("unknown devcontainer subcommand '%s'", argv[1]);
		fputs(devcontainer_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 0;
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
			g.recreate = true;
			break;
		case 'q':
			cli.quiet = 1;
			break;
		case 'h':
			fputs(devcontainer_usage, stdout);
			return CLI_EXIT_OK;
		default:
			fputs(devcontainer_usage, stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("devcontainer generate takes no arguments ('%s')", argv[optind]);
		fputs(devcontainer_usage, stderr);
		return CLI_EXIT_USAGE;
	}
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
