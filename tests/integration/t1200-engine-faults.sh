#!/bin/sh
# Faults a real daemon cannot be made to produce, from a scripted Engine
# API server: for each, the documented exit code, one clear error line, no
# tag moved, no lock held, no temp file left.
. "$(dirname "$0")/lib.sh"

: "${FAKE_ENGINE:?FAKE_ENGINE must name the fake_engine binary (ctest sets it)}"
new_project
mkdir -p "$P/.aishell"
printf 'FROM %s:base\nRUN make\n' "$REPO" >"$P/.aishell/Dockerfile"
head -c 300000 /dev/urandom >"$P/blob"
cd "$P"
SOCK="$T/fake.sock"
LOCK="$HOME/.local/state/aishell/locks/$EXT.lock"

# fault SCENARIO EXIT TEXT [ENV...]: run `ensure` against the scenario.
fault() {
	scenario=$1 want=$2 text=$3
	shift 3
	rm -f "$SOCK" "$T/fake.log"
	"$FAKE_ENGINE" "$SOCK" "$scenario" "$T/fake.log" &
	fake=$!
	n=0
	while [ ! -S "$SOCK" ]; do
		n=$((n + 1))
		[ $n -lt 100 ] || fail "fake engine did not start"
		sleep 0.05
	done
	start=$(date +%s)
	expect_rc "$want" env DOCKER_HOST="unix://$SOCK" "$@" "$AISHELL" ensure
	kill "$fake" 2>/dev/null || true
	wait "$fake" 2>/dev/null || true
	[ $(($(date +%s) - start)) -lt 30 ] || fail "$scenario: took too long"
	expect_in "$T/err" "$text"
	errors=$(grep -c '^aishell: error:' "$T/err" || true)
	expect_eq "$errors" 1 "$scenario: error lines"
	if grep -q '/tag' "$T/fake.log"; then fail "$scenario: a tag was moved"; fi
	if [ -e "$LOCK" ] && ! flock -n "$LOCK" true; then fail "$scenario: lock still held"; fi
	leftovers=$(find "$HOME" -name '*.tmp' | wc -l)
	expect_eq "$leftovers" 0 "$scenario: temp files left"
}

fault hang 3 "no answer in time (see AISHELL_CONNECT_TIMEOUT and AISHELL_TIMEOUT)" AISHELL_TIMEOUT=2
fault garbage 3 "does not answer like a Docker engine"
fault bad-json 1 "not valid image JSON"
fault build-500 1 "the engine refused the build: HTTP 500: the engine fell over"
fault build-cut 1 "the connection to the Docker engine at unix://$SOCK broke during the build"
fault build-garbage 1 "the build stream ended without an image id"
fault build-reset 1 "broke during the build"
fault build-hang 3 "the build sent nothing for 2 s; the Docker engine at unix://$SOCK may be stuck (see AISHELL_BUILD_TIMEOUT)" AISHELL_BUILD_TIMEOUT=2

# Bad timeout settings are usage errors.
expect_rc 2 env AISHELL_TIMEOUT=soon "$AISHELL" ensure
expect_in "$T/err" "AISHELL_TIMEOUT"
expect_rc 2 env AISHELL_IMAGE_REPO='Not A Repo' "$AISHELL" status
expect_in "$T/err" "AISHELL_IMAGE_REPO 'Not A Repo' is not a valid image repository name"
