/*
 * cmd_hooks.c - `aishell hooks install|uninstall|status`.
 */
#include "cli.h"

#include "error.h"
#include "fsutil.h"
#include "hooks.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char hooks_usage[] =
	"usage: aishell hooks install [--mode warn|build|background|off] [--force]\n"
	"       aishell hooks uninstall\n"
	"       aishell hooks status\n"
	"\n"
	"Git hooks (post-checkout, post-merge, post-rewrite) that tell you, right\n"
	"after a checkout, pull or rebase, that the project's image is stale, and\n"
	"optionally rebuild it.  Run from any directory of a repository or one of\n"
	"its linked worktrees; hooks are shared by all worktrees.\n"
	"\n"
	"  install     write the hooks into the directory git runs them from\n"
	"              (<git common dir>/hooks, or core.hooksPath with --force).\n"
	"              An existing hook is moved to <name>.aishell-chained and\n"
	"              still runs first; idempotent\n"
	"  uninstall   remove aishell's hooks and put moved hooks back\n"
	"  status      where the hooks are, the mode, the binary they run, any\n"
	"              chained hook, and the last background build\n"
	"\n"
	"Run 'aishell hooks <command> --help' for its options.\n";

static const char install_usage[] =
	"usage: aishell hooks install [--mode warn|build|background|off] [--force]\n"
	"\n"
	"Install aishell's post-checkout, post-merge and post-rewrite hooks into\n"
	"<git common dir>/hooks.  A hook already there (git-lfs, say) is moved to\n"
	"<name>.aishell-chained and runs first with the same arguments and stdin;\n"
	"its exit status stays the hook's exit status.  Refuses when that name is\n"
	"taken.  The absolute path of this aishell is recorded in the hooks unless\n"
	"it lives inside a worktree of the repository.\n"
	"\n"
	"  --mode MODE  set git config aishell.hooks.mode in this repository:\n"
	"               warn (default: print what is stale), build (rebuild now),\n"
	"               background (rebuild detached), off\n"
	"  -f, --force  install even though core.hooksPath is set, into that\n"
	"               directory (core.hooksPath itself is never changed)\n"
	"  -h, --help   show this help\n";

static const char uninstall_usage[] =
	"usage: aishell hooks uninstall\n"
	"\n"
	"Remove aishell's hooks from the hooks directory (and from\n"
	"<git common dir>/hooks when core.hooksPath points elsewhere) and move\n"
	"each <name>.aishell-chained hook back to its name, byte for byte.\n"
	"Other hooks are left alone.  git config aishell.hooks.mode is kept.\n"
	"\n"
	"  -h, --help  show this help\n";

static const char status_usage[] =
	"usage: aishell hooks status\n"
	"\n"
	"Show the hooks directory and core.hooksPath, the mode, each hook (ours,\n"
	"someone else's, or absent; chained hooks), the aishell binary the hooks\n"
	"will run, and the result of the last background build for this worktree.\n"
	"\n"
	"  -h, --help  show this help\n";

/* Parse the options of a subcommand that only takes -h. */
static int no_options(int argc, char **argv, const char *usage)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char cmd[64];
	int opt;

	snprintf(cmd, sizeof(cmd), "hooks %s", argv[0]);
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(usage, stdout);
			return CLI_EXIT_OK;
		}
		return cli_bad_option(cmd, "h", argv);
	}
	if (optind < argc) {
		cli_error("'hooks %s' takes no arguments; see 'aishell %s --help'", argv[0], cmd);
		return CLI_EXIT_USAGE;
	}
	return -1;
}

static int open_repo(ais_hooks_repo **repo)
{
	int error;

	if ((error = ais_hooks_git_init()) < 0)
		return cli_fail(error);
	if ((error = ais_hooks_repo_open(repo, ".", cli_home())) < 0) {
		ais_hooks_git_shutdown();
		return cli_fail(error);
	}
	return 0;
}

static void close_repo(ais_hooks_repo *repo)
{
	ais_hooks_repo_close(repo);
	ais_hooks_git_shutdown();
}

/* The binary to record: this one, unless it lives inside a worktree of
 * the repository (it would vanish with it, and every worktree shares the
 * hooks). */
static void binary_to_record(char *out, size_t len, ais_hooks_repo *repo)
{
	ais_buf wt = AIS_BUF_INIT, self = AIS_BUF_INIT;
	const char *real;

	out[0] = '\0';
	if (ais_fs_self_exe(&self) < 0) {
		cli_warn("%s; the hooks will look for aishell on PATH",
			 ais_error_last()->message);
		return;
	}
	real = self.ptr;
	if (ais_hooks_repo_path_in_worktree(&wt, repo, real))
		cli_warn("not recording %s in the hooks: it lies inside the worktree %s; they will use $AISHELL_BIN or aishell on PATH",
			 real, ais_buf_cstr(&wt));
	else
		snprintf(out, len, "%s", real);
	ais_buf_dispose(&self);
	ais_buf_dispose(&wt);
}

