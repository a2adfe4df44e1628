#!/bin/sh
# One truth about staleness: for the same project state, `status`, `ensure --check` and the git hook
# (warn mode, on a checkout that moves HEAD) give the same verdicts, the same reasons and agreeing exit
# codes; all fresh -> the hook prints nothing; no reason is ever empty.
. "$(dirname "$0")/lib.sh"
git_setup
make_foundation one
new_project truth
git -C "$P" init -q
mkdir -p "$P/.aishell"
printf 'FROM %s:base\nCOPY requirements.txt /opt/req.txt\n' "$REPO" >"$P/.aishell/Dockerfile"
echo 'requests==1.0' >"$P/requirements.txt"
echo readme >"$P/README"
git -C "$P" add -A
git -C "$P" commit -qm one
# deps: bumps only the COPY'd file; df: changes the Dockerfile; docs: changes neither.
git -C "$P" checkout -q -b deps main
echo 'requests==2.0' >"$P/requirements.txt"
git -C "$P" commit -qam deps
git -C "$P" checkout -q -b df main
printf 'FROM %s:base\nCOPY requirements.txt /opt/req.txt\nRUN echo df > /df\n' "$REPO" >"$P/.aishell/Dockerfile"
git -C "$P" commit -qam df
git -C "$P" checkout -q -b docs main
echo docs >>"$P/README"
git -C "$P" commit -qam docs
git -C "$P" checkout -q main
cd "$P"
expect_rc 0 ais ensure -q
expect_rc 0 ais hooks install

# judge NAME: the hook's output is in $T/hook; status and ensure --check must agree with it.
judge() {
	run ais status
	cp "$T/out" "$T/status.out"
	src=$RC
	run ais ensure --check
	cp "$T/err" "$T/check.err"
	crc=$RC
	expect_eq "$src" "$crc" "$1: exit codes of status and ensure --check"
	# status --json: the same exit code and the same verdicts, reason for reason.
	run ais status --json
	expect_eq "$RC" "$src" "$1: exit codes of status --json and status"
	node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		for (const i of s.images)
			if (i.state !== "fresh" && i.state !== "present")
				console.log(`aishell: ${i.tag} is ${i.state}: ${i.reason}`);' "$T/out" >"$T/json.verdicts" ||
		fail "$1: status --json is not JSON"
	if [ "$crc" = 0 ]; then
		expect_eq "$(cat "$T/json.verdicts")" "" "$1: status --json: all fresh"
		expect_eq "$(cat "$T/hook")" "" "$1: the hook is silent when all is fresh"
		return 0
	fi
	expect_eq "$crc" 4 "$1: stale exit code"
	grep -E '^aishell: .* is (stale|missing): .' "$T/check.err" >"$T/verdicts" ||
		fail "$1: ensure --check printed no verdict with a reason"
	while IFS= read -r line; do
		v=${line#aishell: }
		tag=${v%% is *}
		rest=${v#"$tag is "}
		grep -qF "$line" "$T/hook" || { cat "$T/hook" >&2; fail "$1: the hook lacks '$v'"; }
		grep -F "$tag " "$T/status.out" | grep -qF "$rest" ||
			{ cat "$T/status.out" >&2; fail "$1: status lacks '$rest' for $tag"; }
	done <"$T/verdicts"
	expect_eq "$(grep -cE ' is (stale|missing): ' "$T/hook")" "$(grep -c . "$T/verdicts")" \
		"$1: as many verdicts from the hook as from ensure --check"
	expect_eq "$(cat "$T/json.verdicts")" "$(cat "$T/verdicts")" "$1: the verdicts of status --json"
	if grep -qE ' is (stale|missing): ;' "$T/hook"; then cat "$T/hook" >&2; fail "$1: empty reason"; fi
	echo "$1: $(grep -c . "$T/verdicts") verdict(s) agree" >&2
}

# switch BRANCH: a checkout (hooks run), its stderr in $T/hook.
switch() {
	git checkout -q "$1" 2>"$T/hook" || fail "checkout $1"
}

# 1. All fresh, HEAD moves outside .aishell/: nothing.
switch docs
judge fresh
switch main
judge fresh-back

# 2. Only the COPY'd file changes: stale, the file named, the range named.
switch deps
judge copied-file
expect_in "$T/hook" "files read by COPY/ADD/RUN --mount in .aishell/Dockerfile changed: requirements.txt"
expect_in "$T/hook" "; changed in $(git rev-parse --short=7 main)..$(git rev-parse --short=7 deps); run 'aishell ensure' to rebuild"
switch main
judge copied-file-back

# 3. The Dockerfile changes.
switch df
judge dockerfile
expect_in "$T/hook" ".aishell/Dockerfile changed (aishell.extension.hash "
switch main
judge dockerfile-back

# 4. A new foundation: reported on the next checkout, though it moves HEAD outside .aishell/.
make_foundation two
switch docs
judge new-foundation
expect_in "$T/hook" "$REPO:base is stale: the foundation $REPO:foundation changed (id "
expect_not_in "$T/hook" "changed in"
expect_rc 0 ais ensure -q
switch main
judge rebuilt

# 5. A global Dockerfile appears, then is edited.
mkdir -p "$HOME/.aishell"
printf 'FROM %s:foundation\nRUN echo g1 > /g\n' "$REPO" >"$HOME/.aishell/Dockerfile"
switch docs
judge global-added
expect_in "$T/hook" "~/.aishell/Dockerfile was added"
expect_rc 0 ais ensure -q
printf 'FROM %s:foundation\nRUN echo g2 > /g\n' "$REPO" >"$HOME/.aishell/Dockerfile"
switch main
judge global-edited
expect_in "$T/hook" "~/.aishell/Dockerfile changed (aishell.base.dockerfile.hash "
rm -rf "$HOME/.aishell"
switch docs
judge global-removed
expect_in "$T/hook" "~/.aishell/Dockerfile was removed"
expect_rc 0 ais ensure -q
switch main
judge fresh-again

# 6. The ext image is removed: missing.
docker_cli rmi -f "$EXT" >/dev/null
switch docs
judge ext-missing
expect_in "$T/hook" "$EXT is missing: image not found"
expect_rc 0 ais ensure -q
switch main
judge fresh-after-rebuild

# 7. The foundation is gone.
docker_cli rmi "$REPO:foundation" >/dev/null
switch docs
judge foundation-missing
expect_in "$T/hook" "$REPO:foundation is missing: image not found"
