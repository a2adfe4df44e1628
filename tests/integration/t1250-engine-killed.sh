#!/bin/sh
# The engine dies (SIGKILL) in the middle of a build: ensure ends at once
# with one clear error line, and leaves no lock held.  Uses a second,
# private dockerd so that the shared one is never touched.
. "$(dirname "$0")/lib.sh"
. "$AIS_SRC/tests/lib/engine.sh"

[ "$(id -u)" = 0 ] || { echo "t1250-engine-killed: a private dockerd needs root; skipped"; exit 77; }
test_cleanup() { engine_down; }
# Point at nothing, so that engine_up starts a daemon of this test's own.
DOCKER_HOST=unix:///nonexistent-aishell-engine
export DOCKER_HOST
engine_up >"$T/engine.log" 2>&1 || { cat "$T/engine.log" >&2; fail "cannot start a private dockerd"; }
expect_eq "$DOCKER_HOST" "unix://${AIS_ENGINE_DIR:-?}/docker.sock" "the engine this test started"
engine_make_foundation "$REPO" >/dev/null || fail "no foundation"

new_project
mkdir -p "$P/.aishell"
# The output (upper case) differs from the step line, and a nonce keeps any
# build cache out of the way.
printf 'FROM %s:base\nRUN echo started-build-%s | tr a-z A-Z; sleep 60\n' "$REPO" "$(date +%s%N)" >"$P/.aishell/Dockerfile"
"$AISHELL" ensure -v -C "$P" >"$T/bg.out" 2>"$T/bg.err" &
pid=$!
n=0
until grep -q STARTED-BUILD "$T/bg.err" 2>/dev/null; do
	n=$((n + 1))
	[ $n -lt 600 ] || { cat "$T/bg.err" >&2; fail "the build never started"; }
	sleep 0.1
done
kill -9 "$AIS_ENGINE_PID"
start=$(date +%s)
set +e
wait "$pid"
rc=$?
set -e
[ $(($(date +%s) - start)) -lt 20 ] || fail "ensure took too long after the engine died"
case $rc in 1 | 3) ;; *) cat "$T/bg.err" >&2; fail "exit $rc after the engine died" ;; esac
expect_eq "$(grep -c '^aishell: error:' "$T/bg.err")" 1 "error lines"
expect_in "$T/bg.err" "the connection to the Docker engine at $DOCKER_HOST broke during the build"
LOCK="$HOME/.local/state/aishell/locks/$REPO:ext-$(h12 "$P").lock"
flock -n "$LOCK" true || fail "lock still held"
