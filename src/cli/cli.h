/*
 * cli.h - shared pieces of the aishell command-line tool.
 *
 * Adding a command: write src/cli/cmd_<name>.c with cmd_<name>(argc, argv)
 * and its usage text, add it to the table in main.c and to `aishell help`,
 * document it in README.md, and add tests.
 */
#ifndef CLI_H
#define CLI_H

#include "chain.h"
#include "dcstate.h"
#include "docker.h"
#include "endpoint.h"
#include "event.h"
#include "hooks.h"

#include <signal.h>
#include <stdbool.h>

/* Exit codes, mirrored in README.md and `aishell help`. */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_UNREACHABLE = 3,
	CLI_EXIT_STALE = 4,
	CLI_EXIT_INTERRUPTED = 130 /* 128 + the signal: 130 SIGINT, 143 SIGTERM */
};

typedef struct {
	int quiet;       /* -q: errors only */
	int verbose;     /* -v: full build log */
	bool tty;        /* stderr is a terminal: live progress line */
	bool color;      /* colour the error/warning prefixes (a terminal, no NO_COLOR) */
	bool line_open;  /* a live progress line is on screen */
} cli_global;

extern cli_global cli;
/* The signal (SIGINT, SIGTERM, SIGHUP) that asked us to stop, or 0. */
extern volatile sig_atomic_t cli_interrupted;

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* For getopt_long's '?' (with opterr = 0): one line naming the option
 * (unknown, or lacking its value) and "see 'aishell CMD --help'".
 * Returns CLI_EXIT_USAGE. */
int cli_bad_option(const char *cmd, const char *shortopts, char **argv);

/* Run the command `name` (argv[0] is its name); -1 when there is none. */
/* After getopt: CLI_EXIT_USAGE, having said so, when operands are left
 * ("<cmd> takes no arguments ('x'); see 'aishell <help> --help'"), else 0. */
int cli_no_arguments(const char *cmd, const char *help, int argc, char **argv);

int cli_dispatch(const char *name, int argc, char **argv);

/* Print the library's last error and map `error` to an exit code. */
int cli_fail(int error);

/* The exit code for `error`, printing nothing. */
int cli_exit_code(int error);

/* The library's last error message, with the setting to change when a
 * time limit ended the request (valid until the next call). */
const char *cli_error_text(void);

/* Whether `repo` is usable as the image repository (AISHELL_IMAGE_REPO). */
bool cli_valid_repo(const char *repo);

/* getenv(), with an empty value read as unset. */
const char *cli_env(const char *name);

/* Everything a chain command needs: resolved from the environment and -C. */
typedef struct {
	char project_dir[4096];
	bool project_elsewhere; /* project_dir is not the current directory */
	char home[4096];
	char state_dir[4096];  /* $XDG_STATE_HOME/aishell or ~/.local/state/aishell */
	char lock_dir[4096 + 16];
	char cache_dir[4096];
	const char *repo;
	ais_endpoint endpoint;
	ais_docker *docker;
	ais_chain *chain;      /* NULL until the project is opened */
	ais_registry *registry; /* the image cache, NULL when none is set */
} cli_context;

#define CLI_OPEN_FORCE 0x1u /* the chain rebuilds without cache */
#define CLI_OPEN_QUIET 0x2u /* print nothing: the why is cli_error_text() */
/* Do not connect yet: the command's next step is ais_chain_check() or
 * ais_chain_ensure(), which connects on a second thread while it walks the
 * build contexts and reports a failure to connect first, as the opening
 * would have. */
#define CLI_OPEN_CONNECT_LATER 0x4u

/* Resolve the project (from `dir`, or the cwd), repository, home, lock
 * directory and engine endpoint, connect (unless CONNECT_LATER), and
 * initialise the chain.  Returns an exit code (0 on success), having said
 * why unless QUIET.  Close the context either way. */
int cli_context_open(cli_context *ctx, const char *dir, unsigned flags);
void cli_context_close(cli_context *ctx);

/* The repository, directories, project and chain, without the engine
 * (devcontainer generate).  Returns an exit code, having printed why. */
int cli_project_open(cli_context *ctx, const char *dir);

/* Only the repository, directories and engine connection, for commands
 * that are not about one project (prune).  Returns an exit code. */
int cli_engine_open(cli_context *ctx);

/* $HOME, else the password database's home; NULL when neither. */
const char *cli_home(void);

/* The user's state dir: $XDG_STATE_HOME/aishell, else
 * <home>/.local/state/aishell. */
void cli_state_dir(char *out, size_t len, const char *home);

/* The background-build files of the project at `project_dir` (physical
 * path) in the user's state dir (cmd_hook.c). */
int cli_hooks_bg_for(ais_hooks_bg *bg, const char *project_dir);

/* One verdict line, the same in status, ensure --check and the hooks:
 * "<tag> is stale: <reason>" ("missing", ...). */
int cli_verdict(ais_buf *out, const ais_tier *t);

/* "aishell <cmd>", with " -C <project>" (quoted for sh when needed) when
 * the project is not the current directory, or `always`. */
int cli_fix_command(ais_buf *out, const cli_context *ctx, const char *cmd,
		    bool always);

/* "the background build of <time> failed (exit N): <summary>; log: <path>" */
int cli_background_line(ais_buf *out, const ais_hooks_bg_status *st,
			const ais_hooks_bg *bg);

/* Unset git's repository-local variables (ais_hooks_git_env), so that
 * nothing `aishell hook` starts sees the git command's repository. */
void cli_scrub_git_env(void);

/* Render library events on stderr according to cli. */
void cli_on_event(const ais_event *ev, void *payload);

/* Render the events of devcontainer/ (config.yaml's notes and warnings):
 * warnings, and notes ("note: ...") unless `payload` is CLI_EVENTS_QUIET. */
#define CLI_EVENTS_QUIET ((void *)1)
void cli_on_config_event(const ais_event *ev, void *payload);

/* Clear the live progress line, if any. */
void cli_progress_end(void);

/* The builder the next build will use: "buildkit" or "legacy". */
const char *cli_builder_name(const cli_context *ctx);

/* JSON description of the chain (each image's state, reason and origin)
 * and, when `dc` is given, of the dev container, printed on stdout. */
int cli_print_chain_json(const cli_context *ctx, bool ensured,
			 const ais_devcontainer_state *dc);

/* The registry setting: AISHELL_REGISTRY, else 'registry:' in the
 * project's config.yaml, else in ~/.aishell/config.yaml ("none" turns it
 * off).  Sets ctx->registry and the chain's (cmd_push.c). */
int cli_registry_open(cli_context *ctx, bool *usage);

/* After ensure: push the chain's built tiers (and with `foundation` the
 * foundation) to the registry.  Returns an exit code (cmd_push.c). */
int cli_registry_push(cli_context *ctx, bool foundation);

/* status: one line saying where each image came from (cmd_push.c). */
void cli_print_origins(const cli_context *ctx);

int cmd_ensure(int argc, char **argv);
int cmd_push(int argc, char **argv); /* ensure --push, and the foundation */
int cmd_status(int argc, char **argv);
int cmd_prune(int argc, char **argv);
int cmd_devcontainer(int argc, char **argv);

int cmd_hooks(int argc, char **argv);
int cmd_hook(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);

#endif
