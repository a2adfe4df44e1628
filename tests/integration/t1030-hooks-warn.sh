#!/bin/sh
# warn mode: the checkout, merge or rebase that changes .aishell/Dockerfile names the ext image and
# the changed file; nothing changed -> silent; file checkouts, amends and the middle of a rebase stay
# quiet; a new foundation or global Dockerfile is named as the cause.
. "$(dirname "$0")/lib.sh"
git_setup
make_foundation one
new_git_project warn
commit_branch two main two
commit_branch docs main -
git -C "$P" checkout -q main
expect_rc 0 ais ensure -C "$P" -q
cd "$P"
expect_rc 0 ais hooks install
short() { git rev-parse --short=7 "$1"; }

# Dockerfile differs: one line naming the image, the file, the range and the fix.
m=$(short main); t=$(short two)
expect_rc 0 git checkout -q two
expect_eq "$(grep -c aishell "$T/err")" 1 "one line"
expect_in "$T/err" "aishell: $EXT is stale: .aishell/Dockerfile changed (aishell.extension.hash "
expect_in "$T/err" "); changed in $m..$t; run 'aishell ensure' to rebuild"
# Back to the Dockerfile the image was built from: fresh, silent.
expect_rc 0 git checkout -q main
expect_eq "$(cat "$T/err")" "" "checkout back to a fresh state"
# Only README differs: silent (aishell judges, finds everything fresh).
expect_rc 0 git checkout -q docs
expect_eq "$(cat "$T/err")" "" "README-only checkout"
expect_rc 0 git checkout -q main
# File checkout (flag 0) and same-commit checkout: nothing.
ext_dockerfile edited
expect_rc 0 git checkout -- .aishell/Dockerfile
expect_eq "$(cat "$T/err")" "" "file checkout"
expect_rc 0 git checkout -q -b same
expect_eq "$(cat "$T/err")" "" "old == new"
git checkout -q main

# From a subdirectory the fix names the project root (quoted when needed).
mkdir -p "$P/src"
cd "$P/src"
expect_rc 0 git checkout -q two
expect_in "$T/err" "run 'aishell ensure -C $P' to rebuild"
cd "$P"
git checkout -q main

# post-merge: merging a branch that changes the Dockerfile.
git checkout -q -b merged main
expect_rc 0 git merge -q --no-edit two
expect_in "$T/err" "$EXT is stale: .aishell/Dockerfile changed ("
expect_in "$T/err" "changed in $m..$t"
git checkout -q main
# A merge that does not touch .aishell/: silent.
git checkout -q -b merged2 main
expect_rc 0 git merge -q --no-edit docs
expect_not_in "$T/err" "aishell"
git checkout -q main

# Rebase: the mid-rebase post-checkout stays quiet, post-rewrite reports once.
git checkout -q -b feature docs
echo feature >>"$P/README"; git commit -qam feature
expect_rc 0 git rebase -q two
expect_eq "$(grep -c aishell "$T/err")" 1 "one report per rebase"
expect_in "$T/err" "$EXT is stale: .aishell/Dockerfile changed ("
expect_in "$T/err" "; changed in "
# Amend: the worktree does not change, nothing to say.
expect_rc 0 git commit -q --amend -m amended
expect_not_in "$T/err" "aishell"
git checkout -q main

# Direct calls: all-zero OLD (clone, worktree add) diffs against the empty tree.
AISHELL_HOOKS=0 git checkout -q two
expect_rc 0 ais hook post-checkout 0000000000000000000000000000000000000000 "$(git rev-parse two)" 1
expect_in "$T/err" "$EXT is stale: .aishell/Dockerfile changed ("
expect_in "$T/err" "; from the checkout of $t; run 'aishell ensure -C $P' to rebuild"
git checkout -q main
expect_rc 0 ais hook post-checkout "$(git rev-parse main)" "$(git rev-parse main)" 1
expect_eq "$(cat "$T/err")" ""
# Bad arguments: one warning, still exit 0.
expect_rc 0 ais hook post-checkout nonsense
expect_in "$T/err" "post-checkout hook: post-checkout wants OLD NEW FLAG"
expect_rc 0 ais hook post-rewrite
expect_in "$T/err" "post-rewrite wants"

# A new foundation: base (and so ext) stale, the foundation named.
make_foundation two
expect_rc 0 git checkout -q two
expect_in "$T/err" "aishell: $REPO:base is stale: the foundation $REPO:foundation changed (id "
expect_in "$T/err" "$EXT is stale: .aishell/Dockerfile changed ("
expect_in "$T/err" "changed in $m..$t; run 'aishell ensure' to rebuild"
expect_rc 0 ais ensure -q
# A global Dockerfile appears: the custom base is missing its build.
mkdir -p "$HOME/.aishell"
printf 'FROM %s:foundation\nRUN echo global > /g\n' "$REPO" >"$HOME/.aishell/Dockerfile"
expect_rc 0 git checkout -q main
expect_in "$T/err" "$REPO:base is stale: ~/.aishell/Dockerfile was added (aishell.base.dockerfile.hash (absent) -> "
rm -rf "$HOME/.aishell"

# off: nothing at all.
git config aishell.hooks.mode off
expect_rc 0 git checkout -q two
expect_eq "$(cat "$T/err")" "" "off mode"
