#!/usr/bin/env bash
# scripts/demo.sh: install what is missing, build aishell, and run it on a demo
# project with a scratch foundation -- against a private Docker engine when
# none is reachable.  Uses the image repository "aishell-demo" and a temporary
# HOME, so the user's real aishell images are never touched; removes what it
# created unless --keep is given.
set -euo pipefail

keep=0
[ "${1:-}" = --keep ] && keep=1
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
# shellcheck source-path=SCRIPTDIR/..
. tests/lib/engine.sh

engine_ensure_packages
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 >/dev/null
aishell="$root/build/src/aishell"

work=$(mktemp -d /tmp/aishell-demo.XXXXXX)
cleanup() {
	if [ "$keep" = 0 ]; then
		ids=$(docker images -q --filter reference=aishell-demo 2>/dev/null | sort -u)
		[ -z "$ids" ] || docker rmi -f $ids >/dev/null 2>&1 || true
		rm -rf "$work"
	else
		echo "kept: images aishell-demo:*, project $work/project"
	fi
	engine_down
}
trap cleanup EXIT
engine_up

export AISHELL_IMAGE_REPO=aishell-demo HOME="$work/home"
mkdir -p "$HOME" "$work/project/.aishell"
echo "== foundation: aishell-demo:foundation (FROM scratch + busybox)"
engine_make_foundation aishell-demo >/dev/null
cd "$work/project"
echo 'hello from the project' >greeting.txt
printf 'FROM aishell-demo:base\nCOPY greeting.txt /greeting.txt\nRUN cat /greeting.txt\n' >.aishell/Dockerfile

run() { echo "\$ aishell $*"; "$aishell" "$@" || echo "(exit $?)"; }
run status
run ensure
run status
echo 'hello again' >greeting.txt
printf 'FROM aishell-demo:base\nCOPY greeting.txt /greeting.txt\nRUN cat /greeting.txt && echo v2\n' >.aishell/Dockerfile
run ensure --check
run ensure
run ensure --check
