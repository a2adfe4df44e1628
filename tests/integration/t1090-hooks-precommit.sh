#!/bin/sh
# .pre-commit-hooks.yaml, tried for real: a project whose .pre-commit-config.yaml uses this
# repository's hooks gets the stale-image report from pre-commit's post-checkout, post-merge and
# post-rewrite hooks.
. "$(dirname "$0")/lib.sh"
command -v pre-commit >/dev/null 2>&1 || { echo "$TEST_NAME: pre-commit not installed (apt-get install pre-commit); skipped"; exit 77; }
git_setup
make_foundation one
export PRE_COMMIT_HOME="$T/pre-commit-cache"
mkdir -p "$T/pathbin"
ln -s "$AISHELL" "$T/pathbin/aishell"
export PATH="$T/pathbin:$PATH"

# A hooks repository holding exactly our .pre-commit-hooks.yaml, as pre-commit would clone it.
HR="$T/hooks-repo"
mkdir -p "$HR"
cp "$AIS_SRC/.pre-commit-hooks.yaml" "$HR/"
git -C "$HR" init -q && git -C "$HR" add -A && git -C "$HR" commit -qm hooks
REV=$(git -C "$HR" rev-parse HEAD)

new_project precommit
git -C "$P" init -q
ext_dockerfile one
cat >"$P/.pre-commit-config.yaml" <<EOC
default_install_hook_types: [post-checkout, post-merge, post-rewrite]
repos:
- repo: $HR
  rev: $REV
  hooks:
  - id: aishell-post-checkout
  - id: aishell-post-merge
  - id: aishell-post-rewrite
EOC
echo readme >"$P/README"
git -C "$P" add -A && git -C "$P" commit -qm one
commit_branch two main two
commit_branch docs main -
git -C "$P" checkout -q main
cd "$P"
expect_rc 0 ais ensure -q
expect_rc 0 pre-commit install
expect_in "$T/out" "post-checkout"

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
git checkout -q -b feature docs
echo f >>README && git commit -qam feature
expect_rc 0 git rebase -q two
cat "$T/out" "$T/err" >"$T/all"
expect_in "$T/all" "$EXT is stale: .aishell/Dockerfile changed"
# Engine down: pre-commit still passes, git exits 0.
git checkout -q main
expect_rc 0 env DOCKER_HOST=unix://$T/none.sock git checkout -q two
cat "$T/out" "$T/err" >"$T/all"
expect_in "$T/all" "cannot check the images"
