#!/bin/sh
# Linked worktrees: installing from one writes the common hooks dir once for all; `git worktree add`
# (all-zero OLD) is handled; each worktree reports its own ext image; the recorded binary is never one
# inside a worktree.
. "$(dirname "$0")/lib.sh"
git_setup
make_foundation one
new_git_project main-wt
commit_branch two main two
git -C "$P" checkout -q main
MAIN=$P
MAIN_EXT=$EXT
expect_rc 0 ais ensure -C "$MAIN" -q

git -C "$MAIN" worktree add -q "$T/linked" -b linked main >/dev/null 2>&1 || fail "worktree add"
LINKED=$(cd "$T/linked" && pwd -P)
LINKED_EXT="$REPO:ext-$(h12 "$LINKED")"
mkdir -p "$LINKED/deep/dir"
cd "$LINKED/deep/dir"
expect_rc 0 ais hooks install
expect_in "$T/err" "hooks directory: $MAIN/.git/hooks"
[ -x "$MAIN/.git/hooks/post-checkout" ] || fail "not installed into the common dir"
[ ! -e "$MAIN/.git/worktrees/linked/hooks" ] || fail "installed into the per-worktree git dir"
expect_rc 0 ais hooks status
expect_in "$T/out" "worktree       $LINKED"
expect_in "$T/out" "hooks dir      $MAIN/.git/hooks"
# Re-install from the main worktree: same hooks.
cd "$MAIN"
expect_rc 0 ais hooks install
expect_in "$T/err" "post-checkout: already installed"

# The linked worktree's ext image is its own (never built): checkout there names it.
cd "$LINKED"
expect_rc 0 git checkout -q --detach two
expect_in "$T/err" "$LINKED_EXT is missing: image not found; run 'aishell ensure -C $LINKED' to rebuild"
expect_not_in "$T/err" "$MAIN_EXT"
expect_rc 0 ais ensure -q
expect_rc 0 git checkout -q linked
expect_in "$T/err" "$LINKED_EXT is stale: .aishell/Dockerfile changed ("
expect_in "$T/err" "; run 'aishell ensure -C $LINKED' to rebuild"

# worktree add fires post-checkout with an all-zero OLD in the new worktree: handled, git exits 0.
cd "$MAIN"
expect_rc 0 git worktree add "$T/added" two
ADDED=$(cd "$T/added" && pwd -P)
expect_in "$T/err" "$REPO:ext-$(h12 "$ADDED") is missing: image not found; run 'aishell ensure -C $ADDED' to rebuild"
# And the main worktree is untouched by all this.
expect_rc 0 git checkout -q --detach two
expect_in "$T/err" "$MAIN_EXT is stale"

# A binary inside a linked worktree is not recorded either.
cp "$AISHELL" "$LINKED/aishell"
expect_rc 0 "$LINKED/aishell" hooks install
expect_in "$T/err" "not recording $LINKED/aishell in the hooks: it lies inside the worktree $LINKED"
