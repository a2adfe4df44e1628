#!/bin/sh
# Golden-file test of `aishell devcontainer generate`: tests/golden/devcontainer.sh CASE
#
# tests/fixtures/devcontainer/CASE/ holds the inputs and the expected results:
#   global.yaml, project.yaml   ~/.aishell/config.yaml and <project>/.aishell/config.yaml
#   global.Dockerfile, Dockerfile   ~/.aishell/Dockerfile and <project>/.aishell/Dockerfile
#   gitconfig                   ~/.gitconfig
#   setup.sh                    more setup, run by sh in the project dir with T, P, HOME, AISHELL set
#   args                        the command's options (default: --stdout); -C <project> is always given
#   env                         NAME=VALUE lines added to the command's environment
#   expected.out, expected.err  stdout and stderr; expected.rc the exit status (default 0)
#   expected.file, expected.bak the project's .devcontainer/devcontainer.json (and .bak) afterwards
# Paths are written as @P@ (project), @HOME@, @T@ (scratch root), @AISHELL@ (binary), @H12@ (H12 of the
# project path), @VERSION@ (the "version" value), @CONFIG@ (the configuration hash, which covers paths under the
# scratch root), and uid-@UID@- / gid-@GID@- for uid-$UID- / gid-$GID-. With AIS_GOLDEN_BLESS=1 the expected files are (re)written instead.
set -eu
: "${AISHELL:?AISHELL must name the aishell binary (ctest sets it)}"
: "${AIS_SRC:?AIS_SRC must name the source tree (ctest sets it)}"
case=${1:?usage: devcontainer.sh CASE}
F="$AIS_SRC/tests/fixtures/devcontainer/$case"
[ -d "$F" ] || { echo "no fixture $F" >&2; exit 2; }

T=$(mktemp -d "${TMPDIR:-/tmp}/ais-golden.XXXXXX")
T=$(cd "$T" && pwd -P)
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
P="$T/proj"
HOME="$T/home"
mkdir -p "$P" "$HOME"
export HOME
unset XDG_CONFIG_HOME XDG_STATE_HOME AISHELL_IMAGE_REPO
export USER=tester
BIN=$(readlink -f "$AISHELL")

[ ! -f "$F/global.yaml" ] || { mkdir -p "$HOME/.aishell"; cp "$F/global.yaml" "$HOME/.aishell/config.yaml"; }
[ ! -f "$F/global.Dockerfile" ] || { mkdir -p "$HOME/.aishell"; cp "$F/global.Dockerfile" "$HOME/.aishell/Dockerfile"; }
[ ! -f "$F/project.yaml" ] || { mkdir -p "$P/.aishell"; cp "$F/project.yaml" "$P/.aishell/config.yaml"; }
[ ! -f "$F/Dockerfile" ] || { mkdir -p "$P/.aishell"; cp "$F/Dockerfile" "$P/.aishell/Dockerfile"; }
[ ! -f "$F/gitconfig" ] || cp "$F/gitconfig" "$HOME/.gitconfig"
if [ -f "$F/setup.sh" ]; then
    (cd "$P" && T=$T P=$P AISHELL=$AISHELL sh "$F/setup.sh") || { echo "$case: setup.sh failed" >&2; exit 1; }
fi

args="--stdout"
[ ! -f "$F/args" ] || args=$(cat "$F/args")
envs=
[ ! -f "$F/env" ] || envs=$(cat "$F/env")
set +e
# shellcheck disable=SC2086
(cd "$T" && env $envs "$AISHELL" devcontainer generate -C "$P" $args) >"$T/out" 2>"$T/err"
rc=$?
set -e

h12=$(printf '%s' "$P" | sha256sum | cut -c1-12)
ver=$("$AISHELL" --version | sed -n 's/^aishell //p')
# placeholders: longest paths first
norm() {
    sed -e "s|$BIN|@AISHELL@|g" -e "s|$P|@P@|g" -e "s|$HOME|@HOME@|g" -e "s|$T|@T@|g" \
        -e "s|$h12|@H12@|g" -e "s|\"version\": \"$ver\"|\"version\": \"@VERSION@\"|" -e 's|"config": "[0-9a-f]\{12\}"|"config": "@CONFIG@"|' -e "s|uid-$(id -u)-|uid-@UID@-|g" -e "s|gid-$(id -g)-|gid-@GID@-|g" "$1"
}

actual_dir="$T/actual"
mkdir -p "$actual_dir"
norm "$T/out" >"$actual_dir/expected.out"
norm "$T/err" >"$actual_dir/expected.err"
echo "$rc" >"$actual_dir/expected.rc"
dcfile="$P/.devcontainer/devcontainer.json"
[ ! -f "$dcfile" ] || norm "$dcfile" >"$actual_dir/expected.file"
[ ! -f "$dcfile.bak" ] || norm "$dcfile.bak" >"$actual_dir/expected.bak"

if [ "${AIS_GOLDEN_BLESS:-}" = 1 ]; then
    for f in expected.out expected.err expected.file expected.bak; do
        rm -f "$F/$f"
        [ ! -s "$actual_dir/$f" ] || cp "$actual_dir/$f" "$F/$f"
    done
    rm -f "$F/expected.rc"
    [ "$rc" = 0 ] || echo "$rc" >"$F/expected.rc"
    echo "$case: blessed"
    exit 0
fi

failed=0
for f in expected.out expected.err expected.file expected.bak expected.rc; do
    want="$F/$f"
    if [ ! -f "$want" ]; then
        case $f in
            expected.rc) want="$T/zero"; echo 0 >"$want" ;;
            *) want=/dev/null ;;
        esac
    fi
    have="$actual_dir/$f"
    [ -f "$have" ] || have=/dev/null
    if ! diff -u "$want" "$have" >"$T/diff" 2>&1; then
        echo "--- $case: $f differs (expected vs actual):" >&2
        cat "$T/diff" >&2
        failed=1
    fi
done
[ "$failed" = 0 ] || exit 1
echo "$case: ok"
