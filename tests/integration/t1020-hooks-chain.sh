#!/bin/sh
# A foreign hook (git-lfs style) is moved aside, still runs first with the same arguments and stdin,
# its exit status stays the hook's; uninstall restores it byte for byte; a taken backup name refuses.
. "$(dirname "$0")/lib.sh"
git_setup
make_foundation one
new_git_project chain
commit_branch other main two
git -C "$P" checkout -q main
expect_rc 0 ais ensure -C "$P" -q
cd "$P"
H="$P/.git/hooks"

# Foreign hooks that log their arguments and stdin; post-checkout's exit status comes from a file.
for h in post-checkout post-merge post-rewrite; do
	cat >"$H/$h" <<-EOS
	#!/bin/sh
	# foreign $h hook (think git-lfs)
	printf '%s' "$h" >>"$T/foreign.log"
	for a in "\$@"; do printf ' [%s]' "\$a" >>"$T/foreign.log"; done
	echo >>"$T/foreign.log"
	if [ $h = post-rewrite ]; then sed 's/^/stdin: /' >>"$T/foreign.log"; fi
	exit \$(cat "$T/foreign.rc" 2>/dev/null || echo 0)
	EOS
	chmod 0750 "$H/$h"
	cp -p "$H/$h" "$T/orig-$h"
done

# Backup name taken: refuse, change nothing.
echo taken >"$H/post-merge.aishell-chained"
expect_rc 1 ais hooks install
expect_in "$T/err" "'post-merge.aishell-chained' already exists"
cmp "$H/post-checkout" "$T/orig-post-checkout" || fail "refused install changed post-checkout"
[ ! -e "$H/post-checkout.aishell-chained" ] || fail "refused install moved post-checkout"
rm "$H/post-merge.aishell-chained"

expect_rc 0 ais hooks install
expect_in "$T/err" "post-checkout: installed; the existing hook was moved to post-checkout.aishell-chained and runs first"
cmp "$H/post-checkout.aishell-chained" "$T/orig-post-checkout" || fail "chained copy differs"
expect_rc 0 ais hooks install
expect_in "$T/err" "post-checkout: already installed (chaining .aishell-chained hook)"
expect_rc 0 ais hooks status
expect_in "$T/out" "post-checkout  installed; runs post-checkout.aishell-chained first"

# Checkout: the foreign hook ran first with git's arguments, then aishell warned.
old=$(git rev-parse HEAD); new=$(git rev-parse other)
: >"$T/foreign.log"
expect_rc 0 git checkout -q other
expect_eq "$(cat "$T/foreign.log")" "post-checkout [$old] [$new] [1]" "foreign post-checkout arguments"
expect_in "$T/err" "$EXT is stale: .aishell/Dockerfile changed ("
expect_in "$T/err" "; changed in ${old%"${old#???????}"}..${new%"${new#???????}"};"
# Its exit status is kept: git checkout fails exactly as it would without aishell, and aishell
# still reports.
git checkout -q main
echo 3 >"$T/foreign.rc"
expect_rc 1 git checkout -q other
expect_in "$T/err" "$EXT is stale"
# ...and without aishell the same checkout fails the same way (AISHELL_HOOKS=0 only skips aishell).
expect_rc 1 env AISHELL_HOOKS=0 git checkout -q main
expect_not_in "$T/err" "aishell"
rm "$T/foreign.rc"
git checkout -q -f main

# post-merge and post-rewrite: same arguments; stdin reaches the foreign post-rewrite.
: >"$T/foreign.log"
git merge -q --no-edit other >/dev/null 2>&1 || fail "merge failed"
expect_eq "$(cat "$T/foreign.log")" "post-merge [0]" "foreign post-merge arguments"
git reset -q --hard HEAD~1
echo more >>README && git commit -qam more
: >"$T/foreign.log"
before=$(git rev-parse HEAD)
git commit -q --amend -m amended
after=$(git rev-parse HEAD)
printf 'post-rewrite [amend]\nstdin: %s %s\n' "$before" "$after" >"$T/want"
cmp "$T/foreign.log" "$T/want" || { diff "$T/foreign.log" "$T/want" >&2; fail "foreign post-rewrite arguments or stdin"; }

# Uninstall: ours gone, the foreign hooks back byte for byte with their mode.
expect_rc 0 ais hooks uninstall
expect_in "$T/err" "post-checkout: removed; the previous hook is back in place"
for h in post-checkout post-merge post-rewrite; do
	cmp "$H/$h" "$T/orig-$h" || fail "$h not restored byte for byte"
	expect_eq "$(stat -c %a "$H/$h")" 750 "$h mode"
	[ ! -e "$H/$h.aishell-chained" ] || fail "$h.aishell-chained left behind"
done
# A foreign hook is never removed by uninstall.
expect_rc 0 ais hooks uninstall
expect_in "$T/err" "post-checkout: not aishell's; left alone"
cmp "$H/post-checkout" "$T/orig-post-checkout" || fail "uninstall touched a foreign hook"

# A symlinked foreign hook is moved and restored as the symlink itself.
rm "$H/post-checkout"
ln -s "$T/orig-post-checkout" "$H/post-checkout"
expect_rc 0 ais hooks install
[ -L "$H/post-checkout.aishell-chained" ] || fail "symlink not moved as a symlink"
: >"$T/foreign.log"
git checkout -q other
expect_in "$T/foreign.log" "post-checkout ["
expect_rc 0 ais hooks uninstall
expect_eq "$(readlink "$H/post-checkout")" "$T/orig-post-checkout" "symlink restored"