static int hooks_install(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	ais_hooks_repo *repo;
	ais_hooks_mode mode = AIS_HOOKS_MODE_WARN;
	const char *mode_arg = NULL;
	char bin[4096];
	bool force = false;
	int opt, error, rc;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+m:fh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			mode_arg = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			fputs(install_usage, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option("hooks install", "m:fh", argv);
		}
	}
	if ((rc = cli_no_arguments("hooks install", "hooks install", argc, argv)) != 0)
		return rc;
	if (mode_arg && ais_hooks_mode_parse(&mode, mode_arg) < 0) {
		cli_error("%s", ais_error_last()->message);
		return CLI_EXIT_USAGE;
	}
	if ((rc = open_repo(&repo)) != 0)
		return rc;
	if (repo->hooks_path[0] && !force) {
		cli_error("core.hooksPath is set to '%s', so git runs hooks from %s, not %s; another tool probably manages hooks there",
			  repo->hooks_path, repo->hooks_dir, repo->default_dir);
		cli_note("aishell never changes core.hooksPath: install into that directory with 'aishell hooks install --force', or call 'aishell hook <name> ARGS' from the tool that owns it (README: pre-commit, lefthook)");
		rc = CLI_EXIT_FAILURE;
		goto done;
	}
	if (repo->hooks_path[0])
		cli_note("core.hooksPath is '%s': installing into %s (--force)",
			 repo->hooks_path, repo->hooks_dir);
	binary_to_record(bin, sizeof(bin), repo);
	cli_note("hooks directory: %s", repo->hooks_dir);
	if ((error = ais_hooks_install(repo->hooks_dir, bin[0] ? bin : NULL,
				       cli_on_event, NULL)) < 0) {
		rc = cli_fail(error);
		goto done;
	}
	if (mode_arg && (error = ais_hooks_repo_set_mode(repo, mode)) < 0) {
		rc = cli_fail(error);
		goto done;
	}
	if (repo->mode_set && !repo->mode_valid)
		cli_warn("aishell.hooks.mode is '%s', which is not a mode; the hooks use warn",
			 repo->mode_value);
	cli_note("mode: %s%s", ais_hooks_mode_name(repo->mode),
		 repo->mode_set ? "" : " (the default; set with --mode or git config aishell.hooks.mode)");
	if (bin[0])
		cli_note("the hooks run %s (AISHELL_BIN overrides it)", bin);
	rc = CLI_EXIT_OK;
done:
	close_repo(repo);
	return rc;
}

static int uninstall_dir(const char *dir)
{
	int error;

	cli_note("hooks directory: %s", dir);
	if ((error = ais_hooks_uninstall(dir, cli_on_event, NULL)) < 0)
		return cli_fail(error);
	return 0;
}

static bool has_ours(const char *dir)
{
	ais_hook_state st;
	size_t i;

	for (i = 0; i < AIS_HOOKS_COUNT; i++)
		if (ais_hooks_inspect(&st, dir, ais_hooks_names[i], NULL) == 0 &&
		    (st.kind == AIS_HOOK_OURS || st.chained))
			return true;
	ais_error_clear();
	return false;
}

static int hooks_uninstall(int argc, char **argv)
{
	ais_hooks_repo *repo;
	int rc;

	if ((rc = no_options(argc, argv, uninstall_usage)) >= 0)
		return rc;
	if ((rc = open_repo(&repo)) != 0)
		return rc;
	rc = uninstall_dir(repo->hooks_dir);
	if (rc == 0 && strcmp(repo->hooks_dir, repo->default_dir) != 0 &&
	    has_ours(repo->default_dir))
		rc = uninstall_dir(repo->default_dir);
	close_repo(repo);
	return rc;
}

/* Where `name` is on PATH (an absolute entry), or "". */
static void which(char *out, size_t len, const char *name)
{
	ais_buf path = AIS_BUF_INIT;

	if (ais_fs_which(&path, name, NULL) < 0)
		ais_error_clear();
	snprintf(out, len, "%s", ais_buf_cstr(&path));
	ais_buf_dispose(&path);
}

static const char *describe_hook(char *buf, size_t len, const ais_hook_state *st)
{
	const char *chained = st->chained
		? (st->chained_executable ? "; runs " : "; has a non-executable ")
		: "";

	switch (st->kind) {
	case AIS_HOOK_ABSENT:
		snprintf(buf, len, "not installed%s%s%s", chained,
			 st->chained ? st->name : "",
			 st->chained ? AIS_HOOKS_CHAINED_SUFFIX " (orphaned)" : "");
		break;
	case AIS_HOOK_OURS:
		snprintf(buf, len, "installed%s%s%s%s%s",
			 st->executable ? "" : " but NOT executable (git skips it)",
			 st->current || !st->executable ? "" : ", from another aishell version (re-run 'aishell hooks install')",
			 chained, st->chained ? st->name : "",
			 st->chained ? AIS_HOOKS_CHAINED_SUFFIX " first" : "");
		break;
	case AIS_HOOK_FOREIGN:
		snprintf(buf, len, "someone else's hook (aishell not installed)%s%s%s",
			 chained, st->chained ? st->name : "",
			 st->chained ? AIS_HOOKS_CHAINED_SUFFIX : "");
		break;
	}
	return buf;
}

