#!/bin/sh
# background mode: the hook returns at once and a detached, locked worker rebuilds, logging to the
# state dir; three quick checkouts build once, from the last Dockerfile; `hooks status` shows the
# result; the worker does not inherit git's environment.
. "$(dirname "$0")/lib.sh"
git_setup
make_foundation one
new_git_project background
# Slow builds, so "returns at once" means something; a nonce keeps the engine's build cache (shared
# with earlier runs) from making them instant.
nonce="$$-$(date +%s%N)"
for b in two three four; do
	git -C "$P" checkout -q -b $b main
	printf 'FROM %s:base\nRUN sleep 5 && echo %s %s > /ext\n' "$REPO" $b "$nonce" >"$P/.aishell/Dockerfile"
	git -C "$P" commit -qam $b
done
git -C "$P" checkout -q main
cd "$P"
expect_rc 0 ais ensure -q
expect_rc 0 ais hooks install --mode background
export XDG_STATE_HOME="$T/state"
LOG="$XDG_STATE_HOME/aishell/hooks/$(h12 "$P").log"

# worker_running: an `aishell hook background` process runs in $P.
worker_pids() {
	for d in /proc/[0-9]*; do
		[ "$(readlink "$d/cwd" 2>/dev/null)" = "$P" ] || continue
		tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -q 'hook background' && echo "${d#/proc/}"
	done
	return 0
}
wait_idle() {
	i=0
	while [ -n "$(worker_pids)" ]; do
		i=$((i + 1)); [ $i -lt 600 ] || fail "background worker still running after 60 s"
		sleep 0.1
	done
}

# Three quick checkouts, with git's GIT_DIR/GIT_WORK_TREE set (as in a linked worktree).
start=$(date +%s)
for b in two three four; do
	expect_rc 0 env GIT_DIR="$P/.git" GIT_WORK_TREE="$P" git checkout -q $b
	expect_in "$T/err" "$EXT is stale: .aishell/Dockerfile changed"
	expect_in "$T/err" "rebuilding in the background (log: $LOG)"
done
took=$(( $(date +%s) - start ))
[ "$took" -lt 6 ] || fail "three checkouts took ${took}s: the hook waited for the build"
# One worker, without git's environment.
sleep 0.3
pids=$(worker_pids)
[ "$(echo "$pids" | grep -c .)" = 1 ] || fail "expected one background worker, found: $pids"
for p in $pids; do
	if tr '\0' '\n' <"/proc/$p/environ" | grep -E '^GIT_(DIR|WORK_TREE|INDEX_FILE|PREFIX)='; then
		fail "the worker inherited git's environment"
	fi
done
expect_rc 0 ais hooks status
# "running now", or "last build ...; another is running now" when a slow checkout let one finish
expect_in "$T/out" "running now"
wait_idle

# One build, from the last checkout's Dockerfile.
[ -f "$LOG" ] || fail "no log at $LOG"
expect_eq "$(grep -c "building $EXT" "$LOG")" 1 "builds in the log"
expect_eq "$(label "$EXT" aishell.extension.hash)" "$(h12_file "$P/.aishell/Dockerfile")" "built from the last Dockerfile"
expect_rc 0 ais ensure --check
expect_rc 0 ais hooks status
expect_in "$T/out" "background     last build"
expect_in "$T/out" "built $EXT (exit 0)"
expect_in "$T/out" "background log $LOG"

# A failing background build is reported by status.
git checkout -q -b broken main 2>/dev/null
printf 'FROM %s:base\nRUN exit 9\n' "$REPO" >"$P/.aishell/Dockerfile"
git commit -qam broken
git checkout -q main
expect_rc 0 git checkout -q broken
sleep 0.3
wait_idle
expect_rc 0 ais hooks status
expect_in "$T/out" "failed:"
expect_in "$T/out" "(exit 1)"
expect_in "$LOG" "exit 9"
# The next hook run that finds the images stale reports the failed build in one line, with its log;
# status shows it too; the log of the run before is kept.
expect_rc 0 env AISHELL_HOOKS=0 git checkout -q main
expect_rc 0 git checkout -q broken
expect_eq "$(grep -c "the background build of .* failed (exit 1): .*; log: $LOG" "$T/err")" 1 \
	"failed build reported once"
wait_idle
expect_rc 4 ais status
expect_in "$T/out" "background  the background build of "
expect_in "$T/out" "failed (exit 1)"
expect_in "$T/out" "log: $LOG"
[ -f "$LOG.1" ] || fail "the previous log was not kept"
expect_in "$LOG.1" "exit 9"
