#!/bin/sh
# core.hooksPath set: install explains and stops without --force, never changes the setting, and
# --force installs where git really looks (relative to the worktree root, ~ expanded).
. "$(dirname "$0")/lib.sh"
git_setup
make_foundation one
new_git_project hookspath
commit_branch other main two
git -C "$P" checkout -q main
expect_rc 0 ais ensure -C "$P" -q
cd "$P"

git config core.hooksPath .githooks
mkdir -p sub && cd sub
expect_rc 1 ais hooks install
expect_in "$T/err" "core.hooksPath is set to '.githooks', so git runs hooks from $P/.githooks"
expect_in "$T/err" "--force"
[ ! -e "$P/.githooks" ] || fail "install without --force wrote something"
[ ! -e "$P/.git/hooks/post-checkout" ] || fail "install without --force wrote into .git/hooks"
expect_rc 0 ais hooks install --force
expect_in "$T/err" "installing into $P/.githooks (--force)"
[ -x "$P/.githooks/post-checkout" ] || fail "not installed into the relative core.hooksPath"
expect_eq "$(git config --get core.hooksPath)" .githooks "core.hooksPath changed"
expect_rc 0 ais hooks status
expect_in "$T/out" "hooks dir      $P/.githooks"
expect_in "$T/out" "core.hooksPath .githooks"
# git runs it from there.
cd "$P"
expect_rc 0 git checkout -q other
expect_in "$T/err" "$EXT is stale: .aishell/Dockerfile changed"
expect_rc 0 git checkout -q main
expect_rc 0 ais hooks uninstall
[ ! -e "$P/.githooks/post-checkout" ] || fail "uninstall left the shim in core.hooksPath"

# ~ expansion: a global-style hooks dir in HOME.
git config core.hooksPath '~/company-hooks'
expect_rc 1 ais hooks install
expect_in "$T/err" "git runs hooks from $HOME/company-hooks"
expect_rc 0 ais hooks install --force
[ -x "$HOME/company-hooks/post-merge" ] || fail "~ not expanded"
expect_eq "$(git config --get core.hooksPath)" '~/company-hooks'
expect_rc 0 git checkout -q other
expect_in "$T/err" "$EXT is stale"
git checkout -q main

# Shims left in .git/hooks while core.hooksPath points elsewhere: status says git ignores them,
# uninstall cleans both.
git config --unset core.hooksPath
expect_rc 0 ais hooks install
git config core.hooksPath '~/company-hooks'
expect_rc 0 ais hooks status
expect_in "$T/out" "$P/.git/hooks also has aishell hooks, which git ignores"
expect_rc 0 ais hooks uninstall
[ ! -e "$P/.git/hooks/post-checkout" ] || fail "uninstall left .git/hooks/post-checkout"
[ ! -e "$HOME/company-hooks/post-checkout" ] || fail "uninstall left the core.hooksPath shim"
