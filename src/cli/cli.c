#include "cli.h"

#include "error.h"
#include "registry.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <limits.h>
#include <unistd.h>

cli_global cli;
volatile sig_atomic_t cli_interrupted;

/* Write all of `len` bytes to stderr: one write() unless the pipe takes
 * less at once. */
static void write_stderr(const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(STDERR_FILENO, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

/* One message line: "aishell: <prefix><text>\n", formatted first and
 * written with one write(), so that logs that timestamp each write (the
 * devcontainer CLI's, VS Code's) show it whole.  A live progress line is
 * cleared in the same write.  `color` is an SGR colour for the prefix when
 * colour is on ("31" red). */
static void cli_vprint(const char *prefix, const char *color, const char *fmt,
		       va_list ap) __attribute__((format(printf, 3, 0)));

static void cli_vprint(const char *prefix, const char *color, const char *fmt,
		       va_list ap)
{
	char small[1024], *line = small;
	int head, n;
	va_list copy;

	fflush(stderr);
	head = snprintf(small, sizeof(small), "%saishell: ",
			cli.line_open ? "\r\033[K" : "");
	cli.line_open = false;
	if (cli.color && color && *prefix)
		head += snprintf(small + head, sizeof(small) - (size_t)head,
				 "\033[%sm%s\033[0m", color, prefix);
	else
		head += snprintf(small + head, sizeof(small) - (size_t)head, "%s", prefix);
	va_copy(copy, ap);
	n = vsnprintf(small + head, sizeof(small) - (size_t)head, fmt, copy);
	va_end(copy);
	if (n < 0)
		n = 0;
	if ((size_t)head + (size_t)n + 2 > sizeof(small)) {
		line = malloc((size_t)head + (size_t)n + 2);
		if (!line) {
			line = small;
			n = (int)(sizeof(small) - (size_t)head - 2);
		} else {
			memcpy(line, small, (size_t)head);
			vsnprintf(line + head, (size_t)n + 1, fmt, ap);
		}
	}
	line[head + n] = '\n';
	write_stderr(line, (size_t)head + (size_t)n + 1);
	if (line != small)
		free(line);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vprint("error: ", "1;31", fmt, ap);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	if (cli.quiet)
		return;
	va_start(ap, fmt);
	cli_vprint("warning: ", "33", fmt, ap);
	va_end(ap);
}

void cli_note(const char *fmt, ...)
{
	va_list ap;

	if (cli.quiet)
		return;
	va_start(ap, fmt);
	cli_vprint("", NULL, fmt, ap);
	va_end(ap);
}

const char *cli_error_text(void)
{
	static char text[sizeof(ais_error_last()->message) + 64];
	const char *msg = ais_error_last()->message, *hint = "";

	switch (ais_docker_last_timeout()) {
	case AIS_DOCKER_TIMEOUT_REQUEST:
		hint = " (see AISHELL_CONNECT_TIMEOUT and AISHELL_TIMEOUT)";
		break;
	case AIS_DOCKER_TIMEOUT_BUILD:
		hint = " (see AISHELL_BUILD_TIMEOUT)";
		break;
	case AIS_DOCKER_TIMEOUT_NONE:
		break;
	}
	snprintf(text, sizeof(text), "%s%s", msg[0] ? msg : "unknown error", hint);
	return text;
}

int cli_no_arguments(const char *cmd, const char *help, int argc, char **argv)
{
	if (optind >= argc)
		return 0;
	cli_error("%s takes no arguments ('%s'); see 'aishell %s --help'", cmd,
		  argv[optind], help);
	return CLI_EXIT_USAGE;
}

int cli_bad_option(const char *cmd, const char *shortopts, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	const char *eq = !strncmp(arg, "--", 2) ? strchr(arg, '=') : NULL;

	if (optopt && eq)
		cli_error("option '%.*s' takes no value; see 'aishell %s --help'",
			  (int)(eq - arg), arg, cmd);
	else if (optopt && (!strncmp(arg, "--", 2) || strchr(shortopts, optopt)))
		cli_error("option '%s' needs a value; see 'aishell %s --help'",
			  !strncmp(arg, "--", 2) ? arg : (char[]){ '-', (char)optopt, 0 }, cmd);
	else if (optopt && strncmp(arg, "--", 2) != 0)
		cli_error("unknown option '-%c'; see 'aishell %s --help'", optopt, cmd);
	else
		cli_error("unknown option '%s'; see 'aishell %s --help'", arg, cmd);
	return CLI_EXIT_USAGE;
}

int cli_exit_code(int error)
{
	if (error == AIS_EINTERRUPTED || cli_interrupted)
		return 128 + (cli_interrupted ? (int)cli_interrupted : SIGINT);
	return error == AIS_EUNAVAILABLE ? CLI_EXIT_UNREACHABLE : CLI_EXIT_FAILURE;
}

int cli_fail(int error)
{
	if (error == AIS_EINTERRUPTED || cli_interrupted)
		cli_error("interrupted; no tag was moved");
	else
		cli_error("%s", cli_error_text());
	return cli_exit_code(error);
}

/* ---- progress -------------------------------------------------------- */

static struct {
	char tag[512];
	char step[512];
	int n, m;
	unsigned long long sent;
	bool transfer;        /* a pull or push, not a build */
	struct timespec started;
} progress;

static double elapsed(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - progress.started.tv_sec) +
	       (double)(now.tv_nsec - progress.started.tv_nsec) / 1e9;
}

void cli_progress_end(void)
{
	if (cli.line_open) {
		fputs("\r\033[K", stderr);
		cli.line_open = false;
	}
}

static int terminal_columns(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		return ws.ws_col;
	return 80;
}

/* One live line: "aishell: <tag> [n/m] <step> | 1.2 MB sent | 3s", cut to
 * the terminal's width so that '\r' can redraw it. */
static void progress_draw(void)
{
	char line[1024];
	int cols, n;

	if (!cli.tty || cli.quiet || cli.verbose)
		return;
	if (progress.transfer) /* the image last: the line is cut at the end */
		n = snprintf(line, sizeof(line), "aishell: %s | %.0fs | %s",
			     progress.step, elapsed(), progress.tag);
	else if (progress.step[0] && progress.m)
		n = snprintf(line, sizeof(line), "aishell: %s [%d/%d] %s | %.1f MB sent | %.0fs",
			     progress.tag, progress.n, progress.m, progress.step,
			     (double)progress.sent / 1e6, elapsed());
	else if (progress.step[0])
		n = snprintf(line, sizeof(line), "aishell: %s %s | %.1f MB sent | %.0fs",
			     progress.tag, progress.step,
			     (double)progress.sent / 1e6, elapsed());
	else
		n = snprintf(line, sizeof(line), "aishell: %s sending context | %.1f MB sent | %.0fs",
			     progress.tag, (double)progress.sent / 1e6, elapsed());
	cols = terminal_columns() - 1;
	if (n > cols && cols > 3) {
		line[cols - 3] = '.';
		line[cols - 2] = '.';
		line[cols - 1] = '.';
		line[cols] = '\0';
	}
	fprintf(stderr, "\r\033[K%s", line);
	cli.line_open = true;
}

void cli_on_config_event(const ais_event *ev, void *payload)
{
	if (ev->type == AIS_EVENT_WARN)
		cli_warn("%s", ev->text);
	else if (ev->type == AIS_EVENT_NOTE && payload != CLI_EVENTS_QUIET)
		cli_note("note: %s", ev->text);
}

void cli_on_event(const ais_event *ev, void *payload)
{
	(void)payload;
	switch (ev->type) {
	case AIS_EVENT_NOTE:
		cli_note("%s", ev->text);
		break;
	case AIS_EVENT_WARN:
		if (ev->tag)
			cli_warn("%s: %s", ev->tag, ev->text);
		else
			cli_warn("%s", ev->text);
		break;
	case AIS_EVENT_WAIT:
		cli_note("%s: %s", ev->tag, ev->text);
		break;
	case AIS_EVENT_BUILD_START:
		snprintf(progress.tag, sizeof(progress.tag), "%s", ev->tag);
		progress.step[0] = '\0';
		progress.sent = 0;
		progress.transfer = false;
		clock_gettime(CLOCK_MONOTONIC, &progress.started);
		if (ev->text && ev->text[0])
			cli_note("building %s (%s)", ev->tag, ev->text);
		else
			cli_note("building %s", ev->tag);
		break;
	case AIS_EVENT_BUILD_STEP:
		{
			/* "Step 2/5 : RUN x" (legacy) or "[2/5] RUN x" (BuildKit) */
			const char *text = strstr(ev->text, " : ");

			if (!text && ev->steps && ev->text[0] == '[')
				text = strstr(ev->text, "] ") ? strstr(ev->text, "] ") - 1 : NULL;
			snprintf(progress.step, sizeof(progress.step), "%s",
				 text ? text + 3 : ev->text);
			progress.n = ev->step;
			progress.m = ev->steps;
		}
		if (cli.tty && !cli.verbose)
			progress_draw();
		else if (!cli.quiet)
			cli_note("%s: %s", ev->tag, ev->text);
		break;
	case AIS_EVENT_BUILD_LINE:
		if (cli.verbose && !cli.quiet) {
			cli_progress_end();
			fprintf(stderr, "%s\n", ev->text);
		}
		break;
	case AIS_EVENT_BUILD_SENT:
		progress.sent = ev->bytes;
		progress_draw();
		break;
	case AIS_EVENT_BUILD_DONE:
		cli_note("built %s (%.12s, %.1fs)", ev->tag,
			 ev->text && strlen(ev->text) > 7 ? ev->text + 7 : "",
			 elapsed());
		break;
	case AIS_EVENT_TRANSFER_START:
		snprintf(progress.tag, sizeof(progress.tag), "%s", ev->tag);
		snprintf(progress.step, sizeof(progress.step), "%s", ev->text);
		progress.transfer = true;
		clock_gettime(CLOCK_MONOTONIC, &progress.started);
		if (cli.tty && !cli.verbose)
			progress_draw();
		else
			cli_note("%s %s", ev->text, ev->tag);
		break;
	case AIS_EVENT_TRANSFER_STEP:
		snprintf(progress.step, sizeof(progress.step), "%s", ev->text);
		if (cli.tty && !cli.verbose)
			progress_draw();
		else if (!ev->step || cli.verbose)
			cli_note("%s: %s", ev->tag, ev->text);
		break;
	case AIS_EVENT_TRANSFER_DONE:
		cli_progress_end();
		break;
	}
}

/* ---- context --------------------------------------------------------- */

const char *cli_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* Docker reference rules for the repository part, kept simple: lowercase
 * letters, digits and the separators . _ - / (and a registry host:port). */
bool cli_valid_repo(const char *repo)
{
	const char *p;

	if (!*repo || strlen(repo) > 200)
		return false;
	for (p = repo; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
		      strchr("._-/:", *p)))
			return false;
	return isalnum((unsigned char)repo[0]) &&
	       isalnum((unsigned char)repo[strlen(repo) - 1]);
}

