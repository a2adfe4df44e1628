#!/bin/sh
# A dependency bump (a file the ext Dockerfile COPYs, nothing under .aishell/ changed) is noticed by
# every hook: checkout, pull (post-merge) and rebase (post-rewrite) warn in warn mode; build mode
# rebuilds in the foreground; background mode rebuilds detached.
. "$(dirname "$0")/lib.sh"
git_setup
make_foundation one
# The upstream repository, and a clone of it that the user works in.
U="$T/upstream"
mkdir -p "$U/.aishell"
git -C "$U" init -q
printf 'FROM %s:base\nCOPY requirements.txt /opt/req.txt\n' "$REPO" >"$U/.aishell/Dockerfile"
echo 'requests==1.0' >"$U/requirements.txt"
git -C "$U" add -A
git -C "$U" commit -qm one
git clone -q "$U" "$T/clone"
new_project clone
cd "$P"
git checkout -q -b work
echo 'notes' >notes.txt
git add notes.txt
git commit -qm notes
git checkout -q main
expect_rc 0 ais ensure -q
expect_rc 0 ais hooks install
bump() { # bump VERSION: commit a new requirements.txt upstream
	echo "requests==$1" >"$U/requirements.txt"
	git -C "$U" commit -qam "bump $1"
}

# pull: post-merge names the file and the range.
old=$(git rev-parse --short=7 HEAD)
bump 2.0
git pull -q --no-rebase 2>"$T/err" || fail "pull"
new=$(git rev-parse --short=7 HEAD)
expect_in "$T/err" "aishell: $EXT is stale: files read by COPY/ADD/RUN --mount in .aishell/Dockerfile changed: requirements.txt ("
expect_in "$T/err" "; changed in $old..$new; run 'aishell ensure' to rebuild"
expect_rc 4 ais ensure --check
expect_rc 0 ais ensure -q

# rebase: a local branch rebased onto the bump reports once, at the end.
bump 3.0
git fetch -q
git checkout -q work 2>/dev/null
git rebase -q origin/main 2>"$T/err" || fail "rebase"
expect_eq "$(grep -c "is stale" "$T/err")" 1 "one report per rebase"
expect_in "$T/err" "files read by COPY/ADD/RUN --mount in .aishell/Dockerfile changed: requirements.txt"
# checkout back to main (still at the 2.0 bump) once the image has 3.0: stale again, named again.
expect_rc 0 ais ensure -q
git checkout -q main 2>"$T/err"
expect_in "$T/err" "changed: requirements.txt"
expect_rc 0 ais ensure -q

# build mode: the pull rebuilds at once.
git config aishell.hooks.mode build
bump 4.0
git pull -q --no-rebase 2>"$T/err" || fail "pull (build mode)"
expect_in "$T/err" "rebuilding (aishell.hooks.mode=build)"
expect_rc 0 ais ensure --check
expect_eq "$(docker_cli run --rm "$EXT" cat /opt/req.txt)" "requests==4.0" "built from the pulled file"

# background mode: the pull returns, a detached worker rebuilds.
git config aishell.hooks.mode background
export XDG_STATE_HOME="$T/state"
bump 5.0
git pull -q --no-rebase 2>"$T/err" || fail "pull (background mode)"
expect_in "$T/err" "rebuilding in the background (log: "
i=0
until ais ensure --check >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 300 ] || fail "the background build did not make the image fresh in 60 s"
	sleep 0.2
done
expect_eq "$(docker_cli run --rm "$EXT" cat /opt/req.txt)" "requests==5.0" "background build from the pulled file"
