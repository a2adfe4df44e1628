#!/bin/sh
# Ctrl-C (SIGINT) or SIGKILL during a build moves no tag, leaves no lock
# held and no build container behind.
. "$(dirname "$0")/lib.sh"

make_foundation one
new_project
mkdir -p "$P/.aishell"
printf 'FROM %s:base\nRUN echo good > /ext\n' "$REPO" >"$P/.aishell/Dockerfile"
cd "$P"
expect_rc 0 ais ensure
GOOD=$(img_id "$EXT")
BEFORE=$(count_containers)

# wait_for FILE TEXT SECONDS
wait_for() {
	n=0
	while ! grep -qF -- "$2" "$1" 2>/dev/null; do
		n=$((n + 1))
		[ "$n" -le $(($3 * 10)) ] || { cat "$1" >&2; fail "timed out waiting for '$2'"; }
		sleep 0.1
	done
}

wait_containers() {
	n=0
	while [ "$(count_containers)" != "$BEFORE" ]; do
		n=$((n + 1))
		[ "$n" -le 300 ] || { docker_cli ps -a >&2; fail "build container left behind"; }
		sleep 0.1
	done
}

for run in INT:legacy KILL:legacy INT:buildkit KILL:buildkit TERM:buildkit; do
	sig=${run%%:*}
	builder=${run#*:}
	printf 'FROM %s:base\nRUN echo started-%s-%s; sleep 60\n' "$REPO" "$sig" "$builder" >"$P/.aishell/Dockerfile"
	AISHELL_BUILDER=$builder "$AISHELL" ensure -v >"$T/bg.out" 2>"$T/bg.err" &
	pid=$!
	wait_for "$T/bg.err" "started-$sig-$builder" 60
	start=$(date +%s)
	kill -s "$sig" "$pid"
	set +e
	wait "$pid"
	rc=$?
	set -e
	[ $(($(date +%s) - start)) -lt 20 ] || fail "$builder: ensure took too long to stop after SIG$sig"
	case $sig in
	INT) want=130 ;;
	TERM) want=143 ;;
	*) want=137 ;;
	esac
	expect_eq "$rc" "$want" "exit status after SIG$sig"
	[ "$sig" = KILL ] || expect_in "$T/bg.err" "interrupted; no tag was moved"
	expect_eq "$(img_id "$EXT")" "$GOOD" "$builder: tag unchanged after SIG$sig"
	wait_containers
done

# The lock is free: a new ensure builds at once, without waiting.
printf 'FROM %s:base\nRUN echo after > /ext\n' "$REPO" >"$P/.aishell/Dockerfile"
expect_rc 0 ais ensure
expect_not_in "$T/err" "waiting for another aishell"
expect_ne "$(img_id "$EXT")" "$GOOD"