const char *cli_home(void)
{
	const char *home = cli_env("HOME");

	if (!home) {
		struct passwd *pw = getpwuid(getuid());

		home = pw ? pw->pw_dir : NULL;
	}
	return home;
}

void cli_state_dir(char *out, size_t len, const char *home)
{
	const char *state = cli_env("XDG_STATE_HOME");

	if (state)
		snprintf(out, len, "%s/aishell", state);
	else
		snprintf(out, len, "%s/.local/state/aishell", home ? home : "");
}

/*
 * Setting up a command's context never prints: each step returns a library
 * error code, and sets *usage when the failure is the caller's input (an
 * environment variable or -C directory), so that `aishell hook` can stay
 * quiet and the other commands can report with the right exit code.
 */

/* Repository, home and the state, lock and cache directories. */
static int context_common(cli_context *ctx, bool *usage)
{
	const char *home;

	memset(ctx, 0, sizeof(*ctx));
	ctx->repo = cli_env("AISHELL_IMAGE_REPO") ? cli_env("AISHELL_IMAGE_REPO") : "aishell";
	if (!cli_valid_repo(ctx->repo)) {
		*usage = true;
		return ais_error_set(AIS_EINVALID,
				     "AISHELL_IMAGE_REPO '%s' is not a valid image repository name (lowercase letters, digits, '.', '_', '-', '/')",
				     ctx->repo);
	}
	home = cli_home();
	if (!home)
		return ais_error_set(AIS_ERROR,
				     "cannot find the home directory: HOME is not set");
	snprintf(ctx->home, sizeof(ctx->home), "%s", home);
	cli_state_dir(ctx->state_dir, sizeof(ctx->state_dir), home);
	snprintf(ctx->lock_dir, sizeof(ctx->lock_dir), "%s/locks", ctx->state_dir);
	if (cli_env("XDG_CACHE_HOME"))
		snprintf(ctx->cache_dir, sizeof(ctx->cache_dir), "%s/aishell",
			 cli_env("XDG_CACHE_HOME"));
	else
		snprintf(ctx->cache_dir, sizeof(ctx->cache_dir), "%s/.cache/aishell",
			 home);
	return 0;
}

