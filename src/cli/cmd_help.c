#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char help_text[] =
	"usage: aishell <command> [options]\n"
	"\n"
	"Keep aishell's image chain fresh: <repo>:foundation -> <repo>:base ->\n"
	"<repo>:ext-<hash>, talking to the Docker Engine API directly.\n"
	"\n"
	"Commands:\n"
	"  ensure    make the base (and the project's extension) image fresh\n"
	"  status    show each image, whether it is fresh, and why not\n"
	"  hooks     install, uninstall or show the git hooks that report (or\n"
	"            rebuild) stale images after checkout, merge and rebase\n"
	"  hook      what those git hooks run: hook post-checkout|post-merge|\n"
	"            post-rewrite ARGS...\n"
	"  help      show this help\n"
	"  version   show the version\n"
	"\n"
	"Run 'aishell <command> --help' for a command's options.\n"
	"\n"
	"Environment:\n"
	"  AISHELL_IMAGE_REPO  image repository instead of 'aishell'\n"
	"  DOCKER_HOST, DOCKER_CONTEXT, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH,\n"
	"  DOCKER_CONFIG       engine endpoint, resolved as the docker CLI does\n"
	"  XDG_STATE_HOME      state dir $XDG_STATE_HOME/aishell (default\n"
	"                      ~/.local/state/aishell): locks/, hooks/ (background logs)\n"
	"  AISHELL_HOOKS=0     the git hooks do nothing\n"
	"  AISHELL_BIN         the aishell binary the git hooks run\n"
	"\n"
	"Exit codes:\n"
	"  0 success, 1 failure, 2 usage error, 3 Docker engine unreachable,\n"
	"  4 stale or missing image (ensure --check), 130 interrupted;\n"
	"  'aishell hook' always exits 0 (2 for an unknown hook name)\n";

int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs(help_text, stdout);
	return CLI_EXIT_OK;
}

int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("aishell %s\n", AIS_VERSION);
	return CLI_EXIT_OK;
}