static int hooks_status(int argc, char **argv)
{
	ais_hooks_repo *repo;
	ais_hook_state st;
	ais_hooks_bg bg;
	ais_hooks_bg_status bs;
	char line[8192], recorded[4096] = "", bin[4096], onpath[4096];
	const char *env_bin = getenv("AISHELL_BIN");
	char *real;
	size_t i;
	int rc, ours = 0;

	if ((rc = no_options(argc, argv, status_usage)) >= 0)
		return rc;
	if ((rc = open_repo(&repo)) != 0)
		return rc;
	binary_to_record(bin, sizeof(bin), repo);
	printf("worktree       %s\n", repo->workdir[0] ? repo->workdir : "(bare)");
	printf("hooks dir      %s\n", repo->hooks_dir);
	if (repo->hooks_path[0])
		printf("core.hooksPath %s\n", repo->hooks_path);
	else
		printf("core.hooksPath not set\n");
	if (!repo->mode_set)
		printf("mode           warn (default; git config aishell.hooks.mode)\n");
	else if (!repo->mode_valid)
		printf("mode           warn (aishell.hooks.mode '%s' is not a mode)\n",
		       repo->mode_value);
	else
		printf("mode           %s (aishell.hooks.mode)\n",
		       ais_hooks_mode_name(repo->mode));
	for (i = 0; i < AIS_HOOKS_COUNT; i++) {
		if (ais_hooks_inspect(&st, repo->hooks_dir, ais_hooks_names[i],
				      bin[0] ? bin : NULL) < 0) {
			printf("%-14s cannot read: %s\n", ais_hooks_names[i],
			       ais_error_last()->message);
			continue;
		}
		if (st.kind == AIS_HOOK_OURS) {
			ours++;
			if (!recorded[0])
				snprintf(recorded, sizeof(recorded), "%s", st.recorded);
		}
		printf("%-14s %s\n", ais_hooks_names[i],
		       describe_hook(line, sizeof(line), &st));
	}
	if (strcmp(repo->hooks_dir, repo->default_dir) != 0 &&
	    has_ours(repo->default_dir))
		printf("note           %s also has aishell hooks, which git ignores while core.hooksPath is set\n",
		       repo->default_dir);
	if (ours) {
		which(onpath, sizeof(onpath), "aishell");
		if (env_bin && *env_bin)
			printf("binary         %s (AISHELL_BIN)%s\n", env_bin,
			       access(env_bin, X_OK) == 0 ? "" : " -- not executable");
		else if (recorded[0])
			printf("binary         %s (recorded at install)%s\n", recorded,
			       access(recorded, X_OK) == 0 ? "" : " -- missing: the hooks fall back to PATH");
		if ((!env_bin || !*env_bin) &&
		    (!recorded[0] || access(recorded, X_OK) != 0))
			printf("binary         %s\n", onpath[0] ? onpath
			       : "none found: not recorded and not on PATH (the hooks print one line and do nothing)");
	}
	real = repo->workdir[0] ? realpath(repo->workdir, NULL) : NULL;
	if (real && cli_hooks_bg_for(&bg, real) == 0 &&
	    ais_hooks_bg_read(&bs, &bg) == 0) {
		if (bs.found) {
			time_t when = (time_t)bs.when;
			char stamp[64];

			strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S",
				 localtime(&when));
			printf("background     last build %s: %s (exit %d)%s\n",
			       stamp, bs.summary, bs.exit_code,
			       bs.running ? "; another is running now" : "");
			printf("background log %s\n", bg.log);
		} else if (bs.running) {
			printf("background     running now (log: %s)\n", bg.log);
		} else {
			printf("background     no background build yet for this worktree\n");
		}
	}
	free(real);
	close_repo(repo);
	return CLI_EXIT_OK;
}

int cmd_hooks(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub) {
		cli_error("hooks needs a subcommand (install, uninstall, status); see 'aishell hooks --help'");
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
		fputs(hooks_usage, stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(sub, "install"))
		return hooks_install(argc - 1, argv + 1);
	if (!strcmp(sub, "uninstall"))
		return hooks_uninstall(argc - 1, argv + 1);
	if (!strcmp(sub, "status"))
		return hooks_status(argc - 1, argv + 1);
	cli_error("unknown hooks command '%s'; see 'aishell hooks --help'", sub);
	return CLI_EXIT_USAGE;
}