/* A timeout in whole seconds from the environment (0: none). */
static int env_seconds(long *out, const char *name, bool *usage)
{
	const char *v = cli_env(name);
	char *end;
	long n;

	if (!v)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < 0 || n > 86400 * 7) {
		*usage = true;
		return ais_error_set(AIS_EINVALID,
				     "%s is '%s'; use a whole number of seconds (0 for none)",
				     name, v);
	}
	*out = n;
	return 0;
}

/* Resolve the endpoint and connect (later: at the first request). */
static int context_engine(cli_context *ctx, bool later, bool *usage)
{
	ais_endpoint_env ee = { 0 };
	ais_docker_timeouts timeouts = AIS_DOCKER_TIMEOUTS_INIT;
	int error;

	if ((error = env_seconds(&timeouts.connect, "AISHELL_CONNECT_TIMEOUT", usage)) < 0 ||
	    (error = env_seconds(&timeouts.idle, "AISHELL_TIMEOUT", usage)) < 0 ||
	    (error = env_seconds(&timeouts.build_idle, "AISHELL_BUILD_TIMEOUT", usage)) < 0)
		return error;
	ee.docker_host = cli_env("DOCKER_HOST");
	ee.docker_context = cli_env("DOCKER_CONTEXT");
	ee.docker_tls_verify = cli_env("DOCKER_TLS_VERIFY");
	ee.docker_cert_path = cli_env("DOCKER_CERT_PATH");
	ee.docker_config = cli_env("DOCKER_CONFIG");
	ee.home = ctx->home;
	if ((error = ais_endpoint_resolve(&ctx->endpoint, &ee)) < 0)
		return error;
	if (later)
		error = ais_docker_new(&ctx->docker, &ctx->endpoint, &timeouts);
	else
		error = ais_docker_open_with(&ctx->docker, &ctx->endpoint, &timeouts);
	if (error < 0)
		return error;
	ais_docker_set_cancel(ctx->docker, &cli_interrupted);
	return 0;
}

