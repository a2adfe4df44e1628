#!/bin/sh
# Faults a real daemon cannot be made to produce, from a scripted Engine
# API server: for each, the documented exit code, one clear error line, no
# tag moved, no temp file left; the tag's lock is held while the build runs.
. "$(dirname "$0")/lib.sh"

: "${FAKE_ENGINE:?FAKE_ENGINE must name the fake_engine binary (ctest sets it)}"
new_project
mkdir -p "$P/.aishell"
printf 'FROM %s:base\nRUN make\n' "$REPO" >"$P/.aishell/Dockerfile"
head -c 300000 /dev/urandom >"$P/blob"
cd "$P"
SOCK="$T/fake.sock"
LOCK="$HOME/.local/state/aishell/locks/$EXT.lock"

# start_fake SCENARIO: the fake engine on $SOCK, its pid in $fake.
start_fake() {
	rm -f "$SOCK" "$T/fake.log"
	"$FAKE_ENGINE" "$SOCK" "$1" "$T/fake.log" &
	fake=$!
	SERVER_PIDS=$fake # stopped on exit, even when a check fails
	n=0
	while [ ! -S "$SOCK" ]; do
		n=$((n + 1))
		[ $n -lt 100 ] || fail "fake engine did not start"
		sleep 0.05
	done
}

# fault SCENARIO EXIT TEXT [ENV...]: run `ensure` against the scenario.
fault() {
	scenario=$1 want=$2 text=$3
	shift 3
	start_fake "$scenario"
	start=$(date +%s)
	set +e
	env DOCKER_HOST="unix://$SOCK" "$@" "$AISHELL" ensure >"$T/out" 2>"$T/err" &
	ais_pid=$!
	if [ "$scenario" = build-hang ]; then
		# Checked while aishell lives: after it exits the kernel has dropped the lock anyway.
		n=0
		until grep -q '/build' "$T/fake.log"; do
			n=$((n + 1))
			[ $n -lt 200 ] || fail "$scenario: the build did not start"
			sleep 0.05
		done
		if flock -n "$LOCK" true; then fail "$scenario: the tag's lock is not held during the build"; fi
	fi
	wait "$ais_pid"
	RC=$?
	set -e
	if [ "$RC" != "$want" ]; then
		cat "$T/out" "$T/err" >&2
		fail "$scenario: expected exit $want, got $RC"
	fi
	kill "$fake" 2>/dev/null || true
	wait "$fake" 2>/dev/null || true
	[ $(($(date +%s) - start)) -lt 30 ] || fail "$scenario: took too long"
	expect_in "$T/err" "$text"
	errors=$(grep -c '^aishell: error:' "$T/err" || true)
	expect_eq "$errors" 1 "$scenario: error lines"
	if grep -q '/tag' "$T/fake.log"; then fail "$scenario: a tag was moved"; fi
	leftovers=$(find "$HOME" -name '*.tmp*' | wc -l)
	expect_eq "$leftovers" 0 "$scenario: temp files left"
}

fault hang 3 "no answer in time (see AISHELL_CONNECT_TIMEOUT and AISHELL_TIMEOUT)" AISHELL_TIMEOUT=2
fault garbage 3 "does not answer like a Docker engine"
fault bad-json 1 "not valid image JSON"
fault build-500 1 "the engine refused the build: HTTP 500: the engine fell over"
# (this engine has no BuildKit sessions: the context went as a tar, and a warning said why)
expect_in "$T/err" "refused /session: HTTP/1.1 404 Not Found; sending the whole build context instead"
# ... unless a session was asked for: then nothing is built.
fault build-500 1 "the Docker engine at unix://$SOCK refused /session: HTTP/1.1 404 Not Found" AISHELL_CONTEXT_TRANSFER=session
if grep -q '/build' "$T/fake.log"; then fail "a build started without the session asked for"; fi
fault build-cut 1 "the connection to the Docker engine at unix://$SOCK broke during the build"
fault build-garbage 1 "the build stream ended without an image id"
fault build-reset 1 "broke during the build"
fault build-hang 3 "the build sent nothing for 2 s; the Docker engine at unix://$SOCK may be stuck (see AISHELL_BUILD_TIMEOUT)" AISHELL_BUILD_TIMEOUT=2

# An engine that takes POST /session and never answers: after AISHELL_TIMEOUT
# the context goes as a tar instead, and the build succeeds.
start_fake session-hang
start=$(date +%s)
expect_rc 0 env DOCKER_HOST="unix://$SOCK" AISHELL_TIMEOUT=2 "$AISHELL" ensure
kill "$fake" 2>/dev/null || true
wait "$fake" 2>/dev/null || true
[ $(($(date +%s) - start)) -lt 20 ] || fail "session-hang: took too long"
expect_in "$T/err" "did not answer in time; sending the whole build context instead"
grep -q '^POST .*/build' "$T/fake.log" || fail "session-hang: no build"
grep -q '/tag' "$T/fake.log" || fail "session-hang: the build was not tagged"

# Engine-supplied ids are used as paths (the input manifests): only sha256: and 64 hex digits is an id.
mkdir -p "$HOME/tmp"
fault bad-id 1 "the build stream ended with an invalid image id"
fault bad-inspect-id 1 "the engine gave an image an invalid id"
[ -z "$(find "$HOME/tmp" "$HOME/.local" -name 'X*')" ] || fail "an engine-supplied id became a file name"

# Bad timeout settings are usage errors.
expect_rc 2 env AISHELL_TIMEOUT=soon "$AISHELL" ensure
expect_in "$T/err" "AISHELL_TIMEOUT"
expect_rc 2 env AISHELL_IMAGE_REPO='Not A Repo' "$AISHELL" status
expect_in "$T/err" "AISHELL_IMAGE_REPO 'Not A Repo' is not a valid image repository name"
