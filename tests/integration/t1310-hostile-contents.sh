#!/bin/sh
# Hostile project contents: what a branch or an agent in a container can put in the project must not hang git,
# drive the terminal, or make aishell write outside the project; state directories another user controls are
# refused.
. "$(dirname "$0")/lib.sh"
git_setup
make_foundation one
new_git_project hostile
expect_rc 0 ais ensure -C "$P" -q
cd "$P"
expect_rc 0 ais hooks install

# A branch whose .dockerignore is a symbolic link to a FIFO: the hook reads it while the checkout runs, and
# must refuse it at once instead of waiting for a writer (before: `git checkout` hung).
mkfifo "$T/fifo"
git checkout -q -b fifo main
ln -s "$T/fifo" "$P/.dockerignore"
printf 'FROM %s:base\nCOPY README /r\n' "$REPO" >"$P/.aishell/Dockerfile"
git add -A
git commit -qm fifo
git checkout -q main
expect_rc 0 timeout 60 git checkout -q fifo
expect_in "$T/err" ".dockerignore' is not a regular file"
expect_rc 1 timeout 60 "$AISHELL" ensure -q
expect_in "$T/err" ".dockerignore' is not a regular file"
git checkout -q main

# A file name with terminal escapes in a reason (a file the Dockerfile copies) is quoted as git quotes it,
# never printed raw (before: "\033[2K\r" erased the warning line).
git checkout -q -b escapes main
mkdir -p "$P/data"
echo a >"$P/data/a.txt"
printf 'FROM %s:base\nCOPY data /data\n' "$REPO" >"$P/.aishell/Dockerfile"
git add -A
git commit -qm data
expect_rc 0 ais ensure -q
esc=$(printf '\033[2K\rall images fresh')
echo x >"$P/data/$esc"
git add -A
git commit -qm escapes
expect_rc 0 git checkout -q HEAD~1
expect_rc 0 git checkout -q escapes
expect_in "$T/err" 'changed: "data/\033[2K\rall images fresh"'
if grep -q "$(printf '\033')" "$T/err"; then fail "an escape reached the terminal through git"; fi
expect_rc 4 ais status
expect_in "$T/out" 'changed: "data/\033[2K\rall images fresh"'
if grep -q "$(printf '\033')" "$T/out"; then fail "an escape reached the terminal through status"; fi
git checkout -q main

# generate never writes through a committed symlink, nor into a .devcontainer that leads outside the project,
# with or without --force; -o names a file to write wherever it leads.
O="$T/other"
mkdir -p "$O/.devcontainer"
(cd "$O" && "$AISHELL" devcontainer generate -q) || fail "cannot generate the other project's file"
cp "$O/.devcontainer/devcontainer.json" "$T/other.orig"
mkdir -p "$P/.devcontainer"
ln -s ../../other/.devcontainer/devcontainer.json "$P/.devcontainer/devcontainer.json"
expect_rc 1 ais devcontainer generate
expect_in "$T/err" "devcontainer.json' is a symbolic link; not writing through it"
cmp -s "$O/.devcontainer/devcontainer.json" "$T/other.orig" || fail "generate wrote through a symlink"
expect_rc 1 ais devcontainer generate --check
printf '{ "name": "not ours" }\n' >"$O/.devcontainer/devcontainer.json"
cp "$O/.devcontainer/devcontainer.json" "$T/other.orig"
expect_rc 1 ais devcontainer generate --force
expect_in "$T/err" "is a symbolic link"
cmp -s "$O/.devcontainer/devcontainer.json" "$T/other.orig" || fail "generate --force wrote through a symlink"
[ -z "$(find "$O" "$P/.devcontainer" -name '*.bak*')" ] || fail "a backup was written"
rm -rf "$P/.devcontainer"
ln -s ../other/.devcontainer "$P/.devcontainer"
expect_rc 1 ais devcontainer generate --force
expect_in "$T/err" "leads outside the project to $O/.devcontainer"
cmp -s "$O/.devcontainer/devcontainer.json" "$T/other.orig" || fail "generate wrote outside the project"
# Named with -o: written where it leads (the link stays).
rm "$P/.devcontainer"
mkdir -p "$P/.devcontainer"
ln -s ../../other/.devcontainer/devcontainer.json "$P/.devcontainer/devcontainer.json"
rm "$O/.devcontainer/devcontainer.json"
(cd "$O" && "$AISHELL" devcontainer generate -q) || fail "cannot regenerate the other project's file"
expect_rc 0 ais devcontainer generate -o "$P/.devcontainer/devcontainer.json"
[ -L "$P/.devcontainer/devcontainer.json" ] || fail "-o replaced the link"
expect_in "$O/.devcontainer/devcontainer.json" "$EXT"
rm -rf "$P/.devcontainer"

# A state directory another user owns, or one others can write, is refused with what to do; nothing is built.
LOCKS="$HOME/.local/state/aishell/locks"
ext_dockerfile state
mkdir -p "$LOCKS"
if [ "$(id -u)" = 0 ]; then
	chown 65534:65534 "$LOCKS"
	expect_rc 1 ais ensure
	expect_in "$T/err" "'$LOCKS' belongs to another user (uid 65534); remove it or use a directory of your own"
	chown 0:0 "$LOCKS"
fi
chmod 0777 "$LOCKS"
expect_rc 1 ais ensure
expect_in "$T/err" "'$LOCKS' is writable by other users (mode 0777); run chmod go-w on it"
rm -rf "$LOCKS"
ln -s "$T" "$LOCKS"
expect_rc 1 ais ensure
expect_in "$T/err" "'$LOCKS' is a symbolic link"
rm "$LOCKS"
expect_rc 0 ais ensure -q
[ "$(stat -c %a "$LOCKS")" = 700 ] || fail "the lock directory is not 0700"