static bool has_entry(const char *dir, const char *name, bool want_dir)
{
	char path[PATH_MAX];
	struct stat st;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return false;
	if (stat(path, &st) < 0)
		return false;
	return !want_dir || S_ISDIR(st.st_mode);
}

/* The project of a command run without -C: the nearest directory from
 * `cwd` upward that holds .aishell/ or .sandbox/, never above the root of
 * the git worktree `cwd` lies in; the home directory only when it is
 * `cwd` (its .aishell/ is the global one).  Outside a git worktree, and
 * when none is found, `cwd` itself. */
static void discover_project(char *out, size_t len, const char *cwd,
			     const char *home)
{
	char dir[PATH_MAX], top[PATH_MAX], *slash;

	snprintf(out, len, "%s", cwd);
	/* The worktree root: the nearest directory with a .git entry. */
	snprintf(top, sizeof(top), "%s", cwd);
	while (!has_entry(top, ".git", false)) {
		slash = strrchr(top, '/');
		if (!slash || slash == top)
			return;
		*slash = '\0';
	}
	snprintf(dir, sizeof(dir), "%s", cwd);
	for (;;) {
		if ((!home || strcmp(dir, home) != 0 || !strcmp(dir, cwd)) &&
		    (has_entry(dir, ".aishell", true) ||
		     has_entry(dir, ".sandbox", true))) {
			snprintf(out, len, "%s", dir);
			return;
		}
		if (!strcmp(dir, top))
			return;
		slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			return;
		*slash = '\0';
	}
}

/* Repository, directories, project directory and chain: all but the
 * engine. */
