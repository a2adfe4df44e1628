#!/bin/sh
# hooks install/uninstall/status in a fresh repository: the files, the marker, the shim equal to the
# template, idempotence, --mode, usage errors, --help everywhere, outside a repository.
. "$(dirname "$0")/lib.sh"
git_setup
new_git_project fresh
H="$P/.git/hooks"
BIN=$(readlink -f "$AISHELL")

for c in "hooks --help" "hooks install -h" "hooks uninstall --help" "hooks status -h" "hook --help"; do
	# shellcheck disable=SC2086
	expect_rc 0 ais $c
	expect_in "$T/out" "usage: aishell hook"
done
expect_rc 0 ais help
expect_in "$T/out" "hooks     install"
expect_rc 2 ais hooks
expect_rc 2 ais hooks frobnicate
expect_rc 2 ais hooks install --mode sometimes
expect_in "$T/err" "unknown hooks mode 'sometimes'"
expect_rc 2 ais hooks install extra
expect_rc 2 ais hook pre-commit
expect_in "$T/err" "unknown hook 'pre-commit'"

cd "$T"
mkdir -p notrepo && cd notrepo
expect_rc 1 ais hooks install
expect_in "$T/err" "not in a git repository"
expect_rc 1 ais hooks status

# Install from a subdirectory.
mkdir -p "$P/sub/dir"
cd "$P/sub/dir"
expect_rc 0 ais hooks install
expect_in "$T/err" "hooks directory: $H"
for h in post-checkout post-merge post-rewrite; do
	[ -x "$H/$h" ] || fail "$h not installed"
	render_shim "$BIN" >"$T/want"
	cmp "$H/$h" "$T/want" || { diff "$H/$h" "$T/want" >&2; fail "$h differs from hooks/shim.sh"; }
	grep -q '^# aishell-hook-shim' "$H/$h" || fail "$h has no marker line"
done
sh -n "$H/post-checkout" || fail "shim is not valid sh"
expect_eq "$(git config --get aishell.hooks.mode || echo unset)" unset "install without --mode sets nothing"

# Idempotent: same bytes, same inode, "already installed".
ino=$(stat -c %i "$H/post-checkout")
expect_rc 0 ais hooks install
expect_in "$T/err" "post-checkout: already installed"
expect_eq "$(stat -c %i "$H/post-checkout")" "$ino" "re-install rewrote an up-to-date shim"
[ -z "$(ls "$H" | grep -e aishell-chained -e aishell-tmp)" ] || fail "re-install left files: $(ls "$H")"

# An outdated shim (another binary recorded) is updated in place.
sed -i "s|^aishell_bin=.*|aishell_bin='/old/aishell'|" "$H/post-merge"
expect_rc 0 ais hooks status
expect_in "$T/out" "post-merge     installed, from another aishell version"
expect_rc 0 ais hooks install
expect_in "$T/err" "post-merge: updated"
cmp "$H/post-merge" "$T/want" || fail "post-merge not updated"

# --mode goes to git config; status shows everything.
expect_rc 0 ais hooks install --mode background
expect_eq "$(git config --get aishell.hooks.mode)" background
expect_rc 0 ais hooks status
expect_in "$T/out" "hooks dir      $H"
expect_in "$T/out" "core.hooksPath not set"
expect_in "$T/out" "mode           background (aishell.hooks.mode)"
expect_in "$T/out" "post-checkout  installed"
expect_in "$T/out" "binary         $BIN (recorded at install)"
expect_in "$T/out" "background     no background build yet"
git config aishell.hooks.mode bogus
expect_rc 0 ais hooks status
expect_in "$T/out" "mode           warn (aishell.hooks.mode 'bogus' is not a mode)"
expect_rc 0 env AISHELL_BIN=/some/where "$AISHELL" hooks status
expect_in "$T/out" "binary         /some/where (AISHELL_BIN) -- not executable"

# A binary inside the worktree is never recorded.
cp "$AISHELL" "$P/sub/aishell-copy"
expect_rc 0 "$P/sub/aishell-copy" hooks install
expect_in "$T/err" "not recording $P/sub/aishell-copy in the hooks"
grep -q "^aishell_bin=''$" "$H/post-checkout" || fail "a worktree binary was recorded: $(grep ^aishell_bin= "$H/post-checkout")"
expect_rc 0 ais hooks install
grep -q "^aishell_bin='$BIN'$" "$H/post-checkout" || fail "binary not recorded again"

# Uninstall removes exactly our files; twice is fine.
expect_rc 0 ais hooks uninstall
expect_in "$T/err" "post-checkout: removed"
[ -z "$(ls "$H" | grep -v '\.sample$' || true)" ] || fail "uninstall left: $(ls "$H")"
expect_rc 0 ais hooks uninstall
expect_in "$T/err" "post-checkout: not installed"
expect_rc 0 ais hooks status
expect_in "$T/out" "post-checkout  not installed"
# A hooks directory that does not exist yet is created.
rm -rf "$H"
expect_rc 0 ais hooks install
[ -x "$H/post-rewrite" ] || fail "hooks dir not created"
