#!/bin/sh
# The hook never fails git: engine down -> one warning, exit 0; no aishell binary anywhere -> one line,
# exit 0; AISHELL_HOOKS=0 skips; AISHELL_BIN wins over the recorded path.
. "$(dirname "$0")/lib.sh"
git_setup
new_git_project down
commit_branch two main two
git -C "$P" checkout -q main
cd "$P"
expect_rc 0 ais hooks install

# Engine unreachable: git exits 0, one warning line naming the endpoint.
expect_rc 0 env DOCKER_HOST=unix://$T/no-such.sock git checkout -q two
expect_eq "$(grep -c . "$T/err")" 1 "exactly one line"
expect_in "$T/err" "aishell: warning: post-checkout hook: cannot check the images: cannot reach the Docker engine at unix://$T/no-such.sock"
expect_rc 0 env DOCKER_HOST=unix://$T/no-such.sock git checkout -q main
expect_rc 0 env DOCKER_HOST=unix://$T/no-such.sock git merge -q --no-edit two
expect_eq "$(grep -c . "$T/err")" 1 "post-merge: one line"
expect_in "$T/err" "post-merge hook: cannot check the images"
git reset -q --hard HEAD@{1}
# Same with build and background modes: nothing is attempted.
for m in build background; do
	git config aishell.hooks.mode $m
	expect_rc 0 env DOCKER_HOST=unix://$T/no-such.sock git checkout -q two
	expect_eq "$(grep -c . "$T/err")" 1 "$m: one line"
	git checkout -q main 2>/dev/null
done
git config --unset aishell.hooks.mode

# A broken config (both .aishell and .sandbox) is one warning too.
mkdir .sandbox
expect_rc 0 env DOCKER_HOST=unix://$T/no-such.sock git checkout -q two
expect_in "$T/err" "cannot check the images"
rmdir .sandbox
git checkout -q main 2>/dev/null

# AISHELL_HOOKS=0: nothing at all.
expect_rc 0 env AISHELL_HOOKS=0 DOCKER_HOST=unix://$T/no-such.sock git checkout -q two
expect_eq "$(cat "$T/err")" "" "AISHELL_HOOKS=0"
git checkout -q main 2>/dev/null

# No binary: recorded path gone, none on PATH -> one line, exit 0.
sed -i "s|^aishell_bin=.*|aishell_bin='$T/gone/aishell'|" .git/hooks/post-checkout
expect_rc 0 env PATH=/usr/bin:/bin git checkout -q two
expect_eq "$(grep -c . "$T/err")" 1 "missing binary: one line"
expect_in "$T/err" "aishell: post-checkout hook: cannot find aishell (set AISHELL_BIN to its absolute path or put it on PATH); image check skipped"
git checkout -q main 2>/dev/null
# ...found on PATH instead.
mkdir -p "$T/pathbin"
ln -s "$AISHELL" "$T/pathbin/aishell"
expect_rc 0 env PATH="$T/pathbin:/usr/bin:/bin" DOCKER_HOST=unix://$T/no-such.sock git checkout -q two
expect_in "$T/err" "cannot check the images"
git checkout -q main 2>/dev/null
# AISHELL_BIN wins over everything: a stand-in that records its arguments and environment.
cat >"$T/fake-aishell" <<EOS
#!/bin/sh
printf '%s\n' "\$*" >"$T/fake.args"
env | grep '^GIT_' >"$T/fake.env" || true
EOS
chmod +x "$T/fake-aishell"
expect_rc 0 env AISHELL_BIN="$T/fake-aishell" git checkout -q two
expect_eq "$(cat "$T/fake.args")" "hook post-checkout $(git rev-parse main) $(git rev-parse two) 1" "AISHELL_BIN arguments"
git checkout -q main 2>/dev/null