static int context_project(cli_context *ctx, const char *dir, bool force,
			   ais_builder builder, ais_transfer transfer, bool *usage)
{
	ais_chain_opts opts = { 0 };
	char *real;
	int error;

	if ((error = context_common(ctx, usage)) < 0)
		return error;
	real = realpath(dir ? dir : ".", NULL);
	if (!real) {
		*usage = dir != NULL;
		return ais_error_set_os(AIS_EINVALID, errno,
					"cannot use project directory '%s'",
					dir ? dir : ".");
	}
	if (dir) {
		char *cwd = realpath(".", NULL);

		snprintf(ctx->project_dir, sizeof(ctx->project_dir), "%s", real);
		ctx->project_elsewhere = !cwd || strcmp(cwd, real) != 0;
		free(cwd);
	} else {
		discover_project(ctx->project_dir, sizeof(ctx->project_dir), real,
				 ctx->home);
		ctx->project_elsewhere = strcmp(ctx->project_dir, real) != 0;
	}
	free(real);

	opts.repo = ctx->repo;
	opts.project_dir = ctx->project_dir;
	opts.home = ctx->home;
	opts.lock_dir = ctx->lock_dir;
	opts.state_dir = ctx->state_dir;
	opts.cache_dir = ctx->cache_dir;
	opts.force = force;
	opts.builder = builder;
	opts.transfer = transfer;
	opts.on_event = cli_on_event;
	opts.cancel = &cli_interrupted;
	if ((error = ais_chain_new(&ctx->chain, &opts)) < 0)
		return error;
	return cli_registry_open(ctx, usage);
}

static int context_open(cli_context *ctx, const char *dir, unsigned flags,
			bool *usage)
{
	ais_builder builder = AIS_BUILDER_AUTO;
	ais_transfer transfer = AIS_TRANSFER_AUTO;
	const char *b = cli_env("AISHELL_BUILDER");
	const char *t = cli_env("AISHELL_CONTEXT_TRANSFER");
	int error;

	/* Zeroed before the first check: the caller closes it on failure. */
	memset(ctx, 0, sizeof(*ctx));
	if (b && !strcmp(b, "buildkit")) {
		builder = AIS_BUILDER_BUILDKIT;
	} else if (b && !strcmp(b, "legacy")) {
		builder = AIS_BUILDER_LEGACY;
	} else if (b && strcmp(b, "auto") != 0) {
		*usage = true;
		return ais_error_set(AIS_EINVALID,
				     "AISHELL_BUILDER is '%s'; use buildkit, legacy or auto", b);
	}
	if (t && !strcmp(t, "session")) {
		transfer = AIS_TRANSFER_SESSION;
	} else if (t && !strcmp(t, "tar")) {
		transfer = AIS_TRANSFER_TAR;
	} else if (t && strcmp(t, "auto") != 0) {
		*usage = true;
		return ais_error_set(AIS_EINVALID,
				     "AISHELL_CONTEXT_TRANSFER is '%s'; use session, tar or auto", t);
	}
	if ((error = context_project(ctx, dir, flags & CLI_OPEN_FORCE, builder,
				     transfer, usage)) < 0 ||
	    (error = context_engine(ctx, flags & CLI_OPEN_CONNECT_LATER, usage)) < 0)
		return error;
	if (builder != AIS_BUILDER_BUILDKIT)
		return 0;
	/* Which engine it is, the connection says. */
	if ((error = ais_docker_connect(ctx->docker)) < 0)
		return error;
	if (ais_docker_is_podman(ctx->docker)) {
		*usage = true;
		return ais_error_set(AIS_EINVALID,
				     "AISHELL_BUILDER is 'buildkit', but the engine at %s is podman, which builds with buildah, not BuildKit; use legacy or auto",
				     ctx->endpoint.host);
	}
	return 0;
}

/* The exit code for a setup failure, printed unless `quiet`. */
static int context_report(int error, bool usage, bool quiet)
{
	if (error == 0)
		return 0;
	if (usage) {
		if (!quiet)
			cli_error("%s", ais_error_last()->message);
		return CLI_EXIT_USAGE;
	}
	return quiet ? cli_exit_code(error) : cli_fail(error);
}

/* Say which project a command without -C found above the cwd. */
static void note_project(const cli_context *ctx, const char *dir)
{
	const char *config_dir = ais_chain_config_dir(ctx->chain);

	if (!dir && ctx->project_elsewhere)
		cli_note("project %s (the nearest directory above the current one with %s/)",
			 ctx->project_dir, config_dir ? config_dir : ".aishell");
}

