#include "cli.h"

#include "lazy.h"

#include <cjson/cJSON.h>

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
	"  push      make the chain fresh, then push the foundation and the\n"
	"            built images to the registry (AISHELL_REGISTRY)\n"
	"  prune     remove ext images of projects that are gone, and untagged\n"
	"            images the chain left behind\n"
	"  devcontainer generate\n"
	"            write .devcontainer/devcontainer.json for the project's image\n"
	"  hooks     install, uninstall or show the git hooks that report (or\n"
	"            rebuild) stale images after checkout, merge and rebase\n"
	"  hook      what those git hooks run: hook post-checkout|post-merge|\n"
	"            post-rewrite ARGS...\n"
	"  help [COMMAND]\n"
	"            show this help, or the command's\n"
	"  version   show the version\n"
	"\n"
	"Run 'aishell help <command>' (or 'aishell <command> --help') for a\n"
	"command's options.\n"
	"\n"
	"Environment:\n"
	"  AISHELL_IMAGE_REPO  image repository instead of 'aishell'\n"
	"  AISHELL_REGISTRY    registry (host[:port]/path) ensure pulls images from\n"
	"                      before it builds, and push pushes to; 'none' for\n"
	"                      none (else 'registry:' in config.yaml)\n"
	"  AISHELL_BUILDER     buildkit, legacy or auto (default: BuildKit when the\n"
	"                      engine supports it)\n"
	"  AISHELL_CONTEXT_TRANSFER  how BuildKit gets the build context: session\n"
	"                      (it asks for the files that changed since the last\n"
	"                      build), tar (all of it in the request) or auto\n"
	"                      (default: a session, but a tar with --force or when\n"
	"                      no session can be opened)\n"
	"  DOCKER_HOST, DOCKER_CONTEXT, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH,\n"
	"  DOCKER_CONFIG       engine endpoint, resolved as the docker CLI does\n"
	"  AISHELL_CONNECT_TIMEOUT  seconds to connect to the engine (default 10)\n"
	"  AISHELL_TIMEOUT     seconds a request may go without data (default 60)\n"
	"  AISHELL_BUILD_TIMEOUT  seconds a build may go without output (default 0:\n"
	"                      no limit)\n"
	"  XDG_STATE_HOME      state dir $XDG_STATE_HOME/aishell (default\n"
	"                      ~/.local/state/aishell): locks/, hooks/ (background\n"
	"                      logs), inputs/ (build manifests),\n"
	"                      projects/ and origins/ (what each image is for and\n"
	"                      where it came from)\n"
	"  XDG_CACHE_HOME      the build-input stat cache under $XDG_CACHE_HOME/aishell\n"
	"  AISHELL_HOOKS=0     the git hooks do nothing\n"
	"  NO_COLOR            no colour in error and warning prefixes\n"
	"  AISHELL_BIN         the aishell binary the git hooks run\n"
	"\n"
	"Exit codes:\n"
	"  0 success, 1 failure, 2 usage error, 3 Docker engine unreachable,\n"
	"  4 stale or missing image, out-of-date generated devcontainer.json or\n"
	"  outdated dev container (ensure --check), out-of-date devcontainer.json\n"
	"  (devcontainer generate --check), 130/143 interrupted by SIGINT/SIGTERM;\n"
	"  'aishell hook' always exits 0 (2 for an unknown hook name)\n";

int cmd_help(int argc, char **argv)
{
	char *sub[3];
	int rc;

	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "--help")) {
		fputs(help_text, stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "version")) {
		printf("usage: aishell version (or --version, -V)\n\n"
		       "Show the version of aishell and of the libraries it uses.\n");
		return CLI_EXIT_OK;
	}
	/* `help X` is `X --help` */
	sub[0] = argv[1];
	sub[1] = (char *)"--help";
	sub[2] = NULL;
	rc = cli_dispatch(argv[1], 2, sub);
	if (rc < 0) {
		cli_error("unknown command '%s'; see 'aishell help'", argv[1]);
		rc = CLI_EXIT_USAGE;
	}
	return rc;
}

/* The libraries opened on first use are not loaded here: their line
 * shows the version aishell was built with and the soname it will open. */
int cmd_version(int argc, char **argv)
{
	const ais_lazy_info *lazy;
	size_t i, n;

	(void)argc;
	(void)argv;
	printf("aishell %s\n", AIS_VERSION);
	printf("cJSON %s\n", cJSON_Version());
	lazy = ais_lazy_libraries(&n);
	for (i = 0; i < n; i++)
		printf("%s %s (%s, opened when first needed)\n", lazy[i].name,
		       lazy[i].built_version, lazy[i].soname);
	return CLI_EXIT_OK;
}
