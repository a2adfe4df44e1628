#!/bin/sh
# Repository paths and binary paths with spaces, quotes and $(...) work and inject nothing.
. "$(dirname "$0")/lib.sh"
git_setup
make_foundation one
# shellcheck disable=SC2016
WEIRD='we ird '"'"'q'"'"' "dq" $(touch INJECTED) `touch INJECTED2` ; x'
new_git_project "$WEIRD"
commit_branch two main two
git -C "$P" checkout -q main
expect_rc 0 ais ensure -C "$P" -q

# The binary, too, lives under such a path.
BIN_DIR="$T/bin $WEIRD"
mkdir -p "$BIN_DIR"
cp "$AISHELL" "$BIN_DIR/aishell"
cd "$P"
expect_rc 0 "$BIN_DIR/aishell" hooks install
grep -q '^aishell_bin=' .git/hooks/post-checkout || fail "no aishell_bin line"
render_shim "$BIN_DIR/aishell" >"$T/want"
cmp .git/hooks/post-checkout "$T/want" || fail "shim differs from the template"
expect_rc 0 "$BIN_DIR/aishell" hooks status
expect_in "$T/out" "binary         $BIN_DIR/aishell (recorded at install)"

expect_rc 0 git checkout -q two
expect_in "$T/err" "$EXT is stale: .aishell/Dockerfile changed"
# From a subdirectory the fix command quotes the root so it can be pasted.
mkdir -p "$P/sub"
cd "$P/sub"
expect_rc 0 git checkout -q main
expect_rc 0 git checkout -q two
q=$(printf '%s' "$P" | sed "s/'/'\\\\''/g")
expect_in "$T/err" "run 'aishell ensure -C '$q'' to rebuild"
cd "$P"
expect_rc 0 git merge -q --no-edit main
# Nothing ran that was not meant to.
for f in INJECTED INJECTED2; do
	found=$(find "$T" / -xdev -maxdepth 1 -name "$f" 2>/dev/null | head -1)
	[ -z "$found" ] || fail "injected: $found"
	[ -z "$(find "$T" -name "$f" 2>/dev/null | head -1)" ] || fail "injected under $T"
done
# Background mode with the weird path: the worker finds the project and builds.
export XDG_STATE_HOME="$T/state $WEIRD"
git checkout -q main
expect_rc 0 "$BIN_DIR/aishell" hooks install --mode background
expect_rc 0 git checkout -q two
expect_in "$T/err" "rebuilding in the background"
i=0
until ais ensure --check >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 300 ] || fail "background build did not finish"
	sleep 0.2
done
[ -z "$(find "$T" -name 'INJECTED*' 2>/dev/null | head -1)" ] || fail "injected"
[ ! -e INJECTED ] && [ ! -e "$HOME/INJECTED" ] || fail "injected in cwd or HOME"
