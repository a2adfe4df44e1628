#!/bin/sh
# aishell prune: removes ext images of vanished projects and untagged images
# the chain left behind; keeps what a container uses, the foundation, the
# base, live projects, and other repositories' images.
. "$(dirname "$0")/lib.sh"

make_foundation one
FID=$(img_id "$REPO:foundation")

mkproject() { # name -> builds its ext, sets P and EXT
	new_project "$1"
	mkdir -p "$P/.aishell"
	printf 'FROM %s:base\nRUN echo %s > /name\n' "$REPO" "$1" >"$P/.aishell/Dockerfile"
	expect_rc 0 ais ensure -C "$P"
}

mkproject live
LIVE=$EXT
mkproject gone
GONE=$EXT
GONE_DIR=$P
mkproject nodockerfile
NODF=$EXT
NODF_DIR=$P
mkproject used
USED=$EXT
USED_DIR=$P
docker_cli create --name "$REPO-c1" "$USED" /bin/true >/dev/null

# A replaced image a container still used stays behind untagged.
new_project live
docker_cli create --name "$REPO-c2" "$LIVE" /bin/true >/dev/null
OLD_LIVE=$(img_id "$LIVE")
printf 'FROM %s:base\nRUN echo live2 > /name\n' "$REPO" >"$P/.aishell/Dockerfile"
expect_rc 0 ais ensure -C "$P"
[ -n "$(img_id "$OLD_LIVE")" ] || fail "the old image in use should have stayed"
docker_cli rm "$REPO-c2" >/dev/null

# Another repository's chain is never touched.
OTHER="$REPO-other"
new_project other
mkdir -p "$P/.aishell"
docker_cli tag "$REPO:foundation" "$OTHER:foundation"
printf 'FROM %s:base\nRUN echo other > /name\n' "$OTHER" >"$P/.aishell/Dockerfile"
expect_rc 0 env AISHELL_IMAGE_REPO="$OTHER" "$AISHELL" ensure -C "$P"
OTHER_EXT="$OTHER:ext-$(h12 "$P")"
rm -rf "$P"

rm -rf "$GONE_DIR" "$USED_DIR"
rm "$NODF_DIR/.aishell/Dockerfile"

# Dry run: lists, removes nothing.
expect_rc 0 ais prune --dry-run
expect_in "$T/out" "would remove $GONE: project directory no longer exists"
expect_in "$T/out" "would remove $NODF: project has no .aishell/Dockerfile"
expect_in "$T/out" "$OLD_LIVE"
expect_not_in "$T/out" "$LIVE"
[ -n "$(img_id "$GONE")" ] || fail "dry run removed an image"

expect_rc 0 ais prune --json
expect_in "$T/out" "\"tag\":	\"$GONE\""
expect_in "$T/out" "\"tag\":	\"$NODF\""
[ -z "$(img_id "$GONE")" ] || fail "$GONE not removed"
[ -z "$(img_id "$NODF")" ] || fail "$NODF not removed"
[ -z "$(img_id "$OLD_LIVE")" ] || fail "untagged $OLD_LIVE not removed"
# In use by a container: kept, with the reason.
[ -n "$(img_id "$USED")" ] || fail "$USED removed although a container uses it"
expect_in "$T/out" '"kept":'
expect_in "$T/out" "in use"
# Never the foundation, the base, a live project, or another repository.
expect_eq "$(img_id "$REPO:foundation")" "$FID"
expect_eq "$(img_id "$REPO:base")" "$FID"
[ -n "$(img_id "$LIVE")" ] || fail "live project's image removed"
[ -n "$(img_id "$OTHER_EXT")" ] || fail "another repository's image removed"

docker_cli rm "$REPO-c1" >/dev/null
expect_rc 0 ais prune
expect_in "$T/out" "removed  $USED"
expect_rc 0 ais prune
expect_in "$T/out" "nothing to prune"

docker_cli rmi -f "$OTHER_EXT" "$OTHER:base" "$OTHER:foundation" >/dev/null 2>&1 || true

# prune decides under the tag's lock: an ensure holding it may bring the project back, and then the image
# stays. The lock is held from outside until prune waits for it; meanwhile the project returns.
mkproject back
BACK=$EXT
BACK_DIR=$P
mv "$BACK_DIR" "$T/back-away"
LOCK="$HOME/.local/state/aishell/locks/$BACK.lock"
flock -o "$LOCK" sh -c 'until [ -e "$1" ]; do sleep 0.05; done' sh "$T/release" &
holder=$!
n=0
until ! flock -n "$LOCK" true; do
	n=$((n + 1))
	[ $n -lt 200 ] || fail "the lock holder did not start"
	sleep 0.05
done
"$AISHELL" prune >"$T/prune.out" 2>"$T/prune.err" &
pruner=$!
n=0
until grep -q "$BACK: waiting" "$T/prune.err"; do
	n=$((n + 1))
	[ $n -lt 600 ] || { cat "$T/prune.out" "$T/prune.err" >&2; fail "prune did not wait for the tag's lock"; }
	sleep 0.05
done
mv "$T/back-away" "$BACK_DIR"
touch "$T/release"
wait "$holder"
wait "$pruner" || { cat "$T/prune.err" >&2; fail "prune failed"; }
expect_not_in "$T/prune.out" "$BACK"
[ -n "$(img_id "$BACK")" ] || fail "prune removed $BACK, whose project came back while it waited for the lock"

# Only "no such file" means a project is gone: a project prune cannot look at (another user's 0700
# directory) is kept, and reported as such. Run unprivileged, with the engine socket's group.
sock=${DOCKER_HOST:-unix:///var/run/docker.sock}
sock=${sock#unix://}
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && [ -S "$sock" ] &&
	[ "$(stat -c %a "$sock" | cut -c2)" = 6 ] &&
	setpriv --reuid=65534 --regid=65534 --groups="$(stat -c %g "$sock")" test -w "$sock"; then
	mkdir -p "$T/private"
	chmod 700 "$T/private"
	new_project private/proj
	mkdir -p "$P/.aishell"
	printf 'FROM %s:base\nRUN echo private > /name\n' "$REPO" >"$P/.aishell/Dockerfile"
	expect_rc 0 ais ensure -C "$P"
	PRIV=$EXT
	U="$T/unpriv"
	mkdir -p "$U/home"
	cp "$AISHELL" "$U/aishell"
	chmod 755 "$T" "$U"
	# the other user knows the project too (its own record of it, as if it had built the ext)
	mkdir -p "$U/home/.local/state/aishell"
	cp -r "$HOME/.local/state/aishell/projects" "$U/home/.local/state/aishell/"
	chmod -R go-rwx "$U/home/.local/state/aishell"
	chown -R 65534:65534 "$U/home"
	expect_rc 0 env HOME="$U/home" setpriv --reuid=65534 --regid=65534 --groups="$(stat -c %g "$sock")" \
		"$U/aishell" prune
	expect_in "$T/out" "kept     $PRIV: cannot check the project directory: Permission denied"
	[ -n "$(img_id "$PRIV")" ] || fail "prune removed $PRIV although its project exists"
	expect_rc 0 ais prune
	expect_not_in "$T/out" "$PRIV"
else
	echo "t1100: not root, or the engine socket is not group-accessible: skipping the unreadable-project case" >&2
fi