int cli_context_open(cli_context *ctx, const char *dir, unsigned flags)
{
	bool usage = false, quiet = flags & CLI_OPEN_QUIET;
	int error = context_open(ctx, dir, flags, &usage);

	if (error == 0 && !quiet)
		note_project(ctx, dir);
	return context_report(error, usage, quiet);
}

int cli_project_open(cli_context *ctx, const char *dir)
{
	bool usage = false;
	int error = context_project(ctx, dir, false, AIS_BUILDER_AUTO,
				    AIS_TRANSFER_AUTO, &usage);

	if (error == 0)
		note_project(ctx, dir);
	return context_report(error, usage, false);
}

int cli_engine_open(cli_context *ctx)
{
	bool usage = false;
	int error = context_common(ctx, &usage);

	if (error == 0)
		error = context_engine(ctx, false, &usage);
	return context_report(error, usage, false);
}

void cli_context_close(cli_context *ctx)
{
	ais_docker_free(ctx->docker);
	ctx->docker = NULL;
	ais_registry_free(ctx->registry);
	ctx->registry = NULL;
	ais_endpoint_dispose(&ctx->endpoint);
	ais_chain_free(ctx->chain);
	ctx->chain = NULL;
}

const char *cli_builder_name(const cli_context *ctx)
{
	switch (ais_chain_options(ctx->chain)->builder) {
	case AIS_BUILDER_LEGACY:
		return "legacy";
	case AIS_BUILDER_BUILDKIT:
		return "buildkit";
	case AIS_BUILDER_AUTO:
		break;
	}
	return ais_docker_buildkit_supported(ctx->docker) ? "buildkit" : "legacy";
}

/* ---- verdicts ---------------------------------------------------------- */

int cli_verdict(ais_buf *out, const ais_tier *t)
{
	return ais_buf_printf(out, "%s is %s%s%s", t->tag, ais_state_name(t->state),
			      t->reason[0] ? ": " : "", t->reason);
}

static bool sh_plain(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("/._-+:@%,=", *s))
			return false;
	return true;
}

int cli_fix_command(ais_buf *out, const cli_context *ctx, const char *cmd,
		    bool always)
{
	int error = ais_buf_printf(out, "aishell %s", cmd);

	if (error < 0 || !(always || ctx->project_elsewhere))
		return error;
	if (sh_plain(ctx->project_dir))
		return ais_buf_printf(out, " -C %s", ctx->project_dir);
	if ((error = ais_buf_puts(out, " -C ")) < 0)
		return error;
	return ais_hooks_sh_quote(out, ctx->project_dir);
}

int cli_background_line(ais_buf *out, const ais_hooks_bg_status *st,
			const ais_hooks_bg *bg)
{
	const char *summary = st->summary;
	char when[64];
	time_t t = (time_t)st->when;
	struct tm tm;

	if (!localtime_r(&t, &tm) ||
	    !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(when, sizeof(when), "%lld", st->when);
	if (!strncmp(summary, "failed: ", 8))
		summary += 8;
	return ais_buf_printf(out, "the background build of %s %s (exit %d): %s; log: %s",
			      when, st->exit_code ? "failed" : "succeeded",
			      st->exit_code, summary, bg->log);
}

/* ---- JSON ------------------------------------------------------------ */

static cJSON *tier_json(const ais_tier *t, const char *name, bool ensured)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "tier", name);
	cJSON_AddStringToObject(o, "tag", t->tag);
	if (t->id[0])
		cJSON_AddStringToObject(o, "id", t->id);
	else
		cJSON_AddNullToObject(o, "id");
	cJSON_AddStringToObject(o, "state", t->state == AIS_STATE_FRESH
					  ? "fresh" : ais_state_name(t->state));
	if (t->reason[0])
		cJSON_AddStringToObject(o, "reason", t->reason);
	if (t->label[0]) {
		cJSON_AddStringToObject(o, "label", t->label);
		if (t->have[0])
			cJSON_AddStringToObject(o, "have", t->have);
		else
			cJSON_AddNullToObject(o, "have");
		cJSON_AddStringToObject(o, "want", t->want);
	}
	if (t->builder[0])
		cJSON_AddStringToObject(o, "builder", t->builder);
	if (ensured) {
		cJSON_AddStringToObject(o, "action", ais_action_name(t->action));
		if (t->old_id[0])
			cJSON_AddStringToObject(o, "previous_id", t->old_id);
	}
	return o;
}

