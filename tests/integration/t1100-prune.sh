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
