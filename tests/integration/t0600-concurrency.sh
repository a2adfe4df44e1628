#!/bin/sh
# Four concurrent `ensure` runs on one project give exactly one build; the
# others wait on the tag lock and then find the image fresh.
. "$(dirname "$0")/lib.sh"

make_foundation one
new_project
mkdir -p "$P/.aishell"
printf 'FROM %s:base\nRUN sleep 2 && echo built > /ext\n' "$REPO" >"$P/.aishell/Dockerfile"
cd "$P"

pids=""
for i in 1 2 3 4; do
	ais ensure >"$T/out$i" 2>"$T/err$i" &
	pids="$pids $!"
done
i=0
for pid in $pids; do
	i=$((i + 1))
	wait "$pid" || { cat "$T/err$i" >&2; fail "ensure #$i failed"; }
done
builds=$(grep -l "building $EXT" "$T"/err1 "$T"/err2 "$T"/err3 "$T"/err4 | wc -l)
expect_eq "$builds" 1 "number of ext builds"
waited=$(grep -l "waiting for another aishell" "$T"/err1 "$T"/err2 "$T"/err3 "$T"/err4 | wc -l)
[ "$waited" -ge 1 ] || fail "no run waited for the lock"
expect_rc 0 ais ensure --check
[ -n "$(img_id "$EXT")" ] || fail "ext missing"
# Exactly one ext image exists: no loser left a second build behind.
n=$(docker_cli images -q --filter "label=aishell.extension.hash=$(h12_file "$P/.aishell/Dockerfile")" | sort -u | wc -l)
expect_eq "$n" 1 "images carrying the ext label"
