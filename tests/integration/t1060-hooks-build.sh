#!/bin/sh
# build mode: the checkout that makes the ext stale rebuilds it in the foreground, with progress, and
# git exits 0 even when the build fails.
. "$(dirname "$0")/lib.sh"
git_setup
make_foundation one
new_git_project build
commit_branch two main two
git -C "$P" checkout -q -b broken main
printf 'FROM %s:base\nRUN exit 7\n' "$REPO" >"$P/.aishell/Dockerfile"
git -C "$P" commit -qam broken
git -C "$P" checkout -q main
cd "$P"
expect_rc 0 ais ensure -q
E1=$(img_id "$EXT")
expect_rc 0 ais hooks install --mode build

expect_rc 0 git checkout -q two
expect_in "$T/err" "$EXT is stale: .aishell/Dockerfile changed"
expect_in "$T/err" "rebuilding (aishell.hooks.mode=build)"
expect_in "$T/err" "aishell: built $EXT"
E2=$(img_id "$EXT")
expect_ne "$E2" "$E1" "ext rebuilt by the hook"
expect_eq "$(label "$EXT" aishell.extension.hash)" "$(h12_file "$P/.aishell/Dockerfile")" "built from the checked-out Dockerfile"
expect_rc 0 ais ensure --check

# A failing build: one warning, the old tag stays, git exits 0.
expect_rc 0 git checkout -q broken
expect_in "$T/err" "aishell: warning: rebuild failed:"
expect_in "$T/err" "run 'aishell ensure' to retry"
expect_eq "$(img_id "$EXT")" "$E2" "failed build kept the tag"

# Back to main: rebuilt again; post-merge builds too.
expect_rc 0 git checkout -q -f main
expect_in "$T/err" "aishell: built $EXT"
git checkout -q -b m main
expect_rc 0 git merge -q --no-edit two
expect_in "$T/err" "aishell: built $EXT"
expect_eq "$(label "$EXT" aishell.extension.hash)" "$(h12_file "$P/.aishell/Dockerfile")"
