#!/bin/sh
# Project discovery: without -C the project is the nearest directory upward holding .aishell/ (or
# .sandbox/), never above the git worktree root, never the home directory from below it; the note and
# every printed fix command name the project when the user stands elsewhere.
. "$(dirname "$0")/lib.sh"
git_setup
make_foundation one
new_git_project disc
mkdir -p "$P/src/deep"
cd "$P"
expect_rc 0 ais ensure -q

# From a subdirectory: the same project, said once.
cd "$P/src/deep"
expect_rc 0 ais status
expect_in "$T/out" "project     $P"
expect_in "$T/out" "$EXT"
expect_in "$T/err" "project $P (the nearest directory above the current one with .aishell/)"
expect_rc 0 ais ensure --check
ext_dockerfile two
expect_rc 4 ais ensure --check
expect_in "$T/err" "$EXT is stale: .aishell/Dockerfile changed"
expect_rc 0 ais ensure -q
expect_eq "$(label "$EXT" aishell.extension.hash)" "$(h12_file "$P/.aishell/Dockerfile")" "built from the root's Dockerfile"
# -C names a directory as it is.
expect_rc 0 ais status -C "$P/src/deep"
expect_in "$T/out" "project     $P/src/deep"
expect_in "$T/out" "none (no .aishell/Dockerfile"

# A nested repository (its own worktree root) is a boundary: its cwd is the project.
mkdir -p "$P/src/inner"
git -C "$P/src/inner" init -q
cd "$P/src/inner"
expect_rc 0 ais status
expect_in "$T/out" "project     $P/src/inner"
expect_not_in "$T/err" "the nearest directory above"

# Outside any git worktree: only the cwd, even with .aishell/ above it.
rm -rf "$P/.git"
cd "$P/src"
expect_rc 0 ais status
expect_in "$T/out" "project     $P/src"

# The home directory's .aishell/ is the global one: never a project from below it.
mkdir -p "$HOME/.aishell" "$HOME/work/sub"
git -C "$HOME" init -q
cd "$HOME/work/sub"
expect_rc 0 ais status
expect_in "$T/out" "project     $HOME/work/sub"
rm -rf "$HOME/.git"
