#!/bin/sh
# docs/lefthook.yml, tried for real with lefthook (npm package; tests/run.sh installs it and sets
# AIS_LEFTHOOK): the stale-image report comes through lefthook's post-checkout and post-merge.
. "$(dirname "$0")/lib.sh"
LH=${AIS_LEFTHOOK:-$(command -v lefthook 2>/dev/null || true)}
[ -n "$LH" ] && [ -x "$LH" ] || { echo "$TEST_NAME: lefthook not available (tests/run.sh installs it from npm); skipped"; exit 77; }
git_setup
make_foundation one
mkdir -p "$T/pathbin"
ln -s "$AISHELL" "$T/pathbin/aishell"
export PATH="$T/pathbin:$PATH"

new_git_project lefthook
cp "$AIS_SRC/docs/lefthook.yml" "$P/lefthook.yml"
git -C "$P" add lefthook.yml && git -C "$P" commit -qm lefthook
commit_branch two main two
git -C "$P" checkout -q main
cd "$P"
expect_rc 0 ais ensure -q
expect_rc 0 "$LH" install
grep -q -i lefthook .git/hooks/post-checkout || fail "lefthook did not install post-checkout"

expect_rc 0 git checkout -q two
cat "$T/out" "$T/err" >"$T/all"
expect_in "$T/all" "$EXT is stale: .aishell/Dockerfile changed"
expect_rc 0 git checkout -q main
cat "$T/out" "$T/err" >"$T/all"
expect_not_in "$T/all" "is stale"
git checkout -q -b merged main
expect_rc 0 git merge -q --no-edit two
cat "$T/out" "$T/err" >"$T/all"
expect_in "$T/all" "$EXT is stale: .aishell/Dockerfile changed"
git checkout -q main
expect_rc 0 env DOCKER_HOST=unix://$T/none.sock git checkout -q two
cat "$T/out" "$T/err" >"$T/all"
expect_in "$T/all" "cannot check the images"
