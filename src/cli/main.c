#include "cli.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} cli_cmd;

static const cli_cmd commands[] = {
	{ "ensure", cmd_ensure },
	{ "status", cmd_status },
	{ "prune", cmd_prune },
	{ "push", cmd_push },
	{ "devcontainer", cmd_devcontainer },
	{ "hooks", cmd_hooks },
	{ "hook", cmd_hook },
	{ "help", cmd_help },
	{ "version", cmd_version },
};

/* Remember the first signal: the exit status is 128 + its number. */
static void on_signal(int sig)
{
	if (!cli_interrupted)
		cli_interrupted = sig;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int cli_dispatch(const char *name, int argc, char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return commands[i].fn(argc, argv);
	return -1;
}

int main(int argc, char **argv)
{
	const char *name;
	int rc;

	if (argc < 2) {
		fputs("usage: aishell <command> [options]; see 'aishell help'\n",
		      stderr);
		return CLI_EXIT_USAGE;
	}
	name = argv[1];
	if (!strcmp(name, "--version") || !strcmp(name, "-V"))
		name = "version";
	else if (!strcmp(name, "--help") || !strcmp(name, "-h"))
		name = "help";
	cli.tty = isatty(STDERR_FILENO);
	/* https://no-color.org: a set, non-empty NO_COLOR turns colour off. */
	cli.color = cli.tty && !(getenv("NO_COLOR") && *getenv("NO_COLOR")) &&
		    !(getenv("TERM") && !strcmp(getenv("TERM"), "dumb"));
	install_signals();
	/* libcurl is loaded and initialised by the first command that talks
	 * to the engine (lazy_curl.c); the clean-up does nothing without. */
	rc = cli_dispatch(name, argc - 1, argv + 1);
	if (rc < 0) {
		cli_error("unknown command '%s' (see 'aishell help')", argv[1]);
		rc = CLI_EXIT_USAGE;
	}
	curl_global_cleanup();
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			cli_error("cannot write output: %s", strerror(errno));
		if (rc == 0)
			rc = CLI_EXIT_FAILURE;
	}
	return rc;
}
