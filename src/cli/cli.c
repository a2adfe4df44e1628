#include "cli.h"

#include "error.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

cli_global cli;
volatile sig_atomic_t cli_interrupted;

static void cli_vprint(const char *prefix, const char *fmt, va_list ap)
{
	cli_progress_end();
	fprintf(stderr, "aishell: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vprint("error: ", fmt, ap);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	if (cli.quiet)
		return;
	va_start(ap, fmt);
	cli_vprint("warning: ", fmt, ap);
	va_end(ap);
}

void cli_note(const char *fmt, ...)
{
	va_list ap;

	if (cli.quiet)
		return;
	va_start(ap, fmt);
	cli_vprint("", fmt, ap);
	va_end(ap);
}

int cli_fail(int error)
{
	const ais_error *e = ais_error_last();

	if (error == AIS_EINTERRUPTED || cli_interrupted) {
		cli_error("interrupted; no tag was moved");
		return CLI_EXIT_INTERRUPTED;
	}
	cli_error("%s", e->message[0] ? e->message : "unknown error");
	return error == AIS_EUNAVAILABLE ? CLI_EXIT_UNREACHABLE : CLI_EXIT_FAILURE;
}

/* ---- progress -------------------------------------------------------- */

static struct {
	char tag[512];
	char step[160];
	unsigned long long sent;
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

static void progress_draw(void)
{
	int width = 100;

	if (!cli.tty || cli.quiet || cli.verbose)
		return;
	fprintf(stderr, "\r\033[Kaishell: building %s: %.*s (%.1f MB sent, %.0fs)",
		progress.tag, width, progress.step[0] ? progress.step : "sending context",
		(double)progress.sent / 1e6, elapsed());
	cli.line_open = true;
}

void cli_on_event(const ais_event *ev, void *payload)
{
	(void)payload;
	switch (ev->type) {
	case AIS_EVENT_NOTE:
		cli_note("%s", ev->text);
		break;
	case AIS_EVENT_WARN:
		cli_warn("%s: %s", ev->tag ? ev->tag : "", ev->text);
		break;
	case AIS_EVENT_WAIT:
		cli_note("%s: %s", ev->tag, ev->text);
		break;
	case AIS_EVENT_BUILD_START:
		snprintf(progress.tag, sizeof(progress.tag), "%s", ev->tag);
		progress.step[0] = '\0';
		progress.sent = 0;
		clock_gettime(CLOCK_MONOTONIC, &progress.started);
		if (ev->text && ev->text[0])
			cli_note("building %s (%s)", ev->tag, ev->text);
		else
			cli_note("building %s", ev->tag);
		break;
	case AIS_EVENT_BUILD_STEP:
		snprintf(progress.step, sizeof(progress.step), "%s", ev->text);
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
	}
}

/* ---- context --------------------------------------------------------- */

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* Docker reference rules for the repository part, kept simple: lowercase
 * letters, digits and the separators . _ - / (and a registry host:port). */
static bool valid_repo(const char *repo)
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
	const char *home = env("HOME");

	if (!home) {
		struct passwd *pw = getpwuid(getuid());

		home = pw ? pw->pw_dir : NULL;
	}
	return home;
}

void cli_state_dir(char *out, size_t len, const char *home)
{
	const char *state = env("XDG_STATE_HOME");

	if (state)
		snprintf(out, len, "%s/aishell", state);
	else
		snprintf(out, len, "%s/.local/state/aishell", home ? home : "");
}

/* *usage is set when the failure is the caller's input: a bad
 * AISHELL_IMAGE_REPO or -C directory. */
static int context_open(cli_context *ctx, const char *dir, bool force,
		bool *usage)
{
	ais_endpoint_env ee = { 0 };
	ais_chain_opts opts = { 0 };
	const char *home;
	char *real;
	int error;

	memset(ctx, 0, sizeof(*ctx));
	ctx->repo = env("AISHELL_IMAGE_REPO") ? env("AISHELL_IMAGE_REPO") : "aishell";
	*usage = true;
	if (!valid_repo(ctx->repo))
		return ais_error_set(AIS_EINVALID, AIS_ERROR_CONFIG,
				     "AISHELL_IMAGE_REPO '%s' is not a valid image repository name (lowercase letters, digits, '.', '_', '-', '/')",
				     ctx->repo);
	real = realpath(dir ? dir : ".", NULL);
	if (!real) {
		*usage = dir != NULL;
		return ais_error_set_os(AIS_EINVALID, errno,
					"cannot use project directory '%s'",
					dir ? dir : ".");
	}
	snprintf(ctx->project_dir, sizeof(ctx->project_dir), "%s", real);
	free(real);
	*usage = false;

	home = cli_home();
	if (!home)
		return ais_error_set(AIS_ERROR, AIS_ERROR_CONFIG,
				     "cannot find the home directory: HOME is not set");
	snprintf(ctx->home, sizeof(ctx->home), "%s", home);
	cli_state_dir(ctx->state_dir, sizeof(ctx->state_dir), home);
	if (snprintf(ctx->lock_dir, sizeof(ctx->lock_dir), "%s/locks",
		     ctx->state_dir) >= (int)sizeof(ctx->lock_dir))
		return ais_error_set(AIS_EINVALID, AIS_ERROR_CONFIG,
				     "state directory path too long: '%s'",
				     ctx->state_dir);

	opts.repo = ctx->repo;
	opts.project_dir = ctx->project_dir;
	opts.home = ctx->home;
	opts.lock_dir = ctx->lock_dir;
	opts.force = force;
	opts.on_event = cli_on_event;
	opts.cancel = &cli_interrupted;
	if ((error = ais_chain_init(&ctx->chain, &opts)) < 0)
		return error;

	ee.docker_host = env("DOCKER_HOST");
	ee.docker_context = env("DOCKER_CONTEXT");
	ee.docker_tls_verify = env("DOCKER_TLS_VERIFY");
	ee.docker_cert_path = env("DOCKER_CERT_PATH");
	ee.docker_config = env("DOCKER_CONFIG");
	ee.home = home;
	if ((error = ais_endpoint_resolve(&ctx->endpoint, &ee)) < 0)
		return error;
	if ((error = ais_docker_open(&ctx->docker, &ctx->endpoint)) < 0)
		return error;
	ais_docker_set_cancel(ctx->docker, &cli_interrupted);
	return 0;
}

int cli_context_try_open(cli_context *ctx, const char *dir, bool force)
{
	bool usage;

	return context_open(ctx, dir, force, &usage);
}

int cli_context_open(cli_context *ctx, const char *dir, bool force)
{
	bool usage = false;
	int error = context_open(ctx, dir, force, &usage);

	if (error == 0)
		return 0;
	if (usage) {
		cli_error("%s", ais_error_last()->message);
		return CLI_EXIT_USAGE;
	}
	return cli_fail(error);
}

void cli_context_close(cli_context *ctx)
{
	ais_docker_free(ctx->docker);
	ctx->docker = NULL;
	ais_endpoint_dispose(&ctx->endpoint);
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
	if (ensured) {
		cJSON_AddStringToObject(o, "action", ais_action_name(t->action));
		if (t->old_id[0])
			cJSON_AddStringToObject(o, "previous_id", t->old_id);
	}
	return o;
}

int cli_print_chain_json(const cli_context *ctx, bool ensured)
{
	const ais_chain *c = &ctx->chain;
	cJSON *root = cJSON_CreateObject(), *images, *f;
	char *text;

	cJSON_AddStringToObject(root, "project", ctx->project_dir);
	cJSON_AddStringToObject(root, "repo", ctx->repo);
	cJSON_AddStringToObject(root, "engine", ctx->endpoint.host);
	cJSON_AddStringToObject(root, "api_version",
				ais_docker_api_version(ctx->docker));
	cJSON_AddBoolToObject(root, "fresh", ais_chain_fresh(c));
	images = cJSON_AddArrayToObject(root, "images");
	f = tier_json(&c->foundation, "foundation", false);
	cJSON_ReplaceItemInObject(f, "state", cJSON_CreateString(
		c->foundation.state == AIS_STATE_MISSING ? "missing" : "present"));
	cJSON_AddItemToArray(images, f);
	{
		cJSON *b = tier_json(&c->base, "base", ensured);

		cJSON_AddStringToObject(b, "mode", c->custom_base ? "custom" : "alias");
		if (c->custom_base)
			cJSON_AddStringToObject(b, "dockerfile_hash", c->base_hash);
		cJSON_AddItemToArray(images, b);
	}
	if (c->has_ext) {
		cJSON *e = tier_json(&c->ext, "ext", ensured);

		cJSON_AddStringToObject(e, "dockerfile", c->ext_dockerfile);
		cJSON_AddStringToObject(e, "dockerfile_hash", c->ext_hash);
		cJSON_AddItemToArray(images, e);
	}
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
