#!/bin/sh
# The foundation is deleted between ensure's first check and its build:
# the re-check under the lock sees it, and ensure fails with the clear
# "no foundation" error, tagging nothing.
. "$(dirname "$0")/lib.sh"

make_foundation one
new_project
mkdir -p "$HOME/.aishell"
printf 'FROM %s:foundation\nRUN echo custom > /c\n' "$REPO" >"$HOME/.aishell/Dockerfile"
LOCKS="$HOME/.local/state/aishell/locks"
mkdir -p "$LOCKS"
# Someone else holds the base's lock while ensure checks, until told to let go (a child that outlived the
# holder would keep the lock: -o keeps it out of the command).
flock -o "$LOCKS/$REPO:base.lock" sh -c 'until [ -e "$1" ]; do sleep 0.05; done' sh "$T/release" &
holder=$!
sleep 0.3
"$AISHELL" ensure -C "$P" >"$T/bg.out" 2>"$T/bg.err" &
pid=$!
n=0
until grep -q "waiting for another aishell" "$T/bg.err" 2>/dev/null; do
	n=$((n + 1))
	[ $n -lt 300 ] || { cat "$T/bg.err" >&2; fail "ensure did not wait for the lock"; }
	sleep 0.1
done
docker_cli rmi "$REPO:foundation" >/dev/null
touch "$T/release"
wait "$holder"
set +e
wait "$pid"
rc=$?
set -e
expect_eq "$rc" 1 "exit status"
expect_in "$T/bg.err" "no image '$REPO:foundation'"
[ -z "$(img_id "$REPO:base")" ] || fail "a base was tagged"
