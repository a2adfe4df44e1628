#!/bin/sh
# Eight concurrent `ensure` runs on two projects that share one custom
# base, with ~/.aishell/Dockerfile edited while the base builds: every run
# succeeds, the base is built at most once per version of the file, and
# both projects end fresh on the final base.
. "$(dirname "$0")/lib.sh"

make_foundation one
mkdir -p "$HOME/.aishell"
# A nonce keeps the engine's build cache from answering without building.
NONCE=$(date +%s%N)
printf 'FROM %s:foundation\nRUN echo v1 > /v && echo %s && sleep 3\n' "$REPO" "$NONCE" >"$HOME/.aishell/Dockerfile"
new_project a
A=$P
new_project b
B=$P
for p in "$A" "$B"; do
	mkdir -p "$p/.aishell"
	printf 'FROM %s:base\nRUN cat /v > /copy\n' "$REPO" >"$p/.aishell/Dockerfile"
done

pids=""
for i in 1 2 3 4 5 6 7 8; do
	if [ $((i % 2)) = 0 ]; then dir=$A; else dir=$B; fi
	"$AISHELL" ensure -C "$dir" >"$T/out$i" 2>"$T/err$i" &
	pids="$pids $!"
done
sleep 1
printf 'FROM %s:foundation\nRUN echo v2 > /v && echo %s && sleep 1\n' "$REPO" "$NONCE" >"$HOME/.aishell/Dockerfile"
i=0
for pid in $pids; do
	i=$((i + 1))
	wait "$pid" || { cat "$T/err$i" >&2; fail "ensure #$i failed"; }
done
cat "$T"/err[1-8] >"$T/all-err"
builds=$(grep -c "building $REPO:base" "$T/all-err" || true)
[ "$builds" -ge 1 ] && [ "$builds" -le 2 ] || { cat "$T/all-err" >&2; fail "base built $builds times"; }
expect_rc 0 ais ensure --check -C "$A"
expect_rc 0 ais ensure --check -C "$B"
expect_eq "$(label "$REPO:base" aishell.base.dockerfile.hash)" "$(h12_file "$HOME/.aishell/Dockerfile")" "final base"
for p in "$A" "$B"; do
	ext="$REPO:ext-$(h12 "$p")"
	expect_eq "$(docker_cli run --rm "$ext" cat /copy 2>/dev/null)" "v2" "ext of $p built on the final base"
done
