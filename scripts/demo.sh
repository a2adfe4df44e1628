#!/usr/bin/env bash
# scripts/demo.sh: install what is missing, build aishell, and show it on a demo project: the image
# chain (status, ensure), the git hooks noticing a dependency bump on checkout, and a generated
# devcontainer.json -- against a private Docker engine when none is reachable.  Uses the image
# repository "aishell-demo" and a temporary HOME, so the user's real aishell images and git config are
# never touched; removes what it created unless --keep is given.
set -euo pipefail

keep=0
[ "${1:-}" = --keep ] && keep=1
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
# shellcheck source-path=SCRIPTDIR/..
. tests/lib/engine.sh

engine_ensure_demo_packages
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 >/dev/null
aishell="$root/build/src/aishell"

work=$(mktemp -d /tmp/aishell-demo.XXXXXX)
cleanup() {
	if [ "$keep" = 0 ]; then
		refs=$(docker images --format '{{.Repository}}:{{.Tag}}' --filter reference=aishell-demo 2>/dev/null)
		# shellcheck disable=SC2086
		[ -z "$refs" ] || docker rmi $refs >/dev/null 2>&1 || true
		rm -rf "$work"
	else
		echo "kept: images aishell-demo:*, project $work/project, HOME $work/home"
	fi
	engine_down
}
trap cleanup EXIT
engine_up

export AISHELL_IMAGE_REPO=aishell-demo HOME="$work/home" AISHELL_BIN="$aishell"
unset XDG_STATE_HOME XDG_CACHE_HOME XDG_CONFIG_HOME
mkdir -p "$HOME" "$work/project/.aishell"
git config --global user.name "aishell demo"
git config --global user.email demo@example.invalid
git config --global init.defaultBranch main
git config --global advice.detachedHead false

say() { printf '\n== %s\n' "$*"; }
run() { echo "\$ $*"; "$@" || echo "(exit $?)"; }
ais() { echo "\$ aishell $*"; "$aishell" "$@" || echo "(exit $?)"; }

say "a foundation image, aishell-demo:foundation (FROM scratch + busybox)"
engine_make_foundation aishell-demo >/dev/null

say "a project whose .aishell/Dockerfile copies its requirements.txt"
cd "$work/project"
git init -q
echo 'requests==2.31.0' >requirements.txt
printf 'FROM aishell-demo:base\nCOPY requirements.txt /opt/requirements.txt\nRUN cat /opt/requirements.txt\n' \
	>.aishell/Dockerfile
git add -A
git commit -qm "project with an aishell image"
cat .aishell/Dockerfile
ais status
ais ensure
ais status

say "git hooks: every checkout, pull and rebase checks the images"
ais hooks install
git checkout -q -b bump-requests
echo 'requests==2.32.3' >requirements.txt
git commit -qam "bump requests"
git checkout -q main
echo "(on main, the image is fresh: the hook printed nothing)"
run git checkout bump-requests
echo "(the hook named the copied file, the label that differs and the commits; status agrees:)"
ais status
ais ensure --check
ais ensure
ais ensure --check

say "VS Code / devcontainer CLI: a devcontainer.json that opens the project in its image"
ais devcontainer generate
run cat .devcontainer/devcontainer.json

say "done"
echo "aishell: $aishell (see '$aishell help', README.md)"
