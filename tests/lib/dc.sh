# shellcheck shell=sh
# tests/lib/dc.sh: the real @devcontainers/cli for an integration test, sourced after lib.sh:
#
#   . "$AIS_SRC/tests/lib/dc.sh";  dc up --workspace-folder "$P"
#
# Installs the pinned npm tools (tests/lib/npm.sh), keeps the CLI's caches in the test's temp dir, and builds
# $REPO:foundation FROM scratch (busybox with /etc/passwd, which the CLI needs).
# shellcheck source=engine.sh
. "$AIS_SRC/tests/lib/engine.sh"
# shellcheck source=npm.sh
. "$AIS_SRC/tests/lib/npm.sh"

NPM=$(npm_tools) || fail "cannot install the npm tools"
DC_BIN="$NPM/node_modules/.bin/devcontainer"
mkdir -p "$T/dctmp"
dc() { TMPDIR="$T/dctmp" "$DC_BIN" "$@"; }

engine_make_foundation "$REPO" >/dev/null || fail "cannot build the test foundation"