/* The dev container part of status --json. */
static cJSON *devcontainer_json(const ais_devcontainer_state *dc)
{
	static const char *const file_states[] = { "none", "foreign", "current",
						   "outdated" };
	cJSON *o = cJSON_CreateObject(), *list;
	size_t i;

	cJSON_AddStringToObject(o, "file", ais_buf_cstr(&dc->render.path));
	cJSON_AddStringToObject(o, "state", file_states[dc->file]);
	if (dc->file == AIS_DCFILE_OUTDATED || dc->file == AIS_DCFILE_FOREIGN)
		cJSON_AddStringToObject(o, "reason", dc->file_reason);
	cJSON_AddBoolToObject(o, "outdated", ais_devcontainer_verdicts(NULL, dc) > 0);
	list = cJSON_AddArrayToObject(o, "containers");
	for (i = 0; i < dc->container_count; i++) {
		const ais_wscontainer *c = &dc->containers[i];
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "name", c->name);
		cJSON_AddStringToObject(e, "id", c->id);
		cJSON_AddStringToObject(e, "image", c->image);
		cJSON_AddStringToObject(e, "state", c->stale ? "outdated" : "fresh");
		if (c->stale)
			cJSON_AddStringToObject(e, "reason", c->reason);
		cJSON_AddItemToArray(list, e);
	}
	return o;
}

int cli_print_chain_json(const cli_context *ctx, bool ensured,
			 const ais_devcontainer_state *dc)
{
	static const char *const names[AIS_TIER_COUNT] = { "foundation", "base",
							   "ext" };
	const ais_chain *c = ctx->chain;
	const char *base_hash = ais_chain_dockerfile_hash(c, AIS_TIER_BASE);
	ais_buf origin = AIS_BUF_INIT;
	cJSON *root = cJSON_CreateObject(), *images;
	char *text;
	int i;

	cJSON_AddStringToObject(root, "project", ctx->project_dir);
	cJSON_AddStringToObject(root, "repo", ctx->repo);
	cJSON_AddStringToObject(root, "engine", ctx->endpoint.host);
	cJSON_AddStringToObject(root, "api_version",
				ais_docker_api_version(ctx->docker));
	cJSON_AddStringToObject(root, "builder", cli_builder_name(ctx));
	cJSON_AddBoolToObject(root, "fresh", ais_chain_fresh(c));
	if (ctx->registry)
		cJSON_AddStringToObject(root, "registry",
					ais_registry_ref(ctx->registry));
	images = cJSON_AddArrayToObject(root, "images");
	for (i = 0; i < AIS_TIER_COUNT; i++) {
		const ais_tier *t = ais_chain_tier(c, i);
		cJSON *o;

		if (!t)
			continue;
		o = tier_json(t, names[i], ensured && i != AIS_TIER_FOUNDATION);
		if (i == AIS_TIER_FOUNDATION)
			cJSON_ReplaceItemInObject(o, "state", cJSON_CreateString(
				t->state == AIS_STATE_MISSING ? "missing" : "present"));
		if (i == AIS_TIER_BASE) {
			cJSON_AddStringToObject(o, "mode", base_hash ? "custom" : "alias");
			if (base_hash)
				cJSON_AddStringToObject(o, "dockerfile_hash", base_hash);
		}
		if (i == AIS_TIER_EXT) {
			char dockerfile[64];

			snprintf(dockerfile, sizeof(dockerfile), "%s/Dockerfile",
				 ais_chain_config_dir(c));
			cJSON_AddStringToObject(o, "dockerfile", dockerfile);
			cJSON_AddStringToObject(o, "dockerfile_hash",
						ais_chain_dockerfile_hash(c, AIS_TIER_EXT));
		}
		if (ais_registry_origin(&origin, c, i) == 0 && origin.size)
			cJSON_AddStringToObject(o, "origin", origin.ptr);
		ais_error_clear();
		cJSON_AddItemToArray(images, o);
	}
	ais_buf_dispose(&origin);
	if (dc)
		cJSON_AddItemToObject(root, "devcontainer", devcontainer_json(dc));
	text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text) {
		cli_error("out of memory");
		return CLI_EXIT_FAILURE;
	}
	printf("%s\n", text);
	cJSON_free(text);
	return 0;
}
